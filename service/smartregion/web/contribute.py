"""Contributing in the browser: ``/contribute`` offers the templates and uploads a filled-in one through the write API.

The page itself writes nothing: its script (static/contribute.js) sends the file to ``POST
/api/contributions``, first as a dry run whose answer it shows as tables (what would be added; every
problem by row and column, with candidates for unknown names), then, on confirmation, for real. The
write token is typed into the page and sent only in the ``Authorization`` header of those requests.
``/api/templates`` is the page's JSON twin; ``/api/templates/{kind}.csv|.xlsx`` are the files.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smartregion.contribute import spreadsheets
from smartregion.contribute.model import ContributionError
from smartregion.rdf import sheets
from smartregion.web import i18n
from smartregion.web.errors import errors
from smartregion.web.linkeddata import html_response, page_context
from smartregion.web.problems import Problem
from smartregion.web.rendering import render

router = APIRouter(tags=["contributions"])

# Only the service's own script, which talks only to this service; no form may submit anywhere.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
TEMPLATE_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": sheets.XLSX}


def _kinds() -> list[dict[str, object]]:
    return [
        {
            "name": name,
            "description": spreadsheets.get_kind(name).description,
            "csv": f"/api/templates/{name}.csv",
            "xlsx": f"/api/templates/{name}.xlsx",
            "columns": [
                {"name": c.name, "german": c.german, "required": c.required, "help": c.help, "example": c.example}
                for c in spreadsheets.get_kind(name).columns
            ],
        }
        for name in spreadsheets.TEMPLATE_KINDS
    ]


@router.get("/contribute", summary="Contribute a filled-in template in the browser (HTML)", response_class=Response)
def contribute_page(request: Request) -> Response:
    ctx = page_context(request, "/contribute", [("JSON", "application/json", "api/templates")])
    t = i18n.translator(ctx.lang)
    strings = {key: t(key) for key in i18n.STRINGS if key.startswith("contribute.js.")}
    body = render("contribute.html", ctx, title=t("contribute.title"), kinds=_kinds(), strings=strings, xlsx=sheets.XLSX)
    return html_response(request, body, headers={"Content-Security-Policy": PAGE_CSP, "Vary": "Accept-Language, Cookie"})


@router.get("/api/templates", summary="The spreadsheet templates: kinds, columns, files")
def templates() -> dict:
    """Every template a coordinator fills in, its columns (English and German header, required, what goes in) and files."""
    return {"templates": _kinds()}


@router.get("/api/templates/{kind}.{fmt}", summary="A template as a file", response_class=Response,
            responses={200: {"content": {media: {} for media in TEMPLATE_TYPES.values()}}, **errors(404)})
def template_file(
    kind: str,
    fmt: Literal["csv", "xlsx"],
    lang: Annotated[Literal["de", "en"], Query(description="language of the header row")] = "de",
) -> Response:
    """The template of a kind with its example row (which an import refuses until it is changed)."""
    try:
        found = spreadsheets.get_kind(kind)
    except ContributionError as exc:
        raise Problem(404, "no such template", str(exc)) from None
    if kind not in spreadsheets.TEMPLATE_KINDS:
        raise Problem(404, "no such template", f"{kind!r} reads a published file as it is; templates: {', '.join(spreadsheets.TEMPLATE_KINDS)}")
    return Response(spreadsheets.template_bytes(found, fmt, lang), media_type=TEMPLATE_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{kind}.{fmt}"'})
