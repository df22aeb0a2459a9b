"""From a fresh clone to the first HTTP answer, and a fresh build against one without validation.

    python bench/first_start.py            # about a minute and a half on 2 cores
    python bench/first_start.py --runs 3

Clones this checkout's HEAD (``git clone``: what a new user gets, ``graph/validated.json`` included)
into a temporary folder and runs ``smartregion serve`` there on an empty store until ``/sparql``
answers an ASK; it reads the time of each step from the server's output. The baseline, in the same
run: the same clone without ``graph/validated.json``, where the build validates as it did before the
record existed. Then ``smartregion build`` against ``smartregion build --no-validate`` on fresh stores
of the clone (the issue's target: at most 1.5×). Results go to ``bench/data/first-start.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median

from common import BENCH, HOME, Row, free_port, machine, markdown, stop, table, wait_until_ready

# What the server prints at the end of each step (``build.step``, the build, uvicorn), in order.
STEPS = {
    "parsing": re.compile(r"^validation: skipped|^validating "),
    "validation": re.compile(r"^validation: skipped|^validating .*: done"),
    "loading the store": re.compile(r"^loading .* triples into the store: done"),
    "loading the web service": re.compile(r"^loading the web service: done"),
    "starting (workers)": re.compile(r"Application startup complete"),
}


def first_answer(clone: Path, store: Path) -> dict[str, float]:
    """Seconds from starting ``smartregion serve`` to the end of each step and to the first answer."""
    port = free_port()
    env = {**os.environ, "SMARTREGION_HOME": str(clone), "SMARTREGION_STORE": str(store), "PYTHONUNBUFFERED": "1"}
    store.parent.mkdir(parents=True)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "smartregion", "serve", "--port", str(port)], env=env, cwd=clone,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: dict[str, float] = {}
    log = store.parent / "serve.log"

    def read() -> None:
        with log.open("w", encoding="utf-8") as out:
            for raw in process.stdout:
                out.write(raw)
                for line in raw.split("\r"):  # a progress bar redraws its line with \r
                    for name, pattern in STEPS.items():
                        if name not in seen and pattern.search(line.strip()):
                            seen[name] = time.monotonic() - started

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/sparql", process, log, 600, params={"query": "ASK { ?s ?p ?o }"})
        seen["first answer"] = time.monotonic() - started
    finally:
        stop(process)
        reader.join(5)
    return seen


def build_seconds(clone: Path, store: Path, *options: str) -> float:
    env = {**os.environ, "SMARTREGION_HOME": str(clone), "SMARTREGION_STORE": str(store)}
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "smartregion", "build", "--quiet", *options], env=env, cwd=clone, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def split(seen: dict[str, float]) -> str:
    """Each step's own seconds, in the order they ended."""
    parts, last = [], 0.0
    for name, at in sorted(seen.items(), key=lambda item: item[1]):
        parts.append(f"{name} {at - last:.1f} s")
        last = at
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each, the median counts (default 1)")
    parser.add_argument("--workdir", type=Path, default=BENCH / "data")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as temporary:
        root = Path(temporary)
        clone = root / "clone"
        subprocess.run(["git", "clone", "--quiet", str(HOME), str(clone)], check=True)
        record = clone / "graph" / "validated.json"
        if not record.is_file():
            parser.error("this checkout's HEAD has no graph/validated.json: run `smartregion validate --record` and commit it")
        committed = record.read_bytes()
        ours, before = [], []
        for run in range(args.runs):
            record.write_bytes(committed)
            ours.append(first_answer(clone, root / f"ours-{run}" / "store"))
            print(f"fresh clone, first answer: {split(ours[-1])}", file=sys.stderr)
            record.unlink()
            before.append(first_answer(clone, root / f"before-{run}" / "store"))
            print(f"without the record: {split(before[-1])}", file=sys.stderr)
        record.write_bytes(committed)
        rows.append(Row("first start", "s to the first answer", median(s["first answer"] for s in ours),
                        "the same without graph/validated.json", median(s["first answer"] for s in before),
                        target="ours <= 15", note=split(ours[0]), extra={"ours": ours, "baseline": before}))
        plain = [build_seconds(clone, root / f"build-{run}" / "store") for run in range(args.runs)]
        bare = [build_seconds(clone, root / f"bare-{run}" / "store", "--no-validate") for run in range(args.runs)]
        rows.append(Row("fresh build", "s", median(plain), "build --no-validate", median(bare), target="ratio <= 1.5"))
    print(table(rows))
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; machine: {machine()}")
    out = args.workdir / "first-start.json"
    out.write_text(json.dumps({"rows": [r.as_dict() for r in rows], "load": load, "machine": machine()}, indent=2))
    print(markdown(rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
