"""Running read-only SPARQL queries under a time limit and a row limit, on either store backend.

pyoxigraph can neither time out nor cancel a query (oxigraph issue 1926), so the embedded backend
evaluates in a small pool of worker processes that open the live revision read-only; a worker that
passes the limit is killed (SIGKILL) and replaced. A remote store is asked through the Store
interface, whose client enforces the limit. Both evaluate fully and serialise afterwards, so a
client never gets half a document.

Before anything runs, the query is checked by one parse (``store.guard``): updates, ``SERVICE`` and
datasets outside the store are refused here, so every caller of the executor (the endpoint, the
question catalogue) gets the same guarantee that no query makes the machine send a request
anywhere, and what runs is exactly the text that was checked. Queries nesting deeper or wider than
the engines' recursive parsers and evaluators can take are refused too (they would overflow their
stack); a worker that dies of such a crash all the same is replaced and the query refused.

Workers are shared fairly by lanes. Every query starts in the fast lane with a short budget; one that
outruns it needs one of a few slow-lane slots, fewer than the workers, so that some workers always
stay free for quick queries. With no slot free it is stopped at once (``SlowLaneFull``). A worker that
was killed, or that served the slow lane (at a lower CPU priority, which cannot be raised again), is
replaced in the background and opens the store before it takes a query. Who may start a query at all
(per-client limits, the wait for a free worker) is decided in front of the executor: ``admission``.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection

import pyoxigraph as ox

from smartregion.rdf import results
from smartregion.store import guard as query_guard
from smartregion.store.embedded import (
    EmbeddedStore,
    QuerySyntaxError,
    Store,
    StoreError,
)


class QueryRefused(Exception):
    """A query that will not run here (an update, SERVICE, a dataset outside the store)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


class QueryTooComplex(QueryRefused):
    """A query too deep or too wide for the engine, found by the guard (``limit`` set) or by a crash."""

    def __init__(self, message: str, hint: str, limit: int | None = None):
        super().__init__(message, hint)
        self.limit = limit


_SIMPLER_HINT = query_guard.SIMPLER_HINT


class QueryTimeout(Exception):
    """The query ran into the time limit and was stopped."""

    def __init__(self, limit: float):
        super().__init__(f"the query ran longer than the time limit of {limit:g} seconds per query and was stopped")
        self.limit = limit


class ExecutorBusy(Exception):
    """No room for the query now; trying again after ``retry_after`` seconds makes sense (503)."""

    status = 503
    error = "busy"

    def __init__(self, message: str, hint: str, retry_after: float, error: str | None = None):
        super().__init__(message)
        self.hint = hint
        self.retry_after = max(1, math.ceil(retry_after))  # whole seconds, as Retry-After wants them
        self.error = error or self.error


class SlowLaneFull(ExecutorBusy):
    """The query outran the fast budget while every slow-lane slot was taken: it was stopped."""

    error = "slow lane full"


class QueryFailed(Exception):
    """The engine failed for a reason other than the query's syntax."""


# --- preparing and running ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed the guard, with the dataset it runs over."""

    checked: query_guard.CheckedQuery
    # The dataset, from the protocol or else from FROM / FROM NAMED; neither: the union of all graphs.
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The checked text: codepoint escapes decoded, the only text that runs."""
        return self.checked.text

    @property
    def form(self) -> str:
        return self.checked.form

    @property
    def prefixes(self) -> dict[str, str]:
        return self.checked.prefixes


@dataclass(frozen=True)
class Answer:
    """A serialised, complete answer and whether the row limit cut it."""

    body: bytes
    format: results.Format
    truncated: bool


def prepare(
    text: str, named_graphs: Callable[[], Iterable[str]], default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
) -> PreparedQuery:
    """Check a query before it runs: QueryRefused for anything a public endpoint must not do, QuerySyntaxError if malformed."""
    checked = check(text)
    requested = [*default_graph_uris, *named_graph_uris, *checked.from_graphs, *checked.from_named_graphs]
    if requested:
        known = set(named_graphs())
        unknown = sorted({iri for iri in requested if iri not in known})
        if unknown:
            raise QueryRefused(
                "FROM, FROM NAMED, default-graph-uri and named-graph-uri may only name graphs of this store; "
                f"unknown: {', '.join(unknown)}",
                "Leave the dataset out to query the union of all graphs, or list the graphs in the service "
                "description (GET /sparql without a query).",
            )
    # The protocol's dataset overrides the query's (SPARQL 1.1 Protocol §2.1.4). The query's own is
    # passed on the same way, because a union default graph (pyoxigraph's flag, Oxigraph server's
    # --union-default-graph) would otherwise silently override FROM.
    protocol = bool(default_graph_uris or named_graph_uris)
    return PreparedQuery(
        checked=checked,
        default_graphs=tuple(default_graph_uris if protocol else checked.from_graphs),
        named_graphs=tuple(named_graph_uris if protocol else checked.from_named_graphs),
    )


def check(text: str) -> query_guard.CheckedQuery:
    """The guard's verdict in the executor's terms (QueryRefused, QueryTooComplex, QuerySyntaxError)."""
    try:
        return query_guard.check(text)
    except query_guard.Malformed as exc:
        raise QuerySyntaxError(str(exc)) from None
    except query_guard.Complex as exc:
        raise QueryTooComplex(str(exc), exc.hint, exc.limit) from None
    except query_guard.GuardError as exc:
        raise QueryRefused(str(exc), exc.hint) from None


def serialise_result(
    result: ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple],
    fmt: results.Format,
    row_limit: int | None,
    prefixes: dict[str, str],
) -> tuple[bytes, bool]:
    """Take at most ``row_limit`` solutions or triples (all if None), then serialise them."""
    if isinstance(result, ox.QueryBoolean):
        return results.serialise_boolean(fmt, bool(result)), False
    taken = list(result if row_limit is None else islice(result, row_limit + 1))
    truncated = row_limit is not None and len(taken) > row_limit
    taken = taken[:row_limit] if truncated else taken
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        return results.serialise_solutions(fmt, variables, [list(solution) for solution in taken]), truncated
    return results.serialise_triples(fmt, taken, prefixes), truncated


class Executor:
    """Runs prepared queries; ``run`` blocks, so async callers hand it to a thread."""

    def __init__(
        self,
        store: Store,
        *,
        timeout: float,
        row_limit: int | None,
        workers: int = 2,
        fast_budget: float | None = None,
        slow_slots: int = 0,
    ):
        """``fast_budget`` None: no lanes, every query may run up to ``timeout``. Otherwise at most
        ``slow_slots`` queries (and never all workers) run past it at once; lanes need worker processes,
        so they apply to the embedded backend only (a remote store cannot stop a query anyway)."""
        self.store = store
        self.timeout = timeout
        self.row_limit = row_limit or None  # 0 means no limit
        embedded = isinstance(store, EmbeddedStore)
        workers = max(1, workers)
        lanes = None if fast_budget is None else _SlowLane(fast_budget, max(0, min(slow_slots, workers - 1)))
        self._pool = _WorkerPool(store.live_path, workers, lanes) if embedded else None
        self._remote = None if embedded else ThreadPoolExecutor(thread_name_prefix="sparql-remote")

    def prepare(self, text: str, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()) -> PreparedQuery:
        return prepare(text, self.store.named_graphs, default_graph_uris, named_graph_uris)

    def run(self, query: PreparedQuery, fmt: results.Format) -> Answer:
        """Evaluate within the time limit, then serialise; raises QueryTimeout, QuerySyntaxError, ..."""
        if self._pool is not None:
            body, truncated = self._pool.run(
                _Task(query.text, fmt.key, query.default_graphs, query.named_graphs, self.row_limit, query.prefixes),
                self.timeout,
            )
        else:
            body, truncated = self._remote_answer(query, fmt)
        return Answer(body, fmt, truncated)

    def _remote_answer(self, query: PreparedQuery, fmt: results.Format) -> tuple[bytes, bool]:
        # The store's client times out on its own; waiting here as well keeps the limit even where a
        # server trickles bytes. Either way the server may go on evaluating: the limit there is its own.
        started = time.monotonic()
        future = self._remote.submit(self._run_remote, query, fmt)
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout:
            raise QueryTimeout(self.timeout) from None
        except QuerySyntaxError:
            raise
        except StoreError as exc:
            if time.monotonic() - started >= self.timeout:
                raise QueryTimeout(self.timeout) from None
            raise QueryFailed(str(exc)) from None

    def _run_remote(self, query: PreparedQuery, fmt: results.Format) -> tuple[bytes, bool]:
        # Ask for a format we can parse, then limit and re-serialise like the embedded path does.
        graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
        raw = self.store.query_bytes(
            query.checked,
            results.NTRIPLES.media_type if graph_form else results.JSON.media_type,
            default_graph_uris=query.default_graphs,
            named_graph_uris=query.named_graphs,
        )
        if graph_form:
            parsed = (quad.triple for quad in ox.parse(raw, format=ox.RdfFormat.N_TRIPLES))
        else:
            parsed = ox.parse_query_results(raw, format=ox.QueryResultsFormat.JSON)
        return serialise_result(parsed, fmt, self.row_limit, query.prefixes)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._remote is not None:
            self._remote.shutdown(wait=False, cancel_futures=True)


# --- the worker processes -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    query: str
    format_key: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    row_limit: int | None
    prefixes: dict[str, str]


_WARM_UP = _Task("ASK {}", results.JSON.key, (), (), None, {})


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: replacements start fast and inherit no threads or open stores from the server process.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Every new worker runs the server's main script again (multiprocessing's spawn preparation);
        # under `smartregion serve` that imports the whole CLI, 1-2 s of a busy CPU per replacement.
        # Imported once in the forkserver, it is inherited instead.
        command = [name for name in ("smartregion.cli.main",) if name in sys.modules]
        context.set_forkserver_preload([__name__, *command])
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), name="sparql-worker", daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class _SlowLane:
    """At most ``slots`` queries past the fast ``budget`` at once, each known by when its time limit ends."""

    def __init__(self, budget: float, slots: int):
        self.budget = budget
        self.slots = slots
        self._deadlines: list[float] = []
        self._lock = threading.Lock()

    def enter(self, deadline: float) -> bool:
        with self._lock:
            if len(self._deadlines) >= self.slots:
                return False
            self._deadlines.append(deadline)
            return True

    def leave(self, deadline: float) -> None:
        with self._lock:
            self._deadlines.remove(deadline)

    def full(self) -> SlowLaneFull:
        """What a query that found no slot is told: when a slot frees up at the latest, and what to do."""
        with self._lock:
            soonest = min(self._deadlines, default=time.monotonic() + self.budget)
        if self.slots:
            why = f"all {self.slots} slots for slow queries are taken"
        else:
            why = "this service runs no slow queries (it has a single query worker)"
        return SlowLaneFull(
            f"the query ran longer than the fast lane's {self.budget:g} seconds and {why}, so it was stopped",
            f"Add LIMIT or more specific patterns so that it finishes within {self.budget:g} seconds, use a "
            "ready-made question (GET /api/queries), or try again after Retry-After seconds.",
            soonest - time.monotonic(),
        )


# Added to a worker's niceness when its query enters the slow lane: it then yields the CPU to fast queries.
SLOW_NICENESS = 10


def _lower_priority(pid: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, pid) + SLOW_NICENESS))
    except OSError:
        pass  # the worker is gone already, or the system forbids it: the query runs at normal priority


class _WorkerPool:
    def __init__(self, live_path: Callable[[], object], size: int, lanes: _SlowLane | None = None):
        self._live_path = live_path
        self._lanes = lanes
        self._context = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(max(1, size)):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self._context)
        with self._lock:
            self._all.add(worker)
        return worker

    def run(self, task: _Task, timeout: float) -> tuple[bytes, bool]:
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ExecutorBusy(
                f"all query workers stayed busy for {timeout:g} seconds", "Try again in a moment.", timeout
            ) from None
        if not worker.process.is_alive():  # died while idle (out of memory, killed from outside)
            worker = self._replace(worker)
        started = time.monotonic()
        slow = None  # the deadline the query holds a slow-lane slot by
        finished = False
        try:
            worker.connection.send((str(self._live_path()), task))
            fast = timeout if self._lanes is None else min(self._lanes.budget, timeout)
            if not worker.connection.poll(fast):
                slow = self._enter_slow_lane(worker, started, timeout)
                if not worker.connection.poll(max(0.0, slow - time.monotonic())):
                    raise QueryTimeout(timeout)
            status, *payload = worker.connection.recv()
            finished = True
        except (EOFError, OSError) as exc:
            raise _died(worker) from exc
        finally:
            if slow is not None:
                self._lanes.leave(slow)
            # A worker that did not finish may still be evaluating: it is killed, never reused. One that
            # served the slow lane runs at a lower priority it cannot regain: it is retired too.
            if finished and slow is None:
                self._idle.put(worker)
            else:
                self._retire(worker)
        if status == "syntax":
            raise QuerySyntaxError(payload[0])
        if status == "error":
            raise QueryFailed(payload[0])
        return payload[0], payload[1]

    def _enter_slow_lane(self, worker: _Worker, started: float, timeout: float) -> float:
        """Take a slow-lane slot for a query past the fast budget (returns its deadline); without one it is stopped."""
        deadline = started + timeout
        if self._lanes is None or time.monotonic() >= deadline:
            raise QueryTimeout(timeout)
        if not self._lanes.enter(deadline):
            raise self._lanes.full()
        _lower_priority(worker.process.pid)
        return deadline

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        return self._start()

    def _retire(self, worker: _Worker) -> None:
        """Kill the worker now and start its replacement in the background, so that the caller answers at once."""
        worker.process.kill()
        with self._lock:
            self._all.discard(worker)
        threading.Thread(target=self._restock, args=(worker,), name="sparql-worker-restock", daemon=True).start()

    def _restock(self, retired: _Worker) -> None:
        retired.process.join(5)
        retired.connection.close()
        with self._lock:
            if self._closed:
                return
        worker = self._start()
        self._warm_up(worker)
        with self._lock:
            closed = self._closed
        if closed:
            worker.kill()
        else:
            self._idle.put(worker)

    def _warm_up(self, worker: _Worker) -> None:
        """Let a new worker open the live revision before it takes a query, which would otherwise wait for that."""
        try:
            worker.connection.send((str(self._live_path()), _WARM_UP))
            worker.connection.recv()
        except (EOFError, OSError):
            pass  # it died: ``run`` replaces a dead idle worker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()


# Signals of a crash inside the engine: a stack overflow ends in SIGSEGV (or SIGABRT from Rust's guard).
_CRASHES = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT}


def _died(worker: _Worker) -> Exception:
    """What to tell about a worker that died while it evaluated a query."""
    worker.process.join(1)
    code = worker.process.exitcode
    names = {s.value: s.name for s in signal.Signals}
    cause = names.get(-code, f"signal {-code}") if code is not None and code < 0 else f"exit code {code}"
    if code is not None and -code in _CRASHES:
        return QueryTooComplex(
            f"the query engine crashed on this query ({cause}), most likely its stack overflowed: the query nests "
            "or chains too deeply; the worker was replaced",
            _SIMPLER_HINT,
        )
    return QueryFailed(f"the query worker died ({cause})")


def _serve(connection: Connection) -> None:
    """Worker main loop: answer tasks over the live revision, reopened when the revision changes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle; it then ends us
    store, opened = None, None
    while True:
        try:
            path, task = connection.recv()
        except (EOFError, OSError):
            return
        try:
            if path != opened:
                store, opened = ox.Store.read_only(path), path
            connection.send(("ok", *_evaluate(store, task)))
        except SyntaxError as exc:
            connection.send(("syntax", str(exc)))
        except Exception as exc:  # anything else goes back to the server as a message, not a dead worker
            connection.send(("error", f"{type(exc).__name__}: {exc}"))


def _evaluate(store: ox.Store, task: _Task) -> tuple[bytes, bool]:
    if task.default_graphs or task.named_graphs:
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in task.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in task.named_graphs],
        }
    else:
        dataset = {"use_default_graph_as_union": True}
    result = store.query(task.query, **dataset)
    return serialise_result(result, results.BY_KEY[task.format_key], task.row_limit, task.prefixes)
