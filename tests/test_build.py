"""The build: counts, and every way of failing leaves the previous store as it was; the CLI around it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
import smartregion
from live import REMOTE_SERVERS
from smartregion.build import ONTOLOGY_GRAPH, BuildError, build, parse_project
from smartregion.cli.main import main
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore, open_store

SR = "https://w3id.org/smartregion/ontology#"
SOURCE = "https://w3id.org/smartregion/source/test-source"
PREFIXES = """\
@prefix sr:      <https://w3id.org/smartregion/ontology#> .
@prefix src:     <https://w3id.org/smartregion/source/> .
@prefix person:  <https://w3id.org/smartregion/id/person/> .
@prefix dockind: <https://w3id.org/smartregion/id/document-kind/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
"""
VALID = PREFIXES + """
src:test-source {
    src:test-source a sr:SourceDocument ;
        dcterms:title "Eine Testquelle"@de ;
        dcterms:issued "2024-01-01"^^xsd:date ;
        dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> ;
        dcterms:type dockind:event-report ;
        sr:fileName "test.txt" .
    person:erika-muster a sr:Person ;
        rdfs:label "Erika Muster"@de ;
        dcterms:source src:test-source .
    person:hans-muster a sr:Person ;
        rdfs:label "Hans Muster"@de ;
        dcterms:source src:test-source .
}
"""
# Line 11 has an unterminated string.
BROKEN_SYNTAX = PREFIXES + """
src:broken {
    person:max-muster a sr:Person ;
        rdfs:label "Max Muster ;
        dcterms:source src:broken .
}
"""
# A person without a source and with an untagged label: two SHACL violations.
INVALID = PREFIXES + """
src:invalid {
    person:max-muster a sr:Person ;
        rdfs:label "Max Muster" .
}
"""
OUTSIDE_GRAPHS = PREFIXES + """
person:max-muster a sr:Person .
"""


@pytest.fixture
def project(make_project: Callable[[str, str], Path]) -> Path:
    """A small project: the real ontology and shapes, one valid source graph."""
    return make_project("sources/test-source.trig", VALID)


@pytest.fixture(params=["embedded", *REMOTE_SERVERS])
def settings(request: pytest.FixtureRequest, project: Path, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return Settings(home=project, store_path=tmp_path / "store")
    return request.getfixturevalue(f"fresh_{request.param}").remote_settings(Settings(home=project))


def _snapshot(settings: Settings) -> tuple[str, bytes]:
    store = open_store(settings)
    return store.revision(), store.dump("nquads")


def test_build_reports_counts(settings: Settings) -> None:
    result = build(settings, progress=False)
    ontology_triples = len(parse_project(settings.home, progress=False).ontology)
    summary = result.summary
    assert {g.iri: g.triples for g in summary.graphs} == {ONTOLOGY_GRAPH: ontology_triples, SOURCE: 12}
    assert summary.triples == ontology_triples + 12
    assert {g.iri: g.title for g in summary.graphs}[SOURCE] == "Eine Testquelle"
    assert summary.classes == {SR + "Person": 2, SR + "SourceDocument": 1}
    assert result.files == len(list((settings.home / "ontology").glob("*.ttl"))) + 1
    assert result.revision == open_store(settings).revision()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BROKEN_SYNTAX, r"graph/sources/zz\.trig:11:20: syntax error: Unexpected end of file"),
        ("@prefix sr: <https://w3id.org/smartregion/ontology#> .\n\nsrc:x { }\n", r"graph/sources/zz\.trig:3:1: syntax error: The prefix src: has not been declared"),
        (OUTSIDE_GRAPHS, r"graph/sources/zz\.trig: 1 triples outside any GRAPH block"),
    ],
)
def test_unreadable_data_names_file_and_line_and_keeps_the_old_store(settings: Settings, text: str, expected: str) -> None:
    build(settings, progress=False)
    before = _snapshot(settings)
    (settings.home / "graph" / "sources" / "zz.trig").write_text(text, encoding="utf-8")
    with pytest.raises(BuildError, match=expected):
        build(settings, progress=False)
    assert _snapshot(settings) == before


def test_a_syntax_error_in_the_ontology_is_found_too(project: Path, tmp_path: Path) -> None:
    (project / "ontology" / "zz.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b .\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"ontology/zz\.ttl:2:9: syntax error: \. is not a valid RDF object"):
        build(Settings(home=project, store_path=tmp_path / "store"), progress=False)


def test_shacl_violations_keep_the_old_store(settings: Settings) -> None:
    build(settings, progress=False)
    before = _snapshot(settings)
    (settings.home / "graph" / "invalid.trig").write_text(INVALID, encoding="utf-8")
    with pytest.raises(BuildError, match="SHACL validation failed") as failure:
        build(settings, progress=False)
    report = failure.value.report
    assert not report.conforms
    assert {v.focus for v in report.violations if v.severity == "Violation"} == {"https://w3id.org/smartregion/id/person/max-muster"}
    assert _snapshot(settings) == before
    # Without validation the same data loads: the check, not the loader, refused it.
    build(settings, progress=False, check=False)
    assert "https://w3id.org/smartregion/source/invalid" in open_store(settings).named_graphs()


def test_a_rebuild_replaces_everything(project: Path, tmp_path: Path) -> None:
    settings = Settings(home=project, store_path=tmp_path / "store")
    build(settings, progress=False)
    (project / "graph" / "sources" / "test-source.trig").write_text(VALID.replace("Hans Muster", "Hans Mustermann"), encoding="utf-8")
    build(settings, progress=False)
    store = EmbeddedStore(settings.store_path)
    names = [r["n"] for r in store.select(f"SELECT ?n WHERE {{ ?p a <{SR}Person> ; <{rdflib.RDFS.label}> ?n }} ORDER BY ?n")]
    assert names == ["Erika Muster", "Hans Mustermann"]


def test_every_graph_file_of_the_project_is_in_the_built_store(built_store: EmbeddedStore, project_root: Path) -> None:
    project = parse_project(project_root, progress=False)
    assert sorted({q.graph_name.value for q in project.quads}) == built_store.named_graphs()
    assert built_store.triple_count() == len(set(project.quads))


# --- the command line -------------------------------------------------------------------------------


def test_cli_build_and_stats(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SMARTREGION_HOME", str(project))
    store = str(tmp_path / "store")
    assert main(["build", "--quiet", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "triples in 2 graphs" in out and "sr:Person" in out
    assert main(["stats", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "src:test-source" in out and "Eine Testquelle" in out and "sr:Person" in out
    assert main(["query", "--store", store, f"SELECT ?n WHERE {{ ?p a <{SR}Person> ; <{rdflib.RDFS.label}> ?n }} ORDER BY ?n"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.strip() for line in lines] == ["n", "------------", "Erika Muster", "Hans Muster", "(2 rows)"]


def test_cli_errors_are_one_line_without_traceback(project: Path, tmp_path: Path) -> None:
    (project / "graph" / "zz.trig").write_text(BROKEN_SYNTAX, encoding="utf-8")
    env = {
        "SMARTREGION_HOME": str(project),
        "SMARTREGION_STORE": str(tmp_path / "store"),
        "PYTHONPATH": str(Path(smartregion.__file__).parents[1]),
    }
    done = subprocess.run([sys.executable, "-m", "smartregion", "build", "-q"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "smartregion: graph/zz.trig:11:20: syntax error: Unexpected end of file; fix the file and build again"
    ]
    done = subprocess.run(
        [sys.executable, "-m", "smartregion", "query", "SELECT * WHERE { ?s ?p }"], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.startswith("smartregion: SPARQL syntax error") and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_cli_validate_exit_code(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SMARTREGION_HOME", str(project))
    assert main(["validate", "--quiet"]) == 0
    (project / "graph" / "invalid.trig").write_text(INVALID, encoding="utf-8")
    assert main(["validate", "--quiet", "--lang", "de"]) == 1
    assert "Sprach-Tag" in capsys.readouterr().out
