"""What routes share from the app's state: the store's derived data, each kept per store revision.

The search index and the network are separate components: search, 404 suggestions and the home
page use the index alone and never wait for the network to be projected.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import State

from smartregion.names.search import SearchIndex
from smartregion.network import NetworkCache, Snapshot
from smartregion.publish import events
from smartregion.store.cache import PerRevision

logger = logging.getLogger("smartregion.web")
_MAKING = threading.Lock()  # creating the caches, which worker threads may race to do


def search_cache(state: State) -> PerRevision[SearchIndex]:
    """The app's search index, made on first use for the app's store."""
    with _MAKING:
        cache = getattr(state, "search", None)
        if cache is None or cache.store is not state.store:
            cache = state.search = PerRevision(state.store, SearchIndex.from_store,
                                               lambda index, store, revision, graphs: index.patched(store, graphs))
        return cache


def network_cache(state: State) -> NetworkCache:
    """The app's network cache, labelled from the search index."""
    labels = search_cache(state)
    with _MAKING:
        cache = getattr(state, "network", None)
        if cache is None or cache.store is not state.store:
            cache = state.network = NetworkCache(state.store, labels)
        return cache


def calendar_cache(state: State) -> PerRevision[events.Calendar]:
    """The events of the store (for /events and its calendars), read once per revision."""
    with _MAKING:
        cache = getattr(state, "calendar", None)
        if cache is None or cache.store is not state.store:
            cache = state.calendar = PerRevision(state.store, lambda store, _revision: events.read(store))
        return cache


def refresh_search(state: State) -> None:
    """Build the index of the new revision in the background, after a write, so that the next search finds it ready."""
    threading.Thread(target=_timed, args=("search index", search_cache(state)), name="search-refresh", daemon=True).start()


def warm_up(state: State, *, network: bool) -> None:
    """Build the search index (and project the network, if asked) now, so that the first callers find them ready."""
    _timed("search index", search_cache(state))
    if network:
        _timed("network", network_cache(state))


def _timed(what: str, cache: PerRevision) -> None:
    started = time.perf_counter()
    try:
        built = cache.get()
    except Exception:  # e.g. a remote store that is down: the first caller tries again and says why
        logger.exception("the %s could not be built", what)
        return
    if isinstance(built, Snapshot):
        extent = f"{built.graph.number_of_nodes()} linked actors, {built.graph.number_of_edges()} links"
    else:
        extent = f"{len(built.entries)} entities"
    logger.info("%s of %s ready in %.1f s: %s", what, cache.revision, time.perf_counter() - started, extent)


def get_search(request: Request) -> SearchIndex:
    return search_cache(request.app.state).get()


def get_cache(request: Request) -> NetworkCache:
    return network_cache(request.app.state)


def get_snapshot(cache: Annotated[NetworkCache, Depends(get_cache)]) -> Snapshot:
    return cache.snapshot()


SearchDep = Annotated[SearchIndex, Depends(get_search)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
