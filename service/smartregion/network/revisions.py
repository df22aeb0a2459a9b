"""The network of each store revision: projected in full, or after a contribution patched instead.

Projecting the whole network takes 16-18 s at a million triples; a contribution adds one graph. Its
links are found by asking only about what the new graph names: every IRI in it is a possible hub
(a cooperation, event, project or organisation that memberships point to) and its subjects are
possible memberships. Each such hub's evidence is collected again in full, from every graph, and
replaces what the network had for it; an addition only adds members, so every pair that had evidence
of the hub is among the pairs collected again.

That holds only while the new graph says nothing about entities the store had before except links
to them: a new type, name, date, place or programme lead of an existing entity can change links
far away. Then, and for large or blank-node graphs, :func:`patch_snapshot` returns None and the
network is projected again in full. tests/network/test_revisions.py checks a patch against a full
projection of the same store.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from smartregion.names.search import LABEL_QUERY, SearchIndex, restricted
from smartregion.network.projection import (
    ORGANISATIONAL,
    PLACE_QUERY,
    PROGRAMME_LEADS,
    SUBCLASS_QUERY,
    TYPE_QUERY,
    Actor,
    Only,
    Snapshot,
    Store,
    _actor_type,
    _Classes,
    _Dates,
    _group,
    _Links,
    _rows,
    build_snapshot,
    collect_links,
    edge_data,
)
from smartregion.store.cache import PerRevision

MAX_TRIPLES = 50_000  # added triples above which projecting everything again is as quick
HUB_KINDS = {"cooperation", "co-organisation", "session", "project"}
# What a new graph may say about an entity the store had before without changing links elsewhere:
# that it is the hub of a new participation, an organisational link (collected by graph), its source.
LINKS_TO_EXISTING = (
    {"https://w3id.org/smartregion/ontology#" + p for p in (
        "partner", "memberMunicipality", "coOrganizer", "host", "speaker", "keynoteSpeaker", "openingSpeaker",
        "welcomeSpeaker", "moderator", "panelist", "client", "contractor")}
    | {"https://schema.org/organizer", "https://schema.org/maintainer", "http://purl.org/dc/terms/source"}
    | set(ORGANISATIONAL)
) - PROGRAMME_LEADS

GRAPH_QUERY = "SELECT ?s ?p ?o ?iri WHERE { GRAPH ?g { ?s ?p ?o } BIND(isIRI(?o) AS ?iri) }"
# Which of some IRIs the store names anywhere outside the added graphs (?added: one VALUES per graph).
KNOWN_QUERY = """SELECT DISTINCT ?s WHERE {
  { GRAPH ?h { ?s ?p ?o } } UNION { GRAPH ?h { ?x ?p ?s } }
  FILTER(?h NOT IN (%s))
}"""


def patch_snapshot(old: Snapshot, store: Store, revision: str, graphs: Iterable[str], index: SearchIndex) -> Snapshot | None:
    """The network of ``revision``, which differs from ``old``'s by the added ``graphs``; None where a patch cannot be sure."""
    graphs = set(graphs)
    triples = _rows(store, restricted(GRAPH_QUERY, "g", graphs))
    if len(triples) > MAX_TRIPLES or any(t["s"].startswith("_:") or t.get("iri") == "false" and t["o"].startswith("_:")
                                         for t in triples):
        return None
    subjects = {t["s"] for t in triples}
    terms = subjects | {t["o"] for t in triples if t.get("iri") == "true"}
    outside = ", ".join(f"<{g}>" for g in sorted(graphs))
    known = {row["s"] for row in _rows(store, restricted(KNOWN_QUERY % outside, "s", terms))}
    if any(t["s"] in known and t["p"] not in LINKS_TO_EXISTING for t in triples):
        return None
    new = subjects - known
    classes = _Classes(_rows(store, restricted(TYPE_QUERY, "s", terms)), _rows(store, SUBCLASS_QUERY))
    actors = dict(old.actors)
    actors.update(_new_actors(store, classes, new, old.actors, index))
    links = _Links(actors)
    collect_links(store, links, classes, index, _Dates(store, terms), Only(hubs=terms, memberships=new, graphs=graphs))
    return Snapshot(revision, _patched_graph(old.graph, links, terms, actors), actors, index)


def _new_actors(store: Store, classes: _Classes, new: set[str], before: dict[str, Actor], index: SearchIndex) -> dict[str, Actor]:
    """The actors among the new subjects; their places are the new graph's, with what contains those."""
    found = {iri: names for iri, names in classes.actors().items() if iri in new}
    located: dict[str, set[str]] = {}
    for row in _rows(store, restricted(PLACE_QUERY, "s", found)) if found else []:
        located.setdefault(row["s"], set()).add(row["place"])
    actors = {}
    for iri, names in found.items():
        group = _group(names)
        within = {iri} if group == "territorial-authority" else set()
        for place in located.get(iri, ()):
            within |= before[place].within if place in before else {place}
        actors[iri] = Actor(iri, index.label(iri), _actor_type(names), group, frozenset(within))
    return actors


def _patched_graph(graph: nx.Graph, links: _Links, hubs: set[str], actors: dict[str, Actor]) -> nx.Graph:
    """A copy of ``graph`` whose pairs collected again have the old evidence of those hubs replaced by the new."""
    patched = _copy(graph)
    for (a, b), items in links.evidence.items():
        for node in (a, b):
            if node not in patched:
                patched.add_node(node, **actors[node].as_json(), within=actors[node].within)
        kept = []
        if patched.has_edge(a, b):
            kept = [e for e in patched[a][b]["evidence"] if not (e["kind"] in HUB_KINDS and e["iri"] in hubs)]
            patched.remove_edge(a, b)  # from the copy's own adjacency; the old link's data stays the old snapshot's
        merged = {(e["kind"], e["iri"], e["source"]): e for e in kept} | items
        patched.add_edge(a, b, **edge_data(list(merged.values())))
    return patched


def _copy(graph: nx.Graph) -> nx.Graph:
    """A copy whose adjacency is its own and whose node and link data are shared with ``graph``.

    The old snapshot may be answering requests, so it must not change; the patch never edits node or
    link data in place (it removes and adds links), and copying the adjacency dicts in C takes a tenth
    of ``graph.copy()``, which copies every link's data in Python (4 s at a million triples).
    """
    copy = nx.Graph()
    copy.graph.update(graph.graph)
    copy._node.update(graph._node)
    copy._adj.update((node, dict(neighbours)) for node, neighbours in graph._adj.items())
    return copy


class NetworkCache(PerRevision[Snapshot]):
    """The network of the store's current revision; a write (a new revision) projects it again, or patches it.

    Labels come from ``labels`` (the search index, its own per-revision component) where given. After
    contributions of this process (store.cache.note_added) the kept network is patched.
    """

    def __init__(self, store: Store, labels: PerRevision[SearchIndex] | None = None):
        def index(store: Store) -> SearchIndex | None:
            return labels.get() if labels else None

        def patch(old: Snapshot, store: Store, revision: str, graphs: frozenset[str]) -> Snapshot | None:
            found = index(store) or SearchIndex(_rows(store, LABEL_QUERY), _rows(store, TYPE_QUERY))
            return patch_snapshot(old, store, revision, graphs, found)

        super().__init__(store, lambda store, revision: build_snapshot(store, revision, index(store)), patch)

    def snapshot(self) -> Snapshot:
        return self.get()
