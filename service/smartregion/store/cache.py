"""One value per store revision: the helper every cache of derived data uses.

The network, the search index and the catalogue's descriptions are computed from the store and
stay true until a write makes a new revision; each is a :class:`PerRevision`. A cache that knows how
may patch its value instead of computing it again: writers of this process note which graphs they
added (:func:`note_added`), and when every revision since the kept value is such a write, the
cache's ``patch`` gets those graphs. Anything else (a build, a withdrawal, another process's write)
leaves no note, and the value is computed in full.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class _Revisioned(Protocol):
    def revision(self) -> str: ...


# store → revision → (the revision before it, the graphs that write added); only writes of this process.
_ADDED: weakref.WeakKeyDictionary[object, dict[str, tuple[str, frozenset[str]]]] = weakref.WeakKeyDictionary()
_ADDED_LOCK = threading.Lock()
_NOTES_KEPT = 1000  # per store; a cache further behind than this computes in full


def note_added(store: object, before: str, after: str, graphs: Iterable[str]) -> None:
    """Note that the write from revision ``before`` to ``after`` only added these new graphs (call under the write lock)."""
    with _ADDED_LOCK:
        try:
            notes = _ADDED.setdefault(store, {})
        except TypeError:  # a store that cannot be weakly referenced: its caches compute in full
            return
        notes[after] = (before, frozenset(graphs))
        while len(notes) > _NOTES_KEPT:
            del notes[next(iter(notes))]


def added_between(store: object, old: str, new: str) -> frozenset[str] | None:
    """The graphs added from revision ``old`` to ``new``, if every write between them was a noted addition."""
    with _ADDED_LOCK:
        try:
            notes = _ADDED.get(store, {})
        except TypeError:  # not weakly referable: nothing was noted
            return None
        graphs: set[str] = set()
        revision = new
        while revision != old:
            if revision not in notes:
                return None
            revision, added = notes[revision]
            graphs |= added
        return frozenset(graphs)


Patch = Callable[[T, _Revisioned, str, frozenset[str]], "T | None"]


class PerRevision(Generic[T]):
    """``compute(store, revision)`` once per store revision; callers at the same time wait for the one computation.

    ``patch(value, store, revision, added_graphs)`` makes the new revision's value from the kept one
    after writes that only added graphs (see the module docstring); it returns None where it cannot.
    """

    def __init__(self, store: _Revisioned, compute: Callable[[_Revisioned, str], T], patch: Patch | None = None):
        self.store = store
        self._compute = compute
        self._patch = patch
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._value: T | None = None
        self.builds = 0  # how often the value was computed (to see the cache at work)
        self.patches = 0  # how often it was patched instead

    @property
    def revision(self) -> str | None:
        """The revision the kept value belongs to (None before the first computation)."""
        return self._revision

    def get(self) -> T:
        # Read the revision before computing: a write during the computation then forces the next one.
        revision = self.store.revision()
        with self._lock:
            if self._value is None or self._revision != revision:
                patched = self._patched(revision)
                if patched is None:
                    self._value = self._compute(self.store, revision)
                    self.builds += 1
                else:
                    self._value = patched
                    self.patches += 1
                self._revision = revision
            return self._value

    def _patched(self, revision: str) -> T | None:
        if self._patch is None or self._value is None or self._revision is None:
            return None
        added = added_between(self.store, self._revision, revision)
        if added is None:
            return None
        try:
            return self._patch(self._value, self.store, revision, added)
        except Exception:  # a patch is an optimisation: computing in full is always right
            log.exception("patching the value of %s failed; computing it in full", revision)
            return None
