"""Erasure: a person's right to be forgotten. ``forget`` removes a person and every statement about
them — as subject or object, in every named graph — together with the nodes that exist only for them
(their memberships, and cooperations that would be left with fewer than two partners), in one atomic
write; the dumps are rewritten after it.

What stays is a record that an erasure happened, when and by whom, in the graph
``https://w3id.org/smartregion/graph/erasures`` — not what was removed. The record names the person
only by the SHA-256 hash of their IRI (see README, "Erasure"): enough for the build and every later
import to recognise the IRI and keep it out, without the record itself publishing who it was.

Free text is not statements about the IRI: a comment elsewhere may still quote the name, so
``forget`` lists the entities whose literals still contain it, for a person to review.

The erasure is not validated against the shapes: it must not be blocked by what it leaves incomplete.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import BNode, Literal, Node, URIRef

from smartregion.contribute.contributions import (
    ERASURES_GRAPH,
    agent_iri,
    construct,
    erased_hashes,
    iri_hash,
    is_iri,
    refresh_dumps,
)
from smartregion.rdf.ids import BASE, SR
from smartregion.store.embedded import Store

ERASURE_NS = BASE + "erasure/"
PERSON = URIRef(SR + "Person")
COOPERATION = URIRef(SR + "Cooperation")
PARTNERS = (URIRef(SR + "partner"), URIRef(SR + "memberMunicipality"))


class ErasureError(Exception):
    """The erasure was refused; nothing changed."""


class UnknownEntity(ErasureError):
    """No entity has that IRI."""


class NotAPerson(ErasureError):
    """Only persons are erased."""


@dataclass(frozen=True)
class ErasureResult:
    record: str  # IRI of the erasure record
    hash: str
    graphs: list[str]  # graphs that changed
    triples: int  # statements removed
    nodes: int  # the person and the nodes that existed only for them
    named_in: list[str]  # entities whose free text (literals) still contains the person's name: to review by hand


def forget(store: Store, iri: str, *, agent: str, reason: str | None = None, dumps_folder: Path | None = None) -> ErasureResult:
    """Remove the person ``iri`` and everything about them from every graph; record that it was done."""
    iri = iri.strip().strip("<>")
    if not is_iri(iri):
        raise UnknownEntity(f"{iri!r} is not an IRI; write the person's full IRI, e.g. https://w3id.org/smartregion/id/person/…")
    types = {r["t"] for r in store.select(f"SELECT DISTINCT ?t WHERE {{ <{iri}> a ?t }}")}
    if not types:
        if iri_hash(iri) in erased_hashes(store):
            raise UnknownEntity(f"<{iri}> was erased already; nothing about it is left")
        raise UnknownEntity(f"there is no entity <{iri}>; check the IRI (e.g. https://w3id.org/smartregion/id/person/…)")
    if str(PERSON) not in types:
        kinds = ", ".join(sorted(t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in types))
        raise NotAPerson(
            f"<{iri}> is not a person ({kinds}): forget erases persons only, who have a right to be forgotten; "
            "to take other data out, remove its contribution or edit its source in graph/"
        )
    person = URIRef(iri)
    names = [r["name"] for r in store.select(f"SELECT DISTINCT ?name WHERE {{ <{iri}> <{RDFS.label}>|<{SKOS.altLabel}> ?name }}")]
    neighbourhood = construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?x <{iri}> . ?s ?p ?o }}")
    nodes = {person} | dependent_nodes(neighbourhood, person)
    values = " ".join(f"<{n}>" for n in nodes)
    graphs = [
        r["g"]
        for r in store.select(
            f"SELECT DISTINCT ?g WHERE {{ VALUES ?n {{ {values} }} GRAPH ?g {{ {{ ?n ?p ?o }} UNION {{ ?s ?p ?n }} }} }} ORDER BY ?g"
        )
    ]
    changed: dict[str, rdflib.Graph] = {}
    removed = 0
    for graph_iri in graphs:
        graph = construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
        removed += remove_nodes(graph, nodes)
        changed[graph_iri] = graph
    record = URIRef(ERASURE_NS + uuid.uuid4().hex)
    erasures = construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ERASURES_GRAPH}> {{ ?s ?p ?o }} }}")
    _record(erasures, record, iri, agent, reason)
    changed[ERASURES_GRAPH] = erasures
    store.replace_graphs(changed)  # every graph at once: never half an erasure
    # An embedded store keeps the revision before a write for readers still on it; one more (empty)
    # write moves that window on, so no revision that holds the person is left on disk.
    store.drop_graphs([])
    refresh_dumps(store, dumps_folder, purge=True)
    return ErasureResult(str(record), iri_hash(iri), graphs, removed, len(nodes), _named_in(store, names))


def _named_in(store: Store, names: list[str]) -> list[str]:
    """Entities whose literals still contain one of the names: statements about the IRI are gone, words
    in other texts (a comment quoting the programme) are not, and only a person can judge those."""
    found: set[str] = set()
    for name in names:
        needle = str(ox.Literal(name.lower()))
        found |= {
            r["s"]
            for r in store.select(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(LCASE(STR(?o)), {needle})) }}")
        }
    return sorted(found)


def dependent_nodes(graph: rdflib.Graph, person: URIRef) -> set[Node]:
    """Nodes that exist only for the person: their memberships, and cooperations that would be left
    with fewer than two partners."""
    nodes: set[Node] = set(graph.subjects(ORG.member, person))
    for predicate in PARTNERS:
        for cooperation in graph.subjects(predicate, person):
            if (cooperation, RDF.type, COOPERATION) in graph:
                others = {p for q in PARTNERS for p in graph.objects(cooperation, q)} - {person}
                if len(others) < 2:
                    nodes.add(cooperation)
    return nodes


def remove_nodes(graph: rdflib.Graph, nodes: set[Node]) -> int:
    """Remove every triple with one of ``nodes`` as subject or object, and blank nodes hanging off them."""
    doomed = [t for t in graph if t[0] in nodes or t[2] in nodes]
    hanging = {o for s, _, o in doomed if s in nodes and isinstance(o, BNode)}
    while hanging:
        node = hanging.pop()
        for triple in list(graph.triples((node, None, None))):
            doomed.append(triple)
            if isinstance(triple[2], BNode):
                hanging.add(triple[2])
    for triple in doomed:
        graph.remove(triple)
    return len(set(doomed))


def erase_in_dataset(dataset: rdflib.Dataset, hashes: Iterable[str]) -> list[str]:
    """Apply past erasures to freshly parsed data (the build): persons whose IRI hash is recorded are
    removed again, with their dependent nodes. Returns the IRIs erased, for the build to report."""
    hashes = set(hashes)
    persons = {s for s, _, _, _ in dataset.quads((None, RDF.type, PERSON, None)) if isinstance(s, URIRef) and iri_hash(str(s)) in hashes}
    if not persons:
        return []
    union = rdflib.Graph()
    union.addN((s, p, o, union) for s, p, o, _ in dataset.quads((None, None, None, None)))
    nodes: set[Node] = set()
    for person in persons:
        nodes |= {person} | dependent_nodes(union, person)
    for graph in list(dataset.graphs()):
        remove_nodes(graph, nodes)
    return sorted(str(p) for p in persons)


def list_erasures(store: Store) -> list[dict[str, str]]:
    """When, by whom and why erasures were made (never who was erased)."""
    rows = store.select(
        f"""SELECT ?e ?when ?name ?reason WHERE {{ GRAPH <{ERASURES_GRAPH}> {{
            ?e a <{PROV.Activity}> ; <{PROV.endedAtTime}> ?when .
            OPTIONAL {{ ?e <{PROV.wasAssociatedWith}>/<{FOAF.name}> ?name }}
            OPTIONAL {{ ?e <{RDFS.comment}> ?reason }} }} }} ORDER BY ?when"""
    )
    return [{"record": r["e"], "when": r["when"], "agent": r.get("name", ""), "reason": r.get("reason", "")} for r in rows]


def _record(graph: rdflib.Graph, record: URIRef, iri: str, agent: str, reason: str | None) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    who = URIRef(agent_iri(agent))
    graph.add((record, RDF.type, PROV.Activity))
    graph.add((record, DCTERMS.type, Literal("erasure")))
    graph.add((record, DCTERMS.identifier, Literal(iri_hash(iri))))
    graph.add((record, PROV.endedAtTime, Literal(now.isoformat(), datatype=XSD.dateTime)))
    graph.add((record, PROV.wasAssociatedWith, who))
    graph.add((who, RDF.type, PROV.Agent))
    graph.add((who, FOAF.name, Literal(agent)))
    if reason:
        graph.add((record, RDFS.comment, Literal(reason)))
