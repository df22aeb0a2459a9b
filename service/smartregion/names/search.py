"""Entity search by label and alias: accent- and case-insensitive, ranked exact > prefix > word > substring.

SPARQL engines differ in how (and whether) they fold accents, so the names are fetched once per
store revision through SPARQL and matched here in Python. The index is its own component, kept per
revision (``store.cache.PerRevision``) apart from the network, so search never waits for a projection;
the network takes its labels from it.

A name is compared in several spellings, so that both "Dorfer" and "Doerfer" find "Dörfer" (diacritics
dropped, umlauts spelled out) and "Heimatoffice" finds "Heim[at]Office" (punctuation inside a word
joining its parts, ``rdf.text.spellings``). A query that is a declined form of a name, word for word,
finds it too ("des Netzwerks Smart City Berlin", ``names.inflection``), ranked just below exact.
"""

from __future__ import annotations

from bisect import bisect_right
from os.path import commonprefix
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Protocol

from smartregion.names.inflection import base_forms, inflected_match, without_articles
from smartregion.rdf.ids import ID, SR
from smartregion.rdf.prefixes import local_name
from smartregion.rdf.text import spellings


class Selecting(Protocol):
    def select(self, query: str) -> list[dict[str, str]]: ...


# Match levels, best first; "words" = every word of the query starts a word of the name.
LEVELS = {"exact": 6, "inflected": 5, "prefix": 4, "word": 3, "words": 2, "substring": 1}

# The actor classes of the model contract (ontology/README.md), by broad group. A ``type`` filter
# may name a group, a class (any case) or an IRI's kind segment.
ACTOR_GROUPS = {
    "person": frozenset({"Person"}),
    "organisation": frozenset({
        "Organisation", "PublicAgency", "Ministry", "EconomicDevelopmentAgency", "Company", "Association",
        "ResearchInstitute", "Initiative", "OrganisationalUnit",
    }),
    "territorial-authority": frozenset({"TerritorialAuthority", "Municipality", "District", "State"}),
}
ACTOR_CLASSES = frozenset({"Actor"}).union(*ACTOR_GROUPS.values())
PLACE_KINDS = ("state", "district", "municipality", "region", "country", "place")

# Every label and every type in the store. Callers keep the subjects they want (``in_id_space``):
# in Python that costs next to nothing, as a STRSTARTS filter it doubled the time at a million triples.
LABEL_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?name ?lang ?which WHERE {
  { ?s rdfs:label ?name BIND("label" AS ?which) }
  UNION
  { ?s skos:altLabel ?name BIND("alt" AS ?which) }
  BIND(LANG(?name) AS ?lang)
}
"""

TYPE_QUERY = """
SELECT DISTINCT ?s ?cls WHERE { ?s a ?cls }
"""
SUBJECTS_QUERY = """
SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }
"""
MAX_PATCHED = 20_000  # subjects of added graphs above which the index is made anew instead


def restricted(query: str, variable: str, iris: Iterable[str], *, before: str | None = None) -> str:
    """``query`` with ``?variable`` bound to these IRIs: a VALUES block opening its WHERE clause, or put
    in front of every ``before`` (each branch of a UNION: Oxigraph joins a VALUES outside it last)."""
    values = f"VALUES ?{variable} {{ {' '.join(f'<{iri}>' for iri in sorted(iris))} }}"
    if before:
        return query.replace(before, f"{values}\n    {before}")
    head, brace, body = query.partition("WHERE {")
    return f"{head}{brace}\n  {values}{body}"

def match_level(query: str, name: str) -> int:
    """How well a folded query matches a folded name (0 = not at all), see ``LEVELS``."""
    if name == query:
        return LEVELS["exact"]
    if inflected_match(query, name):
        return LEVELS["inflected"]
    if name.startswith(query):
        return LEVELS["prefix"]
    padded = f" {name}"
    if f" {query}" in padded:
        return LEVELS["word"]
    words = name.split()
    if all(any(w.startswith(q) for w in words) for q in query.split()):
        return LEVELS["words"]
    if query in name:
        return LEVELS["substring"]
    return 0


def in_id_space(row: Mapping[str, str]) -> bool:
    """The row's subject is one of our entities (``id/``), not a class, shape, source or blank node."""
    return row["s"].startswith(ID)


def iri_kind(iri: str) -> str | None:
    """The ``{kind}`` segment of ``id/{kind}/{slug}``, or None for IRIs outside that scheme."""
    if not iri.startswith(ID):
        return None
    head, _, rest = iri[len(ID) :].partition("/")
    return head if rest else None


def preferred_labels(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """One display label per entity: rdfs:label @de, then @en, then untagged, then any alias."""

    def rank(row: Mapping[str, str]) -> tuple[int, int, str]:
        lang = (row.get("lang") or "").lower()
        return (0 if row.get("which") == "label" else 1, {"de": 0, "en": 1, "": 2}.get(lang, 3), row["name"])

    best: dict[str, tuple[tuple[int, int, str], str]] = {}
    for row in rows:
        key = rank(row)
        if row["s"] not in best or key < best[row["s"]][0]:
            best[row["s"]] = (key, row["name"])
    return {iri: name for iri, (_, name) in best.items()}


@dataclass
class Entry:
    iri: str
    label: str
    kind: str | None
    classes: frozenset[str]
    names: list[tuple[str, set[str]]] = field(default_factory=list)

    def types(self) -> set[str]:
        """Everything a ``type`` filter may name for this entity, lower-cased."""
        found = {c.lower() for c in self.classes}
        if self.kind:
            found.add(self.kind)
        for group, members in ACTOR_GROUPS.items():
            if self.classes & members:
                found.add(group)
        if self.classes & ACTOR_CLASSES:
            found.add("actor")
        return found

    def as_json(self, level: int, matched: str) -> dict:
        return {
            "iri": self.iri,
            "label": self.label,
            "type": self.kind or (sorted(self.classes)[0] if self.classes else None),
            "classes": sorted(self.classes),
            "matched": matched,
            "match": next(k for k, v in LEVELS.items() if v == level),
        }


class SearchIndex:
    """Names of every entity in the ``id/`` namespace, folded for matching."""

    @classmethod
    def from_store(cls, store: Selecting, revision: str | None = None) -> SearchIndex:
        """The index of the store as it is now (``revision`` only names it, for :class:`PerRevision`)."""
        return cls(store.select(LABEL_QUERY), store.select(TYPE_QUERY))

    def __init__(self, label_rows: Iterable[Mapping[str, str]], type_rows: Iterable[Mapping[str, str]]):
        label_rows = list(filter(in_id_space, label_rows))
        classes: dict[str, set[str]] = {}
        for row in filter(in_id_space, type_rows):
            # Only our own vocabulary names types a user would ask for ("Ministry", "Municipality").
            if row["cls"].startswith(SR):
                classes.setdefault(row["s"], set()).add(local_name(row["cls"]))
        labels = preferred_labels(label_rows)
        self.entries: dict[str, Entry] = {
            iri: Entry(iri, label, iri_kind(iri), frozenset(classes.get(iri, ()))) for iri, label in labels.items()
        }
        for row in label_rows:
            names = self.entries[row["s"]].names
            if all(name != row["name"] for name, _ in names):
                names.append((row["name"], spellings(row["name"])))
        self._index_names()

    def patched(self, store: Selecting, graphs: Iterable[str]) -> SearchIndex | None:
        """The index after these graphs were added: the entries of their subjects asked for again (None: too many)."""
        subjects = {row["s"] for row in store.select(restricted(SUBJECTS_QUERY, "g", graphs)) if in_id_space(row)}
        if len(subjects) > MAX_PATCHED:
            return None
        fresh = SearchIndex(store.select(restricted(LABEL_QUERY, "s", subjects)), store.select(restricted(TYPE_QUERY, "s", subjects)))
        index = SearchIndex.__new__(SearchIndex)
        if subjects & self.entries.keys():  # names of known entities change: index every name again
            index.entries = {iri: entry for iri, entry in self.entries.items() if iri not in subjects} | fresh.entries
            index._index_names()
            return index
        # Only new entities: their names are appended to the text (a million triples: 10 ms, not seconds).
        index.entries = self.entries | fresh.entries
        index._ordered = self._ordered + fresh._ordered
        offset, end = len(self._ordered), len(self._text) + 1 if self._starts else 0
        index._text = "\n".join(text for text in (self._text, fresh._text) if text) if fresh._starts else self._text
        index._owners = self._owners + [offset + i for i in fresh._owners]
        index._starts = self._starts + [end + start for start in fresh._starts]
        return index

    def _index_names(self) -> None:
        # Every folded name in one text, for str.find: a name can only match if it contains each word of
        # the query, so a scan of this text in C leaves the Python loop just the entries that might.
        self._ordered = list(self.entries.values())
        forms = [(i, form) for i, entry in enumerate(self._ordered) for _, fs in entry.names for form in fs]
        self._text = "\n".join(form for _, form in forms)
        self._owners = [i for i, _ in forms]
        self._starts = list(accumulate((len(form) + 1 for _, form in forms[:-1]), initial=0))

    def __contains__(self, iri: str) -> bool:
        return iri in self.entries

    def label(self, iri: str) -> str:
        entry = self.entries.get(iri)
        return entry.label if entry else local_name(iri)

    def _candidates(self, folded: set[str]) -> list[Entry]:
        """The entries with a name that contains the longest word of one of the query's spellings, in index order."""
        found: set[int] = set()
        for query in folded:
            longest = max(without_articles(query.split()), key=len, default="")
            # (any declension: where the word stands in a name is not known yet)
            # What every form the word may stand for begins with ("netzwerks" → "netzwerk"): declined names are candidates too.
            needle = commonprefix(sorted(base_forms(longest, last=False)))
            if not needle or "\n" in needle:
                return self._ordered
            at = self._text.find(needle)
            while at != -1:
                form = bisect_right(self._starts, at) - 1
                found.add(self._owners[form])
                following = form + 1
                at = self._text.find(needle, self._starts[following]) if following < len(self._starts) else -1
        return [self._ordered[i] for i in sorted(found)]

    def search(self, query: str, types: Iterable[str] = (), limit: int = 20) -> list[dict]:
        """Entities whose label or alias matches, best match first; ties go to the shorter name."""
        wanted = {t.lower() for t in types}
        folded = spellings(query)
        hits: list[tuple[int, int, str, Entry, str]] = []
        for entry in self._candidates(folded):
            if wanted and not (wanted & entry.types()):
                continue
            best: tuple[int, str] | None = None
            for name, forms in entry.names:
                level = max((match_level(q, f) for q in folded for f in forms), default=0)
                if level and (best is None or level > best[0] or (level == best[0] and len(name) < len(best[1]))):
                    best = (level, name)
            if best:
                hits.append((-best[0], len(best[1]), entry.label.casefold(), entry, best[1]))
        hits.sort(key=lambda h: h[:3])
        return [entry.as_json(-neg, matched) for neg, _, _, entry, matched in hits[:limit]]
