"""Harvest: a CONSTRUCT on a real Oxigraph server on 127.0.0.1 becomes a validated contribution.

The remote holds a partner's small dataset (``tests/data/harvest/remote-dataset.trig``): a new
association and its cooperation with the WFBB, which the project's graph knows, and one invalid
cooperation that only the failing query takes.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import OxigraphServer, running_oxigraph
from smartregion.cli.main import main
from smartregion.contribute.harvest import HarvestError, Limits, fetch, harvest
from smartregion.contribute.model import ContributionError
from smartregion.store import EmbeddedStore

DATA = Path(__file__).parents[1] / "data" / "harvest"
ID = "https://w3id.org/smartregion/id/"
NEW_ORG = ID + "organisation/netzwerk-digitale-doerfer-havelland"
COOPERATION = ID + "cooperation/nddh-wfbb-dorfladen-2024"


@pytest.fixture(scope="module")
def partner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """The partner's endpoint: an Oxigraph server loaded with the test dataset."""
    with running_oxigraph(tmp_path_factory.mktemp("partner")) as server:
        response = httpx.post(
            server.gsp, content=(DATA / "remote-dataset.trig").read_bytes(), headers={"Content-Type": "application/trig"}
        )
        assert response.status_code in (200, 204), response.text
        # The partner answers queries over the union of its graphs, as a plain endpoint does.
        union = httpx.post(server.update, data={"update": "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"})
        assert union.status_code in (200, 204), union.text
        yield server


@pytest.fixture
def store(tmp_path: Path, built_store: EmbeddedStore) -> EmbeddedStore:
    """A writable copy of the project's built store."""
    shutil.copytree(built_store.path, tmp_path / "store")
    return EmbeddedStore(tmp_path / "store")


def _content(store: EmbeddedStore) -> set[str]:
    """The store's statements (N-Quads lines): what must stay the same when a harvest fails."""
    return set(store.dump("nquads").decode("utf-8").splitlines())


def test_a_harvest_adds_a_validated_contribution_with_provenance(store: EmbeddedStore, partner: OxigraphServer) -> None:
    query = (DATA / "new-partners.rq").read_text(encoding="utf-8")
    result = harvest(store, partner.query, query, agent="Datenteam Havelland")
    assert result.added == {"sr:Association": 1, "sr:Cooperation": 1}
    graph = result.graph_iri
    assert graph in store.named_graphs()
    rows = store.select(
        f"""PREFIX sr: <https://w3id.org/smartregion/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label ?partner WHERE {{ GRAPH <{graph}> {{ <{COOPERATION}> sr:partner ?partner .
          <{NEW_ORG}> rdfs:label ?label }} }} ORDER BY ?partner"""
    )
    assert [(r["label"], r["partner"]) for r in rows] == [
        ("Netzwerk Digitale Dörfer Havelland", NEW_ORG),
        ("Netzwerk Digitale Dörfer Havelland", ID + "organisation/wfbb"),
    ]
    # The WFBB's own description stays where it was; the contribution only points to it.
    assert store.ask(f"ASK {{ GRAPH <{graph}> {{ <{ID}organisation/wfbb> ?p ?o }} }}") is False
    provenance = store.select(
        f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        SELECT ?from ?query ?who ?kind ?source WHERE {{ GRAPH <{graph}> {{
          <{graph}> prov:wasDerivedFrom ?from ; prov:wasGeneratedBy/prov:used/prov:value ?query ;
            prov:wasAttributedTo/foaf:name ?who ; dcterms:type ?kind .
          <{NEW_ORG}> dcterms:source ?source }} }}"""
    )
    assert provenance == [
        {"from": partner.query, "query": query, "who": "Datenteam Havelland", "kind": ID + "document-kind/contribution", "source": graph}
    ]


def test_the_command_line_harvests_and_a_dry_run_writes_nothing(
    store: EmbeddedStore, partner: OxigraphServer, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _content(store)
    args = ["harvest", "--endpoint", partner.query, "--query", str(DATA / "new-partners.rq"), "--store", str(store.path)]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr()
    assert f"<{NEW_ORG}> a sr:Association" in out.out  # the contribution as TriG
    assert "would add 33 triples" in out.err
    assert _content(store) == before
    assert main([*args, "--agent", "Datenteam Havelland"]) == 0
    assert "added 33 triples" in capsys.readouterr().out
    assert store.ask(f"ASK {{ <{NEW_ORG}> a <https://w3id.org/smartregion/ontology#Association> }}")
    # The dry run is not a write; the harvest is audited as one, with the graph it wrote.
    records = [json.loads(line) for line in (store.path.parent / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    (graph,) = [g for g in store.named_graphs() if g.startswith("https://w3id.org/smartregion/contribution/")]
    assert [(r["event"], r["action"], r["via"], r["agent"]) for r in records] == [
        ("attempt", "harvest", "cli", "Datenteam Havelland"), ("done", "harvest", "cli", "Datenteam Havelland")
    ]
    assert records[1]["graphs"] == [graph] and records[0]["revision_before"] != records[1]["revision_after"]


def test_invalid_harvested_data_are_refused_and_nothing_is_written(store: EmbeddedStore, partner: OxigraphServer) -> None:
    before, revision = _content(store), store.revision()
    with pytest.raises(ContributionError) as refused:
        harvest(store, partner.query, (DATA / "broken-date.rq").read_text(encoding="utf-8"), agent="test")
    (problem,) = refused.value.problems
    assert problem.entity == ID + "cooperation/nddh-kaputt"
    assert "schema:startDate" in problem.message and "irgendwann im Frühjahr" in problem.message
    assert store.revision() == revision
    assert _content(store) == before


def test_only_construct_queries_are_harvested(store: EmbeddedStore, partner: OxigraphServer, capsys: pytest.CaptureFixture[str]) -> None:
    for query in ((DATA / "select.rq").read_text(encoding="utf-8"), "ASK { ?s ?p ?o }", "DESCRIBE <x:y>", "# nothing"):
        with pytest.raises(HarvestError, match="needs a CONSTRUCT query"):
            harvest(store, partner.query, query, agent="test")
    args = ["harvest", "--endpoint", partner.query, "--query", str(DATA / "select.rq"), "--store", str(store.path)]
    assert main(args) == 1
    assert "not a SELECT query" in capsys.readouterr().err


def test_size_limits(partner: OxigraphServer) -> None:
    query = (DATA / "broken-date.rq").read_text(encoding="utf-8")
    assert len(fetch(partner.query, query)) == 16
    with pytest.raises(HarvestError, match="16 triples, more than the limit of 10"):
        fetch(partner.query, query, Limits(max_triples=10))
    with pytest.raises(HarvestError, match="larger than the limit of 200 bytes"):
        fetch(partner.query, query, Limits(max_bytes=200))


@pytest.fixture
def dripping_endpoint() -> Iterator[str]:
    """An endpoint on 127.0.0.1 that answers one triple every 0.2 s for at most 6 s."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nConnection: close\r\n\r\n")
            for n in range(30):
                if stop.is_set():
                    break
                try:
                    connection.sendall(f"<urn:x:{n}> <urn:x:p> {n} .\n".encode())
                except OSError:
                    break
                time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/query"
    stop.set()
    thread.join(timeout=10)
    server.close()


def test_the_time_limit_covers_the_whole_answer(dripping_endpoint: str) -> None:
    started = time.monotonic()
    with pytest.raises(HarvestError, match="no complete answer within 1 s"):
        fetch(dripping_endpoint, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", Limits(timeout=1))
    assert time.monotonic() - started < 3


def test_an_unreachable_endpoint_is_a_clear_error(store: EmbeddedStore) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(HarvestError, match="the query failed"):
        harvest(store, f"http://127.0.0.1:{port}/query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", agent="test")
