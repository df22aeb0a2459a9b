"""The HTTP face: the FastAPI app, one router module per concern, pages, templates and static files.

A thin layer over the rooms below; nothing below imports from here. May import everything but ``cli``.
"""
