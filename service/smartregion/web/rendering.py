"""What every page is made with: reading terms and labels through SPARQL, the page context, the renderer.

Templates are Jinja2 with autoescaping on, so no label, literal or IRI from the data can inject markup.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from smartregion.contribute.model import CONTRIBUTION_NS
from smartregion.rdf.ids import BASE, ID, ONTOLOGY, SOURCE, SR
from smartregion.rdf.prefixes import (
    DCTERMS,
    OWL,
    RDF,
    RDFS,
    SKOS,
    XSD,
    compact,
    local_name,
)
from smartregion.store import Store
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
TERM_VALUES = " ".join(f"<{k}>" for k in TERM_KINDS)

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
  BIND(EXISTS {{ GRAPH <{ONTOLOGY}> {{ ?s a ?kind . VALUES ?kind {{ {TERM_VALUES} }} }} }} AS ?term)
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
    if iri.startswith((ID, SOURCE, CONTRIBUTION_NS)):
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
