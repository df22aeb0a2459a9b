"""``smartregion harvest``: a CONSTRUCT on another SPARQL endpoint, added as a validated contribution."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smartregion.cli.common import CliError, Formatter, epilog, settings_from
from smartregion.contribute.audit import begin_cli, outcome
from smartregion.contribute.harvest import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TRIPLES,
    DEFAULT_TIMEOUT,
    HarvestError,
    Limits,
    add_harvested,
    fetch,
    reason,
)
from smartregion.contribute.model import ContributionError
from smartregion.store.writelock import command_lock


def _run(args: argparse.Namespace) -> int:
    from smartregion.store import open_store

    try:
        query = args.query.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"no such query file: {args.query}") from None
    limits = Limits(timeout=args.timeout, max_bytes=args.max_bytes, max_triples=args.max_triples)
    settings = settings_from(args)
    store = open_store(settings)
    write = None if args.dry_run else begin_cli(settings, store, "harvest", args.agent)
    try:
        with outcome(write, (HarvestError, ContributionError), reason) as graphs:
            # Fetched before the lock (the remote answer may take minutes), checked and written under it.
            graph = fetch(args.source_endpoint, query, limits)
            with command_lock(store, "harvest", dry_run=args.dry_run):
                result = add_harvested(store, graph, args.source_endpoint, query, agent=args.agent, dry_run=args.dry_run)
            graphs.append(result.graph_iri)
    except HarvestError as exc:
        raise CliError(str(exc)) from None
    except ContributionError as exc:
        problems = "\n".join(f"  {p}" for p in exc.problems)
        raise CliError(f"the harvested data were refused, nothing was written:\n{problems}") from None
    if args.dry_run:
        sys.stdout.write(result.trig())
    added = ", ".join(f"{n} {cls}" for cls, n in result.added.items()) or "no new entities"
    verb = "would add" if args.dry_run else "added"
    print(
        f"{verb} {result.triples} triples from {args.source_endpoint} as <{result.graph_iri}>: {added}"
        + (f"; {result.updated} existing entities described further" if result.updated else ""),
        file=sys.stderr if args.dry_run else sys.stdout,
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def add_harvest_command(commands: argparse._SubParsersAction) -> None:

    parser = commands.add_parser(
        "harvest",
        formatter_class=Formatter,
        help="import the answer of a CONSTRUCT query on another SPARQL endpoint as a contribution",
        description="Run a CONSTRUCT query on a remote SPARQL endpoint and add its triples to the graph as one "
        "contribution: validated with the shapes, all or nothing, with the endpoint and the query kept as "
        "provenance. The store is the one the SMARTREGION_* settings name (or --store).",
        epilog=epilog(
            "smartregion harvest --endpoint https://example.org/sparql --query new-partners.rq --dry-run",
            "smartregion harvest --endpoint http://127.0.0.1:7878/query --query new-partners.rq --agent 'WFBB Datenteam'",
        ),
    )
    parser.add_argument("--endpoint", dest="source_endpoint", metavar="URL", required=True, help="the SPARQL endpoint to harvest from")
    parser.add_argument("--query", metavar="FILE", type=Path, required=True, help="a .rq file with a CONSTRUCT query")
    parser.add_argument("--dry-run", action="store_true", help="validate and print the contribution as TriG; write nothing")
    parser.add_argument("--agent", default="smartregion harvest", metavar="NAME", help="who harvests (kept as provenance)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S", help=f"seconds for the whole exchange, from connecting to the last byte (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N", help=f"largest answer in bytes (default {DEFAULT_MAX_BYTES})")
    parser.add_argument("--max-triples", type=int, default=DEFAULT_MAX_TRIPLES, metavar="N", help=f"most triples (default {DEFAULT_MAX_TRIPLES})")
    parser.add_argument("--store", metavar="PATH", type=Path, help="embedded store folder (SMARTREGION_STORE)")
    parser.set_defaults(run=_run)
