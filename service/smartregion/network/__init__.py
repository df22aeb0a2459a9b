"""The cooperation network: projected from the store per revision, analysed with networkx, exported.

May import ``settings``, ``rdf``, ``store`` and ``names``.
"""
