"""Contributing in the browser (issue 16, point 4) without a browser: the /contribute page and its JSON twin, the
template files, and what the write API tells the page — the dry run's entities, candidates for an unknown name,
the template's example row refused — on the real app over a per-test copy of the built store."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from smartregion.contribute import spreadsheets
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"
TOKEN = "page-token-7c1d"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COTTBUS = ID + "municipality/cottbus-chosebuz"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(project_root: Path, fresh_store: EmbeddedStore) -> Iterator[TestClient]:
    settings = Settings(home=project_root, store_path=fresh_store.path, write_token=TOKEN, query_workers=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def post_csv(client: TestClient, text: str, headers: dict | None = None, **params) -> object:
    return client.post("/api/contributions", content=text.encode("utf-8"),
                       params={"kind": "organisations", **params}, headers={"Content-Type": "text/csv", **(AUTH if headers is None else headers)})


def test_the_page_offers_every_template_and_a_form_that_cannot_leak_the_token(client: TestClient) -> None:
    page = client.get("/contribute", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "form-action 'none'" in csp
    html = page.text
    for kind in spreadsheets.TEMPLATE_KINDS:
        assert f'id="template-{kind}"' in html and f"api/templates/{kind}.xlsx" in html
    assert "municipalities" not in html  # reference data is not a template
    assert 'id="token" type="password"' in html and "name=" not in html.split('id="upload-form"')[1].split("</form>")[0]
    assert "Contribute data" in html and "Daten beitragen" in client.get("/contribute", params={"lang": "de"}).text
    assert client.get("/static/contribute.js").status_code == 200
    twin = client.get("/api/templates").json()["templates"]
    assert [t["name"] for t in twin] == list(spreadsheets.TEMPLATE_KINDS)
    assert {"name", "german", "required", "help", "example"} <= set(twin[0]["columns"][0])


@pytest.mark.parametrize("lang", ["de", "en"])
def test_template_files_hold_the_header_and_the_example_row(client: TestClient, lang: str) -> None:
    kind = spreadsheets.get_kind("organisations")
    expected = spreadsheets.template_rows(kind, lang)
    rows = list(csv.reader(io.StringIO(client.get("/api/templates/organisations.csv", params={"lang": lang}).text)))
    assert rows == expected
    response = client.get("/api/templates/organisations.xlsx", params={"lang": lang})
    assert response.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)] == expected


@pytest.mark.parametrize(("path", "status"), [("/api/templates/gibtsnicht.csv", 404), ("/api/templates/municipalities.csv", 404),
                                              ("/api/templates/organisations.pdf", 422)])
def test_unknown_templates_are_refused_clearly(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status and response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


def test_the_dry_run_lists_what_would_be_added(client: TestClient) -> None:
    response = post_csv(client, "name,location\nDigitalwerkstatt Lausitz,Bad Belzig\n", dry_run="true")
    assert response.status_code == 200, response.text
    entities = {e["label"]: e for e in response.json()["entities"]}
    new = entities["Digitalwerkstatt Lausitz"]
    assert new["new"] is True and new["iri"] == ID + "organisation/digitalwerkstatt-lausitz" and new["statements"] >= 3
    assert "sr:Organisation" in new["types"] or any(t.endswith("Organization") for t in new["types"])
    # Nothing was written.
    assert client.get("/api/search", params={"q": "Digitalwerkstatt Lausitz"}).json()["results"] == []


def test_an_unknown_name_gets_candidates_in_the_api(client: TestClient) -> None:
    response = post_csv(client, "name,location\nLabor Lausitz,Cottbus\n", dry_run="true")
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert (problem["row"], problem["column"]) == (2, "location")
    assert problem["candidates"][0] == {"iri": COTTBUS, "label": "Cottbus/Chóśebuz"}


def test_the_template_example_row_is_refused_unless_changed(client: TestClient) -> None:
    template = client.get("/api/templates/organisations.csv", params={"lang": "de"}).text
    response = post_csv(client, template, dry_run="true")
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["row"] == 2 and "example row" in problem["message"]
    changed = template.replace("Digitalagentur Musterland GmbH", "Digitalagentur Spreewald GmbH")
    assert post_csv(client, changed, dry_run="true").status_code == 200


def test_without_the_token_nothing_is_written(client: TestClient) -> None:
    before = client.get("/api/contributions").json()
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = post_csv(client, "name\nDigitalwerkstatt Lausitz\n", headers=headers)
        assert response.status_code == 401 and "Authorization: Bearer" in response.json()["detail"]
    assert client.get("/api/contributions").json() == before
