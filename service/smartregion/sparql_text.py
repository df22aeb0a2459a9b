"""Reading SPARQL text without parsing it: one lexer for every check and substitution.

The store refuses SERVICE/LOAD, the executor reads FROM clauses, the catalogue substitutes
parameters: all of them must agree on what is a string, an IRI, a comment or a variable, so that
``?service`` or ``"SERVICE"`` pass while ``service <...>`` is caught however it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

# Lossless: every character belongs to exactly one token, so joining the token texts gives back the query.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:'{0,2}(?:[^'\\]|\\.))*'''|\"\"\"(?:"{0,2}(?:[^"\\]|\\.))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%.-]|\\.)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) for every token, white space and comments included."""
    for match in _TOKEN.finditer(text):
        yield match.lastgroup or "other", match.group()


def significant_tokens(text: str) -> list[tuple[str, str]]:
    """The tokens that carry meaning: no white space, no comments."""
    return [(kind, value) for kind, value in tokens(text) if kind not in ("space", "comment")]


def keywords(text: str) -> set[str]:
    """Upper-cased bare words (keywords and function names) outside strings, IRIs, comments, names."""
    return {value.upper() for kind, value in significant_tokens(text) if kind == "word"}


def decode_codepoints(text: str) -> str:
    """The text with ``\\u``/``\\U`` escapes decoded.

    SPARQL 1.1 (§19.2) allows these escapes anywhere in a query; pyoxigraph 0.5 decodes them only
    in strings and IRIs, so a check must hold for either reading.
    """

    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _CODEPOINT.sub(char, text)


def query_form(query: str) -> str | None:
    """SELECT, ASK, CONSTRUCT, DESCRIBE (or the first keyword of an update), None if there is none."""
    found = significant_tokens(query)
    i = 0
    while i < len(found):
        kind, value = found[i]
        word = value.upper() if kind == "word" else None
        if word == "BASE":
            i += 2
        elif word == "PREFIX":
            i += 3
        else:
            return word
    return None


def dataset_clauses(query: str) -> tuple[list[str], list[str], dict[str, str]]:
    """The IRIs of FROM and FROM NAMED clauses (BASE and prefixes resolved), and the declared prefixes.

    A target that is neither an IRI nor a declared prefixed name stays as written, so it matches no
    graph and is refused by whoever checks the dataset.
    """
    found = significant_tokens(query)
    base, prefixes = "", {}
    default: list[str] = []
    named: list[str] = []

    def resolve(kind: str, value: str) -> str:
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        prefix, _, local = value.partition(":")
        return prefixes[prefix] + local if kind == "pname" and prefix in prefixes else value

    for i, (kind, value) in enumerate(found):
        word = value.upper() if kind == "word" else None
        following = found[i + 1 : i + 3]
        if word == "BASE" and following:
            base = resolve(*following[0])
        elif word == "PREFIX" and len(following) == 2:
            prefixes[following[0][1].rstrip(":")] = resolve(*following[1])
        elif word == "FROM" and following:
            is_named = following[0][0] == "word" and following[0][1].upper() == "NAMED"
            target = following[-1] if is_named else following[0]
            (named if is_named else default).append(resolve(*target))
    return default, named, prefixes
