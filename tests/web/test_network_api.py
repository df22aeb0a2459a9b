"""The network REST routes on the real app over the built seed graph: answers, errors, exports, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import networkx as nx
import pytest
from fastapi.testclient import TestClient
from live import free_port, server_process
from smartregion.settings import Settings
from smartregion.web import network as network_api
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
WFBB = ID + "organisation/wfbb"
NEULAND21 = ID + "organisation/neuland21"
BERLIN_PARTNER = ID + "organisation/berlin-partner"
BAD_BELZIG = ID + "municipality/bad-belzig"
BMWSB = ID + "organisation/bmwsb"
MPSC = ID + "programme/modellprojekte-smart-cities"


@pytest.fixture(scope="module")
def client(built_store, project_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=project_root, store_path=built_store.path))) as test_client:
        yield test_client


def get(client: TestClient, url: str, **params) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("q", "expected"),
    [("neuland", NEULAND21), ("WFBB", WFBB), ("Wirtschaftsförderung Brandenburg", WFBB),
     ("Dorfer", ID + "event/regionalkonferenz-bad-belzig-2024")],
)
def test_search(client: TestClient, q: str, expected: str) -> None:
    results = get(client, "/api/search", q=q)["results"]
    assert results[0]["iri"] == expected


def test_search_by_type(client: TestClient) -> None:
    results = get(client, "/api/search", q="Brandenburg", type="organisation")["results"]
    assert results and all("Organisation" in r["classes"] or r["type"] == "organisation" for r in results)
    assert WFBB in {r["iri"] for r in results} and ID + "state/brandenburg" not in {r["iri"] for r in results}


def test_cooperations_of_wfbb(client: TestClient) -> None:
    answer = get(client, "/api/cooperations", iri=WFBB)
    assert answer["actor"]["iri"] == WFBB and answer["actor"]["label"] == "Wirtschaftsförderung Brandenburg"
    partners = {p["iri"]: p for p in answer["partners"]}
    assert {NEULAND21, BERLIN_PARTNER} <= set(partners)
    assert set(partners[NEULAND21]) >= {"iri", "label", "type", "weight", "evidence"}
    assert {e["iri"] for e in partners[NEULAND21]["evidence"]} >= {
        ID + "cooperation/sccon21-mobile-arbeit", ID + "event/sccon21-mobile-arbeit-auf-dem-land"}
    # The example in /docs is a real answer.
    example = network_api.COOPERATIONS_EXAMPLE
    assert example["actor"] == answer["actor"]
    assert {k: v for k, v in partners[NEULAND21].items() if k != "evidence"} == {
        k: v for k, v in example["partners"][0].items() if k != "evidence"}
    assert all(item in partners[NEULAND21]["evidence"] for item in example["partners"][0]["evidence"])
    weights = [p["weight"] for p in answer["partners"]]
    assert weights == sorted(weights, reverse=True)
    # A label works as well as the IRI, and filters apply.
    assert get(client, "/api/cooperations", iri="WFBB") == answer
    only_cooperations = get(client, "/api/cooperations", iri=WFBB, kind="cooperation", since="2021")
    assert {e["kind"] for p in only_cooperations["partners"] for e in p["evidence"]} == {"cooperation"}
    assert BERLIN_PARTNER in {p["iri"] for p in only_cooperations["partners"]}


def test_path(client: TestClient) -> None:
    answer = client.get("/api/path", params={"from": BAD_BELZIG, "to": BMWSB}).json()
    assert answer["connected"] is True
    assert [answer["nodes"][0]["iri"], answer["nodes"][-1]["iri"]] == [BAD_BELZIG, BMWSB]
    assert any(MPSC in (e["iri"], e.get("via")) for step in answer["steps"] for e in step["evidence"])
    assert answer["length"] == 1  # the programme's funder: one step, with the programme as evidence
    office = ID + "organisation/stadt-land-digital-geschaeftsstelle"
    cut = client.get("/api/path", params={"from": BAD_BELZIG, "to": office, "max": 2}).json()
    assert cut["connected"] is False and "max=2" in cut["message"]


def test_ego(client: TestClient) -> None:
    one = get(client, "/api/ego", iri=WFBB, depth=1)
    partners = {p["iri"] for p in get(client, "/api/cooperations", iri=WFBB)["partners"]}
    assert {n["id"] for n in one["nodes"]} == partners | {WFBB}
    two = get(client, "/api/ego", iri=WFBB)
    assert two["depth"] == 2 and len(two["nodes"]) > len(one["nodes"])


def test_centrality(client: TestClient) -> None:
    answer = get(client, "/api/centrality", measure="betweenness", top=5)
    assert answer["measure"] == "betweenness" and answer["sampled"] is False and len(answer["ranking"]) == 5
    assert answer["ranking"][0]["iri"] == ID + "municipality/halle-saale"


def test_communities_cover_the_network(client: TestClient) -> None:
    answer = get(client, "/api/communities")
    network = get(client, "/api/network")
    assert sum(c["size"] for c in answer["communities"]) == len(network["nodes"])
    assert answer["algorithm"].startswith("leiden") and answer["seed"] == 42


def test_brokers(client: TestClient) -> None:
    answer = client.get("/api/brokers", params=[("between", "Brandenburg"), ("between", "Berlin")]).json()
    assert [r["iri"] for r in answer["regions"]] == [ID + "state/brandenburg", ID + "state/berlin"]
    assert WFBB in {b["iri"] for b in answer["brokers"]}


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/api/cooperations", {"iri": ID + "organisation/nobody"}, "iri"),
        ("/api/cooperations", {"iri": "Zzyzx"}, "iri"),
        ("/api/path", {"from": WFBB, "to": ID + "organisation/nobody"}, "to"),
        ("/api/ego", {"iri": ID + "person/nobody"}, "iri"),
        ("/api/brokers", [("between", "Brandenburg"), ("between", "Atlantis")], "between"),
        ("/api/network", {"region": "Atlantis"}, "region"),
    ],
)
def test_unknown_entities_are_404_naming_the_parameter(client: TestClient, url: str, params, parameter: str) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 404
    body = response.json()
    assert f"parameter '{parameter}'" in body["detail"] and body["parameter"] == parameter, body


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/api/centrality", {"measure": "fame"}, "measure"),
        ("/api/centrality", {"top": "0"}, "top"),
        ("/api/ego", {"iri": WFBB, "depth": "9"}, "depth"),
        ("/api/path", {"from": WFBB, "to": BMWSB, "max": "x"}, "max"),
        ("/api/network", {"format": "pdf"}, "format"),
        ("/api/search", {}, "q"),
    ],
)
def test_invalid_parameters_are_422_naming_the_parameter(client: TestClient, url: str, params: dict, parameter: str) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert [error["loc"][-1] for error in body["errors"]] == [parameter] and body["parameter"] == parameter


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/api/cooperations", {"iri": WFBB, "kind": "friendship"}, "kind"),
        ("/api/cooperations", {"iri": WFBB, "since": "2021-02-30"}, "since"),
        ("/api/network", {"since": "2022", "until": "2021"}, "until"),
        ("/api/network", {"type": "planet"}, "type"),
        ("/api/brokers", {"between": "Brandenburg"}, "between"),
    ],
)
def test_unusable_values_are_422_naming_the_parameter(client: TestClient, url: str, params: dict, parameter: str) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 422
    body = response.json()
    assert f"parameter '{parameter}'" in body["detail"] and body["parameter"] == parameter, body


def _parse(fmt: str, body: bytes) -> tuple[int, int]:
    """Node and edge count of an export, read back with a reader that is not ours."""
    if fmt == "graphml":
        graph = nx.read_graphml(io.BytesIO(body))
    elif fmt == "gexf":
        graph = nx.read_gexf(io.BytesIO(body))
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
        return len({r["source"] for r in rows} | {r["target"] for r in rows}), len(rows)
    else:
        data = json.loads(body)
        graph = nx.Graph()
        graph.add_nodes_from(n["id"] for n in data["nodes"])
        graph.add_edges_from((e["source"], e["target"]) for e in data["edges"])
        assert graph.number_of_nodes() == len(data["nodes"]) and graph.number_of_edges() == len(data["edges"])
    return graph.number_of_nodes(), graph.number_of_edges()


@pytest.mark.parametrize("filters", [{}, {"kind": "cooperation"}, {"region": "Brandenburg"}])
@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf", "csv"])
def test_exports_read_back_with_the_counts_of_the_api(client: TestClient, fmt: str, filters: dict) -> None:
    reference = get(client, "/api/network", **filters)
    response = client.get("/api/network", params={"format": fmt, **filters})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(network_api.exports.FORMATS[fmt].split(";")[0])
    assert _parse(fmt, response.content) == (len(reference["nodes"]), len(reference["edges"]))


def test_graphml_keeps_the_attributes(client: TestClient) -> None:
    graph = nx.read_graphml(io.BytesIO(client.get("/api/network", params={"format": "graphml"}).content))
    node = {data["iri"]: n for n, data in graph.nodes(data=True)}  # ids are XML names; the IRI is an attribute
    assert graph.nodes[node[WFBB]]["label"] == "Wirtschaftsförderung Brandenburg"
    assert graph.nodes[node[WFBB]]["type"] == "EconomicDevelopmentAgency"
    edge = graph.edges[node[WFBB], node[NEULAND21]]
    assert edge["weight"] == 6.0 and edge["kinds"] == "cooperation;co-organisation;event-programme"
    assert edge["evidence_count"] == 3
    assert {e["kind"] for e in json.loads(edge["evidence"])} == {"cooperation", "co-organisation", "event-programme"}


def test_json_export_fits_cytoscape_and_vis(client: TestClient) -> None:
    data = get(client, "/api/network", format="json")
    assert set(data) == {"nodes", "edges"}
    assert {"id", "label", "type", "weight", "evidence_count"} <= set(data["nodes"][0])
    assert {"source", "target", "weight", "kinds", "evidence_count"} <= set(data["edges"][0])


def test_openapi_documents_the_routes_with_examples_and_the_weight_rule(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/search", "/api/cooperations", "/api/path", "/api/ego", "/api/centrality",
                 "/api/communities", "/api/brokers", "/api/network"):
        assert path in spec["paths"], path
    cooperations = spec["paths"]["/api/cooperations"]["get"]
    assert "cooperation 3" in cooperations["description"] and "session 1" in cooperations["description"]
    assert any(p["name"] == "iri" and WFBB in [e["value"] for e in p.get("examples", {}).values()] for p in cooperations["parameters"])
    assert client.get("/docs").status_code == 200


def test_the_page_and_its_scripts_are_served_by_the_service(client: TestClient) -> None:
    page = client.get("/network")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text and 'src="static/network.js"' in page.text
    for name in ("network.js", "network.css", "vendor/vis-network.min.js", "vendor/vis-network.LICENSE-MIT"):
        assert client.get(f"/static/{name}").status_code == 200, name
    assert client.get("/static/../network_api.py").status_code == 404
    assert client.get("/static/%2e%2e/network_api.py").status_code == 404


@pytest.mark.parametrize("warm", [True, False], ids=["serve", "serve --no-warm-up"])
def test_serve_projects_the_network_at_start(built_store, project_root: Path, tmp_path: Path, warm: bool) -> None:
    """`smartregion serve` projects the network before anyone asks (it says so in its log); with
    --no-warm-up the first network call does it, and the answers are the same."""
    port, log = free_port(), tmp_path / "server.log"
    command = [sys.executable, "-m", "smartregion", "serve", "--store", str(built_store.path), "--port", str(port)]
    env = {"SMARTREGION_HOME": str(project_root), "SMARTREGION_QUERY_WORKERS": "1"}
    with server_process(command + ([] if warm else ["--no-warm-up"]), port, env, log):
        if warm:
            deadline = time.monotonic() + 60
            while "network of rev-" not in log.read_text(errors="replace"):
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.05)
            ready = next(line for line in log.read_text().splitlines() if "network of rev-" in line)
            assert f"{built_store.revision()} ready in" in ready and "linked actors" in ready
        answer = httpx.get(f"http://127.0.0.1:{port}/api/cooperations", params={"iri": WFBB}, timeout=60).json()
        assert answer["actor"]["iri"] == WFBB
        assert {NEULAND21, BERLIN_PARTNER} <= {p["iri"] for p in answer["partners"]}
        assert ("network of rev-" in log.read_text(errors="replace")) is warm
