"""Result formats: which media types a query form offers, content negotiation, serialisation.

Results are written here rather than by the engine, solution by solution, so that an answer stops
at a row limit and at a byte limit without the rest ever being read, and is still a whole document
(closed JSON or XML) whose cut is marked where the format allows a comment (XML, Turtle,
N-Triples). A time limit never leaves half a document: the answer is written after evaluation.
The SPARQL result formats follow the W3C Recommendations (JSON, XML, CSV/TSV); graphs are written
by pyoxigraph's RDF serialisers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax import saxutils

import pyoxigraph as ox

from smartregion.errors import SmartregionError
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


class NotAcceptable(SmartregionError):
    """Nothing the client accepts is offered; carries the offers for the 406 answer."""

    status, title = 406, "not acceptable"

    def __init__(self, offers: Sequence[Format]):
        super().__init__("none of the requested result formats is offered")
        self.offers = tuple(offers)

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"offered": [f.media_type for f in self.offers]}


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


def names_only_results(accept: str) -> bool:
    """Whether every media range an Accept header wants is a SPARQL results format (or its JSON or XML alias)."""
    types = {f.media_type for f in SOLUTION_FORMATS} | {alias for f in SOLUTION_FORMATS for alias in f.aliases}
    wanted = [media for media, q in parse_accept(accept) if q > 0]
    return bool(wanted) and all(media in types for media in wanted)


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


ROWS, BYTES = "rows", "bytes"  # what cut an answer short: the row limit or the byte limit


def write_solutions(
    fmt: Format,
    variables: Sequence[str],
    rows: Iterable[Sequence[Term | None]],
    row_limit: int | None = None,
    byte_limit: int | None = None,
) -> tuple[bytes, str | None]:
    """Write SELECT solutions, reading ``rows`` only as far as the answer goes; the body and what cut it.

    ``rows`` hold one term or None per variable, in ``variables`` order. The body ends after at most
    ``row_limit`` rows, and within ``byte_limit`` bytes whole (the row that would pass it is left out),
    closed as a complete document with the cut marked.
    """
    writer = _SOLUTION_WRITERS[fmt.key]
    names = list(variables)
    out = io.BytesIO()
    out.write(writer.head(names).encode("utf-8"))
    closing = len(writer.tail.encode("utf-8")) + max(len(_cut_mark(fmt, cut, row_limit, byte_limit)) for cut in (ROWS, BYTES))
    cut = None
    for number, row in enumerate(rows):
        if row_limit is not None and number >= row_limit:
            cut = ROWS
            break
        piece = ((writer.separator if number else "") + writer.row(names, row)).encode("utf-8")
        if byte_limit is not None and out.tell() + len(piece) + closing > byte_limit:
            cut = BYTES
            break
        out.write(piece)
    out.write(writer.tail.encode("utf-8"))
    return mark_cut(fmt, out.getvalue(), cut, row_limit, byte_limit), cut


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
    if fmt.key == "rdfxml":
        _check_rdf_xml(triples)
    return ox.serialize(triples, format=rdf_format, prefixes=use_prefixes) or b""


class Unwritable(SmartregionError):
    """Triples the chosen format cannot hold (RDF/XML: a predicate that is no namespace plus an XML name)."""

    status, title = 406, "not acceptable"
    hint = "Ask for Turtle, N-Triples or JSON-LD (Accept: text/turtle, or format=turtle): they hold every IRI."


# An XML name may not start with a digit, '-' or '.'; RDF/XML writes a predicate as namespace + such a name.
_XML_NAME_END = re.compile(r"[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
                           r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]"
                           r"[\w.\-\u00B7\u0300-\u036F\u203F-\u2040]*\Z")


def _check_rdf_xml(triples: Sequence[ox.Triple]) -> None:
    for triple in triples:
        predicate = triple.predicate.value
        if not _XML_NAME_END.search(predicate):
            raise Unwritable(
                f"the answer cannot be written as RDF/XML: its predicate <{predicate}> does not end in an XML name "
                "(a letter or '_' and then letters, digits, '-', '.', '_'), so RDF/XML has no way to write it"
            )
        if isinstance(triple.subject, ox.Triple) or isinstance(triple.object, ox.Triple):
            raise Unwritable("the answer cannot be written as RDF/XML: it holds quoted triples (RDF 1.2), which RDF/XML cannot")


def write_triples(
    fmt: Format,
    triples: Iterable[ox.Triple],
    prefixes: dict[str, str] | None = None,
    row_limit: int | None = None,
    byte_limit: int | None = None,
) -> tuple[bytes, str | None]:
    """Write CONSTRUCT/DESCRIBE triples, read only as far as the answer goes; the body and what cut it.

    Triples are taken while their N-Triples lines fit the byte limit (about their size in every
    format), then written whole by pyoxigraph. JSON-LD and RDF/XML can escape more than N-Triples:
    a body that still passes the limit is written again with proportionally fewer triples.
    """
    reserve = 1 + max(len(_cut_mark(fmt, cut, row_limit, byte_limit)) for cut in (ROWS, BYTES))
    budget = None if byte_limit is None else byte_limit - reserve
    taken: list[ox.Triple] = []
    size, cut = 0, None
    for triple in triples:
        if row_limit is not None and len(taken) >= row_limit:
            cut = ROWS
            break
        size += len(str(triple).encode("utf-8")) + 3  # " .\n"
        if budget is not None and size > budget:
            cut = BYTES
            break
        taken.append(triple)
    body = serialise_triples(fmt, taken, prefixes)
    while budget is not None and len(body) > budget and taken:
        taken = taken[: min(len(taken) - 1, len(taken) * budget // len(body))]
        body, cut = serialise_triples(fmt, taken, prefixes), BYTES
    return mark_cut(fmt, body, cut, row_limit, byte_limit), cut


# The top-level member of SPARQL JSON results that says an answer was cut (README: truncated answers).
TRUNCATION_MEMBER = "smartregion"


def mark_cut(fmt: Format, body: bytes, cut: str | None, row_limit: int | None, byte_limit: int | None) -> bytes:
    """The body marked as cut where the format can say so: a comment at its end, or in SPARQL JSON a top-level member."""
    mark = _cut_mark(fmt, cut, row_limit, byte_limit)
    if fmt.key == "json" and mark:
        # Between head and results: strict parsers (pyoxigraph's) refuse members after the bindings.
        return body.replace(_JSON_RESULTS, mark + _JSON_RESULTS, 1)
    return body + (b"\n" if mark and not body.endswith(b"\n") else b"") + mark


def _cut_mark(fmt: Format, cut: str | None, row_limit: int | None, byte_limit: int | None) -> bytes:
    """A comment at the end of a cut answer, where the format has comments (XML, Turtle, N-Triples)."""
    if cut is None:
        return b""
    if cut == ROWS:
        note = f"the answer was cut at the row limit of {row_limit} rows"
    else:
        note = f"the answer was cut at the byte limit of {byte_limit} bytes"
    if fmt.key in ("xml", "rdfxml"):
        return f"<!-- {note} -->\n".encode("utf-8")
    if fmt.key in ("turtle", "ntriples"):
        return f"# {note}\n".encode("utf-8")
    if fmt.key == "json":
        member = {"truncated": True, "by": cut, "limit": row_limit if cut == ROWS else byte_limit}
        return (json.dumps(TRUNCATION_MEMBER) + ":" + json.dumps(member, separators=(",", ":")) + ",").encode("utf-8")
    return b""  # JSON-LD, CSV and TSV have no room for it: the HTTP headers say it


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


_JSON_RESULTS = b'"results":{"bindings":['


def _json_head(variables: list[str]) -> str:
    return '{"head":{"vars":' + json.dumps(variables, ensure_ascii=False, separators=(",", ":")) + '},"results":{"bindings":['


def _json_row(variables: list[str], row: Sequence[Term | None]) -> str:
    # Written as text, as json.dumps would write the binding: a dict per term and the encoder cost more
    # than the evaluation of a lookup on the in-memory store.
    return "{" + ",".join(_json_text(v) + ":" + _json_term_text(t) for v, t in zip(variables, row) if t is not None) + "}"


_json_text = json.encoder.encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False) writes it


def _json_term_text(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _json_text(term.value) + "}"
    if isinstance(term, ox.Literal):
        if term.language:
            return '{"type":"literal","value":' + _json_text(term.value) + ',"xml:lang":' + _json_text(term.language) + "}"
        if term.datatype.value != XSD_STRING:
            return '{"type":"literal","value":' + _json_text(term.value) + ',"datatype":' + _json_text(term.datatype.value) + "}"
        return '{"type":"literal","value":' + _json_text(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False, separators=(",", ":"))


_SRX = "http://www.w3.org/2005/sparql-results#"


def escape(text: str) -> str:
    """XML character data; a CR as a character reference, since every XML parser reads a raw CR LF as LF."""
    return saxutils.escape(text, {"\r": "&#13;"})


def quoteattr(text: str) -> str:
    return saxutils.quoteattr(text, {"\r": "&#13;"})


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


def _xml_head(variables: list[str]) -> str:
    declared = "".join(f"    <variable name={quoteattr(v)}/>\n" for v in variables)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{_SRX}">\n  <head>\n{declared}  </head>\n  <results>\n'


def _xml_row(variables: list[str], row: Sequence[Term | None]) -> str:
    bindings = "".join(
        f"      <binding name={quoteattr(v)}>{_xml_term(t)}</binding>\n" for v, t in zip(variables, row) if t is not None
    )
    return f"    <result>\n{bindings}    </result>\n"


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


def _csv_line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def _csv_row(variables: list[str], row: Sequence[Term | None]) -> str:
    return _csv_line(_csv_term(t) for t in row)


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


def _tsv_row(variables: list[str], row: Sequence[Term | None]) -> str:
    return "\t".join(_tsv_term(t) for t in row) + "\n"


@dataclass(frozen=True)
class _SolutionWriter:
    """One results format in pieces: what comes before the rows, one row, between rows, after them."""

    head: Callable[[list[str]], str]
    row: Callable[[list[str], Sequence[Term | None]], str]
    separator: str
    tail: str


_SOLUTION_WRITERS = {
    "json": _SolutionWriter(_json_head, _json_row, ",", "]}}"),
    "xml": _SolutionWriter(_xml_head, _xml_row, "", "  </results>\n</sparql>\n"),
    "csv": _SolutionWriter(_csv_line, _csv_row, "", ""),
    "tsv": _SolutionWriter(lambda variables: "\t".join("?" + v for v in variables) + "\n", _tsv_row, "", ""),
}
