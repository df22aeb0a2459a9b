"""Reading SPARQL text without parsing it: one lexer for every check and substitution.

The store refuses SERVICE/LOAD, the executor reads FROM clauses, the catalogue substitutes
parameters: all of them must agree on what is a string, an IRI, a comment or a variable, so that
``?service`` or ``"SERVICE"`` pass while ``service <...>`` is caught however it is written.

The same lexer measures how deeply a query nests and how long its chains of operators are, before
any engine parses it (:func:`check_complexity`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

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


NESTING_LIMIT = 100  # brackets { ( [ open at once
OPERATOR_LIMIT = 2000  # operators and pattern keywords in one query
# Words that chain the patterns of a group: each one adds a level to the engine's algebra tree.
_CHAINING_WORDS = {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "VALUES", "GRAPH", "SERVICE"}
_OPENING, _CLOSING = "{([", "})]"


class TooComplex(ValueError):
    """A query that nests deeper or chains more operators than the limits allow."""

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.limit = limit


def check_complexity(text: str) -> None:
    """Raise TooComplex if brackets nest deeper than NESTING_LIMIT or operators chain beyond OPERATOR_LIMIT.

    Oxigraph's parser and evaluator recurse once per level of the query, so a few kilobytes (ten
    thousand ``{``, or ten thousand ``UNION`` or ``&&`` in a row) overflow the stack and end the
    process: a query worker, or a remote Oxigraph server as a whole. Real queries stay far below
    both limits. One pass, stopping at the first excess, so even a megabyte of brackets costs little.
    """
    stack: list[str] = []
    operators = 0
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "other" and value in _OPENING:
            stack.append(value)
            if len(stack) > NESTING_LIMIT:
                raise TooComplex(
                    f"the query nests too deeply: more than {NESTING_LIMIT} levels of {{ ( [ at {_position(text, match.start())}; "
                    f"the limit is {NESTING_LIMIT} levels",
                    NESTING_LIMIT,
                )
        elif kind == "other" and value in _CLOSING:
            if stack:
                stack.pop()
        elif (kind == "word" and value.upper() in _CHAINING_WORDS) or (
            # "^^" marks a datatype and "," in ( ) separates arguments or IN values: neither chains anything.
            kind == "symbol" and value != "^^" and not (value == "," and stack[-1:] == ["("])
        ):
            operators += 1
            if operators > OPERATOR_LIMIT:
                raise TooComplex(
                    f"the query chains too many operators: more than {OPERATOR_LIMIT} of UNION, OPTIONAL, FILTER, BIND, "
                    f". ; , && || = + and the like (the one past the limit at {_position(text, match.start())}); "
                    f"the limit is {OPERATOR_LIMIT}",
                    OPERATOR_LIMIT,
                )


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - text.rfind(chr(10), 0, offset)}"
