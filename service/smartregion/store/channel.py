"""The wire between the server and a query worker: length-prefixed messages over a socket pair.

The server sends tasks as pickles (a worker trusts the server). A worker answers with a JSON header
and the answer's raw bytes, never a pickle, so that even a worker the engine's bugs let a query take
over cannot make the server run anything. Each reply declares its sizes up front: one over the limits
is refused before it is read.

The server's end never blocks: requests hand tasks to workers from the event loop, without a thread in
between, and every wait ends at the query's deadline, so a worker that stalls mid-reply costs its
query, never the event loop or a thread. The pool's own threads (start-up, warm-up) wait on the same
end, blocking: one exchange, driven either way.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import select
import struct
import time
from collections.abc import Generator

from smartregion.store.errors import QueryFailed

HEADER_BYTES = 64 << 10  # the largest reply header the server reads
_TASK = struct.Struct("!Q")  # a task's bytes
_REPLY = struct.Struct("!IQ")  # a reply's header bytes, then its body bytes
_CHUNK = 1 << 20  # read at most this much per wake-up: a large answer does not hold the event loop

Steps = Generator[int, None, object]  # an exchange: yields the poll event it waits for, returns its result


class Late(Exception):
    """The deadline passed before the exchange was done."""


# --- the worker's end: blocking, it has nothing else to do --------------------------------------


def receive_task(fd: int) -> object:
    """The next task the server sent; EOFError once the server closed its end."""
    (size,) = _TASK.unpack(_read_exactly(fd, _TASK.size))
    return pickle.loads(_read_exactly(fd, size))


def send_reply(fd: int, header: dict, body: bytes = b"") -> None:
    head = json.dumps(header).encode("utf-8")
    _write_all(fd, _REPLY.pack(len(head), len(body)) + head)
    _write_all(fd, body)


def _read_exactly(fd: int, size: int) -> bytes:
    parts = []
    while size:
        chunk = os.read(fd, min(size, _CHUNK))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --- the server's end: non-blocking, every wait bounded --------------------------------------------


class Channel:
    """The server's end of one worker's socket."""

    def __init__(self, fd: int):
        self.fd = fd
        os.set_blocking(fd, False)

    async def send(self, task: object, deadline: float) -> None:
        await _drive(self._sending(task), self.fd, deadline)

    async def readable(self, deadline: float) -> bool:
        """Whether the worker started its reply by ``deadline``."""
        return await _waited(select.POLLIN, self.fd, deadline)

    async def reply(self, body_limit: int | None, deadline: float) -> tuple[dict, bytes]:
        """The worker's reply: its header and its body of at most ``body_limit`` bytes (None: any).

        Late at the deadline; EOFError or OSError if the worker died; QueryFailed if the reply is malformed
        or too large (the worker must then be replaced)."""
        return await _drive(self._replying(body_limit), self.fd, deadline)  # type: ignore[return-value]

    def send_blocking(self, task: object, deadline: float) -> None:
        _drive_blocking(self._sending(task), self.fd, deadline)

    def reply_blocking(self, body_limit: int | None, deadline: float) -> tuple[dict, bytes]:
        return _drive_blocking(self._replying(body_limit), self.fd, deadline)  # type: ignore[return-value]

    def _sending(self, task: object) -> Steps:
        data = pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
        pending = memoryview(_TASK.pack(len(data)) + data)
        while pending:
            try:
                pending = pending[os.write(self.fd, pending) :]
            except BlockingIOError:
                yield select.POLLOUT
        return None

    def _replying(self, body_limit: int | None) -> Steps:
        incoming = _Incoming(body_limit)
        while True:
            try:
                chunk = os.read(self.fd, incoming.wanted())
            except BlockingIOError:
                yield select.POLLIN
                continue
            if not chunk:
                raise EOFError("the query worker closed its end")
            if incoming.feed(chunk):
                return incoming.result()


class _Incoming:
    """A reply as it arrives, read segment by segment (sizes, header, body) and never past its end."""

    def __init__(self, body_limit: int | None):
        self._body_limit = body_limit
        self._sizes = [_REPLY.size]
        self._done: list[bytes] = []
        self._parts: list[bytes] = []
        self._have = 0

    def wanted(self) -> int:
        return min(_CHUNK, self._sizes[len(self._done)] - self._have)

    def feed(self, chunk: bytes) -> bool:
        """Take the next bytes; whether the reply is complete."""
        self._parts.append(chunk)
        self._have += len(chunk)
        while len(self._done) < len(self._sizes) and self._have == self._sizes[len(self._done)]:
            self._done.append(b"".join(self._parts))
            self._parts, self._have = [], 0
            if len(self._done) == 1:
                self._sizes.extend(self._allowed(*_REPLY.unpack(self._done[0])))
        return len(self._done) == 3

    def _allowed(self, header: int, body: int) -> tuple[int, int]:
        if header > HEADER_BYTES:
            raise QueryFailed(f"a query worker sent a reply header over {HEADER_BYTES} bytes; it was replaced")
        if self._body_limit is not None and body > self._body_limit:
            raise QueryFailed(f"a query worker sent an answer larger than {self._body_limit} bytes; it was replaced")
        return header, body

    def result(self) -> tuple[dict, bytes]:
        try:
            header = json.loads(self._done[1])
        except (ValueError, UnicodeDecodeError):
            raise QueryFailed("a query worker sent a reply that is not JSON; it was replaced") from None
        if not isinstance(header, dict):
            raise QueryFailed("a query worker sent a malformed reply; it was replaced")
        return header, self._done[2]


async def _drive(steps: Steps, fd: int, deadline: float) -> object:
    try:
        event = next(steps)
        while True:
            if not await _waited(event, fd, deadline):
                raise Late
            event = steps.send(None)
    except StopIteration as done:
        return done.value


def _drive_blocking(steps: Steps, fd: int, deadline: float) -> object:
    try:
        event = next(steps)
        while True:
            poller = select.poll()  # not select.select: a busy server has descriptors past its 1024
            poller.register(fd, event)
            if not poller.poll(max(0.0, deadline - time.monotonic()) * 1000):
                raise Late
            event = steps.send(None)
    except StopIteration as done:
        return done.value


async def _waited(event: int, fd: int, deadline: float) -> bool:
    """Whether ``fd`` became ready for ``event`` by ``deadline``. Straight on the asyncio loop (uvicorn's):
    anyio's cancel scopes around ``wait_readable`` took a tenth of the server's CPU per query."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def settle(value: bool) -> None:
        if not ready.done():
            ready.set_result(value)

    watch, unwatch = (loop.add_reader, loop.remove_reader) if event == select.POLLIN else (loop.add_writer, loop.remove_writer)
    watch(fd, settle, True)
    timer = loop.call_later(max(0.0, deadline - time.monotonic()), settle, False)
    try:
        return await ready
    finally:
        timer.cancel()
        unwatch(fd)
