"""The load test runs end to end at 10k triples: every kind of request was sent and answered, none
failed, the server's memory was sampled, and the results were written.

No timing is asserted (CI machines differ). Its own workspace: tests/test_bench_smoke.py rebuilds the
10k store in its load workload anyway, so sharing one would save only the data generation (under a second).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

KINDS = ("sparql", "api/queries", "api/cooperations", "api/path", "api/search", "page: entity", "page: /network", "page: /catalog")


def test_smoke_load_test(project_root: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(project_root / "bench" / "load.py"), "--scale", "10k", "--duration", "8", "--clients", "2",
         "--sample", "2", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "smartregion load test at 10k" in out and "2 clients" in out
    table = {line.split("  ")[0].strip(): line.split() for line in out.splitlines() if line.startswith((*KINDS, "all "))}
    for kind in (*KINDS, "all"):
        cells = table[kind][len(kind.split()):]  # requests, errors, req/s, p50, p95, p99
        assert int(cells[0].replace(",", "")) > 0 and cells[1] == "0", f"{kind}: {cells}"
    assert "memory: peak of the first third" in out and "ratio" in out
    assert "warm-up page: /catalog" in done.stderr  # progress goes to stderr
    written = json.loads((tmp_path / "load-10k.json").read_text(encoding="utf-8"))
    assert [row["kind"] for row in written["kinds"]] == [*KINDS, "all"]
    assert all(row["errors"] == 0 for row in written["kinds"]) and written["errors"] == []
    samples = written["memory"]["samples"]
    assert len(samples) >= 3 and all(total >= own > 0 for _, own, total in samples)
    assert (tmp_path / "load-10k.md").read_text(encoding="utf-8").startswith("### Load test, 10k")
