"""The ``smartregion`` command line: build, validate, query, queries, stats, push here; the other
commands come from their own modules in this package.

Every command is registered by one function in ``COMMANDS``; a new command adds its function there. Errors end as one line on stderr and a non-zero exit
code, never a traceback (set ``SMARTREGION_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from smartregion import __version__
from smartregion.cli.audit import add_audit_command
from smartregion.cli.common import (
    CliError,
    Formatter,
    epilog,
    remote_options,
    settings_from,
    store_options,
    table,
)
from smartregion.cli.contribute import add_contribution_commands
from smartregion.cli.harvest import add_harvest_command
from smartregion.cli.names import add_mentions_command
from smartregion.cli.network import add_export_command, add_network_commands
from smartregion.cli.places import add_places_command
from smartregion.cli.publish import add_dumps_command
from smartregion.cli.serve import add_serve_command
from smartregion.cli.synthetic import add_generate_command
from smartregion.rdf import results
from smartregion.rdf.prefixes import shorten
from smartregion.settings import Settings, SettingsError
from smartregion.store import (
    QuerySyntaxError,
    StoreError,
    check_query,
    open_store,
)

if TYPE_CHECKING:
    from smartregion.build import BuildResult

# --- build and push ---------------------------------------------------------------------------------


def _report_build(result: BuildResult) -> None:
    summary = result.summary
    print(f"built {result.revision} in {result.seconds:.1f} s: {result.files} files, {summary.triples} triples in {len(summary.graphs)} graphs")
    if result.validation_reused:
        print("validation: not run again, these very shapes, ontology and data passed before (--revalidate runs it)")
    _print_classes(summary.classes)


def _print_classes(classes: dict[str, int]) -> None:
    print("entities by class:")
    print(table(["count", "class"], [[str(n).rjust(5), shorten(c)] for c, n in classes.items()]) if classes else "  (none)")


def _run_build(args: argparse.Namespace, settings: Settings) -> int:
    from smartregion.build import build

    _report_build(build(settings, progress=not args.quiet, check=not args.no_validate, reuse=not args.revalidate,
                        dumps=not args.no_dumps, lang=args.lang))
    return 0


def _build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-validate", action="store_true", help="load without SHACL validation (not for releases)")
    parser.add_argument("--revalidate", action="store_true",
                        help="validate even if these very shapes, ontology and data passed before (graph/validated.json "
                        "and .smartregion/validated.json record the passes)")
    parser.add_argument("--lang", choices=("en", "de"), default="en", help="language of validation messages (default en)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _register_build(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build",
        parents=[store_options()],
        formatter_class=Formatter,
        help="parse ontology/ and graph/, validate, load the store",
        description="Parse ontology/*.ttl and graph/**/*.trig, validate them with the SHACL shapes, and load the "
        "store. If anything fails, the previous store stays as it was. Validation is skipped when the same shapes, "
        "ontology and data (files and the graphs only the store has) passed before.",
        epilog=epilog(
            "smartregion build",
            "smartregion build --store /srv/smartregion/store",
            "smartregion build --revalidate",
            "smartregion build --backend remote --endpoint http://localhost:7878/query --gsp http://localhost:7878/store",
        ),
    )
    _build_options(parser)
    parser.add_argument("--no-dumps", action="store_true",
                        help="leave the dumps to `smartregion dumps` or to the server's first request for them")
    parser.set_defaults(run=lambda args: _run_build(args, settings_from(args)))


def _register_push(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "push",
        formatter_class=Formatter,
        help="build the graph into a remote SPARQL store",
        description="Build the graph into a remote SPARQL 1.1 store through the Graph Store Protocol: every named graph is "
        "replaced (PUT), graphs of https://w3id.org/smartregion/ that the build no longer has are dropped, and the "
        "server's default graph is kept the distinct union of the named graphs by SPARQL Update (see README).",
        epilog=epilog(
            "smartregion push --endpoint http://localhost:7878/query --gsp http://localhost:7878/store "
            "--update-endpoint http://localhost:7878/update",
            "smartregion push --endpoint http://localhost:3030/ds/query --gsp http://localhost:3030/ds/data "
            "--update-endpoint http://localhost:3030/ds/update",
            "SMARTREGION_STORE_PASSWORD=... smartregion push --remote-flavour virtuoso --store-user smartregion "
            "--endpoint http://localhost:8890/sparql --update-endpoint http://localhost:8890/sparql-auth "
            "--gsp http://localhost:8890/sparql-graph-crud-auth",
        ),
    )
    parser.add_argument("--endpoint", metavar="URL", required=True, help="SPARQL query URL of the remote store")
    parser.add_argument("--gsp", metavar="URL", required=True, help="Graph Store Protocol URL of the remote store")
    parser.add_argument("--update-endpoint", metavar="URL", required=True,
                        help="SPARQL update URL: keeps the default graph the distinct union, drops stale graphs "
                        "(Virtuoso: only drops them, see README)")
    remote_options(parser)
    _build_options(parser)
    # A remote store's dumps are made when first asked for (dumps.current_dumps), never by the push.
    parser.set_defaults(no_dumps=True)
    parser.set_defaults(run=lambda args: _run_build(args, settings_from(args, backend="remote")))


# --- validate ---------------------------------------------------------------------------------------


def _run_validate(args: argparse.Namespace) -> int:
    from smartregion.build import parse_project, validate_project
    from smartregion.validation.record import inputs_digest, write_committed_record

    settings = settings_from(args)
    project = parse_project(settings.home, progress=not args.quiet)
    report = validate_project(project, lang=args.lang)
    if args.record and report.conforms:
        written = write_committed_record(settings.home, inputs_digest(settings.home, project.files))
        print(f"recorded the pass in {written.relative_to(settings.home)}: commit it with the data", file=sys.stderr)
    if args.format == "json":
        print(report.as_json())
    elif args.format == "turtle":
        print(report.as_turtle())
    elif report.violations:
        print(report.as_text(args.lang))
    else:
        print("conforms: no violations" if args.lang == "en" else "konform: keine Verstöße")
    return 0 if report.conforms else 1


def _register_validate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        formatter_class=Formatter,
        help="check ontology/ and graph/ against the SHACL shapes",
        description="Parse the project and validate it with the SHACL shapes in shapes/; the store is not touched. "
        "Exit code 1 if there are violations.",
        epilog=epilog("smartregion validate", "smartregion validate --lang de", "smartregion validate --format json > report.json",
                      "smartregion validate --record && git add graph/validated.json"),
    )
    parser.add_argument("--record", action="store_true",
                        help="if the project conforms, write graph/validated.json, so that builds of these files skip validating")
    parser.add_argument("--format", choices=("text", "turtle", "json"), default="text", help="report format (default text)")
    parser.add_argument("--lang", choices=("en", "de"), default="en", help="language of the messages (default en)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run_validate)


# --- query and the catalogue ------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][\w-]*")
_MEDIA_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json"}


def _parameters(pairs: Sequence[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"--param {pair!r} is not key=value, e.g. --param org=https://w3id.org/smartregion/id/organisation/wfbb")
        params[key.strip()] = value
    return params


def query_text(argument: str, params: dict[str, str], home: Path) -> str:
    """The SPARQL text: a .rq file, a catalogue question rendered with its parameters, or the argument itself."""
    path = Path(argument)
    if argument.endswith(".rq") or (_NAME.fullmatch(argument) is None and "\n" not in argument and path.is_file()):
        if not path.is_file():
            raise CliError(f"no such query file: {argument}")
        if params:
            raise CliError("--param works with a catalogue question name, not with a file; name the question instead")
        return path.read_text(encoding="utf-8")
    if _NAME.fullmatch(argument):
        if not (home / "queries" / f"{argument}.rq").is_file():
            raise CliError(f"no catalogue question {argument!r}; `smartregion queries` lists them, or pass a SPARQL query or a .rq file")
        from smartregion import questions as catalogue

        try:
            return catalogue.get(argument).render(params)
        except (catalogue.CatalogueError, catalogue.ParameterError, catalogue.UnknownQuestion) as exc:
            raise CliError(str(exc)) from None
    if params:
        raise CliError("--param works with a catalogue question name, not with an inline query")
    return argument


def _cell(binding: dict | None) -> str:
    if binding is None:
        return ""
    if binding["type"] == "uri":
        return shorten(binding["value"])
    if binding["type"] == "bnode":
        return "_:" + binding["value"]
    return binding["value"]


def _spreadsheet_safe(json_results: bytes, fmt: str) -> bytes:
    """SPARQL JSON results as CSV or TSV written by the service's own writers, which keep cells a spreadsheet
    would evaluate as text (csvsafe.py); the engine's (or a remote store's) CSV would not."""
    solutions = ox.parse_query_results(json_results, format=ox.QueryResultsFormat.JSON)
    variables = [v.value for v in solutions.variables]
    return results.write_solutions(results.BY_KEY[fmt], variables, (list(row) for row in solutions))[0]


def _run_query(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    query = check_query(query_text(args.query, _parameters(args.param), settings.home))  # the same guard as /sparql
    store = open_store(settings)
    form = query.form
    if form in ("CONSTRUCT", "DESCRIBE"):
        if args.format in ("csv", "tsv"):
            raise CliError(f"a {form} query answers with triples: use --format table (Turtle) or json (JSON-LD)")
        media_type = "application/ld+json" if args.format == "json" else "text/turtle"
        sys.stdout.write(store.query_bytes(query, media_type).decode("utf-8"))
        return 0
    if form == "ASK" and args.format != "json":
        print("true" if store.ask(query) else "false")
        return 0
    if args.format in ("csv", "tsv"):
        sys.stdout.write(_spreadsheet_safe(store.query_bytes(query, _MEDIA_TYPES["json"]), args.format).decode("utf-8"))
        return 0
    if args.format != "table":
        sys.stdout.write(store.query_bytes(query, _MEDIA_TYPES[args.format]).decode("utf-8"))
        return 0
    answer = json.loads(store.query_bytes(query, "application/sparql-results+json"))
    variables = answer["head"].get("vars", [])
    rows = [[_cell(b.get(v)) for v in variables] for b in answer["results"]["bindings"]]
    print(table(variables, rows))
    print(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return 0


def _register_query(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "query",
        parents=[store_options()],
        formatter_class=Formatter,
        help="run a SPARQL query, a .rq file or a catalogue question",
        description="Run a query over the union of all graphs. QUERY is a catalogue question's name (queries/NAME.rq, "
        "parameters with --param), a .rq file, or the SPARQL text itself. Tables shorten IRIs with common prefixes "
        "(sr:, id:, src:, schema:, ...).",
        epilog=epilog(
            "smartregion query 'SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class'",
            "smartregion query queries/counts_per_class.rq --format csv > counts.csv",
            "smartregion query partners_of_actor --param actor=https://w3id.org/smartregion/id/organisation/wfbb",
        ),
    )
    parser.add_argument("query", metavar="QUERY", help="catalogue question name, .rq file, or SPARQL text")
    parser.add_argument("--format", choices=("table", "csv", "json", "tsv"), default="table", help="output (default table)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a catalogue question's parameter; repeatable")
    parser.set_defaults(run=_run_query)


def _run_queries(args: argparse.Namespace) -> int:
    from smartregion import questions as catalogue

    try:
        questions = catalogue.list_queries()
    except catalogue.CatalogueError as exc:
        raise CliError(str(exc)) from None
    rows = [
        [q.name, ", ".join(p.name + ("" if p.required else "?") for p in q.parameters), q.summary]
        for q in sorted(questions, key=lambda q: q.name)
    ]
    print(table(["name", "parameters (? = optional)", "summary"], rows))
    return 0


def _register_queries(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "queries",
        formatter_class=Formatter,
        help="list the question catalogue (queries/*.rq)",
        description="List the catalogue's questions with their parameters; run one with `smartregion query NAME`.",
        epilog=epilog("smartregion queries"),
    )
    parser.set_defaults(run=_run_queries)


# --- stats ------------------------------------------------------------------------------------------


def _run_stats(args: argparse.Namespace) -> int:
    from smartregion.build import summarise

    summary = summarise(open_store(settings_from(args)))
    print(f"triples: {summary.triples}")
    if not summary.triples:
        print("the store is empty: run `smartregion build` to fill it")
        return 0
    print(f"graphs: {len(summary.graphs)}")
    print(table(["triples", "graph", "title"], [[str(g.triples).rjust(7), shorten(g.iri), g.title or ""] for g in summary.graphs]))
    _print_classes(summary.classes)
    return 0


def _register_stats(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "stats",
        parents=[store_options()],
        formatter_class=Formatter,
        help="triples, graphs and entities by class in the store",
        description="What the store holds: the number of triples, each named graph with its size and title, and "
        "the entities by class.",
        epilog=epilog("smartregion stats", "smartregion stats --backend remote --endpoint http://localhost:7878/query"),
    )
    parser.set_defaults(run=_run_stats)


# Each entry adds one or more subcommands; a new command adds its function here.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _register_build,
    _register_validate,
    _register_query,
    _register_queries,
    _register_stats,
    _register_push,
    add_serve_command,
    add_network_commands,
    add_export_command,
    add_dumps_command,
    add_mentions_command,
    add_places_command,
    add_harvest_command,
    add_generate_command,
    add_contribution_commands,
    add_audit_command,
]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="smartregion",
        formatter_class=Formatter,
        description="smartregion: a linked-data knowledge graph of Germany's smart-city and smart-region ecosystem.",
        epilog=epilog("smartregion build && smartregion stats", "smartregion query --help"),
    )
    top.add_argument("--version", action="version", version=f"smartregion {__version__}")
    commands = top.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("smartregion: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("SMARTREGION_DEBUG"):
            raise
        return _fail(exc, args)


def _fail(exc: Exception, args: argparse.Namespace) -> int:
    """One line on stderr (after the validation report, if there is one); exit code 1."""
    from smartregion.build import BuildError

    if isinstance(exc, BuildError) and exc.report is not None:
        print(exc.report.as_text(getattr(args, "lang", "en")), file=sys.stderr)
    if isinstance(exc, QuerySyntaxError):
        # One line, as every error of the command line: the first of the message, which says where and what.
        message = f"SPARQL syntax error: {str(exc).splitlines()[0]}; fix the query and run it again"
    elif isinstance(exc, (BuildError, StoreError, SettingsError, CliError)):
        message = str(exc)
    elif isinstance(exc, OSError):
        message = f"{exc.strerror or exc} ({exc.filename})" if exc.filename else f"system error: {exc}"
    else:
        message = f"unexpected {type(exc).__name__}: {exc} (run again with SMARTREGION_DEBUG=1 for details, and please report it)"
    print(f"smartregion: {message}", file=sys.stderr)
    return 1
