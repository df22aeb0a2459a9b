"""Virtuoso as the remote store: where it differs from a standard SPARQL 1.1 store, and how the backend evens it out.

* Default graph: a query without ``FROM`` sees every graph of the server as a bag (a triple stated by two
  sources counts twice) and ``GRAPH ?g`` sees Virtuoso's own system graphs. So the backend lists the graphs
  it wrote (the knowledge graphs) beside the revision marker in ``META_GRAPH``, keeps their distinct union
  in :data:`UNION_GRAPH`, put anew after every write, and gives every query a protocol dataset: that graph
  as default graph, the knowledge graphs as named graphs. Graphs others put on the server are not the
  knowledge's. A blank node in the union is a copy: it does not join with the same node inside ``GRAPH``.
* Answers: CSV and TSV results are Virtuoso's own dialect (a TSV header without ``?``, booleans as 1), so
  the backend asks for JSON and writes them itself. JSON results say ``typed-literal`` (the 2005 format), blank nodes are ``nodeID://b1``, spatial
  literals come back as ``virtrdf:Geometry``; all three are rewritten to what SPARQL 1.1 and the other
  backends write. Numbers come back in canonical form (``1.50`` as ``1.5``, ``042`` as ``42``), language
  tags in lower case: Virtuoso stores them so, nothing can undo it.
* Limits: an answer cut at ``ResultSetMaxRows`` carries ``X-SPARQL-MaxRows``; it is refused as incomplete
  rather than passed on as if whole. The Graph Store cuts a graph there too, silently: a graph read back
  (dumps, the union after a partial write) is counted and refused if short. ``MaxQueryExecutionTime`` ends
  a query with an error (SR171).
* Requests: form-encoded only (7.2 does not answer a direct POST); writes through ``/sparql-graph-crud-auth``
  and drops through ``/sparql-auth`` when given, both with HTTP Digest authentication. Virtuoso echoes the
  dataset in its answer's headers, one ``X-SPARQL-named-graph`` per graph: with more than about 95
  knowledge graphs that is over the 100 headers Python's ``http.client`` (under SPARQLWrapper) reads, so
  the limit is raised for the process (:data:`MAX_HEADERS`).
"""

from __future__ import annotations

import http.client
import io
import json
import re
from collections.abc import Sequence
from typing import BinaryIO

import httpx

import pyoxigraph as ox

from smartregion.rdf.ids import BASE, SR
from smartregion.store.base import META_GRAPH, RESULT_FORMATS, Query, StoreError, bare_media_type, json_rows, query_parts
from smartregion.store.remote import RemoteStore

MAX_HEADERS = 100_000  # answer headers http.client reads: one per knowledge graph and a few (see above)
http.client._MAXHEADERS = max(http.client._MAXHEADERS, MAX_HEADERS)  # no public setting; read on every answer

UNION_GRAPH = BASE + "graph/union"  # the distinct union of the knowledge graphs: the default graph of every query
# Named in a dataset where the query names no graph of that kind: an empty graph, never written, so that
# Virtuoso does not fall back to all of its graphs.
NO_GRAPH = BASE + "graph/none"
KNOWLEDGE_GRAPH = SR + "knowledgeGraph"  # in META_GRAPH: a graph this backend wrote and has not dropped
_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
# Byte rewrites of answers as they stream (JSON results and N-Triples as Virtuoso writes them).
_STREAM_REWRITES = (
    (b'"type": "typed-literal"', b'"type": "literal"'),
    (b'"type": "bnode", "value": "nodeID://', b'"type": "bnode", "value": "'),
    (f"<{_GEOMETRY}>".encode(), f"<{_WKT}>".encode()),
    (f'"datatype": "{_GEOMETRY}"'.encode(), f'"datatype": "{_WKT}"'.encode()),
)


_OWN_DIALECT = ("text/csv", "text/tab-separated-values")


class VirtuosoStore(RemoteStore):
    """The remote store on Virtuoso 7 (query ``/sparql``, update ``/sparql-auth``, Graph Store ``/sparql-graph-crud-auth``)."""

    def _request(
        self, query: Query, media_type: str, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = (), *, whole_store: bool = False
    ) -> bytes:
        bare = bare_media_type(media_type, query_parts(query)[1])
        if bare not in _OWN_DIALECT:
            return super()._request(query, media_type, default_graph_uris, named_graph_uris, whole_store=whole_store)
        body = super()._request(query, "application/sparql-results+json", default_graph_uris, named_graph_uris, whole_store=whole_store)
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(format=RESULT_FORMATS[bare]) or b""

    def _auth(self, user: str, password: str) -> httpx.Auth:
        return httpx.DigestAuth(user, password)  # what Virtuoso's -auth endpoints ask for

    def _knowledge_graphs(self) -> list[str]:
        query = f"SELECT ?g WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{KNOWLEDGE_GRAPH}> ?g }} }}"
        return sorted(r["g"] for r in json_rows(self._request(query, "application/sparql-results+json", whole_store=True)))

    def _graph_counts(self) -> dict[str, int]:
        graphs = self._knowledge_graphs()
        if not graphs:
            return {}
        values = " ".join(f"<{g}>" for g in graphs)
        query = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
        return {r["g"]: int(r["n"]) for r in json_rows(self._request(query, "application/sparql-results+json", whole_store=True))}

    def _dataset(self, default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]) -> tuple[Sequence[str], Sequence[str]]:
        if not (default_graph_uris or named_graph_uris):
            return [UNION_GRAPH], self._knowledge_graphs() or [NO_GRAPH]
        return default_graph_uris or [NO_GRAPH], named_graph_uris or [NO_GRAPH]

    def _writer(self) -> httpx.Client:
        # The union is put through the Graph Store; the update URL, when given, only drops graphs at once.
        return self._client()

    def _union_before(self, client: httpx.Client, changed: list[str]) -> None:
        pass  # no default graph of its own to withdraw from: UNION_GRAPH is put whole afterwards

    def _union_after(self, client: httpx.Client, put: dict[str, list[ox.Triple]], dropped: list[str]) -> list[ox.Triple]:
        graphs = (set(self._knowledge_graphs()) | {g for g, t in put.items() if t}) - {*dropped, *(g for g, t in put.items() if not t)}
        # Made here and put whole rather than by an INSERT on the server: Virtuoso holds an update to its
        # MaxQueryExecutionTime, which a large graph exceeds, and a PUT loads three times as fast.
        union: set[ox.Triple] = set()
        for iri in sorted(graphs):
            union.update(put[iri] if iri in put else self._graph_triples(client, iri))
        self._put(client, UNION_GRAPH, list(union))
        return [ox.Triple(ox.NamedNode(META_GRAPH), ox.NamedNode(KNOWLEDGE_GRAPH), ox.NamedNode(g)) for g in sorted(graphs)]

    def _graph_triples(self, client: httpx.Client, iri: str) -> list[ox.Triple]:
        triples = super()._graph_triples(client, iri)
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        count = int(json_rows(self._request(query, "application/sparql-results+json", whole_store=True))[0]["n"])
        if len(triples) < count:
            raise StoreError(f"Virtuoso's Graph Store sent {len(triples)} of the {count} triples of <{iri}>: it cuts every answer at "
                             "ResultSetMaxRows; set that (virtuoso.ini, [SPARQL]) to at least the largest graph's size")
        return triples

    def _check_answer(self, response: BinaryIO) -> None:
        cut = response.headers.get("X-SPARQL-MaxRows")  # type: ignore[attr-defined]
        if cut:
            raise StoreError(f"Virtuoso cut the answer at {cut} rows (ResultSetMaxRows in the [SPARQL] section of virtuoso.ini); "
                             "ask for fewer rows (LIMIT) or raise the server's limit")

    def _normalised(self, body: bytes, media_type: str) -> bytes:
        if media_type == "application/sparql-results+json":
            answer = json.loads(body)
            for row in answer.get("results", {}).get("bindings", []):
                for term in row.values():
                    _standard_term(term)
            return json.dumps(answer).encode()
        if media_type == "application/sparql-results+xml":
            return body.replace(b"<bnode>nodeID://", b"<bnode>").replace(_GEOMETRY.encode(), _WKT.encode())
        return body.replace(f"<{_GEOMETRY}>".encode(), f"<{_WKT}>".encode())

    def _stream(self, response: BinaryIO) -> BinaryIO:
        return _Rewriting(response, _STREAM_REWRITES)  # type: ignore[return-value]

    def _error_text(self, message: str) -> str:
        # Virtuoso repeats the whole query after its message ("SPARQL query:\n..."); the caller has it already.
        message = message.split("\n\nSPARQL query:", 1)[0].strip()
        return re.sub(r"^Virtuoso \w+ Error ", "", message)


def _standard_term(term: dict[str, str]) -> None:
    if term.get("type") == "typed-literal":
        term["type"] = "literal"
    if term.get("type") == "bnode":
        term["value"] = term["value"].removeprefix("nodeID://")
    if term.get("datatype") == _GEOMETRY:
        term["datatype"] = _WKT


class _Rewriting(io.RawIOBase):
    """A stream with byte sequences replaced as it is read, also where one spans two reads."""

    def __init__(self, raw: BinaryIO, rewrites: Sequence[tuple[bytes, bytes]]):
        self._raw, self._rewrites = raw, rewrites
        self._keep = max(len(old) for old, _ in rewrites) - 1  # a sequence may begin in the last bytes of a read
        self._pending, self._ready, self._done = b"", b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._ready and not (self._done and not self._pending):
            chunk = self._raw.read(1 << 16)
            self._done = not chunk
            text = self._pending + chunk
            for old, new in self._rewrites:
                text = text.replace(old, new)
            split = len(text) if self._done else max(0, len(text) - self._keep)
            self._ready, self._pending = text[:split], text[split:]
        size = min(len(buffer), len(self._ready))
        buffer[:size], self._ready = self._ready[:size], self._ready[size:]
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()
