"""Reference data through the importer: the official territorial register and the Modellprojekte Smart Cities.

Two spreadsheet kinds (listed in ``registry``, so ``smartregion import`` and
the write API know them), each read with the columns of its CSV in ``shared/data`` as published:

- ``municipalities``: Destatis GV100AD ``gemeinden.csv``. A row of the Gemeinde table names its
  Kreis and Land with their keys, names and types, so this one table yields the whole hierarchy:
  every municipality, district and state, and the country, all in the graph of the source
  ``source/destatis-gv100ad-2023``. Inhabitants of districts and states are the sums over their
  municipalities, which is how ``kreise.csv`` and ``laender.csv`` define them (for GV100AD 2023 the
  sums equal their ``einwohner_summe`` for every Kreis and Land).
- ``mpsc``: ``mpsc.csv``, the 73 model projects of the programme with their cohort (Staffel), the
  competition category, and their municipalities or district, found by official key in the store.

IRIs follow ids.py, so hand-written data and the register meet on the same node: municipality slugs
over all rows of the table, district slugs over the Landkreise/Kreise only (a kreisfreie Stadt is a
municipality node typed ``sr:District`` too; Berlin and Hamburg are their state's node). The
generated files are ``graph/reference/*.trig``; ``graph/README.md`` says how to regenerate them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Literal, URIRef

from smartregion.contribute.model import GERMAN
from smartregion.contribute.spreadsheets.reading import (
    Column,
    Kind,
    RowContext,
)
from smartregion.rdf.ids import (
    ID,
    SR,
    district_slugs,
    entity_iri,
    municipality_slugs,
    slugify,
    source_iri,
)

SCHEMA = "https://schema.org/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
DL_DE_BY = URIRef("https://www.govdata.de/dl-de/by-2-0")
REFERENCE_DATA = URIRef(ID + "document-kind/reference-data")
COUNTRY = URIRef(entity_iri("country", "deutschland"))
DESTATIS = URIRef(entity_iri("organisation", "destatis"))

DESTATIS_SOURCE = source_iri("destatis-gv100ad-2023")
DESTATIS_FILE = "GV100AD_301123.txt"
DESTATIS_ATTRIBUTION = (
    "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, Gebietsstand 30.11.2023, dl-de/by-2-0 (Daten umformatiert)"
)
MPSC_SOURCE = source_iri("mpsc-2019-2021")
PROGRAMME = URIRef(entity_iri("programme", "modellprojekte-smart-cities"))
BMI = URIRef(entity_iri("organisation", "bmi"))
BMWSB = URIRef(entity_iri("organisation", "bmwsb"))
KFW = URIRef(entity_iri("organisation", "kfw"))
TERRITORIAL = (SR + "TerritorialAuthority",)
# Kreis types of GV100AD: 41 kreisfreie Stadt, 42 Stadtkreis (municipality nodes); 43 Kreis,
# 44 Landkreis, 45 Regionalverband (district nodes).
URBAN_DISTRICTS = ("41", "42")
DISTRICT_DESIGNATIONS = {"43": "Kreis", "44": "Landkreis"}


def sr(term: str) -> URIRef:
    return URIRef(SR + term)


def schema(term: str) -> URIRef:
    return URIRef(SCHEMA + term)


def _columns(*names: str, required: Sequence[str] = ()) -> tuple[Column, ...]:
    """The columns of a published CSV, headed as it is headed (the same in both languages)."""
    return tuple(Column(name, name, f"column {name} of the published file", required=name in required) for name in names)


# --- Destatis GV100AD: municipalities, districts, states --------------------------------------------


@dataclass(frozen=True)
class _Register:
    """What the rows of the whole table decide together: slugs and the sums of inhabitants."""

    municipality_slugs: dict[str, str]
    district_slugs: dict[str, str]
    district_inhabitants: dict[str, int]
    state_inhabitants: dict[str, int]

    @classmethod
    def of(cls, ctx: RowContext) -> _Register:
        """Over the rows that will be converted: those with every required column filled in."""
        values = [ctx.values(row) for row in ctx.rows if not ctx.missing(row)]
        landkreise = {
            v["kreis_key"]: {"kreis_key": v["kreis_key"], "name_kurz": _short(v["kreis_name"]), "land_kuerzel": v["land_kuerzel"]}
            for v in values
            if v["kreis_key"] and v["kreis_typ_code"] not in URBAN_DISTRICTS
        }
        districts: dict[str, int] = defaultdict(int)
        states: dict[str, int] = defaultdict(int)
        for v in values:
            districts[v["kreis_key"]] += _int(v["einwohner"])
            states[v["land_key"]] += _int(v["einwohner"])
        return cls(municipality_slugs(values), district_slugs(landkreise.values()), dict(districts), dict(states))


REGISTER_DATE = "2022-12-31"  # GV100AD 2023: population carried forward to 31 Dec 2022


def _short(name: str) -> str:
    """GV100AD's short name: the text before the first comma ("Flensburg, Stadt" → "Flensburg")."""
    return name.split(",")[0].strip()


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _is_city_state(v: Mapping[str, str]) -> bool:
    """Berlin and Hamburg: the Land is one municipality, its Kreis and itself."""
    return v["ags"] == v["land_key"] + "000000"


def state_iri(land_name: str) -> URIRef:
    return URIRef(entity_iri("state", slugify(land_name)))


def _municipality(ctx: RowContext) -> None:
    register: _Register = ctx.state.get("register") or ctx.state.setdefault("register", _Register.of(ctx))
    v = ctx.values()
    if not ctx.once(("ags", v["ags"]), "ags", "the same AGS as row"):
        return
    if "source" not in ctx.state:
        ctx.state["source"] = True
        _describe_destatis(ctx)
    state = state_iri(v["land_name"])
    if ("state", v["land_key"]) not in ctx.state:
        ctx.state[("state", v["land_key"])] = True
        _state(ctx, state, v, register.state_inhabitants[v["land_key"]])
    if _is_city_state(v):
        node, parent = state, None  # the state node carries the municipality's keys too
    else:
        node = URIRef(entity_iri("municipality", register.municipality_slugs[v["ags"]]))
        parent = _district(ctx, v, register, state) or state
        ctx.add(node, RDF.type, sr("Municipality"), "gemeinde_typ_code")
        ctx.add(node, RDFS.label, Literal(v["name_kurz"], lang="de"), "name_kurz")
        ctx.add(node, schema("containedInPlace"), parent, "kreis_key")
        _population(ctx, node, _int(v["einwohner"]))
    if v["name"] != v["name_kurz"]:
        ctx.add(node, SKOS.altLabel, Literal(v["name"], lang="de"), "name")
    ctx.add(node, sr("ags"), Literal(v["ags"]), "ags")
    ctx.add(node, sr("ars"), Literal(v["ars"]), "ars")
    ctx.add(node, SKOS.exactMatch, URIRef(f"{GEOCODING}municipalityKey/{v['ags']}"), "ags")
    if v["gemeindefrei"] == "true":
        ctx.add(
            node, RDFS.comment,
            Literal(f"Gemeindefreies Gebiet ({v['gemeinde_typ']}): ein Gebiet ohne Gemeinde, im GV100AD als Gemeindesatz geführt.", lang="de"),
            "gemeindefrei",
        )
    if v["kreis_typ_code"] in URBAN_DISTRICTS:  # a kreisfreie Stadt is a district as well
        ctx.add(node, RDF.type, sr("District"), "kreis_typ_code")
        ctx.add(node, sr("districtKey"), Literal(v["kreis_key"]), "kreis_key")
        ctx.add(node, SKOS.exactMatch, URIRef(f"{GEOCODING}districtKey/{v['kreis_key']}"), "kreis_key")


def _district(ctx: RowContext, v: Mapping[str, str], register: _Register, state: URIRef) -> URIRef | None:
    """The Landkreis/Kreis node of the row (described with its first row); None for a kreisfreie Stadt."""
    key = v["kreis_key"]
    if not key or v["kreis_typ_code"] in URBAN_DISTRICTS:
        return None
    node = URIRef(entity_iri("district", register.district_slugs[key]))
    if ("district", key) in ctx.state:
        return node
    ctx.state[("district", key)] = True
    short = _short(v["kreis_name"])
    ctx.add(node, RDF.type, sr("District"), "kreis_typ_code")
    ctx.add(node, RDFS.label, Literal(short, lang="de"), "kreis_name")
    designation = DISTRICT_DESIGNATIONS.get(v["kreis_typ_code"])
    if v["kreis_name"] != short:
        ctx.add(node, SKOS.altLabel, Literal(v["kreis_name"], lang="de"), "kreis_name")
    if designation and "kreis" not in short.casefold():  # "Landkreis Osnabrück", as texts call it
        ctx.add(node, SKOS.altLabel, Literal(f"{designation} {short}", lang="de"), "kreis_typ")
    ctx.add(node, sr("ars"), Literal(v["kreis_ars"]), "kreis_ars")
    ctx.add(node, sr("districtKey"), Literal(key), "kreis_key")
    ctx.add(node, SKOS.exactMatch, URIRef(f"{GEOCODING}districtKey/{key}"), "kreis_key")
    ctx.add(node, schema("containedInPlace"), state, "land_key")
    _population(ctx, node, register.district_inhabitants[key])
    return node


def _state(ctx: RowContext, node: URIRef, v: Mapping[str, str], inhabitants: int) -> None:
    ctx.add(node, RDF.type, sr("State"), "land_key")
    ctx.add(node, RDFS.label, Literal(v["land_name"], lang="de"), "land_name")
    ctx.add(node, sr("ars"), Literal(v["land_key"] + "0" * 10), "land_key")
    ctx.add(node, sr("stateKey"), Literal(v["land_key"]), "land_key")
    ctx.add(node, SKOS.exactMatch, URIRef(f"{GEOCODING}stateKey/{v['land_key']}"), "land_key")
    ctx.add(node, schema("containedInPlace"), COUNTRY, "land_key")
    _population(ctx, node, inhabitants)
    if _is_city_state(v):  # Berlin, Hamburg: also a district and a municipality
        ctx.add(node, RDF.type, sr("District"), "kreis_typ_code")
        ctx.add(node, RDF.type, sr("Municipality"), "gemeinde_typ_code")
        ctx.add(node, sr("districtKey"), Literal(v["kreis_key"]), "kreis_key")
        ctx.add(node, SKOS.exactMatch, URIRef(f"{GEOCODING}districtKey/{v['kreis_key']}"), "kreis_key")


def _population(ctx: RowContext, node: URIRef, inhabitants: int) -> None:
    """The register's figure as a dated observation, so a figure another source gives for another date stands beside it."""
    observation = URIRef(entity_iri("observation", f"{node[len(ID):].replace('/', '-')}-inhabitants-{REGISTER_DATE}"))
    ctx.add(observation, RDF.type, sr("Observation"), "einwohner")
    ctx.add(observation, sr("observationOf"), node, "einwohner")
    ctx.add(observation, sr("inhabitants"), Literal(inhabitants, datatype=XSD.integer), "einwohner")
    ctx.add(observation, sr("referenceDate"), Literal(REGISTER_DATE, datatype=XSD.date), "einwohner")


def _describe_destatis(ctx: RowContext) -> None:
    """The source with its licence and attribution, its publisher, and the country every entry lies in."""
    source = URIRef(ctx.contribution_iri)
    for predicate, value in (
        (RDF.type, sr("SourceDocument")),
        (DCTERMS.title, Literal("Gemeindeverzeichnis GV100AD, Gebietsstand 30.11.2023", lang="de")),
        (DCTERMS.publisher, DESTATIS),
        (DCTERMS.license, DL_DE_BY),
        (DCTERMS.rights, Literal("Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)", lang="de")),
        (DCTERMS.bibliographicCitation, Literal(DESTATIS_ATTRIBUTION)),
        (DCTERMS.language, GERMAN),
        (DCTERMS.type, REFERENCE_DATA),
        (RDFS.comment, Literal(
            f"Alle Gemeinden (einschließlich gemeindefreier Gebiete), Kreise und Länder mit amtlichen Schlüsseln, "
            f"Hierarchie und Einwohnerzahl (Fortschreibung zum 31.12.2022; für Kreise und Länder die Summe ihrer "
            f"Gemeinden). Quelle: {DESTATIS_ATTRIBUTION}.", lang="de")),
        (RDFS.comment, Literal(
            "All municipalities (including unincorporated areas), districts and states with their official keys, "
            "hierarchy and inhabitants (updated to 31 Dec 2022; for districts and states the sum of their "
            f"municipalities). Source: {DESTATIS_ATTRIBUTION}.", lang="en")),
    ):
        ctx.add(source, predicate, value)
    ctx.add(DESTATIS, RDF.type, sr("PublicAgency"))
    ctx.add(DESTATIS, RDFS.label, Literal("Statistisches Bundesamt", lang="de"))
    ctx.add(DESTATIS, RDFS.label, Literal("Federal Statistical Office", lang="en"))
    ctx.add(DESTATIS, SKOS.altLabel, Literal("Destatis", lang="de"))
    ctx.add(COUNTRY, RDF.type, sr("Country"))
    ctx.add(COUNTRY, RDFS.label, Literal("Deutschland", lang="de"))
    ctx.add(COUNTRY, RDFS.label, Literal("Germany", lang="en"))
    ctx.add(COUNTRY, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q183"))


MUNICIPALITIES = (
    Kind(
        "municipalities",
        "the official register of municipalities (Destatis GV100AD gemeinden.csv): municipalities, districts, states",
        _columns(
            "ars", "ags", "name", "name_kurz", "gemeinde_typ_code", "gemeinde_typ", "gemeindefrei", "land_key", "land_name",
            "land_kuerzel", "regbez_key", "regbez_name", "kreis_key", "kreis_ars", "kreis_name", "kreis_typ_code", "kreis_typ",
            "gemeindeverband_key", "gemeindeverband_name", "gemeindeverband_typ_code", "gemeindeverband_typ", "flaeche_ha",
            "flaeche_km2", "einwohner", "einwohner_maennlich", "plz", "plz_mehrere", "einwohner_zensus2022", "gebietsstand",
            "einwohner_stichtag",
            required=("ars", "ags", "name", "name_kurz", "gemeinde_typ_code", "gemeindefrei", "land_key", "land_name", "land_kuerzel"),
        ),
        _municipality,
    )
)


# --- Modellprojekte Smart Cities -------------------------------------------------------------------

COHORT_MOTTOS = {
    "2019": None,
    "2020": "Gemeinwohl und Netzwerkstadt/Stadtnetzwerk",
    "2021": "Gemeinsam aus der Krise: Raum für Zukunft",
}


def _mpsc(ctx: RowContext) -> None:
    if "source" not in ctx.state:
        ctx.state["source"] = True
        _describe_mpsc(ctx)
    row_id = ctx.text("mpsc_id") or ""
    if not ctx.once(("mpsc", row_id), "mpsc_id", "the same mpsc_id as row"):
        return
    members = _members(ctx)
    if not ctx.ok:
        return
    name = ctx.text("name_quelle") or ""
    label = f"Modellprojekt Smart Cities {name}"
    existing = _existing_projects(ctx).get(frozenset(members)) if members else None
    project = URIRef(existing or entity_iri("project", "mpsc-" + slugify(name)))
    if existing:  # the project a source describes already: the register's name is another name for it
        ctx.add(project, SKOS.altLabel, Literal(label, lang="de"), "name_quelle")
    else:
        ctx.add(project, RDF.type, sr("Project"))
        ctx.add(project, RDFS.label, Literal(label, lang="de"), "name_quelle")
    year = ctx.text("staffel_jahr") or ""
    cohort = _cohort(ctx, year)
    ctx.add(project, sr("fundedBy"), PROGRAMME)
    ctx.add(project, sr("cohort"), cohort, "staffel_jahr")
    ctx.add(project, schema("category"), Literal(ctx.text("kategorie_quelle") or "", lang="de"), "kategorie_quelle")
    ctx.add(project, schema("identifier"), Literal(row_id), "mpsc_id")
    for member in members:
        ctx.add(project, sr("memberMunicipality"), member, "mitglieder_ags")
    note = ctx.text("anmerkung")
    if note:
        ctx.add(project, RDFS.comment, Literal(f"Note of the list (mpsc.csv): {note}", lang="en"), "anmerkung")


def _members(ctx: RowContext) -> list[URIRef]:
    """The municipalities or the district of a row, by official key (an AGS, or the district key)."""
    kind = ctx.text("typ")
    if kind in ("city", "municipality"):
        return ctx.refs("ags", TERRITORIAL, "a municipality")
    if kind == "district":
        return ctx.refs("kreis_key", TERRITORIAL, "a district")
    return ctx.refs("mitglieder_ags", TERRITORIAL, "a municipality")


def _existing_projects(ctx: RowContext) -> dict[frozenset[URIRef], str]:
    """Projects of the programme that other sources describe, by their set of member municipalities.

    A source may name a model project by its own title (document 001: "Modellprojekt Smart Cities Bad
    Belzig und Wiesenburg/Mark"): the same programme and the same municipalities make it the same
    project, so its row adds to that node instead of duplicating it. The register's own graph is left
    out, so that regenerating it gives the same IRIs.
    """
    if "projects" not in ctx.state:
        found: dict[str, set[URIRef]] = defaultdict(set)
        store = ctx.matcher.store
        if store is not None:
            rows = store.select(
                f"SELECT ?p ?m WHERE {{ GRAPH ?g {{ ?p <{SR}fundedBy> <{PROGRAMME}> ; <{SR}memberMunicipality> ?m }} "
                f"FILTER(?g != <{ctx.contribution_iri}>) }}"
            )
            for row in rows:
                found[row["p"]].add(URIRef(row["m"]))
        ctx.state["projects"] = {frozenset(members): project for project, members in found.items()}
    return ctx.state["projects"]


def _cohort(ctx: RowContext, year: str) -> URIRef:
    cohort = URIRef(entity_iri("cohort", f"modellprojekte-smart-cities-{year}"))
    if ("cohort", year) in ctx.state:
        return cohort
    ctx.state[("cohort", year)] = True
    staffel = ctx.text("staffel") or ""
    motto = COHORT_MOTTOS.get(year)
    ctx.add(cohort, RDF.type, sr("Cohort"))
    ctx.add(cohort, RDFS.label, Literal(f"Modellprojekte Smart Cities, Staffel {staffel} ({year})", lang="de"), "staffel")
    ctx.add(cohort, RDFS.label, Literal(f"Model Projects Smart Cities, cohort {staffel} ({year})", lang="en"), "staffel")
    ctx.add(cohort, sr("programme"), PROGRAMME)
    ctx.add(cohort, schema("startDate"), Literal(year, datatype=XSD.gYear), "staffel_jahr")
    if motto:
        ctx.add(cohort, RDFS.comment, Literal(f"Motto der Staffel: „{motto}“", lang="de"))
    return cohort


def _describe_mpsc(ctx: RowContext) -> None:
    """The source (citing every page the rows were taken from), the programme, its funders and KfW."""
    source = URIRef(ctx.contribution_iri)
    pages = sorted({v[c] for v in map(ctx.values, ctx.rows) for c in ("quelle_url", "quelle_url_2") if v[c]})
    for predicate, value in (
        (RDF.type, sr("SourceDocument")),
        (DCTERMS.title, Literal("Modellprojekte Smart Cities: die 73 geförderten Projekte der Staffeln 2019–2021", lang="de")),
        (DCTERMS.language, GERMAN),
        (DCTERMS.type, REFERENCE_DATA),
        (DCTERMS.license, DL_DE_BY),
        (DCTERMS.rights, Literal(
            "Fakten (Namen, Jahr, Kategorie) aus den zitierten Seiten; die amtlichen Schlüssel aus dem GV100AD: "
            f"{DESTATIS_ATTRIBUTION}", lang="de")),
        (DCTERMS.bibliographicCitation, Literal(DESTATIS_ATTRIBUTION)),
        (RDFS.comment, Literal(
            "The 73 projects of the federal programme Modellprojekte Smart Cities (cohorts 2019, 2020, 2021) with their "
            "municipalities or district, transcribed from the pages cited (prov:wasDerivedFrom); municipalities matched "
            "to GV100AD keys by the compilers of the list. For four projects listed as cooperations the sources name only "
            "the lead municipality.", lang="en")),
    ):
        ctx.add(source, predicate, value)
    for page in pages:
        ctx.add(source, PROV.wasDerivedFrom, URIRef(page))
    ctx.add(PROGRAMME, RDF.type, sr("FundingProgramme"))
    ctx.add(PROGRAMME, RDFS.label, Literal("Modellprojekte Smart Cities", lang="de"))
    ctx.add(PROGRAMME, sr("funder"), BMI)
    ctx.add(PROGRAMME, sr("funder"), BMWSB)
    ctx.add(PROGRAMME, sr("implementingAgency"), KFW)
    ctx.add(PROGRAMME, RDFS.comment, Literal(
        "Bundesprogramm „Modellprojekte Smart Cities: Stadtentwicklung und Digitalisierung“: gefördert vom BMI "
        "(Bundesministerium des Innern, für Bau und Heimat) bis zum 7. Dezember 2021, seit dem 8. Dezember 2021 vom "
        "wieder eingerichteten BMWSB; die Förderung wickelt die KfW ab (KfW-Programm 436).", lang="de"))
    ctx.add(PROGRAMME, RDFS.comment, Literal(
        "Federal programme: funded by the BMI (Federal Ministry of the Interior, Building and Community) until "
        "7 Dec 2021 and by the re-established BMWSB since 8 Dec 2021; the KfW handles the funding (KfW programme 436).", lang="en"))
    ctx.add(KFW, RDF.type, sr("PublicAgency"))
    ctx.add(KFW, RDFS.label, Literal("KfW", lang="de"))
    ctx.add(KFW, SKOS.altLabel, Literal("Kreditanstalt für Wiederaufbau", lang="de"))


MPSC = (
    Kind(
        "mpsc",
        "the Modellprojekte Smart Cities (mpsc.csv): projects, cohorts, member municipalities or district",
        _columns(
            "mpsc_id", "staffel", "staffel_jahr", "name_quelle", "name_quelle_2", "kategorie_quelle", "typ", "ags", "ars",
            "kreis_key", "mitglieder_ags", "mitglieder_namen_gv100ad", "land_kuerzel", "gv100ad_name", "quelle_url",
            "quelle_url_2", "anmerkung",
            required=("mpsc_id", "staffel", "staffel_jahr", "name_quelle", "kategorie_quelle", "typ", "quelle_url"),
        ),
        _mpsc,
    )
)

KINDS = (MUNICIPALITIES, MPSC)
