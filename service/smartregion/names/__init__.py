"""Names of entities: labels, search, matching spreadsheet rows to entities, mentions in German texts.

May import ``settings``, ``rdf`` and ``store``.
"""
