"""What every benchmark part shares: scales, the temporary project, result rows, processes and memory.

A benchmark never touches the real project's ``graph/`` or store: it works in its own folder (by
default ``bench/data/``, git-ignored) with a project made of the real ontology, shapes and queries
and the generated TriG as its only graph.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from smartregion.synthetic import TRIPLES_PER_ORGANISATION, generate

BENCH = Path(__file__).resolve().parent
HOME = BENCH.parent  # the smartregion clone these scripts belong to
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def parse_scale(text: str) -> int:
    """Triples wanted: ``10k``, ``100k``, ``1m`` or a number with an optional k/m suffix (``2k``)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text.strip().lower())
    if not match:
        raise ValueError(f"--scale {text!r}: use 10k, 100k, 1m or a number of triples such as 5000 or 2k")
    return int(float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)])


def organisations_for(triples: int) -> int:
    return max(20, triples // TRIPLES_PER_ORGANISATION)


@dataclass
class Workspace:
    """The files of one scale: generated data, a project around it, the two stores, logs."""

    root: Path
    label: str
    triples_wanted: int
    seed: int

    @property
    def scale(self) -> int:
        return organisations_for(self.triples_wanted)

    @property
    def data(self) -> Path:
        return self.root / f"synthetic-{self.scale}-s{self.seed}.trig"

    @property
    def project(self) -> Path:
        return self.root / f"project-{self.label}"

    @property
    def store(self) -> Path:
        return self.root / f"store-{self.label}"

    @property
    def oxigraph_store(self) -> Path:
        return self.root / f"oxigraph-{self.label}"

    @property
    def logs(self) -> Path:
        path = self.root / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def ontology_files(self) -> list[Path]:
        return sorted((self.project / "ontology").glob("*.ttl"))

    def prepare(self) -> None:
        """Generate the data (once per scale and seed) and lay out the project around it."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.data.is_file():
            partial = self.data.with_name(self.data.name + ".partial")
            with open(partial, "w", encoding="utf-8") as out:
                generate(self.scale, out, seed=self.seed, home=HOME, progress=True)
            partial.replace(self.data)
        shutil.rmtree(self.project, ignore_errors=True)
        for folder in ("ontology", "shapes", "queries"):
            shutil.copytree(HOME / folder, self.project / folder)
        (self.project / "graph").mkdir()
        (self.project / "graph" / "synthetic.trig").symlink_to(self.data)

    def env(self) -> dict[str, str]:
        """The environment for smartregion commands on this workspace's project and store."""
        return {**os.environ, "SMARTREGION_HOME": str(self.project), "SMARTREGION_STORE": str(self.store)}


# --- results ----------------------------------------------------------------------------------------


@dataclass
class Row:
    """One measured figure of smartregion next to the same figure of a baseline, from the same run."""

    workload: str
    metric: str  # with its unit: "s", "req/s", "p50 ms", "MB per 1M triples"
    ours: float | None
    baseline_name: str
    baseline: float | None
    higher_is_better: bool = False
    target: str = ""  # the target at 1M triples, e.g. "ratio <= 2" or "ours <= 0.05"
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    def target_status(self) -> str:
        """"met" or "missed by N%" for a target of the form ``ratio|ours <=|>= number``."""
        match = re.fullmatch(r"(ratio|ours) (<=|>=) ([\d.]+)", self.target)
        if not match:
            return ""
        value = self.ratio if match.group(1) == "ratio" else self.ours
        if value is None:
            return "n/a"
        limit = float(match.group(3))
        ok = value <= limit if match.group(2) == "<=" else value >= limit
        if ok:
            return "met"
        return f"missed ({value / limit:.1f}× the limit)" if match.group(2) == "<=" else f"missed ({value / limit:.0%} of it)"

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "status": self.target_status()}


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def ratio_text(row: Row) -> str:
    return "—" if row.ratio is None else f"{row.ratio:.2f}×"


def table(rows: list[Row]) -> str:
    header = ["workload", "metric", "smartregion", "baseline", "baseline value", "ratio", "target (1M)", "status"]
    body = [[r.workload, r.metric, fmt(r.ours), r.baseline_name, fmt(r.baseline), ratio_text(r), r.target, r.target_status()]
            for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in body)) if body else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in body]
    return "\n".join(lines)


def markdown(rows: list[Row]) -> str:
    lines = ["| workload | metric | smartregion | baseline | baseline value | ratio | target (1M) | status | note |",
             "| --- | --- | ---: | --- | ---: | ---: | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r.workload} | {r.metric} | {fmt(r.ours)} | {r.baseline_name} | {fmt(r.baseline)} | "
                     f"{ratio_text(r)} | {r.target} | {r.target_status()} | {r.note} |")
    return "\n".join(lines)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0.5 = median)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


# --- processes --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log: Path, timeout: float, params: dict | None = None) -> float:
    """Poll ``url`` until it answers 200; the seconds it took. Fails with the log's tail if the process exits."""
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}: {tail(log)}")
        try:
            if httpx.get(url, params=params, timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s: {tail(log)}")
        time.sleep(0.1)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s: a server gets the chance to stop its workers itself."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    return children


def descendants(pid: int) -> Iterator[int]:
    children = _children()
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        yield child
        todo.extend(children.get(child, []))


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process and its living descendants have used so far; 0 where /proc has none.

    A descendant that ended meanwhile takes its time with it (a query worker killed and replaced)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for process in (pid, *descendants(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime and stime, fields 14 and 15 of stat
    return total


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set size (VmHWM) in MB; None where /proc has no such figure."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def machine() -> dict[str, str]:
    """nproc, RAM and CPU model, for the results."""
    info = {"nproc": str(os.cpu_count())}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kilobytes = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
        info["ram"] = f"{kilobytes / 1024 / 1024:.1f} GB"
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        info["cpu"] = cpu.group(1).strip() if cpu else "unknown"
    except (OSError, AttributeError):
        info.setdefault("ram", "unknown")
        info.setdefault("cpu", "unknown")
    return info
