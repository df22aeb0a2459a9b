"""The read-only SPARQL 1.1 Protocol endpoint, ``/sparql``.

Queries arrive by GET, form POST or direct POST; answers are negotiated by Accept (q-values) or a
``format`` parameter. The handler never evaluates on the event loop: the query runs in a worker
process, which the event loop awaits without blocking, after ``admission`` let it in (per-client
limits, 429/503 with ``Retry-After``), so slow queries cannot stall other clients.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator, Sequence
from functools import partial
from urllib.parse import parse_qsl

import pyoxigraph as ox
from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from smartregion.errors import SmartregionError
from smartregion.rdf import results
from smartregion.rdf.prefixes import PREFIXES
from smartregion.store import QuerySyntaxError, Store
from smartregion.store.executor import Executor, PreparedQuery
from smartregion.web import problems
from smartregion.web.bodies import read_limited, too_large
from smartregion.web.errors import errors
from smartregion.web.problems import Problem

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


async def sparql(request: Request) -> Response:
    """Answer a SPARQL query (SPARQL 1.1 Protocol); a GET without one describes the service.

    Results by content negotiation or ``format``: json, xml, csv, tsv for SELECT and ASK; turtle,
    ntriples, jsonld, rdfxml for CONSTRUCT and DESCRIBE. Read-only, with a time limit and a memory
    limit per query, and answers cut at a row limit and a byte limit (headers ``X-Row-Limit``,
    ``X-Byte-Limit``, ``X-Result-Truncated``, ``X-Result-Truncated-By``). Refused with 400: SERVICE, LOAD,
    datasets outside the store, and queries too deep or too wide for the engine (more than 16 levels
    of brackets, 2000 tokens, 300 groups, 200 UNIONs, 120 triple patterns, 500 operators).
    """
    try:
        return await _answer(request)
    except results.NotAcceptable as exc:
        offered = [f.media_type for f in exc.offers]
        return problems.answer(
            request,
            Problem(
                406,
                "not acceptable",
                "none of the requested result formats is offered for this query; offered: " + ", ".join(offered),
                hint="Accept one of the offered media types, or pass format=" + "|".join(f.key for f in exc.offers) + ".",
                offered=offered,
            ),
            text=True,
        )
    except SmartregionError as exc:  # problem details, or plain text for clients that accept only text
        return problems.answer(request, exc, text=True)


_PARAMETERS = [
    {"name": "query", "in": "query", "schema": {"type": "string"}, "example": "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
     "description": "the SPARQL query; without it, GET answers with the service description"},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": [f.key for f in results.ALL_FORMATS]}},
]
_REQUEST_BODY = {
    "required": True,
    "content": {
        FORM: {"schema": {"type": "object", "required": ["query"], "properties": {
            "query": {"type": "string", "example": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"},
            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
        }}},
        QUERY: {"schema": {"type": "string", "example": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"}},
    },
}
# Every answer format, by media type; a browser's GET (text/html) gets the query editor (web/editor.py).
_ANSWERS = {
    "description": "Results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE, and the service description) in the negotiated format.",
    "content": {f.media_type: {} for f in results.ALL_FORMATS},
}
for _method in ("GET", "POST"):
    # Two routes, so that each method has its own OpenAPI operation id.
    router.add_api_route(
        "/sparql",
        sparql,
        methods=[_method],
        operation_id=f"sparql_{_method.lower()}",
        summary="SPARQL 1.1 query endpoint (read-only)",
        response_class=Response,
        openapi_extra={
            "parameters": _PARAMETERS,
            "responses": {"200": _ANSWERS if _method == "POST" else
                          {**_ANSWERS, "content": {**_ANSWERS["content"], "text/html": {}}}},
            **({"requestBody": _REQUEST_BODY} if _method == "POST" else {}),
        },
        responses=errors(400, 403, 406, 413, *([415] if _method == "POST" else []), 429, 503, text=("text/plain",)),
    )


async def _answer(request: Request) -> Response:
    settings = request.app.state.settings
    params = await _parameters(request, settings.max_request_bytes)
    if params.get("update"):
        raise _read_only()
    queries = [q for q in params.get("query", []) if q.strip()]  # "?query=" is no query
    accept = request.headers.get("accept")
    if not queries:
        if request.method == "POST":
            raise Problem(
                400, "missing query", "a POST to /sparql needs a query", hint="Send query=... or a body of type application/sparql-query."
            )
        executor: Executor = request.app.state.executor
        fmt = results.negotiate(results.GRAPH_FORMATS, accept, params.get("format", []))
        body = await to_thread.run_sync(service_description, executor.store, _endpoint_iri(request), fmt)
        return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})
    if len(queries) > 1:
        raise Problem(400, "more than one query", "the request carries more than one query", hint="Send exactly one query parameter.")
    return await _run_query(request, queries[0], params, accept)


async def _run_query(request: Request, text: str, params: dict[str, list[str]], accept: str | None) -> Response:
    executor: Executor = request.app.state.executor
    try:
        # In a thread: checking a dataset asks the store for its graphs, over the network if remote.
        prepared = await to_thread.run_sync(
            executor.prepare, text, params.get("default-graph-uri", []), params.get("named-graph-uri", []), _endpoint_iri(request)
        )
    except QuerySyntaxError as exc:  # the guard's parse
        raise _syntax_error(exc) from None
    fmt = _answer_format(prepared.form, accept, params.get("format", []))
    # Out of time (503), no room (503, 429), refused (400: too complex, out of memory) or failed (500):
    # the store's errors say so themselves.
    try:
        answer = await request.app.state.admission.run(request, partial(executor.run, prepared, fmt))
    except QuerySyntaxError as exc:  # the engine's parser, where it reads the checked text otherwise than the guard
        raise _syntax_error(exc, prepared) from None
    headers = {
        "Vary": "Accept",
        "X-Result-Truncated": "true" if answer.truncated else "false",
    }
    if answer.cut:
        headers["X-Result-Truncated-By"] = answer.cut  # rows or bytes: which limit cut the answer
    if executor.row_limit is not None:
        headers["X-Row-Limit"] = str(executor.row_limit)
    if executor.answer_bytes is not None:
        headers["X-Byte-Limit"] = str(executor.answer_bytes)
    return answer_response(answer.body, answer.format.content_type, headers)


_CHUNK = 1 << 20


def answer_response(body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    """The body sent in slices as the client takes them: written at once, a large body would be copied
    whole into the connection's buffer, and the server would hold it twice."""
    if len(body) <= _CHUNK:
        return Response(body, media_type=media_type, headers=headers)

    async def slices() -> AsyncIterator[memoryview]:
        view = memoryview(body)
        for start in range(0, len(body), _CHUNK):
            yield view[start : start + _CHUNK]

    return StreamingResponse(slices(), media_type=media_type, headers={**headers, "Content-Length": str(len(body))})


def _answer_format(form: str | None, accept: str | None, format_params: Sequence[str]) -> results.Format:
    """The negotiated format; a CONSTRUCT or DESCRIBE whose Accept names only results formats gets Turtle.

    rdflib's SPARQLStore (JSON mode) and other generic clients send one Accept for every query form;
    Fuseki and Virtuoso answer such graph queries in a default RDF format rather than with 406.
    """
    if form is None:
        return results.JSON  # not a query form: the engine's parser will say what is wrong, whatever was accepted
    try:
        return results.negotiate(results.offered(form), accept, format_params)
    except results.NotAcceptable:
        if form in ("CONSTRUCT", "DESCRIBE") and not any(p.strip() for p in format_params) and accept and results.names_only_results(accept):
            return results.TURTLE
        raise


_POSITION = re.compile(r"(\d+):(\d+)")


def _syntax_error(exc: QuerySyntaxError, prepared: PreparedQuery | None = None) -> Problem:
    """One short message: what was expected, line and column in the query as sent, the line with a caret."""
    line, column, message = exc.line, exc.column, str(exc)
    match = _POSITION.search(message) if line is None else None
    if match and prepared is not None:  # the engine's "error at LINE:COLUMN: ..." counts in the completed text
        line, column = prepared.checked.position(int(match.group(1)), int(match.group(2)))
        message = f"line {line}, column {column}: {message[match.end():].lstrip(': ')}"
    position = {"line": line, "column": column} if line is not None else {}
    return Problem(
        400,
        "malformed query",
        message,
        hint=exc.hint or "Check the query at or before that position; SPARQL 1.1 Query syntax: https://www.w3.org/TR/sparql11-query/#grammar.",
        **position,
    )


def _read_only() -> Problem:
    # 403: the request is understood and will not be carried out, whoever sends it.
    return Problem(
        403,
        "read-only endpoint",
        "SPARQL updates are not accepted: this endpoint is read-only",
        hint="Use SELECT, ASK, CONSTRUCT or DESCRIBE queries.",
    )


async def _parameters(request: Request, max_bytes: int) -> dict[str, list[str]]:
    """Protocol parameters from the URL and, for POST, the body; refuses oversized requests (413)."""
    if len(request.url.query.encode()) > max_bytes:
        raise too_large(max_bytes, "Send a shorter query, or send it by POST")
    params = _form(request.scope.get("query_string", b""), "utf-8", "the URL's query string")
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == UPDATE:
        raise _read_only()
    body = await read_limited(request, max_bytes, "Send a shorter query")
    charset = _charset(content_type)
    if media_type == FORM:
        for name, values in _form(body, charset, "the form").items():
            params.setdefault(name, []).extend(values)
    elif media_type == QUERY:
        params["query"] = [*params.get("query", []), _decoded(body, charset, "the query")]
    else:
        raise Problem(
            415,
            "unsupported media type",
            f"a POST to /sparql must be {FORM} or {QUERY}, not {media_type or 'without a content type'}",
            hint="Send the query form-encoded (query=...) or as the body with Content-Type: application/sparql-query.",
        )
    return params


_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)


def _charset(content_type: str) -> str:
    """The declared charset, which must be UTF-8 (or its subset ASCII): 415 for any other, never a mangled query.

    The SPARQL 1.1 Protocol's ``application/sparql-query`` is UTF-8; its test bad_query_non_utf8 expects a
    UTF-16 query to be refused.
    """
    match = _CHARSET.search(content_type)
    if not match:
        return "utf-8"
    try:
        name = codecs.lookup(match.group(1)).name
    except LookupError:
        name = None
    if name in ("utf-8", "ascii"):
        return name
    raise Problem(
        415,
        "unsupported media type",
        f"the request declares charset={match.group(1)}; this endpoint reads queries in UTF-8 only",
        hint="Send the query encoded as UTF-8, with charset=utf-8 or no charset.",
        parameter="charset",
    )


def _decoded(data: bytes, charset: str, what: str) -> str:
    """The text, strictly: a query that does not decode is refused, never run with replacement characters."""
    try:
        return data.decode(charset)
    except UnicodeDecodeError as exc:
        raise Problem(
            400,
            "undecodable request",
            f"{what} is not valid {charset}: byte {exc.start} ({data[exc.start:exc.start + 1]!r}) cannot be decoded",
            hint="Send the query in UTF-8, or declare its charset in Content-Type (e.g. charset=ISO-8859-1).",
        ) from None


def _form(data: bytes, charset: str, what: str) -> dict[str, list[str]]:
    """Parameters of a form or query string, whose percent-escapes stand for bytes in ``charset``."""
    try:
        pairs = parse_qsl(_decoded(data, charset, what), keep_blank_values=True, encoding=charset, errors="strict")
    except UnicodeDecodeError as exc:
        raise Problem(
            400,
            "undecodable request",
            f"{what} holds percent-escaped bytes that are not valid {charset}: {exc.object[exc.start:exc.end]!r}",
            hint="Percent-encode the query's UTF-8 bytes, or declare the charset in Content-Type.",
        ) from None
    return _multi(pairs)


def _multi(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def _endpoint_iri(request: Request) -> str:
    # Where the service is deployed (setting base_url), not the address this request happened to use.
    return request.app.state.settings.base_url.rstrip("/") + "/sparql"


SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
XSD_ANY_URI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
_SD_PREFIXES = {"sd": SD, "void": VOID, "sh": SH, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "formats": results.FORMATS_NS}


def service_description(store: Store, endpoint: str, fmt: results.Format) -> bytes:
    """The SPARQL 1.1 Service Description: what this endpoint speaks and which graphs it holds."""

    def sd(term: str) -> ox.NamedNode:
        return ox.NamedNode(SD + term)

    service, dataset, default_graph = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        # Queries see the merge of the named graphs (each triple once) unless they name a dataset.
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        *(ox.Triple(service, sd("resultFormat"), ox.NamedNode(f.w3c_iri)) for f in results.ALL_FORMATS),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
        ox.Triple(default_graph, RDFS_COMMENT, ox.Literal(
            "The union of all named graphs, each distinct triple once; void:triples counts distinct triples.", language="en")),
        ox.Triple(default_graph, RDFS_COMMENT, ox.Literal(
            "Die Vereinigung aller benannten Graphen, jedes Tripel einmal; void:triples zählt verschiedene Tripel.", language="de")),
        ox.Triple(default_graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(store.distinct_triple_count()), datatype=XSD_INTEGER)),
    ]
    # The predefined prefixes, as SHACL declares prefixes (sh:declare): queries may use them without PREFIX.
    for prefix, namespace in PREFIXES.items():
        declaration = ox.BlankNode()
        triples += [
            ox.Triple(service, ox.NamedNode(SH + "declare"), declaration),
            ox.Triple(declaration, ox.NamedNode(SH + "prefix"), ox.Literal(prefix)),
            ox.Triple(declaration, ox.NamedNode(SH + "namespace"), ox.Literal(namespace, datatype=XSD_ANY_URI)),
        ]
    for name in sorted(store.named_graphs()):
        named = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(name)),
        ]
    return results.serialise_triples(fmt, triples, _SD_PREFIXES)

