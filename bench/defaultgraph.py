"""How the default graph should be the union of the named graphs: the options side by side, on generated data.

SPARQL's default graph over several sources is their merge, a set. pyoxigraph 0.5 computes a union
at query time that yields a triple once per graph stating it. This measures, in one run on the same
quads, each way of getting a union:

- ``union-flag``: the named graphs only, queried with ``use_default_graph_as_union`` (the old way:
  wrong, the baseline of every ratio);
- ``graph-list``: the named graphs only, every named graph passed as the query's default graph
  (``default_graph=[...]``), what a client can ask for with ``default-graph-uri`` (wrong too in 0.5);
- ``materialised``: the distinct union written as the store's real default graph next to the
  named graphs (what smartregion does, ``store/base.py``: the dataset).

The generated sources never state the same triple twice, so ``--overlap`` (default 0.1) restates that
share of the statements in one more source graph, as a harvest or a contribution that repeats what
others say would. For each: the bulk load (wall clock, the distinct union computed in it), the folder's size on disk,
the catalogue's questions (median of ``--repeat`` runs after one untimed warm-up, each answer read to the end; the parameter
values sampled as in ``run.py``), the row count of ``COUNT(*)`` over the default graph (right:
the distinct triples), and a contribution-sized write (replacing one source graph of about 100
triples, with the union kept up to date for ``materialised``).

```
python bench/defaultgraph.py --scale 10k            # a minute
python bench/defaultgraph.py --scale 1m             # about ten minutes; generates the data once
```
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from common import BENCH, HOME, SCALES, Workspace, parse_scale
from params import pick
from smartregion.build import ONTOLOGY_GRAPH
from smartregion.questions import Catalogue
from smartregion.store.base import distinct_union, union_restate, union_withdraw

OPTIONS = ("union-flag", "graph-list", "materialised")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python bench/defaultgraph.py --scale 100k --repeat 3")
    parser.add_argument("--scale", default="10k", help="triples to generate: 10k, 100k, 1m or a number (default 10k)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data and of the parameters (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per question, the median counts (default 3)")
    parser.add_argument("--overlap", type=float, default=0.1, help="share of statements a second source restates (default 0.1)")
    parser.add_argument("--options", default=",".join(OPTIONS), help=f"which to measure, the first is the baseline (default {','.join(OPTIONS)})")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data", help="where data and stores go (default bench/data/)")
    return parser.parse_args(argv)


def read_quads(ws: Workspace, overlap: float) -> list[ox.Quad]:
    quads = list(ox.parse(path=str(ws.data), format=ox.RdfFormat.TRIG))
    ontology = ox.NamedNode(ONTOLOGY_GRAPH)
    for path in ws.ontology_files():
        quads += [ox.Quad(q.subject, q.predicate, q.object, ontology) for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    if overlap > 0:
        again = ox.NamedNode("https://w3id.org/smartregion/source/bench-overlap")
        step = max(1, round(1 / overlap))
        quads += [ox.Quad(q.subject, q.predicate, q.object, again) for q in quads[::step]]
    return quads


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load(option: str, quads: list[ox.Quad], folder: Path) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    store = ox.Store(str(folder))
    store.bulk_extend([*quads, *distinct_union(quads)] if option == "materialised" else quads)
    store.flush()
    store.optimize()
    del store
    return time.perf_counter() - started


def dataset(option: str, graphs: list[ox.NamedNode]) -> dict[str, object]:
    if option == "union-flag":
        return {"use_default_graph_as_union": True}
    if option == "graph-list":
        return {"default_graph": graphs, "named_graphs": graphs}
    return {}


def timed(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    """The median of ``repeat`` runs after one untimed run, so that every option is timed with warm caches."""
    run()
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def answer_size(result: object) -> int:
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)  # type: ignore[union-attr]


def contribution_write(option: str, folder: Path, graph: ox.NamedNode, quads: list[ox.Quad]) -> float:
    """Replace one source graph in a store (a write of the size of a contribution), as smartregion's write does."""
    store = ox.Store(str(folder))
    started = time.perf_counter()
    if option == "materialised":
        store.update(union_withdraw([graph.value]))
    store.remove_graph(graph)
    store.extend(quads)
    if option == "materialised":
        store.update(union_restate([graph.value]))
    store.flush()
    elapsed = time.perf_counter() - started
    del store
    return elapsed


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    label = args.scale if args.scale in SCALES else str(parse_scale(args.scale))
    ws = Workspace(args.workdir, label, parse_scale(args.scale), args.seed)
    ws.prepare()
    print(f"reading {ws.data.name} …", file=sys.stderr, flush=True)
    quads = read_quads(ws, args.overlap)
    distinct = len({q.triple for q in quads})
    print(f"{len(quads)} statements, {distinct} distinct triples", file=sys.stderr, flush=True)
    catalogue = Catalogue(HOME / "queries")
    by_graph: dict[str, list[ox.Quad]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name.value, []).append(q)
    # A source graph of a contribution's size: the smallest one with at least 100 statements.
    small = min((g for g, qs in by_graph.items() if len(qs) >= 100), key=lambda g: len(by_graph[g]))

    figures: dict[str, dict[str, float]] = {}
    questions: dict[str, dict[str, tuple[float, int]]] = {}
    params: dict[str, list[dict[str, str]]] = {}
    options = [o.strip() for o in args.options.split(",") if o.strip()]
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise SystemExit(f"--options: unknown {', '.join(unknown)}; choose from {', '.join(OPTIONS)}")
    for option in options:
        folder = ws.root / f"defaultgraph-{label}-{option}"
        print(f"{option}: loading …", file=sys.stderr, flush=True)
        seconds = load(option, quads, folder)
        figures[option] = {"load s": seconds, "disk MB": folder_bytes(folder) / 1e6}
        if not params:
            params = pick(folder, args.seed)
        store = ox.Store.read_only(str(folder))
        graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
        data = dataset(option, graphs)
        count = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **data)))["n"].value)
        figures[option]["COUNT(*) rows"] = count
        questions[option] = {}
        for name in sorted(params):
            text = catalogue.get(name).render(params[name][0])
            questions[option][name] = timed(lambda text=text: answer_size(store.query(text, **data)), args.repeat)
            print(f"  {name}: {questions[option][name][0] * 1000:.1f} ms", file=sys.stderr, flush=True)
        figures[option]["questions total s"] = sum(t for t, _ in questions[option].values())
        del store
        figures[option]["100-triple write s"] = contribution_write(option, folder, ox.NamedNode(small), by_graph[small])
    report(args, ws, options, len(quads), distinct, len(by_graph[small]), figures, questions)
    return 0


def report(args: argparse.Namespace, ws: Workspace, options: list[str], statements: int, distinct: int, small: int,
           figures: dict[str, dict[str, float]], questions: dict[str, dict[str, tuple[float, int]]]) -> None:
    lines = [
        f"# Default graph options at {ws.label} ({statements} statements, {distinct} distinct triples, "
        f"overlap {args.overlap}, seed {args.seed})",
        "",
        f"pyoxigraph {ox.__version__}; ratio = {options[-1]} ÷ {options[0]}; write: one source graph of {small} statements.",
        "",
        "| figure | " + " | ".join(options) + " | ratio |",
        "| --- | " + " | ".join("---:" for _ in options) + " | ---: |",
    ]
    for figure in figures[options[0]]:
        values = [figures[o][figure] for o in options]
        base = values[0]
        ratio = f"{values[-1] / base:.2f}" if base else "—"
        lines.append(f"| {figure} | " + " | ".join(f"{v:,.3f}" if isinstance(v, float) else f"{v:,}" for v in values) + f" | {ratio} |")
    lines += ["", "| question (median ms, rows) | " + " | ".join(options) + " | ratio |",
              "| --- | " + " | ".join("---:" for _ in options) + " | ---: |"]
    for name in questions[options[0]]:
        cells = [questions[o][name] for o in options]
        base = cells[0][0]
        lines.append(f"| {name} | " + " | ".join(f"{t * 1000:.1f} ({rows})" for t, rows in cells)
                     + f" | {cells[-1][0] / base:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    (ws.root / f"defaultgraph-{ws.label}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
