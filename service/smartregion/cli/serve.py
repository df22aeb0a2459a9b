"""Serving the app: ``smartregion serve`` and :func:`run`.

A fresh clone has an empty store, so serving builds the graph first: the one-command quick start
then answers queries right away instead of serving nothing.
"""

from __future__ import annotations

import argparse
import sys

from smartregion.cli.common import Formatter, epilog, settings_from, store_options
from smartregion.settings import Settings
from smartregion.store import open_store


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, *, warm_network: bool = True) -> None:
    """Build the graph if the store is empty, then serve until interrupted (projecting the network at start)."""
    from smartregion.build import build, step

    if open_store(settings).triple_count() == 0:
        print("the store is empty: building the graph first", file=sys.stderr)
        # The dumps are written when first asked for (publish.dumps.current_dumps): the service answers sooner.
        build(settings, progress=True, dumps=False)
    with step("loading the web service"):
        # Imported here, not at the top: every command registers through this module, and the web stack
        # would add half a second to each of them.
        import uvicorn
        from uvicorn.config import LOGGING_CONFIG

        from smartregion.web.app import create_app

        app = create_app(settings, warm_network=warm_network)
    # The service's own loggers (smartregion.audit: every write) print beside uvicorn's.
    log_config = {**LOGGING_CONFIG, "loggers": {**LOGGING_CONFIG["loggers"], "smartregion": {"handlers": ["default"], "level": "INFO"}}}
    # proxy_headers=False: uvicorn would otherwise take X-Forwarded-For from any local peer as the client;
    # the service reads it itself, from the proxies in SMARTREGION_TRUSTED_PROXIES only (admission.py).
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=log_config,
        proxy_headers=False,
    )


def add_serve_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``smartregion serve`` (for ``cli.COMMANDS``)."""

    parser = subparsers.add_parser(
        "serve",
        parents=[store_options()],
        formatter_class=Formatter,
        help="serve the SPARQL endpoint and the web service",
        description="Serve the HTTP service: the read-only SPARQL 1.1 endpoint at /sparql and the other routes. "
        "Builds the graph first if the store is empty. Limits come from SMARTREGION_QUERY_TIMEOUT, "
        "SMARTREGION_ROW_LIMIT, SMARTREGION_QUERY_WORKERS and SMARTREGION_MAX_REQUEST_BYTES; the query workers "
        "answer from an in-memory copy of the store where SMARTREGION_QUERY_REPLICA allows (the log says when).",
        epilog=epilog(
            "smartregion serve",
            "smartregion serve --host 0.0.0.0 --port 8080 --store /srv/smartregion/store",
            "smartregion serve --backend remote --endpoint http://localhost:7878/query",
            "curl -G http://127.0.0.1:8000/sparql -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5'",
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--base-url", metavar="URL", help="where the service is deployed (SMARTREGION_BASE_URL)")
    parser.add_argument(
        "--no-warm-up",
        dest="warm_network",
        action="store_false",
        help="do not project the actor network at start; the first network call does it (16-18 s at 1M triples)",
    )
    parser.set_defaults(
        run=lambda args: _serve(settings_from(args, base_url=args.base_url), args.host, args.port, args.warm_network)
    )


def _serve(settings: Settings, host: str, port: int, warm_network: bool) -> int:
    run(settings, host, port, warm_network=warm_network)
    return 0
