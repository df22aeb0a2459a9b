"""Settings: where the project and the store are, which backend, and the limits of the service.

Every setting has a default and an environment variable (``SMARTREGION_*``); the command line
overrides both (``dataclasses.replace``). Read once per process with :meth:`Settings.from_env`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from smartregion.errors import SmartregionError

BACKENDS = ("embedded", "remote")
# How the remote store is spoken to: "standard" SPARQL 1.1 (Oxigraph server, Fuseki, GraphDB) or Virtuoso (store/virtuoso.py).
REMOTE_FLAVOURS = ("standard", "virtuoso")
SANDBOX_MODES = ("required", "optional")
_PROJECT_FOLDERS = ("ontology", "shapes", "graph", "queries")


class SettingsError(SmartregionError, ValueError):
    """A setting that cannot work; the message names the variable or option and how to fix it."""

    status, title = 500, "invalid setting"


def _is_project(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in _PROJECT_FOLDERS)


def _find_project(env: Mapping[str, str] | None = None) -> Path:
    """The folder holding ``ontology/ shapes/ graph/ queries/``: ``Settings.home``, and only that.

    ``SMARTREGION_HOME`` (from ``env``, default the process environment) if set; else the first such folder above this file (an editable install or
    a checkout); else above the working directory (a regular install run inside a clone).
    """
    home = (os.environ if env is None else env).get("SMARTREGION_HOME")
    if home:
        path = Path(home).expanduser().resolve()
        if not _is_project(path):
            raise SettingsError(f"SMARTREGION_HOME={home} has no ontology/ shapes/ graph/ queries/; point it at a smartregion clone")
        return path
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if _is_project(folder):
                return folder
    raise SettingsError("cannot find the smartregion project (ontology/ shapes/ graph/ queries/); run inside a clone or set SMARTREGION_HOME")


def _number(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def _size(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    """A size in bytes: a number, optionally with K, M or G (powers of 1024) and an optional B: ``1G``, ``512MB``."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip().lower().removesuffix("ib").removesuffix("b")
    unit = text[-1] if text and text[-1] in _SIZE_UNITS else ""
    try:
        return int(float(text.removesuffix(unit)) * _SIZE_UNITS[unit])
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a size; give bytes, or a number with K, M or G such as 1G or 512M") from None


_REPLICA_MOST = 2 << 30


def _replica_share(workers: int) -> int:
    """Half the machine's memory shared by the query workers' in-memory copies, at most 2 GiB each."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return min(_REPLICA_MOST, memory // (2 * max(1, workers)))


@dataclass(frozen=True)
class Settings:
    """All settings; ``None`` for an endpoint means "not configured"."""

    home: Path = field(default_factory=_find_project)
    # Default <home>/.smartregion/store (git-ignored): revision folders rev-<n>/ and CURRENT.
    store_path: Path = None  # type: ignore[assignment]  # filled in by __post_init__
    backend: str = "embedded"
    endpoint: str | None = None  # remote SPARQL query URL, e.g. http://host:7878/query
    update_endpoint: str | None = None  # remote SPARQL update URL, e.g. http://host:7878/update
    gsp_endpoint: str | None = None  # remote Graph Store Protocol URL, e.g. http://host:7878/store
    remote_flavour: str = "standard"
    # The account that writes to the remote store (HTTP Basic; Digest on Virtuoso); None: writes unauthenticated.
    store_user: str | None = None
    store_password: str | None = None  # from the environment only, never the command line (process lists show it)
    query_timeout: float = 30.0  # seconds per query
    row_limit: int = 10000  # rows (or triples) per answer of the HTTP endpoint; 0 = no limit
    # Worker processes that answer queries of the HTTP endpoint (embedded backend); also how many queries
    # run at once on the remote backend. Four: two slow queries may run while two workers stay free for
    # quick ones, and an idle worker costs about 20 MB of its own (70 MB resident, most shared with the
    # others through the forkserver); a query's memory is what its limit allows.
    query_workers: int = 4
    # Every query starts in a fast lane with this budget in seconds; past it, it needs one of the slow
    # slots (at most query_workers - 1) or it is stopped with 503. 0: no lanes, every query may run up
    # to query_timeout.
    query_fast_budget: float = 1.0
    query_slow_slots: int = 2
    query_queue: int = 64  # queries waiting for a worker, all clients together; beyond: 503
    query_queue_wait: float = 10.0  # seconds a query may wait for a worker; beyond: 503
    client_queries: int = 2  # queries one client may have running or waiting; beyond: 429
    client_query_seconds: float = 60.0  # seconds of query time per client per minute; beyond: 429; 0 = no budget
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks); none: the header is ignored.
    trusted_proxies: tuple[str, ...] = ()
    query_memory: int = 1 << 30  # bytes of address space per query worker (RLIMIT_AS); 0 = no limit
    # Bytes each query worker may give an in-memory copy of the live revision, on top of query_memory; a
    # revision that does not fit is answered from disk, 0 always is. None: where memory allows, a share of
    # half the machine's memory per worker, at most 2 GiB (store/replica.py).
    query_replica: int | None = None
    answer_bytes: int = 50 << 20  # bytes per answer of the HTTP endpoint, cut at a whole row; 0 = no limit
    # "required": the service refuses to start query workers that cannot forbid themselves the network
    # (seccomp); "optional": it runs them unconfined and logs an error for each.
    query_sandbox: str = "required"
    max_request_bytes: int = 1_000_000  # largest HTTP request body accepted
    base_url: str = "https://w3id.org/smartregion/"  # where the service is deployed
    write_token: str | None = None  # None: the HTTP service accepts no writes
    # The DCAT catalogue's publisher, contact point and home page (``/catalog``).
    publisher_name: str = "smartregion"
    contact_email: str | None = None  # None: the contact point names the home page instead of a made-up address
    homepage: str | None = None  # None: base_url, the service's own home page
    # The audit log rotates at this size, keeping this many older files (audit.py): at most (backups + 1) x max_bytes on disk.
    audit_max_bytes: int = 10_000_000
    audit_backups: int = 5

    def __post_init__(self) -> None:
        # Absolute paths: query worker processes open the store by path.
        object.__setattr__(self, "home", Path(self.home).resolve())
        store_path = self.home / ".smartregion" / "store" if self.store_path is None else Path(self.store_path)
        object.__setattr__(self, "store_path", store_path.expanduser().resolve())
        if self.backend not in BACKENDS:
            raise SettingsError(f"backend {self.backend!r} is unknown; use one of {', '.join(BACKENDS)}")
        if self.remote_flavour not in REMOTE_FLAVOURS:
            raise SettingsError(f"SMARTREGION_REMOTE_FLAVOUR={self.remote_flavour!r} is unknown; use one of {', '.join(REMOTE_FLAVOURS)}")
        if self.query_timeout <= 0:
            raise SettingsError(f"query timeout must be positive, not {self.query_timeout}")
        if self.row_limit < 0:
            raise SettingsError(f"row limit must be 0 (no limit) or positive, not {self.row_limit}")
        if self.query_memory < 0 or 0 < self.query_memory < 256 << 20:
            raise SettingsError(f"SMARTREGION_QUERY_MEMORY must be 0 (no limit) or at least 256M (opening the store takes "
                                f"about that much address space), not {self.query_memory}")
        if self.query_replica is None:
            object.__setattr__(self, "query_replica", _replica_share(self.query_workers))
        if self.query_replica < 0:
            raise SettingsError(f"SMARTREGION_QUERY_REPLICA must be 0 (answer from disk) or a size, not {self.query_replica}")
        if self.answer_bytes < 0:
            raise SettingsError(f"SMARTREGION_ANSWER_BYTES must be 0 (no limit) or positive, not {self.answer_bytes}")
        if self.query_sandbox not in SANDBOX_MODES:
            raise SettingsError(f"SMARTREGION_QUERY_SANDBOX={self.query_sandbox!r} is unknown; use required (the default) or optional")
        if self.audit_max_bytes < 1000:
            raise SettingsError(f"SMARTREGION_AUDIT_MAX_BYTES={self.audit_max_bytes}: the audit log needs at least 1000 bytes a file")
        if self.audit_backups < 1:
            raise SettingsError(f"SMARTREGION_AUDIT_BACKUPS={self.audit_backups}: keep at least 1 older audit file, or rotating would drop the log")
        self._check_fair_service()

    def _check_fair_service(self) -> None:
        at_least = {
            "SMARTREGION_QUERY_WORKERS": (self.query_workers, 1),
            "SMARTREGION_CLIENT_QUERIES": (self.client_queries, 1),
            "SMARTREGION_QUERY_QUEUE": (self.query_queue, 0),
            "SMARTREGION_QUERY_SLOW_SLOTS": (self.query_slow_slots, 0),
            "SMARTREGION_QUERY_FAST_BUDGET": (self.query_fast_budget, 0),
            "SMARTREGION_CLIENT_QUERY_SECONDS": (self.client_query_seconds, 0),
        }
        for name, (value, least) in at_least.items():
            if value < least:
                raise SettingsError(f"{name} must be at least {least}, not {value}")
        if self.query_queue_wait <= 0:
            raise SettingsError(f"SMARTREGION_QUERY_QUEUE_WAIT must be positive, not {self.query_queue_wait}")
        for entry in self.trusted_proxies:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise SettingsError(
                    f"SMARTREGION_TRUSTED_PROXIES: {entry!r} is not an IP address or network; "
                    "list addresses or networks separated by commas, e.g. 127.0.0.1,10.0.0.0/8"
                ) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``SMARTREGION_*`` variables; keyword arguments that are not None win."""
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "backend": env.get("SMARTREGION_BACKEND") or "embedded",
            "endpoint": env.get("SMARTREGION_ENDPOINT") or None,
            "update_endpoint": env.get("SMARTREGION_UPDATE_ENDPOINT") or None,
            "gsp_endpoint": env.get("SMARTREGION_GSP_ENDPOINT") or None,
            "remote_flavour": (env.get("SMARTREGION_REMOTE_FLAVOUR") or "standard").strip().lower(),
            "store_user": env.get("SMARTREGION_STORE_USER") or None,
            "store_password": env.get("SMARTREGION_STORE_PASSWORD") or None,
            "query_timeout": _number(env, "SMARTREGION_QUERY_TIMEOUT", 30.0, float),
            "row_limit": _number(env, "SMARTREGION_ROW_LIMIT", 10000, int),
            "query_workers": _number(env, "SMARTREGION_QUERY_WORKERS", 4, int),
            "query_fast_budget": _number(env, "SMARTREGION_QUERY_FAST_BUDGET", 1.0, float),
            "query_slow_slots": _number(env, "SMARTREGION_QUERY_SLOW_SLOTS", 2, int),
            "query_queue": _number(env, "SMARTREGION_QUERY_QUEUE", 64, int),
            "query_queue_wait": _number(env, "SMARTREGION_QUERY_QUEUE_WAIT", 10.0, float),
            "client_queries": _number(env, "SMARTREGION_CLIENT_QUERIES", 2, int),
            "client_query_seconds": _number(env, "SMARTREGION_CLIENT_QUERY_SECONDS", 60.0, float),
            "trusted_proxies": tuple(p.strip() for p in env.get("SMARTREGION_TRUSTED_PROXIES", "").split(",") if p.strip()),
            "query_memory": _size(env, "SMARTREGION_QUERY_MEMORY", 1 << 30),
            "query_replica": _size(env, "SMARTREGION_QUERY_REPLICA", None),
            "answer_bytes": _size(env, "SMARTREGION_ANSWER_BYTES", 50 << 20),
            "query_sandbox": (env.get("SMARTREGION_QUERY_SANDBOX") or "required").strip().lower(),
            "max_request_bytes": _number(env, "SMARTREGION_MAX_REQUEST_BYTES", 1_000_000, int),
            "base_url": env.get("SMARTREGION_BASE_URL") or "https://w3id.org/smartregion/",
            "write_token": env.get("SMARTREGION_WRITE_TOKEN") or None,
            "publisher_name": env.get("SMARTREGION_PUBLISHER_NAME") or "smartregion",
            "contact_email": env.get("SMARTREGION_CONTACT_EMAIL") or None,
            "homepage": env.get("SMARTREGION_HOMEPAGE") or None,
            "audit_max_bytes": _number(env, "SMARTREGION_AUDIT_MAX_BYTES", 10_000_000, int),
            "audit_backups": _number(env, "SMARTREGION_AUDIT_BACKUPS", 5, int),
        }
        if env.get("SMARTREGION_STORE"):
            values["store_path"] = Path(env["SMARTREGION_STORE"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "home" not in values:
            values["home"] = _find_project(env)
        return cls(**values)  # type: ignore[arg-type]
