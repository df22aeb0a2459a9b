"""Writes: contributions, erasure, the audit log, harvesting other endpoints, spreadsheets.

May import ``settings``, ``validation``, ``rdf``, ``store``, ``names`` and ``publish`` (dumps are refreshed after a write).
"""
