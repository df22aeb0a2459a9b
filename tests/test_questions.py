"""The question catalogue engine: headers, parameters, safe substitution, and its REST API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from smartregion import questions as catalogue
from smartregion.questions import Catalogue, CatalogueError, ParameterError
from smartregion.settings import Settings
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"

SAMPLE = '''#+ summary: Events of an organiser
#+ description: |
#+   Events an actor organised, optionally since a date.
#+ tags:
#+   - events
#+ defaults:
#+   - org: https://w3id.org/smartregion/id/organisation/wfbb
#+ examples:
#+   - org: https://w3id.org/smartregion/id/organisation/bitkom
#+     note: one event
#+ method: GET
PREFIX schema: <https://schema.org/>
# ?_org_iri in a comment stays as it is
SELECT ?event ("?_org_iri" AS ?quoted) (<http://example.org/?_org_iri> AS ?iri) WHERE {
  ?event schema:organizer ?_org_iri ; schema:name ?name .
  OPTIONAL { ?event schema:startDate ?start }
  FILTER(COALESCE(?start >= ?__since_date, true))
  FILTER(COALESCE(CONTAINS(?name, ?__text_literal), true))
  FILTER(COALESCE(?name = ?__label_de, true))
  FILTER(COALESCE(?n >= ?__min_integer, true))
  FILTER(COALESCE(?n >= ?__share_decimal, true))
}
'''


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def question(tmp_path: Path) -> catalogue.Query:
    write(tmp_path, "events_of_organiser", SAMPLE)
    return Catalogue(tmp_path).get("events_of_organiser")


# --- header and parameters ----------------------------------------------------------------------


def test_header_is_read(question: catalogue.Query) -> None:
    assert question.summary == "Events of an organiser"
    assert question.description == "Events an actor organised, optionally since a date."
    assert question.tags == ("events",)
    assert question.method == "GET"
    assert question.examples == ({"org": "https://w3id.org/smartregion/id/organisation/bitkom", "note": "one event"},)


def test_parameters_are_found_with_type_and_requiredness(question: catalogue.Query) -> None:
    found = {p.name: (p.type, p.lang, p.required, p.default) for p in question.parameters}
    assert found == {
        "org": ("iri", None, True, "https://w3id.org/smartregion/id/organisation/wfbb"),
        "since": ("date", None, False, None),
        "text": ("literal", None, False, None),
        "label": ("lang", "de", False, None),
        "min": ("integer", None, False, None),
        "share": ("decimal", None, False, None),
    }
    # The example comes from the header's examples before the default.
    assert question.parameter("org").example == "https://w3id.org/smartregion/id/organisation/bitkom"


def test_render_substitutes_only_whole_variables_outside_strings_iris_and_comments(question: catalogue.Query) -> None:
    text = question.render({"org": "https://w3id.org/smartregion/id/organisation/neuland21"})
    assert "schema:organizer <https://w3id.org/smartregion/id/organisation/neuland21> ;" in text
    assert "# ?_org_iri in a comment stays as it is" in text
    assert '("?_org_iri" AS ?quoted)' in text
    assert "(<http://example.org/?_org_iri> AS ?iri)" in text
    # Optional parameters not given stay unbound variables.
    assert "?__since_date" in text and "?__label_de" in text


def test_render_uses_defaults_and_writes_typed_terms(question: catalogue.Query) -> None:
    text = question.render({"since": "2021-01-31", "text": "Smart", "label": "Dörfer", "min": "+007", "share": "0.5"})
    assert "schema:organizer <https://w3id.org/smartregion/id/organisation/wfbb> ;" in text
    assert '?start >= "2021-01-31"^^<http://www.w3.org/2001/XMLSchema#date>' in text
    assert 'CONTAINS(?name, "Smart")' in text
    assert '?name = "Dörfer"@de' in text
    assert "?n >= +007," in text
    assert '?n >= "0.5"^^<http://www.w3.org/2001/XMLSchema#decimal>' in text


def test_rendered_query_parses_and_answers(question: catalogue.Query) -> None:
    store = ox.Store()
    wfbb = ox.NamedNode("https://w3id.org/smartregion/id/organisation/wfbb")
    event = ox.NamedNode("https://w3id.org/smartregion/id/event/e1")
    store.add(ox.Quad(event, ox.NamedNode("https://schema.org/organizer"), wfbb))
    store.add(ox.Quad(event, ox.NamedNode("https://schema.org/name"), ox.Literal("Smart Country")))
    rows = list(store.query(question.render({})))
    assert [row["event"] for row in rows] == [event]
    assert list(store.query(question.render({"text": "nothing like it"}))) == []


# --- injection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "x> } ; DROP ALL #",
        "https://example.org/a> } ; DROP ALL #",
        "https://example.org/a b",
        'https://example.org/"',
        "https://example.org/{x}",
        "https://example.org/\\u003E",
        "https://example.org/\nDROP ALL",
        "relative/path",
        "",
    ],
)
def test_iri_injection_is_rejected(question: catalogue.Query, value: str) -> None:
    if value == "":  # empty means "not given": the default is used, nothing is injected
        assert "<https://w3id.org/smartregion/id/organisation/wfbb>" in question.render({"org": value})
        return
    with pytest.raises(ParameterError) as caught:
        question.render({"org": value})
    assert caught.value.parameter == "org"
    assert "absolute IRI" in str(caught.value)


@pytest.mark.parametrize(
    "value",
    ['" ) } ; DROP ALL #', 'a"b', "back\\slash \\u0022 } DROP ALL #", "line\nbreak ''' \"\"\"", "?_org_iri"],
)
def test_literal_injection_is_harmless(question: catalogue.Query, value: str) -> None:
    store = ox.Store()
    event = ox.NamedNode("https://w3id.org/smartregion/id/event/e1")
    store.add(ox.Quad(event, ox.NamedNode("https://schema.org/organizer"), ox.NamedNode("https://w3id.org/smartregion/id/organisation/wfbb")))
    store.add(ox.Quad(event, ox.NamedNode("https://schema.org/name"), ox.Literal(f"before {value} after")))
    text = question.render({"text": value})
    # The value is one string literal: the query still parses, and it matches exactly the stored name.
    assert [row["event"] for row in store.query(text)] == [event]
    assert list(store.query(question.render({"text": value + "!"}))) == []


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("since", "2021-02-30", "a date YYYY-MM-DD"),
        ("since", '2021-01-01"^^<x> } DROP ALL #', "a date YYYY-MM-DD"),
        ("min", "12 } DROP ALL", "an integer"),
        ("min", "1.5", "an integer"),
        ("share", "1e5", "a decimal number"),
    ],
)
def test_typed_values_are_checked(question: catalogue.Query, name: str, value: str, expected: str) -> None:
    with pytest.raises(ParameterError) as caught:
        question.render({name: value})
    assert caught.value.parameter == name
    assert expected in str(caught.value) and "e.g." in str(caught.value)


# --- errors -------------------------------------------------------------------------------------


def test_missing_required_parameter_is_named(tmp_path: Path) -> None:
    write(tmp_path, "no_default", "#+ summary: s\nSELECT * WHERE { ?s ?p ?_thing_iri }\n")
    with pytest.raises(ParameterError) as caught:
        Catalogue(tmp_path).get("no_default").render({})
    assert caught.value.parameter == "thing"
    assert "missing parameter 'thing'" in str(caught.value)


def test_unknown_parameter_is_named(question: catalogue.Query) -> None:
    with pytest.raises(ParameterError, match="unknown parameter 'orgg'.*known: org, since"):
        question.render({"orgg": "https://example.org/"})


def test_unknown_question_lists_the_known(question: catalogue.Query, tmp_path: Path) -> None:
    with pytest.raises(KeyError) as caught:
        Catalogue(tmp_path).get("nope")
    assert str(caught.value) == "unknown question 'nope', known: events_of_organiser"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * WHERE { ?s ?p ?o }\n", "summary"),
        ("#+ summary: s\n#+ pagination: 10\nSELECT * {}\n", "unknown header keys"),
        ("#+ summary: s\n#+ method: POST\nSELECT * {}\n", "method POST"),
        ("#+ summary: [unclosed\nSELECT * {}\n", "not valid YAML"),
        ("#+ summary: s\n#+ defaults:\n#+   - org: x\nSELECT * {}\n", "unknown parameter 'org'"),
        ("#+ summary: s\n#+ enumerate:\n#+   - org\nSELECT * {}\n", "unknown parameter 'org'"),
        ("#+ summary: s\n#+ defaults:\n#+   - org: not an iri\nSELECT * { ?s ?p ?_org_iri }\n", "parameter 'org' must be an absolute IRI"),
        ("#+ summary: s\n#+ examples:\n#+   - year: 20x1\nSELECT * { ?s ?p ?_year_integer }\n", "parameter 'year' must be an integer"),
        ("#+ summary: s\nSELECT * { ?s ?p ?_org_iri, ?__org_iri }\n", "use one spelling"),
        ("#+ summary: s\nSELECT * { ?s ?p ?_format_literal }\n", "reserved"),
    ],
)
def test_broken_files_name_themselves_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "broken", text)
    with pytest.raises(CatalogueError, match=message) as caught:
        Catalogue(tmp_path)
    assert str(caught.value).startswith("broken.rq:")


def test_file_names_must_be_snake_case(tmp_path: Path) -> None:
    write(tmp_path, "Bad-Name", "#+ summary: s\nSELECT * {}\n")
    with pytest.raises(CatalogueError, match="snake_case"):
        Catalogue(tmp_path)


# --- the project's catalogue --------------------------------------------------------------------


def test_project_catalogue_is_complete() -> None:
    questions = catalogue.list_queries()
    assert len(questions) >= 20
    for question in questions:
        assert question.description and question.tags and question.examples, question.name
        # The bare URL of every question answers something: required parameters have defaults.
        assert all(p.default is not None for p in question.parameters if p.required), question.name
        assert catalogue.get(question.name) is question


@pytest.mark.parametrize("question", catalogue.list_queries(), ids=lambda q: q.name)
def test_project_questions_parse_with_their_examples(question: catalogue.Query) -> None:
    store = ox.Store()
    for example in [{}, *question.examples]:
        params = {k: v for k, v in example.items() if k != "note"}
        if not example and any(p.required and p.default is None for p in question.parameters):
            continue
        result = store.query(question.render(params), use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions), f"{question.name} must be a SELECT query"


# --- the REST API ---------------------------------------------------------------------------------


def api_client(store, row_limit: int = 1000) -> Iterator[TestClient]:
    """The service's own app over the built store, with one query worker."""
    settings = Settings(store_path=store.path, row_limit=row_limit, query_workers=1)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def client(built_store) -> Iterator[TestClient]:
    yield from api_client(built_store)


def test_api_lists_questions_with_parameters_and_urls(client: TestClient) -> None:
    listing = client.get("/api/queries").json()["queries"]
    assert [q["name"] for q in listing] == sorted(q.name for q in catalogue.list_queries())
    partners = next(q for q in listing if q["name"] == "partners_of_actor")
    assert partners["summary"] == catalogue.get("partners_of_actor").summary
    assert partners["parameters"] == [
        {
            "name": "actor",
            "type": "iri",
            "expected": "an absolute IRI",
            "required": False,  # it has a default
            "default": ID + "organisation/wfbb",
            "example": ID + "organisation/wfbb",
        }
    ]
    # Under the configured base URL (the default here), not the address the request used.
    assert partners["url"] == "https://w3id.org/smartregion/api/queries/partners_of_actor"
    assert partners["example_url"] == "https://w3id.org/smartregion/api/queries/partners_of_actor?actor=https%3A%2F%2Fw3id.org%2Fsmartregion%2Fid%2Forganisation%2Fwfbb"
    period = next(q for q in listing if q["name"] == "events_in_period")
    area = next(p for p in period["parameters"] if p["name"] == "area")
    assert area["required"] is False and area["default"] is None


def test_api_runs_a_question_as_json(client: TestClient) -> None:
    response = client.get("/api/queries/members_of_project", params={"project": ID + "project/5-fuer-suedwestfalen"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "members_of_project"
    assert body["parameters"] == {"project": ID + "project/5-fuer-suedwestfalen"}
    assert body["columns"] == ["member", "memberLabel", "role", "roleLabel", "source"]
    # 3 roles from document 003; 5 member municipalities, stated by document 003 and the MPSC list each.
    assert body["count"] == len(body["rows"]) == 3 + 5 * 2 and body["truncated"] is False
    municipalities = sorted({r["memberLabel"] for r in body["rows"] if r["role"].endswith("#memberMunicipality")})
    assert municipalities == ["Arnsberg", "Bad Berleburg", "Menden (Sauerland)", "Olpe", "Soest"]


def test_api_uses_defaults_and_returns_unbound_cells_as_null(client: TestClient) -> None:
    body = client.get("/api/queries/roles_of_person").json()
    assert body["parameters"] == {"person": ID + "person/madeleine-lee"}
    boston = next(r for r in body["rows"] if r["in"] == ID + "organisation/boston-consulting-group")
    assert boston["jobTitle"] is None


@pytest.mark.parametrize(("params", "headers"), [({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})])
def test_api_answers_csv(client: TestClient, params: dict, headers: dict) -> None:
    response = client.get("/api/queries/persons_of_organisation", params=params, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["personLabel"] for r in rows] == ["Alex Dieke", "Annette Hillebrand", "Britta Jansen", "Carolina Höpfner"]


def test_api_unknown_question_is_404_with_the_known_names(client: TestClient) -> None:
    response = client.get("/api/queries/no_such_question")
    assert response.status_code == 404
    body = response.json()
    assert "no_such_question" in body["detail"] and "partners_of_actor" in body["known"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"person": "x> } ; DROP ALL #"}, "person"),
        ({"persn": ID + "person/madeleine-lee"}, "persn"),
        ({"format": "xml"}, "format"),
    ],
)
def test_api_bad_parameters_are_422_naming_them(client: TestClient, params: dict, parameter: str) -> None:
    response = client.get("/api/queries/roles_of_person", params=params)
    assert response.status_code == 422
    assert response.json()["parameter"] == parameter


def test_api_missing_parameter_is_422_with_an_example(client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every question of the project has defaults, so the API is pointed at a folder with one that has none.
    write(tmp_path, "needs_thing", "#+ summary: s\nSELECT * WHERE { ?s ?p ?_thing_iri }\n")
    monkeypatch.setattr(catalogue, "default_catalogue", lambda: Catalogue(tmp_path))
    response = client.get("/api/queries/needs_thing")
    assert response.status_code == 422
    body = response.json()
    assert body["parameter"] == "thing" and body["expected"] == "an absolute IRI"
    assert body["example"].startswith("https://")


def test_api_reports_a_cut_answer(built_store) -> None:
    for client in api_client(built_store, row_limit=3):
        body = client.get("/api/queries/source_documents").json()
        assert body["count"] == 3 and body["truncated"] is True
        assert client.get("/api/queries/source_documents").headers["X-Result-Truncated"] == "true"


def test_openapi_documents_names_and_parameters(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/queries/{name}"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert "partners_of_actor" in parameters["name"]["examples"]
    assert "partners_of_actor" in parameters["actor"]["description"]
    assert parameters["format"]["schema"]["enum"] == ["json", "csv", "xlsx"]
