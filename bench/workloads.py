"""The workloads: each measures smartregion and its baseline in the same run and returns result rows.

Targets (from issue 7) hold at 1M triples; at smaller scales the status column only shows the trend.
"""

from __future__ import annotations

import math
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx
import loadgen
import networkx as nx
import pyoxigraph as ox
import rdflib
from common import Row, Workspace, percentile
from loadgen import Request
from servers import Server, _binary
from smartregion.questions import Catalogue
from smartregion.rdf.ids import ONTOLOGY

# What a pyoxigraph user writes: the generated TriG, and the ontology into its own graph as the build does.
BULK_LOAD = f"""
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.TRIG)
for path in sys.argv[3:]:
    store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("{ONTOLOGY}"))
store.flush()
"""


ROUNDS = 5  # throughput runs are split into up to this many rounds


@dataclass
class Settings:
    """How hard to push: seconds per throughput run, concurrent clients, repetitions, client time limit."""

    duration: float = 10.0
    clients: int = 4
    repeat: int = 3
    timeout: float = 30.0
    seed: int = 1
    exact_betweenness: bool = False
    notes: list[str] = field(default_factory=list)


# --- load -------------------------------------------------------------------------------------------


def load(ws: Workspace, s: Settings) -> tuple[list[Row], int]:
    """``smartregion build --no-validate --no-dumps`` vs pyoxigraph's bulk load of the same files, each a
    fresh process into an empty store, wall-clock time of the whole command; then ``smartregion dumps``
    on its own (the build writes them unless told not to). Returns the rows and the triples."""
    shutil.rmtree(ws.store, ignore_errors=True)
    ours, built = _timed([_binary("smartregion"), "build", "--no-validate", "--no-dumps", "--quiet"], ws)
    triples = int(re.search(r"(\d+) triples", built).group(1))
    inside = re.search(r"built \S+ in ([\d.]+) s", built)
    baseline = bulk_load(ws)
    dumps, _ = _timed([_binary("smartregion"), "dumps"], ws)
    return [Row("load", "s (whole command)", ours, "pyoxigraph bulk_load", baseline, target="ratio <= 2",
                note=f"{triples:,} triples; build reports {inside.group(1) if inside else '?'} s itself; validation and dumps excluded"),
            Row("load: the four dumps", "s (whole command)", dumps, "the build", ours,
                note="`smartregion dumps`: TriG, N-Quads, Turtle and JSON-LD, gzip; `build` writes them unless --no-dumps")], triples


def _timed(command: list[str], ws: Workspace) -> tuple[float, str]:
    """Seconds and stdout of a smartregion command run in the workspace; its stderr when it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, env=ws.env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed: {done.stderr.strip()[-2000:]}")
    return seconds, done.stdout


def bulk_load(ws: Workspace) -> float:
    shutil.rmtree(ws.oxigraph_store, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BULK_LOAD, str(ws.oxigraph_store), str(ws.data), *map(str, ws.ontology_files())],
                   check=True)
    return time.perf_counter() - started


def ensure_stores(ws: Workspace) -> int:
    """Both stores, built if missing (when the load workload is not run); the triple count."""
    if not (ws.store / "CURRENT").is_file():
        subprocess.run([_binary("smartregion"), "build", "--no-validate", "--quiet"], env=ws.env(), check=True,
                       capture_output=True)
    if not ws.oxigraph_store.is_dir():
        bulk_load(ws)
    return len(ox.Store.read_only(str(ws.oxigraph_store)))


# --- the question catalogue -------------------------------------------------------------------------


def _sparql_requests(server: Server, catalogue: Catalogue, chosen: dict[str, list[dict]], names: list[str]) -> list[Request]:
    return [Request(server.sparql, (("query", catalogue.get(name).render(params)),), label=name)
            for i in range(len(next(iter(chosen.values())))) for name in names for params in [chosen[name][i]]]


def _api_requests(server: Server, chosen: dict[str, list[dict]], names: list[str]) -> list[Request]:
    return [Request(f"{server.base}/api/queries/{name}", (*chosen[name][i].items(), ("format", "json")),
                    (("Accept", "application/json"),), label=name)
            for i in range(len(next(iter(chosen.values())))) for name in names]


@dataclass
class QuestionTable:
    """Per question: median latency (ms) and rows of the first answer, per target."""

    targets: list[str]
    medians: dict[str, dict[str, float | None]] = field(default_factory=dict)
    rows: dict[str, dict[str, int | None]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def text(self) -> str:
        header = ["question", *[f"{t} ms" for t in self.targets], "rows " + "/".join(self.targets)]
        lines = []
        for question, medians in self.medians.items():
            cells = []
            for target in self.targets:
                error = self.errors.get(question, {}).get(target)
                cells.append(("timeout" if "Timeout" in error else "error") if error else _ms(medians.get(target)))
            counts = "/".join("—" if self.rows[question].get(t) is None else str(self.rows[question][t]) for t in self.targets)
            lines.append([question, *cells, counts])
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
        return "\n".join(out + ["  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in lines])

    def markdown(self) -> str:
        out = ["| question | " + " | ".join(f"{t} ms" for t in self.targets) + " | rows (" + " / ".join(self.targets) + ") |",
               "| --- |" + " ---: |" * len(self.targets) + " --- |"]
        for question, medians in self.medians.items():
            cells = [("timeout" if "Timeout" in self.errors[question][t] else "error") if t in self.errors.get(question, {})
                     else _ms(medians.get(t)) for t in self.targets]
            counts = " / ".join("—" if self.rows[question].get(t) is None else str(self.rows[question][t]) for t in self.targets)
            out.append(f"| {question} | " + " | ".join(cells) + f" | {counts} |")
        return "\n".join(out)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def catalogue(ws: Workspace, servers: dict[str, Server], chosen: dict[str, list[dict]], lookups: list[str],
              s: Settings) -> tuple[list[Row], QuestionTable]:
    """The chosen questions one by one (one client), then the lookup mix and the cooperation question
    under concurrent clients, on smartregion's /sparql and /api/queries and on the baselines."""
    questions = Catalogue(ws.project / "queries")
    smartregion = servers["smartregion"]
    targets = {"smartregion /sparql": lambda names: _sparql_requests(smartregion, questions, chosen, names),
               "smartregion /api/queries": lambda names: _api_requests(smartregion, chosen, names)}
    serving = {"smartregion /sparql": smartregion, "smartregion /api/queries": smartregion}
    for name, server in servers.items():
        if name != "smartregion":
            targets[name] = lambda names, server=server: _sparql_requests(server, questions, chosen, names)
            serving[name] = server

    table = QuestionTable(list(targets))
    for target, make in targets.items():
        print(f"  one by one: {target}", file=sys.stderr, flush=True)
        for question, outcome in loadgen.one_by_one(make(list(chosen)), repeat=s.repeat, timeout=s.timeout,
                                                    after_timeout=serving[target].recover).items():
            table.medians.setdefault(question, {})[target] = outcome.p(0.5)
            table.rows.setdefault(question, {})[target] = outcome.rows.get(question)
            if outcome.errors and not outcome.latencies:
                table.errors.setdefault(question, {})[target] = outcome.errors[0]

    rows = _one_by_one_rows(table, list(servers))
    for workload, names in (("catalogue lookup mix", lookups), ("cooperation question (partners_of_actor)", ["partners_of_actor"])):
        # In rounds, the order turning each round: load from outside the benchmark then falls on all alike.
        rounds = max(1, min(ROUNDS, int(s.duration // 2)))
        outcomes = {target: loadgen.Outcome() for target in targets}
        order = list(targets)
        print(f"  {workload}, {s.clients} clients, {rounds} round(s)", file=sys.stderr, flush=True)
        for turn in range(rounds):
            for target in order[turn % len(order):] + order[:turn % len(order)]:
                outcomes[target].add(loadgen.run(targets[target](names), clients=s.clients, duration=s.duration / rounds,
                                                 timeout=s.timeout, min_requests=s.clients,
                                                 server_pid=serving[target].process.pid))
                if outcomes[target].errors:
                    serving[target].recover()
        rows += _throughput_rows(workload, outcomes, s.clients)
    return rows, table


def _one_by_one_rows(table: QuestionTable, servers: list[str]) -> list[Row]:
    rows = []
    for ours in ("smartregion /sparql", "smartregion /api/queries"):
        for baseline in servers[1:]:
            pairs = [(m[ours], m[baseline]) for m in table.medians.values() if m.get(ours) and m.get(baseline)]
            missing = sum(1 for m in table.medians.values() if m.get(ours) and not m.get(baseline))
            if not pairs:
                continue
            rows.append(Row(f"catalogue one by one ({ours.split()[1]})", "geo-mean median ms", _geomean([a for a, _ in pairs]),
                            baseline, _geomean([b for _, b in pairs]),
                            note=f"{len(pairs)} questions, 1 client" + (f"; {missing} did not answer at {baseline}" if missing else "")))
    return rows


def _geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def _throughput_rows(workload: str, outcomes: dict[str, loadgen.Outcome], clients: int) -> list[Row]:
    rows = []
    baselines = [t for t in outcomes if not t.startswith("smartregion")]
    for ours in ("smartregion /sparql", "smartregion /api/queries"):
        path = ours.split()[1]
        mine = outcomes[ours]
        for baseline in baselines:
            theirs = outcomes[baseline]
            target = ""
            if path == "/sparql":
                target = "ratio >= 0.8" if baseline == "oxigraph" else "ratio >= 25"
            errors = f"errors {len(mine.errors)}/{len(theirs.errors)}" if mine.errors or theirs.errors else ""
            rows.append(Row(f"{workload} {path}", f"req/s ({clients} clients)", mine.throughput, baseline, theirs.throughput,
                            higher_is_better=True, target=target,
                            note="; ".join(filter(None, [f"{mine.ok}/{theirs.ok} answers", errors]))))
            for share, name in ((0.5, "p50 ms"), (0.95, "p95 ms")):
                rows.append(Row(f"{workload} {path}", name, mine.p(share), baseline, theirs.p(share)))
            # Where the time goes: both servers and the load generator share the machine's cores.
            rows.append(Row(f"{workload} {path}", "server CPU ms per answer", mine.cpu_per_answer(mine.server_cpu), baseline,
                            theirs.cpu_per_answer(theirs.server_cpu),
                            note=f"load generator {_ms(mine.cpu_per_answer(mine.client_cpu))}/"
                                 f"{_ms(theirs.cpu_per_answer(theirs.client_cpu))} ms per answer"))
    return rows


# --- the network ------------------------------------------------------------------------------------


def network(ws: Workspace, servers: dict[str, Server], actors: list[str], s: Settings) -> list[Row]:
    """/api/cooperations, /api/path and /api/centrality: the first call (which projects the network,
    or computes the measure) and then from the cache, next to the same question asked elsewhere."""
    sr = servers["smartregion"]
    json_accept = (("Accept", "application/json"),)
    rows = []

    first, response = _timed_get(f"{sr.base}/api/cooperations", {"iri": actors[0]})
    rows.append(Row("network /api/cooperations, first call", "s", first, "", None,
                    note=f"projects the network (HTTP {response.status_code})"))
    cooperations = [Request(f"{sr.base}/api/cooperations", (("iri", a),), json_accept, "cooperations") for a in actors]
    mine = loadgen.run(cooperations, clients=s.clients, duration=s.duration, timeout=s.timeout, min_requests=s.clients)
    questions = Catalogue(ws.project / "queries")
    if "oxigraph" in servers:
        ox_requests = [Request(servers["oxigraph"].sparql, (("query", questions.get("partners_of_actor").render({"actor": a})),),
                               label="partners") for a in actors]
        theirs = loadgen.run(ox_requests, clients=s.clients, duration=s.duration, timeout=s.timeout, min_requests=s.clients)
        baseline_p50, name = theirs.p(0.5), "oxigraph partners_of_actor"
    else:
        baseline_p50, name = None, ""
    rows.append(Row("network /api/cooperations, cached", f"p50 ms ({s.clients} clients)", mine.p(0.5), name, baseline_p50,
                    target="ours <= 50", note=f"p95 {_ms(mine.p(0.95))} ms; {_rate(mine)}"))

    print("  network: projecting the same network in-process (the networkx baseline)", file=sys.stderr, flush=True)
    graph, seconds = _snapshot_graph(ws)
    pairs = [(actors[i], actors[-1 - i]) for i in range(len(actors) // 2)]
    paths = [Request(f"{sr.base}/api/path", (("from", a), ("to", b)), json_accept, "path") for a, b in pairs]
    mine = loadgen.run(paths, clients=s.clients, duration=s.duration, timeout=s.timeout, min_requests=s.clients)
    direct = []
    for a, b in pairs:
        started = time.perf_counter()
        try:
            nx.shortest_path(graph, a, b)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            pass
        direct.append(time.perf_counter() - started)
    rows.append(Row("network /api/path", f"p50 ms ({s.clients} clients)", mine.p(0.5), "networkx shortest_path in-process",
                    1000 * percentile(direct, 0.5), note=f"p95 {_ms(mine.p(0.95))} ms; {_rate(mine)}"))

    centrality = {"measure": "betweenness", "top": "20"}
    first, response = _timed_get(f"{sr.base}/api/centrality", centrality)
    answer = response.json() if response.status_code == 200 else {}
    exact, estimated = _exact_betweenness_seconds(graph, s.exact_betweenness)
    rows.append(Row("network /api/centrality betweenness, first call", "s", first,
                    "networkx exact betweenness" + (" (estimated)" if estimated else ""), exact, target="ours <= 20",
                    note=f"{graph.number_of_nodes():,} actors, {graph.number_of_edges():,} links; "
                         f"sampled k={answer.get('k', '—')}; in-process projection {seconds:.1f} s"))
    repeats = []
    for _ in range(max(3, s.repeat)):
        took, _ = _timed_get(f"{sr.base}/api/centrality", centrality)
        repeats.append(took)
    rows.append(Row("network /api/centrality betweenness, cached", "median ms", 1000 * statistics.median(repeats),
                    "the same call, first", 1000 * first, target="ours <= 100"))
    return rows


def _rate(outcome: loadgen.Outcome) -> str:
    text = f"{outcome.throughput or 0:.1f} req/s"
    return text + (f", {len(outcome.errors)} errors" if outcome.errors else "")


def _timed_get(url: str, params: dict) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = httpx.get(url, params=params, headers={"Accept": "application/json"}, timeout=3600)
    return time.perf_counter() - started, response


def _snapshot_graph(ws: Workspace) -> tuple[nx.Graph, float]:
    from smartregion.network.projection import build_snapshot
    from smartregion.store import EmbeddedStore

    store = EmbeddedStore(ws.store)
    started = time.perf_counter()
    snapshot = build_snapshot(store, store.revision())
    return snapshot.graph, time.perf_counter() - started


SAMPLE_FOR_ESTIMATE = 20


def _exact_betweenness_seconds(graph: nx.Graph, measure: bool) -> tuple[float, bool]:
    """Exact betweenness time: measured on small networks (or when asked), else from a sample of sources
    (exact = one shortest-path search from every actor, so its time grows with the actors)."""
    n = graph.number_of_nodes()
    if measure or n <= 2000:
        started = time.perf_counter()
        nx.betweenness_centrality(graph)
        return time.perf_counter() - started, False
    started = time.perf_counter()
    nx.betweenness_centrality(graph, k=SAMPLE_FOR_ESTIMATE, seed=1)
    return (time.perf_counter() - started) * n / SAMPLE_FOR_ESTIMATE, True


# --- memory -----------------------------------------------------------------------------------------


def memory(servers: dict[str, Server], triples: int) -> list[Row]:
    """Peak RSS of each serving process with its children (smartregion's query workers), per 1M triples."""
    millions = triples / 1_000_000
    own, total = servers["smartregion"].peak_rss()
    rows = [Row("memory: serving process peak RSS", "MB", total, "", None, target="ours <= 1536",
                note=f"main process {own or 0:,.0f} MB, the rest its query workers; after all workloads")]
    for name, server in servers.items():
        if name == "smartregion":
            continue
        _, theirs = server.peak_rss()
        rows.append(Row("memory: peak RSS per 1M triples", "MB", total / millions if total else None, name,
                        theirs / millions if theirs else None))
    return rows


# --- validation -------------------------------------------------------------------------------------


def validation(ws: Workspace, s: Settings, full: bool) -> list[Row]:
    """The full SHACL run as the build does it (the screen, then pyshacl on the candidates) and with
    every node through pyshacl, each against plain pyshacl on the Dataset; and one 100-entity
    contribution checked against the loaded store."""
    from pyshacl import validate as pyshacl_validate
    from smartregion.build import parse_project, validate_project
    from smartregion.validation import load_shapes, validate_quads

    rows = []
    ours_full = None
    if full:
        project = parse_project(ws.project, progress=False)
        print("  validation: smartregion (screened)", file=sys.stderr, flush=True)
        started = time.perf_counter()
        report = validate_project(project)
        ours_full = time.perf_counter() - started
        print("  validation: smartregion, every node through pyshacl", file=sys.stderr, flush=True)
        started = time.perf_counter()
        whole = validate_quads(project.quads, screened=False)
        unscreened = time.perf_counter() - started
        started = time.perf_counter()
        data = rdflib.Dataset()
        data.parse(ws.data, format="trig")
        ontology = rdflib.Graph()
        for path in ws.ontology_files():
            ontology.parse(path, format="turtle")
        parsed = time.perf_counter() - started
        print("  validation: plain pyshacl", file=sys.stderr, flush=True)
        started = time.perf_counter()
        conforms, _, _ = pyshacl_validate(data, shacl_graph=load_shapes(), ont_graph=ontology, inference="none",
                                          advanced=True, allow_warnings=True)
        baseline = time.perf_counter() - started
        same = [(v.focus, v.shape, v.constraint) for v in report.violations] == [(v.focus, v.shape, v.constraint) for v in whole.violations]
        rows.append(Row("validation: full SHACL run", "s", ours_full, "pyshacl.validate on the Dataset", baseline, target="ours <= 60",
                        note=f"conforms {report.conforms}/{whole.conforms}/{conforms} (screened/unscreened/plain), "
                             f"{len(report.violations)} results, the same as unscreened: {same}; "
                             f"rdflib parse before plain pyshacl {parsed:.1f} s (not counted)"))
        rows.append(Row("validation: every node through pyshacl (inplace, one union graph)", "s", unscreened,
                        "pyshacl.validate on the Dataset", baseline))
    took, how = _contribution_seconds(ws, s)
    rows.append(Row("validation: 100-entity contribution", "s", took, "full SHACL run" if ours_full else "",
                    ours_full, target="ours <= 1", note=how))
    return rows


def _contribution(ws: Workspace, seed: int) -> rdflib.Graph:
    """50 new organisations in existing towns and 50 memberships of existing persons in them."""
    store = ox.Store.read_only(str(ws.oxigraph_store))
    sr, org = "https://w3id.org/smartregion/ontology#", "http://www.w3.org/ns/org#"
    towns = [s["v"].value for s in store.query(f"SELECT ?v WHERE {{ ?v a <{sr}Municipality> }} LIMIT 50",
                                               use_default_graph_as_union=True)]
    persons = [s["v"].value for s in store.query(f"SELECT ?v WHERE {{ ?v a <{sr}Person> }} LIMIT 50",
                                                 use_default_graph_as_union=True)]
    schema, rdfs = rdflib.Namespace("https://schema.org/"), rdflib.RDFS
    graph = rdflib.Graph()
    for i in range(50):
        organisation = rdflib.URIRef(f"https://w3id.org/smartregion/id/organisation/bench-contribution-{seed}-{i}")
        graph.add((organisation, rdflib.RDF.type, rdflib.URIRef(sr + "Company")))
        graph.add((organisation, rdfs.label, rdflib.Literal(f"Beitragsfirma {i} GmbH", lang="de")))
        graph.add((organisation, schema.location, rdflib.URIRef(towns[i % len(towns)])))
        membership = rdflib.URIRef(f"https://w3id.org/smartregion/id/membership/bench-contribution-{seed}-{i}")
        graph.add((membership, rdflib.RDF.type, rdflib.URIRef(org + "Membership")))
        graph.add((membership, rdflib.URIRef(org + "member"), rdflib.URIRef(persons[i % len(persons)])))
        graph.add((membership, rdflib.URIRef(org + "organization"), organisation))
        graph.add((membership, rdflib.URIRef(org + "role"), rdflib.URIRef("https://w3id.org/smartregion/id/role/employee")))
        graph.add((membership, schema.startDate, rdflib.Literal("2024-01-01", datatype=rdflib.XSD.date)))
    return graph


def _contribution_seconds(ws: Workspace, s: Settings) -> tuple[float, str]:
    from smartregion.store import EmbeddedStore

    graph = _contribution(ws, s.seed)
    store = EmbeddedStore(ws.store)
    try:
        from smartregion.contribute.contributions import add_graph
        from smartregion.contribute.model import Provenance
    except ImportError:
        add_graph = None
    times = []
    for _ in range(max(3, s.repeat)):
        started = time.perf_counter()
        if add_graph is not None:
            add_graph(store, graph, Provenance("benchmark", "bench.ttl", "benchmark"), dry_run=True)
        else:
            _validate_with_context(store, graph)
        times.append(time.perf_counter() - started)
    how = ("contributions.add_graph(dry_run=True): checks, context from the store, SHACL" if add_graph is not None else
           "contributions.add_graph is missing: validation.validate on the 100 entities + the types they reference")
    return statistics.median(times), how + f"; median of {len(times)}"


def _validate_with_context(store, graph: rdflib.Graph) -> None:
    from smartregion.validation import validate

    referenced = sorted({str(o) for o in graph.objects() if isinstance(o, rdflib.URIRef)})
    values = " ".join(f"<{iri}>" for iri in referenced)
    context = store.query_bytes(f"CONSTRUCT {{ ?s a ?t }} WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}", "application/n-triples")
    union = rdflib.Graph()
    union += graph
    union.parse(data=context, format="nt")
    validate(union)

