"""The three stores smartregion runs on, in the same run: load and the catalogue lookup mix.

    python bench/backends.py --scale 1m        # the issue's figure; about a quarter of an hour
    python bench/backends.py --scale 10k --duration 4

For each backend: ``smartregion build --no-validate --no-dumps`` into it (a fresh process, wall clock,
into an empty store), then ``smartregion serve`` over it and the 12 lookup questions of the catalogue
on its ``/sparql`` from ``--clients`` threads for ``--duration`` seconds (the lookup mix of run.py, same
sampled parameters). Ratios are against the embedded store. The servers:

- embedded: the store folder of the workspace;
- Oxigraph server: ``oxigraph serve`` (writable, as a push needs) on an empty folder, without
  ``--union-default-graph``: the remote backend keeps the default graph the distinct union itself;
- Virtuoso: Debian's ``virtuoso-t`` on a new database with the README's writer account, 2 GB of buffers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import loadgen
import params
from common import Row, Workspace, free_port, markdown, parse_scale, stop, table, wait_until_ready
from servers import Server, _binary, start_smartregion
from smartregion.questions import Catalogue
from smartregion.store import EmbeddedStore
from workloads import _sparql_requests

WRITER, PASSWORD = "smartregion", "bench-only-password"
VIRTUOSO_SETUP = f"""
DB.DBA.USER_CREATE('{WRITER}', '{PASSWORD}');
GRANT SPARQL_UPDATE TO "{WRITER}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{WRITER}', 3);
checkpoint;
"""


# The bench's clients share one address: the per-client limits of the service would measure themselves.
ONE_CLIENT_MANY_QUERIES = {"SMARTREGION_CLIENT_QUERIES": "64", "SMARTREGION_CLIENT_QUERY_SECONDS": "0"}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="1m", help="10k, 100k or 1m triples (default 1m)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of the lookup mix per backend (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).parent / "data")
    return parser.parse_args(argv)


def _virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    return f"""[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 250000
MaxDirtyBuffers = 180000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 8
[SPARQL]
ResultSetMaxRows = 2000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


def start_virtuoso(ws: Workspace, timeout: float = 300) -> tuple[Server, dict[str, str]]:
    """A Virtuoso on a new database with the writer account; the server and the settings to push to it."""
    folder = ws.root / f"virtuoso-{ws.label}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_virtuoso_ini(folder, sql_port, http_port), encoding="utf-8")
    log = ws.logs / f"virtuoso-{ws.label}.log"
    command = [shutil.which("virtuoso-t") or "virtuoso-t", "+foreground", "+configfile", str(folder / "virtuoso.ini")]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    server = Server("virtuoso", base, base + "/sparql", process, log, command=command)
    server.startup = wait_until_ready(server.sparql, process, log, timeout, params={"query": "ASK {}"})
    subprocess.run([shutil.which("isql-vt") or "isql", str(sql_port), "dba", "dba"], input=VIRTUOSO_SETUP, text=True,
                   check=True, capture_output=True)
    return server, {"SMARTREGION_BACKEND": "remote", "SMARTREGION_REMOTE_FLAVOUR": "virtuoso", "SMARTREGION_ENDPOINT": base + "/sparql",
                    "SMARTREGION_UPDATE_ENDPOINT": base + "/sparql-auth", "SMARTREGION_GSP_ENDPOINT": base + "/sparql-graph-crud-auth",
                    "SMARTREGION_STORE_USER": WRITER, "SMARTREGION_STORE_PASSWORD": PASSWORD}


def start_oxigraph_writable(ws: Workspace, timeout: float = 120) -> tuple[Server, dict[str, str]]:
    folder = ws.root / f"oxigraph-remote-{ws.label}"
    shutil.rmtree(folder, ignore_errors=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = ws.logs / f"oxigraph-remote-{ws.label}.log"
    command = [_binary("oxigraph"), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = Server("oxigraph", base, base + "/query", process, log, command=command)
    server.startup = wait_until_ready(server.sparql, process, log, timeout, params={"query": "ASK {}"})
    return server, {"SMARTREGION_BACKEND": "remote", "SMARTREGION_ENDPOINT": base + "/query",
                    "SMARTREGION_UPDATE_ENDPOINT": base + "/update", "SMARTREGION_GSP_ENDPOINT": base + "/store"}


def _build_seconds(ws: Workspace, store: Path, env: dict[str, str]) -> float:
    shutil.rmtree(store, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([_binary("smartregion"), "build", "--no-validate", "--no-dumps", "--quiet"], capture_output=True, text=True,
                          env={**ws.env(), "SMARTREGION_STORE": str(store), **env})
    if done.returncode != 0:
        raise RuntimeError(f"build failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    ws = Workspace(args.workdir.resolve(), args.scale.lower(), parse_scale(args.scale), args.seed)
    print(f"preparing {ws.label}: {ws.scale:,} organisations in {ws.root}", file=sys.stderr, flush=True)
    ws.prepare()
    questions = Catalogue(ws.project / "queries")
    chosen, results = None, {}
    for name in ("embedded", "oxigraph", "virtuoso"):
        print(f"{name}: load", file=sys.stderr, flush=True)
        store, env, server = ws.store, {}, None  # the embedded store is the workspace's: params.pick reads it
        if name != "embedded":
            server, env = start_oxigraph_writable(ws) if name == "oxigraph" else start_virtuoso(ws)
            store = ws.root / f"store-{name}-{ws.label}"  # the remote build keeps its dumps and lock beside it
        try:
            load = _build_seconds(ws, store, env)
            chosen = chosen or params.pick(EmbeddedStore(ws.store).live_path(), args.seed)
            lookups = {q: chosen[q] for q in params.LOOKUPS}
            print(f"{name}: lookup mix, {args.clients} clients, {args.duration:.0f} s", file=sys.stderr, flush=True)
            service = start_smartregion(ws, env={"SMARTREGION_STORE": str(store), **env, **ONE_CLIENT_MANY_QUERIES})
            try:
                outcome = loadgen.run(_sparql_requests(service, questions, lookups, list(params.LOOKUPS)), clients=args.clients,
                                      duration=args.duration, timeout=args.timeout, min_requests=args.clients)
            finally:
                stop(service.process)
        finally:
            if server is not None:
                stop(server.process)
        results[name] = (load, outcome)

    base_load, base_mix = results["embedded"]
    rows = []
    for name in ("oxigraph", "virtuoso"):
        load, mix = results[name]
        rows += [Row(f"load into {name}", "s (whole command)", load, "embedded", base_load),
                 Row(f"lookup mix on {name}", f"req/s ({args.clients} clients)", mix.throughput, "embedded", base_mix.throughput,
                     higher_is_better=True, note=f"{mix.ok}/{base_mix.ok} answers, errors {len(mix.errors)}/{len(base_mix.errors)}"),
                 Row(f"lookup mix on {name}", "p50 ms", mix.p(0.5), "embedded", base_mix.p(0.5)),
                 Row(f"lookup mix on {name}", "p95 ms", mix.p(0.95), "embedded", base_mix.p(0.95))]
    print(table(rows))
    out = ws.root / f"backends-{ws.label}.md"
    out.write_text(markdown(rows), encoding="utf-8")
    print(f"written to {out}", file=sys.stderr)
    for name, (_, mix) in results.items():
        if mix.errors:
            print(f"{name}: first error: {mix.errors[0]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
