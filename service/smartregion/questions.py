"""The question catalogue: the SPARQL files in ``queries/``, their headers and their parameters.

Each ``queries/{name}.rq`` starts with a grlc-style ``#+`` YAML header (summary, description, tags,
defaults, examples, ...) and marks its parameters the BASIL way: ``?_org_iri`` is a required IRI
named ``org``, ``?__state_iri`` (two underscores) an optional one. A question is answered by
substituting the parameters as RDF terms into the text, so a researcher can read, copy and run the
very same file against any SPARQL endpoint.

Substitution is the dangerous part: a value must never become SPARQL syntax. So only whole
variable tokens outside strings, IRIs and comments are replaced, and every value is checked against
its type and written as one RDF term (an IRI that cannot contain a delimiter, an escaped literal, a
number or date that passed a strict pattern).
"""

from __future__ import annotations

import datetime
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from smartregion.errors import SmartregionError
from smartregion.rdf.sparql_text import tokens
from smartregion.settings import Settings

XSD = "http://www.w3.org/2001/XMLSchema#"
HEADER_KEYS = {"summary", "description", "tags", "defaults", "enumerate", "examples", "method"}
# "format" is the REST API's own parameter, "note" a key of the header's examples.
RESERVED_NAMES = {"format", "note"}
NAME = re.compile(r"[a-z][a-z0-9_]*")


class CatalogueError(SmartregionError):
    """A query file that cannot be used as it is; the message names the file and what to fix."""

    status, title = 500, "question catalogue unusable"


class ParameterError(SmartregionError, ValueError):
    """A parameter value that is missing, unknown or not of its type."""

    status, title = 422, "invalid parameter"

    def __init__(self, message: str, parameter: str, expected: str | None = None, example: str | None = None):
        super().__init__(message)
        self.parameter = parameter
        self.expected = expected
        self.example = example

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"parameter": self.parameter, "expected": self.expected, "example": self.example}


class UnknownQuestion(SmartregionError, KeyError):
    """No question of that name; the message lists the known ones."""

    status, title = 404, "unknown question"
    hint = "GET /api/queries lists the questions."

    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown question {self.name!r}, known: {', '.join(self.known)}"

    def extensions(self) -> dict[str, object]:
        return super().extensions() | {"known": self.known}


# --- parameter types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamType:
    """What a BASIL type suffix expects, in words for messages, and an example value."""

    label: str
    example: str


TYPES = {
    "iri": ParamType("an absolute IRI", "https://w3id.org/smartregion/id/organisation/wfbb"),
    "literal": ParamType("a string", "Smart City"),
    "integer": ParamType("an integer (xsd:integer)", "2021"),
    "decimal": ParamType("a decimal number (xsd:decimal)", "0.5"),
    "date": ParamType("a date YYYY-MM-DD (xsd:date)", "2021-10-27"),
}
LANG_SUFFIX = re.compile(r"[a-z]{2,3}")

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a question: its variable in the text, its type, default and example."""

    name: str
    variable: str  # without the sigil: "_org_iri"
    type: str  # a key of TYPES, or "lang" for a language-tagged string
    lang: str | None
    required: bool
    default: str | None
    example: str

    @property
    def expected(self) -> str:
        return f"a string in language '{self.lang}'" if self.type == "lang" else TYPES[self.type].label

    def term(self, value: str) -> str:
        """The value as one SPARQL term, or ParameterError if it is not of this parameter's type."""
        if self.type == "iri":
            return self._iri(value)
        if self.type == "integer" and _INTEGER.fullmatch(value):
            return value  # the pattern is SPARQL's own integer syntax
        if self.type == "decimal" and _DECIMAL.fullmatch(value):
            return str(ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal")))
        if self.type == "date" and _DATE.fullmatch(value) and _valid_date(value):
            return str(ox.Literal(value, datatype=ox.NamedNode(XSD + "date")))
        if self.type == "literal":
            return str(ox.Literal(value))
        if self.type == "lang":
            return str(ox.Literal(value, language=self.lang))
        raise self._error(value)

    def _iri(self, value: str) -> str:
        if _IRI_FORBIDDEN.search(value) or not _IRI_SCHEME.match(value):
            raise self._error(value)
        try:
            return str(ox.NamedNode(value))
        except ValueError:
            raise self._error(value) from None

    def _error(self, value: str) -> ParameterError:
        shown = value if len(value) <= 80 else value[:77] + "..."
        return ParameterError(
            f"parameter {self.name!r} must be {self.expected}, e.g. {self.example}; got {shown!r}",
            self.name,
            self.expected,
            self.example,
        )


def _valid_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- reading the text ---------------------------------------------------------------------------

def parse_variable(variable: str) -> tuple[str, str, str | None, bool] | None:
    """(name, type, lang, required) for a BASIL parameter variable like ``_org_iri``; None otherwise."""
    if not variable.startswith("_"):
        return None
    required = not variable.startswith("__")
    rest = variable.lstrip("_")
    name, _, suffix = rest.rpartition("_")
    if not name:  # "?_name" without a type: a plain string, as in grlc
        return rest, "literal", None, required
    if suffix in TYPES:
        return name, suffix, None, required
    if LANG_SUFFIX.fullmatch(suffix):
        return name, "lang", suffix, required
    return rest, "literal", None, required


def header_text(text: str) -> str:
    """The YAML of the ``#+`` lines at the top of a query file, without the markers."""
    header: list[str] = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#+"):
            break
        header.append(line[2:])
    return textwrap.dedent("".join(header))


# --- questions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One question of the catalogue."""

    name: str
    text: str
    summary: str
    description: str
    tags: tuple[str, ...]
    method: str
    parameters: tuple[Parameter, ...]
    examples: tuple[dict[str, str], ...]  # parameter values, and an optional "note" on the answer
    enumerate: tuple[str, ...]

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise ParameterError(
            f"unknown parameter {name!r} for question {self.name!r}; known: {', '.join(p.name for p in self.parameters) or 'none'}",
            name,
        )

    def resolve(self, params: Mapping[str, str]) -> dict[str, str]:
        """The values the question runs with: those given, defaults for the rest; empty means not given."""
        for name in params:
            self.parameter(name)
        values: dict[str, str] = {}
        for parameter in self.parameters:
            given = params.get(parameter.name, "")
            value = given if given != "" else parameter.default
            if value is None:
                if parameter.required:
                    raise ParameterError(
                        f"missing parameter {parameter.name!r} ({parameter.expected}), e.g. {parameter.name}={parameter.example}",
                        parameter.name,
                        parameter.expected,
                        parameter.example,
                    )
                continue
            values[parameter.name] = value
        return values

    def render(self, params: Mapping[str, str]) -> str:
        """The SPARQL text with every given parameter written as an RDF term.

        An optional parameter that is not given stays an unbound variable, so the query can test it
        with ``!COALESCE(isIRI(?__p), false) || ...`` (see queries/README.md).
        """
        values = self.resolve(params)
        terms = {p.variable: p.term(values[p.name]) for p in self.parameters if p.name in values}
        return "".join(terms.get(variable, text) if variable else text for variable, text in self._pieces)

    @cached_property
    def _pieces(self) -> tuple[tuple[str | None, str], ...]:
        """The text in pieces, each a variable token (its name, its text) or the text up to the next one:
        lexed once per question, not per answer."""
        pieces: list[tuple[str | None, str]] = []
        for kind, text in tokens(self.text):
            if kind == "var":
                pieces.append((text[1:], text))
            elif pieces and pieces[-1][0] is None:
                pieces[-1] = (None, pieces[-1][1] + text)
            else:
                pieces.append((None, text))
        return tuple(pieces)


def load_query(path: Path) -> Query:
    """Read one ``.rq`` file; CatalogueError says which file and what is wrong."""
    name = path.stem
    if not NAME.fullmatch(name):
        raise CatalogueError(f"{path.name}: a question's file name must be snake_case ([a-z][a-z0-9_]*)")
    text = path.read_text(encoding="utf-8")
    try:
        header = yaml.safe_load(header_text(text)) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: the #+ header is not valid YAML: {exc}") from None
    if not isinstance(header, dict):
        raise CatalogueError(f"{path.name}: the #+ header must be a YAML mapping (summary:, description:, ...)")
    unknown = set(header) - HEADER_KEYS
    if unknown:
        raise CatalogueError(f"{path.name}: unknown header keys {sorted(unknown)}; allowed: {sorted(HEADER_KEYS)}")
    if not isinstance(header.get("summary"), str) or not header["summary"].strip():
        raise CatalogueError(f"{path.name}: the header needs a one-line '#+ summary: ...'")
    method = str(header.get("method", "GET")).upper()
    if method != "GET":
        raise CatalogueError(f"{path.name}: method {method} is not supported; the catalogue only reads (GET)")
    defaults = _mapping(path, "defaults", header.get("defaults"))
    examples = tuple(_mapping(path, "examples", entry) for entry in _list(path, "examples", header.get("examples")))
    parameters = _parameters(path, text, defaults, examples)
    enumerate_ = tuple(str(v) for v in _list(path, "enumerate", header.get("enumerate")))
    query = Query(
        name=name,
        text=text,
        summary=header["summary"].strip(),
        description=str(header.get("description") or "").strip(),
        tags=tuple(str(t) for t in _list(path, "tags", header.get("tags"))),
        method=method,
        parameters=parameters,
        examples=examples,
        enumerate=enumerate_,
    )
    _check_values(path, query, defaults)
    return query


def _check_values(path: Path, query: Query, defaults: dict[str, str]) -> None:
    """Every parameter the header names exists, and every default and example value fits its type."""
    named = [(k, None) for k in query.enumerate] + list(defaults.items())
    named += [(k, v) for example in query.examples for k, v in example.items() if k != "note"]
    for key, value in named:
        try:
            parameter = query.parameter(key)
            if value is not None:
                parameter.term(value)
        except ParameterError as exc:
            raise CatalogueError(f"{path.name}: in the header, {exc}") from None


def _list(path: Path, key: str, value: object) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CatalogueError(f"{path.name}: header '{key}' must be a YAML list ('#+   - ...' lines)")
    return value


def _mapping(path: Path, key: str, value: object) -> dict[str, str]:
    """A YAML mapping, or grlc's list of one-key mappings, as {name: value as text}."""
    if value is None:
        return {}
    items = value if isinstance(value, list) else [value]
    merged: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            raise CatalogueError(f"{path.name}: header '{key}' must hold 'name: value' entries")
        # YAML reads 2021 as int and 2021-10-27 as a date; the API sees text, so compare as text.
        merged.update({str(k): _text(v) for k, v in item.items()})
    return merged


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _parameters(path: Path, text: str, defaults: dict[str, str], examples: tuple[dict[str, str], ...]) -> tuple[Parameter, ...]:
    seen: dict[str, Parameter] = {}
    for kind, token in tokens(text):
        if kind != "var":
            continue
        parsed = parse_variable(token[1:])
        if parsed is None:
            continue
        name, type_, lang, required = parsed
        if name in RESERVED_NAMES:
            raise CatalogueError(f"{path.name}: parameter name {name!r} is reserved; rename ?{token[1:]}")
        previous = seen.get(name)
        if previous is not None:
            if previous.variable != token[1:]:
                raise CatalogueError(f"{path.name}: parameter {name!r} appears as ?{previous.variable} and ?{token[1:]}; use one spelling")
            continue
        generic = TYPES.get(type_, TYPES["literal"]).example
        example = next((e[name] for e in examples if name in e), defaults.get(name, generic))
        seen[name] = Parameter(name, token[1:], type_, lang, required, defaults.get(name), example)
    return tuple(seen.values())


# --- the catalogue ------------------------------------------------------------------------------


class Catalogue:
    """All questions of one ``queries/`` folder, by name."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._queries = {q.name: q for q in (load_query(p) for p in sorted(folder.glob("*.rq")))}

    def list_queries(self) -> list[Query]:
        return list(self._queries.values())

    def get(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQuestion(name, sorted(self._queries)) from None


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue of ``Settings.home``, read once: the files are part of the release, not of the data."""
    return Catalogue(Settings.from_env().home / "queries")


def list_queries() -> list[Query]:
    return default_catalogue().list_queries()


def get(name: str) -> Query:
    return default_catalogue().get(name)
