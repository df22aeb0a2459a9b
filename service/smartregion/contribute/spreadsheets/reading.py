"""Spreadsheet rows into triples: the column templates ("kinds") and the row helpers a kind uses to
turn one row into entities and relations (``tables`` reads the files).

A kind (organisations, persons, events, cooperations, memberships, projects; ``registry`` lists
them) knows its columns — an English and a German header, aliases, whether the
column is required, an example and what goes in — and a ``convert`` function that reads one row
through a :class:`RowContext`. The context does the careful parts the same way for every kind:
dates, numbers, URLs, choices, references to existing entities (matching.py: by IRI, official key
or exact name; ambiguous and unknown names become problems, never guesses), new IRIs by the rules
of ids.py, duplicate rows, and where every statement came from (row and column) so that a SHACL
problem can be reported at its cell.

Nothing here writes to a store: :func:`import_table` hands the graph to ``contributions.add_graph``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import rdflib
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Literal, Node, URIRef

from smartregion.contribute.contributions import add_graph
from smartregion.contribute.model import (
    ContributionError,
    ContributionResult,
    Origins,
    Problem,
    Provenance,
    is_iri,
    new_contribution_iri,
)
from smartregion.contribute.spreadsheets.tables import Row, Table
from smartregion.names.matching import Candidate, Matcher, describe, normalise
from smartregion.rdf.ids import ID, slugify
from smartregion.rdf.prefixes import shorten
from smartregion.store import Store

LIST_SEPARATOR = re.compile(r"\s*[;|\n]\s*")  # commas stay: names contain them ("Stadt Halle, Saale")


# --- kinds ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a template. ``name`` is the English header, ``german`` the German one."""

    name: str
    german: str
    help: str
    example: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()

    def headers(self) -> tuple[str, ...]:
        return (self.name, self.german, *self.aliases)


@dataclass(frozen=True)
class Kind:
    """A spreadsheet template and how one of its rows becomes triples."""

    name: str
    description: str
    columns: tuple[Column, ...]
    convert: Callable[[RowContext], None]
    examples: tuple[Mapping[str, str], ...] = ()  # rows for `smartregion template`, by column name

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"kind {self.name} has no column {name!r}")


def header_key(header: str) -> str:
    """Headers compare without case, accents, spaces or punctuation: 'Job title' = 'job_title'."""
    return slugify(header).replace("-", "")


# --- turning rows into triples ----------------------------------------------------------------------


@dataclass
class Conversion:
    """The result of converting a table: the triples, every problem, and where each statement came from."""

    graph: rdflib.Graph
    problems: list[Problem]
    origins: Origins


@dataclass
class _Shared:
    """State of one conversion that rows share."""

    matcher: Matcher
    graph: rdflib.Graph
    origins: Origins
    problems: list[Problem]
    contribution_iri: str
    minted: set[str] = field(default_factory=set)
    local_names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # normalised name → (iri, class)
    seen: dict[object, int] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)  # for kinds that need state across rows


class RowContext:
    """What a kind's ``convert`` reads a row through; every helper records problems instead of raising."""

    def __init__(self, row: Row, kind: Kind, headers: Mapping[str, str], shared: _Shared, rows: Sequence[Row]):
        self.row = row
        self.kind = kind
        self._headers = headers  # column name → header as written
        self._shared = shared
        self.rows = rows  # the whole table, for kinds that need it (e.g. slugs unique across a list)
        self.state = shared.extra
        self.matcher = shared.matcher
        self.graph = shared.graph
        self.contribution_iri = shared.contribution_iri

    # problems

    def problem(self, column: str | None, message: str, fix: str = "", candidates: Iterable[Candidate] = ()) -> None:
        header = self._headers.get(column, column) if column else None
        found = tuple((c.iri, c.label) for c in candidates)
        self._shared.problems.append(Problem(message, row=self.row.number, column=header, fix=fix, candidates=found))

    @property
    def ok(self) -> bool:
        """No problem was recorded for this row."""
        return not any(p.row == self.row.number for p in self._shared.problems)

    # cells

    def _cell(self, row: Row, column: str) -> str:
        header = self._headers.get(column)
        return row.values.get(header, "").strip() if header else ""

    def text(self, column: str) -> str | None:
        return self._cell(self.row, column) or None

    def values(self, row: Row | None = None) -> dict[str, str]:
        """Every column of ``row`` (this row by default) by name, stripped, "" where empty or absent.

        For kinds that read the whole table at once: the headers as written may differ in case or
        language from the column names, and optional columns may be missing altogether.
        """
        return {column.name: self._cell(row or self.row, column.name) for column in self.kind.columns}

    def missing(self, row: Row | None = None) -> list[Column]:
        """The required columns ``row`` (this row by default) leaves empty: such a row is reported, not converted."""
        return [c for c in self.kind.columns if c.required and not self._cell(row or self.row, c.name)]

    def texts(self, column: str) -> list[str]:
        value = self.text(column)
        return [part for part in LIST_SEPARATOR.split(value) if part] if value else []

    def date(self, column: str) -> Literal | None:
        value = self.text(column)
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.problem(
                column,
                f"{value!r} is not a date",
                "write YYYY-MM-DD (or DD.MM.YYYY), YYYY-MM, YYYY, or a date and time YYYY-MM-DDTHH:MM",
            )
        return parsed

    def integer(self, column: str) -> Literal | None:
        value = self.text(column)
        if value is None:
            return None
        if re.fullmatch(r"\d+|\d{1,3}(?:[. ]\d{3})+", value):
            return Literal(int(re.sub(r"[. ]", "", value)), datatype=XSD.integer)
        self.problem(column, f"{value!r} is not a whole number", "write digits only, e.g. 120 or 8.000")
        return None

    def url(self, column: str) -> Literal | None:
        value = self.text(column)
        if value is None:
            return None
        if re.fullmatch(r"https?://[^\s<>\"]+", value):
            return Literal(value, datatype=XSD.anyURI)
        self.problem(column, f"{value!r} is not a web address", "write the full address, e.g. https://example.org/")
        return None

    def choice(self, column: str, options: Mapping[str, object], default: object = None) -> object:
        """One of ``options`` (keys compared as slugs: 'Public agency' = 'public-agency'); the default if empty."""
        value = self.text(column)
        if value is None:
            return default
        found = options.get(slugify(value))
        if found is None:
            self.problem(column, f"{value!r} is not one of the choices", "use one of: " + ", ".join(sorted(options)))
        return found

    # references

    def ref(self, column: str, classes: Iterable[str], what: str) -> URIRef | None:
        value = self.text(column)
        return self.resolve(value, classes, what, column) if value else None

    def refs(self, column: str, classes: Iterable[str], what: str) -> list[URIRef]:
        found = [self.resolve(value, classes, what, column) for value in self.texts(column)]
        return [f for f in found if f is not None]

    def resolve(self, value: str, classes: Iterable[str], what: str, column: str | None) -> URIRef | None:
        """An existing entity (or one made by an earlier row) for a cell: IRI, official key or exact name."""
        classes = tuple(classes)
        iri = expand_iri(value)
        if iri is not None:
            if iri in self._shared.minted or self.matcher.exists(iri):
                if self.matcher.exists(iri) and classes and not self.matcher.types(iri) & set(classes):
                    self.problem(column, f"<{iri}> is not {what}", f"name {what} here")
                    return None
                return URIRef(iri)
            self.problem(column, f"unknown reference: no entity <{iri}>", "check the IRI, or add the entity first")
            return None
        match = self.matcher.by_key(value, classes) if value.isdigit() else self.matcher.by_name(value, classes)
        local = [
            iri
            for iri, cls in self._shared.local_names.get(normalise(value), [])
            if not classes or cls in classes or self._is_a(cls, classes)
        ]
        if match.found and not local:
            return URIRef(match.found.iri)
        if match.ambiguous or (match.found and local) or len(local) > 1:
            listed = (
                describe(match.candidates) + ("; " if match.candidates and local else "") + "; ".join(f"<{i}> (this file)" for i in local)
            )
            self.problem(column, f"{value!r} is ambiguous: it names {listed}", "write the IRI of the one you mean instead of the name")
            return None
        if local:
            return URIRef(local[0])
        similar = self.matcher.similar(value, classes)
        self.problem(
            column,
            f"unknown reference: {value!r} is not the name, abbreviation or IRI of {what} in the store",
            (f"did you mean {describe(similar, ' or ')}? Write the name as the store has it or the IRI; otherwise "
             if similar else "check the spelling (labels and abbreviations are matched exactly), write its IRI, or ")
            + "add it first with its own import",
            similar,
        )
        return None

    def concept(self, column: str, folder: str) -> URIRef | None:
        found = self.concepts(column, folder, single=True)
        return found[0] if found else None

    def concepts(self, column: str, folder: str, *, single: bool = False) -> list[URIRef]:
        """Concepts of the vocabulary folder (``topic``, ``role``, ``cooperation-kind``) by slug or label."""
        text = self.text(column)
        values = ([text] if text else []) if single else self.texts(column)
        found = []
        namespace = f"{ID}{folder}/"
        for value in values:
            iri = expand_iri(value) or namespace + slugify(value)
            if iri.startswith(namespace) and self.matcher.exists(iri):
                found.append(URIRef(iri))
                continue
            match = self.matcher.by_name(value, within=namespace)
            if match.found:
                found.append(URIRef(match.found.iri))
            else:
                known = sorted(self.matcher.names_within(namespace))
                self.problem(column, f"{value!r} is not a known {folder.replace('-', ' ')}", "use one of: " + ", ".join(known))
        return found

    # the row's own entity

    def entity(
        self, folder: str, name_column: str, cls: str, *, match_classes: Iterable[str] = (), iri_column: str = "iri"
    ) -> tuple[URIRef, bool] | None:
        """The entity a row describes: the IRI in ``iri_column``, else an existing one of that exact name
        (of ``match_classes``, default ``cls``), else a new IRI ``id/{folder}/{slug}``; and whether it is new.
        A second row for the same entity is a problem (duplicate row)."""
        name = self.text(name_column)
        if name is None:
            return None  # the required column's problem is reported already
        classes = tuple(match_classes) or (cls,)
        given = self.text(iri_column)
        if given:
            iri = expand_iri(given)
            if iri is None or not iri.startswith(ID + folder + "/"):
                self.problem(
                    iri_column, f"{given!r} is not an IRI of {ID}{folder}/…", f"write e.g. {ID}{folder}/{slugify(name)}, or leave it empty"
                )
                return None
            subject, new = URIRef(iri), not self.matcher.exists(iri)
            if new and slugify(iri.rsplit("/", 1)[-1]) != iri.rsplit("/", 1)[-1]:
                self.problem(iri_column, f"the IRI ends in {iri.rsplit('/', 1)[-1]!r}, not a slug", "use lowercase letters, digits and '-'")
                return None
            if new:
                self._shared.minted.add(iri)
        else:
            match = self.matcher.by_name(name, classes)
            if match.ambiguous:
                self.problem(
                    name_column,
                    f"{name!r} is ambiguous: it names {describe(match.candidates)}",
                    "put the IRI of the one you mean in the iri column",
                )
                return None
            earlier = self._shared.local_names.get(normalise(name), [])
            if earlier and not match.found:
                subject, new = URIRef(earlier[0][0]), True  # reported as a duplicate row just below
            else:
                subject, new = (URIRef(match.found.iri), False) if match.found else (self.mint(folder, name), True)
        if not self.once(("entity", str(subject)), name_column, f"the same {self.kind.name.rstrip('s')} as row"):
            return None
        self._shared.local_names.setdefault(normalise(name), []).append((str(subject), cls))
        self._shared.origins.record(str(subject), self.row.number)
        return subject, new

    def mint(self, folder: str, text: str) -> URIRef:
        """A new IRI ``id/{folder}/{slug}`` that neither the store nor this import uses; ``-2``, ``-3``, ... on a clash."""
        slug = slugify(text) or "unnamed"
        candidate, n = f"{ID}{folder}/{slug}", 1
        while candidate in self._shared.minted or self.matcher.is_used(candidate):
            n += 1
            candidate = f"{ID}{folder}/{slug}-{n}"
        self._shared.minted.add(candidate)
        return URIRef(candidate)

    def once(self, key: object, column: str | None, what: str) -> bool:
        """False (and a duplicate-row problem) if an earlier row had the same key."""
        first = self._shared.seen.setdefault(key, self.row.number)
        if first != self.row.number:
            self.problem(column, f"duplicate row: {what} {first}", f"merge row {self.row.number} into row {first}, or remove one of them")
            return False
        return True

    # statements

    def add(self, subject: Node, predicate: URIRef, obj: Node | None, column: str | None = None, *, single: bool = False) -> None:
        """Add a statement (nothing if ``obj`` is None). ``single``: the property has one value, so a
        different stored value is a conflict to report, not a second value to add."""
        if obj is None:
            return
        if single and isinstance(subject, URIRef) and self.matcher.exists(str(subject)):
            stored = self.matcher.values(str(subject), str(predicate))
            if stored and str(obj) not in stored:
                self.problem(
                    column,
                    f"<{subject}> already has {predicate.n3(self.graph.namespace_manager)} {', '.join(sorted(stored))}; an import adds, it does not overwrite",
                    "leave the cell empty, or correct the value in its source",
                )
                return
            if stored:
                return
        self.graph.add((subject, predicate, obj))
        self._shared.origins.record(str(subject), self.row.number, str(predicate), self._headers.get(column, column) if column else None)

    def label(self, subject: URIRef, new: bool, name: str | None, column: str = "name") -> None:
        """A new entity's German label; for an existing one a name it does not have yet becomes an alias."""
        if not name:
            return
        if new:
            self.add(subject, RDFS.label, Literal(name, lang="de"), column)
        elif str(subject) not in {c.iri for c in self.matcher.by_name(name).candidates}:
            self.add(subject, SKOS.altLabel, Literal(name, lang="de"), column)

    def typed(self, subject: URIRef, new: bool, cls: str, column: str | None = "type") -> None:
        """State the class of a new entity; an existing one may be refined to a sub-class, not changed."""
        have = self.matcher.types(str(subject))
        if new or not have:
            self.add(subject, RDF.type, URIRef(cls), column)
        elif cls in have:
            return
        elif any(self._is_a(cls, (t,)) for t in self.matcher.asserted(str(subject))):
            self.add(subject, RDF.type, URIRef(cls), column)
        else:
            self.problem(
                column,
                f"<{subject}> is stored as {', '.join(sorted(shorten(t) for t in self.matcher.asserted(str(subject))))}, not {shorten(cls)}",
                "leave the type empty for an existing entity, or give a more specific type of the same kind",
            )

    def _is_a(self, cls: str, classes: Iterable[str]) -> bool:
        return bool(({cls} | self.matcher.superclasses(cls)) & set(classes))


def expand_iri(value: str) -> str | None:
    """A cell that is an IRI: a full ``http(s)`` IRI, ``id:kind/slug`` or ``<...>``; None for a name."""
    value = value.strip().strip("<>")
    if value.startswith("id:"):
        value = ID + value[3:]
    return value if is_iri(value) else None


def parse_date(value: str) -> Literal | None:
    """xsd:date, xsd:dateTime, xsd:gYearMonth or xsd:gYear from the ways people write dates; None if it is none."""
    value = value.strip()
    german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?:\s*Uhr)?", value)
    if german:
        d, m, y, hh, mm, ss = german.groups()
        value = f"{y}-{int(m):02d}-{int(d):02d}" + (f"T{int(hh):02d}:{mm}:{ss or '00'}" if hh else "")
    month = re.fullmatch(r"(\d{1,2})[./](\d{4})", value)
    if month:
        value = f"{month.group(2)}-{int(month.group(1)):02d}"
    try:
        if re.fullmatch(r"\d{4}", value):
            return Literal(value, datatype=XSD.gYear)
        if re.fullmatch(r"\d{4}-\d{2}", value):
            datetime.strptime(value, "%Y-%m")
            return Literal(value, datatype=XSD.gYearMonth)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?", value):
            parsed = datetime.fromisoformat(value.replace(" ", "T"))
            text = parsed.isoformat().replace("+00:00", "Z")
            return Literal(text, datatype=XSD.dateTime)
    except ValueError:
        return None
    return None


def convert_table(table: Table, kind: Kind, *, store: Store | None, contribution_iri: str, matcher: Matcher | None = None) -> Conversion:
    """Every row of ``table`` through ``kind``; problems for wrong, missing or duplicate columns too."""
    problems = _check_headers(table, kind)
    shared = _Shared(matcher or Matcher(store), rdflib.Graph(), Origins(), problems, contribution_iri)
    if problems:
        return Conversion(shared.graph, problems, shared.origins)
    headers = {column.name: header for header in table.headers if header for column in kind.columns if header_key(header) in _keys(column)}
    if not table.rows:
        problems.append(Problem(f"{table.name} has a header but no rows", fix="add one row per entry below the header"))
    for row in table.rows:
        context = RowContext(row, kind, headers, shared, table.rows)
        if row.values.get(""):
            context.problem(None, f"cells beyond the last column: {row.values['']!r}", "give every column a header, or remove the cells")
        missing = context.missing()
        for column in missing:
            context.problem(column.name, f"the required column {headers[column.name]!r} is empty", f"fill it in, e.g. {column.example!r}")
        if _is_example(context.values(), kind, set(headers)):
            first = kind.columns[0].name
            context.problem(first, "this is the template's example row, not an entry of yours",
                            "replace its cells with your own entry, or delete the row")
        elif not missing:
            kind.convert(context)
    return Conversion(shared.graph, problems, shared.origins)


def _is_example(values: Mapping[str, str], kind: Kind, present: set[str]) -> bool:
    """Whether a row is one of the kind's example rows unchanged (case and spacing aside): every cell the example
    fills is there with its value, every other cell of the table empty."""
    def same(a: str, b: str) -> bool:
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

    return any(
        any(example.values())
        and {name for name, value in example.items() if value} <= present
        and all(same(values[name], example.get(name, "")) for name in present)
        for example in kind.examples
    )


def rows_to_graph(
    rows: Table | Sequence[Row], kind: Kind, *, store: Store | None, contribution_iri: str
) -> tuple[rdflib.Graph, list[Problem]]:
    """The triples the rows state, and every problem found (row, column, how to fix it)."""
    table = rows if isinstance(rows, Table) else Table(kind.name, tuple(dict.fromkeys(h for r in rows for h in r.values)), tuple(rows))
    conversion = convert_table(table, kind, store=store, contribution_iri=contribution_iri)
    return conversion.graph, conversion.problems


def _keys(column: Column) -> set[str]:
    return {header_key(h) for h in column.headers()}


def _check_headers(table: Table, kind: Kind) -> list[Problem]:
    problems = []
    found: dict[str, str] = {}
    for header in table.headers:
        if not header:
            continue
        column = next((c for c in kind.columns if header_key(header) in _keys(c)), None)
        if column is None:
            problems.append(
                Problem(
                    f"unknown column {header!r} for kind {kind.name}",
                    row=table.header_row,
                    column=header,
                    fix="rename or remove it; the columns are: " + ", ".join(f"{c.name} ({c.german})" for c in kind.columns),
                )
            )
        elif column.name in found:
            problems.append(
                Problem(
                    f"columns {found[column.name]!r} and {header!r} are the same column",
                    row=table.header_row,
                    column=header,
                    fix="keep one of them",
                )
            )
        else:
            found[column.name] = header
    for column in kind.columns:
        if column.required and column.name not in found:
            problems.append(
                Problem(
                    f"the required column {column.name!r} ({column.german}) is missing",
                    row=table.header_row,
                    column=column.name,
                    fix=f"add a column headed {column.name!r} or {column.german!r}; `smartregion template {kind.name}` writes an example",
                )
            )
    return problems


# --- importing --------------------------------------------------------------------------------------


def import_table(
    store: Store | None,
    table: Table,
    kind: Kind,
    provenance: Provenance,
    *,
    dry_run: bool = False,
    graph_iri: str | None = None,
) -> ContributionResult:
    """Convert, validate and (unless ``dry_run``) write a table as one contribution; ContributionError on any problem."""
    iri = graph_iri or new_contribution_iri(provenance)
    conversion = convert_table(table, kind, store=store, contribution_iri=iri)
    if conversion.problems:
        raise ContributionError(conversion.problems)
    return add_graph(store, conversion.graph, provenance, dry_run=dry_run, graph_iri=iri, origins=conversion.origins)
