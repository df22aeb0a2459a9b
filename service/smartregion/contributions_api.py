"""The write API: ``POST/GET /api/contributions``, ``GET/DELETE /api/contributions/{id}``, ``POST /api/forget``.

Writes need ``Authorization: Bearer <token>`` matching the ``write_token`` setting; with no token
configured every write is refused (403), so a fresh deployment is read-only. The token is compared
in constant time and never logged or echoed. A body larger than ``max_request_bytes`` is refused
(413) while it is read, whatever Content-Length claims.

Uploads are Turtle, N-Triples, JSON-LD, CSV or XLSX (``?kind=`` names the template). RDF is parsed by
pyoxigraph, whose JSON-LD parser has no document loader: a remote ``@context`` is refused, never
fetched (rdflib 7.6 would fetch it and offers no option to stop that). Invalid contributions get 422
with every problem as JSON and the SHACL report as Turtle; nothing is written then.
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Annotated

import pyoxigraph as ox
import rdflib
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from . import contributions, erasure, spreadsheet
from .contributions import ContributionError, Provenance, UnknownContribution
from .dumps import dumps_folder
from .settings import Settings

router = APIRouter(tags=["contributions"])

RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
SPREADSHEET_TYPES = {
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)


class ApiError(Exception):
    """An answer other than success: status, a short title, what went wrong and how to fix it."""

    def __init__(self, status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **extra: object):
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers, extra

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.title, "detail": self.detail, **self.extra}, status_code=self.status, headers=self.headers)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _authorise(request: Request) -> None:
    token = _settings(request).write_token
    if not token:
        raise ApiError(403, "forbidden", "writes are disabled: set SMARTREGION_WRITE_TOKEN")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            401,
            "unauthorised",
            "a write needs the header Authorization: Bearer <token> with the service's write token",
            headers={"WWW-Authenticate": 'Bearer realm="smartregion"'},
        )


async def _body(request: Request) -> bytes:
    limit = _settings(request).max_request_bytes
    too_large = ApiError(
        413, "request too large", f"the upload is larger than the limit of {limit} bytes; split it into smaller contributions"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a missing or false Content-Length must not let a big body in
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(exc: ContributionError, status: int = 422) -> ApiError:
    extra: dict[str, object] = {"problems": [p.as_dict() for p in exc.problems]}
    if exc.report is not None:
        extra["report"] = exc.report.serialize(format="turtle")
    count = len(exc.problems)
    return ApiError(status, "contribution refused", f"{count} problem{'' if count == 1 else 's'}; nothing was written", **extra)


def _parse_rdf(body: bytes, rdf_format: ox.RdfFormat) -> rdflib.Graph:
    try:
        quads = list(ox.parse(body, format=rdf_format))
    except SyntaxError as exc:
        message = str(exc)
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            message = "a remote JSON-LD @context is never fetched; put the context inline in the document"
        raise ApiError(400, "cannot parse the upload", message) from None
    if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        raise ApiError(400, "named graphs in the upload", "a contribution is one graph: send triples without named graphs")
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return graph


def _file_name(request: Request, suffix: str) -> str:
    given = request.query_params.get("filename") or next(iter(_FILENAME.findall(request.headers.get("content-disposition", ""))), "")
    name = given.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or f"upload{suffix}"


@router.post("/api/contributions", status_code=201)
async def post_contribution(
    request: Request,
    kind: Annotated[str | None, Query(description="template of a CSV/XLSX upload: organisations, persons, events, ...")] = None,
    dry_run: Annotated[bool, Query(description="validate and report, write nothing")] = False,
    agent: Annotated[str, Query(description="who contributes, kept as prov:wasAttributedTo")] = "api",
) -> Response:
    """Add a contribution: Turtle, N-Triples, JSON-LD (inline contexts only), CSV or XLSX with ``?kind=``."""
    try:
        _authorise(request)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in RDF_TYPES and media_type not in SPREADSHEET_TYPES:
            raise ApiError(
                415,
                "unsupported media type",
                f"send {', '.join([*RDF_TYPES, *SPREADSHEET_TYPES])}, not {media_type or 'no Content-Type'}",
            )
        body = await _body(request)
        store, folder = request.app.state.store, dumps_folder(_settings(request))
        if media_type in SPREADSHEET_TYPES:
            if not kind:
                raise ApiError(
                    400,
                    "kind missing",
                    "a spreadsheet upload needs ?kind= (organisations, persons, events, cooperations, memberships, projects)",
                )
            name = _file_name(request, SPREADSHEET_TYPES[media_type])
            try:
                template = spreadsheet.get_kind(kind)
            except ContributionError as exc:
                raise ApiError(400, "unknown kind", str(exc)) from None
            provenance = Provenance(agent, name, "api", {"kind": kind})
            table = spreadsheet.read_table(body, name)
            result = await run_in_threadpool(
                spreadsheet.import_table, store, table, template, provenance, dry_run=dry_run, dumps_folder=folder
            )
        else:
            graph = _parse_rdf(body, RDF_TYPES[media_type])
            provenance = Provenance(agent, _file_name(request, ""), "api")
            result = await run_in_threadpool(contributions.add_graph, store, graph, provenance, dry_run=dry_run, dumps_folder=folder)
    except ApiError as exc:
        return exc.response()
    except ContributionError as exc:
        return _refused(exc).response()
    summary = result.summary()
    if dry_run:
        return JSONResponse({**summary, "turtle": result.turtle()}, status_code=200)
    return JSONResponse(summary, status_code=201, headers={"Location": f"/api/contributions/{result.id}"})


@router.get("/api/contributions")
def get_contributions(request: Request) -> list[dict[str, object]]:
    """Every contribution: who, when, how, from what, how many triples."""
    return contributions.list_contributions(request.app.state.store)


@router.get("/api/contributions/{contribution_id}")
def get_contribution(request: Request, contribution_id: str) -> Response:
    """The contribution's graph as Turtle, provenance included."""
    store = request.app.state.store
    try:
        iri = contributions.contribution_iri(contribution_id)
    except ContributionError as exc:
        return ApiError(404, "no such contribution", str(exc)).response()
    if iri not in store.named_graphs():
        return ApiError(
            404, "no such contribution", f"there is no contribution {contribution_id!r}; GET /api/contributions lists them"
        ).response()
    body = store.query_bytes(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}", "text/turtle")
    return Response(body, media_type="text/turtle")


@router.delete("/api/contributions/{contribution_id}", status_code=204)
async def delete_contribution(request: Request, contribution_id: str) -> Response:
    """Remove a contribution (its whole graph); 409 while other graphs refer to entities only it defines."""
    try:
        _authorise(request)
        await run_in_threadpool(
            contributions.remove, request.app.state.store, contribution_id, dumps_folder=dumps_folder(_settings(request))
        )
    except ApiError as exc:
        return exc.response()
    except UnknownContribution as exc:
        return ApiError(404, "no such contribution", str(exc)).response()
    except ContributionError as exc:
        return _refused(exc, 409).response()
    return Response(status_code=204)


@router.post("/api/forget")
async def post_forget(request: Request) -> Response:
    """Erase a person: JSON ``{"iri": ..., "reason": ...}``. Records when and by whom, not who."""
    try:
        _authorise(request)
        body = await _body(request)
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "not JSON", 'send {"iri": "https://w3id.org/smartregion/id/person/...", "reason": "..."}') from None
        iri = payload.get("iri") if isinstance(payload, dict) else None
        if not isinstance(iri, str) or not iri.strip():
            raise ApiError(400, "iri missing", 'send {"iri": "https://w3id.org/smartregion/id/person/...", "reason": "..."}')
        reason = payload.get("reason")
        agent = payload.get("agent") or "api"
        result = await run_in_threadpool(
            erasure.forget,
            request.app.state.store,
            iri,
            agent=str(agent),
            reason=str(reason) if reason else None,
            dumps_folder=dumps_folder(_settings(request)),
        )
    except ApiError as exc:
        return exc.response()
    except erasure.UnknownEntity as exc:
        return ApiError(404, "no such entity", str(exc)).response()
    except erasure.NotAPerson as exc:
        return ApiError(422, "not a person", str(exc)).response()
    return JSONResponse(
        {
            "record": result.record,
            "hash": result.hash,
            "graphs": len(result.graphs),
            "triples": result.triples,
            "nodes": result.nodes,
            "named_in": result.named_in,  # free text that still contains the name: to review by hand
        }
    )
