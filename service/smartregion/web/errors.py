"""The error answers of the HTTP API as its OpenAPI description documents them.

Every route lists the statuses it may answer with besides success, so that clients (and generated
ones) know what to expect and tools such as schemathesis can check the service keeps to it. Errors are
problem details (RFC 9457, ``application/problem+json``): ``type``, ``title``, ``status`` and ``detail``,
with extension members such as ``hint`` (how to fix it), ``parameter``, ``line`` and ``column``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from smartregion.web.problems import MEDIA_TYPE

ERROR_SCHEMA = {
    "type": "object",
    "description": "Problem details (RFC 9457); further members say more about this kind of problem.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "identifies the kind of problem"},
        "title": {"type": "string", "description": "what went wrong, in a few words"},
        "status": {"type": "integer", "description": "the HTTP status of the answer"},
        "detail": {"type": "string", "description": "what is wrong in this request"},
        "hint": {"type": "string", "description": "how to fix it"},
        "parameter": {"type": "string", "description": "the request parameter that is wrong"},
        "line": {"type": "integer", "description": "the line of the query where the parser stopped"},
        "column": {"type": "integer", "description": "the column of the query where the parser stopped"},
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    304: "Not modified since the ETag or date the request names.",
    400: "The request cannot be used as it is; `detail` says why and how to fix it.",
    401: "A write needs the header `Authorization: Bearer <token>` with the service's write token.",
    403: "Not allowed here: writes are disabled on this service, or a SPARQL update was sent to the read-only endpoint.",
    404: "Nothing of that name; the answer suggests what there is.",
    406: "None of the formats the request accepts is offered; the answer lists those that are.",
    409: "Other data depends on what the request would remove; the answer lists it.",
    413: "The request is larger than the service accepts (setting SMARTREGION_MAX_REQUEST_BYTES).",
    415: "The body's media type is not one this route reads; the answer lists those it does.",
    422: "A parameter or the uploaded data is not valid; the answer names it and how to fix it.",
    429: "This client has too many queries under way or has used its query time for the minute; "
    "the header `Retry-After` says in how many seconds to try again.",
    503: "The query ran past the time limit, or the service is busy or its store unavailable; try again "
    "(after `Retry-After` seconds where the answer has that header).",
}


def errors(*statuses: int, text: tuple[str, ...] = ()) -> dict[int | str, dict]:
    """OpenAPI ``responses`` for these error statuses; ``text``: media types in which the error is text instead
    of problem details (an HTML page for browsers, plain text for clients that accept only text)."""
    content: dict[str, dict] = {MEDIA_TYPE: {"schema": ERROR_SCHEMA}}
    content |= {media_type: {"schema": {"type": "string"}} for media_type in text}
    bodies = {status: {"content": content} for status in statuses if status != 304}  # a 304 has no body
    return {status: {"description": DESCRIPTIONS[status], **bodies.get(status, {})} for status in statuses}


def document(app: FastAPI) -> None:
    """Document FastAPI's own 422 (a parameter of the wrong type) as the problem details it is answered with,
    instead of FastAPI's ``HTTPValidationError`` under ``application/json``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                invalid = operation.get("responses", {}).get("422", {})
                if "HTTPValidationError" in str(invalid.get("content", {}).get("application/json", {})):
                    invalid["content"] = {MEDIA_TYPE: {"schema": ERROR_SCHEMA}}
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
