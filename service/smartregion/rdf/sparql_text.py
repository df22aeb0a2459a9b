"""Reading SPARQL text without parsing it: one lexer for the package's own queries and for cheap limits.

What a user's query may do is decided by one parse (query_guard), never here. This lexer serves
the catalogue's parameter substitution, the form and dataset of the package's own queries, and the
limits checked before that parse (:func:`check_complexity`): how deeply a query nests and how many
tokens it has, so that the parser neither recurses too deep nor spends seconds on a huge query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

from smartregion.errors import SmartregionError

# Lossless: every character belongs to exactly one token, so joining the token texts gives back the query.
# Strings use possessive quantifiers (*+, ++): a 1 MB literal is matched without keeping a backtracking
# state per character (hundreds of MB otherwise).
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:'{0,2}(?:[^'\\]++|\\.))*+'''|\"\"\"(?:"{0,2}(?:[^"\\]++|\\.))*+\"\"\"
              |'(?:[^'\\\n\r]++|\\.)*+'|"(?:[^"\\\n\r]++|\\.)*+")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%.-]|\\.)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<symbol>&&|\|\||!=|<=|>=|\^\^|[.,;|/^!=<>+*-])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


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


NESTING_LIMIT = 16  # brackets { ( [ open at once
TOKEN_LIMIT = 2000  # tokens in one query, white space and comments not counted
_OPENING, _CLOSING = "{([", "})]"


class TooComplex(SmartregionError, ValueError):
    """A query that nests deeper or runs longer than the limits allow."""

    status, title = 400, "query too complex"

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.limit = limit

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"limit": self.limit}


def check_complexity(text: str) -> None:
    """Raise TooComplex if brackets nest deeper than NESTING_LIMIT or the query has more than TOKEN_LIMIT tokens.

    The guard's parser (pyparsing, query_guard) recurses about 45 Python frames per bracket level and
    Python stops at 1000, so 16 levels is what it takes safely (the catalogue's deepest question nests
    7); it costs 0.2-1 ms per token, so 2000 tokens (the catalogue's longest question has 272) bound
    the parse to about a second. One pass, stopping at the first excess, so a megabyte costs little.
    """
    depth = 0
    for count, match in enumerate((m for m in _TOKEN.finditer(text) if m.lastgroup not in ("space", "comment")), 1):
        if count > TOKEN_LIMIT:
            raise TooComplex(
                f"the query is too long: more than {TOKEN_LIMIT} tokens (words, names, literals, symbols; the one past "
                f"the limit at {_position(text, match.start())}); the limit is {TOKEN_LIMIT} tokens",
                TOKEN_LIMIT,
            )
        value = match.group()
        if match.lastgroup == "other" and value in _OPENING:
            depth += 1
            if depth > NESTING_LIMIT:
                raise TooComplex(
                    f"the query nests too deeply: more than {NESTING_LIMIT} levels of {{ ( [ at {_position(text, match.start())}; "
                    f"the limit is {NESTING_LIMIT} levels",
                    NESTING_LIMIT,
                )
        elif match.lastgroup == "other" and value in _CLOSING:
            depth = max(0, depth - 1)


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - text.rfind(chr(10), 0, offset)}"
