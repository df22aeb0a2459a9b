"""Browsing with facets: ``/browse`` counts the entities of each class, ``/browse/{Class}`` lists them.

A class's list pages and sorts, and narrows by facets (type, state, district, topic, programme, source
document, year), combinable in the query string (``?state=id/state/brandenburg&topic=...``; one facet
given twice means either value); ``web/facets.py`` computes the counts. Each page has a JSON twin
(``Accept: application/json`` or ``.json``). The pages run no script: facets are links.
"""

from __future__ import annotations

import re

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from smartregion.rdf.prefixes import local_name
from smartregion.web import i18n
from smartregion.web.facets import SORTS, Selection, browse_data, facet_cache
from smartregion.web.linkeddata import html_response, not_found, page_context
from smartregion.web.problems import Problem
from smartregion.web.errors import errors
from smartregion.web.question_pages import PAGE_OR_JSON, wants_json
from smartregion.web.rendering import PageContext, Renderer, Value, fetch_names, render

router = APIRouter(tags=["Browsing"])
VARY = {"Vary": "Accept, Accept-Language, Cookie"}
VALUES_SHOWN = 20  # values of one facet on the page; the JSON twin has them all


@router.get("/browse", summary="Classes with their counts (HTML, or JSON by Accept or .json)", response_model=None,
            responses=PAGE_OR_JSON)
@router.get("/browse.json", summary="Classes with their counts as JSON", response_model=None, responses=PAGE_OR_JSON)
async def browse(request: Request) -> Response:
    memo = await to_thread.run_sync(facet_cache(request.app.state).get)
    ctx = page_context(request, "/browse", alternates=[("JSON", "application/json", "browse.json")])
    classes = sorted(({"class": c, "name": local_name(c), "count": n} for c, n in memo.classes.items()),
                     key=lambda c: (-c["count"], c["name"]))
    if wants_json(request):
        return JSONResponse({"classes": classes}, headers=VARY)
    names = await to_thread.run_sync(fetch_names, request.app.state.store, [c["class"] for c in classes], ctx.lang)
    t = i18n.translator(ctx.lang)
    body = render("browse.html", ctx, title=t("browse.title"), classes=[{**c, "label": names.label(c["class"])} for c in classes])
    return html_response(request, body, headers=VARY)


@router.get("/browse/{name}", summary="Entities of a class with facets (HTML, or JSON by Accept or .json)", response_model=None,
            responses={**PAGE_OR_JSON, **errors(404, 422)})
async def browse_class(request: Request, name: str) -> Response:
    """Items (paged, sorted) and facets with counts; facets combine: ``?state=id/state/brandenburg&topic=...``."""
    as_json = wants_json(request)
    name = name.removesuffix(".json")
    selection = Selection.parse(request.query_params)
    lang = page_context(request, "/browse/" + name).lang
    try:
        found = await to_thread.run_sync(browse_data, request.app.state, name, selection, lang)
    except Problem as exc:
        if as_json or exc.status != 404:
            raise
        return not_found(request, "/browse/" + name, None, html=True, hint=str(exc))  # a page that helps
    if as_json:
        return JSONResponse(found, headers=VARY)
    ctx = page_context(request, "/browse/" + name, alternates=[("JSON", "application/json", f"{name}.json{selection.query(page=selection.page)}")])
    view = await to_thread.run_sync(_view, request, ctx, found, selection)
    return html_response(request, render("browse_class.html", ctx, **view), headers=VARY)


def _view(request: Request, ctx: PageContext, found: dict, selection: Selection) -> dict:
    """What the class page shows: labels for the facets' values, links that add or remove a filter."""
    shown = {f: values[:VALUES_SHOWN] for f, values in found["facets"].items()}
    iris = {found["class"]} | {v["value"] for f, vs in shown.items() if f != "year" for v in vs}
    iris |= {v for _, vs in selection.filters for v in vs if not re.fullmatch(r"[0-9]{4}", v)}
    renderer = Renderer(ctx, fetch_names(request.app.state.store, iris, ctx.lang))
    t = renderer.t
    active = dict(selection.filters)
    facets = []
    for facet, values in shown.items():
        entries = []
        for v in values:
            chosen = v["value"] in active.get(facet, ())
            others = tuple(x for x in active.get(facet, ()) if x != v["value"])
            target = others if chosen else (*active.get(facet, ()), v["value"])
            entries.append({"label": v["value"] if facet == "year" else renderer.names.label(v["value"]),
                            "count": v["count"], "chosen": chosen, "href": selection.query(**{facet: target})})
        facets.append({"name": facet, "label": t("facet." + facet), "values": entries,
                       "more": len(found["facets"][facet]) - len(values), "open": facet in active})
    chips = [{"label": f"{t('facet.' + f)}: {v if f == 'year' else renderer.names.label(v)}",
              "href": selection.query(**{f: tuple(x for x in vs if x != v)})} for f, vs in selection.filters for v in vs]
    pages = max(1, -(-found["count"] // selection.size))
    return {
        "title": renderer.names.label(found["class"]), "found": found, "facets": facets, "chips": chips,
        "items": [{"value": Value(i["label"], renderer.href(i["iri"]), i["iri"]), "date": i["date"]} for i in found["items"]],
        "pages": pages, "page": selection.page,
        "previous": selection.query(page=selection.page - 1) if selection.page > 1 else None,
        "next": selection.query(page=selection.page + 1) if selection.page < pages else None,
        "sorts": [(s, t("browse.sort." + s), selection.query(sort=s, page=1), s == selection.sort) for s in SORTS],
        "count": i18n.number(found["count"], ctx.lang),
    }
