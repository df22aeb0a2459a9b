"""What ``/browse`` shows, computed from the store: entities of a class, filtered by facets, with counts.

A class's list pages and sorts, and narrows by facets (type, state, district, topic, programme, source
document, year), combinable in the query string (``?state=id/state/brandenburg&topic=...``; one facet
given twice means either value). Counts come from the store, one SPARQL ``GROUP BY`` per facet, and
are kept per store revision for each combination of filters, so that paging, sorting and going back
cost nothing. Sorting and paging happen here, not in the engine: pyoxigraph's ORDER BY over ten
thousand labels takes seconds.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams, State

from smartregion.rdf.ids import ID, ONTOLOGY, SR
from smartregion.rdf.prefixes import DCTERMS, OWL, RDFS, SCHEMA, local_name
from smartregion.store import Store
from smartregion.store.cache import PerRevision
from smartregion.web.problems import Problem
from smartregion.web.rendering import pick, solutions, sparql_iri

T = TypeVar("T")
PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
MEMO = 256  # combinations of class and filters kept per revision

# Each facet: a pattern binding ?v from the entity ?e. Places follow schema:location and the place hierarchy.
FACETS = {
    "type": f"?e a ?v . FILTER(STRSTARTS(STR(?v), \"{SR}\"))",
    "state": f"?e <{SCHEMA}location>?/<{SCHEMA}containedInPlace>* ?v . ?v a <{SR}State> .",
    "district": f"?e <{SCHEMA}location>?/<{SCHEMA}containedInPlace>* ?v . ?v a <{SR}District> .",
    "topic": f"?e <{DCTERMS}subject> ?v .",
    "programme": f"?e <{SR}fundedBy>/<{SR}programme>? ?v . ?v a <{SR}FundingProgramme> .",
    "source": "GRAPH ?v { ?e a ?any }",
    "year": f"?e <{SCHEMA}startDate> ?start . BIND(SUBSTR(STR(?start), 1, 4) AS ?v)",
}
SORTS = ("label", "-label", "date", "-date")
CLASS_COUNTS = f"SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e a ?c FILTER(STRSTARTS(STR(?c), \"{SR}\")) }} GROUP BY ?c"
SUBCLASSES = f"""SELECT ?c ?sub WHERE {{ GRAPH <{ONTOLOGY}> {{
  ?c a <{OWL}Class> . ?sub a <{OWL}Class> ; <{RDFS}subClassOf>* ?c . FILTER(STRSTARTS(STR(?c), "{SR}")) }} }}"""


@dataclass
class _Memo:
    """What one revision has computed: class counts, the subclass table, lists and facets by filters."""

    classes: dict[str, int]
    subclasses: dict[str, set[str]]
    lists: OrderedDict
    facets: OrderedDict
    lock: threading.Lock


def _memo(store: Store, revision: str | None = None) -> _Memo:
    subclasses: dict[str, set[str]] = {}
    for row in solutions(store, SUBCLASSES):
        subclasses.setdefault(row["c"].value, set()).add(row["sub"].value)
    counts = {row["c"].value: int(row["n"].value) for row in solutions(store, CLASS_COUNTS)}
    return _Memo(counts, subclasses, OrderedDict(), OrderedDict(), threading.Lock())


def facet_cache(state: State) -> PerRevision[_Memo]:
    """The app's counts and lists, kept per store revision."""
    cache = getattr(state, "browse", None)
    if cache is None or cache.store is not state.store:
        cache = state.browse = PerRevision(state.store, _memo)
    return cache


def _remember(table: OrderedDict, lock: threading.Lock, key: tuple, compute: Callable[[], T]) -> T:
    with lock:
        if key in table:
            table.move_to_end(key)
            return table[key]
    value = compute()
    with lock:
        table[key] = value
        while len(table) > MEMO:
            table.popitem(last=False)
    return value


# -- the query string -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Filters, sort and page of one request, checked."""

    filters: tuple[tuple[str, tuple[str, ...]], ...]  # (facet, values), sorted
    sort: str
    page: int
    size: int

    @classmethod
    def parse(cls, query: QueryParams) -> Selection:
        filters: dict[str, list[str]] = {}
        sort, page, size = "label", 1, PAGE_SIZE
        for key, value in query.multi_items():
            if key == "sort":
                if value not in SORTS:
                    raise Problem(422, "invalid parameter", f"sort must be one of {', '.join(SORTS)}, not {value!r}",
                                  hint="Use sort=label, sort=-label, sort=date or sort=-date.", parameter="sort")
                sort = value
            elif key in ("page", "size"):
                if not value.isdigit() or int(value) < 1 or (key == "size" and int(value) > MAX_PAGE_SIZE):
                    raise Problem(422, "invalid parameter", f"{key} must be a whole number from 1"
                                  + (f" to {MAX_PAGE_SIZE}" if key == "size" else "") + f", not {value!r}",
                                  hint=f"e.g. {key}=2", parameter=key)
                page, size = (int(value), size) if key == "page" else (page, int(value))
            elif key == "lang":
                continue
            elif key in FACETS:
                filters.setdefault(key, []).append(_facet_value(key, value))
            else:
                raise Problem(422, "invalid parameter", f"unknown parameter {key!r}; facets: {', '.join(FACETS)}",
                              hint="Filter by a facet (e.g. state=id/state/brandenburg), sort=, page= or size=.",
                              parameter=key)
        return cls(tuple(sorted((k, tuple(sorted(set(v)))) for k, v in filters.items())), sort, page, size)

    def query(self, **changes: object) -> str:
        """The query string of this selection with some parts changed (a facet to a tuple of values, or None)."""
        filters = dict(self.filters)
        for key, value in changes.items():
            if key in FACETS:
                if value:
                    filters[key] = value  # type: ignore[assignment]
                else:
                    filters.pop(key, None)
        pairs = [(k, _short(v)) for k, values in sorted(filters.items()) for v in values]
        sort = changes.get("sort", self.sort)
        if sort != "label":
            pairs.append(("sort", str(sort)))
        page = changes.get("page", 1 if changes else self.page)
        if page != 1:
            pairs.append(("page", str(page)))
        if self.size != PAGE_SIZE:
            pairs.append(("size", str(self.size)))
        return "?" + urlencode(pairs) if pairs else "?"


def _short(value: str) -> str:
    return "id/" + value[len(ID):] if value.startswith(ID) else value


def _facet_value(facet: str, value: str) -> str:
    if facet == "year":
        if not re.fullmatch(r"[0-9]{4}", value):
            raise Problem(422, "invalid parameter", f"year must be four digits, not {value!r}", hint="e.g. year=2021",
                          parameter="year")
        return value
    iri = ID + value[3:] if value.startswith("id/") else value
    try:
        sparql_iri(iri)
    except ValueError:
        raise Problem(422, "invalid parameter", f"{facet} must be an IRI or id/kind/slug, not {value[:100]!r}",
                      hint=f"Take the value from a facet link, e.g. {facet}=id/state/brandenburg", parameter=facet) from None
    if not re.match(r"[a-z][a-z0-9+.-]*:", iri):
        raise Problem(422, "invalid parameter", f"{facet} must be an absolute IRI or id/kind/slug, not {value[:100]!r}",
                      hint=f"e.g. {facet}=id/state/brandenburg", parameter=facet)
    return iri


# -- the queries ------------------------------------------------------------------------------------


def _where(types: set[str], filters: tuple[tuple[str, tuple[str, ...]], ...], skip: str | None = None) -> str:
    """The entities of the types that pass every filter (but ``skip``: a facet counts as if it were not set)."""
    parts = ["VALUES ?t { " + " ".join(sparql_iri(t) for t in sorted(types)) + " } ?e a ?t ."]
    for n, (facet, values) in enumerate(filters):
        if facet == skip:
            continue
        if facet == "year":  # the year is computed (BIND), so it is compared, not bound beforehand
            years = ", ".join(f'"{v}"' for v in values)
            inner = f"?e <{SCHEMA}startDate> ?start{n} . FILTER(SUBSTR(STR(?start{n}), 1, 4) IN ({years}))"
        else:
            var = f"?f{n}"
            pattern = FACETS[facet].replace("?v", var).replace("?any", f"?any{n}")
            inner = f"VALUES {var} {{ {' '.join(sparql_iri(v) for v in values)} }} {pattern}"
        parts.append(f"{{ SELECT DISTINCT ?e WHERE {{ {inner} }} }}")
    return "\n".join(parts)


def _list(store: Store, types: set[str], selection: Selection) -> list[dict]:
    rows = solutions(store, f"""SELECT ?e ?label ?date WHERE {{ {{ SELECT DISTINCT ?e WHERE {{ {_where(types, selection.filters)} }} }}
  OPTIONAL {{ ?e <{RDFS}label> ?label }} OPTIONAL {{ ?e <{SCHEMA}startDate> ?date }} }}""")
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row["e"].value, {"iri": row["e"].value, "labels": [], "date": None})
        if "label" in row:
            entry["labels"].append(row["label"])
        if "date" in row:
            entry["date"] = row["date"].value
    return list(found.values())


def _count_query(where: str, pattern: str) -> str:
    """Entities per facet value. The entities come first, in a subquery of their own: left to itself,
    pyoxigraph starts a place path from the places and takes ten times as long at 100k triples."""
    return f"SELECT ?v (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {{ SELECT DISTINCT ?e WHERE {{ {where} }} }} {pattern} }} GROUP BY ?v"


def _facets(store: Store, types: set[str], selection: Selection) -> dict[str, list[tuple[str, int]]]:
    counted = {}
    for facet, pattern in FACETS.items():
        where = _where(types, selection.filters, skip=facet)
        rows = solutions(store, _count_query(where, pattern))
        counted[facet] = sorted(((r["v"].value, int(r["n"].value)) for r in rows if "v" in r), key=lambda vn: (-vn[1], vn[0]))
    return counted


# -- what a page shows ------------------------------------------------------------------------------


def class_iri(memo: _Memo, name: str) -> str:
    iri = SR + name
    if iri not in memo.subclasses:
        known = sorted(local_name(c) for c in memo.subclasses)
        raise Problem(404, "not found", f"the ontology has no class {name!r}; classes: {', '.join(known)}",
                      hint="GET /browse lists the classes with their counts.", known=known)
    return iri


def browse_data(state: State, name: str, selection: Selection, lang: str) -> dict:
    """One page of a class's entities, sorted, and the facets' counts (JSON-ready)."""
    memo = facet_cache(state).get()
    iri = class_iri(memo, name)
    types = memo.subclasses[iri]
    store = state.store
    key = (iri, selection.filters)
    items = _remember(memo.lists, memo.lock, key, lambda: _list(store, types, selection))
    facets = _remember(memo.facets, memo.lock, key, lambda: _facets(store, types, selection))
    labelled = [{"iri": i["iri"], "label": _label(i, lang), "date": i["date"]} for i in items]
    if selection.sort.endswith("date"):
        labelled.sort(key=lambda i: (i["date"] is None, i["date"] or "", i["label"].casefold()), reverse=selection.sort == "-date")
    else:
        labelled.sort(key=lambda i: (i["label"].casefold(), i["iri"]), reverse=selection.sort == "-label")
    start = (selection.page - 1) * selection.size
    return {"class": iri, "name": name, "count": len(labelled), "page": selection.page, "size": selection.size,
            "sort": selection.sort, "filters": {k: list(v) for k, v in selection.filters},
            "items": labelled[start:start + selection.size],
            "facets": {f: [{"value": v, "count": n} for v, n in values] for f, values in facets.items() if values}}


def _label(item: dict, lang: str) -> str:
    chosen = pick(item["labels"], lang)
    return chosen.value if chosen is not None else local_name(item["iri"])


ACTOR = SR + "Actor"


def overview(state: State) -> dict[str, list[tuple[str, int]]]:
    """Entities per class and actors per state, largest first: the home page's overview, kept per revision."""
    memo = facet_cache(state).get()
    types = memo.subclasses.get(ACTOR, {ACTOR})
    no_filters = Selection((), "label", 1, 1)

    def per_state() -> list[tuple[str, int]]:
        rows = solutions(state.store, _count_query(_where(types, ()), FACETS["state"]))
        return sorted(((r["v"].value, int(r["n"].value)) for r in rows if "v" in r), key=lambda vn: (-vn[1], vn[0]))

    states = _remember(memo.facets, memo.lock, ("overview", no_filters.filters), per_state)
    classes = sorted(memo.classes.items(), key=lambda cn: (-cn[1], cn[0]))
    return {"classes": classes, "states": states}
