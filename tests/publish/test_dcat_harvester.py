"""A harvester against a running server: read /catalog, follow every distribution, download and
parse every dump, check checksums and sizes, and check the counts against VoID and the store.

Done the way an open-data portal does it (GovData, data.europa.eu): only HTTP, only what the
catalogue links to; on both store backends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
from dumpcounts import distinct_triples, dump_counts, graph_counts
from live import REMOTE_SERVERS, free_port, serving
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID
from smartregion.settings import Settings
from smartregion.store import Store

SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Server:
    base: str
    store: Store  # behind the server, asked directly for the expected answers


@pytest.fixture(scope="module", params=["embedded", *REMOTE_SERVERS])
def server(request: pytest.FixtureRequest, project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    if request.param == "embedded":
        store: Store = request.getfixturevalue("built_store")
        settings = Settings(home=project_root, store_path=store.path, base_url=base)
    else:
        remote = request.getfixturevalue(f"{request.param}_remote")
        store = remote.remote_store()
        # Dumps of the remote store go next to a store folder of the test's own.
        settings = remote.remote_settings(
            Settings(home=project_root, store_path=tmp_path_factory.mktemp("remote") / "store", base_url=base)
        )
    with serving(settings, port):
        yield Server(base, store)


def fetch_rdf(client: httpx.Client, url: str) -> rdflib.Graph:
    response = client.get(url, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, (url, response.text[:300])
    return rdflib.Graph().parse(data=response.content, format="turtle")


def sparql_count(client: httpx.Client, endpoint: str, query: str) -> int:
    response = client.get(endpoint, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:300]
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_a_harvester_gets_everything_the_catalogue_promises(server: Server) -> None:
    with httpx.Client(timeout=60) as client:
        catalog = fetch_rdf(client, server.base + "catalog")
        void = fetch_rdf(client, server.base + ".well-known/void")
        (root,) = void.objects(predicate=rdflib.FOAF.primaryTopic)
        void_total = int(void.value(root, VOID.triples))
        void_graphs = {str(void.value(s, SD.name)): int(void.value(s, VOID.triples)) for s in void.objects(root, VOID.subset) if void.value(s, SD.name)}

        # What the store holds, and what VoID says, agree before any download; the dumps are of the live
        # revision (the remote store's are written on the first request).
        assert void_total == server.store.distinct_triple_count() > 1000  # each triple once, however many sources state it
        assert void_graphs == graph_counts(server.store)
        assert client.get(server.base + "dumps").json()["revision"] == server.store.revision()

        downloads = sorted(catalog.subject_objects(DCAT.downloadURL), key=lambda pair: str(pair[1]))
        assert {str(url) for _, url in downloads} == {str(url) for url in void.objects(root, VOID.dataDump)}
        assert len(downloads) == 4
        for distribution, url in downloads:
            response = client.get(str(url))
            assert response.status_code == 200 and response.headers["content-type"] == "application/gzip", url
            body = response.content
            checksum = catalog.value(distribution, SPDX.checksum)
            assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            assert hashlib.sha256(body).hexdigest() == str(catalog.value(checksum, SPDX.checksumValue)), url
            assert len(body) == int(catalog.value(distribution, DCAT.byteSize)), url
            default, counts = dump_counts(body, str(catalog.value(distribution, DCTERMS.format)).removeprefix(FILE_TYPE))
            if str(url).endswith(".ttl.gz"):  # the union: every distinct triple once
                assert default == distinct_triples(server.store) and not counts, url
            else:
                assert counts == void_graphs and default == 0, url
                assert sum(counts.values()) == server.store.triple_count(), url  # statements: the subsets add up
            # A harvester that comes back finds nothing new to download.
            again = client.get(str(url), headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 304 and again.content == b"", url


def test_a_harvester_can_query_every_dataset_through_the_service(server: Server) -> None:
    with httpx.Client(timeout=60) as client:
        catalog = fetch_rdf(client, server.base + "catalog")
        void = fetch_rdf(client, server.base + ".well-known/void")
        void_graphs = {str(void.value(s, SD.name)): int(void.value(s, VOID.triples)) for s in void.subjects(SD.name, None)}
        (service,) = catalog.subjects(RDF.type, DCAT.DataService)
        endpoint = str(catalog.value(service, DCAT.endpointURL))
        assert endpoint == server.base + "sparql"
        description = client.get(endpoint, headers={"Accept": "text/turtle"})  # the endpoint description
        assert description.status_code == 200 and "sparql-service-description" in description.text
        checked = 0
        for distribution in catalog.subjects(DCAT.accessService, service):
            assert str(catalog.value(distribution, DCAT.accessURL)) == endpoint
            (dataset,) = catalog.subjects(DCAT.distribution, distribution)
            graph = catalog.value(dataset, DCTERMS.identifier)
            if graph is None:  # the whole graph: all named graphs together
                response = client.get(endpoint, params={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
                                      headers={"Accept": "application/sparql-results+json"})
                rows = response.json()["results"]["bindings"]
                counts = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
                assert {g: counts.get(g) for g in void_graphs} == void_graphs
            else:
                count = sparql_count(client, endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
                assert count == void_graphs[str(graph)], graph
            checked += 1
        assert checked == len(void_graphs) + 1

