"""Issue 12, point 8: absolute URLs come from the configured base URL, never from the ``Host`` header; paths
holding NUL get 404. Against the real app under uvicorn on 127.0.0.1 (conftest's ``base_url``)."""

from __future__ import annotations

import httpx
import pytest

EVIL = "evil.example"
BASE = "https://w3id.org/smartregion"  # the default base URL, which the served app has
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _leaks(response: httpx.Response) -> list[str]:
    """Where ``evil.example`` shows up in an answer: header names or "body"."""
    found = [name for name, value in response.headers.items() if EVIL in value.lower()]
    return found + (["body"] if EVIL in response.text.lower() else [])


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/queries", "application/json"),
        ("/api/queries/partners_of_actor", "application/json"),
        ("/api/queries/partners_of_actor?format=csv", "text/csv"),
        ("/sparql", "text/turtle"),  # the service description
        ("/sparql", "application/ld+json"),
        ("/catalog", "text/turtle"),
        ("/catalog.jsonld", "application/ld+json"),
        ("/.well-known/void", "text/turtle"),
        ("/dumps", "application/json"),
        ("/", FIREFOX),
        ("/id/organisation/neuland21", FIREFOX),
        ("/id/organisation/neuland21", "text/turtle"),
        ("/id/organisation/gibt-es-nicht", FIREFOX),
        ("/source/sccon21-smart-country-brandenburg", FIREFOX),
        ("/ontology", FIREFOX),
        ("/network", FIREFOX),
        ("/docs", FIREFOX),
        ("/openapi.json", "application/json"),
    ],
)
def test_no_answer_takes_the_host_header(base_url: str, path: str, accept: str) -> None:
    response = httpx.get(base_url + path, headers={"Host": EVIL, "Accept": accept}, timeout=60)
    assert response.status_code in (200, 404), response.text[:300]
    assert _leaks(response) == []


def test_the_question_list_names_urls_under_the_base_url(base_url: str) -> None:
    listing = httpx.get(base_url + "/api/queries", headers={"Host": EVIL}, timeout=30).json()["queries"]
    partners = next(q for q in listing if q["name"] == "partners_of_actor")
    assert partners["url"] == BASE + "/api/queries/partners_of_actor"
    assert {example["url"].split("?")[0] for example in partners["examples"]} == {partners["url"]}


@pytest.mark.parametrize(
    ("path", "location", "final"),
    [
        ("/api/queries/", "../queries", "/api/queries"),
        ("/sparql/?query=ASK%20%7B%7D", "../sparql?query=ASK%20%7B%7D", "/sparql?query=ASK%20%7B%7D"),
        ("/network/", "../network", "/network"),
        ("/dumps/", "../dumps", "/dumps"),
    ],
)
def test_a_trailing_slash_is_redirected_without_the_host(base_url: str, path: str, location: str, final: str) -> None:
    redirect = httpx.get(base_url + path, headers={"Host": EVIL}, timeout=30)
    assert redirect.status_code == 307 and redirect.headers["location"] == location
    assert _leaks(redirect) == []
    followed = httpx.get(base_url + path, follow_redirects=True, timeout=60)
    assert followed.status_code == 200 and str(followed.url) == base_url + final
    assert [r.status_code for r in followed.history] == [307]


NUL_PATHS = [
    "/static/%00",
    "/static/pages.css%00",
    "/id/%00",
    "/id/organisation/neuland21%00.ttl",
    "/source/%00x",
    "/dumps/%00",
    "/dumps/smartregion.trig.gz%00",
    "/api/queries/%00",
    "/api/contributions/%00",
    "/ontology.%00",
    "/catalog.%00",
    "/.well-known/void.%00",
    "/%00",
    "/sparql%00",
]


def test_nul_and_other_impossible_paths_are_404_and_the_server_stays_up(base_url: str) -> None:
    answers = {}
    for path in NUL_PATHS:
        for method in ("GET", "HEAD", "POST", "DELETE"):
            response = httpx.request(method, base_url + path, timeout=30)
            answers[(method, path)] = response.status_code
            if method == "GET":
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["detail"] == "no path holds a NUL character (%00)"
    assert set(answers.values()) == {404}, {k: v for k, v in answers.items() if v != 404}
    # Names the file system cannot take are no files either.
    for path in ("/static/" + "a" * 5000, "/static/" + ("b" * 200 + "/") * 30 + "c.css", "/static/..%2F..%2Fpyproject.toml"):
        missing = httpx.get(base_url + path, timeout=30)
        assert missing.status_code == 404 and missing.json()["detail"].startswith("no static file '"), missing.text[:200]
    alive = httpx.get(base_url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"}, timeout=60)
    assert alive.status_code == 200 and alive.json()["boolean"] is True
    assert httpx.get(base_url + "/static/pages.css", timeout=30).status_code == 200
