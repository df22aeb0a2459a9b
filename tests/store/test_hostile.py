"""Hostile requests (issue 8, point 1) against the real service over HTTP: each gets a clear 4xx, never a
crash, a hang or a request to another machine, and the service answers a normal query afterwards.

Covered elsewhere, not repeated here: the time limit stopping a query while other clients are answered,
the row limit on a plain SELECT and CONSTRUCT, the size limit in each way of sending a query, SERVICE /
FROM / FROM NAMED / LOAD / default-graph-uri refused with a listener that must see nothing
(tests/test_endpoint.py, tests/test_executor.py); remote JSON-LD contexts (a URL, an array holding one,
``@import``) never fetched and oversized uploads refused (tests/test_contributions_api.py).

Found by these tests and fixed: a query nesting 5 000 ``{`` (or chaining 10 000 ``UNION``) overflowed
the engine's stack, killing the query worker (500) or a remote Oxigraph server as a whole, so such
queries are refused first (nesting and length by the lexer, width by the guard's parse; the width
attacks themselves are in tests/test_query_guard.py); a JSON-LD upload nesting 10 000 objects killed the whole service
(pyoxigraph's JSON-LD parser recurses per level); an .xlsx with an XML entity got a 500, and a 600 KB
ZIP bomb .xlsx held the event loop for minutes.
"""

from __future__ import annotations

import io
import json
import os
import re
import select
import signal
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import anyio
import httpx
import openpyxl
import pyoxigraph as ox
import pytest
from live import LABELS, LiveSparql, listener, serving
from smartregion.rdf import results
from smartregion.rdf.sparql_text import NESTING_LIMIT, TOKEN_LIMIT
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.store.errors import QueryFailed, QueryTooComplex
from smartregion.store.executor import Executor

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ID = "https://w3id.org/smartregion/id/"
TOKEN = "hostile-test-token-5e1b"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROW_LIMIT = 100
MAX_BYTES = 1_000_000  # the service's default
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass(frozen=True)
class Service(LiveSparql):
    settings: Settings
    store: EmbeddedStore


@pytest.fixture(scope="module")
def service(module_store: EmbeddedStore, project_root: Path) -> Iterator[Service]:
    settings = Settings(home=project_root, store_path=module_store.path, query_timeout=5.0, row_limit=ROW_LIMIT, query_workers=2,
                        max_request_bytes=MAX_BYTES, write_token=TOKEN)
    labels = int(module_store.select(LABELS)[0]["n"])
    before = module_store.triple_count()
    with serving(settings) as base:
        yield Service(base, labels, settings, module_store)
    assert module_store.triple_count() == before  # every hostile write was refused


def refusal(response: httpx.Response, status: int, error: str) -> dict:
    """The JSON error body, after checking the status and the error's title."""
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["title"] == error, body
    return body


# --- deep nesting and long chains ---------------------------------------------------------------

NESTED = {
    "groups": lambda n: "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n,
    "parentheses in FILTER": lambda n: "SELECT * WHERE { ?s ?p ?o FILTER" + "(" * n + "?o" + ")" * n + " }",
    "OPTIONALs": lambda n: "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * n + "}" * n + " }",
    "subqueries": lambda n: "SELECT * WHERE { " + "{ SELECT * WHERE " * n + "{ ?s ?p ?o }" + "}" * n + " }",
    "blank nodes": lambda n: "SELECT * WHERE { ?s ?p " + "[ ?p " * n + "?o" + " ]" * n + " }",
    "collections": lambda n: "SELECT * WHERE { ?s ?p " + "( " * n + "?o" + " )" * n + " }",
}


@pytest.mark.parametrize(("construct", "levels"), [*((c, 10_000) for c in NESTED), ("groups", 100_000)])
def test_deep_nesting_is_refused_before_the_engine(service: Service, construct: str, levels: int) -> None:
    query = NESTED[construct](levels)
    assert len(query.encode()) < MAX_BYTES
    body = refusal(httpx.post(service.sparql, content=query, headers={"Content-Type": "application/sparql-query"}, timeout=30),
                   400, "query too complex")
    assert body["detail"].startswith(f"the query nests too deeply: more than {NESTING_LIMIT} levels of {{ ( [ at line 1, column ")
    assert body["detail"].endswith(f"the limit is {NESTING_LIMIT} levels") and body["limit"] == NESTING_LIMIT
    assert body["hint"].startswith("Simplify the query")
    service.answers_normally()


def test_nesting_up_to_the_limit_is_answered(service: Service) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE " + "{" * NESTING_LIMIT + f" ?s <{RDFS_LABEL}> ?label " + "}" * NESTING_LIMIT
    response = httpx.post(service.sparql, data={"query": query}, timeout=30)
    assert response.status_code == 200 and int(response.json()["results"]["bindings"][0]["n"]["value"]) == service.labels


CHAINS = {
    "UNION": lambda n: "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
    "&&": lambda n: "SELECT * WHERE { ?s ?p ?o FILTER(" + " && ".join(["?o"] * n) + ") }",
    "FILTERs": lambda n: "SELECT * WHERE { ?s ?p ?o " + " ".join(["FILTER(?o)"] * n) + " }",
    "!": lambda n: "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * n + "?o) }",
    "object list": lambda n: "SELECT * WHERE { ?s ?p " + ", ".join(["?o"] * n) + " }",
    "property path": lambda n: "SELECT * WHERE { ?s " + "/".join(["<http://example.org/p>"] * n) + " ?o }",
}


@pytest.mark.parametrize("construct", CHAINS)
def test_long_chains_are_refused_before_the_engine(service: Service, construct: str) -> None:
    body = refusal(httpx.post(service.sparql, data={"query": CHAINS[construct](10_000)}, timeout=30), 400, "query too complex")
    assert body["detail"].startswith(f"the query is too long: more than {TOKEN_LIMIT} tokens")
    assert body["detail"].endswith(f"the limit is {TOKEN_LIMIT} tokens") and body["limit"] == TOKEN_LIMIT
    service.answers_normally()


def test_long_lists_of_values_are_no_chain(service: Service) -> None:
    # As long as the token limit allows: lists are flat in the engine, only the parse costs per value.
    values = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?v { " + " ".join(map(str, range(1_900))) + " } }"
    among = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?v { 1 2 3 } FILTER(?v IN (" + ", ".join(map(str, range(700))) + ")) }"
    typed = 'SELECT (COUNT(*) AS ?n) WHERE { VALUES ?v { ' + ' '.join(f'"{i}"^^<http://www.w3.org/2001/XMLSchema#int>'
                                                                        for i in range(600)) + ' } }'
    for query, expected in ((values, 1_900), (among, 3), (typed, 600)):
        response = httpx.post(service.sparql, data={"query": query}, timeout=30)
        assert response.status_code == 200, response.text[:300]
        assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == expected


def _killed_during_a_query(executor: Executor, sent: signal.Signals) -> Exception:
    """What ``run`` raises when the only worker gets ``sent`` while it evaluates a query."""
    outcome: dict[str, Exception] = {}

    def slow() -> None:
        try:
            anyio.run(executor.run, executor.prepare(SLOW), results.JSON)
        except Exception as exc:  # noqa: BLE001 — the caller asserts which
            outcome["title"] = exc

    thread = threading.Thread(target=slow)
    thread.start()
    while executor._pool._idle.qsize():  # until the pool has handed the worker the query
        time.sleep(0.01)
    (worker,) = executor._pool._all
    # Until the worker works on it: a worker killed between leaving the idle queue and getting the query
    # would be found dead and replaced, and the query would run on the new one to the end.
    idle = _cpu_ticks(worker.process.pid)
    while _cpu_ticks(worker.process.pid) == idle:
        time.sleep(0.01)
    os.kill(worker.process.pid, sent)
    thread.join(20)
    assert worker not in executor._pool._all
    return outcome["title"]


def _cpu_ticks(pid: int) -> int:
    """The CPU time a process has used, in clock ticks (utime and stime of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_worker_that_crashes_on_a_query_is_replaced_and_the_query_refused(built_store: EmbeddedStore) -> None:
    """What a query the guard lets through gets if it still overflows the engine's stack: the crash
    (SIGSEGV, sent here by hand) is a refusal naming the cause, and a new worker answers the next query.
    A worker killed otherwise (SIGKILL, as the out-of-memory killer does) is a server error, named too."""
    executor = Executor(built_store, timeout=20.0, row_limit=10, workers=1)
    ask = executor.prepare("ASK { ?s ?p ?o }")
    try:
        crashed = _killed_during_a_query(executor, signal.SIGSEGV)
        assert isinstance(crashed, QueryTooComplex)
        assert str(crashed) == ("the query engine crashed on this query (SIGSEGV), most likely its stack overflowed: the query "
                                "nests or chains too deeply; the worker was replaced")
        assert crashed.hint.startswith("Simplify the query")
        assert anyio.run(executor.run, ask, results.JSON).body == b'{"head":{},"boolean":true}'
        killed = _killed_during_a_query(executor, signal.SIGKILL)
        assert type(killed) is QueryFailed and str(killed) == "the query worker died (SIGKILL)"
        assert anyio.run(executor.run, ask, results.JSON).body == b'{"head":{},"boolean":true}'
    finally:
        executor.close()


def test_the_remote_store_is_protected_too(service: Service, oxigraph_server) -> None:
    """An Oxigraph server dies as a whole (stack overflow, SIGABRT) on such a query: it must never get one."""
    settings = replace(service.settings, backend="remote", endpoint=oxigraph_server.query, gsp_endpoint=oxigraph_server.gsp)
    with serving(settings) as base:
        for query, error in ((NESTED["groups"](10_000), "nests too deeply"), (CHAINS["UNION"](10_000), "is too long")):
            body = refusal(httpx.post(base + "/sparql", data={"query": query}, timeout=30), 400, "query too complex")
            assert error in body["detail"]
    assert httpx.get(oxigraph_server.query, params={"query": "ASK {}"}, timeout=10).json()["boolean"] is True  # still up


# --- giant literals, big requests, huge answers -------------------------------------------------


def test_a_giant_literal_within_the_size_limit_is_answered(service: Service) -> None:
    query = 'SELECT (STRLEN("' + "x" * 900_000 + '") AS ?n) WHERE {}'
    response = httpx.post(service.sparql, content=query, headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 200 and response.json()["results"]["bindings"][0]["n"]["value"] == "900000"
    service.answers_normally()


TOO_LARGE = f"the request is larger than the limit of {MAX_BYTES} bytes (setting SMARTREGION_MAX_REQUEST_BYTES)"


def test_a_body_over_the_limit_gets_413_naming_the_setting(service: Service) -> None:
    big = 'ASK { ?s ?p "' + "x" * MAX_BYTES + '" }'
    for response in (httpx.post(service.sparql, data={"query": big}, timeout=30),
                     httpx.post(service.sparql, content=big, headers={"Content-Type": "application/sparql-query"}, timeout=30)):
        body = refusal(response, 413, "request too large")
        assert body["detail"] == TOO_LARGE and body["limit_bytes"] == MAX_BYTES
        assert "SMARTREGION_MAX_REQUEST_BYTES" in body["hint"]
    service.answers_normally()


def exchange(base: str, head: str, chunks: Iterable[bytes]) -> tuple[bytes, bool]:
    """Send a request head and then body chunks over a raw connection, stopping as soon as an answer
    arrives; the answer, and whether it came before every chunk was sent."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(head.encode())
        early = False
        for chunk in chunks:
            if select.select([connection], [], [], 0)[0]:
                early = True
                break
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):  # the server answered and closed
                early = True
                break
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.find(b"\r\n\r\n") + 4 + _length(answer):
            received = connection.recv(65536)
            if not received:
                break
            answer += received
    return answer, early


def _length(answer: bytes) -> int:
    match = re.search(rb"content-length: (\d+)", answer, re.IGNORECASE)
    return int(match.group(1)) if match else 0


def _chunked(total: int, size: int = 65536) -> Iterator[bytes]:
    """An endless-looking chunked body: ``total`` bytes of a comment, never the closing chunk."""
    yield f"{size:x}\r\nASK {{}} #".encode() + b"x" * (size - 8) + b"\r\n"
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"


def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(service: Service) -> None:
    port = service.base.rsplit(":", 1)[1]
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/sparql-query\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    answer, early = exchange(service.base, head, _chunked(50 * MAX_BYTES))
    assert early, "the server waited for a 50 MB body instead of refusing it after 1 MB"
    assert answer.startswith(b"HTTP/1.1 413 ") and TOO_LARGE.encode() in answer
    upload = (f"POST /api/contributions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/turtle\r\n"
              f"Authorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n")
    answer, early = exchange(service.base, upload, _chunked(50 * MAX_BYTES))
    assert early and answer.startswith(b"HTTP/1.1 413 ")
    assert f"larger than the limit of {MAX_BYTES} bytes (setting SMARTREGION_MAX_REQUEST_BYTES)".encode() in answer
    service.answers_normally()


def test_a_content_length_over_the_limit_is_refused_before_the_body(service: Service) -> None:
    port = service.base.rsplit(":", 1)[1]
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/sparql-query\r\n"
            f"Content-Length: {50 * MAX_BYTES}\r\n\r\n")
    answer, early = exchange(service.base, head, [b"ASK {}", *[b"x" * 65536] * 800])
    assert early and answer.startswith(b"HTTP/1.1 413 ") and TOO_LARGE.encode() in answer
    service.answers_normally()


def test_a_huge_url_is_refused(service: Service) -> None:
    # Beyond 16 KB of request head that arrives in pieces, uvicorn's HTTP parser stops before the app sees it.
    port = service.base.rsplit(":", 1)[1]
    head = f"GET /sparql?query=ASK%7B%7D%23{'x' * 2 * MAX_BYTES} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    answer, _ = exchange(service.base, "", [head[i:i + 65536].encode() for i in range(0, len(head), 65536)])
    # The server closes while the client is still sending: the body of the 400 may be lost on the way.
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    service.answers_normally()


def test_huge_results_are_cut_at_the_row_limit(service: Service) -> None:
    cross = httpx.post(service.sparql, data={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}, timeout=30)
    assert cross.status_code == 200
    assert (cross.headers["x-row-limit"], cross.headers["x-result-truncated"]) == (str(ROW_LIMIT), "true")
    assert len(cross.json()["results"]["bindings"]) == ROW_LIMIT
    construct = httpx.post(service.sparql, data={"query": "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"},
                           headers={"Accept": "application/n-triples"}, timeout=30)
    assert construct.status_code == 200 and construct.headers["x-result-truncated"] == "true"
    assert len(list(ox.parse(construct.content, format=ox.RdfFormat.N_TRIPLES))) == ROW_LIMIT
    service.answers_normally()


# --- no request leaves the machine --------------------------------------------------------------


def test_no_query_makes_the_service_fetch_a_url(service: Service) -> None:
    with listener() as (port, seen):
        target = f"http://127.0.0.1:{port}/x"
        refused = {
            f"SELECT * WHERE {{ \\u0053ERVICE <{target}> {{ ?s ?p ?o }} }}": "SERVICE is not allowed",
            f'SELECT * WHERE {{ # a comment with " and <\n SERVICE <{target}> {{ ?s ?p ?o }} }}': "SERVICE is not allowed",
            f"SELECT * WHERE {{ ?s ?p ?o #}}\n SERVICE <{target}> {{ ?s ?p ?o }} }}": "SERVICE is not allowed",
            f"SELECT * WHERE {{ SERVICE # <http://example.org/>\n <{target}> {{ ?s ?p ?o }} }}": "SERVICE is not allowed",
            f"SELECT * WHERE {{ BIND(<{target}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}": "SERVICE is not allowed",
            f"BASE <http://127.0.0.1:{port}/> SELECT * FROM <x> WHERE {{ ?s ?p ?o }}": f"unknown: {target}",
            f"PREFIX t: <http://127.0.0.1:{port}/> SELECT * FROM NAMED t:x WHERE {{ ?s ?p ?o }}": f"unknown: {target}",
            f"SELECT * \\u0046ROM <{target}> WHERE {{ ?s ?p ?o }}": f"unknown: {target}",
            f"\\u004cOAD <{target}>": "read-only",
            f"LOAD SILENT <{target}> INTO GRAPH <{ID}g>": "read-only",
            f"WITH <{target}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}": "read-only",
            f"DELETE {{ ?s ?p ?o }} USING <{target}> WHERE {{ ?s ?p ?o }}": "read-only",
            f"INSERT {{ ?s ?p ?o }} USING NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}": "read-only",
        }
        for query, reason in refused.items():
            body = refusal(httpx.post(service.sparql, data={"query": query}, timeout=30), 400, "query refused")
            assert reason in body["detail"], query
        for params in ({"update": f"LOAD <{target}>"}, {"query": "ASK {}", "update": f"LOAD <{target}>"}):
            assert refusal(httpx.post(service.sparql, data=params, timeout=30), 403, "read-only endpoint")
        named = httpx.get(service.sparql, params={"query": "ASK { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": target}, timeout=30)
        assert target in refusal(named, 400, "query refused")["detail"]
        # Naming a URL is no reason to fetch it.
        described = httpx.post(service.sparql, data={"query": f"DESCRIBE <{target}>"}, headers={"Accept": "application/n-triples"})
        assert described.status_code == 200 and described.content.strip() == b""
        made = httpx.post(service.sparql, data={"query": f'SELECT (IRI("{target}") AS ?x) WHERE {{}}'}).json()
        assert made["results"]["bindings"] == [{"x": {"type": "uri", "value": target}}]
        question = httpx.get(service.base + "/api/queries/partners_of_actor", params={"actor": target}, timeout=30)
        assert question.status_code == 200 and question.json()["rows"] == []
        injected = httpx.get(service.base + "/api/queries/partners_of_actor", params={"actor": f"{target}> }} SERVICE <{target}"})
        assert refusal(injected, 422, "invalid parameter")["parameter"] == "actor"
        time.sleep(0.3)  # a connection attempt would have arrived by now
    assert seen == []
    service.answers_normally()


def _upload(service: Service, body: bytes | str, media_type: str, **params: str) -> httpx.Response:
    return httpx.post(service.base + "/api/contributions", content=body, params=params,
                      headers={**AUTH, "Content-Type": media_type}, timeout=60)


def test_no_upload_makes_the_service_fetch_a_url(service: Service) -> None:
    with listener() as (port, seen):
        target = f"http://127.0.0.1:{port}/"
        turtle = f"@base <{target}> .\n@prefix t: <{target}ns#> .\n<a> t:p <b> ; t:q t:c .\n"
        json_ld = json.dumps({"@context": {"@base": target, "@vocab": target + "ns#"}, "@id": "a", "p": {"@id": "b"}})
        for body, media_type in ((turtle, "text/turtle"), (f"<{target}a> <{target}p> <{target}b> .\n", "application/n-triples"),
                                 (json_ld, "application/ld+json")):
            problem = refusal(_upload(service, body, media_type), 422, "contribution refused")["problems"][0]
            assert problem["message"].startswith(f"a contribution can only describe entities of {ID}")
            assert problem["entity"] == target + "a"
        trig = _upload(service, f"@base <{target}> .\n<g> {{ <a> <p> <b> }}\n", "application/trig")
        assert refusal(trig, 415, "unsupported media type")["detail"].endswith("not application/trig")
        time.sleep(0.3)
    assert seen == []


def test_a_deeply_nested_json_ld_upload_is_refused_and_the_service_stays_up(service: Service) -> None:
    document = '{"@id": "' + ID + 'organisation/pd", ' + '"https://schema.org/knows": {' * 10_000 + '"@id": "x"' + "}" * 10_001
    body = refusal(_upload(service, document, "application/ld+json"), 400, "cannot parse the upload")
    assert body["detail"].startswith("the JSON-LD document nests more than 100 levels of [ and { (line 1, column ")
    assert body["detail"].endswith("the limit is 100 levels")
    service.answers_normally()


def _entities(port: int, secret: Path) -> str:
    return f'<!ENTITY file SYSTEM "file://{secret}"><!ENTITY web SYSTEM "http://127.0.0.1:{port}/entity">'


LAUGHS = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))


def _workbook(replace_sheet: Callable[[str], str] | None = None, extra_bytes: int = 0) -> bytes:
    """An organisations workbook whose first sheet's XML is rewritten; ``extra_bytes`` of rows that
    compress to almost nothing (a ZIP bomb)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "kind"])
    workbook.active.append(["Verein Hostil", "Association"])
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                sheet = data.decode()
                if replace_sheet:
                    sheet = replace_sheet(sheet)
                row = '<row><c t="inlineStr"><is><t>a</t></is></c></row>'
                data = sheet.replace("</sheetData>", row * (extra_bytes // len(row)) + "</sheetData>").encode()
            target.writestr(name, data)
    return out.getvalue()


def _with_entities(declarations: str, reference: str) -> Callable[[str], str]:
    def rewrite(sheet: str) -> str:
        sheet = sheet.replace("<worksheet", f"<!DOCTYPE worksheet [{declarations}]><worksheet", 1)
        return sheet.replace("Verein Hostil", f"Verein {reference}", 1)
    return rewrite


def test_xml_entities_never_read_files_or_urls(service: Service, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("S3CRET-CONTENT-9f1", encoding="utf-8")
    with listener() as (port, seen):
        # RDF/XML is no upload format at all: pyoxigraph's RDF/XML parser expands internal entities without
        # limit (a billion-laughs document of 1 KB became a 3 GB literal in a minute).
        rdf_xml = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{_entities(port, secret)}]>'
                   '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
                   f'<rdf:Description rdf:about="{ID}organisation/x"><rdfs:label>&file;&web;</rdfs:label></rdf:Description></rdf:RDF>')
        body = refusal(_upload(service, rdf_xml, "application/rdf+xml"), 415, "unsupported media type")
        assert body["detail"].startswith("send text/turtle,") and body["detail"].endswith("not application/rdf+xml")
        for reference in ("&file;", "&web;"):
            workbook = _workbook(_with_entities(_entities(port, secret), reference))
            problem = refusal(_upload(service, workbook, XLSX, kind="organisations"), 422, "contribution refused")["problems"][0]
            assert problem["message"].startswith("upload.xlsx is not a spreadsheet: it is a ZIP file but no Excel workbook")
            assert f"undefined entity {reference}" in problem["message"]
        time.sleep(0.3)
    assert seen == []
    assert b"S3CRET" not in service.store.dump("nquads")
    service.answers_normally()


def test_pyoxigraph_refuses_external_entities_in_rdf_xml(tmp_path: Path) -> None:
    """Should RDF/XML ever become an upload format: the parser does not read the file an entity names."""
    secret = tmp_path / "secret.txt"
    secret.write_text("S3CRET-CONTENT-9f1", encoding="utf-8")
    document = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY file SYSTEM "file://{secret}">]>'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
                '<rdf:Description rdf:about="http://example.org/a"><ex:p>&file;</ex:p></rdf:Description></rdf:RDF>')
    with pytest.raises(SyntaxError, match="ENTITY values should be enclosed in double quotes"):
        list(ox.parse(document.encode(), format=ox.RdfFormat.RDF_XML))


def test_billion_laughs_and_zip_bombs_in_workbooks_are_refused(service: Service) -> None:
    laughs = _workbook(_with_entities(LAUGHS, "&l9;"))
    problem = refusal(_upload(service, laughs, XLSX, kind="organisations"), 422, "contribution refused")["problems"][0]
    assert "limit on input amplification factor (from DTD and entities) breached" in problem["message"]
    bomb = _workbook(extra_bytes=30_000_000)
    assert len(bomb) < 100_000
    problem = refusal(_upload(service, bomb, XLSX, kind="organisations"), 422, "contribution refused")["problems"][0]
    assert problem["message"] == ("upload.xlsx is not a spreadsheet: it unpacks to 30 MB, more than the limit of 25 MB; "
                                  "split it into smaller workbooks")
    service.answers_normally()
