"""The audit log stays bounded (issue 12, point 7): refused requests are logged compactly and at most
``REFUSALS_PER_MINUTE`` a minute per client, with one line counting the rest; the file rotates by size and
``smartregion audit`` reads across the rotated files; authorised writes are always logged in full."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from live import serving
from smartregion.cli import main as cli
from smartregion.contribute.audit import (
    FIELD_LIMIT,
    FILE_NAME,
    REFUSALS_PER_MINUTE,
    AuditLog,
    Record,
)
from smartregion.settings import Settings, SettingsError
from smartregion.store import EmbeddedStore

TOKEN = "Aud1t-t0ken-5e1f0c"
ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
VEREIN = f'<{ID}organisation/bounded-verein> a <{SR}Association> ; <http://www.w3.org/2000/01/rdf-schema#label> "Bounded-Verein"@de .'
TURTLE = {"Content-Type": "text/turtle"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_flood_of_refusals_grows_the_log_by_a_bounded_amount(project_root: Path, fresh_store: EmbeddedStore) -> None:
    log = fresh_store.path.parent / FILE_NAME
    settings = Settings(home=project_root, store_path=fresh_store.path, write_token=TOKEN, query_workers=1)
    agent = "M" * 4000
    body = VEREIN + " #" + "x" * 20_000  # a body is never logged, whatever its size
    with serving(settings) as base:
        with httpx.Client(base_url=base, timeout=30) as mallory:
            for n in range(1000):
                wrong = {"Authorization": f"Bearer wrong-{n}", **TURTLE}
                answer = mallory.post("/api/contributions", content=body, params={"agent": agent}, headers=wrong)
                assert answer.status_code == 401
            during_flood = log.stat().st_size
            # The token holder, from the same address, is logged whatever that address did before: every line.
            for n in range(REFUSALS_PER_MINUTE + 5):
                gone = mallory.delete(f"/api/contributions/20240101-000000-gibts-nicht-{n:06x}", params={"agent": "Admin"},
                                      headers={"Authorization": f"Bearer {TOKEN}"})
                assert gone.status_code == 404
            added = mallory.post("/api/contributions", content=VEREIN, params={"agent": "Admin"},
                                 headers={"Authorization": f"Bearer {TOKEN}", **TURTLE})
            assert added.status_code == 201, added.text
        # Another client has a minute of its own.
        with httpx.Client(base_url=base, timeout=30, transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
            for _ in range(5):
                assert other.post("/api/forget", json={"iri": ID + "person/x"}).status_code == 401
    records = _lines(log)  # after the server stopped, which wrote the count of what it left out

    flood = [r for r in records if r["client"] == "127.0.0.1" and r["event"] == "refused" and r["status"] == 401]
    assert len(flood) == REFUSALS_PER_MINUTE
    assert all(r["agent"] == "M" * FIELD_LIMIT + "… [cut from 4000 characters]" for r in flood)
    assert all(r["reason"].startswith("unauthorised: a write needs the header Authorization") for r in flood)
    (summary,) = [r for r in records if r["event"] == "suppressed"]
    assert summary["client"] == "127.0.0.1" and summary["action"] == "add"
    assert summary["reason"].startswith(f"{1000 - REFUSALS_PER_MINUTE} more refusals suppressed: at most {REFUSALS_PER_MINUTE} refusals")
    authorised = [(r["event"], r["agent"], r["status"]) for r in records if r["agent"] == "Admin"]
    assert authorised == [("attempt", "Admin", None), ("refused", "Admin", 404)] * (REFUSALS_PER_MINUTE + 5) + [
        ("attempt", "Admin", None), ("done", "Admin", 201)]
    assert [(r["event"], r["action"], r["status"]) for r in records if r["client"] == "127.0.0.2"] == [("refused", "forget", 401)] * 5
    # Bounded: a few kB per minute and client, where every refusal used to add its parameters (4 MB here).
    assert during_flood < REFUSALS_PER_MINUTE * 1000
    assert max(len(line) for line in log.read_bytes().splitlines()) < 1000
    assert b"xxxxxxxxxx" not in log.read_bytes()


def _record(n: int) -> Record:
    return Record(f"{n:04d}", f"2025-05-13T10:00:{n % 60:02d}.000Z", "attempt", "add", "cli", f"agent-{n:04d}", "cli:test",
                  [f"https://w3id.org/smartregion/contribution/20250513-x-{n:04d}"], "rev-1")


def test_the_log_rotates_at_its_size_and_the_command_reads_across_the_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    log = AuditLog(tmp_path / FILE_NAME, max_bytes=2000, backups=3)
    for n in range(100):
        log.append(_record(n))
    files = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert files == [FILE_NAME, f"{FILE_NAME}.1", f"{FILE_NAME}.2", f"{FILE_NAME}.3"]  # no .4: the oldest went
    for name in files:
        path = tmp_path / name
        assert 0 < path.stat().st_size <= 2000 and (path.stat().st_mode & 0o777) == 0o640
    # Oldest first, across the files, ending with the last line written, nothing missing in between.
    ids = [int(r["id"]) for r in log.read()]
    assert ids == list(range(ids[0], 100)) and len(ids) > 3 * 6
    assert [int(r["id"]) for r in _lines(tmp_path / f"{FILE_NAME}.3")][0] == ids[0]

    store = ["--store", str(tmp_path / "store")]
    assert cli.main(["audit", "--last", "3", *store]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[3] for row in rows] == ["agent-0097", "agent-0098", "agent-0099"]
    assert cli.main(["audit", "--json", "--last", "20", *store]) == 0  # more than the current file holds
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == [f"{n:04d}" for n in range(80, 100)]


def test_a_line_larger_than_the_limit_is_written_whole(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / FILE_NAME, max_bytes=1000, backups=1)
    log.append(_record(1))
    big = _record(2)
    big.agent = "A" * 3000  # an authorised writer's own name: kept whole
    log.append(big)
    log.append(_record(3))
    assert [r["agent"] for r in log.read()] == ["A" * 3000, "agent-0003"]  # record 1 was in the file that went


def test_the_settings(project_root: Path, tmp_path: Path) -> None:
    env = {"SMARTREGION_HOME": str(project_root), "SMARTREGION_STORE": str(tmp_path / "store"),
           "SMARTREGION_AUDIT_MAX_BYTES": "5000", "SMARTREGION_AUDIT_BACKUPS": "2"}
    log = AuditLog.for_settings(Settings.from_env(env))
    assert (log.path, log.max_bytes, log.backups) == (tmp_path / FILE_NAME, 5000, 2)
    defaults = Settings.from_env({"SMARTREGION_HOME": str(project_root)})
    assert (defaults.audit_max_bytes, defaults.audit_backups) == (10_000_000, 5)
    with pytest.raises(SettingsError, match="SMARTREGION_AUDIT_BACKUPS=0: keep at least 1 older audit file"):
        Settings.from_env({**env, "SMARTREGION_AUDIT_BACKUPS": "0"})
    with pytest.raises(SettingsError, match="SMARTREGION_AUDIT_MAX_BYTES=10: the audit log needs at least 1000 bytes"):
        Settings.from_env({**env, "SMARTREGION_AUDIT_MAX_BYTES": "10"})
    with pytest.raises(SettingsError, match="SMARTREGION_AUDIT_MAX_BYTES='lots' is not a number"):
        Settings.from_env({**env, "SMARTREGION_AUDIT_MAX_BYTES": "lots"})


def test_processes_writing_at_once_rotate_without_losing_a_line(tmp_path: Path) -> None:
    # Four processes append 150 lines each to a log that rotates every few lines: every line is in exactly one file.
    script = (
        "import sys; from pathlib import Path; from smartregion.contribute.audit import AuditLog, Record\n"
        "log = AuditLog(Path(sys.argv[1]), max_bytes=3000, backups=200)\n"
        "for n in range(150):\n"
        "    log.append(Record(f'{sys.argv[2]}-{n}', 't', 'attempt', 'add', 'cli', 'a', 'c'))\n"
    )
    path = tmp_path / FILE_NAME
    workers = [subprocess.Popen([sys.executable, "-c", script, str(path), str(w)]) for w in range(4)]
    assert [w.wait(timeout=120) for w in workers] == [0] * 4
    ids = [r["id"] for r in AuditLog(path).read()]
    assert sorted(ids) == sorted(f"{w}-{n}" for w in range(4) for n in range(150))
    for w in range(4):  # each writer's lines in its order
        assert [i for i in ids if i.startswith(f"{w}-")] == [f"{w}-{n}" for n in range(150)]
    assert all(p.stat().st_size <= 3000 for p in AuditLog(path).files())
    assert os.path.exists(path.with_name(FILE_NAME + ".1"))
