"""German inflection of names: the forms a name takes in running text, shared by search, matching and mentions.

A name is stated in the nominative ("Netzwerk Smart City Berlin", "Niedersächsisches Ministerium für …"),
but texts and people write it declined: "des Netzwerks Smart City Berlin", "des Niedersächsischen
Ministeriums für …". A word of a name may therefore carry a genitive -s/-es or a dative/plural -n/-en,
and a word before the last may be a declined adjective, ending in any of -e, -em, -en, -er, -es (the
last word is the noun: "Dorfer" is not "Dorfen"). Leading articles do not count.
Words are compared folded (``rdf.text.fold``), so these rules work on lower-case ASCII.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice, product

ARTICLES = frozenset({"der", "des", "dem", "den", "die", "das"})
SUFFIXES = ("s", "es", "n", "en")
ADJECTIVE_ENDINGS = ("em", "en", "er", "es", "e")  # longest first: "-en" is cut before "-e" is tried
MAX_READINGS = 256  # a lookup tries at most this many readings of a cell; names are a few words long


def adjective_forms(word: str) -> list[str]:
    """The other declensions of a word that ends like an adjective ("niedersachsischen" → "…sische", "…sisches", …)."""
    for ending in ADJECTIVE_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 3:
            stem = word[: -len(ending)]
            return [stem + other for other in ADJECTIVE_ENDINGS if other != ending]
    return []


def base_forms(word: str, last: bool = True) -> set[str]:
    """The folded words a folded text word may stand for: itself, without an inflection suffix, or (unless
    it is the ``last`` word of the name) another declension of an adjective."""
    found = {word} if last else {word, *adjective_forms(word)}
    found.update(word[: -len(s)] for s in SUFFIXES if word.endswith(s) and len(word) > len(s) + 1)
    return found


def without_articles(words: Sequence[str]) -> list[str]:
    """The words after any leading articles ("des Netzwerks …" → "Netzwerks …")."""
    start = 0
    while start < len(words) - 1 and words[start] in ARTICLES:
        start += 1
    return list(words[start:])


def inflected_match(query: str, name: str) -> bool:
    """Whether the folded ``query`` is the folded ``name`` declined, word for word."""
    asked, named = without_articles(query.split()), name.split()
    last = len(named) - 1
    return len(asked) == len(named) and all(
        n == q or n in base_forms(q, k == last) for k, (q, n) in enumerate(zip(asked, named))
    )


def readings(text: str) -> list[str]:
    """The folded names a folded text may be a declined form of (itself first), at most ``MAX_READINGS``."""
    words = without_articles(text.split())
    options = [sorted(base_forms(w, k == len(words) - 1), key=lambda f: (f != w, f)) for k, w in enumerate(words)]
    return [" ".join(choice) for choice in islice(product(*options), MAX_READINGS)]
