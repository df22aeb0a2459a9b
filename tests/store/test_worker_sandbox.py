"""Query workers confined (issue 12, points 1 and 4): no internet sockets by construction, a memory limit
per worker, and answers cut at the row and byte limits without the rest being read.

Each check runs real worker processes of the executor over a real store; the hostile queries also go
through ``/sparql`` of a real ``smartregion serve`` process, whose memory is read from /proc.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pyoxigraph as ox
import pytest
import rdflib
from live import free_port, listener, server_process
from smartregion.rdf import results
from smartregion.settings import Settings, SettingsError
from smartregion.store import EmbeddedStore
from smartregion.store.errors import QueryFailed, QueryOutOfMemory
from smartregion.store.executor import Executor
from smartregion.store.sandbox import size_text
from smartregion.store.workers import Task

MIB = 1 << 20
ASK = "ASK { ?s ?p ?o }"
TRUE = b'{"head":{},"boolean":true}'


def doubled(times: int, start: str = '"a"') -> str:
    """BINDs that double a string ``times`` times, from ``start`` to ``?x<times>``: 2**times characters from a short query."""
    return f"BIND({start} AS ?x0) " + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(times))


# A 3 kB query that asks for a string of 2 GiB; and a sort of a cross product of the whole store.
GIGABYTE_STRING = f"SELECT (STRLEN(?x31) AS ?n) WHERE {{ {doubled(31)} }}"
SORTED_CROSS_PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY RAND()"
HOSTILE = {"a gigabyte string": GIGABYTE_STRING, "ORDER BY RAND() over a cross product": SORTED_CROSS_PRODUCT}

ROWS_OF_A_MEBIBYTE = (  # 300 rows of 2**20 characters each, in order
    "SELECT ?i ?big WHERE { VALUES ?i { " + " ".join(map(str, range(300))) + f" }} {doubled(20)} BIND(?x20 AS ?big) }} ORDER BY ?i"
)
TRIPLES_OF_A_MEBIBYTE = (
    "CONSTRUCT { ?s <http://example.org/big> ?x20 } WHERE { VALUES ?i { " + " ".join(map(str, range(300)))
    + f' }} BIND(IRI(CONCAT("http://example.org/item/", STR(?i))) AS ?s) {doubled(20)} }}'
)


def worker_pids(executor: Executor) -> set[int]:
    return {worker.process.pid for worker in executor._pool._all}


# --- no network -------------------------------------------------------------------------------------

SANDBOXED_CHILD = textwrap.dedent("""
    import json, socket, subprocess, sys
    from smartregion.store.sandbox import deny_network

    deny_network()
    port = int(sys.argv[1])
    outcome = {}
    for name, family, kind in [("AF_INET", socket.AF_INET, socket.SOCK_STREAM), ("AF_INET6", socket.AF_INET6, socket.SOCK_STREAM),
                               ("AF_NETLINK", socket.AF_NETLINK, socket.SOCK_RAW), ("AF_PACKET", socket.AF_PACKET, socket.SOCK_RAW)]:
        try:
            socket.socket(family, kind).close()
            outcome[name] = "opened"
        except OSError as exc:
            outcome[name] = exc.errno
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        outcome["connect"] = "connected"
    except OSError as exc:
        outcome["connect"] = exc.errno
    left, right = socket.socketpair()  # Unix sockets stay: the pipe to the server is one
    left.sendall(b"unix")
    outcome["unix"] = right.recv(4).decode()
    # What the process starts inherits the filter.
    child = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5)"
    outcome["child"] = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True).stderr.strip().splitlines()[-1]
    outcome["status"] = [line.split()[0] + line.split()[1] for line in open("/proc/self/status") if line.startswith(("NoNewPrivs", "Seccomp:"))]
    print(json.dumps(outcome))
""")


def test_a_sandboxed_process_cannot_open_internet_sockets() -> None:
    with listener() as (port, seen):
        done = subprocess.run([sys.executable, "-c", SANDBOXED_CHILD, str(port)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outcome = json.loads(done.stdout)
    assert seen == []
    for family in ("AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"):
        assert outcome[family] == errno.EACCES, (family, outcome)
    assert outcome["connect"] == errno.EACCES
    assert outcome["unix"] == "unix"
    assert outcome["child"] == "PermissionError: [Errno 13] Permission denied"
    assert outcome["status"] == ["NoNewPrivs:1", "Seccomp:2"]  # no new privileges; mode 2: a filter


@pytest.fixture(scope="module")
def executor(built_store: EmbeddedStore) -> Iterator[Executor]:
    running = Executor(built_store, timeout=60.0, row_limit=100, workers=1, answer_bytes=5 * MIB)
    yield running
    running.close()


def test_a_query_worker_cannot_reach_a_listener_even_past_the_check(executor: Executor) -> None:
    """SERVICE sent straight to a worker, past the parse that refuses it: the engine tries, the kernel says no."""
    with listener() as (port, seen):
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        ox.Store().query(query)  # the engine itself does connect: the listener works and the query would reach it
        assert len(seen) == 1 and seen[0].startswith(b"POST /sparql ")
        seen.clear()
        with pytest.raises(QueryFailed, match=r"^PermissionError: Permission denied \(os error 13\)$"):
            anyio.run(executor._pool.run, Task(query, "json", (), (), 10, {}, MIB), 30.0)
        assert seen == []
    assert anyio.run(executor.run, executor.prepare(ASK), results.JSON).body == TRUE


# A process whose own filter forbids installing another one, as some container profiles do.
NO_SECCOMP = textwrap.dedent("""
    import errno, logging, sys
    import anyio
    import pyseccomp as seccomp
    from smartregion.rdf import results
    from smartregion.store.executor import Executor
    from smartregion.store.sandbox import SandboxUnavailable
    from smartregion.store import EmbeddedStore

    if __name__ == "__main__":
        logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(message)s")
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "seccomp")
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "prctl", seccomp.Arg(0, seccomp.EQ, 22))  # PR_SET_SECCOMP
        rules.load()
        store = EmbeddedStore(sys.argv[1])
        try:
            Executor(store, timeout=30, row_limit=10, workers=1)
            print("STARTED")
        except SandboxUnavailable as exc:
            print("REFUSED", exc)
        optional = Executor(store, timeout=30, row_limit=10, workers=1, sandbox_required=False)
        print("ANSWER", anyio.run(optional.run, optional.prepare("ASK { ?s ?p ?o }"), results.JSON).body.decode())
        optional.close()
""")


def test_without_seccomp_workers_are_refused_unless_allowed(built_store: EmbeddedStore, tmp_path: Path) -> None:
    script = tmp_path / "no_seccomp.py"  # a file, so that the forkserver can import the main module
    script.write_text(NO_SECCOMP)
    done = subprocess.run([sys.executable, str(script), str(built_store.path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    refused = next(line for line in lines if line.startswith(("REFUSED", "STARTED")))
    assert refused.startswith("REFUSED query workers cannot forbid themselves the network: the seccomp filter could not be installed: ")
    assert refused.endswith("set SMARTREGION_QUERY_SANDBOX=optional to run them unconfined (not for a public service)")
    assert any(line.startswith("ERROR QUERY WORKER ") and "RUNS WITHOUT NETWORK SANDBOX" in line for line in lines)
    assert f"ANSWER {TRUE.decode()}" in lines


def test_sandbox_and_size_settings() -> None:
    env = {"SMARTREGION_QUERY_MEMORY": "2G", "SMARTREGION_ANSWER_BYTES": "512k", "SMARTREGION_QUERY_SANDBOX": "Optional"}
    settings = Settings.from_env(env)
    assert (settings.query_memory, settings.answer_bytes, settings.query_sandbox) == (2 << 30, 512 << 10, "optional")
    defaults = Settings.from_env({})
    assert (defaults.query_memory, defaults.answer_bytes, defaults.query_sandbox) == (1 << 30, 50 * MIB, "required")
    assert size_text(defaults.query_memory) == "1 GiB" and size_text(defaults.answer_bytes) == "50 MiB"
    for name, value, message in [("SMARTREGION_QUERY_MEMORY", "lots", "is not a size"),
                                 ("SMARTREGION_QUERY_MEMORY", "100M", "at least 256M"),
                                 ("SMARTREGION_QUERY_SANDBOX", "off", r"use required \(the default\) or optional")]:
        with pytest.raises(SettingsError, match=message):
            Settings.from_env({name: value})


# --- the memory limit ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_query_past_the_memory_limit_is_stopped_and_the_worker_replaced(executor: Executor, query: str) -> None:
    before = worker_pids(executor)
    with pytest.raises(QueryOutOfMemory) as stopped:
        anyio.run(executor.run, executor.prepare(query), results.JSON)
    assert str(stopped.value) == ("the query needed more memory than the limit of 1 GiB per query and was stopped; "
                                  "the worker was replaced")
    assert stopped.value.limit == 1 << 30 and stopped.value.hint.startswith("Narrow the query")
    deadline = time.monotonic() + 30  # the replacement starts in the background, the client is answered at once
    while len(executor._pool._all) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker_pids(executor).isdisjoint(before) and len(executor._pool._all) == 1
    assert anyio.run(executor.run, executor.prepare(ASK), results.JSON).body == TRUE


# --- the byte limit ---------------------------------------------------------------------------------


def _solutions(body: bytes, fmt: results.Format) -> list[tuple]:
    if fmt is results.CSV:  # lossy by design, so pyoxigraph does not read it
        default = csv.field_size_limit(2 * MIB)
        try:
            header, *rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
        finally:
            csv.field_size_limit(default)
        return [tuple(row) for row in rows]
    parse_as = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}[fmt.key]
    return [tuple(term.value for term in solution) for solution in ox.parse_query_results(body, format=parse_as)]


@pytest.mark.parametrize("fmt", results.SOLUTION_FORMATS, ids=lambda f: f.key)
def test_solutions_stop_at_the_byte_limit_as_a_whole_document(executor: Executor, fmt: results.Format) -> None:
    answer = anyio.run(executor.run, executor.prepare(ROWS_OF_A_MEBIBYTE), fmt)
    assert answer.cut == results.BYTES and answer.truncated
    assert 4 * MIB < len(answer.body) <= 5 * MIB  # four rows of 1 MiB fit into 5 MiB, a fifth does not
    assert _solutions(answer.body, fmt) == [(str(i), "a" * MIB) for i in range(4)]
    if fmt is results.JSON:
        assert len(json.loads(answer.body)["results"]["bindings"]) == 4
    if fmt is results.XML:
        assert len(list(rdflib.query.Result.parse(io.BytesIO(answer.body), format="xml"))) == 4
        assert answer.body.endswith(b"</sparql>\n<!-- the answer was cut at the byte limit of 5242880 bytes -->\n")


GRAPH_PARSERS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


@pytest.mark.parametrize("fmt", results.GRAPH_FORMATS, ids=lambda f: f.key)
def test_triples_stop_at_the_byte_limit_as_a_whole_document(executor: Executor, fmt: results.Format) -> None:
    answer = anyio.run(executor.run, executor.prepare(TRIPLES_OF_A_MEBIBYTE), fmt)
    assert answer.cut == results.BYTES
    assert 4 * MIB < len(answer.body) <= 5 * MIB
    graph = rdflib.Graph().parse(data=answer.body, format=GRAPH_PARSERS[fmt.key])
    assert len(graph) == 4 and {len(o) for o in graph.objects()} == {MIB}
    if fmt.key in ("turtle", "ntriples"):
        assert answer.body.endswith(b"\n# the answer was cut at the byte limit of 5242880 bytes\n")


def test_the_row_limit_is_marked_too(built_store: EmbeddedStore) -> None:
    running = Executor(built_store, timeout=30.0, row_limit=3, workers=1)
    try:
        answer = anyio.run(running.run, running.prepare("CONSTRUCT WHERE { ?s ?p ?o }"), results.TURTLE)
        assert answer.cut == results.ROWS and len(rdflib.Graph().parse(data=answer.body, format="turtle")) == 3
        assert answer.body.endswith(b"\n# the answer was cut at the row limit of 3 rows\n")
        small = anyio.run(running.run, running.prepare("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"), results.XML)
        assert small.cut is None and b"<!--" not in small.body
    finally:
        running.close()


def test_the_remote_answer_is_read_only_up_to_the_byte_limit(oxigraph_remote) -> None:
    remote = Executor(oxigraph_remote.remote_store(), timeout=60.0, row_limit=100, workers=1, answer_bytes=5 * MIB)
    try:
        answer = anyio.run(remote.run, remote.prepare(ROWS_OF_A_MEBIBYTE), results.XML)
        assert answer.cut == results.BYTES and _solutions(answer.body, results.XML) == [(str(i), "a" * MIB) for i in range(4)]
        # One remote row larger than the limit: the reading stops inside it, and the answer is whole and empty.
        huge = anyio.run(remote.run, remote.prepare(f"SELECT ?x23 WHERE {{ {doubled(23)} }}"), results.XML)
        assert huge.cut == results.BYTES and _solutions(huge.body, results.XML) == []
        assert huge.body.endswith(b"<!-- the answer was cut at the byte limit of 5242880 bytes -->\n")
        graph = anyio.run(remote.run, remote.prepare(TRIPLES_OF_A_MEBIBYTE), results.NTRIPLES)
        assert graph.cut == results.BYTES and len(list(ox.parse(graph.body, format=ox.RdfFormat.N_TRIPLES))) == 4
    finally:
        remote.close()


# --- over HTTP, in a real server process ----------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    """The process's memory figures from /proc in KiB: VmRSS, VmHWM, ..."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {line.split(":")[0]: int(line.split()[1]) for line in lines if line.startswith("Vm")}


@pytest.fixture(scope="module")
def server(module_store: EmbeddedStore, project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [sys.executable, "-m", "smartregion", "serve", "--store", str(module_store.path), "--port", str(port), "--no-warm-up"]
    # No lanes: the memory limit, not the fast budget, must be what stops these queries.
    env = {"SMARTREGION_HOME": str(project_root), "SMARTREGION_QUERY_WORKERS": "1", "SMARTREGION_QUERY_TIMEOUT": "60",
           "SMARTREGION_QUERY_FAST_BUDGET": "0"}
    with server_process(command, port, env, tmp_path_factory.mktemp("serve") / "server.log") as process:
        yield f"http://127.0.0.1:{port}", process.pid


def test_300_rows_of_a_mebibyte_are_cut_at_the_byte_limit_and_the_server_stays_small(server: tuple[str, int]) -> None:
    """The issue's case: without a byte limit this answer grew the server by 800 MB."""
    base, pid = server
    before = _status(pid)["VmRSS"]
    response = httpx.post(base + "/sparql", data={"query": ROWS_OF_A_MEBIBYTE}, timeout=120)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["X-Result-Truncated"] == "true" and response.headers["X-Result-Truncated-By"] == "bytes"
    assert response.headers["X-Byte-Limit"] == str(50 * MIB) and response.headers["X-Row-Limit"] == "10000"
    bindings = response.json()["results"]["bindings"]
    assert 40 < len(bindings) < 50 and [int(b["i"]["value"]) for b in bindings] == list(range(len(bindings)))
    assert len(response.content) <= 50 * MIB
    grown = (_status(pid)["VmHWM"] - before) / 1024
    assert grown < 200, f"the server grew by {grown:.0f} MiB for one answer of at most 50 MiB"


@pytest.mark.parametrize("query", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_memory_queries_over_http(server: tuple[str, int], query: str) -> None:
    base, _ = server
    response = httpx.post(base + "/sparql", data={"query": query}, timeout=120)
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert body["title"] == "query needs too much memory" and body["limit_bytes"] == 1 << 30
    assert body["detail"] == ("the query needed more memory than the limit of 1 GiB per query and was stopped; "
                              "the worker was replaced")
    assert body["hint"].startswith("Narrow the query")
    after = httpx.get(base + "/sparql", params={"query": ASK}, timeout=30)
    assert after.status_code == 200 and after.json()["boolean"] is True
