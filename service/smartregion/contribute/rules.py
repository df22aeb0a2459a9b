"""What a contribution must hold before it is written: it adds and never retypes or renames.

Only instances are described; no IRI or web address is a script or local-file URL; every referenced
instance exists; no erased person comes back; no entity gets a kind the ontology declares disjoint
with its kind in other graphs; names that other sources give stay theirs (the contribution's become
aliases); and the SHACL shapes hold for the contribution's own subjects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import rdflib
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Literal, Node, URIRef

from smartregion.contribute.kinds import Kinds, project_kinds
from smartregion.contribute.model import (
    ERASURES_GRAPH,
    Origins,
    Problem,
    iri_hash,
    is_instance,
)
from smartregion.rdf.ids import ID, ONTOLOGY
from smartregion.rdf.prefixes import PREFIXES, compact, shorten
from smartregion.store import Store
from smartregion.validation import ValidationReport, report_subset

# The properties a page shows an entity's name from (pages.LABEL_PROPERTIES); a contribution's become aliases
# where other sources name the entity.
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


# URL schemes a browser would run or read locally: refused anywhere in a contribution.
UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file")


# Properties whose literal values are web addresses (besides any xsd:anyURI literal).
URL_PROPERTIES = (URIRef("https://schema.org/url"), FOAF.homepage, URIRef("https://schema.org/sameAs"), OWL.sameAs)


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


_IGNORED_IN_URLS = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL (WHATWG URL standard)


_BATCH = 400  # IRIs per VALUES block when asking the store about a contribution's entities


def check_scope(graph: rdflib.Graph, iri: str) -> list[Problem]:
    """A contribution states facts about instances (and describes itself); nothing else."""
    problems = []
    own = (iri, iri + "#")
    for subject in sorted({s for s in graph.subjects() if isinstance(s, URIRef)}):
        text = str(subject)
        if not (is_instance(text) or text == own[0] or text.startswith(own[1])):
            problems.append(
                Problem(
                    f"a contribution can only describe entities of {ID}… (not the vocabulary); it states facts about <{text}>",
                    entity=text,
                    fix="remove the statements about it, or give the entity an IRI under " + ID,
                )
            )
    for subject, source in graph.subject_objects(DCTERMS.source):
        if str(source) != iri:
            problems.append(
                Problem(
                    f"dcterms:source <{source}>: a contribution is its own source",
                    entity=str(subject),
                    fix="leave dcterms:source out; every entity of the contribution gets it automatically",
                )
            )
    return problems


def check_erased(store: Store, graph: rdflib.Graph) -> list[Problem]:
    erased = erased_hashes(store)
    if not erased:
        return []
    iris = {str(t) for t in terms(graph) if isinstance(t, URIRef) and is_instance(str(t))}
    return [
        Problem(
            f"<{iri}> was erased on request (right to be forgotten) and cannot be added again",
            entity=iri,
            fix="leave this person out of the contribution",
        )
        for iri in sorted(iris)
        if iri_hash(iri) in erased
    ]


def unsafe_scheme(text: str) -> str | None:
    """The scheme of a URL that a browser would run or read locally (``javascript:``, ``data:``, ...),
    read as a browser reads it: tabs and line breaks dropped, leading spaces and controls stripped."""
    cleaned = _IGNORED_IN_URLS.sub("", text).lstrip("".join(map(chr, range(0x21)))).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match and match.group(1) in UNSAFE_SCHEMES else None


def check_urls(graph: rdflib.Graph, origins: Origins | None = None) -> list[Problem]:
    """No IRI anywhere, and no web address in a literal, is a ``javascript:``, ``data:``, ``vbscript:`` or
    ``file:`` URL: pages link web addresses, and a link like that would run or read what it names.
    (The shapes also want ``https?://`` for the web-address properties; this covers every position.)"""
    problems = []
    for triple in sorted(graph):
        subject, predicate, _ = triple
        for position, term in zip(("subject", "predicate", "object"), triple):
            is_url = isinstance(term, URIRef) or (
                isinstance(term, Literal) and (predicate in URL_PROPERTIES or term.datatype == XSD.anyURI)
            )
            scheme = unsafe_scheme(str(term)) if is_url else None
            if scheme is None:
                continue
            row, column = origins.locate(str(subject), str(predicate)) if origins else (None, None)
            problems.append(
                Problem(
                    f"{scheme}: URLs are refused, as the {position} of {_triple_text(triple)}",
                    row=row,
                    column=column,
                    entity=str(subject) if isinstance(subject, URIRef) else None,
                    fix="give a web address that starts with https:// (or http://), or leave the value out",
                )
            )
    return problems


def _triple_text(triple: tuple[Node, Node, Node]) -> str:
    """The triple as N-Triples terms, each cut to a readable length (a data: URL may be megabytes)."""
    terms = [_short_or_n3(t) for t in triple]
    return " ".join(t if len(t) <= 80 else t[:77] + "…" for t in terms)


def _short_or_n3(term: Node) -> str:
    """A prefixed name where it is a valid one, else the term as N-Triples writes it (a triple, as Turtle reads)."""
    return (compact(str(term)) if isinstance(term, URIRef) else None) or term.n3()


def store_kinds(store: Store) -> Kinds:
    """The disjoint kinds of the ontology the store holds (the project's, if the store has none)."""
    ontology = construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}")
    return Kinds.from_ontology(ontology) if len(ontology) else project_kinds()


def check_kinds(data: rdflib.Graph, context: rdflib.Graph, kinds: Kinds, origins: Origins | None) -> list[Problem]:
    """No entity gets a class the ontology declares disjoint with a class it has elsewhere (or here)."""
    problems = []
    for subject in sorted({s for s in data.subjects(RDF.type) if isinstance(s, URIRef) and is_instance(str(s))}):
        own = sorted({str(t) for t in data.objects(subject, RDF.type)})
        elsewhere = {str(t) for t in context.objects(subject, RDF.type)}
        pairs = [(a, b, c) for i, a in enumerate(own) for b in own[i + 1 :] if (c := kinds.clash(a, b))]
        pairs += kinds.clashes(own, elsewhere - set(own))
        for mine, other, (kind_mine, kind_other) in pairs:
            where = "other sources make it" if other in elsewhere else "the same contribution also makes it"
            row, column = origins.locate(str(subject), str(RDF.type)) if origins else (None, None)
            problems.append(
                Problem(
                    f"<{subject}> cannot be a {shorten(mine)}: {where} a {shorten(other)}, and the ontology declares "
                    f"{shorten(kind_mine)} and {shorten(kind_other)} disjoint (owl:AllDisjointClasses); "
                    "a contribution adds statements, it never changes what an entity is",
                    row=row,
                    column=column,
                    entity=str(subject),
                    fix=f"leave out rdf:type {shorten(mine)}, or give a different entity an IRI of its own",
                )
            )
    return problems


def names_of(graph: rdflib.Graph) -> dict[Node, set[Node]]:
    """Entity → the names (rdfs:label, skos:prefLabel, dcterms:title) the graph gives it."""
    named: dict[Node, set[Node]] = {}
    for predicate in NAME_PROPERTIES:
        for subject, name in graph.subject_objects(predicate):
            named.setdefault(subject, set()).add(name)
    return named


def demote_names(data: rdflib.Graph, named: Mapping[Node, set[Node]], origins: Origins | None = None) -> list[Problem]:
    """Make the names ``data`` gives to entities that other sources name (``named``) aliases (skos:altLabel),
    in place: the displayed name of an entity never comes from a contribution when another source names it.
    Returns a warning for each name that was changed."""
    warnings = []
    for predicate in NAME_PROPERTIES:
        for subject, name in sorted(data.subject_objects(predicate)):
            if subject not in named or name in named[subject] or not isinstance(name, Literal):
                continue
            data.remove((subject, predicate, name))
            data.add((subject, SKOS.altLabel, name))
            row, column = origins.locate(str(subject), str(predicate)) if origins else (None, None)
            given = ", ".join(sorted(n.n3() for n in named[subject]))
            warnings.append(
                Problem(
                    f"{shorten(str(predicate))} {name.n3()} was kept as skos:altLabel (an alias): other sources name "
                    f"<{subject}> {given}, and a contribution never replaces the name shown for it",
                    row=row,
                    column=column,
                    entity=str(subject),
                    fix="nothing to do; to change the name shown, correct the source that gives it",
                )
            )
    return warnings


def erased_hashes(store: Store) -> set[str]:
    """The hashes of every erased IRI (see erasure.py)."""
    rows = store.select(f"SELECT ?h WHERE {{ GRAPH <{ERASURES_GRAPH}> {{ ?e <{DCTERMS.identifier}> ?h }} }}")
    return {r["h"] for r in rows}


def terms(graph: rdflib.Graph) -> Iterable[Node]:
    for s, _, o in graph:
        yield s
        yield o


def batches(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def construct(store: Store, query: str) -> rdflib.Graph:
    """A CONSTRUCT answer as an rdflib graph (N-Triples keep every term exact, on both backends)."""
    graph = rdflib.Graph()
    graph.parse(data=store.query_bytes(query, "application/n-triples"), format="nt")
    return graph


def check_references(data: rdflib.Graph, context: rdflib.Graph, origins: Origins | None) -> list[Problem]:
    """Every instance the contribution points to exists, in the store or in the contribution."""
    known = {s for s in data.subjects()} | {s for s in context.subjects()}
    problems = []
    for subject, predicate, obj in sorted(data):
        if isinstance(obj, URIRef) and obj.startswith(ID) and obj not in known:
            row, column = origins.locate(str(subject), str(predicate)) if origins else (None, None)
            problems.append(
                Problem(
                    f"unknown reference <{obj}> ({shorten(str(predicate))}): no such entity in the store or in this contribution",
                    row=row,
                    column=column,
                    entity=str(subject),
                    fix="check the spelling, or add the entity first (its own row or contribution)",
                )
            )
    return problems


def shacl_problems(
    report: ValidationReport, data: rdflib.Graph, origins: Origins | None
) -> tuple[list[Problem], list[Problem], rdflib.Graph]:
    """The results about the contribution's own subjects, as problems and as a report graph.

    Results about context nodes are left out: those come from data validated when it was loaded.
    """
    own = {str(s) for s in data.subjects()}
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for violation in report.violations:
        if violation.focus not in own:
            continue
        predicate = _predicate(violation.path)
        row, column = origins.locate(violation.focus, predicate) if origins else (None, None)
        value = f" (value {violation.value})" if violation.value is not None else ""
        problem = Problem(
            f"{violation.path or 'the entity'}: {violation.message}{value}",
            row=row,
            column=column,
            entity=violation.focus,
            fix=violation.message if row is None else "correct the cell (see `smartregion template KIND` for the expected form)",
        )
        (errors if violation.severity == "Violation" else warnings).append(problem)
    return errors, warnings, report_subset(report.graph, own)


def _predicate(path: str | None) -> str | None:
    """The full IRI of a simple path (``schema:startDate``), None for complex paths."""
    if not path or any(c in path for c in "|/^()*+?"):
        return None
    prefix, _, local = path.partition(":")
    namespace = PREFIXES.get(prefix)
    return namespace + local if namespace else None
