"""The DCAT-AP.de catalogue (``/catalog``) and the VoID description (``/.well-known/void``).

Both are computed from the store by SPARQL and from the dumps' manifest, so that they describe
exactly the live revision: one ``dcat:Dataset`` for the whole graph and one per named graph, the
dumps as distributions with size and SHA-256, the SPARQL endpoint as a ``dcat:DataService``.

Conventions (DCAT-AP 3.0.0 and DCAT-AP.de 3.0):
- Licences are IRIs of the DCAT-AP.de licence vocabulary; what a source states (e.g. the GovData
  page of dl-de/by-2-0) is mapped to it; a graph that states none is our own data, CC BY 4.0.
- Spatial coverage is given with DCAT-AP.de politicalGeocoding IRIs in ``dct:spatial`` (the
  Länder a graph mentions, found through ``schema:containedInPlace``) and the level in
  ``dcatde:politicalGeocodingLevelURI``; ``dcatde:politicalGeocodingURI`` is deprecated in
  DCAT-AP.de 3.0 and not written. No ``dcatde:contributorID``: IDs are assigned by GovData.
- Linked vocabulary terms (licences, themes, file types, media types, places, languages) carry
  their class and scheme, because validators work offline and check the classes of linked resources.
- ``void:triples`` counts statements per named graph, as the store and the quad dumps do: a
  triple that two sources state counts twice; the union Turtle dump holds each triple once.

Identifiers of catalogue resources are stable (``https://w3id.org/smartregion/catalog#...``);
URLs to fetch things (downloads, the endpoint, the home page) come from the ``base_url`` setting.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from smartregion.publish.dumps import FORMATS, Manifest
from smartregion.rdf.ids import BASE, ONTOLOGY, SOURCE, SR, slugify
from smartregion.rdf.prefixes import PREFIXES
from smartregion.settings import Settings
from smartregion.store import META_GRAPH, Store

CATALOG = BASE + "catalog"
DATASET = URIRef(CATALOG + "#dataset")

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SCHEMA = Namespace("https://schema.org/")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
LEVEL = GEOCODING + "Level/"
STATE_KEY = GEOCODING + "stateKey/"
LEVELS = {"federal": ("Bund", "Federal"), "state": ("Land", "State")}  # politicalGeocoding levels in use
LICENCES = "http://dcat-ap.de/def/licenses/"
CC_BY = LICENCES + "cc-by/4.0"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")


# Licences of the DCAT-AP.de vocabulary: its IRI → (label, IRIs a source may state for the same licence).
LICENCE_VOCABULARY = {
    CC_BY: ("Creative Commons Namensnennung – 4.0 International (CC BY 4.0)", ("creativecommons.org/licenses/by/4.0",)),
    LICENCES + "cc-by-sa/4.0": (
        "Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen 4.0 International (CC BY-SA 4.0)",
        ("creativecommons.org/licenses/by-sa/4.0",),
    ),
    LICENCES + "cc-zero": ("Creative Commons CC Zero License (cc-zero)", ("creativecommons.org/publicdomain/zero/1.0",)),
    LICENCES + "dl-by-de/2.0": ("Datenlizenz Deutschland Namensnennung 2.0", ("govdata.de/dl-de/by-2-0",)),
    LICENCES + "dl-zero-de/2.0": ("Datenlizenz Deutschland – Zero – Version 2.0", ("govdata.de/dl-de/zero-2-0",)),
}

# EU data themes, and the classes (typed in a graph) that put a graph under a theme.
THEMES = {
    "GOVE": ("Regierung und öffentlicher Sektor", "Government and public sector"),
    "REGI": ("Regionen und Städte", "Regions and cities"),
    "ECON": ("Wirtschaft und Finanzen", "Economy and finance"),
    "TECH": ("Wissenschaft und Technologie", "Science and technology"),
}
CLASS_THEMES = {
    **{SR + c: "REGI" for c in ("TerritorialAuthority", "Municipality", "District", "State", "Region")},
    **{SR + c: "GOVE" for c in ("PublicAgency", "Ministry")},
    **{SR + c: "ECON" for c in ("FundingProgramme", "Cohort", "EconomicDevelopmentAgency", "Company")},
    **{SR + c: "TECH" for c in ("Project", "App", "Platform", "ResearchInstitute")},
}
DEFAULT_THEME = "GOVE"  # every graph here is about public-sector actors

# Targets of links out, for VoID linksets: name → (title, URI space).
LINK_TARGETS = {
    "wikidata": ("Wikidata", "http://www.wikidata.org/entity/"),
    "political-geocoding": ("DCAT-AP.de politicalGeocoding", GEOCODING),
    "gnd": ("Gemeinsame Normdatei (GND)", "https://d-nb.info/gnd/"),
}
LINK_PREDICATES = {str(OWL.sameAs): "owl-sameas", str(SKOS.exactMatch): "skos-exactmatch", SCHEMA + "sameAs": "schema-sameas"}

_DCT = str(DCTERMS)
_GRAPH_FACTS = f"""
SELECT ?g ?p ?o (LANG(?o) AS ?lang) WHERE {{
  GRAPH ?g {{ ?g ?p ?o }}
  FILTER(?p IN (<{_DCT}title>, <{_DCT}description>, <{_DCT}issued>, <{_DCT}created>, <{_DCT}license>,
                <{_DCT}bibliographicCitation>, <{RDF.type}>))
}}"""
_PUBLISHERS = f"""
SELECT ?g ?label WHERE {{
  GRAPH ?g {{ ?g <{_DCT}publisher> ?publisher }}
  ?publisher <{RDFS.label}> ?label FILTER(LANGMATCHES(LANG(?label), "de"))
}}"""
# The Länder a graph touches: anything stated in the graph that lies in a Land (or is one).
_STATES = f"""
SELECT DISTINCT ?g ?geo ?label WHERE {{
  ?state a <{SR}State> ; <{SKOS.exactMatch}> ?geo ; <{RDFS.label}> ?label .
  FILTER(STRSTARTS(STR(?geo), "{STATE_KEY}") && LANGMATCHES(LANG(?label), "de"))
  ?place <{SCHEMA}containedInPlace>* ?state .
  {{ GRAPH ?g {{ ?place ?p ?o }} }} UNION {{ GRAPH ?g {{ ?s ?p ?place }} }}
}}"""
# Lexical MIN/MAX per datatype: ISO 8601 values of one datatype sort as text.
_DATES = f"""
SELECT ?g ?type (MIN(STR(?d)) AS ?first) (MAX(STR(?d)) AS ?last) WHERE {{
  GRAPH ?g {{ ?x <{SCHEMA}startDate>|<{SCHEMA}endDate> ?d }}
}} GROUP BY ?g (DATATYPE(?d) AS ?type)"""
_CLASSES_PER_GRAPH = """
SELECT DISTINCT ?g ?class WHERE { GRAPH ?g { ?s a ?class } FILTER(?class IN (%s)) }"""


@dataclass
class GraphFacts:
    """What the catalogue says about one named graph, gathered from the store."""

    iri: str
    statements: int
    titles: dict[str, str] = field(default_factory=dict)  # language → title
    descriptions: dict[str, str] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)
    issued: str | None = None
    stated_licence: str | None = None
    citation: str | None = None
    publisher: str | None = None
    states: dict[str, str] = field(default_factory=dict)  # stateKey IRI → label
    period: tuple[date, date] | None = None
    themes: set[str] = field(default_factory=set)

    @property
    def is_source(self) -> bool:
        return SR + "SourceDocument" in self.types

    @property
    def licence(self) -> str:
        return dcat_ap_de_licence(self.stated_licence) if self.stated_licence else CC_BY

    @property
    def slug(self) -> str:
        local = self.iri[len(BASE):] if self.iri.startswith(BASE) else ""
        return slugify(local) or hashlib.sha256(self.iri.encode()).hexdigest()[:12]

    @property
    def node(self) -> URIRef:
        return URIRef(f"{CATALOG}#dataset-{self.slug}")


def dcat_ap_de_licence(stated: str) -> str:
    """The DCAT-AP.de licence IRI for a stated licence IRI; an unknown licence stays as stated."""
    if stated.startswith(LICENCES):
        return stated
    bare = stated.split("://", 1)[-1].removeprefix("www.").rstrip("/")
    for iri, (_, aliases) in LICENCE_VOCABULARY.items():
        if bare in aliases:
            return iri
    return stated


def gather(store: Store, manifest: Manifest, *, coverage: bool = True) -> list[GraphFacts]:
    """Facts about every named graph of the dumps' revision, asked of the store by SPARQL.

    ``coverage=False`` leaves out spatial and temporal coverage and themes (the slow part), which VoID does not use.
    """
    facts = {iri: GraphFacts(iri, n) for iri, n in manifest.graphs.items() if iri != META_GRAPH}
    for row in store.select(_GRAPH_FACTS):
        graph = facts.get(row["g"])
        if graph is None:
            continue
        predicate, value, lang = row["p"], row["o"], row.get("lang", "")
        if predicate == _DCT + "title":
            graph.titles.setdefault(lang, value)
        elif predicate == _DCT + "description":
            graph.descriptions.setdefault(lang, value)
        elif predicate in (_DCT + "issued", _DCT + "created"):
            graph.issued = min(filter(None, (graph.issued, value[:10])))
        elif predicate == _DCT + "license":
            graph.stated_licence = value
        elif predicate == _DCT + "bibliographicCitation":
            graph.citation = value
        elif predicate == str(RDF.type):
            graph.types.add(value)
    for row in store.select(_PUBLISHERS):
        if row["g"] in facts:
            facts[row["g"]].publisher = row["label"]
    if coverage:
        _coverage(store, facts)
    return sorted(facts.values(), key=lambda f: (not f.is_source, f.iri))


def _coverage(store: Store, facts: dict[str, GraphFacts]) -> None:
    """The Länder, the period and the themes of each graph."""
    for row in store.select(_STATES):
        if row["g"] in facts:
            facts[row["g"]].states[row["geo"]] = row["label"]
    for row in store.select(_DATES):
        if row["g"] in facts:
            facts[row["g"]].period = _widen(facts[row["g"]].period, row["type"], row["first"], row["last"])
    classes = ", ".join(f"<{c}>" for c in CLASS_THEMES)
    for row in store.select(_CLASSES_PER_GRAPH % classes):
        if row["g"] in facts:
            facts[row["g"]].themes.add(CLASS_THEMES[row["class"]])


def _widen(period: tuple[date, date] | None, datatype: str, first: str, last: str) -> tuple[date, date] | None:
    """The period extended by the first and last value of one datatype; unreadable values are left out."""
    try:
        start, end = _bounds(datatype, first)[0], _bounds(datatype, last)[1]
    except ValueError:
        return period
    if period is None:
        return start, end
    return min(period[0], start), max(period[1], end)


def _bounds(datatype: str, value: str) -> tuple[date, date]:
    """First and last day a date value stands for (a year, a month, a day)."""
    kind = datatype.rsplit("#", 1)[-1]
    if kind == "gYear":
        year = int(value[:4])
        return date(year, 1, 1), date(year, 12, 31)
    if kind == "gYearMonth":
        year, month = int(value[:4]), int(value[5:7])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if kind in ("date", "dateTime", "dateTimeStamp"):
        day = date.fromisoformat(value[:10])
        return day, day
    raise ValueError(f"not a date type: {datatype}")


# --- building the catalogue ---------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where things are fetched (from the settings), and who publishes them."""

    base: str
    homepage: str
    publisher_name: str
    contact_email: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        base = settings.base_url.rstrip("/") + "/"
        return cls(base, settings.homepage or base, settings.publisher_name, settings.contact_email)

    @property
    def sparql(self) -> URIRef:
        return URIRef(self.base + "sparql")

    def dump_url(self, name: str) -> URIRef:
        return URIRef(self.base + "dumps/" + quote(name))


def _url(graph: Graph, url: URIRef) -> URIRef:
    """A URL to fetch; DCAT-AP's range check wants its class stated (rdfs:Resource), with no inference."""
    graph.add((url, RDF.type, RDFS.Resource))
    return url


def text(graph: Graph, node: URIRef | BNode, predicate: URIRef, de: str, en: str) -> None:
    graph.add((node, predicate, Literal(de, lang="de")))
    graph.add((node, predicate, Literal(en, lang="en")))


def _typed(graph: Graph, iri: str, cls: URIRef, scheme: str | None = None, label: str | None = None) -> URIRef:
    """A linked vocabulary term with its class (and scheme), as offline validators need."""
    node = URIRef(iri)
    graph.add((node, RDF.type, cls))
    if scheme:
        graph.add((node, SKOS.inScheme, URIRef(scheme)))
    if label:
        graph.add((node, SKOS.prefLabel if cls == SKOS.Concept else RDFS.label, Literal(label)))
    return node


class _Builder:
    """Writes the catalogue graph; one method per kind of resource."""

    def __init__(self, site: Site, manifest: Manifest, facts: list[GraphFacts]):
        self.site, self.manifest, self.facts = site, manifest, facts
        self.graph = Graph()
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.modified = Literal(manifest.modified.isoformat(), datatype=XSD.dateTime)
        self.publisher = URIRef(CATALOG + "#publisher")
        self.contact = URIRef(CATALOG + "#contact")
        self.service = URIRef(CATALOG + "#sparql-service")

    def build(self) -> Graph:
        g = self.graph
        catalog = URIRef(CATALOG)
        g.add((catalog, RDF.type, DCAT.Catalog))
        text(g, catalog, DCTERMS.title, "smartregion – Katalog", "smartregion – catalogue")
        text(
            g, catalog, DCTERMS.description,
            "Offener Linked-Data-Wissensgraph des Smart-City- und Smart-Region-Ökosystems in Deutschland: "
            "Personen, Behörden, Kommunen, Förderprogramme, Projekte, Veranstaltungen und Kooperationen, "
            "jede Aussage mit ihrer Quelle.",
            "Open linked-data knowledge graph of Germany's smart-city and smart-region ecosystem: people, "
            "agencies, municipalities, funding programmes, projects, events and cooperations, every "
            "statement with its source.",
        )
        g.add((catalog, DCTERMS.publisher, self._publisher()))
        g.add((catalog, FOAF.homepage, _typed(g, self.site.homepage, FOAF.Document)))
        g.add((catalog, DCAT.themeTaxonomy, self._theme_scheme()))
        for code in ("DEU", "ENG"):
            g.add((catalog, DCTERMS.language, _typed(g, f"{EU}language/{code}", DCTERMS.LinguisticSystem, EU + "language")))
        g.add((catalog, DCTERMS.license, self._licence(CC_BY)))
        g.add((catalog, DCTERMS.spatial, self._germany()))
        g.add((catalog, DCTERMS.modified, self.modified))
        whole = self._whole_dataset()
        g.add((catalog, DCAT.dataset, whole))
        for facts in self.facts:
            node = self._graph_dataset(facts)
            g.add((catalog, DCAT.dataset, node))
            g.add((whole, DCTERMS.hasPart, node))
            g.add((node, DCTERMS.isPartOf, whole))
        g.add((catalog, DCAT.service, self._service()))
        return g

    # agents and vocabulary terms

    def _publisher(self) -> URIRef:
        g = self.graph
        g.add((self.publisher, RDF.type, FOAF.Agent))
        g.add((self.publisher, RDF.type, FOAF.Organization))
        g.add((self.publisher, FOAF.name, Literal(self.site.publisher_name)))
        g.add((self.publisher, FOAF.homepage, _typed(g, self.site.homepage, FOAF.Document)))
        return self.publisher

    def _contact(self) -> URIRef:
        g = self.graph
        g.add((self.contact, RDF.type, VCARD.Kind))
        g.add((self.contact, RDF.type, VCARD.Organization))
        g.add((self.contact, VCARD.fn, Literal(self.site.publisher_name)))
        if self.site.contact_email:
            g.add((self.contact, VCARD.hasEmail, URIRef("mailto:" + self.site.contact_email)))
        else:
            g.add((self.contact, VCARD.hasURL, URIRef(self.site.homepage)))
        return self.contact

    def _licence(self, iri: str) -> URIRef:
        if iri not in LICENCE_VOCABULARY:
            return _typed(self.graph, iri, DCTERMS.LicenseDocument)
        return _typed(self.graph, iri, DCTERMS.LicenseDocument, LICENCES.rstrip("/"), LICENCE_VOCABULARY[iri][0])

    def _level(self, name: str) -> URIRef:
        level = _typed(self.graph, LEVEL + name, SKOS.Concept, LEVEL.rstrip("/"))
        text(self.graph, level, SKOS.prefLabel, *LEVELS[name])
        return level

    def _theme_scheme(self) -> URIRef:
        scheme = _typed(self.graph, EU + "data-theme", SKOS.ConceptScheme)
        text(self.graph, scheme, DCTERMS.title, "Datenthema", "Data theme")
        return scheme

    def _theme(self, code: str) -> URIRef:
        theme = _typed(self.graph, f"{EU}data-theme/{code}", SKOS.Concept, EU + "data-theme")
        text(self.graph, theme, SKOS.prefLabel, *THEMES[code])
        return theme

    def _germany(self) -> URIRef:
        country = _typed(self.graph, EU + "country/DEU", DCTERMS.Location, EU + "country")
        text(self.graph, country, SKOS.prefLabel, "Deutschland", "Germany")
        return country

    def _state(self, iri: str, label: str) -> URIRef:
        state = _typed(self.graph, iri, DCTERMS.Location)
        self.graph.add((state, SKOS.prefLabel, Literal(label, lang="de")))
        return state

    def _media_type(self, media_type: str) -> URIRef:
        return _typed(self.graph, IANA + media_type, DCTERMS.MediaType)

    # datasets

    def _common(self, node: URIRef, licence: str, themes: Iterable[str], states: dict[str, str], period: tuple[date, date] | None) -> None:
        g = self.graph
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.publisher, self.publisher))
        g.add((node, DCAT.contactPoint, self._contact()))
        g.add((node, DCTERMS.license, self._licence(licence)))
        g.add((node, DCTERMS.language, URIRef(f"{EU}language/DEU")))
        g.add((node, DCTERMS.modified, self.modified))
        for code in sorted(set(themes) or {DEFAULT_THEME}):
            g.add((node, DCAT.theme, self._theme(code)))
        for iri, label in sorted(states.items()):
            g.add((node, DCTERMS.spatial, self._state(iri, label)))
        if states:
            g.add((node, DCATDE.politicalGeocodingLevelURI, self._level("state")))
        if period:
            g.add((node, DCTERMS.temporal, self._period(node, period)))

    def _period(self, node: URIRef, period: tuple[date, date]) -> URIRef:
        time = URIRef(str(node) + "-period")
        self.graph.add((time, RDF.type, DCTERMS.PeriodOfTime))
        self.graph.add((time, DCAT.startDate, Literal(period[0].isoformat(), datatype=XSD.date)))
        self.graph.add((time, DCAT.endDate, Literal(period[1].isoformat(), datatype=XSD.date)))
        return time

    def _whole_dataset(self) -> URIRef:
        g, node = self.graph, DATASET
        states: dict[str, str] = {}
        periods = [f.period for f in self.facts if f.period]
        for facts in self.facts:
            states.update(facts.states)
        period = (min(p[0] for p in periods), max(p[1] for p in periods)) if periods else None
        self._common(node, CC_BY, {t for f in self.facts for t in f.themes}, states, period)
        g.set((node, DCATDE.politicalGeocodingLevelURI, self._level("federal")))
        g.add((node, DCTERMS.spatial, self._germany()))
        text(g, node, DCTERMS.title, "smartregion – Wissensgraph (alle Quellen)", "smartregion – knowledge graph (all sources)")
        text(
            g, node, DCTERMS.description,
            f"Der ganze Wissensgraph: {len(self.facts)} benannte Graphen (einer je Quelle, dazu die Ontologie) mit "
            f"{self.manifest.statements} Aussagen. Abfragbar über den SPARQL-Endpunkt, vollständig als Dump.",
            f"The whole knowledge graph: {len(self.facts)} named graphs (one per source, and the ontology) holding "
            f"{self.manifest.statements} statements. Queryable at the SPARQL endpoint, complete as dumps.",
        )
        g.add((node, DCAT.landingPage, _typed(g, self.site.homepage, FOAF.Document)))
        for keyword in ("Smart City", "Smart Region", "Kommunen", "Förderprogramme", "Kooperationen", "Linked Data"):
            g.add((node, DCAT.keyword, Literal(keyword, lang="de")))
        issued = [f.issued for f in self.facts if f.iri == ONTOLOGY and f.issued]
        if issued:
            g.add((node, DCTERMS.issued, Literal(issued[0], datatype=XSD.date)))
        rights = self._attributions()
        if rights is not None:
            g.add((node, DCTERMS.rights, rights))
        for fmt in FORMATS:
            g.add((node, DCAT.distribution, self._dump_distribution(fmt.name, rights)))
        g.add((node, DCAT.distribution, self._sparql_distribution(node, None)))
        return node

    def _attributions(self) -> URIRef | None:
        """The attribution that graphs of others' data under their own licence require (dl-de/by and CC BY ask for it)."""
        citations = sorted({f.citation for f in self.facts if f.citation and f.stated_licence})
        if not citations:
            return None
        rights = URIRef(CATALOG + "#attribution")
        self.graph.add((rights, RDF.type, DCTERMS.RightsStatement))
        text(
            self.graph, rights, RDFS.label,
            "Enthält Daten Dritter unter deren Lizenz, Quellenvermerke: " + "; ".join(citations),
            "Contains others' data under their licences, attributions: " + "; ".join(citations),
        )
        return rights

    def _graph_dataset(self, facts: GraphFacts) -> URIRef:
        g, node = self.graph, facts.node
        self._common(node, facts.licence, facts.themes, facts.states, facts.period)
        title = facts.titles.get("de") or facts.titles.get("") or next(iter(facts.titles.values()), facts.iri)
        if facts.is_source:
            by = f" ({facts.publisher})" if facts.publisher else ""
            text(g, node, DCTERMS.title, f"Aussagen der Quelle „{title}“", f"Statements of the source “{title}”")
            text(
                g, node, DCTERMS.description,
                f"Die Aussagen der Quelle „{title}“{by}, als benannter Graph <{facts.iri}> des smartregion-Wissensgraphen "
                f"({facts.statements} Aussagen).",
                f"The statements of the source “{title}”{by}, as the named graph <{facts.iri}> of the smartregion "
                f"knowledge graph ({facts.statements} statements).",
            )
        else:
            text(g, node, DCTERMS.title, title, facts.titles.get("en", title))
            text(
                g, node, DCTERMS.description,
                facts.descriptions.get("de", f"Der benannte Graph <{facts.iri}> ({facts.statements} Aussagen)."),
                facts.descriptions.get("en", f"The named graph <{facts.iri}> ({facts.statements} statements)."),
            )
        if facts.iri.startswith(SOURCE) or facts.iri == ONTOLOGY:  # the service's page of the source / ontology
            g.add((node, DCAT.landingPage, _typed(g, self.site.base + facts.iri[len(BASE):], FOAF.Document)))
        g.add((node, DCTERMS.identifier, Literal(facts.iri)))
        if facts.issued:
            g.add((node, DCTERMS.issued, Literal(facts.issued, datatype=XSD.date)))
        g.add((node, DCAT.distribution, self._sparql_distribution(node, facts)))
        return node

    # distributions and the service

    def _dump_distribution(self, name: str, rights: URIRef | None) -> URIRef:
        g = self.graph
        fmt = next(f for f in FORMATS if f.name == name)
        file = self.manifest.files[name]
        node = URIRef(f"{CATALOG}#dump-{slugify(name)}")
        url = self.site.dump_url(name)
        g.add((node, RDF.type, DCAT.Distribution))
        text(g, node, DCTERMS.title, f"Dump: {fmt.label_de}", f"Dump: {fmt.label_en}")
        text(
            g, node, DCTERMS.description,
            f"{fmt.label_de}, gzip-komprimiert, {file.statements} Aussagen (Stand {self.manifest.revision}).",
            f"{fmt.label_en}, gzip-compressed, {file.statements} statements (revision {self.manifest.revision}).",
        )
        g.add((node, DCAT.downloadURL, _url(g, url)))
        g.add((node, DCAT.accessURL, url))
        g.add((node, DCTERMS.format, _typed(g, f"{EU}file-type/{fmt.file_type}", DCTERMS.MediaTypeOrExtent, EU + "file-type")))
        g.add((node, DCAT.mediaType, self._media_type(fmt.media_type)))
        g.add((node, DCAT.compressFormat, self._media_type("application/gzip")))
        g.add((node, DCAT.byteSize, Literal(file.bytes, datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(str(node) + "-sha256")
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, _typed(g, str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm)))
        g.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
        g.add((node, DCTERMS.license, self._licence(CC_BY)))
        if rights is not None:
            g.add((node, DCTERMS.rights, rights))
        g.add((node, DCTERMS.modified, self.modified))
        return node

    def _sparql_distribution(self, dataset: URIRef, facts: GraphFacts | None) -> URIRef:
        g = self.graph
        node = URIRef(str(dataset) + "-sparql")
        g.add((node, RDF.type, DCAT.Distribution))
        where = f"GRAPH <{facts.iri}>" if facts else "die Vereinigung aller Graphen"
        where_en = f"GRAPH <{facts.iri}>" if facts else "the union of all graphs"
        text(g, node, DCTERMS.title, "SPARQL-Endpunkt", "SPARQL endpoint")
        text(
            g, node, DCTERMS.description,
            f"Abfragen über SPARQL 1.1, Standardgraph: {where}.", f"Queries by SPARQL 1.1, default graph: {where_en}.",
        )
        g.add((node, DCAT.accessURL, _url(g, self.site.sparql)))
        g.add((node, DCAT.accessService, self.service))
        g.add((node, DCTERMS.license, self._licence(facts.licence if facts else CC_BY)))
        return node

    def _service(self) -> URIRef:
        g, node = self.graph, self.service
        g.add((node, RDF.type, DCAT.DataService))
        text(g, node, DCTERMS.title, "smartregion SPARQL-Endpunkt", "smartregion SPARQL endpoint")
        text(
            g, node, DCTERMS.description,
            "Lesender SPARQL-1.1-Endpunkt über die Vereinigung aller benannten Graphen, mit Zeit- und Zeilenlimit.",
            "Read-only SPARQL 1.1 endpoint over the union of all named graphs, with time and row limits.",
        )
        g.add((node, DCAT.endpointURL, _url(g, self.site.sparql)))
        g.add((node, DCAT.endpointDescription, self.site.sparql))  # a GET without a query answers with the service description
        standard = _typed(g, str(SPARQL_PROTOCOL), DCTERMS.Standard)
        g.add((standard, DCTERMS.title, Literal("SPARQL 1.1 Protocol", lang="en")))
        g.add((node, DCTERMS.conformsTo, standard))
        g.add((node, DCTERMS.publisher, self.publisher))
        g.add((node, DCAT.contactPoint, self._contact()))
        g.add((node, DCTERMS.license, self._licence(CC_BY)))
        g.add((node, DCAT.servesDataset, DATASET))
        for facts in self.facts:
            g.add((node, DCAT.servesDataset, facts.node))
        return node


def catalog_graph(store: Store, settings: Settings, manifest: Manifest) -> Graph:
    """The DCAT-AP.de catalogue of the revision the manifest describes."""
    return _Builder(Site.from_settings(settings), manifest, gather(store, manifest)).build()
