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

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from smartregion.rdf.ids import BASE, ID, ONTOLOGY, SOURCE, SR
from smartregion.rdf.prefixes import (
    DCTERMS,
    OWL,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
    compact,
    local_name,
)
from smartregion.store.embedded import Store
from smartregion.web import i18n

TEMPLATES = Path(__file__).parent / "templates"


RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
SKOS_ALT = SKOS + "altLabel"
DCTERMS_SOURCE = DCTERMS + "source"
LABEL_PROPERTIES = (RDFS_LABEL, SKOS + "prefLabel", DCTERMS + "title")


# The kinds of term the ontology page lists, each with an anchor there.
TERM_KINDS = {
    OWL + "Class": "class",
    OWL + "ObjectProperty": "object",
    OWL + "DatatypeProperty": "datatype",
    OWL + "AnnotationProperty": "annotation",
    OWL + "NamedIndividual": "individual",
}
_TERM_VALUES = " ".join(f"<{k}>" for k in TERM_KINDS)

INCOMING_LIMIT = 1000  # links to a resource shown on its page (and written in its RDF description)
MEMBERS_SHOWN = 100  # entities of one class listed on a source's page
_BATCH = 200  # IRIs per label query: keeps each request to a remote store short

Term = ox.NamedNode | ox.BlankNode | ox.Literal

_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
)


# -- reading the store ----------------------------------------------------------------------------


def sparql_iri(iri: str) -> str:
    """An IRI written for a query; pyoxigraph refuses anything that is not an IRI, so nothing can be injected."""
    return str(ox.NamedNode(iri))


def solutions(store: Store, query: str) -> list[dict[str, Term]]:
    """Rows of a SELECT with full RDF terms (language tags, datatypes), the same from both backends."""
    body = store.query_bytes(query, "application/sparql-results+json")
    answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    names = [v.value for v in answer.variables]
    return [{n: t for n, t in zip(names, row) if t is not None} for row in answer]


def pick(literals: Iterable[ox.Literal], lang: str) -> ox.Literal | None:
    """The literal to show in ``lang``: that language, else untagged, else the other page language, else any."""

    def rank(literal: ox.Literal) -> tuple[int, str]:
        tag = (literal.language or "").lower().split("-")[0]
        order = 0 if tag == lang else 1 if not tag else 2 if tag in i18n.LANGUAGES else 3
        return order, literal.value

    return min(literals, key=rank, default=None)


def anchor(iri: str) -> str:
    """The fragment of a term on the ontology page: ``Person`` for sr:Person, ``schema:Person`` for others."""
    if iri.startswith(SR):
        return iri[len(SR):]
    return compact(iri) or iri


@dataclass
class Names:
    """Display names of IRIs in one language, and which IRIs are terms listed on the ontology page."""

    lang: str
    labels: dict[str, list[ox.Literal]] = field(default_factory=lambda: defaultdict(list))
    terms: set[str] = field(default_factory=set)

    def label(self, iri: str) -> str:
        chosen = pick(self.labels.get(iri, ()), self.lang)
        if chosen is not None:
            return chosen.value
        if iri in i18n.TERMS:
            return i18n.TERMS[iri][i18n.LANGUAGES.index(self.lang)]
        # Unlabelled: our own IRIs by their slug, others by a prefixed name or in full (never a guess).
        return local_name(iri) if iri.startswith(BASE) else compact(iri) or iri


def fetch_names(store: Store, iris: Iterable[str], lang: str) -> Names:
    """Labels (rdfs:label, skos:prefLabel, dcterms:title) of the IRIs, and which of them are ontology terms."""
    names = Names(lang)
    wanted = sorted({i for i in iris if i})
    for start in range(0, len(wanted), _BATCH):
        values = " ".join(sparql_iri(i) for i in wanted[start : start + _BATCH])
        query = f"""
SELECT ?s ?label ?term WHERE {{
  VALUES ?s {{ {values} }}
  OPTIONAL {{ ?s {"|".join(f"<{p}>" for p in LABEL_PROPERTIES)} ?label }}
  BIND(EXISTS {{ GRAPH <{ONTOLOGY}> {{ ?s a ?kind . VALUES ?kind {{ {_TERM_VALUES} }} }} }} AS ?term)
}}"""
        for row in solutions(store, query):
            iri = row["s"].value
            if isinstance(row.get("label"), ox.Literal):
                names.labels[iri].append(row["label"])
            if row.get("term") is not None and row["term"].value == "true":
                names.terms.add(iri)
    return names


# -- what a page shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One thing shown on a page: a linked resource or a literal (with its language or datatype)."""

    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class PageContext:
    """What every page needs to know about the request it answers."""

    here: str  # the page's path inside the app, e.g. /id/organisation/neuland21
    lang: str
    base_url: str  # where the service is published
    query: Mapping[str, str] = field(default_factory=dict)
    alternates: Sequence[tuple[str, str, str]] = ()  # (name, media type, href) of each representation

    def rel(self, target: str) -> str:
        """A link from this page to a path of the app, relative so that it works wherever the app runs."""
        path, _, fragment = target.partition("#")
        start = self.here.rsplit("/", 1)[0] or "/"
        link = posixpath.relpath(path, start)
        if path.endswith("/") and not link.endswith("/"):
            link = "./" if link == "." else link + "/"
        if ":" in link.split("/")[0]:
            link = "./" + link  # a first segment with ':' would read as a URL scheme
        return link + ("#" + fragment if fragment else "")

    @property
    def public_url(self) -> str:
        return self.base_url.rstrip("/") + self.here


def app_path(iri: str, terms: Collection[str] = ()) -> str | None:
    """Where this service answers for an IRI (a path inside the app), or None if it does not."""
    if iri.startswith((ID, SOURCE)):
        return "/" + iri[len(BASE):]
    if iri == ONTOLOGY:
        return "/ontology"
    if iri.startswith(SR) or iri in terms:
        return "/ontology#" + anchor(iri)
    return None


class Renderer:
    """Turns RDF terms into what the templates show, for one page in one language."""

    def __init__(self, ctx: PageContext, names: Names):
        self.ctx = ctx
        self.names = names
        self.t = i18n.translator(ctx.lang)

    def href(self, iri: str) -> str | None:
        path = app_path(iri, self.names.terms)
        if path is not None:
            return self.ctx.rel(path)
        # Only web links are clickable: a javascript: or data: IRI in the data must never become one.
        return iri if re.match(r"(?i)https?://", iri) else None

    def iri(self, iri: str) -> Value:
        return Value(self.names.label(iri), self.href(iri), iri)

    def term(self, term: Term) -> Value:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.BlankNode):
            return Value("_:" + term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return Value(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == XSD + "anyURI" and re.match(r"(?i)https?://", term.value):
                return Value(term.value, href=term.value, datatype=compact(datatype))
            return Value(term.value, datatype=None if datatype == XSD + "string" else compact(datatype) or datatype)
        return Value(str(term))

    def text(self, literals: Iterable[ox.Literal]) -> str | None:
        chosen = pick(literals, self.ctx.lang)
        return chosen.value if chosen is not None else None


class Footnotes:
    """Source documents numbered once per page; statements point to them as [1], [2], ..."""

    def __init__(self, graphs: Iterable[str], render: Renderer):
        ordered = sorted(set(graphs), key=lambda g: (render.names.label(g).casefold(), g))
        self.number = {g: i + 1 for i, g in enumerate(ordered)}
        self.sources = [{"n": self.number[g], "source": render.iri(g)} for g in ordered]

    def of(self, graphs: Iterable[str]) -> list[dict]:
        """The notes of the graphs stating something: number and title, in number order."""
        numbers = sorted({self.number[g] for g in graphs})
        return [{"n": n, "title": self.sources[n - 1]["source"].text} for n in numbers]


def render(template: str, ctx: PageContext, **values: object) -> str:
    """A template filled with the values and what every page needs (language, links, switch)."""
    other = next(lang for lang in i18n.LANGUAGES if lang != ctx.lang)
    switch = "?" + urlencode({**{k: v for k, v in ctx.query.items() if k != "lang"}, "lang": other})
    return _env.get_template(template).render(
        t=i18n.translator(ctx.lang), lang=ctx.lang, other_lang=other, switch_href=switch, rel=ctx.rel,
        canonical=ctx.public_url, alternates=ctx.alternates, **values,
    )


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

SCHEMA_TYPES_QUERY = f"""
PREFIX rdfs: <{RDFS}>
SELECT DISTINCT ?x ?schema WHERE {{
  VALUES ?x {{ {{values}} }}
  ?x rdfs:subClassOf*|rdfs:subPropertyOf* ?schema .
  FILTER(STRSTARTS(STR(?schema), "{SCHEMA}"))
}}"""

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
    return EntityData(iri, outgoing, incoming[:INCOMING_LIMIT], len(incoming) > INCOMING_LIMIT, memberships)


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
    values = " ".join(sparql_iri(i) for i in sorted(classes | predicates))
    for row in solutions(store, SCHEMA_TYPES_QUERY.replace("{values}", values)):
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
    graphs = {r["g"].value for r in (*data.outgoing, *data.incoming, *data.memberships)}
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
    return render("entity.html", ctx, **values)


# The summary at the top of a source page: (label key, property).
SOURCE_SUMMARY = (
    ("source.title", DCTERMS + "title"),
    ("source.publisher", DCTERMS + "publisher"),
    ("source.issued", DCTERMS + "issued"),
    ("source.language", DCTERMS + "language"),
    ("source.kind", DCTERMS + "type"),
    ("source.license", DCTERMS + "license"),
)


def source_page(store: Store, ctx: PageContext, iri: str) -> str | None:
    """The page of a source document: what it is, and what it states, entities grouped by class.

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
                  triples=i18n.number(int(counts["n"].value), ctx.lang),
                  entities=i18n.number(int(counts["e"].value), ctx.lang))


# -- the ontology page ----------------------------------------------------------------------------

ONTOLOGY_TERMS_QUERY = f"""
SELECT DISTINCT ?t ?p ?o WHERE {{ GRAPH <{ONTOLOGY}> {{
  ?t a ?kind . VALUES ?kind {{ {_TERM_VALUES} }}
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


def home_page(store: Store, ctx: PageContext, query: str | None, search: Callable[[str], list[dict]]) -> str:
    """The start page: search (answered here, without JavaScript), where to go next, the sources."""
    sources = [row["s"].value for row in solutions(store, SOURCES_QUERY)]
    hits = search(query) if query else []
    names = fetch_names(store, sources, ctx.lang)
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
    )


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
