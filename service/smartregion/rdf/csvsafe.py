"""Spreadsheet-safe cells for every CSV and TSV the service and the command line write.

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) that opens a CSV reads a cell beginning with
``=``, ``+``, ``-`` or ``@`` as a formula, and tab or CR as the start of one after trimming; a label
such as ``=HYPERLINK("https://evil.example", "Klick")`` in the graph would run in the reader's
spreadsheet (OWASP "CSV Injection"). Such a cell is written with a leading ``'``, which spreadsheets
take as "this is text", so the cell shows the label unchanged and evaluates nothing.

Numbers stay as they are: ``-5`` is read as the number -5, not as a formula, and prefixing it would
turn every negative figure into text. A value counts as a number only where the writer knows it is
one: a number of a numeric XSD datatype in query results, a Python number in the network export.
A *label* "+1" or "-5" (a string) still gets its ``'``: its type says text, and a spreadsheet would
otherwise drop the sign or the text.
"""

from __future__ import annotations

import re

# OWASP's list: the characters a spreadsheet starts a formula with, and tab and CR, which it trims first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
_XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC_DATATYPES = frozenset(
    _XSD + name
    for name in (
        "integer", "decimal", "double", "float", "long", "int", "short", "byte", "nonNegativeInteger",
        "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte",
    )
)
# A plain decimal number as a spreadsheet reads it; INF and NaN are not numbers there.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula(value: str, datatype: str | None = None) -> bool:
    """True if a spreadsheet would evaluate ``value``: it starts like a formula and is not a number of a
    numeric ``datatype`` (an XSD datatype IRI; None: text)."""
    if not value.startswith(FORMULA_STARTS):
        return False
    return not (datatype in NUMERIC_DATATYPES and _NUMBER.fullmatch(value))


def cell(value: str, datatype: str | None = None) -> str:
    """``value`` as a cell no spreadsheet evaluates: with a leading ``'`` where :func:`is_formula`."""
    return TEXT_MARK + value if is_formula(value, datatype) else value
