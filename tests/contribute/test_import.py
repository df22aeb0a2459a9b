"""Spreadsheet import (issue 6, point 1): templates, matching, new IRIs, provenance, every kind of bad input
refused with row, column and fix while the store stays exactly as it was, dry runs, TriG output,
removal, and contributions surviving a rebuild. Real stores throughout (``fresh_store`` per test)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import rdflib
from smartregion.build import build
from smartregion.cli.main import main
from smartregion.contribute import contributions, model, spreadsheets
from smartregion.contribute.model import CONTRIBUTION_NS, ContributionError, Provenance
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore

ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
WFBB = ID + "organisation/wfbb"
DABB = ID + "organisation/dabb"
KINDS = ("organisations", "persons", "events", "cooperations", "memberships", "projects")


def content(store: EmbeddedStore) -> list[str]:
    """The store's statements as sorted N-Quads lines: equal lists mean the same content."""
    return sorted(line for line in store.dump("nquads").decode("utf-8").splitlines() if line.strip())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(store: EmbeddedStore, data: bytes, name: str, kind: str) -> list[model.Problem]:
    """Import ``data``; assert it is refused and the store unchanged; return the problems."""
    before, revision = content(store), store.revision()
    with pytest.raises(ContributionError) as caught:
        spreadsheets.import_table(
            store, spreadsheets.read_table(data, name), spreadsheets.get_kind(kind), Provenance("t", name, "spreadsheet")
        )
    assert content(store) == before and store.revision() == revision
    assert caught.value.problems
    return caught.value.problems


def imported(store: EmbeddedStore, text: str, kind: str, name: str = "rows.csv", **options) -> model.ContributionResult:
    table = spreadsheets.read_table(text.encode("utf-8"), name)
    return spreadsheets.import_table(store, table, spreadsheets.get_kind(kind), Provenance("Erika Test", name, "spreadsheet"), **options)


# --- templates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("suffix", "lang"), [(".csv", "en"), (".xlsx", "de")])
def test_every_template_imports_as_a_dry_run(kind: str, suffix: str, lang: str, fresh_store: EmbeddedStore, tmp_path: Path, capsys) -> None:
    path = tmp_path / f"{kind}{suffix}"
    code, out, _ = run(capsys, "template", kind, "-o", str(path), "--lang", lang)
    assert code == 0 and path.is_file()
    if suffix == ".xlsx":  # the German headers, and a sheet that explains the columns
        workbook = openpyxl.load_workbook(path)
        assert [c.value for c in workbook.worksheets[0][1]] == [c.german for c in spreadsheets.get_kind(kind).columns]
        assert workbook.worksheets[1].title == "Spalten"
    before = content(fresh_store)
    # The example row as it stands is refused: a template sent back unfilled adds nothing.
    code, out, err = run(capsys, "import", str(path), "--kind", kind, "--store", str(fresh_store.path), "--dry-run")
    assert code == 1 and "row 2" in err and "template's example row" in err, err
    _change_example(path, spreadsheets.get_kind(kind))
    code, out, err = run(capsys, "import", str(path), "--kind", kind, "--store", str(fresh_store.path), "--dry-run")
    assert code == 0, err
    assert out.startswith("would add contribution") and "new" in out
    assert content(fresh_store) == before


def _change_example(path: Path, kind: spreadsheets.Kind) -> None:
    """Empty the example row's first optional cell that has a value, as a person filling in the template would change it."""
    index = next(i for i, c in enumerate(kind.columns) if not c.required and kind.examples[0].get(c.name))
    if path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path)
        workbook.worksheets[0].cell(row=2, column=index + 1).value = None
        workbook.save(path)
    else:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        rows[1][index] = ""
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(rows)


def test_template_describe_lists_every_column(capsys) -> None:
    code, out, _ = run(capsys, "template", "events", "--describe")
    assert code == 0
    for column in spreadsheets.get_kind("events").columns:
        assert f"`{column.name}`" in out and f"`{column.german}`" in out


# --- successful imports -----------------------------------------------------------------------------


def test_import_writes_a_contribution_with_provenance(fresh_store: EmbeddedStore, tmp_path: Path, capsys) -> None:
    # Semicolons, as German Excel writes CSV: a list inside a cell is quoted.
    path = write(
        tmp_path,
        "orgs.csv",
        "Name;Typ;Kurznamen;Sitz;Gründung;Webseite;Themen\n"
        'Digitalwerkstatt Fläming e. V.;Verein;DWF;Bad Belzig;2019;https://example.org/dwf;"smart-city; networking"\n',
    )
    code, out, err = run(capsys, "import", str(path), "--kind", "organisations", "--store", str(fresh_store.path), "--agent", "Erika Test")
    assert code == 0, err
    assert "sr:Association" in out
    new = ID + "organisation/digitalwerkstatt-flaeming-e-v"
    rows = fresh_store.select(
        f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?g ?name ?when ?file ?type WHERE {{ GRAPH ?g {{ <{new}> a ?type ; dcterms:source ?g .
            ?g prov:wasAttributedTo/<http://xmlns.com/foaf/0.1/name> ?name ; prov:generatedAtTime ?when ;
               <{SR}fileName> ?file }} }}"""
    )
    assert len(rows) == 1
    assert rows[0]["g"].startswith(CONTRIBUTION_NS) and rows[0]["name"] == "Erika Test" and rows[0]["file"] == "orgs.csv"
    assert rows[0]["type"] == SR + "Association" and rows[0]["when"][:2] == "20"
    assert fresh_store.ask(
        f'ASK {{ <{new}> <http://www.w3.org/2004/02/skos/core#altLabel> "DWF"@de ; <https://schema.org/location> <{ID}municipality/bad-belzig> }}'
    )
    listed = contributions.list_contributions(fresh_store)
    assert [c["graph"] for c in listed] == [rows[0]["g"]] and listed[0]["method"] == "spreadsheet" and listed[0]["source"] == "orgs.csv"


def test_existing_entities_are_matched_never_duplicated(fresh_store: EmbeddedStore) -> None:
    organisations = (
        f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{SR}Organisation> }}"
    )
    count = fresh_store.select(organisations)[0]["n"]
    # By abbreviation, by full name in other case and spelling (ü/ue), and by IRI.
    result = imported(
        fresh_store,
        "name,website,iri\n"
        "WFBB,https://example.org/wfbb,\n"
        "DIGITALAGENTUR BRANDENBURG GMBH,https://example.org/dabb,\n"
        "Investitionsbank,,https://w3id.org/smartregion/id/organisation/ilb\n",
        "organisations",
    )
    assert result.added == {} and result.updated == 3
    assert fresh_store.select(organisations)[0]["n"] == count
    assert fresh_store.ask(
        f'ASK {{ <{WFBB}> <https://schema.org/url> "https://example.org/wfbb"^^<http://www.w3.org/2001/XMLSchema#anyURI> }}'
    )
    # A name the entity did not have yet, given with its IRI, becomes an alias.
    assert fresh_store.ask(f'ASK {{ <{ID}organisation/ilb> <http://www.w3.org/2004/02/skos/core#altLabel> "Investitionsbank"@de }}')


def test_new_iris_follow_the_slug_rules_and_never_clash(fresh_store: EmbeddedStore) -> None:
    # "Berlin Partner!" is no name of organisation/berlin-partner ("Berlin Partner für Wirtschaft und
    # Technologie"), but its slug is taken: the new entity gets -2.
    result = imported(fresh_store, "name\nBerlin Partner!\nÖkoStadt Größenwahn\n", "organisations")
    subjects = {str(s) for s in result.graph.subjects() if str(s).startswith(ID)}
    assert subjects == {ID + "organisation/berlin-partner-2", ID + "organisation/oekostadt-groessenwahn"}


def test_names_match_whatever_their_punctuation_case_and_umlauts(fresh_store: EmbeddedStore) -> None:
    result = imported(fresh_store, "name,type,start,organisers\nDigitaltag,conference,13.05.2025,„BITKOM!“\n", "events")
    organisers = {str(o) for o in result.graph.objects(rdflib.URIRef(ID + "event/digitaltag"), rdflib.URIRef("https://schema.org/organizer"))}
    assert organisers == {ID + "organisation/bitkom"}


def test_rows_may_refer_to_entities_of_earlier_rows(fresh_store: EmbeddedStore) -> None:
    result = imported(
        fresh_store,
        "name,type,start,part_of,organisers\nDigitaltag Fläming,conference,13.05.2025,,WFBB\nWerkstatt Daten,Sitzung,,Digitaltag Fläming,DABB\n",
        "events",
    )
    assert result.added == {"sr:Conference": 1, "sr:Session": 1}
    assert fresh_store.ask(
        f"ASK {{ <{ID}event/werkstatt-daten> <https://schema.org/superEvent> <{ID}event/digitaltag-flaeming> . "
        f'<{ID}event/digitaltag-flaeming> <https://schema.org/startDate> "2025-05-13"^^<http://www.w3.org/2001/XMLSchema#date> }}'
    )


def test_memberships_and_persons(fresh_store: EmbeddedStore) -> None:
    imported(fresh_store, "Name,Titel,Beruf\nErika Musterfrau,Dr.,Stadtplanerin\n", "persons")
    result = imported(
        fresh_store,
        "Person,Organisation,Rolle,Funktion,Beginn\nErika Musterfrau,DABB,Fachexpert/in,Referentin Smart Region,2024-01\n",
        "memberships",
    )
    assert result.added == {"org:Membership": 1}
    membership = ID + "membership/erika-musterfrau-dabb"
    assert fresh_store.ask(
        f"""ASK {{ <{membership}> <http://www.w3.org/ns/org#member> <{ID}person/erika-musterfrau> ;
            <http://www.w3.org/ns/org#organization> <{DABB}> ; <http://www.w3.org/ns/org#role> <{ID}role/expert> }}"""
    )


def test_dry_run_writes_nothing_and_shows_turtle(fresh_store: EmbeddedStore, tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "coop.csv", "partners,kind\nWFBB; Bitkom,strategic-cooperation\n")
    before = content(fresh_store)
    code, out, err = run(capsys, "import", str(path), "--kind", "cooperations", "--store", str(fresh_store.path), "--dry-run", "--verbose")
    assert code == 0, err
    assert "would add" in out and "sr:Cooperation" in out and "sr:partner" in out and "prov:wasAttributedTo" in out
    assert content(fresh_store) == before and contributions.list_contributions(fresh_store) == []


def test_output_writes_trig_not_the_store(fresh_store: EmbeddedStore, tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "p.csv", "name\nMax Beispiel\n")
    target = tmp_path / "out.trig"
    graph = "https://w3id.org/smartregion/source/beispiel"
    before = content(fresh_store)
    code, _out, err = run(
        capsys, "import", str(path), "--kind", "persons", "--store", str(fresh_store.path), "--graph", graph, "--output", str(target)
    )
    assert code == 0, err
    assert content(fresh_store) == before
    dataset = rdflib.Dataset()
    dataset.parse(target, format="trig")
    named = dataset.graph(rdflib.URIRef(graph))
    assert (rdflib.URIRef(ID + "person/max-beispiel"), rdflib.namespace.DCTERMS.source, rdflib.URIRef(graph)) in named


# --- bad input: refused, every problem located, store unchanged -------------------------------------


def test_wrong_columns(fresh_store: EmbeddedStore) -> None:
    problems = refused(fresh_store, b"Nachname,Hobby\nMuster,Segeln\n", "p.csv", "persons")
    text = [str(p) for p in problems]
    assert any("unknown column 'Nachname'" in t and "row 1" in t for t in text)
    assert any("unknown column 'Hobby'" in t for t in text)
    assert any("required column 'name' (Name) is missing" in t and "fix:" in t for t in text)


def test_unknown_kind(fresh_store: EmbeddedStore, tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "x.csv", "name\nX\n")
    before = content(fresh_store)
    code, _, err = run(capsys, "import", str(path), "--kind", "vereine", "--store", str(fresh_store.path))
    assert code == 1 and "unknown kind 'vereine'" in err and "organisations" in err
    assert content(fresh_store) == before


def test_broken_dates(fresh_store: EmbeddedStore) -> None:
    problems = refused(
        fresh_store,
        "name,type,start,end\nTag A,conference,31.02.2025,\nTag B,conference,2025-13,\nTag C,conference,nächsten Mai,\n".encode(),
        "e.csv",
        "events",
    )
    assert [(p.row, p.column) for p in problems] == [(2, "start"), (3, "start"), (4, "start")]
    assert all("is not a date" in p.message and "YYYY-MM-DD" in p.fix for p in problems)


def test_unknown_and_ambiguous_references(fresh_store: EmbeddedStore) -> None:
    problems = refused(
        fresh_store,
        b"partners,kind\nWFBB; Gibtsnicht GmbH,consulting\nWFBB; Soest,consulting\nWFBB; DABB,Kaffeeklatsch\n",
        "c.csv",
        "cooperations",
    )
    by_row = {p.row: p for p in problems}
    assert "unknown reference" in by_row[2].message and "Gibtsnicht GmbH" in by_row[2].message and by_row[2].column == "partners"
    # Two entities are called Soest: both are listed, none is picked.
    assert (
        "ambiguous" in by_row[3].message and ID + "municipality/soest" in by_row[3].message and ID + "district/soest" in by_row[3].message
    )
    assert "IRI" in by_row[3].fix
    assert by_row[4].column == "kind" and "consulting" in by_row[4].fix


COTTBUS = ID + "municipality/cottbus-chosebuz"


def test_an_unknown_name_gets_the_closest_names_as_candidates(fresh_store: EmbeddedStore) -> None:
    problems = refused(fresh_store, b"name,location\nDigitalwerkstatt Lausitz,Cottbus\nLabor Havel,Potsdamm\n", "o.csv", "organisations")
    by_row = {p.row: p for p in problems}
    cottbus = by_row[2]
    assert cottbus.column == "location" and "unknown reference" in cottbus.message
    assert cottbus.candidates[0] == (COTTBUS, "Cottbus/Chóśebuz")
    assert f"did you mean <{COTTBUS}>" in cottbus.fix
    assert cottbus.as_dict()["candidates"][0] == {"iri": COTTBUS, "label": "Cottbus/Chóśebuz"}
    assert ID + "municipality/potsdam" in [iri for iri, _ in by_row[3].candidates]  # a typo finds it too
    # Nothing close: no candidates, the old advice.
    far = refused(fresh_store, b"partners,kind\nWFBB; Qwxyzvbn Holding,consulting\n", "c.csv", "cooperations")
    assert far[0].candidates == () and "check the spelling" in far[0].fix


def test_the_cli_shows_the_candidates(fresh_store: EmbeddedStore, tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "orgs.csv", "name,location\nDigitalwerkstatt Lausitz,Cottbus\n")
    code, _, err = run(capsys, "import", str(path), "--kind", "organisations", "--store", str(fresh_store.path), "--dry-run")
    assert code == 1 and "row 2" in err and "'location'" in err
    assert f"did you mean <{COTTBUS}> “Cottbus/Chóśebuz”" in err


def test_unknown_iri_reference(fresh_store: EmbeddedStore) -> None:
    problems = refused(fresh_store, f"member,organisation\n{ID}person/niemand,DABB\n".encode(), "m.csv", "memberships")
    assert problems[0].row == 2 and problems[0].column == "member" and "no entity" in problems[0].message


def test_duplicate_rows(fresh_store: EmbeddedStore) -> None:
    problems = refused(fresh_store, b"name\nNeue Initiative\nneue initiative\n", "o.csv", "organisations")
    assert len(problems) == 1 and problems[0].row == 3 and "duplicate row" in problems[0].message and "row 2" in problems[0].message
    problems = refused(fresh_store, b"partners,kind\nWFBB; Bitkom,consulting\nBitkom; WFBB,consulting\n", "c.csv", "cooperations")
    assert [p.row for p in problems] == [3] and "duplicate row" in problems[0].message


@pytest.mark.parametrize(
    ("data", "name", "why"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv", "binary data"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "old.xls", "old binary Excel"),
        (b"just some text, not a table", "notes.xlsx", "not an Excel workbook"),
        (b"", "empty.csv", "empty"),
    ],
)
def test_files_that_are_not_spreadsheets(fresh_store: EmbeddedStore, data: bytes, name: str, why: str) -> None:
    before = content(fresh_store)
    with pytest.raises(ContributionError) as caught:
        spreadsheets.read_table(data, name)
    assert "is not a spreadsheet" in str(caught.value) and why in str(caught.value)
    assert content(fresh_store) == before


def test_a_zip_that_is_not_a_workbook(fresh_store: EmbeddedStore) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(ContributionError, match="no Excel workbook"):
        spreadsheets.read_table(buffer.getvalue(), "data.xlsx")


def test_shape_violations_are_reported_at_their_cell(fresh_store: EmbeddedStore) -> None:
    # The shapes, not the converter, know that an end must not be before the start.
    problems = refused(fresh_store, b"name,type,start,end\nRueckwaerts,workshop,2025-05-13,2025-05-01\n", "e.csv", "events")
    assert [(p.row, p.column) for p in problems] == [(2, "end")]
    assert "before schema:startDate" in problems[0].message and ID + "event/rueckwaerts" == problems[0].entity


def test_an_import_adds_but_never_overwrites(fresh_store: EmbeddedStore) -> None:
    problems = refused(fresh_store, b"name,founded\nDABB,1999\n", "o.csv", "organisations")  # stored: 2018
    assert problems[0].column == "founded" and "2018" in problems[0].message and "does not overwrite" in problems[0].message


def test_a_type_that_contradicts_the_stored_one(fresh_store: EmbeddedStore) -> None:
    problems = refused(fresh_store, b"name,type\nWFBB,ministry\n", "o.csv", "organisations")
    assert problems[0].column == "type" and "sr:EconomicDevelopmentAgency" in problems[0].message


def test_the_cli_lists_every_problem_and_exits_1(fresh_store: EmbeddedStore, tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "e.csv", "name,start,organisers\nA,gestern,WFBB\nB,2025,Niemand\n")
    before = content(fresh_store)
    code, out, err = run(capsys, "import", str(path), "--kind", "events", "--store", str(fresh_store.path))
    assert code == 1 and out == ""
    assert "row 2, column 'start': 'gestern' is not a date" in err and "row 3, column 'organisers'" in err
    assert "2 problems" in err and "nothing was written" in err
    assert content(fresh_store) == before


# --- removal and rebuilds ---------------------------------------------------------------------------


def test_remove_checks_dependents_first(fresh_store: EmbeddedStore) -> None:
    person = imported(fresh_store, "name\nErika Musterfrau\n", "persons")
    membership = imported(fresh_store, "member,organisation\nErika Musterfrau,DABB\n", "memberships")
    with pytest.raises(ContributionError) as caught:
        contributions.remove(fresh_store, person.id)
    assert membership.graph_iri in str(caught.value) and ID + "person/erika-musterfrau" in str(caught.value)
    contributions.remove(fresh_store, membership.id)
    contributions.remove(fresh_store, person.id)
    assert contributions.list_contributions(fresh_store) == []
    assert not fresh_store.ask(f"ASK {{ <{ID}person/erika-musterfrau> ?p ?o }}")
    with pytest.raises(model.UnknownContribution):
        contributions.remove(fresh_store, person.id)


def test_a_rebuild_keeps_contributions(fresh_store: EmbeddedStore, project_root: Path) -> None:
    result = imported(fresh_store, "partners,kind\nBitkom; Messe Berlin,event-cooperation\n", "cooperations")
    graphs = set(fresh_store.named_graphs())
    # Without validation: this is about what a rebuild keeps; validating the reference data takes a minute.
    outcome = build(Settings(home=project_root, store_path=fresh_store.path), progress=False, check=False)
    assert outcome.kept == [result.graph_iri]
    assert set(fresh_store.named_graphs()) == graphs
    assert fresh_store.ask(f"ASK {{ GRAPH <{result.graph_iri}> {{ ?c <{SR}partner> <{ID}organisation/bitkom> }} }}")
