"""A SPARQL screen in front of pyshacl: the focus nodes that can have a SHACL result at all.

pyshacl checks every focus node against every shape in Python: minutes at a million triples. The
project's shapes use a small part of SHACL (targets by class, by predicate and by a SELECT; counts,
datatypes, classes, ``sh:or`` of those, patterns, ...), and each such constraint is a question one
SPARQL query answers for the whole graph at once, in pyoxigraph. :func:`compile_screen` turns every
constraint into a query for the focus nodes that *may* fail it, erring on the side of too many: a
value whose lexical form the two libraries might read differently, or a comparison that raises an
error, makes its node a candidate. pyshacl then judges only the candidates (validation/__init__.py),
so every result still comes from pyshacl, and the screen can only make it faster.

Judging a candidate apart from the rest is sound because these shapes read no more than the focus
node's own statements, the types of what they point to and the class tree. A construct that could
read further (``sh:node``, an inverse or sequence path, a SPARQL query whose triple patterns do not
start from ``$this``) or that the screen does not know raises :class:`Unsupported`; the caller then
validates the whole graph with pyshacl, as before. One reading changes hands: the SELECTs of SPARQL
targets and constraints run in pyoxigraph here, not in rdflib, so where the two engines would
evaluate an expression differently (both claim SPARQL 1.1), the screen follows pyoxigraph.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import BNode, Literal, Node, URIRef, Variable

Term = ox.NamedNode | ox.BlankNode | ox.Literal

# Parameters that say how to report, not what to check.
_REPORTING = {SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue, RDF.type}
_TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target}
# Parameters of a property shape that the count and pattern checks take; the rest test each value.
_PER_FOCUS = {SH.path, SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.uniqueLang,
              SH.pattern, SH.flags}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
# Lexical forms that pyoxigraph and rdflib both read as valid, and the cast that checks the value (a
# 30 February matches the pattern; the cast fails on it). A value of another form is a candidate.
_DATE = r"[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_LEXICAL: dict[URIRef, str] = {
    XSD.date: f"^{_DATE}$",
    XSD.dateTime: f"^{_DATE}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{{1,6}})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?$",
    XSD.gYear: "^[12][0-9]{3}$",
    XSD.gYearMonth: "^[12][0-9]{3}-(0[1-9]|1[0-2])$",
    XSD.integer: "^[+-]?[0-9]{1,18}$",
    XSD.decimal: "^[+-]?[0-9]{1,18}(\\.[0-9]{1,18})?$",
    XSD.boolean: "^(true|false)$",
    XSD.anyURI: "^[^\\s<>\"{}|\\\\^`]*$",
}
_CASTS = {XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth, XSD.integer, XSD.decimal}
_BOUND_ELSEWHERE = {"shapesGraph", "currentShape", "PATH"}  # pre-bound by SHACL-SPARQL: reads more than $this
_PARALLEL_FROM = 200_000  # statements from which the queries run on two threads (measured: 0.75× the time at 1M, 0.95× at 100k)


class Unsupported(Exception):
    """The shapes use a construct the screen cannot answer for; the message names it."""


@dataclass(frozen=True)
class Check:
    """One query over the whole graph. ``fails``: its ``?this`` may fail; ``passes``: they surely pass
    (every other target is a candidate); ``pattern``: ``?this ?v`` pairs whose values are matched here,
    with Python's ``re`` as pyshacl does."""

    query: str
    kind: str
    patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class ShapeScreen:
    shape: str
    targets: str  # SELECT DISTINCT ?this: the shape's focus nodes
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Screen:
    shapes: tuple[ShapeScreen, ...]

    def candidates(self, store: ox.Store) -> set[Term]:
        """Every focus node of ``store``'s union graph that may have a result: a superset of pyshacl's."""
        queries = sorted({s.targets for s in self.shapes} | {c.query for s in self.shapes for c in s.checks})
        threads = 2 if len(store) >= _PARALLEL_FROM else 1
        with ThreadPoolExecutor(threads) as pool:
            answers = dict(zip(queries, pool.map(lambda q: _rows(store, q), queries)))
        found: set[Term] = set()
        for shape in self.shapes:
            targets = {row[0] for row in answers[shape.targets]}
            for check in shape.checks:
                rows = answers[check.query]
                if check.kind == "fails":
                    found |= targets.intersection(row[0] for row in rows)
                elif check.kind == "passes":
                    found |= targets.difference(row[0] for row in rows)
                else:
                    found |= {this for this, value in rows if this in targets and not _matches(value, check.patterns)}
        return found


def _rows(store: ox.Store, query: str) -> list[tuple[Term, ...]]:
    return [tuple(solution) for solution in store.query(query, use_default_graph_as_union=True)]


def _matches(value: Term, patterns: tuple[re.Pattern[str], ...]) -> bool:
    # pyshacl: a blank node never matches; anything else by its string, every pattern.
    return not isinstance(value, ox.BlankNode) and all(p.search(value.value) for p in patterns)


def compile_screen(shapes: rdflib.Graph) -> Screen:
    """The checks of every shape with targets; :class:`Unsupported` if the shapes go beyond them."""
    return _Compiler(shapes).screen()


class _Compiler:
    def __init__(self, shapes: rdflib.Graph):
        self.g = shapes
        self.names = (f"_x{i}" for i in count())  # fresh variables for nested patterns
        self.prefixes: dict[str, str] = {}

    def screen(self) -> Screen:
        for implicit in (RDFS.Class, rdflib.OWL.Class):
            for shape in self.g.subjects(RDF.type, implicit):
                if self._is_shape(shape):
                    raise Unsupported(f"{shape} is a shape and a class (an implicit class target)")
        focused = sorted({s for p in _TARGETS for s in self.g.subjects(p, None)}, key=str)
        shapes = tuple(self._node_shape(s) for s in focused if not self._deactivated(s))
        return Screen(tuple(_with_prologue(s, self._prologue()) for s in shapes))

    def _is_shape(self, node: Node) -> bool:
        return any((node, RDF.type, t) in self.g for t in (SH.NodeShape, SH.PropertyShape))

    def _deactivated(self, node: Node) -> bool:
        return self.g.value(node, SH.deactivated) == Literal(True)

    # --- one shape with targets ------------------------------------------------------------------

    def _node_shape(self, shape: Node) -> ShapeScreen:
        if self.g.value(shape, SH.path) is not None:
            raise Unsupported(f"{shape}: a property shape with targets")
        checks = []
        own = self._value_test(shape, "?this", skip=_TARGETS | {SH.property, SH.sparql, SH.deactivated})
        if own != "true":
            checks.append(Check(f"SELECT DISTINCT ?this WHERE {{ {self._targets(shape)} FILTER(!COALESCE({own}, false)) }}", "fails"))
        for constraint in self.g.objects(shape, SH.sparql):
            if not self._deactivated(constraint):
                select = self._select(constraint, f"{shape}'s sh:sparql")
                checks.append(Check(f"SELECT DISTINCT ?this WHERE {{ {{ {select} }} }}", "fails"))
        for prop in self.g.objects(shape, SH.property):
            if not self._deactivated(prop):
                checks += self._property(prop)
        return ShapeScreen(str(shape), f"SELECT DISTINCT ?this WHERE {{ {self._targets(shape)} }}", tuple(checks))

    def _targets(self, shape: Node) -> str:
        parts = []
        for cls in self.g.objects(shape, SH.targetClass):
            parts.append(f"{{ ?this a/<{RDFS.subClassOf}>* {_iri(cls)} }}")
        for predicate in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {_iri(predicate)} ?{next(self.names)} }}")
        for node in self.g.objects(shape, SH.targetNode):
            parts.append(f"{{ VALUES ?this {{ {_constant(node)} }} }}")
        for target in self.g.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in self.g:
                raise Unsupported(f"{shape}: a sh:target that is not a sh:SPARQLTarget")
            parts.append(f"{{ {self._select(target, f'{shape}: its SPARQL target')} }}")
        if self.g.value(shape, SH.targetObjectsOf) is not None:
            raise Unsupported(f"{shape}: sh:targetObjectsOf (its focus nodes are found from other subjects)")
        return " UNION ".join(parts)

    def _property(self, prop: Node) -> list[Check]:
        path = self._path(self.g.value(prop, SH.path), prop)
        checks = []
        # Anything else the property shape holds (sh:qualifiedMaxCount, nested shapes, ...) is refused here.
        values = self._value_test(prop, "?v", skip=_PER_FOCUS | {SH.deactivated})
        if values != "true":
            checks.append(Check(f"SELECT DISTINCT ?this WHERE {{ ?this {path} ?v FILTER(!COALESCE({values}, false)) }}", "fails"))
        least = self._integer(prop, SH.minCount)
        if least:
            checks.append(Check(_at_least(path, least, "true"), "passes"))
        most = self._integer(prop, SH.maxCount)
        if most is not None:
            checks.append(Check(f"SELECT ?this WHERE {{ ?this {path} ?v }} GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {most})", "fails"))
        qualified = self.g.value(prop, SH.qualifiedValueShape)
        if qualified is not None:
            wanted = self._integer(prop, SH.qualifiedMinCount)
            if wanted:
                checks.append(Check(_at_least(path, wanted, self._value_test(qualified, "?v")), "passes"))
        if self.g.value(prop, SH.uniqueLang) == Literal(True):
            checks.append(Check(
                f"SELECT DISTINCT ?this WHERE {{ ?this {path} ?a . ?this {path} ?b FILTER(!sameTerm(?a, ?b) "
                '&& LANG(?a) != "" && LCASE(LANG(?a)) = LCASE(LANG(?b))) }', "fails"))
        patterns = tuple(self._pattern(prop, p) for p in self.g.objects(prop, SH.pattern))
        if patterns:
            checks.append(Check(f"SELECT ?this ?v WHERE {{ ?this {path} ?v }}", "pattern", patterns))
        return checks

    def _pattern(self, prop: Node, pattern: Node) -> re.Pattern[str]:
        flags = str(self.g.value(prop, SH.flags) or "")
        if set(flags) - set("im"):
            raise Unsupported(f"{prop}: sh:flags {flags!r} (pyshacl reads only i and m)")
        return re.compile(str(pattern), (re.IGNORECASE if "i" in flags else 0) | (re.MULTILINE if "m" in flags else 0))

    def _integer(self, node: Node, predicate: URIRef) -> int | None:
        value = self.g.value(node, predicate)
        if value is None:
            return None
        if not isinstance(value, Literal) or not isinstance(value.toPython(), int):
            raise Unsupported(f"{node}: {predicate} {value} is not an integer")
        return value.toPython()

    # --- what one node must be ----------------------------------------------------------------------

    def _value_test(self, shape: Node, v: str, skip: set[URIRef] = frozenset()) -> str:
        """A SPARQL expression that is true only where ``v`` surely conforms to ``shape``'s own
        constraints (its value-type, value-range, string and logical ones)."""
        tests = []
        for predicate, value in sorted(self.g.predicate_objects(shape), key=lambda pv: (str(pv[0]), str(pv[1]))):
            if predicate in _REPORTING or predicate in skip or not str(predicate).startswith(str(SH)):
                continue
            tests.append(self._test(shape, predicate, value, v))
        return " && ".join(tests) if tests else "true"

    def _test(self, shape: Node, predicate: URIRef, value: Node, v: str) -> str:
        if predicate == SH.datatype:
            return _datatype_test(value, v)
        if predicate == SH["class"]:
            return f"EXISTS {{ {v} a/<{RDFS.subClassOf}>* {_iri(value)} }}"
        if predicate == SH.nodeKind and value in _NODE_KINDS:
            return _NODE_KINDS[value].format(v=v)
        if predicate in _COMPARISONS and isinstance(value, Literal):
            return f"({v} {_COMPARISONS[predicate]} {_constant(value)})"
        if predicate in (SH.minLength, SH.maxLength) and isinstance(value, Literal):
            operator = ">=" if predicate == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {operator} {int(value)})"
        if predicate == SH["in"]:
            members = [f"sameTerm({v}, {_constant(m)})" for m in self._list(value)]
            return "(" + " || ".join(members) + ")" if members else "false"
        if predicate == SH.languageIn:
            return "(" + " || ".join(f'langMatches(LANG({v}), {json.dumps(str(m))})' for m in self._list(value)) + ")"
        if predicate == SH.hasValue:
            return f"sameTerm({v}, {_constant(value)})"
        if predicate in (SH["or"], SH["and"]):
            joined = " || " if predicate == SH["or"] else " && "
            return "(" + joined.join(self._member(m, v) for m in self._list(value)) + ")"
        raise Unsupported(f"{shape}: {predicate} {value}")

    def _member(self, member: Node, v: str) -> str:
        """A shape in ``sh:or``/``sh:and``: a node test, or a property shape that needs one value."""
        path = self.g.value(member, SH.path)
        if path is None:
            return self._value_test(member, v)
        if v != "?this":  # the values' own statements are not in a candidate's context
            raise Unsupported(f"{member}: a property shape inside sh:or or sh:and of a property shape")
        if self._integer(member, SH.minCount) != 1 or set(self.g.predicates(member, None)) - _REPORTING - {SH.path, SH.minCount}:
            raise Unsupported(f"{member}: a property shape inside sh:or or sh:and other than `sh:path …; sh:minCount 1`")
        return f"EXISTS {{ {v} {self._path(path, member)} ?{next(self.names)} }}"

    def _list(self, head: Node) -> list[Node]:
        return list(Collection(self.g, head))

    def _path(self, path: Node | None, shape: Node) -> str:
        if isinstance(path, URIRef):
            return _iri(path)
        alternatives = self.g.value(path, SH.alternativePath) if path is not None else None
        if alternatives is not None and all(isinstance(p, URIRef) for p in self._list(alternatives)):
            return "(" + "|".join(_iri(p) for p in self._list(alternatives)) + ")"
        raise Unsupported(f"{shape}: a path other than a predicate or alternatives of predicates")

    # --- SHACL-SPARQL ---------------------------------------------------------------------------------

    def _select(self, node: Node, what: str) -> str:
        """The SELECT of a SPARQL target or constraint, checked to read only ``$this``'s own statements."""
        text = str(self.g.value(node, SH.select) or "")
        declared = self._declared(node)
        for prefix, namespace in declared.items():
            if self.prefixes.setdefault(prefix, namespace) != namespace:
                raise Unsupported(f"{what}: the prefix {prefix}: means two namespaces")
        try:
            algebra = prepareQuery(text, initNs=declared).algebra
        except Exception as exc:  # noqa: BLE001 -- pyparsing's or rdflib's error, whichever the text trips
            raise Unsupported(f"{what}: cannot read its SELECT ({exc})") from None
        for subject, predicate in _patterns(algebra):
            if subject != Variable("this") or not isinstance(predicate, (URIRef, Variable)):
                raise Unsupported(f"{what}: a triple pattern that does not start from $this with a plain predicate")
        if _variables(algebra) & {Variable(n) for n in _BOUND_ELSEWHERE}:
            raise Unsupported(f"{what}: uses $shapesGraph, $currentShape or $PATH")
        return re.sub(r"^\s*(PREFIX\s+\S*\s*<[^>]*>\s*)*", "", text, flags=re.IGNORECASE)

    def _declared(self, node: Node) -> dict[str, str]:
        declared = {}
        for holder in self.g.objects(node, SH.prefixes):
            for declaration in self.g.objects(holder, SH.declare):
                declared[str(self.g.value(declaration, SH.prefix))] = str(self.g.value(declaration, SH.namespace))
        return declared

    def _prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{n}>\n" for p, n in sorted(self.prefixes.items()))


def _with_prologue(shape: ShapeScreen, prologue: str) -> ShapeScreen:
    """Every query of ``shape`` with the prefixes its SPARQL parts declared."""
    return ShapeScreen(shape.shape, prologue + shape.targets,
                       tuple(Check(prologue + c.query, c.kind, c.patterns) for c in shape.checks))


def _at_least(path: str, least: int, test: str) -> str:
    if least == 1 and test == "true":
        return f"SELECT DISTINCT ?this WHERE {{ ?this {path} ?v }}"
    return (f"SELECT ?this WHERE {{ ?this {path} ?v FILTER(COALESCE({test}, false)) }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) >= {least})")


def _datatype_test(datatype: Node, v: str) -> str:
    if datatype == RDF.langString:
        return f'(isLiteral({v}) && LANG({v}) != "")'
    if datatype == XSD.string:
        return f"(isLiteral({v}) && DATATYPE({v}) = {_iri(XSD.string)})"
    if datatype == RDFS.Literal:
        return f"isLiteral({v})"
    if datatype not in _LEXICAL:
        return "false"  # every value a candidate: pyshacl decides
    test = f"(isLiteral({v}) && DATATYPE({v}) = {_iri(datatype)} && REGEX(STR({v}), {json.dumps(_LEXICAL[datatype])})"
    if datatype in _CASTS:
        test += f" && !isBlank({_iri(datatype)}(STR({v})))"  # the cast raises on an impossible value
    return test + ")"


def _iri(node: Node) -> str:
    if not isinstance(node, URIRef):
        raise Unsupported(f"{node!r} where an IRI is expected")
    return f"<{node}>"


def _constant(node: Node) -> str:
    if isinstance(node, BNode):
        raise Unsupported("a blank node as a constant")
    return node.n3()


def _walk(node: object) -> Iterator[object]:
    yield node
    if isinstance(node, dict):  # CompValue is a dict
        for child in node.values():
            yield from _walk(child)
    elif isinstance(node, (list, tuple)):
        for child in node:
            yield from _walk(child)


def _patterns(algebra: CompValue) -> Iterator[tuple[Node, Node]]:
    for node in _walk(algebra):
        if isinstance(node, CompValue) and node.name in ("BGP", "ServiceGraphPattern", "Graph"):
            if node.name != "BGP":
                raise Unsupported(f"a {node.name} in a SHACL-SPARQL query")
            for subject, predicate, _ in node.triples:
                yield subject, predicate


def _variables(algebra: CompValue) -> set[Variable]:
    return {n for n in _walk(algebra) if isinstance(n, Variable)}
