"""Which classes exclude each other, as the ontology declares it (``owl:AllDisjointClasses``,
``owl:disjointWith``), following ``rdfs:subClassOf``: a municipality is a territorial authority, and
no territorial authority is a person.

Contributions add statements; they must never turn what other sources state into something else (an
organisation into a person, which ``forget`` would then erase). The check reads the disjoint kinds
from the ontology, so a new top-level class is covered by declaring it there, not by editing code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from smartregion.validation import project_ontology

Clash = tuple[str, str]  # (the disjoint kind of one class, the disjoint kind of the other)


@dataclass(frozen=True)
class Kinds:
    """The ontology's disjoint classes and every class's super-classes (itself included)."""

    ancestors: Mapping[str, frozenset[str]]
    groups: tuple[frozenset[str], ...]  # each a set of pairwise disjoint classes

    @classmethod
    def from_ontology(cls, ontology: rdflib.Graph) -> Kinds:
        parents: dict[str, set[str]] = defaultdict(set)
        for sub, sup in ontology.subject_objects(RDFS.subClassOf):
            if isinstance(sub, rdflib.URIRef) and isinstance(sup, rdflib.URIRef):
                parents[str(sub)].add(str(sup))
        groups = [
            frozenset(str(m) for m in Collection(ontology, members) if isinstance(m, rdflib.URIRef))
            for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses)
            for members in ontology.objects(node, OWL.members)
        ]
        groups += [frozenset((str(a), str(b))) for a, b in ontology.subject_objects(OWL.disjointWith)]
        return cls({c: frozenset(_closure(c, parents)) for c in parents}, tuple(g for g in groups if len(g) > 1))

    def up(self, cls: str) -> frozenset[str]:
        return self.ancestors.get(cls, frozenset((cls,)))

    def clash(self, a: str, b: str) -> Clash | None:
        """The two disjoint kinds that classes ``a`` and ``b`` fall under, or None if they are compatible."""
        up_a, up_b = self.up(a), self.up(b)
        for group in self.groups:
            for kind_a in up_a & group:
                for kind_b in up_b & group:
                    if kind_a != kind_b:
                        return kind_a, kind_b
        return None

    def clashes(self, types: Iterable[str], others: Iterable[str]) -> list[tuple[str, str, Clash]]:
        """Every pair (one of ``types``, one of ``others``) of classes that exclude each other."""
        others = sorted(set(others))
        return [(a, b, found) for a in sorted(set(types)) for b in others if (found := self.clash(a, b)) is not None]


def _closure(start: str, parents: Mapping[str, set[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


@lru_cache(maxsize=1)
def project_kinds() -> Kinds:
    """The kinds of the project's ``ontology/*.ttl``, for a store that holds no ontology graph."""
    return Kinds.from_ontology(project_ontology())
