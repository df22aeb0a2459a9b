"""``smartregion dumps``: write and list the dumps of the live revision."""

from __future__ import annotations

import argparse

from smartregion.cli.common import Formatter, epilog, settings_from, store_options
from smartregion.publish.dumps import dumps_folder, write_dumps


def add_dumps_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``smartregion dumps`` (for ``cli.COMMANDS``)."""

    parser = subparsers.add_parser(
        "dumps",
        parents=[store_options()],
        formatter_class=Formatter,
        help="write the full dumps of the store's live revision",
        description="Write smartregion.trig.gz, .nq.gz, .ttl.gz (union of all graphs) and .jsonld.gz for the store's "
        "live revision into the dumps folder next to the store, and list them with size and SHA-256. "
        "`smartregion build` does this already; use it after writing to the store by other means.",
        epilog=epilog(
            "smartregion dumps",
            "smartregion dumps --backend remote --endpoint http://localhost:7878/query --gsp http://localhost:7878/store",
        ),
    )
    parser.set_defaults(run=_run_dumps)


def _run_dumps(args: argparse.Namespace) -> int:
    from smartregion.store import open_store

    settings = settings_from(args)
    manifest = write_dumps(open_store(settings), dumps_folder(settings))
    print(f"dumps of {manifest.revision} in {manifest.folder}: {manifest.statements} statements in {len(manifest.graphs)} graphs")
    width = max(len(name) for name in manifest.files)
    for name, file in manifest.files.items():
        print(f"  {name.ljust(width)}  {file.bytes:>10} bytes  {file.statements:>8} statements  sha256 {file.sha256}")
    return 0
