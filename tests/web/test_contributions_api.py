"""The write API (issue 6, point 2) on the real app over a per-test copy of the built store: tokens, media
types, size limit, validation (422 with the SHACL report), no remote JSON-LD contexts, facts queryable at
once through /sparql and visible in the network, deletion, and contributions surviving a restart."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import live
import openpyxl
import pytest
from fastapi.testclient import TestClient
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
PD = ID + "organisation/pd"
WOLFSBURG_AG = ID + "organisation/wolfsburg-ag"
TOKEN = "test-token-3f9a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COOPERATION = f"""
@prefix sr: <{SR}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ID}cooperation/pd-wolfsburg-ag-beratung> a sr:Cooperation ;
    rdfs:label "Beratung der Wolfsburg AG durch die PD"@de ;
    sr:partner <{PD}> , <{WOLFSBURG_AG}> ;
    sr:cooperationKind <{ID}cooperation-kind/consulting> .
"""


def content(store: EmbeddedStore) -> list[str]:
    return sorted(line for line in store.dump("nquads").decode("utf-8").splitlines() if line.strip())


def settings(project_root: Path, store: EmbeddedStore, **overrides) -> Settings:
    values = {"write_token": TOKEN, "max_request_bytes": 20_000, "query_workers": 1, **overrides}
    return Settings(home=project_root, store_path=store.path, **values)


@pytest.fixture
def client(project_root: Path, fresh_store: EmbeddedStore) -> Iterator[TestClient]:
    with TestClient(create_app(settings(project_root, fresh_store))) as test_client:
        yield test_client


def post(client: TestClient, body: bytes | str, media_type: str, headers: dict | None = None, **params):
    return client.post(
        "/api/contributions", content=body, params=params, headers={"Content-Type": media_type, **(AUTH if headers is None else headers)}
    )


def sparql_ask(client: TestClient, query: str) -> bool:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def partners(client: TestClient, iri: str) -> set[str]:
    response = client.get("/api/cooperations", params={"iri": iri})
    assert response.status_code == 200, response.text
    return {p["iri"] for p in response.json()["partners"]}


# --- tokens -----------------------------------------------------------------------------------------


def test_no_token_configured_means_no_writes(project_root: Path, fresh_store: EmbeddedStore) -> None:
    before = content(fresh_store)
    with TestClient(create_app(settings(project_root, fresh_store, write_token=None))) as client:
        for response in (
            post(client, COOPERATION, "text/turtle"),
            client.delete("/api/contributions/20240101-000000-x-abcdef", headers=AUTH),
            client.post("/api/forget", json={"iri": ID + "person/madeleine-lee"}, headers=AUTH),
        ):
            assert response.status_code == 403
            assert response.json()["detail"] == "writes are disabled: set SMARTREGION_WRITE_TOKEN"
    assert content(fresh_store) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}])
def test_a_missing_or_wrong_token_is_refused(client: TestClient, fresh_store: EmbeddedStore, headers: dict) -> None:
    before = content(fresh_store)
    response = post(client, COOPERATION, "text/turtle", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in response.text
    assert content(fresh_store) == before


# --- adding -----------------------------------------------------------------------------------------


def test_a_turtle_contribution_is_queryable_at_once_and_in_the_network(client: TestClient) -> None:
    assert WOLFSBURG_AG not in partners(client, PD)  # the network is cached now
    ask = f"ASK {{ ?c <{SR}partner> <{PD}> , <{WOLFSBURG_AG}> }}"
    assert not sparql_ask(client, ask)
    response = post(client, COOPERATION, "text/turtle", agent="Erika Test", filename="beratung.ttl")
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["added"] == {"sr:Cooperation": 1} and answer["dry_run"] is False
    assert response.headers["Location"] == f"/api/contributions/{answer['id']}"
    assert sparql_ask(client, ask)  # the executor's worker processes see the new revision
    assert WOLFSBURG_AG in partners(client, PD)  # and the network cache was rebuilt
    listed = client.get("/api/contributions").json()
    assert [(c["id"], c["agent"], c["method"], c["source"]) for c in listed] == [(answer["id"], "Erika Test", "api", "beratung.ttl")]
    graph = client.get(f"/api/contributions/{answer['id']}")
    assert graph.status_code == 200 and graph.headers["content-type"].startswith("text/turtle")
    assert "wasAttributedTo" in graph.text and "pd-wolfsburg-ag-beratung" in graph.text


def test_dry_run_validates_and_writes_nothing(client: TestClient, fresh_store: EmbeddedStore) -> None:
    before = content(fresh_store)
    response = post(client, COOPERATION, "text/turtle", dry_run="true")
    assert response.status_code == 200 and response.json()["dry_run"] is True and "sr:Cooperation" in response.json()["turtle"]
    assert content(fresh_store) == before


def test_json_ld_with_an_inline_context(client: TestClient) -> None:
    document = {
        "@context": {"sr": SR, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "label": {"@id": "rdfs:label", "@language": "de"}},
        "@id": ID + "organisation/json-ld-verein",
        "@type": "sr:Association",
        "label": "JSON-LD-Verein",
    }
    response = post(client, json.dumps(document), "application/ld+json")
    assert response.status_code == 201, response.text
    assert sparql_ask(
        client,
        f'ASK {{ <{ID}organisation/json-ld-verein> a <{SR}Association> ; <http://www.w3.org/2000/01/rdf-schema#label> "JSON-LD-Verein"@de }}',
    )


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A URL on a 127.0.0.1 listener, and what connected to it (see live.listener)."""
    with live.listener() as (port, seen):
        yield f"http://127.0.0.1:{port}/context.jsonld", seen


def test_a_remote_json_ld_context_is_never_fetched(client: TestClient, fresh_store: EmbeddedStore, listener) -> None:
    url, seen = listener
    before = content(fresh_store)
    for context in (url, [url], {"@import": url, "label": "http://www.w3.org/2000/01/rdf-schema#label"}):
        document = {"@context": context, "@id": ID + "organisation/fern", "label": "Fern"}
        response = post(client, json.dumps(document), "application/ld+json")
        assert response.status_code == 400, response.text
        assert "never fetched" in response.json()["detail"] or "context" in response.json()["detail"].lower()
    assert seen == []
    assert content(fresh_store) == before


def test_csv_and_xlsx_uploads(client: TestClient) -> None:
    response = post(client, b"name,type\nCSV-Verein,association\n", "text/csv", kind="organisations", filename="vereine.csv")
    assert response.status_code == 201, response.text
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Typ"])
    workbook.active.append(["XLSX-Verein", "Verein"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = post(client, buffer.getvalue(), XLSX, kind="organisations")
    assert response.status_code == 201, response.text
    for name in ("csv-verein", "xlsx-verein"):
        assert sparql_ask(client, f"ASK {{ <{ID}organisation/{name}> a <{SR}Association> }}")
    assert {c["source"] for c in client.get("/api/contributions").json()} == {"vereine.csv", "upload.xlsx"}


# --- refused ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "media_type", "params", "status", "says"),
    [
        (COOPERATION.replace(f", <{WOLFSBURG_AG}>", ""), "text/turtle", {}, 422, "at least"),  # a shape: two partners
        (f'<{SR}Person> <http://www.w3.org/2000/01/rdf-schema#label> "x"@de .', "text/turtle", {}, 422, "only describe entities"),
        (f"<{ID}organisation/x> <{SR}partner> <{ID}organisation/gibtsnicht> .", "text/turtle", {}, 422, "unknown reference"),
        ("<not turtle", "text/turtle", {}, 400, "parse"),
        ("name\nX\n", "text/csv", {}, 400, "?kind="),
        ("name\nX\n", "text/csv", {"kind": "vereine"}, 400, "unknown kind"),
        ("name,start\nTag,31.02.2025\n", "text/csv", {"kind": "events"}, 422, "not a date"),
        (b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(200)), "text/csv", {"kind": "events"}, 422, "not a spreadsheet"),
        ("name\nX\n", "text/plain", {}, 415, "text/turtle"),
    ],
)
def test_bad_uploads_leave_the_store_unchanged(
    client: TestClient, fresh_store: EmbeddedStore, body, media_type: str, params: dict, status: int, says: str
) -> None:
    before, revision = content(fresh_store), fresh_store.revision()
    response = post(client, body, media_type, **params)
    assert response.status_code == status, response.text
    assert says in response.text
    assert content(fresh_store) == before and fresh_store.revision() == revision


def test_violations_come_with_the_shacl_report(client: TestClient) -> None:
    response = post(client, COOPERATION.replace(f", <{WOLFSBURG_AG}>", ""), "text/turtle")
    assert response.status_code == 422
    answer = response.json()
    problem = answer["problems"][0]
    assert problem["entity"] == ID + "cooperation/pd-wolfsburg-ag-beratung" and "sr:partner" in problem["message"]
    assert "sh:ValidationReport" in answer["report"] and "sh:conforms false" in answer["report"]


def test_an_oversized_upload_is_refused(client: TestClient, fresh_store: EmbeddedStore) -> None:
    before = content(fresh_store)
    body = "name\n" + "".join(f"Verein {i}\n" for i in range(3000))  # ~30 kB, the limit is 20 kB
    response = post(client, body, "text/csv", kind="organisations")
    assert response.status_code == 413 and "limit of 20000 bytes" in response.json()["detail"]
    assert content(fresh_store) == before


# --- deleting, restarting ---------------------------------------------------------------------------


def test_delete_a_contribution(client: TestClient, fresh_store: EmbeddedStore) -> None:
    before = content(fresh_store)
    created = post(client, COOPERATION, "text/turtle").json()
    assert client.delete(f"/api/contributions/{created['id']}").status_code == 401
    assert client.delete(f"/api/contributions/{created['id']}", headers=AUTH).status_code == 204
    assert content(fresh_store) == before
    assert not sparql_ask(client, f"ASK {{ ?c <{SR}partner> <{WOLFSBURG_AG}> , <{PD}> }}")
    assert WOLFSBURG_AG not in partners(client, PD)
    assert client.delete(f"/api/contributions/{created['id']}", headers=AUTH).status_code == 404
    assert client.get(f"/api/contributions/{created['id']}").status_code == 404


def test_contributions_survive_a_restart(project_root: Path, fresh_store: EmbeddedStore) -> None:
    with TestClient(create_app(settings(project_root, fresh_store))) as first:
        created = post(first, COOPERATION, "text/turtle").json()
    with TestClient(create_app(settings(project_root, fresh_store))) as second:
        assert [c["id"] for c in second.get("/api/contributions").json()] == [created["id"]]
        assert WOLFSBURG_AG in partners(second, PD)
