"""Fuzzing the HTTP API (issue 8, point 2): hypothesis over the query parameters of the network routes, the
question catalogue and ``/sparql``, and over paths under the linked-data namespaces; then schemathesis
over the whole OpenAPI description. No answer is a server error; every error is problem details (or, for
a page, an HTML page) whose message says what is wrong and names the parameter; every answer keeps to the statuses
and schemas the OpenAPI description documents.

The hypothesis tests only read (the app has no write token). Schemathesis also calls the write routes,
with the write token. Both run on copies of the built store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from smartregion import questions as catalogue
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
TOKEN = "fuzz-token-51d0"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

# Values of every kind the parameters take, right and wrong.
SAMPLES = (
    "WFBB", "DABB", "Neuland21", "Bad Belzig", "Brandenburg", "Berlin", "Soest", f"{ID}organisation/wfbb",
    "id:organisation/dabb", f"{ID}organisation/gibtsnicht",
    "2021", "2021-10", "2021-10-27", "2021-13", "0000", "99999", "-1", "0", "1", "3", "13", "1001",
    "1e309", "nan", "inf", "0.0000001", "degree", "betweenness", "eigenvector", "json", "graphml", "gexf", "csv", "cooperation",
    "session", "person", "organisation", "ministry", "actor", "%", "*", "'", '"} ; DROP ALL #', "\x00", " ", "Ä" * 300,
)
FILTERS = ("kind", "since", "until", "region", "type")
ROUTES = {  # route: (its parameters, a key every successful answer has)
    "/api/search": (("q", "type", "limit"), "results"),
    "/api/cooperations": (("iri", *FILTERS), "partners"),
    "/api/path": (("from", "to", "max", *FILTERS), "connected"),
    "/api/ego": (("iri", "depth", *FILTERS), "center"),
    "/api/centrality": (("measure", "top", *FILTERS), "ranking"),
    "/api/communities": (("resolution", *FILTERS), "communities"),
    "/api/brokers": (("between", *FILTERS), "brokers"),
    "/api/network": (("format", *FILTERS), None),
}
values = st.one_of(st.text(max_size=30), st.sampled_from(SAMPLES))


@pytest.fixture(scope="module")
def reader(module_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    """The app without a write token, over a copy of the store all the same."""
    settings_ = Settings(home=project_root, store_path=module_store.path, query_workers=1, query_timeout=3, row_limit=100)
    with TestClient(create_app(settings_)) as client:
        yield client


def assert_error(response, names: set[str]) -> dict:
    """A client error as problem details whose message says what is wrong and names the parameter (one of ``names``)."""
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["type"], body
    if "errors" in body:  # FastAPI's check of a parameter's type: each error names its parameter
        assert body["errors"] and all(error["msg"] and error["loc"][-1] in names for error in body["errors"]), body
    named = re.findall(r"parameter '([\w-]+)'", body["detail"])
    assert named and set(named) <= names, body
    assert body["parameter"] in names, body
    return body


@st.composite
def network_requests(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A network route and some of its parameters, each given once or several times."""
    route = draw(st.sampled_from(sorted(ROUTES)))
    names = ROUTES[route][0]
    return route, draw(st.dictionaries(st.sampled_from(names), values | st.lists(values, min_size=1, max_size=3), max_size=4))


@settings(max_examples=80)
@given(request=network_requests())
@example(request=("/api/communities", {"resolution": "1e-300"}))
@example(request=("/api/cooperations", {"iri": "WFBB", "since": "2022", "until": "2021"}))
def test_network_routes_answer_or_name_the_parameter(reader: TestClient, request: tuple[str, dict[str, object]]) -> None:
    route, params = request
    names, key = ROUTES[route]
    response = reader.get(route, params=params)
    if response.status_code == 200:
        if key:
            assert key in response.json()
        return
    body = assert_error(response, set(names))
    assert response.status_code in (404, 422), body


QUESTION_NAMES = sorted(q.name for q in catalogue.list_queries())
QUESTION_PARAMETERS = sorted({p.name for q in catalogue.list_queries() for p in q.parameters} | {"format"})


@settings(max_examples=40)
@given(
    # A name with "/" or only dots is another path, not a question's name.
    name=st.sampled_from(QUESTION_NAMES)
    | st.text(st.characters(exclude_characters="/"), min_size=1, max_size=20).filter(lambda s: s.strip(".")),
    params=st.dictionaries(st.sampled_from(QUESTION_PARAMETERS) | st.text(max_size=10), values, max_size=4),
    accept=st.sampled_from([None, "application/json", "text/csv", "text/turtle", "*/*", "x"]),
)
def test_catalogue_routes_answer_or_say_what_is_wrong(
    reader: TestClient, name: str, params: dict[str, str], accept: str | None
) -> None:
    response = reader.get(f"/api/queries/{quote(name, safe='')}", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        assert response.headers["content-type"].startswith(("application/json", "text/csv"))
        return
    if response.headers["content-type"].startswith("text/plain"):  # for clients that accept only text
        error, detail, hint = re.fullmatch(r"([^:\n]+): (.+)\n(.+)\n", response.text, re.DOTALL).groups()
        assert error and detail and hint
        return
    body = response.json()
    assert body["title"] and body["detail"] and body["hint"], body
    if "\x00" in name:  # no path holds NUL: refused before any route (app.PathGuard)
        assert response.status_code == 404 and body["title"] == "not found" and "NUL" in body["detail"]
    elif response.status_code == 404:
        assert body["title"] == "unknown question" and repr(name) in body["detail"] and body["known"]
    elif response.status_code == 422:
        assert body["parameter"] in params or body["parameter"] in {p.name for p in catalogue.get(name).parameters}
        assert repr(body["parameter"]) in body["detail"] or body["parameter"] == "format"
    else:
        assert response.status_code == 406 and body["offered"], body


SPARQL_WORDS = (
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "*", "WHERE", "{", "}", "(", ")", ".", ";", ",", "?s", "?p", "?o", "$x", "a",
    "<http://a/b>", f"<{ID}organisation/wfbb>", "rdfs:label", "PREFIX", "rdfs:", "<http://www.w3.org/2000/01/rdf-schema#>",
    '"x"', '"x"@de', "1", "-1.5e3", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "BIND", "AS", "VALUES", "LIMIT", "OFFSET",
    "ORDER", "BY", "GROUP", "COUNT", "REGEX", "STR", "SERVICE", "FROM", "NAMED", "LOAD", "INSERT", "DATA", "DROP", "ALL", "#",
    "\n", "\\u0053ERVICE", "'''", '"',
)


@settings(max_examples=40)
@given(query=st.lists(st.sampled_from(SPARQL_WORDS), max_size=25).map(" ".join) | st.text(max_size=60))
@example(query="SELECT * WHERE { ?s ?p ?o } LIMIT 3")
@example(query="SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
def test_sparql_answers_or_says_what_is_wrong(reader: TestClient, query: str) -> None:
    response = reader.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code in (200, 400, 403, 406, 503), response.text
    if response.status_code == 200:
        assert "head" in response.json()  # SELECT or ASK results
        return
    body = response.json()
    assert body["title"] and body["detail"] and body["hint"], body
    if body["title"] == "malformed query":  # says where: line and column, or the prefix it does not know
        assert re.match(r"(line \d+, column \d+|error at \d+:\d+|the prefix )", body["detail"]), body["detail"]


PAGE_ACCEPTS = (None, "text/html", "application/json", "text/turtle", "application/ld+json;q=0.5, */*;q=0.1", "image/png", "x")


@settings(max_examples=50)
@given(
    prefix=st.sampled_from(["/id/", "/source/", "/ontology."]),
    rest=st.text(max_size=40)
    | st.sampled_from(["organisation/wfbb", "organisation/wfbb.ttl", "person/madeleine-lee.xyz", "a/b/c.d"]),
    accept=st.sampled_from(PAGE_ACCEPTS),
    lang=st.sampled_from([None, "de", "en", "fr", "<script>"]),
)
@example(prefix="/ontology", rest="", accept="text/turtle", lang=None)
def test_linked_data_paths_answer_or_help(
    reader: TestClient, prefix: str, rest: str, accept: str | None, lang: str | None
) -> None:
    response = reader.get(
        prefix + quote(rest, safe="/."), params={"lang": lang} if lang else {}, headers={"Accept": accept} if accept else {}
    )
    assert response.status_code in (200, 404, 406), response.text
    if response.status_code == 404 and response.headers["content-type"].startswith("text/html"):
        assert "<form" in response.text and 'name="q"' in response.text  # a search box to find what was meant
    elif response.status_code == 404:
        body = response.json()
        # The linked-data answer suggests names; a path no route takes (/source/a/b) gets the framework's 404.
        assert response.headers["content-type"].startswith("application/problem+json"), response.headers
        assert body["status"] == 404 and body["detail"] and (isinstance(body.get("suggestions"), list) or body["detail"] == "Not Found"), body
    elif response.status_code == 406:
        assert response.json()["offered"]
    assert "<script>" not in response.text


# --- schemathesis over the OpenAPI description ------------------------------------------------------


@pytest.fixture
def writer(project_root: Path, fresh_store: EmbeddedStore) -> Iterator[TestClient]:
    """The app over a copy of the store with a write token, so that the write routes run too."""
    settings_ = Settings(home=project_root, store_path=fresh_store.path, write_token=TOKEN, query_workers=1, query_timeout=3)
    with TestClient(create_app(settings_)) as client:
        yield client


def test_every_operation_keeps_to_the_openapi_description(writer: TestClient, subtests: pytest.Subtests) -> None:
    """Every documented operation, with valid and with invalid input: no server error, only documented
    statuses, and answers that fit their documented schemas."""
    schema = schemathesis.openapi.from_dict(writer.get("/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert paths >= {"/sparql", "/api/queries/{name}", "/api/cooperations", "/id/{path}", "/api/contributions", "/api/forget"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(operation=operation.label, mode=mode.value):

                @settings(max_examples=6)
                @given(case=operation.as_strategy(generation_mode=mode))
                def call(case: schemathesis.Case) -> None:
                    request = case.as_transport_kwargs(base_url=str(writer.base_url), headers=AUTH)
                    request.pop("cookies", None)  # none are documented; the test client takes them per client
                    response = writer.request(**request)
                    case.validate_response(response, checks=CHECKS)

                try:
                    call()
                except Unsatisfiable:
                    pass  # no invalid input exists for an operation without parameters
