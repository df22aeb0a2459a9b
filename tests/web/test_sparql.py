"""The /sparql endpoint over HTTP, on both backends, with SPARQLWrapper as the client.

uvicorn runs in a thread on 127.0.0.1; every answer is parsed and compared with the store's own.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from live import listener, serving
from rdflib.compare import isomorphic
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore, Store
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SD = "http://www.w3.org/ns/sparql-service-description#"
ROW_LIMIT = 100
# The seed documents' labels: the reference graphs would make it a sort of 20,000 rows.
LABELS = f"SELECT ?s ?label WHERE {{ GRAPH ?g {{ ?s <{RDFS_LABEL}> ?label }} FILTER(!STRSTARTS(STR(?g), \"https://w3id.org/smartregion/source/destatis\")) }} ORDER BY ?s ?label LIMIT 60"
CONSTRUCT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l LIMIT 60"
)
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass(frozen=True)
class Endpoint:
    url: str
    store: Store  # the store behind it, asked directly for the expected answers


@pytest.fixture(scope="module")
def embedded_settings(built_store: EmbeddedStore, project_root: Path) -> Settings:
    return Settings(
        home=project_root, store_path=built_store.path, query_timeout=2.0, row_limit=ROW_LIMIT, query_workers=2, max_request_bytes=20_000
    )


@pytest.fixture(scope="module", params=["embedded", "remote"])
def endpoint(request: pytest.FixtureRequest, embedded_settings: Settings) -> Iterator[Endpoint]:
    if request.param == "embedded":
        settings, store = embedded_settings, request.getfixturevalue("built_store")
    else:
        server = request.getfixturevalue("oxigraph_remote")  # the protocol's details: on Oxigraph only
        store = server.remote_store()
        settings = replace(server.remote_settings(embedded_settings), query_timeout=20.0)
    with serving(settings) as base:
        url = base + "/sparql"
        yield Endpoint(url, store)


@pytest.fixture(scope="module")
def embedded(embedded_settings: Settings, built_store: EmbeddedStore) -> Iterator[Endpoint]:
    with serving(embedded_settings) as base:
        url = base + "/sparql"
        yield Endpoint(url, built_store)


def _client(url: str, query: str, return_format: str | None = None, method: str = GET) -> SPARQLWrapper:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setMethod(method)
    if return_format:
        client.setReturnFormat(return_format)
    return client


def _solutions(body: bytes, fmt: ox.QueryResultsFormat) -> list[tuple]:
    return [tuple(s) for s in ox.parse_query_results(body, format=fmt)]


# --- SELECT and ASK -----------------------------------------------------------------------------

RESULT_FORMATS = [
    (JSON, "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    (XML, "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    (TSV, "text/tab-separated-values", ox.QueryResultsFormat.TSV),
]


@pytest.mark.parametrize(("return_format", "media_type", "parse_as"), RESULT_FORMATS)
def test_select_in_each_results_format(endpoint: Endpoint, return_format: str, media_type: str, parse_as) -> None:
    result = _client(endpoint.url, LABELS, return_format).query()
    assert result.info()["content-type"].startswith(media_type)
    expected = _solutions(endpoint.store.query_bytes(LABELS, "application/sparql-results+json"), ox.QueryResultsFormat.JSON)
    assert _solutions(result.response.read(), parse_as) == expected
    assert len(expected) == 60


def test_select_as_csv_is_what_the_engine_writes(endpoint: Endpoint) -> None:
    result = _client(endpoint.url, LABELS, CSV).query()
    assert result.info()["content-type"] == "text/csv; charset=utf-8"
    assert result.response.read() == endpoint.store.query_bytes(LABELS, "text/csv")


@pytest.mark.parametrize(("return_format", "parse_as"), [(JSON, ox.QueryResultsFormat.JSON), (XML, ox.QueryResultsFormat.XML)])
def test_ask(endpoint: Endpoint, return_format: str, parse_as) -> None:
    for query, expected in [(f"ASK {{ ?s <{RDFS_LABEL}> ?o }}", True), ("ASK { ?s <http://example.org/nothing> ?o }", False)]:
        body = _client(endpoint.url, query, return_format).query().response.read()
        assert bool(ox.parse_query_results(body, format=parse_as)) is expected


# --- CONSTRUCT and DESCRIBE ---------------------------------------------------------------------


def _graph(body: bytes, rdflib_format: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=rdflib_format)


@pytest.mark.parametrize(
    ("return_format", "accept", "media_type", "rdflib_format"),
    [
        (TURTLE, None, "text/turtle", "turtle"),
        (None, "application/n-triples", "application/n-triples", "nt"),
        (JSONLD, None, "application/ld+json", "json-ld"),
        (RDFXML, None, "application/rdf+xml", "xml"),
    ],
)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_graphs_in_each_rdf_format(endpoint: Endpoint, form: str, return_format, accept, media_type: str, rdflib_format: str) -> None:
    if form == "CONSTRUCT":
        query = CONSTRUCT
    else:
        subject = endpoint.store.select(f"SELECT ?s WHERE {{ ?s <{RDFS_LABEL}> ?l }} ORDER BY ?s LIMIT 1")[0]["s"]
        query = f"DESCRIBE <{subject}>"
    client = _client(endpoint.url, query, return_format)
    if accept:  # SPARQLWrapper has no name for N-Triples: plain content negotiation
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
    result = client.query()
    assert result.info()["content-type"].startswith(media_type)
    received = _graph(result.response.read(), rdflib_format)
    expected = _graph(endpoint.store.query_bytes(query, "application/n-triples"), "nt")
    assert len(received) > 0 and isomorphic(received, expected)


# --- protocol: methods, dataset, negotiation ----------------------------------------------------


@pytest.mark.parametrize(("method", "request_method"), [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)])
def test_get_form_post_and_direct_post(endpoint: Endpoint, method: str, request_method: str) -> None:
    client = _client(endpoint.url, LABELS, JSON, method)
    client.setRequestMethod(request_method)
    expected = _solutions(endpoint.store.query_bytes(LABELS, "application/sparql-results+json"), ox.QueryResultsFormat.JSON)
    assert _solutions(client.query().response.read(), ox.QueryResultsFormat.JSON) == expected


def test_default_and_named_graph_uri(endpoint: Endpoint) -> None:
    graph = endpoint.store.named_graphs()[0]
    in_graph = endpoint.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]
    client = _client(endpoint.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON)
    client.addDefaultGraph(graph)
    assert client.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == in_graph
    client = _client(endpoint.url, f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}", JSON)
    assert client.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == in_graph
    client = _client(endpoint.url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", JSON)
    client.addNamedGraph(graph)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [(r["g"]["value"], r["n"]["value"]) for r in rows] == [(graph, in_graph)]


def test_accept_with_q_values_and_406(endpoint: Endpoint) -> None:
    response = httpx.get(endpoint.url, params={"query": LABELS}, headers={"Accept": "text/csv;q=0.4, text/tab-separated-values;q=0.9"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/tab-separated-values")
    response = httpx.get(endpoint.url, params={"query": LABELS}, headers={"Accept": "application/rdf+xml, application/ld+json;q=0.5"})
    assert response.status_code == 406
    assert response.json()["offered"] == [
        "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"
    ]
    as_text = httpx.get(endpoint.url, params={"query": LABELS}, headers={"Accept": "text/turtle, text/html;q=0.5"})
    assert as_text.status_code == 406 and "text/tab-separated-values" in as_text.text  # a text-only client gets text


def test_service_description(endpoint: Endpoint) -> None:
    response = httpx.get(endpoint.url)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    description = _graph(response.content, "turtle")
    sd = rdflib.Namespace(SD)
    service = description.value(predicate=rdflib.RDF.type, object=sd.Service)
    assert description.value(service, sd.endpoint) == rdflib.URIRef("https://w3id.org/smartregion/sparql")
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in description
    assert len(list(description.objects(service, sd.resultFormat))) == 8
    assert (service, sd.feature, sd.UnionDefaultGraph) in description
    dataset = description.value(service, sd.defaultDataset)
    assert description.value(description.value(dataset, sd.defaultGraph), rdflib.RDFS.comment) is not None
    names = {str(description.value(g, sd.name)) for g in description.objects(dataset, sd.namedGraph)}
    assert names == set(endpoint.store.named_graphs())
    as_json_ld = httpx.get(endpoint.url, headers={"Accept": "application/ld+json"})
    assert as_json_ld.headers["content-type"] == "application/ld+json"
    assert isomorphic(_graph(as_json_ld.content, "json-ld"), description)


# --- errors and refusals ------------------------------------------------------------------------


def test_malformed_query_gives_400_with_position(endpoint: Endpoint) -> None:
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"
    with pytest.raises(QueryBadFormed) as caught:
        _client(endpoint.url, query, JSON).query()
    assert "line 3" in str(caught.value)
    # The guard's parser (rdflib's grammar) refuses it before the engine: its position, at the FILTER it could not finish.
    body = httpx.get(endpoint.url, params={"query": query}).json()
    assert (body["title"], body["line"], body["column"]) == ("malformed query", 3, 3)
    assert body["detail"] == "line 3, column 3: the query is not valid SPARQL from here on, found 'FILTER(?o = ) }'\n    FILTER(?o = ) }\n    ^"
    assert body["hint"]
    plain = httpx.get(endpoint.url, params={"query": query}, headers={"Accept": "text/csv"})
    assert plain.status_code == 400 and plain.headers["content-type"].startswith("text/plain") and "line 3" in plain.text


def test_updates_are_refused(endpoint: Endpoint) -> None:
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    before = endpoint.store.triple_count()
    with pytest.raises(urllib.error.HTTPError) as caught:
        _client(endpoint.url, update, method=POST).query()  # SPARQLWrapper sends it as update=...
    assert caught.value.code == 403 and b"read-only" in caught.value.read()
    direct = httpx.post(endpoint.url, content=update, headers={"Content-Type": "application/sparql-update"})
    assert direct.status_code == 403 and "read-only" in direct.json()["detail"]
    in_query = httpx.post(endpoint.url, data={"query": update})
    assert in_query.status_code == 400 and "read-only" in in_query.json()["detail"]
    assert endpoint.store.triple_count() == before


def test_service_from_and_load_make_no_request(endpoint: Endpoint) -> None:
    with listener() as (port, seen):
        target = f"http://127.0.0.1:{port}/sparql"
        queries = [
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVI\\u0043E <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"LOAD <{target}>",
        ]
        for query in queries:
            response = httpx.post(endpoint.url, data={"query": query})
            assert response.status_code == 400, query
        response = httpx.get(endpoint.url, params={"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": target})
        assert response.status_code == 400 and target in response.json()["detail"]
        with pytest.raises(QueryBadFormed):
            _client(endpoint.url, queries[0], JSON).query()
        time.sleep(0.3)
    assert seen == []


def test_request_size_limit(endpoint: Endpoint) -> None:
    big = LABELS + " #" + "x" * 25_000
    assert httpx.post(endpoint.url, data={"query": big}).status_code == 413
    assert httpx.post(endpoint.url, content=big, headers={"Content-Type": "application/sparql-query"}).status_code == 413
    assert httpx.get(endpoint.url, params={"query": big}).status_code == 413


# --- limits -------------------------------------------------------------------------------------


def test_row_limit_is_applied_and_said(endpoint: Endpoint) -> None:
    everything = "SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/smartregion/source/regionalkonferenz-bad-belzig-2024> { ?s ?p ?o } } ORDER BY ?s ?p ?o"
    result = _client(endpoint.url, everything, JSON).query()
    assert (result.info()["x-row-limit"], result.info()["x-result-truncated"]) == (str(ROW_LIMIT), "true")
    assert len(json.loads(result.response.read())["results"]["bindings"]) == ROW_LIMIT
    graph = _client(endpoint.url, "CONSTRUCT WHERE { ?s ?p ?o }", TURTLE).query()
    assert graph.info()["x-result-truncated"] == "true" and len(_graph(graph.response.read(), "turtle")) == ROW_LIMIT
    small = _client(endpoint.url, LABELS, JSON).query()
    assert (small.info()["x-row-limit"], small.info()["x-result-truncated"]) == (str(ROW_LIMIT), "false")


def test_time_limit_stops_a_query_while_others_are_answered(embedded: Endpoint) -> None:
    slow: dict[str, object] = {}

    def run_slow() -> None:
        started = time.monotonic()
        slow["response"] = httpx.post(embedded.url, data={"query": SLOW}, timeout=60)
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = _client(embedded.url, LABELS, JSON).queryAndConvert()
    assert time.monotonic() - started < 1.5 and len(quick["results"]["bindings"]) == 60
    thread.join(60)
    response = slow["response"]
    assert response.status_code == 503
    assert response.json()["title"] == "query timeout" and "2 seconds" in response.json()["detail"]
    assert 2.0 <= slow["seconds"] < 6
    assert _client(embedded.url, LABELS, JSON).queryAndConvert() == quick  # the replaced worker answers


def test_time_limit_on_the_remote_backend(fresh_oxigraph, embedded_settings: Settings) -> None:
    settings = fresh_oxigraph.remote_settings(embedded_settings)
    values = " ".join(str(i) for i in range(400))
    slow_anywhere = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?v{i} {{ {values} }}" for i in range(4)) + " }"
    with serving(settings) as base:
        url = base + "/sparql"
        started = time.monotonic()
        response = httpx.post(url, data={"query": slow_anywhere}, timeout=60)
        assert response.status_code == 503 and time.monotonic() - started < 5
        assert httpx.get(url, params={"query": "ASK {}"}).status_code == 200


def test_cors_is_open_for_reads(endpoint: Endpoint) -> None:
    response = httpx.get(endpoint.url, params={"query": LABELS}, headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        endpoint.url,
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
