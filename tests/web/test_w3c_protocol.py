"""The W3C SPARQL 1.1 Protocol and Service Description tests, run against the service over real HTTP.

The manifests are vendored from w3c/rdf-tests (``tests/data/w3c/``, with its licence): every request of
every test is sent as the manifest writes it (method, path with ``/sparql/`` mapped to ``/sparql``,
headers, body in its declared encoding) to ``smartregion serve``'s app under uvicorn, over a store
that holds the tests' data files as named graphs. Query tests and bad-request tests must get the
status, format and boolean the manifest expects. This endpoint is read-only, so the update tests
instead must get a clean refusal: 403 (a bad update: 4xx) with problem details, and nothing changes.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
from live import free_port, serving
from rdflib.namespace import Namespace
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore

W3C = Path(__file__).resolve().parent.parent / "data" / "w3c" / "sparql11"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SRX = "{http://www.w3.org/2005/sparql-results#}"
# query_post_form and the content-type tests name this graph as their default graph but ship no data for it;
# here a dataset may only name graphs the store holds, so it holds it with one triple.
DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: tuple[str, ...]  # "2xx", "4xx", ...
    format: str | None  # "boolean", "tabular", "RDF"
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    requests: tuple[Request, ...]
    graphs: dict[str, Path]  # named graph IRI → data file

    @property
    def is_update(self) -> bool:
        return "update" in self.name


def _list(graph: rdflib.Graph, node: rdflib.term.Node | None) -> list:
    return list(rdflib.collection.Collection(graph, node)) if node is not None else []


def protocol_tests() -> list[ProtocolTest]:
    manifest_path = W3C / "protocol" / "manifest.ttl"
    graph = rdflib.Graph().parse(manifest_path, format="turtle")
    manifest = next(graph.subjects(rdflib.RDF.type, MF.Manifest))
    tests = []
    for entry in _list(graph, graph.value(manifest, MF.entries)):
        requests = []
        for request in _list(graph, graph.value(graph.value(entry, MF.action), HT.requests)):
            body_node = graph.value(request, HT.body)
            body = None
            if body_node is not None:
                body = str(graph.value(body_node, CNT.chars)).encode(str(graph.value(body_node, CNT.characterEncoding) or "UTF-8"))
            response = graph.value(request, HT.resp)
            boolean = graph.value(response, MF.expectedBoolean)
            requests.append(Request(
                method=str(graph.value(request, HT.methodName)),
                path=str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                headers={str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue)) for h in _list(graph, graph.value(request, HT.headers))},
                body=body,
                statuses=tuple(sorted(str(s).rsplit("StatusCode", 1)[1] for s in graph.objects(response, MF.expectedStatus))),
                format=str(graph.value(response, MF.expectedFormat)) if graph.value(response, MF.expectedFormat) else None,
                boolean=None if boolean is None else bool(boolean.toPython()),
            ))
        data = {str(graph.value(d, rdflib.RDFS.label)): W3C / "protocol" / Path(str(graph.value(d, UT.graph))).name
                for d in graph.objects(entry, UT.graphData)}
        tests.append(ProtocolTest(str(entry).rsplit("#", 1)[1], tuple(requests), data))
    return tests


TESTS = protocol_tests()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Iterator[tuple[str, EmbeddedStore]]:
    """The service over the tests' data; its base URL is where it runs, so sd:endpoint is the URL asked."""
    folder = tmp_path_factory.mktemp("w3c") / "store"
    store = EmbeddedStore(folder)
    graphs: dict[str, rdflib.Graph] = {}
    for test in TESTS:
        for iri, path in test.graphs.items():
            graphs[iri] = rdflib.Graph().parse(path, format="nt")
    graphs[DATA0] = rdflib.Graph().parse(data=f"<{DATA0}> a <http://xmlns.com/foaf/0.1/Document> .", format="turtle")
    store.replace_all(graphs)
    port = free_port()
    settings = Settings(home=project_root, store_path=folder, base_url=f"http://127.0.0.1:{port}/", query_workers=1, query_timeout=10.0)
    with serving(settings, port) as base:
        yield base, store


def test_the_manifest_is_read_whole() -> None:
    assert len(TESTS) == 34 and sum(t.is_update for t in TESTS) == 14
    assert all(t.requests and t.requests[0].statuses for t in TESTS)


@pytest.mark.parametrize("test", [t for t in TESTS if not t.is_update], ids=lambda t: t.name)
def test_query_and_bad_request_tests_pass(service: tuple[str, EmbeddedStore], test: ProtocolTest) -> None:
    base, _ = service
    for request in test.requests:
        response = _send(base, request)
        assert f"{response.status_code // 100}xx" in request.statuses, (test.name, response.status_code, response.text[:300])
        if request.format is not None:
            _check_format(response, request)
        if response.status_code >= 400:  # a bad request is told why, in the project's one error shape
            assert response.headers["content-type"] == "application/problem+json", test.name
            assert response.json()["status"] == response.status_code and response.json()["detail"], test.name


@pytest.mark.parametrize("test", [t for t in TESTS if t.is_update], ids=lambda t: t.name)
def test_update_tests_get_a_clean_refusal(service: tuple[str, EmbeddedStore], test: ProtocolTest) -> None:
    base, store = service
    before = (store.revision(), store.triple_count())
    request = test.requests[0]  # the update; what follows checks its effect, and there is none
    response = _send(base, request)
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json", test.name
    if test.name.startswith("bad_"):
        assert 400 <= response.status_code < 500 and problem["detail"], (test.name, response.status_code)
    else:
        assert (response.status_code, problem["title"]) == (403, "read-only endpoint"), test.name
    assert (store.revision(), store.triple_count()) == before


def test_service_description_tests(service: tuple[str, EmbeddedStore]) -> None:
    """has-endpoint-triple, returns-rdf and conforms-to-schema of the Service Description manifest."""
    manifest = rdflib.Graph().parse(W3C / "service-description" / "manifest.ttl", format="turtle")
    assert {str(t).rsplit("#", 1)[1] for t in manifest.subjects(rdflib.RDF.type, MF.ServiceDescriptionTest)} == {
        "has-endpoint-triple", "returns-rdf", "conforms-to-schema"}
    base, store = service
    for accept, syntax in (("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")):
        response = httpx.get(base + "/sparql", headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == accept  # returns-rdf
        description = rdflib.Graph().parse(data=response.content, format=syntax)
        (service_node,) = description.subjects(rdflib.RDF.type, SD.Service)
        assert description.value(service_node, SD.endpoint) == rdflib.URIRef(base + "/sparql")  # has-endpoint-triple
        # conforms-to-schema: the ranges the SD vocabulary gives its properties.
        assert (service_node, SD.supportedLanguage, SD.SPARQL11Query) in description
        assert all(isinstance(f, rdflib.URIRef) for f in description.objects(service_node, SD.resultFormat))
        dataset = description.value(service_node, SD.defaultDataset)
        assert (dataset, rdflib.RDF.type, SD.Dataset) in description
        assert (description.value(dataset, SD.defaultGraph), rdflib.RDF.type, SD.Graph) in description
        names = {str(description.value(g, SD.name)) for g in description.objects(dataset, SD.namedGraph)}
        assert names == set(store.named_graphs())


def _send(base: str, request: Request) -> httpx.Response:
    return httpx.request(request.method, base + request.path, headers=request.headers, content=request.body, timeout=30)


def _check_format(response: httpx.Response, request: Request) -> None:
    media_type = response.headers["content-type"].split(";")[0]
    if request.format == "RDF":
        syntax = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt",
                  "application/ld+json": "json-ld"}[media_type]
        rdflib.Graph().parse(data=response.content, format=syntax)
        return
    if media_type == "application/sparql-results+json":
        body = json.loads(response.content)
        value = body.get("boolean")
        rows = body.get("results", {}).get("bindings")
    elif media_type == "application/sparql-results+xml":
        root = ElementTree.fromstring(response.content)
        found = root.find(f"{SRX}boolean")
        value = None if found is None else found.text == "true"
        rows = None if root.find(f"{SRX}results") is None else root.findall(f"{SRX}results/{SRX}result")
    else:
        assert media_type in ("text/csv", "text/tab-separated-values") and request.format == "tabular", media_type
        rows = list(csv.reader(io.StringIO(response.text), delimiter="," if media_type == "text/csv" else "\t"))[1:]
        value = None
    if request.format == "boolean":
        assert isinstance(value, bool) and (request.boolean is None or value is request.boolean), response.text
    else:
        assert rows is not None, response.text
