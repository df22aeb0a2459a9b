"""The benchmark runs end to end at 10k triples and prints smartregion's figures next to the baselines'.

No timing is asserted (CI machines differ); only that every workload ran and was compared.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

WORKLOADS = ("load", "catalogue lookup mix /sparql", "cooperation question", "network /api/cooperations",
             "network /api/centrality", "memory", "validation: full SHACL run", "validation: 100-entity contribution")


def test_smoke_benchmark_prints_ratios(project_root: Path, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    peers = "oxigraph,rdflib" if shutil.which("rdflib-endpoint", path=str(bin_dir)) or shutil.which("rdflib-endpoint") else "oxigraph"
    done = subprocess.run(
        [sys.executable, str(project_root / "bench" / "run.py"), "--scale", "10k", "--duration", "0.5", "--repeat", "1",
         "--questions", "lookups", "--timeout", "20", "--peers", peers, "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "ratio = smartregion / baseline" in out
    for workload in WORKLOADS:
        assert workload in out, f"{workload!r} missing from:\n{out}"
    # Every throughput and latency line compares with a baseline: a ratio such as 0.87×.
    ratios = re.findall(r"\s(\d+\.\d\d)×\s", out)
    assert len(ratios) >= 20, out
    assert "oxigraph" in out and ("rdflib-endpoint" in out or peers == "oxigraph")
    assert (tmp_path / "results-10k.json").is_file() and (tmp_path / "results-10k.md").is_file()
