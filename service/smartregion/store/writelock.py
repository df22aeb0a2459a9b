"""One writer at a time per store: a lock that holds across threads and processes.

Every write (a contribution, a removal, an erasure, a harvest, an import, a build or push) holds the
store's write lock while it checks its preconditions against the live revision and while it writes,
so no check can be overtaken by another write before its own write lands. The lock is an exclusive
``flock`` on a file (the embedded store's ``LOCK``; for a remote store a file in the folder that
holds the dumps, by default the project's ``.smartregion/``): the server and every CLI process
sharing that file take turns. A remote store written by programs that do not share the file is not
serialised by it.

Within a process the lock is re-entrant for the thread that holds it (a write calls the store's
own write, which takes the lock again); other threads wait on a thread lock first, because two
``flock`` calls on separate opens of one file exclude each other even inside one process.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from smartregion.errors import SmartregionError

_POLL = 0.05  # seconds between attempts while waiting with a time limit


class WriteBusy(SmartregionError):
    """Another write held the lock for longer than the caller was willing to wait; nothing was done."""

    status, title = 503, "store busy"


class WriteLock:
    """The write lock of one store; instances for the same file share their state within a process."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).resolve()
        with _REGISTRY_LOCK:
            self._shared = _REGISTRY.setdefault(self.path, _Shared())

    def holder(self) -> str:
        """Who holds (or last held) the lock, as its holder wrote it: pid, purpose, since when."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            return "another process"

    @contextmanager
    def hold(self, purpose: str, *, timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the lock for the block. ``timeout``: seconds to wait at most (None: as long as it takes),
        then WriteBusy; ``on_wait`` is told once, with the holder, when the lock is not free at once."""
        shared = self._shared
        deadline = None if timeout is None else time.monotonic() + timeout
        if not shared.thread_lock.acquire(timeout=-1 if timeout is None else max(timeout, 0)):
            raise self._busy(purpose)
        try:
            if shared.depth == 0:
                shared.file = self._acquire_file(purpose, deadline, on_wait)
            shared.depth += 1
        except BaseException:
            shared.thread_lock.release()
            raise
        try:
            yield
        finally:
            shared.depth -= 1
            if shared.depth == 0:
                file, shared.file = shared.file, None
                if file is not None:
                    fcntl.flock(file, fcntl.LOCK_UN)
                    file.close()
            shared.thread_lock.release()

    def _acquire_file(self, purpose: str, deadline: float | None, on_wait: Callable[[str], None] | None) -> TextIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - closed on release
        try:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None:
                    on_wait(self.holder())
                self._wait(file, purpose, deadline)
            # Who holds it, for the messages of those who wait: the file's content is only ever a note.
            file.seek(0)
            file.truncate()
            file.write(f"pid {os.getpid()} ({purpose}) since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
            file.flush()
            return file
        except BaseException:
            file.close()
            raise

    def _wait(self, file: TextIO, purpose: str, deadline: float | None) -> None:
        if deadline is None:
            fcntl.flock(file, fcntl.LOCK_EX)
            return
        while True:  # flock has no time limit of its own
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise self._busy(purpose) from None
                time.sleep(_POLL)

    def _busy(self, purpose: str) -> WriteBusy:
        return WriteBusy(
            f"the store is busy with another write ({self.holder()}); the {purpose} was not started, nothing changed: "
            "try again in a minute"
        )


def tell_waiting(holder: str) -> None:
    """For commands: say on stderr that the write waits, and for whom, so a pause is not a mystery."""
    print(f"waiting for the store's write lock, held by {holder}", file=sys.stderr, flush=True)


def command_lock(store: object, purpose: str, *, dry_run: bool = False) -> AbstractContextManager[None]:
    """A command's hold on the store's write lock (waiting as long as it takes), or nothing for a dry run."""
    if dry_run:
        return nullcontext()
    return store.write_lock().hold(purpose, on_wait=tell_waiting)  # type: ignore[attr-defined]


class _Shared:
    """Per process and lock file: the thread lock, how deep the holding thread is, its open file."""

    def __init__(self) -> None:
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.file: TextIO | None = None


_REGISTRY: dict[Path, _Shared] = {}  # lock file → its state in this process
_REGISTRY_LOCK = threading.Lock()
