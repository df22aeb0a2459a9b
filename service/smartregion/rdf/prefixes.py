"""The one prefix table of the project, and the one way to shorten an IRI with it.

Dumps, pages, the JSON-LD context, the DCAT catalogue, messages and the command line all write
``prefix:local`` from this table, so an IRI reads the same everywhere.
"""

from __future__ import annotations

import re

from smartregion.rdf.ids import BASE, ID, SR

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"

PREFIXES = {
    "sr": SR,
    "src": BASE + "source/",
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "schema": SCHEMA,
    "org": ORG,
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "cv": "http://data.europa.eu/m8g/",
    "vann": "http://purl.org/vocab/vann/",
    "time": "http://www.w3.org/2006/time#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "wd": "http://www.wikidata.org/entity/",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "id": ID,
}

_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))
_LOCAL = re.compile(r"[\w.-]+")


def compact(iri: str) -> str | None:
    """``prefix:local`` for an IRI in a known namespace whose local part is a valid name, else None."""
    for prefix, namespace in _LONGEST_FIRST:
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and _LOCAL.fullmatch(local):
            return f"{prefix}:{local}"
    return None


def shorten(iri: str) -> str:
    """``prefix:rest`` for people to read (``id:organisation/wfbb``), where the table knows the namespace; else the IRI.

    Not always a valid prefixed name: for RDF syntax use :func:`compact`.
    """
    for prefix, namespace in _LONGEST_FIRST:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def local_name(iri: str) -> str:
    """The part after the last ``#`` or ``/`` (a trailing one ignored); the IRI itself if there is none."""
    trimmed = iri.rstrip("/#")
    return trimmed[max(trimmed.rfind("#"), trimmed.rfind("/")) + 1 :] or iri
