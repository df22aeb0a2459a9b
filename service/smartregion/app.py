"""The web application: one FastAPI app, one router per surface (SPARQL, question catalogue, network)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from . import catalogue_api, contributions_api, endpoint, linkeddata, network_api, publish_api
from .executor import Executor
from .settings import Settings
from .store import open_store


def create_app(settings: Settings) -> FastAPI:
    """Build the app over the store the settings name; query workers live as long as the app runs."""
    store = open_store(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Worker processes start with the server, not at import, and are killed when it stops.
        app.state.executor = Executor(
            store, timeout=settings.query_timeout, row_limit=settings.row_limit, workers=settings.query_workers
        )
        try:
            yield
        finally:
            app.state.executor.close()

    app = FastAPI(
        title="smartregion",
        summary="Linked-data knowledge graph of Germany's smart-city and smart-region ecosystem",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    # Open for reads from any web page; writes (later) need a token, which CORS does not grant.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Row-Limit", "X-Result-Truncated"],
    )
    app.include_router(endpoint.router)
    app.include_router(catalogue_api.router)
    app.include_router(network_api.router)
    app.include_router(publish_api.router)
    app.include_router(linkeddata.router)
    app.include_router(contributions_api.router)
    return app
