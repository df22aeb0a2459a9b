"""``smartregion mentions``: the known entities a German text names."""

from __future__ import annotations

import argparse
import json
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
from smartregion.names.mentions import MentionIndex, read_text
from smartregion.rdf.prefixes import shorten


def _run(args: argparse.Namespace) -> int:
    from smartregion.store import open_store

    try:
        text = read_text(args.file)
    except UnicodeDecodeError as exc:
        raise CliError(f"{args.file} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again") from None
    mentions = MentionIndex.from_store(open_store(settings_from(args))).find(text)
    if args.format == "json":
        print(json.dumps({"file": str(args.file), "mentions": [m.as_json() for m in mentions]}, ensure_ascii=False, indent=2))
        return 0
    rows = [
        [str(m.start), str(m.end), m.text, m.entity.kind, m.entity.label, shorten(m.entity.iri),
         f"+{len(m.candidates) - 1}" if len(m.candidates) > 1 else ""]
        for m in mentions
    ]
    print(table(["start", "end", "text", "type", "label", "iri", "other"], rows))
    print(f"({len(mentions)} mention{'' if len(mentions) == 1 else 's'})", file=sys.stderr)
    return 0


def add_mentions_command(commands: argparse._SubParsersAction) -> None:

    parser = commands.add_parser(
        "mentions",
        parents=[store_options()],
        formatter_class=Formatter,
        help="find the known actors, places, programmes and events named in a German text",
        description="Find the entities of the graph that a German text names: by label, alias or abbreviation, "
        "also inflected (\"der WFBB\", \"Brandenburgs\", \"des Landkreises Rostock\"). Prints character offsets "
        "(start inclusive, end exclusive), the text found, and the entity. One-word place names that are also "
        "ordinary words (\"Essen\") or belong to small places count only after a cue such as \"in\" or \"Stadt\"; "
        "\"other\" counts further entities with the same name (--format json lists them).",
        epilog=epilog("smartregion mentions announcement.txt", "smartregion mentions announcement.txt --format json > mentions.json"),
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="a UTF-8 text file")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output (default table)")
    parser.set_defaults(run=_run)
