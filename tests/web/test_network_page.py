"""The network map in a real browser: Debian's headless Chromium, driven by Playwright, against uvicorn.

Playwright's own browser download does not work here, so the test uses the system Chromium and
skips (saying why) where it is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from live import needs_chromium
from playwright.sync_api import Browser, Page

WFBB = "https://w3id.org/smartregion/id/organisation/wfbb"

pytestmark = needs_chromium


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Anything the page fetches from elsewhere would be a CDN dependency: the map must work offline.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url)
               or route.request.url.startswith("data:") else (problems.append("outside: " + route.request.url),
                                                                route.abort()))
    page.goto(base_url + "/network")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    yield page
    assert problems == []  # no script error, no CSP violation, no request leaving the service
    page.close()


def network_counts(base_url: str, **params: str) -> tuple[int, int]:
    data = httpx.get(base_url + "/api/network", params={"format": "json", **params}).json()
    return len(data["nodes"]), len(data["edges"])


def test_the_map_draws_every_actor_and_link(page: Page, base_url: str) -> None:
    nodes, edges = network_counts(base_url)
    assert nodes > 50
    assert page.get_attribute("#stats", "data-nodes") == str(nodes)
    assert page.get_attribute("#stats", "data-edges") == str(edges)
    # vis-network holds exactly these and draws them on its canvas.
    assert page.evaluate("state.network.body.data.nodes.length") == nodes
    assert page.evaluate("document.querySelector('#map canvas').width") > 0
    legend = page.locator("#legend [data-type]").evaluate_all("items => items.map(i => i.dataset.type)")
    assert {"Person", "EconomicDevelopmentAgency", "Municipality", "Ministry"} <= set(legend)


def test_searching_wfbb_shows_its_partners_with_evidence(page: Page) -> None:
    page.fill("#search", "WFBB")
    page.press("#search", "Enter")
    page.click(f"#search-results button[data-iri='{WFBB}']")
    page.wait_for_selector("#partners li")
    assert page.inner_text("#actor-name") == "Wirtschaftsförderung Brandenburg"
    partners = page.locator("#partners > li")
    neuland = partners.filter(has_text="Neuland21")
    assert neuland.count() == 1
    assert "Kooperation zur Session" in neuland.inner_text()
    assert page.evaluate("state.network.getSelectedNodes()") == [WFBB]


def test_clicking_an_actor_on_the_canvas_shows_its_partners(page: Page) -> None:
    page.evaluate("state.network.stopSimulation()")
    point = page.evaluate(f"state.network.canvasToDOM(state.network.getPositions(['{WFBB}'])['{WFBB}'])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#details:not([hidden]) #partners li")
    assert page.inner_text("#actor-name") == "Wirtschaftsförderung Brandenburg"
    assert page.locator("#partners > li", has_text="Neuland21").count() == 1


def test_filters_reload_the_map(page: Page, base_url: str) -> None:
    for kind in ("cooperation", "co-organisation", "project", "role", "organisational"):
        page.uncheck(f"#kinds input[value='{kind}']")
    page.fill("#since", "2020")
    page.evaluate("document.body.dataset.ready = ''")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    nodes, edges = network_counts(base_url, kind="session", since="2020")
    assert 0 < nodes < network_counts(base_url)[0]
    assert page.get_attribute("#stats", "data-nodes") == str(nodes)
    assert page.get_attribute("#stats", "data-edges") == str(edges)
