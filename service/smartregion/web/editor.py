"""``/sparql`` in a browser: a query editor page, and the vocabulary it completes from.

A GET to ``/sparql`` that prefers ``text/html`` (a browser) gets the editor; every other request —
``*/*``, a results type, a ``format`` parameter — goes on to the protocol endpoint unchanged. The
editor is YASQE (vendored, see ``static/vendor/README.md``) with its prefix, class and property
completion switched from prefix.cc and LOV to ``/api/vocabulary``, which lists this graph's own
prefixes and the ontology's terms: the page asks no other host for anything. Queries run against
``/sparql`` itself, so they get the same limits and admission as any client's.
"""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from smartregion import questions as catalogue
from smartregion.rdf import results
from smartregion.rdf.ids import BASE, ONTOLOGY
from smartregion.rdf.prefixes import OWL, PREFIXES, RDFS
from smartregion.store import Store
from smartregion.store.cache import PerRevision
from smartregion.web import sparql as protocol
from smartregion.web import i18n
from smartregion.web.linkeddata import HTML, html_response, page_context
from smartregion.web.rendering import render, solutions

router = APIRouter()

# YASQE builds its editor with element.style (allowed by the CSP) and needs no inline script: the page's
# settings travel in a JSON data block, which browsers never execute.
EDITOR_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

VOCABULARY_QUERY = f"""
SELECT ?term ?kind ?label WHERE {{ GRAPH <{ONTOLOGY}> {{
  ?term a ?kind . VALUES ?kind {{ <{OWL}Class> <{OWL}ObjectProperty> <{OWL}DatatypeProperty> <{OWL}AnnotationProperty> }}
  OPTIONAL {{ ?term <{RDFS}label> ?label }}
}} }}"""


def wants_editor(request: Request) -> bool:
    """A GET whose Accept prefers HTML to every result format, and no ``format`` parameter: a browser."""
    if request.method != "GET" or "format" in request.query_params:
        return False
    try:  # HTML offered last: ``*/*`` and an empty Accept keep the protocol's own default
        return results.negotiate((*results.ALL_FORMATS, HTML), request.headers.get("accept")) is HTML
    except results.NotAcceptable:
        return False


def vocabulary(store: Store, revision: str | None = None) -> dict:
    """Prefixes, classes and properties of the ontology with their labels, for completion in the editor."""
    terms: dict[str, dict] = {}
    for row in solutions(store, VOCABULARY_QUERY):
        iri = row["term"].value
        kind = "class" if row["kind"].value == OWL + "Class" else "property"
        entry = terms.setdefault(iri, {"iri": iri, "kind": kind, "labels": {}})
        label = row.get("label")
        if label is not None:
            entry["labels"][getattr(label, "language", None) or ""] = label.value
    ordered = sorted(terms.values(), key=lambda t: t["iri"])
    return {
        "prefixes": dict(PREFIXES),
        "classes": [{"iri": t["iri"], "labels": t["labels"]} for t in ordered if t["kind"] == "class"],
        "properties": [{"iri": t["iri"], "labels": t["labels"]} for t in ordered if t["kind"] == "property"],
    }


def _vocabulary_cache(request: Request) -> PerRevision[dict]:
    state = request.app.state
    cache = getattr(state, "vocabulary", None)
    if cache is None or cache.store is not state.store:
        cache = state.vocabulary = PerRevision(state.store, vocabulary)
    return cache


@router.get("/api/vocabulary", tags=["SPARQL"], summary="Prefixes, classes and properties for query completion")
async def vocabulary_route(request: Request) -> dict:
    """The prefixes the endpoint knows and the ontology's classes and properties with their labels (de, en)."""
    return await to_thread.run_sync(_vocabulary_cache(request).get)


def _examples() -> list[dict]:
    """The catalogue's questions as runnable SPARQL: parameters filled with their defaults or examples."""
    found = []
    for question in catalogue.list_queries():
        values = {p.name: p.example for p in question.parameters if p.required or p.default is not None}
        found.append({"name": question.name, "summary": question.summary, "query": question.render(values)})
    return found


async def editor_or_protocol(request: Request) -> Response:
    """The editor for a browser; the SPARQL protocol for everyone else."""
    if not wants_editor(request):
        return await protocol.sparql(request)
    settings = request.app.state.settings
    ctx = page_context(request, "/sparql")
    query = request.query_params.get("query", "")
    config = {
        "endpoint": ctx.rel("/sparql"),
        "vocabulary": ctx.rel("/api/vocabulary"),
        "base": BASE,
        "root": ctx.rel("/"),
        "lang": ctx.lang,
        "examples": _examples(),
        "autorun": bool(query.strip()),
    }
    t = i18n.translator(ctx.lang)
    strings = {key.removeprefix("editor.js."): t(key) for key in i18n.STRINGS if key.startswith("editor.js.")}
    body = render(
        "editor.html", ctx, title="SPARQL", query=query, config=config, strings=strings,
        timeout=f"{settings.query_timeout:g}",
        row_limit=i18n.number(settings.row_limit, ctx.lang) if settings.row_limit else None,
        answer_bytes=i18n.number(settings.answer_bytes, ctx.lang) if settings.answer_bytes else None,
    )
    return html_response(request, body, headers={"Content-Security-Policy": EDITOR_CSP, "Vary": "Accept, Accept-Language, Cookie"})


# Before the protocol's own GET route, so that a browser's GET reaches the editor; kept out of the
# OpenAPI document, which describes /sparql through the protocol's routes.
router.add_api_route("/sparql", editor_or_protocol, methods=["GET"], include_in_schema=False)
