"""The store interface on both backends: same answers, atomic writes, revisions, round trips, no
outgoing requests."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import live
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from smartregion.build import ONTOLOGY_GRAPH, parse_project, summarise
from smartregion.rdf.sparql_text import dataset_clauses, query_form
from smartregion.store import (
    META_GRAPH,
    EmbeddedStore,
    ForbiddenQuery,
    QuerySyntaxError,
    RemoteStore,
    Store,
    StoreError,
    UnsupportedFormat,
    check_query,
    remote,
    triples_by_graph,
)

PREFIXES = """
PREFIX sr: <https://w3id.org/smartregion/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""
EX = "https://example.org/"
LABEL = rdflib.RDFS.label

QUESTIONS = [
    "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class",
    "SELECT ?person ?name WHERE { ?person a sr:Person ; rdfs:label ?name }",
    "SELECT ?g ?title WHERE { GRAPH ?g { ?g dcterms:title ?title } }",
    "SELECT ?event ?start WHERE { ?event schema:startDate ?start OPTIONAL { ?event schema:endDate ?end } }",
    "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s sr:partner ?o } GROUP BY ?s",
]


def _graph(*labels: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for i, label in enumerate(labels):
        graph.add((rdflib.URIRef(f"{EX}thing/{label}-{i}"), LABEL, rdflib.Literal(label, lang="de")))
    return graph


def _labels(store, graph: str) -> list[str]:
    rows = store.select(f"SELECT ?l WHERE {{ GRAPH <{graph}> {{ ?s <{LABEL}> ?l }} }} ORDER BY ?l")
    return [r["l"] for r in rows]


def _built(request: pytest.FixtureRequest, backend: str) -> Store:
    """The project's graph in the backend named."""
    if backend == "embedded":
        return request.getfixturevalue("built_store")
    return request.getfixturevalue(f"{backend}_remote").remote_store()


@pytest.fixture(params=["embedded", *live.REMOTE_SERVERS])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty store of each backend."""
    if request.param == "embedded":
        return EmbeddedStore(tmp_path / "store")
    return request.getfixturevalue(f"fresh_{request.param}").remote_store()


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A URL on a 127.0.0.1 listener, and what connected to it (see live.listener)."""
    with live.listener() as (port, seen):
        yield f"http://127.0.0.1:{port}/sparql", seen


# --- the same questions, the same answers -------------------------------------------------------------


@pytest.mark.parametrize("question", QUESTIONS)
def test_both_backends_give_the_same_answers(built_store: EmbeddedStore, remote_store: RemoteStore, question: str) -> None:
    embedded = built_store.select(PREFIXES + question)
    remote = remote_store.select(PREFIXES + question)
    assert embedded, "the question has an answer in the project graph"
    key = lambda row: json.dumps(row, sort_keys=True)
    assert sorted(embedded, key=key) == sorted(remote, key=key)


def test_both_backends_hold_the_same_graphs_and_counts(built_store: EmbeddedStore, remote_store: RemoteStore) -> None:
    assert built_store.named_graphs() == remote_store.named_graphs()
    assert ONTOLOGY_GRAPH in built_store.named_graphs()
    assert META_GRAPH not in remote_store.named_graphs()  # bookkeeping, not knowledge
    assert built_store.triple_count() == remote_store.triple_count() > 1000
    assert summarise(built_store) == summarise(remote_store)


def test_both_backends_ask_and_construct_alike(built_store: EmbeddedStore, remote_store: RemoteStore) -> None:
    for store in (built_store, remote_store):
        assert store.ask(PREFIXES + "ASK { ?p a sr:Person }")
        assert not store.ask(PREFIXES + "ASK { ?p a sr:NoSuchClass }")
    construct = PREFIXES + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a sr:Person ; rdfs:label ?l }"
    graphs = [rdflib.Graph().parse(data=s.query_bytes(construct, "text/turtle"), format="turtle") for s in (built_store, remote_store)]
    assert len(graphs[0]) > 10
    assert isomorphic(*graphs)


@pytest.mark.parametrize("backend", ["embedded", *live.REMOTE_SERVERS])
@pytest.mark.parametrize(
    "media_type", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
)
def test_select_in_every_results_format(request: pytest.FixtureRequest, backend: str, media_type: str) -> None:
    store = _built(request, backend)
    query = PREFIXES + "SELECT ?name WHERE { ?p a sr:Person ; rdfs:label ?name } ORDER BY ?name"
    body = store.query_bytes(query, media_type)
    if media_type == "text/csv":  # lossy by design: pyoxigraph will not parse it back
        header, *rows = csv.reader(io.StringIO(body.decode("utf-8")))
        assert header == ["name"]
        names = [row[0] for row in rows]
    else:
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media_type))
        names = [solution["name"].value for solution in parsed]
    assert names == [r["name"] for r in store.select(query)]


@pytest.mark.parametrize("backend", ["embedded", *live.REMOTE_SERVERS])
@pytest.mark.parametrize(
    "media_type", ["text/turtle", "application/n-triples", "application/rdf+xml", "application/n-quads", "application/ld+json"]
)
def test_construct_in_every_graph_format(request: pytest.FixtureRequest, backend: str, media_type: str) -> None:
    store = _built(request, backend)
    query = PREFIXES + "CONSTRUCT { ?v a sr:Venue ; rdfs:label ?l } WHERE { ?v a sr:Venue ; rdfs:label ?l }"
    triples = list(ox.parse(store.query_bytes(query, media_type), format=ox.RdfFormat.from_media_type(media_type)))
    venues = store.select(PREFIXES + "SELECT ?v ?l WHERE { ?v a sr:Venue ; rdfs:label ?l }")
    assert len(triples) == len({r["v"] for r in venues}) + len(venues) > 0


@pytest.mark.parametrize("backend", ["embedded", *live.REMOTE_SERVERS])
def test_protocol_dataset_replaces_the_union(request: pytest.FixtureRequest, backend: str) -> None:
    store = _built(request, backend)
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    body = store.query_bytes(query, "application/sparql-results+json", default_graph_uris=[ONTOLOGY_GRAPH])
    count = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert count == {g.iri: g.triples for g in summarise(store).graphs}[ONTOLOGY_GRAPH]
    assert count < store.triple_count()


@pytest.mark.parametrize("backend", ["embedded", *live.REMOTE_SERVERS])
def test_from_clauses_choose_the_graphs(request: pytest.FixtureRequest, backend: str) -> None:
    store = _built(request, backend)
    in_ontology = {g.iri: g.triples for g in summarise(store).graphs}[ONTOLOGY_GRAPH]
    from_default = store.select(f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}")
    from_named = store.select(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ONTOLOGY_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert from_default == from_named == [{"n": str(in_ontology)}]


@pytest.mark.parametrize("backend", ["embedded", *live.REMOTE_SERVERS])
def test_mistakes_are_reported_as_such(request: pytest.FixtureRequest, backend: str) -> None:
    store = _built(request, backend)
    with pytest.raises(QuerySyntaxError, match="line 1: syntax error" if backend == "virtuoso" else "1:25"):  # Virtuoso gives no column
        store.select("SELECT * WHERE { ?s ?p }")
    with pytest.raises(UnsupportedFormat, match="unknown media type"):
        store.query_bytes("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "image/png")
    with pytest.raises(UnsupportedFormat, match="cannot be answered as text/turtle"):
        store.query_bytes("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle")
    with pytest.raises(UnsupportedFormat, match="cannot be answered as text/csv"):
        store.query_bytes("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "text/csv")


# --- no outgoing requests -----------------------------------------------------------------------------


SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "select * where { service silent <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o != <http://x#frag>) SERVICE <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <{url}> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("backend", ["embedded", *live.REMOTE_SERVERS])
@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_queries_are_refused_and_nothing_is_contacted(
    request: pytest.FixtureRequest, backend: str, template: str, listener: tuple[str, list[bytes]]
) -> None:
    store = _built(request, backend)
    url, seen = listener
    query = template.replace("{url}", url)
    with pytest.raises(ForbiddenQuery, match="SERVICE is not allowed"):
        store.select(check_query(query))
    # Given as the package's own query (a plain string) it is not sent either: refused, or not SPARQL to the engine.
    with pytest.raises((ForbiddenQuery, QuerySyntaxError)):
        store.query_bytes(query, "application/sparql-results+json")
    assert seen == []


def test_the_engine_would_federate_without_the_check(listener: tuple[str, list[bytes]]) -> None:
    # Why the check exists: pyoxigraph 0.5 sends SERVICE requests by default.
    url, seen = listener
    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    assert seen and seen[0].startswith(b"POST /sparql")


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?service WHERE { ?service ?p "SERVICE" } # SERVICE <http://x>',
        "PREFIX service: <http://x/> SELECT * WHERE { ?s service:load ?o }",
        "SELECT * WHERE { ?s <http://x/SERVICE> ?o }",
    ],
)
def test_the_word_service_elsewhere_is_allowed(built_store: EmbeddedStore, query: str) -> None:
    assert built_store.select(check_query(query)) == []


def test_query_form_skips_the_prologue() -> None:
    assert query_form("PREFIX a: <http://a/> BASE <http://b/> # ask\n construct { } where { }") == "CONSTRUCT"
    assert query_form("INSERT DATA { <a> <b> <c> }") == "INSERT"
    assert query_form("# nothing") is None


def test_dataset_clauses_resolve_base_and_prefixes() -> None:
    query = 'BASE <http://b/x/> PREFIX g: <http://g/> SELECT * FROM <y> FROM g:one FROM NAMED g:two WHERE { ?s ?p "FROM <http://no/>" }'
    assert dataset_clauses(query)[:2] == (["http://b/x/y", "http://g/one"], ["http://g/two"])


def test_remote_refuses_updates_sent_as_queries(remote_store: RemoteStore) -> None:
    with pytest.raises(QuerySyntaxError, match="found INSERT"):
        remote_store.query_bytes("INSERT DATA { <http://a> <http://b> <http://c> }", "application/sparql-results+json")


# --- writes -------------------------------------------------------------------------------------------


def test_replace_and_drop_change_exactly_the_given_graphs(empty_store) -> None:
    g1, g2, g3 = (EX + f"graph/{n}" for n in (1, 2, 3))
    empty_store.replace_graphs({g1: _graph("a", "b"), g2: _graph("c")})
    assert empty_store.named_graphs() == [g1, g2]
    empty_store.replace_graphs({g2: _graph("d", "e"), g3: _graph("f")})
    assert (_labels(empty_store, g1), _labels(empty_store, g2), _labels(empty_store, g3)) == (["a", "b"], ["d", "e"], ["f"])
    empty_store.drop_graphs([g1, g3, EX + "graph/never-there"])
    assert empty_store.named_graphs() == [g2]
    assert empty_store.triple_count() == 2


def test_a_large_graph_is_written_in_pieces_and_keeps_its_blank_nodes(fresh_server, monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph over PUT_TRIPLES goes as a PUT and POSTs; the blank node's statements stay one node, and a
    later smaller write replaces every piece."""
    monkeypatch.setattr(remote, "PUT_TRIPLES", 4)
    store = fresh_server.remote_store()
    graph = _graph(*(f"l{n}" for n in range(11)))
    address = rdflib.BNode()
    thing = rdflib.URIRef(EX + "thing/with-address")
    graph += [(thing, rdflib.URIRef(EX + "address"), address), (address, rdflib.URIRef(EX + "street"), rdflib.Literal("Hauptstraße 1")),
              (address, rdflib.URIRef(EX + "town"), rdflib.Literal("Bad Belzig"))]
    g1 = EX + "graph/large"
    store.replace_graphs({g1: graph})
    assert _labels(store, g1) == sorted(f"l{n}" for n in range(11))
    assert store.select(f"SELECT ?street ?town WHERE {{ GRAPH <{g1}> {{ <{thing}> <{EX}address> ?a . ?a <{EX}street> ?street ; "
                        f"<{EX}town> ?town }} }}") == [{"street": "Hauptstraße 1", "town": "Bad Belzig"}]
    assert store.distinct_triple_count() == 14
    store.replace_graphs({g1: _graph("only")})
    assert _labels(store, g1) == ["only"] and store.distinct_triple_count() == 1


def test_remote_drops_through_the_graph_store_without_an_update_endpoint(fresh_virtuoso) -> None:
    """Virtuoso keeps its union graph through the Graph Store: it writes without the update URL."""
    store = fresh_virtuoso.remote_store(with_update_endpoint=False)
    g1, g2 = EX + "graph/1", EX + "graph/2"
    store.replace_graphs({g1: _graph("a"), g2: _graph("b")})
    before = store.revision()
    store.drop_graphs([g1, EX + "graph/never-there"])  # a 404 for the absent graph is no error
    assert store.named_graphs() == [g2]
    assert store.revision() != before


def test_remote_writes_need_the_update_endpoint_and_change_nothing_without(fresh_oxigraph) -> None:
    store = fresh_oxigraph.remote_store(with_update_endpoint=False)
    with pytest.raises(StoreError, match="update URL.*distinct union.*nothing was written"):
        store.replace_graphs({EX + "graph/1": _graph("a")})
    assert store.named_graphs() == [] and store.distinct_triple_count() == 0


# --- the default graph is a set -----------------------------------------------------------------------

BERLIN = "https://w3id.org/smartregion/id/state/berlin"
TYPES = [rdflib.URIRef(EX + f"class/{n}") for n in ("State", "Region", "Place")]


def _berlin(*types: rdflib.URIRef, population: int | None = None) -> rdflib.Graph:
    graph = rdflib.Graph()
    for t in types:
        graph.add((rdflib.URIRef(BERLIN), rdflib.RDF.type, t))
    if population is not None:
        graph.add((rdflib.URIRef(BERLIN), rdflib.URIRef(EX + "population"), rdflib.Literal(population)))
    return graph


def _counts(store) -> tuple[int, int, int, int]:
    """(rows over the default graph, distinct triples, statements, population sum) as a researcher would ask."""
    rows = len(store.select(f"SELECT * WHERE {{ <{BERLIN}> ?p ?o }}"))
    total = store.select(f"SELECT (SUM(?n) AS ?sum) WHERE {{ <{BERLIN}> <{EX}population> ?n }}")[0].get("sum")
    return rows, store.distinct_triple_count(), store.triple_count(), int(total or 0)


def test_the_default_graph_holds_each_triple_once(empty_store) -> None:
    """Three sources state the same three types and the same population of Berlin: each once by default,
    three times in the named graphs, and the sum over the default graph is the population, not three times it."""
    sources = [f"https://w3id.org/smartregion/source/test-{n}" for n in (1, 2, 3)]  # ours: a remote build replaces them
    empty_store.replace_graphs({g: _berlin(*TYPES, population=3_755_251) for g in sources})
    assert _counts(empty_store) == (4, 4, 12, 3_755_251)
    count_all = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{BERLIN}> a ?t }} }}"
    assert empty_store.select(count_all) == [{"n": "9"}]  # GRAPH ?g sees each source's statements
    assert sorted(r["g"] for r in empty_store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
                  if r["g"] != META_GRAPH) == sources  # and only the named source graphs
    rows = empty_store.select(f"SELECT ?t WHERE {{ <{BERLIN}> a ?t }} ORDER BY ?t")
    assert [r["t"] for r in rows] == sorted(str(t) for t in TYPES)

    # Removing a triple from one source keeps it by default while another source states it.
    empty_store.replace_graphs({sources[0]: _berlin(TYPES[0])})
    assert _counts(empty_store) == (4, 4, 9, 3_755_251)
    empty_store.drop_graphs(sources[1:])
    assert _counts(empty_store) == (1, 1, 1, 0)
    assert [r["t"] for r in empty_store.select(f"SELECT ?t WHERE {{ <{BERLIN}> a ?t }}")] == [str(TYPES[0])]

    # A full build writes the distinct union itself.
    empty_store.replace_all({sources[2]: _berlin(*TYPES), sources[1]: _berlin(*TYPES[:2], population=1)})
    assert _counts(empty_store) == (4, 4, 6, 1)


def test_the_service_description_and_void_tell_distinct_from_statements(built_store: EmbeddedStore) -> None:
    """On the project's own graph, where sources share triples (every source names Berlin a state)."""
    statements, distinct = built_store.triple_count(), built_store.distinct_triple_count()
    assert distinct < statements
    everything = built_store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    assert int(everything) == distinct
    in_graphs = built_store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    assert int(in_graphs) == statements


def test_a_store_written_before_the_union_was_kept_gets_it_on_opening(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    old = ox.Store(str(tmp_path / "store" / "rev-1"))
    triple = (ox.NamedNode(BERLIN), ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(str(TYPES[0])))
    old.extend([ox.Quad(*triple, ox.NamedNode(EX + "source/1")), ox.Quad(*triple, ox.NamedNode(EX + "source/2"))])
    old.flush()
    del old
    (tmp_path / "store" / "CURRENT").write_text("rev-1\n", encoding="utf-8")
    store = EmbeddedStore(tmp_path / "store")
    assert store.revision() == "rev-2"
    assert (store.distinct_triple_count(), store.triple_count()) == (1, 2)
    assert store.select(f"SELECT ?t WHERE {{ <{BERLIN}> a ?t }}") == [{"t": str(TYPES[0])}]
    assert EmbeddedStore(tmp_path / "store").revision() == "rev-2"  # once


def test_replace_all_leaves_only_the_new_graphs(empty_store) -> None:
    old, new = EX + "graph/old", EX + "graph/new"
    empty_store.replace_graphs({old: _graph("a")})
    empty_store.replace_all({new: _graph("b")})
    # The remote backend keeps graphs outside its namespace, so the old graph is in ours here.
    if isinstance(empty_store, RemoteStore):
        assert empty_store.named_graphs() == [new, old]
        ours = "https://w3id.org/smartregion/source/test"
        empty_store.replace_graphs({ours: _graph("c")})
        empty_store.replace_all({new: _graph("b")})
        assert ours not in empty_store.named_graphs()
    else:
        assert empty_store.named_graphs() == [new]


def test_revision_changes_on_writes_and_nothing_else(empty_store) -> None:
    graph = EX + "graph/1"
    seen = [empty_store.revision()]
    empty_store.replace_graphs({graph: _graph("a")})
    seen.append(empty_store.revision())
    # Reads of every kind leave it alone.
    empty_store.select("SELECT * WHERE { ?s ?p ?o }")
    empty_store.ask("ASK { ?s ?p ?o }")
    empty_store.query_bytes("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    empty_store.named_graphs()
    empty_store.triple_count()
    empty_store.dump("nquads")
    assert empty_store.revision() == seen[-1]
    empty_store.replace_graphs({graph: _graph("a")})  # the same content again is still a write
    seen.append(empty_store.revision())
    empty_store.drop_graphs([graph])
    seen.append(empty_store.revision())
    empty_store.replace_all({graph: _graph("b")})
    seen.append(empty_store.revision())
    assert len(set(seen)) == len(seen)


def test_a_failed_replace_changes_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    g1 = EX + "graph/1"
    store.replace_graphs({g1: _graph("old")})
    before, folders = store.revision(), sorted(p.name for p in store.path.iterdir())
    # The first graph is written into the new revision, then the second one fails (not an IRI).
    with pytest.raises(ValueError):
        store.replace_graphs({g1: _graph("new"), "not an IRI": _graph("x")})
    with pytest.raises(ValueError):
        store.drop_graphs([g1, "not an IRI"])
    assert store.revision() == before
    assert _labels(store, g1) == ["old"]
    assert sorted(p.name for p in store.path.iterdir()) == folders  # the half-written revision is gone


def test_readers_never_see_half_a_write(tmp_path: Path) -> None:
    # Every write replaces two graphs with the same number of triples; any reader must always see
    # both graphs at one size, whichever revision it reads.
    writer = EmbeddedStore(tmp_path / "store")
    reader = EmbeddedStore(tmp_path / "store")  # a second handle, as another process would have
    g1, g2 = EX + "graph/1", EX + "graph/2"
    writer.replace_graphs({g1: _graph("a"), g2: _graph("a")})
    query = f"SELECT (COUNT(?a) AS ?n1) (COUNT(?b) AS ?n2) WHERE {{ {{ GRAPH <{g1}> {{ ?a ?p ?o }} }} UNION {{ GRAPH <{g2}> {{ ?b ?q ?r }} }} }}"
    failures: list[str] = []
    sizes: set[str] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            row = reader.select(query)[0]
            sizes.add(row["n1"])
            if row["n1"] != row["n2"]:
                failures.append(str(row))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for size in range(2, 14):
            labels = [f"x{i}" for i in range(size)]
            writer.replace_graphs({g1: _graph(*labels), g2: _graph(*labels)})
    finally:
        done.set()
        thread.join()
    assert failures == []
    assert len(sizes) > 1  # the reader did follow the writes
    assert reader.select(query)[0] == {"n1": "13", "n2": "13"}


def test_old_revisions_are_removed_but_the_previous_one_stays(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    for label in "abcd":
        store.replace_graphs({EX + "graph/1": _graph(label)})
    revisions = sorted(p.name for p in store.path.iterdir() if p.name.startswith("rev-"))
    assert revisions == ["rev-4", "rev-5"]
    assert store.revision() == "rev-5" and store.live_path() == store.path / "rev-5"
    assert (store.path / "CURRENT").read_text().strip() == "rev-5"


def test_a_dataset_must_keep_every_triple_in_a_named_graph() -> None:
    dataset = rdflib.Dataset()
    dataset.add((rdflib.URIRef(EX + "a"), LABEL, rdflib.Literal("a")))
    with pytest.raises(StoreError, match="outside any named graph"):
        triples_by_graph(dataset)


# --- round trip ---------------------------------------------------------------------------------------


# Every format on every backend but Virtuoso: a remote store's dump is written here from what it answers,
# so one format there shows what it keeps (and its canonical spelling is slow to compare).
@pytest.mark.parametrize(("fmt", "backend"), [(fmt, backend) for backend in ("embedded", *live.REMOTE_SERVERS)
                                              for fmt in ("trig", "nquads") if backend != "virtuoso" or fmt == "nquads"])
def test_round_trip_loses_no_triple(request: pytest.FixtureRequest, project_root: Path, backend: str, fmt: str) -> None:
    store = _built(request, backend)
    project = parse_project(project_root, progress=False)
    dumped = _graphs(ox.parse(store.dump(fmt), format=ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.N_QUADS))
    # Through an in-memory store first: the engine keeps numbers in canonical form (48.0 → 48), which is not a loss.
    canonical = ox.Store()
    canonical.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(iri))
                     for iri, triples in triples_by_graph(project.quads).items() for t in triples)
    original = _graphs(canonical.quads_for_pattern(None, None, None))
    assert sorted(dumped) == sorted(original)
    for iri, triples in original.items():
        if backend == "virtuoso":  # it keeps values, not their spelling (store/virtuoso.py)
            triples, dumped[iri] = _canonical(triples), _canonical(dumped[iri])
        if any(isinstance(term, ox.BlankNode) for t in triples for term in (t.subject, t.object)):
            # Blank nodes get new labels on the way: such a graph is compared up to their renaming.
            assert isomorphic(_rdflib_graph(triples), _rdflib_graph(dumped[iri])), iri
        else:
            assert triples == dumped[iri], iri


def _graphs(quads: Iterator[ox.Quad]) -> dict[str, set[ox.Triple]]:
    graphs: dict[str, set[ox.Triple]] = {}
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs.setdefault(quad.graph_name.value, set()).add(quad.triple)
    return graphs


def _rdflib_graph(triples: set[ox.Triple]) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def _canonical(triples: set[ox.Triple]) -> set[ox.Triple]:
    """Every literal in its canonical spelling: language tags in lower case, typed values written anew from their value."""
    return {ox.Triple(t.subject, t.predicate, _canonical_term(t.object)) for t in triples}


def _canonical_term(term: ox.Term) -> ox.Term:
    if not isinstance(term, ox.Literal):
        return term
    if term.language:
        return ox.Literal(term.value, language=term.language.lower())
    literal = rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    value = literal.toPython()
    return term if value is literal else ox.Literal(str(rdflib.Literal(value, datatype=literal.datatype)), datatype=term.datatype)
