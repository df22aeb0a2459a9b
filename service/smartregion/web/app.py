"""The web application: one FastAPI app, one router per surface (SPARQL, question catalogue, network).

Two middlewares guard every answer. CORS is open for reads only: requests to the write API other
than GET/HEAD (and their preflights) get no CORS headers, so no other web site's script may send a
write or read its answer, and no credentials are ever allowed. Security headers: every answer says
``nosniff``; every HTML page gets a Content-Security-Policy (its route's own, else the pages' strict
one), ``X-Frame-Options: DENY``, a Referrer-Policy and a Permissions-Policy, error pages included.
:class:`PathGuard` answers paths holding NUL (404) and trailing slashes (a relative redirect).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartregion.contribute import audit
from smartregion.settings import Settings
from smartregion.store import open_store
from smartregion.store.executor import Executor
from smartregion.web import (
    admission,
    browse,
    catalog_page,
    contribute,
    docs,
    editor,
    errors,
    linkeddata,
    problems,
    question_pages,
)
from smartregion.web import contributions as contributions_api
from smartregion.web import events as events_api
from smartregion.web import map as places_map
from smartregion.web import network as network_api
from smartregion.web import publish as publish_api
from smartregion.web import questions as catalogue_api
from smartregion.web import sparql as endpoint
from smartregion.web.dependencies import warm_up

WRITE_PATHS = ("/api/contributions", "/api/forget")
SAFE_METHODS = ("GET", "HEAD")
# No feature a page of this service uses; nothing embedded may ask for them either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class ReadOnlyCORS(CORSMiddleware):
    """CORS for reads: a request to the write API with another method, or its preflight, passes by untouched."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(WRITE_PATHS) and scope["method"] not in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class SecurityHeaders:
    """Adds the security headers a route did not set itself (see the module docstring)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", linkeddata.PAGE_CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", linkeddata.SECURITY_HEADERS["Referrer-Policy"])
                    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PathGuard:
    """Answers two kinds of path before the routes see them.

    A path holding NUL (``%00``) is a 404: no resource has one, and a file lookup with it raises (a 500).
    A path with one trailing slash that only matches a route without it is redirected (307) by a relative
    ``Location`` (``/sparql/`` to ``../sparql``): Starlette's own slash redirect, switched off, builds an
    absolute URL from the ``Host`` header, which the client chooses. A relative one is right wherever the
    service is mounted, under a path prefix too.
    """

    def __init__(self, app: ASGIApp, router: Router):
        self.app, self.router = app, router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._answer(scope) if scope["type"] == "http" else None
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _answer(self, scope: Scope) -> Response | None:
        path: str = scope["path"]
        if "\x00" in path:
            return problems.problem(404, "not found", "no path holds a NUL character (%00)", hint="Remove %00 from the path.")
        if path == "/" or not path.endswith("/") or path.endswith("//") or self._routes(scope, path):
            return None
        target = path[:-1]
        if not self._routes(scope, target):
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        return RedirectResponse("../" + quote(target.rsplit("/", 1)[-1]) + (f"?{query}" if query else ""), status_code=307)

    def _routes(self, scope: Scope, path: str) -> bool:
        probe = {**scope, "path": path}
        return any(route.matches(probe)[0] is not Match.NONE for route in self.router.routes)


def create_app(settings: Settings, *, warm_network: bool = False) -> FastAPI:
    """Build the app over the store the settings name; query workers live as long as the app runs.

    ``warm_network``: project the actor network in a background thread at start (``smartregion serve``
    does), rather than at the first network call.
    """
    store = open_store(settings)
    audit.protect_logs(settings.write_token)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Worker processes start with the server, not at import, and are killed when it stops.
        app.state.executor = Executor(
            store,
            timeout=settings.query_timeout,
            row_limit=settings.row_limit,
            workers=settings.query_workers,
            fast_budget=settings.query_fast_budget or None,
            slow_slots=settings.query_slow_slots,
            memory=settings.query_memory,
            answer_bytes=settings.answer_bytes,
            sandbox_required=settings.query_sandbox == "required",
            replica=settings.query_replica,
        )
        app.state.admission = admission.Admission.of(settings)
        # The search index always, the network if asked: pages and search must not wait for them.
        threading.Thread(target=warm_up, args=(app.state,), kwargs={"network": warm_network}, name="warm-up", daemon=True).start()
        try:
            yield
        finally:
            app.state.executor.close()
            audit.AuditLog.for_settings(settings).flush()  # the count of refusals not logged this minute

    app = FastAPI(
        docs_url=None,  # served from vendored copies by web/docs.py
        redoc_url=None,
        title="smartregion",
        summary="Linked-data knowledge graph of Germany's smart-city and smart-region ecosystem",
        lifespan=lifespan,
        redirect_slashes=False,  # PathGuard redirects without the Host header
    )
    app.state.settings = settings
    app.state.store = store
    problems.install(app)  # every JSON error of every route as problem details (RFC 9457)
    app.add_middleware(PathGuard, router=app.router)  # added first, so innermost: its answers get CORS and security headers
    # Open for reads from any web page, without credentials; never for writes (see ReadOnlyCORS).
    app.add_middleware(
        ReadOnlyCORS,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Row-Limit", "X-Byte-Limit", "X-Result-Truncated", "X-Result-Truncated-By", "Retry-After"],
    )
    app.add_middleware(SecurityHeaders)  # added last, so outermost: CORS preflight answers get the headers too
    app.include_router(editor.router)  # before the endpoint: a browser's GET /sparql gets the editor
    app.include_router(endpoint.router)
    app.include_router(catalogue_api.router)
    app.include_router(question_pages.router)
    app.include_router(browse.router)
    app.include_router(network_api.router)
    app.include_router(catalog_page.router)  # before the RDF: a browser's GET /catalog gets the page
    app.include_router(publish_api.router)
    app.include_router(events_api.router)  # before linked data: /id/event/{slug}.ics is its route
    app.include_router(linkeddata.router)
    app.include_router(contributions_api.router)
    app.include_router(contribute.router)
    app.include_router(docs.router)
    app.include_router(places_map.router)
    errors.document(app)
    return app
