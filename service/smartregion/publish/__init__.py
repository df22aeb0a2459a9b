"""Publishing for harvesters: dumps, the DCAT-AP.de catalogue and VoID.

May import ``settings``, ``rdf`` and ``store``.
"""
