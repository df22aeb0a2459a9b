"""The SPARQL 1.1 Protocol's details over real HTTP, read by clients nobody here wrote (rdflib's SPARQLStore,
SPARQLWrapper, Python's XML parser), on a small store of the test's own: two sources state the same triples,
a literal holds a CR, a predicate cannot be written in RDF/XML, and the row limit is 3."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from live import serving
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from smartregion.rdf.prefixes import PREFIXES
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from SPARQLWrapper import JSON, XML, SPARQLWrapper

EX = "http://example.org/"
BERLIN = rdflib.URIRef("https://w3id.org/smartregion/id/state/berlin")
SR = rdflib.Namespace("https://w3id.org/smartregion/ontology#")
ENDPOINT_IRI = "https://w3id.org/smartregion/sparql"  # the default base URL's endpoint
SRX = "{http://www.w3.org/2005/sparql-results#}"


def _source(n: int) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.add((BERLIN, rdflib.RDF.type, SR.State))
    graph.add((BERLIN, rdflib.RDF.type, SR.TerritorialAuthority))
    graph.add((BERLIN, rdflib.RDFS.label, rdflib.Literal("Berlin", lang="de")))
    graph.add((BERLIN, rdflib.URIRef(EX + "population"), rdflib.Literal(3_755_251)))
    graph.add((BERLIN, rdflib.URIRef(EX + f"said-by/{n}"), rdflib.Literal(f"source {n}")))
    return graph


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("protocol") / "store"
    store = EmbeddedStore(folder)
    odd = rdflib.Graph()
    odd.add((rdflib.URIRef(EX + "note"), rdflib.RDFS.comment, rdflib.Literal("line one\r\nline two")))
    odd.add((rdflib.URIRef(EX + "note"), rdflib.URIRef(EX + "p/123"), rdflib.Literal("a predicate ending in digits")))
    odd.add((rdflib.URIRef(EX + "köln"), rdflib.RDFS.label, rdflib.Literal("Köln")))
    store.replace_all({EX + "graph/1": _source(1), EX + "graph/2": _source(2), EX + "graph/odd": odd})
    settings = Settings(home=project_root, store_path=folder, row_limit=3, query_workers=1, query_timeout=10.0)
    with serving(settings) as base:
        yield base + "/sparql"


def test_the_default_graph_is_a_set_over_http(url: str) -> None:
    """Two sources state Berlin's types and population: once each by default, so the population sums right."""
    rows = _select(url, f"SELECT ?t WHERE {{ <{BERLIN}> a ?t }} ORDER BY ?t")
    assert [r["t"]["value"] for r in rows] == [str(SR.State), str(SR.TerritorialAuthority)]
    total = _select(url, f"SELECT (SUM(?n) AS ?sum) WHERE {{ <{BERLIN}> <{EX}population> ?n }}")
    assert total[0]["sum"]["value"] == "3755251"
    counts = _select(url, "SELECT (COUNT(*) AS ?all) WHERE { ?s ?p ?o }")[0]["all"]["value"], _select(
        url, "SELECT (COUNT(*) AS ?all) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["all"]["value"]
    assert counts == ("9", "13")  # 6 distinct triples of Berlin and 3 others; 10 statements of Berlin and 3
    description = rdflib.Graph().parse(data=httpx.get(url).text, format="turtle")
    assert int(next(description.objects(predicate=rdflib.URIRef("http://rdfs.org/ns/void#triples")))) == 9


def test_relative_iris_resolve_against_the_endpoint(url: str) -> None:
    """The W3C test query_content_type_construct: CONSTRUCT { <s> <p> 1 } WHERE {}."""
    response = httpx.post(url, content="CONSTRUCT { <s> <p> 1 } WHERE {}",
                          headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    base = ENDPOINT_IRI.rsplit("/", 1)[0] + "/"
    assert set(graph) == {(rdflib.URIRef(base + "s"), rdflib.URIRef(base + "p"), rdflib.Literal(1))}
    # A BASE of the query's own wins.
    own = httpx.get(url, params={"query": "BASE <http://b.example/> SELECT ?x WHERE { BIND(<x> AS ?x) }"})
    assert own.json()["results"]["bindings"] == [{"x": {"type": "uri", "value": "http://b.example/x"}}]


def test_rdflib_sparqlstore_in_json_mode_gets_a_graph(url: str) -> None:
    """rdflib's SPARQLStore sends only results types in Accept, for CONSTRUCT too: Turtle instead of 406."""
    store = SPARQLStore(url, returnFormat="json")
    graph = rdflib.Graph(store=store)
    answer = graph.query(f"CONSTRUCT {{ <{BERLIN}> ?p ?o }} WHERE {{ <{BERLIN}> a ?o ; ?p ?o }}")
    assert {(s, p, o) for s, p, o in answer} == {(BERLIN, rdflib.RDF.type, SR.State), (BERLIN, rdflib.RDF.type, SR.TerritorialAuthority)}
    selected = graph.query(f"SELECT ?l WHERE {{ <{BERLIN}> rdfs:label ?l }}")  # rdfs: predefined
    assert [str(row.l) for row in selected] == ["Berlin"]
    asked = httpx.get(url, params={"query": "CONSTRUCT WHERE { ?s a ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert asked.status_code == 200 and asked.headers["content-type"].startswith("text/turtle")
    refused = httpx.get(url, params={"query": "CONSTRUCT WHERE { ?s a ?o }"}, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "text/turtle" in refused.json()["offered"]


def test_a_query_is_read_as_utf_8_or_refused_never_mangled(url: str) -> None:
    query = 'ASK { ?s <http://www.w3.org/2000/01/rdf-schema#label> "Köln" }'
    for content_type in ("application/sparql-query; charset=utf-8", "application/sparql-query; charset=UTF8", "application/sparql-query"):
        response = httpx.post(url, content=query.encode(), headers={"Content-Type": content_type})
        assert response.status_code == 200 and response.json()["boolean"] is True, content_type
    form = httpx.post(url, data={"query": query}, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert form.status_code == 200 and form.json()["boolean"] is True
    for charset in ("ISO-8859-1", "UTF-16", "x-klingon"):
        refused = httpx.post(url, content=query.encode("latin-1"), headers={"Content-Type": f"application/sparql-query; charset={charset}"})
        body = refused.json()
        assert refused.status_code == 415 and f"charset={charset}" in body["detail"] and body["parameter"] == "charset", charset
    latin = b"query=" + httpx.QueryParams({"q": query}).__str__()[2:].encode().replace(b"%C3%B6", b"%F6")
    for refused in (
        httpx.post(url, content=query.encode("latin-1"), headers={"Content-Type": "application/sparql-query"}),
        httpx.post(url, content=latin, headers={"Content-Type": "application/x-www-form-urlencoded"}),
        httpx.get(url + "?" + latin.decode()),
    ):
        assert refused.status_code == 400 and "not valid utf-8" in refused.json()["detail"], refused.request


def test_sparql_xml_keeps_a_carriage_return(url: str) -> None:
    query = f"SELECT ?c WHERE {{ <{EX}note> rdfs:comment ?c }}"
    body = httpx.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+xml"}).content
    assert b"&#13;" in body and b"\r" not in body
    literal = ElementTree.fromstring(body).find(f"{SRX}results/{SRX}result/{SRX}binding/{SRX}literal")
    assert literal.text == "line one\r\nline two"
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(XML)
    assert client.queryAndConvert().getElementsByTagName("literal")[0].firstChild.data == "line one\r\nline two"


def test_rdf_xml_is_well_formed_or_refused_before_the_first_byte(url: str) -> None:
    good = httpx.get(url, params={"query": f"CONSTRUCT WHERE {{ <{BERLIN}> a ?t }}"}, headers={"Accept": "application/rdf+xml"})
    assert good.status_code == 200
    assert len(rdflib.Graph().parse(data=good.content, format="xml")) == 2
    bad = httpx.get(url, params={"query": f"CONSTRUCT WHERE {{ <{EX}note> ?p ?o }}"}, headers={"Accept": "application/rdf+xml"})
    assert bad.status_code == 406 and bad.headers["content-type"] == "application/problem+json"
    assert f"<{EX}p/123>" in bad.json()["detail"] and "Turtle" in bad.json()["hint"]
    turtle = httpx.get(url, params={"query": f"CONSTRUCT WHERE {{ <{EX}note> ?p ?o }}"}, headers={"Accept": "text/turtle"})
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) == 2


def test_a_truncated_answer_says_so_in_the_json_too(url: str) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    response = httpx.get(url, params={"query": query})
    assert (response.headers["x-result-truncated"], response.headers["x-result-truncated-by"]) == ("true", "rows")
    body = response.json()
    assert len(body["results"]["bindings"]) == 3
    assert body["smartregion"] == {"truncated": True, "by": "rows", "limit": 3}
    client = SPARQLWrapper(url)  # a client that knows nothing of the member reads the answer all the same
    client.setQuery(query)
    client.setReturnFormat(JSON)
    assert len(client.queryAndConvert()["results"]["bindings"]) == 3
    whole = httpx.get(url, params={"query": query + " LIMIT 2"})
    assert whole.headers["x-result-truncated"] == "false" and "smartregion" not in whole.json()


def test_predefined_prefixes_in_queries_the_service_description_and_the_readme(url: str, project_root: Path) -> None:
    rows = _select(url, "SELECT ?s WHERE { ?s a sr:State FILTER(STRSTARTS(STR(?s), STR(id:))) }")
    assert rows == [{"s": {"type": "uri", "value": str(BERLIN)}}]
    own = _select(url, f"PREFIX sr: <{EX}> SELECT ?t WHERE {{ ?s a ?t FILTER(?t = sr:State) }}")
    assert own == []  # the declared sr: wins
    description = rdflib.Graph().parse(data=httpx.get(url).text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    declared = {str(description.value(d, sh.prefix)): str(description.value(d, sh.namespace)) for d in description.objects(None, sh.declare)}
    assert declared == PREFIXES and declared["sr"] == str(SR)
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{prefix}:` | `{namespace}` |" in readme for prefix, namespace in PREFIXES.items())


def test_a_syntax_error_is_one_short_message(url: str) -> None:
    query = "SELECT ?s WHERE {\n  ?s sr:partner ?o .\n  FILTER(?o = ) }"
    body = httpx.get(url, params={"query": query}).json()
    assert (body["status"], body["title"], body["line"], body["column"]) == (400, "malformed query", 3, 3)
    assert body["detail"].split("\n")[1:] == ["    FILTER(?o = ) }", "    ^"]
    unknown = httpx.get(url, params={"query": "SELECT * WHERE { ?s nope:p ?o }"}).json()
    assert unknown["detail"].startswith("line 1, column 21: the prefix nope: is neither declared nor predefined")
    plain = httpx.get(url, params={"query": query}, headers={"Accept": "text/plain"})
    assert plain.status_code == 400 and "line 3, column 3" in plain.text and "^" in plain.text


def _select(url: str, query: str) -> list[dict]:
    response = httpx.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return json.loads(response.content)["results"]["bindings"]
