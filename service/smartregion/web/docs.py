"""The API documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), from vendored copies.

FastAPI's own pages load both from a CDN and Google Fonts; these serve the scripts from
``static/vendor/`` (see its README for versions and licences), so the documentation works offline
and tells no other host who reads it. The CSP names exactly what each page runs: its own scripts
and, for Swagger UI, the hash of its one inline start-up script.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR = "/static/vendor/"
NO_FAVICON = "data:,"  # an empty icon: no request for /favicon.ico
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
# Both need inline styles (ReDoc sets them from script), data: images (icons), and ReDoc a worker from a blob.
_COMMON = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    """The page with a CSP allowing its own scripts and, by hash, exactly its inline ones."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page.body.decode())
    ]
    page.headers["Content-Security-Policy"] = f"script-src 'self' {' '.join(hashes)}; {_COMMON}".replace("  ", " ")
    return page


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _with_csp(get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} – API",
        swagger_js_url=VENDOR + "swagger-ui-bundle.js",
        swagger_css_url=VENDOR + "swagger-ui.css",
        swagger_favicon_url=NO_FAVICON,
    ))


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return _with_csp(get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} – API",
        redoc_js_url=VENDOR + "redoc.standalone.js",
        redoc_favicon_url=NO_FAVICON,
        with_google_fonts=False,
    ))
