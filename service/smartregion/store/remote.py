"""The remote store: any SPARQL 1.1 store, queried through SPARQLWrapper and written through the Graph Store Protocol.

The server's own default graph holds the distinct union of the named graphs (``base``: the dataset):
every write here withdraws and restates it by SPARQL Update around its Graph Store requests, so
writing needs the update endpoint as well. Virtuoso, which has no default graph of its own, keeps the
union in a graph of its own instead (``virtuoso``: the hooks ``_union_before`` and ``_union_after``).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import httpx
import pyoxigraph as ox
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from smartregion.rdf.ids import BASE
from smartregion.rdf.prefixes import PREFIXES
from smartregion.store.base import (
    DUMP_FORMATS,
    GRAPH_FORMATS,
    META_GRAPH,
    QUERY_FORMS,
    REVISION,
    Graphs,
    Query,
    QuerySyntaxError,
    StoreError,
    UnsupportedFormat,
    bare_media_type,
    json_rows,
    query_parts,
    triples_by_graph,
    union_restate,
    union_withdraw,
)
from smartregion.store.writelock import WriteLock

# Triples per request when a graph is written: a larger graph is put in pieces, each its own request and
# transaction on the server. Virtuoso 7.2 stalls on one PUT of a million triples ("Locks are held for a
# long time") and loads the same graph in pieces of this size.
PUT_TRIPLES = 100_000


class RemoteStore:
    """Any SPARQL 1.1 store: queries through SPARQLWrapper, writes through the Graph Store Protocol.

    The server must answer queries without a dataset over its real default graph, which the writes
    here keep equal to the distinct union of the named graphs (Oxigraph without
    ``--union-default-graph``, Fuseki without ``unionDefaultGraph``). A flavour whose server has no
    default graph of its own keeps the union its own way (:meth:`_union_before`, :meth:`_union_after`;
    Virtuoso: :class:`~smartregion.store.virtuoso.VirtuosoStore`). ``revision()`` is a hash of the named graphs, their triple counts and a marker that
    every write through this class puts into ``META_GRAPH``: writes by others change graphs or counts,
    ours always change the marker.
    """

    def __init__(
        self,
        endpoint: str | None,
        gsp_endpoint: str | None,
        *,
        update_endpoint: str | None = None,
        timeout: float = 30.0,
        lock_path: str | os.PathLike[str] | None = None,
        user: str | None = None,
        password: str | None = None,
    ):
        if not endpoint:
            raise StoreError("the remote backend needs a query endpoint: --endpoint URL or SMARTREGION_ENDPOINT")
        self.endpoint = endpoint
        self.gsp_endpoint = gsp_endpoint
        self.update_endpoint = update_endpoint
        self.timeout = timeout
        self.auth = self._auth(user, password or "") if user else None
        # The lock serialises the writers that share its file (open_store: the folder of the dumps). Without
        # one: a file per Graph Store URL in the temporary folder, so at least this machine's writers take turns.
        digest = hashlib.sha256(str(gsp_endpoint or endpoint).encode()).hexdigest()[:16]
        self.lock = WriteLock(lock_path or Path(tempfile.gettempdir()) / f"smartregion-remote-{digest}.lock")

    # what a flavour of SPARQL store does its own way (store/virtuoso.py)

    def _auth(self, user: str, password: str) -> httpx.Auth:
        return httpx.BasicAuth(user, password)

    def _dataset(self, default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]) -> tuple[Sequence[str], Sequence[str]]:
        """The protocol dataset of a query; none given: the server's default graph and named graphs."""
        return default_graph_uris, named_graph_uris

    def _check_answer(self, response: BinaryIO) -> None:
        """Raise StoreError where the server marks its answer as incomplete."""

    def _normalised(self, body: bytes, media_type: str) -> bytes:
        """The answer as a standard SPARQL store writes it."""
        return body

    def _stream(self, response: BinaryIO) -> BinaryIO:
        """An answer read as it arrives, normalised like :meth:`_normalised`."""
        return response

    def _error_text(self, message: str) -> str:
        """The server's error message as the user should read it."""
        return message

    def _writer(self) -> httpx.Client:
        """The client of a write, which needs the update URL as well as the Graph Store's."""
        if not self.update_endpoint:
            raise StoreError(
                "writing to a remote store needs its SPARQL update URL as well (--update-endpoint URL or "
                "SMARTREGION_UPDATE_ENDPOINT; Oxigraph: http://host:7878/update): every write keeps the default graph "
                "the distinct union of the named graphs by SPARQL Update; nothing was written"
            )
        return self._client()

    def _union_before(self, client: httpx.Client, changed: list[str]) -> None:
        """Step 1 of keeping the default graph the distinct union (``base``), before the graphs ``changed``
        are put or dropped: the default graph forgets what only they state."""
        self._update(client, union_withdraw(changed), "withdrawing from the default graph")

    def _union_after(self, client: httpx.Client, put: dict[str, list[ox.Triple]], dropped: list[str]) -> list[ox.Triple]:
        """Step 3, after the graphs ``put`` were put and ``dropped`` dropped (a graph put empty is gone too),
        before the revision marker changes: the default graph holds what the graphs put state. Returns
        the triples to keep beside the marker."""
        if put:
            self._update(client, union_restate(put), "restating the default graph")
        return []

    # reading

    def _request(
        self, query: Query, media_type: str, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = (), *, whole_store: bool = False
    ) -> bytes:
        response, converted = self._send(query, media_type, default_graph_uris, named_graph_uris, whole_store=whole_store)
        try:
            body = response.read()
        except OSError as exc:  # a timeout or a reset while the answer arrives
            raise StoreError(f"cannot query the remote store at {self.endpoint}: {exc}") from None
        finally:
            response.close()
        if converted:
            body = self._normalised(body, "application/n-triples")
            triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
            return ox.serialize(triples, format=converted) or b""
        return self._normalised(body, bare_media_type(media_type, None))

    def open_query(
        self, query: Query, media_type: str, *, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> BinaryIO:
        """Send a query and return the answer unread, for a caller that reads only as much as it may keep.

        Only media types the server writes itself (N-Triples, Turtle, the SPARQL results formats). The
        caller closes the answer; reading it may raise OSError (a timeout, a reset connection).
        """
        response, converted = self._send(query, media_type, default_graph_uris, named_graph_uris)
        if converted:
            response.close()
            raise UnsupportedFormat(f"{media_type} is converted after reading the whole answer; ask for application/n-triples")
        return self._stream(response)

    def _send(
        self, query: Query, media_type: str, default_graph_uris: Sequence[str], named_graph_uris: Sequence[str], *, whole_store: bool = False
    ) -> tuple[BinaryIO, ox.RdfFormat | None]:
        """The server's answer, unread, and the format to convert its N-Triples into (None: as asked).

        ``whole_store``: the package's own bookkeeping, over every graph of the server, not the knowledge's dataset.
        """
        text, form, from_graphs, from_named = query_parts(query)  # a user's query passed the guard before it came here
        if form not in QUERY_FORMS:
            raise QuerySyntaxError(f"expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {form or 'nothing'}; updates are not queries")
        bare = bare_media_type(media_type, form)
        # Servers rarely write a query's triples as N-Quads or JSON-LD: ask for N-Triples and convert.
        converted = GRAPH_FORMATS[bare] if bare in ("application/n-quads", "application/ld+json") else None
        client = SPARQLWrapper(self.endpoint)
        client.setQuery(text)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)  # the form every server takes (Virtuoso 7 does not answer a direct POST)
        client.setTimeout(max(1, round(self.timeout)))
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", "application/n-triples" if converted else bare)
        if not (default_graph_uris or named_graph_uris):
            # As the protocol's dataset: servers in union mode (Oxigraph) ignore FROM in the query.
            default_graph_uris, named_graph_uris = from_graphs, from_named
        if not whole_store:
            default_graph_uris, named_graph_uris = self._dataset(default_graph_uris, named_graph_uris)
        for iri in default_graph_uris:
            client.addDefaultGraph(iri)
        for iri in named_graph_uris:
            client.addNamedGraph(iri)
        try:
            response = client.query().response
        except QueryBadFormed as exc:
            raise QuerySyntaxError(self._error_text(_server_message(exc))) from None
        except SPARQLWrapperException as exc:
            raise StoreError(f"the remote store at {self.endpoint} failed: {self._error_text(_server_message(exc))}") from None
        except OSError as exc:  # URLError, timeouts, refused connections
            raise StoreError(f"cannot query the remote store at {self.endpoint}: {getattr(exc, 'reason', exc)}") from None
        try:
            self._check_answer(response)
        except StoreError:
            response.close()
            raise
        return response, converted

    def select(self, query: Query) -> list[dict[str, str]]:
        if query_parts(query)[1] != "SELECT":
            raise StoreError("select() needs a SELECT query")
        return json_rows(self._request(query, "application/sparql-results+json"))

    def ask(self, query: Query) -> bool:
        if query_parts(query)[1] != "ASK":
            raise StoreError("ask() needs an ASK query")
        return bool(json.loads(self._request(query, "application/sparql-results+json"))["boolean"])

    def query_bytes(
        self, query: Query, media_type: str, *, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> bytes:
        return self._request(query, media_type, default_graph_uris, named_graph_uris)

    def _graph_counts(self) -> dict[str, int]:
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        rows = json_rows(self._request(query, "application/sparql-results+json", whole_store=True))
        return {r["g"]: int(r["n"]) for r in rows if r["g"] != META_GRAPH}

    def named_graphs(self) -> list[str]:
        return sorted(self._graph_counts())

    def triple_count(self) -> int:
        return sum(self._graph_counts().values())

    def distinct_triple_count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])

    def revision(self) -> str:
        query = f"SELECT ?r WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{REVISION}> ?r }} }}"
        marker = json_rows(self._request(query, "application/sparql-results+json", whole_store=True))
        state = json.dumps([sorted(self._graph_counts().items()), sorted(r["r"] for r in marker)])
        return hashlib.sha256(state.encode()).hexdigest()[:16]

    def dump(self, fmt: str) -> bytes:
        if fmt not in DUMP_FORMATS:
            raise UnsupportedFormat(f"cannot dump as {fmt!r}; use one of {', '.join(DUMP_FORMATS)}")
        # Graph by graph: the Graph Store Protocol has no portable request for the whole dataset.
        quads = []
        with self._client() as client:
            for iri in self.named_graphs():
                graph = ox.NamedNode(iri)
                quads.extend(ox.Quad(*triple, graph) for triple in self._graph_triples(client, iri))
        return ox.serialize(quads, format=DUMP_FORMATS[fmt], prefixes=PREFIXES if fmt == "trig" else None) or b""

    # writing: each PUT replaces one graph atomically; a call as a whole is not one transaction, and
    # between the withdrawal and the restatement readers may miss triples of the graphs being written

    def write_lock(self) -> WriteLock:
        return self.lock

    def replace_graphs(self, quads_by_graph: Graphs) -> None:
        triples = triples_by_graph(quads_by_graph)
        if not triples:
            return
        with self.lock.hold("write"), self._writer() as client:
            self._union_before(client, list(triples))
            for iri, graph_triples in triples.items():
                self._put(client, iri, graph_triples)
            self._mark(client, triples, [])

    def replace_all(self, dataset: Graphs) -> None:
        """Put every graph, then drop the graphs of our namespace the build no longer has.

        Graphs outside ``https://w3id.org/smartregion/`` are left alone: the server may be shared.
        """
        triples = triples_by_graph(dataset)
        with self.lock.hold("write"), self._writer() as client:
            stale = [g for g in self.named_graphs() if g.startswith(BASE) and g not in triples]
            if triples or stale:
                self._union_before(client, [*triples, *stale])
            for iri, graph_triples in triples.items():
                self._put(client, iri, graph_triples)
            self._drop(client, stale)
            self._mark(client, triples, stale)

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        graphs = list(dict.fromkeys(graph_iris))
        with self.lock.hold("write"), self._writer() as client:
            if graphs:  # no graphs: an empty write, which moves the revision on (erasure)
                self._union_before(client, graphs)
                self._drop(client, graphs)
            self._mark(client, {}, graphs)

    def _client(self) -> httpx.Client:
        if not self.gsp_endpoint:
            raise StoreError("writing to a remote store needs its Graph Store Protocol URL: --gsp URL or SMARTREGION_GSP_ENDPOINT")
        # No read limit: loading a large graph may take the server longer than a query may.
        return httpx.Client(timeout=httpx.Timeout(self.timeout, read=None), auth=self.auth)

    def _gsp(self, client: httpx.Client, method: str, iri: str, **kwargs: object) -> httpx.Response:
        try:
            response = client.request(method, self.gsp_endpoint, params={"graph": iri}, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the Graph Store at {self.gsp_endpoint}: {exc}") from None
        if response.status_code == 404 and method == "DELETE":
            return response  # already absent
        if response.is_error:
            raise StoreError(f"{method} {iri} at {self.gsp_endpoint} failed: {response.status_code} {response.text.strip()[:300]}")
        return response

    def _graph_triples(self, client: httpx.Client, iri: str) -> list[ox.Triple]:
        response = self._gsp(client, "GET", iri, headers={"Accept": "application/n-triples"})
        return [q.triple for q in ox.parse(self._normalised(response.content, "application/n-triples"), format=ox.RdfFormat.N_TRIPLES)]

    def _put(self, client: httpx.Client, iri: str, triples: list[ox.Triple]) -> None:
        """Replace the graph: one PUT, and for a large graph POSTs of the rest after it (see PUT_TRIPLES)."""
        for number, piece in enumerate(_pieces(triples, PUT_TRIPLES)):
            body = ox.serialize(piece, format=ox.RdfFormat.N_TRIPLES) or b""
            self._gsp(client, "POST" if number else "PUT", iri, content=body, headers={"Content-Type": "application/n-triples"})

    def _drop(self, client: httpx.Client, graphs: list[str]) -> None:
        if not graphs:
            return
        if self.update_endpoint:  # one update request: all graphs go at once
            self._update(client, " ;\n".join(f"DROP SILENT GRAPH <{ox.NamedNode(g).value}>" for g in graphs), "dropping graphs")
            return
        for iri in graphs:  # a flavour that writes without the update URL (Virtuoso)
            self._gsp(client, "DELETE", iri)

    def _update(self, client: httpx.Client, update: str, what: str) -> None:
        """Send a SPARQL update to the update endpoint; ``what`` names it in the error."""
        try:
            # URL-encoded, the form every server takes (Virtuoso 7 does not answer a direct POST).
            response = client.post(self.update_endpoint, data={"update": update})
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the update endpoint {self.update_endpoint}: {exc}") from None
        if response.is_error:
            raise StoreError(f"{what} at {self.update_endpoint} failed: {response.status_code} {response.text.strip()[:300]}")

    def _mark(self, client: httpx.Client, put: dict[str, list[ox.Triple]], dropped: list[str]) -> None:
        """A new revision marker, after the flavour's bookkeeping of the graphs put and dropped."""
        kept = self._union_after(client, put, dropped)
        marker = ox.Triple(ox.NamedNode(META_GRAPH), ox.NamedNode(REVISION), ox.Literal(uuid.uuid4().hex))
        self._put(client, META_GRAPH, [marker, *kept])


def _server_message(exc: SPARQLWrapperException) -> str:
    """The server's own error text, which SPARQLWrapper keeps only inside its message."""
    text = str(exc)
    head, _, response = text.partition("\n\nResponse:\n")
    if response:
        try:
            body = ast.literal_eval(response)
            return (body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)).strip()
        except (ValueError, SyntaxError):
            return response.strip()
    return head.strip()


def _pieces(triples: list[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """The triples in pieces of ``size``, at least one; every triple with a blank node in the first.

    Each request is a document of its own, whose blank nodes the server names anew: two pieces that
    shared a blank node would split it in two.
    """
    blank = [isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples]
    ordered = [t for t, b in zip(triples, blank) if b] + [t for t, b in zip(triples, blank) if not b]
    first = max(size, sum(blank))
    return [ordered[:first]] + [ordered[i:i + size] for i in range(first, len(ordered), size)]
