"""The pages in a real browser on a phone-sized screen with JavaScript switched off: Debian's headless
Chromium driven by Playwright against uvicorn (as in test_network_page.py; skipped without Chromium).

What only a browser can tell: the CSP lets the stylesheet in and blocks nothing the page needs (a
violation is a console error), the layout fits a narrow screen, and search and details work without
script."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live import needs_chromium, watch
from playwright.sync_api import Browser, Page

PHONE = {"width": 375, "height": 740}

pytestmark = needs_chromium


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    """A phone-sized page without JavaScript; any console error (a CSP violation) or outside request fails.

    Chromium reports a 404 document as a console error too; the 404 test checks its page loads what it needs.
    """
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    problems = watch(page, base_url, forgive=lambda text: "status of 404" in text)
    yield page
    assert problems == []
    context.close()


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def styled(page: Page) -> bool:
    """The stylesheet arrived despite the strict CSP."""
    return page.evaluate("getComputedStyle(document.querySelector('header.site')).backgroundColor") == "rgb(244, 246, 248)"


@pytest.mark.parametrize("path", ["/id/organisation/wfbb", "/ontology", "/source/sccon21-smart-country-brandenburg", "/"])
def test_pages_fit_a_phone_and_are_styled(phone: Page, base_url: str, path: str) -> None:
    response = phone.goto(base_url + path)
    assert response is not None and response.status == 200
    assert fits_the_screen(phone) and styled(phone)
    assert phone.locator("h1").first.is_visible()


def test_entity_page_reads_and_unfolds_without_javascript(phone: Page, base_url: str) -> None:
    phone.goto(base_url + "/id/organisation/wfbb")
    assert phone.inner_text("h1") == "Wirtschaftsförderung Brandenburg"
    partner = phone.locator("#partners ol.partners > li", has_text="Neuland21")
    details = partner.locator("details")
    assert not details.evaluate("d => d.open")
    partner.locator("summary").click()
    assert details.evaluate("d => d.open")
    assert "Kooperation zur Session" in details.inner_text()
    partner.locator(":scope > a").click()
    assert phone.url == base_url + "/id/organisation/neuland21"
    assert phone.inner_text("h1") == "Neuland21"


def test_search_from_a_404_page_without_javascript(phone: Page, base_url: str) -> None:
    response = phone.goto(base_url + "/id/organisation/neuland-21")
    assert response is not None and response.status == 404
    assert styled(phone) and fits_the_screen(phone)
    assert phone.locator("#suggestions a", has_text="Neuland21").count() == 1
    phone.fill("#q", "Bad Belzig")
    phone.press("#q", "Enter")
    phone.wait_for_url("**/?q=Bad+Belzig")
    phone.click("#results a:text-is('Bad Belzig')")
    phone.wait_for_load_state("load")  # the click returns once navigation commits, before the stylesheet applies
    assert phone.url == base_url + "/id/municipality/bad-belzig"
    assert phone.inner_text("h1") == "Bad Belzig"
    assert fits_the_screen(phone)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id]")])
def test_api_documentation_renders_offline(browser: Browser, base_url: str, viewport: dict, path: str, rendered: str) -> None:
    """Swagger UI and ReDoc run from the vendored copies: every request to another host fails, and they render all the same."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    problems = watch(page, base_url)
    page.goto(base_url + path)
    page.wait_for_selector(rendered, timeout=60_000)
    assert "/sparql" in page.inner_text("body")
    assert problems == []
    context.close()
