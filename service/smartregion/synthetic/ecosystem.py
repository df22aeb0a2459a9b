"""The generator: places, actors, programmes, projects, events and cooperations, written as TriG."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox
from tqdm import tqdm

from smartregion.rdf.ids import ID, slugify
from smartregion.rdf.prefixes import PREFIXES as NAMESPACES
from smartregion.synthetic.words import (
    ATTENDANCE,
    DOCUMENT_KINDS,
    ENDINGS,
    ENTITIES_PER_SOURCE,
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    MINISTRY_FIELDS,
    OCCUPATIONS,
    ORGANISATION_KINDS,
    PROJECT_KINDS,
    PROJECT_WORDS,
    QUALIFIERS,
    ROLE_WEIGHTS,
    ROOTS,
    SESSION_KINDS,
    STATES,
    TITLES,
)

TRIPLES_PER_ORGANISATION = 10  # what the mix below comes to, roughly; the summary has the exact count

PREFIXES = {  # one per kind of entity too, so that the file stays small
    **{prefix: NAMESPACES[prefix] for prefix in ("sr", "src", "rdfs", "xsd", "skos", "dcterms", "schema", "org")},
    **{kind: f"{ID}{kind}/" for kind in (
        "organisation", "person", "membership", "municipality", "district", "state", "country", "programme",
        "cohort", "project", "event", "cooperation", "topic", "role", "cooperation-kind", "document-kind", "observation",
    )},
}
GERMAN = "<http://publications.europa.eu/resource/authority/language/DEU>"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/stateKey/"

@dataclass(frozen=True)
class Vocabulary:
    """The concepts of ``ontology/topics.ttl`` the data refers to: slug → German label."""

    topics: dict[str, str]
    roles: dict[str, str]
    cooperation_kinds: dict[str, str]

    @classmethod
    def from_ontology(cls, home: Path) -> Vocabulary:
        store = ox.Store()
        for path in sorted((home / "ontology").glob("*.ttl")):
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
        found: dict[str, dict[str, str]] = {"topic": {}, "role": {}, "cooperation-kind": {}}
        query = ("SELECT ?c ?label WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> ; "
                 "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = 'de') }")
        for concept, label in store.query(query):
            kind, _, slug = concept.value.removeprefix(ID).partition("/")
            if kind in found:
                found[kind][slug] = label.value
        missing = [kind for kind, concepts in found.items() if not concepts]
        if missing:
            raise ValueError(f"ontology/topics.ttl has no concepts of kind {', '.join(missing)}; the generator needs them")
        return cls(*(dict(sorted(found[k].items())) for k in ("topic", "role", "cooperation-kind")))


@dataclass
class Summary:
    """What was written: triples, named graphs and entities by kind."""

    scale: int
    seed: int
    triples: int = 0
    graphs: int = 0
    entities: dict[str, int] = field(default_factory=dict)


# --- writing Turtle ---------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def de(text: str) -> str:
    return _quote(text) + "@de"


def en(text: str) -> str:
    return _quote(text) + "@en"


def typed(value: str, datatype: str) -> str:
    return f"{_quote(value)}^^xsd:{datatype}"


class _Writer:
    """Collects the entities of each named graph as Turtle text, counting triples."""

    def __init__(self, summary: Summary):
        self.summary = summary
        self.graphs: dict[str, list[str]] = {}

    def graph(self, source: str) -> None:
        self.graphs.setdefault(source, [])

    def entity(self, source: str, subject: str, kind: str, pairs: Sequence[tuple[str, str]]) -> None:
        """One subject with its predicate-object pairs and ``dcterms:source``, in the source's graph.

        A source document is the graph itself and names no source.
        """
        lines = [f"{p} {o}" for p, o in pairs]
        if kind != "SourceDocument":
            lines.append(f"dcterms:source src:{source}")
        self.graphs[source].append(f"    {subject}\n        " + " ;\n        ".join(lines) + " .\n")
        self.summary.triples += len(lines)
        self.summary.entities[kind] = self.summary.entities.get(kind, 0) + 1

    def write(self, out: TextIO) -> None:
        out.write("# Synthetic data made by `smartregion generate` for benchmarks: not knowledge, never part of graph/.\n")
        out.write(f"# scale {self.summary.scale}, seed {self.summary.seed}, {self.summary.triples} triples.\n\n")
        out.writelines(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in PREFIXES.items())
        for source, entities in self.graphs.items():
            out.write(f"\nsrc:{source} {{\n")
            out.write("\n".join(entities))
            out.write("}\n")
        self.summary.graphs = len(self.graphs)


# --- the ecosystem ----------------------------------------------------------------------------------


@dataclass
class _Place:
    iri: str
    name: str
    state: int  # index into STATES


@dataclass
class _Actor:
    iri: str
    name: str
    kind: str
    place: _Place | None = None


class _Generator:
    """Makes the entities in a fixed order from one seeded random generator (same seed, same data)."""

    def __init__(self, scale: int, seed: int, vocabulary: Vocabulary, writer: _Writer, tick: Callable[[int], object]):
        self.n = scale
        self.rng = random.Random(seed)
        self.seed = seed
        self.vocabulary = vocabulary
        self.out = writer
        self.tick = tick
        self.slugs: set[str] = set()
        self.sources = [f"synthetic-s{seed}-{i:04d}" for i in range(max(1, -(-scale // ENTITIES_PER_SOURCE)))]
        self.places_source = f"synthetic-s{seed}-places"
        self.states: list[_Place] = []

    # helpers

    def slug(self, kind: str, name: str) -> str:
        """A slug unique within its kind: the name's, numbered from 2 on a clash (``anna-schmidt-2``)."""
        base = slugify(name) or kind
        slug, n = base, 1
        while f"{kind}/{slug}" in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(f"{kind}/{slug}")
        return f"{kind}:{slug}"

    def source(self) -> str:
        return self.rng.choice(self.sources)

    def skewed(self, items: Sequence, power: float = 2.5):
        """An item, the first ones far more often: a few hubs, a long tail."""
        return items[int(len(items) * self.rng.random() ** power)]

    def distinct(self, items: Sequence, count: int, power: float = 2.5) -> list:
        chosen: dict[int, None] = {}
        for _ in range(count * 4):
            if len(chosen) == min(count, len(items)):
                break
            chosen[int(len(items) * self.rng.random() ** power)] = None
        return [items[i] for i in chosen]

    def date(self, first: int = 2012, last: int = 2025) -> str:
        return f"{self.rng.randint(first, last)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def topic(self) -> str:
        return "topic:" + self.rng.choice(list(self.vocabulary.topics))

    # the parts, in order

    def run(self) -> None:
        for source in self.sources:
            self.documents(source)
        places = self.places()
        organisations = self.organisations(places)
        persons = self.persons()
        programmes, cohorts = self.programmes(organisations)
        projects = self.projects(organisations, places, programmes, cohorts)
        self.memberships(persons, organisations, projects)
        events = self.events(organisations, persons, places)
        self.cooperations(organisations, places, projects, events)

    def documents(self, source: str) -> None:
        self.out.graph(source)
        number = int(source.rsplit("-", 1)[1]) + 1
        self.out.entity(source, f"src:{source}", "SourceDocument", [
            ("a", "sr:SourceDocument"),
            ("dcterms:title", de(f"Synthetischer Bericht {number} (Seed {self.seed})")),
            ("dcterms:issued", typed(self.date(2015), "date")),
            ("dcterms:language", GERMAN),
            ("dcterms:type", "document-kind:" + self.rng.choice(DOCUMENT_KINDS)),
            ("sr:fileName", _quote(f"{source}.txt")),
        ])

    def places(self) -> list[_Place]:
        """States (the real 16), synthetic districts and municipalities; one reference graph."""
        source = self.places_source
        self.out.graph(source)
        self.out.entity(source, f"src:{source}", "SourceDocument", [
            ("a", "sr:SourceDocument"),
            ("dcterms:title", de(f"Synthetisches Gemeindeverzeichnis (Seed {self.seed})")),
            ("dcterms:language", GERMAN),
            ("dcterms:type", "document-kind:reference-data"),
            ("sr:fileName", _quote(f"{source}.txt")),
        ])
        self.out.entity(source, "country:deutschland", "Country",
                        [("a", "sr:Country"), ("rdfs:label", de("Deutschland")), ("rdfs:label", en("Germany"))])
        municipality_count = min(10800, max(32, self.n // 10))
        district_count = min(400, max(16, municipality_count // 27))
        names = self.place_names(municipality_count + district_count)
        states = self.states
        for i, (name, english, key, _) in enumerate(STATES):
            iri = f"state:{slugify(name)}"
            states.append(_Place(iri, name, i))
            self.out.entity(source, iri, "State", [
                ("a", "sr:State"), ("rdfs:label", de(name)), ("rdfs:label", en(english)), ("sr:stateKey", _quote(key)),
                ("sr:ars", _quote(key + "0" * 10)), ("schema:containedInPlace", "country:deutschland"),
                ("skos:exactMatch", f"<{GEOCODING}{key}>"),
            ])
        district_states = _apportion([weight for *_, weight in STATES], district_count)
        districts: list[tuple[_Place, str]] = []
        for state, count in enumerate(district_states):
            for k in range(count):
                name = names.pop()
                key = f"{STATES[state][2]}{k + 1:03d}"
                iri = self.slug("district", name)
                districts.append((_Place(iri, name, state), key))
                self.out.entity(source, iri, "District", [
                    ("a", "sr:District"), ("rdfs:label", de(f"Landkreis {name}")), ("sr:districtKey", _quote(key)),
                    ("sr:ars", _quote(key + "0" * 7)), ("schema:containedInPlace", states[state].iri),
                ])
        self.tick(district_count)
        municipalities = []
        for i in range(municipality_count):
            district, key = districts[i % len(districts)]
            name = names.pop()
            ags = f"{key}{i // len(districts) + 1:03d}"
            iri = self.slug("municipality", name)
            inhabitants = int(self.rng.lognormvariate(8.5, 1.3)) + 50
            municipalities.append((inhabitants, _Place(iri, name, district.state)))
            self.out.entity(source, iri, "Municipality", [
                ("a", "sr:Municipality"), ("rdfs:label", de(name)), ("sr:ags", _quote(ags)),
                ("sr:ars", _quote(f"{key}0000{ags[5:]}")), ("schema:containedInPlace", district.iri),
            ])
            self.out.entity(source, f"observation:{iri.split(':')[1]}-inhabitants", "Observation", [
                ("a", "sr:Observation"), ("sr:observationOf", iri), ("sr:inhabitants", str(inhabitants)),
                ("sr:referenceDate", '"2022-12-31"^^xsd:date'),
            ])
        self.tick(municipality_count)
        # Large towns first: ``skewed`` then settles organisations, projects and events in them more often.
        return [place for _, place in sorted(municipalities, key=lambda m: -m[0])]

    def place_names(self, count: int) -> list[str]:
        combinations = len(ROOTS) * len(ENDINGS) * len(QUALIFIERS)
        names = []
        for number in self.rng.sample(range(combinations), count):
            number, qualifier = divmod(number, len(QUALIFIERS))
            root, ending = divmod(number, len(ENDINGS))
            names.append(ROOTS[root] + ENDINGS[ending] + QUALIFIERS[qualifier])
        return names

    def organisations(self, places: list[_Place]) -> list[_Actor]:
        kinds = [k for k, *_ in ORGANISATION_KINDS]
        weights = [w for _, w, *_ in ORGANISATION_KINDS]
        templates = {k: (t, words) for k, _, t, words in ORGANISATION_KINDS}
        ministries = [(f"Ministerium für {f} des Landes {s}", self.states[i]) for i, (s, *_) in enumerate(STATES)
                      for f in MINISTRY_FIELDS]
        self.rng.shuffle(ministries)
        organisations: list[_Actor] = []
        for _ in range(self.n):
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "Ministry" and not ministries:
                kind = "PublicAgency"
            if kind == "OrganisationalUnit" and not organisations:
                kind = "Organisation"
            place = self.skewed(places, 2.0)
            if kind == "Ministry":
                name, place = ministries.pop()
            else:
                template, words = templates[kind]
                name = self.rng.choice(template).format(word=self.rng.choice(words), place=place.name)
            actor = _Actor(self.slug("organisation", name), name, kind, place)
            pairs = [("a", f"sr:{kind}"), ("rdfs:label", de(name)), ("schema:location", place.iri)]
            roll = self.rng.random()
            if kind == "OrganisationalUnit":
                pairs.append(("org:unitOf", self.skewed(organisations).iri))
            elif roll < 0.03 and organisations:
                pairs.append(("schema:parentOrganization", self.skewed(organisations).iri))
            elif roll < 0.05 and organisations:
                pairs.append(("sr:subsidiaryOf", self.skewed(organisations).iri))
            if self.rng.random() < 0.3:
                pairs.append(("skos:altLabel", de(_abbreviation(name))))
            if self.rng.random() < 0.2:
                pairs.append(("dcterms:subject", self.topic()))
            if self.rng.random() < 0.1:
                year = self.rng.randint(1990, 2023)
                pairs.append(("schema:foundingDate", typed(str(year), "gYear") if self.rng.random() < 0.5 else typed(self.date(year, year), "date")))
                if self.rng.random() < 0.3 and organisations:
                    pairs.append(("schema:founder", self.skewed(organisations).iri))
            if kind == "Association" and self.rng.random() < 0.5:
                pairs.append(("sr:memberCount", str(self.rng.randint(5, 2000))))
            source = self.source()
            self.out.entity(source, actor.iri, "Organisation", pairs)
            if self.rng.random() < 0.03:  # a second source names it too, as real sources do
                other = self.source()
                if other != source:
                    self.out.entity(other, actor.iri, "restatement", [("a", f"sr:{kind}"), ("rdfs:label", de(name))])
            organisations.append(actor)
            self.tick(1)
        return organisations

    def persons(self) -> list[_Actor]:
        persons = []
        for _ in range(int(self.n * 0.3)):
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            actor = _Actor(self.slug("person", name), name, "Person")
            pairs = [("a", "sr:Person"), ("rdfs:label", de(name))]
            if self.rng.random() < 0.2:
                pairs.append(("schema:honorificPrefix", _quote(self.rng.choice(TITLES))))
            if self.rng.random() < 0.1:
                pairs.append(("schema:hasOccupation", de(self.rng.choice(OCCUPATIONS))))
            self.out.entity(self.source(), actor.iri, "Person", pairs)
            persons.append(actor)
            self.tick(1)
        return persons

    def programmes(self, organisations: list[_Actor]) -> tuple[list[_Actor], list[_Actor]]:
        funders = [o for o in organisations if o.kind in ("Ministry", "PublicAgency")] or organisations
        agencies = [o for o in organisations if o.kind in ("PublicAgency", "Organisation", "OrganisationalUnit")] or organisations
        programmes, cohorts = [], []
        topics = list(self.vocabulary.topics.items())
        for i in range(max(2, self.n // 5000)):
            _, topic_name = topics[i % len(topics)]
            name = f"Förderprogramm {topic_name} {i // len(topics) + 1}"
            programme = _Actor(self.slug("programme", name), name, "FundingProgramme")
            source = self.source()
            self.out.entity(source, programme.iri, "FundingProgramme", [
                ("a", "sr:FundingProgramme"), ("rdfs:label", de(name)), ("sr:funder", self.skewed(funders, 1.5).iri),
                ("sr:implementingAgency", self.skewed(agencies, 1.5).iri), ("dcterms:subject", f"topic:{topics[i % len(topics)][0]}"),
            ])
            programmes.append(programme)
            for year in range(2019, 2019 + self.rng.randint(1, 3)):
                cohort_name = f"{name} – Staffel {year}"
                cohort = _Actor(self.slug("cohort", cohort_name), cohort_name, "Cohort")
                self.out.entity(source, cohort.iri, "Cohort", [
                    ("a", "sr:Cohort"), ("rdfs:label", de(cohort_name)), ("sr:programme", programme.iri),
                ])
                cohorts.append(cohort)
        return programmes, cohorts

    def projects(self, organisations: list[_Actor], places: list[_Place], programmes: list[_Actor],
                 cohorts: list[_Actor]) -> list[_Actor]:
        kinds, weights = zip(*PROJECT_KINDS)
        topics = list(self.vocabulary.topics.items())
        projects = []
        for _ in range(int(self.n * 0.04)):
            kind = self.rng.choices(kinds, weights)[0]
            slug, topic_name = self.rng.choice(topics)
            place = self.skewed(places, 2.0)
            name = f"{PROJECT_WORDS.get(kind, 'Projekt')} {topic_name} {place.name}"
            project = _Actor(self.slug("project", name), name, kind, place)
            start = self.rng.randint(2014, 2024)
            pairs = [("a", f"sr:{kind}"), ("rdfs:label", de(name)), ("dcterms:subject", f"topic:{slug}"),
                     ("schema:startDate", typed(self.date(start, start), "date"))]
            if self.rng.random() < 0.5:
                pairs.append(("schema:endDate", typed(self.date(start + 1, start + 4), "date")))
            if self.rng.random() < 0.6:
                cohort = self.rng.choice(cohorts)
                pairs += [("sr:fundedBy", cohort.iri), ("sr:cohort", cohort.iri)]
            elif self.rng.random() < 0.5:
                pairs.append(("sr:fundedBy", self.rng.choice(programmes).iri))
            if self.rng.random() < 0.5:
                pairs.append(("sr:memberMunicipality", place.iri))
            for partner in self.distinct(organisations, self.rng.randint(1, 3)):
                pairs.append(("sr:partner", partner.iri))
            pairs.append(("sr:coordinator", self.skewed(organisations).iri))
            if kind in ("App", "Platform"):
                pairs.append(("schema:maintainer", self.skewed(organisations).iri))
            self.out.entity(self.source(), project.iri, "Project", pairs)
            projects.append(project)
            self.tick(1)
        return projects

    def memberships(self, persons: list[_Actor], organisations: list[_Actor], projects: list[_Actor]) -> None:
        """One or two roles per person over time: the earlier one ends when the later one starts."""
        roles, weights = zip(*((r, w) for r, w in ROLE_WEIGHTS.items() if r in self.vocabulary.roles))
        for person in persons:
            start = self.rng.randint(2005, 2022)
            count = 2 if self.rng.random() < 0.17 else 1
            for turn in range(count):
                into = self.rng.choice(projects) if projects and self.rng.random() < 0.1 else self.skewed(organisations, 1.5)
                role = self.rng.choices(roles, weights)[0]
                iri = self.slug("membership", f"{person.iri.split(':')[1]}-{into.iri.split(':')[1]}")
                pairs = [("a", "org:Membership"), ("org:member", person.iri), ("org:organization", into.iri),
                         ("org:role", f"role:{role}")]
                if self.rng.random() < 0.5:
                    pairs.append(("schema:jobTitle", de(JOB_TITLES[role])))
                ends = turn + 1 < count or self.rng.random() < 0.2
                end = min(2025, start + self.rng.randint(1, 6))
                if turn or self.rng.random() < 0.8:
                    pairs.append(("schema:startDate", typed(f"{start}-{self.rng.randint(1, 12):02d}", "gYearMonth")
                                  if self.rng.random() < 0.3 else typed(self.date(start, start), "date")))
                if ends:
                    pairs.append(("schema:endDate", typed(self.date(end, end), "date") if end > start else typed(str(end), "gYear")))
                self.out.entity(self.source(), iri, "Membership", pairs)
                start = end
            self.tick(1)

    def events(self, organisations: list[_Actor], persons: list[_Actor], places: list[_Place]) -> list[_Actor]:
        themes = ("Digitalkonferenz", "Regionalkonferenz", "Zukunftsforum", "Smart-Region-Tag", "Fachtag Daseinsvorsorge")
        hosts = [o for o in organisations if o.kind in ("Ministry", "PublicAgency")] or organisations
        topics = list(self.vocabulary.topics.items())
        events = []
        for _ in range(int(self.n * 0.03)):
            year = self.rng.randint(2015, 2025)
            place = self.skewed(places, 2.0)
            name = f"{self.rng.choice(themes)} {place.name} {year}"
            event = _Actor(self.slug("event", name), name, "Conference", place)
            day = self.date(year, year)
            pairs = [("a", "sr:Conference"), ("rdfs:label", de(name)),
                     ("schema:startDate", typed(f"{day}T09:00:00+01:00", "dateTime")),
                     ("schema:endDate", typed(f"{day}T17:00:00+01:00", "dateTime")),
                     ("schema:location", place.iri), ("schema:eventAttendanceMode", self.rng.choice(ATTENDANCE)),
                     ("schema:organizer", self.skewed(organisations).iri), ("dcterms:subject", self.topic())]
            if self.rng.random() < 0.5:
                pairs.append(("sr:coOrganizer", self.skewed(organisations).iri if self.rng.random() < 0.7 else place.iri))
            if self.rng.random() < 0.2:
                pairs.append(("sr:host", self.skewed(hosts, 1.5).iri))
            if self.rng.random() < 0.3:
                pairs.append(("sr:participantCount", str(self.rng.randint(20, 600))))
            source = self.source()
            self.out.entity(source, event.iri, "Event", pairs)
            for hour in range(10, 10 + self.rng.randint(1, 3)):
                kind = self.rng.choice(list(SESSION_KINDS))
                _, topic_name = self.rng.choice(topics)
                session_name = f"{SESSION_KINDS[kind]} {topic_name} ({name})"
                session = self.slug("event", session_name)
                speaker = "sr:keynoteSpeaker" if kind == "Talk" and self.rng.random() < 0.3 else "sr:speaker"
                pairs = [("a", f"sr:{kind}"), ("rdfs:label", de(session_name)), ("schema:superEvent", event.iri),
                         ("schema:startDate", typed(f"{day}T{hour}:00:00+01:00", "dateTime"))]
                pairs += [(speaker, p.iri) for p in self.distinct(persons, self.rng.randint(1, 3), 1.5)]
                if self.rng.random() < 0.5:
                    pairs.append(("sr:moderator", self.skewed(persons, 1.5).iri))
                self.out.entity(source, session, "Event", pairs)
            events.append(event)
            self.tick(1)
        return events

    def cooperations(self, organisations: list[_Actor], places: list[_Place], projects: list[_Actor],
                     events: list[_Actor]) -> None:
        kinds = list(self.vocabulary.cooperation_kinds)
        for i in range(int(self.n * 0.04)):
            self.tick(1)
            partners = self.distinct(organisations, self.rng.randint(2, 3))
            if len(partners) < 2:
                continue
            pairs = [("a", "sr:Cooperation"), ("sr:cooperationKind", f"cooperation-kind:{self.rng.choice(kinds)}")]
            pairs += [("sr:partner", p.iri) for p in partners]
            if self.rng.random() < 0.2:
                pairs.append(("sr:memberMunicipality", self.skewed(places, 2.0).iri))
            if self.rng.random() < 0.5:
                pairs.append(("rdfs:label", de(f"Kooperation {partners[0].name} – {partners[1].name}")))
            if self.rng.random() < 0.7:
                pairs.append(("schema:startDate", typed(self.date(), "date")))
            concerned = projects if self.rng.random() < 0.5 else events
            if self.rng.random() < 0.3 and concerned:
                pairs.append(("sr:concerns", self.rng.choice(concerned).iri))
            if self.rng.random() < 0.1:
                pairs += [("sr:confidence", f"{self.rng.randint(50, 95) / 100:.2f}"),
                          ("rdfs:comment", en("Synthetic doubt: the partners are implied, not stated."))]
            if self.rng.random() < 0.3:
                pairs.append(("dcterms:subject", self.topic()))
            self.out.entity(self.source(), f"cooperation:synthetic-{i + 1}", "Cooperation", pairs)


def _apportion(weights: Sequence[int], total: int) -> list[int]:
    """``total`` split in proportion to ``weights``, at least one each (largest remainder)."""
    share = [max(1, w * total // sum(weights)) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -(weights[i] * total / sum(weights) - share[i]))
    i = 0
    while sum(share) < total:
        share[order[i % len(order)]] += 1
        i += 1
    while sum(share) > total:
        largest = max(range(len(share)), key=lambda j: share[j])
        share[largest] -= 1
    return share


def _abbreviation(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if len(w) > 2 and w[0].isalpha()]
    return "".join(w[0].upper() for w in words) or name[:4].upper()


def work_units(scale: int) -> int:
    """How many steps the progress display counts for a scale (entities of the larger kinds)."""
    municipalities = min(10800, max(32, scale // 10))
    return (min(400, max(16, municipalities // 27)) + municipalities + scale + int(scale * 0.3) + int(scale * 0.04) * 2
            + int(scale * 0.3) + int(scale * 0.03))


def generate(scale: int, out: TextIO, *, home: Path, seed: int = 1, progress: bool = False) -> Summary:
    """Write the synthetic ecosystem of ``scale`` organisations as TriG to ``out``."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1 organisation, not {scale}")
    vocabulary = Vocabulary.from_ontology(home)
    summary = Summary(scale, seed)
    writer = _Writer(summary)
    with tqdm(total=work_units(scale), desc="generating", unit="entity", file=sys.stderr, disable=not progress) as bar:
        _Generator(scale, seed, vocabulary, writer, bar.update).run()
    writer.write(out)
    return summary


# --- the command ------------------------------------------------------------------------------------


def default_output(home: Path, scale: int, seed: int) -> Path:
    """``bench/data/synthetic-<scale>-s<seed>.trig``: the benchmarks' folder, git-ignored."""
    return home / "bench" / "data" / f"synthetic-{scale}-s{seed}.trig"
