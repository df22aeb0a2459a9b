"""The actor network projected from the seed graph: real partners, paths, filters, both backends, the cache."""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import openpyxl
import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from live import REMOTE_SERVERS
from smartregion import network
from smartregion.cli import network as network_cli
from smartregion.cli.main import CliError
from smartregion.network import Filter, NetworkCache, Snapshot, analysis
from smartregion.store import EmbeddedStore

ID = "https://w3id.org/smartregion/id/"
SRC = "https://w3id.org/smartregion/source/"
WFBB = ID + "organisation/wfbb"
NEULAND21 = ID + "organisation/neuland21"
BERLIN_PARTNER = ID + "organisation/berlin-partner"
BITKOM = ID + "organisation/bitkom"
BAD_BELZIG = ID + "municipality/bad-belzig"
BMWSB = ID + "organisation/bmwsb"
HALLE = ID + "municipality/halle-saale"
GESCHAEFTSSTELLE = ID + "organisation/stadt-land-digital-geschaeftsstelle"
MPSC = ID + "programme/modellprojekte-smart-cities"
SCCON21_COOPERATION = ID + "cooperation/sccon21-mobile-arbeit"
SCCON21_SESSION = ID + "event/sccon21-mobile-arbeit-auf-dem-land"
SCCON21_SOURCE = SRC + "sccon21-smart-country-brandenburg"


@pytest.fixture(scope="module")
def snap(built_store) -> Snapshot:
    return NetworkCache(built_store).snapshot()


def partners_of(snap: Snapshot, iri: str, flt: Filter = Filter()) -> dict[str, dict]:
    return {p["iri"]: p for p in network.cooperations(snap, iri, flt)}


def test_wfbb_cooperates_with_neuland21_and_berlin_partner_at_sccon21(snap: Snapshot) -> None:
    partners = partners_of(snap, WFBB)
    for partner in (NEULAND21, BERLIN_PARTNER):
        evidence = {(e["kind"], e["iri"], e["source"]) for e in partners[partner]["evidence"]}
        assert ("cooperation", SCCON21_COOPERATION, SCCON21_SOURCE) in evidence
        assert ("co-organisation", SCCON21_SESSION, SCCON21_SOURCE) in evidence
    # The cooperation has no date of its own; it takes the date of the session it concerns.
    cooperation = next(e for e in partners[NEULAND21]["evidence"] if e["kind"] == "cooperation")
    assert cooperation["date"].startswith("2021-10-27")
    assert cooperation["label"].startswith("Kooperation zur Session")
    # Berlin Partner is also WFBB's sister organisation (stated from both sides, counted once).
    assert partners[BERLIN_PARTNER]["kinds"] == ["cooperation", "co-organisation", "organisational"]
    assert partners[BERLIN_PARTNER]["weight"] == 3 + 2 + 2
    # Neuland21 coordinates Heim[at]Office, which the WFBB's session presents: event-programme evidence.
    assert partners[NEULAND21]["kinds"] == ["cooperation", "co-organisation", "event-programme"]
    assert partners[NEULAND21]["weight"] == 3 + 2 + 1


def test_partners_come_strongest_first_and_weights_follow_the_rule(snap: Snapshot) -> None:
    partners = network.cooperations(snap, WFBB)
    assert [p["weight"] for p in partners] == sorted((p["weight"] for p in partners), reverse=True)
    assert partners[0]["iri"] == BERLIN_PARTNER
    for a, b, data in snap.graph.edges(data=True):
        distinct = {(e["kind"], e["iri"]) for e in data["evidence"]}
        assert data["weight"] == sum(network.WEIGHTS[kind] for kind, _ in distinct)
        assert all(set(e) >= {"kind", "iri", "label", "date", "source"} for e in data["evidence"])


def test_every_evidence_kind_occurs_in_the_seed_graph(snap: Snapshot) -> None:
    kinds = {e["kind"] for _, _, data in snap.graph.edges(data=True) for e in data["evidence"]}
    assert kinds == set(network.KINDS)


def test_only_actors_are_nodes(snap: Snapshot) -> None:
    assert set(snap.graph) <= set(snap.actors)
    groups = {snap.graph.nodes[n]["group"] for n in snap.graph}
    assert groups == {"person", "organisation", "territorial-authority"}
    assert not any(n.startswith((ID + "event/", ID + "project/", ID + "programme/")) for n in snap.graph)


def test_path_from_bad_belzig_to_the_bmwsb_runs_through_the_model_projects_programme(snap: Snapshot) -> None:
    answer = network.path(snap, BAD_BELZIG, BMWSB, 6, Filter())
    assert answer["connected"] is True
    assert answer["nodes"][0]["iri"] == BAD_BELZIG and answer["nodes"][-1]["iri"] == BMWSB
    assert answer["length"] == len(answer["steps"]) == len(answer["nodes"]) - 1
    assert all(step["evidence"] for step in answer["steps"])
    through_programme = [
        e for step in answer["steps"] for e in step["evidence"] if MPSC in (e["iri"], e.get("via"))
    ]
    assert through_programme, answer
    assert ID + "project/mpsc-bad-belzig-wiesenburg-mark" in {e["iri"] for e in through_programme}


@given(st.integers(2, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
    st.integers(0, n - 1), st.integers(0, n - 1))))
@settings(max_examples=300)
def test_shortest_chains_are_networkx_all_shortest_paths(case: tuple[int, set[tuple[int, int]], int, int]) -> None:
    n, edges, a, b = case
    g = nx.Graph()
    g.add_nodes_from(f"n{i}" for i in range(n))
    g.add_edges_from((f"n{x}", f"n{y}") for x, y in edges if x != y)
    try:
        expected = sorted(nx.all_shortest_paths(g, f"n{a}", f"n{b}"))
    except nx.NetworkXNoPath:
        expected = []
    assert sorted(network.shortest_chains(g, f"n{a}", f"n{b}", limit=10**6)) == expected
    assert len(network.shortest_chains(g, f"n{a}", f"n{b}", limit=2)) == min(2, len(expected))


def test_path_longer_than_max_or_missing_says_so(snap: Snapshot) -> None:
    # Bad Belzig reaches the Stadt.Land.Digital office through the programme and Halle (Saale).
    full = network.path(snap, BAD_BELZIG, GESCHAEFTSSTELLE, 6, Filter())
    assert [n["iri"] for n in full["nodes"]][-2:] == [HALLE, GESCHAEFTSSTELLE]
    too_long = network.path(snap, BAD_BELZIG, GESCHAEFTSSTELLE, full["length"] - 1, Filter())
    assert too_long["connected"] is False and f"max={full['length'] - 1}" in too_long["message"]
    components = sorted(nx.connected_components(snap.graph), key=len, reverse=True)
    assert len(components) > 1
    a, b = min(components[0]), min(components[1])
    apart = network.path(snap, a, b, 6, Filter())
    assert apart["connected"] is False and "not connected" in apart["message"]


def test_filter_by_evidence_kind(snap: Snapshot) -> None:
    partners = partners_of(snap, WFBB, Filter.parse(snap, kinds=["cooperation"]))
    assert {NEULAND21, BERLIN_PARTNER, BITKOM} <= set(partners)
    assert {e["kind"] for p in partners.values() for e in p["evidence"]} == {"cooperation"}
    assert partners[BERLIN_PARTNER]["weight"] == 3


def test_filter_by_period_keeps_dated_evidence_that_overlaps(snap: Snapshot) -> None:
    # The founding of Smart Country Brandenburg is dated "2018" (a gYear): it overlaps 2018-06.
    in_2018 = partners_of(snap, WFBB, Filter.parse(snap, since="2018-06", until="2018-12-31"))
    assert set(in_2018) == {BITKOM, ID + "organisation/fraunhofer-iese", ID + "organisation/smart-country-brandenburg"}
    assert partners_of(snap, WFBB, Filter.parse(snap, since="2022")) == {}
    october_2021 = partners_of(snap, WFBB, Filter.parse(snap, since="2021-10-27", until="2021-10-27"))
    assert {NEULAND21, BERLIN_PARTNER} <= set(october_2021)
    assert all(e["date"].startswith("2021-10-27") for p in october_2021.values() for e in p["evidence"])


def test_filter_by_region_follows_location_and_containment(snap: Snapshot) -> None:
    berlin = Filter.parse(snap, region="Berlin")
    assert berlin.region == ID + "state/berlin"
    assert set(partners_of(snap, WFBB, berlin)) == {BERLIN_PARTNER}
    # Bad Belzig lies in Potsdam-Mittelmark, which lies in Brandenburg.
    in_brandenburg = network.view(snap.graph, Filter.parse(snap, region="Brandenburg"))
    assert {BAD_BELZIG, WFBB} <= set(in_brandenburg)
    assert BERLIN_PARTNER not in in_brandenburg


def test_filter_by_actor_type(snap: Snapshot) -> None:
    people = network.view(snap.graph, Filter.parse(snap, types=["person"]))
    assert people.number_of_nodes() > 0
    assert {people.nodes[n]["type"] for n in people} == {"Person"}
    ministries = partners_of(snap, BAD_BELZIG, Filter.parse(snap, types=["Ministry", "OrganisationalUnit"]))
    assert ID + "organisation/kts" in ministries


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [({"kinds": ["friendship"]}, "kind"), ({"since": "2021-13"}, "since"), ({"until": "soon"}, "until"),
     ({"since": "2022", "until": "2021"}, "until"), ({"types": ["planet"]}, "type")],
)
def test_bad_filters_name_their_parameter(snap: Snapshot, kwargs: dict, parameter: str) -> None:
    with pytest.raises(network.BadParameter) as caught:
        Filter.parse(snap, **kwargs)
    assert caught.value.parameter == parameter and f"'{parameter}'" in str(caught.value)


def test_labels_resolve_to_actors_and_places(snap: Snapshot) -> None:
    assert network.resolve_actor(snap, "WFBB") == WFBB
    assert network.resolve_actor(snap, "id/organisation/neuland21") == NEULAND21
    assert network.resolve_region(snap, "Brandenburg") == ID + "state/brandenburg"
    with pytest.raises(network.UnknownEntity):
        network.resolve_actor(snap, ID + "organisation/does-not-exist")
    with pytest.raises(network.UnknownEntity):
        network.resolve_actor(snap, "Zzyzx")


def test_centrality_measures(snap: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    degree = network.centrality(snap, "degree", 1000)
    scores = {entry["iri"]: entry["score"] for entry in degree["ranking"]}
    assert len(scores) == snap.graph.number_of_nodes() and degree["sampled"] is False
    assert scores[WFBB] == round(len(network.cooperations(snap, WFBB)) / (len(scores) - 1), 6)
    assert list(scores.values()) == sorted(scores.values(), reverse=True)
    assert len(network.centrality(snap, "degree", 3)["ranking"]) == 3
    exact = network.centrality(snap, "betweenness", 5)
    # Halle (Saale) brokers between the model-project cities and the Stadt.Land.Digital workshops.
    assert exact["ranking"][0]["iri"] == HALLE and exact["sampled"] is False
    eigen = network.centrality(snap, "eigenvector", 5)
    assert len(eigen["ranking"]) == 5 and eigen["ranking"][0]["score"] >= eigen["ranking"][-1]["score"]
    # Above the size threshold betweenness is estimated from k sampled sources, and says so.
    monkeypatch.setattr(analysis, "BETWEENNESS_EXACT_UP_TO", 10)
    monkeypatch.setattr(analysis, "BETWEENNESS_SAMPLE", 20)
    snap.memo.clear()  # rankings are remembered per snapshot: forget the exact one, and the sampled one after
    try:
        sampled = network.centrality(snap, "betweenness", 5)
        assert sampled["sampled"] is True and sampled["k"] == 20 and "20 sampled" in sampled["note"]
        assert sampled == network.centrality(snap, "betweenness", 5)  # seeded: repeatable
    finally:
        snap.memo.clear()


def test_communities_are_seeded_and_partition_the_network(snap: Snapshot) -> None:
    first = network.communities(snap)
    assert first == network.communities(snap)
    members = [m["iri"] for c in first["communities"] for m in c["members"]]
    assert sorted(members) == sorted(snap.graph) and len(members) == len(set(members))
    home = {m["iri"]: c["id"] for c in first["communities"] for m in c["members"]}
    assert home[WFBB] == home[NEULAND21]
    assert first["modularity"] > 0.3


def test_brokers_between_brandenburg_and_berlin(snap: Snapshot) -> None:
    regions = [network.resolve_region(snap, "Brandenburg"), network.resolve_region(snap, "Berlin")]
    answer = network.brokers(snap, regions)
    brokers = {b["iri"]: b for b in answer["brokers"]}
    assert WFBB in brokers
    berlin_side = next(r for r in brokers[WFBB]["partners"] if r["region"]["iri"] == ID + "state/berlin")
    assert BERLIN_PARTNER in {p["iri"] for p in berlin_side["partners"]}
    for broker in answer["brokers"]:
        assert all(side["partners"] for side in broker["partners"])


def _edges(snap: Snapshot) -> dict[frozenset, tuple]:
    return {
        frozenset((a, b)): (d["weight"], sorted((e["kind"], e["iri"], e["source"], e["date"] or "") for e in d["evidence"]))
        for a, b, d in snap.graph.edges(data=True)
    }


def test_the_network_is_the_same_on_both_backends(built_store, remote_store) -> None:
    embedded, remote = NetworkCache(built_store).snapshot(), NetworkCache(remote_store).snapshot()
    assert embedded.graph.number_of_edges() > 100
    assert dict(embedded.graph.nodes(data="label")) == dict(remote.graph.nodes(data="label"))
    assert _edges(embedded) == _edges(remote)
    assert network.communities(embedded) == network.communities(remote)


EX_GRAPH = SRC + "test-network-cache"
TTL = """
@prefix sr: <https://w3id.org/smartregion/ontology#> .
@prefix organisation: <https://w3id.org/smartregion/id/organisation/> .
@prefix cooperation: <https://w3id.org/smartregion/id/cooperation/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
organisation:a a sr:Organisation ; rdfs:label "Alpha"@de .
organisation:b a sr:Organisation ; rdfs:label "Beta"@de .
organisation:c a sr:Organisation ; rdfs:label "Gamma"@de .
cooperation:ab a sr:Cooperation ; sr:partner organisation:a , organisation:b .
"""


def _graph(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="turtle")


@pytest.fixture(params=["embedded", *REMOTE_SERVERS])
def writable_store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "embedded":
        return EmbeddedStore(tmp_path / "store")
    return request.getfixturevalue(f"fresh_{request.param}").remote_store()


def test_the_cache_is_rebuilt_on_a_write_and_only_then(writable_store) -> None:
    writable_store.replace_all({EX_GRAPH: _graph(TTL)})
    cache = NetworkCache(writable_store)
    first = cache.snapshot()
    assert set(partners_of(first, ID + "organisation/a")) == {ID + "organisation/b"}
    writable_store.select("SELECT * WHERE { ?s ?p ?o }")  # reading is not writing
    assert cache.snapshot() is first and cache.builds == 1

    more = TTL + "cooperation:ac a sr:Cooperation ; sr:partner organisation:a , organisation:c .\n"
    writable_store.replace_graphs({EX_GRAPH: _graph(more)})
    second = cache.snapshot()
    assert cache.builds == 2 and second.revision != first.revision
    assert set(partners_of(second, ID + "organisation/a")) == {ID + "organisation/b", ID + "organisation/c"}
    assert cache.snapshot() is second


def run_cli(*argv: str) -> int:
    """``smartregion network ...`` / ``smartregion export ...`` through the parsers this module registers."""
    top = argparse.ArgumentParser(prog="smartregion")
    commands = top.add_subparsers(required=True)
    network_cli.add_network_commands(commands)
    network_cli.add_export_command(commands)
    args = top.parse_args(argv)
    return args.run(args)


def test_cli_cooperations(built_store, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("network", "cooperations", "WFBB", "--store", str(built_store.path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Wirtschaftsförderung Brandenburg <" + WFBB + ">: 14 partners")
    assert lines[1].split() == ["weight", "partner", "type", "kinds", "evidence", "iri"]
    rows = lines[3:]
    assert rows[0].split()[0] == "7" and "Berlin Partner" in rows[0]
    assert any("Neuland21" in row and "cooperation, co-organisation" in row for row in rows)


def test_cli_path_and_its_limit(built_store, capsys: pytest.CaptureFixture[str]) -> None:
    store = ["--store", str(built_store.path)]
    assert run_cli("network", "path", "id/municipality/bad-belzig", "BMWSB", *store) == 0
    out = capsys.readouterr().out
    assert out.startswith("Bad Belzig → Bundesministerium für Wohnen, Stadtentwicklung und Bauwesen: 1 step")
    assert "project: Modellprojekt Smart Cities Bad Belzig" in out
    assert run_cli("network", "path", "id/municipality/bad-belzig", GESCHAEFTSSTELLE, "--max", "2", *store) == 1
    assert "more than max=2" in capsys.readouterr().out


def test_cli_centrality(built_store, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("network", "centrality", "--measure", "betweenness", "--top", "3", "--store", str(built_store.path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("betweenness centrality")
    assert len(lines) == 3 + 3 and "Halle (Saale)" in lines[3]


def _by_iri(graph: nx.Graph) -> nx.Graph:
    """The exported graph with its nodes named by their ``iri`` attribute again."""
    return nx.relabel_nodes(graph, {node: data["iri"] for node, data in graph.nodes(data=True)})


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv", "xlsx", "json"])
def test_cli_export_writes_the_network(built_store, snap: Snapshot, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"network.{fmt}"
    assert run_cli("export", "--format", fmt, "-o", str(target), "--kind", "cooperation",
                   "--store", str(built_store.path)) == 0
    expected = network.view(snap.graph, Filter.parse(snap, kinds=["cooperation"]))
    if fmt == "graphml":
        assert nx.utils.graphs_equal(nx.Graph(_by_iri(nx.read_graphml(target)).edges), nx.Graph(expected.edges))
    elif fmt == "gexf":
        assert nx.utils.graphs_equal(nx.Graph(_by_iri(nx.read_gexf(target)).edges), nx.Graph(expected.edges))
    elif fmt == "xlsx":
        links = openpyxl.load_workbook(target)["links"]
        assert {frozenset(row[:2]) for row in links.iter_rows(min_row=2, values_only=True)} == {frozenset(e) for e in expected.edges}
    else:
        assert target.read_text(encoding="utf-8").count(WFBB) > 0


def test_cli_export_csv_for_a_german_excel(built_store, tmp_path: Path) -> None:
    target = tmp_path / "kanten.csv"
    assert run_cli("export", "--format", "csv", "--dialect", "excel", "-o", str(target), "--store", str(built_store.path)) == 0
    body = target.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and body[3:].decode("utf-8").startswith("source;target;source_label;")


def test_cli_errors_name_the_argument(built_store) -> None:
    with pytest.raises(CliError, match="IRI_OR_LABEL: no actor"):
        run_cli("network", "cooperations", "Zzyzx", "--store", str(built_store.path))
    with pytest.raises(CliError, match="--since: '2021-1' is not a date"):
        run_cli("network", "cooperations", "WFBB", "--since", "2021-1", "--store", str(built_store.path))


@pytest.mark.parametrize("command", [["network"], ["network", "cooperations"], ["network", "path"],
                                     ["network", "centrality"], ["export"]])
def test_cli_help_has_examples(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        run_cli(*command, "--help")
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "smartregion " + " ".join(command) in out.split("examples:")[1]


@pytest.mark.parametrize("k", [None, 2, 40])
def test_betweenness_gives_networkx_numbers(k: int | None) -> None:
    # The service's own Brandes (faster) must agree with networkx, sampled sources and scaling included.
    graph = nx.relabel_nodes(nx.gnm_random_graph(120, 300, seed=5), str)
    expected = nx.betweenness_centrality(graph, k=k, seed=network.SEED)
    found = network.betweenness_centrality(graph, k=k, seed=network.SEED)
    assert found.keys() == expected.keys()
    assert all(abs(found[node] - expected[node]) < 1e-12 for node in graph)
    assert network.betweenness_sample(8_000, 14_000) == network.BETWEENNESS_SAMPLE
    assert network.betweenness_sample(80_000, 140_000) < network.BETWEENNESS_SAMPLE
