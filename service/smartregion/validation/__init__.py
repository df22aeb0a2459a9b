"""Validation of graph data against the project's SHACL shapes (``shapes/*.ttl``) with pyshacl.

Used by the build, the CLI and the import API. Four decisions shape it:

- The UNION of all named graphs is validated: an entity is typed in one source's graph and
  referenced from another's.
- No RDFS inference (it would multiply a large graph). The ontology is added to the data instead:
  SHACL's ``sh:class`` and ``sh:targetClass`` follow ``rdfs:subClassOf`` triples in the data graph,
  and the vocabulary's concepts (topics, roles) are then typed there too.
- pyshacl judges only the focus nodes that may fail. The data goes into an in-memory pyoxigraph
  store, a SPARQL screen compiled from the shapes (screen.py) finds those candidates for the whole
  graph at once, and pyshacl validates them with what the shapes read: their own statements, the
  types of what those point to and the class tree. Its report, about the candidates, is the answer.
  Shapes the screen cannot answer for make it validate the whole union with pyshacl, as it did
  before; ``screened=False`` does that on purpose (the tests compare the two).
- Nothing is fetched: no ``owl:imports`` (the shapes have none, and pyshacl is told not to follow
  any in the data); the only SPARQL the shapes run is local.

A run that passed is remembered by the digest of its inputs (record.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import BNode, Literal, Node, URIRef

from smartregion.settings import Settings
from smartregion.validation.screen import Screen, Unsupported, compile_screen

log = logging.getLogger(__name__)
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
    data: rdflib.Graph | rdflib.Dataset, *, ontology: rdflib.Graph | None = None, lang: str = "en", screened: bool = True
) -> ValidationReport:
    """Validate the union of all graphs in ``data`` against the project's shapes.

    ``ontology`` is added to the data (see the module docstring); by default it is the project's
    ``ontology/*.ttl``. Pass an empty graph to validate the data on its own.
    ``lang`` chooses the language of the messages in ``violations`` (``de`` or ``en``).
    """
    terms = _Terms()
    graphs = [data, project_ontology() if ontology is None else ontology]
    quads = (ox.Quad(terms.ox(s), terms.ox(p), terms.ox(o)) for g in graphs for s, p, o, *_ in _statements(g))
    return _validate(quads, lang, screened, terms)


def validate_quads(quads: Iterable[ox.Quad], *, lang: str = "en", screened: bool = True) -> ValidationReport:
    """Validate the union of ``quads`` (the ontology's among them) against the project's shapes.

    The build's way in: its quads come from pyoxigraph's parser, and no rdflib copy of the whole
    data is made unless the screen cannot be used.
    """
    return _validate(quads, lang, screened, _Terms())


def _validate(quads: Iterable[ox.Quad], lang: str, screened: bool, terms: _Terms) -> ValidationReport:
    store = ox.Store()  # in memory
    store.bulk_extend(quads)
    screen = _screen() if screened else None
    if screen is None:
        report_graph = _pyshacl(_union(store, terms))
    else:
        focus = screen.candidates(store)
        names = {terms.name(node) for node in focus}
        report_graph = report_subset(_pyshacl(_described(store, focus, terms)) if focus else rdflib.Graph(), names)
    _tag_messages(report_graph)
    conforms = Literal(False) not in report_graph.objects(None, SH.conforms)
    return ValidationReport(
        conforms=conforms, violations=_read_violations(report_graph, lang), graph=report_graph, lang=lang
    )


def report_subset(report: rdflib.Graph, focus: set[str]) -> rdflib.Graph:
    """A SHACL report graph holding only the results whose focus node is in ``focus`` (by its string)."""
    subset = rdflib.Graph()
    subset.bind("sh", SH)
    kept = [r for r in report.subjects(RDF.type, SH.ValidationResult) if str(report.value(r, SH.focusNode)) in focus]
    top = BNode()
    subset.add((top, RDF.type, SH.ValidationReport))
    conforms = not any(report.value(r, SH.resultSeverity) == SH.Violation for r in kept)
    subset.add((top, SH.conforms, Literal(conforms)))
    for result in kept:
        subset.add((top, SH.result, result))
        _copy_description(report, result, subset)
    return subset


def _copy_description(source: rdflib.Graph, node: Node, target: rdflib.Graph) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_description(source, o, target)


def _pyshacl(data: rdflib.Graph) -> rdflib.Graph:
    _, report_graph, _ = shacl_validate(
        data,
        shacl_graph=_shapes(),
        inference="none",
        advanced=True,  # SHACL-AF: the SPARQL targets (every entity has a source; periods)
        allow_warnings=True,
        allow_infos=True,
        inplace=True,  # ``data`` is our own copy: no second copy of a large graph
        do_owl_imports=False,
        js=False,
        meta_shacl=False,
    )
    return report_graph


def _union(store: ox.Store, terms: _Terms) -> rdflib.Graph:
    """Every statement of ``store`` in one rdflib graph: what pyshacl validates without the screen."""
    graph = rdflib.Graph()
    graph.addN((*terms.rdflib_triple(q), graph) for q in store.quads_for_pattern(None, None, None))
    return graph


def _described(store: ox.Store, focus: set[ox.NamedNode | ox.BlankNode | ox.Literal], terms: _Terms) -> rdflib.Graph:
    """What the shapes read about ``focus``: its nodes' own statements, the types of what those point
    to, and every ``rdfs:subClassOf`` statement."""
    graph = rdflib.Graph()
    pointed = set()
    for node in focus:
        if isinstance(node, ox.Literal):
            continue
        for quad in store.quads_for_pattern(node, None, None):
            graph.add(terms.rdflib_triple(quad))
            if not isinstance(quad.object, ox.Literal):
                pointed.add(quad.object)
    for node in pointed:
        graph.addN((*terms.rdflib_triple(q), graph) for q in store.quads_for_pattern(node, _TYPE, None))
    graph.addN((*terms.rdflib_triple(q), graph) for q in store.quads_for_pattern(None, _SUBCLASS, None))
    return graph


_TYPE, _SUBCLASS, _STRING = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RDFS.subClassOf)), ox.NamedNode(str(XSD.string))


class _Terms:
    """rdflib and pyoxigraph terms, either way; a caller's blank nodes come back as they went in."""

    def __init__(self) -> None:
        self.blanks: dict[BNode, ox.BlankNode] = {}
        self.back: dict[ox.BlankNode, BNode] = {}

    def ox(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, URIRef):
            return ox.NamedNode(term)
        if isinstance(term, BNode):
            if term not in self.blanks:
                self.blanks[term] = blank = ox.BlankNode()
                self.back[blank] = term
            return self.blanks[term]
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype) if term.datatype else _STRING)
        raise TypeError(f"not an RDF term: {term!r}")

    def rdflib(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return self.back.get(term) or BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype == _STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))

    def rdflib_triple(self, quad: ox.Quad) -> tuple[Node, Node, Node]:
        return self.rdflib(quad.subject), self.rdflib(quad.predicate), self.rdflib(quad.object)

    def name(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        """How the node reads in a report (``str`` of its rdflib term)."""
        return str(self.rdflib(term))


def _statements(data: rdflib.Graph | rdflib.Dataset) -> Iterable[tuple[Node, ...]]:
    """Every triple of every graph: a Dataset's ``triples`` would give only its default graph."""
    if isinstance(data, rdflib.ConjunctiveGraph):  # Dataset is one
        return data.quads((None, None, None, None))
    return data.triples((None, None, None))


@lru_cache(maxsize=1)
def _screen() -> Screen | None:
    try:
        return compile_screen(_shapes())
    except Unsupported as exc:
        log.warning("SHACL: every focus node goes through pyshacl, the shapes are beyond the screen: %s", exc)
        return None


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
