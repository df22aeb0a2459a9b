"""One parse decides what a user's query may do: its form, its dataset, and whether it may run.

How the engine reads codepoint escapes (Oxigraph 0.5, crate ``spargebra``, ``src/parser.rs``; the
same crate parses for pyoxigraph and for the Oxigraph server). SPARQL 1.1 §19.2 decodes
``\\uXXXX`` and ``\\UXXXXXXXX`` anywhere in the query before parsing; spargebra does that only with
its cargo feature ``standard-unicode-escaping`` (``unescape_unicode_codepoints`` over the whole
text), which only Oxigraph's test suite enables: pyoxigraph and the ``oxigraph`` server are built
without it. Without it, escapes are decoded inside string literals (``unescape_string``, after
``\\\\`` and the other ECHARs are taken, so ``"\\\\u0041"`` is a backslash and ``u0041``) and inside
``<...>`` (``unescape_iriref``; an IRI token is ``<`` and anything up to the next ``>``, checked by
the IRI parser afterwards); anywhere else ``\\u`` is a syntax error. A surrogate or a value past
U+10FFFF is an error where it is decoded (``char::from_u32``); the feature's decoder instead leaves
such an escape as written, and reads ``\\\\u0041`` as a backslash and ``A`` (a backslash does not
protect the next one there). Other stores may decode either way.

So no single decoding is "the" reading, and this guard makes them agree: it decodes every escape
once, the way the specification does, and refuses a query whose decoded text still holds anything
that looks like an escape (``\\u`` or ``\\U`` and four hexadecimal digits: from ``\\u005Cu0053``, a
surrogate, a code point past U+10FFFF, or rdflib's four-digit ``\\U``). The decoded text has no
escape left for any reader to decode, so the engine, a remote store and this guard read the same
characters, and the decoded text is what runs. One consequence, also the specification's:
``"a\\u0022b"`` ends the string at the decoded quote; write ``\\"`` inside strings instead.

Before the parse the guard completes the prologue, once, so that the checked text stays the only
text that runs: a first line of its own declares the endpoint's ``BASE`` (relative IRIs resolve
against the endpoint, as the SPARQL 1.1 Protocol's tests expect; a ``BASE`` of the query comes later
and wins) and every prefix of ``rdf.prefixes`` that the query uses without declaring it (a declared
``PREFIX`` wins). Positions in messages count in the query as sent.

The completed text is parsed by rdflib's SPARQL 1.1 grammar (the grammar itself: ``parseQuery``
would decode escapes a second time). The parse tree decides the query form, refuses updates and
``SERVICE`` (also ``SILENT`` and with a variable), reads the FROM / FROM NAMED IRIs (prefixes and
BASE resolved), and counts the width that crashes engines: Oxigraph recurses once per group,
UNION, triple pattern or operator in a row, and thousands side by side end a pyoxigraph process
(SIGSEGV) or an Oxigraph server (SIGABRT). Two cheap lexer checks run before the parse, because
pyparsing recurses about 45 Python frames per bracket level (Python's limit is 1000) and takes
0.2-1 ms per token: nesting depth and token count.

The parse costs 30-50 ms, one at a time: it bounds how many new query texts pass per second. A
catalogue question filled with parameters (``/api/queries``) is judged by its own text, parsed once,
because a parameter is one RDF term where a variable was (:func:`check_filled`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple
from urllib.parse import urljoin

from cachetools import LRUCache, cached
from cachetools.keys import hashkey
from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql import parser as grammar
from rdflib.plugins.sparql.parserutils import CompValue

from smartregion.errors import SmartregionError
from smartregion.rdf.prefixes import PREFIXES
from smartregion.rdf.sparql_text import TooComplex, check_complexity, significant_tokens
from smartregion.rdf.sparql_text import tokens as _lexed

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# What any reader could still take for an escape: spargebra's UCHAR, rdflib's \\U with four digits.
_LEFTOVER = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{4}(?:[0-9A-Fa-f]{4})?")

# Width limits: five times the catalogue's largest question or more (17 groups, 3 UNIONs, 46 triple
# patterns, 43 expressions, 617 nodes), and reachable within the lexer's 2000 tokens. The
# engines crashed only far beyond: pyoxigraph 0.5.13 and the Oxigraph 0.5.13 server from 5000 to
# 10000 groups, UNIONs, triple patterns, FILTERs, BINDs or && operands in a row (a VALUES or IN list
# of 40000 was harmless), which no query of 2000 tokens can hold.
GROUP_LIMIT = 300  # { } groups, including OPTIONAL, MINUS, GRAPH, EXISTS and subqueries
UNION_LIMIT = 200  # UNION keywords (each branch is a group too)
TRIPLE_LIMIT = 120  # triple patterns, a property path counting one per step: the engine plans joins in about n⁴
EXPRESSION_LIMIT = 500  # FILTER, BIND, operators and function calls
NODE_LIMIT = 5000  # everything in the parse tree: terms, lists, patterns, expressions

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class GuardError(SmartregionError, ValueError):
    """A query the guard will not let run; ``hint`` says how to fix it."""

    status, title = 400, "query refused"

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


class Malformed(GuardError):
    """Not SPARQL 1.1 as the grammar reads it; ``line`` and ``column`` where the parser stopped."""

    title = "malformed query"

    def __init__(self, message: str, hint: str, line: int | None = None, column: int | None = None):
        super().__init__(message, hint)
        self.line, self.column = line, column

    def extensions(self) -> dict[str, object]:
        return super().extensions() | ({"line": self.line, "column": self.column} if self.line is not None else {})


class ReadOnly(GuardError):
    """An update (INSERT, DELETE, LOAD, CLEAR, ...): nothing changes through a query."""

    status, title = 403, "read-only endpoint"


class Outgoing(GuardError):
    """SERVICE: the query would make the store send a request to another server."""


class Complex(GuardError):
    """Wider or deeper than the documented limits; ``limit`` is the one that was passed (None: the parser's depth)."""

    title = "query too complex"

    def __init__(self, message: str, hint: str, limit: int | None):
        super().__init__(message, hint)
        self.limit = limit

    def extensions(self) -> dict[str, object]:
        return super().extensions() | ({"limit": self.limit} if self.limit else {})


@dataclass(frozen=True)
class Width:
    """What the parse counted; compared with the limits above."""

    groups: int = 0
    unions: int = 0
    triples: int = 0
    expressions: int = 0
    nodes: int = 0


@dataclass(frozen=True)
class CheckedQuery:
    """A query the guard let through: ``text`` is the decoded text, the only one ever to run."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_graphs: tuple[str, ...]
    from_named_graphs: tuple[str, ...]
    prefixes: dict[str, str]
    width: Width
    added_lines: int = 0  # lines of the completed prologue before the query as sent

    def position(self, line: int, column: int) -> tuple[int, int]:
        """A position in ``text`` (the engine's) as a position in the query as sent."""
        return max(1, line - self.added_lines), column


SIMPLER_HINT = (
    "Simplify the query: fewer nested groups and brackets, fewer groups, UNIONs, triple patterns and operators; "
    "for long lists of alternatives use VALUES or IN."
)
_ESCAPE_HINT = (
    "Write the characters themselves (the query is UTF-8). Codepoint escapes are decoded once, before parsing "
    "(SPARQL 1.1 §19.2); inside a string write \\\" and \\\\ for a quote and a backslash."
)


def check(text: str, base: str | None = None) -> CheckedQuery:
    """Decode, complete, parse and judge a user's query; raise a GuardError subclass if it may not run.

    ``base``: the IRI relative IRIs resolve against (the endpoint's); None: no BASE is added.
    """
    verdict = _verdict(text, base).verdict
    if isinstance(verdict, GuardError):
        raise _fresh(verdict)
    return verdict


def check_filled(template: str, filled: str, base: str | None = None) -> CheckedQuery:
    """The verdict on a catalogue question whose parameters ``questions.Query.render`` wrote into
    ``template``: the template's verdict (one parse, cached) with the filled text.

    The template is the project's own file, and each parameter is one RDF term in the place of a
    whole variable token (written by pyoxigraph's term serialiser; ``tests/test_questions_fuzz.py``
    tries every kind of value). A term where a variable was changes no query form, dataset, prologue
    or width, so the filled text needs no parse of its own: a new parameter value costs no 30 ms
    parse. Should the filled text decode to anything else (a literal parameter with a backslash) or
    need another prologue, it is checked like any query.
    """
    return _filled(check(template, base), template, filled, base) or check(filled, base)


def check_filled_if_judged(template: str, filled: str, base: str | None = None) -> CheckedQuery | None:
    """``check_filled`` where it costs no parse, which an event loop can afford: the template's verdict is
    kept, it passed, and the filled text needs none of its own. Else None: call ``check_filled`` (in a
    thread), which parses or tells why the template is refused."""
    with _VERDICTS_LOCK:
        kept = _VERDICTS.get(hashkey(template, base))
    if kept is None or isinstance(kept.verdict, GuardError):
        return None
    return _filled(kept.verdict, template, filled, base)


def _filled(verdict: CheckedQuery, template: str, filled: str, base: str | None) -> CheckedQuery | None:
    """The template's verdict for the filled text, if that decodes to itself and takes the template's prologue."""
    decoded = decode(filled)
    prologue = complete_prologue(decoded, base)
    if decoded != filled or verdict.text != prologue + decode(template):  # the template's text is its prologue and itself
        return None
    return replace(verdict, text=prologue + decoded)


class _Kept(NamedTuple):
    verdict: CheckedQuery | GuardError
    size: int  # bytes it holds, about: the text as key, its completed copy, the rest


# A catalogue question or a retried query costs one parse, refused or not. The verdicts kept are bounded by
# their texts' size, not their number: a count would let a client keep hundreds of megabyte-long texts.
VERDICT_BYTES = 32 << 20
_VERDICTS: LRUCache = LRUCache(maxsize=VERDICT_BYTES, getsizeof=lambda kept: kept.size)
_VERDICTS_LOCK = threading.Lock()


@cached(_VERDICTS, lock=_VERDICTS_LOCK)  # the lock guards the cache only; parses run outside it
def _verdict(text: str, base: str | None) -> _Kept:
    try:
        verdict: CheckedQuery | GuardError = _judge(text, base)
    except GuardError as exc:
        verdict = exc
    return _Kept(verdict, 2 * len(text.encode("utf-8")) + 4096)


def _fresh(error: GuardError) -> GuardError:
    # A new instance for each raise: raising the cached one again would grow its traceback every time.
    copy = error.__class__.__new__(error.__class__)
    copy.__dict__.update(error.__dict__)
    copy.args = error.args
    return copy


def _judge(text: str, base: str | None) -> CheckedQuery:
    decoded = decode(text)
    try:
        check_complexity(decoded)  # before the parse: pyparsing recurses per level and pays per token
    except TooComplex as exc:
        raise Complex(str(exc), SIMPLER_HINT, exc.limit) from None
    prologue = complete_prologue(decoded, base)
    completed = prologue + decoded
    added_lines = prologue.count("\n")
    tree = _parse(completed, decoded, added_lines)
    width = measure(tree)
    _check_width(width)
    prologue, body = tree[0], tree[1]
    if any(isinstance(node, CompValue) and node.name == "ServiceGraphPattern" for node in _nodes(body)):
        raise _outgoing()
    base, prefixes = _prologue(prologue)
    clauses = _field(body, "datasetClause", [])
    return CheckedQuery(
        text=completed,
        form=_FORMS[body.name],
        from_graphs=tuple(dict.fromkeys(_iri(c["default"], base, prefixes) for c in clauses if "default" in c)),
        from_named_graphs=tuple(dict.fromkeys(_iri(c["named"], base, prefixes) for c in clauses if "named" in c)),
        prefixes=prefixes,
        width=width,
        added_lines=added_lines,
    )


def decode(text: str) -> str:
    """The text with every codepoint escape decoded once; Malformed if anything like an escape is left."""

    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return match.group() if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else chr(code)

    decoded = _ESCAPE.sub(char, text)
    leftover = _LEFTOVER.search(decoded)
    if leftover:
        line, column = _line_column(decoded, leftover.start())
        raise Malformed(
            f"error at {line}:{column} of the decoded text: {leftover.group()} is a codepoint escape that remains after "
            "decoding (an escape that spells another escape, a surrogate, or past U+10FFFF), so readers would disagree",
            _ESCAPE_HINT,
            line,
            column,
        )
    return decoded


def complete_prologue(decoded: str, base: str | None) -> str:
    """The first line that declares ``base`` and the predefined prefixes the query uses but does not declare ('' if none).

    Malformed if the query uses a prefix that it does not declare and that is not predefined.
    """
    found = significant_tokens(decoded)
    declared = {found[i + 1][1][:-1] for i, (kind, value) in enumerate(found[:-1]) if kind == "word" and value.upper() == "PREFIX"}
    used = list(dict.fromkeys(value.split(":", 1)[0] for kind, value in found if kind == "pname"))
    unknown = [p for p in used if p not in declared and p not in PREFIXES]
    if unknown:
        offset = decoded.find(unknown[0] + ":")
        line, column = _line_column(decoded, offset)
        raise Malformed(
            f"line {line}, column {column}: the prefix {unknown[0]}: is neither declared nor predefined\n{excerpt(decoded, line, column)}",
            f"Declare it before the query: PREFIX {unknown[0]}: <...>. Predefined: {', '.join(PREFIXES)} "
            "(the service description lists them).",
            line,
            column,
        )
    declarations = [f"BASE <{base}>"] if base else []
    declarations += [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used if p not in declared]
    return " ".join(declarations) + "\n" if declarations else ""


def excerpt(text: str, line: int, column: int) -> str:
    """The line of ``text`` with a caret under ``column``, shortened around it to at most about 70 characters."""
    lines = text.split("\n")
    row = lines[line - 1] if 0 < line <= len(lines) else ""
    start = max(0, min(column - 1 - 35, len(row) - 70))
    shown = row[start : start + 70]
    return "  " + shown + "\n  " + " " * (column - 1 - start) + "^"


# pyparsing is not thread-safe: each parse action learns its own arity from a TypeError on its first
# call, and two threads doing so at once leave it wrong for the rest of the process (every later
# query then fails with "expandTriples() missing 1 required positional argument"). One parse at a time.
_GRAMMAR = threading.Lock()


def _parse(completed: str, decoded: str, added_lines: int) -> ParseResults:
    with _GRAMMAR:
        return _parse_alone(completed, decoded, added_lines)


def _parse_alone(completed: str, decoded: str, added_lines: int) -> ParseResults:
    try:
        return grammar.Query.parse_string(completed, parse_all=True)
    except ParseBaseException as query_error:
        failure = query_error
    except RecursionError:
        raise _too_deep() from None
    try:
        grammar.UpdateUnit.parse_string(completed, parse_all=True)
    except ParseBaseException:
        pass
    except RecursionError:
        raise _too_deep() from None
    else:
        raise ReadOnly(
            "SPARQL updates are not accepted: this endpoint is read-only",
            "This endpoint only answers queries (SELECT, ASK, CONSTRUCT, DESCRIBE); it changes nothing.",
        )
    if _service_at(completed, failure.loc):
        raise _outgoing()
    line, column = max(1, failure.lineno - added_lines), failure.col
    what = f"{_expected(failure.msg, line, column)}, found {_found(completed, failure.loc)}"
    offset, lexical = _lexical_mistake(decoded)
    if lexical:
        (line, column), what = _line_column(decoded, offset), lexical
    raise Malformed(
        f"line {line}, column {column}: {what}\n" + excerpt(decoded, line, column),
        "Check the query at or before the caret: a bracket, a dot between triple patterns, a keyword or a "
        "literal may be missing or extra. SPARQL 1.1 Query syntax: https://www.w3.org/TR/sparql11-query/#grammar.",
        line,
        column,
    )


# The grammar's names for what it could not read, in plain words.
_PLAIN = {
    "SelectQuery": "a well-formed query",
    "end of text": "the end of the query",
    "GroupGraphPattern": "a group { ... }",
    "TriplesBlock": "triple patterns",
    "Expression": "an expression",
    "Var": "a variable",
}


_PAIRS = {"}": "{", ")": "(", "]": "["}
_CLOSING = {opening: closing for closing, opening in _PAIRS.items()}


def _lexical_mistake(decoded: str) -> tuple[int, str | None]:
    """An unclosed string or bracket, or a closing one without its opening: a plainer account than the grammar's."""
    openings: list[tuple[str, int]] = []
    offset = 0
    for kind, value in _lexed(decoded):
        if kind == "other" and value in "'\"":
            return offset, f"expected the closing {value} of the string that starts here"
        if kind == "other" and value in "{([":
            openings.append((value, offset))
        elif kind == "other" and value in _PAIRS:
            if not openings:
                return offset, f"this {value} closes no {_PAIRS[value]}"
            if openings[-1][0] != _PAIRS[value]:
                return offset, f"expected a {_CLOSING[openings[-1][0]]} before this {value}"
            openings.pop()
        offset += len(value)
    if openings:
        value, at = openings[-1]
        return at, f"expected a {_CLOSING[value]} to close this {value} before the end of the query"
    return 0, None


def _expected(message: str, line: int, column: int) -> str:
    """pyparsing's 'Expected ...' in plain words, never its lists of alternatives and character ranges."""
    wanted = message.removeprefix("Expected ").strip()
    if line == 1 and column == 1 or wanted.startswith("{SelectQuery"):
        return "expected SELECT, ASK, CONSTRUCT or DESCRIBE after the PREFIX and BASE declarations"
    if wanted in _PLAIN:
        plain = _PLAIN[wanted]
        return "the query is not valid SPARQL from here on" if plain == "a well-formed query" else f"expected {plain}"
    if re.fullmatch(r"'[^']{1,12}'|\w{1,20}", wanted):
        return f"expected {wanted}"
    return "the query is not valid SPARQL from here on"


def _outgoing() -> Outgoing:
    # Says nothing of the service named: no answer may tell whether something listens there.
    return Outgoing(
        "SERVICE is not allowed: a query may not make the store contact other servers",
        "Query the other endpoint yourself and combine the answers.",
    )


def _service_at(decoded: str, offset: int) -> bool:
    """Whether a SERVICE clause starts where the parse stopped.

    rdflib's grammar fails on a valid SERVICE clause when an IRI before it on the same line holds a
    '#' (its ServiceGraphPattern searches the whole text again and takes that '#' for a comment):
    refused either way, but under its true name.
    """
    try:
        grammar.ServiceGraphPattern.expr.parse_string(decoded[offset:])
    except (ParseBaseException, RecursionError):
        return False
    return True


def _too_deep() -> Complex:
    # Beside the nesting checked before the parse, pyparsing recurses about 11 frames per '.' between
    # the triple patterns of one block: some 70 of them reach Python's limit of 1000 frames.
    return Complex(
        "the query is too deep for the parser: too many levels of nesting, or too many triple patterns joined "
        "by '.' in one group (about 70)",
        "Join triple patterns of one subject with ';' and ',' instead of '.', or split the block into { } groups.",
        None,
    )


def _found(text: str, offset: int) -> str:
    rest = text[offset : offset + 30].split("\n")[0]
    return repr(rest) if rest else "the end of the query"


def measure(tree: object) -> Width:
    """Count groups, UNIONs, triple patterns (path steps included), expressions and nodes of a parse tree."""
    groups = unions = triples = expressions = nodes = 0
    for node in _nodes(tree):
        nodes += 1
        if not isinstance(node, CompValue):
            continue
        name = node.name
        if name == "GroupGraphPatternSub":
            groups += 1
        elif name == "GroupOrUnionGraphPattern":
            unions += len(_field(node, "graph", [None])) - 1
        elif name in ("TriplesBlock", "ConstructTriples", "TriplesTemplate"):
            triples += sum(len(t) // 3 for t in _field(node, "triples", []))
        elif name in ("PathSequence", "PathAlternative"):
            triples += len(_as_list(_field(node, "part", []))) - 1
        elif name in ("Filter", "Bind", "Function") or name.startswith(("Builtin_", "Aggregate_", "Unary")):
            expressions += 1
        elif name == "RelationalExpression" and "other" in node:
            expressions += 1  # one comparison, also for IN and its list (flat in every engine)
        elif name.endswith("Expression") and "other" in node:
            expressions += len(_as_list(node["other"]))
    return Width(groups, unions, triples, expressions, nodes)


def _check_width(width: Width) -> None:
    for count, limit, what in (
        (width.unions, UNION_LIMIT, "UNIONs"),
        (width.groups, GROUP_LIMIT, "groups { }"),
        (width.triples, TRIPLE_LIMIT, "triple patterns (a property path counts one per step)"),
        (width.expressions, EXPRESSION_LIMIT, "FILTERs, BINDs, operators and function calls"),
        (width.nodes, NODE_LIMIT, "parts in all (terms, patterns, expressions)"),
    ):
        if count > limit:
            raise Complex(f"the query is too wide: {count} {what}; the limit is {limit}", SIMPLER_HINT, limit)


def _nodes(tree: object) -> Iterator[object]:
    """Every node of a parse tree, depth first, without recursion (a tree may be thousands deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, CompValue):
            stack.extend(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(node)


def _field(node: CompValue, key: str, default: object) -> Any:
    # CompValue.get answers the key itself for a missing key: ask membership first.
    return node[key] if key in node else default  # noqa: SIM401


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, (ParseResults, list)) else [value]


def _prologue(prologue: ParseResults) -> tuple[str, dict[str, str]]:
    """BASE and the declared prefixes, in order: each IRI resolved against the BASE before it."""
    base, prefixes = "", {}
    for declaration in prologue:
        iri = _resolve(base, str(declaration["iri"]))
        if declaration.name == "Base":
            base = iri
        else:
            prefixes[_field(declaration, "prefix", "")] = iri
    return base, prefixes


def _iri(term: object, base: str, prefixes: dict[str, str]) -> str:
    if isinstance(term, CompValue):  # a prefixed name; '\' before a reserved character is no part of the IRI
        prefix = _field(term, "prefix", "")
        if prefix not in prefixes:
            raise Malformed(f"the prefix {prefix}: is not declared", "Declare it with PREFIX before the query.")
        return prefixes[prefix] + _field(term, "localname", "").replace("\\", "")
    return _resolve(base, str(term))


def _resolve(base: str, iri: str) -> str:
    # urljoin would drop an empty fragment ("…/ontology#" becoming "…/ontology").
    if not base or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri):
        return iri
    resolved = urljoin(base, iri)
    return resolved + "#" if iri.endswith("#") and not resolved.endswith("#") else resolved


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
