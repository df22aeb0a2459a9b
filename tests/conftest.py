"""Shared fixtures: the project, the project built into an embedded store, and the servers the remote
backend is tested on: Oxigraph (the ``oxigraph`` binary from PyPI, installed with the ``test`` extra) and
Virtuoso (Debian's ``virtuoso-opensource``, see virtuoso.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, settings
from live import REMOTE_SERVERS, free_port, serving, wait_until_answering
from smartregion.build import build
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore, RemoteStore
from virtuoso import VirtuosoServer, initial_database, running_virtuoso

# Property-based tests: repeatable in CI (derandomized, no example database), no per-example deadline
# (a store or an HTTP round trip is in every example), fixtures shared across examples on purpose.
settings.register_profile(
    "smartregion",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)
settings.load_profile("smartregion")


@dataclass(frozen=True)
class OxigraphServer:
    """URLs of a running Oxigraph server."""

    base: str
    flavour = "standard"
    user = password = None

    @property
    def query(self) -> str:
        return self.base + "/query"

    @property
    def update(self) -> str:
        return self.base + "/update"

    @property
    def gsp(self) -> str:
        return self.base + "/store"

    def remote_store(self, *, with_update_endpoint: bool = True) -> RemoteStore:
        return RemoteStore(self.query, self.gsp, update_endpoint=self.update if with_update_endpoint else None)

    def remote_settings(self, settings: Settings) -> Settings:
        return replace(settings, backend="remote", endpoint=self.query, update_endpoint=self.update, gsp_endpoint=self.gsp)


RemoteServer = OxigraphServer | VirtuosoServer


def _oxigraph_binary() -> str:
    # The PyPI package puts the binary next to the interpreter of the virtualenv.
    binary = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail("the oxigraph server binary is missing: pip install -e '.[test]'")
    return binary


@contextmanager
def running_oxigraph(location: Path) -> Iterator[OxigraphServer]:
    """An Oxigraph server on 127.0.0.1 with a default graph of its own, which the remote store keeps the distinct union."""
    port = free_port()
    process = subprocess.Popen(
        [_oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = OxigraphServer(f"http://127.0.0.1:{port}")
    try:
        wait_until_answering(server.query, process, 30, lambda: process.stderr.read().decode(errors="replace"))
        yield server
    finally:
        process.kill()
        process.wait()
        process.stderr.close()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Settings.from_env().home


@pytest.fixture
def make_project(tmp_path: Path, project_root: Path) -> Callable[[str, str], Path]:
    """Makes a small project in ``tmp_path``: the real ontology and shapes, no questions, and one
    source graph, given as its path under ``graph/`` and its TriG."""

    def make(graph: str, trig: str) -> Path:
        home = tmp_path / "project"
        for folder in ("ontology", "shapes"):
            shutil.copytree(project_root / folder, home / folder)
        (home / "queries").mkdir()
        (home / "graph" / graph).parent.mkdir(parents=True)
        (home / "graph" / graph).write_text(trig, encoding="utf-8")
        return home

    return make


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> EmbeddedStore:
    """The project's graph built into an embedded store of its own."""
    settings = Settings(home=project_root, store_path=tmp_path_factory.mktemp("built") / "store")
    build(settings, progress=False)
    return EmbeddedStore(settings.store_path)


def _copy(store: EmbeddedStore, path: Path) -> EmbeddedStore:
    # A RocksDB checkpoint: hard links, so it takes milliseconds.
    path.mkdir()
    ox.Store.read_only(str(store.live_path())).backup(str(path / "rev-1"))
    (path / "CURRENT").write_text("rev-1\n", encoding="utf-8")
    return EmbeddedStore(path)


@pytest.fixture
def fresh_store(built_store: EmbeddedStore, tmp_path: Path) -> EmbeddedStore:
    """A writable copy of the built store for one test: a RocksDB checkpoint (hard links), so it is fast
    and nothing a test writes reaches ``built_store``. Its dumps go to ``tmp_path / "dumps"``."""
    return _copy(built_store, tmp_path / "store")


@pytest.fixture(scope="module")
def module_store(built_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    """A writable copy of the built store shared by the tests of one module, e.g. behind a server that
    lives as long as the module."""
    return _copy(built_store, tmp_path_factory.mktemp("module") / "store")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Virtuoso database made once per session; every Virtuoso of the tests starts on a copy."""
    return initial_database(tmp_path_factory.mktemp("virtuoso-database"))


def _built(server: RemoteServer, project_root: Path) -> RemoteServer:
    # The same files already passed the shapes in built_store.
    build(server.remote_settings(Settings(home=project_root)), progress=False, check=False)
    return server


@pytest.fixture(scope="session")
def oxigraph_remote(oxigraph_server: OxigraphServer, project_root: Path, built_store: EmbeddedStore) -> OxigraphServer:
    """The session's Oxigraph server with the project's graph built into it through the Graph Store Protocol."""
    return _built(oxigraph_server, project_root)


@pytest.fixture(scope="session")
def virtuoso_remote(virtuoso_database: Path, tmp_path_factory: pytest.TempPathFactory, project_root: Path,
                    built_store: EmbeddedStore) -> Iterator[VirtuosoServer]:
    """The session's one Virtuoso with the project's graph built into it."""
    with running_virtuoso(virtuoso_database, tmp_path_factory.mktemp("virtuoso")) as server:
        yield _built(server, project_root)


@pytest.fixture(scope="session", params=REMOTE_SERVERS)
def remote_server(request: pytest.FixtureRequest) -> RemoteServer:
    """Each server the remote backend is tested on, holding the project's graph."""
    return request.getfixturevalue(f"{request.param}_remote")


@pytest.fixture(scope="session")
def remote_store(remote_server: RemoteServer) -> RemoteStore:
    """The remote backend over the project's graph, on each server."""
    return remote_server.remote_store()


@pytest.fixture
def fresh_oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """An empty Oxigraph server of the test's own, for tests that write."""
    with running_oxigraph(tmp_path / "oxigraph") as server:
        yield server


@pytest.fixture
def fresh_virtuoso(virtuoso_database: Path, tmp_path: Path) -> Iterator[VirtuosoServer]:
    """An empty Virtuoso of the test's own (two seconds: a copy of the session's database)."""
    with running_virtuoso(virtuoso_database, tmp_path / "virtuoso") as server:
        yield server


@pytest.fixture(params=REMOTE_SERVERS)
def fresh_server(request: pytest.FixtureRequest) -> RemoteServer:
    """An empty server of each kind, of the test's own."""
    return request.getfixturevalue(f"fresh_{request.param}")


@pytest.fixture(scope="module")
def base_url(built_store: EmbeddedStore, project_root: Path) -> Iterator[str]:
    """The real app over the built graph, served by uvicorn on a free local port (for the browser)."""
    with serving(Settings(home=project_root, store_path=built_store.path)) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (never a browser Playwright downloads)."""
    from live import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
