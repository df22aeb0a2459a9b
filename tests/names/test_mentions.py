"""Text linking (``smartregion mentions``): exact positions of the entities named in new texts.

The rules are tested on a small graph written for them (``tests/data/mentions/entities.trig``) in
both store backends; the scale and the flooding policy on the project's real graph, which holds
every German municipality.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import rdflib
from smartregion.cli.main import main
from smartregion.names.mentions import MentionIndex, read_text, short_form
from smartregion.store import EmbeddedStore, Store
from smartregion.store.cache import PerRevision

DATA = Path(__file__).parents[1] / "data" / "mentions"
ID = "https://w3id.org/smartregion/id/"


def _load(store: Store) -> Store:
    dataset = rdflib.Dataset()
    dataset.parse(DATA / "entities.trig", format="trig")
    store.replace_all(dataset)
    return store


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    return _load(EmbeddedStore(tmp_path_factory.mktemp("mentions") / "store"))  # type: ignore[return-value]


def found(store: Store, name: str) -> list[tuple[int, int, str, str]]:
    """(start, end, text, entity) for every mention in a test text; entity without the id/ namespace."""
    text = read_text(DATA / name)
    mentions = MentionIndex.from_store(store).find(text)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    return [(m.start, m.end, m.text, m.entity.iri.removeprefix(ID)) for m in mentions]


INFLECTION = [
    (15, 47, "Wirtschaftsförderung Brandenburg", "organisation/wfbb"),
    (49, 53, "WFBB", "organisation/wfbb"),
    (59, 68, "Neuland21", "organisation/neuland21"),
    (80, 90, "Neuland21s", "organisation/neuland21"),  # genitive -s after a digit
    (102, 120, "Brandenburg Remote", "event/brandenburg-remote"),  # longest match, inside quotes
    (146, 158, "Brandenburgs", "state/brandenburg"),
    (163, 170, "Bremens", "municipality/bremen"),
    (197, 201, "WFBB", "organisation/wfbb"),  # "der WFBB"
    (237, 265, "Modellprojekten Smart Cities", "programme/modellprojekte-smart-cities"),  # dative -n
    (267, 278, "Neuland21's", "organisation/neuland21"),  # apostrophe genitive taken into the span
    (307, 326, "Landkreises Rostock", "district/landkreis-rostock"),  # genitive -es inside a name
    (332, 335, "KfW", "organisation/kfw"),  # in the compound "KfW-Förderung"
    (354, 366, "Heiko Tapken", "person/heiko-tapken"),
]

PLACES = [
    # "Für Essen und Getränke", "Weil der Saal", "Wald und Wiesen rund um Lage": no cue, not mentions
    (156, 161, "Essen", "municipality/essen"),  # "aus Essen"
    (163, 167, "Lage", "municipality/lage"),  # the enumeration continues the cue
    (172, 176, "Weil", "municipality/weil"),
    (201, 225, "Brandenburg an der Havel", "municipality/brandenburg-an-der-havel"),
    (227, 234, "Cottbus", "municipality/cottbus-chosebuz"),  # short form of "Cottbus/Chóśebuz"
    (236, 245, "Frankfurt", "municipality/frankfurt-am-main"),
    (250, 255, "Halle", "municipality/halle-saale"),  # used by a source: before the tiny Halle
    # "Olper Firmen": not inside another word
    (288, 301, "Weil am Rhein", "municipality/weil-am-rhein"),
    (306, 316, "Kreis Olpe", "district/olpe"),
    (336, 340, "Olpe", "municipality/olpe"),
    (342, 349, "Rostock", "municipality/rostock"),
    (354, 360, "Bremen", "municipality/bremen"),
    # "Brandenburger Kommunen": an adjective, not the place; "kfw", "wfbb": abbreviations keep their case
    (443, 451, "Arnsberg", "municipality/arnsberg"),
    (453, 459, "Menden", "municipality/menden-sauerland"),
    (464, 469, "Soest", "municipality/soest"),
]


def test_inflected_names_abbreviations_and_longest_match(small_store: EmbeddedStore) -> None:
    assert found(small_store, "inflection.txt") == INFLECTION


def test_places_that_are_ordinary_words_need_a_cue(small_store: EmbeddedStore) -> None:
    assert found(small_store, "places.txt") == PLACES


def test_the_remote_backend_finds_the_same(fresh_server) -> None:
    remote = _load(fresh_server.remote_store())
    assert found(remote, "inflection.txt") == INFLECTION
    assert found(remote, "places.txt") == PLACES


def test_shared_names_keep_every_candidate_best_first(small_store: EmbeddedStore) -> None:
    index = MentionIndex.from_store(small_store)
    halle, olpe, bremen = index.find("in Halle, in Olpe, in Bremen")
    assert [c.iri.removeprefix(ID) for c in halle.candidates] == ["municipality/halle-saale", "municipality/halle-holzminden"]
    assert [c.iri.removeprefix(ID) for c in olpe.candidates] == ["municipality/olpe", "district/olpe"]
    assert [c.iri.removeprefix(ID) for c in bremen.candidates] == ["municipality/bremen", "state/bremen"]
    # A district cue puts the district first.
    (kreis,) = index.find("im Kreis Olpe")
    assert (kreis.text, kreis.entity.iri) == ("Kreis Olpe", ID + "district/olpe")


def test_topics_and_other_vocabulary_are_not_mentions(small_store: EmbeddedStore) -> None:
    assert MentionIndex.from_store(small_store).find("Smart City") == []


def test_short_forms() -> None:
    assert short_form("Halle (Saale)") == "Halle"
    assert short_form("Cottbus/Chóśebuz") == "Cottbus"
    assert short_form("Frankfurt am Main") == "Frankfurt"
    assert short_form("Brandenburg an der Havel") == "Brandenburg"
    assert short_form("Kirchheim b.München") == "Kirchheim"
    assert short_form("Neumarkt i.d.OPf.") == "Neumarkt"
    assert short_form("Soest") is None


def test_the_index_is_built_once_per_revision(tmp_path: Path) -> None:
    store = _load(EmbeddedStore(tmp_path / "store"))
    cache = PerRevision(store, lambda store, revision: MentionIndex.from_store(store))
    first = cache.get()
    assert cache.get() is first and cache.builds == 1
    extra = rdflib.Graph()
    extra.parse(
        data='<https://w3id.org/smartregion/id/organisation/dabb> a <https://w3id.org/smartregion/ontology#Organisation> ; '
        '<http://www.w3.org/2000/01/rdf-schema#label> "DigitalAgentur Brandenburg"@de .',
        format="turtle",
    )
    store.replace_graphs({"https://w3id.org/smartregion/source/extra": extra})
    second = cache.get()
    assert second is not first and cache.builds == 2 and cache.revision == store.revision()
    assert [m.text for m in second.find("Die DigitalAgentur Brandenburg berät.")] == ["DigitalAgentur Brandenburg"]


def test_cli_prints_positions_as_json_and_table(small_store: EmbeddedStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mentions", str(DATA / "inflection.txt"), "--store", str(small_store.path), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    first = answer["mentions"][0]
    assert (first["start"], first["end"], first["text"], first["iri"], first["label"], first["kind"], first["classes"]) == (
        15, 47, "Wirtschaftsförderung Brandenburg", ID + "organisation/wfbb", "Wirtschaftsförderung Brandenburg",
        "organisation", ["EconomicDevelopmentAgency"],
    )
    assert len(answer["mentions"]) == len(INFLECTION)
    assert main(["mentions", str(DATA / "places.txt"), "--store", str(small_store.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["start", "end", "text", "type", "label", "iri", "other"]
    halle = next(line for line in lines if line.startswith("250 "))
    assert halle.split() == ["250", "255", "Halle", "municipality", "Halle", "(Saale)", "id:municipality/halle-saale", "+1"]


def test_cli_refuses_a_file_that_is_not_utf8(tmp_path: Path, small_store: EmbeddedStore, capsys: pytest.CaptureFixture[str]) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Grüße aus Köln".encode("latin-1"))
    assert main(["mentions", str(latin1), "--store", str(small_store.path)]) == 1
    assert "is not UTF-8 text" in capsys.readouterr().err


ANNOUNCEMENT = [
    (25, 34, "Havelland", "district/havelland"),  # a district of 160,000 inhabitants: no cue needed
    (45, 77, "Wirtschaftsförderung Brandenburg", "organisation/wfbb"),
    (79, 83, "WFBB", "organisation/wfbb"),
    (93, 119, "DigitalAgentur Brandenburg", "organisation/dabb"),
    (148, 156, "Rathenow", "municipality/rathenow"),  # a small town after "nach"
    (180, 199, "Landkreis Havelland", "district/havelland"),  # the register's alias "Landkreis ..."
    (214, 219, "Nauen", "municipality/nauen"),  # "der Stadt Nauen"
    (241, 252, "Brandenburg", "state/brandenburg"),  # before Brandenburg an der Havel, a short form
    (254, 268, "Sachsen-Anhalt", "state/sachsen-anhalt"),
    (273, 279, "Berlin", "state/berlin"),
    (299, 309, "Bad Belzig", "municipality/bad-belzig"),
    (329, 343, "Bad Belzig App", "project/bad-belzig-app"),
    (362, 389, "Modellprojekte Smart Cities", "programme/modellprojekte-smart-cities"),
    (405, 435, "Landkreises Potsdam-Mittelmark", "district/potsdam-mittelmark"),
    (444, 459, "Wiesenburg/Mark", "municipality/wiesenburg-mark"),
    # "Weil die Plätze", "Für Essen und Getränke", "durch Wald und Flur": no places
    (628, 633, "Essen", "municipality/essen"),
    (638, 643, "Halle", "municipality/halle-saale"),  # the Halle the seed documents name, of four
]


def test_a_new_announcement_against_the_whole_graph(built_store: EmbeddedStore) -> None:
    """All 10,981 municipalities are names here; the common-word rule keeps the list clean."""
    started = time.monotonic()
    index = MentionIndex.from_store(built_store)
    assert time.monotonic() - started < 30
    assert found(built_store, "announcement.txt") == ANNOUNCEMENT
    halle = index.find(read_text(DATA / "announcement.txt"))[-1]
    assert {c.iri.removeprefix(ID) for c in halle.candidates[1:]} == {
        "municipality/halle-grafschaft-bentheim", "municipality/halle-holzminden", "municipality/halle-westf",
    }
    text = read_text(DATA / "announcement.txt") * 200  # about 130,000 characters
    started = time.monotonic()
    assert len(index.find(text)) == 200 * len(ANNOUNCEMENT)
    assert time.monotonic() - started < 5


def test_names_as_the_sources_write_them_declined_and_joined(built_store: EmbeddedStore) -> None:
    text = ("Am Abend stellte sie die Ergebnisse auf einem Diskussionspanel der digitalen TECHTIDE vor, "
            "gemeinsam mit dem Team des Niedersächsischen Ministeriums für Wirtschaft, Arbeit, Verkehr und "
            "Digitalisierung, den Leuten von Heimatoffice und des Netzwerks Smart City Berlin.")
    mentions = MentionIndex.from_store(built_store).find(text)
    assert [(m.text, m.entity.iri.removeprefix(ID)) for m in mentions] == [
        ("Diskussionspanel der digitalen TECHTIDE", "event/techtide-2020-diskussionspanel"),
        ("Niedersächsischen Ministeriums für Wirtschaft, Arbeit, Verkehr und Digitalisierung",
         "organisation/niedersaechsisches-wirtschaftsministerium"),  # a declined adjective before the noun
        ("Heimatoffice", "project/heimatoffice"),
        ("Netzwerks Smart City Berlin", "organisation/netzwerk-smart-city-berlin"),
    ]
    # The noun at the end of a name is not declined like an adjective: "Brandenburger" is not Brandenburg.
    assert MentionIndex.from_store(built_store).find("Brandenburger Kommunen") == []
