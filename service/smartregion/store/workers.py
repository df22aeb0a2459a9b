"""The query worker processes: each confines itself (no internet sockets, a memory limit), evaluates over
the live revision read-only, and writes its answer row by row up to the row and byte limits. The server
hands them tasks and awaits their replies on its event loop (``store.channel``), without a thread per query.

pyoxigraph can neither time out nor cancel a query (oxigraph issue 1926), so a query that passes its
limit has its worker killed and replaced; a fast lane and a bounded slow lane keep slow queries from
taking every worker.

Where memory allows (``Limits.replica``), each worker copies the revision it answers from into an
in-memory store (``store.replica``) and answers from the copy once it is made; meanwhile, and after
every write until the new revision is copied, it answers from disk, so that no answer lags a write.
A revision that does not fit, or that a worker died copying, is answered from disk.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import anyio
import pyoxigraph as ox

from smartregion.rdf import results
from smartregion.store import QuerySyntaxError, channel, replica, sandbox
from smartregion.store.errors import (
    ExecutorBusy,
    QueryFailed,
    QueryOutOfMemory,
    QueryTimeout,
    QueryTooComplex,
    SlowLaneFull,
)
from smartregion.store.guard import SIMPLER_HINT

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    query: str
    format_key: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    row_limit: int | None
    prefixes: dict[str, str]
    byte_limit: int | None = None


@dataclass(frozen=True)
class Limits:
    """How each worker confines itself: its address-space limit for queries (None: none), whether no network
    is a must, and the memory it may give an in-memory copy of the live revision (0: none, it answers from disk).
    """

    memory: int | None
    sandbox_required: bool = True
    replica: int = 0


_BODY_SLACK = 64 << 10  # the closing of a document and the cut's mark, beyond the byte limit
_MESSAGE_CHARS = 4000
_STARTUP_SECONDS = 60.0
_IDLE_CHECK_SECONDS = 0.01  # how often a query that found every worker busy looks for a free one


@dataclass(frozen=True)
class _Reply:
    status: str  # ok, syntax, error, memory
    message: str = ""
    body: bytes = b""
    cut: str | None = None
    copy: dict = field(default_factory=dict)  # the worker's in-memory copy: what answered, what became of it


_WARM_UP = Task("ASK {}", results.JSON.key, (), (), None, {})
_COPY_KEYS = ("answered_from", "copying", "copied", "copy_failed")
# An in-memory copy takes about 2.4 times the revision's bytes on disk (measured: 304 MB of RocksDB
# files, 2.16 million quads, 730 MB more address space); a revision is copied only if three times fits.
_COPY_PER_DISK_BYTE = 3
_COPY_CHECK_SECONDS = 1.0  # how often idle workers that copy are asked whether they are done


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
    def __init__(self, context: multiprocessing.context.BaseContext, limits: Limits):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, limits), name="sparql-worker", daemon=True)
        self.process.start()
        child.close()
        self.channel = channel.Channel(self.connection.fileno())
        self.limits = limits
        self.replica: str | None = None  # the revision it answers from in memory
        self.copying: str | None = None  # the revision it is copying into memory
        self._ending = threading.Lock()
        self._ended = False

    def ready(self) -> None:
        """Wait for the worker to confine itself; raise SandboxUnavailable if it cannot and must."""
        try:
            header, _ = self.channel.reply_blocking(0, time.monotonic() + _STARTUP_SECONDS)
        except channel.Late:
            raise QueryFailed(f"a query worker did not start within {_STARTUP_SECONDS:g} seconds") from None
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

    def kill(self) -> None:
        """End the process and close its pipe, once: closing the pool and a restock may both end a new worker."""
        with self._ending:
            if self._ended:
                return
            self._ended = True
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class SlowLane:
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


class _IdleWorkers(queue.LifoQueue):
    """Last in, first out: the worker that answered last takes the next query, its caches (RocksDB's blocks,
    the CPU's) still warm; first in, first out would spread queries over every worker's colder caches."""

    def take_if(self, wanted: Callable[[_Worker], bool]) -> _Worker | None:
        """The longest idle worker that is ``wanted``, if any."""
        with self.mutex:
            for worker in self.queue:
                if wanted(worker):
                    self.queue.remove(worker)
                    self.not_full.notify()
                    return worker
        return None


class WorkerPool:
    def __init__(self, live_path: Callable[[], object], size: int, limits: Limits, lanes: SlowLane | None = None):
        self._live_path = live_path
        self._limits = limits
        self._lanes = lanes
        self._context = _context()
        self._idle = _IdleWorkers()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._uncopied: dict[str, str] = {}  # revision → why it is answered from disk
        self._fitting: str | None = None  # the last revision found small enough to copy
        self._behind = threading.Event()  # set while some worker is not answering from the live revision's copy
        try:
            for _ in range(max(1, size)):
                worker = self._start()
                if limits.replica:
                    self._warm_up(worker)  # it opens the live revision now and starts copying it
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise
        if limits.replica:
            threading.Thread(target=self._follow_copies, name="sparql-worker-copies", daemon=True).start()

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

    async def run(self, task: Task, timeout: float) -> tuple[bytes, str | None]:
        """Answer ``task`` within ``timeout`` seconds, on the event loop: waiting for the worker costs no thread."""
        worker = await self._take(timeout)
        started = time.monotonic()
        deadline = started + timeout
        slow = None  # the deadline the query holds a slow-lane slot by
        reusable = False
        path = str(self._live_path())
        try:
            await worker.channel.send((path, self._copyable(path), task), deadline)
            fast = timeout if self._lanes is None else min(self._lanes.budget, timeout)
            if not await worker.channel.readable(started + fast):
                slow = self._enter_slow_lane(worker, started, timeout)
            reply = _reply(*await worker.channel.reply(_body_limit(task), deadline))
            self._note_copy(worker, path, reply.copy)
            reusable = reply.status != "memory"  # a worker that ran out of memory ends itself
        except channel.Late:
            raise QueryTimeout(timeout) from None
        except (EOFError, OSError) as exc:
            raise await anyio.to_thread.run_sync(self._death, worker) from exc  # it waits for the worker's exit
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

    async def _take(self, timeout: float) -> _Worker:
        """An idle worker, alive; ExecutorBusy if none is free within ``timeout``. Admission lets no more queries
        in than there are workers, so one waits only while a worker is being replaced or asked about its copy."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                worker = self._idle.get_nowait()
                break
            except queue.Empty:
                if time.monotonic() >= deadline:
                    raise ExecutorBusy(
                        f"all query workers stayed busy for {timeout:g} seconds", "Try again in a moment.", timeout
                    ) from None
                await anyio.sleep(_IDLE_CHECK_SECONDS)  # the idle queue is filled from threads too: polled, not awaited
        if not worker.process.is_alive():  # died while idle (out of memory, killed from outside)
            worker = await anyio.to_thread.run_sync(self._replace, worker)
        return worker

    def _death(self, worker: _Worker) -> Exception:
        """What to raise for a worker that died on a query; the copy it was making is given up."""
        self._copy_died(worker)
        return _died(worker)

    def _enter_slow_lane(self, worker: _Worker, started: float, timeout: float) -> float:
        """Take a slow-lane slot for a query past the fast budget (returns its deadline); without one it is stopped."""
        deadline = started + timeout
        if self._lanes is None or time.monotonic() >= deadline:
            raise QueryTimeout(timeout)
        if not self._lanes.enter(deadline):
            raise self._lanes.full()
        sandbox.lower_priority(worker.process.pid)
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
        retired.kill()
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

    def _copyable(self, path: str) -> bool:
        """Whether workers copy the revision at ``path`` into memory: it fits, and no worker failed to."""
        if not self._limits.replica or path in self._uncopied:
            return False
        if self._fitting != path:  # judged once per revision: a folder listing per query would cost
            try:
                needed = sum(entry.stat().st_size for entry in os.scandir(path) if entry.is_file()) * _COPY_PER_DISK_BYTE
            except OSError:
                return False  # an older revision, removed meanwhile
            if needed > self._limits.replica:
                self._answer_from_disk(path, f"a copy needs about {sandbox.size_text(needed)}, more than the "
                                             f"{sandbox.size_text(self._limits.replica)} each worker may give it (SMARTREGION_QUERY_REPLICA)")
                return False
            self._fitting = path
        return True

    def _answer_from_disk(self, path: str, why: str) -> None:
        if path not in self._uncopied:
            self._uncopied[path] = why
            log.warning("query workers answer from %s on disk: %s", Path(path).name, why)

    def _note_copy(self, worker: _Worker, path: str, state: dict) -> None:
        """Keep what a worker's reply says of its copy of ``path``; log a copy made or failed, once."""
        worker.replica = path if state.get("answered_from") == "memory" else None
        worker.copying = path if state.get("copying") else None
        if worker.replica is None and self._limits.replica:
            self._behind.set()
        copied = state.get("copied")
        if isinstance(copied, dict):  # a worker's words: numbers only where numbers are expected
            seconds, quads, resident = (_count(copied.get(key)) for key in ("seconds", "quads", "resident"))
            log.info("query worker %d answers from memory: %s copied in %.1f s (%s quads, %s resident)", worker.process.pid,
                     Path(path).name, seconds, f"{int(quads):,}", sandbox.size_text(int(resident)))
        if state.get("copy_failed"):
            self._answer_from_disk(path, f"a worker failed to copy it: {str(state['copy_failed'])[:_MESSAGE_CHARS]}")

    def _copy_died(self, worker: _Worker) -> None:
        """A worker that died copying may die so again: its revision is answered from disk from now on."""
        if worker.copying is not None:
            self._answer_from_disk(worker.copying, f"a worker died while copying it ({_exit_cause(worker)})")

    def _follow_copies(self) -> None:
        """Bring idle workers to the live revision's copy: ask those that copy whether they are done (so
        that the copy answers, and is logged, soon), and have those on an older revision start copying."""
        while True:
            self._behind.wait()
            time.sleep(_COPY_CHECK_SECONDS)
            with self._lock:
                if self._closed:
                    return
            path = str(self._live_path())
            copyable = self._copyable(path)

            def behind(worker: _Worker) -> bool:
                return worker.copying is not None or (copyable and worker.replica != path)

            with self._lock:
                count = sum(map(behind, self._all))
            if not count:
                self._behind.clear()  # set again by the next reply of a worker that is behind
                continue
            for _ in range(count):
                worker = self._idle.take_if(behind)
                if worker is None:
                    break
                self._warm_up(worker)
                self._idle.put(worker)  # dead or not: ``run`` replaces a dead idle worker

    def in_memory(self) -> int:
        """How many workers answer from an in-memory copy of the live revision."""
        path = str(self._live_path())
        with self._lock:
            return sum(w.replica == path for w in self._all)

    def _warm_up(self, worker: _Worker) -> None:
        """Let a worker open the live revision (and start copying it) before it takes a query, which would
        otherwise wait for that; ask a worker that copies whether it is done."""
        path = str(self._live_path())
        deadline = time.monotonic() + _STARTUP_SECONDS
        try:
            worker.channel.send_blocking((path, self._copyable(path), _WARM_UP), deadline)
            self._note_copy(worker, path, _reply(*worker.channel.reply_blocking(_BODY_SLACK, deadline)).copy)
        except (channel.Late, EOFError, OSError, QueryFailed):
            worker.process.kill()  # stalled, dead or malformed: ``run`` replaces a dead idle worker
            self._copy_died(worker)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        self._behind.set()  # the thread following copies sees the pool closed and ends
        for worker in workers:
            worker.kill()


def _body_limit(task: Task) -> int | None:
    return None if task.byte_limit is None else task.byte_limit + _BODY_SLACK


def _reply(header: dict, body: bytes) -> _Reply:
    """A worker's reply as the pool reads it: a status, and only the keys it knows."""
    status = str(header.get("status"))
    copy = {key: header[key] for key in _COPY_KEYS if key in header}
    if status != "ok":
        return _Reply(status, str(header.get("message", ""))[:_MESSAGE_CHARS], copy=copy)
    cut = header.get("cut") if header.get("cut") in (results.ROWS, results.BYTES) else None
    return _Reply("ok", body=body, cut=cut, copy=copy)


def _count(value: object) -> float:
    """A figure a worker reported, if it is a finite, non-negative number (else 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e18:
        return 0.0
    return float(value)


def _outcome(reply: _Reply, limits: Limits) -> tuple[bytes, str | None]:
    """The answer of a reply, or the exception that tells what went wrong."""
    if reply.status == "ok":
        return reply.body, reply.cut
    if reply.status == "syntax":
        raise QuerySyntaxError(reply.message)
    if reply.status == "unwritable":
        raise results.Unwritable(reply.message)
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
            SIMPLER_HINT,
        )
    return QueryFailed(f"the query worker died ({cause})")


def _confine(limits: Limits) -> str | None:
    """Confine this worker before it reads a query; what kept it from forbidding itself the network, if anything."""
    # An allocation failure is expected here: one line in the log, not Rust's backtrace for each.
    os.environ["RUST_BACKTRACE"] = "0"
    try:
        sandbox.deny_network()
        problem = None
    except sandbox.SandboxUnavailable as exc:
        problem = str(exc)
    if limits.memory is not None:
        # A copy may take up to ``replica`` more, and a query then still has ``memory`` beside it.
        sandbox.limit_memory(limits.memory, limits.memory + limits.replica)
    return problem


def _serve(connection: Connection, limits: Limits) -> None:
    """Worker main loop: confine, then answer tasks over the live revision, reopened when the revision
    changes, from an in-memory copy of it once one is made (``store.replica``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle; it then ends us
    problem = _confine(limits)
    fd = connection.fileno()
    channel.send_reply(fd, {"status": "ready", "problem": problem})
    if problem and limits.sandbox_required:
        return
    answering = replica.WorkerStore(limits.memory)
    while True:
        try:
            path, copy_it, task = channel.receive_task(fd)
        except (EOFError, OSError):
            return
        news: dict = {}
        try:
            if path != answering.path:
                answering.open(path)
            news = answering.step(copy_it)
            body, cut = _evaluate(answering.store, task)
            header, answer = {"status": "ok", "cut": cut}, body
        except SyntaxError as exc:
            header, answer = {"status": "syntax", "message": str(exc)[:_MESSAGE_CHARS]}, None
        except results.Unwritable as exc:
            header, answer = {"status": "unwritable", "message": str(exc)[:_MESSAGE_CHARS]}, None
        except MemoryError:
            header, answer = {"status": "memory"}, None
        except Exception as exc:  # anything else goes back to the server as a message, not a dead worker
            header, answer = {"status": "error", "message": f"{type(exc).__name__}: {exc}"[:_MESSAGE_CHARS]}, None
        header.update(news, answered_from="memory" if answering.in_memory else "disk", copying=answering.copying)
        channel.send_reply(fd, header, answer or b"")
        if header["status"] == "memory":
            return  # the server replaces a worker that ran out of memory


def _evaluate(store: ox.Store, task: Task) -> tuple[bytes, str | None]:
    if task.default_graphs or task.named_graphs:
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in task.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in task.named_graphs],
        }
    else:
        dataset = {}  # the store's default graph: the distinct union (store.base: the dataset)
    result = store.query(task.query, **dataset)
    return serialise_result(result, results.BY_KEY[task.format_key], task.row_limit, task.prefixes, task.byte_limit)


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
