"""The network map in a real browser: Debian's headless Chromium, driven by Playwright, against uvicorn.

Every test fails on a script error, a CSP violation or any request leaving the service (the map must
work offline). Playwright's own browser download does not work here, so the tests use the system
Chromium and skip (saying why) where it is not installed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import httpx
import pytest
from live import needs_chromium, watch
from playwright.sync_api import Browser, Page

ID = "https://w3id.org/smartregion/id/"
WFBB = ID + "organisation/wfbb"
BMWSB = ID + "organisation/bmwsb"
KTS = ID + "organisation/kts"
BAD_BELZIG = ID + "municipality/bad-belzig"

pytestmark = needs_chromium


@pytest.fixture
def open_page(browser: Browser, base_url: str) -> Iterator[Callable[..., Page]]:
    """Opens the map (``path`` after the base URL) at a viewport size, watching for errors and outside requests."""
    pages: list[tuple[Page, list[str]]] = []

    def open_(path: str = "/network", width: int = 1400, height: int = 900) -> Page:
        page = browser.new_page(viewport={"width": width, "height": height})
        problems = watch(page, base_url)
        page.goto(base_url + path)
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        pages.append((page, problems))
        return page

    yield open_
    for page, problems in pages:
        assert problems == []  # no script error, no CSP violation, no request leaving the service
        page.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()


def network(base_url: str, **params: str) -> dict:
    return httpx.get(base_url + "/api/network", params={"format": "json", **params}).json()


def show_all(page: Page) -> None:
    page.evaluate("document.body.dataset.ready = ''")
    page.click("#show-all")
    page.wait_for_selector("body[data-ready=true]")


def drawn(page: Page) -> set[str]:
    return set(page.evaluate("state.nodes.getIds()"))


def test_it_opens_on_the_strongest_links_without_the_programme_hubs(page: Page, base_url: str) -> None:
    whole = network(base_url)
    shown = drawn(page)
    assert 20 < len(shown) < len(whole["nodes"])
    assert not {KTS, BMWSB} & shown  # the hubs every programme participant is linked to
    assert page.get_attribute("body", "data-view") == "overview"
    assert "BMWSB" in page.inner_text("#view-text") or "Bundesministerium" in page.inner_text("#view-text")
    assert page.locator("header.site nav a[href='network']").count() == 1  # the site header, with a way back
    show_all(page)
    assert page.get_attribute("#stats", "data-nodes") == str(len(whole["nodes"]))
    assert page.get_attribute("#stats", "data-edges") == str(len(whole["edges"]))
    assert page.evaluate("state.network.body.data.nodes.length") == len(whole["nodes"])
    assert page.evaluate("document.querySelector('#map canvas').width") > 0
    legend = page.locator("#legend [data-type]").evaluate_all("items => items.map(i => i.dataset.type)")
    assert {"Person", "EconomicDevelopmentAgency", "Municipality", "Ministry"} <= set(legend)


def test_searching_wfbb_shows_its_partners_with_evidence_linked_here(page: Page) -> None:
    page.fill("#search", "WFBB")
    page.press("#search", "Enter")
    page.click(f"#search-results button[data-iri='{WFBB}']")
    page.wait_for_selector("#partners li")
    assert page.inner_text("#actor-name") == "Wirtschaftsförderung Brandenburg"
    neuland = page.locator("#partners > li").filter(has_text="Neuland21")
    assert neuland.count() == 1
    assert "Kooperation zur Session" in neuland.inner_text()
    assert page.evaluate("state.network.getSelectedNodes()") == [WFBB]
    # evidence and source links stay on this service
    hrefs = page.locator("#partners a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "source/sccon21-smart-country-brandenburg" in hrefs
    assert not [h for h in hrefs if h.startswith("http")]


def test_clicking_an_actor_on_the_canvas_shows_its_partners(page: Page) -> None:
    show_all(page)
    page.evaluate("state.network.stopSimulation()")
    point = page.evaluate(f"state.network.canvasToDOM(state.network.getPositions(['{WFBB}'])['{WFBB}'])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#details:not([hidden]) #partners li")
    assert page.inner_text("#actor-name") == "Wirtschaftsförderung Brandenburg"
    assert page.locator("#partners > li", has_text="Neuland21").count() == 1


def test_filters_reload_the_map(page: Page, base_url: str) -> None:
    show_all(page)
    page.click("#filter-box summary")
    for kind in ("cooperation", "co-organisation", "project", "role", "organisational", "event-programme"):
        page.uncheck(f"#kinds input[value='{kind}']")
    page.fill("#since", "2020")
    page.evaluate("document.body.dataset.ready = ''")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    filtered = network(base_url, kind="session", since="2020")
    assert 0 < len(filtered["nodes"]) < len(network(base_url)["nodes"])
    assert drawn(page) == {n["id"] for n in filtered["nodes"]}
    page.fill("#region", "Brandenburg")
    page.evaluate("document.body.dataset.ready = ''")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    in_brandenburg = network(base_url, kind="session", since="2020", region="Brandenburg")
    assert drawn(page) == {n["id"] for n in in_brandenburg["nodes"]}


def test_a_deep_link_selects_and_centres_the_actor_in_english(open_page: Callable[..., Page]) -> None:
    page = open_page(f"/network?focus={quote(WFBB, safe='')}&lang=en")
    page.wait_for_selector("#details:not([hidden]) #partners li")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#actor-name") == "Wirtschaftsförderung Brandenburg"
    assert page.evaluate("state.network.getSelectedNodes()") == [WFBB]
    assert page.get_attribute("body", "data-view") == "ego"
    assert WFBB in drawn(page) and "Neighbourhood of Wirtschaftsförderung Brandenburg" in page.inner_text("#view-text")
    # English labels throughout
    assert page.inner_text("h1") == "Who cooperates with whom?"
    tabs = page.locator(".tabs button").all_inner_texts()
    assert tabs == ["Actor", "Path", "Ranking", "Communities", "Brokers"]
    assert "actors" in page.inner_text("#stats") and "partners" in page.inner_text("#actor-type")
    assert "cooperation" in page.inner_text("#partners")
    assert page.inner_text("header.site a.lang") == "Deutsch"


def test_the_entity_page_links_to_its_actor_on_the_map(base_url: str) -> None:
    html = httpx.get(base_url + "/id/organisation/wfbb", params={"lang": "de"}).text
    href = re.search(r'href="([^"]*network\?focus=[^"]*)"', html).group(1)
    target = urlsplit(urljoin(base_url + "/id/organisation/wfbb", href.replace("&amp;", "&")))
    assert target.path == "/network" and parse_qs(target.query) == {"focus": [WFBB]}


def test_the_path_panel_shows_each_step_with_its_evidence(page: Page, base_url: str) -> None:
    page.click(".tabs button[data-panel=path]")
    page.fill("#path-from", "Bad Belzig")
    page.fill("#path-to", BMWSB)
    page.click("#path-form button[type=submit]")
    page.wait_for_selector("#path-steps > li")
    expected = httpx.get(base_url + "/api/path", params={"from": BAD_BELZIG, "to": BMWSB}).json()
    assert expected["connected"]
    steps = page.locator("#path-steps > li")
    assert steps.count() == expected["length"]
    for i, step in enumerate(expected["steps"]):
        shown = steps.nth(i)
        assert shown.locator("button.actor").evaluate_all("b => b.map(x => x.dataset.iri)") == [step["from"]["iri"], step["to"]["iri"]]
        assert shown.locator(".evidence li").count() == len(step["evidence"])
        assert step["evidence"][0]["label"] in shown.inner_text()
    assert f"{expected['length']}" in page.inner_text("#path-summary")
    assert set(page.evaluate("state.network.getSelectedNodes()")) == {n["iri"] for n in expected["nodes"]}


def test_the_ranking_panel_ranks_like_the_api_and_says_how_in_german(open_page: Callable[..., Page], base_url: str) -> None:
    page = open_page("/network?lang=de")
    assert page.inner_text(".tabs button[data-panel=ranking]") == "Rangliste"
    page.click(".tabs button[data-panel=ranking]")
    page.select_option("#measure", "betweenness")
    page.click("#ranking-form button[type=submit]")
    page.wait_for_selector("#ranking > li")
    expected = httpx.get(base_url + "/api/centrality", params={"measure": "betweenness", "top": 20}).json()
    shown = page.locator("#ranking button.actor").evaluate_all("b => b.map(x => x.dataset.iri)")
    assert shown == [a["iri"] for a in expected["ranking"]]
    note = page.inner_text("#ranking-note")
    assert page.get_attribute("#ranking-note", "data-sampled") == "false"
    assert "exakt" in note and "500" in note and str(expected["nodes"]) in note
    page.click(f"#ranking button[data-iri='{expected['ranking'][0]['iri']}']")
    page.wait_for_selector(f"#actor-name[data-iri='{expected['ranking'][0]['iri']}']")


def test_communities_colour_the_map_and_brokers_are_listed(page: Page, base_url: str) -> None:
    page.click(".tabs button[data-panel=communities]")
    page.click("#colour-communities")
    page.wait_for_selector("#communities > li")
    expected = httpx.get(base_url + "/api/communities").json()["communities"]
    sizes = page.locator("#communities > li").evaluate_all("items => items.map(i => Number(i.dataset.size))")
    assert sizes == [c["size"] for c in expected]
    first = expected[0]["members"][0]["iri"]
    if first in drawn(page):
        assert page.evaluate(f"state.nodes.get('{first}').color.background") == "#1f77b4"
    page.click(".tabs button[data-panel=brokers]")
    page.click("#brokers-form button[type=submit]")
    page.wait_for_selector("#brokers > li")
    brokers = httpx.get(base_url + "/api/brokers", params=[("between", "Brandenburg"), ("between", "Berlin")]).json()
    shown = page.locator("#brokers > li > button.actor").evaluate_all("b => b.map(x => x.dataset.iri)")
    assert shown == [b["iri"] for b in brokers["brokers"][:20]]


def test_usable_at_phone_width(open_page: Callable[..., Page]) -> None:
    page = open_page("/network?lang=en", width=390, height=844)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390  # nothing wider than the phone
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] >= 350 and map_box["height"] >= 250
    assert page.locator("aside").bounding_box()["y"] >= map_box["y"] + map_box["height"] - 1  # panels below the map
    page.click(".tabs button[data-panel=ranking]")
    page.click("#ranking-form button[type=submit]")
    page.wait_for_selector("#ranking > li")
    assert page.locator("#ranking > li").count() == 20


def test_a_deep_link_to_an_unknown_actor_says_so_and_the_map_still_works(browser: Browser, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/network?lang=en&focus=" + quote(ID + "organisation/nobody-at-all", safe=""))
    page.wait_for_selector("#stats.error")
    assert "Not loaded" in page.inner_text("#stats") and "parameter 'iri'" in page.inner_text("#stats")
    page.evaluate("document.body.dataset.ready = ''")
    page.click("#show-overview")
    page.wait_for_selector("body[data-ready=true]")
    assert int(page.get_attribute("#stats", "data-nodes")) > 20
    assert errors == []  # the 404 is answered on the page, not thrown
    page.close()
