"""What the spreadsheet kinds share: namespaces, the classes references may point to, common columns and steps.

Columns shared by several kinds (iri, dates, topics, website, description) are defined once here.
"""

from __future__ import annotations

from rdflib.namespace import DCTERMS, RDFS, SKOS
from rdflib.term import Literal, URIRef

from smartregion.contribute.spreadsheets.reading import (
    Column,
    RowContext,
)
from smartregion.rdf.ids import SR

SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"


def sr(term: str) -> URIRef:
    return URIRef(SR + term)


def schema(term: str) -> URIRef:
    return URIRef(SCHEMA + term)


def org(term: str) -> URIRef:
    return URIRef(ORG + term)


ACTOR = (SR + "Actor",)
PERSON = (SR + "Person",)
ORGANISATION = (ORG + "Organization",)  # organisations and territorial authorities alike
PLACE = (SCHEMA + "Place", SCHEMA + "AdministrativeArea")
EVENT = (SR + "Event",)
MEMBERSHIP_TARGET = (ORG + "Organization", ORG + "OrganizationalCollaboration")

# --- shared columns ---------------------------------------------------------------------------------

IRI = Column("iri", "IRI", "the entity's IRI, to add to an existing entity whose name differs; empty: matched by name, or new", "")
START = Column(
    "start",
    "Beginn",
    "start date: YYYY-MM-DD, DD.MM.YYYY, YYYY-MM or YYYY (a time: YYYY-MM-DDTHH:MM)",
    "2024-05-13",
    aliases=("start date", "Startdatum", "von", "from"),
)
END = Column("end", "Ende", "end date, written like the start", "2024-05-14", aliases=("end date", "Enddatum", "bis", "until"))
TOPICS = Column(
    "topics",
    "Themen",
    "topics, separated by ';': a slug or label of ontology/topics.ttl (smart-city, mobility, Breitband, ...)",
    "smart-city; networking",
    aliases=("topic", "Thema"),
)
WEBSITE = Column("website", "Webseite", "web address, https://…", "https://example.org/", aliases=("url", "Website", "Homepage"))
DESCRIPTION = Column("description", "Beschreibung", "a short description in German", "", aliases=("comment", "Kommentar", "Bemerkung"))
ALIASES = Column(
    "aliases",
    "Kurznamen",
    "other names and abbreviations, separated by ';'",
    "",
    aliases=("alias", "Abkürzung", "Abkuerzungen", "abbreviation", "Alternativnamen"),
)


def _common(ctx: RowContext, subject: URIRef) -> None:
    """The columns most kinds share: website, topics, description, aliases."""
    ctx.add(subject, schema("url"), ctx.url("website"), "website")
    for topic in ctx.concepts("topics", "topic"):
        ctx.add(subject, DCTERMS.subject, topic, "topics")
    description = ctx.text("description")
    if description:
        ctx.add(subject, RDFS.comment, Literal(description, lang="de"), "description")
    for alias in ctx.texts("aliases"):
        ctx.add(subject, SKOS.altLabel, Literal(alias, lang="de"), "aliases")


def _period(ctx: RowContext, subject: URIRef) -> None:
    ctx.add(subject, schema("startDate"), ctx.date("start"), "start", single=True)
    ctx.add(subject, schema("endDate"), ctx.date("end"), "end", single=True)


def _by_slug(**options: str) -> dict[str, str]:
    """Choice keys as slugs (German and English words) → class IRI."""
    return {key.replace("_", "-"): SR + value for key, value in options.items()}
