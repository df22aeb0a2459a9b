"""Validation is reused only for inputs that passed before; the project's committed record is true."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from smartregion.build import BuildError, build, parse_project, validate_project
from smartregion.cli.main import main
from smartregion.contribute.contributions import Provenance, add_graph
from smartregion.settings import Settings
from smartregion.store import open_store
from smartregion.validation.record import (
    COMMITTED_RECORD,
    LOCAL_RECORD,
    inputs_digest,
    passed_before,
)
from test_build import INVALID, VALID

SR = "https://w3id.org/smartregion/ontology#"


@pytest.fixture
def project(make_project: Callable[[str, str], Path]) -> Path:
    """A small project: the real ontology and shapes, one valid source graph."""
    return make_project("test-source.trig", VALID)


def test_the_committed_record_is_true(project_root: Path) -> None:
    """graph/validated.json names the digest of the project's files as they are, and those files conform."""
    project = parse_project(project_root, progress=False)
    record = json.loads((project_root / COMMITTED_RECORD).read_text(encoding="utf-8"))
    assert record["digest"] == inputs_digest(project_root, project.files), (
        "graph/, ontology/ or shapes/ changed since graph/validated.json was written: "
        "run `smartregion validate --record` and commit graph/validated.json"
    )
    report = validate_project(project)
    assert report.conforms and [v for v in report.violations if v.severity == "Violation"] == [], report.as_text()


def test_a_second_build_of_the_same_inputs_skips_validation(project: Path, tmp_path: Path) -> None:
    settings = Settings(home=project, store_path=tmp_path / "store")
    first = build(settings, progress=False, dumps=False)
    assert not first.validation_reused
    assert json.loads((project / LOCAL_RECORD).read_text())["digests"] == [
        inputs_digest(project, parse_project(project, progress=False).files)
    ]
    again = build(settings, progress=False, dumps=False)
    assert again.validation_reused
    assert again.summary == first.summary and first.summary.classes[SR + "Person"] == 2
    forced = build(settings, progress=False, dumps=False, reuse=False)
    assert not forced.validation_reused


@pytest.mark.parametrize("change", ["data", "shapes", "ontology"])
def test_any_change_of_data_shapes_or_ontology_validates_again(project: Path, tmp_path: Path, change: str) -> None:
    settings = Settings(home=project, store_path=tmp_path / "store")
    build(settings, progress=False, dumps=False)
    if change == "data":
        (project / "graph" / "test-source.trig").write_text(VALID.replace("Hans Muster", "Hans Mustermann"), encoding="utf-8")
    else:
        with (project / change / "smartregion.ttl").open("a", encoding="utf-8") as file:
            file.write("\n# changed\n")
    result = build(settings, progress=False, dumps=False)
    assert not result.validation_reused
    names = {r["n"] for r in open_store(settings).select(f"SELECT ?n WHERE {{ ?p a <{SR}Person> ; <{rdflib.RDFS.label}> ?n }}")}
    assert "Hans Mustermann" in names if change == "data" else names == {"Erika Muster", "Hans Muster"}


def test_invalid_data_is_never_let_through_by_an_earlier_pass(project: Path, tmp_path: Path) -> None:
    settings = Settings(home=project, store_path=tmp_path / "store")
    build(settings, progress=False, dumps=False)
    revision = open_store(settings).revision()
    (project / "graph" / "invalid.trig").write_text(INVALID, encoding="utf-8")
    with pytest.raises(BuildError, match="SHACL validation failed"):
        build(settings, progress=False, dumps=False)
    assert open_store(settings).revision() == revision
    assert not passed_before(project, inputs_digest(project, parse_project(project, progress=False).files))


def test_a_contribution_in_the_store_makes_the_rebuild_validate(project: Path, tmp_path: Path) -> None:
    """The graphs only the store has are validated with the files: a new one is a new input."""
    settings = Settings(home=project, store_path=tmp_path / "store")
    build(settings, progress=False, dumps=False)
    store = open_store(settings)
    graph = rdflib.Graph().parse(
        data=f'<https://w3id.org/smartregion/id/organisation/testverein> a <{SR}Association> ; <{rdflib.RDFS.label}> "Testverein"@de .',
        format="turtle",
    )
    add_graph(store, graph, Provenance("tester", "test.ttl", "api"))
    rebuilt = build(settings, progress=False, dumps=False)
    assert not rebuilt.validation_reused and len(rebuilt.kept) == 1
    assert build(settings, progress=False, dumps=False).validation_reused


def test_cli_validate_record_lets_a_fresh_clone_skip_validation(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMARTREGION_HOME", str(project))
    assert main(["validate", "--quiet", "--record"]) == 0
    assert "recorded the pass in graph/validated.json" in capsys.readouterr().err
    clone = tmp_path / "clone"
    shutil.copytree(project, clone)  # what git would check out: no .smartregion/ (validate writes none)
    assert not (clone / LOCAL_RECORD).exists()
    monkeypatch.setenv("SMARTREGION_HOME", str(clone))
    assert main(["build", "--quiet", "--store", str(tmp_path / "store")]) == 0
    assert "validation: not run again" in capsys.readouterr().out
    # A project that does not conform gets no record.
    (clone / "graph" / "invalid.trig").write_text(INVALID, encoding="utf-8")
    (clone / COMMITTED_RECORD).unlink()
    assert main(["validate", "--quiet", "--record"]) == 1
    assert not (clone / COMMITTED_RECORD).exists()
