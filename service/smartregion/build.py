"""The build: parse ``ontology/`` and ``graph/`` with pyoxigraph, validate, and only then load the store.

Every way of failing (a syntax error, a SHACL violation, a triple outside a named graph) raises
BuildError before the store is touched, and the embedded store's copy-on-write makes a load
that fails halfway leave the previous revision live; so the previous store always survives.

A build replaces what comes from ``ontology/`` and ``graph/`` and keeps what only the store has:
contribution graphs (``https://w3id.org/smartregion/contribution/...``) and the erasure records,
whose erased persons it leaves out of the parsed files too (contributions.py, erasure.py). Where the
files now name an entity that a contribution named first, the contribution's names become aliases;
an entity that files and contributions give disjoint kinds (kinds.py) stops the build.

Nothing written before the switch is lost: the build parses and validates without the store's write
lock (minutes on a large graph, while contributions and erasures go on), then takes the lock and, if
the store changed meanwhile, reads what to keep again and validates again under the lock before it
loads and switches. Loading under the lock is what makes the switch carry over every earlier write;
validating first without it keeps writers from waiting for the slow part whenever nothing changed.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
import rdflib
from tqdm import tqdm

from smartregion.contribute.contributions import kept_graphs
from smartregion.contribute.erasure import erase_in_dataset
from smartregion.contribute.kinds import Kinds
from smartregion.contribute.rules import NAME_PROPERTIES, demote_names, erased_hashes
from smartregion.errors import SmartregionError
from smartregion.publish.dumps import dumps_folder, write_dumps
from smartregion.rdf.ids import ONTOLOGY
from smartregion.rdf.prefixes import shorten
from smartregion.settings import Settings
from smartregion.store import META_GRAPH, Graphs, Store, as_quads, open_store
from smartregion.store.writelock import tell_waiting
from smartregion.validation import ValidationReport, validate_quads
from smartregion.validation.record import inputs_digest, passed_before, remember_pass

ONTOLOGY_GRAPH = ONTOLOGY  # the ontology is a named graph of its own, IRI = the ontology's IRI
_DCTERMS_TITLE = "http://purl.org/dc/terms/title"
_TITLE_LANGUAGES = ("de", "en", "")  # which title to show when a graph has several


class BuildError(SmartregionError):
    """The project cannot be built; the message names the file (and line) and what to fix.

    ``report`` holds the SHACL validation report when validation failed.
    """

    status, title = 500, "build failed"

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
    aliased: int = 0  # names of contributions kept as aliases because the files now name those entities
    revalidated: bool = False  # the store changed while the build validated, so it validated again under the lock
    validation_reused: bool = False  # these very inputs passed before (validation.passed_before): not validated again


_ONTOLOGY_NODE = ox.NamedNode(ONTOLOGY_GRAPH)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Project:
    """The parsed project: every statement as a quad in its named graph, the ontology's in its own.

    pyoxigraph parses the files (a million triples in seconds) and the quads go to the store as they
    are; the rdflib view that SHACL and the erasure need is made only when they ask for it.
    """

    quads: list[ox.Quad]
    files: list[Path] = field(default_factory=list)

    @cached_property
    def ontology(self) -> rdflib.Graph:
        triples = (q.triple for q in self.quads if q.graph_name == _ONTOLOGY_NODE)
        return rdflib.Graph(identifier=rdflib.URIRef(ONTOLOGY_GRAPH)).parse(
            data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt"
        )

    @cached_property
    def data(self) -> rdflib.Dataset:
        """The knowledge graphs (all but the ontology) as an rdflib Dataset, blank nodes shared across graphs."""
        quads = (q for q in self.quads if q.graph_name != _ONTOLOGY_NODE)
        return rdflib.Dataset().parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", format="nquads")

    def data_changed(self) -> None:
        """Take the knowledge graphs from ``data`` again, after it was changed in place (an erasure)."""
        self.quads = [q for q in self.quads if q.graph_name == _ONTOLOGY_NODE] + as_quads(self.data)

    def add(self, graphs: Graphs) -> None:
        """Add statements (the graphs a rebuild keeps from the store)."""
        self.quads += as_quads(graphs)
        self.__dict__.pop("data", None)


@contextmanager
def step(what: str, progress: bool = True) -> Iterator[None]:
    """Say what a step of unknown length does and count its seconds on stderr while it runs, then how long it took."""
    if not progress:
        yield
        return
    done = threading.Event()
    with tqdm(desc=what, bar_format="{desc}: {elapsed}", file=sys.stderr, leave=False) as bar:
        ticker = threading.Thread(target=_tick, args=(bar, done), daemon=True)
        ticker.start()
        started = time.monotonic()
        try:
            yield
        finally:
            done.set()
            ticker.join()
    print(f"{what}: done in {time.monotonic() - started:.1f} s", file=sys.stderr)


def _tick(bar: tqdm, done: threading.Event) -> None:
    while not done.wait(1.0):
        bar.refresh()


def source_files(home: Path) -> tuple[list[Path], list[Path]]:
    """``ontology/*.ttl`` and ``graph/**/*.trig`` of a project, sorted so builds are repeatable."""
    return sorted((home / "ontology").glob("*.ttl")), sorted((home / "graph").rglob("*.trig"))


def parse_project(home: Path, *, progress: bool = True) -> Project:
    """Parse the project's files with one progress bar; BuildError names the file and line of a mistake."""
    ontology_files, graph_files = source_files(home)
    if not ontology_files:
        raise BuildError(f"{home / 'ontology'} has no .ttl files; is {home} a smartregion project?")
    project = Project([], ontology_files + graph_files)
    for path in tqdm(project.files, desc="parsing", unit="file", file=sys.stderr, disable=not progress):
        if path in ontology_files:
            project.quads += (ox.Quad(*q.triple, _ONTOLOGY_NODE) for q in _parse(path, home, ox.RdfFormat.TURTLE))
            continue
        quads = _parse(path, home, ox.RdfFormat.TRIG)
        outside = sum(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
        if outside:
            raise BuildError(
                f"{_relative(path, home)}: {outside} triples outside any GRAPH block; "
                "put every statement into its source's graph: src:{slug} { ... }"
            )
        project.quads += quads
    return project


def _parse(path: Path, home: Path, fmt: ox.RdfFormat) -> list[ox.Quad]:
    try:
        # Blank node labels are local to their file, as the syntax says: renamed, they cannot collide.
        return list(ox.parse(path=path, format=fmt, rename_blank_nodes=True))
    except SyntaxError as exc:
        # "Parser error at line 3 between columns 18 and 27: Invalid IRI …": the place goes in front.
        reason = exc.msg.split(": ", 1)[-1]
        raise BuildError(
            f"{_relative(path, home)}:{exc.lineno}:{exc.offset}: syntax error: {reason}; fix the file and build again"
        ) from None
    except OSError as exc:
        raise BuildError(f"{_relative(path, home)}: cannot read: {exc.strerror or exc}") from None


def _relative(path: Path, home: Path) -> str:
    try:
        return str(path.relative_to(home))
    except ValueError:
        return str(path)


def validate_project(project: Project, *, lang: str = "en") -> ValidationReport:
    """The SHACL report for the project's knowledge graphs, with the project's ontology."""
    return validate_quads(project.quads, lang=lang)


def build(
    settings: Settings, *, progress: bool = True, check: bool = True, reuse: bool = True, dumps: bool = True, lang: str = "en"
) -> BuildResult:
    """Parse, validate, load; the store changes only if all of it succeeds. Then write the dumps (``dumps``).

    ``reuse``: skip validating inputs that passed before (validation.passed_before).
    """
    started = time.monotonic()
    project = parse_project(settings.home, progress=progress)
    files = list(project.quads)
    store = open_store(settings)
    revision = store.revision()
    home = settings.home
    prepared = _prepare(Project(list(files), project.files), store, home=home, check=check, reuse=reuse, lang=lang, progress=progress)
    revalidated = False
    with store.write_lock().hold("build", on_wait=tell_waiting):
        if store.revision() != revision:
            print("the store was written while the build validated: validating again with those writes", file=sys.stderr)
            prepared = _prepare(Project(list(files), project.files), store, home=home, check=check, reuse=reuse, lang=lang, progress=progress)
            revalidated = True
        with step(f"loading {len(prepared.project.quads):,} triples into the store", progress):
            store.replace_all(prepared.project.quads)
    if prepared.aliased:
        print(f"{prepared.aliased} name(s) from contributions kept as aliases: the files now name those entities", file=sys.stderr)
    if dumps and settings.backend == "embedded":
        # Dumps of the new revision now, so that the first harvester does not wait. A remote store may
        # be written by others at any time: its dumps are made when first asked for (dumps.current_dumps).
        with step("writing the dumps", progress):
            write_dumps(store, dumps_folder(settings))
    return BuildResult(
        files=len(project.files),
        revision=store.revision(),
        seconds=time.monotonic() - started,
        summary=summarise(store),
        kept=sorted(prepared.kept),
        erased=len(prepared.erased),
        aliased=prepared.aliased,
        revalidated=revalidated,
        validation_reused=prepared.reused,
    )


@dataclass
class _Prepared:
    project: Project
    kept: list[str]
    erased: list[str]
    aliased: int
    reused: bool = False


def _prepare(project: Project, store: Store, *, home: Path, check: bool, reuse: bool, lang: str, progress: bool) -> _Prepared:
    """The files plus what only the store has, as the store is now: erasures applied, kinds and shapes checked."""
    # Contributions and erasure records live only in the store: a rebuild keeps them (validated with
    # the rest), and persons erased there stay erased even where a file in graph/ still names them.
    kept = kept_graphs(store)
    aliased = _alias_names(project, kept)
    project.add(kept)
    erased = _erase(project, erased_hashes(store))
    _check_kinds(project)
    if not check:
        return _Prepared(project, sorted(kept), erased, aliased)
    digest = inputs_digest(home, project.files, _stored_parts(kept))
    if reuse and passed_before(home, digest):
        if progress:
            print("validation: skipped, these very shapes, ontology and data passed before", file=sys.stderr)
        return _Prepared(project, sorted(kept), erased, aliased, reused=True)
    with step(f"validating {len(project.quads):,} triples with the SHACL shapes", progress):
        report = validate_project(project, lang=lang)
    if not report.conforms:
        count = sum(1 for v in report.violations if v.severity == "Violation")
        raise BuildError(
            f"SHACL validation failed with {count} violation(s); nothing was loaded. "
            "Fix the data (see the report above), check with `smartregion validate`, then build again",
            report,
        )
    remember_pass(home, digest)
    return _Prepared(project, sorted(kept), erased, aliased)


def _stored_parts(kept: dict[str, rdflib.Graph]) -> list[bytes]:
    """What the store adds to the files, for the digest: each kept graph (erasure records too) as sorted N-Triples.

    Blank nodes may come back from the store with new labels: then the digest differs, and the build validates.
    """
    return [iri.encode() + b"\n" + b"".join(sorted(graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)))
            for iri, graph in sorted(kept.items())]


def _alias_names(project: Project, kept: dict[str, rdflib.Graph]) -> int:
    """Names that kept contributions give to entities the files name become aliases (rules.demote_names)."""
    wanted = {str(s) for graph in kept.values() for p in NAME_PROPERTIES for s in graph.subjects(p)}
    names = {str(p) for p in NAME_PROPERTIES}
    named: dict[rdflib.term.Node, set[rdflib.term.Node]] = {}
    for quad in project.quads:
        if quad.predicate.value in names and quad.subject.value in wanted and isinstance(quad.object, ox.Literal):
            named.setdefault(rdflib.URIRef(quad.subject.value), set()).add(_literal(quad.object))
    return sum(len(demote_names(graph, named)) for graph in kept.values()) if named else 0


def _literal(term: ox.Literal) -> rdflib.Literal:
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _check_kinds(project: Project) -> None:
    """No entity has two classes the ontology declares disjoint, across all graphs (kinds.py)."""
    kinds = Kinds.from_ontology(project.ontology)
    typed: dict[str, dict[str, str]] = {}
    for quad in project.quads:
        if quad.predicate.value == _RDF_TYPE and quad.graph_name != _ONTOLOGY_NODE and isinstance(quad.object, ox.NamedNode):
            typed.setdefault(quad.subject.value, {}).setdefault(quad.object.value, quad.graph_name.value)
    found = []
    for entity, classes in typed.items():
        ordered = sorted(classes)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if kinds.clash(a, b):
                    found.append(f"<{entity}> is a {shorten(a)} in <{classes[a]}> and a {shorten(b)} in <{classes[b]}>")
    if found:
        listed = "; ".join(found[:5]) + ("; …" if len(found) > 5 else "")
        raise BuildError(
            f"{len(found)} entit{'y has' if len(found) == 1 else 'ies have'} kinds the ontology declares disjoint "
            f"(owl:AllDisjointClasses): {listed}. Correct the file, or remove the contribution that says otherwise"
        )


def _erase(project: Project, hashes: set[str]) -> list[str]:
    """Persons erased from the store stay erased from the files' data; the IRIs that were left out."""
    if not hashes:
        return []
    erased = erase_in_dataset(project.data, hashes)
    if erased:
        project.data_changed()
    return erased


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

