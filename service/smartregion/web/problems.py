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
from smartregion.rdf.ids import BASE

MEDIA_TYPE = "application/problem+json"
TYPES = BASE + "problem/"  # a problem's type: this IRI and the slug of its title


def problem_type(title: str) -> str:
    return TYPES + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def problem(status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> Response:
    """The problem-details answer; extension members that are None are left out."""
    body = {"type": problem_type(title), "title": title, "status": status, "detail": detail}
    body |= {name: value for name, value in extensions.items() if value is not None and name not in body}
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_error(exc: SmartregionError, headers: dict[str, str] | None = None) -> Response:
    return problem(exc.status, exc.title, str(exc), headers=headers or getattr(exc, "headers", None), **exc.extensions())


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
        parameter=parameter,
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
