"""``/catalog`` for people: the DCAT-AP.de catalogue as an HTML page, read from the catalogue's own triples.

A browser (``Accept`` preferring ``text/html``, no ``format`` parameter) gets the page; every other
client gets the RDF as before, from ``web/publish.py``. The page shows each dataset with its title,
description, licence, coverage (places and period), its dumps with size and SHA-256, and the endpoint.
It is made from the same cached description the RDF is serialised from, so the two never disagree.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from smartregion.publish.dcat import CATALOG
from smartregion.rdf import results
from smartregion.store import StoreError
from smartregion.web import i18n
from smartregion.web import publish as publishing
from smartregion.web.linkeddata import HTML, html_response, page_context
from smartregion.web.rendering import PageContext, pick, render

router = APIRouter()

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SPDX = "http://spdx.org/rdf/terms#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def wants_page(request: Request) -> bool:
    if "format" in request.query_params:
        return False
    try:
        return results.negotiate((*results.GRAPH_FORMATS, HTML), request.headers.get("accept")) is HTML
    except results.NotAcceptable:
        return False


class _Graph:
    """The catalogue's triples by subject, with the few lookups the page needs."""

    def __init__(self, triples: list[ox.Triple], lang: str):
        self.lang = lang
        self.props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.props[t.subject.value][t.predicate.value].append(t.object)

    def objects(self, s: str, p: str) -> list:
        return self.props.get(s, {}).get(p, [])

    def iris(self, s: str, p: str) -> list[str]:
        return sorted(o.value for o in self.objects(s, p) if isinstance(o, ox.NamedNode))

    def text(self, s: str, *predicates: str) -> str | None:
        chosen = pick([o for p in predicates for o in self.objects(s, p) if isinstance(o, ox.Literal)], self.lang)
        return chosen.value if chosen is not None else None

    def name(self, iri: str) -> str:
        return self.text(iri, DCT + "title", SKOS + "prefLabel", RDFS + "label") or iri


def _link(ctx: PageContext, base_url: str, url: str) -> str:
    """A URL of this service as a link to it here, wherever it runs; others as they are."""
    base = base_url.rstrip("/") + "/"
    return ctx.rel("/" + url[len(base):]) if url.startswith(base) else url


def catalog_view(triples: list[ox.Triple], ctx: PageContext, base_url: str) -> dict:
    g = _Graph(triples, ctx.lang)
    datasets = []
    for d in g.iris(CATALOG, DCAT + "dataset"):
        dumps, services = [], []
        for dist in g.iris(d, DCAT + "distribution"):
            download = g.iris(dist, DCAT + "downloadURL")
            checksums = [g.text(c, SPDX + "checksumValue") or "" for c in g.iris(dist, SPDX + "checksum")]
            if download:
                size = g.objects(dist, DCAT + "byteSize")
                dumps.append({"title": g.name(dist), "href": _link(ctx, base_url, download[0]), "url": download[0],
                              "size": i18n.number(int(size[0].value), ctx.lang) if size else None,
                              "sha256": checksums[0] if checksums else None})
            else:
                services += [_link(ctx, base_url, u) for u in g.iris(dist, DCAT + "accessURL")]
        periods = g.iris(d, DCT + "temporal")
        period = " – ".join(filter(None, (g.text(periods[0], DCAT + "startDate"), g.text(periods[0], DCAT + "endDate")))) if periods else ""
        datasets.append({
            "iri": d, "anchor": d.rsplit("#", 1)[-1], "title": g.name(d), "description": g.text(d, DCT + "description"),
            "licences": [g.name(i) for i in g.iris(d, DCT + "license")],
            "places": sorted(g.name(i) for i in g.iris(d, DCT + "spatial")), "period": period,
            "dumps": dumps, "endpoint": services[0] if services else None, "whole": d == CATALOG + "#dataset",
        })
    datasets.sort(key=lambda x: (not x["whole"], x["title"].casefold()))
    return {"title": g.name(CATALOG), "description": g.text(CATALOG, DCT + "description"), "datasets": datasets}


async def catalog_page(request: Request) -> Response:
    """The HTML page, or the RDF for every client that does not prefer HTML."""
    if not wants_page(request):
        return await publishing.catalog(request)
    try:
        body, _ = await to_thread.run_sync(publishing.describe_for, request.app, "catalog", results.NTRIPLES)
    except StoreError as exc:
        raise publishing.unavailable(exc) from None
    triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    ctx = page_context(request, "/catalog", alternates=[(name, f.media_type, f"catalog.{suffix}")
                                                        for suffix, f, name in _ALTERNATES])
    view = catalog_view(triples, ctx, request.app.state.settings.base_url)
    page = render("catalog.html", ctx, **{**view, "title": i18n.translator(ctx.lang)("catalog.title"), "catalog_title": view["title"]})
    return html_response(request, page, headers={"Vary": "Accept, Accept-Language, Cookie"})


_ALTERNATES = [("ttl", results.TURTLE, "Turtle"), ("jsonld", results.JSONLD, "JSON-LD"), ("rdf", results.RDFXML, "RDF/XML"),
               ("nt", results.NTRIPLES, "N-Triples")]

# Before the RDF route of web/publish.py, so that a browser's GET reaches the page; the OpenAPI
# document keeps describing /catalog through that route.
router.add_api_route("/catalog", catalog_page, methods=["GET"], include_in_schema=False)
