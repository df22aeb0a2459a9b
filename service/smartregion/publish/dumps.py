"""Full dumps of the graph (TriG, N-Quads, Turtle union, JSON-LD; gzipped), one set per store revision.

A harvester must get exactly the data the catalogue describes, so dumps are written per revision:
``<folder>/<revision>/`` holds the four files and ``manifest.json`` (byte sizes, SHA-256, statement
counts per graph). The statements come from ONE N-Quads snapshot of the store, taken between two
identical readings of its revision, and every file is written from that snapshot. Gzip headers
carry no time stamp, so dumping the same revision again gives the same bytes and checksums.

``smartregion build`` writes them for the embedded store; :func:`current_dumps` writes them on first
use for a revision that has none: after a contribution or a removal (so that a write is not kept
waiting for seconds of dumps nobody may ask for before the next write), and always for a remote store,
which others may write to at any time. An erasure deletes the dumps that may still hold what it erased
(:func:`purge_other_revisions`).
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from smartregion.rdf.prefixes import PREFIXES
from smartregion.settings import Settings
from smartregion.store import Store, StoreError

MANIFEST = "manifest.json"
_SNAPSHOT_ATTEMPTS = 3
_GZIP_LEVEL = 6  # 3× faster than 9 on these files, 2% larger
_SAFE_REVISION = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class DumpFormat:
    """One dump file: its name, RDF syntax, whether it is the union of the graphs, and vocabulary IRIs."""

    name: str
    rdf_format: ox.RdfFormat
    media_type: str  # of the uncompressed content; the file itself is application/gzip
    file_type: str  # code in the EU file-type vocabulary
    union: bool  # True: the union of all graphs as one graph, each distinct triple once
    label_de: str
    label_en: str


FORMATS = (
    DumpFormat(
        "smartregion.trig.gz", ox.RdfFormat.TRIG, "application/trig", "RDF_TRIG", False,
        "TriG, alle benannten Graphen", "TriG, all named graphs",
    ),
    DumpFormat(
        "smartregion.nq.gz", ox.RdfFormat.N_QUADS, "application/n-quads", "RDF_N_QUADS", False,
        "N-Quads, alle benannten Graphen", "N-Quads, all named graphs",
    ),
    DumpFormat(
        "smartregion.ttl.gz", ox.RdfFormat.TURTLE, "text/turtle", "RDF_TURTLE", True,
        "Turtle, Vereinigung aller Graphen", "Turtle, union of all graphs",
    ),
    DumpFormat(
        "smartregion.jsonld.gz", ox.RdfFormat.JSON_LD, "application/ld+json", "JSON_LD", False,
        "JSON-LD, alle benannten Graphen", "JSON-LD, all named graphs",
    ),
)
BY_NAME = {f.name: f for f in FORMATS}


class DumpError(StoreError):
    """Dumps cannot be written; the message says why."""

    status, title, hint = 500, "dumps not written", None


@dataclass(frozen=True)
class DumpFile:
    bytes: int
    sha256: str
    statements: int  # quads, or distinct triples for the union


@dataclass(frozen=True)
class Manifest:
    """What one revision's dumps hold; ``folder`` is where the files are."""

    revision: str
    store: str  # which store they were made from (embedded path or remote endpoint)
    created: str  # ISO 8601, UTC
    statements: int  # quads over all named graphs = store.triple_count()
    triples: int  # distinct triples of the union
    graphs: dict[str, int]  # named graph IRI → statements
    files: dict[str, DumpFile]
    folder: Path

    @property
    def modified(self) -> datetime:
        """When this revision's dumps were made, to the second (as HTTP dates and catalogues give it)."""
        return datetime.fromisoformat(self.created).replace(microsecond=0)

    def path(self, name: str) -> Path:
        return self.folder / name

    def to_json(self) -> str:
        data = asdict(self)
        del data["folder"]
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        data["files"] = {name: DumpFile(**f) for name, f in data["files"].items()}
        return cls(folder=folder, **data)


def dumps_folder(settings: Settings) -> Path:
    """Where dumps live: ``dumps/`` next to the embedded store's folder (also for the remote backend)."""
    return settings.store_path.parent / "dumps"


def store_identity(store: Store) -> str:
    """A name for the store, so that stores sharing a dumps folder never prune each other's dumps."""
    path = getattr(store, "path", None)
    return f"embedded:{path}" if path is not None else f"remote:{getattr(store, 'endpoint', '?')}"


def purge_other_revisions(store: Store, folder: Path) -> None:
    """Delete this store's dumps of every revision but the live one (an erasure: they may still hold what
    was erased). A download of one of them that is running breaks, which is the point."""
    if not folder.is_dir():
        return
    live, identity = _revision_folder(folder, store.revision()), store_identity(store)
    for path in folder.iterdir():
        if path != live and (path / MANIFEST).is_file() and _written_by(path) == identity:
            shutil.rmtree(path, ignore_errors=True)


def _written_by(folder: Path) -> str | None:
    try:
        return Manifest.read(folder).store
    except (OSError, ValueError, TypeError, KeyError):
        return None  # not a manifest we can read: not ours to delete


def _revision_folder(folder: Path, revision: str) -> Path:
    if not _SAFE_REVISION.fullmatch(revision):
        raise DumpError(f"store revision {revision!r} cannot name a folder")
    return folder / revision


def current_dumps(store: Store, folder: Path) -> Manifest:
    """The dumps of the store's live revision, written first if there are none yet."""
    revision = store.revision()
    existing = _revision_folder(folder, revision)
    if (existing / MANIFEST).is_file():
        return Manifest.read(existing)
    return write_dumps(store, folder)


def write_dumps(store: Store, folder: Path) -> Manifest:
    """Write the four dumps of the store's live revision into ``folder/<revision>/`` and return the manifest.

    One writer at a time (a lock file); a revision that already has dumps is not written again. The
    dumps of this store's previous revision stay (a download may be running), older ones go.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "LOCK", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in folder.glob(".tmp-*"):  # left by a writer killed mid-way; under the lock no writer is running
            shutil.rmtree(stale, ignore_errors=True)
        revision, nquads, quads = _snapshot(store)
        target = _revision_folder(folder, revision)
        if (target / MANIFEST).is_file():
            return Manifest.read(target)
        temporary = folder / f".tmp-{uuid.uuid4().hex}"
        temporary.mkdir()
        try:
            manifest = _write(nquads, quads, revision, store_identity(store), temporary)
            shutil.rmtree(target, ignore_errors=True)  # left by a crash before its manifest was written
            os.replace(temporary, target)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        _prune(folder, manifest.store, keep=revision)
        return Manifest.read(target)


def _snapshot(store: Store) -> tuple[str, bytes, list[ox.Quad]]:
    """One revision as N-Quads and as quads: the revision must read the same before and after the dump."""
    for _ in range(_SNAPSHOT_ATTEMPTS):
        revision = store.revision()
        data = store.dump("nquads")
        if store.revision() == revision:
            # Stores write a dataset graph by graph, subject by subject (their index order; RemoteStore.dump
            # asks graph by graph): TriG and JSON-LD then write each graph once without sorting a million quads.
            return revision, data, list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    raise DumpError(f"the store changed during each of {_SNAPSHOT_ATTEMPTS} attempts to dump it; try again when writes have settled")


def _write(nquads: bytes, quads: list[ox.Quad], revision: str, identity: str, folder: Path) -> Manifest:
    graphs = Counter(q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode))
    union = list(dict.fromkeys(q.triple for q in quads))  # distinct, in snapshot order
    files = {}
    for fmt in FORMATS:
        statements: Iterable[ox.Quad | ox.Triple] = union if fmt.union else quads
        path = folder / fmt.name
        prefixes = PREFIXES if fmt.rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.TURTLE) else None
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=_GZIP_LEVEL) as out:
            if fmt.rdf_format == ox.RdfFormat.N_QUADS:
                out.write(nquads)  # the snapshot is that file already
            else:
                ox.serialize(statements, out, format=fmt.rdf_format, prefixes=prefixes)
        files[fmt.name] = DumpFile(bytes=path.stat().st_size, sha256=_sha256(path), statements=len(union) if fmt.union else len(quads))
    manifest = Manifest(
        revision=revision,
        store=identity,
        created=datetime.now(timezone.utc).isoformat(),  # microseconds: orders revisions written within a second
        statements=len(quads),
        triples=len(union),
        graphs=dict(sorted(graphs.items())),
        files=files,
        folder=folder,
    )
    (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _prune(folder: Path, identity: str, keep: str) -> None:
    """Remove this store's dumps except ``keep`` and the newest one before it."""
    own = []
    for path in folder.iterdir():
        if path.name.startswith(".tmp-") or not (path / MANIFEST).is_file() or path.name == keep:
            continue
        try:
            manifest = Manifest.read(path)
        except (OSError, ValueError, TypeError, KeyError):
            continue  # not ours to judge
        if manifest.store == identity:
            own.append(manifest)
    own.sort(key=lambda m: m.created, reverse=True)
    for manifest in own[1:]:
        shutil.rmtree(manifest.folder, ignore_errors=True)
