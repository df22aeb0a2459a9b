"""What a query can end in besides an answer: refused, too complex, out of time or memory, no worker free, failed."""

from __future__ import annotations

import math

from smartregion.store import sandbox


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
