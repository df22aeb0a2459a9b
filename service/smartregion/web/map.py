"""``/map``: projects, organisations, events and cooperating territories on an outline of Germany.

A marker stands where its place is: the place's own position (``geo:lat``/``geo:long``, from the reference graph of
``smartregion places``), else the position of the nearest place containing it (a venue in its municipality), which
then counts as approximate. The page draws them with the vendored Leaflet on the vendored outline of Germany from
Natural Earth (``static/vendor/natural-earth/germany.geojson``): no tiles, nothing from another host. Its twin
``/map.geojson`` is the same markers as GeoJSON (RFC 7946), with the same filters.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smartregion.rdf import results
from smartregion.rdf.ids import SR
from smartregion.rdf.prefixes import PREFIXES
from smartregion.store import Store
from smartregion.store.cache import PerRevision
from smartregion.web import i18n
from smartregion.web.errors import errors
from smartregion.web.linkeddata import HTML, SECURITY_HEADERS, html_response, page_context
from smartregion.web.problems import Problem
from smartregion.web.rendering import app_path, fetch_names, render, sparql_iri

GEOJSON = results.Format("geojson", "application/geo+json", ("application/json",),
                         "https://www.iana.org/assignments/media-types/application/geo+json")
KINDS = ("project", "organisation", "event", "territory")
NO_PROGRAMME = "none"
# The page's own scripts (Leaflet and map.js) and its GeoJSON requests, all from this service.
MAP_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_GEO = PREFIXES["geo"]
_SCHEMA = PREFIXES["schema"]
_PREFIXES = f"""PREFIX sr: <{SR}>
PREFIX schema: <{_SCHEMA}>
PREFIX geo: <{_GEO}>
PREFIX org: <{PREFIXES["org"]}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
"""
# What stands somewhere: projects at their member municipalities or location, organisations and events at their
# location, territories where they cooperate (a partner or member of something).
_PLACED = _PREFIXES + """SELECT DISTINCT ?thing ?kind ?place WHERE {
  { ?thing a/rdfs:subClassOf* sr:Project ; sr:memberMunicipality|schema:location ?place . BIND("project" AS ?kind) }
  UNION { ?thing a/rdfs:subClassOf* sr:Organisation ; schema:location ?place . BIND("organisation" AS ?kind) }
  UNION { ?thing a/rdfs:subClassOf* sr:Event ; schema:location ?place . BIND("event" AS ?kind) }
  UNION { ?thing a/rdfs:subClassOf* sr:TerritorialAuthority .
          FILTER EXISTS { ?other sr:partner|org:member ?thing }
          BIND(?thing AS ?place) BIND("territory" AS ?kind) }
}"""
_PROGRAMMES = _PREFIXES + """SELECT DISTINCT ?thing ?programme WHERE {
  VALUES ?thing { %s }
  ?thing sr:fundedBy/sr:programme?|sr:programme ?programme . ?programme a sr:FundingProgramme .
}"""
_CONTAINERS = _PREFIXES + """SELECT DISTINCT ?inner ?outer WHERE {
  VALUES ?place { %s }
  ?place schema:containedInPlace* ?inner . ?inner schema:containedInPlace ?outer .
}"""
_POSITIONS = _PREFIXES + """SELECT ?place ?lat ?long ?approximate WHERE {
  VALUES ?place { %s }
  ?place geo:lat ?lat ; geo:long ?long . OPTIONAL { ?place sr:approximatePosition ?approximate }
}"""

router = APIRouter()


@dataclass(frozen=True)
class Marker:
    thing: str
    kind: str
    place: str
    lat: float
    long: float
    approximate: bool
    programmes: tuple[str, ...]


@dataclass
class MapData:
    """The markers of one store revision, and the labels (both languages) of everything they name."""

    markers: list[Marker] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # lang → IRI → label

    @classmethod
    def from_store(cls, store: Store, revision: str | None = None) -> MapData:
        placed = [(r["thing"], r["kind"], r["place"]) for r in store.select(_PLACED)]
        things, places = {t for t, _, _ in placed}, {p for _, _, p in placed}
        programmes: dict[str, set[str]] = defaultdict(set)
        containers: dict[str, list[str]] = defaultdict(list)
        if placed:
            for row in store.select(_PROGRAMMES % _values(things)):
                programmes[row["thing"]].add(row["programme"])
            for row in store.select(_CONTAINERS % _values(places)):
                containers[row["inner"]].append(row["outer"])
        around = places | {outer for outers in containers.values() for outer in outers}
        positions = {
            row["place"]: (float(row["lat"]), float(row["long"]), row.get("approximate") == "true")
            for row in (store.select(_POSITIONS % _values(around)) if around else ())
        }
        data = cls()
        for thing, kind, place in sorted(placed):
            found = _position(place, positions, containers)
            if found is not None:
                lat, long, approximate = found
                data.markers.append(Marker(thing, kind, place, lat, long, approximate, tuple(sorted(programmes[thing]))))
        named = things | places | {p for ps in programmes.values() for p in ps}
        for lang in i18n.LANGUAGES:
            names = fetch_names(store, named, lang)
            data.labels[lang] = {iri: names.label(iri) for iri in named}
        return data


def _values(iris: set[str]) -> str:
    return " ".join(sparql_iri(i) for i in sorted(iris))


def _position(place: str, positions: dict[str, tuple[float, float, bool]],
              containers: dict[str, list[str]]) -> tuple[float, float, bool] | None:
    """The place's own position, else that of the nearest place containing it (approximate)."""
    level, seen = [place], {place}
    while level:
        found = sorted(positions[p] for p in level if p in positions)
        if found:
            lat, long, approximate = found[0]
            return lat, long, approximate or place not in positions
        level = sorted({o for p in level for o in containers.get(p, ()) if o not in seen})
        seen.update(level)
    return None


_CACHE_LOCK = threading.Lock()


def map_data(request: Request) -> MapData:
    state = request.app.state
    with _CACHE_LOCK:
        cache = getattr(state, "map_data", None)
        if cache is None or cache.store is not state.store:
            cache = state.map_data = PerRevision(state.store, MapData.from_store)
    return cache.get()


def _chosen(data: MapData, kind: list[str], programme: list[str]) -> list[Marker]:
    """The markers of the kinds and programmes asked for (none asked: all); unknown values are refused."""
    for value in kind:
        if value not in KINDS:
            raise Problem(422, "invalid parameter", f"parameter 'kind': unknown kind '{value[:100]}'",
                          hint="use one of " + ", ".join(KINDS) + ", e.g. ?kind=project", parameter="kind")
    known = {p for m in data.markers for p in m.programmes}
    for value in programme:
        if value != NO_PROGRAMME and value not in known:
            raise Problem(422, "invalid parameter", f"parameter 'programme': no marker belongs to <{value[:200]}>",
                          hint=f"use the IRI of a programme listed in /map.geojson ('programmes'), or '{NO_PROGRAMME}'",
                          parameter="programme")
    return [
        m for m in data.markers
        if (not kind or m.kind in kind)
        and (not programme or any(p in programme for p in m.programmes) or (NO_PROGRAMME in programme and not m.programmes))
    ]


def geojson(data: MapData, markers: list[Marker], lang: str, link: Callable[[str], str | None]) -> dict:
    """The markers as a GeoJSON FeatureCollection (longitude first, RFC 7946) with the filters' choices."""
    t, labels = i18n.translator(lang), data.labels[lang]
    programmes = sorted({p for m in data.markers for p in m.programmes}, key=lambda p: labels[p].casefold())
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [m.long, m.lat]},
                "properties": {
                    "iri": m.thing, "label": labels[m.thing], "kind": m.kind, "href": link(m.thing),
                    "place": m.place, "place_label": labels[m.place], "place_href": link(m.place),
                    "approximate": m.approximate, "programmes": list(m.programmes),
                },
            }
            for m in markers
        ],
        "kinds": [{"kind": k, "label": t(f"places.kind.{k}")} for k in KINDS],
        "programmes": [{"iri": p, "label": labels[p], "href": link(p)} for p in programmes],
        "attribution": t("places.attribution"),
    }


KindParam = Annotated[list[str], Query(description="only these kinds: " + ", ".join(KINDS) + " (repeatable)")]
ProgrammeParam = Annotated[list[str], Query(description=f"only markers of these programmes (IRIs, repeatable); "
                                                        f"'{NO_PROGRAMME}': those of no programme")]


def _answer(request: Request, fmt: results.Format, kind: list[str], programme: list[str]) -> Response:
    data = map_data(request)
    kind, programme = [k for k in kind if k], [p for p in programme if p]  # the form's "all" sends an empty value
    chosen = _chosen(data, kind, programme)
    ctx = page_context(request, "/map", alternates=[("GeoJSON", GEOJSON.media_type, "map.geojson")])

    def link(iri: str) -> str | None:
        path = app_path(iri)
        return ctx.rel(path) if path else None

    collection = geojson(data, chosen, ctx.lang, link)
    if fmt is GEOJSON:
        return Response(json.dumps(collection, ensure_ascii=False).encode("utf-8"), media_type=GEOJSON.media_type,
                        headers={**SECURITY_HEADERS, "Vary": "Accept, Accept-Language, Cookie"})
    body = render("map.html", ctx, title=i18n.translator(ctx.lang)("places.title"), collection=collection,
                  kinds=kind, programme=programme, no_programme=NO_PROGRAMME)
    return html_response(request, body, headers={"Content-Security-Policy": MAP_CSP, "Vary": "Accept, Accept-Language, Cookie"})


@router.get("/map", summary="The map of places (HTML; GeoJSON by Accept)", response_class=Response,
            responses={200: {"content": {"text/html": {}, GEOJSON.media_type: {}}}, **errors(406, 422)})
def map_page(request: Request, kind: KindParam = [], programme: ProgrammeParam = []) -> Response:  # noqa: B006
    try:
        fmt = results.negotiate((HTML, GEOJSON), request.headers.get("accept"))
    except results.NotAcceptable:
        raise Problem(406, "not acceptable", "/map is published as text/html and application/geo+json",
                      hint="ask for one of them, or load /map.geojson", offered=[HTML.media_type, GEOJSON.media_type]) from None
    return _answer(request, fmt, kind, programme)


@router.get("/map.geojson", summary="The markers of the map as GeoJSON", response_class=Response,
            responses={200: {"content": {GEOJSON.media_type: {}}}, **errors(422)})
def map_geojson(request: Request, kind: KindParam = [], programme: ProgrammeParam = []) -> Response:  # noqa: B006
    return _answer(request, GEOJSON, kind, programme)
