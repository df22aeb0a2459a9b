"""Exports people open (issue 16, point 5) on the real app over the built seed graph: XLSX of the network, a
catalogue question and the lists; CSV for a German Excel; GraphML and GEXF valid against the official
schemas (vendored in tests/data/schemas with their licences); bad parameters refused with the parameter named."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import openpyxl
import pytest
import xmlschema
from fastapi.testclient import TestClient
from smartregion.settings import Settings
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
WFBB = ID + "organisation/wfbb"
NEULAND21 = ID + "organisation/neuland21"
PROJECT = ID + "project/5-fuer-suedwestfalen"
SCHEMAS = Path(__file__).parent.parent / "data" / "schemas"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def client(built_store, project_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=project_root, store_path=built_store.path, query_workers=1))) as test_client:
        yield test_client


def download(client: TestClient, url: str, media_type: str, **params) -> bytes:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["content-disposition"].startswith("attachment")
    return response.content


def workbook(body: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def excel_rows(body: bytes) -> list[list[str]]:
    """How a German Excel reads the file: BOM, UTF-8, ';' between cells."""
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))


# --- the network ------------------------------------------------------------------------------------


def test_network_as_xlsx_has_the_actors_and_the_links_of_the_api(client: TestClient) -> None:
    reference = client.get("/api/network").json()
    sheets = workbook(download(client, "/api/network", XLSX, format="xlsx"))
    assert list(sheets) == ["actors", "links"]
    actors, links = sheets["actors"], sheets["links"]
    assert actors[0] == ("iri", "label", "type", "group", "weight", "evidence_count", "degree")
    assert len(actors) - 1 == len(reference["nodes"]) and len(links) - 1 == len(reference["edges"])
    wfbb = next(row for row in actors if row[0] == WFBB)
    assert wfbb[1] == "Wirtschaftsförderung Brandenburg" and isinstance(wfbb[4], int | float)
    link = next(row for row in links if {row[0], row[1]} == {WFBB, NEULAND21})
    assert link[6] == 6 and link[7] == "cooperation;co-organisation;event-programme" and link[8] == 3


def test_network_csv_for_a_german_excel(client: TestClient) -> None:
    plain = list(csv.reader(io.StringIO(client.get("/api/network", params={"format": "csv"}).text)))
    rows = excel_rows(download(client, "/api/network", "text/csv", format="csv", dialect="excel"))
    assert rows[0] == plain[0] and len(rows) == len(plain)
    assert any(row[2] == "Wirtschaftsförderung Brandenburg" or row[3] == "Wirtschaftsförderung Brandenburg" for row in rows)
    link = next(row for row in rows if {row[0], row[1]} == {WFBB, NEULAND21})
    assert link[6] in ("6", "6,0") and link[7] == "cooperation;co-organisation;event-programme"


@pytest.fixture(scope="module")
def graphml_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "graphml" / "graphml.xsd"))


@pytest.fixture(scope="module")
def gexf_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "gexf-1.2draft" / "gexf.xsd"))


@pytest.mark.parametrize("filters", [{}, {"region": "Brandenburg"}])
def test_graphml_is_valid_against_the_official_schema(client: TestClient, graphml_schema, filters: dict) -> None:
    body = client.get("/api/network", params={"format": "graphml", **filters}).content
    assert b"http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd" in body  # the schema it declares
    errors = [f"{e.path}: {e.reason}" for e in graphml_schema.iter_errors(body.decode("utf-8"))]
    assert not errors, errors[:5]
    graph = nx.read_graphml(io.BytesIO(body))
    by_iri = {data["iri"]: node for node, data in graph.nodes(data=True)}
    assert graph.nodes[by_iri[WFBB]]["label"] == "Wirtschaftsförderung Brandenburg"
    assert all(node.startswith("n") and node[1:].isdigit() for node in graph)  # XML names, not IRIs


@pytest.mark.parametrize("filters", [{}, {"kind": "cooperation"}])
def test_gexf_is_valid_against_the_schema_it_declares_without_empty_attributes(client: TestClient, gexf_schema, filters: dict) -> None:
    reference = client.get("/api/network", params=filters).json()
    body = client.get("/api/network", params={"format": "gexf", **filters}).content
    assert b'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd"' in body
    errors = [f"{e.path}: {e.reason}" for e in gexf_schema.iter_errors(body.decode("utf-8"))]
    assert not errors, errors[:5]
    assert b'=""' not in body
    graph = nx.read_gexf(io.BytesIO(body))
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (len(reference["nodes"]), len(reference["edges"]))
    by_iri = {data["iri"]: node for node, data in graph.nodes(data=True)}
    expected = next(e for e in reference["edges"] if {e["source"], e["target"]} == {WFBB, NEULAND21})
    edge = graph.edges[by_iri[WFBB], by_iri[NEULAND21]]
    assert edge["weight"] == expected["weight"] and edge["kinds"] == ";".join(expected["kinds"])


def test_the_vendored_schemas_refuse_what_they_must(graphml_schema, gexf_schema) -> None:
    """The check has teeth: an IRI as a GraphML node id and a GEXF graph name are invalid."""
    graphml = ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">'
               f'<node id="{WFBB}"/></graph></graphml>')
    assert not graphml_schema.is_valid(graphml)
    gexf = '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2"><graph name=""><nodes/></graph></gexf>'
    assert not gexf_schema.is_valid(gexf)
    for folder in ("graphml", "gexf-1.2draft"):
        assert (SCHEMAS / folder / "README.md").is_file()
    assert "Attribution 4.0" in (SCHEMAS / "gexf-1.2draft" / "LICENSE.md").read_text(encoding="utf-8")


# --- catalogue questions ----------------------------------------------------------------------------


def test_question_as_xlsx_has_the_rows_of_the_json_answer(client: TestClient) -> None:
    answer = client.get("/api/queries/members_of_project", params={"project": PROJECT}).json()
    sheets = workbook(download(client, "/api/queries/members_of_project", XLSX, project=PROJECT, format="xlsx"))
    rows = sheets["members_of_project"]
    assert list(rows[0]) == answer["columns"]
    assert {r[answer["columns"].index("memberLabel")] for r in rows[1:]} == {r["memberLabel"] for r in answer["rows"]}
    assert len(rows) - 1 == answer["count"] > 0


def test_question_numbers_stay_numbers_in_xlsx_and_excel_csv(client: TestClient) -> None:
    answer = client.get("/api/queries/counts_per_class").json()
    total = {r["class"]: int(r["total"]) for r in answer["rows"]}
    rows = workbook(download(client, "/api/queries/counts_per_class", XLSX, format="xlsx"))["counts_per_class"]
    header = list(rows[0])
    assert {r[header.index("class")]: r[header.index("total")] for r in rows[1:]} == total
    assert all(isinstance(r[header.index("total")], int) for r in rows[1:])
    excel = excel_rows(download(client, "/api/queries/counts_per_class", "text/csv", format="csv", dialect="excel"))
    assert excel[0] == header and {r[0]: int(r[2]) for r in excel[1:]} == total


def test_xlsx_by_accept_header(client: TestClient) -> None:
    response = client.get("/api/queries/counts_per_class", headers={"Accept": XLSX})
    assert response.status_code == 200 and response.headers["content-type"].startswith(XLSX)
    assert "counts_per_class" in workbook(response.content)


# --- lists ------------------------------------------------------------------------------------------


def test_centrality_ranking_as_xlsx_and_excel_csv(client: TestClient) -> None:
    ranking = client.get("/api/centrality", params={"measure": "degree", "top": 5}).json()["ranking"]
    rows = workbook(download(client, "/api/centrality", XLSX, measure="degree", top=5, format="xlsx"))["degree"]
    assert rows[0] == ("rank", "iri", "label", "type", "score", "degree", "weight")
    assert [r[1] for r in rows[1:]] == [r["iri"] for r in ranking]
    assert [r[4] for r in rows[1:]] == [r["score"] for r in ranking]
    excel = excel_rows(download(client, "/api/centrality", "text/csv", measure="degree", top=5, format="csv", dialect="excel"))
    assert [r[1] for r in excel[1:]] == [r["iri"] for r in ranking]
    assert excel[1][4] == str(ranking[0]["score"]).replace(".", ",")  # the decimal comma of a German Excel


def test_partners_as_xlsx(client: TestClient) -> None:
    partners = client.get("/api/cooperations", params={"iri": WFBB}).json()["partners"]
    rows = workbook(download(client, "/api/cooperations", XLSX, iri=WFBB, format="xlsx"))["partners"]
    assert [r[0] for r in rows[1:]] == [p["iri"] for p in partners]
    neuland = next(r for r in rows if r[0] == NEULAND21)
    assert neuland[3] == 6 and neuland[4] == "cooperation; co-organisation; event-programme" and neuland[5] == 3


def test_contributions_list_as_csv_and_xlsx(client: TestClient) -> None:
    listed = client.get("/api/contributions").json()
    rows = list(csv.reader(io.StringIO(download(client, "/api/contributions", "text/csv", format="csv").decode("utf-8"))))
    assert rows[0] == ["id", "graph", "title", "agent", "created", "method", "source", "triples"]
    assert len(rows) - 1 == len(listed)
    assert list(workbook(download(client, "/api/contributions", XLSX, format="xlsx"))) == ["contributions"]


def test_search_communities_and_brokers_as_xlsx_and_excel_csv(client: TestClient) -> None:
    """Every list the network API answers opens in a spreadsheet, row for row as the JSON says."""
    found = client.get("/api/search", params={"q": "Neuland21"}).json()["results"]
    rows = workbook(download(client, "/api/search", XLSX, q="Neuland21", format="xlsx"))["search"]
    assert rows[0] == ("rank", "iri", "label", "type", "matched", "match")
    assert [r[1] for r in rows[1:]] == [r["iri"] for r in found] and rows[1][1] == NEULAND21

    groups = client.get("/api/communities").json()["communities"]
    excel = excel_rows(download(client, "/api/communities", "text/csv", format="csv", dialect="excel"))
    assert excel[0] == ["community", "size", "iri", "label", "type"]
    assert [r[2] for r in excel[1:]] == [m["iri"] for c in groups for m in c["members"]]

    between = {"between": ["Brandenburg", "Berlin"]}
    brokers = client.get("/api/brokers", params=between).json()
    rows = workbook(download(client, "/api/brokers", XLSX, **between, format="xlsx"))["brokers"]
    assert rows[0] == ("rank", "iri", "label", "type", "weight",
                       *(f"partners in {r['label']}" for r in brokers["regions"]))
    assert [r[1] for r in rows[1:]] == [b["iri"] for b in brokers["brokers"]]
    assert [r[5:] for r in rows[1:]] == [tuple(len(p["partners"]) for p in b["partners"]) for b in brokers["brokers"]]


# --- bad parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/api/network", {"format": "pdf"}, "format"),
        ("/api/network", {"format": "csv", "dialect": "lotus"}, "dialect"),
        ("/api/centrality", {"format": "ods"}, "format"),
        ("/api/contributions", {"dialect": "excel-fr"}, "dialect"),
        ("/api/queries/counts_per_class", {"format": "pdf"}, "format"),
        ("/api/queries/counts_per_class", {"format": "csv", "dialect": "lotus"}, "dialect"),
    ],
)
def test_bad_format_or_dialect_is_422_naming_it(client: TestClient, url: str, params: dict, parameter: str) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert parameter in json.dumps(body), body
    assert client.get("/api/network", params={"format": "csv"}).status_code == 200  # still serving
