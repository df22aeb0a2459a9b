"""The write API: ``POST/GET /api/contributions``, ``GET/DELETE /api/contributions/{id}``, ``POST /api/forget``.

Writes need ``Authorization: Bearer <token>`` matching the ``write_token`` setting; with no token
configured every write is refused (403), so a fresh deployment is read-only. The token is compared
in constant time and never logged or echoed; one in the URL (``?token=``) is refused, since URLs end
up in logs and browser histories. A body larger than ``max_request_bytes`` is refused (413) while it
is read, whatever Content-Length claims. Every write, and every refused one, is recorded in the audit
log (audit.py): who (``agent``, the client's address), when, which graphs, the revisions.

Uploads are Turtle, N-Triples, JSON-LD, CSV or XLSX (``?kind=`` names the template). RDF is parsed by
pyoxigraph, whose JSON-LD parser has no document loader: a remote ``@context`` is refused, never
fetched (rdflib 7.6 would fetch it and offers no option to stop that), and a document nesting deeper
than 100 levels is refused before it could overflow the parser's stack. Invalid contributions get 422
with every problem as JSON and the SHACL report as Turtle; nothing is written then.

Each write holds the store's write lock (writelock.py) from its first check to its last step, so its
checks hold when it writes. A write waits at most ``WRITE_WAIT`` seconds for another one (a build
loading a large graph) and then gets 503 with ``Retry-After``, having changed nothing.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from typing import Annotated, TypeVar

import pyoxigraph as ox
import rdflib
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from smartregion.contribute import contributions, erasure, model, spreadsheets
from smartregion.contribute.audit import TOKEN_PARAMETERS, AuditLog, Write
from smartregion.contribute.model import (
    ContributionError,
    Provenance,
    UnknownContribution,
    iri_hash,
)
from smartregion.errors import SmartregionError
from smartregion.publish.dumps import dumps_folder
from smartregion.rdf import sheets
from smartregion.settings import Settings
from smartregion.store import Store
from smartregion.store.writelock import WriteBusy
from smartregion.web import downloads, problems
from smartregion.web.bodies import read_limited
from smartregion.web.downloads import DialectParam, FormatParam
from smartregion.web.errors import errors
from smartregion.web.problems import Problem

router = APIRouter(tags=["contributions"])

RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_TYPES = {"text/csv": ".csv", XLSX: ".xlsx"}
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)
# For the OpenAPI description: the handlers read their bodies themselves.
UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            media_type: {"schema": {"type": "string", **({"format": "binary"} if media_type == XLSX else {})}}
            for media_type in [*RDF_TYPES, *SPREADSHEET_TYPES]
        },
    }
}
FORGET = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["iri"],
                    "properties": {
                        "iri": {"type": "string", "description": "the person's IRI"},
                        "reason": {"type": "string", "description": "why, kept in the erasure record"},
                        "agent": {"type": "string", "description": "who asks, kept in the erasure record"},
                    },
                }
            }
        },
    }
}


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _authorise(request: Request) -> None:
    token = _settings(request).write_token
    if not token:
        raise Problem(403, "forbidden", "writes are disabled: set SMARTREGION_WRITE_TOKEN")
    in_url = sorted({name for name in request.query_params if name.lower() in TOKEN_PARAMETERS})
    if in_url or any(hmac.compare_digest(value.encode(), token.encode()) for value in request.query_params.values()):
        raise Problem(
            400,
            "token in the URL",
            "never put the write token in the URL (it ends up in logs and browser histories): remove "
            + (", ".join(f"?{name}=" for name in in_url) or "it from the query string")
            + " and send the header Authorization: Bearer <token>",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Problem(
            401,
            "unauthorised",
            "a write needs the header Authorization: Bearer <token> with the service's write token",
            headers={"WWW-Authenticate": 'Bearer realm="smartregion"'},
        )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _begin(request: Request, action: str, agent: str, **details: object) -> Write:
    """Audit the attempt of an authorised write (see audit.py); its outcome goes through the Write."""
    log = AuditLog.for_settings(_settings(request))
    return log.begin(action, request.app.state.store, via="http", agent=agent, client=_client(request), **details)  # type: ignore[arg-type]


def _reason(error: SmartregionError) -> str:
    found = error.extensions().get("problems")
    reason = f"{error.title}: {error}"
    if isinstance(found, list) and found:
        reason += " — " + "; ".join(str(p["message"]) for p in found[:5]) + ("; …" if len(found) > 5 else "")
    return reason


def _deny(request: Request, action: str, agent: str, error: SmartregionError) -> Response:
    """The answer to a request refused before any write began (authorisation, an unreadable request), audited."""
    log = AuditLog.for_settings(_settings(request))
    log.refused(action, via="http", agent=agent, client=_client(request), reason=_reason(error), status=error.status)
    return problems.from_error(error)


def _refuse(write: Write | None, error: SmartregionError) -> Response:
    """The answer to a refused write, audited as its outcome (a dry run, ``write`` None, is not audited)."""
    if write is not None:
        write.refused(_reason(error), status=error.status)
    return problems.from_error(error)


def _failed(write: Write | None, exc: BaseException) -> None:
    if write is not None:
        write.failed(f"{type(exc).__name__}: {exc}".strip(": "), status=500)


def _refused(exc: ContributionError, status: int = 422) -> Problem:
    """Every problem of the contribution (and the SHACL report), under a detail that counts them."""
    count = len(exc.problems)
    return Problem(status, "contribution refused", f"{count} problem{'' if count == 1 else 's'}; nothing was written", **exc.extensions())


WRITE_WAIT = 60.0  # seconds a write request waits for the write lock before 503
_RETRY_AFTER = "30"
T = TypeVar("T")


def _locked(store: Store, purpose: str, call: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``call`` under the store's write lock, waited for at most WRITE_WAIT seconds (then WriteBusy)."""
    with store.write_lock().hold(purpose, timeout=WRITE_WAIT):
        return call(*args, **kwargs)


def _busy(exc: WriteBusy) -> Problem:
    return Problem(503, "store busy", str(exc), headers={"Retry-After": _RETRY_AFTER})


JSON_NESTING_LIMIT = 100  # levels of [ and { in a JSON-LD upload
_JSON_BRACKET = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[{\]}]', re.DOTALL)  # strings are skipped whole


def _check_json_nesting(body: bytes) -> None:
    """pyoxigraph's JSON-LD parser recurses once per level: a few thousand levels (under 100 KB) overflow
    the stack and end the server process, so deeper documents are refused before it sees them."""
    depth = 0
    for match in _JSON_BRACKET.finditer(body):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > JSON_NESTING_LIMIT:
                line = body.count(b"\n", 0, match.start()) + 1
                column = match.start() - body.rfind(b"\n", 0, match.start())
                raise Problem(
                    400,
                    "cannot parse the upload",
                    f"the JSON-LD document nests more than {JSON_NESTING_LIMIT} levels of [ and {{ (line {line}, column {column}); "
                    f"the limit is {JSON_NESTING_LIMIT} levels",
                )
        elif match.group() in (b"]", b"}"):
            depth -= 1


def _parse_rdf(body: bytes, rdf_format: ox.RdfFormat) -> rdflib.Graph:
    if rdf_format == ox.RdfFormat.JSON_LD:
        _check_json_nesting(body)
    try:
        quads = list(ox.parse(body, format=rdf_format))
    except SyntaxError as exc:
        message = str(exc)
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            message = "a remote JSON-LD @context is never fetched; put the context inline in the document"
        raise Problem(400, "cannot parse the upload", message) from None
    if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        raise Problem(400, "named graphs in the upload", "a contribution is one graph: send triples without named graphs")
    if not quads:
        raise ContributionError([model.Problem("the upload holds no triples", fix="send the statements the contribution adds")])
    # pyoxigraph reads RDF 1.2 terms; rdflib and pySHACL, which validate the contribution, cannot.
    rdf12 = next((q.triple for q in quads if _is_rdf12(q.triple)), None)
    if rdf12 is not None:
        raise Problem(
            400,
            "unsupported RDF 1.2 term",
            f"triple terms and directional language tags are not accepted, as in {rdf12}; "
            "state the triple itself, and use a plain language tag such as @de",
        )
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _is_rdf12(triple: ox.Triple) -> bool:
    obj = triple.object
    if isinstance(obj, ox.Literal):
        return obj.direction is not None
    return isinstance(triple.subject, ox.Triple) or isinstance(obj, ox.Triple)


def _file_name(request: Request, suffix: str) -> str:
    given = request.query_params.get("filename") or next(iter(_FILENAME.findall(request.headers.get("content-disposition", ""))), "")
    name = given.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or f"upload{suffix}"


@router.post(
    "/api/contributions",
    status_code=201,
    responses={200: {"description": "A dry run: what would be added; nothing written."}, **errors(400, 401, 403, 413, 415, 422, 503)},
    openapi_extra=UPLOAD,
)
async def post_contribution(
    request: Request,
    kind: Annotated[str | None, Query(description="template of a CSV/XLSX upload: organisations, persons, events, ...")] = None,
    dry_run: Annotated[bool, Query(description="validate and report, write nothing")] = False,
    agent: Annotated[str, Query(description="who contributes, kept as prov:wasAttributedTo")] = "api",
) -> Response:
    """Add a contribution: Turtle, N-Triples, JSON-LD (inline contexts only), CSV or XLSX with ``?kind=``."""
    try:
        _authorise(request)
    except Problem as exc:
        return _deny(request, "add", agent, exc)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_table = media_type in SPREADSHEET_TYPES
    name = _file_name(request, SPREADSHEET_TYPES.get(media_type, ""))
    provenance = Provenance(agent, name, "api", {"kind": kind} if is_table and kind else {})
    # Named before anything is read, so that the audited attempt says which graph it is about.
    iri = model.new_contribution_iri(provenance)
    write = None if dry_run else _begin(request, "add", agent, graphs=[iri])  # a dry run writes nothing
    try:
        if media_type not in RDF_TYPES and not is_table:
            raise Problem(
                415,
                "unsupported media type",
                f"send {', '.join([*RDF_TYPES, *SPREADSHEET_TYPES])}, not {media_type or 'no Content-Type'}",
            )
        if is_table:
            if not kind:
                raise Problem(
                    400,
                    "kind missing",
                    "a spreadsheet upload needs ?kind= (organisations, persons, events, cooperations, memberships, projects)",
                )
            try:
                template = spreadsheets.get_kind(kind)
            except ContributionError as exc:
                raise Problem(400, "unknown kind", str(exc)) from None
        body = await read_limited(request, _settings(request).max_request_bytes, "Split the upload into smaller contributions")
        store = request.app.state.store
        # A write matches rows and checks everything under the lock; a dry run writes nothing and needs none.
        run = run_in_threadpool if dry_run else lambda call, *a, **k: run_in_threadpool(_locked, store, "contribution", call, *a, **k)
        if is_table:
            table = await run_in_threadpool(spreadsheets.read_table, body, name)  # a big workbook would stall the event loop
            result = await run(spreadsheets.import_table, store, table, template, provenance, dry_run=dry_run, graph_iri=iri)
        else:
            graph = await run_in_threadpool(_parse_rdf, body, RDF_TYPES[media_type])
            result = await run(contributions.add_graph, store, graph, provenance, dry_run=dry_run, graph_iri=iri)
    except Problem as exc:
        return _refuse(write, exc)
    except WriteBusy as exc:
        return _refuse(write, _busy(exc))
    except ContributionError as exc:
        return _refuse(write, _refused(exc))
    except BaseException as exc:
        _failed(write, exc)
        raise
    summary = result.summary()
    if dry_run:
        return JSONResponse({**summary, "entities": result.entities(), "turtle": result.turtle()}, status_code=200)
    write.done([result.graph_iri], status=201)  # type: ignore[union-attr]
    return JSONResponse(summary, status_code=201, headers={"Location": f"/api/contributions/{result.id}"})


CONTRIBUTION_COLUMNS = ("id", "graph", "title", "agent", "created", "method", "source", "triples")


@router.get("/api/contributions", response_model=None, responses={200: downloads.CONTENT})
def get_contributions(request: Request, format: FormatParam = "json", dialect: DialectParam = "rfc4180") -> Response:
    """Every contribution: who, when, how, from what, how many triples; as JSON, CSV or XLSX."""
    found = contributions.list_contributions(request.app.state.store)

    def tables() -> list[sheets.Sheet]:
        return [sheets.Sheet("contributions", CONTRIBUTION_COLUMNS, [[c[k] for k in CONTRIBUTION_COLUMNS] for c in found])]

    return downloads.answer(found, format, dialect, "contributions", tables)


@router.get("/api/contributions/{contribution_id}", responses=errors(404))
def get_contribution(request: Request, contribution_id: str) -> Response:
    """The contribution's graph as Turtle, provenance included."""
    store = request.app.state.store
    try:
        iri = model.contribution_iri(contribution_id)
    except ContributionError as exc:
        raise Problem(404, "no such contribution", str(exc)) from None
    if iri not in store.named_graphs():
        raise Problem(404, "no such contribution", f"there is no contribution {contribution_id!r}; GET /api/contributions lists them")
    body = store.query_bytes(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}", "text/turtle")
    return Response(body, media_type="text/turtle")


@router.delete("/api/contributions/{contribution_id}", status_code=204, responses=errors(400, 401, 403, 404, 409, 503))
async def delete_contribution(
    request: Request,
    contribution_id: str,
    agent: Annotated[str, Query(description="who removes it, kept in the audit log")] = "api",
) -> Response:
    """Remove a contribution (its whole graph); 409 while other graphs refer to entities only it defines."""
    try:
        _authorise(request)
        iri = model.contribution_iri(contribution_id)
    except Problem as exc:
        return _deny(request, "remove", agent, exc)
    except UnknownContribution as exc:
        return _deny(request, "remove", agent, Problem(404, "no such contribution", str(exc)))
    write = _begin(request, "remove", agent, graphs=[iri])
    try:
        store = request.app.state.store
        await run_in_threadpool(_locked, store, "removal", contributions.remove, store, contribution_id)
    except WriteBusy as exc:
        return _refuse(write, _busy(exc))
    except UnknownContribution as exc:
        return _refuse(write, Problem(404, "no such contribution", str(exc)))
    except ContributionError as exc:
        return _refuse(write, _refused(exc, 409))
    except BaseException as exc:
        _failed(write, exc)
        raise
    write.done(status=204)
    return Response(status_code=204)


@router.post("/api/forget", responses=errors(400, 401, 403, 404, 413, 422, 503), openapi_extra=FORGET)
async def post_forget(request: Request) -> Response:
    """Erase a person: JSON ``{"iri": ..., "reason": ...}``. Records when and by whom, not who."""
    agent = "api"
    try:
        _authorise(request)
        body = await read_limited(request, _settings(request).max_request_bytes, "Split the upload into smaller contributions")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise Problem(400, "not JSON", 'send {"iri": "https://w3id.org/smartregion/id/person/...", "reason": "..."}') from None
        iri = payload.get("iri") if isinstance(payload, dict) else None
        if isinstance(payload, dict) and payload.get("agent"):
            agent = str(payload["agent"])
        if not isinstance(iri, str) or not iri.strip():
            raise Problem(400, "iri missing", 'send {"iri": "https://w3id.org/smartregion/id/person/...", "reason": "..."}')
    except Problem as exc:
        return _deny(request, "forget", agent, exc)
    reason = payload.get("reason")
    iri = iri.strip().strip("<>")
    # The log names the person as the erasure record does: by the hash of the IRI only.
    write = _begin(request, "forget", agent, erased=iri_hash(iri), private=[iri])
    try:
        result = await run_in_threadpool(
            _locked,
            request.app.state.store,
            "erasure",
            erasure.forget,
            request.app.state.store,
            iri,
            agent=agent,
            reason=str(reason) if reason else None,
            dumps_folder=dumps_folder(_settings(request)),
        )
    except erasure.UnknownPerson as exc:
        return _refuse(write, exc)  # 404 no such entity
    except erasure.NotAPerson as exc:
        return _refuse(write, exc)  # 422 not a person
    except WriteBusy as exc:
        return _refuse(write, _busy(exc))
    except BaseException as exc:
        _failed(write, exc)
        raise
    write.done(result.graphs, status=200)
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
