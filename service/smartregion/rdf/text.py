"""Folding text for comparison: the one place that knows how German names vary in writing.

Search, matching of spreadsheet rows and slugs all compare names through these functions, so
"Müller", "Mueller" and "MÜLLER" meet wherever they are compared.
"""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def spell_out_umlauts(text: str) -> str:
    """ä → ae, ö → oe, ü → ue, ß → ss (upper case too), as German writes them without umlauts."""
    return text.translate(_UMLAUTS)


def strip_accents(text: str) -> str:
    """The text without combining marks: é → e, ä → a."""
    if text.isascii():  # most names are ASCII, and decomposing them costs a third of building an index
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """The form names are compared in: lower case, no accents, ß as ss, punctuation and brackets as spaces."""
    return " ".join(_NOT_ALNUM.sub(" ", strip_accents(text).casefold().replace("ß", "ss")).split())


def joined(text: str) -> str:
    """Like ``fold``, but punctuation inside a word joins its parts instead of splitting them:
    "Heim[at]Office" → "heimatoffice", "Stadt.Land.Digital" → "stadtlanddigital" (how people type such names)."""
    words = strip_accents(text).casefold().replace("ß", "ss").split()
    return " ".join(w for w in (_NOT_ALNUM.sub("", word) for word in words) if w)


def spellings(text: str) -> set[str]:
    """The comparable forms of a name: accents dropped, umlauts spelled out ("Müller": muller, mueller), and
    punctuation inside words both splitting and joining them ("Heim[at]Office": heim at office, heimatoffice)."""
    variants = (text,) if text.isascii() else (text, spell_out_umlauts(text))
    return {form(v) for v in variants for form in (fold, joined)} - {""}
