"""REST access to the question catalogue: ``/api/queries`` lists the questions, ``/api/queries/{name}`` answers one.

Answers go through the app's query executor, like ``/sparql``, so a catalogue question has the same
time limit, row limit and no-outgoing-request checks as a hand-written query. Errors are problem
details (RFC 9457) as at the endpoint, plain text for clients that accept only text, so a client handles both alike.
"""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Annotated
from urllib.parse import quote, urlencode

from anyio import to_thread
from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from smartregion import questions as catalogue
from smartregion.errors import SmartregionError
from smartregion.names.resolve import is_iri, resolve_entity
from smartregion.rdf import csvsafe, results, sheets
from smartregion.store import QuerySyntaxError
from smartregion.store.errors import QueryFailed, QueryRefused, QueryTimeout
from smartregion.store.executor import Answer, Executor
from smartregion.web import problems
from smartregion.web.dependencies import search_cache
from smartregion.web.errors import errors
from smartregion.web.problems import Problem

router = APIRouter(tags=["Question catalogue"])

XLSX = results.Format("xlsx", sheets.XLSX, (), "https://www.iana.org/assignments/media-types/" + sheets.XLSX)
ANSWER_FORMATS = (results.JSON, results.CSV, XLSX)
_XSD = "http://www.w3.org/2001/XMLSchema#"
_FRACTIONAL = frozenset(_XSD + name for name in ("decimal", "double", "float"))


def _openapi_parameters(questions: list[catalogue.Query]) -> list[dict]:
    """Every parameter any question takes, documented once, so "Try it out" in /docs can fill it in."""
    users: dict[str, list[tuple[catalogue.Query, catalogue.Parameter]]] = {}
    for question in questions:
        for parameter in question.parameters:
            users.setdefault(parameter.name, []).append((question, parameter))
    documented = [
        {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["json", "csv", "xlsx"]},
            "description": "Answer format; overrides the Accept header (application/json, text/csv or "
            "the XLSX media type).",
        },
        {
            "name": "dialect",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(sheets.DIALECTS)},
            "description": sheets.DIALECT_HELP + "; only for CSV.",
        },
    ]
    for name, uses in sorted(users.items()):
        lines = [f"- `{q.name}`: {p.expected}{'' if p.required else ', optional'}" for q, p in uses]
        documented.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Used by:\n" + "\n".join(lines),
                "example": uses[0][1].example,
            }
        )
    return documented


_QUESTIONS = catalogue.list_queries()


def question_url(question: catalogue.Query, request: Request) -> str:
    """Where the question is answered, under the configured base URL: never built from the request's Host
    header, which the client chooses (and a cache would keep for everyone)."""
    return request.app.state.settings.base_url.rstrip("/") + "/api/queries/" + quote(question.name)


def describe(question: catalogue.Query, request: Request) -> dict:
    """A question as the listing shows it, with URLs that run it."""
    url = question_url(question, request)
    examples = [
        {
            "parameters": {k: v for k, v in example.items() if k != "note"},
            "note": example.get("note"),
            "url": url + _query_string({k: v for k, v in example.items() if k != "note"}),
        }
        for example in question.examples
    ]
    example_values = {p.name: p.example for p in question.parameters if p.required or p.default is not None}
    return {
        "name": question.name,
        "summary": question.summary,
        "description": question.description,
        "tags": list(question.tags),
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                **({"lang": p.lang} if p.lang else {}),
                "expected": p.expected,
                "required": p.required and p.default is None,
                "default": p.default,
                "example": p.example,
            }
            for p in question.parameters
        ],
        "enumerate": list(question.enumerate),
        "url": url,
        "example_url": url + _query_string(example_values),
        "examples": examples,
    }


def _query_string(values: dict[str, str]) -> str:
    return "?" + urlencode(values) if values else ""


@router.get("/api/queries", summary="List the question catalogue")
def list_questions(request: Request) -> dict:
    """Every ready-made question: what it answers, its parameters (type, required, default, example) and its URL."""
    return {"queries": [describe(q, request) for q in catalogue.list_queries()]}


@router.get(
    "/api/queries/{name}",
    name="run_question",
    summary="Answer a question of the catalogue",
    response_model=None,
    responses=errors(400, 404, 406, 422, 429, 503, text=("text/plain",)),
    openapi_extra={
        "parameters": _openapi_parameters(_QUESTIONS),
        "responses": {
            "200": {
                "content": {
                    "application/json": {
                        "example": {
                            "query": "members_of_project",
                            "parameters": {"project": "https://w3id.org/smartregion/id/project/5-fuer-suedwestfalen"},
                            "columns": ["member", "memberLabel", "role", "roleLabel", "source"],
                            "rows": [
                                {
                                    "member": "https://w3id.org/smartregion/id/municipality/arnsberg",
                                    "memberLabel": "Arnsberg",
                                    "role": "https://w3id.org/smartregion/ontology#memberMunicipality",
                                    "roleLabel": "Mitgliedskommune",
                                    "source": "https://w3id.org/smartregion/source/dvag-ak-wirtschaftsfoerderung-2022",
                                }
                            ],
                            "count": 1,
                            "truncated": False,
                        }
                    },
                    "text/csv": {"example": "member,memberLabel,role,roleLabel,source\r\n..."},
                }
            },
            "400": {"description": "A name given for an IRI parameter fits several entities; the answer lists them."},
            "404": {"description": "No question of that name; the answer lists the known names."},
            "422": {"description": "A parameter is missing, unknown or not of its type; the answer names it."},
        },
    },
)
async def run_question(
    request: Request,
    name: Annotated[
        str,
        Path(
            description="The question's name, as listed by GET /api/queries.",
            openapi_examples={q.name: {"summary": q.summary, "value": q.name} for q in _QUESTIONS},
        ),
    ],
) -> Response:
    """Run one question with its parameters from the query string; JSON by default, CSV on request."""
    try:
        return await _answer(request, name)
    except SmartregionError as exc:
        return problems.answer(request, exc, text=True)


async def _answer(request: Request, name: str) -> Response:
    question = catalogue.get(name)  # UnknownQuestion: 404 with the known names
    params, formats = split_parameters(request)
    dialect = _dialect(request)
    try:
        named = [f.strip().lower() for f in formats if f.strip()]
        fmt = XLSX if named[:1] == ["xlsx"] else results.negotiate(ANSWER_FORMATS, request.headers.get("accept"), formats)
    except results.NotAcceptable:
        raise Problem(
            406 if not formats else 422,
            "not acceptable",
            "answers are offered as JSON, CSV or XLSX only",
            hint="Pass format=json, format=csv or format=xlsx, or accept application/json or text/csv.",
            parameter="format",
            offered=[f.media_type for f in ANSWER_FORMATS],
        ) from None
    params = await resolve_names(request, question, params)
    try:
        values = question.resolve(params)
        text = question.render(params)
    except catalogue.ParameterError as exc:  # 422 naming the parameter, what it expects and an example
        exc.hint = f"GET /api/queries lists the parameters of {question.name!r} with their types and examples."
        raise
    as_table = fmt is XLSX or (fmt is results.CSV and dialect == "excel")
    answer = await run_question_text(request, question, text, results.JSON if as_table else fmt)
    headers = {"X-Result-Truncated": "true" if answer.truncated else "false", "Vary": "Accept"}
    if as_table:
        sheet = _sheet(question.name, answer.body)
        body = sheets.to_xlsx(sheet) if fmt is XLSX else sheets.to_csv(sheet, dialect)
        headers["Content-Disposition"] = f'attachment; filename="{question.name}.{fmt.key}"'
        return Response(body, media_type=fmt.content_type, headers=headers)
    if fmt is results.CSV:
        headers["Content-Disposition"] = f'inline; filename="{question.name}.csv"'
        return Response(answer.body, media_type=fmt.content_type, headers=headers)
    columns, rows = _rows(answer.body)
    body = {
        "query": question.name,
        "parameters": values,
        "columns": columns,
        "rows": rows,
        "count": len(rows),
        "truncated": answer.truncated,
    }
    return JSONResponse(body, headers=headers)


async def resolve_names(request: Request, question: catalogue.Query, params: dict[str, str]) -> dict[str, str]:
    """The parameters with every IRI given by name, abbreviation or official key replaced by the IRI it names
    (several candidates: 400 listing them). In a thread when there is a name: the search index may have to be built."""
    named = [p.name for p in question.parameters if p.type == "iri" and params.get(p.name) and not is_iri(params[p.name])]
    if not named:
        return params

    def resolve() -> dict[str, str]:
        index = search_cache(request.app.state).get()
        return {**params, **{name: resolve_entity(index, request.app.state.store, params[name], name) for name in named}}

    return await to_thread.run_sync(resolve)


def split_parameters(request: Request) -> tuple[dict[str, str], list[str]]:
    """The question's parameters and the ``format`` values; a parameter given twice is refused."""
    params: dict[str, str] = {}
    formats: list[str] = []
    for key, value in request.query_params.multi_items():
        if key == "format":
            formats.append(value)
        elif key == "dialect":
            continue  # of the CSV, see _dialect
        elif key in params:
            raise Problem(422, "invalid parameter", f"parameter {key!r} is given more than once", hint="Give each parameter once.", parameter=key)
        else:
            params[key] = value
    return params, formats


def _dialect(request: Request) -> sheets.Dialect:
    """The CSV dialect asked for (sheets.py), rfc4180 by default."""
    given = request.query_params.getlist("dialect")
    if len(given) > 1 or any(value not in sheets.DIALECTS for value in given):
        raise Problem(422, "invalid parameter", f"unknown or repeated CSV dialect {', '.join(map(repr, given))}",
                      hint="Pass dialect=rfc4180 or dialect=excel, once.", parameter="dialect")
    return given[0] if given else "rfc4180"  # type: ignore[return-value]


async def run_question_text(request: Request, question: catalogue.Query, text: str, fmt: results.Format) -> Answer:
    """Answer ``text``, the question filled in (``question.render``): the guard judges the question's own
    text once (``guard.check_filled``), then through the same admission as /sparql: a question is a
    query, with the client's limits."""
    executor: Executor = request.app.state.executor
    try:
        # The first answer of a question parses its text (tens of milliseconds): in a thread, never on the
        # event loop. Later ones reuse that verdict on the loop, and the whole answer takes no thread.
        prepared = executor.prepare_if_judged(text, question.text) or await to_thread.run_sync(
            partial(executor.prepare, text, template=question.text)
        )
        return await request.app.state.admission.run(request, partial(executor.run, prepared, fmt))
    except QueryTimeout as exc:
        exc.hint = "Try narrower parameters."
        raise
    except (QueryRefused, QuerySyntaxError, QueryFailed) as exc:
        # The text comes from the catalogue, so this is our mistake, not the client's.
        raise Problem(
            500, "question failed", str(exc), hint="This is a server error; please report the question and its parameters."
        ) from None


def _sheet(name: str, body: bytes) -> sheets.Sheet:
    """A SPARQL JSON result as a sheet: numbers of a numeric XSD datatype as numbers, everything else as text."""
    parsed = json.loads(body)
    columns = parsed["head"]["vars"]
    return sheets.Sheet(name, columns, [[_cell(b.get(c)) for c in columns] for b in parsed["results"]["bindings"]])


def _cell(term: dict | None) -> sheets.Cell:
    if term is None:
        return None
    value, datatype = term["value"], term.get("datatype")
    if datatype not in csvsafe.NUMERIC_DATATYPES:
        return value
    try:
        number = float(value) if datatype in _FRACTIONAL else int(value)
    except ValueError:
        return value  # an ill-typed literal stays the text it is
    return number if math.isfinite(number) else value


def _rows(body: bytes) -> tuple[list[str], list[dict[str, str | None]]]:
    """Columns and plain-value rows of a SPARQL JSON result; an unbound cell is null."""
    parsed = json.loads(body)
    columns = parsed["head"]["vars"]
    rows = [{c: b[c]["value"] if c in b else None for c in columns} for b in parsed["results"]["bindings"]]
    return columns, rows
