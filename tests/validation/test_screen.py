"""The SPARQL screen in front of pyshacl (validation/screen.py): it may only make validation faster.

The screened validation must give exactly the results of pyshacl over the whole union. The seed
graphs are damaged at random in every way the shapes check (wrong datatypes, impossible dates,
values of the wrong class, missing and repeated statements, untyped and mistyped entities, blank
nodes) and both reports compared, result by result. Shapes the screen cannot answer for must be
refused by name, so that the whole graph goes to pyshacl instead.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import BNode, Literal, URIRef
from smartregion.validation import load_shapes, validate
from smartregion.validation.screen import Unsupported, compile_screen

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = rdflib.Namespace("https://schema.org/")
ID = "https://w3id.org/smartregion/id/"


def _seeds() -> rdflib.Dataset:
    data = rdflib.Dataset()
    for path in sorted((ROOT / "graph").glob("*.trig")):
        data.parse(path, format="trig")
    return data


def _results(report) -> list[tuple]:
    return sorted((v.focus, v.path or "", v.constraint, v.shape, v.severity, v.value or "") for v in report.violations)


# Values that each break some constraint, or look as if they might: the screen must not miss any.
_LITERALS = [
    Literal("2021-02-30", datatype=XSD.date), Literal("2021-02-28", datatype=XSD.date),
    Literal("2021-2-3", datatype=XSD.date), Literal("2021", datatype=XSD.gYear), Literal("20211", datatype=XSD.gYear),
    Literal("2021-13", datatype=XSD.gYearMonth), Literal("2021-05", datatype=XSD.gYearMonth),
    Literal("2020-01-01T10:00:00", datatype=XSD.dateTime), Literal("2020-01-01T25:00:00", datatype=XSD.dateTime),
    Literal("2020-01-01T10:00:00+02:00", datatype=XSD.dateTime), Literal("-5", datatype=XSD.integer),
    Literal("7", datatype=XSD.integer), Literal("x7", datatype=XSD.integer), Literal("0.5", datatype=XSD.decimal),
    Literal("1.5", datatype=XSD.decimal), Literal("true", datatype=XSD.boolean), Literal("yes", datatype=XSD.boolean),
    Literal("Name"), Literal("Name", lang="de"), Literal("Name", lang="en"), Literal("Name", lang="de-AT"),
    Literal("Zweitname", lang="de"), Literal("12345678"), Literal("1234567"), Literal("https://example.org/a"),
    Literal("not a web address"), Literal("https://example.org/a", datatype=XSD.anyURI),
    Literal("http://a b", datatype=XSD.anyURI), Literal("Dr."), Literal("2021", datatype=XSD.string),
]


def _damaged(data: rdflib.Dataset, seed: int, changes: int) -> rdflib.Graph:
    rng = random.Random(seed)
    graph = rdflib.Graph()
    for s, p, o, _ in data.quads((None, None, None, None)):
        graph.add((s, p, o))
    shapes = load_shapes()
    predicates = sorted({p for p in shapes.objects(None, SH.path) if isinstance(p, URIRef)}
                        | {p for p in shapes.objects(None, SH.targetSubjectsOf)})
    classes = sorted(c for c in shapes.objects(None, SH.targetClass))
    limited = sorted({shapes.value(s, SH.path) for c in (SH.maxCount, SH.nodeKind) for s in shapes.subjects(c, None)
                      if isinstance(shapes.value(s, SH.path), URIRef)})
    subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)})
    for _ in range(changes):
        triples = sorted(graph)
        kind = rng.choice(["replace", "replace", "add", "add", "delete", "retype", "bare", "blank", "relabel", "period", "again"])
        nodes = [*subjects, BNode(), URIRef(ID + "person/nobody")]
        value = rng.choice([*_LITERALS, *_LITERALS, *nodes])
        if kind == "replace":
            s, p, o = rng.choice(triples)
            graph.remove((s, p, o))
            graph.add((s, p, value))
        elif kind == "add":
            graph.add((rng.choice(subjects), rng.choice(predicates), value))
        elif kind == "delete":
            graph.remove(rng.choice(triples))
        elif kind == "retype":
            subject = rng.choice(subjects)
            graph.remove((subject, RDF.type, None))
            graph.add((subject, RDF.type, rng.choice(classes)))
        elif kind == "bare":
            graph.add((URIRef(f"{ID}organisation/new-{rng.randrange(10**6)}"), RDF.type, rng.choice(classes)))
        elif kind == "relabel":  # a second name in a language: a warning
            subject = rng.choice(sorted(graph.subjects(RDFS.label, None)))
            graph.add((subject, RDFS.label, Literal(f"Noch ein Name {rng.randrange(100)}", lang="de")))
        elif kind == "period":  # an end before the start, or in a type the constraint compares by text
            subject = rng.choice(sorted(graph.subjects(SCHEMA.startDate, None)))
            graph.set((subject, SCHEMA.endDate, rng.choice([Literal("1999", datatype=XSD.gYear),
                                                            Literal("1999-12-31", datatype=XSD.date)])))
        elif kind == "again":  # one more value where at most one, or only IRIs, may be
            path = rng.choice([p for p in limited if (None, p, None) in graph])
            graph.add((rng.choice(sorted(graph.subjects(path, None))), path, value))
        else:  # a blank node that shapes target by predicate
            blank = BNode()
            graph.add((blank, rng.choice(predicates), value))
            graph.add((rng.choice(subjects), rng.choice(predicates), blank))
    return graph


def test_the_project_shapes_are_all_screened():
    """No shape of the project falls back to the slow path without anyone noticing."""
    screen = compile_screen(load_shapes())
    targeted = {str(s) for p in (SH.targetClass, SH.targetSubjectsOf, SH.target) for s in load_shapes().subjects(p, None)}
    assert {s.shape for s in screen.shapes} == targeted
    assert sum(len(s.checks) for s in screen.shapes) > 100


def test_damaged_seed_graphs_give_exactly_pyshacls_results():
    seen = set()
    for seed in range(6):
        damaged = _damaged(_seeds(), seed, changes=60)
        screened, whole = validate(damaged), validate(damaged, screened=False)
        assert _results(screened) == _results(whole), f"seed {seed}"
        assert screened.conforms == whole.conforms
        seen |= {v.constraint for v in whole.violations}
    # The damage reached every kind of constraint the shapes use (but sh:languageIn, only inside a count).
    assert {str(SH[c + "ConstraintComponent"]) for c in (
        "MinCount", "MaxCount", "Class", "QualifiedMinCount", "Datatype", "UniqueLang", "SPARQL", "Or",
        "MinInclusive", "MaxInclusive", "NodeKind", "Pattern", "In")} <= seen


def test_the_seed_graphs_pass_both_ways():
    data = _seeds()
    assert validate(data).conforms and validate(data, screened=False).conforms


def test_results_about_blank_nodes_name_the_callers_blank_node():
    blank = BNode()
    graph = rdflib.Graph()
    graph.add((blank, rdflib.RDFS.label, Literal("ohne Sprache")))
    report = validate(graph, ontology=rdflib.Graph())
    assert [(v.focus, v.constraint) for v in report.violations] == [(str(blank), str(SH.DatatypeConstraintComponent))]


SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
"""


@pytest.mark.parametrize("snippet, named", [
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:T .", "node"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .",
     "path other than a predicate"),
    ("ex:S a sh:NodeShape ; sh:targetObjectsOf ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .", "targetObjectsOf"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .", "closed"),
    ("ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select 'SELECT ?this WHERE { ?x <https://example.org/p> ?this }' ] .",
     "does not start from \\$this"),
    ("ex:S a sh:NodeShape, <http://www.w3.org/2000/01/rdf-schema#Class> ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
     "implicit class target"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:or ( [ sh:path ex:q ; sh:minCount 1 ] ) ] .",
     "inside sh:or"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:datatype ex:d ] ; "
     "sh:qualifiedMaxCount 1 ] .", "qualifiedMaxCount"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ] .",
     "shacl#property"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:sparql [ sh:select 'SELECT $this WHERE {}' ] ] .",
     "shacl#sparql"),
])
def test_shapes_beyond_the_screen_are_refused_by_name(snippet, named):
    shapes = rdflib.Graph().parse(data=SHAPES + snippet, format="turtle")
    with pytest.raises(Unsupported, match=named):
        compile_screen(shapes)
