"""The actor network: who cooperates with whom, and the evidence for every link.

Actors are persons, organisations and territorial authorities (``sr:Person``, ``sr:Organisation``
and its subclasses, ``sr:TerritorialAuthority`` and its subclasses). The links are derived through
the store's SPARQL interface, so the same network comes out of the embedded and the remote backend;
SPARQL finds who takes part in what, and Python pairs the participants (cheaper than a self-join per
event or project). Two actors are linked when

===================  ==========================================================================  ======
kind                 because                                                                     weight
===================  ==========================================================================  ======
``cooperation``      one ``sr:Cooperation`` names both (``sr:partner``, ``sr:memberMunicipality``)     3
``co-organisation``  both organise the same event (``schema:organizer``, ``sr:coOrganizer``,          2
                     ``sr:host``)
``project``          both take part in the same project or programme (``sr:partner``,                 2
                     ``sr:memberMunicipality``, ``sr:coordinator``, ``sr:client``, ``sr:contractor``,
                     ``schema:maintainer``, ``sr:funder``, ``sr:implementingAgency``, an
                     ``org:Membership`` in it; the funder, implementing agency and coordinator
                     of the programme a project is ``sr:fundedBy`` take part in the project too)
``role``             a person holds an ``org:Membership`` in an organisation                             2
``organisational``   one is part, subsidiary, sister, founder or funder of the other                     2
                     (``schema:parentOrganization``, ``sr:subsidiaryOf``, ``org:unitOf``,
                     ``sr:sisterOrganisation``, ``schema:founder``, ``sr:funder``)
``session``          both are on stage in the same event (``sr:speaker``, ``sr:keynoteSpeaker``,       1
                     ``sr:openingSpeaker``, ``sr:welcomeSpeaker``, ``sr:moderator``, ``sr:panelist``)
``event-programme``  one organises, hosts or is on stage at an event (or a part of it) that          1
                     belongs to or presents a programme or project (``sr:withinProgramme``,
                     ``schema:about``), the other is that programme's or project's funder,
                     implementing agency or coordinator
===================  ==========================================================================  ======

Programmes (``sr:FundingProgramme``, ``sr:Cohort``) are linked as a star, not as a clique: each
participant is linked to the programme's funder, implementing agency and coordinator, but two
municipalities funded by the same programme are not thereby partners of each other (a programme
with 73 model projects would otherwise drown every other link). Likewise the programme's leads are
not linked to each other once per funded project: the programme itself links them.

The ``event-programme`` links are a star too: from each actor of the event to the programme's leads,
so a path leads from a conference's participants through the conference to the programme's ministry.

Every link keeps its evidence, one item per source graph: ``{kind, iri, label, date, source}``
(``iri`` the cooperation, event, project or membership; for ``organisational`` links the property;
``source`` the named graph stating it; ``date`` its start date, else that of the event or project
it concerns or belongs to; links that reach a programme's lead through ``sr:fundedBy`` add
``via``, the programme). The **weight** of a link is the sum of the weights above over its
*distinct* evidence items ``(kind, iri)``: a fact stated by two sources is listed twice, counted
once.

The network holds only actors with at least one link, and is rebuilt when ``store.revision()``
changes (every write, and only a write, changes it). Filters (evidence kind, period, region,
actor type) make a view of the cached network; a period keeps evidence whose date overlaps it and
drops undated evidence.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Protocol

import networkx as nx

from smartregion.errors import SmartregionError
from smartregion.names.search import (
    ACTOR_CLASSES,
    ACTOR_GROUPS,
    LABEL_QUERY,
    TYPE_QUERY,
    SearchIndex,
    restricted,
)
from smartregion.rdf.ids import SR
from smartregion.rdf.prefixes import local_name

WEIGHTS = {"cooperation": 3, "co-organisation": 2, "project": 2, "role": 2, "organisational": 2, "session": 1,
           "event-programme": 1}
KINDS = tuple(WEIGHTS)

# Most specific first: a kreisfreie Stadt is Municipality and District, Berlin is State as well.
TYPE_PRIORITY = (
    "Person", "State", "Municipality", "District", "TerritorialAuthority", "Ministry", "PublicAgency",
    "EconomicDevelopmentAgency", "Company", "Association", "ResearchInstitute", "Initiative",
    "OrganisationalUnit", "Organisation", "Actor",
)
ACTOR_TYPES = tuple(t.lower() for t in TYPE_PRIORITY) + ("organisation", "territorial-authority", "person")


PREFIXES = f"""
PREFIX sr: <{SR}>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

ACTOR_BASES = frozenset(SR + c for c in ACTOR_CLASSES)
PROGRAMME_BASES = frozenset({SR + "FundingProgramme", SR + "Cohort", "https://schema.org/FundingScheme"})
PROJECT_BASES = PROGRAMME_BASES | {
    SR + c for c in ("Project", "App", "Platform", "QualificationProgramme", "ConsultingProject", "Strategy")
} | {"https://schema.org/Project"}
COOPERATION = SR + "Cooperation"
PROGRAMME_LEADS = {SR + "funder", SR + "implementingAgency", SR + "coordinator"}

# The ontology's direct subclass pairs, closed in Python (``_Classes``) so that subclasses added to the
# ontology count too; without the ontology in the store the classes of ACTOR_BASES and PROJECT_BASES
# still count as themselves. Not ``rdfs:subClassOf*`` with both ends open: Virtuoso refuses that
# ("transitive start not given"). Who is of which class comes from search.TYPE_QUERY: joined here in
# Python, since a class path per typed subject was the slowest query at a million triples.
SUBCLASS_QUERY = PREFIXES + """
SELECT DISTINCT ?cls ?parent WHERE {
  ?cls rdfs:subClassOf ?parent .
}"""

COOPERATION_QUERY = PREFIXES + """
SELECT DISTINCT ?hub ?actor ?g WHERE {
  ?hub a sr:Cooperation .
  GRAPH ?g { ?hub sr:partner|sr:memberMunicipality ?actor }
}"""

ORGANISER_QUERY = PREFIXES + """
SELECT DISTINCT ?hub ?actor ?g WHERE {
  GRAPH ?g { ?hub schema:organizer|sr:coOrganizer|sr:host ?actor }
}"""

STAGE_QUERY = PREFIXES + """
SELECT DISTINCT ?hub ?actor ?g WHERE {
  GRAPH ?g { ?hub sr:speaker|sr:keynoteSpeaker|sr:openingSpeaker|sr:welcomeSpeaker|sr:moderator|sr:panelist ?actor }
}"""

# The leads of the programme or project an event belongs to or presents; the actors of the event and
# of its parts come from EVENT_ACTOR_QUERY and SUPER_EVENT_QUERY, joined in Python (``_event_programme_rows``):
# Virtuoso refuses ``?part schema:superEvent* ?event`` with both ends open.
EVENT_PROGRAMME_QUERY = PREFIXES + """
SELECT DISTINCT ?event ?hub ?lead ?g WHERE {
  GRAPH ?g { ?event sr:withinProgramme|schema:about ?hub }
  ?hub sr:funder|sr:implementingAgency|sr:coordinator ?lead .
}"""

EVENT_ACTOR_QUERY = PREFIXES + """
SELECT DISTINCT ?part ?actor WHERE {
  ?part schema:organizer|sr:coOrganizer|sr:host|sr:speaker|sr:keynoteSpeaker|sr:openingSpeaker|sr:welcomeSpeaker|sr:moderator|sr:panelist|schema:performer ?actor .
}"""

SUPER_EVENT_QUERY = PREFIXES + """
SELECT DISTINCT ?part ?event WHERE {
  ?part schema:superEvent ?event .
}"""

# Who takes part in what, and which of those things are projects or programmes: two queries joined
# in Python (``_project_rows``). As one query, engines join the class test first and, at a million
# triples, Oxigraph took minutes instead of seconds.
PARTICIPATION_QUERY = PREFIXES + """
SELECT DISTINCT ?hub ?actor ?g ?role ?via WHERE {
  {
    GRAPH ?g { ?hub ?role ?actor }
    VALUES ?role { sr:partner sr:memberMunicipality sr:coordinator sr:client sr:contractor
                   schema:maintainer sr:funder sr:implementingAgency }
  } UNION {
    GRAPH ?g { ?membership org:organization ?hub }
    ?membership org:member ?actor .
    BIND(org:member AS ?role)
  } UNION {
    GRAPH ?g { ?hub sr:fundedBy|^sr:fundedProject|sr:cohort ?funding }
    ?funding sr:programme? ?via .
    ?via ?role ?actor .
    VALUES ?role { sr:funder sr:implementingAgency sr:coordinator }
  }
}"""

MEMBERSHIP_QUERY = PREFIXES + """
SELECT DISTINCT ?m ?person ?org ?g ?title ?role ?start WHERE {
  GRAPH ?g { ?m org:member ?person }
  ?m org:organization ?org .
  OPTIONAL { ?m schema:jobTitle ?title }
  OPTIONAL { ?m org:role ?role }
  OPTIONAL { ?m schema:startDate ?start }
}"""

ORGANISATIONAL = {
    "https://schema.org/parentOrganization": "gehört zu",
    SR + "subsidiaryOf": "Tochtergesellschaft von",
    "http://www.w3.org/ns/org#unitOf": "Einheit von",
    SR + "sisterOrganisation": "Schwesterorganisation von",
    "https://schema.org/founder": "gegründet von",
    SR + "funder": "gefördert von",
}
DATED_BY_FOUNDING = {SR + "subsidiaryOf", "https://schema.org/founder"}

ORGANISATIONAL_QUERY = PREFIXES + f"""
SELECT DISTINCT ?a ?p ?b ?g WHERE {{
  GRAPH ?g {{ ?a ?p ?b }}
  VALUES ?p {{ {" ".join(f"<{p}>" for p in ORGANISATIONAL)} }}
}}"""

DATE_QUERY = PREFIXES + """
SELECT DISTINCT ?s ?date ?which WHERE {
  { ?s schema:startDate ?date BIND("start" AS ?which) }
  UNION
  { ?s schema:foundingDate ?date BIND("founded" AS ?which) }
}"""

# Where an event or cooperation has no date of its own, the date of what it belongs to is used.
PARENT_QUERY = PREFIXES + """
SELECT DISTINCT ?s ?parent WHERE {
  { ?s sr:concerns ?parent } UNION { ?s schema:superEvent ?parent } UNION { ?parent schema:subEvent ?s }
}"""

PLACE_QUERY = PREFIXES + """
SELECT DISTINCT ?s ?place WHERE {
  ?s schema:location|schema:containedInPlace ?place .
  FILTER(isIRI(?place))
}"""


class Store(Protocol):
    def select(self, sparql: str) -> list[dict[str, str]]: ...

    def revision(self) -> str: ...


class BadParameter(SmartregionError, ValueError):
    """A request parameter that cannot be used; ``parameter`` names it (HTTP 422)."""

    status, title = 422, "invalid parameter"

    def __init__(self, parameter: str, message: str):
        super().__init__(f"parameter '{parameter}': {message}")
        self.parameter = parameter
        self.message = message

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"parameter": self.parameter}


class UnknownEntity(SmartregionError, LookupError):
    """A parameter names nothing the graph knows (HTTP 404)."""

    status, title = 404, "not found"

    def __init__(self, parameter: str, message: str):
        super().__init__(f"parameter '{parameter}': {message}")
        self.parameter = parameter
        self.message = message

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"parameter": self.parameter}


@dataclass(frozen=True)
class Actor:
    iri: str
    label: str
    type: str
    group: str
    within: frozenset[str]  # its places and every place containing them

    def as_json(self) -> dict:
        return {"iri": self.iri, "label": self.label, "type": self.type, "group": self.group}


@dataclass(frozen=True)
class Snapshot:
    """The network and search index of one store revision."""

    revision: str
    graph: nx.Graph
    actors: dict[str, Actor]  # every actor, linked or not
    index: SearchIndex
    # Costly answers (centrality) computed once per revision: the snapshot is dropped on the next write.
    memo: dict = field(default_factory=dict, repr=False, compare=False)
    memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def remember(self, key: tuple, compute: Callable[[], object]) -> object:
        """``compute()`` the first time ``key`` is asked for, its stored value after that."""
        with self.memo_lock:  # one computation per key, even when requests for it arrive together
            if key not in self.memo:
                self.memo[key] = compute()
            return self.memo[key]


# -- building -----------------------------------------------------------------------------------


def _rows(store: Store, query: str) -> list[dict[str, str]]:
    # Unbound variables may come back missing or empty depending on the backend: make them absent.
    return [{k: v for k, v in row.items() if v not in (None, "")} for row in store.select(query)]


def _actor_type(classes: set[str]) -> str:
    return next((t for t in TYPE_PRIORITY if t in classes), sorted(classes)[0] if classes else "Actor")


def _group(classes: set[str]) -> str:
    return next((g for g, members in ACTOR_GROUPS.items() if classes & members), "organisation")


def _closure(parents: Mapping[str, set[str]], start: str) -> frozenset[str]:
    seen, todo = {start}, [start]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return frozenset(seen)


class _Classes:
    """Which subjects are actors and which are projects or programmes, with the classes that make them so."""

    def __init__(self, type_rows: Iterable[Mapping[str, str]], subclass_rows: Iterable[Mapping[str, str]]):
        parents: dict[str, set[str]] = defaultdict(set)
        for row in subclass_rows:
            parents[row["cls"]].add(row["parent"])
        bases: dict[str, frozenset[str]] = {}  # class → the actor and project classes it is (or is under)
        # subject → (class, base) for each of its classes under a base of ACTOR_BASES or PROJECT_BASES
        self.typed: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.cooperations: set[str] = set()
        for row in type_rows:
            subject, cls = row["s"], row["cls"]
            if cls not in bases:
                bases[cls] = _closure(parents, cls) & (ACTOR_BASES | PROJECT_BASES)
            if bases[cls]:
                self.typed[subject].update((cls, base) for base in bases[cls])
            if cls == COOPERATION:
                self.cooperations.add(subject)

    def actors(self) -> dict[str, set[str]]:
        """actor → the local names of its classes and of the actor classes they fall under."""
        return {
            subject: {local_name(name) for pair in pairs if pair[1] in ACTOR_BASES for name in pair}
            for subject, pairs in self.typed.items()
            if any(base in ACTOR_BASES for _, base in pairs)
        }

    def hubs(self) -> dict[str, set[str]]:
        """project or programme (never a cooperation: those are linked on their own) → its base classes."""
        return {
            subject: found
            for subject, pairs in self.typed.items()
            if subject not in self.cooperations and (found := {base for _, base in pairs if base in PROJECT_BASES})
        }


def _load_actors(store: Store, classes: _Classes, labels: SearchIndex) -> dict[str, Actor]:
    located: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, PLACE_QUERY):
        located[row["s"]].add(row["place"])
    actors = {}
    for iri, names in classes.actors().items():
        group = _group(names)
        within = _closure(located, iri)
        if group != "territorial-authority":
            within -= {iri}  # an organisation is not a place; a territorial authority is one
        actors[iri] = Actor(iri, labels.label(iri), _actor_type(names), group, within)
    return actors


class _Dates:
    """The date of an evidence item: its own start date, else that of what it belongs to."""

    def __init__(self, store: Store, subjects: set[str] | None = None):
        """Every date in the store, or (``subjects``) those of these subjects and what they belong to."""
        self.parents: dict[str, set[str]] = defaultdict(set)
        if subjects is None:
            for row in _rows(store, PARENT_QUERY):
                self.parents[row["s"]].add(row["parent"])
        else:
            subjects, todo = set(subjects), set(subjects)
            for _ in range(3):  # as deep as ``of`` looks
                found = _rows(store, restricted(PARENT_QUERY, "s", todo)) if todo else []
                for row in found:
                    self.parents[row["s"]].add(row["parent"])
                todo = {row["parent"] for row in found} - subjects
                subjects |= todo
        self.start: dict[str, str] = {}
        self.founded: dict[str, str] = {}
        for row in _rows(store, DATE_QUERY if subjects is None else restricted(DATE_QUERY, "s", subjects)):
            table = self.start if row["which"] == "start" else self.founded
            table[row["s"]] = min(table.get(row["s"], row["date"]), row["date"])

    def of(self, iri: str, depth: int = 3) -> str | None:
        if iri in self.start or depth == 0:
            return self.start.get(iri)
        found = [d for p in sorted(self.parents.get(iri, ())) if (d := self.of(p, depth - 1))]
        return min(found) if found else None


@dataclass
class _Links:
    """Evidence collected per pair of actors while building."""

    actors: Mapping[str, Actor]
    evidence: dict[tuple[str, str], dict[tuple, dict]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, a: str, b: str, item: dict) -> None:
        if a == b or a not in self.actors or b not in self.actors:
            return
        pair = (a, b) if a < b else (b, a)
        self.evidence[pair].setdefault((item["kind"], item["iri"], item["source"]), item)

    def graph(self) -> nx.Graph:
        # Sorted, so that both backends (whose rows come in different orders) give the same graph, and
        # seeded algorithms such as Leiden give the same answer on both.
        g = nx.Graph()
        for node in sorted({node for pair in self.evidence for node in pair}):
            g.add_node(node, **self.actors[node].as_json(), within=self.actors[node].within)
        for (a, b), items in sorted(self.evidence.items()):
            g.add_edge(a, b, **edge_data(list(items.values())))
        return g


def edge_data(evidence: list[dict]) -> dict:
    """Weight, kinds and count of a link from its evidence (the weight rule is in the module doc)."""
    evidence = sorted(evidence, key=lambda e: (-WEIGHTS[e["kind"]], e.get("date") or "", e["label"], e["source"]))
    distinct = {(e["kind"], e["iri"]) for e in evidence}
    return {
        "evidence": evidence,
        "weight": sum(WEIGHTS[kind] for kind, _ in distinct),
        "kinds": sorted({kind for kind, _ in distinct}, key=KINDS.index),
    }


def _incidences(rows: Iterable[dict[str, str]]) -> dict[str, dict[str, set[str]]]:
    """hub → actor → the graphs stating that the actor takes part."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        found[row["hub"]][row["actor"]].add(row["g"])
    return found


def _link_hub(links: _Links, kind: str, hub: str, members: Mapping[str, set[str]], pairs: Iterable[tuple[str, str]],
              label: str, date: str | None, via: Mapping[str, str] | None = None) -> None:
    """Link the pairs of a hub's participants; one evidence item per graph stating either's part."""
    for a, b in pairs:
        for source in sorted(members[a] | members[b]):
            item = {"kind": kind, "iri": hub, "label": label, "date": date, "source": source}
            if via and (a in via or b in via):
                item["via"] = via.get(a) or via[b]
            links.add(a, b, item)


def _project_rows(rows: list[dict[str, str]], classes: _Classes) -> list[dict[str, str]]:
    """Participations (PARTICIPATION_QUERY's rows) in projects and programmes, one row per base class of the hub (``?base``)."""
    bases = classes.hubs()
    return [{**row, "base": base} for row in rows for base in sorted(bases.get(row["hub"], ()))]


def _event_programme_rows(actor_rows: Iterable[Mapping[str, str]], super_rows: Iterable[Mapping[str, str]],
                          programme_rows: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """The actors of events and their parts (``?part ?actor``) with the leads of the programme of the event
    or of an event it is part of (``?event ?hub ?lead ?g``): ``?part schema:superEvent* ?event``, in Python."""
    supers: dict[str, set[str]] = defaultdict(set)
    for row in super_rows:
        supers[row["part"]].add(row["event"])
    leads: dict[str, list[Mapping[str, str]]] = defaultdict(list)
    for row in programme_rows:
        leads[row["event"]].append(row)
    found: dict[tuple[str, ...], dict[str, str]] = {}
    for row in actor_rows:
        for event in _closure(supers, row["part"]) & leads.keys():
            for lead in leads[event]:
                found[(event, lead["hub"], row["actor"], lead["lead"], lead["g"])] = {
                    "event": event, "hub": lead["hub"], "actor": row["actor"], "lead": lead["lead"], "g": lead["g"]}
    return [found[key] for key in sorted(found)]


def build_snapshot(store: Store, revision: str, index: SearchIndex | None = None) -> Snapshot:
    """Query the store and project the actor network (see the module doc for the rules)."""
    type_rows = _rows(store, TYPE_QUERY)
    index = index or SearchIndex(_rows(store, LABEL_QUERY), type_rows)
    classes = _Classes(type_rows, _rows(store, SUBCLASS_QUERY))
    actors = _load_actors(store, classes, index)
    links = _Links(actors)
    collect_links(store, links, classes, index, _Dates(store))
    return Snapshot(revision, links.graph(), actors, index)


@dataclass(frozen=True)
class Only:
    """Which links to collect again: those of these hubs, memberships and graphs (see ``patching.py``)."""

    hubs: set[str]
    memberships: set[str]
    graphs: set[str]


def collect_links(store: Store, links: _Links, classes: _Classes, index: SearchIndex, dates: _Dates, only: Only | None = None) -> None:
    """Every link's evidence, or (``only``) the evidence of some hubs, memberships and graphs, into ``links``."""

    def ask(query: str, variable: str, values: set[str] | None, before: str | None = None) -> list[dict[str, str]]:
        if only is None:
            return _rows(store, query)
        return _rows(store, restricted(query, variable, values, before=before)) if values else []

    hubs = only.hubs if only else None
    for kind, query in (("cooperation", COOPERATION_QUERY), ("co-organisation", ORGANISER_QUERY),
                        ("session", STAGE_QUERY)):
        for hub, members in _incidences(ask(query, "hub", hubs)).items():
            _link_hub(links, kind, hub, members, combinations(sorted(members), 2), index.label(hub), dates.of(hub))

    project_rows = _project_rows(ask(PARTICIPATION_QUERY, "hub", hubs, "GRAPH ?g {"), classes)
    programmes = {r["hub"] for r in project_rows if r["base"] in PROGRAMME_BASES}
    leads: dict[str, set[str]] = defaultdict(set)
    direct: dict[str, set[str]] = defaultdict(set)
    via: dict[str, dict[str, str]] = defaultdict(dict)
    for row in project_rows:
        if row["role"] in PROGRAMME_LEADS:
            leads[row["hub"]].add(row["actor"])
        if "via" in row:
            via[row["hub"]][row["actor"]] = row["via"]
        else:
            direct[row["hub"]].add(row["actor"])
    for hub, members in _incidences(project_rows).items():
        pairs = combinations(sorted(members), 2)
        if hub in programmes:
            pairs = ((a, b) for a, b in pairs if a in leads[hub] or b in leads[hub])
        else:
            # Two leads of the programme meet in every project it funds; the programme itself links them.
            pairs = ((a, b) for a, b in pairs if a in direct[hub] or b in direct[hub])
        _link_hub(links, "project", hub, members, pairs, index.label(hub), dates.of(hub), via.get(hub))

    # A patch (``revisions.py``) asks about the parts it adds: their actors' links to the leads of the
    # programme their event belongs to. It only adds, so the evidence collected before stays.
    parts = ask(EVENT_ACTOR_QUERY, "part", hubs)
    supers, programmes = (_rows(store, SUPER_EVENT_QUERY), _rows(store, EVENT_PROGRAMME_QUERY)) if parts else ([], [])
    for row in _event_programme_rows(parts, supers, programmes):
        event, hub = row["event"], row["hub"]
        links.add(row["actor"], row["lead"], {
            "kind": "event-programme", "iri": event, "label": f"{index.label(event)} – {index.label(hub)}",
            "date": dates.of(event), "source": row["g"], "via": hub,
        })

    for row in ask(MEMBERSHIP_QUERY, "m", only.memberships if only else None):
        person, organisation = row["person"], row["org"]
        what = row.get("title") or (index.label(row["role"]) if "role" in row else "Mitglied")
        label = f"{index.label(person)} – {what} – {index.label(organisation)}"
        links.add(person, organisation, {"kind": "role", "iri": row["m"], "label": label,
                                         "date": row.get("start") or dates.of(row["m"]), "source": row["g"]})

    for row in ask(ORGANISATIONAL_QUERY, "g", only.graphs if only else None):
        a, p, b = row["a"], row["p"], row["b"]
        label = f"{index.label(a)} – {ORGANISATIONAL[p]} – {index.label(b)}"
        date = dates.founded.get(a) if p in DATED_BY_FOUNDING else None
        links.add(a, b, {"kind": "organisational", "iri": p, "label": label, "date": date, "source": row["g"]})
