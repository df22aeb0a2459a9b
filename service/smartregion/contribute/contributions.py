"""Contributions: additions to the graph from spreadsheets, the write API or a harvest, each a named graph
``https://w3id.org/smartregion/contribution/{id}`` of its own.

A contribution is all or nothing. It is checked before anything is written, under the store's write
lock (writelock.py) against the live revision, so no other write can slip in between the checks and
the write: only instances (``id/...``) are described, no IRI or web address is a ``javascript:``,
``data:``, ``vbscript:`` or ``file:`` URL, every referenced instance exists, no erased person comes
back, no entity gets a kind that the ontology declares disjoint with its kind in other graphs, and
the SHACL shapes hold. A contribution adds and never renames: where other sources name an entity, the
contribution's names for it are kept as aliases (``skos:altLabel``), with a warning. The shapes are run on the contribution plus a small context fetched from the store
by SPARQL (what the store says about the entities the contribution touches, and the types of what
those point to), not on the whole store; only results about the contribution's own subjects count,
the rest of the store was validated when it was loaded. Then one atomic ``replace_graphs`` writes
the graph, so a failure leaves the store as it was.

Each contribution graph describes itself as an ``sr:SourceDocument`` (``dcterms:type`` document-kind
``contribution``) with PROV-O: who (``prov:wasAttributedTo`` an agent), when
(``prov:generatedAtTime``), from which file (``sr:fileName``) or endpoint (``prov:wasDerivedFrom``),
and how (``prov:wasGeneratedBy`` an activity that ``prov:used`` the extra inputs, e.g. a query text);
and every entity in it says ``dcterms:source <the contribution>``, as the model asks of every source.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import rdflib
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import BNode, Literal, Node, URIRef

from smartregion.contribute.kinds import Kinds, project_kinds
from smartregion.publish import dumps
from smartregion.rdf.ids import BASE, ID, ONTOLOGY, SR, slugify
from smartregion.rdf.prefixes import PREFIXES, shorten
from smartregion.store.embedded import Store
from smartregion.validation import ValidationReport, validate

CONTRIBUTION_NS = BASE + "contribution/"
AGENT_NS = BASE + "agent/"
ERASURES_GRAPH = BASE + "graph/erasures"  # see erasure.py; read here so erased persons never come back
CONTRIBUTION_KIND = URIRef(ID + "document-kind/contribution")
GERMAN = URIRef("http://publications.europa.eu/resource/authority/language/DEU")
# Instance folders that hold the vocabulary (ontology/topics.ttl), not knowledge a contribution may state.
VOCABULARY_FOLDERS = ("topic/", "cooperation-kind/", "document-kind/", "role/", "scheme/")
_FILE_NAME = URIRef(SR + "fileName")
_BATCH = 400  # IRIs per VALUES block when asking the store about a contribution's entities
# The properties a page shows an entity's name from (pages.LABEL_PROPERTIES); a contribution's become aliases
# where other sources name the entity.
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
# URL schemes a browser would run or read locally: refused anywhere in a contribution.
UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file")
# Properties whose literal values are web addresses (besides any xsd:anyURI literal).
URL_PROPERTIES = (URIRef("https://schema.org/url"), FOAF.homepage, URIRef("https://schema.org/sameAs"), OWL.sameAs)
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_IGNORED_IN_URLS = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL (WHATWG URL standard)


@dataclass(frozen=True)
class Provenance:
    """Who contributes, from what, and how: ``method`` is "spreadsheet", "api", "harvest", ...

    ``source_name`` is a file name or, for a harvest, the endpoint URL. ``extra`` holds further inputs
    worth keeping (e.g. ``{"endpoint": URL, "query": TEXT}``): URLs become ``prov:used <URL>``, other
    values a ``prov:Entity`` with ``prov:value``.
    """

    agent: str
    source_name: str
    method: str
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Problem:
    """One thing wrong with a contribution, located as precisely as we know, with how to fix it."""

    message: str
    row: int | None = None
    column: str | None = None
    entity: str | None = None
    fix: str = ""

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column!r}" if self.column else "",
                f"<{self.entity}>" if self.entity and self.row is None else "",
            )
            if part
        )
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} — fix: {self.fix}" if self.fix else text

    def as_dict(self) -> dict[str, object]:
        return {"message": self.message, "row": self.row, "column": self.column, "entity": self.entity, "fix": self.fix}


class ContributionError(Exception):
    """The contribution was refused; nothing was written. ``problems`` lists every reason.

    ``report`` is the SHACL report graph (results about the contribution only) when the shapes failed.
    """

    def __init__(self, problems: Iterable[Problem], report: rdflib.Graph | None = None):
        self.problems = list(problems)
        self.report = report
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownContribution(ContributionError):
    """There is no contribution with that id."""


@dataclass
class ContributionResult:
    """What a contribution adds: ``added`` counts new entities by class (prefixed, e.g. ``sr:Person``)."""

    id: str
    graph_iri: str
    triples: int
    added: dict[str, int]
    dry_run: bool
    graph: rdflib.Graph
    updated: int = 0  # existing entities the contribution says more about
    warnings: list[Problem] = field(default_factory=list)

    def trig(self) -> str:
        """The contribution as TriG: one named graph, as it is (or would be) in the store."""
        dataset = rdflib.Dataset()
        _bind_prefixes(dataset)
        named = dataset.graph(URIRef(self.graph_iri))
        named += self.graph
        return dataset.serialize(format="trig")

    def turtle(self) -> str:
        _bind_prefixes(self.graph)
        return self.graph.serialize(format="turtle")

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "graph": self.graph_iri,
            "triples": self.triples,
            "added": self.added,
            "updated": self.updated,
            "dry_run": self.dry_run,
            "warnings": [w.as_dict() for w in self.warnings],
        }


class Origins:
    """Where in a spreadsheet a statement came from, so SHACL results can name row and column."""

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}
        self._columns: dict[tuple[str, str], str] = {}

    def record(self, entity: str, row: int, predicate: str | None = None, column: str | None = None) -> None:
        self._rows.setdefault(entity, row)
        if predicate and column:
            self._columns.setdefault((entity, predicate), column)

    def locate(self, entity: str, predicate: str | None) -> tuple[int | None, str | None]:
        return self._rows.get(entity), self._columns.get((entity, predicate or ""))


# --- identifiers ------------------------------------------------------------------------------------


def new_contribution_iri(provenance: Provenance, now: datetime | None = None) -> str:
    """A fresh, readable, unguessable-enough id: UTC time, the source's name, 6 random hex digits."""
    now = now or datetime.now(UTC)
    name = slugify(provenance.source_name.rsplit("/", 1)[-1])[:40].strip("-") or provenance.method
    return f"{CONTRIBUTION_NS}{now:%Y%m%d-%H%M%S}-{name}-{secrets.token_hex(3)}"


def contribution_iri(contribution_id: str) -> str:
    """The graph IRI for an id (an IRI of the namespace is accepted as it is)."""
    iri = contribution_id if contribution_id.startswith(CONTRIBUTION_NS) else CONTRIBUTION_NS + contribution_id
    if not slugify(iri[len(CONTRIBUTION_NS) :]) == iri[len(CONTRIBUTION_NS) :]:
        raise UnknownContribution([Problem(f"{contribution_id!r} is not a contribution id", fix="`smartregion contributions` lists them")])
    return iri


def agent_iri(name: str) -> str:
    return AGENT_NS + (slugify(name) or "anonymous")


_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def is_iri(text: str) -> bool:
    """An absolute http(s) IRI that can be written between <> in SPARQL as it is (nothing to escape)."""
    return _IRI.fullmatch(text) is not None


def is_instance(iri: str) -> bool:
    """An entity of the knowledge (``id/...``), not a term of the vocabulary."""
    return iri.startswith(ID) and not iri[len(ID) :].startswith(VOCABULARY_FOLDERS)


def iri_hash(iri: str) -> str:
    """How an erasure record names a person: ``sha256:`` and the hex digest of the IRI."""
    return "sha256:" + hashlib.sha256(iri.encode("utf-8")).hexdigest()


# --- adding -----------------------------------------------------------------------------------------


def add_graph(
    store: Store | None,
    graph: rdflib.Graph,
    provenance: Provenance,
    *,
    dry_run: bool = False,
    graph_iri: str | None = None,
    origins: Origins | None = None,
    lang: str = "en",
    dumps_folder: Path | None = None,
) -> ContributionResult:
    """Validate ``graph`` and write it, with its provenance, as a new named graph; all or nothing.

    ``graph_iri`` defaults to a new contribution IRI; the reference-data importer passes its source's
    IRI (and ``dry_run=True``, writing the result to ``graph/`` instead). ``store`` may be None only
    for a dry run: nothing can then be matched against existing data. ``dumps_folder``: where to
    rewrite the dumps (default: next to an embedded store). Raises ContributionError with every
    problem; the store is unchanged then. A write holds the store's write lock from its first check
    against the store to the write itself.
    """
    if store is None and not dry_run:
        raise ValueError("add_graph needs a store unless dry_run is set")
    now = datetime.now(UTC).replace(microsecond=0)
    iri = graph_iri or new_contribution_iri(provenance, now)
    problems = _check_scope(graph, iri) + check_urls(graph, origins)
    if problems:
        raise ContributionError(problems)
    if store is None or dry_run:
        return _checked(store, graph, iri, provenance, now, origins=origins, lang=lang, dry_run=True)
    with store.write_lock().hold("contribution"):
        result = _checked(store, graph, iri, provenance, now, origins=origins, lang=lang, dry_run=False)
        store.replace_graphs({iri: result.graph})
    refresh_dumps(store, dumps_folder)  # of whatever revision is live by now: dumps need no lock of ours
    return result


def _checked(
    store: Store | None,
    graph: rdflib.Graph,
    iri: str,
    provenance: Provenance,
    now: datetime,
    *,
    origins: Origins | None,
    lang: str,
    dry_run: bool,
) -> ContributionResult:
    """The contribution with its provenance, checked against the store as it is now (see add_graph)."""
    problems = []
    if store is not None:
        problems += _check_erased(store, graph)
        if iri in store.named_graphs() and not dry_run:
            problems.append(
                Problem(f"the graph <{iri}> exists already", fix="a contribution always makes a new graph; remove the old one first")
            )
    if problems:
        raise ContributionError(problems)
    data = _with_provenance(graph, iri, provenance, now)
    context = _context(store, data, iri) if store is not None else rdflib.Graph()
    # Without a store nothing outside the contribution is known; the shapes still check what they can.
    if store is not None:
        problems = _check_references(data, context, origins) + _check_kinds(data, context, store_kinds(store), origins)
    if problems:
        raise ContributionError(problems)
    warnings = demote_names(data, names_of(context), origins)
    report = validate(_union(data, context), lang=lang)
    errors, shacl_warnings, report_graph = _shacl_problems(report, data, origins)
    if errors:
        raise ContributionError(errors, report_graph)
    existing = {s for s in context.subjects() if isinstance(s, URIRef)}
    return ContributionResult(
        id=iri.rsplit("/", 1)[-1],
        graph_iri=iri,
        triples=len(data),
        added=_added(data, existing),
        dry_run=dry_run,
        graph=data,
        updated=len({s for s in data.subjects() if isinstance(s, URIRef) and s in existing and is_instance(str(s))}),
        warnings=warnings + shacl_warnings,
    )


def _check_scope(graph: rdflib.Graph, iri: str) -> list[Problem]:
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


def _check_erased(store: Store, graph: rdflib.Graph) -> list[Problem]:
    erased = erased_hashes(store)
    if not erased:
        return []
    iris = {str(t) for t in _terms(graph) if isinstance(t, URIRef) and is_instance(str(t))}
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
    short = shorten(str(term)) if isinstance(term, URIRef) else None
    return short if short and short != str(term) else term.n3()


def store_kinds(store: Store) -> Kinds:
    """The disjoint kinds of the ontology the store holds (the project's, if the store has none)."""
    ontology = construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}")
    return Kinds.from_ontology(ontology) if len(ontology) else project_kinds()


def _check_kinds(data: rdflib.Graph, context: rdflib.Graph, kinds: Kinds, origins: Origins | None) -> list[Problem]:
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


def kept_graphs(store: Store) -> dict[str, rdflib.Graph]:
    """The graphs only the store has — contributions and erasure records — which a rebuild keeps."""
    return {
        iri: construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        for iri in store.named_graphs()
        if iri.startswith(CONTRIBUTION_NS) or iri == ERASURES_GRAPH
    }


def erased_hashes(store: Store) -> set[str]:
    """The hashes of every erased IRI (see erasure.py)."""
    rows = store.select(f"SELECT ?h WHERE {{ GRAPH <{ERASURES_GRAPH}> {{ ?e <{DCTERMS.identifier}> ?h }} }}")
    return {r["h"] for r in rows}


def _with_provenance(graph: rdflib.Graph, iri: str, provenance: Provenance, now: datetime) -> rdflib.Graph:
    """The contribution's triples, ``dcterms:source`` on each entity, and its own PROV description."""
    data = rdflib.Graph(identifier=URIRef(iri))
    data += graph
    node = URIRef(iri)
    for subject in {s for s in graph.subjects() if isinstance(s, URIRef) and is_instance(str(s))}:
        data.add((subject, DCTERMS.source, node))
    stamp = Literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)
    defaults: list[tuple[URIRef, Node]] = [
        (RDF.type, URIRef(SR + "SourceDocument")),
        (DCTERMS.title, Literal(f"Beitrag: {provenance.source_name}", lang="de")),
        (DCTERMS.language, GERMAN),
        (DCTERMS.type, CONTRIBUTION_KIND),
        (DCTERMS.issued, stamp),
    ]
    for predicate, value in defaults:
        if (node, predicate, None) not in data:  # a source the caller describes itself keeps its own
            data.add((node, predicate, value))
    agent = URIRef(agent_iri(provenance.agent))
    activity = URIRef(iri + "#activity")
    data.add((node, RDF.type, PROV.Entity))
    data.add((node, PROV.wasAttributedTo, agent))
    data.add((node, PROV.generatedAtTime, stamp))
    data.add((node, PROV.wasGeneratedBy, activity))
    data.add((agent, RDF.type, PROV.Agent))
    data.add((agent, FOAF.name, Literal(provenance.agent)))
    data.add((activity, RDF.type, PROV.Activity))
    data.add((activity, DCTERMS.type, Literal(provenance.method)))
    data.add((activity, PROV.wasAssociatedWith, agent))
    data.add((activity, PROV.endedAtTime, stamp))
    if _is_url(provenance.source_name):
        data.add((node, PROV.wasDerivedFrom, URIRef(provenance.source_name)))
    elif provenance.source_name:
        data.add((node, _FILE_NAME, Literal(provenance.source_name)))
    for key, value in sorted(provenance.extra.items()):
        if _is_url(value):
            data.add((activity, PROV.used, URIRef(value)))
            continue
        used = URIRef(f"{iri}#{slugify(key) or 'input'}")
        data.add((activity, PROV.used, used))
        data.add((used, RDF.type, PROV.Entity))
        data.add((used, DCTERMS.identifier, Literal(key)))
        data.add((used, PROV.value, Literal(value)))
    return data


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://")) and " " not in text


def _terms(graph: rdflib.Graph) -> Iterable[Node]:
    for s, _, o in graph:
        yield s
        yield o


def _context(store: Store, data: rdflib.Graph, iri: str) -> rdflib.Graph:
    """What the store (outside this graph) says about the instances the contribution names, plus the
    types of what those statements point to: enough for the shapes to check classes and counts."""
    names = sorted({str(t) for t in _terms(data) if isinstance(t, URIRef) and t.startswith(ID)})
    context = rdflib.Graph()
    for batch in _batches(names):
        values = " ".join(f"<{n}>" for n in batch)
        context += construct(
            store,
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{iri}>) }}",
        )
    objects = sorted({str(o) for o in context.objects() if isinstance(o, URIRef)} - set(names))
    for batch in _batches(objects):
        values = " ".join(f"<{n}>" for n in batch)
        context += construct(
            store,
            f"CONSTRUCT {{ ?s a ?t }} WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s a ?t }} FILTER(?g != <{iri}>) }}",
        )
    return context


def _batches(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def construct(store: Store, query: str) -> rdflib.Graph:
    """A CONSTRUCT answer as an rdflib graph (N-Triples keep every term exact, on both backends)."""
    graph = rdflib.Graph()
    graph.parse(data=store.query_bytes(query, "application/n-triples"), format="nt")
    return graph


def _check_references(data: rdflib.Graph, context: rdflib.Graph, origins: Origins | None) -> list[Problem]:
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


def _union(data: rdflib.Graph, context: rdflib.Graph) -> rdflib.Graph:
    union = rdflib.Graph()
    union += data
    union += context
    return union


def _shacl_problems(
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
    return errors, warnings, _report_subset(report.graph, own)


def _predicate(path: str | None) -> str | None:
    """The full IRI of a simple path (``schema:startDate``), None for complex paths."""
    if not path or any(c in path for c in "|/^()*+?"):
        return None
    prefix, _, local = path.partition(":")
    namespace = PREFIXES.get(prefix)
    return namespace + local if namespace else None


def _report_subset(report: rdflib.Graph, focus: set[str]) -> rdflib.Graph:
    """A SHACL report graph holding only the results whose focus node is in ``focus``."""
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


def _added(data: rdflib.Graph, existing: set[Node]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for subject, cls in data.subject_objects(RDF.type):
        if isinstance(subject, URIRef) and is_instance(str(subject)) and subject not in existing:
            counts[shorten(str(cls))] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _bind_prefixes(graph: rdflib.Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)


# --- listing and removing ---------------------------------------------------------------------------


def list_contributions(store: Store) -> list[dict[str, object]]:
    """Every contribution with who, when, how, from what and its size; oldest first."""
    rows = store.select(
        f"""PREFIX prov: <{PROV}> PREFIX dcterms: <{DCTERMS}> PREFIX foaf: <{FOAF}>
        SELECT ?g (COUNT(*) AS ?n) (SAMPLE(?t) AS ?title) (SAMPLE(?name) AS ?agent) (SAMPLE(?when) AS ?created)
               (SAMPLE(?how) AS ?method) (SAMPLE(?file) AS ?fileName) (SAMPLE(?from) AS ?derivedFrom)
        WHERE {{
            GRAPH ?g {{ ?s ?p ?o }}
            FILTER(STRSTARTS(STR(?g), "{CONTRIBUTION_NS}"))
            OPTIONAL {{ GRAPH ?g {{ ?g dcterms:title ?t }} }}
            OPTIONAL {{ GRAPH ?g {{ ?g prov:wasAttributedTo/foaf:name ?name }} }}
            OPTIONAL {{ GRAPH ?g {{ ?g prov:generatedAtTime ?when }} }}
            OPTIONAL {{ GRAPH ?g {{ ?g prov:wasGeneratedBy/dcterms:type ?how }} }}
            OPTIONAL {{ GRAPH ?g {{ ?g <{_FILE_NAME}> ?file }} }}
            OPTIONAL {{ GRAPH ?g {{ ?g prov:wasDerivedFrom ?from }} }}
        }} GROUP BY ?g"""
    )
    found = [
        {
            "id": r["g"][len(CONTRIBUTION_NS) :],
            "graph": r["g"],
            "title": r.get("title"),
            "agent": r.get("agent"),
            "created": r.get("created"),
            "method": r.get("method"),
            "source": r.get("fileName") or r.get("derivedFrom"),
            "triples": int(r["n"]),
        }
        for r in rows
    ]
    return sorted(found, key=lambda c: (str(c["created"]), str(c["id"])))


def remove(store: Store, contribution_id: str, *, dumps_folder: Path | None = None) -> None:
    """Drop a contribution's graph, unless other graphs still point to entities only it defines; checked
    and dropped under the write lock, so no contribution that refers to it can arrive in between."""
    iri = contribution_iri(contribution_id)
    with store.write_lock().hold("removal"):
        _check_removable(store, iri, contribution_id)
        store.drop_graphs([iri])
    refresh_dumps(store, dumps_folder)


def _check_removable(store: Store, iri: str, contribution_id: str) -> None:
    if iri not in store.named_graphs():
        raise UnknownContribution([Problem(f"there is no contribution {contribution_id!r}", fix="`smartregion contributions` lists them")])
    dependents = store.select(
        f"""SELECT DISTINCT ?e ?g WHERE {{
            GRAPH <{iri}> {{ ?e a ?t }}
            FILTER NOT EXISTS {{ GRAPH ?other {{ ?e a ?t2 }} FILTER(?other != <{iri}>) }}
            GRAPH ?g {{ ?x ?p ?e }} FILTER(?g != <{iri}>)
        }} ORDER BY ?g ?e"""
    )
    if dependents:
        raise ContributionError(
            [
                Problem(
                    f"<{r['e']}> is defined only by this contribution, and <{r['g']}> refers to it",
                    entity=r["e"],
                    fix=f"remove <{r['g']}> first",
                )
                for r in dependents
            ]
        )


# --- dumps ------------------------------------------------------------------------------------------


def default_dumps_folder(store: Store) -> Path | None:
    """Where the dumps of an embedded store live (``dumps/`` next to it, as ``dumps.dumps_folder``);
    None for a remote store, whose dumps are then written on first request."""
    path = getattr(store, "path", None)
    return Path(path).parent / "dumps" if path is not None else None


def refresh_dumps(store: Store, folder: Path | None = None, *, purge: bool = False) -> None:
    """After a write: the dumps of the live revision, written now for an embedded store so no reader
    waits (a remote store's are made when first asked for, as after a build).

    ``purge`` (an erasure): also delete this store's dumps of every other revision, which may still
    hold what was erased; a download of one of them that is running breaks, which is the point.
    """
    folder = folder or default_dumps_folder(store)
    if folder is None:
        return
    live = dumps.write_dumps(store, folder).folder if getattr(store, "path", None) is not None else None
    if not purge or not folder.is_dir():
        return
    identity = dumps.store_identity(store)
    for path in folder.iterdir():
        if path != live and (path / dumps.MANIFEST).is_file() and _dumped_from(path) == identity:
            shutil.rmtree(path, ignore_errors=True)


def _dumped_from(folder: Path) -> str | None:
    try:
        return dumps.Manifest.read(folder).store
    except (OSError, ValueError, TypeError, KeyError):
        return None  # not a manifest we can read: not ours to delete
