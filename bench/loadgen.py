"""HTTP load: a fixed list of requests, sent by N concurrent clients (threads, one connection each).

Every client takes the next request of the shared list (round robin) until the time is up, so all
servers see the same mix in the same order. Latency is measured per request, from sending to the
last byte read; a request that fails (status not 200, timeout) counts as an error, not as a latency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

import httpx
from common import cpu_seconds, percentile

ACCEPT_JSON = {"Accept": "application/sparql-results+json"}


@dataclass(frozen=True)
class Request:
    url: str
    params: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...] = tuple(ACCEPT_JSON.items())
    label: str = ""


@dataclass
class Outcome:
    """What a run of requests gave."""

    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # request label → rows of the first answer
    server_cpu: float = 0.0  # seconds of CPU the server (with its processes) used meanwhile, where measured
    client_cpu: float = 0.0  # seconds of CPU this load generator used meanwhile

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float | None:
        return self.ok / self.elapsed if self.elapsed and self.ok else None

    def add(self, other: Outcome) -> None:
        """Count another run of the same requests in."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.elapsed += other.elapsed
        self.rows = {**other.rows, **self.rows}
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu

    def cpu_per_answer(self, seconds: float) -> float | None:
        """Milliseconds of CPU per successful answer."""
        return seconds / self.ok * 1000 if self.ok else None

    def p(self, share: float) -> float | None:
        value = percentile(self.latencies, share)
        return None if value is None else value * 1000  # ms


def rows_in(response: httpx.Response) -> int | None:
    """Rows of a SPARQL JSON result or of an /api/queries answer."""
    try:
        body = response.json()
    except ValueError:
        return None
    if "results" in body:
        return len(body["results"]["bindings"])
    return body.get("count")


def send(client: httpx.Client, request: Request, timeout: float) -> tuple[float, httpx.Response | None, str | None]:
    started = time.perf_counter()
    try:
        response = client.get(request.url, params=request.params, headers=dict(request.headers), timeout=timeout)
        response.read()
    except httpx.HTTPError as exc:
        return time.perf_counter() - started, None, f"{type(exc).__name__}"
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        return elapsed, response, f"HTTP {response.status_code}: {response.text[:200]}"
    return elapsed, response, None


def run(requests: list[Request], *, clients: int, duration: float, timeout: float, min_requests: int = 0,
        server_pid: int | None = None) -> Outcome:
    """Send the requests round robin from ``clients`` threads for ``duration`` seconds (and at least
    ``min_requests`` in all); answers still running at the deadline are waited for, up to ``timeout``.
    With ``server_pid``, the CPU time the server used meanwhile is measured too."""
    outcome = Outcome()
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    client_before = time.process_time()
    lock = threading.Lock()
    turn = count()
    started = time.perf_counter()
    deadline = started + duration
    finished: list[float] = []

    def client_loop(address: str) -> None:
        with httpx.Client(transport=httpx.HTTPTransport(local_address=address)) as client:
            while True:
                n = next(turn)
                if time.perf_counter() >= deadline and n >= min_requests:
                    return
                request = requests[n % len(requests)]
                latency, response, error = send(client, request, timeout)
                with lock:
                    finished.append(time.perf_counter())
                    if error:
                        outcome.errors.append(f"{request.label}: {error}")
                    else:
                        outcome.latencies.append(latency)
                        if request.label not in outcome.rows and response is not None:
                            outcome.rows[request.label] = rows_in(response)

    threads = [threading.Thread(target=client_loop, args=(client_address(i),), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.elapsed = (max(finished) if finished else time.perf_counter()) - started
    outcome.client_cpu = time.process_time() - client_before
    if server_pid:
        outcome.server_cpu = cpu_seconds(server_pid) - server_before
    return outcome


def client_address(n: int) -> str:
    """The loopback address client ``n`` sends from: each its own, as separate users would, so that a
    server limiting queries per client (smartregion's admission) sees that many clients, not one."""
    return f"127.0.0.{n + 1}"


def wait_idle(sparql_url: str, limit: float) -> bool:
    """Whether a server answers a trivial query within ``limit`` seconds: one that goes on evaluating a
    query its client gave up on (rdflib-endpoint evaluates on its event loop) is busy until then."""
    try:
        return httpx.get(sparql_url, params={"query": "ASK {}"}, headers=ACCEPT_JSON, timeout=limit).status_code == 200
    except httpx.HTTPError:
        return False


def one_by_one(requests: list[Request], *, repeat: int, timeout: float,
               after_timeout: Callable[[], object] = lambda: None) -> dict[str, Outcome]:
    """Each request label's own latencies from one client, ``repeat`` times over its requests; after
    a time-out, ``after_timeout`` frees the server before the next question."""
    by_label: dict[str, list[Request]] = {}
    for request in requests:
        by_label.setdefault(request.label, []).append(request)
    outcomes = {}
    with httpx.Client() as client:
        for label, group in by_label.items():
            outcome = Outcome()
            started = time.perf_counter()
            for i in range(repeat):
                latency, response, error = send(client, group[i % len(group)], timeout)
                if error:
                    outcome.errors.append(error)
                    if "Timeout" in error:
                        after_timeout()
                        break  # a question that ran out of time once will do so again
                else:
                    outcome.latencies.append(latency)
                    if label not in outcome.rows and response is not None:
                        outcome.rows[label] = rows_in(response)
            outcome.elapsed = time.perf_counter() - started
            outcomes[label] = outcome
    return outcomes
