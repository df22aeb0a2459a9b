"""Linked-data publishing: every entity IRI, the ontology and each source dereference here.

``GET /id/{kind}/{slug}`` answers for the canonical IRI ``https://w3id.org/smartregion/id/{kind}/{slug}``
(likewise ``/source/{slug}``, ``/contribution/{id}`` and ``/ontology``, whose terms are fragments). One URL, several
representations: HTML for browsers, Turtle, N-Triples, JSON-LD and RDF/XML by ``Accept`` (q-values)
or by suffix (``.html``, ``.ttl``, ``.nt``, ``.jsonld``, ``.rdf``). The answer is 200 with
``Content-Location`` naming the suffixed variant it sent (no 303 round trip), ``Vary`` and
``Link`` headers to the alternates; 406 lists what can be had; unknown IRIs get a 404 that helps.

The RDF description of a resource, built by a SPARQL CONSTRUCT through the store (either backend):
every triple with it as subject; the triples linking to it (at most ``INCOMING_LIMIT``; which ones,
when there are more, is the engine's choice: sorting ten thousand links costs pyoxigraph seconds);
the whole of the membership and cooperation nodes it takes part in (who, where, which role, since
when); and the labels of everything linked. RDF keeps the canonical IRIs whatever host serves it. JSON-LD is
written compact against the context published at ``/context.jsonld`` (prefixes only, no remote
context inside it), so a client that keeps a copy of the context never fetches anything.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smartregion import network
from smartregion.contribute.model import CONTRIBUTION_NS
from smartregion.rdf import results
from smartregion.rdf.ids import ID, ONTOLOGY, SOURCE
from smartregion.rdf.prefixes import PREFIXES, XSD
from smartregion.store import Store
from smartregion.web import facets, i18n, pages, problems
from smartregion.web.dependencies import network_cache, search_cache
from smartregion.web.errors import errors
from smartregion.web.pages import INCOMING_LIMIT
from smartregion.web.rendering import RDF_TYPE, PageContext, sparql_iri

router = APIRouter(tags=["linked data"])
Handler = TypeVar("Handler", bound=Callable[..., Response])

HTML = results.Format("html", "text/html", ("application/xhtml+xml",), "https://www.iana.org/assignments/media-types/text/html")
# Browsers and ``*/*`` get HTML: it comes first.
OFFERS = (HTML, results.TURTLE, results.NTRIPLES, results.JSONLD, results.RDFXML)
SUFFIXES = {"html": HTML, "ttl": results.TURTLE, "nt": results.NTRIPLES, "jsonld": results.JSONLD, "rdf": results.RDFXML}
NAMES = {"html": "HTML", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF/XML"}

# The published JSON-LD context: our prefixes, and ``id:`` for instances.
CONTEXT = {"@context": dict(PREFIXES)}

# Pages run no script at all; styles only from here. Forms (search) go to this service only.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")  # slugs are lowercase ASCII, digits and '-' (ids.slugify)
_RELATION_PROPERTIES = "org:member org:organization sr:partner sr:memberMunicipality"
_LABELS = "rdfs:label skos:prefLabel dcterms:title"

DESCRIBE_QUERY = f"""
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX sr: <{PREFIXES["sr"]}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
CONSTRUCT {{ {{e}} ?p ?o . ?o ?olp ?olabel . ?s ?q {{e}} . ?s ?slp ?slabel . ?n ?np ?no . ?no ?nlp ?nlabel . }}
WHERE {{
  {{ {{e}} ?p ?o OPTIONAL {{ ?o ?olp ?olabel VALUES ?olp {{ {_LABELS} }} }} }}
  UNION {{
    {{ SELECT ?s ?q WHERE {{ ?s ?q {{e}} }} LIMIT {INCOMING_LIMIT} }}
    OPTIONAL {{ ?s ?slp ?slabel VALUES ?slp {{ {_LABELS} }} }}
  }}
  UNION {{
    ?n ?via {{e}} ; a ?nc ; ?np ?no .
    VALUES ?via {{ {_RELATION_PROPERTIES} }} VALUES ?nc {{ org:Membership sr:Cooperation }}
    OPTIONAL {{ ?no ?nlp ?nlabel VALUES ?nlp {{ {_LABELS} }} }}
  }}
}}"""

ONTOLOGY_QUERY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}"
# A contribution is described by its whole graph: what it added and its provenance, as small as the upload was.
GRAPH_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH {g} { ?s ?p ?o } }"


@dataclass(frozen=True)
class Resource:
    """Something this service publishes: its canonical IRI and the path where it answers."""

    iri: str
    path: str  # e.g. /id/organisation/neuland21
    kind: str  # entity, source, contribution or ontology

    @property
    def name(self) -> str:
        """The last path segment: the suffixed variants are ``name.ttl`` etc. in the same folder."""
        return self.path.rsplit("/", 1)[-1]


# -- RDF ------------------------------------------------------------------------------------------


def describe(store: Store, resource: Resource) -> list[ox.Triple]:
    """The resource's RDF description (see the module doc), sorted so that output repeats."""
    if resource.kind == "ontology":
        query = ONTOLOGY_QUERY
    elif resource.kind == "contribution":
        query = GRAPH_QUERY.replace("{g}", sparql_iri(resource.iri))
    else:
        query = DESCRIBE_QUERY.replace("{e}", sparql_iri(resource.iri))
    body = store.query_bytes(query, "application/n-triples")
    return sorted((q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)), key=str)


def _prefixes(triples: list[ox.Triple], per_kind: bool) -> dict[str, str]:
    """The prefixes the triples use; with ``per_kind`` one per instance kind (organisation:neuland21), as
    the files in graph/ write them (a single id: prefix would need escaped slashes in Turtle)."""
    iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    used = {prefix: ns for prefix, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}
    if per_kind:
        kinds = {m.group(1) for iri in iris if (m := re.match(re.escape(ID) + r"([a-z][a-z0-9-]*)/", iri))}
        used |= {kind: f"{ID}{kind}/" for kind in sorted(kinds) if kind not in PREFIXES}
    return used


def _compact(iri: str) -> str:
    prefixes = CONTEXT["@context"]
    for prefix, namespace in sorted(prefixes.items(), key=lambda item: -len(item[1])):
        local = iri[len(namespace):]
        # A local part starting with '//' would read as an absolute IRI in JSON-LD.
        if iri.startswith(namespace) and local and not local.startswith("//"):
            return f"{prefix}:{local}"
    return iri


def _jsonld_value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
    if isinstance(term, ox.NamedNode):
        return {"@id": _compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": "_:" + term.value}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": _compact(term.datatype.value)}


def jsonld(triples: list[ox.Triple], context_url: str) -> bytes:
    """Compact JSON-LD: one node object per subject, keys and IRIs as prefixed names of the context."""
    nodes: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        subject = "_:" + t.subject.value if isinstance(t.subject, ox.BlankNode) else _compact(t.subject.value)
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            nodes[subject]["@type"].append(_compact(t.object.value))
        else:
            nodes[subject][_compact(t.predicate.value)].append(_jsonld_value(t.object))
    graph = [{"@id": subject, **dict(sorted(props.items()))} for subject, props in sorted(nodes.items())]
    return json.dumps({"@context": context_url, "@graph": graph}, ensure_ascii=False, indent=1).encode("utf-8")


def serialise(fmt: results.Format, triples: list[ox.Triple], context_url: str) -> bytes:
    if fmt is results.JSONLD:
        return jsonld(triples, context_url)
    return results.serialise_triples(fmt, triples, _prefixes(triples, per_kind=fmt is results.TURTLE))


# -- answering ------------------------------------------------------------------------------------


def _split(path: str) -> tuple[str, str | None]:
    """``organisation/neuland21.ttl`` → (``organisation/neuland21``, ``ttl``); slugs have no dots."""
    head, dot, suffix = path.rpartition(".")
    return (head, suffix) if dot else (path, None)


def _valid(path: str) -> bool:
    return all(_SEGMENT.fullmatch(segment) for segment in path.split("/"))


def language(request: Request) -> str:
    return i18n.choose(request.query_params.get("lang"), request.cookies, request.headers.get("accept-language"))


def page_context(request: Request, resource_path: str, alternates: Sequence[tuple[str, str, str]] = ()) -> PageContext:
    return PageContext(
        here=resource_path, lang=language(request), base_url=request.app.state.settings.base_url,
        query=dict(request.query_params), alternates=alternates,
    )


def _alternates(resource: Resource) -> list[tuple[str, str, str]]:
    """(name, media type, link relative to the resource's folder) of each representation."""
    return [(NAMES[f.key], f.media_type, f"{resource.name}.{suffix}") for suffix, f in SUFFIXES.items()]


def _links(resource: Resource) -> str:
    """The Link header naming every representation."""
    return ", ".join(f'<{href}>; rel="alternate"; type="{media}"' for _, media, href in _alternates(resource))


def _headers(resource: Resource, fmt: results.Format, negotiated: bool) -> dict[str, str]:
    headers = {**SECURITY_HEADERS, "Link": _links(resource)}
    varies = (["Accept"] if negotiated else []) + (["Accept-Language", "Cookie"] if negotiated or fmt is HTML else [])
    if varies:
        headers["Vary"] = ", ".join(varies)
    if negotiated:
        suffix = next(s for s, f in SUFFIXES.items() if f is fmt)
        headers["Content-Location"] = f"{resource.name}.{suffix}"
    if fmt is HTML:
        headers["Content-Security-Policy"] = PAGE_CSP
    return headers


def html_response(request: Request, body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status_code=status, media_type=HTML.content_type,
                        headers={**SECURITY_HEADERS, "Content-Security-Policy": PAGE_CSP, **(headers or {})})
    lang = request.query_params.get("lang")
    if lang in i18n.LANGUAGES:  # remember an explicit choice for the next pages
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


def _suggestions(request: Request, words: str) -> list[dict]:
    """Entities whose names come close to the words of a path, from the search behind /api/search."""
    index = search_cache(request.app.state).get()
    found = index.search(words, limit=10)
    if not found:
        for word in sorted(words.split(), key=len, reverse=True):
            found = index.search(word, limit=10) if len(word) > 2 else []
            if found:
                break
    return found


def not_found(request: Request, path: str, iri: str | None, html: bool, hint: str | None = None) -> Response:
    """404 with a search box and suggestions (HTML), or the same as JSON for API clients."""
    words = " ".join(re.split(r"[^A-Za-z0-9]+", path.rsplit("/", 1)[-1].split(".")[0])).strip()
    suggestions = _suggestions(request, words) if words else []
    if html:
        body = pages.not_found_page(page_context(request, path), iri, suggestions, words, hint)
        return html_response(request, body, status=404, headers={"Vary": "Accept, Accept-Language, Cookie"})
    detail = f"the graph does not know <{iri}>" if iri else f"there is nothing at {path}"
    return problems.problem(
        404, "not found", detail + (f"; {hint}" if hint else ""), headers={**SECURITY_HEADERS, "Vary": "Accept"}, iri=iri,
        suggestions=[{"iri": s["iri"], "label": s["label"], "type": s["type"]} for s in suggestions],
        search="/api/search?" + urlencode({"q": words}),
    )


def _wants_html(request: Request) -> bool:
    try:
        return results.negotiate((HTML, results.JSON), request.headers.get("accept")) is HTML
    except results.NotAcceptable:
        return False


def _not_acceptable(resource: Resource) -> Response:
    offered = [f.media_type for f in OFFERS]
    return problems.problem(
        406, "not acceptable", f"<{resource.iri}> is published as " + ", ".join(offered) + "; none of them is acceptable to the client",
        headers={**SECURITY_HEADERS, "Vary": "Accept", "Link": _links(resource)},
        offered=offered, suffixes=[f"{resource.path}.{s}" for s in SUFFIXES],
    )


def _partners(request: Request, iri: str) -> list[dict] | None:
    """The actor's partners from the network layer; None if it is not an actor."""
    snapshot = network_cache(request.app.state).snapshot()
    return network.cooperations(snapshot, iri) if iri in snapshot.actors else None


def answer(request: Request, resource: Resource, suffix: str | None) -> Response:
    """The representation the suffix names, or else the one the Accept header prefers."""
    if suffix is not None and suffix not in SUFFIXES:
        hint = "use one of " + ", ".join(f".{s}" for s in SUFFIXES) + " or none (content negotiation)"
        return not_found(request, f"{resource.path}.{suffix}", None, _wants_html(request), hint)
    try:
        fmt = SUFFIXES[suffix] if suffix else results.negotiate(OFFERS, request.headers.get("accept"))
    except results.NotAcceptable:
        return _not_acceptable(resource)
    store = request.app.state.store
    headers = _headers(resource, fmt, negotiated=suffix is None)
    if fmt is HTML:
        ctx = page_context(request, resource.path, _alternates(resource))
        if resource.kind == "ontology":
            body = pages.ontology_page(store, ctx)
        elif resource.kind in ("source", "contribution"):
            body = pages.source_page(store, ctx, resource.iri)
        else:
            body = pages.entity_page(store, ctx, resource.iri, _partners(request, resource.iri))
        if body is None:
            return not_found(request, resource.path, resource.iri, html=True)
        return html_response(request, body, headers=headers)
    triples = describe(store, resource)
    if not triples:
        return not_found(request, resource.path, resource.iri, html=False)
    context_url = request.app.state.settings.base_url.rstrip("/") + "/context.jsonld"
    return Response(serialise(fmt, triples, context_url), media_type=fmt.content_type, headers=headers)


# -- routes ---------------------------------------------------------------------------------------


def _get_and_head(path: str, summary: str, description: str = "", responses: dict | None = None) -> Callable[[Handler], Handler]:
    """Register a GET route with its HEAD twin (HEAD kept out of the OpenAPI document)."""

    def register(handler: Handler) -> Handler:
        router.add_api_route(path, handler, methods=["GET"], summary=summary, description=description,
                             response_class=Response, responses=responses)
        router.add_api_route(path, handler, methods=["HEAD"], include_in_schema=False)
        return handler

    return register


FORMATS_DOC = ("HTML for browsers; Turtle, N-Triples, JSON-LD, RDF/XML by `Accept` or by suffix "
               "(`.html`, `.ttl`, `.nt`, `.jsonld`, `.rdf`). 406 lists what can be had; 404 suggests names.")
ERRORS = errors(404, 406, text=("text/html",))


@_get_and_head("/id/{path:path}", "An entity (its canonical IRI is https://w3id.org/smartregion/id/...)", FORMATS_DOC, ERRORS)
def entity(path: str, request: Request) -> Response:
    name, suffix = _split(path)
    if not _valid(name):
        return not_found(request, "/id/" + path, None, _wants_html(request))
    return answer(request, Resource(ID + name, "/id/" + name, "entity"), suffix)


@_get_and_head("/source/{path}", "A source document (a named graph)", FORMATS_DOC, ERRORS)
def source(path: str, request: Request) -> Response:
    name, suffix = _split(path)
    if not _valid(name):
        return not_found(request, "/source/" + path, None, _wants_html(request))
    return answer(request, Resource(SOURCE + name, "/source/" + name, "source"), suffix)


@_get_and_head("/contribution/{path}", "A contribution (a named graph added by import, the write API or a harvest): "
               "who, when, how, from what, and what it added", FORMATS_DOC, ERRORS)
def contribution(path: str, request: Request) -> Response:
    name, suffix = _split(path)
    if not _valid(name):
        return not_found(request, "/contribution/" + path, None, _wants_html(request))
    return answer(request, Resource(CONTRIBUTION_NS + name, "/contribution/" + name, "contribution"), suffix)


ONTOLOGY_RESOURCE = Resource(ONTOLOGY, "/ontology", "ontology")


@_get_and_head("/ontology", "The ontology (terms are fragments: /ontology#Person)", FORMATS_DOC, ERRORS)
def ontology(request: Request) -> Response:
    return answer(request, ONTOLOGY_RESOURCE, None)


@_get_and_head("/ontology.{suffix}", "The ontology in one format", responses=ERRORS)
def ontology_variant(suffix: str, request: Request) -> Response:
    return answer(request, ONTOLOGY_RESOURCE, suffix)


@_get_and_head("/context.jsonld", "The JSON-LD context of the JSON-LD this service writes")
def context() -> Response:
    return Response(json.dumps(CONTEXT, indent=1).encode("utf-8"), media_type="application/ld+json",
                    headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"})


@_get_and_head("/", "The home page: search, the network map, the question catalogue, the catalogue")
def home(request: Request, q: Annotated[str | None, Query(description="Search for a name")] = None) -> Response:
    ctx = page_context(request, "/")
    index = search_cache(request.app.state).get()
    body = pages.home_page(request.app.state.store, ctx, q.strip() if q else None, lambda text: index.search(text, limit=20),
                           facets.overview(request.app.state))
    return html_response(request, body, headers={"Vary": "Accept-Language, Cookie"})
