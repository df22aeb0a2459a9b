"""The events of the graph for a calendar: read from the store by SPARQL, filtered, and written as iCalendar.

An event is anything typed with a subclass of ``sr:Event``. Dates are kept as the source states them:
a date-time (with its offset), a date, or only a month or a year (``xsd:gYearMonth``, ``xsd:gYear``).
Partial dates are listed under their month or year but left out of iCalendar, which can only say a
day: putting them on the first of the month would state a day no source gives. Places, topics and
organisers are IRIs; an event's places are its own ``schema:location`` or, where it has none, those
of the event it is part of (a session takes place where its conference does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import icalendar

from smartregion.rdf.ids import SR
from smartregion.rdf.prefixes import DCTERMS, RDFS, SCHEMA, SKOS, XSD
from smartregion.store import Store

# What a calendar entry shows of an event, and what events are filtered by.
_LINKS = {
    SCHEMA + "location": "places",
    SCHEMA + "organizer": "organisers",
    SR + "coOrganizer": "organisers",
    DCTERMS + "subject": "topics",
    DCTERMS + "source": "sources",
}
_TEXTS = {RDFS + "label": "labels", RDFS + "comment": "comments", SCHEMA + "description": "comments"}
_EVENT = f"?e a ?class . ?class <{RDFS}subClassOf>* <{SR}Event> ."
_BATCH = 200  # IRIs per label query

EVENTS_QUERY = f"""
SELECT ?e ?class ?start ?startType ?end ?endType ?super WHERE {{
  {_EVENT}
  OPTIONAL {{ ?e <{SCHEMA}startDate> ?start BIND(STR(DATATYPE(?start)) AS ?startType) }}
  OPTIONAL {{ ?e <{SCHEMA}endDate> ?end BIND(STR(DATATYPE(?end)) AS ?endType) }}
  OPTIONAL {{ ?e <{SCHEMA}superEvent> ?super }}
}}"""

# The events first, in a subquery: joined in place, pyoxigraph scanned every triple of the listed predicates (2 s).
VALUES_QUERY = f"""
SELECT ?e ?p ?o (LANG(?o) AS ?lang) WHERE {{
  {{ SELECT DISTINCT ?e WHERE {{ {_EVENT} }} }}
  VALUES ?p {{ {" ".join(f"<{p}>" for p in (*_LINKS, *_TEXTS))} }} ?e ?p ?o .
}}"""

# Every place an event's location lies in (a town in its district, its state, its country).
WITHIN_QUERY = f"""
SELECT DISTINCT ?l ?p WHERE {{
  {_EVENT}
  ?e <{SCHEMA}location> ?l . ?l <{SCHEMA}containedInPlace>+ ?p .
}}"""

LABELS_QUERY = f"""
SELECT ?s ?label (LANG(?label) AS ?lang) WHERE {{
  VALUES ?s {{ {{values}} }} ?s <{RDFS}label>|<{SKOS}prefLabel> ?label .
}}"""

PRECISION = {XSD + "dateTime": "datetime", XSD + "date": "date", XSD + "gYearMonth": "month", XSD + "gYear": "year"}


@dataclass(frozen=True)
class When:
    """A start or end as stated: ``text`` is the literal, ``precision`` datetime, date, month or year."""

    text: str
    precision: str

    @property
    def day(self) -> str:
        """The date part for ordering and comparing with today (``2024-09``, ``2024`` for partial dates)."""
        return self.text[:10]

    @property
    def month(self) -> str:
        """The month it falls in (``2024-09``), or the year alone if that is all the source says."""
        return self.text[:7] if self.precision != "year" else self.text[:4]

    def ical(self) -> date | datetime | None:
        """The value for iCalendar: a UTC date-time, a date, or None for a partial date."""
        if self.precision == "datetime":
            moment = datetime.fromisoformat(self.text)
            return moment.astimezone(UTC) if moment.tzinfo else moment  # floating time where no offset is stated
        if self.precision == "date":
            return date.fromisoformat(self.text[:10])
        return None


@dataclass
class Event:
    """One event with the IRIs of what it links to; names are looked up in ``Calendar.names``."""

    iri: str
    classes: set[str] = field(default_factory=set)
    start: When | None = None
    end: When | None = None
    super_event: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # language → text ('' untagged)
    comments: dict[str, str] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)
    organisers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    within: set[str] = field(default_factory=set)  # its places and every place they lie in


def pick(texts: dict[str, str], lang: str) -> str | None:
    """The text in ``lang``, else untagged, else German, else any."""
    for key in (lang, "", "de", *sorted(texts)):
        if key in texts:
            return texts[key]
    return None


@dataclass
class Calendar:
    """Every event of the store, with the names of the places, organisers, topics and classes they name."""

    events: list[Event]
    names: dict[str, dict[str, str]]  # IRI → language → label

    def name(self, iri: str, lang: str) -> str:
        return pick(self.names.get(iri, {}), lang) or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def select(self, *, region: str | None = None, topic: str | None = None, organiser: str | None = None,
               kind: str | None = None) -> list[Event]:
        """The dated events that match every given filter (IRIs), by start."""
        return sorted(
            (e for e in self.events if e.start is not None
             and (region is None or region in e.within)
             and (topic is None or topic in e.topics)
             and (organiser is None or organiser in e.organisers)
             and (kind is None or kind in e.classes)),
            key=lambda e: (e.start.text if e.start else "", e.iri),
        )


def read(store: Store) -> Calendar:
    """The events of the store; a handful of SPARQL queries, whatever the number of events."""
    events: dict[str, Event] = {}
    for row in store.select(EVENTS_QUERY):
        event = events.setdefault(row["e"], Event(row["e"]))
        event.classes.add(row["class"])
        if "start" in row and row.get("startType") in PRECISION:
            event.start = When(row["start"], PRECISION[row["startType"]])
        if "end" in row and row.get("endType") in PRECISION:
            event.end = When(row["end"], PRECISION[row["endType"]])
        event.super_event = row.get("super", event.super_event)
    for row in store.select(VALUES_QUERY):
        event = events[row["e"]]
        if row["p"] in _LINKS:
            values = getattr(event, _LINKS[row["p"]])
            if row["o"] not in values:
                values.append(row["o"])
        else:
            getattr(event, _TEXTS[row["p"]]).setdefault(row.get("lang", ""), row["o"])
    within: dict[str, set[str]] = defaultdict(set)
    for row in store.select(WITHIN_QUERY):
        within[row["l"]].add(row["p"])
    for event in events.values():
        event.places = event.places or _inherited_places(event, events)
        event.within = set(event.places).union(*(within[p] for p in event.places))
    named = {i for e in events.values() for i in (*e.classes, *e.places, *e.organisers, *e.topics, *e.within)}
    named |= {e.super_event for e in events.values() if e.super_event}
    return Calendar(list(events.values()), _labels(store, named))


def _inherited_places(event: Event, events: dict[str, Event]) -> list[str]:
    seen = {event.iri}
    parent = events.get(event.super_event or "")
    while parent is not None and parent.iri not in seen:
        if parent.places:
            return list(parent.places)
        seen.add(parent.iri)
        parent = events.get(parent.super_event or "")
    return []


def _labels(store: Store, iris: Iterable[str]) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = defaultdict(dict)
    wanted = sorted(iris)
    for start in range(0, len(wanted), _BATCH):
        values = " ".join(f"<{i}>" for i in wanted[start : start + _BATCH])
        for row in store.select(LABELS_QUERY.replace("{values}", values)):
            names[row["s"]].setdefault(row.get("lang", ""), row["label"])
    return names


# -- iCalendar (RFC 5545) -------------------------------------------------------------------------


def ical(calendar: Calendar, events: Sequence[Event], lang: str, page_url: Callable[[str], str], title: str,
         words: Mapping[str, str]) -> bytes:
    """An iCalendar file of the events that have a full date; ``page_url(iri)`` is an event's page here,
    ``words`` the labels of the description (``organisers``, ``topics``, ``more``) in ``lang``."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//smartregion//events//" + lang.upper())
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", title)
    stamp = datetime.now(UTC).replace(microsecond=0)
    for event in events:
        start = event.start.ical() if event.start else None
        if start is None:
            continue
        entry = icalendar.Event()
        entry.add("uid", event.iri)
        entry.add("dtstamp", stamp)
        entry.add("summary", pick(event.labels, lang) or calendar.name(event.iri, lang))
        entry.add("dtstart", start)
        end = event.end.ical() if event.end else None
        if isinstance(start, datetime) and isinstance(end, datetime) and end >= start:
            entry.add("dtend", end)
        elif not isinstance(start, datetime):
            # An all-day event ends on the day after its last day (RFC 5545 §3.6.1).
            last = end if isinstance(end, date) and not isinstance(end, datetime) and end >= start else start
            entry.add("dtend", last + timedelta(days=1))
        url = page_url(event.iri)
        entry.add("url", url)
        if event.places:
            entry.add("location", ", ".join(calendar.name(p, lang) for p in event.places))
        if event.organisers:
            # ORGANIZER is a single calendar address; the organiser's page stands for it, all are in the description.
            first = icalendar.vCalAddress(page_url(event.organisers[0]))
            first.params["cn"] = icalendar.vText(calendar.name(event.organisers[0], lang))
            entry.add("organizer", first)
        entry.add("description", _description(calendar, event, lang, url, words))
        if event.topics:
            entry.add("categories", [calendar.name(t, lang) for t in event.topics])
        cal.add_component(entry)
    return cal.to_ical()


def _description(calendar: Calendar, event: Event, lang: str, url: str, words: Mapping[str, str]) -> str:
    lines = [text for text in (pick(event.comments, lang),) if text]
    if event.organisers:
        lines.append(f"{words['organisers']}: " + ", ".join(calendar.name(o, lang) for o in event.organisers))
    if event.topics:
        lines.append(f"{words['topics']}: " + ", ".join(calendar.name(t, lang) for t in event.topics))
    lines.append(f"{words['more']}: {url}")
    return "\n".join(lines)
