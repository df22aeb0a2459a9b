"""HTML pages for people: an entity, a source document, the ontology, the home page and "not found".

Everything a page shows is read through the store's SPARQL interface (either backend), then rendered
by the Jinja2 templates in ``templates/`` with autoescaping on, so no label, literal or IRI from the
data can inject markup. Pages run no script (their CSP forbids it); schema.org JSON-LD is embedded as
a data block, which browsers never execute.

Links between pages are relative to the page (``../person/madeleine-lee``), so they lead to this
service wherever it runs: behind a w3id.org redirect, under a path prefix, or on localhost. The
absolute address where the service is published (``settings.base_url``) is used only for the
page's canonical URL; RDF and the embedded JSON-LD keep the canonical IRIs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox

from smartregion.rdf.ids import ID, ONTOLOGY, SR
from smartregion.rdf.prefixes import (
    DCTERMS,
    OWL,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
    local_name,
)
from smartregion.store import Store
from smartregion.web import i18n
from smartregion.web.rendering import (
    DCTERMS_SOURCE,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS_ALT,
    TERM_KINDS,
    TERM_VALUES,
    Footnotes,
    Names,
    PageContext,
    Renderer,
    Term,
    Value,
    anchor,
    fetch_names,
    pick,
    render,
    solutions,
    sparql_iri,
)

INCOMING_LIMIT = 1000  # links to a resource shown on its page (and written in its RDF description)
MEMBERS_SHOWN = 100  # entities of one class listed on a source's page

# -- entity and source pages ----------------------------------------------------------------------

MEMBERSHIP_QUERY = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?m ?member ?org ?role ?title ?start ?end ?g WHERE {{
  {{ ?m org:member {e} }} UNION {{ ?m org:organization {e} }}
  GRAPH ?g {{ ?m org:member ?member ; org:organization ?org }}
  OPTIONAL {{ ?m org:role ?role }}
  OPTIONAL {{ ?m schema:jobTitle ?title }}
  OPTIONAL {{ ?m schema:startDate ?start }}
  OPTIONAL {{ ?m schema:endDate ?end }}
}}"""

# Population figures are dated observations (ontology/README.md); the page shows the latest.
POPULATION_QUERY = f"""
PREFIX sr: <{SR}>
SELECT DISTINCT ?value ?date ?note ?g WHERE {{{{
  GRAPH ?g {{{{ ?obs sr:observationOf {{e}} ; sr:inhabitants ?value ; sr:referenceDate ?date }}}}
  OPTIONAL {{{{ ?obs sr:countNote ?note }}}}
}}}}"""

# One branch per class or property ({branches}: SCHEMA_TYPE_BRANCH each), each path starting at a constant:
# Virtuoso refuses the path from a variable bound by VALUES ("transitive start not given").
SCHEMA_TYPES_QUERY = f"""
PREFIX rdfs: <{RDFS}>
SELECT DISTINCT ?x ?schema WHERE {{
  {{branches}}
  FILTER(STRSTARTS(STR(?schema), "{SCHEMA}"))
}}"""
SCHEMA_TYPE_BRANCH = "{{ {x} rdfs:subClassOf*|rdfs:subPropertyOf* ?schema BIND({x} AS ?x) }}"

# Statement order on a page: what a thing is and is called first, where it comes from last.
_FIRST = (RDF_TYPE, RDFS_LABEL, SKOS_ALT)
_LAST = (DCTERMS_SOURCE,)


@dataclass
class EntityData:
    """What the store says about one resource, as fetched for its page."""

    iri: str
    outgoing: list[dict[str, Term]]  # p, o, g
    incoming: list[dict[str, Term]]  # s, p, g
    incoming_truncated: bool
    memberships: list[dict[str, Term]]
    population: list[dict[str, Term]]  # value, date, note, g

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.incoming)

    def iris(self) -> set[str]:
        found = {self.iri}
        for row in (*self.outgoing, *self.incoming, *self.memberships):
            found.update(t.value for t in row.values() if isinstance(t, ox.NamedNode))
        return found


def fetch_entity(store: Store, iri: str, *, skip_incoming: Sequence[str] = ()) -> EntityData:
    """The resource's statements with their graphs, links to it, and memberships it takes part in."""
    e = sparql_iri(iri)
    outgoing = solutions(store, f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {e} ?p ?o }} }}")
    skip = f"FILTER(?p NOT IN ({', '.join(sparql_iri(p) for p in skip_incoming)}))" if skip_incoming else ""
    incoming = solutions(
        store, f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {e} }} {skip} }} LIMIT {INCOMING_LIMIT + 1}"
    )
    memberships = solutions(store, MEMBERSHIP_QUERY.format(e=e))
    population = solutions(store, POPULATION_QUERY.format(e=e))
    return EntityData(iri, outgoing, incoming[:INCOMING_LIMIT], len(incoming) > INCOMING_LIMIT, memberships, population)


def _predicate_order(render: Renderer, predicate: str) -> tuple[int, str]:
    if predicate in _FIRST:
        return _FIRST.index(predicate) - len(_FIRST), ""
    return (1 if predicate in _LAST else 0), render.names.label(predicate).casefold()


def _statements(render: Renderer, notes: Footnotes, rows: list[dict[str, Term]], node: str) -> list[dict]:
    """Rows grouped by predicate; each value once, with the sources stating it."""
    grouped: dict[str, dict[Term, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        grouped[row["p"].value][row[node]].add(row["g"].value)
    return [
        {
            "predicate": render.iri(p),
            "values": [
                {"value": render.term(term), "sources": notes.of(graphs)}
                for term, graphs in sorted(values.items(), key=lambda item: render.term(item[0]).text.casefold())
            ],
        }
        for p, values in sorted(grouped.items(), key=lambda item: _predicate_order(render, item[0]))
    ]


def _memberships(render: Renderer, notes: Footnotes, data: EntityData) -> list[dict]:
    rows: dict[str, dict] = {}
    for row in data.memberships:
        m = row["m"].value
        entry = rows.setdefault(m, {"graphs": set(), "titles": [], "row": row})
        entry["graphs"].add(row["g"].value)
        if "title" in row:
            entry["titles"].append(row["title"])
    out = []
    for m, entry in rows.items():
        row = entry["row"]
        member = row["member"].value
        other = row["org"] if member == data.iri else row["member"]
        period = " – ".join(row[k].value for k in ("start", "end") if k in row)
        out.append({
            "membership": render.iri(m),
            "other": render.term(other),
            "as_member": member == data.iri,
            "role": render.term(row["role"]) if "role" in row else None,
            "title": render.text(entry["titles"]),
            "period": period,
            "sources": notes.of(entry["graphs"]),
        })
    return sorted(out, key=lambda r: (not r["as_member"], r["other"].text.casefold()))


def _population(notes: Footnotes, data: EntityData) -> dict | None:
    """The latest population figure with its date, wording and source, and how many figures there are."""
    if not data.population:
        return None
    latest = max(data.population, key=lambda r: (r["date"].value, r["g"].value))  # ISO dates of any precision sort as text
    return {
        "value": f"{int(latest['value'].value):,}".replace(",", "."),
        "note": latest["note"].value if "note" in latest else None,
        "date": latest["date"].value,
        "sources": notes.of([latest["g"].value]),
        "count": len(data.population),
    }


def _partners(render: Renderer, notes: Footnotes, partners: Sequence[dict]) -> list[dict]:
    out = []
    for partner in partners:
        evidence = [
            {"kind": render.t("kind." + item["kind"]), "label": item["label"],
             "href": render.href(item["iri"]), "date": item.get("date"), "sources": notes.of([item["source"]])}
            for item in partner["evidence"]
        ]
        out.append({
            "partner": Value(partner["label"], render.href(partner["iri"]), partner["iri"]),
            "weight": partner["weight"],
            "kinds": [render.t("kind." + k) for k in partner["kinds"]],
            "evidence": evidence,
        })
    return out


def _schema_org(store: Store, render: Renderer, data: EntityData) -> dict:
    """schema.org JSON-LD for search engines: types and properties mapped through the ontology's hierarchy."""
    classes = {r["o"].value for r in data.outgoing if r["p"].value == RDF_TYPE and isinstance(r["o"], ox.NamedNode)}
    predicates = {r["p"].value for r in data.outgoing}
    mapped: dict[str, set[str]] = defaultdict(set)
    branches = " UNION ".join(SCHEMA_TYPE_BRANCH.format(x=sparql_iri(i)) for i in sorted(classes | predicates))
    for row in solutions(store, SCHEMA_TYPES_QUERY.replace("{branches}", branches)) if branches else []:
        mapped[row["x"].value].add(row["schema"].value[len(SCHEMA):])
    mapped[SKOS_ALT].add("alternateName")
    mapped[OWL + "sameAs"].add("sameAs")
    types = sorted({s for c in classes for s in mapped.get(c, ())}) or ["Thing"]
    found: dict[str, list] = defaultdict(list)
    for row in data.outgoing:
        o = row["o"]
        for name in sorted(mapped.get(row["p"].value, ())):
            if not isinstance(o, ox.NamedNode):
                value: object = o.value
            elif name == "sameAs":
                value = o.value
            else:
                value = {"@id": o.value, "name": render.names.label(o.value)}
            if value not in found[name]:
                found[name].append(value)
    return {
        "@context": "https://schema.org",
        "@type": types if len(types) > 1 else types[0],
        "@id": data.iri,
        "name": render.names.label(data.iri),
        "mainEntityOfPage": render.ctx.public_url,
        **{name: values[0] if len(values) == 1 else values for name, values in sorted(found.items())},
    }


def _entity_view(store: Store, ctx: PageContext, data: EntityData, partners: Sequence[dict] | None,
                 more_iris: Iterable[str] = ()) -> tuple[Renderer, dict]:
    """What entity and source pages share, and the renderer made for them (labels fetched in one go)."""
    graphs = {r["g"].value for r in (*data.outgoing, *data.incoming, *data.memberships, *data.population)}
    graphs |= {item["source"] for p in partners or () for item in p["evidence"]}
    names = fetch_names(store, data.iris() | graphs | set(more_iris), ctx.lang)
    render_ = Renderer(ctx, names)
    notes = Footnotes(graphs, render_)
    types = {r["o"].value for r in data.outgoing if r["p"].value == RDF_TYPE}
    return render_, {
        "iri": data.iri,
        "title": names.label(data.iri),
        "alt_labels": sorted({r["o"].value for r in data.outgoing if r["p"].value == SKOS_ALT}),
        "types": sorted((render_.iri(c) for c in types), key=lambda v: v.text.casefold()),
        "statements": _statements(render_, notes, data.outgoing, "o"),
        "incoming": _statements(render_, notes, data.incoming, "s"),
        "incoming_truncated": data.incoming_truncated,
        "incoming_limit": INCOMING_LIMIT,
        "memberships": _memberships(render_, notes, data),
        "population": _population(notes, data),
        "partners": None if partners is None else _partners(render_, notes, partners),
        "sources": notes.sources,
        "schema_org": _schema_org(store, render_, data),
    }


def entity_page(store: Store, ctx: PageContext, iri: str, partners: Sequence[dict] | None) -> str | None:
    """The page of an entity (None if the graph does not know it); ``partners`` from the network layer."""
    data = fetch_entity(store, iri)
    if not data.exists:
        return None
    _, values = _entity_view(store, ctx, data, partners)
    # An event with a day to put in a calendar offers its own iCalendar file (web/events.py).
    dated = any(r["p"].value == SCHEMA + "startDate" and r["o"].datatype.value in (XSD + "date", XSD + "dateTime")
                for r in data.outgoing if isinstance(r["o"], ox.Literal))
    ics = ctx.rel(ctx.here) + ".ics" if iri.startswith(ID + "event/") and dated else None
    return render("entity.html", ctx, **values, ics=ics)


# The summary at the top of a source page: (label key, property).
SOURCE_SUMMARY = (
    ("source.title", DCTERMS + "title"),
    ("source.publisher", DCTERMS + "publisher"),
    ("source.issued", DCTERMS + "issued"),
    ("source.language", DCTERMS + "language"),
    ("source.kind", DCTERMS + "type"),
    ("source.license", DCTERMS + "license"),
)


# How a contribution came about (PROV-O, as contribute/contributions.py writes it): (label key, path from the graph).
PROVENANCE = (
    ("provenance.who", "prov:wasAttributedTo/foaf:name"),
    ("provenance.when", "prov:generatedAtTime"),
    ("provenance.how", "prov:wasGeneratedBy/dcterms:type"),
    ("provenance.from", "sr:fileName|prov:wasDerivedFrom"),
    ("provenance.used", "prov:wasGeneratedBy/prov:used"),
)

PROVENANCE_QUERY = f"""
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dcterms: <{DCTERMS}>
PREFIX sr: <{SR}>
SELECT ?key ?o ?id ?value WHERE {{ GRAPH {{g}} {{
  {" UNION ".join(f'{{ {{g}} {path} ?o BIND("{key}" AS ?key) }}' for key, path in PROVENANCE)}
  OPTIONAL {{ ?o dcterms:identifier ?id ; prov:value ?value }}
}} }}"""


def _provenance(store: Store, render_: Renderer, iri: str) -> list[dict]:
    """Who made a contribution, when, how and from what; empty for a source that does not say."""
    found: dict[str, list[Value]] = defaultdict(list)
    for row in solutions(store, PROVENANCE_QUERY.replace("{g}", sparql_iri(iri))):
        # An input kept by value (a query text) is shown as it was, not as its fragment IRI.
        value = Value(f"{row['id'].value}: {row['value'].value}") if "value" in row else render_.term(row["o"])
        if value not in found[row["key"].value]:
            found[row["key"].value].append(value)
    return [{"label": render_.t(key), "values": sorted(found[key], key=lambda v: v.text)} for key, _ in PROVENANCE
            if key in found]


def source_page(store: Store, ctx: PageContext, iri: str) -> str | None:
    """The page of a source document or a contribution: what it is, how it came about, and what it states,
    entities grouped by class.

    A reference source states thousands of entities: each class lists its first ``MEMBERS_SHOWN``
    (by IRI, which follows the name) and says how many there are.
    """
    # Every entity of the source links to it with dcterms:source; the "states" list shows them instead.
    data = fetch_entity(store, iri, skip_incoming=[DCTERMS_SOURCE])
    if not data.outgoing:
        return None
    g = sparql_iri(iri)
    by_class: dict[str, list[str]] = defaultdict(list)
    # Sorted here: pyoxigraph's ORDER BY takes seconds over the ten thousand places of the reference source.
    for row in solutions(store, f"SELECT DISTINCT ?cls ?s WHERE {{ GRAPH {g} {{ ?s a ?cls }} }}"):
        by_class[row["cls"].value].append(row["s"].value)
    counts = solutions(store, f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?e) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")[0]
    shown = {cls: sorted(members)[:MEMBERS_SHOWN] for cls, members in by_class.items()}
    render_, values = _entity_view(store, ctx, data, None, set(by_class) | {m for ms in shown.values() for m in ms})
    states = [
        {"class": render_.iri(cls), "count": len(by_class[cls]), "truncated": len(by_class[cls]) > len(members),
         "members": sorted((render_.iri(m) for m in members), key=lambda v: v.text.casefold())}
        for cls, members in sorted(shown.items(), key=lambda item: render_.names.label(item[0]).casefold())
    ]
    summary = [
        {"label": render_.t(key),
         "values": [render_.term(o) for o in sorted({r["o"] for r in data.outgoing if r["p"].value == prop}, key=str)]}
        for key, prop in SOURCE_SUMMARY
    ]
    return render("source.html", ctx, **values, states=states, summary=summary, members_shown=MEMBERS_SHOWN,
                  provenance=_provenance(store, render_, iri),
                  triples=i18n.number(int(counts["n"].value), ctx.lang),
                  entities=i18n.number(int(counts["e"].value), ctx.lang))


# -- the ontology page ----------------------------------------------------------------------------

ONTOLOGY_TERMS_QUERY = f"""
SELECT DISTINCT ?t ?p ?o WHERE {{ GRAPH <{ONTOLOGY}> {{
  ?t a ?kind . VALUES ?kind {{ {TERM_VALUES} }}
  ?t ?p ?o .
  VALUES ?p {{ <{RDF_TYPE}> <{RDFS_LABEL}> <{SKOS}definition> <{RDFS}comment> <{SKOS}scopeNote> <{RDFS}subClassOf>
              <{RDFS}subPropertyOf> <{RDFS}domain> <{RDFS}range> <{SCHEMA}domainIncludes> <{SCHEMA}rangeIncludes>
              <{OWL}inverseOf> <{RDFS}isDefinedBy> }}
}} }}"""

ONTOLOGY_HEADER_QUERY = f"SELECT ?p ?o WHERE {{ GRAPH <{ONTOLOGY}> {{ <{ONTOLOGY}> ?p ?o }} }}"
SCHEMES_QUERY = f"SELECT DISTINCT ?s WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s a <{SKOS}ConceptScheme> }} }}"
_KIND_ORDER = ("class", "object", "datatype", "annotation", "individual")


def _term_view(render_: Renderer, iri: str, props: Mapping[str, list[Term]]) -> dict:
    kinds = {TERM_KINDS[o.value] for o in props.get(RDF_TYPE, ()) if o.value in TERM_KINDS}
    kind = next(k for k in _KIND_ORDER if k in kinds)

    def iris(*predicates: str) -> list[Value]:
        found = {o.value for p in predicates for o in props.get(p, ()) if isinstance(o, ox.NamedNode)}
        return sorted((render_.iri(i) for i in found), key=lambda v: v.text.casefold())

    def text(*predicates: str) -> str | None:
        return render_.text(o for p in predicates for o in props.get(p, ()) if isinstance(o, ox.Literal))

    return {
        "anchor": anchor(iri),
        "iri": iri,
        "label": render_.names.label(iri),
        "kind": kind,
        "kind_label": render_.t("ontology.kind." + kind),
        "symmetric": any(o.value == OWL + "SymmetricProperty" for o in props.get(RDF_TYPE, ())),
        "supers": iris(RDFS + "subClassOf", RDFS + "subPropertyOf"),
        "domain": iris(RDFS + "domain", SCHEMA + "domainIncludes"),
        "range": iris(RDFS + "range", SCHEMA + "rangeIncludes"),
        "inverse": iris(OWL + "inverseOf"),
        "defined_by": [v for v in iris(RDFS + "isDefinedBy") if v.iri != ONTOLOGY],
        "definition": text(SKOS + "definition"),
        "note": text(RDFS + "comment", SKOS + "scopeNote"),
    }


def ontology_page(store: Store, ctx: PageContext) -> str | None:
    """The ontology, generated from its named graph (built from ``ontology/``): own terms, then reused ones."""
    header: dict[str, list[Term]] = defaultdict(list)
    for row in solutions(store, ONTOLOGY_HEADER_QUERY):
        header[row["p"].value].append(row["o"])
    if not header:
        return None
    terms: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in solutions(store, ONTOLOGY_TERMS_QUERY):
        terms[row["t"].value][row["p"].value].append(row["o"])
    schemes = [row["s"].value for row in solutions(store, SCHEMES_QUERY)]
    referenced = {o.value for props in terms.values() for values in props.values() for o in values if isinstance(o, ox.NamedNode)}
    names = fetch_names(store, set(terms) | referenced | set(schemes) | {ONTOLOGY}, ctx.lang)
    names.terms |= set(terms)
    render_ = Renderer(ctx, names)
    views = sorted((_term_view(render_, iri, props) for iri, props in terms.items()), key=lambda v: v["label"].casefold())
    own = [v for v in views if v["iri"].startswith(SR)]
    reused = [v for v in views if not v["iri"].startswith(SR)]
    sections = [
        ("classes", render_.t("ontology.classes"), [v for v in own if v["kind"] == "class"]),
        ("object-properties", render_.t("ontology.object"), [v for v in own if v["kind"] == "object"]),
        ("datatype-properties", render_.t("ontology.datatype"), [v for v in own if v["kind"] == "datatype"]),
    ]
    reused_sections = [
        ("reused-classes", render_.t("ontology.reused.classes"), [v for v in reused if v["kind"] == "class"]),
        ("reused-properties", render_.t("ontology.reused.properties"),
         [v for v in reused if v["kind"] in ("object", "datatype", "annotation")]),
        ("reused-individuals", render_.t("ontology.reused.individuals"), [v for v in reused if v["kind"] == "individual"]),
    ]

    def first(p: str) -> Value | None:
        chosen = pick((o for o in header.get(p, ()) if isinstance(o, ox.Literal)), ctx.lang)
        if chosen is not None:
            return render_.term(chosen)
        iris = sorted(o.value for o in header.get(p, ()) if isinstance(o, ox.NamedNode))
        return render_.iri(iris[0]) if iris else None

    return render(
        "ontology.html", ctx,
        iri=ONTOLOGY,
        title=(first(DCTERMS + "title") or Value(names.label(ONTOLOGY))).text,
        description=first(DCTERMS + "description"),
        facts=[(render_.t(key), value) for key, value in (
            ("ontology.version", first(OWL + "versionInfo")),
            ("ontology.namespace", Value(SR)),
            ("ontology.prefix", first("http://purl.org/vocab/vann/preferredNamespacePrefix")),
            ("ontology.license", first(DCTERMS + "license")),
            ("ontology.modified", first(DCTERMS + "modified")),
        ) if value is not None],
        sections=sections,
        reused_sections=reused_sections,
        schemes=sorted((render_.iri(s) for s in schemes), key=lambda v: v.text.casefold()),
    )


# -- home and not found ---------------------------------------------------------------------------

SOURCES_QUERY = f"SELECT DISTINCT ?s WHERE {{ ?s a <{SR}SourceDocument> }}"


def home_page(store: Store, ctx: PageContext, query: str | None, search: Callable[[str], list[dict]],
              overview: Mapping[str, list[tuple[str, int]]]) -> str:
    """The start page: search (answered here, without JavaScript), where to go next, an overview, the sources."""
    sources = [row["s"].value for row in solutions(store, SOURCES_QUERY)]
    hits = search(query) if query else []
    names = fetch_names(store, [*sources, *(iri for counts in overview.values() for iri, _ in counts)], ctx.lang)
    render_ = Renderer(ctx, names)
    graphs = store.named_graphs()
    return render(
        "home.html", ctx,
        title="smartregion",
        q=query or "",
        hits=[{"value": Value(h["label"], render_.href(h["iri"]), h["iri"]), "type": h.get("type")} for h in hits],
        search_json=ctx.rel("/api/search") + "?" + urlencode({"q": query or ""}),
        sources=sorted((render_.iri(s) for s in sources), key=lambda v: v.text.casefold()),
        triples=i18n.number(store.triple_count(), ctx.lang),
        graph_count=len(graphs),
        charts=overview_charts(render_, overview),
    )


CHART_BARS = 16  # bars per overview chart
CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT = 600, 210, 22


def overview_charts(render_: Renderer, overview: Mapping[str, list[tuple[str, int]]]) -> list[dict]:
    """Bar charts drawn here as SVG (no script): entities per class and actors per state, each bar a link into /browse."""
    charts = []
    for key, title, href in (
        ("classes", "home.per.class", lambda iri: render_.ctx.rel("/browse/" + local_name(iri))),
        ("states", "home.per.state", lambda iri: render_.ctx.rel("/browse/Actor") + "?" + urlencode({"state": "id/" + iri[len(ID):]})),
    ):
        counts = overview.get(key, [])[:CHART_BARS]
        top = max((n for _, n in counts), default=1) or 1
        bars = [{"label": render_.names.label(iri), "count": i18n.number(n, render_.ctx.lang), "href": href(iri),
                 "y": i * BAR_HEIGHT, "width": max(1, round((CHART_WIDTH - LABEL_WIDTH - 70) * n / top))}
                for i, (iri, n) in enumerate(counts)]
        charts.append({"id": "chart-" + key, "title": render_.t(title), "bars": bars, "height": len(bars) * BAR_HEIGHT,
                       "width": CHART_WIDTH, "label_width": LABEL_WIDTH})
    return charts


def not_found_page(ctx: PageContext, iri: str | None, suggestions: Sequence[dict], query: str, hint: str | None) -> str:
    """A 404 page that helps: what was not found, a search box, and names that come close."""
    render_ = Renderer(ctx, Names(ctx.lang))
    return render(
        "notfound.html", ctx,
        title=render_.t("notfound.title"),
        missing=iri,
        path=ctx.here,
        q=query,
        hint=hint,
        suggestions=[{"value": Value(s["label"], render_.href(s["iri"]), s["iri"]), "type": s.get("type")}
                     for s in suggestions],
    )
