"""The ``smartregion`` command: ``main`` builds the parser, one module per command group.

The top of the house: may import everything; nothing imports from here.
"""
