"""``/map`` and its twin ``/map.geojson`` on the real app: which markers stand where, the filters, bad parameters,
the page's links and headers; then the page in Chromium (Playwright) against uvicorn, with every request that
leaves 127.0.0.1 failing the test, and any script error or CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from live import needs_chromium, watch
from playwright.sync_api import Browser, Page
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app
from smartregion.web.map import MAP_CSP

ID = "https://w3id.org/smartregion/id/"
MPSC = ID + "programme/modellprojekte-smart-cities"
STATIC = Path(__file__).resolve().parents[2] / "service" / "smartregion" / "web" / "static"


@pytest.fixture(scope="module")
def client(built_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=project_root, store_path=built_store.path))) as test_client:
        yield test_client


def markers(client: TestClient, **params: str | list[str]) -> dict:
    response = client.get("/map.geojson", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return response.json()


def test_every_model_project_smart_cities_stands_at_its_members(client: TestClient, built_store: EmbeddedStore) -> None:
    members = {(r["project"], r["place"]) for r in built_store.select(f"""
        SELECT ?project ?place WHERE {{ ?project <https://w3id.org/smartregion/ontology#fundedBy> <{MPSC}> ;
                                           <https://w3id.org/smartregion/ontology#memberMunicipality> ?place }}""")}
    # 72 of the 73: the Verband Region Rhein-Neckar spans three Länder, and the list names no place for it.
    assert len({project for project, _ in members}) == 72
    features = markers(client, programme=MPSC)["features"]
    assert {(f["properties"]["iri"], f["properties"]["place"]) for f in features} == members
    assert {f["properties"]["kind"] for f in features} == {"project"}
    bamberg = next(f for f in features if f["properties"]["iri"] == ID + "project/mpsc-bamberg")
    assert bamberg["geometry"] == {"type": "Point", "coordinates": [10.90067, 49.89873]}  # longitude first
    assert bamberg["properties"]["href"] == "id/project/mpsc-bamberg" and not bamberg["properties"]["approximate"]
    assert bamberg["properties"]["place_label"] == "Bamberg"


def test_actors_and_events_stand_at_their_place(client: TestClient) -> None:
    data = markers(client, lang="en")
    by_kind = {kind: [f["properties"] for f in data["features"] if f["properties"]["kind"] == kind]
               for kind in ("organisation", "event", "territory")}
    assert ID + "event/regionalkonferenz-bad-belzig-2024" in {p["iri"] for p in by_kind["event"]}
    belzig = next(f for f in data["features"] if f["properties"]["iri"] == ID + "event/regionalkonferenz-bad-belzig-2024")
    assert belzig["geometry"]["coordinates"] == [12.59272, 52.14184] and belzig["properties"]["place_label"] == "Bad Belzig"
    assert by_kind["organisation"] and by_kind["territory"]
    assert [k["label"] for k in data["kinds"]] == ["projects", "organisations", "events", "cooperating territories"]
    assert data["programmes"] == [{"iri": MPSC, "label": "Modellprojekte Smart Cities", "href": "id/programme/modellprojekte-smart-cities"}]
    assert "GeoNames, CC BY 4.0" in data["attribution"]


def test_every_marker_links_to_its_page_on_this_instance(client: TestClient) -> None:
    features = markers(client)["features"]
    for href in sorted({f["properties"]["href"] for f in features} | {f["properties"]["place_href"] for f in features}):
        assert not href.startswith(("http:", "https:", "/")), href  # relative: stays on the instance
        page = client.get("/" + href, headers={"Accept": "text/html"})
        assert page.status_code == 200, href
        assert "<h1" in page.text


def test_filters_by_kind_and_programme(client: TestClient) -> None:
    everything = markers(client)["features"]
    events = markers(client, kind="event")["features"]
    assert events and {f["properties"]["kind"] for f in events} == {"event"}
    assert events == [f for f in everything if f["properties"]["kind"] == "event"]
    two = markers(client, kind=["event", "organisation"])["features"]
    assert len(two) == sum(f["properties"]["kind"] in ("event", "organisation") for f in everything)
    assert markers(client, programme="", kind="")["features"] == everything  # the form's "all", sent without script
    without = markers(client, programme="none")["features"]
    assert without and all(f["properties"]["programmes"] == [] for f in without)
    assert len(without) + len(markers(client, programme=MPSC)["features"]) == len(everything)


@pytest.mark.parametrize(("params", "parameter", "words"), [
    ({"kind": "village"}, "kind", "unknown kind 'village'"),
    ({"programme": ID + "programme/nothing"}, "programme", "no marker belongs to"),
])
def test_a_bad_filter_is_a_problem_that_names_the_parameter(client: TestClient, params: dict, parameter: str, words: str) -> None:
    for path in ("/map.geojson", "/map"):
        response = client.get(path, params=params)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["parameter"] == parameter and words in problem["detail"] and problem["hint"]
    assert markers(client)["features"]  # and the map still answers


def test_the_page_and_its_twin_by_accept(client: TestClient) -> None:
    page = client.get("/map?lang=en", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-security-policy"] == MAP_CSP
    html = page.text
    assert '<a href="map">Map</a>' in html  # in the site header
    assert 'src="static/vendor/leaflet/leaflet.js"' in html and 'src="static/map.js"' in html
    assert 'href="map.geojson" title="GeoJSON"' in html
    assert '<a href="id/project/mpsc-bamberg">Modellprojekt Smart Cities Bamberg</a>' in html  # the list without script
    filtered = client.get("/map?kind=event&programme=&lang=en", headers={"Accept": "text/html"}).text  # the form, no script
    assert 'href="id/event/regionalkonferenz-bad-belzig-2024"' in filtered and "mpsc-bamberg" not in filtered
    assert 'value="project">' in filtered and 'value="event" checked>' in filtered
    twin = client.get("/map", headers={"Accept": "application/geo+json"})
    assert twin.headers["content-type"] == "application/geo+json" and twin.json()["type"] == "FeatureCollection"
    refused = client.get("/map", headers={"Accept": "text/csv"})
    assert refused.status_code == 406 and refused.json()["offered"] == ["text/html", "application/geo+json"]


def test_the_outline_and_leaflet_are_served_with_their_licences(client: TestClient) -> None:
    outline = client.get("/static/vendor/natural-earth/germany.geojson").json()
    kinds = {f["properties"]["kind"]: f["geometry"] for f in outline["features"]}
    assert kinds["country"]["type"] == "MultiPolygon" and kinds["state-boundaries"]["type"] == "MultiLineString"
    lats = [lat for polygon in kinds["country"]["coordinates"] for ring in polygon for _, lat in ring]
    assert 47.2 < min(lats) < 47.4 and 54.9 < max(lats) < 55.1  # from the Alps to Sylt
    assert "Natural Earth" in outline["attribution"]
    assert "Volodymyr Agafonkin" in (STATIC / "vendor" / "leaflet" / "LICENSE").read_text(encoding="utf-8")
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


# -- in the browser ---------------------------------------------------------------------------------------------


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = watch(page, base_url)  # a tile server or a CDN asked fails the test: the map works offline
    page.goto(base_url + "/map?lang=en")
    page.wait_for_selector("#map[data-ready=true]", timeout=30_000)
    yield page
    assert problems == []  # no script error, no CSP violation (reported as a console error), nothing from elsewhere
    page.close()


@needs_chromium
def test_the_map_shows_every_marker_on_the_outline(page: Page, base_url: str) -> None:
    data = httpx.get(base_url + "/map.geojson").json()
    assert page.locator("path.map-marker").count() == len(data["features"]) > 73
    assert page.locator("path.map-marker-project").count() == sum(f["properties"]["kind"] == "project" for f in data["features"])
    assert page.locator("path.leaflet-interactive").count() == len(data["features"])  # the outline is not clickable
    assert page.locator(".leaflet-overlay-pane path").count() > len(data["features"])  # Germany and the state lines
    assert page.inner_text("#map-count") == f"{len(data['features'])} markers"
    assert "Natural Earth" in page.inner_text(".leaflet-control-attribution")


@needs_chromium
def test_filters_hide_and_show_markers(page: Page, base_url: str) -> None:
    data = httpx.get(base_url + "/map.geojson").json()
    kinds = [f["properties"]["kind"] for f in data["features"]]
    page.uncheck("#map-filters input[value='project']")
    assert page.locator("path.map-marker").count() == len(kinds) - kinds.count("project")
    assert page.locator("path.map-marker-project").count() == 0
    assert "kind=organisation" in page.url and "kind=project" not in page.url  # the view can be linked
    page.check("#map-filters input[value='project']")
    page.select_option("#map-programme", MPSC)
    assert page.locator("path.map-marker").count() == len(httpx.get(base_url + "/map.geojson", params={"programme": MPSC}).json()["features"])
    assert page.locator("path.map-marker").count() == page.locator("path.map-marker-project").count()
    page.select_option("#map-programme", "none")
    assert page.locator("path.map-marker-project").count() < kinds.count("project")


@needs_chromium
def test_a_marker_leads_to_its_page(page: Page, base_url: str) -> None:
    marker = page.locator(f"path.map-marker[data-iri='{ID}project/mpsc-bamberg']")
    marker.click()
    link = page.locator(".leaflet-popup-content a.map-popup-link")
    assert link.inner_text() == "Modellprojekt Smart Cities Bamberg"
    link.click()
    page.wait_for_url(base_url + "/id/project/mpsc-bamberg")
    assert "Modellprojekt Smart Cities Bamberg" in page.inner_text("h1")
