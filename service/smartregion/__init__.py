"""smartregion: an open linked-data knowledge graph of Germany's smart-city and smart-region ecosystem.

The package builds the graph (``build``), keeps it in a store (``store``), and serves and queries it;
``cli`` is the ``smartregion`` command.
"""

__version__ = "0.1.0"
