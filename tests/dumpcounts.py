"""What a store and its dumps hold, counted: the tests of dumps, VoID and the catalogue compare these."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
from smartregion.store import META_GRAPH, Store

# A dump's file name, or its DCAT file type, to pyoxigraph's format.
OX_FORMATS = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
              "RDF_TRIG": ox.RdfFormat.TRIG, "RDF_N_QUADS": ox.RdfFormat.N_QUADS, "RDF_TURTLE": ox.RdfFormat.TURTLE,
              "JSON_LD": ox.RdfFormat.JSON_LD}


def graph_counts(store: Store) -> dict[str, int]:
    """Statements per named graph, the store's own bookkeeping graph left out."""
    rows = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"]: int(r["n"]) for r in rows if r["g"] != META_GRAPH}


def distinct_triples(store: Store) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{META_GRAPH}>) }} }}"
    return int(store.select(query)[0]["n"])


def dump_counts(gzipped: bytes, kind: str) -> tuple[int, dict[str, int]]:
    """A gzipped dump read with pyoxigraph: the default graph's triples and the statements per named graph.

    ``kind`` is the file's suffix (``trig``) or its DCAT file type (``RDF_TRIG``). rdflib reads every
    format once in test_dumps; elsewhere this is fast enough to read all of them.
    """
    default, named = 0, {}
    for quad in ox.parse(gzip.decompress(gzipped), format=OX_FORMATS[kind]):
        if isinstance(quad.graph_name, ox.DefaultGraph):
            default += 1
        else:
            named[quad.graph_name.value] = named.get(quad.graph_name.value, 0) + 1
    return default, named
