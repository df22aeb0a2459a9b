"""Where the graph lives: the Store interface, the embedded and remote backends, and the query executor.

May import ``settings`` and ``rdf``; nothing above it (names, network, contribute, publish, web, cli).
"""
