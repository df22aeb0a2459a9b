"""The HTML pages on the real app: what an entity, source, ontology, home and 404 page show, in which
language, with which headers, and that nothing from the data can inject markup or script."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import OWL, RDF
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web import network as network_api
from smartregion.web import pages
from smartregion.web.app import create_app

BASE = "https://w3id.org/smartregion/"
ID = BASE + "id/"
SR = rdflib.Namespace(BASE + "ontology#")
NEULAND21 = "/id/organisation/neuland21"
DEPLOYED = "https://smartregion.example.org/"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Page(HTMLParser):
    """The parts of a page the tests look at: links with their text, element ids, scripts, meta tags."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: dict[str, str] = {}  # id → tag
        self.scripts: list[tuple[str | None, str]] = []  # (type, content)
        self.meta: dict[str, str] = {}
        self.stylesheets: list[str] = []
        self.canonical: str | None = None
        self._href: str | None = None
        self._text: list[str] = []
        self._script: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "a" and a.get("href") is not None:
            self._href, self._text = a["href"], []
        elif tag == "script":
            self._script = a.get("type") or ""
            self._text = []
        elif tag == "meta" and "name" in a:
            self.meta[a["name"]] = a.get("content") or ""
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None
        elif tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def hrefs_of(self, text: str) -> list[str]:
        return [href for href, label in self.links if label == text]


def resolve(page_path: str, href: str) -> str:
    """The path a relative link on a page leads to."""
    return urlsplit(urljoin("http://testserver" + page_path, href)).path


@pytest.fixture(scope="module")
def client(built_store, project_root: Path) -> Iterator[TestClient]:
    settings = Settings(home=project_root, store_path=built_store.path, base_url=DEPLOYED)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def html(client: TestClient, path: str, lang: str = "de", **headers: str) -> tuple[str, Page]:
    response = client.get(path, headers={"Accept": FIREFOX, "Accept-Language": lang, **headers})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text, Page(response.text)


def test_entity_page_shows_statements_with_labels_and_sources(client: TestClient) -> None:
    text, page = html(client, NEULAND21)
    assert "<h1>Neuland21</h1>" in text
    # The person who holds a role in it, linked to her own page.
    assert [resolve(NEULAND21, h) for h in page.hrefs_of("Madeleine Lee")][0] == "/id/person/madeleine-lee"
    # The source of the statements, by its title, linked to the source's page.
    assert resolve(NEULAND21, page.hrefs_of("Smart Country Brandenburg @ SCCON21")[0]) == "/source/sccon21-smart-country-brandenburg"
    assert 'title="Smart Country Brandenburg @ SCCON21">[1]</a>' in text
    # Statements name their objects by label in the page's language, and literals keep their language.
    assert resolve(NEULAND21, page.hrefs_of("Mobiles Arbeiten")[0]) == "/id/topic/remote-work"
    assert '<span lang="de">Neuland21</span> <span class="tag">@de</span>' in text
    # Properties by their labels from the ontology, linked to their definitions.
    assert resolve(NEULAND21, page.hrefs_of("Thema")[0]) == "/ontology"
    assert page.hrefs_of("Thema")[0].endswith("#dcterms:subject")
    # Incoming links: events it organises.
    assert resolve(NEULAND21, page.hrefs_of("Brandenburg Remote")[0]) == "/id/event/brandenburg-remote"
    assert page.ids["incoming"] == "section" and page.ids["sources"] == "section"


def test_entity_page_shows_the_latest_population_with_date_and_source(client: TestClient) -> None:
    belzig = "/id/municipality/bad-belzig"
    text, page = html(client, belzig)
    assert page.ids["population"] == "section"
    section = text[text.index('<section id="population">'):]
    section = section[: section.index("</section>")]
    # The announcement of 7 Aug 2024 is later than the register's 31 Dec 2022: its figure is shown, as worded.
    assert '<span class="figure">8.000</span>' in section and "„rund 8.000“" in section and "Stand 2024-08-07" in section
    assert 'title="Dörfer, Daten, Daseinsvorsorge – 16. Regionalkonferenz für Smart Cities">' in section
    assert "11.172" not in section
    link = [h for h in page.hrefs_of("alle 2 Zahlen mit Stichtag und Quelle")][0]
    answer = client.get(urljoin(belzig, link), headers={"Accept": "application/json"}).json()
    figures = [(row["referenceDate"], row["inhabitants"]) for row in answer["rows"]]
    assert figures == [("2022-12-31", "11172"), ("2024-08-07", "8000")]
    # A place with one figure shows it without the link; an organisation has none.
    text, page = html(client, "/id/municipality/wiesenburg-mark")
    assert '<span class="figure">4.253</span>' in text and not page.hrefs_of("alle 1 Zahlen mit Stichtag und Quelle")
    assert 'id="population"' not in html(client, NEULAND21)[0]


def test_entity_page_lists_partners_from_the_network(client: TestClient) -> None:
    text, page = html(client, "/id/organisation/wfbb")
    partners = text[text.index('id="partners"'):text.index('id="incoming"')]
    neuland = partners[partners.index(">Neuland21</a>"):]
    assert re.search(r"Gewicht \d+ · Kooperation", neuland)
    assert "Kooperation zur Session" in neuland  # the evidence, by label
    assert resolve("/id/organisation/wfbb", page.hrefs_of("Auf der Netzwerkkarte ansehen")[0]) == "/network"


def test_entity_page_embeds_schema_org_for_search_engines(client: TestClient) -> None:
    _, page = html(client, NEULAND21)
    blocks = [json.loads(content) for kind, content in page.scripts if kind == "application/ld+json"]
    assert len(blocks) == 1
    data = blocks[0]
    assert data["@context"] == "https://schema.org" and data["@id"] == ID + "organisation/neuland21"
    assert data["name"] == "Neuland21" and "Organization" in data["@type"]
    assert data["mainEntityOfPage"] == DEPLOYED + "id/organisation/neuland21"
    event = client.get("/id/event/sccon21-mobile-arbeit-auf-dem-land", headers={"Accept": FIREFOX}).text
    schema = json.loads(Page(event).scripts[0][1])
    assert schema["@type"] == "Event"
    organisers = {o["@id"] for o in schema["organizer"]}  # sr:coOrganizer is a sub-property of schema:organizer
    assert ID + "organisation/neuland21" in organisers


def test_pages_run_no_script_and_send_security_headers(client: TestClient) -> None:
    for path in (NEULAND21, "/ontology", "/source/sccon21-smart-country-brandenburg", "/", "/?q=WFBB"):
        response = client.get(path, headers={"Accept": FIREFOX})
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        page = Page(response.text)
        assert all(kind == "application/ld+json" for kind, _ in page.scripts), path
        assert page.meta["viewport"] == "width=device-width, initial-scale=1"
        assert [resolve(path, s) for s in page.stylesheets] == ["/static/pages.css"]
    css = client.get("/static/pages.css")
    assert css.status_code == 200 and "@media" in css.text
    # The network map keeps its own policy (it runs its scripts).
    assert client.get("/network").headers["content-security-policy"] == network_api.PAGE_CSP


def test_canonical_url_is_where_the_service_is_deployed(client: TestClient) -> None:
    _, page = html(client, NEULAND21)
    assert page.canonical == DEPLOYED + "id/organisation/neuland21"


def test_language_by_accept_language_switch_and_cookie(client: TestClient) -> None:
    def heading(text: str, anchor: str) -> str:
        return re.search(rf'id="{anchor}">\s*<h3><a class="anchor" href="#{anchor}">([^<]+)</a>', text).group(1)

    german, page = html(client, "/ontology", "de-DE,de;q=0.9,en;q=0.5")
    english, _ = html(client, "/ontology", "en-GB,en;q=0.9")
    assert '<html lang="de">' in german and '<html lang="en">' in english
    assert heading(german, "Municipality") == "Gemeinde" and heading(english, "Municipality") == "municipality"
    assert "Eine Gemeinde oder Stadt." in german and "A municipality (Gemeinde, town or city)." in english
    assert heading(german, "coOrganizer") == "Mitveranstalter" and heading(english, "coOrganizer") == "co-organiser"
    # The switch on every page, and what it does: ?lang= wins over Accept-Language and is remembered.
    assert page.hrefs_of("English") == ["?lang=en"]
    switched = client.get("/ontology?lang=en", headers={"Accept": FIREFOX, "Accept-Language": "de"})
    assert heading(switched.text, "Municipality") == "municipality"
    assert switched.cookies.get("lang") == "en"
    remembered = client.get(NEULAND21, headers={"Accept": FIREFOX, "Accept-Language": "de"}, cookies={"lang": "en"})
    assert '<html lang="en">' in remembered.text and "Statements" in remembered.text
    client.cookies.clear()


def test_ontology_page_has_every_term_of_the_ontology_with_an_anchor(client: TestClient, project_root: Path) -> None:
    text, page = html(client, "/ontology")
    ontology = rdflib.Graph().parse(project_root / "ontology" / "smartregion.ttl")
    own = {str(t) for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
           for t in ontology.subjects(RDF.type, kind) if str(t).startswith(str(SR))}
    assert len(own) > 50
    for term in own:
        assert page.ids.get(term[len(str(SR)):]) == "section", term
    # Super-classes and -properties, linked within the page.
    person = text[text.index('id="Person"'):]
    person = person[:person.index("</section>")]
    assert 'href="ontology#schema:Person"' in person and 'href="ontology#Actor"' in person
    assert page.ids["schema:Person"] == "section"
    keynote = text[text.index('id="keynoteSpeaker"'):]
    assert 'href="ontology#speaker"' in keynote[:keynote.index("</section>")]


def test_source_page_says_what_the_source_states(client: TestClient) -> None:
    path = "/source/sccon21-smart-country-brandenburg"
    text, page = html(client, path)
    assert "<h1>Smart Country Brandenburg @ SCCON21</h1>" in text
    about = text[text.index('id="about"'):text.index('id="states"')]
    assert ">Wirtschaftsförderung Brandenburg</a>" in about and ">Deutsch</a>" in about
    assert ">Veranstaltungsankündigung</a>" in about
    assert resolve(path, page.hrefs_of("Neuland21")[0]) == NEULAND21
    states = text[text.index('id="states"'):text.index('id="statements"')]
    organisation = states[states.index(">Organisation</a>"):]
    assert ">Neuland21</a>" in organisation[:organisation.index("</details>")]


def test_source_page_lists_a_class_up_to_a_limit(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "MEMBERS_SHOWN", 2)
    text, _ = html(client, "/source/sccon21-smart-country-brandenburg")
    states = text[text.index('id="states"'):text.index('id="statements"')]
    organisation = states[states.index(">Organisation</a>"):]
    organisation = organisation[:organisation.index("</details>")]
    count = int(re.search(r'<span class="count">\((\d+)\)</span>', organisation).group(1))
    assert count > 2 and organisation.count("<li>") == 2
    assert "Die ersten 2 werden gezeigt" in organisation


def test_home_page_searches_without_javascript(client: TestClient) -> None:
    text, page = html(client, "/?q=WFBB")
    assert 'role="search"' in text and 'action="./"' in text
    assert resolve("/", page.hrefs_of("Wirtschaftsförderung Brandenburg")[0]) == "/id/organisation/wfbb"
    assert resolve("/", page.hrefs_of("als JSON")[0]) == "/api/search"
    targets = {resolve("/", href) for href, _ in page.links}
    assert {"/network", "/sparql", "/questions", "/browse", "/docs", "/catalog", "/ontology"} <= targets
    assert "/source/sccon21-smart-country-brandenburg" in targets


XSS_TTL = """
@prefix sr: <https://w3id.org/smartregion/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/smartregion/id/organisation/evil> a sr:Organisation ;
    rdfs:label "<script>alert('label')</script>"@de ;
    rdfs:comment "</script><script>alert('comment')</script>\\" onmouseover=\\"alert(1)"@en ;
    schema:url <javascript:alert('url')> ;
    dcterms:source <https://w3id.org/smartregion/source/evil> .
<https://w3id.org/smartregion/id/organisation/other> a sr:Organisation ;
    rdfs:label "<img src=x onerror=alert('partner')>"@de ;
    sr:sisterOrganisation <https://w3id.org/smartregion/id/organisation/evil> .
<https://w3id.org/smartregion/source/evil> a sr:SourceDocument ;
    dcterms:title "<b>bold</b> title"@de .
"""


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Iterator[TestClient]:
    """An app over a store whose data tries to inject markup and script."""
    path = tmp_path_factory.mktemp("xss") / "store"
    graph = rdflib.Graph().parse(data=XSS_TTL, format="turtle")
    EmbeddedStore(path).replace_all({BASE + "source/evil": graph})
    with TestClient(create_app(Settings(home=project_root, store_path=path))) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/id/organisation/evil", "/id/organisation/other", "/source/evil",
                                  "/?q=script", "/id/organisation/evil-script"])
def test_nothing_from_the_data_is_markup(evil_client: TestClient, path: str) -> None:
    response = evil_client.get(path, headers={"Accept": FIREFOX})
    assert response.status_code in (200, 404)
    text = response.text
    assert "<script>alert" not in text and "<img src=x" not in text and "<b>bold</b>" not in text
    assert "&lt;script&gt;alert(" in text or "&lt;img src=x" in text or "&lt;b&gt;bold" in text
    page = Page(text)
    assert all(not href.lower().startswith("javascript:") for href, _ in page.links)
    for kind, content in page.scripts:
        assert kind == "application/ld+json"
        assert "</script" not in content.lower() and "<!--" not in content
        json.loads(content)  # the data block is still valid JSON


def test_javascript_iri_is_shown_but_never_linked(evil_client: TestClient) -> None:
    text = evil_client.get("/id/organisation/evil", headers={"Accept": FIREFOX}).text
    assert "javascript:alert(&#39;url&#39;)" in text
    assert 'href="javascript' not in text.lower()
