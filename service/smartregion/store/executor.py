"""Running read-only SPARQL queries under a time limit and a row limit, on either store backend.

pyoxigraph can neither time out nor cancel a query (oxigraph issue 1926), so the embedded backend
evaluates in a small pool of worker processes that open the live revision read-only; a worker that
passes the limit is killed (SIGKILL) and replaced. A remote store is asked through the Store
interface, whose client enforces the limit. Both evaluate fully and serialise afterwards, so a
client never gets half a document.

Each worker confines itself before its first query (``sandbox``): it cannot open internet sockets
at all, and its address space is limited, so a query that needs more memory fails in its worker
(which is replaced) and never grows the server. Answers are written solution by solution and stop
at the row limit and at the byte limit; the server receives at most the byte limit per answer, the
remote backend reads at most about that much of the remote store's answer.

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

import io
import json
import logging
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
from multiprocessing.connection import Connection
from typing import BinaryIO

import pyoxigraph as ox

from smartregion.rdf import results
from smartregion.store import guard as query_guard
from smartregion.store import sandbox
from smartregion.store.embedded import (
    EmbeddedStore,
    QuerySyntaxError,
    RemoteStore,
    Store,
    StoreError,
)

log = logging.getLogger(__name__)

DEFAULT_MEMORY = 1 << 30  # bytes of address space per query worker
DEFAULT_ANSWER_BYTES = 50 << 20  # bytes per answer


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


class QueryOutOfMemory(QueryRefused):
    """The query needed more memory than a query worker may use; the worker was replaced."""

    def __init__(self, limit: int):
        super().__init__(
            f"the query needed more memory than the limit of {sandbox.size_text(limit)} per query and was stopped; "
            "the worker was replaced",
            "Narrow the query: add LIMIT, join fewer patterns without shared variables, sort or group fewer "
            "solutions, build shorter strings.",
        )
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
    """A serialised, complete answer and what cut it short: ``results.ROWS``, ``results.BYTES`` or None."""

    body: bytes
    format: results.Format
    cut: str | None = None

    @property
    def truncated(self) -> bool:
        return self.cut is not None


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
    byte_limit: int | None = None,
    read: Callable[[Iterable], Iterable] = iter,
) -> tuple[bytes, str | None]:
    """Write at most ``row_limit`` solutions or triples within ``byte_limit`` bytes (None: no limit).

    The result is read only as far as the answer goes, through ``read`` (the remote path ends a
    streamed answer there). Returns the body and what cut it short (``results.ROWS``,
    ``results.BYTES``) or None.
    """
    if isinstance(result, ox.QueryBoolean):
        return results.serialise_boolean(fmt, bool(result)), None
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        return results.write_solutions(fmt, variables, (list(solution) for solution in read(result)), row_limit, byte_limit)
    return results.write_triples(fmt, read(result), prefixes, row_limit, byte_limit)


class Executor:
    """Runs prepared queries; ``run`` blocks, so async callers hand it to a thread.

    ``memory`` is each query worker's address-space limit and ``answer_bytes`` the size limit of an
    answer, in bytes (None or 0: no limit). With ``sandbox_required`` (the default) the executor
    refuses to start if its workers cannot forbid themselves the network; without, it logs an error
    and runs them unconfined.

    ``fast_budget`` None: no lanes, every query may run up to ``timeout``. Otherwise at most
    ``slow_slots`` queries (and never all workers) run past it at once; lanes need worker processes,
    so they apply to the embedded backend only (a remote store cannot stop a query anyway).
    """

    def __init__(
        self,
        store: Store,
        *,
        timeout: float,
        row_limit: int | None,
        workers: int = 2,
        fast_budget: float | None = None,
        slow_slots: int = 0,
        memory: int | None = DEFAULT_MEMORY,
        answer_bytes: int | None = DEFAULT_ANSWER_BYTES,
        sandbox_required: bool = True,
    ):
        self.store = store
        self.timeout = timeout
        self.row_limit = row_limit or None  # 0 means no limit
        self.answer_bytes = answer_bytes or None
        embedded = isinstance(store, EmbeddedStore)
        workers = max(1, workers)
        lanes = None if fast_budget is None else _SlowLane(fast_budget, max(0, min(slow_slots, workers - 1)))
        limits = _Limits(memory or None, sandbox_required)
        self._pool = _WorkerPool(store.live_path, workers, limits, lanes) if embedded else None
        self._remote = None if embedded else ThreadPoolExecutor(thread_name_prefix="sparql-remote")

    def prepare(self, text: str, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()) -> PreparedQuery:
        return prepare(text, self.store.named_graphs, default_graph_uris, named_graph_uris)

    def run(self, query: PreparedQuery, fmt: results.Format) -> Answer:
        """Evaluate within the time limit, then serialise; raises QueryTimeout, QuerySyntaxError, ..."""
        if self._pool is not None:
            task = _Task(query.text, fmt.key, query.default_graphs, query.named_graphs, self.row_limit, query.prefixes, self.answer_bytes)
            body, cut = self._pool.run(task, self.timeout)
        else:
            body, cut = self._remote_answer(query, fmt)
        return Answer(body, fmt, cut)

    def _remote_answer(self, query: PreparedQuery, fmt: results.Format) -> tuple[bytes, str | None]:
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

    def _run_remote(self, query: PreparedQuery, fmt: results.Format) -> tuple[bytes, str | None]:
        # Ask for a format we can parse as it arrives, then limit and re-serialise like the embedded path
        # does. The remote answer is read only as far as the answer goes, and never past the byte limit
        # (plus a margin for the format's own overhead): a remote row of a gigabyte is not read whole.
        graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
        if not isinstance(self.store, RemoteStore):
            raise StoreError(f"no way to stream answers from {type(self.store).__name__}")
        response = self.store.open_query(
            query.checked,
            results.NTRIPLES.media_type if graph_form else results.JSON.media_type,
            default_graph_uris=query.default_graphs,
            named_graph_uris=query.named_graphs,
        )
        source = _CappedReader(response, None if self.answer_bytes is None else self.answer_bytes + _REMOTE_MARGIN)
        try:
            if graph_form:
                parsed = (quad.triple for quad in ox.parse(source, format=ox.RdfFormat.N_TRIPLES))
            else:
                parsed = ox.parse_query_results(source, format=ox.QueryResultsFormat.JSON)
            body, cut = serialise_result(
                parsed, fmt, self.row_limit, query.prefixes, self.answer_bytes, lambda items: _until_capped(items, source)
            )
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"the answer of the remote store at {self.store.endpoint} could not be read: {exc}") from None
        finally:
            response.close()
        if source.exceeded and cut is None:
            body, cut = results.mark_cut(fmt, body, results.BYTES, self.row_limit, self.answer_bytes), results.BYTES
        return body, cut

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._remote is not None:
            self._remote.shutdown(wait=False, cancel_futures=True)


# What a remote answer may be larger than our answer from it (JSON results carry each term's type).
_REMOTE_MARGIN = 1 << 20


class _CappedReader(io.RawIOBase):
    """A binary stream that ends with OSError once more than ``cap`` bytes were read (None: never)."""

    def __init__(self, raw: BinaryIO, cap: int | None):
        self._raw, self._cap, self._read, self.exceeded = raw, cap, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._cap is not None and self._read >= self._cap:
            self.exceeded = True
            raise OSError(f"the answer is longer than {self._cap} bytes")
        wanted = len(buffer) if self._cap is None else min(len(buffer), self._cap - self._read)
        data = self._raw.read(wanted)
        buffer[: len(data)] = data
        self._read += len(data)
        return len(data)


def _until_capped(items: Iterable, source: _CappedReader) -> Iterable:
    """The items of a streamed answer until its source ran into its cap; the cap ends them quietly."""
    iterator = iter(items)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except (OSError, SyntaxError):
            if source.exceeded:
                return
            raise


# --- the worker processes -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    query: str
    format_key: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    row_limit: int | None
    prefixes: dict[str, str]
    byte_limit: int | None = None


@dataclass(frozen=True)
class _Limits:
    """How each worker confines itself: its address-space limit (None: none), and whether no network is a must."""

    memory: int | None
    sandbox_required: bool = True


# Replies travel back as a small JSON header, then for an answer its body as raw bytes: never a pickle,
# so that even a worker the engine's bugs let a query take over cannot make the server run anything,
# and the server reads no more than the byte limit.
_HEADER_BYTES = 64 << 10
_BODY_SLACK = 64 << 10  # the closing of a document and the cut's mark, beyond the byte limit
_MESSAGE_CHARS = 4000
_STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class _Reply:
    status: str  # ok, syntax, error, memory
    message: str = ""
    body: bytes = b""
    cut: str | None = None


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
    def __init__(self, context: multiprocessing.context.BaseContext, limits: _Limits):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, limits), name="sparql-worker", daemon=True)
        self.process.start()
        child.close()
        self.limits = limits

    def ready(self) -> None:
        """Wait for the worker to confine itself; raise SandboxUnavailable if it cannot and must."""
        try:
            if not self.connection.poll(_STARTUP_SECONDS):
                raise QueryFailed(f"a query worker did not start within {_STARTUP_SECONDS:g} seconds")
            header = self._header()
        except (EOFError, OSError) as exc:
            raise QueryFailed(f"a query worker died while it started ({_exit_cause(self)})") from exc
        problem = header.get("problem")
        if problem and self.limits.sandbox_required:
            raise sandbox.SandboxUnavailable(
                f"query workers cannot forbid themselves the network: {problem}. Refusing to answer queries without "
                "it; set SMARTREGION_QUERY_SANDBOX=optional to run them unconfined (not for a public service)"
            )
        if problem:
            log.error("QUERY WORKER %d RUNS WITHOUT NETWORK SANDBOX (SMARTREGION_QUERY_SANDBOX=optional): %s; a query "
                      "that gets past the SERVICE check can reach any address", self.process.pid, problem)

    def send(self, path: str, task: _Task) -> None:
        """Hand the worker a task over the revision at ``path``; its reply waits on ``connection``."""
        self.connection.send((path, task))

    def receive(self, task: _Task) -> _Reply:
        """The reply to the task sent (call it once ``connection`` has data); EOFError/OSError if the worker died."""
        header = self._header()
        status = str(header.get("status"))
        if status != "ok":
            return _Reply(status, str(header.get("message", ""))[:_MESSAGE_CHARS])
        limit = None if task.byte_limit is None else task.byte_limit + _BODY_SLACK
        try:
            body = self.connection.recv_bytes(limit)
        except OSError as exc:
            if self._gone():
                raise
            raise QueryFailed(f"a query worker sent an answer larger than {limit} bytes; it was replaced") from exc
        return _Reply("ok", body=body, cut=header.get("cut") if header.get("cut") in (results.ROWS, results.BYTES) else None)

    def _header(self) -> dict:
        try:
            header = json.loads(self.connection.recv_bytes(_HEADER_BYTES))
        except (ValueError, UnicodeDecodeError) as exc:
            raise QueryFailed("a query worker sent a reply that is not JSON; it was replaced") from exc
        except OSError:
            if self._gone():
                raise
            raise QueryFailed(f"a query worker sent a reply header over {_HEADER_BYTES} bytes; it was replaced") from None
        if not isinstance(header, dict):
            raise QueryFailed("a query worker sent a malformed reply; it was replaced")
        return header

    def _gone(self) -> bool:
        """Whether a reading error came from the worker's death rather than an oversized message."""
        self.process.join(1)  # a worker that crashed may not have been reaped yet when its pipe breaks
        return not self.process.is_alive()

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
    def __init__(self, live_path: Callable[[], object], size: int, limits: _Limits, lanes: _SlowLane | None = None):
        self._live_path = live_path
        self._limits = limits
        self._lanes = lanes
        self._context = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        try:
            for _ in range(max(1, size)):
                self._idle.put(self._start())
        except BaseException:
            self.close()
            raise

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self._limits)
        with self._lock:
            self._all.add(worker)
        try:
            worker.ready()
        except BaseException:
            with self._lock:
                self._all.discard(worker)
            worker.kill()
            raise
        return worker

    def run(self, task: _Task, timeout: float) -> tuple[bytes, str | None]:
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
        reusable = False
        try:
            worker.send(str(self._live_path()), task)
            fast = timeout if self._lanes is None else min(self._lanes.budget, timeout)
            if not worker.connection.poll(fast):
                slow = self._enter_slow_lane(worker, started, timeout)
                if not worker.connection.poll(max(0.0, slow - time.monotonic())):
                    raise QueryTimeout(timeout)
            reply = worker.receive(task)
            reusable = reply.status != "memory"  # a worker that ran out of memory ends itself
        except (EOFError, OSError) as exc:
            raise _died(worker) from exc
        finally:
            if slow is not None:
                self._lanes.leave(slow)
            # A worker that did not finish may still be evaluating: it is killed, never reused. One that
            # served the slow lane runs at a lower priority it cannot regain: it is retired too.
            if reusable and slow is None:
                self._idle.put(worker)
            else:
                self._retire(worker)
        return _outcome(reply, self._limits)

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
        try:
            worker = self._start()
        except Exception:  # the pool is one worker short until the next replacement; queries wait meanwhile
            log.exception("a replacement query worker could not be started")
            return
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
            worker.send(str(self._live_path()), _WARM_UP)
            if worker.connection.poll(_STARTUP_SECONDS):
                worker.receive(_WARM_UP)
        except (EOFError, OSError, QueryFailed):
            pass  # it died: ``run`` replaces a dead idle worker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()


def _outcome(reply: _Reply, limits: _Limits) -> tuple[bytes, str | None]:
    """The answer of a reply, or the exception that tells what went wrong."""
    if reply.status == "ok":
        return reply.body, reply.cut
    if reply.status == "syntax":
        raise QuerySyntaxError(reply.message)
    if reply.status == "memory" and limits.memory is not None:
        raise QueryOutOfMemory(limits.memory)
    raise QueryFailed(reply.message or f"the query worker failed ({reply.status})")


# A stack overflow inside the engine ends in SIGSEGV (or SIGBUS); Rust's allocator aborts (SIGABRT)
# when an allocation fails, which under the worker's address-space limit means the query needed more.
_STACK_CRASHES = {signal.SIGSEGV, signal.SIGBUS}


def _exit_cause(worker: _Worker) -> str:
    worker.process.join(1)
    code = worker.process.exitcode
    names = {s.value: s.name for s in signal.Signals}
    return names.get(-code, f"signal {-code}") if code is not None and code < 0 else f"exit code {code}"


def _died(worker: _Worker) -> Exception:
    """What to tell about a worker that died while it evaluated a query."""
    cause = _exit_cause(worker)
    code = worker.process.exitcode
    if code is not None and -code == signal.SIGABRT and worker.limits.memory is not None:
        log.warning("query worker %d ran out of memory (limit %s) and was replaced", worker.process.pid,
                    sandbox.size_text(worker.limits.memory))
        return QueryOutOfMemory(worker.limits.memory)
    if code is not None and (-code in _STACK_CRASHES or -code == signal.SIGABRT):
        return QueryTooComplex(
            f"the query engine crashed on this query ({cause}), most likely its stack overflowed: the query nests "
            "or chains too deeply; the worker was replaced",
            _SIMPLER_HINT,
        )
    return QueryFailed(f"the query worker died ({cause})")


def _send(connection: Connection, header: dict, body: bytes | None = None) -> None:
    connection.send_bytes(json.dumps(header).encode("utf-8"))
    if body is not None:
        connection.send_bytes(body)


def _confine(limits: _Limits) -> str | None:
    """Confine this worker before it reads a query; what kept it from forbidding itself the network, if anything."""
    # An allocation failure is expected here: one line in the log, not Rust's backtrace for each.
    os.environ["RUST_BACKTRACE"] = "0"
    try:
        sandbox.deny_network()
        problem = None
    except sandbox.SandboxUnavailable as exc:
        problem = str(exc)
    if limits.memory is not None:
        sandbox.limit_memory(limits.memory)
    return problem


def _serve(connection: Connection, limits: _Limits) -> None:
    """Worker main loop: confine, then answer tasks over the live revision, reopened when the revision changes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle; it then ends us
    problem = _confine(limits)
    _send(connection, {"status": "ready", "problem": problem})
    if problem and limits.sandbox_required:
        return
    store, opened = None, None
    while True:
        try:
            path, task = connection.recv()
        except (EOFError, OSError):
            return
        try:
            if path != opened:
                store, opened = None, None  # the old revision's memory first
                store, opened = ox.Store.read_only(path), path
            body, cut = _evaluate(store, task)
            header, answer = {"status": "ok", "cut": cut}, body
        except SyntaxError as exc:
            header, answer = {"status": "syntax", "message": str(exc)[:_MESSAGE_CHARS]}, None
        except MemoryError:
            header, answer = {"status": "memory"}, None
        except Exception as exc:  # anything else goes back to the server as a message, not a dead worker
            header, answer = {"status": "error", "message": f"{type(exc).__name__}: {exc}"[:_MESSAGE_CHARS]}, None
        _send(connection, header, answer)
        if header["status"] == "memory":
            return  # the server replaces a worker that ran out of memory


def _evaluate(store: ox.Store, task: _Task) -> tuple[bytes, str | None]:
    if task.default_graphs or task.named_graphs:
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in task.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in task.named_graphs],
        }
    else:
        dataset = {"use_default_graph_as_union": True}
    result = store.query(task.query, **dataset)
    return serialise_result(result, results.BY_KEY[task.format_key], task.row_limit, task.prefixes, task.byte_limit)
