"""What the query guard costs, and where the engines break without it.

    python bench/guard.py            # the guard's time per catalogue question and per hostile shape
    python bench/guard.py --engines  # also: from which width pyoxigraph (a fresh process each time) dies

The guard parses every user query once (rdflib's SPARQL grammar, pure Python); the figures say what
that adds to a request, and that the limits keep the worst case bounded.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from smartregion.questions import Catalogue
from smartregion.store import guard as query_guard

ROOT = Path(__file__).resolve().parent.parent
NOTHING = "<http://example.org/nothing>"

HOSTILE: dict[str, str] = {
    "1 MB string literal": 'SELECT * WHERE { ?s ?p "' + "x" * 1_000_000 + '" }',
    "1 MB of groups (token limit)": "SELECT * WHERE { " + "{ ?s ?p ?o } " * 80_000 + "}",
    "10000 UNIONs (token limit)": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 10_001) + " }",
    "300 groups (at the limit)": "SELECT * WHERE { " + "{} " * 299 + "}",
    "200 UNIONs (at the limit)": "SELECT * WHERE { " + " UNION ".join(["{}"] * 201) + " }",
    "500 && (at the limit)": f"SELECT * WHERE {{ {NOTHING} ?p ?o FILTER(" + " && ".join(["?o"] * 500) + ") }",
    "1990 tokens of && (refused: 990 expressions)": "SELECT * WHERE { FILTER(" + " && ".join(["?o"] * 990) + ") }",
    "VALUES of 1990 numbers": "SELECT * WHERE { VALUES ?v { " + " ".join(map(str, range(1990))) + " } }",
}

# Shapes run in a fresh pyoxigraph process: from which width does it die?
ENGINE_SHAPES: dict[str, Callable[[int], str]] = {
    "groups side by side": lambda n: "SELECT * WHERE { " + "{ ?s ?p ?o } " * n + "}",
    "UNION chain": lambda n: "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
    "&& chain": lambda n: "SELECT * WHERE { ?s ?p ?o FILTER(" + " && ".join(["?o"] * n) + ") }",
    "triple patterns": lambda n: "SELECT * WHERE { " + " ".join(f"?s ?p ?o{i} ." for i in range(n)) + " }",
}
_RUN = "import pyoxigraph as ox, sys; list(ox.Store().query(sys.stdin.read()))"


def timed(text: str) -> tuple[float, str]:
    """Median seconds of three guard runs without the verdict cache, and the verdict."""
    times, verdict = [], "accepted"
    for _ in range(3):
        query_guard._verdict.cache_clear()
        started = time.perf_counter()
        try:
            query_guard.check(text)
        except query_guard.GuardError as exc:
            verdict = f"{type(exc).__name__}: {str(exc)[:60]}"
        times.append(time.perf_counter() - started)
    return statistics.median(times), verdict


def engine_outcome(shape: str, width: int, timeout: float = 20.0) -> str:
    try:
        done = subprocess.run([sys.executable, "-c", _RUN], input=ENGINE_SHAPES[shape](width), text=True,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"still running after {timeout:g} s"
    return "answered" if done.returncode == 0 else f"died (exit {done.returncode})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", action="store_true", help="also find where pyoxigraph dies (slow)")
    args = parser.parse_args()
    print("| catalogue question | bytes | guard (median of 3) |\n| --- | --- | --- |")
    for question in Catalogue(ROOT / "queries").list_queries():
        example = {k: v for k, v in (question.examples or ({},))[0].items() if k != "note"}
        text = question.render(example)
        seconds, _ = timed(text)
        print(f"| {question.name} | {len(text.encode())} | {seconds * 1000:.0f} ms |")
    print("\n| hostile shape | bytes | guard (median of 3) | verdict |\n| --- | --- | --- | --- |")
    for name, text in HOSTILE.items():
        seconds, verdict = timed(text)
        print(f"| {name} | {len(text.encode())} | {seconds * 1000:.0f} ms | {verdict} |")
    if args.engines:
        print("\n| shape (pyoxigraph, fresh process) | width | outcome |\n| --- | --- | --- |")
        for shape in ENGINE_SHAPES:
            for width in (1000, 5000, 10_000, 20_000):
                print(f"| {shape} | {width} | {engine_outcome(shape, width)} |", flush=True)


if __name__ == "__main__":
    main()
