"""Who may start a query now: per-client limits, a bounded wait for a free worker.

Public SPARQL endpoints ration query time per client (the Wikidata Query Service: 60 s of query time
per minute, a few queries at once, 429 with ``Retry-After``). This module does the same in front of the
executor, for ``/sparql`` and ``/api/queries`` alike:

- a client is its address (an IPv6 client its /64, which one subscriber usually holds whole); behind
  a configured trusted proxy, the address that proxy saw, from ``X-Forwarded-For``;
- a client may have ``per_client`` queries running or waiting, and spend ``budget`` seconds of query
  time per minute (a sliding minute, charged with the time each query took, killed ones too);
- a query waits for a free worker asynchronously, in a bounded queue for a bounded time, and clients
  whose queries stayed in the fast lane lately go first; beyond, 503 with ``Retry-After``;
- an admitted query waits for its worker on the event loop (``store.channel``), so it takes no thread:
  the thread pool stays free for pages, search and the network API however many queries are under way.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from starlette.requests import Request

from smartregion.settings import Settings
from smartregion.store.errors import ExecutorBusy
from smartregion.store.executor import Answer

WINDOW = 60.0  # seconds: the sliding minute over which a client's query time counts
SWEEP_AT = 1024  # clients kept before those with nothing under way or charged are dropped
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class ClientLimited(ExecutorBusy):
    """This client is past one of its own limits (429); others are served as usual."""

    status = 429


# --- who the client is ------------------------------------------------------------------------------


def trusted_networks(entries: Sequence[str]) -> tuple[_Network, ...]:
    """The trusted proxies' addresses or networks (``10.0.0.1``, ``10.0.0.0/8``, ``::1``)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> _Address | None:
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_of(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[_Network]) -> str:
    """The key a client's limits are kept under.

    ``X-Forwarded-For`` counts only when the peer is a trusted proxy. It is read from the right: each
    proxy appends the address it saw, and everything left of a trusted proxy's entry may be made up
    by the client, so the client is the nearest address that is not itself a trusted proxy (with one
    proxy that sets the header, its only address). An entry that is no address stops the walk.
    """
    address = _address(peer or "")
    if address is None:
        return peer or "unknown"  # not an IP peer (a test client, a Unix socket): its own name
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    while hops and any(address in network for network in trusted):
        hop = _address(hops.pop())
        if hop is None:
            break
        address = hop
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


# --- the limits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    slots: int  # queries evaluated at once (the executor's workers)
    per_client: int  # queries one client may have running or waiting
    budget: float  # seconds of query time per client per WINDOW; 0: no budget
    max_waiting: int  # queries waiting for a slot, all clients together
    max_wait: float  # seconds a query may wait for a slot
    # The fast lane's budget: Retry-After for a full queue or too many queries at once, and what makes
    # a query count as slow when its client's next query waits.
    fast_budget: float

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            slots=max(1, settings.query_workers),
            per_client=settings.client_queries,
            budget=settings.client_query_seconds,
            max_waiting=settings.query_queue,
            max_wait=settings.query_queue_wait,
            fast_budget=settings.query_fast_budget or 1.0,
        )


@dataclass
class _Client:
    """A client's queries under way and the query time it used in the last WINDOW seconds."""

    queries: int = 0  # running or waiting
    running: list[float] = field(default_factory=list)  # when each running query started
    charges: deque[list[float]] = field(default_factory=deque)  # [whole second, seconds used then], oldest first
    slow: deque[float] = field(default_factory=deque)  # when each query that ran past the fast budget ended
    quick: float = -math.inf  # when its last query that stayed within the fast budget ended

    def charge(self, now: float, seconds: float, fast_budget: float) -> None:
        if seconds > fast_budget:
            self.slow.append(now)
        else:
            self.quick = now
        second = math.floor(now)
        if self.charges and self.charges[-1][0] == second:
            self.charges[-1][1] += seconds
        else:
            self.charges.append([second, seconds])  # one entry a second: at most WINDOW of them

    def used(self, now: float) -> float:
        """Seconds of query time that finished in the last WINDOW seconds."""
        while self.charges and self.charges[0][0] <= now - WINDOW:
            self.charges.popleft()
        return sum(seconds for _, seconds in self.charges)

    def back_under(self, now: float, budget: float) -> float:
        """Seconds until the query time used in the window is below ``budget`` again."""
        over = self.used(now) - budget
        for second, seconds in self.charges:
            over -= seconds
            if over < 0:
                return second + WINDOW - now
        return 0.0

    def slow_queries(self, now: float, fast_budget: float) -> int:
        """Queries of this client that ran past the fast budget lately, running ones included."""
        while self.slow and self.slow[0] <= now - WINDOW:
            self.slow.popleft()
        return len(self.slow) + sum(now - started > fast_budget for started in self.running)


@dataclass
class _Waiter:
    client: _Client
    order: int
    event: anyio.Event = field(default_factory=anyio.Event)
    outcome: str = ""  # "granted" a slot, or "evicted" from the queue by a request that ranks before it


class Admission:
    """The gate in front of the executor; one per app, used on the event loop only (so it needs no locks).

    Waiting queries are ranked by how many queries of their client ran past the fast budget in the last
    minute (running ones included): clients whose queries are quick go first however many they send,
    clients that keep the workers busy go last. Within a rank, clients whose queries were answered
    quickly in the last minute go before unknown ones (a crowd of new addresses cannot push them back),
    then the newest goes first: under overload the oldest have waited longest and may have given up,
    while a new request can still be answered in time.
    A full queue makes room for a query that ranks before its last one, which is refused instead.
    """

    def __init__(self, limits: Limits, trusted: Sequence[_Network] = (), clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.trusted = tuple(trusted)
        self._clock = clock
        self._free = limits.slots
        self._waiting: list[_Waiter] = []
        self._clients: dict[str, _Client] = {}
        self._order = itertools.count()
        self._sweep_at = SWEEP_AT

    @classmethod
    def of(cls, settings: Settings) -> Admission:
        return cls(Limits.of(settings), trusted_networks(settings.trusted_proxies))

    def client(self, request: Request) -> str:
        return client_of(request.client.host if request.client else None, request.headers.getlist("x-forwarded-for"), self.trusted)

    async def run(self, request: Request, query: Callable[[], Awaitable[Answer]]) -> Answer:
        """Answer ``query`` (a call of the executor) for the client behind ``request`` once its limits and a
        free worker allow."""
        async with self.admit(self.client(request)):
            return await query()

    @asynccontextmanager
    async def admit(self, key: str) -> AsyncIterator[None]:
        """Hold a slot for one query of client ``key``; the time inside is charged to it."""
        client = self._check(key)
        client.queries += 1
        try:
            await self._slot(client)
            started = self._clock()
            client.running.append(started)
            try:
                yield
            finally:
                client.running.remove(started)
                now = self._clock()
                client.charge(now, now - started, self.limits.fast_budget)
                self._release()
        finally:
            client.queries -= 1
            if not client.queries and not client.used(self._clock()):
                del self._clients[key]  # kept only while it has queries under way or time charged

    def _check(self, key: str) -> _Client:
        """The client's state, if it may start one more query; else ClientLimited."""
        now = self._clock()
        if len(self._clients) >= self._sweep_at:
            self._sweep(now)
        client = self._clients.setdefault(key, _Client())
        if client.queries >= self.limits.per_client:
            raise ClientLimited(
                f"this client ({key}) already has {client.queries} queries running or waiting; "
                f"at most {self.limits.per_client} at once",
                "Wait for an answer before sending the next query.",
                self.limits.fast_budget,
                title="too many queries",
            )
        budget = self.limits.budget
        if budget and client.used(now) >= budget:
            wait = client.back_under(now, budget)
            raise ClientLimited(
                f"this client ({key}) has used its {budget:g} seconds of query time per {WINDOW:g} seconds; "
                f"it can query again in {math.ceil(wait)} seconds",
                "Add LIMIT or more specific patterns so that queries take less time, use a ready-made question "
                "(GET /api/queries), or try again after Retry-After seconds.",
                wait,
                title="query time used up",
            )
        return client

    def _rank(self, waiter: _Waiter, now: float) -> tuple[int, bool, int]:
        client = waiter.client
        known_quick = client.quick > now - WINDOW
        return client.slow_queries(now, self.limits.fast_budget), not known_quick, -waiter.order

    async def _slot(self, client: _Client) -> None:
        """Take a free slot, or wait for one in the queue; 503 when the queue is full or the wait too long."""
        if self._free and not self._waiting:
            self._free -= 1
            return
        waiter = _Waiter(client, next(self._order))
        if len(self._waiting) >= self.limits.max_waiting:
            now = self._clock()
            last = max(self._waiting, key=lambda w: self._rank(w, now), default=None)
            if last is None or self._rank(last, now) <= self._rank(waiter, now):
                raise self._queue_full()
            self._waiting.remove(last)
            last.outcome = "evicted"
            last.event.set()
        self._waiting.append(waiter)
        try:
            with anyio.fail_after(self.limits.max_wait):
                await waiter.event.wait()
        except BaseException as exc:
            if waiter.outcome == "granted":  # a slot arrived as the wait ended: hand it on
                self._release()
            elif not waiter.outcome:
                self._waiting.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise ExecutorBusy(
                    f"no query worker became free within {self.limits.max_wait:g} seconds",
                    "Try again after Retry-After seconds.",
                    self.limits.fast_budget,
                ) from None
            raise
        if waiter.outcome == "evicted":
            raise self._queue_full()

    def _queue_full(self) -> ExecutorBusy:
        return ExecutorBusy(
            f"the queue for query workers is full ({self.limits.max_waiting} queries waiting)",
            "Try again after Retry-After seconds.",
            self.limits.fast_budget,
        )

    def _release(self) -> None:
        """Hand the slot to the first waiting query by rank, or free it."""
        if not self._waiting:
            self._free += 1
            return
        now = self._clock()
        chosen = min(self._waiting, key=lambda w: self._rank(w, now))
        self._waiting.remove(chosen)
        chosen.outcome = "granted"
        chosen.event.set()

    def _sweep(self, now: float) -> None:
        """Drop the clients whose charges have left the window since their last query, sweeping again only
        when twice as many are kept: a crowd of addresses costs little memory."""
        for key, client in list(self._clients.items()):
            if not client.queries and not client.used(now):
                del self._clients[key]
        self._sweep_at = max(SWEEP_AT, 2 * len(self._clients))
