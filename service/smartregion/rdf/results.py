"""Result formats: which media types a query form offers, content negotiation, serialisation.

Results are serialised here from a *limited* list of solutions or triples rather than streamed by
the engine, so that a row limit can cut a result and a time limit never leaves half a document.
The SPARQL result formats follow the W3C Recommendations (JSON, XML, CSV/TSV); graphs are written
by pyoxigraph's RDF serialisers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from smartregion.rdf import csvsafe

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
FORMATS_NS = "http://www.w3.org/ns/formats/"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Format:
    """One result format: its ``format`` parameter name, the media type sent, media types accepted."""

    key: str
    media_type: str
    aliases: tuple[str, ...]
    w3c_iri: str

    @property
    def content_type(self) -> str:
        # Text formats say their charset; the SPARQL and RDF application types are UTF-8 by definition.
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")


JSON = Format("json", "application/sparql-results+json", ("application/json",), FORMATS_NS + "SPARQL_Results_JSON")
XML = Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), FORMATS_NS + "SPARQL_Results_XML")
CSV = Format("csv", "text/csv", (), FORMATS_NS + "SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", (), FORMATS_NS + "SPARQL_Results_TSV")
TURTLE = Format("turtle", "text/turtle", ("application/x-turtle", "application/turtle"), FORMATS_NS + "Turtle")
NTRIPLES = Format("ntriples", "application/n-triples", (), FORMATS_NS + "N-Triples")
JSONLD = Format("jsonld", "application/ld+json", ("application/json",), FORMATS_NS + "JSON-LD")
RDFXML = Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), FORMATS_NS + "RDF_XML")

SOLUTION_FORMATS = (JSON, XML, CSV, TSV)
BOOLEAN_FORMATS = (JSON, XML)
GRAPH_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML)
ALL_FORMATS = SOLUTION_FORMATS + GRAPH_FORMATS
BY_KEY = {f.key: f for f in ALL_FORMATS}

# Values of the ``format`` parameter, including the ones SPARQLWrapper and common endpoints send.
# A name may stand for a results format or a graph format; the query form picks which one.
_FORMAT_NAMES: dict[str, tuple[Format, ...]] = {
    "json": (JSON, JSONLD),
    "xml": (XML, RDFXML),
    "csv": (CSV,),
    "tsv": (TSV,),
    "turtle": (TURTLE,),
    "ttl": (TURTLE,),
    "n3": (TURTLE,),  # Turtle is N3 without its extensions
    "ntriples": (NTRIPLES,),
    "n-triples": (NTRIPLES,),
    "nt": (NTRIPLES,),
    "jsonld": (JSONLD,),
    "json-ld": (JSONLD,),
    "rdfxml": (RDFXML,),
    "rdf+xml": (RDFXML,),
    "rdf": (RDFXML,),
}


def offered(form: str) -> tuple[Format, ...]:
    """The formats a query form (SELECT, ASK, CONSTRUCT, DESCRIBE) can be answered in, preferred first."""
    if form == "SELECT":
        return SOLUTION_FORMATS
    if form == "ASK":
        return BOOLEAN_FORMATS
    return GRAPH_FORMATS


class NotAcceptable(Exception):
    """Nothing the client accepts is offered; carries the offers for the 406 answer."""

    def __init__(self, offers: Sequence[Format]):
        super().__init__("none of the requested result formats is offered")
        self.offers = tuple(offers)


def negotiate(offers: Sequence[Format], accept: str | None, format_params: Sequence[str] = ()) -> Format:
    """Choose a format: an explicit ``format`` parameter wins, otherwise the Accept header (q-values)."""
    for name in format_params:
        name = name.strip().lower()
        if not name:
            continue
        if "/" in name:  # some clients put a media type into ``format``
            return negotiate(offers, name)
        for candidate in _FORMAT_NAMES.get(name, ()):
            if candidate in offers:
                return candidate
        raise NotAcceptable(offers)
    if not accept or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    best: tuple[float, int, Format] | None = None
    for rank, offer in enumerate(offers):
        q = _quality(offer, ranges)
        if q > 0 and (best is None or (q, -rank) > (best[0], best[1])):
            best = (q, -rank, offer)
    if best is None:
        raise NotAcceptable(offers)
    return best[2]


def parse_accept(accept: str) -> list[tuple[str, float]]:
    """``[(media range, q)]`` of an Accept header; parameters other than q are ignored."""
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def _quality(offer: Format, ranges: list[tuple[str, float]]) -> float:
    """q of the most specific range that matches the offer (RFC 9110 §12.5.1).

    Aliases (application/json, text/xml, ...) count only when named exactly, so that ``text/*``
    means the text formats proper and not SPARQL XML under its generic name.
    """
    major = offer.media_type.split("/")[0]
    best_specificity, best_q = -1, 0.0
    for media_range, q in ranges:
        if media_range == offer.media_type or media_range in offer.aliases:
            specificity = 2
        elif media_range == major + "/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity or (specificity == best_specificity and q > best_q):
            best_specificity, best_q = specificity, q
    return best_q if best_specificity >= 0 else 0.0


def accepts_only_text(accept: str | None) -> bool:
    """True if the client asked for text/* and nothing JSON-capable: it gets errors as plain text."""
    if not accept:
        return False
    types = [media_range for media_range, q in parse_accept(accept) if q > 0]
    jsonish = any(t in ("*/*", "application/*") or t.endswith("json") for t in types)
    return bool(types) and not jsonish and any(t.startswith("text/") for t in types)


# --- SPARQL results -----------------------------------------------------------------------------


def serialise_solutions(fmt: Format, variables: Sequence[str], rows: Iterable[Sequence[Term | None]]) -> bytes:
    """Write SELECT solutions; ``rows`` hold one term or None per variable, in ``variables`` order."""
    writer = {"json": _solutions_json, "xml": _solutions_xml, "csv": _solutions_csv, "tsv": _solutions_tsv}[fmt.key]
    return writer(list(variables), rows).encode("utf-8")


def serialise_boolean(fmt: Format, value: bool) -> bytes:
    """Write an ASK answer."""
    if fmt.key == "json":
        return json.dumps({"head": {}, "boolean": value}, separators=(",", ":")).encode("utf-8")
    if fmt.key == "xml":
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{_SRX}">\n  <head/>\n'
            f"  <boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n"
        ).encode("utf-8")
    raise ValueError(f"{fmt.key} cannot hold a boolean result")


def serialise_triples(fmt: Format, triples: Sequence[ox.Triple], prefixes: dict[str, str] | None = None) -> bytes:
    """Write CONSTRUCT/DESCRIBE triples with pyoxigraph's serialisers."""
    rdf_format = {
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt.key]
    use_prefixes = prefixes if fmt.key in ("turtle", "rdfxml") else None
    return ox.serialize(triples, format=rdf_format, prefixes=use_prefixes) or b""


def _json_term(term: Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    encoded: dict = {"type": "literal", "value": term.value}
    if term.language:
        encoded["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        encoded["datatype"] = term.datatype.value
    return encoded


def _solutions_json(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False, separators=(",", ":"))


_SRX = "http://www.w3.org/2005/sparql-results#"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _solutions_xml(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    out = io.StringIO()
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{_SRX}">\n  <head>\n')
    for v in variables:
        out.write(f"    <variable name={quoteattr(v)}/>\n")
    out.write("  </head>\n  <results>\n")
    for row in rows:
        out.write("    <result>\n")
        for v, t in zip(variables, row):
            if t is not None:
                out.write(f"      <binding name={quoteattr(v)}>{_xml_term(t)}</binding>\n")
        out.write("    </result>\n")
    out.write("  </results>\n</sparql>\n")
    return out.getvalue()


def _csv_term(term: Term | None) -> str:
    # CSV loses types on purpose (W3C CSV results §2): IRIs and literals as plain text, blank nodes as _:label.
    # A value a spreadsheet would evaluate gets a leading ' (csvsafe.py); numbers stay numbers.
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return _tsv_term(term)
    if isinstance(term, ox.Literal):
        return csvsafe.cell(term.value, term.datatype.value)
    return term.value


def _solutions_csv(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_term(t) for t in row])
    return out.getvalue()


def _tsv_term(term: Term | None) -> str:
    # TSV keeps RDF terms in Turtle/N-Triples syntax, whose escapes already cover tab and newline.
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} {_tsv_term(term.object)} )>>"
    if isinstance(term, ox.Literal) and csvsafe.is_formula(term.value, term.datatype.value):
        # A spreadsheet strips the quotes of "=..." and evaluates the rest: the ' goes inside them.
        return '"' + csvsafe.TEXT_MARK + str(term)[1:]
    return str(term)


def _solutions_tsv(variables: list[str], rows: Iterable[Sequence[Term | None]]) -> str:
    lines = ["\t".join("?" + v for v in variables)]
    lines.extend("\t".join(_tsv_term(t) for t in row) for row in rows)
    return "\n".join(lines) + "\n"
