"""Contribution pages (issue 16, point 6): ``/contribution/{id}`` dereferences like a source document —
HTML with who, when, how, from what and what it added; the whole graph as RDF by suffix or Accept — and
the network's evidence links to it stay on this service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import PROV, RDF
from smartregion.contribute.contributions import add_graph
from smartregion.contribute.model import Provenance
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
WFBB = ID + "organisation/wfbb"
ORG = ID + "organisation/netmap-testverein"
TURTLE = f"""
@prefix sr: <https://w3id.org/smartregion/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ORG}> a sr:Association ; rdfs:label "Netzkarten-Testverein"@de .
<{ID}cooperation/netmap-test> a sr:Cooperation ; rdfs:label "Kooperation Testverein und WFBB"@de ;
  sr:partner <{ORG}>, <{WFBB}> ; sr:cooperationKind <{ID}cooperation-kind/strategic-cooperation> .
"""


@pytest.fixture(scope="module")
def contribution_id(module_store: EmbeddedStore) -> str:
    graph = rdflib.Graph().parse(data=TURTLE, format="turtle")
    return add_graph(module_store, graph, Provenance("Erika Muster", "testverein.csv", "spreadsheet")).id


@pytest.fixture(scope="module")
def client(module_store: EmbeddedStore, contribution_id: str, project_root: Path) -> Iterator[TestClient]:
    settings = Settings(home=project_root, store_path=module_store.path, query_workers=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_page_says_who_when_how_from_what_and_what_was_added(client: TestClient, contribution_id: str) -> None:
    response = client.get(f"/contribution/{contribution_id}", headers={"Accept": "text/html"}, params={"lang": "en"})
    assert response.status_code == 200
    html = response.text
    assert "Beitrag: testverein.csv" in html  # its title
    assert "How the contribution came about" in html
    for shown in ("Erika Muster", "spreadsheet", "testverein.csv", "What the contribution added", "Netzkarten-Testverein",
                  "Kooperation Testverein und WFBB"):
        assert shown in html
    # the entities it added link to their pages on this service, relative to the page
    assert 'href="../id/organisation/netmap-testverein"' in html
    german = client.get(f"/contribution/{contribution_id}", params={"lang": "de"}).text
    assert "Wie der Beitrag entstand" in german and "Was der Beitrag hinzufügte" in german


@pytest.mark.parametrize(("suffix", "accept", "rdflib_format"), [
    ("ttl", None, "turtle"), ("nt", None, "nt"), ("rdf", None, "xml"), (None, "text/turtle", "turtle"),
])
def test_the_rdf_is_the_whole_contribution_with_its_provenance(client: TestClient, contribution_id: str, suffix: str | None,
                                                               accept: str | None, rdflib_format: str) -> None:
    path = f"/contribution/{contribution_id}" + (f".{suffix}" if suffix else "")
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format=rdflib_format)
    node = rdflib.URIRef("https://w3id.org/smartregion/contribution/" + contribution_id)
    assert (node, RDF.type, PROV.Entity) in graph
    agent = graph.value(node, PROV.wasAttributedTo)
    assert str(graph.value(agent, rdflib.URIRef("http://xmlns.com/foaf/0.1/name"))) == "Erika Muster"
    assert (rdflib.URIRef(ORG), RDF.type, rdflib.URIRef("https://w3id.org/smartregion/ontology#Association")) in graph
    if accept:
        assert response.headers["content-location"] == f"{contribution_id}.ttl"


def test_an_unknown_contribution_is_a_helpful_404(client: TestClient) -> None:
    html = client.get("/contribution/20990101-000000-nobody-abcdef", headers={"Accept": "text/html"})
    assert html.status_code == 404 and "https://w3id.org/smartregion/contribution/20990101-000000-nobody-abcdef" in html.text
    problem = client.get("/contribution/not.a.valid.id", headers={"Accept": "application/json"})
    assert problem.status_code == 404
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/search", params={"q": "WFBB"}).status_code == 200  # the service is still up


def test_evidence_from_a_contribution_links_to_its_page_here(client: TestClient, contribution_id: str) -> None:
    partners = client.get("/api/cooperations", params={"iri": WFBB}).json()["partners"]
    testverein = next(p for p in partners if p["iri"] == ORG)
    assert testverein["evidence"][0]["source"] == "https://w3id.org/smartregion/contribution/" + contribution_id
    page = client.get("/id/organisation/wfbb", params={"lang": "en"}).text
    assert f'href="../../contribution/{contribution_id}"' in page  # the sources list of the entity page
