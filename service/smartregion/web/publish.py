"""Publishing for harvesters: the DCAT-AP.de catalogue, VoID and the dumps over HTTP.

``/catalog`` and ``/.well-known/void`` answer in Turtle (default), JSON-LD, RDF/XML or N-Triples, by
``Accept``, a ``format`` parameter or a suffix (``/catalog.jsonld``). ``/dumps/{name}`` streams a
dump file. Everything carries an ``ETag`` and ``Last-Modified`` and answers conditional GETs with
304, so a harvester that polls daily downloads only what changed. Descriptions are computed once
per store revision and serialised once per format; dumps missing for the live revision are written
on first request. A store that cannot answer gives 503 with the reason.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
import rdflib
from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response

from smartregion.publish.dcat import catalog_graph
from smartregion.publish.dumps import (
    BY_NAME,
    FORMATS,
    Manifest,
    current_dumps,
    dumps_folder,
)
from smartregion.publish.void import void_graph
from smartregion.rdf import results
from smartregion.rdf.prefixes import PREFIXES
from smartregion.settings import Settings
from smartregion.store import Store, StoreError
from smartregion.store.cache import PerRevision
from smartregion.web.errors import errors
from smartregion.web.problems import Problem

router = APIRouter(tags=["Publishing (DCAT-AP.de, VoID, dumps)"])

SUFFIXES = {"ttl": results.TURTLE, "jsonld": results.JSONLD, "rdf": results.RDFXML, "nt": results.NTRIPLES}
DESCRIPTIONS: dict[str, Callable[[Store, Settings, Manifest], rdflib.Graph]] = {"catalog": catalog_graph, "void": void_graph}


@dataclass
class _Descriptions:
    """Descriptions of one revision: kind → triples, (kind, format key) → body."""

    revision: str
    triples: dict[str, list[ox.Triple]] = field(default_factory=dict)
    bodies: dict[tuple[str, str], bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_MAKING = threading.Lock()  # creating the app's cache, which worker threads may race to do


def _cache(app: FastAPI) -> PerRevision[_Descriptions]:
    with _MAKING:
        if not hasattr(app.state, "descriptions"):
            app.state.descriptions = PerRevision(app.state.store, lambda store, revision: _Descriptions(revision))
        return app.state.descriptions


def describe_for(app: FastAPI, kind: str, fmt: results.Format) -> tuple[bytes, Manifest]:
    """The description's body for the live revision (runs in a worker thread: it may query and write dumps).

    The description is computed once per revision (its queries take seconds on a large graph), and
    serialised once per format.
    """
    store: Store = app.state.store
    settings: Settings = app.state.settings
    manifest = current_dumps(store, dumps_folder(settings))
    memo = _cache(app).get()
    if memo.revision != manifest.revision:  # a write came between: describe this manifest, keep nothing
        memo = _Descriptions(manifest.revision)
    with memo.lock:
        triples, body = memo.triples.get(kind), memo.bodies.get((kind, fmt.key))
    if body is not None:
        return body, manifest
    if triples is None:
        graph = DESCRIPTIONS[kind](store, settings, manifest)
        triples = [q.triple for q in ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    body = results.serialise_triples(fmt, triples, PREFIXES)
    with memo.lock:
        memo.triples[kind] = triples
        memo.bodies[(kind, fmt.key)] = body
    return body, manifest


# --- conditional requests -----------------------------------------------------------------------


def _validators(etag: str, modified: datetime) -> dict[str, str]:
    return {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True), "Cache-Control": "no-cache"}


def not_modified(request: Request, etag: str, modified: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; otherwise If-Modified-Since (GET and HEAD only)."""
    if request.method not in ("GET", "HEAD"):
        return False
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # an unreadable date is ignored, as the RFC says
        if since.tzinfo is None:
            return False
        return modified <= since
    return False


# --- catalogue and VoID -------------------------------------------------------------------------


def unavailable(exc: StoreError) -> Problem:
    return Problem(503, "store unavailable", str(exc), hint="try again later; if it persists, the operator should check the store")


def _not_acceptable(offers: tuple[results.Format, ...]) -> Problem:
    offered = [f.media_type for f in offers]
    return Problem(
        406,
        "not acceptable",
        "none of the requested formats is offered; offered: " + ", ".join(offered),
        hint="send Accept: text/turtle (or another offered type), pass format=turtle|jsonld|rdfxml|ntriples, "
        "or use a suffix: .ttl .jsonld .rdf .nt",
        offered=offered,
    )


async def _answer(request: Request, kind: str, suffix: str | None) -> Response:
    if suffix is not None:
        fmt = SUFFIXES.get(suffix.lower())
        if fmt is None:
            raise _not_acceptable(results.GRAPH_FORMATS)
    else:
        try:
            fmt = results.negotiate(results.GRAPH_FORMATS, request.headers.get("accept"), request.query_params.getlist("format"))
        except results.NotAcceptable as exc:
            raise _not_acceptable(exc.offers) from None
    try:
        body, manifest = await to_thread.run_sync(describe_for, request.app, kind, fmt)
    except StoreError as exc:
        raise unavailable(exc) from None
    headers = _validators(f'"{hashlib.sha256(body).hexdigest()[:32]}"', manifest.modified)
    headers["Vary"] = "Accept"
    if not_modified(request, headers["ETag"], manifest.modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=fmt.content_type, headers=headers)


@router.get("/catalog", summary="DCAT-AP.de catalogue", response_class=Response, responses=errors(304, 406, 503))
@router.head("/catalog", include_in_schema=False)
async def catalog(request: Request) -> Response:
    """The DCAT-AP.de catalogue: the whole graph and each named graph as datasets, dumps, the SPARQL service.

    Turtle by default; JSON-LD, RDF/XML or N-Triples by Accept or ``format``.
    """
    return await _answer(request, "catalog", None)


@router.get(
    "/catalog.{suffix}",
    summary="DCAT-AP.de catalogue, format by suffix",
    response_class=Response,
    responses=errors(304, 406, 503),
)
@router.head("/catalog.{suffix}", include_in_schema=False)
async def catalog_by_suffix(request: Request, suffix: str) -> Response:
    """The catalogue as ``.ttl``, ``.jsonld``, ``.rdf`` or ``.nt``."""
    return await _answer(request, "catalog", suffix)


@router.get("/.well-known/void", summary="VoID description", response_class=Response, responses=errors(304, 406, 503))
@router.head("/.well-known/void", include_in_schema=False)
async def void(request: Request) -> Response:
    """VoID: statements, entities, classes, subsets per named graph, links out, SPARQL endpoint, dumps."""
    return await _answer(request, "void", None)


@router.get(
    "/.well-known/void.{suffix}", summary="VoID, format by suffix", response_class=Response, responses=errors(304, 406, 503)
)
@router.head("/.well-known/void.{suffix}", include_in_schema=False)
async def void_by_suffix(request: Request, suffix: str) -> Response:
    """VoID as ``.ttl``, ``.jsonld``, ``.rdf`` or ``.nt``."""
    return await _answer(request, "void", suffix)


# --- dumps --------------------------------------------------------------------------------------


def _manifest(request: Request) -> Manifest:
    return current_dumps(request.app.state.store, dumps_folder(request.app.state.settings))


@router.get("/dumps", summary="The dumps of the live revision", response_model=None, responses=errors(503))
async def dump_list(request: Request) -> dict:
    """Names, URLs, sizes, SHA-256 and statement counts of the dumps; counts per named graph."""
    try:
        manifest = await to_thread.run_sync(_manifest, request)
    except StoreError as exc:
        raise unavailable(exc) from None
    base = request.app.state.settings.base_url.rstrip("/") + "/dumps/"
    return {
        "revision": manifest.revision,
        "created": manifest.created,
        "statements": manifest.statements,
        "distinct_triples": manifest.triples,
        "graphs": manifest.graphs,
        "files": [
            {"name": f.name, "url": base + f.name, "media_type": f.media_type, "compression": "gzip", **asdict(manifest.files[f.name])}
            for f in FORMATS
        ],
    }


@router.get("/dumps/{name}", summary="Download a dump", response_class=FileResponse, responses=errors(304, 404, 503))
@router.head("/dumps/{name}", include_in_schema=False)
async def dump(request: Request, name: str) -> Response:
    """A gzipped dump (``application/gzip``), streamed; ETag is its SHA-256, conditional GETs get 304."""
    if name not in BY_NAME:
        raise Problem(404, "not found", f"no dump named {name!r}", dumps=list(BY_NAME))
    try:
        manifest = await to_thread.run_sync(_manifest, request)
    except StoreError as exc:
        raise unavailable(exc) from None
    headers = _validators(f'"{manifest.files[name].sha256}"', manifest.modified)
    if not_modified(request, headers["ETag"], manifest.modified):
        return Response(status_code=304, headers=headers)
    return FileResponse(manifest.path(name), media_type="application/gzip", filename=name, headers=headers)
