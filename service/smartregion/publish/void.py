"""VoID: the dataset's statistics for harvesters and link crawlers, one subset per named graph.

The datasets are the DCAT catalogue's (``dcat``), described with their sizes, classes, vocabularies
and the linksets to Wikidata, GND and the official keys.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD

from smartregion.publish.dcat import (
    CATALOG,
    CC_BY,
    DATASET,
    LINK_PREDICATES,
    LINK_TARGETS,
    SD,
    Site,
    gather,
    text,
)
from smartregion.publish.dumps import FORMATS, Manifest
from smartregion.rdf.ids import ID
from smartregion.rdf.prefixes import PREFIXES
from smartregion.settings import Settings
from smartregion.store import META_GRAPH, Store

W3C_FORMATS = ("TriG", "N-Quads", "Turtle", "JSON-LD")  # of the dumps, as http://www.w3.org/ns/formats/ names
# Distinct terms first, then the filter: filtering every statement by a string test is much slower.
_KNOWLEDGE = f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{META_GRAPH}>)"
_VOID_COUNTS = {
    VOID.distinctSubjects: f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s WHERE {{ {_KNOWLEDGE} }} }}",
    VOID.distinctObjects: f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?o WHERE {{ {_KNOWLEDGE} }} }}",
    VOID.properties: f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?p WHERE {{ {_KNOWLEDGE} }} }}",
    # Entities: typed resources in our instance namespace (every entity has a type; the shapes say so).
    VOID.entities: f"""SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a ?type }} FILTER(?g != <{META_GRAPH}>) }} }}
                          FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}")) }}""",
}
_VOID_CLASSES = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?class }} FILTER(?g != <{META_GRAPH}>) }}
GROUP BY ?class ORDER BY ?class"""
_VOID_TERMS = f"""
SELECT DISTINCT ?term WHERE {{ GRAPH ?g {{ {{ ?s ?term ?o }} UNION {{ ?s a ?term }} }} FILTER(?g != <{META_GRAPH}>) }}"""
_VOID_LINKS = """
SELECT ?p (COUNT(*) AS ?n) WHERE { VALUES ?p { %s } GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?o) && STRSTARTS(STR(?o), "%s")) } GROUP BY ?p"""


def vocabulary_of(term: str) -> str:
    """The namespace a term belongs to: up to its last ``#`` or ``/``."""
    cut = max(term.rfind("#"), term.rfind("/"))
    return term[: cut + 1]


def void_graph(store: Store, settings: Settings, manifest: Manifest) -> Graph:
    """The VoID description of the revision the manifest describes; the datasets are the catalogue's."""
    site = Site.from_settings(settings)
    facts = gather(store, manifest, coverage=False)
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    document = URIRef(site.base + ".well-known/void")
    g.add((document, RDF.type, VOID.DatasetDescription))
    g.add((document, FOAF.primaryTopic, DATASET))
    text(g, document, DCTERMS.title, "VoID-Beschreibung von smartregion", "VoID description of smartregion")

    root = DATASET
    g.add((root, RDF.type, VOID.Dataset))
    text(g, root, DCTERMS.title, "smartregion – Wissensgraph (alle Quellen)", "smartregion – knowledge graph (all sources)")
    g.add((root, DCTERMS.description, Literal(
        f"void:triples of this dataset counts distinct triples ({manifest.triples}): the default graph, the union of "
        "all sources, where a triple stated by several sources is one triple. void:triples of each subset (a source's "
        f"named graph) counts that source's statements, so the subsets add up to {manifest.statements}.", lang="en")))
    g.add((root, FOAF.homepage, URIRef(site.homepage)))
    g.add((root, DCTERMS.license, URIRef(CC_BY)))
    g.add((root, DCTERMS.modified, Literal(manifest.modified.isoformat(), datatype=XSD.dateTime)))
    g.add((root, VOID.sparqlEndpoint, site.sparql))
    g.add((root, VOID.uriSpace, Literal(ID)))
    g.add((root, VOID.triples, Literal(manifest.triples, datatype=XSD.integer)))  # distinct: the default graph
    for predicate, query in _VOID_COUNTS.items():
        g.add((root, predicate, Literal(int(store.select(query)[0]["n"]), datatype=XSD.integer)))
    classes = store.select(_VOID_CLASSES)
    g.add((root, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for row in classes:
        partition = BNode()
        g.add((root, VOID.classPartition, partition))
        g.add((partition, VOID["class"], URIRef(row["class"])))
        g.add((partition, VOID.entities, Literal(int(row["n"]), datatype=XSD.integer)))
    for vocabulary in sorted({vocabulary_of(r["term"]) for r in store.select(_VOID_TERMS)} - {""}):
        g.add((root, VOID.vocabulary, URIRef(vocabulary)))
    for fmt in FORMATS:
        g.add((root, VOID.dataDump, site.dump_url(fmt.name)))
    for name in W3C_FORMATS:
        g.add((root, VOID.feature, URIRef("http://www.w3.org/ns/formats/" + name)))
    for graph_facts in facts:
        subset = graph_facts.node
        g.add((root, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, URIRef(graph_facts.iri)))
        g.add((subset, VOID.triples, Literal(graph_facts.statements, datatype=XSD.integer)))  # the source's statements
        title = graph_facts.titles.get("de") or next(iter(graph_facts.titles.values()), graph_facts.iri)
        g.add((subset, DCTERMS.title, Literal(title, lang="de" if "de" in graph_facts.titles else None)))
        g.add((subset, DCTERMS.license, URIRef(graph_facts.licence)))
    _linksets(store, g, root)
    return g


def _linksets(store: Store, g: Graph, root: URIRef) -> None:
    """One void:Linkset per link predicate and target that the data actually uses."""
    predicates = " ".join(f"<{p}>" for p in LINK_PREDICATES)
    for name, (title, space) in LINK_TARGETS.items():
        rows = [r for r in store.select(_VOID_LINKS % (predicates, space)) if int(r["n"])]
        if not rows:
            continue
        target = URIRef(f"{CATALOG}#{name}")
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, DCTERMS.title, Literal(title)))
        g.add((target, VOID.uriSpace, Literal(space)))
        for row in rows:
            linkset = URIRef(f"{CATALOG}#links-{name}-{LINK_PREDICATES[row['p']]}")
            g.add((root, VOID.subset, linkset))
            g.add((linkset, RDF.type, VOID.Linkset))
            g.add((linkset, VOID.linkPredicate, URIRef(row["p"])))
            g.add((linkset, VOID.subjectsTarget, root))
            g.add((linkset, VOID.objectsTarget, target))
            g.add((linkset, VOID.triples, Literal(int(row["n"]), datatype=XSD.integer)))
