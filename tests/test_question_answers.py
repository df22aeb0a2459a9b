"""Every question of the catalogue, answered on the seed graph: each with the answer the sources give.

The expected rows come from reading the five seed documents and the reference places, not from
running the queries; a changed query or graph that moves an answer shows up here. The last test
asks every question on the remote backend too and expects the very same rows.
"""

from __future__ import annotations

import pytest
from smartregion import questions as catalogue

ID = "https://w3id.org/smartregion/id/"
SRC = "https://w3id.org/smartregion/source/"
SR = "https://w3id.org/smartregion/ontology#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"


def ask(store, question: str, /, **params: str) -> list[dict[str, str]]:
    return store.select(catalogue.get(question).render(params))


def column(rows: list[dict[str, str]], name: str) -> list[str]:
    return [row.get(name, "") for row in rows]


def parts(cell: str | None) -> set[str]:
    """The items of a GROUP_CONCAT cell (its order is not defined)."""
    return set(cell.split(" | ")) if cell else set()


def test_partners_of_actor(built_store) -> None:
    rows = ask(built_store, "partners_of_actor", actor=ID + "organisation/wfbb")
    evidence = {(r["partner"], r["evidence"], r["via"], r["source"]) for r in rows}
    session_1 = ID + "event/sccon21-mobile-arbeit-auf-dem-land"
    cooperation_1 = ID + "cooperation/sccon21-mobile-arbeit"
    sccon = SRC + "sccon21-smart-country-brandenburg"
    for partner in ("neuland21", "berlin-partner", "wirtschaftsfoerderung-landkreis-rostock"):
        assert (ID + "organisation/" + partner, "cooperation", cooperation_1, sccon) in evidence
        assert (ID + "organisation/" + partner, "co-organisation", session_1, sccon) in evidence
    assert (ID + "organisation/img-sachsen-anhalt", "cooperation", ID + "cooperation/wirtschaftsfoerderungen-brandenburg-sachsen-anhalt", sccon) in evidence
    assert {r["partnerLabel"] for r in rows} == {
        "Berlin Partner für Wirtschaft und Technologie GmbH",
        "Bitkom",
        "Coconat",
        "Fraunhofer IESE",
        "Investitions- und Marketinggesellschaft Sachsen-Anhalt",
        "Neuland21",
        "Wirtschaftsförderung Landkreis Rostock",
    }


def test_partners_of_a_person_come_from_shared_sessions(built_store) -> None:
    rows = ask(built_store, "partners_of_actor", actor=ID + "person/till-meyer")
    assert {r["evidence"] for r in rows} == {"session"}
    assert {r["partnerLabel"] for r in rows} == {
        "Madeleine Lee", "Martin French", "Beate Albert",
        "Iris Wolter", "Frauke Flenker-Manthey", "Thomas Einsfelder", "Steffen Kammradt",
    }


def test_programme_municipalities(built_store) -> None:
    rows = ask(built_store, "programme_municipalities")
    found = {(r["municipalityLabel"], r.get("ags"), r["stateLabel"], r["project"]) for r in rows}
    suedwestfalen = ID + "project/5-fuer-suedwestfalen"
    # The seed documents' members, among the 73 projects of the reference list (graph/reference/mpsc.trig).
    assert ("Solingen", "05122000", "Nordrhein-Westfalen", ID + "project/mpsc-solingen") in found
    assert ("Hof", None, "Bayern", ID + "project/mpsc-landkreis-hof") in found  # a district: no AGS
    assert found >= {
        ("Arnsberg", "05958004", "Nordrhein-Westfalen", suedwestfalen),
        ("Bad Berleburg", "05970004", "Nordrhein-Westfalen", suedwestfalen),
        ("Menden (Sauerland)", "05962040", "Nordrhein-Westfalen", suedwestfalen),
        ("Olpe", "05966024", "Nordrhein-Westfalen", suedwestfalen),
        ("Soest", "05974040", "Nordrhein-Westfalen", suedwestfalen),
        ("Bad Belzig", "12069020", "Brandenburg", ID + "project/mpsc-bad-belzig-wiesenburg-mark"),
        ("Bad Belzig", "12069020", "Brandenburg", ID + "project/bad-belzig-app"),
        ("Wiesenburg/Mark", "12069665", "Brandenburg", ID + "project/mpsc-bad-belzig-wiesenburg-mark"),
    }


def test_events_in_period(built_store) -> None:
    rows = ask(built_store, "events_in_period", since="2021-01-01", until="2021-12-31")
    assert column(rows, "event") == [
        ID + "event/strategiestarterworkshop-halle-2021",
        ID + "event/rueckkehrermesse-halle-2021",
        ID + "event/sccon21-mobile-arbeit-auf-dem-land",
        ID + "event/sccon21-smart-country-brandenburg",
        ID + "event/sccon21-brandenburg-sachsen-anhalt-kooperieren",
    ]
    halle = rows[0]
    assert parts(halle["organisers"]) == {"Stadt.Land.Digital", "Stadtmarketing Halle (Saale) GmbH", "Halle (Saale)"}
    assert parts(halle["speakers"]) == {"Andreas Blümner", "Britta Jansen", "Carolina Höpfner"}
    assert parts(rows[2]["speakers"]) == {"Madeleine Lee", "Martin French", "Beate Albert", "Till Meyer"}


def test_events_in_period_and_area(built_store) -> None:
    rows = ask(built_store, "events_in_period", since="2020-01-01", until="2024-12-31", area=ID + "state/sachsen-anhalt")
    assert column(rows, "event") == [ID + "event/strategiestarterworkshop-halle-2021"]
    rows = ask(built_store, "events_in_period", since="2020-01-01", until="2024-12-31", area=ID + "district/potsdam-mittelmark")
    assert column(rows, "event") == [ID + "event/regionalkonferenz-bad-belzig-2024"]
    assert parts(rows[0]["organisers"]) == {
        "Koordinierungs- und Transferstelle Modellprojekte Smart Cities",
        "Bundesministerium für Wohnen, Stadtentwicklung und Bauwesen",
    }


def test_roles_of_person(built_store) -> None:
    rows = ask(built_store, "roles_of_person", person=ID + "person/madeleine-lee")
    found = {(r["kind"], r["in"], r["role"], r.get("jobTitle"), r.get("startDate")) for r in rows}
    assert found == {
        ("event", ID + "event/sccon21-mobile-arbeit-auf-dem-land", SR + "panelist", None, "2021-10-27T11:00:00+02:00"),
        ("membership", ID + "organisation/neuland21", ID + "role/programme-lead", "Programmleiterin Arbeit und Wirtschaft", None),
        ("membership", ID + "organisation/boston-consulting-group", ID + "role/employee", None, None),
    }
    assert rows[0]["kind"] == "event"  # dated roles come first


def test_organisations_by_state_and_kind(built_store) -> None:
    rows = ask(built_store, "organisations_by_state_and_kind", state=ID + "state/berlin")
    assert {(r["organisationLabel"], r["kind"]) for r in rows} == {
        ("Berlin Partner für Wirtschaft und Technologie GmbH", SR + "EconomicDevelopmentAgency"),
        ("Berlin Partner für Wirtschaft und Technologie GmbH", SR + "Company"),
        ("CityLAB Berlin", SR + "Organisation"),
        ("Netzwerk Smart City Berlin", SR + "Association"),
        ("Smart City Berlin", SR + "Initiative"),
        ("Smart City Unit", SR + "Organisation"),
    }
    everything = ask(built_store, "organisations_by_state_and_kind")
    wfbb = [r for r in everything if r["organisation"] == ID + "organisation/wfbb"]
    assert [(r["stateLabel"], r["kindLabel"]) for r in wfbb] == [("Brandenburg", "Wirtschaftsförderung")]
    # A ministry is listed once, as a ministry, not again as public agency or organisation.
    bmi = [r for r in everything if r["organisation"] == ID + "organisation/bmi"]
    assert [r["kind"] for r in bmi] == [SR + "Ministry"]


def test_funding_by_programme_and_state(built_store) -> None:
    rows = ask(built_store, "funding_by_programme_and_state")
    by_state = {r["stateLabel"]: (r["projects"], r["territorialAuthorities"]) for r in rows}
    assert len(by_state) == 15  # the Modellprojekte Smart Cities reach every state but Bremen
    assert by_state["Brandenburg"] == ("5", "5") and by_state["Nordrhein-Westfalen"] == ("17", "22")
    brandenburg = next(r for r in rows if r["stateLabel"] == "Brandenburg")
    assert {"Bad Belzig App", "Modellprojekt Smart Cities Bad Belzig und Wiesenburg/Mark"} <= parts(brandenburg["projectLabels"])
    assert parts(brandenburg["funders"]) == {
        "Bundesregierung", "Bundesministerium des Innern, für Bau und Heimat", "Bundesministerium für Wohnen, Stadtentwicklung und Bauwesen",
    }


def test_sources_about_entity(built_store) -> None:
    rows = ask(built_store, "sources_about_entity", entity=ID + "municipality/bad-belzig")
    by_source = {r["source"]: r for r in rows}
    assert set(by_source) == {SRC + "regionalkonferenz-bad-belzig-2024", SRC + "destatis-gv100ad-2023", SRC + "mpsc-2019-2021",
                              SRC + "geonames-cities500"}
    announcement = by_source[SRC + "regionalkonferenz-bad-belzig-2024"]
    assert announcement["issued"] == "2024-08-07"
    assert int(announcement["mentions"]) >= 4  # venue, get-together, project, app
    assert by_source[SRC + "destatis-gv100ad-2023"]["publisherLabel"] == "Statistisches Bundesamt"
    assert by_source[SRC + "geonames-cities500"]["publisherLabel"] == "GeoNames"  # its position


def test_actors_bridging_states(built_store) -> None:
    rows = ask(built_store, "actors_bridging_states")
    assert column(rows, "actorLabel") == [
        "Coconat",
        "Investitions- und Marketinggesellschaft Sachsen-Anhalt",
        "Wirtschaftsförderung Brandenburg",
    ]
    assert parts(rows[0]["links"]) == {
        "Brandenburg: Wirtschaftsförderung Brandenburg",
        "Sachsen-Anhalt: Investitions- und Marketinggesellschaft Sachsen-Anhalt",
    }
    berlin = ask(built_store, "actors_bridging_states", stateB=ID + "state/berlin")
    assert set(column(berlin, "actor")) == {
        ID + "organisation/wfbb",
        ID + "organisation/berlin-partner",
        ID + "organisation/neuland21",
        ID + "organisation/wirtschaftsfoerderung-landkreis-rostock",
    }


def test_persons_of_organisation(built_store) -> None:
    rows = ask(built_store, "persons_of_organisation", org=ID + "organisation/stadt-land-digital")
    assert [(r["personLabel"], r["roleLabel"], r["unitLabel"]) for r in rows] == [
        ("Alex Dieke", "Leitung", "Geschäftsstelle Stadt.Land.Digital"),
        ("Annette Hillebrand", "Stellvertretende Leitung", "Geschäftsstelle Stadt.Land.Digital"),
        ("Britta Jansen", "Stellvertretende Leitung", "Geschäftsstelle Stadt.Land.Digital"),
        ("Carolina Höpfner", "Fachexpert/in", "Stadt.Land.Digital"),
    ]
    assert rows[1]["confidence"] == "0.9"


def test_sessions_of_conference(built_store) -> None:
    rows = ask(built_store, "sessions_of_conference", event=ID + "event/sccon21-smart-country-brandenburg")
    assert column(rows, "sessionLabel") == [
        "Und kann durch mobile Arbeit ein Innovationsökosystem auf dem Land entstehen?",
        "Und warum Brandenburg und Sachsen-Anhalt kooperieren",
    ]
    assert column(rows, "kind") == [SR + "Session", SR + "Session"]
    assert parts(rows[1]["panelists"]) == {"Iris Wolter", "Frauke Flenker-Manthey", "Thomas Einsfelder", "Steffen Kammradt", "Till Meyer"}
    assert parts(rows[1]["organisers"]) == {"Wirtschaftsförderung Brandenburg", "Coconat", "Investitions- und Marketinggesellschaft Sachsen-Anhalt"}
    talks = ask(built_store, "sessions_of_conference", event=ID + "event/regionenworkshop-hannover-2020")
    assert len(talks) == 7
    keynote = [r for r in talks if r["session"] == ID + "event/regionenworkshop-hannover-2020-keynote"]
    assert keynote[0]["speakers"] == "Marco Trips"


def test_founding_dates_and_founders(built_store) -> None:
    rows = ask(built_store, "founding_dates_and_founders", fromYear="2018")
    assert {(r["entityLabel"], r["founded"], r.get("founderLabel")) for r in rows} == {
        ("CityLAB Berlin", "2018", None),
        ("DigitalAgentur Brandenburg GmbH", "2018", "Investitionsbank des Landes Brandenburg"),
        ("Smart Country Brandenburg", "2018", "Bitkom"),
        ("Smart Country Brandenburg", "2018", "Fraunhofer IESE"),
        ("Smart Country Brandenburg", "2018", "Wirtschaftsförderung Brandenburg"),
    }
    everything = ask(built_store, "founding_dates_and_founders")
    founded = {(r["entity"], r.get("founded")) for r in everything}
    assert (ID + "organisation/netzwerk-smart-city-berlin", "2013") in founded
    assert (ID + "project/zukunftsstrategie-digitales-brandenburg", "2016") in founded  # its start: no founding date
    assert (ID + "organisation/erster-oeffentlicher-cowork-mecklenburg-vorpommern", None) in founded  # founders, no date


def test_parents_and_subsidiaries(built_store) -> None:
    rows = ask(built_store, "parents_and_subsidiaries")
    assert {(r["childLabel"], r["relation"], r["parentLabel"]) for r in rows} == {
        ("DigitalAgentur Brandenburg GmbH", SR + "subsidiaryOf", "Investitionsbank des Landes Brandenburg"),
        ("Koordinierungs- und Transferstelle Modellprojekte Smart Cities", ORG + "unitOf", "DLR Projektträger"),
        ("Geschäftsstelle Stadt.Land.Digital", ORG + "unitOf", "Stadt.Land.Digital"),
        ("Arbeitskreis Wirtschaftsförderung", ORG + "unitOf", "DVAG"),
    }
    ak = [r for r in rows if r["child"] == ID + "organisation/dvag-ak-wirtschaftsfoerderung"]
    assert ak[0]["confidence"] == "0.8" and "only implied" in ak[0]["comment"]
    only_ilb = ask(built_store, "parents_and_subsidiaries", org=ID + "organisation/ilb")
    assert column(only_ilb, "child") == [ID + "organisation/dabb"]


def test_members_of_project(built_store) -> None:
    rows = ask(built_store, "members_of_project", project=ID + "project/5-fuer-suedwestfalen")
    municipalities = sorted({r["memberLabel"] for r in rows if r["role"] == SR + "memberMunicipality"})
    assert municipalities == ["Arnsberg", "Bad Berleburg", "Menden (Sauerland)", "Olpe", "Soest"]
    # Document 003 and the reference list of the programme both state the members.
    assert {r["source"] for r in rows if r["role"] == SR + "memberMunicipality"} == {
        SRC + "dvag-ak-wirtschaftsfoerderung-2022", SRC + "mpsc-2019-2021",
    }
    others = {(r["memberLabel"], r["role"]) for r in rows if r["role"] != SR + "memberMunicipality"}
    assert others == {
        ("Südwestfalen Agentur GmbH", SR + "partner"),
        ("Matthias Barutowicz", SR + "coordinator"),
        ("Matthias Barutowicz", ID + "role/manager"),
    }


def test_topics_and_actors(built_store) -> None:
    rows = ask(built_store, "topics_and_actors", topic=ID + "topic/remote-work")
    direct = {r["actorLabel"] for r in rows if not r.get("via")}
    assert {"Madeleine Lee", "Martin French", "erster öffentlich betriebener Cowork in Mecklenburg-Vorpommern"} <= direct
    through = {(r["actorLabel"], r["via"]) for r in rows if r.get("via")}
    assert ("Neuland21", ID + "project/heimatoffice") in through
    assert ("Berlin Partner für Wirtschaft und Technologie GmbH", ID + "cooperation/sccon21-mobile-arbeit") in through
    telemedicine = ask(built_store, "topics_and_actors", topic=ID + "topic/telemedicine")
    assert [(r["actorLabel"], r["viaLabel"]) for r in telemedicine] == [
        ("Klinikum Oldenburg", "Telemedizinisches Konsultationsnetzwerk Nordwest")
    ]


def test_events_by_organiser(built_store) -> None:
    rows = ask(built_store, "events_by_organiser", org=ID + "municipality/halle-saale")
    assert [(r["eventLabel"], r["role"], r.get("startDate")) for r in rows] == [
        ("Strategiestarterworkshop in Halle an der Saale", SR + "coOrganizer", "2021-02-03"),
        ("Rückkehrermesse der Stadt Halle (Saale)", SCHEMA + "organizer", "2021-04-03"),
    ]
    rows = ask(built_store, "events_by_organiser", org=ID + "organisation/stadt-land-digital")
    assert {r["event"] for r in rows} == {
        ID + "event/regionenworkshop-hannover-2020",
        ID + "event/stadt-land-digital-strategiestarterworkshops",
        ID + "event/strategiestarterworkshop-halle-2021",
    }
    hannover = [r for r in rows if r["event"] == ID + "event/regionenworkshop-hannover-2020"]
    assert hannover[0]["partOfLabel"] == "TECHTIDE" and hannover[0]["kind"] == SR + "Workshop"


def test_source_documents(built_store) -> None:
    rows = ask(built_store, "source_documents")
    # The reference files are written by the importer (graph/README.md): issued = when they were made.
    assert [(r["fileName"], r.get("publisherLabel"), r.get("issued") if r["fileName"].endswith(".txt") else None) for r in rows] == [
        ("000_67b3f829ffa817e5.txt", "Wirtschaftsförderung Brandenburg", None),
        ("001_8a61dbdc59bc53a6.txt", None, "2024-08-07"),
        ("002_df0306af145baa77.txt", "Stadt.Land.Digital", None),
        ("003_fb76acaebabdb929.txt", None, None),
        ("004_7eddf23fe1b7d9f0.txt", "PD", None),
        ("cities500.json", "GeoNames", None),
        ("gemeinden.csv", "Statistisches Bundesamt", None),
        ("mpsc.csv", None, None),
    ]
    assert all(int(r["statements"]) > 50 for r in rows)
    assert rows[5]["kind"] == rows[6]["kind"] == "Referenzdaten"


def test_municipalities_in_area(built_store) -> None:
    rows = ask(built_store, "municipalities_in_area", area=ID + "state/nordrhein-westfalen")
    assert len(rows) == 396  # every Gemeinde of Nordrhein-Westfalen (GV100AD 2023)
    seeds = {"Arnsberg", "Bad Berleburg", "Duisburg", "Menden (Sauerland)", "Olpe", "Soest"}
    assert [(r["municipalityLabel"], r["ags"], r["inhabitants"]) for r in rows if r["municipalityLabel"] in seeds] == [
        ("Arnsberg", "05958004", "74323"),
        ("Bad Berleburg", "05970004", "18923"),
        ("Duisburg", "05112000", "502211"),
        ("Menden (Sauerland)", "05962040", "52485"),
        ("Olpe", "05966024", "25015"),
        ("Soest", "05974040", "48607"),
    ]
    arnsberg = next(r for r in rows if r["municipalityLabel"] == "Arnsberg")
    assert arnsberg["districtLabel"] == "Hochsauerlandkreis" and arnsberg["ars"] == "059580004004"
    assert {r["referenceDate"] for r in rows} == {"2022-12-31"}
    # One row per municipality: the latest figure, with its date and source.
    belzig = ask(built_store, "municipalities_in_area", area=ID + "district/potsdam-mittelmark")
    assert len(belzig) == len({r["municipality"] for r in belzig})
    assert [(r["municipalityLabel"], r["inhabitants"], r.get("countNote"), r["referenceDate"], r["source"]) for r in belzig
            if r["municipalityLabel"] in ("Bad Belzig", "Wiesenburg/Mark")] == [
        ("Bad Belzig", "8000", "rund 8.000", "2024-08-07", SRC + "regionalkonferenz-bad-belzig-2024"),
        ("Wiesenburg/Mark", "4253", None, "2022-12-31", SRC + "destatis-gv100ad-2023"),
    ]


def test_population_over_time(built_store) -> None:
    rows = ask(built_store, "population_over_time", place=ID + "municipality/bad-belzig")
    assert [(r["referenceDate"], r["inhabitants"], r.get("countNote"), r["source"], r["sourceTitle"]) for r in rows] == [
        ("2022-12-31", "11172", None, SRC + "destatis-gv100ad-2023", "Gemeindeverzeichnis GV100AD, Gebietsstand 30.11.2023"),
        ("2024-08-07", "8000", "rund 8.000", SRC + "regionalkonferenz-bad-belzig-2024",
         "Dörfer, Daten, Daseinsvorsorge – 16. Regionalkonferenz für Smart Cities"),
    ]
    state = ask(built_store, "population_over_time", place=ID + "state/brandenburg")
    assert [(r["referenceDate"], r["inhabitants"]) for r in state] == [("2022-12-31", "2573135")]
    assert ask(built_store, "population_over_time", place=ID + "organisation/wfbb") == []


def test_events_about_programme(built_store) -> None:
    rows = ask(built_store, "events_about_programme", programme=ID + "project/heimatoffice")
    assert [(r["eventLabel"], r["relation"], r["startDate"], r["partOf"]) for r in rows] == [(
        "Und kann durch mobile Arbeit ein Innovationsökosystem auf dem Land entstehen?", "about",
        "2021-10-27T11:00:00+02:00", ID + "event/sccon21-smart-country-brandenburg",
    )]
    mpsc = ask(built_store, "events_about_programme", programme=ID + "programme/modellprojekte-smart-cities")
    assert [(r["eventLabel"], r["relation"]) for r in mpsc] == [
        ("Und warum Brandenburg und Sachsen-Anhalt kooperieren", "about"),
        ("Einführung in das Thema „Smart City“", "about a funded project"),
        ("Dörfer, Daten, Daseinsvorsorge – smarte Zukunft für ländliche Regionen gestalten", "within"),
    ]


def test_former_roles(built_store) -> None:
    rows = ask(built_store, "former_roles")
    assert [(r["personLabel"], r["inLabel"], r.get("endDate"), r["source"]) for r in rows] == [
        ("Madeleine Lee", "Boston Consulting Group", None, SRC + "sccon21-smart-country-brandenburg"),
    ]
    assert ask(built_store, "former_roles", person=ID + "person/alex-dieke") == []
    roles = ask(built_store, "roles_of_person", person=ID + "person/madeleine-lee")
    assert {(r["inLabel"], r.get("former")) for r in roles if r["kind"] == "membership"} == {
        ("Neuland21", None), ("Boston Consulting Group", "true"),
    }


def test_cooperations_by_kind(built_store) -> None:
    rows = ask(built_store, "cooperations_by_kind", kind=ID + "cooperation-kind/consulting")
    assert {(r["cooperation"], r.get("startDate"), r.get("endDate")) for r in rows} == {
        (ID + "cooperation/pd-dabb-beratung-2020", "2020-07", "2020-12"),
        (ID + "cooperation/stadt-land-digital-begleitung-halle", None, None),
    }
    everything = ask(built_store, "cooperations_by_kind")
    assert len(everything) == 10
    strategic = [r for r in everything if r["cooperation"] == ID + "cooperation/wirtschaftsfoerderungen-brandenburg-sachsen-anhalt"]
    assert strategic[0]["kindLabel"] == "Strategische Kooperation" and strategic[0]["confidence"] == "0.8"
    assert parts(strategic[0]["partners"]) == {"Wirtschaftsförderung Brandenburg", "Investitions- und Marketinggesellschaft Sachsen-Anhalt"}


def test_statements_about_entity(built_store) -> None:
    rows = ask(built_store, "statements_about_entity", entity=ID + "organisation/neuland21")
    found = {(r["direction"], r["property"], r["value"]) for r in rows}
    assert ("out", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", SR + "Organisation") in found
    assert ("out", "http://www.w3.org/2000/01/rdf-schema#label", "Neuland21") in found
    assert ("in", SR + "coordinator", ID + "project/heimatoffice") in found
    assert ("in", ORG + "organization", ID + "membership/madeleine-lee-neuland21") in found
    assert ("in", SCHEMA + "organizer", ID + "event/brandenburg-remote") in found
    assert {r["source"] for r in rows} == {SRC + "sccon21-smart-country-brandenburg"}
    assert column(rows, "direction") == sorted(column(rows, "direction"), reverse=True)  # "out" first


def test_counts_per_class(built_store) -> None:
    counts = {r["class"]: (int(r["total"]), int(r["direct"])) for r in ask(built_store, "counts_per_class")}
    persons = counts[SR + "Person"]
    assert persons[0] == persons[1] == 21
    # Organisations: every subclass is counted in the total, only plain sr:Organisation in direct.
    assert counts[SR + "Organisation"][0] > counts[SR + "Organisation"][1] > 0
    assert counts[SR + "Organisation"][0] >= counts[SR + "Ministry"][0] + counts[SR + "Company"][0]
    assert counts[SR + "Actor"][0] == counts[SR + "Person"][0] + counts[SR + "Organisation"][0] + counts[SR + "TerritorialAuthority"][0]
    assert counts[SR + "SourceDocument"] == (8, 8)


def test_doubtful_statements(built_store) -> None:
    rows = ask(built_store, "doubtful_statements", below="0.75")
    assert [(r["node"], r["confidence"]) for r in rows] == [
        (ID + "project/pd-duisburg-agile-begleitung", "0.6"),
        (ID + "cooperation/partnerschaft-osnabrueck-olsztyn", "0.7"),
        (ID + "cooperation/smart-city-manager-2021", "0.7"),
        (ID + "membership/beate-albert-berlin-partner", "0.7"),
        (ID + "membership/martin-french-wirtschaftsfoerderung-landkreis-rostock", "0.7"),
    ]
    assert "Implied only by layout" in rows[4]["comment"]
    everything = ask(built_store, "doubtful_statements")
    nodes = {r["node"]: r for r in everything}
    assert nodes[ID + "membership/annette-hillebrand-stadt-land-digital-geschaeftsstelle"]["confidence"] == "0.9"
    # A membership with a comment but no confidence is listed for its comment.
    assert "confidence" not in nodes[ID + "membership/madeleine-lee-boston-consulting-group"]
    assert "Former position" in nodes[ID + "membership/madeleine-lee-boston-consulting-group"]["comment"]


def test_search_by_name(built_store) -> None:
    rows = ask(built_store, "search_by_name", text="wfbb")
    assert ID + "organisation/wfbb" in column(rows, "entity")
    wfbb = [r for r in rows if r["entity"] == ID + "organisation/wfbb"][0]
    assert wfbb["label"] == "Wirtschaftsförderung Brandenburg" and "WFBB" in parts(wfbb["matchedNames"])
    rostock = ask(built_store, "search_by_name", text="LANDKREIS ROSTOCK")
    assert set(column(rostock, "entity")) == {ID + "organisation/wirtschaftsfoerderung-landkreis-rostock", ID + "district/landkreis-rostock"}


def test_entity_by_label(built_store) -> None:
    rows = ask(built_store, "entity_by_label", label="WFBB")
    assert [(r["entity"], r["type"]) for r in rows] == [(ID + "organisation/wfbb", SR + "EconomicDevelopmentAgency")]
    rows = ask(built_store, "entity_by_label", label="Bad Belzig")
    assert {(r["entity"], r["source"]) for r in rows} == {
        (ID + "municipality/bad-belzig", SRC + "destatis-gv100ad-2023"),
        (ID + "municipality/bad-belzig", SRC + "regionalkonferenz-bad-belzig-2024"),
    }
    assert ask(built_store, "entity_by_label", label="wfbb") == []  # exact, case and all


def test_every_question_has_a_test_here() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert {q.name for q in catalogue.list_queries()} <= tested


# --- the same answers from the remote backend -------------------------------------------------


def _cases() -> list[tuple[str, dict[str, str]]]:
    cases = []
    for question in catalogue.list_queries():
        for example in question.examples:
            cases.append((question.name, {k: v for k, v in example.items() if k != "note"}))
    return cases


def _normalised(rows: list[dict[str, str]]) -> list[tuple]:
    # GROUP_CONCAT's order is not defined, so compare its items as sets; over no values it is "" as the standard
    # says on Virtuoso, unbound on Oxigraph, so an empty value counts as none.
    return sorted(tuple(sorted((k, tuple(sorted(parts(v)))) for k, v in row.items() if v)) for row in rows)


@pytest.mark.parametrize(("name", "params"), _cases(), ids=lambda value: value if isinstance(value, str) else "")
def test_remote_backend_gives_the_same_answers(built_store, remote_store, name: str, params: dict[str, str]) -> None:
    embedded = ask(built_store, name, **params)
    assert embedded, f"the example of {name} should have an answer"
    assert _normalised(ask(remote_store, name, **params)) == _normalised(embedded)
