"""Contributing in a real browser (issue 16, points 4 and 7): Debian's headless Chromium driven by Playwright against
uvicorn on 127.0.0.1 with a write token (skipped without Chromium). A CSV goes through the dry run, whose tables the
page shows, and then the import; a problem shows its row, column and candidates; no token, nothing written. Any
request leaving 127.0.0.1, any console error (a CSP violation) and any request carrying the token in its URL fail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live import needs_chromium, serving
from playwright.sync_api import Browser, Page, expect
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore

pytestmark = needs_chromium

ID = "https://w3id.org/smartregion/id/"
TOKEN = "browser-token-5e2b"
COTTBUS = ID + "municipality/cottbus-chosebuz"


@pytest.fixture(scope="module")
def writable_url(module_store: EmbeddedStore, project_root: Path) -> Iterator[str]:
    settings = Settings(home=project_root, store_path=module_store.path, write_token=TOKEN, query_workers=1)
    with serving(settings) as base:
        yield base


@pytest.fixture
def page(browser: Browser, writable_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    # Chromium logs every 4xx answer as a console error; the refusals (401, 422) are answers these tests expect.
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "the server responded with a status of 4" not in message.text else None)

    def guard(route) -> None:
        url = route.request.url
        if not url.startswith(writable_url):
            problems.append("outside: " + url)
            route.abort()
        else:
            if TOKEN in url:
                problems.append("token in a URL: " + url)
            route.continue_()

    page.route("**/*", guard)
    yield page
    stored = page.evaluate("() => [JSON.stringify(localStorage), JSON.stringify(sessionStorage), document.cookie]")
    assert not any(TOKEN in s for s in stored), stored
    assert problems == []
    context.close()


def settled(page: Page) -> None:
    """Wait for the page's answer: the first dry run of a fresh server reads the name index and validates,
    and a write builds a store revision and rewrites the dumps, seconds on a busy machine."""
    expect(page.locator("#status")).to_have_class(re.compile(r"\b(ok|error)\b"), timeout=120_000)


def choose(page: Page, name: str, text: str) -> None:
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])


def test_dry_run_then_import(page: Page, writable_url: str) -> None:
    page.goto(writable_url + "/contribute?lang=en")
    expect(page.locator("h1")).to_have_text("Contribute data")
    page.select_option("#kind", "organisations")
    choose(page, "werkstatt.csv", "name,location,website\nDigitalwerkstatt Lausitz,Bad Belzig,https://example.org/dwl\n")
    page.fill("#agent", "Erika Browser")
    page.fill("#token", TOKEN)
    expect(page.locator("#import")).to_be_disabled()
    page.click("#check")
    settled(page)
    row = page.locator("#entities tbody tr", has_text="Digitalwerkstatt Lausitz")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("new")
    expect(page.locator("#status")).to_contain_text("Dry run passed")
    # The dry run wrote nothing.
    assert httpx.get(writable_url + "/api/search", params={"q": "Digitalwerkstatt Lausitz"}).json()["results"] == []
    expect(page.locator("#import")).to_be_enabled()
    page.click("#import")
    settled(page)
    expect(page.locator("#status")).to_contain_text("Imported as contribution")
    expect(page.locator("#contribution-link")).to_be_visible()
    hits = httpx.get(writable_url + "/api/search", params={"q": "Digitalwerkstatt Lausitz"}).json()["results"]
    assert [h["iri"] for h in hits] == [ID + "organisation/digitalwerkstatt-lausitz"]
    contribution = page.locator("#contribution-link").get_attribute("href").rsplit("/", 1)[-1]
    page.click("#contribution-link")  # the contribution's own page: who, when, from what
    expect(page.locator("main")).to_contain_text("werkstatt.csv")
    listed = {c["id"]: c for c in httpx.get(writable_url + "/api/contributions").json()}
    assert listed[contribution]["agent"] == "Erika Browser" and listed[contribution]["source"] == "werkstatt.csv"


def test_problems_by_row_and_column_with_candidates(page: Page, writable_url: str) -> None:
    page.goto(writable_url + "/contribute?lang=en")
    choose(page, "labor.csv", "name,location\nLabor Lausitz,Cottbus\n")
    page.fill("#token", TOKEN)
    page.click("#check")
    settled(page)
    row = page.locator("#problems tbody tr").first
    expect(row).to_contain_text("location")
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text("2")
    candidate = row.locator(".candidates a").first
    expect(candidate).to_have_text("Cottbus/Chóśebuz")
    assert candidate.get_attribute("title") == COTTBUS
    expect(page.locator("#import")).to_be_disabled()


def test_without_a_token_the_page_says_so_and_nothing_is_written(page: Page, writable_url: str) -> None:
    before = httpx.get(writable_url + "/api/contributions").json()
    page.set_viewport_size({"width": 375, "height": 740})  # on a phone, the form fits the screen
    page.goto(writable_url + "/contribute?lang=en")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    choose(page, "ohne.csv", "name\nOhne Token GmbH\n")
    page.click("#check")
    settled(page)
    expect(page.locator("#status")).to_contain_text("Without a valid write token nothing is written")
    expect(page.locator("#import")).to_be_disabled()
    assert httpx.get(writable_url + "/api/contributions").json() == before
