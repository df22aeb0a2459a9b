"""Where the graph lives: the Store interface, the embedded and remote backends, and the query executor.

May import ``settings`` and ``rdf``; nothing above it (names, network, contribute, publish, web, cli).
"""

from smartregion.settings import Settings
from smartregion.store.base import (
    DUMP_FORMATS,
    GRAPH_FORMATS,
    META_GRAPH,
    QUERY_FORMS,
    RESULT_FORMATS,
    REVISION,
    ForbiddenQuery,
    Graphs,
    Query,
    QuerySyntaxError,
    Store,
    StoreError,
    UnsupportedFormat,
    as_quads,
    check_query,
    triples_by_graph,
)
from smartregion.store.embedded import EmbeddedStore
from smartregion.store.remote import RemoteStore
from smartregion.store.virtuoso import VirtuosoStore

__all__ = [
    "DUMP_FORMATS", "GRAPH_FORMATS", "META_GRAPH", "QUERY_FORMS", "RESULT_FORMATS", "REVISION", "EmbeddedStore",
    "ForbiddenQuery", "Graphs", "Query", "QuerySyntaxError", "RemoteStore", "Store", "StoreError", "UnsupportedFormat",
    "VirtuosoStore", "as_quads", "check_query", "open_store", "triples_by_graph",
]


def open_store(settings: Settings) -> Store:
    """The store the settings name."""
    if settings.backend == "remote":
        flavour = VirtuosoStore if settings.remote_flavour == "virtuoso" else RemoteStore
        return flavour(
            settings.endpoint,
            settings.gsp_endpoint,
            update_endpoint=settings.update_endpoint,
            timeout=settings.query_timeout,
            lock_path=settings.store_path.parent / "remote-write.lock",  # next to the dumps, shared by the server and the CLI
            user=settings.store_user,
            password=settings.store_password,
        )
    return EmbeddedStore(settings.store_path)
