"""One value per store revision: the helper every cache of derived data uses.

The network, the search index and the catalogue's descriptions are computed from the store and
stay true until a write makes a new revision; each is a :class:`PerRevision`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class _Revisioned(Protocol):
    def revision(self) -> str: ...


class PerRevision(Generic[T]):
    """``compute(store, revision)`` once per store revision; callers at the same time wait for the one computation."""

    def __init__(self, store: _Revisioned, compute: Callable[[_Revisioned, str], T]):
        self.store = store
        self._compute = compute
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._value: T | None = None
        self.builds = 0  # how often the value was computed (to see the cache at work)


    @property
    def revision(self) -> str | None:
        """The revision the kept value belongs to (None before the first computation)."""
        return self._revision

    def get(self) -> T:
        # Read the revision before computing: a write during the computation then forces the next one.
        revision = self.store.revision()
        with self._lock:
            if self._value is None or self._revision != revision:
                self._value = self._compute(self.store, revision)
                self._revision = revision
                self.builds += 1
            return self._value
