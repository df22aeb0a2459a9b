"""Lists as files people open: the ``format`` and ``dialect`` parameters the list routes share, and their answer.

A list route answers JSON by default; ``format=csv`` or ``format=xlsx`` gives the same rows as a
download (sheets.py writes them), ``dialect=excel`` a CSV that a German Excel opens as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import JSONResponse, Response

from smartregion.rdf import sheets

ListFormat = Literal["json", "csv", "xlsx"]
FORMAT_HELP = "`json` (the default), `csv` or `xlsx` (a workbook for Excel or LibreOffice)."
FormatParam = Annotated[ListFormat, Query(description=FORMAT_HELP)]
DialectParam = Annotated[sheets.Dialect, Query(description=sheets.DIALECT_HELP + "; only for `format=csv`.")]
MEDIA_TYPES = {"json": "application/json", "csv": sheets.CSV, "xlsx": sheets.XLSX}
# For the OpenAPI description of a list route's 200 answer.
CONTENT = {"content": {media_type: {} for media_type in MEDIA_TYPES.values()}}


def file_response(body: bytes, fmt: str, name: str) -> Response:
    """A download named ``name.fmt``."""
    return Response(body, media_type=MEDIA_TYPES.get(fmt, sheets.CSV),
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def answer(
    body: object,
    fmt: ListFormat,
    dialect: sheets.Dialect,
    name: str,
    tables: Callable[[], Sequence[sheets.Sheet]],
) -> Response:
    """``body`` as JSON, or the sheets ``tables()`` makes from it as CSV (the first sheet) or XLSX."""
    if fmt == "json":
        return JSONResponse(body)
    found = tables()
    return file_response(sheets.to_csv(found[0], dialect) if fmt == "csv" else sheets.to_xlsx(*found), fmt, name)

