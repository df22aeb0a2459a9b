"""Virtuoso Open Source for the tests (Debian's ``virtuoso-opensource``), started and stopped by the tests themselves.

Making a database takes Virtuoso half a minute, starting on a made one two seconds: the session makes one
(:func:`initial_database`, with the accounts the README describes) and every server starts on a copy of it,
in a folder of its own, on free ports, from a generated ``virtuoso.ini``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from live import free_port, kill_group, wait_until_answering
from smartregion.settings import Settings
from smartregion.store import VirtuosoStore

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
MISSING = "Virtuoso is not installed: apt-get install -y --no-install-recommends virtuoso-opensource"
WRITER, WRITER_PASSWORD = "smartregion", "test-only-password"  # the account the README tells operators to make
MAX_ROWS = 200_000  # ResultSetMaxRows: above the largest graph (the Graph Store cuts there too), below what a test asks

# The README's set-up of a fresh database: a writer with SPARQL_UPDATE, the public account without federation.
SETUP = f"""
DB.DBA.USER_CREATE('{WRITER}', '{WRITER_PASSWORD}');
GRANT SPARQL_UPDATE TO "{WRITER}";
REVOKE SPARQL_LOAD_SERVICE_DATA FROM "SPARQL";
REVOKE SPARQL_SPONGE FROM "SPARQL";
REVOKE SPARQL_UPDATE FROM "SPARQL";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{WRITER}', 3);
checkpoint;
"""


@dataclass(frozen=True)
class VirtuosoServer:
    """URLs and the writer's account of a running Virtuoso."""

    base: str
    flavour = "virtuoso"
    user, password = WRITER, WRITER_PASSWORD

    @property
    def query(self) -> str:
        return self.base + "/sparql"

    @property
    def update(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def gsp(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    def remote_store(self, *, with_update_endpoint: bool = True) -> VirtuosoStore:
        return VirtuosoStore(self.query, self.gsp, update_endpoint=self.update if with_update_endpoint else None,
                             user=self.user, password=self.password)

    def remote_settings(self, settings: Settings) -> Settings:
        return replace(settings, backend="remote", endpoint=self.query, update_endpoint=self.update, gsp_endpoint=self.gsp,
                       remote_flavour=self.flavour, store_user=self.user, store_password=self.password)


def _ini(folder: Path, sql_port: int, http_port: int) -> str:
    return f"""[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 8
MaxClientConnections = 8
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {MAX_ROWS}
MaxQueryExecutionTime = 30
MaxQueryCostEstimationTime = 0
"""


@contextmanager
def _serving(folder: Path) -> Iterator[tuple[subprocess.Popen, int, VirtuosoServer]]:
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_ini(folder, sql_port, http_port), encoding="utf-8")
    log = folder / "output.log"
    with open(log, "ab") as output:
        process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    server = VirtuosoServer(f"http://127.0.0.1:{http_port}")
    try:
        wait_until_answering(server.query, process, 120, lambda: log.read_text(errors="replace")[-2000:])
        yield process, sql_port, server
    finally:
        kill_group(process)


def initial_database(folder: Path) -> Path:
    """A new Virtuoso database with the README's accounts, shut down cleanly; ``folder`` holds it."""
    if VIRTUOSO is None or ISQL is None:
        pytest.skip(MISSING)
    folder.mkdir(parents=True, exist_ok=True)
    with _serving(folder) as (process, sql_port, _):
        done = subprocess.run([ISQL, str(sql_port), "dba", "dba"], input=SETUP, capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or "Error" in done.stdout:
            pytest.fail(f"setting up Virtuoso failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        os.killpg(process.pid, signal.SIGTERM)  # a clean shutdown: the copies start without a roll forward
        process.wait(60)
    return folder


@contextmanager
def running_virtuoso(database: Path, folder: Path) -> Iterator[VirtuosoServer]:
    """A Virtuoso on 127.0.0.1 (free ports) over a copy of ``database``, in ``folder``; killed afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(database / "virtuoso.db", folder / "virtuoso.db")
    with _serving(folder) as (_, _, server):
        yield server
