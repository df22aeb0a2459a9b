"""Validation of graph data against the project's SHACL shapes (``shapes/*.ttl``) with pyshacl.

Used by the build, the CLI and the import API. Three decisions shape it:

- The UNION of all named graphs is validated, copied into one graph: an entity is typed in one
  source's graph and referenced from another's. (pyshacl 0.40 unions a Dataset itself, older
  versions validated its graphs one by one; the copy does not depend on that, and it is where the
  ontology is added without touching the caller's data.)
- No RDFS inference (it would multiply a large graph). The ontology is copied into the data
  instead: SHACL's ``sh:class`` and ``sh:targetClass`` follow ``rdfs:subClassOf`` triples in the
  data graph, and the vocabulary's concepts (topics, roles) are then typed there too.
- Nothing is fetched: no ``owl:imports`` (the shapes have none, and pyshacl is told not to follow
  any in the data); the only SPARQL the shapes run is local.

A run that passed is remembered by the digest of everything it depends on (:func:`inputs_digest`):
the build skips validating what passed before. The project commits the record of its own files
(``graph/validated.json``, written by ``smartregion validate --record`` and checked by the tests), so
a fresh clone starts without validating; each store keeps its own record of later runs beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import rdflib
from pyshacl import validate as shacl_validate
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import BNode, Literal, Node, URIRef

from smartregion.settings import Settings

COMMITTED_RECORD = Path("graph") / "validated.json"  # in the project, checked in
LOCAL_RECORD = Path(".smartregion") / "validated.json"  # in the project, git-ignored: digests of later runs that passed
_KEPT_DIGESTS = 20  # the local record keeps the latest ones
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
# SPARQL property path operators for SHACL's path forms.
_PATH_SUFFIX = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


@dataclass(frozen=True)
class Violation:
    """One SHACL result. ``focus``, ``shape`` and ``constraint`` are IRIs; ``path`` is a SPARQL
    property path with prefixed names (``schema:startDate|schema:superEvent``) for people to read."""

    focus: str
    path: str | None
    message: str
    severity: str
    shape: str
    value: str | None
    constraint: str


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`; ``conforms`` stays true when there are only warnings."""

    conforms: bool
    violations: list[Violation]
    graph: rdflib.Graph = field(repr=False, compare=False)  # the SHACL report graph, messages in de and en
    lang: str = "en"  # the language of the messages in ``violations``

    def as_text(self, lang: str = "en") -> str:
        """One line per result: severity, entity, path, message and the offending value."""
        return "\n".join(_line(v) for v in _read_violations(self.graph, lang))

    def as_json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "lang": self.lang, "violations": [asdict(v) for v in self.violations]},
            ensure_ascii=False,
            indent=2,
        )

    def as_turtle(self) -> str:
        return self.graph.serialize(format="turtle")


def load_shapes(home: Path | None = None) -> rdflib.Graph:
    """All shapes of the project (``home``, default ``Settings.home``), ``shapes/*.ttl``, in one graph."""
    return _parse_all(sorted(((home or Settings.from_env().home) / "shapes").glob("*.ttl")))


def validate(
    data: rdflib.Graph | rdflib.Dataset, *, ontology: rdflib.Graph | None = None, lang: str = "en"
) -> ValidationReport:
    """Validate the union of all graphs in ``data`` against the project's shapes.

    ``ontology`` is copied in with the data (see the module docstring); by default it is the
    project's ``ontology/*.ttl``. Pass an empty graph to validate the data on its own.
    ``lang`` chooses the language of the messages in ``violations`` (``de`` or ``en``).
    """
    union = rdflib.Graph()
    union.addN((s, p, o, union) for s, p, o in _all_triples(data))
    union += project_ontology() if ontology is None else ontology
    conforms, report_graph, _ = shacl_validate(
        union,
        shacl_graph=_shapes(),
        inference="none",
        advanced=True,  # SHACL-AF: the SPARQL targets (every entity has a source; periods)
        allow_warnings=True,
        allow_infos=True,
        inplace=True,  # ``union`` is our own copy: no second copy of a large graph
        do_owl_imports=False,
        js=False,
        meta_shacl=False,
    )
    _tag_messages(report_graph)
    return ValidationReport(
        conforms=bool(conforms), violations=_read_violations(report_graph, lang), graph=report_graph, lang=lang
    )


def _all_triples(data: rdflib.Graph | rdflib.Dataset) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple of every graph: a Dataset's ``triples`` would give only its default graph."""
    if isinstance(data, rdflib.ConjunctiveGraph):  # Dataset is one
        return ((s, p, o) for s, p, o, _ in data.quads((None, None, None, None)))
    return iter(data.triples((None, None, None)))


@lru_cache(maxsize=1)
def _shapes() -> rdflib.Graph:
    return load_shapes()


@lru_cache(maxsize=1)
def project_ontology() -> rdflib.Graph:
    """The project's ``ontology/*.ttl`` in one graph, parsed once per process (do not change it)."""
    return _parse_all(sorted((Settings.from_env().home / "ontology").glob("*.ttl")))


def _parse_all(files: list[Path]) -> rdflib.Graph:
    graph = rdflib.Graph(bind_namespaces="core")  # the files' own prefixes (rdflib's would make geo: GeoSPARQL)
    for file in files:
        graph.parse(file, format="turtle")
    return graph


def _tag_messages(report: rdflib.Graph) -> None:
    """Give every result the language-tagged ``sh:message`` of its shape.

    pyshacl drops the language tags of the messages of SPARQL-based constraints and adds the
    node shape's messages to them; the messages of the constraint itself are the right ones.
    """
    for result in report.subjects(RDF.type, SH.ValidationResult):
        messages = _shape_messages(report, result)
        if messages:
            report.remove((result, SH.resultMessage, None))
            for message in messages:
                report.add((result, SH.resultMessage, message))


def _shape_messages(report: rdflib.Graph, result: Node) -> list[Literal]:
    for source in (report.value(result, SH.sourceConstraint), report.value(result, SH.sourceShape)):
        if source is not None and not isinstance(source, BNode):
            messages = [m for m in _shapes().objects(source, SH.message) if isinstance(m, Literal)]
            if messages:
                return messages
    return []


def _read_violations(report: rdflib.Graph, lang: str) -> list[Violation]:
    violations = [_violation(report, result, lang) for result in report.subjects(RDF.type, SH.ValidationResult)]
    return sorted(violations, key=lambda v: (_SEVERITY_ORDER.get(v.severity, 3), v.focus, v.path or "", v.shape))


def _violation(report: rdflib.Graph, result: Node, lang: str) -> Violation:
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    return Violation(
        focus=str(report.value(result, SH.focusNode)),
        path=None if path is None else _path_text(report, path),
        message=_pick_message(list(report.objects(result, SH.resultMessage)), lang),
        severity=_local_name(report.value(result, SH.resultSeverity)),
        shape=str(report.value(result, SH.sourceShape)),
        value=None if value is None else _term_text(value),
        constraint=str(report.value(result, SH.sourceConstraintComponent)),
    )


def _pick_message(messages: list[Node], lang: str) -> str:
    """The message in ``lang``, else English, else any (pyshacl's own, for a shape without messages)."""
    for wanted in (lang, "en", None):
        for message in messages:
            if isinstance(message, Literal) and (wanted is None or message.language == wanted):
                return str(message)
    return ""


def _path_text(graph: rdflib.Graph, path: Node) -> str:
    """A SHACL path as a SPARQL property path with prefixed names."""
    if isinstance(path, URIRef):
        return path.n3(_shapes().namespace_manager)
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, step) for step in Collection(graph, path))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(graph, step) for step in Collection(graph, alternatives))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    for predicate, suffix in _PATH_SUFFIX.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({_path_text(graph, inner)}){suffix}"
    return path.n3()


def _term_text(term: Node) -> str:
    """IRIs as they are; literals in Turtle form, so that ``"2021"^^xsd:gYear`` keeps its type."""
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, Literal):
        return term.n3(_shapes().namespace_manager)
    return term.n3()


def _local_name(iri: Node | None) -> str:
    return "" if iri is None else str(iri).rsplit("#", 1)[-1]


def _line(violation: Violation) -> str:
    path = f" {violation.path}" if violation.path else ""
    value = f" [{violation.value}]" if violation.value is not None else ""
    return f"{violation.severity}: <{violation.focus}>{path}: {violation.message}{value}"



# --- remembering a run that passed ------------------------------------------------------------------


def inputs_digest(home: Path, files: Iterable[Path], extra: Iterable[bytes] = ()) -> str:
    """SHA-256 of what a validation depends on: the shapes, the given data and ontology files, ``extra``.

    Paths count relative to ``home``, so a clone anywhere has the same digest. ``extra`` is the data a
    build adds to the files (the graphs only the store has), in a stable serialisation.
    """
    digest = hashlib.sha256()
    for path in sorted((home / "shapes").glob("*.ttl")) + sorted(files):
        name = path.relative_to(home).as_posix() if path.is_relative_to(home) else path.as_posix()
        content = path.read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    for chunk in extra:
        digest.update(b"\1")
        digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def passed_before(home: Path, digest: str) -> bool:
    """Whether a validation of exactly these inputs passed: the committed record or the local one says so."""
    return digest == _read(home / COMMITTED_RECORD).get("digest") or digest in _read(home / LOCAL_RECORD).get("digests", [])


def remember_pass(home: Path, digest: str) -> None:
    """Note in the local record that a validation of these inputs passed (written atomically)."""
    path = home / LOCAL_RECORD
    kept = [d for d in _read(path).get("digests", []) if d != digest][-(_KEPT_DIGESTS - 1) :]
    _write(path, {"digests": [*kept, digest]})


def write_committed_record(home: Path, digest: str) -> Path:
    """Write the project's record (``graph/validated.json``) after its files passed; commit it with them."""
    path = home / COMMITTED_RECORD
    _write(path, {"digest": digest, "conforms": True, "checked_by": "smartregion validate --record"})
    return path


def _read(path: Path) -> dict:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: then nothing passed before
        return {}
    return found if isinstance(found, dict) else {}


def _write(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    partial.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
