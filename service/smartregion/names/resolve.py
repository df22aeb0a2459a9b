"""An entity named the way people name it: its IRI, ``id/kind/slug``, an official key, a name or an abbreviation.

Names are matched as the network API matches actors (``network.filters.resolve_actor``): through the
search index, from the start of a name, exact before prefix. Official keys (AGS, ARS, district and
state keys) are looked up in the store. A name that fits several entities equally well is not
guessed: :class:`AmbiguousName` lists the candidates, so the caller can choose one by IRI.
"""

from __future__ import annotations

import re

from smartregion.errors import SmartregionError
from smartregion.names.search import Selecting, SearchIndex
from smartregion.rdf.ids import ID, SR

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_KEY = re.compile(r"[0-9]{2,12}")
CANDIDATES_SHOWN = 10
KEY_QUERY = """SELECT DISTINCT ?s WHERE {{ VALUES ?p {{ <{sr}ags> <{sr}ars> <{sr}districtKey> <{sr}stateKey> }} ?s ?p "{key}" }}"""


class AmbiguousName(SmartregionError):
    """A name fits several entities equally well (HTTP 400); ``candidates`` lists them."""

    status, title = 400, "ambiguous name"

    def __init__(self, parameter: str, value: str, candidates: list[dict]):
        shown = "; ".join(f"{c['label']} <{c['iri']}>" for c in candidates)
        super().__init__(f"parameter {parameter!r}: '{value}' names {len(candidates)} entities: {shown}")
        self.parameter = parameter
        self.candidates = candidates
        self.hint = f"Give the IRI of the one you mean, e.g. {parameter}={candidates[0]['iri']}"

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"parameter": self.parameter, "candidates": self.candidates}


class UnknownName(SmartregionError, LookupError):
    """Nothing the graph knows has this name or key (HTTP 422, as any parameter the question cannot use)."""

    status, title = 422, "invalid parameter"

    def __init__(self, parameter: str, value: str):
        super().__init__(f"parameter {parameter!r}: no entity's name, abbreviation or official key is '{value}'")
        self.parameter = parameter
        self.hint = "Search for a part of the name (GET /api/search?q=...), or give the IRI."

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"parameter": self.parameter}


def is_iri(value: str) -> bool:
    return bool(_SCHEME.match(value))


def resolve_entity(index: SearchIndex, store: Selecting, value: str, parameter: str) -> str:
    """The IRI ``value`` names; an absolute IRI is returned as it is (the question decides what it finds)."""
    value = value.strip()
    if value.startswith("id/"):
        return ID + value[3:]
    if is_iri(value):
        return value
    if _KEY.fullmatch(value):
        found = sorted(row["s"] for row in store.select(KEY_QUERY.format(sr=SR, key=value)))
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousName(parameter, value, [_candidate(index, iri) for iri in found[:CANDIDATES_SHOWN]])
    # A name must match from its start: a word somewhere inside a name is too weak to act on.
    hits = [h for h in index.search(value, limit=CANDIDATES_SHOWN) if h["match"] in ("exact", "prefix")]
    if not hits:
        raise UnknownName(parameter, value)
    best = [h for h in hits if h["match"] == hits[0]["match"]]
    if len(best) > 1:
        raise AmbiguousName(parameter, value, [{"iri": h["iri"], "label": h["label"], "type": h["type"]} for h in best])
    return best[0]["iri"]


def _candidate(index: SearchIndex, iri: str) -> dict:
    entry = index.entries.get(iri)
    return {"iri": iri, "label": index.label(iri), "type": entry.kind if entry else None}
