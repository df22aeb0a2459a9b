"""``smartregion audit``: the audit log of writes, across its rotated files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from smartregion.cli.common import Formatter, epilog, settings_from, table
from smartregion.contribute.audit import (
    FILE_NAME,
    REFUSALS_PER_MINUTE,
    AuditLog,
    audit_path,
    interrupted,
    revisions,
)


def _run(args: argparse.Namespace) -> int:

    log = AuditLog(audit_path(settings_from(args)))
    every = log.read()  # the rotated files too, oldest first
    records = every[-args.last :] if args.last else every
    if args.json:
        for record in records:
            print(json.dumps(record, ensure_ascii=False, sort_keys=True))
        return 0
    if not records:
        print(f"no writes recorded yet in {log.path}")
        return 0
    cut_off = interrupted(every)
    rows = [
        [
            str(r["time"]),
            "interrupted" if r["id"] in cut_off else str(r["event"]),
            str(r["action"]),
            f"{r['agent']} ({r['client']})",
            " ".join(str(g).rsplit("/", 1)[-1] for g in r.get("graphs") or []) or str(r.get("erased") or ""),  # type: ignore[union-attr]
            revisions(r),
            str(r.get("reason") or ""),
        ]
        for r in records
    ]
    print(table(["time (UTC)", "event", "action", "who", "graphs", "revision", "reason"], rows))
    if cut_off & {str(r["id"]) for r in records}:
        print("interrupted: an attempt without an outcome, its writer was stopped (or is still at work); the store holds "
              "all of that write or none of it (`smartregion contributions` shows which)", file=sys.stderr)
    return 0


def add_audit_command(commands: argparse._SubParsersAction) -> None:
    """Register ``smartregion audit`` (for ``cli.COMMANDS``)."""

    parser = commands.add_parser(
        "audit",
        formatter_class=Formatter,
        help="show the audit log of writes: who changed which graphs, when",
        description=f"Print the audit log ({FILE_NAME} next to the store folder, with its rotated files {FILE_NAME}.1, .2, ...): every write through the HTTP API "
        "and the command line, with time (UTC), outcome (attempt, done, refused, failed), action (add, remove, "
        "forget), who (the agent named with the write, and the client address or the login name), the graphs, and "
        "the store revision before and after. Refused requests (a missing or wrong token) are there too, compactly and "
        f"at most {REFUSALS_PER_MINUTE} a minute per client (a 'suppressed' line counts the rest); the token "
        "never is. An erasure names the person only by the SHA-256 hash of the IRI.",
        epilog=epilog(
            "smartregion audit",
            "smartregion audit --last 20",
            "smartregion audit --json | jq 'select(.event == \"refused\")'",
        ),
    )
    parser.add_argument("--store", metavar="PATH", type=Path, help="the store folder whose log to show (SMARTREGION_STORE)")
    parser.add_argument("--json", action="store_true", help="the records as JSON Lines, as stored")
    parser.add_argument("--last", type=int, metavar="N", help="only the last N records")
    parser.set_defaults(run=_run)
