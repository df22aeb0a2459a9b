"""Text linking: find the known actors, places, programmes, projects and events named in a German text.

The first step of adding a new announcement: which entities of the graph does it mention, and where
(character offsets into the text, end exclusive). Names are every ``rdfs:label`` and ``skos:altLabel``
of an entity in ``id/`` of the kinds in ``KINDS``, fetched from the store by SPARQL (so both backends
work) and compiled once per store revision into a trie over words.

Matching rules (each is tested in ``tests/test_mentions.py``):

- Words, not substrings: a name matches whole words only, so "Olpe" is not found in "Olper" and
  derived adjectives ("Brandenburger Kommunen", "Berliner Straße") are not mentions of the place.
  A name inside a hyphenated compound is a mention ("KfW-Förderung" mentions the KfW).
- Inflection: any word of a name may carry a genitive -s ("Brandenburgs", "Neuland21s", "Bremens")
  or, after a consonant, -es ("des Landkreises Rostock"), a dative/plural -n after -e ("den
  Modellprojekten Smart Cities") or -en after a consonant; an apostrophe genitive ("Neuland21's",
  "Mainz'") is taken into the span. One-word place names take only the -s, so "Hallen" is not Halle.
  A word of a name before its last may be declined like an adjective ("des Niedersächsischen
  Ministeriums" for "Niedersächsisches Ministerium"); the endings are those of ``names.inflection``.
- Case: short abbreviations (at most five letters, more than one capital: "WFBB", "KfW", "BMWi")
  match only as written; a capitalised word of a name needs a capital in the text ("Essen" never
  matches the verb "essen"); lower-case words of a name ("für", "und") match in either case.
- Leftmost longest: "Brandenburg an der Havel" wins over "Brandenburg", "Landkreis Rostock" over
  "Rostock", "Potsdam-Mittelmark" over "Potsdam".
- Short forms: a municipality or district is also found by its name without a qualifier in brackets,
  after a slash or after "am/an der/im/..." ("Halle" for "Halle (Saale)", "Frankfurt" for "Frankfurt
  am Main", "Cottbus" for "Cottbus/Chóśebuz"); such a match ranks below an exact one.
- Flooding: the graph holds all 10,981 German municipalities, and many are also ordinary words
  ("Essen", "Weil", "Wald", "Lage", "Regen"). A one-word name of a municipality or district counts
  only (a) after a place cue ("in", "nach", "aus", "von", "Stadt", "Gemeinde", "Landkreis", ...; or
  in an enumeration continuing a cued place: "in Arnsberg, Olpe und Soest"), or (b) if it is not in
  ``COMMON_WORDS`` and the place either is used by a non-reference source of the graph (the seed
  documents, contributions) or has at least ``BARE_NAME_MIN_INHABITANTS`` inhabitants. Names of two
  or more words ("Bad Belzig", "Landkreis Kusel") and all other kinds of entity need no cue.
- Ambiguity: where several entities share the matched name, all are kept as candidates, best first:
  the one the cue asks for (a "Landkreis" cue: the district), a place the graph's sources use before
  one only listed in reference data (so "Halle" is Halle (Saale) once a source names it), an exact
  name before a short form, a municipality before a state before a district, more inhabitants first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from smartregion.names.inflection import SUFFIXES, adjective_forms
from smartregion.names.search import LABEL_QUERY, iri_kind, preferred_labels
from smartregion.rdf.ids import ID, SR
from smartregion.rdf.prefixes import local_name
from smartregion.store import Store

KINDS = frozenset({
    "person", "organisation", "municipality", "district", "state", "country", "region", "place",
    "programme", "cohort", "project", "event",
})
TERRITORIAL_KINDS = frozenset({"municipality", "district"})  # the kinds the flooding rule applies to
BARE_NAME_MIN_INHABITANTS = 50_000

# One-word names of large municipalities or districts that are also everyday German words or common
# surnames; they count only after a place cue. (Small places need a cue anyway, see the docstring.)
COMMON_WORDS = frozenset({
    "Berg", "Börde", "Essen", "Halle", "Harz", "Hof", "Leer", "Lippe", "Münster", "Regen", "Roth", "Wald", "Weil",
})
# A preposition or designation right before a place name; a district cue prefers districts.
MUNICIPALITY_CUES = frozenset({
    "stadt", "gemeinde", "kommune", "hansestadt", "landeshauptstadt", "kreisstadt", "universitätsstadt",
    "ortsgemeinde", "marktgemeinde", "markt", "großstadt", "kleinstadt",
})
DISTRICT_CUES = frozenset({"landkreis", "landkreises", "kreis", "kreises"})
PREPOSITION_CUES = frozenset({"in", "nach", "aus", "von"})
ENUMERATION_WORDS = frozenset({"und", "sowie", "oder", "bzw"})
_KIND_ORDER = {"municipality": 0, "state": 1, "district": 2}
PLACE_KINDS = frozenset({"municipality", "district", "state", "country", "region"})  # an enumeration continues after these

_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")
_APOSTROPHES = "'’"
_SHORT_FORM = re.compile(r"\s*\(|/|\s+(?:am|an der|an den|im|in der|in|ob der|bei)\s|\s+(?:[a-z]\.){1,2}\s?")
_ADJECTIVE = "~"  # marks a word matched as another declension of an adjective, not by a suffix

LOOKUP_QUERY = f"""
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sr: <{SR}>
SELECT ?s ?cls ?inhabitants ?known WHERE {{
  {{ ?s a ?cls FILTER(STRSTARTS(STR(?cls), "{SR}") && ?cls != sr:Observation) }}
  UNION {{ ?observation sr:observationOf ?s ; sr:inhabitants ?inhabitants }}
  UNION {{
    SELECT DISTINCT ?s ("1" AS ?known) WHERE {{
      ?s dcterms:source ?src
      FILTER NOT EXISTS {{ ?src dcterms:type <{ID}document-kind/reference-data> }}
    }}
  }}
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}"))
}}
"""


# --- the index --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    iri: str
    label: str
    kind: str
    classes: tuple[str, ...]
    inhabitants: int
    known: bool  # described by a source that is not reference data

    def as_json(self) -> dict:
        return {"iri": self.iri, "label": self.label, "kind": self.kind, "classes": list(self.classes)}


@dataclass(frozen=True)
class Name:
    """One way an entity is written: its words, the separators between them, and a closing remainder."""

    text: str
    words: tuple[str, ...]
    gaps: tuple[str, ...]  # len(words) - 1 separators, whitespace collapsed
    tail: str  # what must follow the last word, e.g. ")" of "Halle (Saale)"
    entity: Entity
    short_form: bool  # derived by dropping a qualifier, not stated in the graph

    @property
    def bare_place(self) -> bool:
        """A one-word name of a municipality or district: the flooding rule applies."""
        return len(self.words) == 1 and self.entity.kind in TERRITORIAL_KINDS


def _name(text: str, entity: Entity, short_form: bool = False) -> Name | None:
    words = list(_WORD.finditer(text))
    if not words:
        return None
    gaps = tuple(_SPACE.sub(" ", text[a.end() : b.start()]) for a, b in zip(words, words[1:]))
    tail = text[words[-1].end() :].strip()
    # A closing bracket or question mark belongs to the name; a trailing full stop or dash does not.
    tail = tail if tail and tail[-1] in ")]?!" else ""
    return Name(text, tuple(w.group() for w in words), gaps, tail, entity, short_form)


def short_form(name: str) -> str | None:
    """The name without its qualifier ("Halle (Saale)" → "Halle"), or None if it has none."""
    head = _SHORT_FORM.split(name, maxsplit=1)[0].strip()
    return head if head and head != name else None


class MentionIndex:
    """A trie over case-folded words; each node lists the names that end there."""

    def __init__(self, entities: Iterable[Entity], names: Mapping[str, Iterable[str]]):
        self.entities = {e.iri: e for e in entities}
        self._root: dict = {}
        self.size = 0
        for iri, texts in names.items():
            entity = self.entities[iri]
            texts = set(texts)
            shorts = {short_form(t) for t in texts} - texts - {None} if entity.kind in TERRITORIAL_KINDS else set()
            for text, is_short in [*((t, False) for t in texts), *((t, True) for t in shorts)]:
                name = _name(text, entity, is_short)  # type: ignore[arg-type]
                if name is not None:
                    self._add(name)

    def _add(self, name: Name) -> None:
        node = self._root
        for word in name.words:
            node = node.setdefault(word.casefold(), {})
        node.setdefault(None, []).append(name)
        self.size += 1

    @classmethod
    def from_store(cls, store: Store) -> MentionIndex:
        label_rows = store.select(LABEL_QUERY)
        lookup = store.select(LOOKUP_QUERY)
        classes: dict[str, set[str]] = {}
        inhabitants: dict[str, int] = {}
        known: set[str] = set()
        for row in lookup:
            if "cls" in row:
                classes.setdefault(row["s"], set()).add(local_name(row["cls"]))
            if "inhabitants" in row:
                inhabitants[row["s"]] = max(inhabitants.get(row["s"], 0), int(row["inhabitants"]))
            if "known" in row:
                known.add(row["s"])
        label_rows = [r for r in label_rows if iri_kind(r["s"]) in KINDS]
        labels = preferred_labels(label_rows)
        entities = [
            Entity(iri, label, iri_kind(iri) or "", tuple(sorted(classes.get(iri, ()))), inhabitants.get(iri, 0), iri in known)
            for iri, label in labels.items()
        ]
        names: dict[str, set[str]] = {}
        for row in label_rows:
            names.setdefault(row["s"], set()).add(row["name"])
        return cls(entities, names)

    def find(self, text: str) -> list[Mention]:
        """The mentions in ``text``, left to right, none overlapping."""
        return _Scanner(self, text).run()


# --- matching ---------------------------------------------------------------------------------------


@dataclass
class Mention:
    start: int
    end: int  # exclusive
    text: str
    matched: str  # the name as stated in the graph (or its short form)
    candidates: list[Entity] = field(default_factory=list)

    @property
    def entity(self) -> Entity:
        return self.candidates[0]

    def as_json(self) -> dict:
        return {
            "start": self.start, "end": self.end, "text": self.text, "matched": self.matched,
            **self.entity.as_json(),
            "candidates": [c.as_json() for c in self.candidates],
        }


def _is_abbreviation(word: str) -> bool:
    """At most five letters with a capital after the first character: "WFBB", "KfW", "BMWi"."""
    return sum(c.isalpha() for c in word) <= 5 and any(c.isupper() for c in word[1:])


def _word_fits(name_word: str, text_word: str, suffix: str, single_place: bool) -> bool:
    """Whether ``text_word`` (with ``suffix`` cut off) may stand for ``name_word``."""
    if suffix == _ADJECTIVE:
        return not single_place and (text_word[0].isupper() or not name_word[0].isupper())
    base = text_word[: len(text_word) - len(suffix)]
    if suffix and not _suffix_fits(name_word, suffix, single_place):
        return False
    if _is_abbreviation(name_word):
        return base == name_word
    if name_word[0].isupper():
        return base[0].isupper()
    return True


def _suffix_fits(base: str, suffix: str, single_place: bool) -> bool:
    last = base[-1].lower()
    consonant = last.isalpha() and last not in "aeiouäöüy"
    if suffix == "s":
        return last not in "sßxz"
    if single_place:
        return False
    if suffix in ("es", "en"):
        return consonant
    return last == "e"  # "n"


class _Scanner:
    """One pass over a text: leftmost-longest matching with the cue rules of the module docstring."""

    def __init__(self, index: MentionIndex, text: str):
        self.index = index
        self.text = text
        self.words = list(_WORD.finditer(text))
        self.last_place_end: int | None = None  # word index after the last accepted place mention

    def gap(self, i: int) -> str:
        """The separator between word i-1 and word i, whitespace collapsed."""
        return _SPACE.sub(" ", self.text[self.words[i - 1].end() : self.words[i].start()])

    def run(self) -> list[Mention]:
        found: list[Mention] = []
        i = 0
        while i < len(self.words):
            hit = self.match_at(i)
            if hit is None:
                i += 1
                continue
            mention, after = hit
            found.append(mention)
            if mention.entity.kind in PLACE_KINDS:
                self.last_place_end = after
            i = after
        return found

    def match_at(self, i: int) -> tuple[Mention, int] | None:
        """The longest acceptable name starting at word i, and the index of the word after it."""
        ends: list[tuple[int, list[tuple[Name, tuple[str, ...]]]]] = []
        self._walk(self.index._root, i, i, (), ends)
        for j, names in sorted(ends, key=lambda e: -e[0]):
            accepted = [name for name, suffixes in names if self._fits(name, i, suffixes)]
            if accepted:
                return self._mention(i, j, accepted), j
        return None

    def _walk(self, node: dict, i: int, j: int, suffixes: tuple[str, ...], ends: list) -> None:
        if None in node and j > i:
            ends.append((j, [(name, suffixes) for name in node[None]]))
        if j >= len(self.words):
            return
        word = self.words[j].group()
        folded = word.casefold()
        options = [(folded, "")] + [(folded[: -len(s)], s) for s in SUFFIXES if folded.endswith(s) and len(folded) > len(s) + 1]
        options += [(form, _ADJECTIVE) for form in adjective_forms(folded)]
        for key, suffix in options:
            child = node.get(key)
            if child is not None:
                self._walk(child, i, j + 1, (*suffixes, suffix), ends)

    def _fits(self, name: Name, i: int, suffixes: tuple[str, ...]) -> bool:
        n = len(name.words)
        for k in range(n):
            if not _word_fits(name.words[k], self.words[i + k].group(), suffixes[k], name.bare_place):
                return False
            if suffixes[k] == _ADJECTIVE and k == n - 1:  # the noun at the end is not declined like an adjective
                return False
            if k and self.gap(i + k) != name.gaps[k - 1]:
                return False
        if name.tail and not self.text.startswith(name.tail, self.words[i + n - 1].end()):
            return False
        return not name.bare_place or self._bare_place_counts(name, i)

    def _bare_place_counts(self, name: Name, i: int) -> bool:
        if self.cue(i) is not None:
            return True
        entity = name.entity
        return name.words[0] not in COMMON_WORDS and (entity.known or entity.inhabitants >= BARE_NAME_MIN_INHABITANTS)

    def cue(self, i: int) -> str | None:
        """"district", "municipality" or "place" if word i follows a place cue, else None."""
        if i == 0:
            return None
        before = self.words[i - 1].group()
        folded = before.casefold()
        if self.gap(i) == " ":
            if folded in DISTRICT_CUES and before[0].isupper():
                return "district"
            if folded in MUNICIPALITY_CUES and before[0].isupper():
                return "municipality"
            if folded in PREPOSITION_CUES:
                return "place"
        if self.last_place_end is not None and self.last_place_end <= i:
            between = range(self.last_place_end, i)
            if all(self.words[k].group() in ENUMERATION_WORDS for k in between) and all(
                self.gap(k).strip() in ("", ",") for k in range(self.last_place_end, i + 1)
            ):
                return "place"
        return None

    def _mention(self, i: int, j: int, names: list[Name]) -> Mention:
        start, end = self.words[i].start(), self.words[j - 1].end()
        cue = self.cue(i)
        best: dict[str, tuple[tuple, Name]] = {}
        for name in names:
            key = self._rank(name, cue)
            if name.entity.iri not in best or key < best[name.entity.iri][0]:
                best[name.entity.iri] = (key, name)
        ranked = sorted(best.values(), key=lambda item: item[0])
        top = ranked[0][1]
        end += len(top.tail) or _apostrophe_genitive(self.text, end, top.words[-1])
        return Mention(start, end, self.text[start:end], top.text, [name.entity for _, name in ranked])

    @staticmethod
    def _rank(name: Name, cue: str | None) -> tuple:
        entity = name.entity
        wrong_cue = (cue == "district" and "District" not in entity.classes) or (
            cue == "municipality" and "Municipality" not in entity.classes
        )
        return (wrong_cue, not entity.known, name.short_form, _KIND_ORDER.get(entity.kind, 0), -entity.inhabitants, entity.iri)


def _apostrophe_genitive(text: str, end: int, last_word: str) -> int:
    """Characters of an apostrophe genitive right after ``end``: "’s" always, a bare "’" after s/ß/x/z."""
    if end < len(text) and text[end] in _APOSTROPHES:
        after = end + 1
        if text.startswith("s", after) and not _continues_word(text, after + 1):
            return 2
        if last_word[-1] in "sßxz" and not _continues_word(text, after):
            return 1
    return 0


def _continues_word(text: str, at: int) -> bool:
    return at < len(text) and (text[at].isalnum())


def read_text(path: Path) -> str:
    """The file's text; offsets count its characters as they are (no newline translation, BOM dropped)."""
    return path.read_bytes().decode("utf-8-sig")
