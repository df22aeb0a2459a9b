"""The error answers of the HTTP API as its OpenAPI description documents them.

Every route lists the statuses it may answer with besides success, so that clients (and generated
ones) know what to expect and tools such as schemathesis can check the service keeps to it. Errors are
JSON with ``detail`` saying what is wrong, a string, or for a parameter of the wrong type FastAPI's
list of validation errors; most also have ``error`` (a short title) and ``hint`` (how to fix it).
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "error": {"type": "string", "description": "what went wrong, in a few words"},
        "detail": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
            "description": "what is wrong; a list of validation errors for a parameter of the wrong type",
        },
        "hint": {"type": "string", "description": "how to fix it"},
    },
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
    of JSON (an HTML page for browsers, plain text for clients that accept only text)."""
    content: dict[str, dict] = {"application/json": {"schema": ERROR_SCHEMA}}
    content |= {media_type: {"schema": {"type": "string"}} for media_type in text}
    bodies = {status: {"content": content} for status in statuses if status != 304}  # a 304 has no body
    return {status: {"description": DESCRIPTIONS[status], **bodies.get(status, {})} for status in statuses}
