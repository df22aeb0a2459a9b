"""Writes (issue 8, point 5): every write and every refused one is audited (HTTP and command line), the token
never reaches a log, CORS never opens writes, and every HTML page carries the security headers.

The token checks themselves (constant-time compare, 403 without a configured token, 401 for a wrong one)
are in test_contributions_api.py."""

from __future__ import annotations

import getpass
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from live import free_port, server_process
from smartregion.cli import main as cli
from smartregion.contribute.audit import FILE_NAME, AuditLog
from smartregion.contribute.model import CONTRIBUTION_NS, iri_hash
from smartregion.rdf.ids import SOURCE
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web import linkeddata
from smartregion.web import network as network_api
from smartregion.web.app import PERMISSIONS_POLICY, create_app

ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TOKEN = "Wr1te-t0ken-9d4c7e2a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MADELEINE = ID + "person/madeleine-lee"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
EVIL = "https://evil.example"
VEREIN = f'<{ID}organisation/audit-verein> a <{SR}Association> ; <{LABEL}> "Audit-Verein"@de .'
UNKNOWN_REFERENCE = f"<{ID}organisation/x> <{SR}partner> <{ID}organisation/gibtsnicht> ."
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def settings(project_root: Path, store: EmbeddedStore, **overrides: object) -> Settings:
    return Settings(home=project_root, store_path=store.path, query_workers=1, **{"write_token": TOKEN, **overrides})


def audit_log(store: EmbeddedStore) -> AuditLog:
    return AuditLog(store.path.parent / FILE_NAME)


def turtle(client: TestClient, body: str, headers: dict | None = None, **params: str) -> httpx.Response:
    return client.post("/api/contributions", content=body, params=params, headers={"Content-Type": "text/turtle", **(headers or AUTH)})


def summary(records: list[dict]) -> list[tuple]:
    """(event, action, agent, status) of each record: what happened, in order."""
    return [(r["event"], r["action"], r["agent"], r["status"]) for r in records]


# --- the audit log ----------------------------------------------------------------------------------


def test_http_writes_and_refusals_are_audited(
    project_root: Path, fresh_store: EmbeddedStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="smartregion.audit")
    with TestClient(create_app(settings(project_root, fresh_store))) as client:
        added = turtle(client, VEREIN, agent="Erika Test", filename="verein.ttl")
        assert added.status_code == 201, added.text
        assert turtle(client, VEREIN, agent="Erika Test", dry_run="true").status_code == 200  # writes nothing: not audited
        assert turtle(client, UNKNOWN_REFERENCE, agent="Erika Test").status_code == 422
        assert turtle(client, VEREIN, {"Authorization": "Bearer falsch"}, agent="Mallory").status_code == 401
        in_url = client.post("/api/contributions", content=VEREIN, params={"token": TOKEN, "agent": "Mallory"},
                             headers={"Content-Type": "text/turtle"})
        assert client.delete("/api/contributions/20240101-000000-gibts-nicht-abcdef", headers=AUTH).status_code == 404
        forgotten = client.post("/api/forget", json={"iri": MADELEINE, "agent": "DSB", "reason": "Antrag"}, headers=AUTH)
        assert forgotten.status_code == 200, forgotten.text
        again = client.post("/api/forget", json={"iri": MADELEINE, "agent": "DSB"}, headers=AUTH)
        assert again.status_code == 404 and "erased already" in again.text
    assert in_url.status_code == 400
    assert in_url.json()["detail"] == (
        "never put the write token in the URL (it ends up in logs and browser histories): remove ?token= "
        "and send the header Authorization: Bearer <token>"
    )

    records = audit_log(fresh_store).read()
    assert summary(records) == [
        ("attempt", "add", "Erika Test", None),
        ("done", "add", "Erika Test", 201),
        ("attempt", "add", "Erika Test", None),
        ("refused", "add", "Erika Test", 422),
        ("refused", "add", "Mallory", 401),
        ("refused", "add", "Mallory", 400),
        ("attempt", "remove", "api", None),
        ("refused", "remove", "api", 404),
        ("attempt", "forget", "DSB", None),
        ("done", "forget", "DSB", 200),
        ("attempt", "forget", "DSB", None),
        ("refused", "forget", "DSB", 404),
    ]
    assert all(TIME.fullmatch(r["time"]) and r["via"] == "http" and r["client"] == "testclient" for r in records)
    # An attempt and its outcome share an id; the added graph is the one the answer names.
    assert records[0]["id"] == records[1]["id"] and records[0]["graphs"] == records[1]["graphs"] == [added.json()["graph"]]
    assert (records[1]["revision_before"], records[1]["revision_after"]) == ("rev-1", "rev-2")
    refused = records[3]
    assert refused["revision_before"] == refused["revision_after"] == "rev-2" and refused["graphs"][0].startswith(CONTRIBUTION_NS)
    assert refused["reason"].startswith("contribution refused: 1 problem; nothing was written — unknown reference")
    assert records[4]["reason"].startswith("unauthorised: a write needs the header Authorization: Bearer <token>")
    # An erasure names the person by the hash of the IRI only, as its record in the graph does.
    assert records[9]["erased"] == records[11]["erased"] == forgotten.json()["hash"] == iri_hash(MADELEINE)
    assert records[9]["graphs"] == [SOURCE + "sccon21-smart-country-brandenburg"] and forgotten.json()["graphs"] == 1
    assert records[11]["reason"] == "no such entity: <[redacted]> was erased already; nothing about it is left"
    text = audit_log(fresh_store).path.read_text(encoding="utf-8")
    assert TOKEN not in text and "madeleine" not in text.lower() and "falsch" not in text
    # The same records go to the logger smartregion.audit, one message each.
    messages = [r.getMessage() for r in caplog.records if r.name == "smartregion.audit"]
    assert len(messages) == len(records)
    assert messages[1].startswith(records[1]["time"] + " done add via http by 'Erika Test' from testclient: graphs <")
    assert messages[1].endswith("revision rev-1 -> rev-2; status 201")


def test_cli_writes_are_audited_and_listed(fresh_store: EmbeddedStore, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store = ["--store", str(fresh_store.path)]
    sheet = tmp_path / "vereine.csv"
    sheet.write_text("name,type\nCLI-Verein,association\n", encoding="utf-8")
    assert cli.main(["import", str(sheet), "--kind", "organisations", "--agent", "CLI-Team", *store]) == 0
    bad = tmp_path / "termine.csv"
    bad.write_text("name,start\nTag,31.02.2025\n", encoding="utf-8")
    assert cli.main(["import", str(bad), "--kind", "events", "--agent", "CLI-Team", *store]) == 1
    added = next(r for r in audit_log(fresh_store).read() if r["event"] == "done")
    contribution = added["graphs"][0].removeprefix(CONTRIBUTION_NS)
    assert cli.main(["contributions", "remove", contribution, "--agent", "CLI-Team", *store]) == 0
    capsys.readouterr()

    records = audit_log(fresh_store).read()
    assert summary(records) == [
        ("attempt", "add", "CLI-Team", None),
        ("done", "add", "CLI-Team", None),
        ("attempt", "add", "CLI-Team", None),
        ("refused", "add", "CLI-Team", None),
        ("attempt", "remove", "CLI-Team", None),
        ("done", "remove", "CLI-Team", None),
    ]
    assert {(r["via"], r["client"]) for r in records} == {("cli", f"cli:{getpass.getuser()}")}
    assert "not a date" in records[3]["reason"]
    assert records[5]["graphs"] == added["graphs"] and records[5]["revision_after"] == "rev-3"

    assert cli.main(["audit", "--json", *store]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == records
    assert cli.main(["audit", "--last", "2", *store]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["time", "(UTC)", "event", "action", "who", "graphs", "revision", "reason"]
    assert lines[2].split()[1:6] == ["attempt", "remove", "CLI-Team", f"(cli:{getpass.getuser()})", contribution]
    assert lines[3].split()[1:8] == ["done", "remove", "CLI-Team", f"(cli:{getpass.getuser()})", contribution, "rev-2", "->"]
    assert len(lines) == 4


def test_an_attempt_without_an_outcome_is_shown_as_interrupted(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    log = AuditLog(tmp_path / FILE_NAME)
    line = {"id": "1", "time": "2025-05-13T10:00:00.000Z", "event": "attempt", "action": "add", "via": "http", "agent": "Erika",
            "client": "10.0.0.7", "graphs": [CONTRIBUTION_NS + "20250513-100000-x-abcdef"], "revision_before": "rev-4",
            "revision_after": None, "status": None, "reason": None, "erased": None}
    log.path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert cli.main(["audit", "--store", str(tmp_path / "store")]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[2].split() == ["2025-05-13T10:00:00.000Z", "interrupted", "add", "Erika", "(10.0.0.7)",
                                           "20250513-100000-x-abcdef", "rev-4"]
    assert "the store holds all of that write or none of it" in err


# --- the token never reaches a log ------------------------------------------------------------------

SERVER = """
import logging, sys
import uvicorn
from smartregion.web.app import create_app
from smartregion.settings import Settings

logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
uvicorn.run(create_app(Settings.from_env()), host="127.0.0.1", port=int(sys.argv[1]), log_level="debug", access_log=True)
"""


def test_the_token_never_reaches_a_log(project_root: Path, fresh_store: EmbeddedStore, tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "server.log"
    env = {"SMARTREGION_HOME": str(project_root), "SMARTREGION_STORE": str(fresh_store.path), "SMARTREGION_WRITE_TOKEN": TOKEN,
           "SMARTREGION_QUERY_WORKERS": "1"}
    wrong = "Wr1te-t0ken-0000000"
    base = f"http://127.0.0.1:{port}"
    turtle_type = {"Content-Type": "text/turtle"}
    with server_process([sys.executable, "-c", SERVER, str(port)], port, env, output):
        written = httpx.post(f"{base}/api/contributions", content=VEREIN, headers={**AUTH, **turtle_type}, timeout=60)
        assert written.status_code == 201, written.text
        assert httpx.post(f"{base}/api/contributions", content=VEREIN, timeout=30,
                          headers={"Authorization": f"Bearer {wrong}", **turtle_type}).status_code == 401
        # Wherever else a client may put the token: the URL is refused (and redacted in the access log),
        # other headers and cookies are not looked at.
        for params in ({"token": TOKEN}, {"access_token": wrong}, {"agent": TOKEN}, {"api_key": TOKEN}):
            refused = httpx.post(f"{base}/api/contributions", content=VEREIN, params=params, headers={**AUTH, **turtle_type}, timeout=30)
            assert refused.status_code == 400 and "Authorization: Bearer <token>" in refused.json()["detail"], refused.text
            assert TOKEN not in refused.text and wrong not in refused.text
        for headers in ({"X-Api-Key": TOKEN}, {"Cookie": f"token={TOKEN}"}, {"Authorization": TOKEN}):
            refused = httpx.post(f"{base}/api/contributions", content=VEREIN, headers={**headers, **turtle_type}, timeout=30)
            assert refused.status_code == 401 and TOKEN not in refused.text
        assert httpx.delete(f"{base}/api/contributions/{written.json()['id']}", params={"token": TOKEN}, timeout=30).status_code == 400
        assert httpx.post(f"{base}/api/forget", params={"access_token": TOKEN}, json={"iri": MADELEINE}, timeout=30).status_code == 400
    log = output.read_text(encoding="utf-8", errors="replace")
    # The server did log the requests (debug level, access log), only never the token.
    assert re.search(r'"POST /api/contributions HTTP/1\.1" 201', log)
    assert re.search(r'"POST /api/contributions\?token=\[redacted\] HTTP/1\.1" 400', log)
    assert re.search(r'"POST /api/contributions\?agent=\[redacted\] HTTP/1\.1" 400', log)
    assert "DEBUG" in log
    audit = audit_log(fresh_store).path.read_text(encoding="utf-8")
    assert len(audit.splitlines()) == 12  # the write: attempt and done; 10 refusals
    for secret in (TOKEN, wrong):
        assert secret not in log and secret not in audit


# --- CORS: open for reads, never for writes ---------------------------------------------------------


@pytest.fixture(scope="module")
def client(built_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings(project_root, built_store))) as test_client:
        yield test_client


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/contributions"), ("DELETE", "/api/contributions/20240101-000000-x-abcdef"), ("POST", "/api/forget")],
)
def test_no_preflight_opens_a_write(client: TestClient, method: str, path: str) -> None:
    for requested_headers in ("authorization, content-type", "content-type", None):
        headers = {"Origin": EVIL, "Access-Control-Request-Method": method}
        if requested_headers:
            headers["Access-Control-Request-Headers"] = requested_headers
        response = client.options(path, headers=headers)
        assert response.status_code == 405 and cors_headers(response) == {}
    # A cross-origin write that needs no preflight (a form post) gets no CORS headers either: its answer stays unreadable.
    sent = client.request(method, path, content="name=x", headers={"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"})
    assert sent.status_code == 401 and cors_headers(sent) == {}


def test_reads_are_open_to_every_origin_without_credentials(client: TestClient) -> None:
    query = {"query": "ASK { ?s ?p ?o }"}
    answer = client.get("/sparql", params=query, headers={"Origin": EVIL, "Cookie": "session=1"})
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert cors_headers(answer) == {"access-control-allow-origin": "*", "access-control-expose-headers": "X-Row-Limit, X-Byte-Limit, X-Result-Truncated, X-Result-Truncated-By, Retry-After"}
    listed = client.get("/api/contributions", headers={"Origin": EVIL})
    assert listed.status_code == 200 and cors_headers(listed)["access-control-allow-origin"] == "*"
    preflight = client.options("/sparql", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200 and cors_headers(preflight) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
        "access-control-allow-headers": "Accept, Accept-Language, Content-Language, Content-Type",
        "access-control-max-age": "600",
    }
    assert preflight.headers["x-content-type-options"] == "nosniff"
    # Authorization is no header a foreign page may send, on any path.
    with_token = client.options("/sparql", headers={"Origin": EVIL, "Access-Control-Request-Method": "GET",
                                                    "Access-Control-Request-Headers": "authorization"})
    assert with_token.status_code == 400 and with_token.text == "Disallowed CORS headers"


# --- security headers -------------------------------------------------------------------------------

PAGE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": PERMISSIONS_POLICY,
}


@pytest.mark.parametrize(
    ("path", "status", "csp"),
    [
        ("/", 200, linkeddata.PAGE_CSP),
        ("/?q=WFBB", 200, linkeddata.PAGE_CSP),
        ("/id/organisation/neuland21", 200, linkeddata.PAGE_CSP),
        ("/id/organisation/neuland21.html", 200, linkeddata.PAGE_CSP),
        ("/source/sccon21-smart-country-brandenburg", 200, linkeddata.PAGE_CSP),
        ("/ontology", 200, linkeddata.PAGE_CSP),
        ("/network", 200, network_api.PAGE_CSP),
        ("/id/organisation/gibt-es-nicht", 404, linkeddata.PAGE_CSP),
        ("/id/organisation/neuland21.exe", 404, linkeddata.PAGE_CSP),
        ("/id/organisation/%3Cscript%3E", 404, linkeddata.PAGE_CSP),
        ("/source/gibt-es-nicht", 404, linkeddata.PAGE_CSP),
    ],
)
def test_every_html_page_sends_the_security_headers(client: TestClient, path: str, status: int, csp: str) -> None:
    response = client.get(path, headers={"Accept": FIREFOX})
    assert response.status_code == status and response.headers["content-type"].startswith("text/html")
    assert {k: response.headers.get(k) for k in PAGE_HEADERS} == PAGE_HEADERS
    assert response.headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_documentation_runs_only_its_own_scripts(client: TestClient, path: str) -> None:
    """Swagger UI and ReDoc from the vendored copies: no other host, inline script only by its hash."""
    response = client.get(path, headers={"Accept": FIREFOX})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert {k: response.headers.get(k) for k in PAGE_HEADERS} == PAGE_HEADERS
    csp = response.headers["content-security-policy"]
    assert "http" not in csp and "http" not in response.text.replace("http-equiv", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src")).split()
    assert "'unsafe-inline'" not in script_src and script_src[1] == "'self'"
    assert ("<script>" in response.text) == any(s.startswith("'sha256-") for s in script_src)
    assert all(client.get(src).status_code == 200 for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text))


@pytest.mark.parametrize(
    ("path", "accept", "status", "media_type"),
    [
        ("/sparql?query=ASK%20%7B%7D", "application/sparql-results+json", 200, "application/sparql-results+json"),
        ("/id/organisation/neuland21", "text/turtle", 200, "text/turtle"),
        ("/id/organisation/gibt-es-nicht", "application/json", 404, "application/problem+json"),
        ("/gibt/es/nicht", "application/json", 404, "application/problem+json"),
        ("/api/search?q=WFBB", "application/json", 200, "application/json"),
        ("/context.jsonld", "application/ld+json", 200, "application/ld+json"),
        ("/static/pages.css", "text/css", 200, "text/css"),
    ],
)
def test_every_other_answer_says_nosniff(client: TestClient, path: str, accept: str, status: int, media_type: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == status and response.headers["content-type"].startswith(media_type)
    assert response.headers["x-content-type-options"] == "nosniff"
