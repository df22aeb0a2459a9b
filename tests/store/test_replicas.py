"""In-memory copies of the live revision in the query workers: the store's own answers, never behind a
write, the memory limit kept beside the copy, and the disk where memory does not allow a copy."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import pyoxigraph as ox
import pytest
import rdflib
from smartregion.rdf import results
from smartregion.settings import Settings, SettingsError
from smartregion.store import EmbeddedStore
from smartregion.store.errors import QueryOutOfMemory
from smartregion.store.executor import Answer, Executor
from test_executor import holds_open
from test_worker_sandbox import GIGABYTE_STRING

MIB = 1 << 20
MEMORY, REPLICA = 1 << 30, 1 << 30
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
GRAPH = "https://w3id.org/smartregion/graph/replica-test"
ENTITY = "https://w3id.org/smartregion/id/organisation/replica-test"

# Each with an order of its own, so that the answers can be compared byte for byte.
QUERIES = {
    "labels": f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s ?label",
    "statements per source": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "the distinct union": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ask": f"ASK {{ ?s <{LABEL}> \"Stadt.Land.Digital\"@de }}",
}


def _waited(condition: Callable[[], bool], seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _answer(executor: Executor, query: str, fmt: results.Format = results.JSON) -> Answer:
    return anyio.run(executor.run, executor.prepare(query), fmt)


def _write_label(store: EmbeddedStore, text: str) -> None:
    graph = rdflib.Graph()
    graph.add((rdflib.URIRef(ENTITY), rdflib.URIRef(LABEL), rdflib.Literal(text, lang="de")))
    store.replace_graphs({GRAPH: graph})


def _labels(executor: Executor) -> list[ox.Literal]:
    query = f"SELECT ?label WHERE {{ <{ENTITY}> <{LABEL}> ?label }}"
    return [s["label"] for s in ox.parse_query_results(_answer(executor, query).body, format=ox.QueryResultsFormat.JSON)]


def _address_space_limits(pid: int) -> tuple[int, int]:
    """The soft and hard RLIMIT_AS of a process, from /proc/<pid>/limits."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError(f"no address-space limit listed for process {pid}")


@pytest.fixture(scope="module")
def copying(built_store: EmbeddedStore) -> Iterator[Executor]:
    running = Executor(built_store, timeout=20.0, row_limit=100_000, workers=2, memory=MEMORY, replica=REPLICA)
    assert _waited(lambda: running._pool.in_memory() == 2), "the workers did not copy the store within 90 s"
    yield running
    running.close()


@pytest.fixture(scope="module")
def from_disk(built_store: EmbeddedStore) -> Iterator[Executor]:
    running = Executor(built_store, timeout=20.0, row_limit=100_000, workers=1)
    yield running
    running.close()


@pytest.mark.parametrize("name", QUERIES)
def test_the_copies_answer_as_the_store_on_disk(copying: Executor, from_disk: Executor, built_store: EmbeddedStore,
                                                name: str) -> None:
    for worker in copying._pool._all:  # the store's files are closed: the copy answers
        assert not holds_open(worker.process.pid, built_store.path)
    for fmt in (results.JSON,) if name == "ask" else (results.JSON, results.TSV):
        assert _answer(copying, QUERIES[name], fmt).body == _answer(from_disk, QUERIES[name], fmt).body
    if name == "labels":
        labels = [tuple(s) for s in ox.parse_query_results(_answer(copying, QUERIES[name]).body, format=ox.QueryResultsFormat.JSON)]
        assert len(labels) > 1000
        assert (ox.NamedNode("https://w3id.org/smartregion/id/organisation/stadt-land-digital"),
                ox.Literal("Stadt.Land.Digital", language="de")) in labels


def test_a_copy_leaves_a_query_the_memory_it_had_and_stays_under_its_ceiling(copying: Executor) -> None:
    for worker in copying._pool._all:
        assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == 0  # only the copying thread yielded the CPU
        soft, hard = _address_space_limits(worker.process.pid)
        assert hard == MEMORY + REPLICA
        # The copy's own size was added to the limit, a query keeps its gigabyte beside it.
        assert MEMORY + 10 * MIB < soft < hard


def test_a_query_past_the_memory_limit_beside_a_copy_is_stopped_and_the_worker_copies_again(built_store: EmbeddedStore) -> None:
    running = Executor(built_store, timeout=30.0, row_limit=10, workers=2, memory=MEMORY, replica=REPLICA)
    try:
        assert _waited(lambda: running._pool.in_memory() == 2)
        before = {worker.process.pid for worker in running._pool._all}
        with pytest.raises(QueryOutOfMemory):
            _answer(running, GIGABYTE_STRING)
        assert _waited(lambda: len(running._pool._all) == 2 and running._pool.in_memory() == 2)
        assert {worker.process.pid for worker in running._pool._all} != before
        assert _answer(running, QUERIES["ask"]).body.endswith(b'"boolean":true}')
    finally:
        running.close()


def test_a_write_is_answered_at_once_then_from_the_new_copies(fresh_store: EmbeddedStore) -> None:
    running = Executor(fresh_store, timeout=20.0, row_limit=100, workers=2, replica=REPLICA)
    try:
        assert _waited(lambda: running._pool.in_memory() == 2)
        old = fresh_store.revision()
        _write_label(fresh_store, "Neu geschrieben")
        assert fresh_store.revision() != old and running._pool.in_memory() == 0
        # The very next query sees the write: a worker whose copy is of the old revision answers from disk.
        assert _labels(running) == [ox.Literal("Neu geschrieben", language="de")]
        assert _waited(lambda: running._pool.in_memory() == 2)
        for worker in running._pool._all:
            assert not holds_open(worker.process.pid, fresh_store.path)
        assert _labels(running) == [ox.Literal("Neu geschrieben", language="de")]
    finally:
        running.close()


def test_writes_in_quick_succession_end_with_copies_of_the_last(fresh_store: EmbeddedStore) -> None:
    """Copies still under way when the next revision comes run out and are dropped; none is answered from."""
    running = Executor(fresh_store, timeout=20.0, row_limit=100, workers=2, replica=REPLICA)
    try:
        for n in range(4):
            _write_label(fresh_store, f"Fassung {n}")
            assert _labels(running) == [ox.Literal(f"Fassung {n}", language="de")]
        assert _waited(lambda: running._pool.in_memory() == 2)
        assert _labels(running) == [ox.Literal("Fassung 3", language="de")]
    finally:
        running.close()


def test_a_revision_larger_than_the_allowance_is_answered_from_disk(built_store: EmbeddedStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="smartregion.store.workers")
    running = Executor(built_store, timeout=20.0, row_limit=10, workers=2, replica=1 * MIB)
    try:
        assert _waited(lambda: "on disk" in caplog.text)
        assert f"query workers answer from {built_store.revision()} on disk: a copy needs about" in caplog.text
        assert "more than the 1 MiB each worker may give it (SMARTREGION_QUERY_REPLICA)" in caplog.text
        assert _answer(running, QUERIES["ask"]).body.endswith(b'"boolean":true}')
        assert running._pool.in_memory() == 0
        assert any(holds_open(worker.process.pid, built_store.path) for worker in running._pool._all)
    finally:
        running.close()


def test_a_single_worker_answers_from_disk_while_it_copies_then_from_memory(built_store: EmbeddedStore) -> None:
    running = Executor(built_store, timeout=20.0, row_limit=10, workers=1, replica=REPLICA)
    try:
        assert _answer(running, QUERIES["ask"]).body.endswith(b'"boolean":true}')
        assert _waited(lambda: running._pool.in_memory() == 1)
        assert _answer(running, QUERIES["ask"]).body.endswith(b'"boolean":true}')
    finally:
        running.close()


def test_replica_setting() -> None:
    assert Settings.from_env({"SMARTREGION_QUERY_REPLICA": "512M"}).query_replica == 512 * MIB
    assert Settings.from_env({"SMARTREGION_QUERY_REPLICA": "0"}).query_replica == 0
    default = Settings.from_env({}).query_replica
    assert 0 < default <= 2 << 30  # a share of the machine's memory, at most 2 GiB
    assert Settings.from_env({"SMARTREGION_QUERY_WORKERS": "64"}).query_replica <= default
    with pytest.raises(SettingsError, match="SMARTREGION_QUERY_REPLICA must be 0"):
        Settings.from_env({"SMARTREGION_QUERY_REPLICA": "-1"})
    with pytest.raises(SettingsError, match="is not a size"):
        Settings.from_env({"SMARTREGION_QUERY_REPLICA": "lots"})


def test_a_workers_report_of_its_copy_is_only_believed_as_numbers(copying: Executor, caplog: pytest.LogCaptureFixture) -> None:
    """A worker taken over through an engine bug could send anything in its reply's header."""
    caplog.set_level(logging.INFO, logger="smartregion.store.workers")
    worker = next(iter(copying._pool._all))
    path = str(copying._pool._live_path())
    for copied in ({"seconds": "soon", "quads": 10**400, "resident": float("inf")}, {"seconds": True, "quads": -5, "resident": None}):
        copying._pool._note_copy(worker, path, {"answered_from": "memory", "copied": copied})
    assert caplog.text.count("copied in 0.0 s (0 quads, 0 bytes resident)") == 2
    assert worker.replica == path
