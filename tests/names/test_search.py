"""Entity search over the seed graph: labels and aliases, accents, case and punctuation ignored, ranked."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from smartregion.names import search
from smartregion.names.search import SearchIndex

ID = "https://w3id.org/smartregion/id/"
NEULAND21 = ID + "organisation/neuland21"
WFBB = ID + "organisation/wfbb"
BMWSB = ID + "organisation/bmwsb"


@pytest.fixture(scope="module")
def index(built_store) -> SearchIndex:
    return SearchIndex.from_store(built_store)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("neuland", NEULAND21),
        ("WFBB", WFBB),
        ("wfbb", WFBB),
        ("Wirtschaftsförderung Brandenburg", WFBB),
        ("wirtschaftsforderung brandenburg", WFBB),
        ("Dorfer", ID + "event/regionalkonferenz-bad-belzig-2024"),
        ("Doerfer", ID + "event/regionalkonferenz-bad-belzig-2024"),
        ("BMWSB", BMWSB),
        # punctuation inside a word joins or splits it; brackets do not count
        ("Heimatoffice", ID + "project/heimatoffice"),
        ("Heim at Office", ID + "project/heimatoffice"),
        ("stadtlanddigital", ID + "organisation/stadt-land-digital"),
        # declined as in running text
        ("des Netzwerks Smart City Berlin", ID + "organisation/netzwerk-smart-city-berlin"),
        ("Modellprojekten Smart Cities", ID + "programme/modellprojekte-smart-cities"),
    ],
)
def test_search_finds_by_label_or_alias_ignoring_accents_and_case(index: SearchIndex, query: str, expected: str) -> None:
    assert index.search(query)[0]["iri"] == expected


@given(query=st.one_of(st.text(max_size=12), st.sampled_from(["Brandenburg", "Bad", "e.V.", "münster", "Kreis Soe", "a b"])),
       person=st.booleans())
@settings(max_examples=150)
def test_search_finds_every_entry_a_full_scan_would(index: SearchIndex, query: str, person: bool) -> None:
    # search() compares only the entries whose names contain the query's longest word: it must lose none.
    types = ["person"] if person else []
    queries = search.spellings(query)
    expected = {
        entry.iri
        for entry in index.entries.values()
        if (not types or "person" in entry.types())
        and any(search.match_level(q, form) for q in queries for _, forms in entry.names for form in forms)
    }
    assert {hit["iri"] for hit in index.search(query, types, limit=len(index.entries))} == expected


def test_search_ranks_exact_before_prefix_before_word_before_substring(index: SearchIndex) -> None:
    hits = index.search("Brandenburg", limit=100)
    assert hits[0]["iri"] == ID + "state/brandenburg" and hits[0]["match"] == "exact"
    levels = [search.LEVELS[h["match"]] for h in hits]
    assert levels == sorted(levels, reverse=True)
    assert {"exact", "prefix", "word"} <= {h["match"] for h in hits}
    assert index.search("euland")[0] == {**index.search("euland")[0], "iri": NEULAND21, "match": "substring"}


def test_search_by_type(index: SearchIndex) -> None:
    people = index.search("a", types=["person"], limit=100)
    assert people and all(h["type"] == "person" for h in people)
    assert [h["iri"] for h in index.search("Brandenburg", types=["state"])] == [ID + "state/brandenburg"]




def test_a_declined_name_ranks_just_below_an_exact_one(index: SearchIndex) -> None:
    [hit] = [h for h in index.search("des Netzwerks Smart City Berlin", limit=5) if h["match"] == "inflected"]
    assert hit == {**hit, "iri": ID + "organisation/netzwerk-smart-city-berlin", "matched": "Netzwerk Smart City Berlin"}
    assert search.LEVELS["exact"] > search.LEVELS["inflected"] > search.LEVELS["prefix"]
    assert index.search("Netzwerk Smart City Berlin")[0]["match"] == "exact"
