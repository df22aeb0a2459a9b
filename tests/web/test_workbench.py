"""The workbench on the real app over the built graph: which client gets the editor at /sparql, the
vocabulary it completes from, question pages and names for IRI parameters, browsing with facets, the
catalogue and home page for people, and the OpenAPI description of /sparql."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from smartregion.settings import Settings
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def client(built_store, project_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=project_root, store_path=built_store.path))) as test_client:
        yield test_client


# -- /sparql: the editor for browsers, the protocol for everyone else --------------------------------


def test_a_browser_gets_the_editor_with_the_query_and_limits(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": FIREFOX, "Accept-Language": "en"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<textarea id="query" name="query"' in response.text and ">ASK {}</textarea>" in response.text
    assert "Limits per query: 30 s of time, 10,000 rows" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "connect-src 'self'" in csp and "unsafe" not in csp


@pytest.mark.parametrize(("accept", "params", "media_type"), [
    ("*/*", {"query": "ASK {}"}, "application/sparql-results+json"),
    (None, {"query": "ASK {}"}, "application/sparql-results+json"),
    (FIREFOX, {"query": "ASK {}", "format": "xml"}, "application/sparql-results+xml"),
    ("*/*", {}, "text/turtle"),
    ("application/sparql-results+json, text/html;q=0.5", {"query": "ASK {}"}, "application/sparql-results+json"),
])
def test_every_other_client_keeps_the_protocol(client: TestClient, accept: str | None, params: dict, media_type: str) -> None:
    response = client.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    if "query" in params and media_type.endswith("json"):
        assert response.json()["boolean"] is True


def test_the_vocabulary_lists_prefixes_and_the_ontologys_terms(client: TestClient) -> None:
    vocabulary = client.get("/api/vocabulary").json()
    assert vocabulary["prefixes"]["sr"] == SR
    classes = {c["iri"]: c["labels"] for c in vocabulary["classes"]}
    assert classes[SR + "Municipality"]["en"] == "municipality"
    assert SR + "fundedBy" in {p["iri"] for p in vocabulary["properties"]}


def test_openapi_describes_the_request_bodies_and_media_types_of_sparql(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()["paths"]["/sparql"]
    assert set(spec["post"]["requestBody"]["content"]) == {"application/x-www-form-urlencoded", "application/sparql-query"}
    answers = set(spec["post"]["responses"]["200"]["content"])
    assert {"application/sparql-results+json", "text/csv", "text/turtle", "application/ld+json"} <= answers
    assert "text/html" in spec["get"]["responses"]["200"]["content"]


# -- questions ----------------------------------------------------------------------------------------


def test_the_question_list_in_html_and_json(client: TestClient) -> None:
    page = client.get("/questions", headers={"Accept": FIREFOX}).text
    assert 'href="questions/partners_of_actor"' in page
    listed = client.get("/questions.json").json()["queries"]
    assert client.get("/questions", headers=JSON).json()["queries"] == listed
    assert "partners_of_actor" in {q["name"] for q in listed}


@pytest.mark.parametrize("name", ["WFBB", "Wirtschaftsförderung Brandenburg", "id/organisation/wfbb", ID + "organisation/wfbb"])
def test_an_iri_parameter_takes_a_name_or_abbreviation(client: TestClient, name: str) -> None:
    answer = client.get("/api/queries/partners_of_actor", params={"actor": name}).json()
    assert answer["parameters"] == {"actor": ID + "organisation/wfbb"}
    assert "Neuland21" in {row["partnerLabel"] for row in answer["rows"]}


def test_an_iri_parameter_takes_an_official_key(client: TestClient) -> None:
    answer = client.get("/api/queries/partners_of_actor", params={"actor": "12069020"}).json()  # AGS of Bad Belzig
    assert answer["parameters"] == {"actor": ID + "municipality/bad-belzig"}
    assert "Wiesenburg/Mark" in {row["partnerLabel"] for row in answer["rows"]}


@pytest.mark.parametrize("path", ["/api/queries/partners_of_actor", "/questions/partners_of_actor.json"])
def test_a_name_with_several_candidates_is_a_400_listing_them(client: TestClient, path: str) -> None:
    response = client.get(path, params={"actor": "Neu-Ulm"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == "actor"
    assert {c["iri"] for c in problem["candidates"]} == {ID + "municipality/neu-ulm", ID + "district/neu-ulm"}
    assert "Give the IRI" in problem["hint"]


def test_an_unknown_name_is_a_422_and_the_page_keeps_the_form(client: TestClient) -> None:
    response = client.get("/api/queries/partners_of_actor", params={"actor": "Nirgendwo-Gesellschaft"})
    assert response.status_code == 422 and response.json()["parameter"] == "actor"
    page = client.get("/questions/partners_of_actor", params={"actor": "Nirgendwo-Gesellschaft"}, headers={"Accept": FIREFOX})
    assert page.status_code == 422
    assert "Nirgendwo-Gesellschaft" in page.text and 'id="error"' in page.text and 'name="actor"' in page.text


def test_a_question_page_answers_with_a_linked_table_editor_link_and_downloads(client: TestClient) -> None:
    page = client.get("/questions/partners_of_actor", params={"actor": "WFBB"}, headers={"Accept": FIREFOX}).text
    assert '<a href="../id/organisation/neuland21" title="' + ID + 'organisation/neuland21">Neuland21</a>' in page
    assert 'id="open-editor" href="../sparql?query=' in page
    assert "format=csv" in page and "PREFIX sr:" in page
    twin = client.get("/questions/partners_of_actor.json", params={"actor": "WFBB"}).json()
    assert twin["values"] == {"actor": ID + "organisation/wfbb"} and "Neuland21" in {r["partnerLabel"] for r in twin["rows"]}
    assert client.get("/questions/nope.json").status_code == 404


# -- browsing -----------------------------------------------------------------------------------------


def test_browse_counts_the_classes(client: TestClient) -> None:
    classes = {c["name"]: c["count"] for c in client.get("/browse.json").json()["classes"]}
    assert classes["State"] == 16 and classes["Municipality"] > 10000
    assert 'href="browse/Municipality"' in client.get("/browse", headers={"Accept": FIREFOX}).text


def test_two_facets_combine_and_count(client: TestClient) -> None:
    one = client.get("/browse/Municipality.json", params={"state": "id/state/brandenburg", "size": 500}).json()
    both = client.get("/browse/Municipality.json", params={"state": "id/state/brandenburg",
                                                           "district": "id/district/potsdam-mittelmark"}).json()
    assert one["count"] == 413 and 0 < both["count"] < one["count"]
    assert ID + "municipality/bad-belzig" in {i["iri"] for i in client.get(
        "/browse/Municipality.json", params={"state": "id/state/brandenburg", "district": "id/district/potsdam-mittelmark",
                                             "size": 500}).json()["items"]}
    districts = {f["value"]: f["count"] for f in one["facets"]["district"]}
    assert districts[ID + "district/potsdam-mittelmark"] == both["count"]
    assert client.get("/browse/Municipality", params={"state": "id/state/brandenburg"}, headers=JSON).json()["count"] == 413


def test_events_by_year_sorted_by_date_and_paged(client: TestClient) -> None:
    first = client.get("/browse/Event.json", params={"year": "2021", "sort": "-date", "size": 2}).json()
    second = client.get("/browse/Event.json", params={"year": "2021", "sort": "-date", "size": 2, "page": 2}).json()
    dates = [i["date"] for i in first["items"] + second["items"]]
    assert all(d.startswith("2021") for d in dates) and dates == sorted(dates, reverse=True)
    assert {f["value"] for f in first["facets"]["year"]} >= {"2021"}


@pytest.mark.parametrize(("path", "params", "status", "parameter"), [
    ("/browse/Nope.json", {}, 404, None),
    ("/browse/Event.json", {"year": "21"}, 422, "year"),
    ("/browse/Event.json", {"colour": "red"}, 422, "colour"),
    ("/browse/Event.json", {"state": "not an iri"}, 422, "state"),
    ("/browse/Event.json", {"page": "0"}, 422, "page"),
    ("/browse/Event.json", {"sort": "size"}, 422, "sort"),
])
def test_bad_browse_parameters_say_what_to_fix(client: TestClient, path: str, params: dict, status: int, parameter: str | None) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem.get("parameter") == parameter and problem["hint"]


def test_an_unknown_class_in_a_browser_gets_a_page_that_helps(client: TestClient) -> None:
    response = client.get("/browse/Municipalities", headers={"Accept": FIREFOX})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "Municipality" in response.text and 'name="q"' in response.text


# -- catalogue and home ------------------------------------------------------------------------------


def test_the_catalogue_is_a_page_for_browsers_and_rdf_for_others(client: TestClient) -> None:
    page = client.get("/catalog", headers={"Accept": FIREFOX, "Accept-Language": "en"}).text
    assert "smartregion.ttl.gz" in page and "SHA-256" in page and "CC BY 4.0" in page
    assert 'href="sparql"' in page  # the endpoint, linked on this instance
    assert client.get("/catalog", headers={"Accept": "text/turtle"}).headers["content-type"].startswith("text/turtle")
    assert client.get("/catalog").headers["content-type"].startswith("text/turtle")
    assert client.get("/catalog", params={"format": "jsonld"}, headers={"Accept": FIREFOX}).headers["content-type"].startswith(
        "application/ld+json")


def test_home_cards_lead_to_pages_and_the_overview_into_browse(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": FIREFOX}).text
    for href in ('href="sparql"', 'href="questions"', 'href="browse"', 'href="catalog"'):
        assert href in page
    assert 'href="browse/Municipality"' in page
    assert 'href="browse/Actor?state=id%2Fstate%2Fbrandenburg"' in page
    assert "api/queries\"" not in page
