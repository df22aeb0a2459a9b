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
        """Once done: the copy (None if it failed) and what to report of it; the memory limit settled."""
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
