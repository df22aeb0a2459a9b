"""Live servers and a real browser for the tests that need the network: one way to start each."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from smartregion.settings import Settings
from smartregion.web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium tries to reach Google's hosts at every start.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: apt-get install -y chromium")


# The servers the remote backend is tested on (conftest.py: fixtures ``<name>_remote`` and ``fresh_<name>``).
REMOTE_SERVERS = ("oxigraph", "virtuoso")


def watch(page: Page, base_url: str, forgive: Callable[[str], bool] = lambda text: False) -> list[str]:
    """What goes wrong on ``page``, to assert empty: console errors (CSP violations among them) that
    ``forgive`` does not excuse, script errors, and every request to another host, which is also aborted:
    pages must work offline."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not forgive(message.text) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith((base_url, "data:"))
               else (problems.append("outside: " + route.request.url), route.abort()))
    return problems


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(settings: Settings, port: int | None = None) -> Iterator[str]:
    """The real app under uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    port = port or free_port()
    # proxy_headers=False as `smartregion serve` has it: the app decides whom X-Forwarded-For may name.
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@contextmanager
def server_process(command: Sequence[str], port: int, env: Mapping[str, str], output: Path) -> Iterator[subprocess.Popen]:
    """The service in a process of its own, answering on 127.0.0.1:``port``, stdout and stderr into ``output``.

    It runs in a process group of its own, so that killing the group also kills its query workers: on exit,
    or earlier with :func:`kill_group`, as a crash would.
    """
    with open(output, "ab") as log:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/sparql", process, 60, lambda: output.read_text(errors="replace")[-2000:])
        yield process
    finally:
        kill_group(process)


def wait_until_answering(query_url: str, process: subprocess.Popen, seconds: float, log: Callable[[], str]) -> None:
    """Return once the SPARQL endpoint at ``query_url`` answers; fail the test with ``log()`` if the process exits first."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}: {log()}")
        try:
            if httpx.get(query_url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not answer within {seconds:.0f} s")
        time.sleep(0.05)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the server and every process it started (they share its process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # gone already
    process.wait()


@contextmanager
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records every connection it gets: the port, and what each sent.

    Point a request the service must never make at it, then assert it saw nothing.
    """
    seen: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.settimeout(1)
                seen.append(connection.recv(4096) or b"(connected)")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], seen
    finally:
        stop.set()
        thread.join(5)
        server.close()


LABELS = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"


@dataclass(frozen=True)
class LiveSparql:
    """A served ``/sparql`` and how many labels its store holds, to see it still answers, and rightly."""

    base: str
    labels: int  # the answer to LABELS, asked of the store itself

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    def answers_normally(self) -> None:
        """The service is still up and right: a normal query gets the store's own answer."""
        response = httpx.post(self.sparql, data={"query": LABELS}, timeout=30)
        assert response.status_code == 200, response.text
        assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == self.labels
