"""The audit log of writes: who changed which graphs, when, how, and what came of it.

Every write through the HTTP API and the command line (a contribution added or removed, a person
erased) is recorded in ``audit.jsonl`` next to the store folder (beside ``dumps/``, so that deleting
the store to rebuild it keeps the log), one JSON object per line, appended with ``O_APPEND`` and
``fsync``'d, and logged on the ``smartregion.audit`` logger. An authorised write is logged twice under
one ``id``: ``attempt`` before it starts, then ``done``, ``refused`` or ``failed``. A write cut off by a
crash thus still shows who began it and on which graphs (``smartregion audit`` marks it interrupted),
since the store may hold it. A request refused before a write begins (no or a wrong token, a token in
the URL, a body that is not JSON) is one ``refused`` line.

A refusal is cheap for a client to cause, so it must not cost the disk much. A ``refused`` line holds
no request body, each of its fields is cut to ``FIELD_LIMIT`` characters (with the original length
said), and each client gets at most ``REFUSALS_PER_MINUTE`` such lines a minute; what is over that is
counted and summarised in one ``suppressed`` line when the client's minute is over (at the latest when
the server stops). Lines of authorised writes (``attempt`` and its outcome) are never cut or
suppressed. The file rotates by size (``audit_max_bytes``, ``audit_backups``: ``audit.jsonl.1`` is
the newest older file), under a lock file, so that the server and the command line can both write;
``smartregion audit`` reads the rotated files too, oldest first.

Records never hold the write token: it is replaced by ``[redacted]`` wherever a caller put it (an
agent name, a file name). An erasure is recorded by the SHA-256 hash of the person's IRI only, as its
record in the graph is (erasure.py), so the log does not undo the erasure.

:func:`protect_logs` keeps the token out of the server's own logs too: uvicorn's access log writes
every request's URL, so the token and ``token=``-like query parameters are redacted there.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from smartregion.settings import Settings
from smartregion.store import Store

FILE_NAME = "audit.jsonl"
REDACTED = "[redacted]"
FIELD_LIMIT = 256  # characters of each field of a refused line
REFUSALS_PER_MINUTE = 30  # refused lines a client may cause a minute; the rest are counted
_MINUTE = 60.0
_CLIENTS = 10_000  # clients whose minute is tracked at once; more share one count, so memory stays bounded
logger = logging.getLogger("smartregion.audit")

# Query parameters a client might put a token in; a write refuses them (the token goes in a header).
TOKEN_PARAMETERS = ("token", "access_token", "write_token", "api_key", "apikey", "bearer", "authorization")
_TOKEN_IN_QUERY = re.compile(rf"(?i)([?&](?:{'|'.join(TOKEN_PARAMETERS)})=)[^&\s\"]*")


def audit_path(settings: Settings) -> Path:
    """``audit.jsonl`` next to the embedded store's folder (also for the remote backend), as the dumps."""
    return settings.store_path.parent / FILE_NAME


@dataclass
class Record:
    """One line of the log. ``event``: attempt, done, refused or failed."""

    id: str
    time: str  # UTC, ISO 8601
    event: str
    action: str  # add, remove, forget
    via: str  # http or cli
    agent: str  # who, as the writer names themself
    client: str  # the HTTP client's address, or cli:<login name>
    graphs: list[str] = field(default_factory=list)
    revision_before: str | None = None
    revision_after: str | None = None
    status: int | None = None  # the HTTP status answered
    reason: str | None = None  # why refused or failed
    erased: str | None = None  # forget: sha256 of the person's IRI, never the IRI


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditLog:
    """Appends records to one file, rotated by size; ``secrets`` (the write token) never reach it."""

    def __init__(self, path: Path, secrets: Iterable[str | None] = (), *, max_bytes: int = 10_000_000, backups: int = 5):
        self.path = path
        self.secrets = [s for s in secrets if s]
        self.max_bytes, self.backups = max_bytes, backups

    @classmethod
    def for_settings(cls, settings: Settings) -> AuditLog:
        return cls(audit_path(settings), [settings.write_token], max_bytes=settings.audit_max_bytes, backups=settings.audit_backups)

    def append(self, record: Record, private: Iterable[str] = ()) -> None:
        """Write one line and flush it to disk before returning; ``private`` strings are redacted too."""
        self._summarise(_limiter(self.path).ended(time.monotonic()))
        self._write(record, private)

    def _write(self, record: Record, private: Iterable[str] = ()) -> None:
        hidden = [*self.secrets, *(p for p in private if p)]
        data = {key: _redact(value, hidden) for key, value in asdict(record).items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self._locked():
            if 0 < _size(self.path) and _size(self.path) + len(line) > self.max_bytes:
                self._rotate()
            # One write() on an O_APPEND descriptor: lines of concurrent writers never interleave.
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(descriptor, line)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        logger.info("%s", describe(data))

    @contextmanager
    def _locked(self, mode: int = fcntl.LOCK_EX) -> Iterator[None]:
        """The lock file beside the log: a rotation and a write (or a read) of several processes never interleave."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(descriptor, mode)
            yield
        finally:
            os.close(descriptor)  # releases the lock

    def _rotate(self) -> None:
        """``audit.jsonl`` becomes ``.1``, ``.1`` becomes ``.2`` ...; the oldest beyond ``backups`` is replaced."""
        for number in range(self.backups - 1, 0, -1):
            older = self._backup(number)
            if older.exists():
                older.replace(self._backup(number + 1))
        self.path.replace(self._backup(1))
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the renames are on disk before the next line goes to a new file
        finally:
            os.close(folder)

    def _backup(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{number}")

    def files(self) -> list[Path]:
        """The log's files, oldest first: the rotated ones by number, highest first, then the current one."""
        numbered = [(int(p.name.rsplit(".", 1)[1]), p) for p in self.path.parent.glob(self.path.name + ".*")
                    if p.name.rsplit(".", 1)[1].isdigit()]
        return [p for _, p in sorted(numbered, reverse=True)] + [self.path]

    def refused(self, action: str, *, via: str, agent: str, client: str, reason: str, status: int | None = None) -> None:
        """A write refused before it began (not authorised, unreadable request): one compact line, at most
        ``REFUSALS_PER_MINUTE`` a minute for one client; the others are counted (see :meth:`flush`)."""
        limiter = _limiter(self.path)
        now = time.monotonic()
        self._summarise(limiter.ended(now))
        if limiter.admit(client, action, via, now):
            record = Record(uuid.uuid4().hex, _now(), "refused", action, via, agent, client, status=status, reason=reason)
            self._write(_compact(record))

    def flush(self) -> None:
        """Write the summary line of every client whose refusals were suppressed, their minute over or not
        (the server does, as it stops)."""
        self._summarise(_limiter(self.path).ended(None))

    def _summarise(self, windows: list[_Window]) -> None:
        for window in windows:
            reason = (f"{window.suppressed} more refusals suppressed: at most {REFUSALS_PER_MINUTE} refusals a minute "
                      f"are logged for one client, this minute began {window.began}")
            self._write(_compact(Record(uuid.uuid4().hex, _now(), "suppressed", window.action, window.via, "-", window.client,
                                        reason=reason)))

    def begin(
        self, action: str, store: Store, *, via: str, agent: str, client: str, graphs: Iterable[str] = (), erased: str | None = None,
        private: Iterable[str] = (),
    ) -> Write:
        """Log the attempt of an authorised write; the returned :class:`Write` logs its outcome."""
        return Write(self, store, Record(uuid.uuid4().hex, _now(), "attempt", action, via, agent, client, list(graphs),
                                         store.revision(), erased=erased), list(private))

    def read(self) -> list[dict[str, object]]:
        """Every record of the current and the rotated files, oldest first; [] if nothing was written yet."""
        if not self.path.parent.is_dir():
            return []
        records: list[dict[str, object]] = []
        with self._locked(fcntl.LOCK_SH):  # no rotation half-way through
            for path in self.files():
                try:
                    text = path.read_text(encoding="utf-8")
                except FileNotFoundError:
                    continue
                records.extend(json.loads(line) for line in text.splitlines() if line.strip())
        return records


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _cut(value: str | None) -> str | None:
    if value is None or len(value) <= FIELD_LIMIT:
        return value
    return f"{value[:FIELD_LIMIT]}… [cut from {len(value)} characters]"


def _compact(record: Record) -> Record:
    """A refused line as small as it can say what happened: every text field cut to ``FIELD_LIMIT`` characters."""
    return replace(record, agent=_cut(record.agent), client=_cut(record.client), reason=_cut(record.reason))


@dataclass
class _Window:
    """One client's current minute of refusals."""

    client: str
    action: str
    via: str
    start: float  # time.monotonic()
    began: str  # the same moment in UTC, for the summary line
    written: int = 0
    suppressed: int = 0


class _RefusalLimiter:
    """Counts refusals per client and minute for one log file: which to write, and which minutes are over."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}  # oldest minute first: a new minute is appended at the end

    def admit(self, client: str, action: str, via: str, now: float) -> bool:
        """True if this refusal gets its line; else it is counted towards the client's summary."""
        with self._lock:
            if client not in self._windows and len(self._windows) >= _CLIENTS:
                client = "(other clients)"
            window = self._windows.get(client)
            if window is None:
                window = self._windows[client] = _Window(client, action, via, now, _now())
            window.action, window.via = action, via
            if window.written < REFUSALS_PER_MINUTE:
                window.written += 1
                return True
            window.suppressed += 1
            return False

    def ended(self, now: float | None) -> list[_Window]:
        """Remove the minutes that are over (all, if ``now`` is None); those with suppressed refusals are returned."""
        ended: list[_Window] = []
        with self._lock:
            while self._windows:
                client, window = next(iter(self._windows.items()))
                if now is not None and now - window.start < _MINUTE:
                    break
                del self._windows[client]
                if window.suppressed:
                    ended.append(window)
        return ended


_LIMITERS: dict[Path, _RefusalLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def _limiter(path: Path) -> _RefusalLimiter:
    """The one limiter of a log file in this process: the API builds an AuditLog per request."""
    with _LIMITERS_LOCK:
        return _LIMITERS.setdefault(path, _RefusalLimiter())


class Write:
    """An authorised write under way: its attempt is logged; exactly one outcome follows."""

    def __init__(self, log: AuditLog, store: Store, attempt: Record, private: list[str]):
        self.log, self.store, self.attempt, self.private = log, store, attempt, private
        log.append(attempt, private)

    def _end(self, event: str, *, graphs: Iterable[str] | None, status: int | None, reason: str | None) -> None:
        record = Record(**{**asdict(self.attempt), "time": _now(), "event": event, "status": status, "reason": reason})
        if graphs is not None:
            record.graphs = list(graphs)
        record.revision_after = self.store.revision()
        self.log.append(record, self.private)

    def done(self, graphs: Iterable[str] | None = None, *, status: int | None = None) -> None:
        self._end("done", graphs=graphs, status=status, reason=None)

    def refused(self, reason: str, *, status: int | None = None) -> None:
        self._end("refused", graphs=None, status=status, reason=reason)

    def failed(self, reason: str, *, status: int | None = None) -> None:
        self._end("failed", graphs=None, status=status, reason=reason)


def begin_cli(settings: Settings, store: Store, action: str, agent: str, **details: object) -> Write:
    """Audit the attempt of a write from the command line; the login name says from where."""
    log = AuditLog.for_settings(settings)
    return log.begin(action, store, via="cli", agent=agent, client=f"cli:{getpass.getuser()}", **details)  # type: ignore[arg-type]


@contextmanager
def outcome(write: Write | None, refusals: tuple[type[Exception], ...], reason: Callable[[Exception], str]) -> Iterator[list[str]]:
    """Log how the write in the block ended: refused (one of ``refusals``), failed (anything else) or done,
    with the graphs the block appends to the list it is given (none: those of the attempt). ``write`` None
    (a dry run): nothing is logged."""
    graphs: list[str] = []
    try:
        yield graphs
    except refusals as exc:
        if write is not None:
            write.refused(reason(exc))
        raise
    except BaseException as exc:
        if write is not None:
            write.failed(f"{type(exc).__name__}: {exc}")
        raise
    if write is not None:
        write.done(graphs or None)


def _redact(value: object, hidden: list[str]) -> object:
    if isinstance(value, str):
        for secret in hidden:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [_redact(v, hidden) for v in value]
    return value


def describe(record: Mapping[str, object]) -> str:
    """One line for people: when, what came of it, who from where, which graphs, the revisions, why."""
    graphs = ", ".join(f"<{g}>" for g in record.get("graphs") or []) or "-"  # type: ignore[union-attr]
    text = (f"{record['time']} {record['event']} {record['action']} via {record['via']} by {record['agent']!r} "
            f"from {record['client']}: graphs {graphs}; revision {revisions(record) or '-'}")
    if record.get("erased"):
        text += f"; erased {record['erased']}"
    if record.get("status") is not None:
        text += f"; status {record['status']}"
    text += f"; {record['reason']}" if record.get("reason") else ""
    return text.replace("\r", "\\r").replace("\n", "\\n")  # one line, whatever a client sent


def revisions(record: Mapping[str, object]) -> str:
    return " -> ".join(str(r) for r in (record.get("revision_before"), record.get("revision_after")) if r)


def interrupted(records: list[dict[str, object]]) -> set[str]:
    """Ids of attempts that have no outcome: the writer stopped (a crash, a kill) before it ended, or is still at work."""
    ended = {r["id"] for r in records if r["event"] != "attempt"}
    return {str(r["id"]) for r in records if r["event"] == "attempt" and r["id"] not in ended}


# --- keeping the token out of the server's logs -------------------------------------------------------


class _Redactor(logging.Filter):
    """Rewrites a log record's message without the write tokens and token-like query parameters."""

    def __init__(self) -> None:
        super().__init__("")
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        # The arguments are cleaned one by one: uvicorn's access formatter unpacks them.
        record.msg = self.clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.clean(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: self.clean(arg) for key, arg in record.args.items()}
        return True

    def clean(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = _TOKEN_IN_QUERY.sub(rf"\g<1>{REDACTED}", value)
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return value


_REDACTOR = _Redactor()
# uvicorn's loggers do not propagate to the root: each gets the filter itself.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def protect_logs(token: str | None) -> None:
    """Redact ``token`` (and ``?token=``-like parameters) in what the server's loggers write."""
    if token:
        _REDACTOR.secrets.add(token)
    for name in _SERVER_LOGGERS:
        logging.getLogger(name).addFilter(_REDACTOR)  # the same filter is added once
