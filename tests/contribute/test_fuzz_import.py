"""Fuzzing the import (issue 8, point 2): spreadsheets and RDF uploads made by hypothesis either import or
are refused with problems that say where (row and column, or the parser's line) and how to fix it; nothing
else escapes, and a refused import leaves the store exactly as it was (its revision and triple count).

The spreadsheet property runs in-process as dry runs (the unit is the reader, converter and validation,
and a dry run is ten times faster than a write); the upload property goes through the HTTP API and
really writes, so that "all or nothing" is checked on the store itself. Every bug the fuzzing found is
kept as an ``@example``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from smartregion.contribute import spreadsheets
from smartregion.contribute.model import ContributionError, Provenance
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web import contributions as contributions_api
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TOKEN = "fuzz-token-7c1e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The README's kinds; the others (municipalities, mpsc) make the reference data.
USER_KINDS = ("organisations", "persons", "events", "cooperations", "memberships", "projects")

# Cells people (and attackers) write: formulas, dates that are none, names that are ambiguous or unknown,
# IRIs good and bad, SPARQL and markup, list separators, invisible and right-to-left characters.
TRICKY_CELLS = (
    "=cmd()", '=HYPERLINK("http://127.0.0.1/")', "+SUM(A1:A9)", "-1", "@import", "=1+1",
    "31.02.2025", "2025-13", "2021-02-29", "0000", "99.99.9999", "nächsten Mai", "2024-05-13T25:61", "13.05.2025 14:00 Uhr",
    "WFBB", "DABB", "Bad Belzig", "Soest", "Brandenburg", "Madeleine Lee", "smart-city; networking", "association", "conference",
    f"{ID}organisation/wfbb", "id:organisation/dabb", f"<{ID}person/niemand>", f"{ID}organisation/x y", "http://",
    "https://example.org/", '"} ; DROP ALL #', "> . ?s ?p ?o <", "<script>alert(1)</script>", "a;b;;c", "a|b\nc", "\ufeffName",
    "\u202eevil", "\u2028", "NaN", "1e309", "８.０００", "0x10", "120", "8.000", "online", "hybrid",
)
LONG_CELL_LENGTHS = (1_000, 20_000, 140_000)  # the last is over the csv module's field limit of 131072


def cells() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""),
        st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=30),  # any printable unicode
        st.text(st.characters(codec="cp1252", categories=("L", "Zs")), min_size=2, max_size=30),  # plain names
        st.sampled_from(TRICKY_CELLS),
    )


def rarely(draw: st.DrawFn) -> bool:
    """One time in eight; hypothesis starts from the simplest values (0), so the rare branch is the largest."""
    return draw(st.integers(0, 7)) == 7


@st.composite
def spreadsheet_files(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """(kind, file content, file name): CSV with any separator, encoding, BOM and quoting, or XLSX, or junk.

    Headers are the kind's required columns and some others, in any of their spellings and cases; now and
    then a required one is missing, one comes twice, or one is unknown.
    """
    kind_name = draw(st.sampled_from([*USER_KINDS] * 4 + sorted(set(spreadsheets.KINDS) - set(USER_KINDS))))
    kind = spreadsheets.KINDS[kind_name]
    if rarely(draw):
        return kind_name, draw(st.binary(max_size=300)), "junk.csv"
    columns = [c for c in kind.columns if c.required]
    if draw(st.integers(0, 2)) == 0 and [c.name for c in columns] == ["name"]:  # new entities with plain names: these import
        names = st.text(st.characters(codec="cp1252", categories=("L",)), min_size=2, max_size=30)
        text = "".join(f"{name}\n" for name in ["name", *draw(st.lists(names, min_size=1, max_size=3, unique_by=str.lower))])
        return kind_name, text.encode("utf-8"), "names.csv"
    if rarely(draw):
        columns = columns[1:]
    optional = [c for c in kind.columns if not c.required]
    columns += draw(st.lists(st.sampled_from(optional), unique_by=lambda c: c.name, max_size=4))
    if rarely(draw):
        columns.append(draw(st.sampled_from(columns or kind.columns)))
    spell = st.sampled_from([str.lower, str.upper, lambda h: f" {h.replace('_', ' ')} "])
    header = [draw(spell)(draw(st.sampled_from(c.headers()))) for c in columns]
    if rarely(draw):
        header.append(draw(st.text(min_size=1, max_size=12)))
    width = len(header)
    rows = draw(st.lists(st.lists(cells(), min_size=max(width - 1, 0), max_size=width + 1), min_size=1, max_size=4))
    if rarely(draw) and rows[0]:
        rows[0][0] = "Ä" * draw(st.sampled_from(LONG_CELL_LENGTHS))
    table = [header, *rows]
    if rarely(draw):
        workbook = openpyxl.Workbook()
        for row in table:
            workbook.active.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return kind_name, buffer.getvalue(), "rows.xlsx"
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(table)
        text = out.getvalue()
    else:  # by hand, unquoted: a separator inside a cell shifts the columns
        text = "".join(delimiter.join(row) + "\n" for row in table)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return kind_name, text.encode(encoding, errors="replace"), "rows.csv"


def names(table: spreadsheets.Table, kind: spreadsheets.Kind) -> list[str]:
    """The cells of the table's name column, if the kind has one."""
    keys = {spreadsheets.header_key(h) for c in kind.columns if c.name == "name" for h in c.headers()}
    return [row.values[h] for row in table.rows for h in table.headers if spreadsheets.header_key(h) in keys and row.values.get(h)]


def assert_located(problems: list, kind: spreadsheets.Kind, table: spreadsheets.Table | None, data: bytes) -> None:
    """Every problem says what is wrong and how to fix it, at a row and column the file has."""
    assert problems
    last_row = data.count(b"\n") + data.count(b"\r") + 1
    columns = ({*table.headers} if table else set()) | {c.name for c in kind.columns}
    for problem in problems:
        assert problem.message.strip() and problem.fix.strip(), problem
        if problem.row is not None:
            assert 1 <= problem.row <= last_row, problem
            assert f"row {problem.row}" in str(problem)
        if problem.column is not None:
            assert table is not None and problem.column in columns, problem


@settings(max_examples=100)
@given(upload=spreadsheet_files())
@example(upload=("organisations", b"name\nok\n" + b"x" * 140_000 + b"\n", "long.csv"))  # was a 500: csv's field limit
@example(upload=("organisations", b"name\nalt\rmac\n", "mac.csv"))  # was a 500: a lone \r in an unquoted cell
@example(upload=("organisations", b"\x9d", "junk.csv"))  # was a 500: a byte that is no character in cp1252 either
@example(upload=("persons", b'Name;Titel\n=cmd();"=HYPERLINK(""x"")"\n', "formula.csv"))  # formulas are text
# were 500s: the register of municipalities read the cells by the header as written, not by column
@example(upload=("municipalities", b"ARS,AGS,NAME,NAME_KURZ,GEMEINDE_TYP_CODE,GEMEINDEFREI,LAND_KEY,LAND_NAME,LAND_KUERZEL\n"
                                   b"010010000000,01001000,Flensburg,Flensburg,63,false,01,Schleswig-Holstein,SH\n", "upper.csv"))
@example(upload=("municipalities", b"ars,ags,name,name_kurz,gemeinde_typ_code,gemeindefrei,land_key,land_name,land_kuerzel,kreis_key\n"
                                   b"010010000000,01001000,Flensburg,Flensburg,63,false,01,Schleswig-Holstein,SH,01001\n", "kreis.csv"))
def test_spreadsheets_import_or_are_refused_at_their_cell(fresh_store: EmbeddedStore, upload: tuple[str, bytes, str]) -> None:
    kind_name, data, name = upload
    kind = spreadsheets.KINDS[kind_name]
    before = fresh_store.revision(), fresh_store.triple_count()
    table = None
    try:
        table = spreadsheets.read_table(data, name)
        result = spreadsheets.import_table(fresh_store, table, kind, Provenance("fuzz", name, "spreadsheet"), dry_run=True)
    except ContributionError as exc:
        event("refused")  # --hypothesis-show-statistics shows how often each way was taken
        assert_located(exc.problems, kind, table, data)
    else:
        event("imported")
        # What would be written is RDF that pyoxigraph reads back whole, and the names are kept as written.
        assert result.dry_run and result.triples == len(result.graph) > 0
        assert len(list(ox.parse(result.turtle().encode("utf-8"), format=ox.RdfFormat.TURTLE))) == result.triples
        literals = {str(o) for o in result.graph.objects() if isinstance(o, rdflib.Literal)}
        assert set(names(table, kind)) <= literals or result.updated
    assert (fresh_store.revision(), fresh_store.triple_count()) == before


def test_formula_like_cells_are_kept_as_text(fresh_store: EmbeddedStore) -> None:
    """A CSV cell is text: ``=cmd()`` becomes a name as written, never something evaluated or dropped."""
    table = spreadsheets.read_table(b"name,description\n=cmd(),+SUM(A1:A9)\n", "formula.csv")
    provenance = Provenance("t", "formula.csv", "spreadsheet")
    result = spreadsheets.import_table(fresh_store, table, spreadsheets.KINDS["organisations"], provenance, dry_run=True)
    new = ID + "organisation/cmd"
    labels = {str(o) for s, p, o in result.graph if str(s) == new and str(p) == RDFS_LABEL}
    assert labels == {"=cmd()"}
    assert "+SUM(A1:A9)" in {str(o) for s, o in result.graph.subject_objects() if str(s) == new}


# --- uploads through the HTTP API -------------------------------------------------------------------

ORGANISATION = {
    "@context": {"sr": SR, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "label": {"@id": "rdfs:label", "@language": "de"}},
    "@id": ID + "organisation/fuzz-verein",
    "@type": "sr:Association",
    "label": "Fuzz-Verein",
}
VALID_UPLOADS = {
    "text/turtle": f'@prefix sr: <{SR}> .\n<{ID}organisation/fuzz-verein> a sr:Association ;\n'
    f'  <{RDFS_LABEL}> "Fuzz-Verein"@de .\n',
    "application/x-turtle": f'<{ID}organisation/fuzz-verein> a <{SR}Association> ; <{RDFS_LABEL}> "Fuzz-Verein"@de .\n',
    "application/n-triples": (
        f"<{ID}organisation/fuzz-verein> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SR}Association> .\n"
        f'<{ID}organisation/fuzz-verein> <{RDFS_LABEL}> "Fuzz-Verein"@de .\n'
    ),
    "application/ld+json": json.dumps(ORGANISATION),
    "application/rdf+xml": (
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
        f'<rdf:Description rdf:about="{ID}organisation/fuzz-verein"><rdf:type rdf:resource="{SR}Association"/>'
        '<rdfs:label xml:lang="de">Fuzz-Verein</rdfs:label></rdf:Description></rdf:RDF>'
    ),
}
SYNTAX = '<>"{}@^\\.;,[]()#_:' + "\n"


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """A valid document with a few characters inserted or removed: mostly broken, sometimes still valid."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            inserted = draw(st.text(alphabet=st.sampled_from(SYNTAX) | st.characters(), min_size=1, max_size=3))
            text = text[:at] + inserted + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 5)) :]
    return text.encode("utf-8")


@st.composite
def uploads(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str]]:
    """(media type, body, query parameters): RDF in every format the API names (and RDF/XML), or a spreadsheets."""
    media_type = draw(st.sampled_from([*VALID_UPLOADS, "text/csv", XLSX]))
    if media_type in VALID_UPLOADS:
        body = draw(st.one_of(st.binary(max_size=200), mutated(VALID_UPLOADS[media_type])))
        return media_type, body, {}
    kind, data, name = draw(spreadsheet_files())
    return media_type, data, {"kind": kind, "filename": name}


@pytest.fixture
def client(project_root: Path, fresh_store: EmbeddedStore) -> Iterator[TestClient]:
    settings_ = Settings(home=project_root, store_path=fresh_store.path, write_token=TOKEN, query_workers=1)
    with TestClient(create_app(settings_)) as test_client:
        yield test_client


@settings(max_examples=30)
@given(upload=uploads())
@example(upload=("text/turtle", f'<< <{ID}a> <{ID}b> <{ID}c> >> <{ID}d> "x" .'.encode(), {}))  # was a 500: an RDF 1.2 triple term
@example(upload=("text/turtle", f'<{ID}organisation/a> <{RDFS_LABEL}> "x"@en--ltr .'.encode(), {}))  # was a 500: a text direction
@example(upload=("text/turtle", b"", {}))  # was 201: an empty contribution
@example(upload=("application/ld+json", b"[]", {}))  # was 201: an empty contribution
@example(upload=("text/csv", b"name\n" + b"x" * 140_000 + b"\n", {"kind": "organisations"}))  # was a 500
@example(upload=("text/turtle", VALID_UPLOADS["text/turtle"].encode(), {}))
def test_uploads_are_written_whole_or_refused_with_a_message(
    client: TestClient, fresh_store: EmbeddedStore, upload: tuple[str, bytes, dict[str, str]]
) -> None:
    media_type, body, params = upload
    before = fresh_store.revision(), fresh_store.triple_count()
    response = client.post("/api/contributions", content=body, params=params, headers={"Content-Type": media_type, **AUTH})
    answer = response.json()
    event(f"{response.status_code} {answer.get('title') or 'written'}")
    if response.status_code == 201:
        # All of it: the store grew by exactly the contribution's triples, which read back as its graph.
        assert fresh_store.revision() != before[0]
        assert fresh_store.triple_count() == before[1] + answer["triples"]
        graph = client.get(f"/api/contributions/{answer['id']}")
        assert len(list(ox.parse(graph.content, format=ox.RdfFormat.TURTLE))) == answer["triples"]
        return
    # Or nothing, with a message that says what is wrong.
    assert (fresh_store.revision(), fresh_store.triple_count()) == before
    assert answer["title"] and answer["detail"]
    if media_type not in contributions_api.RDF_TYPES and media_type not in contributions_api.SPREADSHEET_TYPES:
        assert response.status_code == 415 and media_type in answer["detail"]
    assert response.status_code in (400, 415, 422), response.text
    if answer["title"] == "cannot parse the upload" and media_type != "application/ld+json":
        # The text formats' parser says where; JSON-LD's reports keyword errors without a position.
        assert re.search(r"line \d+", answer["detail"]), answer["detail"]
    if response.status_code == 422:
        assert answer["problems"] and all(p["message"] and p["fix"] for p in answer["problems"])


@pytest.mark.parametrize(
    ("media_type", "body", "params", "status", "says"),
    [
        ("text/turtle", f'<< <{ID}a> <{ID}b> <{ID}c> >> <{ID}d> "x" .', {}, 400, "triple terms and directional language tags"),
        ("text/turtle", f'<{ID}organisation/a> <{RDFS_LABEL}> "x"@en--ltr .', {}, 400, "use a plain language tag such as @de"),
        ("text/turtle", "# nothing but a comment\n", {}, 422, "the upload holds no triples"),
        ("application/ld+json", "[]", {}, 422, "the upload holds no triples"),
        ("text/csv", "name\nok\n" + "x" * 140_000 + "\n", {"kind": "organisations"}, 422, "field larger than field limit"),
        ("text/csv", b"name\nab\x81c\n", {"kind": "organisations"}, 422, "neither UTF-8 nor Windows-1252 text (byte 8)"),
    ],
)
def test_what_the_fuzzing_found_is_refused_with_a_reason(
    client: TestClient, fresh_store: EmbeddedStore, media_type: str, body: str | bytes, params: dict, status: int, says: str
) -> None:
    """These were a 500 (RDF 1.2 terms rdflib cannot read back, an over-long CSV cell, bytes no encoding reads)
    or an empty contribution."""
    before = fresh_store.revision(), fresh_store.triple_count()
    response = client.post("/api/contributions", content=body, params=params, headers={"Content-Type": media_type, **AUTH})
    assert response.status_code == status and says in response.text, response.text
    if "field limit" in says:
        assert [(p["row"], p["column"]) for p in response.json()["problems"]] == [(3, None)]
    assert (fresh_store.revision(), fresh_store.triple_count()) == before
