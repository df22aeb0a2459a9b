"""Fuzzing the question catalogue's parameter substitution (issue 8, point 2).

For every parameter of every question in ``queries/``, any value either is refused with an error naming
the parameter, or becomes exactly one RDF term: the substituted query parses (pyoxigraph), the term means
the value and nothing else, and the query has the same structure as with a harmless value — compared on
its SPARQL algebra by a second, independent parser (rdflib), with every constant reduced to its kind.
So no value, however it is quoted, can add a pattern, a filter, a clause or an update, and the query
guard's verdict taken from the question's own text is the one a parse of the filled text gives. Run on
the store through ``/api/queries/{name}``, no value gives a server error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Identifier, Variable
from smartregion import questions as catalogue
from smartregion.settings import Settings
from smartregion.store import guard
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

XSD = "http://www.w3.org/2001/XMLSchema#"
ID = "https://w3id.org/smartregion/id/"
QUESTIONS = {q.name: q for q in catalogue.list_queries()}
PARAMETERS = [(q.name, p.name) for q in QUESTIONS.values() for p in q.parameters]

# Values that would change a query's structure if they were pasted into it as text.
INJECTIONS = (
    '"} ; DROP ALL #',
    "> . ?s ?p ?o <",
    "'''} UNION { ?s ?p ?o } #",
    '""" . } } SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } #',
    "\\",
    '\\"',
    "?s",
    "$x",
    "#",
    "} LIMIT 1",
    "\n} ; INSERT DATA { <urn:a> <urn:b> <urn:c> } #\n",
    "x\x00y\u2028z\u202e",
    "0.5 } FILTER(true) {",
    '2021-01-01"^^<urn:x> . ?s ?p ?o #',
    "https://w3id.org/smartregion/id/organisation/wfbb> . ?s ?p ?o . <urn:x",
    "https://w3id.org/smartregion/id/x#frag?q=1&a=%20",
    "urn:x",
)


def values(parameter: catalogue.Parameter) -> st.SearchStrategy[str]:
    """Any text, the injections, and values of the parameter's own type (valid or nearly)."""
    own = {
        "iri": st.one_of(
            st.text().map(lambda s: ID + "organisation/" + s), st.from_regex(r"[a-z][a-z0-9+.-]*:\S*", fullmatch=True)
        ),
        "integer": st.one_of(st.integers().map(str), st.from_regex(r"[+-]?[0-9]+", fullmatch=True)),
        "decimal": st.one_of(st.decimals(allow_nan=False, allow_infinity=False).map(str), st.floats().map(str)),
        "date": st.one_of(st.dates().map(lambda d: d.isoformat()), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True)),
    }.get(parameter.type, st.text(st.characters(codec="utf-8")))
    return st.one_of(st.text(), st.sampled_from(INJECTIONS), own)


def expected_term(parameter: catalogue.Parameter, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term a value of this parameter must become."""
    if parameter.type == "iri":
        return ox.NamedNode(value)
    if parameter.type == "lang":
        return ox.Literal(value, language=parameter.lang)
    if parameter.type == "literal":
        return ox.Literal(value)
    return ox.Literal(value, datatype=ox.NamedNode(XSD + parameter.type))


def shape(node: object) -> object:
    """The SPARQL algebra with every constant reduced to its kind (IRI, literal); variables keep their names."""
    if isinstance(node, Variable):
        return ("?", str(node))
    if isinstance(node, Identifier):
        return type(node).__name__
    if isinstance(node, CompValue):
        if node.name in ("UnaryMinus", "UnaryPlus") and isinstance(node["expr"], Identifier):
            return "Literal"  # rdflib's reading of one signed number token, -1 or +007
        return (node.name, tuple((key, shape(value)) for key, value in node.items()))
    if isinstance(node, dict):
        return tuple((key, shape(value)) for key, value in node.items())
    if isinstance(node, (list, tuple)):
        return tuple(shape(item) for item in node)
    if isinstance(node, (set, frozenset)):
        return frozenset(shape(item) for item in node)
    return node


def algebra_shape(text: str) -> object:
    return shape(translateQuery(parseQuery(text)).algebra)


def base_values(question: catalogue.Query) -> dict[str, str]:
    return {p.name: p.example for p in question.parameters}


@cache
def harmless_shape(question_name: str) -> object:
    question = QUESTIONS[question_name]
    return algebra_shape(question.render(base_values(question)))


def verdict(judge: Callable[[], guard.CheckedQuery]) -> object:
    try:
        checked = judge()
    except guard.GuardError as exc:
        return type(exc), str(exc)
    return checked.text, checked.form, checked.from_graphs, checked.from_named_graphs, checked.prefixes, checked.added_lines


def assert_same_verdict(question: catalogue.Query, text: str) -> None:
    """The guard's verdict on the filled question, taken from the question's own text, is the one a parse of
    the filled text gives (/api/queries relies on it: guard.check_filled)."""
    base = "http://testserver/sparql"
    assert verdict(lambda: guard.check_filled(question.text, text, base)) == verdict(lambda: guard.check(text, base))


def check_substitution(question_name: str, parameter_name: str, value: str) -> None:
    """The property: refused with the parameter named, or exactly one term and an unchanged structure."""
    question = QUESTIONS[question_name]
    parameter = question.parameter(parameter_name)
    try:
        text = question.render({**base_values(question), parameter.name: value})
    except catalogue.ParameterError as exc:
        assert exc.parameter == parameter.name and f"parameter {parameter.name!r}" in str(exc)
        assert exc.expected and exc.example, exc
        return
    assert_same_verdict(question, text)
    if value == "":  # not given: the default, or an unbound variable
        ox.Store().query(text)
        return
    term = parameter.term(value)
    [solution] = list(ox.Store().query(f"SELECT ?v WHERE {{ VALUES ?v {{ {term} }} }}"))
    if parameter.type in ("integer", "decimal"):  # the parser writes numbers canonically: 00 is 0
        assert solution["v"].datatype.value == XSD + parameter.type and Decimal(solution["v"].value) == Decimal(value)
    else:
        assert solution["v"] == expected_term(parameter, value)
    ox.Store().query(text)  # parses (and runs, on an empty store)
    assert algebra_shape(text) == harmless_shape(question.name)


@settings(max_examples=120)
@given(data=st.data())
def test_any_value_is_refused_or_becomes_one_term(data: st.DataObject) -> None:
    question_name, parameter_name = data.draw(st.sampled_from(PARAMETERS), label="parameter")
    parameter = QUESTIONS[question_name].parameter(parameter_name)
    check_substitution(question_name, parameter_name, data.draw(values(parameter), label="value"))


@pytest.mark.parametrize(("question_name", "parameter_name"), PARAMETERS)
def test_injections_stay_one_term(question_name: str, parameter_name: str) -> None:
    for value in INJECTIONS:
        check_substitution(question_name, parameter_name, value)


def test_an_injection_in_a_string_is_a_string() -> None:
    """The two classic breakouts, spelled out: quoted into one literal, and refused as an IRI."""
    search = QUESTIONS["search_by_name"]
    text = search.render({"text": '"} ; DROP ALL #'})
    assert '"\\"} ; DROP ALL #"' in text and "DROP ALL" not in text.replace('"\\"} ; DROP ALL #"', "")
    with pytest.raises(catalogue.ParameterError, match="parameter 'actor' must be an absolute IRI"):
        QUESTIONS["partners_of_actor"].render({"actor": "> . ?s ?p ?o <"})


# --- running on the store ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(module_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    # Without a write token: the questions only read.
    with TestClient(create_app(Settings(home=project_root, store_path=module_store.path, query_workers=1))) as test_client:
        yield test_client


@cache
def columns(client: TestClient, question_name: str) -> list[str]:
    question = QUESTIONS[question_name]
    response = client.get(f"/api/queries/{question_name}", params=base_values(question))
    assert response.status_code == 200, response.text
    return response.json()["columns"]


def ask(client: TestClient, question_name: str, parameter_name: str, value: str) -> None:
    """Answered (with the question's columns and the value as given), or refused naming the parameter."""
    question = QUESTIONS[question_name]
    response = client.get(f"/api/queries/{question_name}", params={**base_values(question), parameter_name: value})
    answer = response.json()
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert answer["title"] == "invalid parameter" and answer["parameter"] == parameter_name
        assert f"parameter {parameter_name!r}" in answer["detail"] and answer["hint"]
        return
    assert answer["parameters"].get(parameter_name) == (value or question.parameter(parameter_name).default)
    assert answer["columns"] == columns(client, question_name) and answer["count"] == len(answer["rows"])


@settings(max_examples=40)
@given(data=st.data())
def test_no_value_makes_a_question_fail_on_the_store(client: TestClient, data: st.DataObject) -> None:
    question_name, parameter_name = data.draw(st.sampled_from(PARAMETERS), label="parameter")
    value = data.draw(values(QUESTIONS[question_name].parameter(parameter_name)), label="value")
    ask(client, question_name, parameter_name, value)


def test_the_injection_of_the_issue_finds_nothing(client: TestClient) -> None:
    response = client.get("/api/queries/search_by_name", params={"text": '"} ; DROP ALL #'})
    assert response.status_code == 200 and response.json()["rows"] == []
    ask(client, "partners_of_actor", "actor", "> . ?s ?p ?o <")
