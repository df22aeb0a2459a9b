"""Events by date (issue 16, point 2): ``/events`` as HTML and JSON, upcoming and past by month, filtered by
region, topic, organiser and kind; ``/events.ics`` parsed back with ``icalendar``; each event's own ``.ics``.

A contribution adds three events to a copy of the built store: one in 2099 (upcoming, date-times), one on a
day without a time, and one whose source gives only the month.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import rdflib
from fastapi.testclient import TestClient
from smartregion.contribute.contributions import add_graph
from smartregion.contribute.model import Provenance
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
DEPLOYED = "https://events.example.org/"
BAD_BELZIG_2024 = ID + "event/regionalkonferenz-bad-belzig-2024"
FUTURE = ID + "event/netmap-zukunftstag-2099"
ALL_DAY = ID + "event/netmap-ganztags-2098"
MONTH_ONLY = ID + "event/netmap-irgendwann-2097"
TURTLE = f"""
@prefix sr: <https://w3id.org/smartregion/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix dcterms: <http://purl.org/dc/terms/> .
<{FUTURE}> a sr:Workshop ; rdfs:label "Zukunftstag Smarte Dörfer"@de ;
  schema:startDate "2099-03-04T09:30:00+01:00"^^xsd:dateTime ; schema:endDate "2099-03-04T16:00:00+01:00"^^xsd:dateTime ;
  schema:location <{ID}municipality/cottbus-chosebuz> ; schema:organizer <{ID}organisation/wfbb> ;
  dcterms:subject <{ID}topic/smart-city> ; rdfs:comment "Ein Testtag."@de .
<{ALL_DAY}> a sr:Conference ; rdfs:label "Ganztägige Testkonferenz"@de ;
  schema:startDate "2098-06-01"^^xsd:date ; schema:endDate "2098-06-02"^^xsd:date ;
  schema:location <{ID}municipality/bad-belzig> .
<{MONTH_ONLY}> a sr:Event ; rdfs:label "Testtreffen irgendwann im Mai"@de ;
  schema:startDate "2097-05"^^xsd:gYearMonth ; schema:location <{ID}municipality/bad-belzig> .
"""


@pytest.fixture(scope="module")
def client(module_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    add_graph(module_store, rdflib.Graph().parse(data=TURTLE, format="turtle"), Provenance("Test", "events.ttl", "api"))
    settings = Settings(home=project_root, store_path=module_store.path, base_url=DEPLOYED, query_workers=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def iris(events: list[dict]) -> list[str]:
    return [e["iri"] for e in events]


def test_json_lists_upcoming_and_past_by_date(client: TestClient) -> None:
    data = client.get("/events", headers={"Accept": "application/json"}).json()
    assert data["today"] == datetime.now(UTC).date().isoformat()
    assert iris(data["upcoming"]) == [MONTH_ONLY, ALL_DAY, FUTURE]  # soonest first
    past = iris(data["past"])
    assert past[0] == BAD_BELZIG_2024  # most recent first
    assert len(past) > 5 and FUTURE not in past
    starts = [e["start"]["value"] for e in data["past"]]
    assert starts == sorted(starts, reverse=True)
    future = data["upcoming"][2]
    assert future["start"] == {"value": "2099-03-04T09:30:00+01:00", "precision": "datetime"}
    assert future["kinds"] == ["Workshop"]
    assert future["organisers"] == [{"iri": ID + "organisation/wfbb", "label": "Wirtschaftsförderung Brandenburg"}]
    assert future["page"] == DEPLOYED + "id/event/netmap-zukunftstag-2099"
    assert future["ics"] == DEPLOYED + "id/event/netmap-zukunftstag-2099.ics"
    assert data["upcoming"][0]["start"]["precision"] == "month" and data["upcoming"][0]["ics"] is None
    assert data["undated"] > 0
    assert client.get("/events.json").json()["upcoming"] == data["upcoming"]


SCCON21_WFBB = {ID + "event/" + slug for slug in ("sccon21-brandenburg-sachsen-anhalt-kooperieren",
                                                  "sccon21-smart-country-brandenburg", "sccon21-mobile-arbeit-auf-dem-land")}


@pytest.mark.parametrize(("params", "expected"), [
    ({"region": "Brandenburg"}, {FUTURE, ALL_DAY, MONTH_ONLY, BAD_BELZIG_2024}),
    ({"region": ID + "municipality/cottbus-chosebuz"}, {FUTURE}),
    ({"region": "Bayern"}, set()),  # a place the graph knows, without events
    ({"organiser": "WFBB"}, {FUTURE, *SCCON21_WFBB}),
    ({"organiser": "WFBB", "region": "Brandenburg"}, {FUTURE}),
    ({"kind": "Conference"}, {ALL_DAY, BAD_BELZIG_2024}),
    ({"kind": "Konferenz", "region": "Bad Belzig"}, {ALL_DAY, BAD_BELZIG_2024}),
    ({"topic": ID + "topic/smart-city", "region": "Brandenburg"}, {FUTURE, BAD_BELZIG_2024}),
])
def test_filters(client: TestClient, params: dict, expected: set[str]) -> None:
    data = client.get("/events.json", params=params).json()
    assert set(iris(data["upcoming"] + data["past"])) == expected


def test_a_filter_naming_nothing_is_a_404_that_says_what_there_is(client: TestClient) -> None:
    response = client.get("/events.json", params={"kind": "Tanzabend"})
    assert response.status_code == 404
    problem = response.json()
    assert problem["parameter"] == "kind" and "Tanzabend" in problem["detail"]
    assert "Conference" in problem["hint"] and "Workshop" in problem["hint"]
    assert client.get("/events.ics", params={"topic": "Quantenkochen"}).status_code == 404
    assert client.get("/events.json").status_code == 200  # still up


def test_the_calendar_parses_with_icalendar_and_states_dates_as_given(client: TestClient) -> None:
    response = client.get("/events.ics", params={"region": "Brandenburg", "lang": "en"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["version"]) == "2.0" and "Brandenburg" in str(cal["x-wr-calname"])
    entries = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert MONTH_ONLY not in entries  # a month is not a day
    future = entries[FUTURE]
    assert future.decoded("dtstart") == datetime(2099, 3, 4, 8, 30, tzinfo=UTC)
    assert future.decoded("dtend") == datetime(2099, 3, 4, 15, 0, tzinfo=UTC)
    assert str(future["summary"]) == "Zukunftstag Smarte Dörfer"
    assert str(future["url"]) == DEPLOYED + "id/event/netmap-zukunftstag-2099"
    assert "Cottbus" in str(future["location"])
    assert str(future["organizer"]) == DEPLOYED + "id/organisation/wfbb"
    assert future["organizer"].params["cn"] == "Wirtschaftsförderung Brandenburg"
    assert "Organisers: Wirtschaftsförderung Brandenburg" in str(future["description"])
    all_day = entries[ALL_DAY]
    assert all_day.decoded("dtstart") == date(2098, 6, 1)
    assert all_day.decoded("dtend") == date(2098, 6, 3)  # the day after the last day
    assert entries[BAD_BELZIG_2024].decoded("dtstart") == datetime(2024, 9, 5, 8, 0, tzinfo=UTC)
    by_wfbb = icalendar.Calendar.from_ical(client.get("/events.ics", params={"organiser": "WFBB"}).content)
    assert {str(e["uid"]) for e in by_wfbb.walk("VEVENT")} == {FUTURE, *SCCON21_WFBB}


def test_each_event_page_offers_its_own_calendar_file(client: TestClient) -> None:
    page = client.get("/id/event/netmap-zukunftstag-2099", params={"lang": "en"}).text
    assert 'href="netmap-zukunftstag-2099.ics"' in page and "Add to calendar (.ics)" in page
    one = icalendar.Calendar.from_ical(client.get("/id/event/netmap-zukunftstag-2099.ics").content)
    assert [str(e["uid"]) for e in one.walk("VEVENT")] == [FUTURE]
    assert ".ics" not in client.get("/id/event/netmap-irgendwann-2097").text  # no day, no calendar entry
    partial = client.get("/id/event/netmap-irgendwann-2097.ics")
    assert partial.status_code == 404 and "2097-05" in partial.json()["detail"]
    assert client.get("/id/event/no-such-event.ics").status_code == 404


def test_the_html_page_groups_by_month_in_both_languages(client: TestClient) -> None:
    english = client.get("/events", params={"lang": "en"}).text
    assert "<h2>Upcoming</h2>" in english and "<h2>Past</h2>" in english
    assert "March 2099" in english and "September 2024" in english
    assert english.index("May 2097") < english.index("June 2098") < english.index("March 2099")
    assert "2099-03-04 09:30–16:00" in english
    assert "Part of <a" in english and ">Regionenworkshop Hannover als Vorkonferenz zur TECHTIDE</a>" in english
    assert "only the month is stated – not in the calendar" in english
    assert 'href="events.ics"' in english and 'href="events.json"' in english
    german = client.get("/events", params={"lang": "de", "region": "Brandenburg"}).text
    assert "Demnächst" in german and "März 2099" in german and "September 2024" in german
    assert 'href="events.ics?region=Brandenburg"' in german
    assert "Hamburg" not in german.split("<h2>Vergangen</h2>")[1]
