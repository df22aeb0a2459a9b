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

from collections import Counter
from datetime import UTC, datetime

import rdflib
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, XSD
from rdflib.term import Literal, Node, URIRef

from smartregion.contribute.model import (
    CONTRIBUTION_KIND,
    CONTRIBUTION_NS,
    ERASURES_GRAPH,
    GERMAN,
    ContributionError,
    ContributionResult,
    Origins,
    Problem,
    Provenance,
    UnknownContribution,
    agent_iri,
    contribution_iri,
    is_instance,
    new_contribution_iri,
)
from smartregion.contribute.rules import (
    batches,
    check_erased,
    check_kinds,
    check_references,
    check_scope,
    check_urls,
    construct,
    demote_names,
    names_of,
    shacl_problems,
    store_kinds,
    terms,
)
from smartregion.rdf.ids import ID, SR, slugify
from smartregion.rdf.prefixes import shorten
from smartregion.store import Store
from smartregion.store.cache import note_added
from smartregion.validation import validate

_FILE_NAME = URIRef(SR + "fileName")


# --- identifiers ------------------------------------------------------------------------------------


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
) -> ContributionResult:
    """Validate ``graph`` and write it, with its provenance, as a new named graph; all or nothing.

    ``graph_iri`` defaults to a new contribution IRI; the reference-data importer passes its source's
    IRI (and ``dry_run=True``, writing the result to ``graph/`` instead). ``store`` may be None only
    for a dry run: nothing can then be matched against existing data. Raises ContributionError with every
    problem; the store is unchanged then. A write holds the store's write lock from its first check
    against the store to the write itself. The dumps of the new revision are written when first asked for.
    """
    if store is None and not dry_run:
        raise ValueError("add_graph needs a store unless dry_run is set")
    now = datetime.now(UTC).replace(microsecond=0)
    iri = graph_iri or new_contribution_iri(provenance, now)
    problems = check_scope(graph, iri) + check_urls(graph, origins)
    if problems:
        raise ContributionError(problems)
    if store is None or dry_run:
        return _checked(store, graph, iri, provenance, now, origins=origins, lang=lang, dry_run=True)
    with store.write_lock().hold("contribution"):
        result = _checked(store, graph, iri, provenance, now, origins=origins, lang=lang, dry_run=False)
        before = store.revision()
        store.replace_graphs({iri: result.graph})
        note_added(store, before, store.revision(), [iri])  # a new graph: caches may patch their values with it
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
        problems += check_erased(store, graph)
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
        problems = check_references(data, context, origins) + check_kinds(data, context, store_kinds(store), origins)
    if problems:
        raise ContributionError(problems)
    warnings = demote_names(data, names_of(context), origins)
    report = validate(_union(data, context), lang=lang)
    errors, shacl_warnings, report_graph = shacl_problems(report, data, origins)
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
        existing=frozenset(str(s) for s in existing),
    )


def kept_graphs(store: Store) -> dict[str, rdflib.Graph]:
    """The graphs only the store has — contributions and erasure records — which a rebuild keeps."""
    return {
        iri: construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        for iri in store.named_graphs()
        if iri.startswith(CONTRIBUTION_NS) or iri == ERASURES_GRAPH
    }


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


def _context(store: Store, data: rdflib.Graph, iri: str) -> rdflib.Graph:
    """What the store (outside this graph) says about the instances the contribution names, plus the
    types of what those statements point to: enough for the shapes to check classes and counts."""
    names = sorted({str(t) for t in terms(data) if isinstance(t, URIRef) and t.startswith(ID)})
    context = rdflib.Graph()
    for batch in batches(names):
        values = " ".join(f"<{n}>" for n in batch)
        context += construct(
            store,
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{iri}>) }}",
        )
    objects = sorted({str(o) for o in context.objects() if isinstance(o, URIRef)} - set(names))
    for batch in batches(objects):
        values = " ".join(f"<{n}>" for n in batch)
        context += construct(
            store,
            f"CONSTRUCT {{ ?s a ?t }} WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s a ?t }} FILTER(?g != <{iri}>) }}",
        )
    return context


def _union(data: rdflib.Graph, context: rdflib.Graph) -> rdflib.Graph:
    union = rdflib.Graph()
    union += data
    union += context
    return union


def _added(data: rdflib.Graph, existing: set[Node]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for subject, cls in data.subject_objects(RDF.type):
        if isinstance(subject, URIRef) and is_instance(str(subject)) and subject not in existing:
            counts[shorten(str(cls))] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


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


def remove(store: Store, contribution_id: str) -> None:
    """Drop a contribution's graph, unless other graphs still point to entities only it defines; checked
    and dropped under the write lock, so no contribution that refers to it can arrive in between."""
    iri = contribution_iri(contribution_id)
    with store.write_lock().hold("removal"):
        _check_removable(store, iri, contribution_id)
        store.drop_graphs([iri])


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
