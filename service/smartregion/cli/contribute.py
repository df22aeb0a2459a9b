"""``smartregion import``, ``template``, ``contributions`` and ``forget``: contributions on the command line.

``cli.py`` registers these through its ``COMMANDS`` list; its helpers are imported when a command
runs, because ``cli`` imports this module. A refused contribution prints every problem (row, column,
fix) on stderr and exits 1, with the store unchanged. Every write is recorded in the audit log
(audit.py): its attempt, then done, refused or failed. Every write holds the store's write lock from
before its checks to its end (writelock.py), waiting as long as another write (the server's, a build)
takes, and saying so on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from smartregion.cli.common import (
    CliError,
    Formatter,
    epilog,
    settings_from,
    store_options,
    table,
)
from smartregion.contribute import contributions, erasure, model, spreadsheets
from smartregion.contribute.audit import begin_cli, outcome
from smartregion.contribute.model import (
    ContributionError,
    ContributionResult,
    Provenance,
)
from smartregion.publish.dumps import dumps_folder
from smartregion.store import open_store
from smartregion.store.writelock import command_lock


def _agent(args: argparse.Namespace) -> str:
    return args.agent or getpass.getuser()


def _problems(exc: ContributionError) -> str:
    return "; ".join(p.message for p in exc.problems[:5]) + ("; …" if len(exc.problems) > 5 else "")


def _refused(exc: ContributionError, what: str) -> Exception:

    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    count = len(exc.problems)
    return CliError(f"{what} refused: {count} problem{'' if count == 1 else 's'} (listed above); nothing was written")


# --- import -----------------------------------------------------------------------------------------


def _run_import(args: argparse.Namespace) -> int:

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    settings = settings_from(args)
    store = open_store(settings)
    dry_run = args.dry_run or args.output is not None
    try:
        kind = spreadsheets.get_kind(args.kind)
        provenance = Provenance(_agent(args), path.name, "spreadsheet", {"kind": kind.name})
        iri = args.graph or model.new_contribution_iri(provenance)
        # The rows are matched against the store, checked and written under one hold of the lock.
        with command_lock(store, "import", dry_run=dry_run):
            write = None if dry_run else begin_cli(settings, store, "add", provenance.agent, graphs=[iri])
            with outcome(write, (ContributionError,), _problems) as graphs:
                table = spreadsheets.read_file(path)
                result = spreadsheets.import_table(store, table, kind, provenance, dry_run=dry_run, graph_iri=iri)
                graphs.append(result.graph_iri)
    except ContributionError as exc:
        raise _refused(exc, f"import of {path.name}") from None
    if args.output:
        Path(args.output).write_text(result.trig(), encoding="utf-8")
        print(f"wrote {result.triples} triples in graph <{result.graph_iri}> to {args.output}; the store was not changed")
    _report(result, verbose=args.verbose)
    return 0


def _report(result: ContributionResult, *, verbose: bool) -> None:

    verb = "would add" if result.dry_run else "added"
    print(f"{verb} contribution {result.id}: {result.triples} triples in <{result.graph_iri}>")
    if result.added:
        print(table(["new", "class"], [[str(n).rjust(5), cls] for cls, n in result.added.items()]))
    if result.updated:
        print(f"and more about {result.updated} existing entit{'y' if result.updated == 1 else 'ies'}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    if verbose:
        print(result.turtle())


def _register_import(commands: argparse._SubParsersAction) -> None:

    parser = commands.add_parser(
        "import",
        parents=[store_options()],
        formatter_class=Formatter,
        help="import a spreadsheet (CSV or XLSX) as a validated contribution",
        description="Turn the rows of a spreadsheet into entities and relations, match them against the store "
        "(by IRI, official key or exact name; never duplicated, ambiguous names reported, unknown names with the "
        "closest names as candidates), validate everything with "
        "the SHACL shapes, and only then write one new named graph with its provenance (who, when, which file). "
        "Any problem is listed with row, column and fix, and nothing is written. `smartregion template KIND` writes "
        "an example file.",
        epilog=epilog(
            "smartregion template organisations -o orgs.csv",
            "smartregion import orgs.csv --kind organisations --dry-run --verbose",
            "smartregion import veranstaltungen.xlsx --kind events --agent 'WFBB Team'",
            "smartregion import gemeinden.csv --kind municipalities --graph https://w3id.org/smartregion/source/x --output graph/reference/x.trig",
        ),
    )
    parser.add_argument("file", metavar="FILE", help="a .csv (UTF-8 or Windows-1252, comma or semicolon) or .xlsx file")
    parser.add_argument(
        "--kind", required=True, help="what the rows are: organisations, persons, events, cooperations, memberships, projects, ..."
    )
    parser.add_argument("--dry-run", action="store_true", help="validate and show what would be added; write nothing")
    parser.add_argument("--agent", metavar="NAME", help="who contributes (default: the login name)")
    parser.add_argument("--output", metavar="FILE.trig", help="write the validated graph to this TriG file instead of the store")
    parser.add_argument(
        "--graph", metavar="IRI", help="the named graph's IRI (default: a new contribution IRI); for reference data in graph/"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="also print the triples as Turtle")
    parser.set_defaults(run=_run_import)


# --- template ---------------------------------------------------------------------------------------


def _run_template(args: argparse.Namespace) -> int:

    try:
        kind = spreadsheets.get_kind(args.kind)
    except ContributionError as exc:
        raise CliError(str(exc)) from None
    if args.describe:
        print(spreadsheets.describe_kind(kind))
        return 0
    if args.output is None:
        import csv

        csv.writer(sys.stdout).writerows(spreadsheets.template_rows(kind, args.lang))
        return 0
    if Path(args.output).suffix.lower() not in spreadsheets.MEDIA_TYPES:
        raise CliError(f"-o {args.output}: the template is written as .csv or .xlsx")
    spreadsheets.write_template(kind, args.output, args.lang)
    print(
        f"wrote {args.output}: the columns of {kind.name} with an example row; fill it in and run "
        f"`smartregion import {args.output} --kind {kind.name} --dry-run`"
    )
    return 0


def _register_template(commands: argparse._SubParsersAction) -> None:

    parser = commands.add_parser(
        "template",
        formatter_class=Formatter,
        help="write an example spreadsheet for an import kind",
        description="Write the column template of a kind with an example row: CSV, or XLSX with a second sheet "
        "explaining every column. German and English headers are both accepted by `smartregion import`; the example "
        "row is refused there until you change it.",
        epilog=epilog(
            "smartregion template events -o events.xlsx",
            "smartregion template memberships --lang de -o rollen.csv",
            "smartregion template persons --describe",
        ),
    )
    parser.add_argument("kind", metavar="KIND", help="organisations, persons, events, cooperations, memberships, projects, ...")
    parser.add_argument("-o", "--output", metavar="FILE", help=".csv or .xlsx (default: CSV on stdout)")
    parser.add_argument("--lang", choices=("en", "de"), default="en", help="language of the headers (default en)")
    parser.add_argument("--describe", action="store_true", help="print the columns as a Markdown table instead")
    parser.set_defaults(run=_run_template)


# --- contributions ----------------------------------------------------------------------------------


def _run_contributions(args: argparse.Namespace) -> int:

    settings = settings_from(args)
    store = open_store(settings)
    if args.action == "remove":
        if not args.id:
            raise CliError("contributions remove needs the contribution's ID; `smartregion contributions` lists them")
        try:
            iri = model.contribution_iri(args.id)
            with command_lock(store, "removal"):
                write = begin_cli(settings, store, "remove", _agent(args), graphs=[iri])
                with outcome(write, (ContributionError,), _problems):
                    contributions.remove(store, args.id)
        except ContributionError as exc:
            raise _refused(exc, f"removing {args.id}") from None
        print(f"removed contribution {args.id}")
        return 0
    found = contributions.list_contributions(store)
    if not found:
        print("no contributions yet: `smartregion import FILE --kind KIND` adds one")
        return 0
    rows = [
        [
            str(c["id"]),
            str(c["created"] or ""),
            str(c["agent"] or ""),
            str(c["method"] or ""),
            str(c["source"] or ""),
            str(c["triples"]).rjust(7),
        ]
        for c in found
    ]
    print(table(["id", "created", "agent", "method", "from", "triples"], rows))
    return 0


def _register_contributions(commands: argparse._SubParsersAction) -> None:

    parser = commands.add_parser(
        "contributions",
        parents=[store_options()],
        formatter_class=Formatter,
        help="list contributions, or remove one",
        description="List the contributions in the store (who, when, how, from what), or remove one: its named "
        "graph is dropped, unless other graphs still refer to entities only it defines.",
        epilog=epilog("smartregion contributions", "smartregion contributions remove 20240513-101500-orgs-csv-3fa2c1"),
    )
    parser.add_argument("action", nargs="?", choices=("list", "remove"), default="list", help="list (default) or remove")
    parser.add_argument("id", nargs="?", metavar="ID", help="the contribution to remove")
    parser.add_argument("--agent", metavar="NAME", help="who removes it, for the audit log (default: the login name)")
    parser.set_defaults(run=_run_contributions)


# --- forget -----------------------------------------------------------------------------------------


def _run_forget(args: argparse.Namespace) -> int:

    settings = settings_from(args)
    store = open_store(settings)
    iri = args.iri.strip().strip("<>")
    # The log names the person as the erasure record does: by the hash of the IRI only.
    try:
        with command_lock(store, "erasure"):
            write = begin_cli(settings, store, "forget", _agent(args), erased=model.iri_hash(iri), private=[iri])
            with outcome(write, (erasure.ErasureError,), str) as graphs:
                result = erasure.forget(store, iri, agent=_agent(args), reason=args.reason, dumps_folder=dumps_folder(settings))
                graphs += result.graphs
    except erasure.ErasureError as exc:
        raise CliError(str(exc)) from None
    print(
        f"erased <{args.iri.strip('<>')}>: {result.triples} statements about it and {result.nodes - 1} node(s) that existed "
        f"only for it, from {len(result.graphs)} graph(s); recorded as <{result.record}> ({result.hash})"
    )
    if result.named_in:
        print("the name still occurs in the text of: " + ", ".join(f"<{iri}>" for iri in result.named_in))
        print("  (forget removes the statements about the IRI, not words in other texts: review and edit those)")
    print("note: if the person is in a file under graph/, the build keeps them out; remove them from the file too")
    return 0


def _register_forget(commands: argparse._SubParsersAction) -> None:

    parser = commands.add_parser(
        "forget",
        parents=[store_options()],
        formatter_class=Formatter,
        help="erase a person and every statement about them (right to be forgotten)",
        description="Remove a person and every statement about them, as subject or object, from every graph, "
        "together with their memberships (and cooperations left with fewer than two partners), and rewrite the "
        "dumps. An erasure record keeps when and by whom, and only the SHA-256 hash of the IRI; later builds and "
        "imports keep the person out. Refuses anything that is not a person.",
        epilog=epilog(
            "smartregion forget https://w3id.org/smartregion/id/person/erika-musterfrau --reason 'request of 2024-05-13'",
        ),
    )
    parser.add_argument("iri", metavar="IRI", help="the person's IRI")
    parser.add_argument("--reason", metavar="TEXT", help="why (kept in the record; do not name the person)")
    parser.add_argument("--agent", metavar="NAME", help="who erases (default: the login name)")
    parser.set_defaults(run=_run_forget)


def add_contribution_commands(commands: argparse._SubParsersAction) -> None:
    for register in (_register_import, _register_template, _register_contributions, _register_forget):
        register(commands)
