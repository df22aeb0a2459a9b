"""``smartregion generate``: a synthetic ecosystem of any size for benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path

from smartregion.cli.common import CliError, Formatter, epilog
from smartregion.settings import Settings
from smartregion.synthetic import TRIPLES_PER_ORGANISATION, default_output, generate


def add_generate_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``smartregion generate`` (for ``cli.COMMANDS``)."""

    parser = subparsers.add_parser(
        "generate",
        formatter_class=Formatter,
        help="write a synthetic ecosystem of any size (for benchmarks)",
        description="Write a deterministic synthetic ecosystem as TriG: SCALE organisations with municipalities, "
        "districts and states, persons with roles over time, programmes, projects, events and cooperations; about "
        f"{TRIPLES_PER_ORGANISATION} triples per organisation. It follows the ontology and passes the shapes. "
        "It is test data, not knowledge: it cannot be written into graph/.",
        epilog=epilog(
            "smartregion generate --scale 1000",
            "smartregion generate --scale 100000 --seed 7 -o synthetic-100k.trig",
        ),
    )
    parser.add_argument("--scale", type=int, required=True, metavar="N", help="number of organisations (10 N ≈ triples)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1); the same seed gives the same file")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE.trig",
                        help="where to write (default bench/data/synthetic-N-sSEED.trig in the project)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:

    home = Settings.from_env().home
    if args.scale < 1:
        raise CliError(f"--scale must be at least 1, not {args.scale}")
    target = (args.output or default_output(home, args.scale, args.seed)).expanduser().resolve()
    if target.is_relative_to(home / "graph"):
        raise CliError(f"{target} is inside graph/: synthetic data must never mix with the knowledge; write it elsewhere")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        summary = generate(args.scale, out, seed=args.seed, home=home, progress=not args.quiet)
    partial.replace(target)  # a file that exists is complete
    print(f"wrote {target}: {summary.triples} triples in {summary.graphs} graphs (scale {args.scale}, seed {args.seed})")
    return 0
