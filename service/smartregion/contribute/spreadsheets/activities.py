"""Spreadsheet kinds for what actors do together: events, cooperations, memberships and projects.

A row about an existing entity (matched by its IRI or its exact name) adds to it; a single-valued
property that is stored already with another value is reported, never overwritten (here and in
``actors``).
"""

from __future__ import annotations

from rdflib.namespace import RDFS
from rdflib.term import Literal, URIRef

from smartregion.contribute.spreadsheets.columns import (
    ACTOR,
    ALIASES,
    DESCRIPTION,
    END,
    EVENT,
    IRI,
    MEMBERSHIP_TARGET,
    ORG,
    PERSON,
    PLACE,
    SCHEMA,
    START,
    TOPICS,
    WEBSITE,
    _by_slug,
    _common,
    _period,
    org,
    schema,
    sr,
)
from smartregion.contribute.spreadsheets.reading import (
    Column,
    Kind,
    RowContext,
)
from smartregion.rdf.ids import SR

KINDS: list[Kind] = []  # in the order `smartregion template` lists them

# --- events -----------------------------------------------------------------------------------------

EVENT_TYPES = _by_slug(
    event="Event",
    veranstaltung="Event",
    conference="Conference",
    konferenz="Conference",
    tagung="Conference",
    kongress="Conference",
    workshop="Workshop",
    session="Session",
    sitzung="Session",
    panel="Panel",
    podium="Panel",
    podiumsdiskussion="Panel",
    talk="Talk",
    vortrag="Talk",
    keynote="Talk",
)
ATTENDANCE = {
    key: SCHEMA + value
    for key, value in {
        "online": "OnlineEventAttendanceMode",
        "digital": "OnlineEventAttendanceMode",
        "offline": "OfflineEventAttendanceMode",
        "vor-ort": "OfflineEventAttendanceMode",
        "praesenz": "OfflineEventAttendanceMode",
        "on-site": "OfflineEventAttendanceMode",
        "hybrid": "MixedEventAttendanceMode",
        "mixed": "MixedEventAttendanceMode",
    }.items()
}


def _event(ctx: RowContext) -> None:
    found = ctx.entity("event", "name", SR + "Event", match_classes=EVENT)
    if found is None:
        return
    subject, new = found
    cls = ctx.choice("type", EVENT_TYPES, SR + "Event" if new else None)
    if cls:
        ctx.typed(subject, new, str(cls))
    ctx.label(subject, new, ctx.text("name"))
    _period(ctx, subject)
    ctx.add(subject, schema("superEvent"), ctx.ref("part_of", EVENT, "an event"), "part_of")
    ctx.add(subject, schema("location"), ctx.ref("location", PLACE, "a place or municipality"), "location")
    mode = ctx.choice("attendance", ATTENDANCE)
    ctx.add(subject, schema("eventAttendanceMode"), URIRef(str(mode)) if mode else None, "attendance", single=True)
    for column, predicate, classes, what in (
        ("organisers", schema("organizer"), ACTOR, "an actor"),
        ("co_organisers", sr("coOrganizer"), ACTOR, "an actor"),
        ("speakers", sr("speaker"), PERSON, "a person"),
        ("moderators", sr("moderator"), PERSON, "a person"),
    ):
        for actor in ctx.refs(column, classes, what):
            ctx.add(subject, predicate, actor, column)
    ctx.add(subject, sr("participantCount"), ctx.integer("participants"), "participants", single=True)
    _common(ctx, subject)


KINDS.append(
    Kind(
        "events",
        "conferences, workshops, sessions, panels and talks; a row may be part of an event of an earlier row",
        (
            Column(
                "name",
                "Name",
                "the event's title",
                "Digitaltag Musterland 2024",
                required=True,
                aliases=("title", "Titel", "Veranstaltung"),
            ),
            Column(
                "type",
                "Art",
                "event, conference, workshop, session, panel, talk (or Veranstaltung, Konferenz, Sitzung, Podium, Vortrag)",
                "conference",
                aliases=("kind", "Typ"),
            ),
            IRI,
            START,
            END,
            Column(
                "part_of",
                "Teil von",
                "the event it belongs to (name or IRI; may be an earlier row)",
                "",
                aliases=("part of", "super event", "Rahmenveranstaltung"),
            ),
            Column(
                "location", "Ort", "where: a municipality or venue (name, AGS or IRI)", "Bad Belzig", aliases=("place", "Veranstaltungsort")
            ),
            Column(
                "attendance",
                "Format",
                "online, offline (vor Ort, Präsenz) or hybrid",
                "offline",
                aliases=("attendance mode", "Teilnahmeform"),
            ),
            Column(
                "organisers",
                "Veranstalter",
                "organisers (names, abbreviations or IRIs), separated by ';'",
                "WFBB",
                aliases=("organiser", "organizer", "organizers", "Veranstalter:in"),
            ),
            Column(
                "co_organisers",
                "Mitveranstalter",
                "co-organisers, separated by ';'",
                "DABB",
                aliases=("co-organisers", "co-organizers", "Kooperationspartner"),
            ),
            Column(
                "speakers",
                "Referierende",
                "speakers (persons: names or IRIs), separated by ';'",
                "Madeleine Lee",
                aliases=("speaker", "Referenten", "Vortragende"),
            ),
            Column("moderators", "Moderation", "moderators (persons), separated by ';'", "", aliases=("moderator",)),
            Column(
                "participants", "Teilnehmende", "number of participants as stated", "120", aliases=("participant count", "Teilnehmerzahl")
            ),
            WEBSITE,
            TOPICS,
            DESCRIPTION,
        ),
        _event,
        examples=(
            {
                "name": "Digitaltag Musterland 2024",
                "type": "conference",
                "start": "2024-05-13",
                "end": "2024-05-14",
                "location": "Bad Belzig",
                "attendance": "offline",
                "organisers": "WFBB",
                "co_organisers": "DABB",
                "speakers": "Madeleine Lee",
                "participants": "120",
                "topics": "smart-city; rural-development",
            },
        ),
    )
)

# --- cooperations -----------------------------------------------------------------------------------


def _cooperation(ctx: RowContext) -> None:
    partners = ctx.refs("partners", ACTOR, "an actor")
    kind = ctx.concept("kind", "cooperation-kind")
    if not ctx.ok:
        return
    if len(set(partners)) < 2:
        ctx.problem("partners", "a cooperation needs at least two different partners", "name two or more partners separated by ';'")
        return
    start = ctx.date("start")
    key = ("cooperation", frozenset(partners), kind, str(start))
    if not ctx.once(key, "partners", "the same partners, kind and start as row"):
        return
    existing = _stored_cooperation(ctx, partners, kind)
    subject = (
        URIRef(existing)
        if existing
        else ctx.mint("cooperation", "-".join(p.rsplit("/", 1)[-1] for p in partners[:3]) + "-" + str(kind).rsplit("/", 1)[-1])
    )
    new = existing is None
    ctx.typed(subject, new, SR + "Cooperation", None)
    names = [ctx.matcher.label(str(p)) or p.rsplit("/", 1)[-1] for p in partners]
    ctx.label(subject, new, ctx.text("name") or ("Kooperation " + " – ".join(names)), "name")
    for partner in partners:
        ctx.add(subject, sr("partner"), partner, "partners")
    ctx.add(subject, sr("cooperationKind"), kind, "kind")
    ctx.add(subject, sr("concerns"), ctx.ref("concerns", (SR + "Event", SR + "Project"), "an event or project"), "concerns")
    _period(ctx, subject)
    _common(ctx, subject)


def _stored_cooperation(ctx: RowContext, partners: list[URIRef], kind: URIRef | None) -> str | None:
    """A stored cooperation of exactly these partners and kind: the row adds to it instead of repeating it."""
    if ctx.matcher.store is None or kind is None:
        return None
    patterns = " ".join(f"?c <{SR}partner> <{p}> ." for p in partners)
    rows = ctx.matcher.store.select(
        f"""SELECT DISTINCT ?c WHERE {{ ?c a <{SR}Cooperation> ; <{SR}cooperationKind> <{kind}> . {patterns}
            FILTER NOT EXISTS {{ ?c <{SR}partner> ?other FILTER(?other NOT IN ({", ".join(f"<{p}>" for p in partners)})) }} }}"""
    )
    return rows[0]["c"] if len(rows) == 1 else None


KINDS.append(
    Kind(
        "cooperations",
        "stated cooperations between two or more actors",
        (
            Column(
                "partners",
                "Partner",
                "the partners (names, abbreviations or IRIs), at least two, separated by ';'",
                "WFBB; DABB",
                required=True,
                aliases=("partner", "Beteiligte"),
            ),
            Column(
                "kind",
                "Art",
                "kind of cooperation: event-cooperation, strategic-cooperation, project-consortium, consulting, funding (or its German label)",
                "strategic-cooperation",
                required=True,
                aliases=("type", "Typ", "Kooperationsart"),
            ),
            Column("name", "Bezeichnung", "a name for the cooperation; empty: “Kooperation A – B”", "", aliases=("label", "Name", "title")),
            Column(
                "concerns", "betrifft", "the event or project it is about (name or IRI)", "", aliases=("about", "Gegenstand", "Projekt")
            ),
            START,
            END,
            TOPICS,
            DESCRIPTION,
        ),
        _cooperation,
        examples=({"partners": "WFBB; DABB", "kind": "strategic-cooperation", "start": "2024-01", "topics": "digital-transformation"},),
    )
)

# --- memberships ------------------------------------------------------------------------------------


def _membership(ctx: RowContext) -> None:
    member = ctx.ref("member", ACTOR, "a person or other actor")
    organisation = ctx.ref("organisation", MEMBERSHIP_TARGET, "an organisation or project")
    role = ctx.concept("role", "role")
    start = ctx.date("start")
    if not ctx.ok or member is None or organisation is None:
        return
    if not ctx.once(
        ("membership", member, organisation, role, str(start)), "member", "the same member, organisation, role and start as row"
    ):
        return
    existing = _stored_membership(ctx, member, organisation, role)
    subject = URIRef(existing) if existing else ctx.mint("membership", f"{member.rsplit('/', 1)[-1]}-{organisation.rsplit('/', 1)[-1]}")
    new = existing is None
    ctx.typed(subject, new, ORG + "Membership", None)
    ctx.add(subject, org("member"), member, "member")
    ctx.add(subject, org("organization"), organisation, "organisation")
    ctx.add(subject, org("role"), role, "role")
    job_title = ctx.text("job_title")
    if job_title:
        ctx.add(subject, schema("jobTitle"), Literal(job_title, lang="de"), "job_title")
    _period(ctx, subject)
    description = ctx.text("description")
    if description:
        ctx.add(subject, RDFS.comment, Literal(description, lang="de"), "description")


def _stored_membership(ctx: RowContext, member: URIRef, organisation: URIRef, role: URIRef | None) -> str | None:
    if ctx.matcher.store is None:
        return None
    role_pattern = f"?m <{ORG}role> <{role}> ." if role else f"FILTER NOT EXISTS {{ ?m <{ORG}role> ?r }}"
    rows = ctx.matcher.store.select(
        f"SELECT DISTINCT ?m WHERE {{ ?m <{ORG}member> <{member}> ; <{ORG}organization> <{organisation}> . {role_pattern} }}"
    )
    return rows[0]["m"] if len(rows) == 1 else None


KINDS.append(
    Kind(
        "memberships",
        "who holds which role in which organisation or project, and when",
        (
            Column(
                "member",
                "Person",
                "the person (or other actor): name or IRI",
                "Madeleine Lee",
                required=True,
                aliases=("Mitglied", "person", "name"),
            ),
            Column(
                "organisation",
                "Organisation",
                "the organisation or project: name, abbreviation or IRI",
                "DABB",
                required=True,
                aliases=("organization", "Einrichtung", "Projekt", "project"),
            ),
            Column(
                "role",
                "Rolle",
                "normalised role: lead, deputy-lead, programme-lead, project-manager, manager, spokesperson, president, state-secretary, head-of-unit, head-of-division, board-member, expert, employee (or its German label)",
                "expert",
                aliases=("Funktion (normiert)",),
            ),
            Column(
                "job_title",
                "Funktion",
                "the job title as written, in German",
                "Referentin Smart Region",
                aliases=("job title", "Position", "Stellenbezeichnung"),
            ),
            START,
            END,
            DESCRIPTION,
        ),
        _membership,
        examples=(
            {
                "member": "Madeleine Lee",
                "organisation": "DABB",
                "role": "expert",
                "job_title": "Referentin Smart Region",
                "start": "2024-01",
            },
        ),
    )
)

# --- projects ---------------------------------------------------------------------------------------

PROJECT_TYPES = _by_slug(
    project="Project",
    projekt="Project",
    modellprojekt="Project",
    app="App",
    platform="Platform",
    plattform="Platform",
    qualification_programme="QualificationProgramme",
    qualifizierungsprogramm="QualificationProgramme",
    consulting_project="ConsultingProject",
    beratungsprojekt="ConsultingProject",
    strategy="Strategy",
    strategie="Strategy",
)
PROJECTS = (SR + "Project",)


def _project(ctx: RowContext) -> None:
    found = ctx.entity("project", "name", SR + "Project", match_classes=PROJECTS)
    if found is None:
        return
    subject, new = found
    cls = ctx.choice("type", PROJECT_TYPES, SR + "Project" if new else None)
    if cls:
        ctx.typed(subject, new, str(cls))
    ctx.label(subject, new, ctx.text("name"))
    ctx.add(subject, sr("coordinator"), ctx.ref("coordinator", ACTOR, "an actor"), "coordinator")
    for partner in ctx.refs("partners", ACTOR, "an actor"):
        ctx.add(subject, sr("partner"), partner, "partners")
    for municipality in ctx.refs("municipalities", (SR + "TerritorialAuthority",), "a municipality, district or state"):
        ctx.add(subject, sr("memberMunicipality"), municipality, "municipalities")
    ctx.add(
        subject,
        sr("fundedBy"),
        ctx.ref("funded_by", (SR + "FundingProgramme", SR + "Cohort"), "a funding programme or cohort"),
        "funded_by",
    )
    ctx.add(subject, sr("funder"), ctx.ref("funder", ACTOR, "an actor"), "funder")
    _period(ctx, subject)
    _common(ctx, subject)


KINDS.append(
    Kind(
        "projects",
        "projects, apps, platforms, qualification programmes, consulting projects, strategies",
        (
            Column("name", "Name", "the project's name", "Dorf-App Musterland", required=True, aliases=("title", "Titel", "Projekt")),
            Column(
                "type",
                "Art",
                "project, app, platform, qualification-programme, consulting-project, strategy (or Projekt, Plattform, Strategie, ...)",
                "app",
                aliases=("kind", "Typ"),
            ),
            IRI,
            ALIASES,
            Column(
                "coordinator",
                "Koordination",
                "who coordinates it (name or IRI)",
                "DABB",
                aliases=("coordinated by", "Projektleitung", "Koordinator"),
            ),
            Column("partners", "Partner", "partners, separated by ';'", "Bad Belzig", aliases=("partner",)),
            Column(
                "municipalities",
                "Kommunen",
                "member municipalities, districts or states (names, AGS or IRIs), separated by ';'",
                "Bad Belzig; Wiesenburg/Mark",
                aliases=("member municipalities", "Gemeinden"),
            ),
            Column(
                "funded_by",
                "Förderprogramm",
                "the funding programme or cohort (name or IRI)",
                "Modellprojekte Smart Cities",
                aliases=("funded by", "programme", "Programm"),
            ),
            Column("funder", "Fördergeber", "who funds it (name or IRI)", "", aliases=("Fördermittelgeber", "Zuwendungsgeber")),
            START,
            END,
            WEBSITE,
            TOPICS,
            DESCRIPTION,
        ),
        _project,
        examples=(
            {
                "name": "Dorf-App Musterland",
                "type": "app",
                "coordinator": "DABB",
                "partners": "Bad Belzig",
                "municipalities": "Bad Belzig; Wiesenburg/Mark",
                "funded_by": "Modellprojekte Smart Cities",
                "start": "2024",
                "topics": "public-services",
            },
        ),
    )
)
