"""What every command shares: the error for a wrong call, help formatting, the store options, tables."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from smartregion.errors import SmartregionError
from smartregion.settings import BACKENDS, REMOTE_FLAVOURS, Settings

MAX_CELL = 60  # characters per table cell; longer values are cut with "…"


class CliError(SmartregionError):
    """A mistake in how the command was called; the message says how to call it instead."""

    status, title = 400, "invalid command"


class Formatter(argparse.HelpFormatter):
    """Wraps descriptions, keeps the example lines of an epilog as written."""

    def __init__(self, prog: str):
        super().__init__(prog, max_help_position=32)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def epilog(*examples: str) -> str:
    return "examples:\n" + "\n".join(f"  {e}" for e in examples)


def store_options() -> argparse.ArgumentParser:
    """Options every command that opens the store shares; they override SMARTREGION_* variables."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("store (default: the embedded store in <project>/.smartregion/store)")
    group.add_argument("--store", metavar="PATH", type=Path, help="embedded store folder (SMARTREGION_STORE)")
    group.add_argument("--backend", choices=BACKENDS, help="embedded (default) or remote (SMARTREGION_BACKEND)")
    group.add_argument("--endpoint", metavar="URL", help="remote SPARQL query URL (SMARTREGION_ENDPOINT)")
    group.add_argument("--update-endpoint", metavar="URL", help="remote SPARQL update URL (SMARTREGION_UPDATE_ENDPOINT)")
    group.add_argument("--gsp", metavar="URL", help="remote Graph Store Protocol URL (SMARTREGION_GSP_ENDPOINT)")
    remote_options(group)
    return parent


def remote_options(group: argparse._ActionsContainer) -> None:
    """How to speak to the remote store and as whom; the password comes from SMARTREGION_STORE_PASSWORD only."""
    group.add_argument("--remote-flavour", choices=REMOTE_FLAVOURS, help="standard (default) or virtuoso (SMARTREGION_REMOTE_FLAVOUR)")
    group.add_argument("--store-user", metavar="NAME", help="account that writes to the remote store (SMARTREGION_STORE_USER)")


def settings_from(args: argparse.Namespace, **overrides: object) -> Settings:
    """Settings from the environment, overridden by the command line."""
    values = {
        "store_path": getattr(args, "store", None),
        "backend": getattr(args, "backend", None),
        "endpoint": getattr(args, "endpoint", None),
        "update_endpoint": getattr(args, "update_endpoint", None),
        "gsp_endpoint": getattr(args, "gsp", None),
        "remote_flavour": getattr(args, "remote_flavour", None),
        "store_user": getattr(args, "store_user", None),
    }
    values.update(overrides)
    return Settings.from_env(**values)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns; cells longer than MAX_CELL are cut."""
    cut = [[c if len(c) <= MAX_CELL else c[: MAX_CELL - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cut)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cut]
    return "\n".join(lines)
