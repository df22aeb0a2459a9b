"""Memory of ``smartregion serve`` under hostile queries: how large the query workers and the server
process grow when queries try to use all memory, or to make the answer huge; on a generated project,
over loopback only; then it stops by itself.

    python bench/hostile.py --scale 10k
    python bench/hostile.py --scale 1m --concurrent 4

Each query is sent alone, then ``--concurrent`` copies of it at once. For each it prints the status
and error (or the answer's size, rows and cut), the time, the peak resident memory (VmRSS) and peak
address space (VmSize) of the query workers while it ran, and the server process's resident memory
before and after and its peak so far (VmHWM). Writes the same to ``bench/data/hostile-<scale>.json``
and ``.md``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
from common import BENCH, descendants, machine
from servers import built_workspace, progress, start_smartregion


def doubled(times: int) -> str:
    """BINDs that double ``"a"`` ``times`` times into ``?x<times>``: 2**times characters from a short query."""
    return 'BIND("a" AS ?x0) ' + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(times))


VALUES_300 = "VALUES ?i { " + " ".join(map(str, range(300))) + " }"
# name → (query, Accept); the cases: memory without bound, and 300 rows of 1 MB each.
QUERIES = {
    "gigabyte string": (f"SELECT (STRLEN(?x31) AS ?n) WHERE {{ {doubled(31)} }}", "application/sparql-results+json"),
    "ORDER BY RAND() cross product": ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY RAND()",
                                      "application/sparql-results+json"),
    "300 rows of 1 MiB (JSON)": (f"SELECT ?i ?x20 WHERE {{ {VALUES_300} {doubled(20)} }}", "application/sparql-results+json"),
    "300 triples of 1 MiB (Turtle)": (f'CONSTRUCT {{ ?s <http://example.org/big> ?x20 }} WHERE {{ {VALUES_300} '
                                      f'BIND(IRI(CONCAT("http://example.org/item/", STR(?i))) AS ?s) {doubled(20)} }}', "text/turtle"),
}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="examples:\n  python bench/hostile.py --scale 10k\n"
                                            "  python bench/hostile.py --scale 1m --concurrent 4")
    parser.add_argument("--scale", default="10k", help="triples to generate: 10k, 100k, 1m or a number (default 10k)")
    parser.add_argument("--concurrent", type=int, default=4, help="copies of each query sent at once after it ran alone (default 4)")
    parser.add_argument("--timeout", type=float, default=120.0, help="client time limit per request in seconds (default 120)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data", help="where data, stores and results go (default bench/data)")
    args = parser.parse_args(argv)
    if args.concurrent < 1:
        parser.error("--concurrent must be at least 1")
    return args



def status_mb(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM, VmSize, VmPeak of a process in MB; empty once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {line.split(":")[0]: int(line.split()[1]) / 1024 for line in lines if line.startswith(("VmRSS", "VmHWM", "VmSize", "VmPeak"))}


class WorkerPeaks:
    """Samples the server's child processes (the query workers, replaced or not) every 50 ms while it runs."""

    def __init__(self, server_pid: int):
        self.server_pid, self.rss, self.size = server_pid, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in descendants(self.server_pid):
                figures = status_mb(pid)
                self.rss = max(self.rss, figures.get("VmRSS", 0.0))
                self.size = max(self.size, figures.get("VmPeak", 0.0))
            time.sleep(0.05)

    def __enter__(self) -> WorkerPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


@dataclass
class Outcome:
    query: str
    copies: int
    statuses: str  # e.g. "400 ×4"
    answer: str  # the error title, or bytes, rows and cut of the answer
    seconds: float
    worker_rss_peak_mb: float
    worker_vmpeak_mb: float
    server_rss_before_mb: float
    server_rss_after_mb: float
    server_hwm_mb: float


def send(client: httpx.Client, base: str, query: str, accept: str, timeout: float) -> httpx.Response:
    return client.post(base + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=timeout)


def describe(response: httpx.Response) -> str:
    if response.status_code != 200:
        try:
            return response.json().get("error", "?")
        except ValueError:
            return response.text[:60]
    if response.headers["content-type"].startswith("application/sparql-results+json"):
        rows = len(response.json()["results"]["bindings"])
    else:
        rows = sum(1 for _ in ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    cut = response.headers.get("X-Result-Truncated-By", "not cut")
    return f"{len(response.content) / 2**20:.1f} MiB, {rows} rows, cut: {cut}"


def measure(base: str, pid: int, name: str, copies: int, timeout: float) -> Outcome:
    query, accept = QUERIES[name]
    before = status_mb(pid).get("VmRSS", 0.0)
    started = time.monotonic()
    with WorkerPeaks(pid) as peaks, httpx.Client() as client, ThreadPoolExecutor(copies) as pool:
        responses = list(pool.map(lambda _: send(client, base, query, accept, timeout), range(copies)))
    seconds = time.monotonic() - started
    after = status_mb(pid)
    statuses = sorted({r.status_code for r in responses})
    return Outcome(name, copies, ", ".join(f"{s} ×{sum(r.status_code == s for r in responses)}" for s in statuses),
                   describe(responses[0]), round(seconds, 2), round(peaks.rss), round(peaks.size), round(before),
                   round(after.get("VmRSS", 0.0)), round(after.get("VmHWM", 0.0)))


COLUMNS = ("query", "copies", "statuses", "answer", "seconds", "worker_rss_peak_mb", "worker_vmpeak_mb",
           "server_rss_before_mb", "server_rss_after_mb", "server_hwm_mb")


def table(outcomes: list[Outcome], markdown: bool) -> str:
    rows = [[str(getattr(o, c)) for c in COLUMNS] for o in outcomes]
    if markdown:
        return "\n".join(["| " + " | ".join(COLUMNS) + " |", "| --- |" + " ---: |" * (len(COLUMNS) - 1)]
                         + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(COLUMNS)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in [list(COLUMNS), *rows])


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    ws, triples = built_workspace(args.workdir, args.scale, args.seed)
    progress("starting smartregion serve")
    server = start_smartregion(ws)
    outcomes: list[Outcome] = []
    try:
        pid = server.process.pid
        idle = {"server": status_mb(pid), "children": [status_mb(child) for child in descendants(pid)]}
        for name in QUERIES:
            for copies in (1, args.concurrent):
                progress(f"{name}: {copies} at once")
                outcomes.append(measure(server.base, pid, name, copies, args.timeout))
        ask = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        still_up = ask.status_code == 200 and ask.json()["boolean"] is True
    finally:
        server.stop()
    command = "python bench/hostile.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"\nsmartregion under hostile queries at {ws.label} ({triples:,} triples), loopback; limits: the defaults "
          "(1 GiB of address space per query worker, 50 MiB per answer, 10 000 rows, 2 workers, 30 s)")
    print(f"machine: {machine()}")
    print(f"idle: server {idle['server'].get('VmRSS', 0):.0f} MB resident; its child processes (forkserver, query workers) "
          + ", ".join(f"{w.get('VmRSS', 0):.0f} MB resident / {w.get('VmSize', 0):.0f} MB address space" for w in idle["children"]))
    print(table(outcomes, markdown=False))
    print(f"answering afterwards: {'yes' if still_up else 'NO'}")
    out = args.workdir.resolve()
    info = {"scale": ws.label, "triples": triples, "command": command, "machine": machine(), "idle": idle,
            "outcomes": [asdict(o) for o in outcomes], "answering_afterwards": still_up}
    (out / f"hostile-{ws.label}.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / f"hostile-{ws.label}.md").write_text(
        f"### Hostile queries, {ws.label}: {triples:,} triples\n\n`{command}` — {info['machine']}\n\n"
        + table(outcomes, markdown=True) + f"\n\nAnswering afterwards: {'yes' if still_up else 'no'}.\n", encoding="utf-8")
    print(f"\nwritten: {out / f'hostile-{ws.label}.json'} and .md")
    return 0 if still_up else 1


if __name__ == "__main__":
    sys.exit(main())
