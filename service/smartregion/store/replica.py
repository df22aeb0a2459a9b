"""A query worker's in-memory copy of the revision it answers from, made while it answers from disk.

Oxigraph's in-memory store answers the catalogue's lookups three to four times faster than RocksDB on
disk (``bench/RESULTS.md``). A worker that opens a revision starts copying it in a thread of its own at
a lower CPU priority, and goes on answering from disk; its first task after the copy is done swaps the
copy in and closes the revision's files. pyoxigraph dumps and loads by path without holding the GIL, so
the copy does not slow the worker's queries down. The N-Quads between the two go through a file that
is unlinked as soon as it is made: a worker killed mid-copy leaves nothing on disk.

The worker's address-space limit is lifted to its ceiling while it copies; once the copy answers, the
limit is what the copy takes plus the memory a query had before (``settle``).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from smartregion.store import sandbox


class Copying:
    """The copy of the revision at ``path`` (open read-only as ``disk``), under way in a thread."""

    def __init__(self, disk: ox.Store, path: str, memory: int | None):
        self.path = path
        self._memory = memory
        self._before = sandbox.memory_use()[0]
        self._started = time.monotonic()
        self._seconds = 0.0
        self._copy: ox.Store | None = None
        self._failure: BaseException | None = None
        if memory is not None:
            sandbox.allow_memory(None)
        self._thread = threading.Thread(target=self._run, args=(disk,), name="replica", daemon=True)
        self._thread.start()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def take(self) -> tuple[ox.Store | None, dict]:
        """Once done: the copy (None if it failed) and what to report of it. ``settle`` the memory limit
        once the store it replaces, or the copy itself if it is not used, is let go."""
        copy, failure = self._copy, self._failure
        self._copy = None
        if copy is None:
            report = {"copy_failed": f"{type(failure).__name__}: {failure}" if failure else "the copy failed"}
        else:
            report = {"copied": {"quads": len(copy), "seconds": round(self._seconds, 1)}}
        return copy, report

    def settle(self) -> int:
        """Set the address-space limit to the memory a query had before the copy plus what the copy
        takes now that the revision's files are closed; the bytes resident."""
        size, resident = sandbox.memory_use()
        if self._memory is not None:
            sandbox.allow_memory(self._memory + max(0, size - self._before))
        return resident

    def _run(self, disk: ox.Store) -> None:
        sandbox.lower_priority(threading.get_native_id())  # Linux: this thread only
        try:
            # Beside the store's revisions (on disk, not a memory-backed /tmp), and unlinked at once.
            descriptor, name = tempfile.mkstemp(prefix=".copy-", suffix=".nq", dir=Path(self.path).parent)
            os.unlink(name)
            try:
                through = f"/proc/self/fd/{descriptor}"
                disk.dump(output=through, format=ox.RdfFormat.N_QUADS)
                copy = ox.Store()
                copy.bulk_load(path=through, format=ox.RdfFormat.N_QUADS)
            finally:
                os.close(descriptor)
            self._copy, self._seconds = copy, time.monotonic() - self._started
        except BaseException as exc:  # reported by the worker's next answer; the worker answers from disk
            self._failure = exc


class WorkerStore:
    """What a query worker answers from: the revision it was last sent, on disk, then its in-memory copy.

    One copy at a time, and a copy's trouble never fails a task. A copy still under way when the worker
    moves to a newer revision runs out (pyoxigraph cannot stop a dump or a load) and is dropped; the next
    copy starts once it has ended, so that two never hold memory at once. A revision is copied once at
    most: after a failure it is answered from disk.
    """

    def __init__(self, memory: int | None):
        self._memory = memory
        self.store: ox.Store | None = None
        self.path: str | None = None
        self.in_memory = False
        self._attempted: str | None = None
        self._under_way: Copying | None = None

    def open(self, path: str) -> None:
        """Answer from the revision at ``path``, on disk until a copy of it is made."""
        self.store, self.path, self.in_memory = None, None, False  # the old revision's memory first
        self.store, self.path = ox.Store.read_only(path), path

    @property
    def copying(self) -> bool:
        return self._under_way is not None and self._under_way.path == self.path

    def step(self, wanted: bool) -> dict:
        """Start a copy if ``wanted`` and none has been tried for this revision, or answer from one that is
        done; what to report of it."""
        try:
            return self._step(wanted)
        except Exception as exc:  # reported with the answer; the worker answers from disk
            self._under_way = None
            return {"copy_failed": f"{type(exc).__name__}: {exc}"}

    def _step(self, wanted: bool) -> dict:
        under_way = self._under_way
        if under_way is not None and under_way.path != self.path:
            if not under_way.done():
                return {}  # an older revision's copy runs out first
            under_way.take()  # and is let go: its limit, lifted for it, is settled again
            under_way.settle()
            self._under_way = under_way = None
        if under_way is None:
            if wanted and not self.in_memory and self._attempted != self.path and self.store is not None:
                self._attempted = self.path
                self._under_way = Copying(self.store, self.path, self._memory)
            return {}
        if not under_way.done():
            return {}
        self._under_way = None
        copy, report = under_way.take()
        if copy is not None:
            self.store, self.in_memory = copy, True  # the revision's files close
        resident = under_way.settle()
        if "copied" in report:
            report["copied"]["resident"] = resident
        return report
