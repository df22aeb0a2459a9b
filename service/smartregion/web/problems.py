"""Every JSON error of the service as problem details (RFC 9457, ``application/problem+json``).

One shape for all routes: ``type``, ``title``, ``status``, ``detail`` and extension members such as
``hint``, ``parameter``, ``line``, ``column``, ``candidates``. The package's errors
(:class:`~smartregion.errors.SmartregionError`), FastAPI's validation errors and Starlette's HTTP
errors are all mapped here, once. HTML pages keep their HTML error pages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from smartregion.errors import SmartregionError
from smartregion.rdf import results
from smartregion.rdf.ids import BASE

MEDIA_TYPE = "application/problem+json"
TYPES = BASE + "problem/"  # a problem's type: this IRI and the slug of its title


def problem_type(title: str) -> str:
    return TYPES + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class Problem(SmartregionError):
    """An error answer the web layer decides itself: status, title, detail, and how to fix it (``hint``).

    ``headers`` go with the answer (``Retry-After``, ``WWW-Authenticate``); further keyword arguments are
    extension members of the body (``parameter``, ``offered``, ``problems``, ...).
    """

    def __init__(
        self, status: int, title: str, detail: str, *, hint: str | None = None, headers: dict[str, str] | None = None, **extensions: Any
    ):
        super().__init__(detail)
        self.status, self.title, self.hint, self.headers = status, title, hint, headers
        self._extensions = extensions

    def extensions(self) -> dict[str, object]:
        return super().extensions() | self._extensions


def problem(status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> Response:
    """The problem-details answer; ``extensions`` become members of the body beside the four standard ones."""
    body = {"type": problem_type(title), "title": title, "status": status, "detail": detail}
    body |= {name: value for name, value in extensions.items() if name not in body}
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_error(exc: SmartregionError, headers: dict[str, str] | None = None) -> Response:
    return problem(exc.status, exc.title, str(exc), headers=headers or getattr(exc, "headers", None), **exc.extensions())


def answer(request: Request, exc: SmartregionError, *, text: bool = False) -> Response:
    """Problem details, or with ``text`` plain text (title, detail, hint) for a client that accepts only text."""
    if text and results.accepts_only_text(request.headers.get("accept")):
        lines = [f"{exc.title}: {exc}", *([exc.hint] if exc.hint else [])]
        return Response(
            "\n".join(lines) + "\n", status_code=exc.status, media_type="text/plain; charset=utf-8", headers=getattr(exc, "headers", None)
        )
    return from_error(exc)


async def _package_error(request: Request, exc: SmartregionError) -> Response:
    return from_error(exc)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, ensure_ascii=False)
    return problem(exc.status_code, _reason(exc.status_code), detail, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ())]
    parameter = location[-1] if location and location[0] in ("query", "path", "header", "body") else None
    detail = f"parameter '{parameter}': {first.get('msg', 'invalid')}" if parameter else str(first.get("msg", "invalid request"))
    return problem(
        422,
        "invalid parameter",
        detail,
        **({"parameter": parameter} if parameter else {}),
        hint="Check the parameter against the operation's description at /docs.",
        errors=[{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors],
    )


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


def install(app: FastAPI) -> None:
    """Map every error to problem details on this app."""
    app.add_exception_handler(SmartregionError, _package_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
