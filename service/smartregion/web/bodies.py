"""Reading a request body no larger than the service accepts (``SMARTREGION_MAX_REQUEST_BYTES``)."""

from __future__ import annotations

from starlette.requests import Request

from smartregion.web.problems import Problem


async def read_limited(request: Request, max_bytes: int, advice: str) -> bytes:
    """The whole body, or 413 as soon as it passes ``max_bytes``: a declared size is believed only when it is too big.

    ``advice`` says what the client can do instead (a shorter query, smaller contributions).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes, advice)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:  # a missing or false Content-Length must not let a big body in
            raise too_large(max_bytes, advice)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(max_bytes: int, advice: str) -> Problem:
    return Problem(
        413,
        "request too large",
        f"the request is larger than the limit of {max_bytes} bytes (setting SMARTREGION_MAX_REQUEST_BYTES)",
        hint=f"{advice}; whoever runs the server can raise SMARTREGION_MAX_REQUEST_BYTES.",
        limit_bytes=max_bytes,
    )
