"""The search index is its own component: search, 404 suggestions and the home page never project the network."""

from __future__ import annotations

from pathlib import Path

import rdflib
from fastapi.testclient import TestClient
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

ID = "https://w3id.org/smartregion/id/"


def test_search_404_and_home_use_the_index_alone_and_follow_writes(fresh_store: EmbeddedStore, project_root: Path) -> None:
    store = fresh_store
    with TestClient(create_app(Settings(home=project_root, store_path=store.path))) as client:
        found = client.get("/api/search", params={"q": "Neuland"}).json()["results"]
        assert found[0]["iri"] == ID + "organisation/neuland21"
        missing = client.get("/id/organisation/neuland", headers={"Accept": "application/json"})
        assert missing.status_code == 404 and ID + "organisation/neuland21" in missing.text
        home = client.get("/", params={"q": "Neuland21"})
        assert ID + "organisation/neuland21" in home.text
        network = getattr(client.app.state, "network", None)
        assert network is None or network.builds == 0, "search and pages must not wait for the network projection"

        extra = rdflib.Graph().parse(format="turtle", data=f'<{ID}organisation/zukunftswerk> a <https://w3id.org/smartregion/ontology#Organisation> ; '
                                     '<http://www.w3.org/2000/01/rdf-schema#label> "Zukunftswerk Fläming"@de .')
        store.replace_graphs({"https://w3id.org/smartregion/source/extra": extra})
        found = client.get("/api/search", params={"q": "zukunftswerk flaming"}).json()["results"]
        assert [hit["iri"] for hit in found] == [ID + "organisation/zukunftswerk"]

