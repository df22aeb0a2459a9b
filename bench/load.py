"""A bounded load test of ``smartregion serve``: SPARQL, REST and page requests from concurrent clients
for a fixed time, on a generated project, over loopback only; then it stops by itself.

    python bench/load.py --scale 1m --duration 120 --clients 8

Prints, per kind of request, how many were sent, how many failed, req/s and p50/p95/p99 latency; and
the server's memory (main process plus its query workers) sampled every few seconds, with whether it
stayed flat. Writes the same to ``bench/data/load-<scale>.json`` and ``.md``. Exits with 1 if any
request failed (a status other than 200, or no answer within ``--timeout``). See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import loadgen
import params
from common import BENCH, Workspace, descendants, fmt, machine
from loadgen import Outcome, Request
from servers import Server, built_workspace, progress, start_smartregion
from smartregion.questions import Catalogue
from smartregion.store import EmbeddedStore

JSON_ACCEPT = (("Accept", "application/json"),)
HTML_ACCEPT = (("Accept", "text/html"),)
BASE_IRI = "https://w3id.org/smartregion/"
# How often each kind is picked: the interactive use the service is for, not a stress of one route.
WEIGHTS = {
    "sparql": 3,
    "api/queries": 2,
    "api/cooperations": 2,
    "api/path": 1,
    "api/search": 2,
    "page: entity": 2,
    "page: /network": 1,
    "page: /catalog": 1,
}
FLAT = 1.10  # memory counts as flat if the last third's peak is within 10% of the first third's


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="examples:\n  python bench/load.py                      # 1M triples, 2 minutes, 8 clients\n"
                                            "  python bench/load.py --scale 100k --duration 60\n"
                                            "  python bench/load.py --scale 10k --duration 10 --clients 2 --workdir /some/folder")
    parser.add_argument("--scale", default="1m", help="triples to generate: 10k, 100k, 1m or a number (default 1m)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--timeout", type=float, default=30.0, help="client time limit per request in seconds (default 30, "
                                                                    "the service's own query time limit)")
    parser.add_argument("--sample", type=float, default=3.0, help="seconds between memory samples (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data and of the request mix")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data", help="where data, stores and results go (default bench/data)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.clients < 1 or args.sample <= 0:
        parser.error("--duration and --sample must be positive, --clients at least 1")
    return args



# --- what to send -----------------------------------------------------------------------------------


@dataclass
class Sample:
    """Parameters sampled from the loaded data (see params.py), before the server runs."""

    chosen: dict[str, list[dict[str, str]]]
    actors: list[str]

    @classmethod
    def of(cls, ws: Workspace, seed: int) -> Sample:
        store = EmbeddedStore(ws.store).live_path()
        return cls(params.pick(store, seed), params.actors(store, seed, 40))


def request_mix(ws: Workspace, base: str, sample: Sample) -> dict[str, list[Request]]:
    """Requests per kind, for a server at ``base``."""
    chosen, actors = sample.chosen, sample.actors
    questions = Catalogue(ws.project / "queries")
    lookups = [(name, values) for name in params.LOOKUPS for values in chosen[name]]
    return {
        "sparql": [Request(base + "/sparql", (("query", questions.get(name).render(values)),), label=name)
                   for name, values in lookups],
        "api/queries": [Request(f"{base}/api/queries/{name}", (*values.items(), ("format", "json")), JSON_ACCEPT, name)
                        for name, values in lookups],
        "api/cooperations": [Request(base + "/api/cooperations", (("iri", actor),), JSON_ACCEPT) for actor in actors],
        "api/path": [Request(base + "/api/path", (("from", a), ("to", b)), JSON_ACCEPT) for a, b in zip(actors, reversed(actors))],
        "api/search": [Request(base + "/api/search", (("q", values["text"]),), JSON_ACCEPT) for values in chosen["search_by_name"]],
        "page: entity": [Request(base + "/" + actor.removeprefix(BASE_IRI), (), HTML_ACCEPT) for actor in actors],
        "page: /network": [Request(base + "/network", (), HTML_ACCEPT)],
        "page: /catalog": [Request(base + "/catalog", (), (("Accept", "text/turtle"),))],
    }


# --- memory -----------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """The process's resident set size now (VmRSS) in MB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Memory:
    """RSS samples of the server: (seconds since the start, main process MB, main process and its children MB)."""

    samples: list[tuple[float, float, float]] = field(default_factory=list)

    def sample(self, pid: int, elapsed: float) -> tuple[float, float]:
        own = rss_mb(pid)
        total = own + sum(rss_mb(child) for child in descendants(pid))
        self.samples.append((round(elapsed, 1), round(own, 1), round(total, 1)))
        return own, total

    def thirds(self) -> tuple[float, float, float | None]:
        """The peak of the first and of the last third of the samples, and last / first."""
        totals = [total for _, _, total in self.samples]
        third = max(1, len(totals) // 3)
        first, last = max(totals[:third], default=0.0), max(totals[-third:], default=0.0)
        return first, last, (last / first if first else None)

    def curve(self) -> str:
        return "  ".join(f"{t:.0f}s {total:,.0f}" for t, _, total in self.samples)


# --- running ----------------------------------------------------------------------------------------


@dataclass
class Run:
    outcomes: dict[str, Outcome]
    memory: Memory
    seconds: float
    warmup: dict[str, str] = field(default_factory=dict)  # kind → error of its first request


def warm_up(mix: dict[str, list[Request]], timeout: float) -> dict[str, str]:
    """One request of each kind, one by one: the first /api/cooperations projects the network, the first
    /catalog counts the store; those are one-off costs, not what the load measures. Returns the errors."""
    errors = {}
    with httpx.Client() as client:
        for kind, requests in mix.items():
            started = time.perf_counter()
            _, _, error = loadgen.send(client, requests[0], timeout)
            progress(f"  warm-up {kind}: {'error ' + error if error else f'{time.perf_counter() - started:.1f} s'}")
            if error:
                errors[kind] = error
    return errors


def run(server: Server, mix: dict[str, list[Request]], args: argparse.Namespace) -> Run:
    """``args.clients`` threads pick a kind by WEIGHTS and a request of it at random until the time is up,
    while the main thread samples the server's memory and reports progress."""
    outcomes = {kind: Outcome() for kind in mix}
    lock = threading.Lock()
    kinds = list(mix)
    weights = [WEIGHTS[kind] for kind in kinds]
    started = time.perf_counter()
    deadline = started + args.duration

    def client_loop(number: int) -> None:
        rng = random.Random(args.seed * 1000 + number)
        with httpx.Client(transport=httpx.HTTPTransport(local_address=loadgen.client_address(number))) as client:
            while time.perf_counter() < deadline:
                kind = rng.choices(kinds, weights)[0]
                request = rng.choice(mix[kind])
                latency, _, error = loadgen.send(client, request, args.timeout)
                with lock:
                    if error:
                        outcomes[kind].errors.append(f"{request.url} {request.params}: {error}"[:500])
                    else:
                        outcomes[kind].latencies.append(latency)

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    memory = Memory()
    while any(thread.is_alive() for thread in threads):
        elapsed = time.perf_counter() - started
        _, total = memory.sample(server.process.pid, elapsed)
        with lock:
            done = sum(o.ok + len(o.errors) for o in outcomes.values())
            failed = sum(len(o.errors) for o in outcomes.values())
        progress(f"  {elapsed:5.0f} s  {done:,} requests  {failed} errors  server RSS {total:,.0f} MB")
        next_sample = time.perf_counter() + args.sample
        for thread in threads:
            thread.join(max(0.0, next_sample - time.perf_counter()))
    seconds = time.perf_counter() - started
    for outcome in outcomes.values():
        outcome.elapsed = seconds
    memory.sample(server.process.pid, seconds)
    return Run(outcomes, memory, seconds)


# --- reporting --------------------------------------------------------------------------------------


def rows(result: Run) -> list[dict]:
    out = []
    for kind, outcome in result.outcomes.items():
        out.append({"kind": kind, "requests": outcome.ok + len(outcome.errors), "errors": len(outcome.errors),
                    "req/s": outcome.ok / result.seconds, "p50 ms": outcome.p(0.5), "p95 ms": outcome.p(0.95),
                    "p99 ms": outcome.p(0.99)})
    every = Outcome(latencies=[x for o in result.outcomes.values() for x in o.latencies],
                    errors=[e for o in result.outcomes.values() for e in o.errors])
    out.append({"kind": "all", "requests": every.ok + len(every.errors), "errors": len(every.errors),
                "req/s": every.ok / result.seconds, "p50 ms": every.p(0.5), "p95 ms": every.p(0.95), "p99 ms": every.p(0.99)})
    return out


COLUMNS = ("kind", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")


def text_table(table: list[dict]) -> str:
    cells = [[str(row[c]) if isinstance(row[c], (str, int)) else fmt(row[c]) for c in COLUMNS] for row in table]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(COLUMNS, widths)))]
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))) for line in cells]
    return "\n".join(lines)


def markdown_table(table: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "| --- |" + " ---: |" * (len(COLUMNS) - 1)]
    for row in table:
        lines.append("| " + " | ".join(str(row[c]) if isinstance(row[c], (str, int)) else fmt(row[c]) for c in COLUMNS) + " |")
    return "\n".join(lines)


def memory_verdict(memory: Memory) -> str:
    first, last, ratio = memory.thirds()
    if ratio is None:
        return "no memory samples"
    return (f"peak of the first third {first:,.0f} MB, of the last third {last:,.0f} MB: ratio {ratio:.2f}, "
            + ("flat" if ratio <= FLAT else f"growing (more than {FLAT:.2f})"))


def report(args: argparse.Namespace, ws: Workspace, triples: int, result: Run) -> int:
    table = rows(result)
    errors = [e for o in result.outcomes.values() for e in o.errors] + [f"warm-up {k}: {e}" for k, e in result.warmup.items()]
    command = "python bench/load.py " + " ".join(sys.argv[1:])
    verdict = memory_verdict(result.memory)
    print(f"\nsmartregion load test at {ws.label} ({triples:,} triples): {args.clients} clients for {result.seconds:.0f} s, "
          "loopback")
    print(f"machine: {machine()}")
    print(text_table(table))
    print(f"\nserver memory (main process and query workers, MB): {result.memory.curve()}")
    print(f"memory: {verdict}")
    if errors:
        print(f"\n{len(errors)} errors, the first ones:\n  " + "\n  ".join(errors[:10]))
    info = {"scale": ws.label, "triples": triples, "clients": args.clients, "seconds": round(result.seconds, 1),
            "command": command, "machine": machine(), "weights": WEIGHTS, "kinds": table,
            "memory": {"samples": result.memory.samples, "verdict": verdict, "ratio": result.memory.thirds()[2]},
            "errors": errors[:100]}
    out = args.workdir.resolve()
    (out / f"load-{ws.label}.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    lines = [f"### Load test, {ws.label}: {triples:,} triples", "",
             f"`{command}` — {args.clients} clients, {result.seconds:.0f} s, loopback; {info['machine']}", "",
             markdown_table(table), "", f"Server memory (MB, main process and query workers): {result.memory.curve()}", "",
             f"Memory: {verdict}.", "", f"Errors: {len(errors)}."]
    (out / f"load-{ws.label}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten: {out / f'load-{ws.label}.json'} and .md")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    ws, triples = built_workspace(args.workdir, args.scale, args.seed)
    progress("sampling parameters from the data")
    sample = Sample.of(ws, args.seed)
    progress("starting smartregion serve")
    server = start_smartregion(ws)
    try:
        mix = request_mix(ws, server.base, sample)
        warmup = warm_up(mix, max(args.timeout, 600.0))
        progress(f"load: {args.clients} clients for {args.duration:.0f} s")
        result = run(server, mix, args)
        result.warmup = warmup
    finally:
        server.stop()
    return report(args, ws, triples, result)


if __name__ == "__main__":
    sys.exit(main())
