"""The build: parse ``ontology/`` and ``graph/`` with rdflib, validate, and only then load the store.

Every way of failing (a syntax error, a SHACL violation, a triple outside a named graph) raises
BuildError before the store is touched, and the embedded store's copy-on-write makes a load
that fails halfway leave the previous revision live; so the previous store always survives.

A build replaces what comes from ``ontology/`` and ``graph/`` and keeps what only the store has:
contribution graphs (``https://w3id.org/smartregion/contribution/...``) and the erasure records,
whose erased persons it leaves out of the parsed files too (contributions.py, erasure.py).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax
from tqdm import tqdm

from .contributions import erased_hashes, kept_graphs
from .dumps import dumps_folder, write_dumps
from .erasure import erase_in_dataset
from .ids import ONTOLOGY
from .settings import Settings
from .store import META_GRAPH, Store, open_store
from .validation import ValidationReport, validate

ONTOLOGY_GRAPH = ONTOLOGY  # the ontology is a named graph of its own, IRI = the ontology's IRI
_DCTERMS_TITLE = "http://purl.org/dc/terms/title"
_TITLE_LANGUAGES = ("de", "en", "")  # which title to show when a graph has several


class BuildError(Exception):
    """The project cannot be built; the message names the file (and line) and what to fix.

    ``report`` holds the SHACL validation report when validation failed.
    """

    def __init__(self, message: str, report: object | None = None):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    triples: int
    title: str | None


@dataclass(frozen=True)
class Summary:
    """What a store holds: triples, named graphs with their sizes and titles, entities by class."""

    triples: int
    graphs: list[GraphInfo]
    classes: dict[str, int]  # class IRI → distinct typed subjects outside the ontology graph


@dataclass(frozen=True)
class BuildResult:
    files: int
    revision: str
    seconds: float
    summary: Summary
    kept: list[str] = field(default_factory=list)  # contribution and erasure graphs carried over from the store
    erased: int = 0  # persons of graph/ left out because they were erased


@dataclass
class Project:
    """The parsed project: the ontology graph and a Dataset of the knowledge graphs."""

    ontology: rdflib.Graph
    data: rdflib.Dataset
    files: list[Path] = field(default_factory=list)

    def graphs(self) -> dict[str, rdflib.Graph]:
        """Every named graph to load, the ontology first."""
        graphs = {ONTOLOGY_GRAPH: self.ontology}
        graphs.update({str(g.identifier): g for g in self.data.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g)})
        return graphs


def source_files(home: Path) -> tuple[list[Path], list[Path]]:
    """``ontology/*.ttl`` and ``graph/**/*.trig`` of a project, sorted so builds are repeatable."""
    return sorted((home / "ontology").glob("*.ttl")), sorted((home / "graph").rglob("*.trig"))


def parse_project(home: Path, *, progress: bool = True) -> Project:
    """Parse the project's files with one progress bar; BuildError names the file and line of a mistake."""
    ontology_files, graph_files = source_files(home)
    if not ontology_files:
        raise BuildError(f"{home / 'ontology'} has no .ttl files; is {home} a smartregion project?")
    data = rdflib.Dataset()
    ontology = rdflib.Graph(identifier=rdflib.URIRef(ONTOLOGY_GRAPH))
    files = ontology_files + graph_files
    for path in tqdm(files, desc="parsing", unit="file", file=sys.stderr, disable=not progress):
        if path in ontology_files:
            _parse(ontology, path, home, "turtle")
            continue
        default_before = len(data.graph(DATASET_DEFAULT_GRAPH_ID))
        _parse(data, path, home, "trig")
        outside = len(data.graph(DATASET_DEFAULT_GRAPH_ID)) - default_before
        if outside:
            raise BuildError(
                f"{_relative(path, home)}: {outside} triples outside any GRAPH block; "
                "put every statement into its source's graph: src:{slug} { ... }"
            )
    return Project(ontology, data, files)


def _parse(target: rdflib.Graph, path: Path, home: Path, fmt: str) -> None:
    try:
        target.parse(path, format=fmt)
    except BadSyntax as exc:
        # rdflib counts lines from 0 in ``lines``; its message says "at line N" counting from 1.
        reason = re.search(r"Bad syntax \((.*?)\) at \^", str(exc), re.DOTALL)
        raise BuildError(
            f"{_relative(path, home)}:{exc.lines + 1}: syntax error: {reason.group(1) if reason else exc}; fix the file and build again"
        ) from None
    except Exception as exc:  # rdflib raises plain exceptions for some mistakes (bad IRIs, bad literals)
        raise BuildError(f"{_relative(path, home)}: cannot parse: {exc}; fix the file and build again") from None


def _relative(path: Path, home: Path) -> str:
    try:
        return str(path.relative_to(home))
    except ValueError:
        return str(path)


def validate_project(project: Project, *, lang: str = "en") -> ValidationReport:
    """The SHACL report for the project's knowledge graphs, with the project's ontology."""
    return validate(project.data, ontology=project.ontology, lang=lang)


def build(settings: Settings, *, progress: bool = True, check: bool = True, lang: str = "en") -> BuildResult:
    """Parse, validate, load; the store changes only if all of it succeeds."""
    started = time.monotonic()
    project = parse_project(settings.home, progress=progress)
    store = open_store(settings)
    # Contributions and erasure records live only in the store: a rebuild keeps them (validated with
    # the rest), and persons erased there stay erased even where a file in graph/ still names them.
    kept = kept_graphs(store)
    for iri, graph in kept.items():
        named = project.data.graph(rdflib.URIRef(iri))
        named += graph
    erased = erase_in_dataset(project.data, erased_hashes(store))
    if check:
        report = validate_project(project, lang=lang)
        if not report.conforms:
            count = sum(1 for v in report.violations if v.severity == "Violation")
            raise BuildError(
                f"SHACL validation failed with {count} violation(s); nothing was loaded. "
                "Fix the data (see the report above), check with `smartregion validate`, then build again",
                report,
            )
    store.replace_all(project.graphs())
    if settings.backend == "embedded":
        # Dumps of the new revision now, so that the first harvester does not wait. A remote store may
        # be written by others at any time: its dumps are made when first asked for (dumps.current_dumps).
        write_dumps(store, dumps_folder(settings))
    return BuildResult(
        files=len(project.files),
        revision=store.revision(),
        seconds=time.monotonic() - started,
        summary=summarise(store),
        kept=sorted(kept),
        erased=len(erased),
    )


def summarise(store: Store) -> Summary:
    """Counts for ``smartregion stats`` and the build report, asked of the store by SPARQL."""
    counts = {
        r["g"]: int(r["n"])
        for r in store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        if r["g"] != META_GRAPH
    }
    titles: dict[str, dict[str, str]] = {}
    for r in store.select(f"SELECT ?g ?title (LANG(?title) AS ?lang) WHERE {{ GRAPH ?g {{ ?g <{_DCTERMS_TITLE}> ?title }} }}"):
        titles.setdefault(r["g"], {})[r.get("lang", "")] = r["title"]
    classes = {
        r["class"]: int(r["n"])
        for r in store.select(
            f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?class }} "
            f"FILTER(?g NOT IN (<{ONTOLOGY_GRAPH}>, <{META_GRAPH}>)) }} GROUP BY ?class ORDER BY DESC(?n) ?class"
        )
    }
    graphs = [GraphInfo(iri, n, _pick(titles.get(iri, {}))) for iri, n in sorted(counts.items())]
    return Summary(triples=sum(counts.values()), graphs=graphs, classes=classes)


def _pick(titles: dict[str, str]) -> str | None:
    for lang in _TITLE_LANGUAGES:
        if lang in titles:
            return titles[lang]
    return next(iter(titles.values()), None)

