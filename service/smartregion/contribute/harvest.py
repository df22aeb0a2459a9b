"""Harvest: take what another SPARQL endpoint knows into the graph, as a contribution.

A CONSTRUCT query runs on the remote endpoint (a SPARQL Protocol POST); its triples become one
contribution (``contributions.add_graph``): validated like any other, written all or nothing, and
traceable: the contribution is ``prov:wasDerivedFrom`` the endpoint, and the query text is kept
(``prov:used`` an entity with the query as ``prov:value``).

Limits protect the store and the harvester: only CONSTRUCT (its answer is triples, nothing to
interpret), a deadline for the whole exchange from connecting to the last byte (a socket timeout
counts per read, so a server trickling its headers would pass it; the remote query may keep running
on its side), and a size limit in bytes and in triples, checked while the answer is read, so an
endless answer is cut off early. Redirects are refused, never followed: the endpoint recorded as the
source is the one whose answer was imported.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException, HTTPResponse, HTTPSConnection
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import rdflib

from smartregion import __version__
from smartregion.contribute.contributions import add_graph
from smartregion.contribute.model import ContributionResult, Provenance
from smartregion.errors import SmartregionError
from smartregion.rdf.sparql_text import query_form
from smartregion.store import Store

DEFAULT_TIMEOUT = 60.0  # seconds for the whole exchange
DEFAULT_MAX_BYTES = 50_000_000
DEFAULT_MAX_TRIPLES = 200_000
_CHUNK = 65536


class HarvestError(SmartregionError):
    """The harvest was refused or failed before anything was written; the message says how to fix it."""

    status, title = 422, "harvest refused"


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_triples: int = DEFAULT_MAX_TRIPLES


def check_construct(query: str) -> None:
    """Refuse anything but a CONSTRUCT query."""
    form = query_form(query)
    if form != "CONSTRUCT":
        found = f"a {form} query" if form else "no query form"
        raise HarvestError(f"a harvest needs a CONSTRUCT query (its answer is the set of triples to import), not {found}")


def fetch(endpoint: str, query: str, limits: Limits = Limits()) -> rdflib.Graph:
    """The triples the endpoint answers to the CONSTRUCT ``query``, within the limits."""
    check_construct(query)
    body = _post(endpoint, query, limits)
    graph = rdflib.Graph()
    try:
        graph.parse(data=body, format="turtle", publicID=endpoint)
    except Exception as exc:  # rdflib raises several kinds for malformed input
        raise HarvestError(f"{endpoint}: the answer is not valid Turtle: {exc}") from None
    if len(graph) > limits.max_triples:
        raise HarvestError(
            f"{endpoint}: the answer has {len(graph)} triples, more than the limit of {limits.max_triples}; "
            "narrow the query (LIMIT, a FILTER) or raise --max-triples"
        )
    return graph


class _Deadline:
    """Shuts the socket when the time is up, whatever the request waits for (headers trickling in, the
    body): a socket timeout alone counts per read, so a server sending a byte now and then would hold the
    harvest for ever. The socket is kept here: http.client lets go of it once an answer says
    ``Connection: close`` and reads on through the response's own file."""

    def __init__(self, seconds: float):
        self.passed = False
        self.sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.passed = True
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read, which then sees the end of the stream
            except OSError:
                pass  # closed already

    def cancel(self) -> None:
        self._timer.cancel()


def _post(endpoint: str, query: str, limits: Limits) -> bytes:
    """POST the query (SPARQL 1.1 Protocol, form-encoded) and read the whole answer within ``limits.timeout``.

    A redirect is refused, not followed: the contribution names the endpoint as its source, and the
    triples must come from there, not from wherever it points (another host, or the same host under
    another name); the message names both, so that the user can harvest from the target if it is right.
    """
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise HarvestError(f"{endpoint}: not an http:// or https:// URL of a SPARQL endpoint")
    kind = HTTPSConnection if url.scheme == "https" else HTTPConnection
    connection = kind(url.hostname, url.port, timeout=limits.timeout)
    deadline = _Deadline(limits.timeout)
    try:
        connection.connect()
        deadline.sock = connection.sock
        if deadline.passed:  # time ran out while connecting, before there was a socket to shut
            raise _too_slow(endpoint, limits)
        connection.request(
            "POST", urlunsplit(("", "", url.path or "/", url.query, "")), body=urlencode({"query": query}),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/turtle, application/n-triples;q=0.9",
                     "User-Agent": f"smartregion-harvest/{__version__}"},
        )
        response = connection.getresponse()
        if 300 <= response.status < 400:
            target = urljoin(endpoint, response.getheader("Location") or "")
            raise HarvestError(
                f"{endpoint}: the endpoint redirects ({response.status}) to {target}; a harvest follows no redirect, "
                "so that the source it records is the one that answered: harvest from the target if you trust it"
            )
        if response.status != 200:
            detail = " ".join(response.read(300).decode("utf-8", "replace").split())  # its error message, on one line
            raise HarvestError(f"{endpoint}: the query failed: HTTP {response.status} {response.reason}: {detail}")
        body = _read_limited(response, limits, endpoint)
    except (OSError, HTTPException) as exc:
        if deadline.passed:
            raise _too_slow(endpoint, limits) from None
        raise HarvestError(f"{endpoint}: the query failed: {reason(exc)}") from None
    finally:
        deadline.cancel()
        connection.close()
    if deadline.passed:  # the cut socket may look like the end of an answer sent without a length
        raise _too_slow(endpoint, limits)
    return body


def _too_slow(endpoint: str, limits: Limits) -> HarvestError:
    return HarvestError(f"{endpoint}: no complete answer within {limits.timeout:g} s; narrow the query or raise --timeout")


def _read_limited(response: HTTPResponse, limits: Limits, endpoint: str) -> bytes:
    # read1 returns what has arrived; read(n) would wait for n bytes.
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(_CHUNK):
        size += len(chunk)
        if size > limits.max_bytes:
            raise HarvestError(
                f"{endpoint}: the answer is larger than the limit of {limits.max_bytes} bytes; "
                "narrow the query or raise --max-bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if len(text) > 300 else text


def harvest(
    store: Store, endpoint: str, query: str, *, agent: str, dry_run: bool = False, limits: Limits = Limits()
) -> ContributionResult:
    """Run ``query`` on ``endpoint`` and add the answer as one contribution (nothing on any error)."""
    return add_harvested(store, fetch(endpoint, query, limits), endpoint, query, agent=agent, dry_run=dry_run)


def add_harvested(store: Store, graph: rdflib.Graph, endpoint: str, query: str, *, agent: str, dry_run: bool = False) -> ContributionResult:
    """The fetched answer as one contribution, checked and written under the store's write lock (add_graph)."""
    if not len(graph):
        raise HarvestError(f"{endpoint}: the query answered no triples; nothing to import")
    provenance = Provenance(agent=agent, source_name=endpoint, method="harvest", extra={"endpoint": endpoint, "query": query})
    return add_graph(store, graph, provenance, dry_run=dry_run)
