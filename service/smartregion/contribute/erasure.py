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

Only persons are erased: an IRI that a source document makes a person, or that contributions alone
made a person. An IRI that any graph gives a kind the ontology declares disjoint with sr:Person (an
organisation, a place, ...) is refused, even if a contribution typed it sr:Person as well.

Everything happens under the store's write lock (writelock.py): the checks, the write, the removal of
the revision before it and of older dumps. A contribution naming the person waits for the erasure and
is then refused; a build waiting to switch revisions carries the erasure over (build.py).
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

from smartregion.contribute.model import (
    CONTRIBUTION_NS,
    ERASURES_GRAPH,
    agent_iri,
    iri_hash,
    is_iri,
)
from smartregion.contribute.rules import construct, erased_hashes, store_kinds
from smartregion.errors import SmartregionError
from smartregion.publish.dumps import purge_other_revisions
from smartregion.rdf.ids import BASE, SR
from smartregion.rdf.prefixes import shorten
from smartregion.store import Store

ERASURE_NS = BASE + "erasure/"
PERSON = URIRef(SR + "Person")
COOPERATION = URIRef(SR + "Cooperation")
PARTNERS = (URIRef(SR + "partner"), URIRef(SR + "memberMunicipality"))


class ErasureError(SmartregionError):
    """The erasure was refused; nothing changed."""

    status, title = 422, "erasure refused"


class UnknownPerson(ErasureError):
    """No entity has that IRI."""

    status, title = 404, "no such entity"


class NotAPerson(ErasureError):
    """Only persons are erased."""

    status, title = 422, "not a person"


@dataclass(frozen=True)
class ErasureResult:
    record: str  # IRI of the erasure record
    hash: str
    graphs: list[str]  # graphs that changed
    triples: int  # statements removed
    nodes: int  # the person and the nodes that existed only for them
    named_in: list[str]  # entities whose free text (literals) still contains the person's name: to review by hand


def forget(store: Store, iri: str, *, agent: str, dumps_folder: Path, reason: str | None = None) -> ErasureResult:
    """Remove the person ``iri`` and everything about them from every graph and every dump; record that it
    was done. ``dumps_folder``: where the store's dumps live (``dumps.dumps_folder`` of the settings)."""
    iri = iri.strip().strip("<>")
    if not is_iri(iri):
        raise UnknownPerson(f"{iri!r} is not an IRI; write the person's full IRI, e.g. https://w3id.org/smartregion/id/person/…")
    with store.write_lock().hold("erasure"):
        names = _check_person(store, iri)
        result = _erase(store, iri, agent, reason)
        # An embedded store keeps the revision before a write for readers still on it; one more (empty)
        # write moves that window on, so no revision that holds the person is left on disk.
        store.drop_graphs([])
        # Under the lock: no other write can make a revision whose dumps the purge would miss.
        purge_other_revisions(store, dumps_folder)
    return ErasureResult(result.record, result.hash, result.graphs, result.triples, result.nodes, _named_in(store, names))


def _check_person(store: Store, iri: str) -> list[str]:
    """Refuse what is not a person (see the module docstring); the person's names, for ``named_in``."""
    typed = store.select(f"SELECT DISTINCT ?t ?g WHERE {{ GRAPH ?g {{ <{iri}> a ?t }} }}")
    types = {r["t"] for r in typed}
    if not types:
        if iri_hash(iri) in erased_hashes(store):
            raise UnknownPerson(f"<{iri}> was erased already; nothing about it is left")
        raise UnknownPerson(f"there is no entity <{iri}>; check the IRI (e.g. https://w3id.org/smartregion/id/person/…)")
    if str(PERSON) not in types:
        kinds = ", ".join(sorted(t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in types))
        raise NotAPerson(
            f"<{iri}> is not a person ({kinds}): forget erases persons only, who have a right to be forgotten; "
            "to take other data out, remove its contribution or edit its source in graph/"
        )
    kinds = store_kinds(store)
    for row in typed:
        if (clash := kinds.clash(row["t"], str(PERSON))) is not None:
            raise NotAPerson(
                f"<{iri}> is not a person: <{row['g']}> makes it a {shorten(row['t'])} ({shorten(clash[0])}), whatever a "
                "contribution says; forget erases persons only. To take a wrong statement out, remove the contribution "
                "that makes it a person"
            )
    person_in = {r["g"] for r in typed if r["t"] == str(PERSON)}
    if not any(not g.startswith(CONTRIBUTION_NS) for g in person_in):
        described = [r["g"] for r in store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} ORDER BY ?g")]
        sources = [g for g in described if not g.startswith(CONTRIBUTION_NS)]
        if sources:
            raise NotAPerson(
                f"<{iri}> is a person only by contributions, and <{sources[0]}> describes it as something else: forget "
                "erases persons by a source document, or persons that contributions alone created; remove the contribution instead"
            )
    return [r["name"] for r in store.select(f"SELECT DISTINCT ?name WHERE {{ <{iri}> <{RDFS.label}>|<{SKOS.altLabel}> ?name }}")]


def _erase(store: Store, iri: str, agent: str, reason: str | None) -> ErasureResult:
    """The write itself: every graph that mentions the person or their dependent nodes, and the record."""
    person = URIRef(iri)
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
    return ErasureResult(str(record), iri_hash(iri), graphs, removed, len(nodes), [])


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
    """Apply past erasures to freshly parsed data (the build): every IRI whose hash is recorded (only
    persons were ever erased) is removed again, wherever it occurs and whether or not the data still
    types it, with its dependent nodes. Returns the IRIs erased, for the build to report."""
    hashes = set(hashes)
    if not hashes:
        return []
    iris = {t for s, _, o, _ in dataset.quads((None, None, None, None)) for t in (s, o) if isinstance(t, URIRef)}
    persons = {t for t in iris if iri_hash(str(t)) in hashes}
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
