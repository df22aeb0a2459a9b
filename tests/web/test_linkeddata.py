"""Dereferencing on the real app over the built seed graph: content negotiation, suffixes, the RDF
description and its formats, the published JSON-LD context, 406 and helpful 404s, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS
from smartregion.settings import Settings
from smartregion.web.app import create_app

BASE = "https://w3id.org/smartregion/"
ID = BASE + "id/"
SR = rdflib.Namespace(BASE + "ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
SCHEMA = rdflib.Namespace("https://schema.org/")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
NEULAND21 = URIRef(ID + "organisation/neuland21")
MADELEINE_LEE = URIRef(ID + "person/madeleine-lee")
MEMBERSHIP = URIRef(ID + "membership/madeleine-lee-neuland21")
SCCON21 = URIRef(BASE + "source/sccon21-smart-country-brandenburg")
DEPLOYED = "https://smartregion.example.org/"  # where the test app says it is deployed

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MEDIA = {"html": "text/html", "ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
         "rdf": "application/rdf+xml"}
RDFLIB_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def settings(built_store, project_root: Path) -> Settings:
    return Settings(home=project_root, store_path=built_store.path, base_url=DEPLOYED)


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def local_context(client: TestClient) -> dict:
    """The published context, fetched once from the service, as a client would keep a copy of it."""
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    return response.json()["@context"]


def parse(response, local_context: dict) -> rdflib.Graph:
    """Parse an RDF answer with rdflib; JSON-LD with the kept context in place of its URL (no network)."""
    media = response.headers["content-type"].split(";")[0]
    if media == "application/ld+json":
        document = response.json()
        assert document["@context"] == DEPLOYED + "context.jsonld"
        document["@context"] = local_context
        return rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    return rdflib.Graph().parse(data=response.content, format=RDFLIB_FORMATS[media])


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (FIREFOX, "text/html"),
        ("*/*", "text/html"),
        (None, "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/turtle;q=0.5, application/rdf+xml;q=0.9, text/html;q=0.1", "application/rdf+xml"),
        ("application/ld+json;q=0.8, text/turtle", "text/turtle"),
        ("text/html;q=0, */*;q=0.5", "text/turtle"),
    ],
)
def test_accept_header_chooses_the_representation(client: TestClient, accept: str | None, expected: str) -> None:
    response = client.get("/id/organisation/neuland21", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    suffix = next(s for s, media in MEDIA.items() if media == expected)
    assert response.headers["content-location"] == f"neuland21.{suffix}"
    assert {"Accept", "Accept-Language"} <= {v.strip() for v in response.headers["vary"].split(",")}


@pytest.mark.parametrize("suffix", list(MEDIA))
def test_suffix_chooses_the_representation_whatever_the_accept_header(client: TestClient, suffix: str) -> None:
    response = client.get(f"/id/organisation/neuland21.{suffix}", headers={"Accept": "application/pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == MEDIA[suffix]
    assert "content-location" not in response.headers
    assert "Accept" not in [v.strip() for v in response.headers.get("vary", "").split(",")]


def test_link_header_names_every_alternate(client: TestClient) -> None:
    response = client.get("/id/organisation/neuland21", headers={"Accept": "text/turtle"})
    link = response.headers["link"]
    for suffix, media in MEDIA.items():
        assert f'<neuland21.{suffix}>; rel="alternate"; type="{media}"' in link
    # Relative to the resource: the alternates sit next to it.
    assert urljoin("http://testserver/id/organisation/neuland21", "neuland21.ttl") == "http://testserver/id/organisation/neuland21.ttl"


def test_turtle_holds_the_description_with_canonical_iris(client: TestClient, local_context: dict) -> None:
    graph = parse(client.get("/id/organisation/neuland21", headers={"Accept": "text/turtle"}), local_context)
    # Outgoing statements.
    assert (NEULAND21, RDF.type, SR.Organisation) in graph
    assert (NEULAND21, RDFS.label, Literal("Neuland21", lang="de")) in graph
    assert (NEULAND21, DCTERMS.source, SCCON21) in graph
    # Incoming links, and the membership node the organisation takes part in, whole.
    assert (URIRef(ID + "event/brandenburg-remote"), SCHEMA.organizer, NEULAND21) in graph
    assert (MEMBERSHIP, ORG.member, MADELEINE_LEE) in graph
    assert (MEMBERSHIP, ORG.role, URIRef(ID + "role/programme-lead")) in graph
    # Labels of what it links to and what links to it.
    assert (MADELEINE_LEE, RDFS.label, Literal("Madeleine Lee", lang="de")) in graph
    assert (URIRef(ID + "topic/remote-work"), URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
            Literal("Remote work", lang="en")) in graph
    # RDF keeps the canonical IRIs, not the address the service is deployed at.
    assert not any(DEPLOYED in str(term) for triple in graph for term in triple)


def test_every_format_says_the_same(client: TestClient, local_context: dict) -> None:
    graphs = {suffix: parse(client.get(f"/id/organisation/neuland21.{suffix}"), local_context)
              for suffix in ("ttl", "nt", "jsonld", "rdf")}
    assert len(graphs["ttl"]) > 20
    for suffix, graph in graphs.items():
        assert isomorphic(graph, graphs["ttl"]), suffix


def test_jsonld_is_compact_against_the_published_context(client: TestClient, local_context: dict) -> None:
    document = client.get("/id/organisation/neuland21.jsonld").json()
    node = next(n for n in document["@graph"] if n["@id"] == "id:organisation/neuland21")
    assert node["@type"] == ["sr:Organisation"]
    assert node["rdfs:label"] == [{"@value": "Neuland21", "@language": "de"}]
    # The context is self-contained: plain namespace IRIs, nothing a processor would have to fetch.
    assert local_context["schema"] == "https://schema.org/" and local_context["id"] == ID
    assert all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in local_context.values())


def test_the_ontology_dereferences(client: TestClient, local_context: dict) -> None:
    graph = parse(client.get("/ontology", headers={"Accept": "text/turtle"}), local_context)
    assert (SR.Person, RDF.type, OWL.Class) in graph
    assert (SR.Person, RDFS.label, Literal("person", lang="en")) in graph
    assert (SR.Municipality, RDFS.subClassOf, SR.TerritorialAuthority) in graph
    assert isomorphic(graph, parse(client.get("/ontology.nt"), local_context))
    assert client.get("/ontology.html").headers["content-type"].startswith("text/html")


def test_a_source_dereferences(client: TestClient, local_context: dict) -> None:
    graph = parse(client.get("/source/sccon21-smart-country-brandenburg.ttl"), local_context)
    assert (SCCON21, DCTERMS.title, Literal("Smart Country Brandenburg @ SCCON21", lang="de")) in graph
    assert (SCCON21, DCTERMS.publisher, URIRef(ID + "organisation/wfbb")) in graph
    # What links to the source: the entities it states.
    assert (NEULAND21, DCTERMS.source, SCCON21) in graph


def test_unacceptable_answers_406_listing_what_there_is(client: TestClient) -> None:
    response = client.get("/id/organisation/neuland21", headers={"Accept": "application/pdf, image/png;q=0.5"})
    assert response.status_code == 406
    body = response.json()
    assert body["offered"] == list(MEDIA.values())
    assert "/id/organisation/neuland21.ttl" in body["suffixes"]
    assert 'type="text/turtle"' in response.headers["link"]


def test_unknown_iri_answers_404_with_suggestions_as_json(client: TestClient) -> None:
    for accept in ("application/json", "text/turtle"):
        response = client.get("/id/organisation/neuland-21", headers={"Accept": accept})
        assert response.status_code == 404
        body = response.json()
        assert body["iri"] == ID + "organisation/neuland-21"
        assert body["suggestions"][0]["iri"] == str(NEULAND21)


def test_unknown_iri_answers_404_with_a_helpful_page(client: TestClient) -> None:
    response = client.get("/id/organisation/neuland-21", headers={"Accept": FIREFOX})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'role="search"' in page and 'value="neuland 21"' in page
    assert 'href="neuland21"' in page and ">Neuland21</a>" in page


def test_unknown_suffix_and_malformed_paths_are_404(client: TestClient) -> None:
    response = client.get("/id/organisation/neuland21.csv", headers={"Accept": "application/json"})
    assert response.status_code == 404 and ".ttl" in response.json()["detail"]
    for path in ("/id/organisation/a%20b", "/id/organisation/x%3E%20%3Chttp:%2F%2Fevil%3E", "/id/", "/source/nope.ttl"):
        assert client.get(path, headers={"Accept": "application/json"}).status_code == 404, path


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    response = client.head("/id/organisation/neuland21", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert response.content == b""


def test_remote_backend_gives_the_same_description(remote_server, settings: Settings, client: TestClient,
                                                   local_context: dict) -> None:
    remote = remote_server.remote_settings(settings)
    with TestClient(create_app(remote)) as remote_client:
        for path in ("/id/organisation/neuland21.ttl", "/source/sccon21-smart-country-brandenburg.ttl", "/ontology.ttl"):
            assert isomorphic(parse(remote_client.get(path), local_context), parse(client.get(path), local_context)), path
        page = remote_client.get("/id/organisation/neuland21", headers={"Accept": FIREFOX})
        assert page.status_code == 200 and ">Madeleine Lee</a>" in page.text
