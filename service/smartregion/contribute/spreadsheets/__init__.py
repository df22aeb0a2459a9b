"""Spreadsheets into triples: reading CSV and XLSX, the kinds (column templates), the reference-data kinds."""
