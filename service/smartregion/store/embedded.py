"""The store: one interface over two backends, an embedded pyoxigraph store on disk and a remote
SPARQL 1.1 store (queries through SPARQLWrapper, writes through the Graph Store Protocol).

Both answer queries over the UNION of the named graphs as default graph and pass query strings to the
engine (never to rdflib's evaluator). A user's query reaches them only as a
:class:`~smartregion.store.guard.CheckedQuery` (see :func:`check_query`): one parse refused
``SERVICE`` (pyoxigraph 0.5 and the Oxigraph server federate by default), updates and too wide
queries, and what runs is the text that was checked. A plain string is the package's own query.

The embedded store is copy-on-write so that a failed write never touches the live data and readers
never see half a write: ``store_path/`` holds revision folders ``rev-<n>/`` and a file ``CURRENT``
naming the live one. A write fills a new revision (a full build bulk-loads into an empty one; an
incremental write starts from a RocksDB checkpoint of the live one, which is hard links and takes
milliseconds), closes it, and only then switches ``CURRENT`` atomically. Readers open the live
revision read-only and reopen when ``CURRENT`` changes.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

import httpx
import pyoxigraph as ox
import rdflib
from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from smartregion.rdf.ids import BASE, SR
from smartregion.rdf.prefixes import PREFIXES
from smartregion.rdf.sparql_text import (
    dataset_clauses,
    keywords,
    query_form,
)
from smartregion.settings import Settings
from smartregion.store.guard import CheckedQuery, GuardError, Malformed
from smartregion.store.guard import check as guard
from smartregion.store.writelock import WriteLock

META_GRAPH = BASE + "graph/meta"  # the remote store's revision marker; not part of the knowledge
REVISION = SR + "revision"
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")



class StoreError(Exception):
    """The store cannot do what was asked; the message says why and, where it can, how to fix it."""


class QuerySyntaxError(StoreError):
    """A malformed query; the message is the parser's, with the position where it has one."""


class UnsupportedFormat(StoreError):
    """A media type the query form cannot be written in."""


class ForbiddenQuery(StoreError):
    """A query the guard refuses: SERVICE, an update (LOAD included), or too deep or wide for the engine."""


# --- media types ------------------------------------------------------------------------------------

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
# What a write takes: named graph IRI → rdflib Graph, an rdflib Dataset, or pyoxigraph quads (the build's).
Graphs = Mapping[str, rdflib.Graph] | rdflib.Dataset | list[ox.Quad]
DUMP_FORMATS = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}


def _media_type(media_type: str, form: str | None) -> str:
    """The bare media type, checked against the query form (None: any query form)."""
    bare = media_type.split(";")[0].strip().lower()
    if bare not in RESULT_FORMATS and bare not in GRAPH_FORMATS:
        raise UnsupportedFormat(f"unknown media type {media_type!r}; use one of {', '.join([*RESULT_FORMATS, *GRAPH_FORMATS])}")
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    if form is not None and (bare in GRAPH_FORMATS) != graph_form:
        offered = GRAPH_FORMATS if graph_form else RESULT_FORMATS
        raise UnsupportedFormat(f"a {form} query cannot be answered as {bare}; use one of {', '.join(offered)}")
    return bare


_OUTGOING = {"SERVICE", "LOAD"}
Query = str | CheckedQuery  # a user's query only ever as CheckedQuery; a plain string is the package's own


def check_query(query: str) -> CheckedQuery:
    """A user's query after the guard (query_guard): QuerySyntaxError if malformed, ForbiddenQuery if refused."""
    try:
        return guard(query)
    except Malformed as exc:
        raise QuerySyntaxError(str(exc)) from None
    except GuardError as exc:
        raise ForbiddenQuery(f"{exc}; {exc.hint}") from None


def _own(query: Query) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...]]:
    """Text, form and FROM / FROM NAMED of a query: the guard's reading, or the lexer's for the package's own.

    The package's own queries never name SERVICE or LOAD; one that does (an injected value) is refused.
    """
    if isinstance(query, CheckedQuery):
        return query.text, query.form, query.from_graphs, query.from_named_graphs
    if _OUTGOING & keywords(query):
        raise ForbiddenQuery(f"the package's own query names {' or '.join(sorted(_OUTGOING & keywords(query)))}: {query[:200]}")
    default, named, _ = dataset_clauses(query)
    return query, query_form(query), tuple(default), tuple(named)


# --- converting input -------------------------------------------------------------------------------


def triples_by_graph(data: Graphs) -> dict[str, list[ox.Triple]]:
    """Named graph IRI → pyoxigraph triples; a Dataset or quads must keep everything in named graphs."""
    if not isinstance(data, (rdflib.Dataset, list)):
        return {
            str(iri): [q.triple for q in ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)]
            for iri, graph in data.items()
        }
    out: dict[str, list[ox.Triple]] = {}
    if isinstance(data, rdflib.Dataset):
        out = {str(g.identifier): [] for g in data.graphs() if g.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID}
        # N-Quads through pyoxigraph's parser: exact terms, and blank nodes keep their dataset-wide labels.
        data = list(ox.parse(data.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS))
    for quad in as_quads(data):
        out.setdefault(quad.graph_name.value, []).append(quad.triple)
    return out


def as_quads(data: Graphs) -> list[ox.Quad]:
    """Every statement as a quad in its named graph; a list of quads is checked and taken as it is."""
    if not isinstance(data, list):
        return [ox.Quad(*t, ox.NamedNode(iri)) for iri, triples in triples_by_graph(data).items() for t in triples]
    outside = next((q for q in data if not isinstance(q.graph_name, ox.NamedNode)), None)
    if outside is not None:
        raise StoreError(f"a triple outside any named graph: {outside.triple}; every statement belongs to a source's graph")
    return data


def _term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _json_rows(body: bytes) -> list[dict[str, str]]:
    """SPARQL JSON results → rows of plain values (blank nodes as ``_:label``)."""
    bindings = json.loads(body)["results"]["bindings"]
    return [{var: ("_:" + b["value"]) if b["type"] == "bnode" else b["value"] for var, b in row.items()} for row in bindings]


# --- the interface ----------------------------------------------------------------------------------


@runtime_checkable
class Store(Protocol):
    """What the rest of smartregion uses; both backends implement it."""

    def select(self, query: Query) -> list[dict[str, str]]:
        """Rows of a SELECT: variable → IRI or literal's lexical value; unbound variables are absent."""
        ...

    def ask(self, query: Query) -> bool: ...

    def query_bytes(
        self, query: Query, media_type: str, *, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> bytes:
        """The answer serialised by the engine (SPARQL results for SELECT/ASK, RDF for CONSTRUCT/DESCRIBE)."""
        ...

    def named_graphs(self) -> list[str]: ...

    def replace_graphs(self, quads_by_graph: Graphs) -> None:
        """Replace each given named graph by the given triples, all in one atomic step."""
        ...

    def replace_all(self, dataset: Graphs) -> None:
        """Make the store hold exactly these graphs (a full build)."""
        ...

    def drop_graphs(self, graph_iris: Iterable[str]) -> None: ...

    def revision(self) -> str:
        """Changes on every write and on nothing else, so caches can key on it."""
        ...

    def triple_count(self) -> int: ...

    def dump(self, fmt: str) -> bytes:
        """The whole dataset, ``trig`` or ``nquads``."""
        ...

    def write_lock(self) -> WriteLock:
        """The lock every writer holds while it checks and writes (writelock.py); the writes above take it too."""
        ...


def open_store(settings: Settings) -> Store:
    """The store the settings name."""
    if settings.backend == "remote":
        return RemoteStore(
            settings.endpoint,
            settings.gsp_endpoint,
            update_endpoint=settings.update_endpoint,
            timeout=settings.query_timeout,
            lock_path=settings.store_path.parent / "remote-write.lock",  # next to the dumps, shared by the server and the CLI
        )
    return EmbeddedStore(settings.store_path)


# --- embedded ---------------------------------------------------------------------------------------

_REVISION_DIR = re.compile(r"rev-(\d+)")


class EmbeddedStore:
    """pyoxigraph on disk, copy-on-write by revision folders (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).resolve()
        self.lock = WriteLock(self.path / "LOCK")
        self._reader_lock = threading.Lock()
        self._reader: ox.Store | None = None
        self._reader_revision: str | None = None
        if not (self.path / "CURRENT").is_file():
            self._commit(lambda store: None, empty=True, only_if_missing=True)

    # reading

    def revision(self) -> str:
        """The live revision folder's name, e.g. ``rev-7``."""
        try:
            return (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise StoreError(f"{self.path} is not a smartregion store (no CURRENT); run `smartregion build`") from None

    def live_path(self) -> Path:
        """The live revision folder, for processes that open it read-only themselves."""
        return self.path / self.revision()

    def _store(self) -> ox.Store:
        revision = self.revision()
        with self._reader_lock:
            if revision != self._reader_revision:
                self._reader = ox.Store.read_only(str(self.path / revision))
                self._reader_revision = revision
            return self._reader  # type: ignore[return-value]

    def _query(
        self, query: Query, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        text, _, from_graphs, from_named = _own(query)
        if default_graph_uris or named_graph_uris:
            dataset: dict[str, object] = {
                "default_graph": [ox.NamedNode(g) for g in default_graph_uris],
                "named_graphs": [ox.NamedNode(g) for g in named_graph_uris] or None,
            }
        elif from_graphs or from_named:
            # The query's own dataset, passed explicitly: pyoxigraph's union flag would override FROM.
            dataset = {"default_graph": [ox.NamedNode(g) for g in from_graphs], "named_graphs": [ox.NamedNode(g) for g in from_named]}
        else:
            dataset = {"use_default_graph_as_union": True}
        try:
            return self._store().query(text, **dataset)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None

    def select(self, query: Query) -> list[dict[str, str]]:
        result = self._query(query)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: _term_text(t) for n, t in zip(names, solution) if t is not None} for solution in result]

    def ask(self, query: Query) -> bool:
        result = self._query(query)
        if not isinstance(result, ox.QueryBoolean):
            raise StoreError("ask() needs an ASK query")
        return bool(result)

    def query_bytes(
        self, query: Query, media_type: str, *, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> bytes:
        _media_type(media_type, None)  # an unknown type fails before the query runs
        result = self._query(query, default_graph_uris, named_graph_uris)
        form = "CONSTRUCT" if isinstance(result, ox.QueryTriples) else "SELECT" if isinstance(result, ox.QuerySolutions) else "ASK"
        bare = _media_type(media_type, form)
        if form == "CONSTRUCT":
            return result.serialize(format=GRAPH_FORMATS[bare]) or b""
        return result.serialize(format=RESULT_FORMATS[bare]) or b""

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store().named_graphs() if isinstance(g, ox.NamedNode))

    def triple_count(self) -> int:
        return len(self._store())

    def dump(self, fmt: str) -> bytes:
        if fmt not in DUMP_FORMATS:
            raise UnsupportedFormat(f"cannot dump as {fmt!r}; use one of {', '.join(DUMP_FORMATS)}")
        prefixes = PREFIXES if fmt == "trig" else None
        return self._store().dump(format=DUMP_FORMATS[fmt], prefixes=prefixes) or b""

    # writing

    def write_lock(self) -> WriteLock:
        return self.lock

    def replace_graphs(self, quads_by_graph: Graphs) -> None:
        triples = triples_by_graph(quads_by_graph)

        def apply(store: ox.Store) -> None:
            for iri, graph_triples in triples.items():
                graph = ox.NamedNode(iri)
                store.remove_graph(graph)
                store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in graph_triples)

        self._commit(apply)

    def replace_all(self, dataset: Graphs) -> None:
        quads = as_quads(dataset)
        self._commit(lambda store: store.bulk_extend(quads), empty=True)

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        graphs = [ox.NamedNode(iri) for iri in graph_iris]

        def apply(store: ox.Store) -> None:
            for graph in graphs:
                store.remove_graph(graph)

        self._commit(apply)

    def _commit(self, apply: Callable[[ox.Store], object], *, empty: bool = False, only_if_missing: bool = False) -> None:
        """Apply a change to a new revision (empty, or a checkpoint of the live one), then make it live.

        The new revision becomes live only if ``apply`` succeeds; on any error it is deleted and the
        live revision stays as it was. One writer at a time: the store's write lock (``LOCK``), which
        a caller that checks before writing holds already.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock.hold("write"):
            has_live = (self.path / "CURRENT").is_file()
            if only_if_missing and has_live:
                return  # another process initialised the store while we waited
            live = self.path / self.revision() if has_live else None
            new = self.path / f"rev-{max(self._revision_numbers(), default=0) + 1}"
            try:
                if live is not None and not empty:
                    ox.Store.read_only(str(live)).backup(str(new))
                self._apply(new, apply)
            except BaseException:
                shutil.rmtree(new, ignore_errors=True)
                raise
            self._switch(new.name)
            self._remove_old(keep={new.name, live.name if live else new.name})

    @staticmethod
    def _apply(folder: Path, apply: Callable[[ox.Store], object]) -> None:
        # Dropping the last reference closes RocksDB: a read-only reader must never open a folder a
        # writer still has open, and a failed revision can only be deleted once it is closed.
        store = ox.Store(str(folder))
        try:
            apply(store)
            store.flush()
        except BaseException as exc:
            traceback.clear_frames(exc.__traceback__)  # the frames of ``apply`` hold the store too
            raise
        finally:
            del store

    def _revision_numbers(self) -> list[int]:
        return [int(m.group(1)) for p in self.path.iterdir() if (m := _REVISION_DIR.fullmatch(p.name)) and p.is_dir()]

    def _switch(self, name: str) -> None:
        temporary = self.path / f"CURRENT.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path / "CURRENT")
        folder = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash
        finally:
            os.close(folder)

    def _remove_old(self, keep: set[str]) -> None:
        # The previous revision stays: a reader that opened it just before the switch keeps working.
        # Other revisions, and CURRENT's replacements, are older ones or what a writer killed mid-write
        # left: under the write lock no other writer is at work.
        for path in self.path.iterdir():
            if _REVISION_DIR.fullmatch(path.name) and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith("CURRENT.") and path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)


# --- remote -----------------------------------------------------------------------------------------


class RemoteStore:
    """Any SPARQL 1.1 store: queries through SPARQLWrapper, writes through the Graph Store Protocol.

    The server must answer queries over the union of its named graphs (Oxigraph
    ``--union-default-graph``, Fuseki ``tdb2:unionDefaultGraph true``; GraphDB and Virtuoso do by
    default). ``revision()`` is a hash of the named graphs, their triple counts and a marker that
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
    ):
        if not endpoint:
            raise StoreError("the remote backend needs a query endpoint: --endpoint URL or SMARTREGION_ENDPOINT")
        self.endpoint = endpoint
        self.gsp_endpoint = gsp_endpoint
        self.update_endpoint = update_endpoint
        self.timeout = timeout
        # The lock serialises the writers that share its file (open_store: the folder of the dumps). Without
        # one: a file per Graph Store URL in the temporary folder, so at least this machine's writers take turns.
        digest = hashlib.sha256(str(gsp_endpoint or endpoint).encode()).hexdigest()[:16]
        self.lock = WriteLock(lock_path or Path(tempfile.gettempdir()) / f"smartregion-remote-{digest}.lock")

    # reading

    def _request(self, query: Query, media_type: str, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()) -> bytes:
        response, converted = self._send(query, media_type, default_graph_uris, named_graph_uris)
        try:
            body = response.read()
        except OSError as exc:  # a timeout or a reset while the answer arrives
            raise StoreError(f"cannot query the remote store at {self.endpoint}: {exc}") from None
        finally:
            response.close()
        if converted:
            triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
            return ox.serialize(triples, format=converted) or b""
        return body

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
        return response

    def _send(
        self, query: Query, media_type: str, default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]
    ) -> tuple[BinaryIO, ox.RdfFormat | None]:
        """The server's answer, unread, and the format to convert its N-Triples into (None: as asked)."""
        text, form, from_graphs, from_named = _own(query)  # a user's query passed the guard before it came here
        if form not in QUERY_FORMS:
            raise QuerySyntaxError(f"expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {form or 'nothing'}; updates are not queries")
        bare = _media_type(media_type, form)
        # Servers rarely write a query's triples as N-Quads or JSON-LD: ask for N-Triples and convert.
        converted = GRAPH_FORMATS[bare] if bare in ("application/n-quads", "application/ld+json") else None
        client = SPARQLWrapper(self.endpoint)
        client.setQuery(text)
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
        client.setTimeout(max(1, round(self.timeout)))
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", "application/n-triples" if converted else bare)
        if not (default_graph_uris or named_graph_uris):
            # As the protocol's dataset: servers in union mode (Oxigraph) ignore FROM in the query.
            default_graph_uris, named_graph_uris = from_graphs, from_named
        for iri in default_graph_uris:
            client.addDefaultGraph(iri)
        for iri in named_graph_uris:
            client.addNamedGraph(iri)
        try:
            return client.query().response, converted
        except QueryBadFormed as exc:
            raise QuerySyntaxError(_server_message(exc)) from None
        except SPARQLWrapperException as exc:
            raise StoreError(f"the remote store at {self.endpoint} failed: {_server_message(exc)}") from None
        except OSError as exc:  # URLError, timeouts, refused connections
            raise StoreError(f"cannot query the remote store at {self.endpoint}: {getattr(exc, 'reason', exc)}") from None

    def select(self, query: Query) -> list[dict[str, str]]:
        if _own(query)[1] != "SELECT":
            raise StoreError("select() needs a SELECT query")
        return _json_rows(self._request(query, "application/sparql-results+json"))

    def ask(self, query: Query) -> bool:
        if _own(query)[1] != "ASK":
            raise StoreError("ask() needs an ASK query")
        return bool(json.loads(self._request(query, "application/sparql-results+json"))["boolean"])

    def query_bytes(
        self, query: Query, media_type: str, *, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> bytes:
        return self._request(query, media_type, default_graph_uris, named_graph_uris)

    def _graph_counts(self) -> dict[str, int]:
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {r["g"]: int(r["n"]) for r in rows if r["g"] != META_GRAPH}

    def named_graphs(self) -> list[str]:
        return sorted(self._graph_counts())

    def triple_count(self) -> int:
        return sum(self._graph_counts().values())

    def revision(self) -> str:
        marker = self.select(f"SELECT ?r WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{REVISION}> ?r }} }}")
        state = json.dumps([sorted(self._graph_counts().items()), sorted(r["r"] for r in marker)])
        return hashlib.sha256(state.encode()).hexdigest()[:16]

    def dump(self, fmt: str) -> bytes:
        if fmt not in DUMP_FORMATS:
            raise UnsupportedFormat(f"cannot dump as {fmt!r}; use one of {', '.join(DUMP_FORMATS)}")
        # Graph by graph: the Graph Store Protocol has no portable request for the whole dataset.
        quads = []
        with self._client() as client:
            for iri in self.named_graphs():
                response = self._gsp(client, "GET", iri, headers={"Accept": "application/n-triples"})
                graph = ox.NamedNode(iri)
                quads.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
        return ox.serialize(quads, format=DUMP_FORMATS[fmt], prefixes=PREFIXES if fmt == "trig" else None) or b""

    # writing: each PUT replaces one graph atomically; a call as a whole is not one transaction

    def write_lock(self) -> WriteLock:
        return self.lock

    def replace_graphs(self, quads_by_graph: Graphs) -> None:
        triples = triples_by_graph(quads_by_graph)
        with self.lock.hold("write"), self._client() as client:
            for iri, graph_triples in triples.items():
                self._put(client, iri, graph_triples)
            self._mark(client)

    def replace_all(self, dataset: Graphs) -> None:
        """Put every graph, then drop the graphs of our namespace the build no longer has.

        Graphs outside ``https://w3id.org/smartregion/`` are left alone: the server may be shared.
        """
        triples = triples_by_graph(dataset)
        with self.lock.hold("write"), self._client() as client:
            stale = [g for g in self.named_graphs() if g.startswith(BASE) and g not in triples]
            for iri, graph_triples in triples.items():
                self._put(client, iri, graph_triples)
            self._drop(client, stale)
            self._mark(client)

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        with self.lock.hold("write"), self._client() as client:
            self._drop(client, list(graph_iris))
            self._mark(client)

    def _client(self) -> httpx.Client:
        if not self.gsp_endpoint:
            raise StoreError("writing to a remote store needs its Graph Store Protocol URL: --gsp URL or SMARTREGION_GSP_ENDPOINT")
        # No read limit: loading a large graph may take the server longer than a query may.
        return httpx.Client(timeout=httpx.Timeout(self.timeout, read=None))

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

    def _put(self, client: httpx.Client, iri: str, triples: list[ox.Triple]) -> None:
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self._gsp(client, "PUT", iri, content=body, headers={"Content-Type": "application/n-triples"})

    def _drop(self, client: httpx.Client, graphs: list[str]) -> None:
        if not graphs:
            return
        if self.update_endpoint:  # one update request: all graphs go at once
            update = " ;\n".join(f"DROP SILENT GRAPH <{ox.NamedNode(g).value}>" for g in graphs)
            try:
                response = client.post(self.update_endpoint, content=update.encode(), headers={"Content-Type": "application/sparql-update"})
            except httpx.HTTPError as exc:
                raise StoreError(f"cannot reach the update endpoint {self.update_endpoint}: {exc}") from None
            if response.is_error:
                raise StoreError(f"dropping graphs at {self.update_endpoint} failed: {response.status_code} {response.text.strip()[:300]}")
            return
        for iri in graphs:
            self._gsp(client, "DELETE", iri)

    def _mark(self, client: httpx.Client) -> None:
        marker = ox.Triple(ox.NamedNode(META_GRAPH), ox.NamedNode(REVISION), ox.Literal(uuid.uuid4().hex))
        self._put(client, META_GRAPH, [marker])


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
