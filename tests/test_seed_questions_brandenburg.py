"""Questions a researcher would ask of the three Brandenburg source documents, with their exact answers.

They check the hand-written graphs 000 (Smart Country Brandenburg @ SCCON21), 001 (Regionalkonferenz Bad
Belzig 2024) and 004 (PD / DigitalAgentur Brandenburg) through the built store, so a wrong IRI, a missing
link or a mistyped literal shows up as a wrong answer. Queries run over the union of the named graphs;
``GRAPH ?g`` is used where the question is which document states something.
"""

from __future__ import annotations

PREFIXES = """
PREFIX sr: <https://w3id.org/smartregion/ontology#>
PREFIX src: <https://w3id.org/smartregion/source/>
PREFIX person: <https://w3id.org/smartregion/id/person/>
PREFIX organisation: <https://w3id.org/smartregion/id/organisation/>
PREFIX municipality: <https://w3id.org/smartregion/id/municipality/>
PREFIX project: <https://w3id.org/smartregion/id/project/>
PREFIX event: <https://w3id.org/smartregion/id/event/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

ID = "https://w3id.org/smartregion/id/"
SRC = "https://w3id.org/smartregion/source/"


def test_who_was_on_stage_in_the_remote_work_session(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?name WHERE {
          ?session rdfs:label "Und kann durch mobile Arbeit ein Innovationsökosystem auf dem Land entstehen?"@de ;
                   sr:panelist ?p .
          ?p rdfs:label ?name .
          FILTER(lang(?name) = "de")
        } ORDER BY ?name""")
    assert [r["name"] for r in rows] == ["Beate Albert", "Madeleine Lee", "Martin French", "Till Meyer"]


def test_partners_of_the_cooperation_behind_the_remote_work_session(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?partner ?kind WHERE {
          ?c a sr:Cooperation ;
             sr:concerns event:sccon21-mobile-arbeit-auf-dem-land ;
             sr:cooperationKind ?kind ;
             sr:partner ?partner .
        } ORDER BY ?partner""")
    assert {r["kind"] for r in rows} == {ID + "cooperation-kind/event-cooperation"}
    assert [r["partner"] for r in rows] == [
        ID + "organisation/berlin-partner",
        ID + "organisation/neuland21",
        ID + "organisation/wfbb",
        ID + "organisation/wirtschaftsfoerderung-landkreis-rostock",
    ]


def test_sessions_of_smart_country_brandenburg_with_times_and_co_organisers(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?start ?end ?coorg WHERE {
          event:sccon21-smart-country-brandenburg schema:subEvent ?s .
          ?s schema:startDate ?start ; schema:endDate ?end ;
             schema:organizer organisation:wfbb ;
             schema:eventAttendanceMode schema:OnlineEventAttendanceMode ;
             sr:coOrganizer ?coorg .
        } ORDER BY ?start ?coorg""")
    assert [(r["start"], r["end"], r["coorg"].removeprefix(ID)) for r in rows] == [
        ("2021-10-27T11:00:00+02:00", "2021-10-27T12:00:00+02:00", "organisation/berlin-partner"),
        ("2021-10-27T11:00:00+02:00", "2021-10-27T12:00:00+02:00", "organisation/neuland21"),
        ("2021-10-27T11:00:00+02:00", "2021-10-27T12:00:00+02:00", "organisation/wirtschaftsfoerderung-landkreis-rostock"),
        ("2021-10-27T12:00:00+02:00", "2021-10-27T12:45:00+02:00", "organisation/coconat"),
        ("2021-10-27T12:00:00+02:00", "2021-10-27T12:45:00+02:00", "organisation/img-sachsen-anhalt"),
    ]


def test_madeleine_lee_role_and_studies(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?org ?role ?title ?alma WHERE {
          ?m org:member person:madeleine-lee ; org:organization ?org ; org:role ?role .
          OPTIONAL { ?m schema:jobTitle ?title }
          person:madeleine-lee schema:alumniOf ?alma .
        } ORDER BY ?org""")
    assert [(r["org"].removeprefix(ID), r["role"].removeprefix(ID), r.get("title"), r["alma"].removeprefix(ID))
            for r in rows] == [
        ("organisation/boston-consulting-group", "role/employee", None, "organisation/london-school-of-economics"),
        ("organisation/neuland21", "role/programme-lead", "Programmleiterin Arbeit und Wirtschaft",
         "organisation/london-school-of-economics"),
    ]


def test_affiliations_only_implied_by_layout_carry_a_confidence(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?person ?org ?confidence WHERE {
          GRAPH src:sccon21-smart-country-brandenburg {
            ?m a org:Membership ; org:member ?person ; org:organization ?org ; sr:confidence ?confidence .
          }
        } ORDER BY ?person""")
    assert [(r["person"].removeprefix(ID), r["org"].removeprefix(ID), float(r["confidence"])) for r in rows] == [
        ("person/beate-albert", "organisation/berlin-partner", 0.7),
        ("person/martin-french", "organisation/wirtschaftsfoerderung-landkreis-rostock", 0.7),
    ]


def test_founders_of_smart_country_brandenburg(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?founder ?year WHERE {
          organisation:smart-country-brandenburg schema:founder ?founder ; schema:foundingDate ?year .
        } ORDER BY ?founder""")
    assert [(r["founder"].removeprefix(ID), r["year"]) for r in rows] == [
        ("organisation/bitkom", "2018"),
        ("organisation/fraunhofer-iese", "2018"),
        ("organisation/wfbb", "2018"),
    ]
    stated_in = built_store.select(PREFIXES + """
        SELECT DISTINCT ?g ?file WHERE {
          GRAPH ?g { organisation:smart-country-brandenburg schema:founder ?founder ; schema:foundingDate ?year }
          ?g sr:fileName ?file .
        }""")
    assert [(r["g"], r["file"]) for r in stated_in] == [
        ("https://w3id.org/smartregion/source/sccon21-smart-country-brandenburg", "000_67b3f829ffa817e5.txt")
    ]


def test_netzwerk_smart_city_berlin_size_as_worded(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?count ?note ?founded WHERE {
          organisation:netzwerk-smart-city-berlin sr:memberCount ?count ; sr:countNote ?note ;
                                                    schema:foundingDate ?founded .
        }""")
    assert rows == [{"count": "150", "note": "mehr als 150", "founded": "2013"}]


def test_when_where_and_by_whom_the_regionalkonferenz_bad_belzig(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?start ?end ?address ?host ?organizer ?unitOf WHERE {
          ?e skos:altLabel "16. Regionalkonferenz für Smart Cities"@de ;
             schema:startDate ?start ; schema:endDate ?end ;
             schema:location ?venue ; sr:host ?host ; schema:organizer ?organizer .
          ?venue a sr:Venue ; schema:address ?address .
          ?organizer org:unitOf ?unitOf .
        }""")
    assert rows == [{
        "start": "2024-09-05T10:00:00+02:00",
        "end": "2024-09-05T17:00:00+02:00",
        "address": "Weitzgrunder Str. 4, 14806 Bad Belzig",
        "host": ID + "organisation/bmwsb",
        "organizer": ID + "organisation/kts",
        "unitOf": ID + "organisation/dlr-projekttraeger",
    }]


def test_which_document_says_the_bad_belzig_app_builds_on_the_smart_village_app(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?g ?issued ?maintainer ?started WHERE {
          GRAPH ?g {
            project:bad-belzig-app schema:isBasedOn project:smart-village-app ;
                                      schema:maintainer ?maintainer ; schema:startDate ?started .
          }
          ?g dcterms:issued ?issued .
        }""")
    assert rows == [{
        "g": SRC + "regionalkonferenz-bad-belzig-2024",
        "issued": "2024-08-07",
        "maintainer": ID + "municipality/bad-belzig",
        "started": "2019",
    }]


def test_bad_belzig_inhabitants_as_the_announcement_words_them(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?n ?note WHERE {
          GRAPH src:regionalkonferenz-bad-belzig-2024 {
            municipality:bad-belzig sr:inhabitants ?n ; sr:countNote ?note .
          }
        }""")
    assert rows == [{"n": "8000", "note": "rund 8.000"}]


def test_model_project_bad_belzig_wiesenburg_members_and_programme(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT DISTINCT ?member ?programme WHERE {
          ?p sr:memberMunicipality ?member ; sr:fundedBy ?programme ;
             rdfs:label "Modellprojekt Smart Cities Bad Belzig und Wiesenburg/Mark"@de .
        } ORDER BY ?member""")
    assert [(r["member"].removeprefix(ID), r["programme"].removeprefix(ID)) for r in rows] == [
        ("municipality/bad-belzig", "programme/modellprojekte-smart-cities"),
        ("municipality/wiesenburg-mark", "programme/modellprojekte-smart-cities"),
    ]


def test_dabb_founder_parent_funder_and_consultant(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?founded ?founder ?parent ?funder ?contractor ?from ?to WHERE {
          organisation:dabb schema:foundingDate ?founded ; schema:founder ?founder ;
                               sr:subsidiaryOf ?parent ; sr:funder ?funder .
          ?project a sr:ConsultingProject ; sr:client organisation:dabb ; sr:contractor ?contractor ;
                   schema:startDate ?from ; schema:endDate ?to .
        }""")
    assert rows == [{
        "founded": "2018",
        "founder": ID + "organisation/ilb",
        "parent": ID + "organisation/ilb",
        "funder": ID + "organisation/mwae-brandenburg",
        "contractor": ID + "organisation/pd",
        "from": "2020-07",
        "to": "2020-12",
    }]


def test_publishers_of_the_brandenburg_documents(built_store):
    rows = built_store.select(PREFIXES + """
        SELECT ?doc ?publisher WHERE {
          VALUES ?doc { src:sccon21-smart-country-brandenburg src:regionalkonferenz-bad-belzig-2024
                        src:pd-digitalagentur-brandenburg-2020 }
          GRAPH ?doc { ?doc a sr:SourceDocument . OPTIONAL { ?doc dcterms:publisher ?publisher } }
        } ORDER BY ?doc""")
    assert [(r["doc"].removeprefix(SRC), r.get("publisher", "").removeprefix(ID)) for r in rows] == [
        ("pd-digitalagentur-brandenburg-2020", "organisation/pd"),
        ("regionalkonferenz-bad-belzig-2024", ""),
        ("sccon21-smart-country-brandenburg", "organisation/wfbb"),
    ]
