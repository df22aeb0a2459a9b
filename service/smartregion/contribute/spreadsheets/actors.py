"""Spreadsheet kinds for actors: organisations and persons."""

from __future__ import annotations

from dataclasses import replace

from rdflib.namespace import RDFS
from rdflib.term import Literal

from smartregion.contribute.spreadsheets.columns import (
    ALIASES,
    DESCRIPTION,
    IRI,
    ORGANISATION,
    PLACE,
    TOPICS,
    WEBSITE,
    _by_slug,
    _common,
    schema,
)
from smartregion.contribute.spreadsheets.reading import (
    Column,
    Kind,
    RowContext,
)
from smartregion.rdf.ids import SR

KINDS: list[Kind] = []  # in the order `smartregion template` lists them

# --- organisations ----------------------------------------------------------------------------------

ORGANISATION_TYPES = _by_slug(
    organisation="Organisation",
    organization="Organisation",
    public_agency="PublicAgency",
    behoerde="PublicAgency",
    oeffentliche_stelle="PublicAgency",
    ministry="Ministry",
    ministerium="Ministry",
    economic_development_agency="EconomicDevelopmentAgency",
    wirtschaftsfoerderung="EconomicDevelopmentAgency",
    company="Company",
    unternehmen="Company",
    firma="Company",
    association="Association",
    verein="Association",
    verband="Association",
    netzwerk="Association",
    research_institute="ResearchInstitute",
    forschungseinrichtung="ResearchInstitute",
    hochschule="ResearchInstitute",
    universitaet="ResearchInstitute",
    initiative="Initiative",
    unit="OrganisationalUnit",
    organisationseinheit="OrganisationalUnit",
    abteilung="OrganisationalUnit",
)


def _organisation(ctx: RowContext) -> None:
    found = ctx.entity("organisation", "name", SR + "Organisation", match_classes=ORGANISATION)
    if found is None:
        return
    subject, new = found
    cls = ctx.choice("type", ORGANISATION_TYPES, SR + "Organisation" if new else None)
    if cls:
        ctx.typed(subject, new, str(cls))
    ctx.label(subject, new, ctx.text("name"))
    name_en = ctx.text("name_en")
    if name_en:
        ctx.add(subject, RDFS.label, Literal(name_en, lang="en"), "name_en", single=True)
    ctx.add(subject, schema("parentOrganization"), ctx.ref("parent", ORGANISATION, "an organisation"), "parent")
    ctx.add(subject, schema("location"), ctx.ref("location", PLACE, "a place or municipality"), "location")
    ctx.add(subject, schema("foundingDate"), ctx.date("founded"), "founded", single=True)
    _common(ctx, subject)


KINDS.append(
    Kind(
        "organisations",
        "companies, agencies, associations, institutes, initiatives",
        (
            Column(
                "name",
                "Name",
                "the name as the organisation writes it",
                "Digitalagentur Musterland GmbH",
                required=True,
                aliases=("Bezeichnung", "organisation"),
            ),
            Column(
                "type",
                "Typ",
                "organisation, public-agency, ministry, economic-development-agency, company, association, research-institute, initiative, unit (German words work too: Behörde, Ministerium, Wirtschaftsförderung, Unternehmen, Verein, Hochschule, ...)",
                "company",
                aliases=("Art", "kind"),
            ),
            IRI,
            replace(ALIASES, example="DAM"),
            Column("name_en", "Name englisch", "the English name, if it has one", "", aliases=("english name", "Name (englisch)")),
            Column(
                "parent",
                "Mutterorganisation",
                "the parent organisation: name, abbreviation or IRI",
                "Investitionsbank des Landes Brandenburg",
                aliases=("parent organisation", "Träger", "Traeger"),
            ),
            Column(
                "location",
                "Sitz",
                "where it is based: a municipality or place (name, AGS or IRI)",
                "Bad Belzig",
                aliases=("Ort", "place", "city"),
            ),
            Column(
                "founded",
                "Gründung",
                "founding date (YYYY, YYYY-MM or YYYY-MM-DD)",
                "2021",
                aliases=("founding date", "Gründungsjahr", "gegründet"),
            ),
            WEBSITE,
            TOPICS,
            DESCRIPTION,
        ),
        _organisation,
        examples=(
            {
                "name": "Digitalagentur Musterland GmbH",
                "type": "company",
                "aliases": "DAM",
                "parent": "Investitionsbank des Landes Brandenburg",
                "location": "Bad Belzig",
                "founded": "2021",
                "website": "https://example.org/",
                "topics": "smart-city; networking",
                "description": "Fiktives Beispiel: berät Kommunen bei der Digitalisierung.",
            },
        ),
    )
)

# --- persons ----------------------------------------------------------------------------------------


def _person(ctx: RowContext) -> None:
    found = ctx.entity("person", "name", SR + "Person")
    if found is None:
        return
    subject, new = found
    ctx.typed(subject, new, SR + "Person", None)
    ctx.label(subject, new, ctx.text("name"))
    ctx.add(subject, schema("honorificPrefix"), _plain(ctx.text("title")), "title", single=True)
    occupation = ctx.text("occupation")
    if occupation:
        ctx.add(subject, schema("hasOccupation"), Literal(occupation, lang="de"), "occupation")
    for school in ctx.refs("alumni_of", (SR + "Organisation",), "an organisation"):
        ctx.add(subject, schema("alumniOf"), school, "alumni_of")
    _common(ctx, subject)


def _plain(text: str | None) -> Literal | None:
    return Literal(text) if text else None


KINDS.append(
    Kind(
        "persons",
        "people; their roles go into a memberships sheet",
        (
            Column("name", "Name", "first and last name, without titles", "Erika Musterfrau", required=True),
            IRI,
            Column("title", "Titel", "academic title or honorific as written", "Dr.", aliases=("honorific", "Anrede")),
            Column("occupation", "Beruf", "profession, in German", "Stadtplanerin", aliases=("profession", "Tätigkeit")),
            Column(
                "alumni_of",
                "Studium an",
                "universities studied at (names or IRIs, separated by ';')",
                "",
                aliases=("alumni of", "studied at", "Hochschule"),
            ),
            TOPICS,
            DESCRIPTION,
        ),
        _person,
        examples=({"name": "Erika Musterfrau", "title": "Dr.", "occupation": "Stadtplanerin", "topics": "urban-development"},),
    )
)

