"""The embedded store: pyoxigraph on disk, copy-on-write so that a failed write never touches the live data.

``store_path/`` holds revision folders ``rev-<n>/`` and a file ``CURRENT`` naming the live one. A write
fills a new revision (a full build bulk-loads into an empty one; an incremental write starts from a
RocksDB checkpoint of the live one, which is hard links and takes milliseconds), closes it, and only
then switches ``CURRENT`` atomically. Readers open the live revision read-only and reopen when
``CURRENT`` changes. The default graph, the distinct union of the named graphs (``base``: the
dataset), is written in the same revision as the named graphs it is derived from.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from smartregion.rdf.prefixes import PREFIXES
from smartregion.store.base import (
    DUMP_FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    Graphs,
    Query,
    QuerySyntaxError,
    StoreError,
    UnsupportedFormat,
    as_quads,
    bare_media_type,
    distinct_union,
    query_parts,
    term_text,
    triples_by_graph,
    union_restate,
    union_withdraw,
)
from smartregion.store.writelock import WriteLock

_REVISION_DIR = re.compile(r"rev-(\d+)")


class EmbeddedStore:
    """pyoxigraph on disk, copy-on-write by revision folders (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).resolve()
        self.lock = WriteLock(self.path / "LOCK")
        self._reader_lock = threading.Lock()
        self._reader: ox.Store | None = None
        self._reader_revision: str | None = None
        if not (self.path / "CURRENT").is_file():
            self._commit(lambda store: None, empty=True, only_if_missing=True)
        elif self._union_missing(self._store()):
            self._commit(_restate_everything, only_if=self._union_missing)

    # reading

    def revision(self) -> str:
        """The live revision folder's name, e.g. ``rev-7``."""
        try:
            return (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise StoreError(f"{self.path} is not a smartregion store (no CURRENT); run `smartregion build`") from None

    def live_path(self) -> Path:
        """The live revision folder, for processes that open it read-only themselves."""
        return self.path / self.revision()

    def _store(self) -> ox.Store:
        revision = self.revision()
        with self._reader_lock:
            if revision != self._reader_revision:
                self._reader = ox.Store.read_only(str(self.path / revision))
                self._reader_revision = revision
            return self._reader  # type: ignore[return-value]

    def _query(
        self, query: Query, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        text, _, from_graphs, from_named = query_parts(query)
        if default_graph_uris or named_graph_uris:
            dataset: dict[str, object] = {
                "default_graph": [ox.NamedNode(g) for g in default_graph_uris],
                "named_graphs": [ox.NamedNode(g) for g in named_graph_uris] or None,
            }
        elif from_graphs or from_named:
            # The query's own dataset, passed explicitly: pyoxigraph's union flag would override FROM.
            dataset = {"default_graph": [ox.NamedNode(g) for g in from_graphs], "named_graphs": [ox.NamedNode(g) for g in from_named]}
        else:
            dataset = {}  # the store's default graph: the distinct union (base: the dataset)
        try:
            return self._store().query(text, **dataset)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None

    def select(self, query: Query) -> list[dict[str, str]]:
        result = self._query(query)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: term_text(t) for n, t in zip(names, solution) if t is not None} for solution in result]

    def ask(self, query: Query) -> bool:
        result = self._query(query)
        if not isinstance(result, ox.QueryBoolean):
            raise StoreError("ask() needs an ASK query")
        return bool(result)

    def query_bytes(
        self, query: Query, media_type: str, *, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> bytes:
        bare_media_type(media_type, None)  # an unknown type fails before the query runs
        result = self._query(query, default_graph_uris, named_graph_uris)
        form = "CONSTRUCT" if isinstance(result, ox.QueryTriples) else "SELECT" if isinstance(result, ox.QuerySolutions) else "ASK"
        bare = bare_media_type(media_type, form)
        if form == "CONSTRUCT":
            return result.serialize(format=GRAPH_FORMATS[bare]) or b""
        return result.serialize(format=RESULT_FORMATS[bare]) or b""

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store().named_graphs() if isinstance(g, ox.NamedNode))

    def triple_count(self) -> int:
        store = self._store()
        return len(store) - _default_graph_size(store)

    def distinct_triple_count(self) -> int:
        return _default_graph_size(self._store())

    def dump(self, fmt: str) -> bytes:
        if fmt not in DUMP_FORMATS:
            raise UnsupportedFormat(f"cannot dump as {fmt!r}; use one of {', '.join(DUMP_FORMATS)}")
        prefixes = PREFIXES if fmt == "trig" else None
        # Graph by graph; the default graph is derived, so it stays out. Asking the store for each named
        # graph's quads is twice as fast as reading every quad and filtering the default graph's out here.
        store = self._store()
        named = itertools.chain.from_iterable(store.quads_for_pattern(None, None, None, g) for g in store.named_graphs())
        return ox.serialize(named, format=DUMP_FORMATS[fmt], prefixes=prefixes) or b""

    @staticmethod
    def _union_missing(store: ox.Store) -> bool:
        """Named graphs without their union: a store written before the default graph was materialised."""
        empty_default = next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is None
        return empty_default and next(iter(store.named_graphs()), None) is not None

    # writing

    def write_lock(self) -> WriteLock:
        return self.lock

    def replace_graphs(self, quads_by_graph: Graphs) -> None:
        triples = triples_by_graph(quads_by_graph)

        def apply(store: ox.Store) -> None:
            store.update(union_withdraw(triples))
            for iri, graph_triples in triples.items():
                graph = ox.NamedNode(iri)
                store.remove_graph(graph)
                store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in graph_triples)
            store.update(union_restate(triples))

        if triples:
            self._commit(apply)

    def replace_all(self, dataset: Graphs) -> None:
        quads = as_quads(dataset)
        self._commit(lambda store: store.bulk_extend([*quads, *distinct_union(quads)]), empty=True)

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        iris = list(dict.fromkeys(graph_iris))

        def apply(store: ox.Store) -> None:
            if iris:  # no graphs: an empty write, which moves the revisions on (erasure)
                store.update(union_withdraw(iris))
            for iri in iris:
                store.remove_graph(ox.NamedNode(iri))

        self._commit(apply)

    def _commit(
        self,
        apply: Callable[[ox.Store], object],
        *,
        empty: bool = False,
        only_if_missing: bool = False,
        only_if: Callable[[ox.Store], bool] | None = None,
    ) -> None:
        """Apply a change to a new revision (empty, or a checkpoint of the live one), then make it live.

        The new revision becomes live only if ``apply`` succeeds; on any error it is deleted and the
        live revision stays as it was. One writer at a time: the store's write lock (``LOCK``), which
        a caller that checks before writing holds already.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock.hold("write"):
            has_live = (self.path / "CURRENT").is_file()
            if only_if_missing and has_live:
                return  # another process initialised the store while we waited
            if only_if is not None and not only_if(self._store()):
                return  # another process did it while we waited
            live = self.path / self.revision() if has_live else None
            new = self.path / f"rev-{max(self._revision_numbers(), default=0) + 1}"
            try:
                if live is not None and not empty:
                    ox.Store.read_only(str(live)).backup(str(new))
                self._apply(new, apply)
            except BaseException:
                shutil.rmtree(new, ignore_errors=True)
                raise
            self._switch(new.name)
            self._remove_old(keep={new.name, live.name if live else new.name})

    @staticmethod
    def _apply(folder: Path, apply: Callable[[ox.Store], object]) -> None:
        # Dropping the last reference closes RocksDB: a read-only reader must never open a folder a
        # writer still has open, and a failed revision can only be deleted once it is closed.
        store = ox.Store(str(folder))
        try:
            apply(store)
            store.flush()
        except BaseException as exc:
            traceback.clear_frames(exc.__traceback__)  # the frames of ``apply`` hold the store too
            raise
        finally:
            del store

    def _revision_numbers(self) -> list[int]:
        return [int(m.group(1)) for p in self.path.iterdir() if (m := _REVISION_DIR.fullmatch(p.name)) and p.is_dir()]

    def _switch(self, name: str) -> None:
        temporary = self.path / f"CURRENT.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path / "CURRENT")
        folder = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash
        finally:
            os.close(folder)

    def _remove_old(self, keep: set[str]) -> None:
        # The previous revision stays: a reader that opened it just before the switch keeps working.
        # Other revisions, and CURRENT's replacements, are older ones or what a writer killed mid-write
        # left: under the write lock no other writer is at work.
        for path in self.path.iterdir():
            if _REVISION_DIR.fullmatch(path.name) and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith("CURRENT.") and path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)


def _default_graph_size(store: ox.Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)


def _restate_everything(store: ox.Store) -> None:
    store.bulk_extend(distinct_union(store.quads_for_pattern(None, None, None)))
