"""Benchmark smartregion against the tools a user would otherwise pick, in one run, on generated data.

    python bench/run.py --scale 10k|100k|1m [--only load,catalogue,network,memory,validation]

Prints, per workload, smartregion's figure, the baseline's, their ratio and the issue's target at
1M triples; writes the same as JSON and Markdown next to the data (``bench/data/``). See
``bench/README.md`` for what each workload does and ``bench/RESULTS.md`` for measured results.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import params
import workloads
from common import BENCH, HOME, Row, Workspace, machine, markdown, parse_scale, table
from servers import Server, start_oxigraph, start_rdflib, start_smartregion

WORKLOADS = ("load", "catalogue", "network", "memory", "validation")
PEERS = ("oxigraph", "rdflib")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="examples:\n  python bench/run.py --scale 10k\n"
                                            "  python bench/run.py --scale 1m --only load,catalogue --duration 20")
    parser.add_argument("--scale", default="10k", help="triples to generate: 10k, 100k, 1m or a number (default 10k)")
    parser.add_argument("--only", default=",".join(WORKLOADS), help=f"comma-separated workloads (default all: {','.join(WORKLOADS)})")
    parser.add_argument("--peers", default=",".join(PEERS), help="baselines to start: oxigraph, rdflib (default both)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data and of the parameter choice")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per throughput run (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per question in the one-by-one pass (default 3)")
    parser.add_argument("--timeout", type=float, default=30.0, help="client time limit per request in seconds (default 30)")
    parser.add_argument("--questions", choices=("all", "lookups"), default="all",
                        help="catalogue questions asked one by one: all 23, or only the lookups (default all)")
    parser.add_argument("--no-full-validation", action="store_true", help="skip the full SHACL run (long at 1M)")
    parser.add_argument("--exact-betweenness", action="store_true", help="measure exact betweenness instead of estimating it")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data", help="where data, stores and results go (default bench/data)")
    args = parser.parse_args(argv)
    args.only = [w.strip() for w in args.only.split(",") if w.strip()]
    args.peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = set(args.only) - set(WORKLOADS) | set(args.peers) - set(PEERS)
    if unknown:
        parser.error(f"unknown workload or peer: {', '.join(sorted(unknown))}")
    return args


def load_average() -> str:
    """Other work on the machine skews the figures: the results say how busy it was."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("smartregion", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "pyshacl", "networkx", "fastapi",
                    "uvicorn", "httpx"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    try:
        found["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HOME, capture_output=True, text=True,
                                         check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=HOME, capture_output=True,
                                 text=True, check=True).stdout.strip()
        found["commit"] += " with uncommitted changes" if changed else ""
    except (OSError, subprocess.CalledProcessError):
        found["commit"] = "unknown"
    return found


def start_servers(ws: Workspace, peers: list[str]) -> dict[str, Server]:
    servers: dict[str, Server] = {}
    try:
        for name, start in (("smartregion", start_smartregion), ("oxigraph", start_oxigraph), ("rdflib", start_rdflib)):
            if name == "smartregion" or name in peers:
                print(f"starting {name}", file=sys.stderr, flush=True)
                server = start(ws)
                servers[server.name] = server
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    triples_wanted = parse_scale(args.scale)
    label = args.scale.lower()
    ws = Workspace(args.workdir.resolve(), label, triples_wanted, args.seed)
    settings = workloads.Settings(duration=args.duration, clients=args.clients, repeat=args.repeat, timeout=args.timeout,
                                  seed=args.seed, exact_betweenness=args.exact_betweenness)
    started = time.monotonic()
    print(f"preparing {label}: {ws.scale:,} organisations (seed {args.seed}) in {ws.root}", file=sys.stderr, flush=True)
    ws.prepare()
    rows: list[Row] = []
    question_table = None

    if "load" in args.only:
        print("load: smartregion build vs pyoxigraph bulk_load", file=sys.stderr, flush=True)
        load_rows, triples = workloads.load(ws, settings)
        rows += load_rows
    else:
        triples = workloads.ensure_stores(ws)

    if {"catalogue", "network", "memory"} & set(args.only):
        chosen = params.pick(ws.oxigraph_store, args.seed)
        if args.questions == "lookups":
            chosen = {name: values for name, values in chosen.items() if name in params.LOOKUPS}
        actors = params.actors(ws.oxigraph_store, args.seed, 40)
        servers = start_servers(ws, args.peers)
        try:
            if "catalogue" in args.only:
                print("catalogue", file=sys.stderr, flush=True)
                catalogue_rows, question_table = workloads.catalogue(ws, servers, chosen, list(params.LOOKUPS), settings)
                rows += catalogue_rows
            if "network" in args.only:
                print("network", file=sys.stderr, flush=True)
                rows += workloads.network(ws, servers, actors, settings)
            if "memory" in args.only:
                rows += workloads.memory(servers, triples)
        finally:
            for server in servers.values():
                server.stop()

    if "validation" in args.only:
        print("validation", file=sys.stderr, flush=True)
        rows += workloads.validation(ws, settings, full=not args.no_full_validation)

    report(args, ws, rows, question_table, triples, time.monotonic() - started)
    return 0


def report(args: argparse.Namespace, ws: Workspace, rows: list[Row], questions: workloads.QuestionTable | None,
           triples: int, seconds: float) -> None:
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    info = {"scale": ws.label, "triples": triples, "organisations": ws.scale, "seed": args.seed, "command": command,
            "machine": machine(), "versions": versions(), "seconds": round(seconds, 1), "load average": load_average()}
    print(f"\nsmartregion benchmark at {ws.label} ({triples:,} triples), {seconds:.0f} s; ratio = smartregion / baseline")
    print(f"machine: {info['machine']}; load average at the end (1, 5, 15 min): {info['load average']}")
    print(table(rows))
    if questions is not None:
        print("\nthe catalogue one by one (median ms, 1 client; rows of the first answer per target):")
        print(questions.text())
    (ws.root / f"results-{ws.label}.json").write_text(
        json.dumps({**info, "rows": [r.as_dict() for r in rows]}, indent=2, ensure_ascii=False), encoding="utf-8")
    lines = [f"### {ws.label}: {triples:,} triples ({ws.scale:,} organisations, seed {args.seed})", "",
             f"`{command}` — {seconds:.0f} s; load average at the end {info['load average']}", "", markdown(rows)]
    if questions is not None:
        lines += ["", questions.markdown()]
    (ws.root / f"results-{ws.label}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten: {ws.root / f'results-{ws.label}.json'} and .md")


if __name__ == "__main__":
    sys.exit(main())
