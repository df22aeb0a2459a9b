"""Contributions add; they never retype, rename or smuggle links (issue 12, points 6 and 8), on the real
app over a copy of the built store, through every way in: Turtle, N-Triples, JSON-LD, CSV and XLSX
uploads, a harvest from a real Oxigraph server, and the build.

- An entity never gets a kind the ontology declares disjoint with its kind elsewhere (owl:AllDisjointClasses).
- ``forget`` erases persons only: an organisation typed sr:Person by a contribution is refused.
- The name shown for an entity that other sources name never comes from a contribution (it becomes an alias).
- ``javascript:``, ``data:``, ``vbscript:`` and ``file:`` URLs are refused anywhere, and pages never link them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest
import rdflib
from conftest import running_oxigraph
from fastapi.testclient import TestClient
from smartregion.build import build
from smartregion.contribute.erasure import NotAPerson, forget
from smartregion.contribute.harvest import harvest
from smartregion.contribute.model import ContributionError
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app
from test_write_races import home, settings  # noqa: F401 - fixtures: a small project of its own, built

ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
WFBB = ID + "organisation/wfbb"
LEE = ID + "person/madeleine-lee"
BAD_BELZIG = ID + "municipality/bad-belzig"
TOKEN = "rules-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREFIXES = f"""@prefix sr: <{SR}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix schema: <https://schema.org/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""


def content(store: EmbeddedStore) -> list[str]:
    return sorted(line for line in store.dump("nquads").decode("utf-8").splitlines() if line.strip())


@pytest.fixture
def client(project_root: Path, fresh_store: EmbeddedStore) -> Iterator[TestClient]:
    app = create_app(Settings(home=project_root, store_path=fresh_store.path, write_token=TOKEN, query_workers=1))
    with TestClient(app) as test_client:
        yield test_client


def post(client: TestClient, body: bytes | str, media_type: str, **params) -> httpx.Response:
    return client.post("/api/contributions", content=body, params=params, headers={"Content-Type": media_type, **AUTH})


def problems(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return " | ".join(p["message"] for p in response.json()["problems"])


# --- kinds --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "new_class", "says"),
    [
        (WFBB, "Person", "sr:Person and sr:Organisation disjoint"),
        (LEE, "Company", "sr:Organisation and sr:Person disjoint"),
        (BAD_BELZIG, "Event", "sr:Event and sr:TerritorialAuthority disjoint"),
    ],
)
def test_a_contribution_cannot_change_what_an_entity_is(
    client: TestClient, fresh_store: EmbeddedStore, entity: str, new_class: str, says: str
) -> None:
    before = content(fresh_store)
    response = post(client, f'{PREFIXES} <{entity}> a sr:{new_class} .', "text/turtle")
    text = problems(response)
    assert f"<{entity}> cannot be a sr:{new_class}" in text and says in text and "owl:AllDisjointClasses" in text
    assert "leave out rdf:type" in response.json()["problems"][0]["fix"]
    assert content(fresh_store) == before


def test_a_new_entity_cannot_be_two_disjoint_kinds(client: TestClient, fresh_store: EmbeddedStore) -> None:
    body = f'{PREFIXES} <{ID}person/zwitter> a sr:Person , sr:Company ; rdfs:label "Zwitter"@de .'
    assert "the same contribution also makes it" in problems(post(client, body, "text/turtle"))


def test_subclasses_of_one_kind_are_compatible(client: TestClient) -> None:
    """More precise is not different: the WFBB (an economic development agency) may also be called a company."""
    response = post(client, f"{PREFIXES} <{WFBB}> a sr:Company .", "text/turtle")
    assert response.status_code == 201, response.text


def test_a_spreadsheet_cannot_make_an_organisation_a_person(client: TestClient, fresh_store: EmbeddedStore) -> None:
    before = content(fresh_store)
    response = post(client, f"name,iri\nWFBB als Person,{WFBB}\n", "text/csv", kind="persons")
    assert response.status_code == 422, response.text
    first = response.json()["problems"][0]
    assert first["row"] == 2 and "person" in first["message"].lower()
    assert content(fresh_store) == before


def test_forget_refuses_an_organisation_that_a_contribution_typed_as_a_person(client: TestClient, fresh_store: EmbeddedStore) -> None:
    """Contributions from before the kinds check may hold such a statement: forget still refuses, and names
    the source that says what the IRI is."""
    typed = rdflib.Graph().parse(data=f"{PREFIXES} <{WFBB}> a sr:Person .", format="turtle")
    old = ID.replace("/id/", "/contribution/") + "20200101-000000-alt-abcdef"
    fresh_store.replace_graphs({old: typed})
    before = content(fresh_store)
    with pytest.raises(NotAPerson, match=r"makes it a sr:EconomicDevelopmentAgency \(sr:Organisation\)"):
        forget(fresh_store, WFBB, agent="t", dumps_folder=fresh_store.path.parent / "dumps")
    response = client.post("/api/forget", json={"iri": WFBB}, headers=AUTH)
    assert response.status_code == 422 and "forget erases persons only" in response.json()["detail"]
    assert content(fresh_store) == before


def test_forget_erases_a_person_that_contributions_alone_created(client: TestClient, fresh_store: EmbeddedStore) -> None:
    person = ID + "person/nur-beitrag"
    added = post(client, f'{PREFIXES} <{person}> a sr:Person ; rdfs:label "Nur Beitrag"@de .', "text/turtle")
    assert added.status_code == 201, added.text
    erased = client.post("/api/forget", json={"iri": person}, headers=AUTH)
    assert erased.status_code == 200, erased.text
    assert not fresh_store.ask(f"ASK {{ GRAPH ?g {{ <{person}> ?p ?o }} }}")


# --- names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prop", ["rdfs:label", "skos:prefLabel"])
def test_a_contribution_never_replaces_the_name_shown(client: TestClient, fresh_store: EmbeddedStore, prop: str) -> None:
    """A second German name for a seed entity ("AAA" sorts first, and used to be shown) becomes an alias,
    and the answer says so."""
    shown = client.get("/id/organisation/wfbb", headers={"Accept": "text/html"}).text
    response = post(client, f'{PREFIXES} <{WFBB}> {prop} "AAA Übernahme"@de .', "text/turtle")
    assert response.status_code == 201, response.text
    warning = response.json()["warnings"][0]
    assert "kept as skos:altLabel" in warning["message"] and warning["entity"] == WFBB
    graph = response.json()["graph"]
    assert fresh_store.ask(f'ASK {{ GRAPH <{graph}> {{ <{WFBB}> <http://www.w3.org/2004/02/skos/core#altLabel> "AAA Übernahme"@de }} }}')
    assert not fresh_store.ask(f'ASK {{ <{WFBB}> <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel> "AAA Übernahme"@de }}')
    page = client.get("/id/organisation/wfbb", headers={"Accept": "text/html"}).text
    title = shown.split("<h1")[1].split("</h1>")[0]
    assert page.split("<h1")[1].split("</h1>")[0] == title and "AAA" not in title


def test_names_of_a_new_entity_stay_names(client: TestClient) -> None:
    response = post(client, f'{PREFIXES} <{ID}organisation/neu-ag> a sr:Company ; rdfs:label "Neu AG"@de .', "text/turtle")
    assert response.status_code == 201 and response.json()["warnings"] == [], response.text


def test_the_build_makes_a_contributed_name_an_alias_once_a_file_names_the_entity(settings: Settings) -> None:  # noqa: F811
    """Contribution first, file later: the build keeps the contribution's name as an alias, so the name shown
    is the file's."""
    store = EmbeddedStore(settings.store_path)
    from smartregion.contribute.contributions import add_graph
    from smartregion.contribute.model import Provenance

    entity = ID + "organisation/spaeter"
    data = rdflib.Graph().parse(data=f'{PREFIXES} <{entity}> a sr:Company ; rdfs:label "AAA Beitrag"@de .', format="turtle")
    add_graph(store, data, Provenance("t", "t.ttl", "api"))
    (settings.home / "graph" / "later.trig").write_text(
        f"""{PREFIXES} @prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/smartregion/source/later> {{
  <https://w3id.org/smartregion/source/later> a sr:SourceDocument ; dcterms:title "Später"@de ;
      dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> ;
      dcterms:type <{ID}document-kind/project-report> .
  <{entity}> a sr:Company ; rdfs:label "Später GmbH"@de ; dcterms:source <https://w3id.org/smartregion/source/later> .
}}""",
        encoding="utf-8",
    )
    result = build(settings, progress=False)
    assert result.aliased == 1
    labels = {r["l"] for r in store.select(f"SELECT ?l WHERE {{ <{entity}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}")}
    assert labels == {"Später GmbH"}
    assert store.ask(f'ASK {{ <{entity}> <http://www.w3.org/2004/02/skos/core#altLabel> "AAA Beitrag"@de }}')


def test_the_build_refuses_disjoint_kinds_from_files_and_contributions(settings: Settings) -> None:  # noqa: F811
    store = EmbeddedStore(settings.store_path)
    person = ID + "person/anna-alt"
    typed = rdflib.Graph().parse(data=f"{PREFIXES} <{person}> a sr:Company .", format="turtle")
    store.replace_graphs({ID.replace("/id/", "/contribution/") + "20200101-000000-alt-abcdef": typed})
    before = store.revision()
    from smartregion.build import BuildError

    with pytest.raises(BuildError, match=r"anna-alt> is a sr:Company in <.*contribution/.*> and a sr:Person in <.*source/races>"):
        build(settings, progress=False)
    assert store.revision() == before


# --- URLs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "media_type", "says"),
    [
        (f'{PREFIXES} <{WFBB}> schema:url "javascript:alert(1)"^^xsd:anyURI .', "text/turtle",
         'javascript: URLs are refused, as the object of <' + WFBB + '> schema:url "javascript:alert(1)"'),
        (f'{PREFIXES} <{WFBB}> foaf:homepage " JaVa\\tScRiPt:alert(1)" .', "text/turtle", "javascript: URLs are refused"),
        (f"{PREFIXES} <{WFBB}> schema:sameAs <javascript:alert(1)> .", "text/turtle", "as the object of"),
        (f"{PREFIXES} <{WFBB}> owl:sameAs <vbscript:msgbox(1)> .", "text/turtle", "vbscript: URLs are refused"),
        (f"{PREFIXES} <{WFBB}> rdfs:seeAlso <file:///etc/passwd> .", "text/turtle", "file: URLs are refused"),
        (f'<{WFBB}> <http://www.w3.org/2000/01/rdf-schema#seeAlso> "data:text/html,<script>x</script>"^^<http://www.w3.org/2001/XMLSchema#anyURI> .',
         "application/n-triples", "data: URLs are refused"),
        (f'<{WFBB}> <https://schema.org/url> "data:text/html;base64,PHNjcmlwdD4="^^<http://www.w3.org/2001/XMLSchema#anyURI> .',
         "application/n-triples", "data: URLs are refused"),
        (json.dumps({"@id": WFBB, "https://schema.org/url": {"@value": "javascript:alert(1)", "@type": "http://www.w3.org/2001/XMLSchema#anyURI"}}),
         "application/ld+json", "javascript: URLs are refused"),
        (json.dumps({"@id": WFBB, "http://www.w3.org/2002/07/owl#sameAs": {"@id": "javascript:alert(1)"}}),
         "application/ld+json", "javascript: URLs are refused"),
    ],
)
def test_unsafe_urls_are_refused_in_every_rdf_format(
    client: TestClient, fresh_store: EmbeddedStore, body: str, media_type: str, says: str
) -> None:
    before = content(fresh_store)
    response = post(client, body, media_type)
    assert says in problems(response)
    assert "https://" in response.json()["problems"][0]["fix"]
    assert content(fresh_store) == before


def test_a_web_address_that_is_no_url_fails_the_shapes(client: TestClient) -> None:
    """The shapes want http(s) for web-address properties: a scheme the IRI check lets pass still fails there."""
    response = post(client, f'{PREFIXES} <{WFBB}> schema:url "mailto:x@example.org"^^xsd:anyURI .', "text/turtle")
    assert "schema:url is a web address starting with https://" in problems(response)


def test_safe_urls_pass(client: TestClient) -> None:
    body = f'{PREFIXES} <{WFBB}> schema:url "https://example.org/wfbb"^^xsd:anyURI ; owl:sameAs <http://www.wikidata.org/entity/Q1> .'
    assert post(client, body, "text/turtle").status_code == 201


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_unsafe_urls_are_refused_in_spreadsheets_with_row_and_column(client: TestClient, fresh_store: EmbeddedStore, form: str) -> None:
    before = content(fresh_store)
    rows = [["name", "type", "website"], ["Gut AG", "company", "https://example.org/"], ["Böse AG", "company", "javascript:alert(1)"]]
    if form == "csv":
        body, media_type = "\n".join(",".join(r) for r in rows).encode(), "text/csv"
    else:
        workbook = openpyxl.Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        body, media_type = buffer.getvalue(), XLSX
    response = post(client, body, media_type, kind="organisations")
    assert response.status_code == 422, response.text
    [problem] = response.json()["problems"]
    assert (problem["row"], problem["column"]) == (3, "website") and "javascript:alert(1)" in problem["message"]
    assert content(fresh_store) == before


def test_unsafe_urls_are_refused_in_a_harvest(fresh_store: EmbeddedStore, tmp_path: Path) -> None:
    with running_oxigraph(tmp_path / "partner") as partner:
        data = f'<urn:g> {{ <{WFBB}> <https://schema.org/url> "javascript:alert(1)"^^<http://www.w3.org/2001/XMLSchema#anyURI> . }}'
        assert httpx.post(partner.gsp, content=data.encode(), headers={"Content-Type": "application/trig"}).status_code in (200, 204)
        before = content(fresh_store)
        with pytest.raises(ContributionError, match="javascript: URLs are refused, as the object of"):
            harvest(fresh_store, partner.query, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", agent="t")
        assert content(fresh_store) == before


def test_pages_never_link_an_unsafe_url_already_in_the_store(client: TestClient, fresh_store: EmbeddedStore) -> None:
    """A layer under the refusal: data written by other means (a file in graph/, a remote store) is shown, not linked."""
    sneaked = rdflib.Graph().parse(
        data=f'{PREFIXES} <{WFBB}> schema:url "javascript:alert(1)"^^xsd:anyURI ; rdfs:seeAlso <javascript:alert(2)> .', format="turtle"
    )
    fresh_store.replace_graphs({"https://w3id.org/smartregion/source/sneaked": sneaked})
    page = client.get("/id/organisation/wfbb", headers={"Accept": "text/html"}).text
    assert "javascript:alert(1)" in page  # shown as text
    assert 'href="javascript' not in page.lower() and "href='javascript" not in page.lower()
