"""The three servers compared, each started as a user would start it, on 127.0.0.1 and a free port.

- smartregion: ``smartregion serve`` over the store ``smartregion build`` made (its defaults: four
  query worker processes, two of them for slow queries, 30 s time limit, 10 000 rows);
- Oxigraph server: ``oxigraph serve-read-only --union-default-graph`` over the store pyoxigraph's
  ``bulk_load`` made from the same files (the binary of the PyPI package ``oxigraph``);
- rdflib-endpoint: ``rdflib-endpoint serve`` over the same files (a plain rdflib ``Dataset`` with a
  union default graph, queried by rdflib's own SPARQL engine).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from common import (
    Workspace,
    descendants,
    free_port,
    parse_scale,
    peak_rss_mb,
    stop,
    wait_until_ready,
)
from loadgen import wait_idle
from smartregion.store import EmbeddedStore

BIN = Path(sys.executable).parent
READY = "ASK { ?s ?p ?o }"


@dataclass
class Server:
    name: str
    base: str
    sparql: str  # the SPARQL endpoint's URL
    process: subprocess.Popen
    log: Path
    startup: float = 0.0  # seconds until it answered
    command: list[str] = field(default_factory=list)
    env: dict | None = None
    timeout: float = 600.0

    def peak_rss(self) -> tuple[float | None, float | None]:
        """Peak RSS in MB of the server process, and of it with all its child processes."""
        own = peak_rss_mb(self.process.pid)
        if own is None:
            return None, None
        children = [peak_rss_mb(pid) or 0.0 for pid in descendants(self.process.pid)]
        return own, own + sum(children)

    def stop(self) -> None:
        stop(self.process)

    def recover(self, patience: float = 60.0) -> None:
        """Make sure the server is free again: wait for it to finish a query its client gave up on, and
        restart it (same port) if it is still busy after ``patience`` seconds."""
        if wait_idle(self.sparql, patience):
            return
        print(f"  {self.name} is still busy after {patience:.0f} s: restarting it", file=sys.stderr, flush=True)
        self.stop()
        self.process = _launch(self.command, self.log, self.env, append=True)
        wait_until_ready(self.sparql, self.process, self.log, self.timeout, params={"query": READY})


def _binary(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        raise RuntimeError(f"`{name}` is not installed: pip install -e '.[test]' (it brings oxigraph and rdflib-endpoint)")
    return found


def _launch(command: list[str], log_path: Path, env: dict | None, append: bool = False) -> subprocess.Popen:
    with open(log_path, "a" if append else "w", encoding="utf-8") as log:  # the child keeps its own descriptor
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def _start(name: str, command: list[str], log_path: Path, ready_url: str, timeout: float, env: dict | None = None,
           base: str = "", sparql: str = "") -> Server:
    process = _launch(command, log_path, env)
    server = Server(name, base, sparql, process, log_path, command=command, env=env, timeout=timeout)
    try:
        server.startup = wait_until_ready(ready_url, process, log_path, timeout, params={"query": READY})
    except BaseException:
        server.stop()
        raise
    return server


def start_smartregion(ws: Workspace, timeout: float = 600, env: dict[str, str] | None = None) -> Server:
    """``env``: settings (``SMARTREGION_*``) to serve with besides the workspace's."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # --no-warm-up: the projection at start would run beside the catalogue workload, and the network
    # workload measures it as its first call.
    command = [_binary("smartregion"), "serve", "--port", str(port), "--store", str(ws.store), "--no-warm-up"]
    server = _start("smartregion", command,
                    ws.logs / f"smartregion-{ws.label}.log", base + "/sparql", timeout, env={**ws.env(), **(env or {})}, base=base,
                    sparql=base + "/sparql")
    # It answers while it still builds its search index (tens of seconds at 1M, on a core the
    # workloads would share): a search waits for the index, so what is measured next starts after it.
    try:
        httpx.get(base + "/api/search", params={"q": "stadt"}, timeout=timeout).raise_for_status()
        settings = {**ws.env(), **(env or {})}
        _wait_for_copies(server, int(settings.get("SMARTREGION_QUERY_WORKERS", 4)), timeout)
    except BaseException:
        server.stop()
        raise
    return server


_COPIED = re.compile(r"query worker (\d+) answers from memory: rev-\d+ copied")


def _wait_for_copies(server: Server, workers: int, timeout: float) -> None:
    """Wait until every query worker answers from its in-memory copy of the store, or the log says the
    workers answer from disk: the workers copy it after the start, answering from disk meanwhile
    (store/replica.py)."""
    deadline = time.monotonic() + timeout
    print(f"  waiting for {workers} query workers to copy the store into memory", file=sys.stderr, flush=True)
    while time.monotonic() < deadline:
        text = server.log.read_text(encoding="utf-8", errors="replace")
        text = text[text.rfind("Started server process"):]  # this start's, in a log a restart appends to
        if " on disk: " in text or len(set(_COPIED.findall(text))) >= workers:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the query workers did not copy the store into memory within {timeout:.0f} s; see {server.log}")


def start_oxigraph(ws: Workspace, timeout: float = 120) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [_binary("oxigraph"), "serve-read-only", "--location", str(ws.oxigraph_store), "--bind", f"127.0.0.1:{port}",
               "--union-default-graph"]
    return _start("oxigraph", command, ws.logs / f"oxigraph-{ws.label}.log", base + "/query", timeout, base=base,
                  sparql=base + "/query")


def start_rdflib(ws: Workspace, timeout: float = 1800) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    files = [str(ws.data), *map(str, ws.ontology_files())]
    command = [_binary("rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port), *files]
    return _start("rdflib-endpoint", command, ws.logs / f"rdflib-endpoint-{ws.label}.log", base + "/", timeout,
                  base=base, sparql=base + "/")


def progress(message: str) -> None:
    """Progress of a long bench step, on stderr (stdout carries the results)."""
    print(message, file=sys.stderr, flush=True)


def built_workspace(workdir: Path, scale: str, seed: int) -> tuple[Workspace, int]:
    """The workspace of a scale with its data generated and its store built (once; reused after); its triple count."""
    ws = Workspace(workdir.resolve(), scale.lower(), parse_scale(scale), seed)
    progress(f"preparing {ws.label}: {ws.scale:,} organisations (seed {seed}) in {ws.root}")
    ws.prepare()
    if not (ws.store / "CURRENT").is_file():
        progress("building the store")
        subprocess.run([_binary("smartregion"), "build", "--no-validate", "--quiet"], env=ws.env(), check=True, capture_output=True)
    return ws, EmbeddedStore(ws.store).triple_count()
