"""The network questions: partners, paths, ego networks, centrality, communities, brokers between regions."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

import igraph
import leidenalg
import networkx as nx

from smartregion.network.filters import Filter, view
from smartregion.network.projection import BadParameter, Snapshot

BETWEENNESS_EXACT_UP_TO = 500  # nodes; above this betweenness is estimated from a sample of k sources
BETWEENNESS_SAMPLE = 2000  # at 100k triples: all 20 of the exact top 20 (bench/RESULTS.md)
# A sampled source costs one search over the whole network: on very large networks fewer sources are
# sampled (down to BETWEENNESS_MIN_SAMPLE), so that k × (actors + links) stays within this many steps
# (a few seconds in igraph on a 2-core machine; bench/RESULTS.md has the effect on the top 20).
BETWEENNESS_WORK = 80_000_000
BETWEENNESS_MIN_SAMPLE = 50
SEED = 42
MAX_PATHS_COMPARED = 50  # equally short chains compared to pick the strongest

# -- questions ----------------------------------------------------------------------------------


def node_json(graph: nx.Graph, iri: str) -> dict:
    data = graph.nodes[iri]
    return {"iri": iri, "label": data["label"], "type": data["type"], "group": data["group"]}


def cooperations(snap: Snapshot, iri: str, flt: Filter = Filter()) -> list[dict]:
    """The partners of an actor, strongest link first, each with its evidence."""
    g = view(snap.graph, flt, keep=[iri])
    if iri not in g:
        return []
    partners = [
        {**node_json(g, other), "weight": data["weight"], "kinds": data["kinds"], "evidence": data["evidence"]}
        for other, data in g[iri].items()
    ]
    return sorted(partners, key=lambda p: (-p["weight"], p["label"].casefold()))


def shortest_chains(g: nx.Graph, source: str, target: str, limit: int) -> list[list[str]]:
    """Up to ``limit`` of the shortest chains between two nodes.

    A bidirectional search finds their length; then each end searches only its half of it. networkx's
    ``all_shortest_paths`` searches the whole network from the source instead: on 80,000 actors that
    is most of a second per question.
    """
    try:
        length = len(nx.bidirectional_shortest_path(g, source, target)) - 1
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return []
    near, far = (length + 1) // 2, length // 2
    towards_source, from_source = nx.predecessor(g, source, cutoff=near, return_seen=True)
    towards_target, from_target = nx.predecessor(g, target, cutoff=far, return_seen=True)
    chains = []
    for middle in (n for n, d in from_source.items() if d == near and from_target.get(n) == far):
        for left in _chains_back(middle, towards_source):
            for right in _chains_back(middle, towards_target):
                chains.append(left[::-1] + right[1:])
                if len(chains) == limit:
                    return chains
    return chains


def _chains_back(node: str, predecessors: dict[str, list[str]]) -> Iterator[list[str]]:
    """Every chain from ``node`` back to where the search that found ``predecessors`` started."""
    stack = [[node]]
    while stack:
        chain = stack.pop()
        before = predecessors[chain[-1]]
        if not before:
            yield chain
        stack.extend(chain + [p] for p in reversed(before))


def path(snap: Snapshot, source: str, target: str, max_steps: int, flt: Filter = Filter()) -> dict:
    """The shortest chain of links between two actors; of equally short ones, the strongest."""
    g = view(snap.graph, flt, keep=[source, target])
    ends = {"from": snap.actors[source].as_json(), "to": snap.actors[target].as_json(), "max": max_steps}
    chains = shortest_chains(g, source, target, MAX_PATHS_COMPARED)
    if not chains:
        return {"connected": False, **ends,
                "message": f"{ends['from']['label']} and {ends['to']['label']} are not connected in the network"
                           + (" under the given filters" if flt else "")}
    best = max(chains, key=lambda c: sum(g[a][b]["weight"] for a, b in zip(c, c[1:])))
    steps = len(best) - 1
    if steps > max_steps:
        return {"connected": False, **ends, "length": steps,
                "message": f"the shortest chain has {steps} steps, more than max={max_steps}"}
    return {
        "connected": True, **ends, "length": steps,
        "nodes": [node_json(g, n) for n in best],
        "steps": [
            {"from": node_json(g, a), "to": node_json(g, b), "weight": g[a][b]["weight"],
             "kinds": g[a][b]["kinds"], "evidence": g[a][b]["evidence"]}
            for a, b in zip(best, best[1:])
        ],
    }


def ego(snap: Snapshot, iri: str, depth: int, flt: Filter = Filter()) -> nx.Graph:
    """An actor's neighbourhood up to ``depth`` links away."""
    g = view(snap.graph, flt, keep=[iri])
    return nx.ego_graph(g, iri, radius=depth) if iri in g else nx.Graph()


def centrality(snap: Snapshot, measure: str, top: int, flt: Filter = Filter()) -> dict:
    """Actors ranked by degree, betweenness (hop distance) or eigenvector (link weight) centrality.

    The ranking is computed once per snapshot, measure and filter; ``top`` only cuts it.
    """
    if measure not in ("degree", "betweenness", "eigenvector"):
        raise BadParameter("measure", f"unknown measure '{measure}'; use degree, betweenness or eigenvector")
    g, scores, ranking, sample = snap.remember(("centrality", measure, flt), lambda: _rank(snap, measure, flt))
    ranked = ranking[:top]
    n = g.number_of_nodes()
    result = {
        "measure": measure, "nodes": n, "edges": g.number_of_edges(), "sampled": sample is not None,
        "ranking": [
            {**node_json(g, node), "score": round(scores[node], 6), "degree": g.degree(node),
             "weight": g.degree(node, weight="weight")}
            for node in ranked
        ],
    }
    if sample:
        result["k"] = sample
        result["note"] = (f"betweenness estimated from {sample} sampled source nodes (seed {SEED}) because "
                          f"the network has more than {BETWEENNESS_EXACT_UP_TO} nodes")
    return result


def _rank(snap: Snapshot, measure: str, flt: Filter) -> tuple[nx.Graph, dict[str, float], list[str], int | None]:
    """The filtered network, every actor's score, all actors best first, and the sample size (or None)."""
    g = view(snap.graph, flt)
    n = g.number_of_nodes()
    sample = betweenness_sample(n, g.number_of_edges()) if measure == "betweenness" and n > BETWEENNESS_EXACT_UP_TO else None
    if n == 0:
        scores: dict[str, float] = {}
    elif measure == "degree":
        scores = nx.degree_centrality(g)
    elif measure == "betweenness":
        scores = betweenness_centrality(g, k=sample, seed=SEED)
    else:
        scores = nx.eigenvector_centrality(g, weight="weight", max_iter=1000)
    return g, scores, sorted(scores, key=lambda node: (-scores[node], g.nodes[node]["label"].casefold())), sample


def betweenness_sample(nodes: int, edges: int) -> int:
    """How many sources to sample on a network of this size (see BETWEENNESS_WORK)."""
    return min(nodes, BETWEENNESS_SAMPLE, max(BETWEENNESS_MIN_SAMPLE, BETWEENNESS_WORK // (nodes + edges)))


def betweenness_centrality(g: nx.Graph, k: int | None = None, seed: int = SEED) -> dict[str, float]:
    """Normalised betweenness (hop distance) of an undirected graph, exact or from ``k`` sampled sources.

    The same numbers as networkx 3.6's ``betweenness_centrality(g, k=k, seed=seed)`` (same sample, same
    scaling), computed by igraph's Brandes in C: a sample is igraph's betweenness restricted to the
    sampled sources. bench/betweenness.py compares it with the pure-Python Brandes it replaced.
    """
    nodes, h = _igraph(g)
    n = len(nodes)
    if n < 3:
        return dict.fromkeys(nodes, 0.0)
    if k is None:
        # igraph counts each unordered pair once, networkx's scaling by (n-1)(n-2) counts ordered ones.
        return {node: 2 * score / ((n - 1) * (n - 2)) for node, score in zip(nodes, h.betweenness(directed=False))}
    sources = random.Random(seed).sample(range(n), k)
    totals = h.betweenness(directed=False, sources=sources)
    # networkx's scaling without endpoints: by the (s, t) pairs a node can lie between; a sampled source
    # is the source of one pair fewer.
    sampled = set(sources)
    return {node: 2 * totals[i] / ((k - 1 if i in sampled else k) * (n - 2)) if k > 1 or i not in sampled else math.nan
            for i, node in enumerate(nodes)}


def communities(snap: Snapshot, resolution: float = 1.0, flt: Filter = Filter()) -> dict:
    """Leiden communities (leidenalg) on the link weights, seeded so that the answer is repeatable.

    Leiden refines Louvain so that every community is connected; in C it takes a fraction of the time
    networkx's Louvain took (bench/betweenness.py compares both at 100k and 1M triples).
    """
    g = view(snap.graph, flt)
    found: list[set[str]] = []
    if g:
        nodes, h = _igraph(g)
        partition = leidenalg.find_partition(h, leidenalg.RBConfigurationVertexPartition, weights="weight",
                                             resolution_parameter=resolution, seed=SEED)
        found = [{nodes[i] for i in members} for members in partition]
    found = sorted(found, key=lambda c: (-len(c), min(c)))
    strength = dict(g.degree(weight="weight"))
    return {
        "algorithm": "leiden (leidenalg)", "seed": SEED, "resolution": resolution,
        "modularity": round(nx.community.modularity(g, found, weight="weight"), 6) if found else None,
        "communities": [
            {"id": i, "size": len(c),
             "members": [node_json(g, n) for n in sorted(c, key=lambda n: (-strength[n], g.nodes[n]["label"]))]}
            for i, c in enumerate(found)
        ],
    }


def _igraph(g: nx.Graph) -> tuple[list[str], igraph.Graph]:
    """The nodes in networkx's order, and the same graph in igraph (vertex i = node i, edge attribute ``weight``)."""
    nodes = list(g)
    index = {node: i for i, node in enumerate(nodes)}
    edges = list(g.edges(data="weight", default=1))
    h = igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b, _ in edges], edge_attrs={"weight": [w for _, _, w in edges]})
    return nodes, h


def brokers(snap: Snapshot, regions: list[str], flt: Filter = Filter()) -> dict:
    """Actors with partners in every one of the regions, those with the most even spread first."""
    g = view(snap.graph, flt)
    found = []
    for node in g:
        per_region = [
            [{**node_json(g, p), "weight": g[node][p]["weight"]} for p in g[node] if region in g.nodes[p]["within"]]
            for region in regions
        ]
        if all(per_region):
            spread = min(len(partners) for partners in per_region)
            broker = {
                **node_json(g, node),
                "weight": sum(p["weight"] for partners in per_region for p in partners),
                "partners": [{"region": {"iri": r, "label": snap.index.label(r)}, "partners": partners}
                             for r, partners in zip(regions, per_region)],
            }
            found.append((spread, broker))
    found.sort(key=lambda item: (-item[0], -item[1]["weight"], item[1]["label"].casefold()))
    return {"regions": [{"iri": r, "label": snap.index.label(r)} for r in regions], "brokers": [b for _, b in found]}
