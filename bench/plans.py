"""The catalogue's questions about one entity, as they are against as they were at a git revision.

    python bench/plans.py --scale 1m --against main      # after `python bench/run.py --scale 1m --only load`

Each lookup question (``bench/params.py``) runs with ``--samples`` sampled parameter sets on the
store ``bench/run.py`` bulk-loaded, in pyoxigraph in this process (the embedded engine, one client,
no HTTP), alternately in the text of ``queries/`` and in the text at ``--against``; it prints the
median per question and the ratio, and checks that both give the same number of rows. The plans
behind a slow question: ``oxigraph query --location bench/data/oxigraph-1m --union-default-graph
--explain --stats --query-file Q.rq``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from common import BENCH, HOME, Row, Workspace, machine, markdown, parse_scale, table
from params import LOOKUPS, pick
from smartregion.questions import load_query


def seconds(store: ox.Store, text: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = len(list(store.query(text, use_default_graph_as_union=True)))
    return time.perf_counter() - started, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="100k", help="the scale bench/run.py built (default 100k)")
    parser.add_argument("--seed", type=int, default=1, help="the data's seed (default 1)")
    parser.add_argument("--against", default="main", help="the git revision whose questions are the baseline (default main)")
    parser.add_argument("--samples", type=int, default=5, help="parameter sets per question (default 5)")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data")
    args = parser.parse_args(argv)
    ws = Workspace(args.workdir.resolve(), args.scale.lower(), parse_scale(args.scale), args.seed)
    if not ws.oxigraph_store.is_dir():
        parser.error(f"no store for {ws.label}: run `python bench/run.py --scale {args.scale} --only load` first")
    chosen = pick(ws.oxigraph_store, args.seed)
    store = ox.Store.read_only(str(ws.oxigraph_store))
    rows = []
    for name in LOOKUPS:
        path = HOME / "queries" / f"{name}.rq"
        before = ws.root / "before" / f"{name}.rq"
        before.parent.mkdir(exist_ok=True)
        before.write_text(subprocess.run(["git", "-C", str(HOME), "show", f"{args.against}:queries/{name}.rq"],
                                         capture_output=True, text=True, check=True).stdout, encoding="utf-8")
        now, then = load_query(path), load_query(before)
        ours, theirs, same = [], [], True
        for i, parameters in enumerate(chosen[name][: args.samples]):
            if i % 2:  # each goes first every other time: the first to run pays for the cold cache
                took_before, count_before = seconds(store, then.render(parameters))
                took, count = seconds(store, now.render(parameters))
            else:
                took, count = seconds(store, now.render(parameters))
                took_before, count_before = seconds(store, then.render(parameters))
            ours.append(took)
            theirs.append(took_before)
            same = same and count == count_before
        before.unlink()
        rows.append(Row(f"question {name}", "median ms", 1000 * statistics.median(ours), f"the same at {args.against}",
                        1000 * statistics.median(theirs), target="ours <= 50",
                        note="same rows" if same else "ROW COUNTS DIFFER"))
        print(f"{name}: {rows[-1].ours:.1f} ms vs {rows[-1].baseline:.1f} ms", file=sys.stderr)
    print(table(rows))
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; machine: {machine()}")
    (ws.root / f"plans-{ws.label}.md").write_text(markdown(rows) + "\n", encoding="utf-8")
    return 0 if all(r.note == "same rows" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
