"""Fair service: cheap requests are answered while slow queries run, and clients past their limits get 429.

`smartregion serve` on 127.0.0.1 with the real worker pool over the built store, with a short fast
budget and time limit so that the tests stay short. Clients differ by their source address: the whole
127.0.0.0/8 is loopback, so each client binds an address of its own, as distinct hosts would connect.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pyoxigraph as ox
import pytest
from live import free_port, server_process
from smartregion.rdf import results
from smartregion.settings import Settings, SettingsError
from smartregion.store import EmbeddedStore
from smartregion.store.errors import QueryTimeout, SlowLaneFull
from smartregion.store.executor import Executor
from smartregion.web.admission import (
    Admission,
    ClientLimited,
    Limits,
    client_of,
    trusted_networks,
)

ID = "https://w3id.org/smartregion/id/"
NEULAND21 = ID + "organisation/neuland21"
PROJECT = ID + "project/5-fuer-suedwestfalen"
# A cross product of the whole store four times over, counted: it never finishes on the test store.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
PROXY = "127.0.0.9"  # the one peer whose X-Forwarded-For the test server trusts
FAST_BUDGET, TIME_LIMIT = 0.5, 3.0
GENEROUS = 5.0  # seconds: "answered within 2 s", with room for a loaded 2-core CI machine


SETTINGS = {
    "SMARTREGION_QUERY_TIMEOUT": str(TIME_LIMIT),
    "SMARTREGION_QUERY_FAST_BUDGET": str(FAST_BUDGET),
    "SMARTREGION_QUERY_WORKERS": "4",
    "SMARTREGION_QUERY_SLOW_SLOTS": "2",
    "SMARTREGION_QUERY_QUEUE_WAIT": "4",
    "SMARTREGION_CLIENT_QUERIES": "2",
    "SMARTREGION_TRUSTED_PROXIES": PROXY,
}


LOGS: dict[str, Path] = {}  # base URL → its server's log


def explained(response: httpx.Response, base: str) -> str:
    """A failed answer with the end of its server's log: a 500 under load must say why on the CI's first run."""
    log = LOGS[base].read_text(errors="replace")[-4000:] if base in LOGS else "(no log)"
    return f"{response.status_code} {response.text[:1000]}\n--- end of the server's log ---\n{log}"


@contextmanager
def fair_server(store: EmbeddedStore, home: Path, log: Path, **settings: str) -> Iterator[str]:
    """`smartregion serve` in a process of its own, as deployed: the clients' threads here do not
    compete with it for this interpreter."""
    port = free_port()
    LOGS[f"http://127.0.0.1:{port}"] = log
    command = [sys.executable, "-m", "smartregion", "serve", "--store", str(store.path), "--port", str(port), "--no-warm-up"]
    with server_process(command, port, {"SMARTREGION_HOME": str(home), **SETTINGS, **settings}, log):
        url = f"http://127.0.0.1:{port}"
        # The first search projects the network; that one-off cost is not what these tests time.
        assert httpx.get(url + "/api/search", params={"q": "Neuland21"}, timeout=120).status_code == 200
        yield url


@pytest.fixture(scope="module")
def base(built_store: EmbeddedStore, project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with the default budget of 60 s of query time per client per minute."""
    with fair_server(built_store, project_root, tmp_path_factory.mktemp("fair") / "server.log") as url:
        yield url


def client(address: str) -> httpx.Client:
    """A client connecting from ``address`` (any 127.x.y.z)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


@dataclass
class Outcome:
    status: int
    error: str | None
    detail: str
    retry_after: str | None


def send_slow(http: httpx.Client, base: str, forwarded_for: str | None = None) -> Outcome:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = http.post(base + "/sparql", data={"query": SLOW}, headers=headers)
    assert response.headers.get("content-type", "").startswith("application/problem+json"), explained(response, base)
    body = response.json()
    return Outcome(response.status_code, body.get("title"), body.get("detail", ""), response.headers.get("retry-after"))


def in_background(
    base: str, sends: list[tuple], going: threading.Event | None = None
) -> tuple[list[threading.Thread], list[Outcome]]:
    """Slow queries from threads, one per (address, forwarded-for...) tuple; each sends again as soon as
    it has an answer while ``going`` is set. Their outcomes, as they end."""
    outcomes: list[Outcome] = []
    start = threading.Barrier(len(sends))  # all at once, as far as the threads go

    def one(address: str, *forwarded_for: str) -> None:
        with client(address) as http:
            start.wait()
            outcomes.append(send_slow(http, base, *forwarded_for))
            while going is not None and going.is_set():
                outcomes.append(send_slow(http, base, *forwarded_for))

    threads = [threading.Thread(target=one, args=args, daemon=True) for args in sends]
    for thread in threads:
        thread.start()
    return threads, outcomes


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)


# --- cheap requests, each checked for its answer --------------------------------------------------


def _ask(http: httpx.Client, base: str) -> None:
    response = http.get(base + "/sparql", params={"query": f"ASK {{ <{NEULAND21}> ?p ?o }}"}, headers={"Accept": "application/json"})
    assert response.status_code == 200, explained(response, base)
    assert response.json()["boolean"] is True


def _lookup(http: httpx.Client, base: str) -> None:
    query = f"SELECT ?label WHERE {{ <{NEULAND21}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    response = http.post(base + "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, explained(response, base)
    assert [b["label"]["value"] for b in response.json()["results"]["bindings"]] == ["Neuland21"]


def _question(http: httpx.Client, base: str) -> None:
    response = http.get(base + "/api/queries/members_of_project", params={"project": PROJECT})
    assert response.status_code == 200, explained(response, base)
    rows = response.json()["rows"]
    municipalities = sorted({r["memberLabel"] for r in rows if r["role"].endswith("#memberMunicipality")})
    assert municipalities == ["Arnsberg", "Bad Berleburg", "Menden (Sauerland)", "Olpe", "Soest"]


def _page(http: httpx.Client, base: str) -> None:
    response = http.get(base + "/id/organisation/neuland21", headers={"Accept": "text/html"})
    assert response.status_code == 200, explained(response, base)
    assert "<h1" in response.text and "Neuland21" in response.text


def _search(http: httpx.Client, base: str) -> None:
    response = http.get(base + "/api/search", params={"q": "Neuland21"})
    assert response.status_code == 200, explained(response, base)
    assert response.json()["results"][0]["iri"] == NEULAND21


CHEAP = {"ASK": _ask, "entity lookup": _lookup, "catalogue question": _question, "page": _page, "search": _search}


def cheap_requests_answer(base: str, address: str = "127.0.0.1") -> None:
    """Every cheap request answers rightly within GENEROUS seconds (each on a fresh connection)."""
    for name, check in CHEAP.items():
        with client(address) as http:
            started = time.monotonic()
            check(http, base)
            seconds = time.monotonic() - started
        assert seconds < GENEROUS, f"{name} took {seconds:.1f} s"


# --- the service under slow queries ---------------------------------------------------------------


@pytest.mark.parametrize("slow", [3, 10, 50])
def test_cheap_requests_are_answered_while_one_client_sends_slow_queries(base: str, slow: int) -> None:
    """One address sends ``slow`` slow queries at once: two run, the others get 429 (too many at once, or
    once the two were charged, the client's query time used up); the rest of the world is served as usual."""
    attacker = f"127.0.2.{slow}"
    threads, outcomes = in_background(base, [(attacker,)] * slow)
    time.sleep(FAST_BUDGET + 0.3)  # the admitted ones are past the fast budget: in the slow lane
    cheap_requests_answer(base)
    join(threads)
    limited = [o for o in outcomes if o.status == 429]
    ran = [o for o in outcomes if o.status != 429]
    # Two at once: the others are refused, but one sent after the first two ended (a slow machine) runs.
    assert len(limited) >= 1 and len(ran) >= 2 and len(outcomes) == slow
    for outcome in limited:
        assert outcome.retry_after.isdigit(), outcome
        if outcome.error == "too many queries":
            assert outcome.detail == f"this client ({attacker}) already has 2 queries running or waiting; at most 2 at once"
        else:
            assert outcome.error == "query time used up" and f"this client ({attacker}) has used its" in outcome.detail
    assert {(o.status, o.error) for o in ran} == {(503, "query timeout")}


@pytest.mark.parametrize("slow", [3, 10, 50])
def test_cheap_requests_are_answered_while_many_clients_send_slow_queries(base: str, slow: int) -> None:
    """``slow`` addresses keep sending slow queries, each the next as soon as the last one ended: two
    hold the slow lane, the others are stopped at the fast budget or wait. Cheap requests go first,
    however many cheap requests their client sent before, and are answered."""
    going = threading.Event()
    going.set()
    threads, outcomes = in_background(base, [(f"127.1.{slow}.{n + 1}",) for n in range(slow)], going)
    try:
        time.sleep(FAST_BUDGET + 0.3)  # the cold wave: every slow query is new, none has been slow yet
        cheap_requests_answer(base)
        time.sleep(1.0)  # the steady state: slow clients sending again
        cheap_requests_answer(base)
    finally:
        going.clear()
        join(threads)
    assert len(outcomes) >= slow and all(o.status == 503 for o in outcomes)
    assert sum(o.error == "slow lane full" for o in outcomes) >= 1
    assert {o.error for o in outcomes} <= {"query timeout", "slow lane full", "busy"}
    for outcome in outcomes:
        if outcome.error == "slow lane full":
            assert "all 2 slots for slow queries are taken, so it was stopped" in outcome.detail
            assert 1 <= int(outcome.retry_after) <= TIME_LIMIT + 1
        elif outcome.error == "busy":
            assert outcome.retry_after.isdigit()
    cheap_requests_answer(base)  # killed workers were replaced


def test_a_client_past_its_query_time_gets_429_with_retry_after(
    built_store: EmbeddedStore, project_root: Path, tmp_path: Path
) -> None:
    with fair_server(built_store, project_root, tmp_path / "server.log", SMARTREGION_CLIENT_QUERY_SECONDS="2") as base:
        past_its_budget(base)


def past_its_budget(base: str) -> None:
    spender = "127.0.3.1"
    with client(spender) as http:
        timed_out = send_slow(http, base)
    assert (timed_out.status, timed_out.error) == (503, "query timeout")  # charged the whole time limit
    with client(spender) as http:
        response = http.get(base + "/sparql", params={"query": f"ASK {{ <{NEULAND21}> ?p ?o }}"})
        assert response.status_code == 429
        body = response.json()
        assert body["title"] == "query time used up"
        assert body["detail"].startswith(f"this client ({spender}) has used its 2 seconds of query time per 60 seconds")
        assert "ready-made question" in body["hint"]
        assert 1 <= int(response.headers["retry-after"]) == body["retry_after_seconds"] <= 60
        refused = http.get(base + "/api/queries/members_of_project", params={"project": PROJECT})
        assert refused.status_code == 429 and refused.json()["title"] == "query time used up"
        assert refused.headers["retry-after"].isdigit()
        assert http.get(base + "/id/organisation/neuland21").status_code == 200  # pages are not queries
    cheap_requests_answer(base, "127.0.3.2")  # another client is served as usual


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(base: str) -> None:
    # From an untrusted peer, three "different" forwarded addresses are one client: the third is refused.
    threads, outcomes = in_background(base, [("127.0.4.1", f"203.0.113.{n}") for n in (1, 2, 3)])
    join(threads)
    limited = [o for o in outcomes if o.status == 429]
    assert len(limited) == 1 and limited[0].detail.startswith("this client (127.0.4.1) already has 2 queries")
    # From the trusted proxy, the forwarded address is the client: the same one three times is refused by that
    # name, and the address left of the proxy's own entry (made up by the client) does not count.
    sends = [(PROXY, "198.51.100.1, 203.0.113.20"), (PROXY, "198.51.100.2, 203.0.113.20"), (PROXY, "203.0.113.20")]
    threads, outcomes = in_background(base, sends)
    join(threads)
    limited = [o for o in outcomes if o.status == 429]
    assert len(limited) == 1 and limited[0].detail.startswith("this client (203.0.113.20) already has 2 queries")
    # Different forwarded addresses through the proxy are different clients: none is refused.
    threads, outcomes = in_background(base, [(PROXY, f"203.0.113.{n}") for n in (31, 32, 33)])
    join(threads)
    assert not [o for o in outcomes if o.status == 429]


# --- the parts on their own -----------------------------------------------------------------------


def test_client_keys() -> None:
    trusted = trusted_networks(["127.0.0.9", "10.0.0.0/8"])
    assert client_of("192.0.2.1", ["203.0.113.5"], trusted) == "192.0.2.1"  # untrusted peer: header ignored
    assert client_of("127.0.0.9", ["203.0.113.5"], trusted) == "203.0.113.5"
    assert client_of("127.0.0.9", ["198.51.100.1, 203.0.113.5"], trusted) == "203.0.113.5"  # the proxy's entry
    assert client_of("127.0.0.9", ["203.0.113.5, 10.1.2.3"], trusted) == "203.0.113.5"  # through two proxies
    assert client_of("127.0.0.9", ["not an address"], trusted) == "127.0.0.9"  # garbage: the proxy itself
    assert client_of("127.0.0.9", [], trusted) == "127.0.0.9"
    assert client_of("2001:db8:1:2:3:4:5:6", [], trusted) == "2001:db8:1:2::/64"  # one subscriber's prefix
    assert client_of("::ffff:192.0.2.1", [], trusted) == "192.0.2.1"
    assert client_of("testclient", ["203.0.113.5"], trusted) == "testclient"
    assert client_of(None, [], ()) == "unknown"


def test_settings_refuse_what_cannot_work() -> None:
    with pytest.raises(SettingsError, match="SMARTREGION_TRUSTED_PROXIES: 'proxy.example' is not an IP address"):
        Settings(trusted_proxies=("proxy.example",))
    with pytest.raises(SettingsError, match="SMARTREGION_CLIENT_QUERIES must be at least 1, not 0"):
        Settings.from_env({"SMARTREGION_CLIENT_QUERIES": "0"})
    settings = Settings.from_env({"SMARTREGION_TRUSTED_PROXIES": " 10.0.0.1, fd00::/8 ", "SMARTREGION_QUERY_FAST_BUDGET": "1.5"})
    assert settings.trusted_proxies == ("10.0.0.1", "fd00::/8") and settings.query_fast_budget == 1.5
    assert (settings.query_workers, settings.query_slow_slots, settings.client_queries, settings.client_query_seconds) == (4, 2, 2, 60)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_waiting_queries_go_quick_clients_first_then_unknown_then_slow() -> None:
    clock = Clock()
    gate = Admission(Limits(slots=1, per_client=2, budget=60, max_waiting=4, max_wait=30, fast_budget=1.0), clock=clock)
    served: list[str] = []

    async def query(key: str, seconds: float = 0.0) -> None:
        async with gate.admit(key):
            served.append(key)
            clock.now += seconds
            await anyio.sleep(0.01)

    async def scenario() -> None:
        await query("slow", 2.0)  # one query past the fast budget
        for _ in range(100):
            await query("busy", 0.05)  # more query time in all, each query quick
        served.clear()
        async with anyio.create_task_group() as tasks, gate.admit("holder"):  # holds the only slot while the others queue up
            for key in ("slow", "new-1", "busy", "new-2"):
                tasks.start_soon(query, key)
                await anyio.sleep(0.01)
        # Known to be quick (however much it sends), then unknown clients newest first, then the slow one.
        assert served == ["busy", "new-2", "new-1", "slow"]

    anyio.run(scenario)


def test_a_full_queue_refuses_the_heavy_client_not_the_newcomer() -> None:
    clock = Clock()
    gate = Admission(Limits(slots=1, per_client=2, budget=60, max_waiting=1, max_wait=30, fast_budget=1.0), clock=clock)
    outcomes: dict[str, str] = {}

    async def query(key: str) -> None:
        try:
            async with gate.admit(key):
                outcomes[key] = "served"
        except Exception as exc:  # noqa: BLE001 — the test asserts which
            outcomes[key] = f"{type(exc).__name__}: {exc}"

    async def scenario() -> None:
        async with gate.admit("heavy"):
            clock.now += 3.0
        async with anyio.create_task_group() as tasks, gate.admit("holder"):
            tasks.start_soon(query, "heavy")
            await anyio.sleep(0.01)
            tasks.start_soon(query, "light")  # the queue holds one: the heavy one makes room
            await anyio.sleep(0.01)
    anyio.run(scenario)
    assert outcomes == {"light": "served", "heavy": "ExecutorBusy: the queue for query workers is full (1 queries waiting)"}


def test_the_client_budget_refills_as_its_charges_leave_the_minute() -> None:
    clock = Clock()
    gate = Admission(Limits(slots=1, per_client=2, budget=10, max_waiting=1, max_wait=30, fast_budget=1.0), clock=clock)

    async def spend(seconds: float) -> None:
        async with gate.admit("a"):
            clock.now += seconds

    async def scenario() -> None:
        await spend(4.0)
        clock.now += 20
        await spend(7.0)  # 11 s used in the last minute: over the budget of 10
        with pytest.raises(ClientLimited) as refused:
            await spend(1.0)
        assert refused.value.status == 429 and refused.value.title == "query time used up"
        assert refused.value.retry_after == 33  # when the first 4 s leave the minute, 7 s are left
        clock.now += 33
        await spend(1.0)

    anyio.run(scenario)


def test_a_query_stopped_for_a_full_slow_lane_is_replaced_in_the_background(built_store: EmbeddedStore) -> None:
    executor = Executor(built_store, timeout=TIME_LIMIT, row_limit=10, workers=2, fast_budget=0.3, slow_slots=1)
    outcomes: list[Exception] = []

    def slow() -> None:
        try:
            anyio.run(executor.run, executor.prepare(SLOW), results.JSON)
        except (QueryTimeout, SlowLaneFull) as exc:
            outcomes.append(exc)

    try:
        before = {w.process.pid for w in executor._pool._all}
        threads = [threading.Thread(target=slow) for _ in range(2)]
        for thread in threads:
            thread.start()
        threads[0].join(0.2)
        while len(outcomes) < 1:  # one of them found the only slow slot taken
            time.sleep(0.01)
        stopped = outcomes[0]
        assert isinstance(stopped, SlowLaneFull) and 1 <= stopped.retry_after <= TIME_LIMIT + 1
        assert "the fast lane's 0.3 seconds and all 1 slots for slow queries are taken" in str(stopped)
        started = time.monotonic()
        ask = anyio.run(executor.run, executor.prepare(f"ASK {{ <{NEULAND21}> ?p ?o }}"), results.JSON)
        assert bool(ox.parse_query_results(ask.body, format=ox.QueryResultsFormat.JSON))
        assert time.monotonic() - started < GENEROUS  # the replacement started and opened the store
        for thread in threads:
            thread.join(30)
        assert isinstance(outcomes[1], QueryTimeout)
        deadline = time.monotonic() + GENEROUS
        while len(executor._pool._all) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = {w.process.pid for w in executor._pool._all}
        assert len(after) == 2 and not before & after  # both were replaced: killed, and retired after the slow lane
    finally:
        executor.close()
