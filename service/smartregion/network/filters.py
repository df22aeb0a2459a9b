"""Parameters of network questions: actors and regions named by IRI or label, dates, and the filtered view.

A filter (evidence kind, period, region, actor type) makes a view of the cached network; a period
keeps evidence whose date overlaps it and drops undated evidence.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from smartregion.names.search import LEVELS, PLACE_KINDS
from smartregion.network.projection import (
    ACTOR_TYPES,
    KINDS,
    BadParameter,
    Snapshot,
    UnknownEntity,
    edge_data,
)
from smartregion.rdf.ids import ID

# -- resolving parameters -----------------------------------------------------------------------


def _as_iri(value: str) -> str:
    return ID + value[3:] if value.startswith("id/") else value


def resolve_actor(snap: Snapshot, value: str, parameter: str = "iri") -> str:
    """An actor IRI from an IRI, ``id/kind/slug`` or a label/alias (the best unambiguous match)."""
    value = value.strip()
    iri = _as_iri(value)
    if iri in snap.actors:
        return iri
    if re.match(r"^[a-z][a-z0-9+.-]*:", value):
        raise UnknownEntity(parameter, f"no actor with the IRI <{value}>; search for its name instead")
    # A label must match from its start: a word somewhere inside a name is too weak to act on.
    hits = [h for h in snap.index.search(value, types=["actor"], limit=5) if h["match"] in ("exact", "prefix")]
    if not hits:
        raise UnknownEntity(parameter, f"no actor's name or abbreviation starts with '{value}'; search for a part "
                                       "of the name, or give the IRI")
    best = [h for h in hits if h["match"] == hits[0]["match"]]
    if len(best) > 1 and hits[0]["match"] != "exact":
        names = "; ".join(f"{h['label']} <{h['iri']}>" for h in best)
        raise UnknownEntity(parameter, f"'{value}' is ambiguous ({names}); give the IRI")
    return hits[0]["iri"]


def resolve_region(snap: Snapshot, value: str, parameter: str = "region") -> str:
    """A place IRI from an IRI or a label like "Brandenburg" (states before districts before towns)."""
    iri = _as_iri(value.strip())
    known = {place for actor in snap.actors.values() for place in actor.within}
    if iri in known or (iri in snap.index and snap.index.entries[iri].kind in PLACE_KINDS):
        return iri
    hits = snap.index.search(value, types=[*PLACE_KINDS, "territorial-authority"], limit=50)
    if not hits:
        raise UnknownEntity(parameter, f"no state or region is called '{value}'")
    order = {kind: i for i, kind in enumerate(("state", "region", "district", "municipality", "country", "place"))}
    hits.sort(key=lambda h: (-LEVELS[h["match"]], order.get(h["type"], len(order))))
    return hits[0]["iri"]


def parse_date(value: str | None, parameter: str, end: bool) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the first (or last) day it covers."""
    if value is None or value == "":
        return None
    try:
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise ValueError(value)
        datetime.date.fromisoformat(_span(value)[0])
    except ValueError:
        raise BadParameter(parameter, f"'{value}' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD") from None
    return _span(value)[1 if end else 0]


def _span(date: str) -> tuple[str, str]:
    day = date[:10]
    if len(day) == 4:
        return day + "-01-01", day + "-12-31"
    if len(day) == 7:
        return day + "-01", day + "-31"
    return day, day


# -- filtering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Which evidence and which actors a view keeps; the empty filter keeps everything."""

    kinds: frozenset[str] = frozenset()
    since: str | None = None
    until: str | None = None
    region: str | None = None
    types: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, snap: Snapshot, kinds: Iterable[str] = (), since: str | None = None, until: str | None = None,
              region: str | None = None, types: Iterable[str] = ()) -> Filter:
        kinds, types = frozenset(kinds), frozenset(t.lower() for t in types)
        if bad := kinds - set(KINDS):
            raise BadParameter("kind", f"unknown evidence kind {sorted(bad)}; use one of {list(KINDS)}")
        if bad := types - set(ACTOR_TYPES):
            raise BadParameter("type", f"unknown actor type {sorted(bad)}; use one of {sorted(set(ACTOR_TYPES))}")
        first, last = parse_date(since, "since", end=False), parse_date(until, "until", end=True)
        if first and last and first > last:
            raise BadParameter("until", f"the period ends ({until}) before it starts ({since})")
        place = resolve_region(snap, region) if region else None
        return cls(kinds, first, last, place, types)

    def keeps_evidence(self, item: dict) -> bool:
        if self.kinds and item["kind"] not in self.kinds:
            return False
        if self.since or self.until:
            if not item.get("date"):
                return False
            start, end = _span(item["date"])
            return (not self.since or end >= self.since) and (not self.until or start <= self.until)
        return True

    def keeps_actor(self, data: Mapping) -> bool:
        if self.types and not self.types & {data["type"].lower(), data["group"]}:
            return False
        return not self.region or self.region in data["within"]

    def __bool__(self) -> bool:
        return bool(self.kinds or self.since or self.until or self.region or self.types)


def view(graph: nx.Graph, flt: Filter, keep: Iterable[str] = ()) -> nx.Graph:
    """The part of the network a filter keeps: links with evidence left, between actors it keeps.

    Actors in ``keep`` stay whatever their type or place (the actor a question is about).
    """
    if not flt:
        return graph
    keep = set(keep)
    nodes = {n for n, data in graph.nodes(data=True) if n in keep or flt.keeps_actor(data)}
    out = nx.Graph()
    for a, b, data in graph.edges(data=True):
        if a in nodes and b in nodes:
            evidence = [e for e in data["evidence"] if flt.keeps_evidence(e)]
            if evidence:
                out.add_node(a, **graph.nodes[a])
                out.add_node(b, **graph.nodes[b])
                out.add_edge(a, b, **edge_data(evidence))
    for node in keep & set(graph):
        out.add_node(node, **graph.nodes[node])
    return out


