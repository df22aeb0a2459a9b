"""Crash safety (issue 8, point 4): a write killed with SIGKILL leaves the store with all of it or none of it,
and the store opens, serves and takes the next write afterwards.

Two levels. The embedded store's copy-on-write (checkpoint → apply → atomic switch of CURRENT) is killed
at each of its steps by a process that writes and then kills itself there, so every step is hit exactly.
The whole service is killed (server and query workers, one process group) in the middle of a large
contribution over HTTP, at points found by watching the store folder and the audit log, then restarted
on the same store.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx
import pytest
import rdflib
from live import free_port, kill_group, server_process
from smartregion.contribute.audit import FILE_NAME, AuditLog
from smartregion.contribute.model import CONTRIBUTION_NS
from smartregion.store import EmbeddedStore

EXAMPLE = "https://example.org/"
ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
TOKEN = "crash-test-token-5e0b7d"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ORGANISATIONS = 1000  # per contribution: 4000 triples and its provenance, a few seconds of validation before the write


def content(path: Path) -> set[str]:
    """The store's statements as N-Quads lines, read by a process that did not write them."""
    return {line for line in EmbeddedStore(path).dump("nquads").decode("utf-8").splitlines() if line.strip()}


def folder_state(path: Path) -> tuple[set[str], set[str]]:
    """(revision folders, other files) of a store folder."""
    revisions = {p.name for p in path.iterdir() if p.is_dir() and p.name.startswith("rev-")}
    return revisions, {p.name for p in path.iterdir() if p.name not in revisions}


def assert_clean(path: Path, live_before: str) -> None:
    """After a write: the live revision and the one before it, CURRENT and LOCK; nothing a crash left."""
    live = (path / "CURRENT").read_text(encoding="utf-8").strip()
    assert folder_state(path) == ({live, live_before}, {"CURRENT", "LOCK"})


# --- the embedded store, killed at each step of a write ---------------------------------------------

# Runs in a process of its own: starts a write of 5000 statements and kills itself (SIGKILL) at one step.
WRITER = textwrap.dedent(
    f"""
    import os, signal, sys
    import pyoxigraph as ox
    from smartregion.store import EmbeddedStore

    def crash(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    path, point = sys.argv[1:]
    graph = ox.NamedNode("{EXAMPLE}crash")
    quads = [ox.Quad(ox.NamedNode(f"{EXAMPLE}s{{i}}"), ox.NamedNode("{EXAMPLE}p"), ox.Literal(str(i)), graph) for i in range(5000)]

    def apply(store):
        if point == "after the checkpoint":
            crash()
        store.extend(quads)
        if point == "in the middle of the write":
            crash()

    if point == "before the switch":
        EmbeddedStore._switch = crash
    elif point == "in the switch":  # CURRENT's replacement is written, not yet renamed over CURRENT
        rename = os.replace
        os.replace = lambda source, target: crash() if str(target).endswith("CURRENT") else rename(source, target)
    elif point == "after the switch":
        EmbeddedStore._remove_old = crash
    EmbeddedStore(path)._commit(apply)
    """
)


@pytest.fixture
def small_store(tmp_path: Path) -> EmbeddedStore:
    """An embedded store with two graphs of 1000 statements each, in rev-2 (rev-1 is the empty start)."""
    store = EmbeddedStore(tmp_path / "store")
    graphs = {f"{EXAMPLE}g{g}": rdflib.Graph() for g in (1, 2)}
    for iri, graph in graphs.items():
        for i in range(1000):
            graph.add((rdflib.URIRef(f"{iri}/s{i}"), rdflib.RDFS.label, rdflib.Literal(f"{i}")))
    store.replace_graphs(graphs)
    return store


@pytest.mark.parametrize(
    ("point", "survives", "left_behind"),
    [
        ("after the checkpoint", False, "rev-3"),
        ("in the middle of the write", False, "rev-3"),
        ("before the switch", False, "rev-3"),
        ("in the switch", False, "CURRENT.*.tmp"),
        ("after the switch", True, "rev-1"),
    ],
)
def test_a_write_killed_at_any_step_leaves_all_or_nothing(small_store: EmbeddedStore, point: str, survives: bool, left_behind: str) -> None:
    path = small_store.path
    before, live_before = content(path), small_store.revision()
    crashed = subprocess.run([sys.executable, "-c", WRITER, str(path), point], capture_output=True, text=True, timeout=120, check=False)
    assert crashed.returncode == -9, crashed.stderr  # killed, not finished
    # What the killed writer left: a half-written revision, CURRENT's replacement, or the old revisions.
    assert any(path.glob(left_behind))
    crash_quads = {f"<{EXAMPLE}s{i}> <{EXAMPLE}p> \"{i}\" <{EXAMPLE}crash> ." for i in range(5000)}
    after_crash = content(path)
    assert after_crash == (before | crash_quads if survives else before)
    assert EmbeddedStore(path).revision() == ("rev-3" if survives else live_before)

    # The next write works, and takes away whatever the crash left.
    store = EmbeddedStore(path)
    live = store.revision()
    store.drop_graphs([f"{EXAMPLE}g1"])
    assert content(path) == {q for q in after_crash if f"<{EXAMPLE}g1>" not in q}
    assert_clean(path, live)


# --- the service, killed in the middle of a contribution --------------------------------------------


def organisations(trial: str) -> list[str]:
    return [f"{ID}organisation/crash-{trial}-{i}" for i in range(ORGANISATIONS)]


def contribution(trial: str) -> str:
    return "\n".join(
        f'<{iri}> a <{SR}Association> ; <{RDFS_LABEL}> "Absturzverein {trial} {i}"@de .' for i, iri in enumerate(organisations(trial))
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.002)


def audit_records(path: Path) -> list[dict]:
    return AuditLog(path.parent / FILE_NAME).read()


@contextmanager
def service(store: Path, project_root: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    command = [sys.executable, "-m", "smartregion", "serve", "--store", str(store), "--port", str(port)]
    env = {"SMARTREGION_HOME": str(project_root), "SMARTREGION_WRITE_TOKEN": TOKEN, "SMARTREGION_QUERY_WORKERS": "1",
           "SMARTREGION_MAX_REQUEST_BYTES": "5000000"}
    with server_process(command, port, env, tmp_path / "server.log") as process:
        yield f"http://127.0.0.1:{port}", process


def post_in_background(base: str, trial: str) -> threading.Thread:
    """POST the trial's contribution, then ask for the dumps of the new revision as a harvester would (they
    are written then); the connection breaks when the server is killed."""

    def send() -> None:
        try:
            httpx.post(f"{base}/api/contributions", content=contribution(trial).encode(), timeout=120,
                       params={"agent": f"crash {trial}", "filename": f"{trial}.ttl"}, headers={**AUTH, "Content-Type": "text/turtle"})
            httpx.get(f"{base}/dumps", timeout=120)
        except httpx.TransportError:
            pass  # the server was killed

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def sparql_count(base: str, graph: str) -> int:
    response = httpx.get(f"{base}/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def check_all_or_nothing(base: str, path: Path, before: set[str], trial: str) -> tuple[bool, set[str]]:
    """The store holds the trial's whole contribution or nothing of it, and nothing else changed.

    Returns whether it holds all of it, and the store's content."""
    after = content(path)
    assert before <= after
    new = after - before
    attempts = [r for r in audit_records(path) if r["agent"] == f"crash {trial}"]
    # The write was audited before it began, and names the graph; its outcome is logged only if it was whole
    # before the kill (the audit line follows the switch).
    events = [r["event"] for r in attempts]
    assert events in (["attempt"], ["attempt", "done"]) and (events == ["attempt"] or new)
    graph = attempts[0]["graphs"][0]
    assert graph.startswith(CONTRIBUTION_NS)
    listed = [c for c in httpx.get(f"{base}/api/contributions", timeout=30).json() if c["source"] == f"{trial}.ttl"]
    if not new:
        assert listed == [] and sparql_count(base, graph) == 0
        return False, after
    assert {line.rsplit(" ", 2)[-2] for line in new} == {f"<{graph}>"}  # one graph, the audited one
    for i, iri in enumerate(organisations(trial)):
        assert {f'<{iri}> <{RDFS_LABEL}> "Absturzverein {trial} {i}"@de <{graph}> .',
                f"<{iri}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SR}Association> <{graph}> .",
                f"<{iri}> <{DCTERMS_SOURCE}> <{graph}> <{graph}> ."} <= new
    assert sparql_count(base, graph) == len(new)
    assert [(c["graph"], c["agent"], c["triples"]) for c in listed] == [(graph, f"crash {trial}", len(new))]
    return True, after


def next_revision(path: Path) -> str:
    """The folder the next write fills: after the highest there is, half-written ones included."""
    return f"rev-{max(int(p.name.removeprefix('rev-')) for p in path.glob('rev-*')) + 1}"


def attempted(path: Path, trial: str, new: str) -> bool:
    """The service began the trial's write: it audited the attempt (and is now reading and validating)."""
    return any(r["agent"] == f"crash {trial}" for r in audit_records(path))


def committing(path: Path, trial: str, new: str) -> bool:
    """The write began the new revision (a checkpoint of the live one): it passed validation."""
    return (path / new).exists()


def switched(path: Path, trial: str, new: str) -> bool:
    """CURRENT names the new revision: the write is in the store."""
    return (path / "CURRENT").read_text(encoding="utf-8").strip() == new


def dumping(path: Path, trial: str, new: str) -> bool:
    """The dumps of the new revision are being written."""
    return switched(path, trial, new) and any((path.parent / "dumps").glob(".tmp-*"))


# Where to kill: (trial, condition on the store folder and audit log, seconds to wait after it holds)
KILL_POINTS: list[tuple[str, Callable[[Path, str, str], bool], float]] = [
    ("validating", attempted, 0.5),
    ("committing", committing, 0.0),
    ("committing-later", committing, 0.05),
    ("switched", switched, 0.0),
    ("dumping", dumping, 0.2),
]


def test_a_killed_service_keeps_all_or_nothing_of_a_contribution(fresh_store: EmbeddedStore, project_root: Path, tmp_path: Path) -> None:
    path = fresh_store.path
    outcomes: dict[str, bool] = {}
    before = content(path)
    previous: str | None = None
    # Each run of the service checks what the kill of the one before left, then is killed in a write itself.
    for kill_point in [*KILL_POINTS, None]:
        with service(path, project_root, tmp_path) as (base, process):
            if previous is not None:
                outcomes[previous], before = check_all_or_nothing(base, path, before, previous)
            if kill_point is None:
                check_recovered(base, fresh_store, len(before))
                # The writes after the kills took away the revisions the kills left half-written.
                revisions, files = folder_state(path)
                assert fresh_store.revision() in revisions and len(revisions) == 2 and files == {"CURRENT", "LOCK"}
                break
            previous, condition, delay = kill_point
            new = next_revision(path)
            thread = post_in_background(base, previous)
            wait_for(partial(condition, path, previous, new), f"the kill point {previous}")
            time.sleep(delay)
            kill_group(process)
            thread.join(30)
    assert outcomes["validating"] is False and outcomes["committing"] is False
    assert outcomes["switched"] is True and outcomes["dumping"] is True


def check_recovered(base: str, store: EmbeddedStore, statements: int) -> None:
    """The restarted service validates new contributions against the recovered store, and serves its dumps."""
    small = f'<{ID}organisation/nach-dem-absturz> a <{SR}Association> ; <{RDFS_LABEL}> "Nach dem Absturz e.V."@de .'
    checked = httpx.post(f"{base}/api/contributions", content=small, params={"dry_run": "true"},
                         headers={**AUTH, "Content-Type": "text/turtle"}, timeout=60)
    assert checked.status_code == 200 and checked.json()["added"] == {"sr:Association": 1}, checked.text
    bad = httpx.post(f"{base}/api/contributions", content=f"<{ID}organisation/x> <{SR}partner> <{ID}organisation/gibtsnicht> .",
                     headers={**AUTH, "Content-Type": "text/turtle"}, timeout=60)
    assert bad.status_code == 422 and "unknown reference" in bad.text
    # The dumps are those of the live revision, whichever step of a write the kill interrupted.
    dumps = httpx.get(f"{base}/dumps", timeout=120).json()
    assert dumps["revision"] == store.revision() and dumps["statements"] == statements
    assert not list((store.path.parent / "dumps").glob(".tmp-*")), "a dumps writer killed mid-way left its folder"
