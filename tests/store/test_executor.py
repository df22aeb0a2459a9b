"""The executor: what it refuses before running, how it serialises, and the time limit in workers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pyoxigraph as ox
import pytest
import rdflib
from smartregion.rdf import results
from smartregion.store import EmbeddedStore, QuerySyntaxError, RemoteStore
from smartregion.store.errors import QueryRefused, QueryTimeout
from smartregion.store.executor import Answer, Executor, check, prepare
from smartregion.store.workers import serialise_result

EX = "http://example.org/"
GRAPHS = [EX + "g1", EX + "g2"]
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _named_graphs() -> list[str]:
    return GRAPHS


# --- reading the query text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * { ?s ?p ?o }", "SELECT"),
        ("# SELECT in a comment\nprefix ex: <http://example.org/>\nBASE <http://b/> ask { ?s ex:p 1 }", "ASK"),
        ("PREFIX : <http://example.org/> CONSTRUCT WHERE { ?s :p ?o }", "CONSTRUCT"),
        ("describe <http://example.org/a>", "DESCRIBE"),
    ],
)
def test_form_is_read_by_the_parse(text: str, form: str) -> None:
    assert check(text).form == form


def test_service_in_strings_iris_comments_and_names_is_no_service() -> None:
    prepared = prepare(
        'PREFIX service: <http://x/> SELECT ?service WHERE { ?service <http://x/SERVICE> "SERVICE" , """a "SERVICE" b""" , \'SERVICE\' ; '
        "service:SERVICE ?o }  # SERVICE <http://evil/>",
        _named_graphs,
    )
    assert prepared.form == "SELECT"


def test_from_clauses_are_resolved_against_prefixes_and_base() -> None:
    shape = check(
        "BASE <http://example.org/base/> PREFIX ex: <http://example.org/>\n"
        "SELECT * FROM ex:g1 FROM <g2> FROM NAMED <http://example.org/g3> WHERE { ?s ?p ?o }"
    )
    assert shape.from_graphs == (EX + "g1", EX + "base/g2")
    assert shape.from_named_graphs == (EX + "g3",)
    assert shape.prefixes == {"ex": EX}


# --- refusing what a public endpoint must not do ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "LOAD <http://example.org/data.ttl>",
        "PREFIX ex: <http://example.org/> DELETE WHERE { ?s ex:p ?o }",
        "CLEAR ALL",
        "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused(text: str) -> None:
    with pytest.raises(QueryRefused, match="read-only"):
        prepare(text, _named_graphs)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * { ?x ?y ?z FILTER(?z<1) SERVICE ?endpoint { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(text: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        prepare(text, _named_graphs)


def test_dataset_outside_the_store_is_refused() -> None:
    with pytest.raises(QueryRefused, match="http://127.0.0.1:9/x"):
        prepare("SELECT * FROM <http://127.0.0.1:9/x> { ?s ?p ?o }", _named_graphs)
    with pytest.raises(QueryRefused, match="http://elsewhere/"):
        prepare("SELECT * { ?s ?p ?o }", _named_graphs, named_graph_uris=["http://elsewhere/"])


def test_dataset_inside_the_store_replaces_the_union() -> None:
    union = prepare("SELECT * { ?s ?p ?o }", _named_graphs)
    assert (union.default_graphs, union.named_graphs) == ((), ())
    with_from = prepare(f"SELECT * FROM <{GRAPHS[0]}> FROM NAMED <{GRAPHS[1]}> {{ ?s ?p ?o }}", _named_graphs)
    assert (with_from.default_graphs, with_from.named_graphs) == ((GRAPHS[0],), (GRAPHS[1],))
    # The protocol's dataset wins over the query's.
    with_protocol = prepare(f"SELECT * FROM <{GRAPHS[0]}> {{ ?s ?p ?o }}", _named_graphs, default_graph_uris=[GRAPHS[1]])
    assert (with_protocol.default_graphs, with_protocol.named_graphs) == ((GRAPHS[1],), ())


# --- serialising limited results ----------------------------------------------------------------


@pytest.fixture(scope="module")
def memory_store() -> ox.Store:
    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for i in range(5):
        subject = ox.NamedNode(f"{EX}item/{i}")
        graph = ox.NamedNode(GRAPHS[i % 2])
        store.add(ox.Quad(subject, label, ox.Literal(f'Nr. {i}, "zitiert"\tmit\nUmbruch', language="de"), graph))
        number = ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "n"), number, graph))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "b"), ox.BlankNode(f"b{i}"), graph))
    return store


SELECT = (
    "SELECT ?s ?label ?n ?b ?missing WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label ; "
    "<http://example.org/n> ?n ; <http://example.org/b> ?b OPTIONAL { ?s <http://example.org/none> ?missing } } ORDER BY ?n"
)


def _solutions(store: ox.Store, text: str) -> list[tuple]:
    return [tuple(solution) for solution in store.query(text, use_default_graph_as_union=True)]


@pytest.mark.parametrize(
    ("fmt", "parse_as"),
    [(results.JSON, ox.QueryResultsFormat.JSON), (results.XML, ox.QueryResultsFormat.XML), (results.TSV, ox.QueryResultsFormat.TSV)],
)
def test_solutions_round_trip_through_a_w3c_parser(memory_store: ox.Store, fmt: results.Format, parse_as) -> None:
    body, truncated = serialise_result(memory_store.query(SELECT, use_default_graph_as_union=True), fmt, None, {})
    parsed = ox.parse_query_results(body, format=parse_as)
    assert [v.value for v in parsed.variables] == ["s", "label", "n", "b", "missing"]
    assert [tuple(s) for s in parsed] == _solutions(memory_store, SELECT)
    assert not truncated


def test_csv_matches_the_engines_own_csv(memory_store: ox.Store) -> None:
    body, _ = serialise_result(memory_store.query(SELECT, use_default_graph_as_union=True), results.CSV, None, {})
    expected = memory_store.query(SELECT, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.CSV)
    assert body == expected
    assert body.startswith(b"s,label,n,b,missing\r\n")


def test_row_limit_cuts_solutions_and_triples(memory_store: ox.Store) -> None:
    body, truncated = serialise_result(memory_store.query(SELECT, use_default_graph_as_union=True), results.JSON, 2, {})
    assert truncated
    assert [tuple(s) for s in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)] == _solutions(memory_store, SELECT)[:2]
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    body, truncated = serialise_result(memory_store.query(construct, use_default_graph_as_union=True), results.NTRIPLES, 4, {})
    assert truncated and len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == 4
    body, truncated = serialise_result(memory_store.query(construct, use_default_graph_as_union=True), results.TURTLE, 15, {"ex": EX})
    assert not truncated and len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == 15
    assert body.startswith(b"@prefix ex: <http://example.org/> .")


@pytest.mark.parametrize("fmt", [results.JSON, results.XML])
def test_booleans(memory_store: ox.Store, fmt: results.Format) -> None:
    for query, expected in [("ASK { ?s ?p 3 }", True), ("ASK { ?s ?p 99 }", False)]:
        body, truncated = serialise_result(memory_store.query(query, use_default_graph_as_union=True), fmt, 1, {})
        parse_as = ox.QueryResultsFormat.JSON if fmt is results.JSON else ox.QueryResultsFormat.XML
        assert bool(ox.parse_query_results(body, format=parse_as)) is expected and not truncated


# --- content negotiation ------------------------------------------------------------------------


def test_negotiation_follows_q_values_specificity_and_format_parameter() -> None:
    select = results.offered("SELECT")
    assert results.negotiate(select, None) is results.JSON
    assert results.negotiate(select, "text/csv;q=0.5, application/sparql-results+xml;q=0.9") is results.XML
    assert results.negotiate(select, "text/*;q=0.8, text/csv;q=0.1") is results.TSV
    assert results.negotiate(select, "*/*;q=0.1, text/tab-separated-values") is results.TSV
    assert results.negotiate(select, "text/html", ["tsv", "text/tab-separated-values"]) is results.TSV
    graph = results.offered("CONSTRUCT")
    assert results.negotiate(graph, "application/n-triples, text/turtle;q=0.9") is results.NTRIPLES
    assert results.negotiate(graph, "text/html", ["xml"]) is results.RDFXML  # SPARQLWrapper's name for RDF/XML
    with pytest.raises(results.NotAcceptable):
        results.negotiate(select, "text/turtle, text/html;q=0.5")
    with pytest.raises(results.NotAcceptable):
        results.negotiate(results.offered("ASK"), None, ["csv"])


# --- the worker pool over the embedded store ----------------------------------------------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def executor(built_store: EmbeddedStore) -> Iterator[Executor]:
    running = Executor(built_store, timeout=2.0, row_limit=50, workers=2)
    yield running
    running.close()


def _json_rows(answer: Answer) -> list[tuple]:
    return [tuple(s) for s in ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)]


def test_answers_are_the_stores_own(executor: Executor, built_store: EmbeddedStore) -> None:
    answer = anyio.run(executor.run, executor.prepare(COUNT), results.JSON)
    # The default graph is a set: COUNT(*) counts distinct triples, fewer than the sources' statements.
    assert _json_rows(answer)[0][0].value == str(built_store.distinct_triple_count())
    assert built_store.distinct_triple_count() < built_store.triple_count()
    assert not answer.truncated
    query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"
    answer = anyio.run(executor.run, executor.prepare(query), results.TSV)
    expected = ox.parse_query_results(built_store.query_bytes(query, "text/tab-separated-values"), format=ox.QueryResultsFormat.TSV)
    assert [tuple(s) for s in ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.TSV)] == [tuple(s) for s in expected][:50]
    assert answer.truncated  # the project has more than 50 labels


def test_a_named_dataset_replaces_the_union(executor: Executor, built_store: EmbeddedStore) -> None:
    graph = built_store.named_graphs()[0]
    in_graph = int(built_store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"])
    from_clause = anyio.run(executor.run, executor.prepare(f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"), results.JSON)
    protocol = anyio.run(executor.run, executor.prepare(COUNT, default_graph_uris=[graph]), results.JSON)
    named_only = anyio.run(executor.run, executor.prepare(COUNT, named_graph_uris=[graph]), results.JSON)
    assert int(_json_rows(from_clause)[0][0].value) == int(_json_rows(protocol)[0][0].value) == in_graph
    assert int(_json_rows(named_only)[0][0].value) == 0  # the protocol's default graph is then empty


def test_syntax_errors_come_back_with_their_position(executor: Executor) -> None:
    with pytest.raises(QuerySyntaxError, match=r"^line 2, column 3: ") as refused:
        anyio.run(executor.run, executor.prepare("SELECT * WHERE {\n  ?s ?p }"), results.JSON)
    assert (refused.value.line, refused.value.column) == (2, 3)


def test_time_limit_kills_the_worker_while_others_keep_answering(executor: Executor) -> None:
    before = {w.process.pid for w in executor._pool._all}
    outcome: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        try:
            anyio.run(executor.run, executor.prepare(SLOW), results.JSON)
        except QueryTimeout as exc:
            outcome["timeout"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = anyio.run(executor.run, executor.prepare("ASK { ?s ?p ?o }"), results.JSON)
    quick_seconds = time.monotonic() - started
    thread.join(30)
    assert bool(ox.parse_query_results(quick.body, format=ox.QueryResultsFormat.JSON)) and quick_seconds < 1.5
    assert isinstance(outcome["timeout"], QueryTimeout) and "2 seconds" in str(outcome["timeout"])
    assert 2.0 <= outcome["seconds"] < 6
    deadline = time.monotonic() + 10  # the replacement starts in the background
    while len(executor._pool._all) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    after = {w.process.pid for w in executor._pool._all}
    killed = before - after
    assert len(killed) == 1 and len(after) == 2  # one worker was replaced, the pool is whole again
    assert anyio.run(executor.run, executor.prepare(COUNT), results.JSON).body  # and it answers


def test_a_worker_that_died_while_idle_is_replaced(executor: Executor) -> None:
    following = executor._pool._idle.queue[-1]  # the worker the next query takes
    following.process.kill()
    following.process.join(5)
    ask = executor.prepare("ASK { ?s ?p ?o }")
    assert bool(ox.parse_query_results(anyio.run(executor.run, ask, results.JSON).body, format=ox.QueryResultsFormat.JSON))
    assert following not in executor._pool._all
    assert all(worker.process.is_alive() for worker in executor._pool._all)


def test_queries_one_after_another_go_to_the_worker_that_answered_last(built_store: EmbeddedStore) -> None:
    """Its caches are warm: only one of three workers ever opens the store."""
    running = Executor(built_store, timeout=5.0, row_limit=10, workers=3)
    try:
        query = running.prepare("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
        for _ in range(6):
            assert _json_rows(anyio.run(running.run, query, results.JSON))
        opened = [worker for worker in running._pool._all if holds_open(worker.process.pid, built_store.path)]
        assert len(opened) == 1, f"{len(opened)} of 3 workers opened the store"
    finally:
        running.close()


def holds_open(pid: int, folder: Path) -> bool:
    """Whether the process holds a file under ``folder`` open."""
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if Path(descriptor.readlink()).is_relative_to(folder):
                return True
        except OSError:
            continue
    return False


def test_workers_follow_a_new_revision(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    label = rdflib.URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    first = rdflib.Graph()
    first.add((rdflib.URIRef(EX + "a"), label, rdflib.Literal("eins", lang="de")))
    store.replace_graphs({GRAPHS[0]: first})
    running = Executor(store, timeout=5.0, row_limit=10, workers=1)
    try:
        query = running.prepare("SELECT ?l WHERE { ?s ?p ?l }")
        assert [r[0].value for r in _json_rows(anyio.run(running.run, query, results.JSON))] == ["eins"]
        second = rdflib.Graph()
        second.add((rdflib.URIRef(EX + "a"), label, rdflib.Literal("zwei", lang="de")))
        store.replace_graphs({GRAPHS[0]: second})
        assert [r[0].value for r in _json_rows(anyio.run(running.run, query, results.JSON))] == ["zwei"]
    finally:
        running.close()


# --- the remote backend -------------------------------------------------------------------------


def test_remote_answers_match_the_embedded_ones(remote_store: RemoteStore, executor: Executor) -> None:
    remote = Executor(remote_store, timeout=10.0, row_limit=50, workers=1)
    try:
        # An order SPARQL defines: it leaves the order of literals with language tags to the engine (Virtuoso
        # puts "…"@de before "…"@en, Oxigraph orders by the text).
        query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s STR(?label) LANG(?label)"
        remote_answer = anyio.run(remote.run, remote.prepare(query), results.XML)
        local_answer = anyio.run(executor.run, executor.prepare(query), results.XML)
        parsed = [ox.parse_query_results(a.body, format=ox.QueryResultsFormat.XML) for a in (remote_answer, local_answer)]
        assert [tuple(s) for s in parsed[0]] == [tuple(s) for s in parsed[1]]
        assert remote_answer.truncated and local_answer.truncated
        construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        remote_graph = anyio.run(remote.run, remote.prepare(construct), results.NTRIPLES)
        assert remote_graph.truncated and len(list(ox.parse(remote_graph.body, format=ox.RdfFormat.N_TRIPLES))) == 50
    finally:
        remote.close()


def test_remote_time_limit(fresh_oxigraph) -> None:
    remote = Executor(fresh_oxigraph.remote_store(), timeout=2.0, row_limit=10, workers=1)
    values = " ".join(str(i) for i in range(400))
    # Minutes of work even on an empty server: four VALUES blocks of 400 make 2.56e10 rows.
    slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?v{i} {{ {values} }}" for i in range(4)) + " }"
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeout):
            anyio.run(remote.run, remote.prepare(slow), results.JSON)
    finally:
        remote.close()
    assert time.monotonic() - started < 5
