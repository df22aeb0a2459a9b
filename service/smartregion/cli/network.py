"""``smartregion network ...`` and ``smartregion export``: the network questions on the command line.

``cli.py`` registers these through its ``COMMANDS`` list. The shared helpers of ``cli`` are imported
when a command is registered, not at import time, because ``cli`` imports this module.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smartregion import network
from smartregion.cli.common import (
    CliError,
    Formatter,
    epilog,
    settings_from,
    store_options,
    table,
)
from smartregion.network import (
    KINDS,
    BadParameter,
    Filter,
    NetworkCache,
    Snapshot,
    UnknownEntity,
    exports,
)
from smartregion.rdf import sheets
from smartregion.rdf.prefixes import shorten
from smartregion.store import open_store

MEASURES = ("degree", "betweenness", "eigenvector")


def _filter_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("filters")
    group.add_argument("--kind", action="append", default=[], choices=KINDS, help="keep only evidence of this kind; repeatable")
    group.add_argument("--since", metavar="DATE", help="keep evidence dated on or after YYYY[-MM[-DD]]")
    group.add_argument("--until", metavar="DATE", help="keep evidence dated on or before YYYY[-MM[-DD]]")
    group.add_argument("--region", metavar="PLACE", help="keep actors located in this state or region (IRI or label)")
    group.add_argument("--type", action="append", default=[], metavar="TYPE",
                       help="keep actors of this type (person, organisation, territorial-authority, ministry, ...); repeatable")
    return parent


def _open(args: argparse.Namespace) -> tuple[Snapshot, Filter]:

    snap = NetworkCache(open_store(settings_from(args))).snapshot()
    try:
        return snap, Filter.parse(snap, args.kind, args.since, args.until, args.region, args.type)
    except (BadParameter, UnknownEntity) as exc:
        raise CliError(f"--{exc.parameter}: {exc.message}") from None


def _actor(snap: Snapshot, value: str, argument: str) -> str:

    try:
        return network.resolve_actor(snap, value, argument)
    except UnknownEntity as exc:
        raise CliError(f"{argument}: {exc.message}") from None


def _evidence_line(item: dict) -> str:
    date = f" ({item['date'][:10]})" if item.get("date") else ""
    return f"{item['kind']}: {item['label']}{date}"


def _run_cooperations(args: argparse.Namespace) -> int:

    snap, flt = _open(args)
    iri = _actor(snap, args.actor, "IRI_OR_LABEL")
    partners = network.cooperations(snap, iri, flt)
    print(f"{snap.actors[iri].label} <{iri}>: {len(partners)} partner{'' if len(partners) == 1 else 's'}")
    if partners:
        rows = [
            [str(p["weight"]).rjust(6), p["label"], p["type"], ", ".join(p["kinds"]),
             _evidence_line(p["evidence"][0]) + (f" (+{len(p['evidence']) - 1})" if len(p["evidence"]) > 1 else ""),
             shorten(p["iri"])]
            for p in partners
        ]
        print(table(["weight", "partner", "type", "kinds", "evidence", "iri"], rows))
    return 0


def _run_path(args: argparse.Namespace) -> int:

    snap, flt = _open(args)
    source, target = _actor(snap, args.source, "FROM"), _actor(snap, args.target, "TO")
    answer = network.path(snap, source, target, args.max, flt)
    if not answer["connected"]:
        print(answer["message"])
        return 1
    print(f"{answer['from']['label']} → {answer['to']['label']}: {answer['length']} step{'' if answer['length'] == 1 else 's'}")
    rows = []
    for number, step in enumerate(answer["steps"], 1):
        for i, item in enumerate(step["evidence"]):
            first = i == 0
            rows.append([str(number) if first else "", step["from"]["label"] if first else "", step["to"]["label"] if first else "",
                         str(step["weight"]) if first else "", _evidence_line(item)])
    print(table(["step", "from", "to", "weight", "evidence"], rows))
    return 0


def _run_centrality(args: argparse.Namespace) -> int:

    snap, flt = _open(args)
    answer = network.centrality(snap, args.measure, args.top, flt)
    print(f"{args.measure} centrality, {answer['nodes']} actors, {answer['edges']} links")
    if answer["sampled"]:
        print(answer["note"])
    rows = [
        [str(rank).rjust(4), f"{entry['score']:.4f}", str(entry["degree"]).rjust(6), entry["label"], entry["type"],
         shorten(entry["iri"])]
        for rank, entry in enumerate(answer["ranking"], 1)
    ]
    print(table(["rank", "score", "degree", "actor", "type", "iri"], rows))
    return 0


def add_network_commands(subparsers: argparse._SubParsersAction) -> None:
    """``smartregion network cooperations|path|centrality``."""

    parser = subparsers.add_parser(
        "network", formatter_class=Formatter, help="who cooperates with whom: partners, paths, central actors",
        description="Questions about the actor network derived from the graph (see `smartregion network COMMAND --help`). "
        "Link weight: the sum over distinct evidence of cooperation 3, co-organisation 2, project 2, role 2, "
        "organisational 2, session 1, event-programme 1.",
        epilog=epilog("smartregion network cooperations WFBB", "smartregion network path id/municipality/bad-belzig BMWSB",
                       "smartregion network centrality --measure betweenness --top 10"),
    )
    questions = parser.add_subparsers(title="questions", metavar="QUESTION", required=True)
    shared = [store_options(), _filter_options()]

    cooperations = questions.add_parser(
        "cooperations", parents=shared, formatter_class=Formatter, help="an actor's partners, strongest first",
        description="The partners of an actor with the weight of each link and its evidence.",
        epilog=epilog("smartregion network cooperations WFBB",
                       "smartregion network cooperations https://w3id.org/smartregion/id/organisation/neuland21 --kind cooperation",
                       "smartregion network cooperations 'Bad Belzig' --since 2024"),
    )
    cooperations.add_argument("actor", metavar="IRI_OR_LABEL", help="the actor: IRI, id/kind/slug, label or abbreviation")
    cooperations.set_defaults(run=_run_cooperations)

    path = questions.add_parser(
        "path", parents=shared, formatter_class=Formatter, help="how two actors are connected",
        description="The shortest chain of links between two actors (of equally short ones the strongest), each step "
        "with its evidence. Exit code 1 if there is none within --max steps.",
        epilog=epilog("smartregion network path id/municipality/bad-belzig id/organisation/bmwsb",
                       "smartregion network path WFBB 'Stadt.Land.Digital' --max 4"),
    )
    path.add_argument("source", metavar="FROM", help="start actor (IRI or label)")
    path.add_argument("target", metavar="TO", help="end actor (IRI or label)")
    path.add_argument("--max", type=int, default=6, metavar="N", help="longest chain accepted (default 6)")
    path.set_defaults(run=_run_path)

    centrality = questions.add_parser(
        "centrality", parents=shared, formatter_class=Formatter, help="the most central actors",
        description="Actors ranked by degree, betweenness (sampled above "
        f"{network.BETWEENNESS_EXACT_UP_TO} actors) or eigenvector centrality.",
        epilog=epilog("smartregion network centrality", "smartregion network centrality --measure betweenness --top 10",
                       "smartregion network centrality --measure eigenvector --region Brandenburg"),
    )
    centrality.add_argument("--measure", choices=MEASURES, default="degree", help="default degree")
    centrality.add_argument("--top", type=int, default=20, metavar="N", help="how many actors (default 20)")
    centrality.set_defaults(run=_run_centrality)


def _run_export(args: argparse.Namespace) -> int:
    snap, flt = _open(args)
    graph = network.view(snap.graph, flt)
    body = exports.render(graph, args.format, args.dialect)
    if args.output == "-":
        sys.stdout.buffer.write(body)
    else:
        Path(args.output).write_bytes(body)
        print(f"wrote {args.output}: {graph.number_of_nodes()} actors, {graph.number_of_edges()} links ({args.format})",
              file=sys.stderr)
    return 0


def add_export_command(subparsers: argparse._SubParsersAction) -> None:
    """``smartregion export --format graphml|gexf|csv|xlsx|json -o FILE``."""

    parser = subparsers.add_parser(
        "export", parents=[store_options(), _filter_options()], formatter_class=Formatter,
        help="write the actor network as GraphML, GEXF, CSV, XLSX or JSON",
        description="Write the actor network for Gephi, yEd, Cytoscape or a spreadsheet. Nodes carry label, type, "
        "weight and evidence count; links carry weight, kinds and evidence count. CSV is an edge list (nodes as "
        "IRIs with label and type columns); XLSX has a sheet of actors and one of links; JSON has the shape "
        "{nodes: [...], edges: [...]}.",
        epilog=epilog("smartregion export --format graphml -o network.graphml",
                       "smartregion export --format gexf -o network.gexf --since 2021",
                       "smartregion export --format csv -o - --region Brandenburg > edges.csv",
                       "smartregion export --format csv --dialect excel -o kanten.csv",
                       "smartregion export --format xlsx -o network.xlsx"),
    )
    parser.add_argument("--format", choices=tuple(exports.FORMATS), required=True, help="file format")
    parser.add_argument("--dialect", choices=sheets.DIALECTS, default="rfc4180",
                        help="of the CSV: rfc4180 (comma, the default) or excel (UTF-8 with BOM, ';', decimal comma: "
                        "opens in a German Excel)")
    parser.add_argument("-o", "--output", metavar="FILE", required=True, help="file to write; - for standard output")
    parser.set_defaults(run=_run_export)
