"""The question catalogue for people: ``/questions`` lists it, ``/questions/{name}`` asks one question.

A question's page has its description, a form for its parameters (an IRI parameter takes a name,
abbreviation or official key as well, resolved as ``/api/queries`` resolves it), the SPARQL text, the
answer as a table whose IRIs are labelled and linked, a link that opens the query in the editor, and
downloads. Each page has a JSON twin (``Accept: application/json`` or the ``.json`` suffix). The pages
run no script; the answer comes through the same executor and admission as ``/api/queries``.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from smartregion import questions as catalogue
from smartregion.errors import SmartregionError
from smartregion.rdf import results
from smartregion.web import i18n, problems
from smartregion.web.errors import errors
from smartregion.web.linkeddata import HTML, html_response, page_context
from smartregion.web.questions import describe, resolve_names, run_question_text, split_parameters
from smartregion.web.rendering import PageContext, Renderer, fetch_names, render

router = APIRouter(tags=["Question catalogue"])
VARY = {"Vary": "Accept, Accept-Language, Cookie"}
# Pages: HTML for browsers and ``*/*``, JSON by Accept or the ``.json`` suffix.
PAGE_OR_JSON = {200: {"content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}}}


def wants_json(request: Request) -> bool:
    """``.json`` asked for, or an Accept that prefers JSON to HTML."""
    if request.url.path.endswith(".json"):
        return True
    try:
        return results.negotiate((HTML, results.JSON), request.headers.get("accept")) is not HTML
    except results.NotAcceptable:
        return False


@router.get("/questions", summary="The question catalogue (HTML, or JSON by Accept)", response_model=None,
            responses=PAGE_OR_JSON)
@router.get("/questions.json", summary="The question catalogue as JSON", response_model=None, responses=PAGE_OR_JSON)
def question_list(request: Request) -> Response:
    """Every question with its summary, tags and parameters."""
    listed = [describe(q, request) for q in catalogue.list_queries()]
    if wants_json(request):
        return JSONResponse({"queries": listed}, headers=VARY)
    ctx = page_context(request, "/questions", alternates=[("JSON", "application/json", "questions.json")])
    body = render("questions.html", ctx, title=i18n.translator(ctx.lang)("questions.title"), questions=listed)
    return html_response(request, body, headers=VARY)


@router.get("/questions/{name}", summary="One question: its form and answer (HTML, or JSON by Accept or .json)",
            response_model=None, responses={**PAGE_OR_JSON, **errors(400, 404, 422, 429, 503, text=("text/html",))})
async def question_page(request: Request, name: str) -> Response:
    """The question with its answer for the parameters in the query string (names resolved to IRIs)."""
    as_json = wants_json(request)
    name = name.removesuffix(".json")
    try:
        question = catalogue.get(name)
    except catalogue.UnknownQuestion as exc:
        if as_json:
            return problems.from_error(exc)
        return await _page(request, None, {}, exc)
    params, _ = split_parameters(request)
    try:
        resolved = await resolve_names(request, question, params)
        values = question.resolve(resolved)
        text = question.render(resolved)
        answer = await run_question_text(request, question, text, results.JSON)
    except SmartregionError as exc:
        if as_json:
            return problems.from_error(exc)
        return await _page(request, question, params, exc)
    parsed = json.loads(answer.body)
    if as_json:
        return JSONResponse({
            **describe(question, request), "values": values, "sparql": text,
            "columns": parsed["head"]["vars"], "rows": [{k: v["value"] for k, v in b.items()} for b in parsed["results"]["bindings"]],
            "truncated": answer.truncated,
        }, headers=VARY)
    return await _page(request, question, params, None, values=values, text=text, body=answer.body, truncated=answer.truncated)


async def _page(request: Request, question: catalogue.Query | None, params: dict[str, str], error: SmartregionError | None,
                *, values: dict[str, str] | None = None, text: str | None = None, body: bytes | None = None,
                truncated: bool = False) -> Response:
    path = "/questions/" + (question.name if question else "unknown")
    ctx = page_context(request, path, alternates=[("JSON", "application/json", f"{path.rsplit('/', 1)[-1]}.json?{request.url.query}")])
    t = i18n.translator(ctx.lang)
    if question is None:
        page = render("question.html", ctx, title=t("questions.error"), question=None, error=error, form=[], table=None,
                      text=None, editor=None, downloads=[], truncated=False)
        return html_response(request, page, status=404, headers=VARY)
    table = await to_thread.run_sync(_table, request, ctx, body) if body is not None else None
    api = ctx.rel("/api/queries/" + quote(question.name))
    query_string = urlencode(values or {})
    form = [{"name": p.name, "expected": t("questions.iri") if p.type == "iri" else p.expected, "required": p.required and p.default is None,
             "value": params.get(p.name, (values or {}).get(p.name, p.default or "")), "example": p.example}
            for p in question.parameters]
    page = render(
        "question.html", ctx, title=question.summary, question=describe(question, request), error=error, form=form,
        table=table, text=text or question.text, truncated=truncated,
        editor=ctx.rel("/sparql") + "?" + urlencode({"query": text}) if text else None,
        downloads=[("CSV", f"{api}?{urlencode({**(values or {}), 'format': 'csv'})}"),
                   ("JSON", f"{api}?{query_string}" if query_string else api)],
    )
    return html_response(request, page, status=error.status if error else 200, headers=VARY)


def _table(request: Request, ctx: PageContext, body: bytes) -> dict:
    """Columns and rows of a SPARQL JSON answer, IRIs labelled in the page's language and linked."""
    answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    columns = [v.value for v in answer.variables]
    rows = [list(row) for row in answer]
    iris = {term.value for row in rows for term in row if isinstance(term, ox.NamedNode)}
    renderer = Renderer(ctx, fetch_names(request.app.state.store, iris, ctx.lang))
    return {"columns": columns, "rows": [[renderer.term(term) if term is not None else None for term in row] for row in rows]}
