"""The network and the search after a 100-entity contribution: patched, against projected again.

    python bench/after_write.py --scale 1m      # after `python bench/run.py --scale 1m --only load`

On a copy of the store that ``bench/run.py`` built (a RocksDB checkpoint: the bench's store stays as
it is), in this process, as the service does it: the network and search index of the revision are
made, a contribution of 50 organisations and 50 memberships of existing persons (the validation
workload's) is written with ``contributions.add_graph``, and then the next cooperation question
(the network of the new revision, patched, and one actor's partners) and the next search are timed.
The baseline, in the same run: projecting the network and making the index of that same new
revision from scratch, which is what every write cost before. It checks that both networks agree.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from common import BENCH, Row, Workspace, machine, markdown, parse_scale, table
from smartregion.contribute.contributions import Provenance, add_graph
from smartregion.names.search import SearchIndex
from smartregion.network import NetworkCache, build_snapshot, cooperations
from smartregion.store import EmbeddedStore
from smartregion.store.cache import PerRevision
from workloads import _contribution


def timed(call):
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="100k", help="the scale bench/run.py built (default 100k)")
    parser.add_argument("--seed", type=int, default=1, help="the data's seed (default 1)")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data")
    args = parser.parse_args(argv)
    ws = Workspace(args.workdir.resolve(), args.scale.lower(), parse_scale(args.scale), args.seed)
    if not (ws.store / "CURRENT").is_file() or not ws.oxigraph_store.is_dir():
        parser.error(f"no stores for {ws.label}: run `python bench/run.py --scale {args.scale} --only load` first")
    with tempfile.TemporaryDirectory(dir=ws.root) as temporary:
        copy = Path(temporary) / "store"
        copy.mkdir()
        ox.Store.read_only(str(EmbeddedStore(ws.store).live_path())).backup(str(copy / "rev-1"))
        (copy / "CURRENT").write_text("rev-1\n", encoding="utf-8")
        store = EmbeddedStore(copy)
        search = PerRevision(store, SearchIndex.from_store, lambda index, store, revision, graphs: index.patched(store, graphs))
        network = NetworkCache(store, search)
        before, first = timed(network.snapshot)
        print(f"{ws.label}: network of the built store projected in {first:.1f} s "
              f"({before.graph.number_of_nodes():,} actors, {before.graph.number_of_edges():,} links)", file=sys.stderr)
        contribution = _contribution(ws, args.seed)
        result, write = timed(lambda: add_graph(store, contribution, Provenance("benchmark", "bench.ttl", "benchmark"),
                                                dumps_folder=Path(temporary) / "dumps"))
        actor = "https://w3id.org/smartregion/id/organisation/bench-contribution-1-7"
        partners, patched = timed(lambda: cooperations(network.snapshot(), actor))
        hits, searched = timed(lambda: search.get().search("Beitragsfirma 7 GmbH"))
        index, full_index = timed(lambda: SearchIndex.from_store(store))
        full, projected = timed(lambda: build_snapshot(store, store.revision(), index))
        after = network.snapshot()
        same = (dict(after.graph.nodes(data=True)) == dict(full.graph.nodes(data=True))
                and {frozenset((a, b)): d for a, b, d in after.graph.edges(data=True)}
                == {frozenset((a, b)): d for a, b, d in full.graph.edges(data=True)})
    note = (f"{network.patches} patch, {network.builds} projection; {len(partners)} partners of the new actor; "
            f"patched network {'equals' if same else 'DIFFERS FROM'} the full projection; the write itself {write:.2f} s")
    rows = [
        Row("after a 100-entity contribution: next cooperation question", "s", patched,
            "projecting the new revision again", projected + full_index, target="ours <= 2", note=note),
        Row("after a 100-entity contribution: next search", "s", searched, "making the index again", full_index,
            target="ours <= 1", note=f"first hit {hits[0]['iri'] if hits else None}"),
    ]
    print(table(rows))
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; machine: {machine()}; {note}")
    (ws.root / f"after-write-{ws.label}.md").write_text(markdown(rows) + "\n", encoding="utf-8")
    return 0 if same and network.patches == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
