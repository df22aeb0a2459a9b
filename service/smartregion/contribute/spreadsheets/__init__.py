"""Spreadsheets into contributions: reading CSV and XLSX (``tables``), rows into triples (``reading``),
the kinds (``actors``, ``activities``, ``reference``, listed by ``registry``) and their templates.

This package's face: what the command line and the write API use.
"""

from smartregion.contribute.spreadsheets.reading import (
    Column,
    Kind,
    header_key,
    import_table,
)
from smartregion.contribute.spreadsheets.registry import KINDS, TEMPLATE_KINDS, get_kind
from smartregion.contribute.spreadsheets.tables import (
    MEDIA_TYPES,
    Table,
    read_file,
    read_table,
)
from smartregion.contribute.spreadsheets.templates import (
    describe_kind,
    template_bytes,
    template_rows,
    write_template,
)

__all__ = [
    "KINDS", "MEDIA_TYPES", "TEMPLATE_KINDS", "Column", "Kind", "Table", "describe_kind", "get_kind", "header_key", "import_table",
    "read_file", "read_table", "template_bytes", "template_rows", "write_template",
]
