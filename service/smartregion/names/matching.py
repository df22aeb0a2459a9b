"""Finding existing entities for what a spreadsheet cell names: an IRI, an official key or a name.

An import must never duplicate what the store knows, and must never guess. So a name matches only
exactly — a label or alias (``rdfs:label``, ``skos:altLabel``, ``skos:prefLabel``), ignoring case,
accents, umlaut spelling (``ü`` = ``ue``), spacing, punctuation and brackets ("Heimatoffice" is
"Heim[at]Office"), but not fuzzily; where no name is written so, a declined form of one counts
("des Netzwerks Smart City Berlin", ``names.inflection``) — and a name that fits several
entities is reported with every candidate instead of picking one. Official keys (AGS, ARS, district
and state keys) match exactly. For a name that matches nothing, :meth:`Matcher.similar` offers the
closest names (rapidfuzz), for the person to choose from: ``Cottbus`` → ``Cottbus/Chóśebuz``.

The index is read with four SPARQL queries once per store revision (and cached until the next write),
so it works with both store backends and stays fast with the ~11,000 municipalities of the
reference data.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from smartregion.rdf.ids import ID, SR
from smartregion.rdf.prefixes import shorten
from smartregion.names.inflection import readings
from smartregion.rdf.text import fold, joined, spell_out_umlauts
from smartregion.store import Store

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
KEY_PROPERTIES = (SR + "ags", SR + "ars", SR + "districtKey", SR + "stateKey")
SIMILAR_CUTOFF = 80  # rapidfuzz WRatio (0–100) a name needs to be offered as a candidate
SIMILAR_LIMIT = 5


def normalise(text: str) -> str:
    """The key a name is matched by: folded (case, accents, punctuation do not count), umlauts spelled out."""
    return fold(spell_out_umlauts(text))


def name_keys(text: str) -> set[str]:
    """Every key a stated name is found by: punctuation inside a word splitting it, or joining its parts."""
    spelled = spell_out_umlauts(text)
    return {fold(spelled), joined(spelled)}


@dataclass(frozen=True)
class Candidate:
    iri: str
    label: str
    types: frozenset[str]  # asserted types and all their super-classes


@dataclass(frozen=True)
class Match:
    """The outcome of a lookup: exactly one ``found``, or ``candidates`` (none = unknown, several = ambiguous)."""

    found: Candidate | None
    candidates: tuple[Candidate, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


@dataclass
class _Index:
    """Everything a lookup needs, read from one store revision."""

    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # normalised name → IRIs
    keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # official key → IRIs
    labels: dict[str, str] = field(default_factory=dict)  # IRI → a label, German preferred
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # IRI → asserted types
    superclasses: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    subjects: set[str] = field(default_factory=set)
    name_list: list[str] = field(default_factory=list)  # the keys of ``names``: rapidfuzz scans a list fastest


# One index per store and revision: a server that imports again and again reads it once per write.
_CACHE: dict[str, tuple[str, _Index]] = {}


def _rows(store: Store, query: str) -> Iterable[dict[str, str]]:
    # CSV results: several times faster to read than select()'s dictionaries for ~50,000 labels.
    return csv.DictReader(io.StringIO(store.query_bytes(query, "text/csv").decode("utf-8")))


def _read_index(store: Store) -> _Index:
    index = _Index()
    for row in _rows(store, "SELECT ?c ?sup WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?sup FILTER(isIRI(?sup)) }"):
        index.superclasses[row["c"]].add(row["sup"])
    query = f"""SELECT ?s ?p ?name (LANG(?name) AS ?lang) WHERE {{
        VALUES ?p {{ <{RDFS_LABEL}> <{SKOS}prefLabel> <{SKOS}altLabel> }} ?s ?p ?name FILTER(STRSTARTS(STR(?s), "{ID}")) }}"""
    ranks: dict[str, tuple[bool, bool]] = {}
    for row in _rows(store, query):
        for key in name_keys(row["name"]):
            index.names[key].add(row["s"])
        # The label shown: a label before an alias ("Cottbus/Chóśebuz", not "Cottbus/Chóśebuz, Stadt"), German first.
        rank = (row["p"] == SKOS + "altLabel", row["lang"] != "de")
        if row["s"] not in ranks or rank < ranks[row["s"]]:
            ranks[row["s"]], index.labels[row["s"]] = rank, row["name"]
    keys = " ".join(f"<{p}>" for p in KEY_PROPERTIES)
    for row in _rows(store, f"SELECT ?s ?key WHERE {{ VALUES ?p {{ {keys} }} ?s ?p ?key }}"):
        index.keys[row["key"].strip()].add(row["s"])
    for row in _rows(store, f'SELECT DISTINCT ?s ?t WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "{ID}")) }}'):
        index.types[row["s"]].add(row["t"])
    index.subjects = set(index.types) | set(index.labels)
    index.name_list = sorted(index.names)
    return index


class Matcher:
    """Looks names, keys and IRIs up in one store (or in nothing, for a file-only import)."""

    def __init__(self, store: Store | None):
        self.store = store
        self._index: _Index | None = None

    @property
    def index(self) -> _Index:
        if self._index is None:
            self._index = self._cached_index()
        return self._index

    def _cached_index(self) -> _Index:
        if self.store is None:
            return _Index()
        identity = str(getattr(self.store, "path", None) or getattr(self.store, "endpoint", id(self.store)))
        revision = self.store.revision()
        cached = _CACHE.get(identity)
        if cached is None or cached[0] != revision:
            _CACHE.clear()  # one store per process is the rule; do not let old indexes pile up
            cached = _CACHE[identity] = (revision, _read_index(self.store))
        return cached[1]

    # asking

    def exists(self, iri: str) -> bool:
        """Whether the store says anything about the IRI (as subject)."""
        if iri in self.index.subjects:
            return True
        if self.store is None or not iri.startswith(("http://", "https://")):
            return False
        return self.store.ask(f"ASK {{ <{iri}> ?p ?o }}")

    def is_used(self, iri: str) -> bool:
        """Whether the IRI occurs anywhere in the store: a new entity must not take it."""
        return self.exists(iri) or (self.store is not None and self.store.ask(f"ASK {{ ?s ?p <{iri}> }}"))

    def candidate(self, iri: str) -> Candidate:
        return Candidate(iri, self.index.labels.get(iri, iri.rsplit("/", 1)[-1]), frozenset(self.types(iri)))

    def types(self, iri: str) -> set[str]:
        """Asserted types with every super-class (the ontology's ``rdfs:subClassOf``)."""
        asserted = self.index.types.get(iri, set())
        return asserted | {sup for t in asserted for sup in self.index.superclasses.get(t, ())}

    def asserted(self, iri: str) -> set[str]:
        """The types the store states, without super-classes."""
        return set(self.index.types.get(iri, set()))

    def superclasses(self, cls: str) -> set[str]:
        return set(self.index.superclasses.get(cls, set()))

    def values(self, iri: str, predicate: str) -> set[str]:
        """The stored values of one property of one entity, as text (for conflict checks)."""
        if self.store is None:
            return set()
        return {r["o"] for r in self.store.select(f"SELECT DISTINCT ?o WHERE {{ <{iri}> <{predicate}> ?o }}")}

    def names_within(self, namespace: str) -> set[str]:
        """The slugs of the entities in a folder, e.g. every topic: for "use one of" hints."""
        return {iri[len(namespace) :] for iri in self.index.labels if iri.startswith(namespace)}

    def label(self, iri: str) -> str | None:
        return self.index.labels.get(iri)

    def by_name(self, name: str, classes: Iterable[str] = (), *, within: str = ID) -> Match:
        """Entities whose label or alias is ``name`` (normalised), of one of ``classes`` if given,
        with an IRI starting with ``within`` (e.g. a vocabulary folder)."""
        names = self.index.names
        found = set().union(*(names.get(key, set()) for key in name_keys(name)))
        if not self._pick(found, classes, within).candidates:
            found = set().union(*(names.get(reading, set()) for reading in readings(normalise(name))[1:]))
        return self._pick(found, classes, within)

    def by_key(self, key: str, classes: Iterable[str] = ()) -> Match:
        """Entities with this official key (AGS, ARS, district key, state key)."""
        return self._pick(self.index.keys.get(key.strip(), set()), classes, ID)

    def similar(self, name: str, classes: Iterable[str] = (), *, within: str = ID, limit: int = SIMILAR_LIMIT) -> tuple[Candidate, ...]:
        """The entities (of ``classes``, under ``within``) whose names come closest to ``name``, best first.

        WRatio weighs a name contained in a longer one (``Cottbus`` in ``Cottbus/Chóśebuz``) as well as
        small typos (``Potsdamm``); names below SIMILAR_CUTOFF are no candidates.
        """
        wanted, found = set(classes), {}
        # More names than wanted: the class filter drops some; an entity's several names count once.
        for key, _score, _ in process.extract(normalise(name), self.index.name_list, scorer=fuzz.WRatio,
                                              limit=limit * 20, score_cutoff=SIMILAR_CUTOFF):
            for iri in sorted(self.index.names[key]):
                if iri.startswith(within) and (not wanted or self.types(iri) & wanted) and iri not in found:
                    found[iri] = self.candidate(iri)
            if len(found) >= limit:
                break
        return tuple(found.values())[:limit]

    def _pick(self, iris: set[str], classes: Iterable[str], within: str) -> Match:
        wanted = set(classes)
        found = sorted(i for i in iris if i.startswith(within) and (not wanted or self.types(i) & wanted))
        candidates = tuple(self.candidate(i) for i in found)
        return Match(candidates[0] if len(candidates) == 1 else None, candidates)


def describe(candidates: Iterable[Candidate], separator: str = "; ") -> str:
    """Candidates for a message: IRI, label and types, one after the other."""
    return separator.join(f"<{c.iri}> “{c.label}” ({', '.join(sorted(shorten(t) for t in c.types if t.startswith(SR)))})" for c in candidates)

