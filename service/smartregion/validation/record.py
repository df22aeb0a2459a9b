"""Remembering a validation that passed, by the digest of everything it depends on.

The build skips validating what passed before. The project commits the record of its own files
(``graph/validated.json``, written by ``smartregion validate --record`` and checked by the tests), so
a fresh clone starts without validating; each store keeps its own record of later runs beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

COMMITTED_RECORD = Path("graph") / "validated.json"  # in the project, checked in
LOCAL_RECORD = Path(".smartregion") / "validated.json"  # in the project, git-ignored: digests of later runs that passed
_KEPT_DIGESTS = 20  # the local record keeps the latest ones


def inputs_digest(home: Path, files: Iterable[Path], extra: Iterable[bytes] = ()) -> str:
    """SHA-256 of what a validation depends on: the shapes, the given data and ontology files, ``extra``.

    Paths count relative to ``home``, so a clone anywhere has the same digest. ``extra`` is the data a
    build adds to the files (the graphs only the store has), in a stable serialisation.
    """
    digest = hashlib.sha256()
    for path in sorted((home / "shapes").glob("*.ttl")) + sorted(files):
        name = path.relative_to(home).as_posix() if path.is_relative_to(home) else path.as_posix()
        content = path.read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    for chunk in extra:
        digest.update(b"\1")
        digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def passed_before(home: Path, digest: str) -> bool:
    """Whether a validation of exactly these inputs passed: the committed record or the local one says so."""
    return digest == _read(home / COMMITTED_RECORD).get("digest") or digest in _read(home / LOCAL_RECORD).get("digests", [])


def remember_pass(home: Path, digest: str) -> None:
    """Note in the local record that a validation of these inputs passed (written atomically)."""
    path = home / LOCAL_RECORD
    kept = [d for d in _read(path).get("digests", []) if d != digest][-(_KEPT_DIGESTS - 1) :]
    _write(path, {"digests": [*kept, digest]})


def write_committed_record(home: Path, digest: str) -> Path:
    """Write the project's record (``graph/validated.json``) after its files passed; commit it with them."""
    path = home / COMMITTED_RECORD
    _write(path, {"digest": digest, "conforms": True, "checked_by": "smartregion validate --record"})
    return path


def _read(path: Path) -> dict:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: then nothing passed before
        return {}
    return found if isinstance(found, dict) else {}


def _write(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    partial.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
