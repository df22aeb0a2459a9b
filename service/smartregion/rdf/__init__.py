"""RDF basics every other room uses: identifiers and prefixes, text folding, result formats, the SPARQL lexer.

Imports nothing from the rest of the package but ``settings``.
"""
