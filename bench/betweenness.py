"""How close sampled betweenness comes to the exact one: the top 20 actors, and the time each takes.

    python bench/betweenness.py --scale 100k [--k 50,100,200,500]

Projects the network of a store built by ``bench/run.py`` (the same projection the service makes),
computes exact betweenness once (one shortest-path search from every actor, in igraph as the
service does; kept in ``bench/data/betweenness-exact-<scale>.json`` for the next run) and the sampled
estimate for each k with the service's seed and code (the same numbers as networkx), and prints the
overlap of each estimate's top 20 with the exact top 20. The baseline in the same run: networkx's own
sampled betweenness (the same numbers) at the service's k, timed on a part of the sample and scaled up;
and networkx's Louvain against the service's Leiden communities (time, modularity, count).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import networkx as nx
from common import BENCH, Workspace, parse_scale
from smartregion.network import (
    Snapshot,
    SEED,
    betweenness_centrality,
    betweenness_sample,
    build_snapshot,
    communities,
)
from smartregion.store import EmbeddedStore

TOP = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="100k", help="the scale bench/run.py built (default 100k)")
    parser.add_argument("--seed", type=int, default=1, help="the data's seed (default 1)")
    parser.add_argument("--k", default="50,100,200,500", help="sample sizes to compare (default 50,100,200,500)")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data")
    args = parser.parse_args(argv)
    ws = Workspace(args.workdir.resolve(), args.scale.lower(), parse_scale(args.scale), args.seed)
    if not (ws.store / "CURRENT").is_file():
        parser.error(f"no store at {ws.store}: run `python bench/run.py --scale {args.scale} --only load` first")

    store = EmbeddedStore(ws.store)
    started = time.perf_counter()
    snap = build_snapshot(store, store.revision())
    graph = snap.graph
    print(f"network of {ws.label}: {graph.number_of_nodes():,} actors, {graph.number_of_edges():,} links "
          f"(projected in {time.perf_counter() - started:.1f} s)")

    cached = ws.root / f"betweenness-exact-{ws.label}.json"
    if cached.is_file() and json.loads(cached.read_text())["revision"] == store.revision():
        saved = json.loads(cached.read_text())
        exact, exact_seconds = saved["scores"], saved["seconds"]
    else:
        print("exact betweenness ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        exact = betweenness_centrality(graph)
        exact_seconds = time.perf_counter() - started
        cached.write_text(json.dumps({"revision": store.revision(), "seconds": exact_seconds, "scores": exact}))
    best = top(exact)
    print(f"exact: {exact_seconds:.1f} s; the service samples k={betweenness_sample(len(graph), graph.number_of_edges())} here")
    print(f"{'k':>6}  {'seconds':>8}  {'top-20 overlap':>14}  {'top-10 overlap':>14}  same #1")
    for k in (int(value) for value in args.k.split(",")):
        started = time.perf_counter()
        sampled = betweenness_centrality(graph, k=min(k, graph.number_of_nodes()), seed=SEED)
        seconds = time.perf_counter() - started
        estimate = top(sampled)
        print(f"{k:>6}  {seconds:>8.1f}  {len(set(estimate) & set(best)):>11}/{TOP}  "
              f"{len(set(estimate[:10]) & set(best[:10])):>11}/10  {'yes' if estimate[0] == best[0] else 'no'}")
    compare_with_networkx(snap)
    return 0


def compare_with_networkx(snap: Snapshot) -> None:
    """The service's sampled betweenness and communities against networkx's, timed in the same run."""
    graph = snap.graph
    k = betweenness_sample(len(graph), graph.number_of_edges())
    started = time.perf_counter()
    betweenness_centrality(graph, k=k, seed=SEED)
    ours = time.perf_counter() - started
    part = min(k, 50)
    started = time.perf_counter()
    nx.betweenness_centrality(graph, k=part, seed=SEED)
    theirs = (time.perf_counter() - started) * k / part
    print(f"sampled betweenness, k={k}: igraph {ours:.2f} s, networkx {theirs:.1f} s (from {part} sources), "
          f"ratio {ours / theirs:.3f}")
    started = time.perf_counter()
    leiden = communities(snap)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    louvain = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    modularity = nx.community.modularity(graph, louvain, weight="weight")
    theirs = time.perf_counter() - started
    print(f"communities: Leiden (leidenalg) {ours:.2f} s, {len(leiden['communities'])} communities, modularity "
          f"{leiden['modularity']:.4f}; Louvain (networkx) {theirs:.2f} s, {len(louvain)}, {modularity:.4f}; "
          f"ratio {ours / theirs:.2f} (both with networkx's modularity)")


def top(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda node: (-scores[node], node))[:TOP]


if __name__ == "__main__":
    sys.exit(main())
