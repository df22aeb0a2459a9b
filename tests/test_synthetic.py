"""The synthetic ecosystem: deterministic, shaped like the model, valid under the shapes, kept out of graph/."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from smartregion.cli.main import main
from smartregion.settings import Settings
from smartregion.synthetic import generate
from smartregion.synthetic.words import ORGANISATION_KINDS
from smartregion.validation import validate

SR = "https://w3id.org/smartregion/ontology#"
PREFIXES = """
PREFIX sr: <https://w3id.org/smartregion/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
HOME = Settings.from_env().home


def text(scale: int, seed: int) -> str:
    out = io.StringIO()
    generate(scale, out, seed=seed, home=HOME)
    return out.getvalue()


@pytest.fixture(scope="module")
def small() -> str:
    return text(400, 3)


@pytest.fixture(scope="module")
def store(small: str) -> ox.Store:
    loaded = ox.Store()
    loaded.load(small.encode(), format=ox.RdfFormat.TRIG)
    return loaded


def ask(store: ox.Store, where: str) -> list[dict[str, str]]:
    solutions = store.query(PREFIXES + where, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: t.value for n, t in zip(names, row) if t is not None} for row in solutions]


def test_same_seed_same_bytes_other_seed_other_data() -> None:
    assert text(300, 7) == text(300, 7)
    assert text(300, 7) != text(300, 8)


def test_about_ten_triples_per_organisation_counted_exactly() -> None:
    out = io.StringIO()
    summary = generate(2000, out, seed=1, home=HOME)
    data = rdflib.Dataset()
    data.parse(data=out.getvalue(), format="trig")
    assert summary.triples == len(list(data.quads((None, None, None, None))))
    assert 8 <= summary.triples / 2000 <= 13
    assert summary.entities["Organisation"] == 2000
    assert summary.graphs == 3  # two source documents of up to 1000 organisations each, and the places


def test_the_shapes_hold(small: str) -> None:
    data = rdflib.Dataset()
    data.parse(data=small, format="trig")
    report = validate(data)
    assert report.conforms, report.as_text()
    assert report.violations == []  # not even a warning


def test_every_statement_is_in_a_named_graph_of_a_source_document(store: ox.Store) -> None:
    assert not list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    graphs = {g.value for g in store.named_graphs()}
    documents = {r["d"] for r in ask(store, "SELECT ?d WHERE { GRAPH ?d { ?d a sr:SourceDocument } }")}
    assert graphs == documents
    unsourced = ask(store, """SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?s != ?g)
                               FILTER NOT EXISTS { GRAPH ?g { ?s dcterms:source ?g } } } LIMIT 1""")
    assert unsourced == []


def test_organisations_of_every_kind_located_in_municipalities_in_districts_in_states(store: ox.Store) -> None:
    kinds = {r["kind"] for r in ask(store, "SELECT DISTINCT ?kind WHERE { ?o a ?kind ; schema:location ?place }")}
    assert {SR + kind for kind, *_ in ORGANISATION_KINDS} <= kinds
    chains = ask(store, """SELECT (COUNT(DISTINCT ?m) AS ?n) (COUNT(DISTINCT ?s) AS ?states) WHERE {
        ?m a sr:Municipality ; sr:ags ?ags ; schema:containedInPlace ?d .
        ?d a sr:District ; schema:containedInPlace ?s . ?s a sr:State ; sr:stateKey ?key }""")
    municipalities = ask(store, "SELECT (COUNT(*) AS ?n) WHERE { ?m a sr:Municipality }")
    assert chains[0]["n"] == municipalities[0]["n"] != "0"
    assert int(chains[0]["states"]) > 1


def test_persons_hold_roles_over_time(store: ox.Store) -> None:
    # A person's earlier role ends when the next one starts.
    successions = ask(store, """SELECT ?person WHERE {
        ?a org:member ?person ; schema:endDate ?end . ?b org:member ?person ; schema:startDate ?start .
        FILTER(?a != ?b && SUBSTR(STR(?end), 1, 4) = SUBSTR(STR(?start), 1, 4)) } LIMIT 1""")
    assert successions
    roles = ask(store, "SELECT (COUNT(DISTINCT ?role) AS ?n) WHERE { ?m a org:Membership ; org:role ?role ; org:organization ?o }")
    assert int(roles[0]["n"]) >= 5


def test_events_programmes_projects_and_cooperations_are_linked(store: ox.Store) -> None:
    assert ask(store, """SELECT ?session WHERE { ?c a sr:Conference ; schema:organizer ?org .
                          ?session schema:superEvent ?c ; sr:speaker|sr:keynoteSpeaker ?p . ?p a sr:Person } LIMIT 1""")
    assert ask(store, """SELECT ?project WHERE { ?project sr:fundedBy ?cohort ; sr:partner ?partner ; sr:coordinator ?c .
                          ?cohort sr:programme ?programme . ?programme sr:funder ?funder } LIMIT 1""")
    partners = ask(store, """SELECT ?c (COUNT(?p) AS ?n) WHERE { ?c a sr:Cooperation ; sr:cooperationKind ?kind ;
                              sr:partner ?p } GROUP BY ?c HAVING (COUNT(?p) < 2)""")
    assert partners == []


def test_hubs_take_part_in_far_more_than_most(store: ox.Store) -> None:
    counts = sorted(int(r["n"]) for r in ask(store, """SELECT ?o (COUNT(*) AS ?n) WHERE {
        ?x sr:partner|sr:coordinator|schema:organizer|org:organization ?o } GROUP BY ?o"""))
    assert counts[-1] >= 5 * counts[len(counts) // 2]


def test_command_writes_the_file_and_refuses_graph_folder(tmp_path: Path, project_root: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "out" / "data.trig"
    assert main(["generate", "--scale", "50", "--seed", "2", "-o", str(target), "--quiet"]) == 0
    assert "triples" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8") == text(50, 2)
    assert not target.with_name("data.trig.partial").exists()

    inside = project_root / "graph" / "synthetic.trig"
    assert main(["generate", "--scale", "50", "-o", str(inside), "--quiet"]) == 1
    assert "graph/" in capsys.readouterr().err
    assert not inside.exists()
