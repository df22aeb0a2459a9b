"""Where Virtuoso differs from a standard SPARQL store, and what the backend makes of it (store/virtuoso.py).

The tests every remote store passes run on Virtuoso through the parametrised fixtures of conftest.py; these
are the differences themselves: the default graph as a set, Virtuoso's own graphs kept out, its answers in
standard form, its row limit, its accounts (a writer with a password, a public account that may neither
write nor make the server fetch a URL).
"""

from __future__ import annotations

import io
import json

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from live import listener
from smartregion.store import StoreError
from smartregion.store.virtuoso import UNION_GRAPH, _Rewriting
from virtuoso import MAX_ROWS, VirtuosoServer

EX = "https://example.org/"
G1, G2 = EX + "graph/1", EX + "graph/2"
SHARED = f"<{EX}a> <{EX}p> \"stated twice\"@de-DE ."


def _graph(*lines: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data="\n".join(lines), format="nt")


def test_the_default_graph_is_the_distinct_union_of_the_knowledge_graphs(fresh_virtuoso: VirtuosoServer) -> None:
    store = fresh_virtuoso.remote_store()
    store.replace_graphs({G1: _graph(SHARED, f"<{EX}b> <{EX}p> \"nur in eins\" ."), G2: _graph(SHARED)})
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.select(count) == [{"n": "2"}]  # a set: the triple both graphs state counts once
    raw = httpx.post(fresh_virtuoso.query, data={"query": count}, headers={"Accept": "application/sparql-results+json"})
    assert int(raw.json()["results"]["bindings"][0]["n"]["value"]) > 1000  # Virtuoso alone: every graph, its own too, as a bag
    graphs = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert [r["g"] for r in graphs] == [G1, G2] == store.named_graphs()  # no union, no marker, none of Virtuoso's
    # The union follows every write: a graph replaced, then one dropped.
    store.replace_graphs({G2: _graph(f"<{EX}c> <{EX}p> \"neu\" .")})
    assert {r["o"] for r in store.select("SELECT ?o WHERE { ?s ?p ?o }")} == {"stated twice", "nur in eins", "neu"}
    store.drop_graphs([G1])
    assert store.select("SELECT ?o WHERE { ?s ?p ?o }") == [{"o": "neu"}]
    assert store.named_graphs() == [G2] and store.triple_count() == 1
    # FROM names the dataset as on any store: the union graph is not in it, a graph named alone is.
    assert store.select(f"SELECT (COUNT(*) AS ?n) FROM <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == [{"n": "0"}]
    assert store.select(f"SELECT ?g FROM NAMED <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == [{"g": G2}]
    assert store.select(f"SELECT * WHERE {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }}") == []


def test_a_store_of_many_graphs_is_answered(fresh_virtuoso: VirtuosoServer) -> None:
    """Virtuoso echoes each graph of the dataset in a header of its own: 150 graphs, 150 headers and more."""
    store = fresh_virtuoso.remote_store()
    graphs = {EX + f"graph/many-{n:03d}": _graph(f"<{EX}thing/{n}> <{EX}p> \"{n}\" .") for n in range(150)}
    store.replace_graphs(graphs)
    rows = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    assert rows == [{"g": g, "n": "1"} for g in sorted(graphs)]
    assert store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": "150"}]


def test_answers_come_in_standard_form(fresh_virtuoso: VirtuosoServer) -> None:
    store = fresh_virtuoso.remote_store()
    store.replace_graphs({G1: _graph(f"_:x <{EX}p> \"1.50\"^^<http://www.w3.org/2001/XMLSchema#decimal> .",
                                     f"<{EX}a> <{EX}p> \"de\"@de-DE .")})
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    answer = json.loads(store.query_bytes(query, "application/sparql-results+json"))
    terms = [term for row in answer["results"]["bindings"] for term in row.values()]
    assert {t["type"] for t in terms} == {"bnode", "literal", "uri"}  # never the 2005 "typed-literal"
    assert not any(t["value"].startswith("nodeID://") for t in terms)
    # Values are kept, spellings are not: Virtuoso stores the canonical form.
    assert sorted(r["o"] for r in store.select(query)) == ["1.5", "de"]
    header, *rows = store.query_bytes("SELECT ?o WHERE { ?s ?p ?o }", "text/tab-separated-values").decode().splitlines()
    assert header == "?o" and sorted(rows) == ['"de"@de-de', "1.5"]  # as SPARQL 1.1 TSV, not Virtuoso's own
    assert store.query_bytes("ASK { ?s ?p ?o }", "text/csv") == b"true"  # Virtuoso itself writes 1


def test_the_streamed_answer_is_rewritten_across_reads() -> None:
    body = b'{"s": { "type": "bnode", "value": "nodeID://b1" }, "o": { "type": "typed-literal", "value": "1" }}'
    for size in (1, 7, 64):  # every pattern split at every place
        stream = _Rewriting(_Trickle(body, size), [(b'"type": "typed-literal"', b'"type": "literal"'),
                                                   (b'"type": "bnode", "value": "nodeID://', b'"type": "bnode", "value": "')])
        assert stream.read() == b'{"s": { "type": "bnode", "value": "b1" }, "o": { "type": "literal", "value": "1" }}'


class _Trickle(io.BytesIO):
    """An answer arriving ``size`` bytes at a time."""

    def __init__(self, body: bytes, size: int):
        super().__init__(body)
        self.size = size

    def read(self, n: int | None = -1) -> bytes:
        return super().read(self.size)


def test_an_answer_cut_at_the_row_limit_is_refused(virtuoso_remote: VirtuosoServer) -> None:
    numbers = " ".join(str(i) for i in range(int(MAX_ROWS**0.5) + 10))
    with pytest.raises(StoreError, match=f"cut the answer at {MAX_ROWS} rows.*ResultSetMaxRows"):
        virtuoso_remote.remote_store().select(f"SELECT * WHERE {{ VALUES ?a {{ {numbers} }} VALUES ?b {{ {numbers} }} }}")


def test_the_public_account_may_neither_write_nor_fetch(virtuoso_remote: VirtuosoServer) -> None:
    """The set-up the README gives: the anonymous endpoint reads; SPARQL Update and SERVICE are refused by Virtuoso itself."""
    insert = httpx.post(virtuoso_remote.query, data={"query": f"INSERT DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}p> <{EX}b> }} }}"})
    assert insert.status_code >= 400 and "permission" in insert.text.lower()
    with listener() as (port, seen):
        federated = httpx.post(virtuoso_remote.query, data={"query": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"})
    assert federated.status_code >= 400 and seen == []
    unauthenticated = httpx.put(virtuoso_remote.gsp, params={"graph": G1}, content=f"<{EX}a> <{EX}p> <{EX}b> .",
                                headers={"Content-Type": "application/n-triples"})
    assert unauthenticated.status_code == 401
    assert virtuoso_remote.remote_store().select(f"SELECT * WHERE {{ <{EX}a> ?p ?o }}") == []


def test_a_wrong_password_is_named(fresh_virtuoso: VirtuosoServer) -> None:
    store = type(fresh_virtuoso.remote_store())(fresh_virtuoso.query, fresh_virtuoso.gsp, update_endpoint=fresh_virtuoso.update,
                                                 user=fresh_virtuoso.user, password="wrong")
    with pytest.raises(StoreError, match=f"PUT {G1} at {fresh_virtuoso.gsp} failed: 401"):
        store.replace_graphs({G1: _graph(SHARED)})
    assert fresh_virtuoso.remote_store().named_graphs() == []


def test_the_dump_keeps_every_triple_and_no_bookkeeping(fresh_virtuoso: VirtuosoServer) -> None:
    store = fresh_virtuoso.remote_store()
    store.replace_graphs({G1: _graph(SHARED), G2: _graph(SHARED, f"<{EX}b> <{EX}p> <{EX}c> .")})
    quads = list(ox.parse(store.dump("nquads"), format=ox.RdfFormat.N_QUADS))
    assert sorted((q.graph_name.value, q.subject.value) for q in quads) == [(G1, EX + "a"), (G2, EX + "a"), (G2, EX + "b")]
