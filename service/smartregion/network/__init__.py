"""The cooperation network: projected from the store per revision, analysed with networkx, exported.

May import ``settings``, ``rdf``, ``store`` and ``names``.
"""

from smartregion.network.analysis import (
    BETWEENNESS_EXACT_UP_TO,
    BETWEENNESS_SAMPLE,
    SEED,
    betweenness_centrality,
    betweenness_sample,
    brokers,
    centrality,
    communities,
    cooperations,
    ego,
    node_json,
    path,
    shortest_chains,
)
from smartregion.network.filters import (
    Filter,
    parse_date,
    resolve_actor,
    resolve_region,
    view,
)
from smartregion.network.projection import (
    KINDS,
    WEIGHTS,
    BadParameter,
    Snapshot,
    UnknownEntity,
    build_snapshot,
)
from smartregion.network.revisions import NetworkCache

__all__ = [
    "BETWEENNESS_EXACT_UP_TO", "BETWEENNESS_SAMPLE", "KINDS", "SEED", "WEIGHTS", "BadParameter", "Filter", "NetworkCache",
    "Snapshot", "UnknownEntity", "betweenness_centrality", "betweenness_sample", "brokers", "build_snapshot", "centrality",
    "communities", "cooperations", "ego", "node_json", "parse_date", "path", "resolve_actor", "resolve_region",
    "shortest_chains", "view",
]
