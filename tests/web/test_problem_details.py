"""Every JSON error of every route is problem details (RFC 9457, issue 14 point 3).

The app's own OpenAPI description says which operations there are and what they take; for each one
the test sends bad input picked from its parameters (one missing, one of the wrong type or value, an
unknown id), a wrong Accept, a body the route does not take, and a write without (or with a wrong)
token, in the style of Datasette's error-shape checks. Every 4xx or 5xx answer in JSON must be
``application/problem+json`` with ``type`` (an absolute URI), ``title``, ``status`` (the HTTP status)
and ``detail``; none may be plain ``application/json``. A few answers are checked in full.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

TOKEN = "problem-token-8c1e"
UNKNOWN = "Zzyzx"
WRONG_ACCEPT = "application/x-nothing-of-the-kind"
METHODS = ("get", "post", "put", "delete", "patch")


@pytest.fixture(scope="module")
def reader(module_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    """No write token: every write is refused."""
    settings = Settings(home=project_root, store_path=module_store.path, query_workers=1, query_timeout=3, row_limit=100)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def writer(module_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    """With a write token; it is only sent with bodies the routes refuse, so nothing is written."""
    settings = Settings(
        home=project_root, store_path=module_store.path, write_token=TOKEN, query_workers=1, query_timeout=3, row_limit=100
    )
    with TestClient(create_app(settings)) as client:
        yield client


def assert_problem(response) -> dict:
    """An error in JSON is problem details whose status is the answer's."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    assert media_type == "application/problem+json", (response.request.method, response.request.url, media_type, response.text[:300])
    body = response.json()
    assert isinstance(body, dict), body
    parts = urlsplit(body.get("type", ""))
    assert parts.scheme in ("http", "https") and parts.netloc, body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert body.get("status") == response.status_code, body
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    return body


def check(response, seen: list[tuple[str, str, int]]) -> None:
    """Every error answer that is JSON-ish must be problem details."""
    if response.status_code < 400:
        return
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    assert media_type != "application/json", (response.request.method, response.request.url, response.text[:300])
    if "json" in media_type:
        assert_problem(response)
        seen.append((response.request.method, response.request.url.path, response.status_code))


def _value(parameter: dict) -> object:
    """A plausible value of the parameter, from its examples if it has any."""
    schema = parameter.get("schema", {})
    if "example" in parameter:
        return parameter["example"]
    for examples in (parameter.get("examples"), schema.get("examples")):
        if isinstance(examples, dict) and examples:
            return next(iter(examples.values())).get("value")
        if isinstance(examples, list) and examples:
            return examples[0]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type") or next((s.get("type") for s in schema.get("anyOf", []) if s.get("type") != "null"), "string")
    return {"integer": 1, "number": 1, "boolean": "true", "array": ["x"]}.get(kind, "x")


def _wrong_values(parameter: dict) -> list[object]:
    """Values the parameter does not take: of the wrong type, outside its enum, naming nothing."""
    schema = parameter.get("schema", {})
    kinds = {schema.get("type"), *(s.get("type") for s in schema.get("anyOf", []))}
    items = schema.get("items", {})
    wrong: list[object] = [UNKNOWN]
    if kinds & {"integer", "number"} or items.get("type") in ("integer", "number"):
        wrong += ["not-a-number", "-1", "99999999"]
    if "boolean" in kinds:
        wrong.append("perhaps")
    if "enum" in schema or "enum" in items:
        wrong.append("no-such-choice")
    return wrong


def _bad_requests(path: str, method: str, operation: dict) -> Iterator[dict]:
    """Bad requests for one operation: keyword arguments of ``TestClient.request``."""
    parameters = [p for p in operation.get("parameters", []) if p.get("in") in ("query", "path")]
    good = {p["name"]: _value(p) for p in parameters}

    def url(values: dict[str, object]) -> str:
        filled = path
        for p in parameters:
            if p["in"] == "path":
                filled = filled.replace("{" + p["name"] + "}", str(values.get(p["name"], UNKNOWN)))
        return filled

    def query(values: dict[str, object]) -> dict[str, object]:
        return {p["name"]: values[p["name"]] for p in parameters if p["in"] == "query" and p["name"] in values}

    for p in parameters:
        if p.get("required") and p["in"] == "query":  # a required parameter missing
            rest = {k: v for k, v in good.items() if k != p["name"]}
            yield {"method": method, "url": url(rest), "params": query(rest)}
        for wrong in _wrong_values(p):  # one parameter of the wrong type or value, or naming nothing
            values = {**good, p["name"]: wrong}
            yield {"method": method, "url": url(values), "params": query(values)}
    yield {"method": method, "url": url(good), "params": query(good), "headers": {"Accept": WRONG_ACCEPT}}
    if "requestBody" in operation or method in ("post", "put", "patch"):
        # A body that is not what the route takes.
        yield {"method": method, "url": url(good), "params": query(good), "content": b"\x00not it",
               "headers": {"Content-Type": "application/x-nothing-of-the-kind"}}
        yield {"method": method, "url": url(good), "params": query(good), "content": b"{not json", "headers": {"Content-Type": "application/json"}}


def _operations(client: TestClient) -> Iterator[tuple[str, str, dict]]:
    description = client.get("/openapi.json").json()
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


def test_the_description_documents_errors_as_problem_details(reader: TestClient) -> None:
    description = reader.get("/openapi.json").json()
    documented = 0
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400 and "content" in answer:
                    content = answer["content"]
                    assert "application/json" not in content, (method, path, status)
                    assert set(content["application/problem+json"]["schema"]["required"]) == {"type", "title", "status", "detail"}
                    documented += 1
    assert documented > 20
    assert "HTTPValidationError" not in description.get("components", {}).get("schemas", {})


def test_every_operation_answers_bad_input_with_problem_details(reader: TestClient, writer: TestClient) -> None:
    seen: list[tuple[str, str, int]] = []
    operations = list(_operations(reader))
    assert len(operations) > 15
    for path, method, operation in operations:
        writes = method != "get"
        for request in _bad_requests(path, method, operation):
            check(reader.request(**request), seen)  # a write without the token
            if writes:
                headers = {**request.get("headers", {}), "Authorization": "Bearer wrong-token"}
                check(writer.request(**{**request, "headers": headers}), seen)
                headers["Authorization"] = f"Bearer {TOKEN}"
                check(writer.request(**{**request, "headers": headers}), seen)
    statuses = {status for _, _, status in seen}
    assert {400, 401, 403, 404, 406, 415, 422} <= statuses, statuses
    assert len({path for _, path, _ in seen}) > 10


def test_errors_outside_the_routes_are_problem_details(reader: TestClient) -> None:
    assert assert_problem(reader.get("/no/such/route"))["status"] == 404
    nul = assert_problem(reader.get("/api/queries/a%00b"))
    assert nul["title"] == "not found" and nul["hint"] == "Remove %00 from the path."
    not_allowed = reader.put("/api/search")
    assert not_allowed.status_code == 405 and assert_problem(not_allowed)["title"] == "method not allowed"


def test_an_unknown_entity_names_the_parameter(reader: TestClient) -> None:
    response = reader.get("/api/cooperations", params={"iri": UNKNOWN})
    assert response.status_code == 404
    body = assert_problem(response)
    assert body["parameter"] == "iri" and body["title"] == "not found" and "parameter 'iri'" in body["detail"]


def test_a_parameter_of_the_wrong_type_is_named(reader: TestClient) -> None:
    response = reader.get("/api/centrality", params={"top": "many"})
    assert response.status_code == 422
    body = assert_problem(response)
    assert body["parameter"] == "top" and body["title"] == "invalid parameter" and body["errors"]


def test_a_malformed_query_says_where(reader: TestClient) -> None:
    response = reader.get("/sparql", params={"query": "SELEC"})
    assert response.status_code == 400
    body = assert_problem(response)
    assert body["title"] == "malformed query" and body["line"] == 1 and isinstance(body["column"], int) and body["hint"]
    assert body["type"].endswith("/problem/malformed-query")


def test_text_only_clients_of_the_endpoint_get_text(reader: TestClient) -> None:
    response = reader.get("/sparql", params={"query": "SELEC"}, headers={"Accept": "text/plain"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("malformed query: line 1, column 1: ")


def test_writes_without_the_token_are_forbidden(reader: TestClient, writer: TestClient) -> None:
    response = reader.post("/api/contributions", content=b"<a:b> <a:c> <a:d> .", headers={"Content-Type": "application/n-triples"})
    assert response.status_code == 403
    assert assert_problem(response)["title"] == "forbidden"
    response = writer.delete("/api/contributions/x")
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    assert assert_problem(response)["title"] == "unauthorised"


def test_an_unknown_question_lists_the_known_ones(reader: TestClient) -> None:
    body = assert_problem(reader.get(f"/api/queries/{UNKNOWN}"))
    assert body["status"] == 404 and body["title"] == "unknown question" and body["known"]
