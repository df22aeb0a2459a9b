"""The reference data in ``graph/reference/``: made by the importer, and meeting the seed data on the same IRIs.

The shipped files were generated from the full tables (``graph/README.md``); here the same import runs
on excerpts of those tables (``tests/data/reference/``) and must give exactly the shipped statements.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.term import URIRef
from smartregion.contribute import spreadsheets
from smartregion.contribute.model import ContributionError, Provenance
from smartregion.contribute.spreadsheets.reference import DESTATIS_SOURCE, MPSC_SOURCE
from smartregion.store import EmbeddedStore

DATA = Path(__file__).parents[1] / "data" / "reference"
ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
TERRITORIAL_KINDS = ("municipality", "district", "state")
KEYS = {"municipality": SR + "ags", "district": SR + "districtKey", "state": SR + "stateKey"}
PREFIXES = """
PREFIX sr: <https://w3id.org/smartregion/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def _seed_territories(project_root: Path) -> set[str]:
    """Every municipality, district and state IRI the seed documents (graph/*.trig) use."""
    dataset = rdflib.Dataset()
    for path in sorted((project_root / "graph").glob("*.trig")):
        dataset.parse(path, format="trig")
    return {
        str(term)
        for s, _, o, _ in dataset.quads((None, None, None, None))
        for term in (s, o)
        if isinstance(term, URIRef) and str(term).startswith(ID) and str(term)[len(ID) :].split("/")[0] in TERRITORIAL_KINDS
    }


def test_every_territory_of_the_seed_documents_is_one_node_with_its_official_key(built_store: EmbeddedStore, project_root: Path) -> None:
    seeds = _seed_territories(project_root)
    assert {ID + "municipality/bad-belzig", ID + "municipality/soest", ID + "district/potsdam-mittelmark", ID + "state/brandenburg"} <= seeds
    abroad = {
        r["t"]
        for r in built_store.select(PREFIXES + f"SELECT ?t WHERE {{ ?t schema:containedInPlace+ ?c . ?c a sr:Country FILTER(?c != <{ID}country/deutschland>) }}")
    }
    assert abroad == {ID + "district/partnerlandkreis-osnabrueck-olsztyn"}  # a Polish district: no German key
    for iri in sorted(seeds - abroad):
        kind = iri[len(ID) :].split("/")[0]
        keys = built_store.select(f"SELECT DISTINCT ?key WHERE {{ <{iri}> <{KEYS[kind]}> ?key }}")
        assert len(keys) == 1, f"{iri} has {len(keys)} official keys"
        holders = built_store.select(f'SELECT DISTINCT ?node WHERE {{ ?node <{KEYS[kind]}> "{keys[0]["key"]}" }}')
        assert [h["node"] for h in holders] == [iri], f"key {keys[0]['key']} of {iri} is held by {holders}"


def test_no_official_key_is_held_by_two_nodes(built_store: EmbeddedStore) -> None:
    for key in ("ags", "districtKey", "stateKey", "ars"):
        shared = built_store.select(
            PREFIXES + f"SELECT ?k (COUNT(DISTINCT ?n) AS ?c) WHERE {{ ?n sr:{key} ?k }} GROUP BY ?k HAVING (COUNT(DISTINCT ?n) > 1)"
        )
        assert shared == [], key


def test_the_register_is_complete(built_store: EmbeddedStore) -> None:
    def count(pattern: str) -> int:
        return int(built_store.select(PREFIXES + f"SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE {{ {pattern} }}")[0]["c"])

    assert count("?n sr:ags ?k") == 10_981  # every row of GV100AD's Gemeinde table, Berlin and Hamburg included
    assert count("?n sr:districtKey ?k") == 400  # 294 Kreise and 106 kreisfreie Städte
    assert count("?n sr:districtKey ?k ; sr:ags ?a") == 106 + 0  # a kreisfreie Stadt is one node
    assert count("?n sr:stateKey ?k") == 16
    # Inhabitants of a state are the sum over its municipalities (Brandenburg: 2,573,135 at 31.12.2022).
    rows = built_store.select(PREFIXES + f"SELECT ?n ?date WHERE {{ ?o sr:observationOf <{ID}state/brandenburg> ;"
                              " sr:inhabitants ?n ; sr:referenceDate ?date }")
    assert rows == [{"n": "2573135", "date": "2022-12-31"}]


def test_the_register_places_seed_municipalities_in_their_hierarchy(built_store: EmbeddedStore) -> None:
    rows = built_store.select(PREFIXES + f"""
        SELECT ?label ?ags ?district ?state WHERE {{
          VALUES ?m {{ <{ID}municipality/bad-belzig> <{ID}municipality/wiesenburg-mark> }}
          GRAPH <{DESTATIS_SOURCE}> {{ ?m rdfs:label ?label ; sr:ags ?ags ; schema:containedInPlace ?district .
                                        ?district schema:containedInPlace ?state }}
        }} ORDER BY ?ags""")
    assert rows == [
        {"label": "Bad Belzig", "ags": "12069020", "district": ID + "district/potsdam-mittelmark", "state": ID + "state/brandenburg"},
        {"label": "Wiesenburg/Mark", "ags": "12069665", "district": ID + "district/potsdam-mittelmark", "state": ID + "state/brandenburg"},
    ]


def test_bad_belzig_is_in_the_programme_through_its_2020_project(built_store: EmbeddedStore) -> None:
    rows = built_store.select(PREFIXES + f"""
        SELECT DISTINCT ?project ?id ?year ?category WHERE {{
          ?project sr:memberMunicipality <{ID}municipality/bad-belzig> ;
              sr:fundedBy <{ID}programme/modellprojekte-smart-cities> ; sr:cohort ?cohort .
          ?cohort sr:programme <{ID}programme/modellprojekte-smart-cities> ; schema:startDate ?year .
          GRAPH <{MPSC_SOURCE}> {{ ?project schema:identifier ?id ; schema:category ?category }}
        }}""")
    # The project document 001 describes, not a duplicate: same programme, same two municipalities.
    assert rows == [{
        "project": ID + "project/mpsc-bad-belzig-wiesenburg-mark", "id": "MPSC-2020-22", "year": "2020",
        "category": "Interkommunale Kooperationen und Landkreise",
    }]


def test_the_73_model_projects_by_cohort_funder_and_agency(built_store: EmbeddedStore) -> None:
    rows = built_store.select(PREFIXES + f"""
        SELECT ?year (COUNT(DISTINCT ?p) AS ?n) WHERE {{
          GRAPH <{MPSC_SOURCE}> {{ ?p sr:cohort ?c }} ?c schema:startDate ?year }} GROUP BY ?year ORDER BY ?year""")
    assert [(r["year"], r["n"]) for r in rows] == [("2019", "13"), ("2020", "32"), ("2021", "28")]
    rows = built_store.select(PREFIXES + f"""
        SELECT ?funder ?agency WHERE {{ GRAPH <{MPSC_SOURCE}> {{
          <{ID}programme/modellprojekte-smart-cities> sr:funder ?funder ; sr:implementingAgency ?agency }} }} ORDER BY ?funder""")
    assert [(r["funder"], r["agency"]) for r in rows] == [
        (ID + "organisation/bmi", ID + "organisation/kfw"), (ID + "organisation/bmwsb", ID + "organisation/kfw"),
    ]
    # Five für Südwestfalen (document 003) is the 2019 cooperation of the list, again the same node.
    rows = built_store.select(PREFIXES + f"SELECT ?id WHERE {{ <{ID}project/5-fuer-suedwestfalen> schema:identifier ?id }}")
    assert rows == [{"id": "MPSC-2019-11"}]


def _shipped(path: Path, subjects: set[URIRef]) -> set[tuple]:
    dataset = rdflib.Dataset()
    dataset.parse(path, format="trig")
    return {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None)) if s in subjects}


def _about_entities(graph: rdflib.Graph) -> set[tuple]:
    """The statements about instances (the source's own description records when and by whom)."""
    return {(s, p, o) for s, p, o in graph if isinstance(s, URIRef) and s.startswith(ID)}


def test_the_importer_gives_the_shipped_statements_for_an_excerpt_of_the_register(built_store: EmbeddedStore, project_root: Path) -> None:
    table = spreadsheets.read_file(DATA / "gemeinden-auszug.csv")
    result = spreadsheets.import_table(
        built_store, table, spreadsheets.get_kind("municipalities"), Provenance("test", "gemeinden-auszug.csv", "reference-import"),
        dry_run=True, graph_iri=DESTATIS_SOURCE,
    )
    generated = _about_entities(result.graph)
    subjects = {s for s, _, _ in generated}
    assert {ID + "municipality/bad-belzig", ID + "municipality/potsdam", ID + "state/berlin", ID + "district/potsdam-mittelmark",
            ID + "municipality/sachsenwald-forstgutsbez", ID + "country/deutschland"} <= {str(s) for s in subjects}
    shipped = _shipped(project_root / "graph" / "reference" / "destatis-gv100ad-2023.trig", subjects)
    # Inhabitants of a district or state are the sum over its municipalities: over the excerpt only here.
    summed = {s for s in subjects if str(s).startswith((ID + "observation/district-", ID + "observation/state-"))
              and not str(s).startswith(ID + "observation/state-berlin-")}
    inhabitants = URIRef(SR + "inhabitants")
    assert {t for t in generated if not (t[0] in summed and t[1] == inhabitants)} == {
        t for t in shipped if not (t[0] in summed and t[1] == inhabitants)
    }


def test_the_importer_gives_the_shipped_statements_for_an_excerpt_of_the_mpsc_list(built_store: EmbeddedStore, project_root: Path) -> None:
    table = spreadsheets.read_file(DATA / "mpsc-auszug.csv")
    result = spreadsheets.import_table(
        built_store, table, spreadsheets.get_kind("mpsc"), Provenance("test", "mpsc-auszug.csv", "reference-import"),
        dry_run=True, graph_iri=MPSC_SOURCE,
    )
    projects = {s for s in result.graph.subjects() if isinstance(s, URIRef) and s.startswith(ID + "project/")}
    assert {str(p) for p in projects} == {
        ID + "project/mpsc-solingen", ID + "project/mpsc-bad-belzig-wiesenburg-mark",
        ID + "project/mpsc-landkreis-hof", ID + "project/mpsc-verband-region-rhein-neckar",
    }
    shipped = _shipped(project_root / "graph" / "reference" / "mpsc.trig", projects)
    assert {t for t in _about_entities(result.graph) if t[0] in projects} == shipped
    hof = result.graph.value(URIRef(ID + "project/mpsc-landkreis-hof"), URIRef(SR + "memberMunicipality"))
    assert str(hof) == ID + "district/hof"  # the Landkreis (09475), found by its key, not the city Hof


def test_bad_rows_are_reported_with_row_and_column(built_store: EmbeddedStore, tmp_path: Path) -> None:
    lines = (DATA / "mpsc-auszug.csv").read_text(encoding="utf-8").splitlines()
    header, solingen = lines[0], lines[1]
    broken = tmp_path / "mpsc.csv"
    broken.write_text("\n".join([header, solingen, solingen, solingen.replace("MPSC-2019-01", "MPSC-2019-99").replace("05122000", "99999999")]) + "\n", encoding="utf-8")
    with pytest.raises(ContributionError) as refused:
        spreadsheets.import_table(
            built_store, spreadsheets.read_file(broken), spreadsheets.get_kind("mpsc"), Provenance("test", "mpsc.csv", "reference-import"),
            dry_run=True, graph_iri=MPSC_SOURCE,
        )
    problems = [(p.row, p.column, p.message.split(":")[0]) for p in refused.value.problems]
    assert problems == [(3, "mpsc_id", "duplicate row"), (4, "ags", "unknown reference")]
