"""Every spreadsheet kind by name: the six templates coordinators fill in and the two reference-data kinds.

A new kind is a ``Kind`` in a module of this package, added to the table below.
"""

from __future__ import annotations

from smartregion.contribute.model import ContributionError, Problem
from smartregion.contribute.spreadsheets import activities, actors, reference
from smartregion.contribute.spreadsheets.reading import Kind

KINDS: dict[str, Kind] = {kind.name: kind for kind in (*actors.KINDS, *activities.KINDS, *reference.KINDS)}
# The templates coordinators fill in (the reference kinds read published files as they are).
TEMPLATE_KINDS: tuple[str, ...] = tuple(kind.name for kind in (*actors.KINDS, *activities.KINDS))


def get_kind(name: str) -> Kind:
    """The kind called ``name``, or a problem listing the kinds there are."""
    if name not in KINDS:
        raise ContributionError(
            [Problem(f"unknown kind {name!r}", fix=f"use one of: {', '.join(sorted(KINDS))} (`smartregion template KIND` shows the columns)")]
        )
    return KINDS[name]
