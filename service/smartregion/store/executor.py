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
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import anyio
import pyoxigraph as ox

from smartregion.rdf import results
from smartregion.store import (
    EmbeddedStore,
    QuerySyntaxError,
    RemoteStore,
    Store,
    StoreError,
)
from smartregion.store import guard as query_guard
from smartregion.store.errors import (
    QueryFailed,
    QueryRefused,
    QueryTimeout,
    QueryTooComplex,
)
from smartregion.store.workers import (
    Limits,
    SlowLane,
    Task,
    WorkerPool,
    serialise_result,
)

log = logging.getLogger(__name__)

DEFAULT_MEMORY = 1 << 30  # bytes of address space per query worker
DEFAULT_ANSWER_BYTES = 50 << 20  # bytes per answer


# --- preparing and running ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed the guard, with the dataset it runs over."""

    checked: query_guard.CheckedQuery
    # The dataset, from the protocol or else from FROM / FROM NAMED; neither: the store's default graph
    # (the distinct union of the named graphs) and its named graphs.
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
    text: str,
    named_graphs: Callable[[], Iterable[str]],
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    base: str | None = None,
    template: str | None = None,
) -> PreparedQuery:
    """Check a query before it runs: QueryRefused for anything a public endpoint must not do, QuerySyntaxError if malformed.

    ``base``: where relative IRIs of the query resolve (the endpoint's IRI); the guard declares it.
    ``template``: the catalogue question that ``text`` fills in (``guard.check_filled``).
    """
    checked = check(text, base, template)
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
    # passed on the same way, so that every backend reads it alike whatever its server makes of FROM.
    protocol = bool(default_graph_uris or named_graph_uris)
    return PreparedQuery(
        checked=checked,
        default_graphs=tuple(default_graph_uris if protocol else checked.from_graphs),
        named_graphs=tuple(named_graph_uris if protocol else checked.from_named_graphs),
    )


def check(text: str, base: str | None = None, template: str | None = None) -> query_guard.CheckedQuery:
    """The guard's verdict in the executor's terms (QueryRefused, QueryTooComplex, QuerySyntaxError)."""
    try:
        return query_guard.check(text, base) if template is None else query_guard.check_filled(template, text, base)
    except query_guard.Malformed as exc:
        raise QuerySyntaxError(str(exc), exc.line, exc.column, exc.hint) from None
    except query_guard.Complex as exc:
        raise QueryTooComplex(str(exc), exc.hint, exc.limit) from None
    except query_guard.GuardError as exc:
        raise QueryRefused(str(exc), exc.hint) from None


class Executor:
    """Runs prepared queries; ``run`` is a coroutine (outside an event loop: ``anyio.run(executor.run, ...)``).

    ``memory`` is each query worker's address-space limit and ``answer_bytes`` the size limit of an
    answer, in bytes (None or 0: no limit); ``replica`` the bytes each worker may add for an in-memory
    copy of the live revision (0: it answers from disk). With ``sandbox_required`` (the default) the executor
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
        replica: int = 0,
    ):
        self.store = store
        self.timeout = timeout
        self.row_limit = row_limit or None  # 0 means no limit
        self.answer_bytes = answer_bytes or None
        embedded = isinstance(store, EmbeddedStore)
        workers = max(1, workers)
        lanes = None if fast_budget is None else SlowLane(fast_budget, max(0, min(slow_slots, workers - 1)))
        limits = Limits(memory or None, sandbox_required, replica)
        self._pool = WorkerPool(store.live_path, workers, limits, lanes) if embedded else None

    def prepare(
        self,
        text: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base: str | None = None,
        template: str | None = None,
    ) -> PreparedQuery:
        return prepare(text, self.store.named_graphs, default_graph_uris, named_graph_uris, base, template)

    def prepare_if_judged(self, text: str, template: str) -> PreparedQuery | None:
        """``prepare(text, template=template)`` where it neither parses nor asks the store (fit for the event
        loop: the question's template was judged before and names no dataset); else None."""
        checked = query_guard.check_filled_if_judged(template, text)
        if checked is None or checked.from_graphs or checked.from_named_graphs:
            return None
        return PreparedQuery(checked, (), ())

    async def run(self, query: PreparedQuery, fmt: results.Format) -> Answer:
        """Evaluate within the time limit, then serialise; raises QueryTimeout, QuerySyntaxError, ..."""
        if self._pool is not None:
            task = Task(query.text, fmt.key, query.default_graphs, query.named_graphs, self.row_limit, query.prefixes, self.answer_bytes)
            body, cut = await self._pool.run(task, self.timeout)
        else:
            body, cut = await self._remote_answer(query, fmt)
        return Answer(body, fmt, cut)

    async def _remote_answer(self, query: PreparedQuery, fmt: results.Format) -> tuple[bytes, str | None]:
        # The store's client times out on its own; waiting here as well keeps the limit even where a
        # server trickles bytes (the thread is left to its client's timeout). Either way the server may
        # go on evaluating: the limit there is its own.
        started = time.monotonic()
        try:
            with anyio.fail_after(self.timeout):
                return await anyio.to_thread.run_sync(self._run_remote, query, fmt, abandon_on_cancel=True)
        except TimeoutError:
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
