"""Identifiers: the namespaces and the slug rules that make IRIs stable.

Hand-written data in ``graph/`` and the reference importer must arrive at the same IRI for the
same municipality, so the rules live here once (see ``ontology/README.md``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

from smartregion.rdf.text import spell_out_umlauts

BASE = "https://w3id.org/smartregion/"
ID = BASE + "id/"
SOURCE = BASE + "source/"
ONTOLOGY = BASE + "ontology"
SR = ONTOLOGY + "#"


def slugify(text: str) -> str:
    """Lowercase ASCII slug: German umlauts spelled out, any other run of symbols becomes '-'."""
    ascii_text = unicodedata.normalize("NFKD", spell_out_umlauts(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def entity_iri(kind: str, slug: str) -> str:
    return f"{ID}{kind}/{slug}"


def source_iri(slug: str) -> str:
    return SOURCE + slug


def municipality_slugs(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Map AGS → slug for official municipality rows (``name_kurz``, ``kreis_name``, ``ags``).

    The short name alone where it is unique in Germany; otherwise the district's short name is
    appended; where even that clashes, the AGS.
    """
    rows = list(rows)
    base = {r["ags"]: slugify(r["name_kurz"]) for r in rows}
    with_district = {
        r["ags"]: f"{base[r['ags']]}-{slugify(r['kreis_name'].split(',')[0])}" if r["kreis_name"] else base[r["ags"]]
        for r in rows
    }
    base_count = Counter(base.values())
    district_count = Counter(with_district.values())
    slugs: dict[str, str] = {}
    for ags, slug in base.items():
        if base_count[slug] == 1:
            slugs[ags] = slug
        elif district_count[with_district[ags]] == 1:
            slugs[ags] = with_district[ags]
        else:
            slugs[ags] = f"{slug}-{ags}"
    return slugs


def district_slugs(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Map district key → slug for Landkreise/Kreise (``kreis_key``, ``name_kurz``, ``land_kuerzel``)."""
    rows = list(rows)
    base = {r["kreis_key"]: slugify(r["name_kurz"]) for r in rows}
    count = Counter(base.values())
    return {
        r["kreis_key"]: (
            base[r["kreis_key"]] if count[base[r["kreis_key"]]] == 1 else f"{base[r['kreis_key']]}-{r['land_kuerzel'].lower()}"
        )
        for r in rows
    }
