"""What a contribution is: who made it from what (provenance), its problems and result, where each of its
statements came from, and the identifiers of contributions and agents."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import rdflib
from rdflib.namespace import RDF, RDFS
from rdflib.term import URIRef

from smartregion.errors import SmartregionError
from smartregion.rdf.ids import BASE, ID, slugify
from smartregion.rdf.prefixes import PREFIXES, shorten

CONTRIBUTION_NS = BASE + "contribution/"


AGENT_NS = BASE + "agent/"


ERASURES_GRAPH = BASE + "graph/erasures"  # see erasure.py; read here so erased persons never come back


CONTRIBUTION_KIND = URIRef(ID + "document-kind/contribution")


GERMAN = URIRef("http://publications.europa.eu/resource/authority/language/DEU")


# Instance folders that hold the vocabulary (ontology/topics.ttl), not knowledge a contribution may state.
VOCABULARY_FOLDERS = ("topic/", "cooperation-kind/", "document-kind/", "role/", "scheme/")


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
    candidates: tuple[tuple[str, str], ...] = ()  # (IRI, label) of what an unknown name may have meant

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
        found = {"message": self.message, "row": self.row, "column": self.column, "entity": self.entity, "fix": self.fix}
        return found | ({"candidates": [{"iri": iri, "label": label} for iri, label in self.candidates]} if self.candidates else {})


class ContributionError(SmartregionError):
    """The contribution was refused; nothing was written. ``problems`` lists every reason.

    ``report`` is the SHACL report graph (results about the contribution only) when the shapes failed.
    """

    status, title = 422, "contribution refused"

    def __init__(self, problems: Iterable[Problem], report: rdflib.Graph | None = None):
        self.problems = list(problems)
        self.report = report
        super().__init__("\n".join(str(p) for p in self.problems))

    def extensions(self) -> dict[str, object]:
        extra: dict[str, object] = {"problems": [p.as_dict() for p in self.problems]}
        if self.report is not None:
            extra["report"] = self.report.serialize(format="turtle")
        return super().extensions() | extra


class UnknownContribution(ContributionError):
    """There is no contribution with that id."""

    status, title = 404, "no such contribution"


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
    existing: frozenset[str] = frozenset()  # the instances it names that the store knows already

    def entities(self) -> list[dict[str, object]]:
        """Each instance the contribution describes: IRI, label, types, and whether it is new; for a dry run's table."""
        subjects = sorted({str(s) for s in self.graph.subjects() if isinstance(s, URIRef) and is_instance(str(s))})
        return [
            {
                "iri": iri,
                "label": str(next(iter(self.graph.objects(URIRef(iri), RDFS.label)), "")),
                "types": sorted(shorten(str(t)) for t in self.graph.objects(URIRef(iri), RDF.type)),
                "new": iri not in self.existing,
                "statements": len(list(self.graph.predicate_objects(URIRef(iri)))),
            }
            for iri in subjects
        ]

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


def _bind_prefixes(graph: rdflib.Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
