"""REST routes for the network questions, the exports, entity search and the network map page.

The network is cached per store revision (``web.dependencies``), so every route answers from the
same projection until the next write. ``smartregion serve`` projects it at start: at a million
triples that takes 16–18 s the first caller would wait. Search uses the search index alone.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from smartregion import network
from smartregion.network import (
    KINDS,
    WEIGHTS,
    BadParameter,
    Filter,
    exports,
)
from smartregion.rdf.ids import ID, SOURCE
from smartregion.rdf import sheets
from smartregion.web import downloads, i18n
from smartregion.web.dependencies import SearchDep, SnapshotDep
from smartregion.web.downloads import DialectParam, FormatParam
from smartregion.web.errors import errors
from smartregion.web.linkeddata import html_response, language
from smartregion.web.problems import Problem
from smartregion.web.rendering import PageContext, render

logger = logging.getLogger("smartregion.network")
PACKAGE = Path(__file__).parent
STATIC = PACKAGE / "static"

# The map page runs only scripts served from here (vis-network is vendored in static/vendor/).
# vis-network injects its own small stylesheet at run time, hence 'unsafe-inline' for styles only.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

WEIGHT_RULE = (
    "Two actors (persons, organisations, territorial authorities) are linked by evidence of these kinds; "
    "a link's **weight** is the sum over its distinct evidence items (kind, IRI) of: "
    + ", ".join(f"{kind} {w}" for kind, w in WEIGHTS.items())
    + ". A fact stated by several sources is listed once per source (`source` = the named graph) and counted once. "
    "Programmes link their participants to their funder, implementing agency and coordinator, not to each other; "
    "so do events that belong to or present a programme or project (event-programme)."
)

# Examples for /docs, from the seed graph.
WFBB = ID + "organisation/wfbb"
NEULAND21 = ID + "organisation/neuland21"
BAD_BELZIG = ID + "municipality/bad-belzig"
BMWSB = ID + "organisation/bmwsb"
SCCON21_SOURCE = SOURCE + "sccon21-smart-country-brandenburg"

router = APIRouter()


def _examples(*values: object) -> dict:
    """Examples of a required parameter, as /docs offers them in "Try it out" (optional filters get none,
    so that trying a route does not switch a filter on)."""
    return {str(v): {"summary": str(v), "value": v} for v in values}


def get_filter(
    snap: SnapshotDep,
    kind: Annotated[list[str], Query(description=f"Keep only evidence of these kinds: {', '.join(KINDS)}.",
                                     examples=[["cooperation", "session"]])] = [],
    since: Annotated[str | None, Query(description="Keep evidence dated on or after (YYYY, YYYY-MM or YYYY-MM-DD); "
                                                   "undated evidence is dropped.", examples=["2021"])] = None,
    until: Annotated[str | None, Query(description="Keep evidence dated on or before (YYYY, YYYY-MM, YYYY-MM-DD).",
                                       examples=["2021-12-31"])] = None,
    region: Annotated[str | None, Query(description="Keep actors located in this state or region (IRI or label), "
                                                    "via schema:location and schema:containedInPlace.",
                                        examples=["Brandenburg"])] = None,
    type: Annotated[list[str], Query(description="Keep actors of these types: person, organisation, "
                                                 "territorial-authority or a class such as ministry, municipality.",
                                     examples=[["organisation"]])] = [],
) -> Filter:
    return Filter.parse(snap, kind, since, until, region, type)


FilterDep = Annotated[Filter, Depends(get_filter)]


@router.get("/api/search", tags=["network"], summary="Find entities by label or alias", response_model=None,
            description="As a file: `format=csv` or `xlsx`, one row per entity.",
            responses={200: downloads.CONTENT, **errors(422)})
def search(
    index: SearchDep,
    q: Annotated[str, Query(min_length=1, description="Name, abbreviation or part of it; accents and case are "
                                                      "ignored.", openapi_examples=_examples("WFBB", "neuland", "Dorfer"))],
    type: Annotated[list[str], Query(description="Only entities of this kind (organisation, person, municipality, "
                                                 "state, project, event, ...), class (Ministry) or group (actor).",
                                     examples=[["actor"]])] = [],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    format: FormatParam = "json",
    dialect: DialectParam = "rfc4180",
) -> Response:
    """Ranked exact > prefix > word > all words > substring, over `rdfs:label` and `skos:altLabel`."""
    results = index.search(q, type, limit)

    def tables() -> list[sheets.Sheet]:
        columns = ("rank", "iri", "label", "type", "matched", "match")
        rows = [[i, r["iri"], r["label"], r["type"], r["matched"], r["match"]] for i, r in enumerate(results, 1)]
        return [sheets.Sheet("search", columns, rows)]

    return downloads.answer({"query": q, "results": results}, format, dialect, "search", tables)


COOPERATIONS_EXAMPLE = {
    "actor": {"iri": WFBB, "label": "Wirtschaftsförderung Brandenburg", "type": "EconomicDevelopmentAgency",
              "group": "organisation"},
    "partners": [{
        "iri": NEULAND21, "label": "Neuland21", "type": "Organisation", "group": "organisation", "weight": 6,
        "kinds": ["cooperation", "co-organisation", "event-programme"],
        "evidence": [
            {"kind": "cooperation", "iri": ID + "cooperation/sccon21-mobile-arbeit",
             "label": "Kooperation zur Session „Und kann durch mobile Arbeit ein Innovationsökosystem auf dem Land "
                      "entstehen?“", "date": "2021-10-27T11:00:00+02:00", "source": SCCON21_SOURCE},
            {"kind": "co-organisation", "iri": ID + "event/sccon21-mobile-arbeit-auf-dem-land",
             "label": "Und kann durch mobile Arbeit ein Innovationsökosystem auf dem Land entstehen?",
             "date": "2021-10-27T11:00:00+02:00", "source": SCCON21_SOURCE},
            {"kind": "event-programme", "iri": ID + "event/sccon21-mobile-arbeit-auf-dem-land",
             "label": "Und kann durch mobile Arbeit ein Innovationsökosystem auf dem Land entstehen? – Heim[at]Office",
             "date": "2021-10-27T11:00:00+02:00", "source": SCCON21_SOURCE, "via": ID + "project/heimatoffice"},
        ],
    }],
}


PARTNER_COLUMNS = ("iri", "label", "type", "weight", "kinds", "evidence_count", "evidence")


@router.get("/api/cooperations", tags=["network"], summary="Partners of an actor, strongest first",
            description=WEIGHT_RULE + " As a file: `format=csv` or `xlsx`, one row per partner.", response_model=None,
            responses={200: {"content": {"application/json": {"example": COOPERATIONS_EXAMPLE},
                                         **downloads.CONTENT["content"]}}, **errors(404, 422)})
def cooperations(
    snap: SnapshotDep,
    flt: FilterDep,
    iri: Annotated[str, Query(description="The actor: IRI, `id/kind/slug` or label.",
                              openapi_examples=_examples(WFBB, "WFBB"))],
    format: FormatParam = "json",
    dialect: DialectParam = "rfc4180",
) -> Response:
    actor = network.resolve_actor(snap, iri, "iri")
    partners = network.cooperations(snap, actor, flt)

    def tables() -> list[sheets.Sheet]:
        rows = [[p["iri"], p["label"], p["type"], p["weight"], "; ".join(p["kinds"]), len(p["evidence"]),
                 "; ".join(f"{e['label']} ({e['iri']})" for e in p["evidence"])] for p in partners]
        return [sheets.Sheet("partners", PARTNER_COLUMNS, rows)]

    body = {"actor": snap.actors[actor].as_json(), "partners": partners}
    return downloads.answer(body, format, dialect, "partners-" + actor.rsplit("/", 1)[-1], tables)


@router.get("/api/path", tags=["network"], summary="How two actors are connected", responses=errors(404, 422),
            description="The shortest chain of links (fewest steps; of equally short chains the one with the highest "
                        "total weight), each step with its evidence. If there is none within `max` steps the answer "
                        "is `{\"connected\": false, \"message\": ...}`. " + WEIGHT_RULE)
def path(
    snap: SnapshotDep,
    flt: FilterDep,
    source: Annotated[str, Query(alias="from", description="Start actor (IRI or label).",
                                 openapi_examples=_examples(BAD_BELZIG))],
    target: Annotated[str, Query(alias="to", description="End actor (IRI or label).",
                                 openapi_examples=_examples(BMWSB))],
    max_steps: Annotated[int, Query(alias="max", ge=1, le=12, description="Longest chain accepted.")] = 6,
) -> dict:
    a, b = network.resolve_actor(snap, source, "from"), network.resolve_actor(snap, target, "to")
    return network.path(snap, a, b, max_steps, flt)


@router.get("/api/ego", tags=["network"], summary="An actor's neighbourhood", responses=errors(404, 422),
            description="Actors up to `depth` links away and the links among them, in the JSON shape of "
                        "`/api/network?format=json`. " + WEIGHT_RULE)
def ego(
    snap: SnapshotDep,
    flt: FilterDep,
    iri: Annotated[str, Query(description="The actor (IRI or label).", openapi_examples=_examples(WFBB))],
    depth: Annotated[int, Query(ge=1, le=3)] = 2,
) -> dict:
    actor = network.resolve_actor(snap, iri, "iri")
    return {"center": snap.actors[actor].as_json(), "depth": depth,
            **exports.network_json(network.ego(snap, actor, depth, flt))}


@router.get("/api/centrality", tags=["network"], summary="The most central actors", response_model=None,
            responses={200: downloads.CONTENT, **errors(404, 422)},
            description="degree: share of actors linked to; betweenness: share of shortest chains through the actor "
                        f"(hop distance; estimated from up to {network.BETWEENNESS_SAMPLE} sampled sources, seeded, fewer on very "
                        f"large networks, when "
                        f"the network has more than {network.BETWEENNESS_EXACT_UP_TO} actors — the answer then says "
                        "`sampled: true` and `k`); eigenvector: on the link weights. " + WEIGHT_RULE)
def centrality(
    snap: SnapshotDep,
    flt: FilterDep,
    measure: Literal["degree", "betweenness", "eigenvector"] = "degree",
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
    format: FormatParam = "json",
    dialect: DialectParam = "rfc4180",
) -> Response:
    ranking = network.centrality(snap, measure, top, flt)

    def tables() -> list[sheets.Sheet]:
        columns = ("rank", "iri", "label", "type", "score", "degree", "weight")
        rows = [[i, r["iri"], r["label"], r["type"], r["score"], r["degree"], r["weight"]]
                for i, r in enumerate(ranking["ranking"], 1)]
        return [sheets.Sheet(measure, columns, rows)]

    return downloads.answer(ranking, format, dialect, f"centrality-{measure}", tables)


@router.get("/api/communities", tags=["network"], summary="Groups of actors that work closely together",
            responses={200: downloads.CONTENT, **errors(404, 422)},
            description="Leiden communities (leidenalg) on the link weights, seeded so that the answer repeats. "
                        "As a file: `format=csv` or `xlsx`, one row per member. " + WEIGHT_RULE,
            response_model=None)
def communities(
    snap: SnapshotDep,
    flt: FilterDep,
    resolution: Annotated[float, Query(gt=0, le=10, description="Above 1: smaller communities.")] = 1.0,
    format: FormatParam = "json",
    dialect: DialectParam = "rfc4180",
) -> Response:
    found = network.communities(snap, resolution, flt)

    def tables() -> list[sheets.Sheet]:
        columns = ("community", "size", "iri", "label", "type")
        rows = [[c["id"], c["size"], m["iri"], m["label"], m["type"]] for c in found["communities"] for m in c["members"]]
        return [sheets.Sheet("communities", columns, rows)]

    return downloads.answer(found, format, dialect, "communities", tables)


@router.get("/api/brokers", tags=["network"], summary="Actors with partners in each of several regions",
            responses={200: downloads.CONTENT, **errors(404, 422)},
            description="Give `between` twice or more (a state or region, as IRI or label). Brokers with the most "
                        "even spread of partners come first. As a file: `format=csv` or `xlsx`, one row per broker. "
                        + WEIGHT_RULE, response_model=None)
def brokers(
    snap: SnapshotDep,
    flt: FilterDep,
    between: Annotated[list[str], Query(description="A state or region (IRI or label); at least two.",
                                        openapi_examples=_examples(["Brandenburg", "Berlin"]))],
    format: FormatParam = "json",
    dialect: DialectParam = "rfc4180",
) -> Response:
    if len(between) < 2:
        raise BadParameter("between", "give at least two regions, e.g. ?between=Brandenburg&between=Berlin")
    regions = [network.resolve_region(snap, value, "between") for value in between]
    found = network.brokers(snap, regions, flt)

    def tables() -> list[sheets.Sheet]:
        columns = ("rank", "iri", "label", "type", "weight", *(f"partners in {r['label']}" for r in found["regions"]))
        rows = [[i, b["iri"], b["label"], b["type"], b["weight"], *(len(p["partners"]) for p in b["partners"])]
                for i, b in enumerate(found["brokers"], 1)]
        return [sheets.Sheet("brokers", columns, rows)]

    return downloads.answer(found, format, dialect, "brokers", tables)


@router.get("/api/network", tags=["network"], summary="The whole network as a file",
            description="`json` fits Cytoscape.js and vis-network (`{nodes: [{id, label, type, ...}], edges: "
                        "[{source, target, weight, kinds, evidence_count}]}`); `graphml` and `gexf` open in Gephi "
                        "and yEd (node ids `n0`, `n1`, ...; the IRI is the node attribute `iri`); `csv` is an edge "
                        "list whose nodes are the IRIs in `source`/`target`, with label and type alongside; `xlsx` "
                        "has a sheet of actors and one of links. " + WEIGHT_RULE,
            response_class=Response,
            responses={200: {"content": {media: {} for media in exports.FORMATS.values()}}, **errors(404, 422)})
def network_file(
    snap: SnapshotDep,
    flt: FilterDep,
    format: Literal["json", "graphml", "gexf", "csv", "xlsx"] = "json",
    dialect: DialectParam = "rfc4180",
) -> Response:
    body = exports.render(network.view(snap.graph, flt), format, dialect)
    headers = {} if format == "json" else {"Content-Disposition": f'attachment; filename="smartregion-network.{format}"'}
    return Response(body, media_type=exports.FORMATS[format], headers=headers)


@router.get("/network", tags=["network"], summary="The network map (HTML, German or English by ?lang=)",
            response_class=HTMLResponse)
def network_page(
    request: Request,
    focus: Annotated[str | None, Query(description="An actor (IRI) to select and centre; the map opens on its "
                                                   "neighbourhood.", examples=[WFBB])] = None,
) -> Response:
    """The map's words come from i18n.py: those the script needs are handed to it as a JSON data block."""
    lang = language(request)
    t = i18n.translator(lang)
    ctx = PageContext(here="/network", lang=lang, base_url=request.app.state.settings.base_url,
                      query=dict(request.query_params), alternates=[
                          (f"JSON ({t('nav.network')})", "application/json", "api/network?format=json")])
    strings = {key: t(key) for key in i18n.STRINGS if key.startswith(("map.js.", "kind.", "type."))}
    rule = ", ".join(f"{t('kind.' + kind)} {weight}" for kind, weight in WEIGHTS.items())
    body = render("network.html", ctx, title=t("nav.network"), page_class="network", kinds=list(KINDS),
                  strings=strings, weights=rule, exact_up_to=network.BETWEENNESS_EXACT_UP_TO,
                  sample=network.BETWEENNESS_SAMPLE)
    return html_response(request, body, headers={"Content-Security-Policy": PAGE_CSP,
                                                 "Vary": "Accept-Language, Cookie"})


@router.get("/static/{name:path}", include_in_schema=False)
def static_file(name: str) -> FileResponse:
    root = STATIC.resolve()
    try:
        target = (root / name).resolve()
        found = target.is_relative_to(root) and target.is_file()
    except (OSError, ValueError):  # a name too long for the file system, or holding NUL: no such file either
        found = False
    if not found:
        raise Problem(404, "not found", f"no static file '{name[:200]}'")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})
