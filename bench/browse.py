"""How long /browse takes to list a class and count its facets, first and from the per-revision cache.

    python bench/browse.py --scale 100k

Builds (once) the store of the scale as ``bench/run.py`` does, then times, in this process and with the
service's own code (``web/facets.py``): the class counts, and for each (class, filters) the first page
with every facet counted, cold and again from the cache. Baseline, in the same run: the first page
sorted and cut by the engine (ORDER BY label, LIMIT 50), which is what the page would cost without
sorting in Python. Ratio = ours ÷ baseline (lower is better).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from common import BENCH, Workspace, parse_scale
from smartregion.rdf.ids import SR
from smartregion.store import EmbeddedStore
from smartregion.web.facets import Selection, browse_data, facet_cache
from smartregion.web.rendering import solutions
from starlette.datastructures import QueryParams, State

CASES = [
    ("Organisation", ""),
    ("Organisation", "state=id/state/brandenburg"),
    ("Municipality", "state=id/state/bayern"),
    ("Event", "sort=-date"),
    ("Project", "state=id/state/sachsen"),
]


def timed(action) -> tuple[float, object]:  # noqa: ANN001 - any callable
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def engine_sorted(store: EmbeddedStore, name: str) -> int:
    rows = solutions(store, f"""SELECT ?e ?l WHERE {{ ?e a <{SR}{name}> OPTIONAL {{ ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l }} }}
ORDER BY LCASE(STR(?l)) LIMIT 50""")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="100k", help="10k, 100k, 1m or a number of triples (default 100k)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=BENCH / "data")
    args = parser.parse_args(argv)
    ws = Workspace(args.workdir.resolve(), args.scale.lower(), parse_scale(args.scale), args.seed)
    if not (ws.store / "CURRENT").is_file():
        ws.prepare()
        print(f"building the {args.scale} store …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "smartregion", "build", "--no-validate", "--no-dumps"], env=ws.env(), check=True)
    store = EmbeddedStore(ws.store)
    state = State()
    state.store = store
    print(f"{store.triple_count():,} statements")
    seconds, memo = timed(facet_cache(state).get)
    print(f"class counts and subclasses: {seconds:.3f} s ({len(memo.classes)} classes)")
    print(f"{'class and filters':45} {'first':>8} {'cached':>8} {'baseline':>9} {'ratio':>6}")
    for name, query in CASES:
        selection = Selection.parse(QueryParams(query))
        cold, found = timed(lambda: browse_data(state, name, selection, "de"))
        warm, _ = timed(lambda: browse_data(state, name, selection, "de"))
        base, _ = timed(lambda: engine_sorted(store, name))
        label = f"{name}?{query} ({found['count']} items)"
        print(f"{label:45} {cold:8.3f} {warm:8.3f} {base:9.3f} {cold / base if base else float('nan'):6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
