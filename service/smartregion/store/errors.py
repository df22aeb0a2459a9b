"""What a query can end in besides an answer: refused, too complex, out of time or memory, no worker free, failed."""

from __future__ import annotations

import math

from smartregion.errors import SmartregionError
from smartregion.store import sandbox


class QueryRefused(SmartregionError):
    """A query that will not run here (an update, SERVICE, a dataset outside the store)."""

    status, title = 400, "query refused"

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


class QueryTooComplex(QueryRefused):
    """A query too deep or too wide for the engine, found by the guard (``limit`` set) or by a crash."""

    title = "query too complex"

    def __init__(self, message: str, hint: str, limit: int | None = None):
        super().__init__(message, hint)
        self.limit = limit

    def extensions(self) -> dict[str, object]:
        return super().extensions() | ({"limit": self.limit} if self.limit else {})


class QueryTimeout(SmartregionError):
    """The query ran into the time limit and was stopped."""

    status, title = 503, "query timeout"
    hint = "Narrow the query (more specific patterns, fewer joins), or add LIMIT."

    def __init__(self, limit: float):
        super().__init__(f"the query ran longer than the time limit of {limit:g} seconds per query and was stopped")
        self.limit = limit

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"limit_seconds": self.limit}


class QueryOutOfMemory(QueryRefused):
    """The query needed more memory than a query worker may use; the worker was replaced."""

    title = "query needs too much memory"

    def __init__(self, limit: int):
        super().__init__(
            f"the query needed more memory than the limit of {sandbox.size_text(limit)} per query and was stopped; "
            "the worker was replaced",
            "Narrow the query: add LIMIT, join fewer patterns without shared variables, sort or group fewer "
            "solutions, build shorter strings.",
        )
        self.limit = limit

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"limit_bytes": self.limit}


class ExecutorBusy(SmartregionError):
    """No room for the query now; trying again after ``retry_after`` seconds makes sense (503)."""

    status = 503
    title = "busy"

    def __init__(self, message: str, hint: str, retry_after: float, title: str | None = None):
        super().__init__(message)
        self.hint = hint
        self.retry_after = max(1, math.ceil(retry_after))  # whole seconds, as Retry-After wants them
        self.title = title or self.title
        self.headers = {"Retry-After": str(self.retry_after)}

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"retry_after_seconds": self.retry_after}


class SlowLaneFull(ExecutorBusy):
    """The query outran the fast budget while every slow-lane slot was taken: it was stopped."""

    title = "slow lane full"


class QueryFailed(SmartregionError):
    """The engine failed for a reason other than the query's syntax."""

    status, title = 500, "query failed"
    hint = "This is a server error; please report the query."
