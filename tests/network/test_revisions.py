"""After a contribution the network is patched, not projected again, and comes out as a full projection would."""

from __future__ import annotations

import rdflib
from smartregion.contribute.contributions import Provenance, add_graph, remove
from smartregion.names.search import SearchIndex
from smartregion.network import NetworkCache, Snapshot, build_snapshot, cooperations
from smartregion.store import EmbeddedStore
from smartregion.store.cache import PerRevision

ID = "https://w3id.org/smartregion/id/"
WFBB = ID + "organisation/wfbb"
NEULAND21 = ID + "organisation/neuland21"
MADELEINE = ID + "person/madeleine-lee"
TILL = ID + "person/till-meyer"
SCCON21_COOPERATION = ID + "cooperation/sccon21-mobile-arbeit"
SCCON21_SESSION = ID + "event/sccon21-mobile-arbeit-auf-dem-land"
NEW = ID + "organisation/patch-test-verein"

CONTRIBUTION = f"""
@prefix sr: <https://w3id.org/smartregion/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{NEW}> a sr:Association ; rdfs:label "Patchtest-Verein Bad Belzig"@de ;
    schema:location <{ID}municipality/bad-belzig> ; schema:parentOrganization <{WFBB}> .
<{ID}membership/patch-test-madeleine> a org:Membership ; org:member <{MADELEINE}> ; org:organization <{NEW}> ;
    schema:jobTitle "Beirätin"@de ; schema:startDate "2024-03-01"^^xsd:date .
<{ID}cooperation/patch-test> a sr:Cooperation ; rdfs:label "Patchtest-Kooperation"@de ;
    sr:partner <{NEW}>, <{WFBB}> ; sr:cooperationKind <{ID}cooperation-kind/strategic-cooperation> .
<{SCCON21_COOPERATION}> sr:partner <{NEW}> .
<{SCCON21_SESSION}> sr:speaker <{TILL}> .
"""


def _caches(store: EmbeddedStore) -> tuple[PerRevision[SearchIndex], NetworkCache]:
    search = PerRevision(store, SearchIndex.from_store, lambda index, store, revision, graphs: index.patched(store, graphs))
    return search, NetworkCache(store, search)


def _contribute(store: EmbeddedStore, turtle: str) -> str:
    return add_graph(store, rdflib.Graph().parse(data=turtle, format="turtle"), Provenance("tester", "patch.ttl", "api")).graph_iri


def _same(patched: Snapshot, full: Snapshot) -> None:
    assert dict(patched.graph.nodes(data=True)) == dict(full.graph.nodes(data=True))
    edges = {frozenset((a, b)): d for a, b, d in full.graph.edges(data=True)}
    assert {frozenset((a, b)): d for a, b, d in patched.graph.edges(data=True)} == edges
    assert patched.actors == full.actors


def test_a_contribution_patches_the_network_as_a_full_projection_would(fresh_store: EmbeddedStore) -> None:
    search, cache = _caches(fresh_store)
    before = cache.snapshot()
    assert NEW not in before.actors
    kept = {frozenset((a, b)): (d["weight"], len(d["evidence"])) for a, b, d in before.graph.edges(data=True)}
    _contribute(fresh_store, CONTRIBUTION)
    after = cache.snapshot()
    # The old snapshot, which requests may still be reading, is left as it was.
    assert {frozenset((a, b)): (d["weight"], len(d["evidence"])) for a, b, d in before.graph.edges(data=True)} == kept
    assert (cache.builds, cache.patches) == (1, 1) and (search.builds, search.patches) == (1, 1)
    _same(after, build_snapshot(fresh_store, fresh_store.revision()))
    # The new association: its partners through the new cooperation, the old one it joined, its parent and member.
    partners = {p["iri"]: p for p in cooperations(after, NEW)}
    assert {WFBB, NEULAND21, MADELEINE} <= set(partners)
    assert partners[WFBB]["kinds"] == ["cooperation", "organisational"]
    role = next(e for e in partners[MADELEINE]["evidence"] if e["kind"] == "role")
    assert role["label"] == "Madeleine Lee – Beirätin – Patchtest-Verein Bad Belzig" and role["date"] == "2024-03-01"
    assert after.actors[NEW].within >= {ID + "municipality/bad-belzig"}
    # Search finds the new name at once, from the patched index.
    assert search.get().search("Patchtest-Verein")[0]["iri"] == NEW
    assert before.graph.number_of_edges() < after.graph.number_of_edges()


def test_a_contribution_about_what_the_store_had_projects_everything_again(fresh_store: EmbeddedStore) -> None:
    search, cache = _caches(fresh_store)
    cache.snapshot()
    # A new name for an existing organisation changes labels of links far away: no patch.
    _contribute(fresh_store, f'<{WFBB}> <http://www.w3.org/2004/02/skos/core#altLabel> "Wirtschaftsförderung BB"@de .')
    after = cache.snapshot()
    assert (cache.builds, cache.patches) == (2, 0)
    assert search.patches == 1  # the index patches itself: only the subjects of the new graph change there
    assert search.get().search("Wirtschaftsförderung BB")[0]["iri"] == WFBB
    _same(after, build_snapshot(fresh_store, fresh_store.revision()))


def test_a_withdrawal_projects_everything_again(fresh_store: EmbeddedStore) -> None:
    _, cache = _caches(fresh_store)
    cache.snapshot()
    iri = _contribute(fresh_store, CONTRIBUTION)
    assert NEW in cache.snapshot().actors
    remove(fresh_store, iri)
    after = cache.snapshot()
    assert (cache.builds, cache.patches) == (2, 1) and NEW not in after.actors
    _same(after, build_snapshot(fresh_store, fresh_store.revision()))


def test_names_of_new_entities_are_appended_to_the_index_as_a_new_index_would_have_them(fresh_store: EmbeddedStore) -> None:
    search, _ = _caches(fresh_store)
    search.get()
    _contribute(fresh_store, f"""
        @prefix sr: <https://w3id.org/smartregion/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <{NEW}> a sr:Association ; rdfs:label "Patchtest-Verein Bad Belzig"@de .
        <{ID}organisation/patch-test-zwei> a sr:Company ; rdfs:label "Zweite Patchtest GmbH"@de .""")
    patched, full = search.get(), SearchIndex.from_store(fresh_store)
    assert search.patches == 1
    for query in ("patchtest", "Bad Belzig", "GmbH", "Wirtschaftsförderung", "zweite"):
        assert {hit["iri"] for hit in patched.search(query, limit=1000)} == {hit["iri"] for hit in full.search(query, limit=1000)}
    assert patched.search("Zweite Patchtest")[0]["iri"] == ID + "organisation/patch-test-zwei"
