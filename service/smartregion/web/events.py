"""Events by date: ``/events`` (HTML, and JSON by ``Accept`` or ``/events.json``), ``/events.ics`` to
subscribe to, and each event's own ``/id/event/{slug}.ics``.

The filters (``region``, ``topic``, ``organiser``, ``kind``) are the same on all three, so a coordinator
can subscribe to ``/events.ics?region=Brandenburg``. Each takes an IRI or a name; a name is matched to
the places, topics, organisers and event classes the events use, then to the search index (a place or
actor without events gives an empty list); one that matches nothing is a 404 that says what there is.
"Upcoming" counts from today (UTC) and includes events still running.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import groupby
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smartregion.names.search import PLACE_KINDS, SearchIndex
from smartregion.publish import events
from smartregion.publish.events import Calendar, Event, When
from smartregion.rdf import results
from smartregion.rdf.ids import ID
from smartregion.rdf.text import spellings
from smartregion.web import i18n
from smartregion.web.dependencies import calendar_cache, search_cache
from smartregion.web.errors import errors
from smartregion.web.linkeddata import HTML, html_response, language
from smartregion.web.problems import Problem
from smartregion.web.rendering import PageContext, app_path, render

router = APIRouter(tags=["events"])
ICS = "text/calendar; charset=utf-8"
JSON = results.Format("json", "application/json", (), "")

Region = Annotated[str | None, Query(description="Events in this state, district, town or other place (IRI or name), "
                                                 "also through the places their location lies in.", examples=["Brandenburg"])]
Topic = Annotated[str | None, Query(description="Events on this topic (IRI or name).", examples=["Smart City"])]
Organiser = Annotated[str | None, Query(description="Events organised or co-organised by this actor (IRI or name).",
                                        examples=["WFBB"])]
Kind = Annotated[str | None, Query(description="Events of this class: Conference, Workshop, Session, Panel, Talk, Event "
                                               "(or its label, e.g. Konferenz).", examples=["Conference"])]


def _matches(name: str, wanted: set[str]) -> bool:
    return bool(spellings(name) & wanted)


def _resolve(value: str | None, parameter: str, known: dict[str, list[str]], index: SearchIndex | None,
             index_types: tuple[str, ...] = ()) -> str | None:
    """The IRI a filter value names (see the module doc); ``known`` maps the IRIs the events use to their names."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    iri = ID + value[3:] if value.startswith("id/") else value
    if iri in known or (index is not None and iri in index):
        return iri
    wanted = spellings(value)
    named = sorted(i for i, names in known.items() if any(_matches(n, wanted) for n in names))
    if named:
        return named[0]
    hits = index.search(value, types=index_types, limit=10) if index is not None else []
    hits = [h for h in hits if h["match"] in ("exact", "prefix")]
    if hits:
        return hits[0]["iri"]
    some = ", ".join(sorted({names[0] for names in known.values()}, key=str.casefold)[:15])
    raise Problem(404, "not found", f"parameter '{parameter}': nothing called '{value[:200]}' is known",
                  hint=f"give an IRI or a name; the events use: {some}", parameter=parameter)


def choose_filters(request: Request, calendar: Calendar, region: str | None, topic: str | None,
                   organiser: str | None, kind: str | None) -> dict[str, str | None]:
    """The filter IRIs for ``Calendar.select``."""
    # Only names need the search index: a list without filters does not wait for it to be built.
    index = search_cache(request.app.state).get() if region or organiser else None

    def names(iris: set[str]) -> dict[str, list[str]]:
        return {i: [calendar.name(i, lang) for lang in i18n.LANGUAGES] for i in iris}

    def used(attribute: str) -> set[str]:
        return {i for e in calendar.events for i in getattr(e, attribute)}

    classes = {c: [c.rsplit("#", 1)[-1], *names({c})[c]] for c in used("classes")}
    return {
        "region": _resolve(region, "region", names(used("within")), index, (*PLACE_KINDS, "territorial-authority")),
        "topic": _resolve(topic, "topic", names(used("topics")), None),
        "organiser": _resolve(organiser, "organiser", names(used("organisers")), index, ("actor",)),
        "kind": _resolve(kind, "kind", classes, None),
    }


def public_url(request: Request, path: str) -> str:
    """A path of this service as an absolute URL: calendars and JSON are read outside the site."""
    return request.app.state.settings.base_url.rstrip("/") + path


def page_url(request: Request) -> Callable[[str], str]:
    """An IRI's page on this service (absolute), or the IRI itself where the service has none."""
    return lambda iri: public_url(request, path) if (path := app_path(iri)) else iri


def _event_json(calendar: Calendar, event: Event, lang: str, page: Callable[[str], str]) -> dict:
    def named(iris: list[str]) -> list[dict]:
        return [{"iri": i, "label": calendar.name(i, lang)} for i in iris]

    def when(value: When | None) -> dict | None:
        return None if value is None else {"value": value.text, "precision": value.precision}

    return {
        "iri": event.iri,
        "page": page(event.iri),
        "label": events.pick(event.labels, lang) or calendar.name(event.iri, lang),
        "kinds": sorted(c.rsplit("#", 1)[-1] for c in event.classes),
        "start": when(event.start),
        "end": when(event.end),
        "places": named(event.places),
        "organisers": named(event.organisers),
        "topics": named(event.topics),
        "part_of": named([event.super_event])[0] if event.super_event else None,
        "ics": page(event.iri) + ".ics" if event.start and event.start.ical() else None,
    }


def _upcoming(event: Event, today: str) -> bool:
    last = event.end or event.start
    return last is not None and last.day >= today[: len(last.day)]


def _query(params: dict[str, str | None]) -> str:
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


ERRORS = errors(404, 406)


@router.get("/events", summary="Events by date, upcoming and past by month (HTML, or JSON by Accept)",
            response_class=Response, responses={200: {"content": {"text/html": {}, "application/json": {}}}, **ERRORS})
def event_list(request: Request, region: Region = None, topic: Topic = None, organiser: Organiser = None,
               kind: Kind = None) -> Response:
    try:
        fmt = results.negotiate((HTML, JSON), request.headers.get("accept"))
    except results.NotAcceptable:
        raise Problem(406, "not acceptable", "/events is published as text/html and application/json",
                      hint="or fetch /events.json or /events.ics") from None
    return _events(request, fmt, {"region": region, "topic": topic, "organiser": organiser, "kind": kind})


@router.get("/events.json", summary="Events by date as JSON: upcoming and past, with the same filters",
            response_class=Response, responses=ERRORS)
def event_list_json(request: Request, region: Region = None, topic: Topic = None, organiser: Organiser = None,
                    kind: Kind = None) -> Response:
    return _events(request, JSON, {"region": region, "topic": topic, "organiser": organiser, "kind": kind})


def _events(request: Request, fmt: results.Format, given: dict[str, str | None]) -> Response:
    lang = language(request)
    calendar = calendar_cache(request.app.state).get()
    chosen = choose_filters(request, calendar, **given)
    found = calendar.select(**chosen)
    today = datetime.now(UTC).date().isoformat()
    upcoming = [e for e in found if _upcoming(e, today)]
    past = [e for e in reversed(found) if not _upcoming(e, today)]
    undated = sum(1 for e in calendar.events if e.start is None)
    ics = "/events.ics" + _query(given)
    if fmt is JSON:
        page = page_url(request)
        body = {"today": today, "filters": {k: v for k, v in chosen.items() if v},
                "upcoming": [_event_json(calendar, e, lang, page) for e in upcoming],
                "past": [_event_json(calendar, e, lang, page) for e in past],
                "undated": undated, "ics": public_url(request, ics)}
        return Response(json.dumps(body, ensure_ascii=False, indent=1), media_type="application/json",
                        headers={"Vary": "Accept"})
    ctx = PageContext(here="/events", lang=lang, base_url=request.app.state.settings.base_url,
                      query=dict(request.query_params),
                      alternates=[("JSON", "application/json", "events.json" + _query(given)),
                                  ("iCalendar", "text/calendar", ics[1:])])
    t = i18n.translator(lang)

    def entries(chosen_events: list[Event]) -> list[dict]:
        return [{"month": _month(month, lang), "events": [_entry(ctx, calendar, e, lang) for e in group]}
                for month, group in groupby(chosen_events, key=lambda e: e.start.month if e.start else "")]

    body = render("events.html", ctx, title=t("events.title"), upcoming=entries(upcoming), past=entries(past),
                  undated=undated, given={k: v or "" for k, v in given.items()}, options=_options(calendar, lang),
                  ics=ctx.rel("/events.ics") + _query(given), filtered=any(chosen.values()))
    return html_response(request, body, headers={"Vary": "Accept, Accept-Language, Cookie"})


def _month(month: str, lang: str) -> str:
    """``2024-09`` as "September 2024"; a year alone stays as it is."""
    if len(month) < 7:
        return month
    return f"{i18n.month_name(int(month[5:7]), lang)} {month[:4]}"


def _entry(ctx: PageContext, calendar: Calendar, event: Event, lang: str) -> dict:
    def link(iri: str) -> dict:
        path = app_path(iri)
        return {"text": calendar.name(iri, lang), "href": ctx.rel(path) if path else None}

    return {
        "iri": event.iri,
        "event": {**link(event.iri), "text": events.pick(event.labels, lang) or calendar.name(event.iri, lang)},
        "when": _when(event.start, event.end),
        "precision": event.start.precision if event.start else None,
        "kinds": [calendar.name(c, lang) for c in sorted(event.classes)],
        "places": [link(p) for p in event.places],
        "organisers": [link(o) for o in event.organisers],
        "part_of": link(event.super_event) if event.super_event else None,
        "ics": ctx.rel(app_path(event.iri) or "/") + ".ics" if event.start and event.start.ical() else None,
    }


def _when(start: When | None, end: When | None) -> str:
    """A start and end as stated: "2024-09-05 10:00–17:00", "2020-12-02", "2020-07"; the offset is left out."""
    if start is None:
        return ""
    text = start.text[:10] + (" " + start.text[11:16] if start.precision == "datetime" else "")
    if end is None or end.text == start.text:
        return text
    if end.precision == "datetime" and start.precision == "datetime" and end.day == start.day:
        return f"{text}–{end.text[11:16]}"
    return f"{text} – {end.text[:10] + (' ' + end.text[11:16] if end.precision == 'datetime' else '')}"


def _options(calendar: Calendar, lang: str) -> dict[str, list[dict]]:
    """What the filter form offers: the places, topics, organisers and classes the events use."""

    def listed(iris: set[str]) -> list[dict]:
        return sorted(({"value": i, "text": calendar.name(i, lang)} for i in iris), key=lambda o: o["text"].casefold())

    def used(attribute: str) -> set[str]:
        return {i for e in calendar.events if e.start for i in getattr(e, attribute)}

    return {"region": listed(used("within")), "topic": listed(used("topics")), "organiser": listed(used("organisers")),
            "kind": listed(used("classes"))}


def _words(lang: str) -> dict[str, str]:
    """The words of a calendar entry's description."""
    t = i18n.translator(lang)
    return {"organisers": t("events.organiser"), "topics": t("events.topic"), "more": t("events.more")}


@router.get("/events.ics", summary="The events as an iCalendar file (RFC 5545) to subscribe to, with the same filters",
            response_class=Response, responses={200: {"content": {"text/calendar": {}}}, **errors(404)})
def event_calendar(request: Request, region: Region = None, topic: Topic = None, organiser: Organiser = None,
                   kind: Kind = None) -> Response:
    lang = language(request)
    calendar = calendar_cache(request.app.state).get()
    chosen = choose_filters(request, calendar, region, topic, organiser, kind)
    named = ", ".join(calendar.name(v, lang) for v in chosen.values() if v)
    title = "smartregion: " + i18n.translator(lang)("events.title") + (f" ({named})" if named else "")
    body = events.ical(calendar, calendar.select(**chosen), lang, page_url(request), title, _words(lang))
    return Response(body, media_type=ICS, headers={"Content-Disposition": 'inline; filename="smartregion-events.ics"'})


@router.get("/id/event/{slug}.ics", summary="One event as an iCalendar file", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}, **errors(404)})
def one_event(request: Request, slug: str) -> Response:
    lang = language(request)
    calendar = calendar_cache(request.app.state).get()
    iri = ID + "event/" + slug
    event = next((e for e in calendar.events if e.iri == iri), None)
    if event is None:
        raise Problem(404, "not found", f"the graph knows no event <{iri}>", hint="GET /events lists them")
    if event.start is None or event.start.ical() is None:
        stated = event.start.text if event.start else "no date"
        raise Problem(404, "not found", f"<{iri}> has {stated}: a calendar entry needs a day",
                      hint="its page says what the sources state")
    body = events.ical(calendar, [event], lang, page_url(request), events.pick(event.labels, lang) or slug, _words(lang))
    return Response(body, media_type=ICS, headers={"Content-Disposition": f'inline; filename="{slug}.ics"'})
