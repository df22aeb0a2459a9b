"""The wire to the query workers (``store.channel``): the server's end reads replies within their limits and
deadlines without ever blocking its event loop, whatever the worker's end does.

The worker's end is played here by hand over a real socket pair, as a worker the engine's bugs let a
query take over could behave: oversized, malformed, stalled or gone.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from collections.abc import Iterator

import anyio
import pytest
from smartregion.store import channel
from smartregion.store.errors import QueryFailed

MIB = 1 << 20


@pytest.fixture
def pair() -> Iterator[tuple[channel.Channel, int]]:
    """The server's end as a Channel, and the worker's end as a blocking descriptor."""
    server, worker = socket.socketpair()
    with server, worker:
        yield channel.Channel(server.fileno()), worker.fileno()


def _reply(end: channel.Channel, body_limit: int | None, seconds: float = 5.0) -> tuple[dict, bytes]:
    return anyio.run(end.reply, body_limit, time.monotonic() + seconds)


def _prefix(header: int, body: int) -> bytes:
    return struct.pack("!IQ", header, body)


@pytest.mark.parametrize("size", [0, 1, channel._CHUNK - 1, 3 * channel._CHUNK + 17])
def test_replies_arrive_whole_in_both_directions(pair: tuple[channel.Channel, int], size: int) -> None:
    end, worker = pair
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    anyio.run(end.send, ("rev-3", True, {"query": "ASK {}"}), time.monotonic() + 5)
    assert channel.receive_task(worker) == ("rev-3", True, {"query": "ASK {}"})

    async def exchange() -> tuple[dict, bytes]:
        async with anyio.create_task_group() as group:  # the worker writes while the server reads
            group.start_soon(anyio.to_thread.run_sync, channel.send_reply, worker, {"status": "ok", "cut": None}, body)
            return await end.reply(None, time.monotonic() + 10)

    assert anyio.run(exchange) == ({"status": "ok", "cut": None}, body)


def test_the_blocking_end_reads_the_same(pair: tuple[channel.Channel, int]) -> None:
    end, worker = pair
    end.send_blocking(("rev-1", False, "task"), time.monotonic() + 5)
    assert channel.receive_task(worker) == ("rev-1", False, "task")
    channel.send_reply(worker, {"status": "ready", "problem": None})
    assert end.reply_blocking(0, time.monotonic() + 5) == ({"status": "ready", "problem": None}, b"")


def test_a_header_over_the_limit_is_refused_before_it_is_read(pair: tuple[channel.Channel, int]) -> None:
    end, worker = pair
    os.write(worker, _prefix(channel.HEADER_BYTES + 1, 0))
    with pytest.raises(QueryFailed, match=f"^a query worker sent a reply header over {channel.HEADER_BYTES} bytes; it was replaced$"):
        _reply(end, MIB)


def test_an_answer_over_the_limit_is_refused_before_it_is_read(pair: tuple[channel.Channel, int]) -> None:
    end, worker = pair
    os.write(worker, _prefix(2, 1 << 40) + b"{}")
    with pytest.raises(QueryFailed, match=f"^a query worker sent an answer larger than {MIB} bytes; it was replaced$"):
        _reply(end, MIB)


@pytest.mark.parametrize(("header", "message"), [(b"\xff{", "a reply that is not JSON"), (b"[1, 2]", "a malformed reply"), (b"", "a reply that is not JSON")])
def test_a_malformed_header_is_refused(pair: tuple[channel.Channel, int], header: bytes, message: str) -> None:
    end, worker = pair
    os.write(worker, _prefix(len(header), 0) + header)
    with pytest.raises(QueryFailed, match=f"^a query worker sent {message}; it was replaced$"):
        _reply(end, MIB)


def test_a_worker_gone_mid_reply_is_an_end_of_file() -> None:
    server, worker = socket.socketpair()
    with server:
        end = channel.Channel(server.fileno())
        header = json.dumps({"status": "ok"}).encode()
        worker.sendall(_prefix(len(header), 100) + header + b"only part of the body")
        worker.close()
        with pytest.raises(EOFError):
            _reply(end, MIB)


async def _ticks_while(call) -> tuple[BaseException, int]:  # noqa: ANN001
    """What ``call`` raised, and how often another task of the event loop ran meanwhile (every 10 ms)."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(0.01)
            ticks += 1

    async with anyio.create_task_group() as group:
        group.start_soon(tick)
        try:
            await call()
        except BaseException as exc:  # noqa: BLE001
            raised = exc
        group.cancel_scope.cancel()
    return raised, ticks


def test_a_worker_that_stalls_mid_reply_costs_its_deadline_and_never_the_event_loop(pair: tuple[channel.Channel, int]) -> None:
    end, worker = pair
    header = json.dumps({"status": "ok"}).encode()
    os.write(worker, _prefix(len(header), 1000) + header + b"a beginning")
    started = time.monotonic()
    raised, ticks = anyio.run(_ticks_while, lambda: end.reply(MIB, started + 0.5))
    assert isinstance(raised, channel.Late)
    assert ticks >= 20  # the loop went on serving while the reply stalled (50 ticks if nothing else ran)


def test_a_worker_that_reads_no_task_costs_its_deadline_and_never_the_event_loop(pair: tuple[channel.Channel, int]) -> None:
    end, _ = pair
    started = time.monotonic()
    raised, ticks = anyio.run(_ticks_while, lambda: end.send("x" * (16 * MIB), started + 0.5))  # far over the socket's buffer
    assert isinstance(raised, channel.Late)
    assert ticks >= 20
    with pytest.raises(channel.Late):
        end.send_blocking("x" * (16 * MIB), time.monotonic() + 0.2)
