"""What both store backends share: the Store interface, its dataset, its errors, media types, and how queries and data come in.

The dataset (every backend keeps it so; see "the dataset" below): each source's statements sit in its
named graph, and the store's real default graph holds the distinct union of those graphs (META_GRAPH
left out), each triple once, as SPARQL's merge says. A query without a dataset sees that default graph
and the named graphs; ``GRAPH ?g`` sees only the named graphs. Query strings go to the engine (never
to rdflib's evaluator). A user's query reaches them only as a
:class:`~smartregion.store.guard.CheckedQuery` (see :func:`check_query`): one parse refused
``SERVICE`` (pyoxigraph 0.5 and the Oxigraph server federate by default), updates and too wide
queries, and what runs is the text that was checked. A plain string is the package's own query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import pyoxigraph as ox
import rdflib

from smartregion.errors import SmartregionError
from smartregion.rdf.ids import BASE, SR
from smartregion.rdf.sparql_text import dataset_clauses, keywords, query_form
from smartregion.store.guard import CheckedQuery, GuardError, Malformed
from smartregion.store.guard import check as guard
from smartregion.store.writelock import WriteLock

META_GRAPH = BASE + "graph/meta"  # the remote store's revision marker; not part of the knowledge
REVISION = SR + "revision"
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class StoreError(SmartregionError):
    """The store cannot do what was asked; the message says why and, where it can, how to fix it."""

    status, title = 503, "store unavailable"
    hint = "try again later; if it persists, the operator should check the store"


class QuerySyntaxError(StoreError):
    """A malformed query: what was expected, with the line and column (in the query as sent) where known."""

    status, title, hint = 400, "malformed query", None

    def __init__(self, message: str, line: int | None = None, column: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.line, self.column = line, column
        if hint:
            self.hint = hint

    def extensions(self) -> dict[str, object]:
        return super().extensions() | ({"line": self.line, "column": self.column} if self.line is not None else {})


class UnsupportedFormat(StoreError):
    """A media type the query form cannot be written in."""

    status, title, hint = 406, "not acceptable", None


class ForbiddenQuery(StoreError):
    """A query the guard refuses: SERVICE, an update (LOAD included), or too deep or wide for the engine."""

    status, title, hint = 400, "query refused", None


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


def bare_media_type(media_type: str, form: str | None) -> str:
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
        raise QuerySyntaxError(str(exc), exc.line, exc.column, exc.hint) from None
    except GuardError as exc:
        raise ForbiddenQuery(f"{exc}; {exc.hint}") from None


def query_parts(query: Query) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...]]:
    """Text, form and FROM / FROM NAMED of a query: the guard's reading, or the lexer's for the package's own.

    The package's own queries never name SERVICE or LOAD; one that does (an injected value) is refused.
    """
    if isinstance(query, CheckedQuery):
        return query.text, query.form, query.from_graphs, query.from_named_graphs
    if _OUTGOING & keywords(query):
        raise ForbiddenQuery(f"the package's own query names {' or '.join(sorted(_OUTGOING & keywords(query)))}: {query[:200]}")
    default, named, _ = dataset_clauses(query)
    return query, query_form(query), tuple(default), tuple(named)


# --- the dataset ------------------------------------------------------------------------------------
#
# Why a materialised default graph: a union computed at query time (pyoxigraph 0.5's
# ``use_default_graph_as_union``, the Oxigraph server's ``--union-default-graph``) yields a triple once
# per graph that states it, so counts and sums over the default graph were multiplied
# (bench/defaultgraph.py weighs the options). Every write keeps the default graph equal to the distinct
# union, inside the same step that changes the named graphs (the embedded store: the same revision;
# a remote store: the same write, under the write lock):
#
# 1. before the named graphs ``changed`` change: ``union_withdraw`` removes from the default graph every
#    triple that a changed graph states and no unchanged named graph states;
# 2. the named graphs are replaced or dropped;
# 3. ``union_restate`` adds every triple of the changed graphs that still exist.
#
# A full build writes the distinct union itself (``distinct_union``). Another backend follows the same
# three steps with the same update text, or, where the server has no default graph of its own apart
# from the union of everything (Virtuoso), keeps the distinct union in a graph of its own and passes it
# as the query's default graph (``default-graph-uri``) with the source graphs as ``named-graph-uri``.


def _iris(changed: Iterable[str]) -> list[str]:
    return [f"<{ox.NamedNode(iri).value}>" for iri in changed]


def union_withdraw(changed: Iterable[str]) -> str:
    """The SPARQL update of step 1: the default graph forgets what only the ``changed`` graphs state."""
    graphs = _iris(changed)
    kept_apart = ", ".join([*graphs, f"<{META_GRAPH}>"])
    return f"""DELETE {{ ?s ?p ?o }} WHERE {{
  VALUES ?g {{ {' '.join(graphs)} }} GRAPH ?g {{ ?s ?p ?o }}
  FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other NOT IN ({kept_apart})) }}
}}"""


def union_restate(changed: Iterable[str]) -> str:
    """The SPARQL update of step 3: the default graph holds every triple the ``changed`` graphs now state."""
    return f"INSERT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {' '.join(_iris(changed))} }} GRAPH ?g {{ ?s ?p ?o }} }}"


def distinct_union(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The default graph of a full build: each distinct triple of the named graphs once (META_GRAPH left out)."""
    triples = dict.fromkeys(q.triple for q in quads if q.graph_name != ox.NamedNode(META_GRAPH))
    return [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]


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


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def json_rows(body: bytes) -> list[dict[str, str]]:
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

    def triple_count(self) -> int:
        """Statements: the triples of every named graph, a triple stated by two sources counted twice."""
        ...

    def distinct_triple_count(self) -> int:
        """Distinct triples: the default graph, each triple once however many sources state it."""
        ...

    def dump(self, fmt: str) -> bytes:
        """The named graphs, ``trig`` or ``nquads`` (the default graph is derived from them, so it is left out)."""
        ...

    def write_lock(self) -> WriteLock:
        """The lock every writer holds while it checks and writes (writelock.py); the writes above take it too."""
        ...
