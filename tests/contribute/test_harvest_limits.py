"""Harvest (issue 12, point 8): a total deadline however slowly a server sends its headers, and no redirect
followed. Hostile endpoints are small socket servers on 127.0.0.1; the redirect target is a listener that
must see nothing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from live import listener
from smartregion.cli.main import main
from smartregion.contribute.harvest import HarvestError, Limits, fetch

QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@contextmanager
def endpoint(answer: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[bytes]]]:
    """A one-connection HTTP server on 127.0.0.1 that reads the request, then lets ``answer`` write to the
    socket; yields its URL and the requests it got."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(30)
    requests: list[bytes] = []

    def serve() -> None:
        try:
            connection, _ = server.accept()
        except OSError:
            return
        with connection:
            requests.append(connection.recv(65536))
            try:
                answer(connection)
            except OSError:
                pass  # the client hung up: what a deadline does

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/query", requests
    finally:
        thread.join(timeout=30)
        server.close()


class Trickle:
    """Answers with a status line and headers, one byte every 0.5 s, for over a minute: every read gets a
    byte in time. ``hung_up`` is set when the client closed the connection before the headers ended."""

    def __init__(self) -> None:
        self.hung_up = threading.Event()

    def __call__(self, connection: socket.socket) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nX-Padding: " + b"x" * 150:
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                self.hung_up.set()
                return
            time.sleep(0.5)


def test_headers_trickling_in_are_cut_at_the_deadline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    trickle = Trickle()
    with endpoint(trickle) as (url, requests), pytest.raises(HarvestError) as cut:
        fetch(url, QUERY, Limits(timeout=2))
    assert str(cut.value) == f"{url}: no complete answer within 2 s; narrow the query or raise --timeout"
    assert trickle.hung_up.is_set()  # the harvester closed the connection while the headers still trickled in
    assert requests[0].startswith(b"POST /query HTTP/1.1\r\n") and b"application/x-www-form-urlencoded" in requests[0]
    # The command line says the same and exits 1, writing nothing.
    query = tmp_path / "q.rq"
    query.write_text(QUERY, encoding="utf-8")
    with endpoint(Trickle()) as (url, _):
        assert main(["harvest", "--endpoint", url, "--query", str(query), "--timeout", "1.5", "--dry-run",
                     "--store", str(tmp_path / "store")]) == 1
    assert f"{url}: no complete answer within 1.5 s" in capsys.readouterr().err


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_refused(status: int) -> None:
    with listener() as (port, seen):
        target = f"http://127.0.0.1:{port}/sparql"

        def redirect(connection: socket.socket) -> None:
            connection.sendall(f"HTTP/1.1 {status} Moved\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode())

        with endpoint(redirect) as (url, _), pytest.raises(HarvestError) as refused:
            fetch(url, QUERY)
        time.sleep(0.3)  # what a follower would send would have arrived by now
    message = str(refused.value)
    assert message.startswith(f"{url}: the endpoint redirects ({status}) to {target}; a harvest follows no redirect")
    assert seen == []


def test_a_relative_redirect_is_named_in_full_and_refused_too() -> None:
    def redirect(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 308 Permanent Redirect\r\nLocation: /elsewhere/sparql\r\nContent-Length: 0\r\n\r\n")

    with endpoint(redirect) as (url, requests), pytest.raises(HarvestError, match="redirects") as refused:
        fetch(url, QUERY)
    origin = url.removesuffix("/query")
    assert f"to {origin}/elsewhere/sparql;" in str(refused.value) and len(requests) == 1


def test_an_error_answer_is_reported_on_one_line() -> None:
    def error(connection: socket.socket) -> None:
        body = b"Parser error:\nunexpected token at line 1\n"
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    with endpoint(error) as (url, _), pytest.raises(HarvestError) as failed:
        fetch(url, QUERY)
    assert str(failed.value) == f"{url}: the query failed: HTTP 400 Bad Request: Parser error: unexpected token at line 1"


def test_only_http_urls_are_harvested() -> None:
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1:7878/query"):
        with pytest.raises(HarvestError, match="not an http:// or https:// URL"):
            fetch(url, QUERY)
