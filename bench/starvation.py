"""Starvation: how fast cheap requests are answered while slow queries run, against none running.

    python bench/starvation.py --scale 10k --duration 15

Starts ``smartregion serve`` on a generated project (over loopback only), then for each number of
slow queries (``--slow``, default 0,3,10,50; 0 is the baseline) keeps that many slow queries going
(a counted cross product of the store, which never finishes) while ``--cheap-clients`` threads send
cheap requests for ``--duration`` seconds: an ASK and a lookup question about one entity on
``/sparql``, the same question on ``/api/queries``, an entity page and a search. Prints p50/p95 per
kind of cheap request and their ratio to the baseline, and what the slow queries got (429, 503 slow
lane full, 503 time limit ...). Writes the same to ``bench/data/starvation-<scale>.json`` and ``.md``.

Slow queries come from one address (``--attack one``: what an anonymous client can do) or each from an
address of its own (``--attack many``: 127.1.x.y, as from many hosts); both by default. A slow client
sends its next query as soon as the last one ended, after a 429 once ``Retry-After`` (at most 1 s)
has passed. ``--server-env`` serves with other settings, e.g. ``SMARTREGION_QUERY_FAST_BUDGET=0``
(no lanes) to see what the lanes change.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import loadgen
from common import BENCH, Workspace, fmt, machine
from load import Sample, request_mix
from loadgen import Outcome, Request
from servers import built_workspace, progress, start_smartregion

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP_KINDS = ("sparql ASK", "sparql lookup", "api/queries lookup", "page: entity", "api/search")
ONE_ADDRESS = "127.0.0.2"  # the slow client of --attack one; cheap clients use 127.0.0.10 and up, one each
BASE_IRI = "https://w3id.org/smartregion/"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  python bench/starvation.py --scale 10k --duration 15\n"
        "  python bench/starvation.py --scale 100k --slow 0,10 --attack many\n"
        "  python bench/starvation.py --scale 10k --attack many --server-env SMARTREGION_QUERY_FAST_BUDGET=0",
    )
    parser.add_argument("--scale", default="10k", help="triples to generate: 10k, 100k, 1m or a number (default 10k)")
    parser.add_argument("--slow", default="0,3,10,50", help="numbers of slow queries kept going, 0 the baseline (default 0,3,10,50)")
    parser.add_argument("--attack", default="one,many", help="where slow queries come from: one address, many (default both)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of cheap requests per step (default 15)")
    parser.add_argument("--cheap-clients", type=int, default=2, help="threads sending cheap requests (default 2)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="the server's SMARTREGION_QUERY_TIMEOUT for the run "
                                                                       "(default 10, so that a step ends soon)")
    parser.add_argument("--timeout", type=float, default=30.0, help="client time limit per cheap request (default 30)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE", help="a setting to serve with")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data and of the sampled entities")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data",
                        help="where data, stores and results go (default bench/data)")
    args = parser.parse_args(argv)
    try:
        args.slow = [int(n) for n in args.slow.split(",")]
        args.server_env = dict(item.split("=", 1) for item in args.server_env)
    except ValueError:
        parser.error("--slow takes numbers separated by commas; --server-env takes NAME=VALUE")
    args.attack = [a for a in args.attack.split(",") if a]
    if not set(args.attack) <= {"one", "many"} or args.duration <= 0 or args.cheap_clients < 1 or 0 not in args.slow:
        parser.error("--attack is one, many or both; --duration positive; --cheap-clients at least 1; --slow must hold 0")
    return args



def cheap_requests(ws: Workspace, base: str, sample: Sample) -> dict[str, list[Request]]:
    mix = request_mix(ws, base, sample)
    ask = [Request(base + "/sparql", (("query", f"ASK {{ <{actor}> ?p ?o }}"),)) for actor in sample.actors]
    return {"sparql ASK": ask, "sparql lookup": mix["sparql"], "api/queries lookup": mix["api/queries"],
            "page: entity": mix["page: entity"], "api/search": mix["api/search"]}


# --- the slow clients -------------------------------------------------------------------------------


@dataclass
class Attack:
    """``count`` slow clients sending SLOW back to back until stopped; what they got."""

    base: str
    count: int
    one_address: bool
    got: Counter = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def address(self, n: int) -> str:
        return ONE_ADDRESS if self.one_address else f"127.1.{n // 250}.{n % 250 + 1}"

    def start(self) -> None:
        for n in range(self.count):
            thread = threading.Thread(target=self._client, args=(self.address(n),), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _client(self, address: str) -> None:
        with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=120) as client:
            while not self.stop.is_set():
                try:
                    response = client.post(self.base + "/sparql", data={"query": SLOW})
                    outcome = f"{response.status_code} {response.json().get('error', '')}".strip()
                except (httpx.HTTPError, ValueError) as exc:
                    outcome, response = type(exc).__name__, None
                self.got[outcome] += 1
                if response is not None and response.status_code == 429:
                    self.stop.wait(min(1.0, float(response.headers.get("retry-after", 1))))

    def end(self) -> None:
        """Stop sending; wait for queries under way to end (at the server's time limit at the latest)."""
        self.stop.set()
        for thread in self.threads:
            thread.join()


# --- one step ---------------------------------------------------------------------------------------


def cheap_load(mix: dict[str, list[Request]], clients: int, duration: float, timeout: float) -> dict[str, Outcome]:
    """``clients`` threads send the kinds in turn, a request of each kind round robin, for ``duration`` seconds."""
    outcomes = {kind: Outcome() for kind in mix}
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client_loop(number: int) -> None:
        turn = number
        with httpx.Client(transport=httpx.HTTPTransport(local_address=f"127.0.0.{10 + number}")) as client:
            while time.perf_counter() < deadline:
                for kind, requests in mix.items():
                    latency, _, error = loadgen.send(client, requests[turn % len(requests)], timeout)
                    with lock:
                        if error:
                            outcomes[kind].errors.append(error[:300])
                        else:
                            outcomes[kind].latencies.append(latency)
                turn += clients

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@dataclass
class Step:
    attack: str
    slow: int
    outcomes: dict[str, Outcome]
    slow_got: dict[str, int]


def step(base: str, mix: dict[str, list[Request]], attack: str, slow: int, args: argparse.Namespace) -> Step:
    running = Attack(base, slow, attack == "one")
    running.start()
    if slow:
        time.sleep(2.0)  # past the fast budget: the slow lane is taken, the queue has formed
    progress(f"  {attack if slow else 'baseline'}: {slow} slow queries going, cheap requests for {args.duration:.0f} s")
    outcomes = cheap_load(mix, args.cheap_clients, args.duration, args.timeout)
    progress("  waiting for the slow queries under way to end")
    running.end()
    return Step(attack if slow else "none", slow, outcomes, dict(running.got))


# --- reporting --------------------------------------------------------------------------------------


COLUMNS = ("slow queries", "kind", "requests", "errors", "p50 ms", "p95 ms", "p50 ratio", "p95 ratio")


def rows(steps: list[Step]) -> list[dict]:
    baseline = next(s for s in steps if s.slow == 0).outcomes
    out = []
    for s in steps:
        label = "0 (baseline)" if s.slow == 0 else f"{s.slow} from {'one address' if s.attack == 'one' else 'as many addresses'}"
        every = Outcome()
        for kind in CHEAP_KINDS:
            every.add(s.outcomes[kind])
        base_every = Outcome()
        for kind in CHEAP_KINDS:
            base_every.add(baseline[kind])
        for kind, outcome, base_outcome in [*((k, s.outcomes[k], baseline[k]) for k in CHEAP_KINDS), ("all cheap", every, base_every)]:
            out.append({"slow queries": label, "kind": kind, "requests": outcome.ok + len(outcome.errors), "errors": len(outcome.errors),
                        "p50 ms": outcome.p(0.5), "p95 ms": outcome.p(0.95),
                        "p50 ratio": _ratio(outcome.p(0.5), base_outcome.p(0.5)), "p95 ratio": _ratio(outcome.p(0.95), base_outcome.p(0.95))})
    return out


def _ratio(value: float | None, baseline: float | None) -> float | None:
    return value / baseline if value is not None and baseline else None


def _cell(value: object) -> str:
    return str(value) if isinstance(value, (str, int)) else fmt(value)


def text_table(table: list[dict]) -> str:
    cells = [[_cell(row[c]) for c in COLUMNS] for row in table]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(COLUMNS)]
    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))
    return "\n".join([line(list(COLUMNS)), *(line(c) for c in cells)])


def markdown_table(table: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "| --- | --- |" + " ---: |" * (len(COLUMNS) - 2)]
    lines += ["| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |" for row in table]
    return "\n".join(lines)


def slow_outcomes(steps: list[Step]) -> list[str]:
    return [f"{s.slow} from {'one address' if s.attack == 'one' else 'as many addresses'}: "
            + ", ".join(f"{what} × {n}" for what, n in sorted(s.slow_got.items())) for s in steps if s.slow]


def report(args: argparse.Namespace, ws: Workspace, triples: int, steps: list[Step]) -> int:
    table = rows(steps)
    command = "python bench/starvation.py " + " ".join(sys.argv[1:])
    errors = [f"{s.slow} {s.attack} {kind}: {e}" for s in steps for kind, o in s.outcomes.items() for e in o.errors]
    print(f"\ncheap requests while slow queries run, {ws.label} ({triples:,} triples), loopback; "
          f"{args.cheap_clients} cheap clients, {args.duration:.0f} s per step; server time limit {args.time_limit:g} s"
          + (f"; settings {args.server_env}" if args.server_env else ""))
    print(f"machine: {machine()}")
    print(text_table(table))
    print("\nwhat the slow queries got:\n  " + "\n  ".join(slow_outcomes(steps)))
    if errors:
        print(f"\n{len(errors)} cheap requests failed, the first ones:\n  " + "\n  ".join(errors[:10]))
    out = args.workdir.resolve()
    info = {"scale": ws.label, "triples": triples, "command": command, "machine": machine(), "settings": args.server_env,
            "rows": table, "slow": {f"{s.slow} {s.attack}": s.slow_got for s in steps if s.slow}, "errors": errors[:100]}
    (out / f"starvation-{ws.label}.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    lines = [f"### Starvation, {ws.label}: {triples:,} triples", "", f"`{command}` — {info['machine']}", "",
             markdown_table(table), "", "What the slow queries got: " + "; ".join(slow_outcomes(steps)) + ".", "",
             f"Cheap requests failed: {len(errors)}."]
    (out / f"starvation-{ws.label}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten: {out / f'starvation-{ws.label}.json'} and .md")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    ws, triples = built_workspace(args.workdir, args.scale, args.seed)
    progress("sampling entities from the data")
    sample = Sample.of(ws, args.seed)
    progress("starting smartregion serve")
    server = start_smartregion(ws, env={"SMARTREGION_QUERY_TIMEOUT": str(args.time_limit), **args.server_env})
    steps = []
    try:
        mix = cheap_requests(ws, server.base, sample)
        with httpx.Client() as client:  # the first search projects the network: a one-off cost, not measured
            for requests in mix.values():
                loadgen.send(client, requests[0], 600)
        plan = [("none", 0)] + [(attack, n) for attack in args.attack for n in args.slow if n]
        for attack, n in plan:
            steps.append(step(server.base, mix, attack, n, args))
    finally:
        server.stop()
    return report(args, ws, triples, steps)


if __name__ == "__main__":
    sys.exit(main())
