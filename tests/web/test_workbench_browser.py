"""The researcher's workbench in a real browser (headless Chromium via Playwright against uvicorn): the
query editor, question pages, browsing with facets. Every page runs with script on, every request to
another host fails the test, and so does any console error (a CSP violation is one)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from live import needs_chromium, serving, watch
from playwright.sync_api import Browser, Page
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = needs_chromium


def _page(browser: Browser, base_url: str, viewport: dict) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    problems = watch(page, base_url)
    yield page
    assert problems == []
    context.close()


@pytest.fixture
def desktop(browser: Browser, base_url: str) -> Iterator[Page]:
    yield from _page(browser, base_url, DESKTOP)


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    yield from _page(browser, base_url, PHONE)


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_editor_runs_a_query_shows_labels_and_downloads_csv(desktop: Page, base_url: str) -> None:
    desktop.goto(base_url + "/sparql")
    desktop.wait_for_selector(".CodeMirror")
    desktop.evaluate("window.smartregionEditor.setValue('')")
    desktop.click(".CodeMirror")
    desktop.keyboard.type("SELECT ?org WHERE { ?org <http://www.w3.org/2000/01/rdf-schema#label> \"Neuland21\"@de }")
    desktop.click("#run")
    link = desktop.locator("table.answer td a", has_text="Neuland21")
    link.wait_for()
    assert link.get_attribute("href").endswith("id/organisation/neuland21")
    assert "query=SELECT" in desktop.url  # the query is in the URL, to share
    assert desktop.locator("#truncated").is_hidden()
    with desktop.expect_download() as waiting:
        desktop.click("#downloads a[data-format=csv]")
    rows = list(csv.reader(io.StringIO(open(waiting.value.path(), encoding="utf-8").read())))
    assert rows == [["org"], ["https://w3id.org/smartregion/id/organisation/neuland21"]]


def test_editor_loads_an_example_charts_two_columns_and_reopens_from_its_url(desktop: Page, base_url: str) -> None:
    desktop.goto(base_url + "/sparql")
    desktop.wait_for_selector(".CodeMirror")
    desktop.select_option("#examples", "counts_per_class")
    assert "counts_per_class" not in desktop.evaluate("window.smartregionEditor.getValue()")
    assert "COUNT" in desktop.evaluate("window.smartregionEditor.getValue()")
    desktop.click("#run")
    desktop.locator("table.answer th", has_text="?direct").wait_for()
    desktop.evaluate("window.smartregionEditor.setValue('SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class')")
    desktop.click("#run")
    desktop.locator("#chart svg rect").first.wait_for()
    assert desktop.locator("#chart svg rect").count() >= 2
    # Each municipality once: the default graph is a set, so a type that two sources state counts once.
    assert "municipality\n10981" in desktop.inner_text("#chart")  # bars named by the classes' labels
    shared = desktop.url
    desktop.goto(shared)  # the shared link runs the query again
    desktop.locator("table.answer tbody tr").first.wait_for()
    assert "COUNT" in desktop.evaluate("window.smartregionEditor.getValue()")


def test_editor_completes_from_the_local_ontology(desktop: Page, base_url: str) -> None:
    desktop.goto(base_url + "/sparql")
    desktop.wait_for_selector(".CodeMirror")
    desktop.evaluate("window.smartregionEditor.setValue('PREFIX sr: <https://w3id.org/smartregion/ontology#>\\nSELECT * WHERE { ?x a sr:Mun')")
    desktop.evaluate("window.smartregionEditor.setCursor({line: 1, ch: 100})")
    desktop.click(".CodeMirror")
    desktop.keyboard.press("End")
    desktop.keyboard.press("Control+Space")
    hint = desktop.locator(".CodeMirror-hint", has_text="sr:Municipality")
    hint.first.wait_for()


@pytest.fixture(scope="module")
def cut_url(built_store: EmbeddedStore, project_root: Path) -> Iterator[str]:
    """The app with a row limit of 5, so that an answer is cut."""
    with serving(Settings(home=project_root, store_path=built_store.path, row_limit=5)) as base:
        yield base


def test_editor_notes_a_cut_answer_at_phone_width(browser: Browser, cut_url: str) -> None:
    for page in _page(browser, cut_url, PHONE):
        page.goto(cut_url + "/sparql?query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D")
        page.locator("table.answer tbody tr").first.wait_for()
        assert page.evaluate("document.querySelectorAll('table.answer tbody tr').length") == 5
        assert page.inner_text("#truncated") == "The answer was cut after 5 rows (the row limit)."
        assert "5 rows" in page.inner_text("#limits")
        assert fits_the_screen(page)


def test_a_question_form_takes_a_name_and_shows_the_answer(phone: Page, base_url: str) -> None:
    phone.goto(base_url + "/questions")
    phone.click("a[href='questions/partners_of_actor']")
    phone.fill("#p-actor", "WFBB")
    phone.click(".question-form button[type=submit]")
    phone.wait_for_url("**/questions/partners_of_actor?actor=WFBB")
    partner = phone.locator("#answer table.answer a", has_text="Neuland21").first
    assert partner.get_attribute("href") == "../id/organisation/neuland21"
    assert fits_the_screen(phone)
    phone.click("#open-editor")
    phone.locator("table.answer tbody tr").first.wait_for()  # the editor runs the question's query
    assert "organisation/wfbb" in phone.evaluate("window.smartregionEditor.getValue()")


def test_two_facets_combine_in_the_browser(phone: Page, base_url: str) -> None:
    phone.goto(base_url + "/browse")
    phone.click("#classes a[href='browse/Municipality']")
    phone.click("#facet-state a:text-is('Brandenburg')")
    assert phone.inner_text("#count") == "413 entries"
    phone.click("#facet-district summary") if not phone.locator("#facet-district").evaluate("d => d.open") else None
    phone.click("#facet-district a:has-text('Potsdam-Mittelmark')")
    assert "state=id%2Fstate%2Fbrandenburg" in phone.url and "district=id%2Fdistrict%2Fpotsdam-mittelmark" in phone.url
    assert phone.locator("#active a").count() == 2
    phone.click("#items a:text-is('Bad Belzig')")
    assert phone.inner_text("h1") == "Bad Belzig"


@pytest.mark.parametrize("path", ["/", "/sparql", "/questions", "/questions/members_of_project", "/browse",
                                  "/browse/Event?year=2021", "/catalog"])
def test_pages_run_offline_without_csp_violations_at_phone_width(phone: Page, base_url: str, path: str) -> None:
    response = phone.goto(base_url + path)
    assert response is not None and response.status == 200
    phone.wait_for_load_state("networkidle")
    assert phone.locator("h1").first.is_visible()
    wide = phone.evaluate("[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
                          "window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)")
    assert fits_the_screen(phone), wide
