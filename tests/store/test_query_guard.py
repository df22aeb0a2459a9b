"""The query guard (issue 12, points 1 and 2): one parse decides what a user's query may do.

Codepoint escapes once made the old text scan read a query differently from the engine, and a
SERVICE clause reached pyoxigraph, which sent a request wherever it named. Here: the escape tricks
as explicit cases; generated queries mixing escapes, the four kinds of strings, IRIs, comments,
prefixed names and the words SERVICE, LOAD and FROM, run against the engine in this process, the
embedded executor, the real ``/sparql`` and the remote backend (a real Oxigraph server), with a
listener on 127.0.0.1 that must see no connection; and queries too wide for the engines, refused
with the limit named while the worker and the remote server keep answering.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from live import LABELS, LiveSparql, free_port, listener, serving
from smartregion.cli.main import main
from smartregion.rdf import results
from smartregion.rdf.sparql_text import NESTING_LIMIT, TOKEN_LIMIT
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore, QuerySyntaxError
from smartregion.store import guard as query_guard
from smartregion.store.errors import QueryRefused, QueryTooComplex
from smartregion.store.executor import Executor
from smartregion.store.executor import check as executor_check
from smartregion.store.guard import (
    EXPRESSION_LIMIT,
    GROUP_LIMIT,
    NODE_LIMIT,
    TRIPLE_LIMIT,
    UNION_LIMIT,
    Complex,
    Malformed,
    Outgoing,
    ReadOnly,
    check,
)

NOTHING = "<http://example.org/nothing>"  # matches nothing: generated queries answer at once
REFUSED = (Malformed, ReadOnly, Outgoing, Complex)


# --- escapes, read once ---------------------------------------------------------------------------


def test_a_string_that_the_engine_reads_around_a_service_clause_runs_decoded() -> None:
    """The issue's trick: pyoxigraph reads ``\\u0022`` inside the string as a quote character and so sees the
    SERVICE clause after it, while a reader that decodes first sees the string end at it and a comment
    swallow SERVICE. The guard decodes first and runs the decoded text: the engine sees the comment too."""
    with listener() as (port, seen):
        text = f'SELECT * WHERE {{ ?s ?p "\\u0022 . }} # " SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}'
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal('" . } # ')))
        with pytest.raises(OSError):  # why: given the text as sent, the engine contacts the listener
            list(store.query(text))
        time.sleep(0.3)
        assert seen and seen[0].startswith(b"POST / ")
        seen.clear()
        checked = check(text)
        assert checked.text == f'SELECT * WHERE {{ ?s ?p "" . }} # " SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}'
        assert list(store.query(checked.text)) == []
        time.sleep(0.3)
    assert seen == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVI\\U00000043E <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "select * where { service silent ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "SELECT * WHERE { { SELECT * WHERE { OPTIONAL { SERVICE <http://127.0.0.1:9/> { } } } } }",
        "SELECT * WHERE { MINUS { GRAPH ?g { SERVICE <http://127.0.0.1:9/> { } } } }",
        # rdflib's grammar stumbles on a SERVICE after a '#' inside an IRI on the same line: still SERVICE.
        "PREFIX r: <http://x#> SELECT * WHERE { ?s r:p ?o SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused_however_it_is_written(text: str) -> None:
    with pytest.raises(Outgoing) as refused:
        check(text)
    assert str(refused.value) == "SERVICE is not allowed: a query may not make the store contact other servers"


@pytest.mark.parametrize(
    "text",
    [
        # pyoxigraph reads a string holding a quote, then SERVICE; decoded, the quotes open a long string.
        'SELECT * WHERE { ?s ?p "\\u0022" SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } # "\n}',
        # Decoded, the IRI ends early and SERVICE stands outside it.
        "SELECT * WHERE { ?s ?p <http://a/\\u003E SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        # Decoded, a comment ends at the newline and SERVICE follows.
        "SELECT * WHERE { ?s ?p ?o # \\u000A SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\n}",
    ],
)
def test_escape_tricks_around_service_are_refused(text: str) -> None:
    with pytest.raises(REFUSED):
        check(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('SELECT * WHERE { ?s ?p "\\u005Cu0053ERVICE" }', "\\u0053"),  # an escape spelling an escape
        ('SELECT * WHERE { ?s ?p "\\uD800" }', "\\uD800"),  # a surrogate: an error in the engine, a character in Python
        ('SELECT * WHERE { ?s ?p "\\U00110000" }', "\\U00110000"),  # past U+10FFFF
        ('SELECT * WHERE { ?s ?p "\\U0041" }', "\\U0041"),  # four digits after \\U: rdflib would decode it
    ],
)
def test_an_escape_left_after_decoding_is_refused(text: str, shown: str) -> None:
    with pytest.raises(Malformed) as refused:
        check(text)
    assert f": {shown} is a codepoint escape that remains after decoding" in str(refused.value)
    assert str(refused.value).startswith("error at 1:")
    assert refused.value.hint.startswith("Write the characters themselves")


def test_an_escaped_backslash_before_u_is_read_as_the_specification_says() -> None:
    # Decoded first, "\\u0041" is a backslash before A: no escape a string may hold (pyoxigraph alone reads \\ and u0041).
    with pytest.raises(Malformed, match=r"found '\?s \?p \"\\\\A\" }'"):
        check('SELECT * WHERE { ?s ?p "\\\\u0041" }')


def test_escapes_are_decoded_once_everywhere() -> None:
    checked = check('\\u0053ELECT ?x WHERE { <http://example.org/caf\\u00e9> ?p "Stra\\u00DFe \\U0001F600" }')
    assert checked.text == 'SELECT ?x WHERE { <http://example.org/café> ?p "Straße 😀" }'
    assert checked.form == "SELECT"


def test_the_text_that_runs_is_the_text_that_was_checked(built_store: EmbeddedStore) -> None:
    executor = Executor(built_store, timeout=20.0, row_limit=10, workers=1)
    try:
        prepared = executor.prepare('SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(?l = "Br\\u00FCck") }')
        assert prepared.text == 'SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(?l = "Brück") }'
        assert anyio.run(executor.run, prepared, results.JSON).body.startswith(b'{"head":{"vars":["l"]}')
    finally:
        executor.close()


# --- form, dataset, updates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "\\u004cOAD SILENT <http://127.0.0.1:9/data.ttl> INTO GRAPH <http://g>",
        "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "CLEAR ALL ; DROP SILENT GRAPH <http://g>",
    ],
)
def test_updates_are_read_only(text: str) -> None:
    with pytest.raises(ReadOnly, match="SPARQL updates are not accepted: this endpoint is read-only"):
        check(text)


def test_from_is_read_from_the_parse_with_base_and_prefixes() -> None:
    checked = check(
        "BASE <http://b.example/a/> PREFIX e: <c/> PREFIX : <http://g.example/>\n"
        'SELECT * FROM e:one FROM <../two> FROM NAMED :th\\.ree WHERE { ?s ?p "FROM <http://no.example/>" } # FROM <x>'
    )
    assert checked.from_graphs == ("http://b.example/a/c/one", "http://b.example/two")
    assert checked.from_named_graphs == ("http://g.example/th.ree",)
    assert checked.prefixes == {"e": "http://b.example/a/c/", "": "http://g.example/"}


@pytest.mark.parametrize(
    ("query", "line", "column", "message"),
    [
        ("SELECT * WHERE {\n  ?s ?p ?o\n", 1, 16, "expected a } to close this { before the end of the query"),
        ('SELECT * WHERE { ?s <a> "x }', 1, 25, 'expected the closing " of the string that starts here'),
        ("SELECT * WHERE {\n ?s ?p ?o .\n FILTER(?o > 1 }", 3, 16, "expected a ) before this }"),
        ("SELECT * WHERE { ?s ?p ?o } }", 1, 29, "this } closes no {"),
        ("SELEC * WHERE { }", 1, 1, "expected SELECT, ASK, CONSTRUCT or DESCRIBE"),
        ("SELECT * WHERE { ?s ?p }", 1, 18, "not valid SPARQL from here on, found '?s ?p }'"),
    ],
)
def test_a_malformed_query_gets_one_short_message_with_a_caret(query: str, line: int, column: int, message: str) -> None:
    with pytest.raises(Malformed) as refused:
        check(query)
    text = str(refused.value)
    assert (refused.value.line, refused.value.column) == (line, column)
    first, shown, caret = text.split("\n")
    assert first.startswith(f"line {line}, column {column}: ") and message in first
    assert shown == "  " + query.split("\n")[line - 1] and caret.index("^") == shown.index(shown.strip()[0]) + column - 1 - (
        len(shown) - len(shown.lstrip()) - 2)
    assert "\\u" not in text and "|" not in text and len(text) < 300  # no lists of alternatives or Unicode ranges


def test_predefined_prefixes_are_declared_once_before_the_guard_and_a_declared_one_wins() -> None:
    checked = check("SELECT ?x WHERE { ?x a sr:Person ; schema:name ?n }", "https://example.org/sparql")
    first, rest = checked.text.split("\n", 1)
    assert first == ("BASE <https://example.org/sparql> PREFIX sr: <https://w3id.org/smartregion/ontology#> "
                     "PREFIX schema: <https://schema.org/>")
    assert rest == "SELECT ?x WHERE { ?x a sr:Person ; schema:name ?n }" and checked.added_lines == 1
    assert checked.prefixes == {"sr": "https://w3id.org/smartregion/ontology#", "schema": "https://schema.org/"}
    own = check("PREFIX sr: <http://example.org/mine#>\nSELECT ?x WHERE { ?x a sr:Person }")
    assert own.text.startswith("PREFIX sr: <http://example.org/mine#>") and own.prefixes == {"sr": "http://example.org/mine#"}
    assert check("SELECT * WHERE { ?s ?p ?o }").text == "SELECT * WHERE { ?s ?p ?o }"  # nothing to add, nothing added
    # A position after the added line counts in the query as sent.
    assert check("SELECT * WHERE {\n ?s sr:x ?o }", "https://example.org/sparql").position(2, 5) == (1, 5)
    with pytest.raises(Malformed) as refused:
        check("SELECT * WHERE {\n ?s sr:x ?o", "https://example.org/sparql")
    assert (refused.value.line, refused.value.column) == (1, 16)
    with pytest.raises(Malformed, match="the prefix ex: is neither declared nor predefined") as unknown:
        check("SELECT * WHERE { ?s ex:p ?o }")
    assert (unknown.value.line, unknown.value.column) == (1, 21) and "PREFIX ex: <...>" in unknown.value.hint
    with pytest.raises(Malformed, match="the prefix ex: is neither declared nor predefined"):
        check("SELECT * FROM ex:g WHERE { }")


def test_every_catalogue_question_passes(project_root: Path) -> None:
    from smartregion.questions import Catalogue

    questions = Catalogue(project_root / "queries").list_queries()
    assert len(questions) == len(list((project_root / "queries").glob("*.rq"))) >= 26
    for question in questions:
        for example in question.examples or ({},):
            checked = check(question.render({k: v for k, v in example.items() if k != "note"}))
            assert checked.form == "SELECT", question.name
            # the limits stay five times the largest question or more
            assert checked.width.groups <= GROUP_LIMIT // 5 and checked.width.nodes < NODE_LIMIT // 5, question.name


def test_a_verdict_is_kept_for_the_same_text() -> None:
    text = "SELECT * WHERE { ?s ?p ?o } # kept"
    assert check(text) is check(text)
    refused = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { } } # kept"
    with pytest.raises(Outgoing) as first:
        check(refused)
    with pytest.raises(Outgoing) as second:
        check(refused)
    assert first.value is not second.value and str(first.value) == str(second.value)  # a fresh exception each time


def test_the_verdicts_kept_are_bounded_by_the_size_of_their_texts() -> None:
    """A count of texts would let a client keep hundreds of megabyte-long queries in the server's memory."""
    from smartregion.store import guard

    megabyte = 1 << 20
    kept_before = guard._VERDICTS.currsize
    first = 'SELECT * WHERE { ?s ?p "' + "a" * megabyte + '" }'
    check(first)
    assert (first, None) in guard._VERDICTS
    assert guard._VERDICTS.currsize >= kept_before + 2 * megabyte  # the text and its completed copy count
    for n in range(guard.VERDICT_BYTES // (2 * megabyte) + 2):
        check(f'SELECT * WHERE {{ ?s ?p "{n}' + "b" * megabyte + '" }')
        assert guard._VERDICTS.currsize <= guard.VERDICT_BYTES
    assert (first, None) not in guard._VERDICTS  # the oldest made room
    assert check("SELECT * WHERE { ?s ?p ?o } # small") is check("SELECT * WHERE { ?s ?p ?o } # small")


# --- width and depth --------------------------------------------------------------------------------

WIDE = {
    # construct → (a query of that width, its limit, the limit's name in the message)
    "groups side by side": (lambda n: "SELECT * WHERE { " + "{} " * (n - 1) + "}", GROUP_LIMIT, "groups { }"),
    "UNION chain": (lambda n: "SELECT * WHERE { " + " UNION ".join(["{}"] * (n + 1)) + " }", UNION_LIMIT, "UNIONs"),
    "triple patterns": (lambda n: f"SELECT * WHERE {{ {NOTHING} ?p " + ", ".join(["?o"] * n) + " }", TRIPLE_LIMIT,
                        "triple patterns (a property path counts one per step)"),
    "&& chain": (lambda n: f"SELECT * WHERE {{ {NOTHING} ?p ?o FILTER(" + " && ".join(["?o"] * n) + ") }",
                 EXPRESSION_LIMIT, "FILTERs, BINDs, operators and function calls"),
}
IN_LIST = lambda n: f"SELECT * WHERE {{ {NOTHING} ?p ?o FILTER(?o IN (" + ", ".join(["1"] * n) + ")) }"


@pytest.mark.parametrize("construct", WIDE)
def test_width_is_counted_from_the_parse(construct: str) -> None:
    make, limit, what = WIDE[construct]
    check(make(limit))  # at the limit: accepted
    with pytest.raises(Complex) as refused:
        check(make(limit + 1))
    assert str(refused.value) == f"the query is too wide: {limit + 1} {what}; the limit is {limit}"
    assert refused.value.limit == limit


def test_the_size_of_the_whole_parse_is_limited() -> None:
    assert check(IN_LIST(700)).width.nodes < NODE_LIMIT  # an IN list is flat: one comparison, a node per part
    with pytest.raises(Complex) as refused:
        check(IN_LIST(900))
    assert str(refused.value).endswith(f"parts in all (terms, patterns, expressions); the limit is {NODE_LIMIT}")


def test_nesting_and_length_are_checked_before_the_parse() -> None:
    with pytest.raises(Complex) as deep:
        check("SELECT * WHERE " + "{" * (NESTING_LIMIT + 1) + "}" * (NESTING_LIMIT + 1))
    assert deep.value.limit == NESTING_LIMIT and "nests too deeply" in str(deep.value)
    started = time.monotonic()
    with pytest.raises(Complex) as long:
        check("SELECT * WHERE { " + "{ ?s ?p ?o } " * 80_000 + "}")  # a megabyte
    assert long.value.limit == TOKEN_LIMIT and str(long.value).startswith(f"the query is too long: more than {TOKEN_LIMIT} tokens")
    assert time.monotonic() - started < 30  # generous: refused before any parse


def test_the_deepest_nesting_allowed_is_parsed() -> None:
    """Bracket kinds that cost pyparsing most frames per level, at the nesting limit."""
    inner = "?x"
    for _ in range(NESTING_LIMIT - 2):
        inner = f"1 + ({inner})"
    check("SELECT * WHERE { FILTER(" + inner + ") }")
    levels = (NESTING_LIMIT - 1) // 2  # two brackets each, inside the WHERE group
    check("SELECT * WHERE { ?s ?p ?o " + "FILTER(EXISTS { ?s ?p ?o " * levels + "})" * levels + " }")


def test_a_long_block_of_triple_patterns_is_refused_clearly() -> None:
    block = "SELECT * WHERE { " + " ".join(f"?s ?p ?o{i} ." for i in range(200)) + " }"
    with pytest.raises(Complex, match="too many triple patterns joined by '.' in one group") as refused:
        check(block)
    assert "';' and ','" in refused.value.hint
    check("SELECT * WHERE { ?s " + " ; ".join(f"?p ?o{i}" for i in range(100)) + " }")  # the hint's way


# --- generated queries: nothing reaches the listener ------------------------------------------------

PIECES = [
    '"', "'", '"""', "'''", "#", "\n", "<", ">", "{", "}", ".", " ", "\\", "\\\\", "?o", "1", "ex:s", "ex:",
    "\\u0022", "\\u0027", "\\u0023", "\\u003C", "\\u003E", "\\u007B", "\\u007D", "\\u000A", "\\u005C", "\\u0020",
    "\\U00000022", "\\u005Cu0022", "\\u0053ERVICE", "\\u0053", "SERVICE", "service", "SILENT", "LOAD", "FROM", "NAMED",
    "<http://example.org/a#b>", "<{url}>", "\\u003C{url}\\u003E", "SERVICE <{url}> { ?s ?p ?o }",
]
TEMPLATES = [
    "PREFIX ex: <http://example.org/> SELECT * WHERE { " + NOTHING + " ?p ?o . {a} SERVICE <{url}> { ?s ?p ?o } {b} }",
    "SELECT * WHERE { " + NOTHING + ' ?p "{a}" {b} }',
    "SELECT * WHERE { " + NOTHING + " ?p '''{a}''' {b} }",
    "SELECT * WHERE { " + NOTHING + " ?p '{a}' . {b} }",
    'SELECT * WHERE { ' + NOTHING + ' ?p """{a}""" {b} }',
    "SELECT * WHERE { " + NOTHING + " <http://example.org/{a}> ?o {b} }",
    "PREFIX ex: <http://example.org/> SELECT * {a} WHERE { " + NOTHING + " ?p ?o {b} }",
    "{a} SELECT * WHERE { " + NOTHING + " ?p ?o # {b}\n}",
    "SELECT * WHERE { " + NOTHING + ' ?p "{a}" . SERVICE <{url}> { ?s ?p ?o } {b} }',
    "SELECT * WHERE { " + NOTHING + " ?p ?o # {a}\n SERVICE SILENT <{url}> { } {b} }",
    "SELECT * WHERE { " + NOTHING + " <http://example.org/{a}> ?o SERVICE <{url}> { } {b} }",
]


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A query template with noise from PIECES, joined with or without spaces, in two places."""
    separator = draw(st.sampled_from(["", " "]))
    noise = st.lists(st.sampled_from(PIECES), max_size=4).map(separator.join)
    # Half of them with a SERVICE clause in the template, the other half with it in the noise or nowhere.
    templates = [t for t in TEMPLATES if "SERVICE" in t] if draw(st.booleans()) else TEMPLATES
    return draw(st.sampled_from(templates)).replace("{a}", draw(noise)).replace("{b}", draw(noise))


@dataclass
class Tally:
    """What the guard made of the generated queries; a property test that refused everything proves nothing."""

    verdicts: Counter

    def judge(self, text: str) -> query_guard.CheckedQuery | None:
        try:
            checked = check(text)
        except REFUSED as exc:
            self.verdicts[type(exc).__name__] += 1
            return None
        self.verdicts["accepted"] += 1
        return checked

    def assert_varied(self) -> None:
        assert min(self.verdicts[kind] for kind in ("accepted", "Outgoing", "Malformed")) >= 3, self.verdicts


def _generated(examples: int, send: Callable[[str], None]) -> None:
    """Run ``send`` on generated queries aimed at a listener; it must never be contacted."""
    with listener() as (port, seen):
        url = f"http://127.0.0.1:{port}/sparql"

        @hypothesis_settings(max_examples=examples)
        @given(queries())
        def property_(template: str) -> None:
            send(template.replace("{url}", url))

        property_()
        time.sleep(0.3)  # a connection attempt would have arrived by now
    assert seen == []


def test_generated_queries_in_this_process() -> None:
    """The guard's verdict against the engine's own reading, many examples: what passes runs decoded."""
    tally = Tally(Counter())
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("x")))

    def send(text: str) -> None:
        checked = tally.judge(text)
        if checked is not None:
            list(store.query(checked.text))

    _generated(400, send)
    tally.assert_varied()


def _through(executor: Executor, tally: Tally) -> Callable[[str], None]:
    """Send a generated query the way /sparql does: prepare (the guard), then run what passed."""

    def send(text: str) -> None:
        checked = tally.judge(text)
        try:
            prepared = executor.prepare(text)
        except (QueryRefused, QuerySyntaxError) as exc:
            # Refused by the guard, or FROM a graph outside the store (checked after the guard).
            assert checked is None or "unknown:" in str(exc)
            return
        assert checked is not None and prepared.text == checked.text
        anyio.run(executor.run, prepared, results.JSON)

    return send


def test_generated_queries_through_the_embedded_executor(built_store: EmbeddedStore) -> None:
    tally, executor = Tally(Counter()), Executor(built_store, timeout=20.0, row_limit=10, workers=1)
    try:
        _generated(120, _through(executor, tally))
    finally:
        executor.close()
    tally.assert_varied()


def test_generated_queries_through_the_remote_backend(oxigraph_remote) -> None:
    """The remote store only ever gets a checked query: what the guard refuses is never sent."""
    tally, executor = Tally(Counter()), Executor(oxigraph_remote.remote_store(), timeout=20.0, row_limit=10)
    try:
        _generated(120, _through(executor, tally))
    finally:
        executor.close()
    tally.assert_varied()
    assert httpx.get(oxigraph_remote.query, params={"query": "ASK {}"}, timeout=10).json()["boolean"] is True


# --- over HTTP: /sparql on both backends ------------------------------------------------------------


@pytest.fixture(scope="module")
def settings(module_store: EmbeddedStore, project_root: Path) -> Settings:
    return Settings(home=project_root, store_path=module_store.path, query_timeout=10.0, row_limit=100, query_workers=2)


@pytest.fixture(scope="module")
def embedded(settings: Settings, module_store: EmbeddedStore) -> Iterator[LiveSparql]:
    with serving(settings) as base:
        yield LiveSparql(base, int(module_store.select(LABELS)[0]["n"]))


@pytest.fixture(scope="module")
def remote(settings: Settings, oxigraph_remote) -> Iterator[LiveSparql]:
    with serving(oxigraph_remote.remote_settings(settings)) as base:
        yield LiveSparql(base, int(oxigraph_remote.remote_store().select(LABELS)[0]["n"]))


@pytest.fixture(params=["embedded", "remote"])
def service(request: pytest.FixtureRequest) -> LiveSparql:
    return request.getfixturevalue(request.param)


def test_generated_queries_sent_to_sparql(service: LiveSparql) -> None:
    tally = Tally(Counter())

    def send(text: str) -> None:
        checked = tally.judge(text)
        response = httpx.post(service.sparql, data={"query": text}, timeout=30)
        if checked is not None:
            assert response.status_code in (200, 400), response.text[:300]  # 400: FROM a graph outside the store
            assert response.status_code == 200 or "unknown:" in response.json()["detail"]
        else:
            assert response.status_code == 400, response.text[:300]
            assert response.json()["title"] in ("malformed query", "query refused", "query too complex")

    _generated(100, send)
    tally.assert_varied()
    service.answers_normally()


def test_a_refused_service_tells_nothing_about_what_answers(service: LiveSparql) -> None:
    """Whether something listens at the URL, nothing does, or the name does not resolve: the same answer."""
    with listener() as (port, seen):
        bodies = []
        for target in (f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{free_port()}/", "http://nothing.invalid/"):
            response = httpx.post(service.sparql, data={"query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"})
            assert response.status_code == 400
            body = response.json()
            assert "127.0.0.1" not in body["detail"] and "invalid" not in body["detail"]
            bodies.append((body["title"], body["detail"], body["hint"]))
        time.sleep(0.3)
    assert seen == []
    assert bodies == [("query refused", "SERVICE is not allowed: a query may not make the store contact other servers",
                       "Query the other endpoint yourself and combine the answers.")] * 3


ATTACKS = {
    "5000 groups side by side": ("SELECT * WHERE { " + "{ ?s ?p ?o } " * 5000 + "}", TOKEN_LIMIT),
    "10000 UNIONs": ("SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 10_001) + " }", TOKEN_LIMIT),
    "20000 triple patterns": (f"SELECT * WHERE {{ {NOTHING} ?p " + ", ".join(["?o"] * 20_000) + " }", TOKEN_LIMIT),
    **{f"{construct} past the limit": (make(limit + 1), limit) for construct, (make, limit, _) in WIDE.items()},
    "IN list past the size limit": (IN_LIST(900), NODE_LIMIT),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_width_attacks_are_refused_and_the_engine_survives(service: LiveSparql, attack: str) -> None:
    query, limit = ATTACKS[attack]
    response = httpx.post(service.sparql, data={"query": query}, timeout=60)
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert body["title"] == "query too complex" and body["limit"] == limit and f"the limit is {limit}" in body["detail"]
    service.answers_normally()


@pytest.mark.parametrize("construct", WIDE)
def test_the_widest_query_allowed_is_answered(service: LiveSparql, construct: str) -> None:
    """At each limit the worker (or the remote server) evaluates the query and lives on."""
    make, limit, _ = WIDE[construct]
    response = httpx.post(service.sparql, data={"query": make(limit)}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    # Empty groups join to one empty solution; a UNION of them gives one each, cut at the row limit.
    expected = {"groups side by side": [{}], "UNION chain": [{}] * 100}.get(construct, [])
    assert response.json()["results"]["bindings"] == expected
    service.answers_normally()


def test_the_cli_query_command_uses_the_guard(built_store: EmbeddedStore, capsys: pytest.CaptureFixture[str]) -> None:
    with listener() as (port, seen):
        text = f"SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
        assert main(["query", "--store", str(built_store.path), text]) == 1
        time.sleep(0.3)
    assert seen == []
    assert capsys.readouterr().err.strip() == (
        "smartregion: SERVICE is not allowed: a query may not make the store contact other servers; "
        "Query the other endpoint yourself and combine the answers."
    )
    assert main(["query", "--store", str(built_store.path), "ASK { ?s ?p \"caf\\u00e9\" }"]) == 0
    assert capsys.readouterr().out.strip() in ("true", "false")


def test_too_complex_is_a_refusal_of_the_executor() -> None:
    with pytest.raises(QueryTooComplex) as refused:
        executor_check("SELECT * WHERE { " + "{} " * (GROUP_LIMIT + 1) + "}")
    assert refused.value.limit == GROUP_LIMIT and refused.value.hint == query_guard.SIMPLER_HINT


RACE = """
import threading
from smartregion.store import guard

queries = [f"SELECT ?s{n} WHERE {{ ?s{n} <http://e/p> ?o ; <http://e/q> {n} . FILTER(?o > {n}) }}" for n in range(32)]
start = threading.Barrier(len(queries))
failures = []

def one(query):
    start.wait()
    try:
        guard.check(query)
    except Exception as exc:
        failures.append(repr(exc))

threads = [threading.Thread(target=one, args=(q,)) for q in queries]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(failures), failures[:1])
"""


def test_the_first_queries_of_a_process_may_arrive_at_once() -> None:
    """A fresh server's first queries come from many threads: the grammar must survive them (in a
    fresh interpreter, where the parser has never run), and so must every query after them."""
    service = Path(__file__).resolve().parents[2] / "service"
    done = subprocess.run([sys.executable, "-c", RACE], check=False, env={**os.environ, "PYTHONPATH": str(service)},
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr


# --- catalogue questions: judged from their own text ------------------------------------------------


def test_a_filled_question_is_judged_from_its_own_text_without_a_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """/api/queries: a new parameter value costs no parse; a value that decoding would change costs one."""
    from smartregion import questions as catalogue

    question, base = catalogue.get("partners_of_actor"), "http://testserver/sparql"
    query_guard.check(question.text, base)
    parses: list[str] = []
    parse = query_guard.grammar.Query.parse_string
    monkeypatch.setattr(query_guard.grammar.Query, "parse_string", lambda text, **kw: parses.append(text) or parse(text, **kw))
    for i in range(3):
        filled = question.render({"actor": f"https://w3id.org/smartregion/id/organisation/new-{i}"})
        checked = query_guard.check_filled(question.text, filled, base)
        assert checked.text.endswith(filled) and f"<https://w3id.org/smartregion/id/organisation/new-{i}>" in checked.text
        assert checked.form == "SELECT" and checked.from_graphs == ()
    assert parses == []
    # A filled text that decoding would change (a literal with an escape in it) is parsed as any query.
    search = catalogue.get("search_by_name")
    query_guard.check(search.text, base)
    parses.clear()
    filled = search.render({"text": "Wiesen\\u0062urg"})
    assert query_guard.check_filled(search.text, filled, base) == query_guard.check(filled, base)
    assert parses == [query_guard.check(filled, base).text]


def test_on_the_event_loop_a_question_is_judged_only_where_no_parse_is_needed() -> None:
    """/api/queries prepares a question on the event loop only from a verdict already kept; the first
    answer of a question, and a value that decoding would change, are left to a thread (None here)."""
    from smartregion import questions as catalogue

    question, base = catalogue.get("persons_of_organisation"), "http://testserver/sparql"
    filled = question.render({"org": "https://w3id.org/smartregion/id/organisation/neuland21"})
    query_guard._VERDICTS.clear()
    assert query_guard.check_filled_if_judged(question.text, filled, base) is None
    query_guard.check(question.text, base)
    assert query_guard.check_filled_if_judged(question.text, filled, base) == query_guard.check_filled(question.text, filled, base)
    search = catalogue.get("search_by_name")
    query_guard.check(search.text, base)
    assert query_guard.check_filled_if_judged(search.text, search.render({"text": "Wiesen\\u0062urg"}), base) is None
    assert query_guard.check_filled_if_judged(search.text, search.render({"text": "Wiesenburg"}), base) is not None
