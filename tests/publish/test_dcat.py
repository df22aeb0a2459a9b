"""The DCAT-AP.de catalogue and VoID: valid against the official shapes, and saying what the store holds."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pyshacl
import pytest
import rdflib
from dumpcounts import graph_counts
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, VOID, XSD
from smartregion.publish.dcat import CATALOG, DATASET, catalog_graph, dcat_ap_de_licence
from smartregion.publish.dumps import FORMATS, Manifest, write_dumps
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.web.app import create_app

STANDARDS = Path(__file__).parents[1] / "standards"
DCAT_AP = [STANDARDS / "dcat-ap-3.0.0" / "dcat-ap-SHACL.ttl"]
DCAT_AP_DE = DCAT_AP + [
    STANDARDS / "dcat-ap-de-3.0" / name
    for name in ("dcat-ap-SHACL-DE.ttl", "dcat-ap-de-controlledvocabularies.ttl", "dcat-ap-spec-german-additions.ttl", "dcat-ap-de-deprecated.ttl")
]
DCATDE = rdflib.Namespace("http://dcat-ap.de/def/dcatde/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
SR = "https://w3id.org/smartregion/ontology#"
SOURCE = "https://w3id.org/smartregion/source/"
GEO = "http://dcat-ap.de/def/politicalGeocoding/"
THEME = "http://publications.europa.eu/resource/authority/data-theme/"
CC_BY = URIRef("http://dcat-ap.de/def/licenses/cc-by/4.0")
DL_BY_DE = URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
BASE_URL = "http://harvest.example/"
EMAIL = "daten@example.org"


@pytest.fixture(scope="module")
def settings(built_store: EmbeddedStore, project_root: Path) -> Settings:
    return Settings(home=project_root, store_path=built_store.path, base_url=BASE_URL, contact_email=EMAIL, publisher_name="Smart-Region-Redaktion")


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def manifest(built_store: EmbeddedStore) -> Manifest:
    return Manifest.read(built_store.path.parent / "dumps" / built_store.revision())


@pytest.fixture(scope="module")
def catalog(client: TestClient) -> rdflib.Graph:
    response = client.get("/catalog")
    assert response.status_code == 200 and response.headers["content-type"] == "text/turtle; charset=utf-8"
    return rdflib.Graph().parse(data=response.content, format="turtle")


@pytest.fixture(scope="module")
def void(client: TestClient) -> rdflib.Graph:
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.content, format="turtle")


def shacl_results(data: rdflib.Graph, shape_files: list[Path]) -> tuple[bool, list[tuple[str, str, str, str]], str]:
    shapes = rdflib.Graph()
    for path in shape_files:
        shapes.parse(path, format="turtle")
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    rows = report.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT ?severity ?focus ?path ?message WHERE { "
        "?r a sh:ValidationResult ; sh:resultSeverity ?severity ; sh:focusNode ?focus . "
        "OPTIONAL { ?r sh:resultPath ?path } OPTIONAL { ?r sh:resultMessage ?message } }"
    )
    return conforms, [(str(r.severity), str(r.focus), str(r.path), str(r.message)) for r in rows], text


def dataset_of(catalog: rdflib.Graph, graph_iri: str) -> URIRef:
    (node,) = catalog.subjects(DCTERMS.identifier, Literal(graph_iri))
    return node


def langs(graph: rdflib.Graph, node: URIRef, predicate: URIRef) -> set[str]:
    return {o.language for o in graph.objects(node, predicate)}


# --- validity -----------------------------------------------------------------------------------


def test_the_catalogue_validates_against_dcat_ap_3(catalog: rdflib.Graph) -> None:
    conforms, results, text = shacl_results(catalog, DCAT_AP)
    assert conforms and not [r for r in results if r[0].endswith("Violation")], text


def test_the_catalogue_follows_dcat_ap_de(catalog: rdflib.Graph) -> None:
    conforms, results, text = shacl_results(catalog, DCAT_AP_DE)
    assert conforms and results == [], text  # not even a warning: licences and levels from the DE vocabularies
    assert not list(catalog.subject_objects(DCATDE.politicalGeocodingURI))  # deprecated in DCAT-AP.de 3.0


def test_without_a_contact_email_the_contact_point_names_the_homepage(built_store: EmbeddedStore, project_root: Path, manifest: Manifest) -> None:
    graph = catalog_graph(built_store, Settings(home=project_root, store_path=built_store.path), manifest)
    (contact,) = set(graph.objects(DATASET, DCAT.contactPoint))
    assert graph.value(contact, VCARD.hasURL) == URIRef("https://w3id.org/smartregion/") and graph.value(contact, VCARD.hasEmail) is None
    conforms, _, text = shacl_results(graph, DCAT_AP)
    assert conforms, text


# --- what the catalogue says --------------------------------------------------------------------


def test_the_catalogue_itself(catalog: rdflib.Graph, settings: Settings) -> None:
    node = URIRef(CATALOG)
    assert (node, RDF.type, DCAT.Catalog) in catalog
    assert langs(catalog, node, DCTERMS.title) == langs(catalog, node, DCTERMS.description) == {"de", "en"}
    publisher = catalog.value(node, DCTERMS.publisher)
    assert catalog.value(publisher, FOAF.name) == Literal("Smart-Region-Redaktion") and (publisher, RDF.type, FOAF.Agent) in catalog
    assert catalog.value(node, FOAF.homepage) == URIRef(BASE_URL)
    assert catalog.value(node, DCAT.themeTaxonomy) == URIRef("http://publications.europa.eu/resource/authority/data-theme")
    assert URIRef("http://publications.europa.eu/resource/authority/language/DEU") in set(catalog.objects(node, DCTERMS.language))
    assert catalog.value(node, DCTERMS.license) == CC_BY
    assert catalog.value(node, DCTERMS.modified).datatype == XSD.dateTime


def test_one_dataset_per_named_graph_and_one_for_all(catalog: rdflib.Graph, built_store: EmbeddedStore) -> None:
    datasets = set(catalog.objects(URIRef(CATALOG), DCAT.dataset))
    assert DATASET in datasets
    parts = set(catalog.objects(DATASET, DCTERMS.hasPart))
    assert parts == datasets - {DATASET}
    assert sorted(str(catalog.value(d, DCTERMS.identifier)) for d in parts) == built_store.named_graphs()
    for dataset in datasets:
        assert langs(catalog, dataset, DCTERMS.title) == {"de", "en"}, dataset
        assert catalog.value(dataset, DCTERMS.publisher) is not None and catalog.value(dataset, DCTERMS.modified) is not None
        contact = catalog.value(dataset, DCAT.contactPoint)
        assert (contact, RDF.type, VCARD.Kind) in catalog and catalog.value(contact, VCARD.hasEmail) == URIRef("mailto:" + EMAIL)
        assert catalog.value(contact, VCARD.fn) == Literal("Smart-Region-Redaktion")
        assert all(str(t).startswith(THEME) for t in catalog.objects(dataset, DCAT.theme)) and catalog.value(dataset, DCAT.theme)


def test_source_datasets_describe_their_source(catalog: rdflib.Graph) -> None:
    dataset = dataset_of(catalog, SOURCE + "regionalkonferenz-bad-belzig-2024")
    assert "Dörfer, Daten, Daseinsvorsorge" in str(catalog.value(dataset, DCTERMS.title))
    ontology = dataset_of(catalog, "https://w3id.org/smartregion/ontology")
    assert catalog.value(ontology, DCAT.landingPage) == URIRef(BASE_URL + "ontology")
    assert catalog.value(dataset, DCTERMS.issued) == Literal("2024-08-07", datatype=XSD.date)  # as the source states
    assert catalog.value(dataset, DCAT.landingPage) == URIRef(BASE_URL + "source/regionalkonferenz-bad-belzig-2024")
    sccon = dataset_of(catalog, SOURCE + "sccon21-smart-country-brandenburg")
    assert "Wirtschaftsförderung Brandenburg" in str(catalog.value(sccon, DCTERMS.description))  # its publisher


def test_licences_come_from_the_dcat_ap_de_vocabulary(catalog: rdflib.Graph, built_store: EmbeddedStore) -> None:
    destatis = dataset_of(catalog, SOURCE + "destatis-gv100ad-2023")
    assert catalog.value(destatis, DCTERMS.license) == DL_BY_DE
    stated = {r["g"]: r["licence"] for r in built_store.select(f"SELECT ?g ?licence WHERE {{ GRAPH ?g {{ ?g <{DCTERMS.license}> ?licence }} }}")}
    for graph in built_store.named_graphs():
        # What the graph states, in the DCAT-AP.de vocabulary; our own data (no licence stated) is CC BY 4.0.
        expected = {"https://www.govdata.de/dl-de/by-2-0": DL_BY_DE}.get(stated.get(graph, ""), CC_BY)
        assert catalog.value(dataset_of(catalog, graph), DCTERMS.license) == expected, graph
    for distribution in catalog.subjects(RDF.type, DCAT.Distribution):
        assert catalog.value(distribution, DCTERMS.license) in (CC_BY, DL_BY_DE), distribution
    # The whole graph is CC BY 4.0 and carries the attributions that dl-de/by-2-0 and GeoNames' CC BY 4.0 require.
    rights = catalog.value(DATASET, DCTERMS.rights)
    assert "Statistisches Bundesamt (Destatis)" in str(catalog.value(rights, rdflib.RDFS.label))
    assert "GeoNames (www.geonames.org), Orte ab 500 Einwohnern (cities500), CC BY 4.0" in str(catalog.value(rights, rdflib.RDFS.label))


def test_the_positions_of_places_are_a_dataset_of_their_own(catalog: rdflib.Graph) -> None:
    places = dataset_of(catalog, SOURCE + "geonames-cities500")
    assert catalog.value(places, DCTERMS.license) == CC_BY
    assert "Lage der Gemeinden nach GeoNames" in str(catalog.value(places, DCTERMS.title))
    assert "(GeoNames)" in str(catalog.value(places, DCTERMS.description))  # its publisher
    assert catalog.value(places, DCAT.landingPage) == URIRef(BASE_URL + "source/geonames-cities500")


@pytest.mark.parametrize(
    ("stated", "expected"),
    [("https://www.govdata.de/dl-de/by-2-0", str(DL_BY_DE)), ("https://creativecommons.org/licenses/by/4.0/", str(CC_BY)),
     ("http://creativecommons.org/licenses/by/4.0", str(CC_BY)), (str(DL_BY_DE), str(DL_BY_DE)),
     ("https://example.org/own-licence", "https://example.org/own-licence")],
)
def test_stated_licences_map_to_the_vocabulary(stated: str, expected: str) -> None:
    assert dcat_ap_de_licence(stated) == expected


def test_spatial_coverage_is_derived_from_the_data(catalog: rdflib.Graph, built_store: EmbeddedStore) -> None:
    destatis = SOURCE + "destatis-gv100ad-2023"
    expected = {
        URIRef(r["geo"])
        for r in built_store.select(
            f"SELECT ?geo WHERE {{ GRAPH <{destatis}> {{ ?state a <{SR}State> ; <{SKOS.exactMatch}> ?geo }} FILTER(CONTAINS(STR(?geo), 'stateKey')) }}"
        )
    }
    assert len(expected) >= 5
    assert set(catalog.objects(dataset_of(catalog, destatis), DCTERMS.spatial)) == expected
    sccon = dataset_of(catalog, SOURCE + "sccon21-smart-country-brandenburg")
    assert URIRef(GEO + "stateKey/12") in set(catalog.objects(sccon, DCTERMS.spatial))  # Brandenburg
    assert catalog.value(sccon, DCATDE.politicalGeocodingLevelURI) == URIRef(GEO + "Level/state")
    assert (URIRef(GEO + "stateKey/12"), RDF.type, DCTERMS.Location) in catalog
    assert catalog.value(URIRef(GEO + "stateKey/12"), SKOS.prefLabel) == Literal("Brandenburg", lang="de")
    assert catalog.value(DATASET, DCATDE.politicalGeocodingLevelURI) == URIRef(GEO + "Level/federal")
    assert expected | {URIRef("http://publications.europa.eu/resource/authority/country/DEU")} <= set(catalog.objects(DATASET, DCTERMS.spatial))
    assert catalog.value(dataset_of(catalog, "https://w3id.org/smartregion/ontology"), DCTERMS.spatial) is None


def period(catalog: rdflib.Graph, dataset: URIRef) -> tuple[str, str] | None:
    time = catalog.value(dataset, DCTERMS.temporal)
    if time is None:
        return None
    assert (time, RDF.type, DCTERMS.PeriodOfTime) in catalog
    return str(catalog.value(time, DCAT.startDate)), str(catalog.value(time, DCAT.endDate))


def test_temporal_coverage_spans_the_dates_in_each_graph(catalog: rdflib.Graph) -> None:
    # The DVAG graph dates one online event, 2 March 2022, 17:00–18:30.
    assert period(catalog, dataset_of(catalog, SOURCE + "dvag-ak-wirtschaftsfoerderung-2022")) == ("2022-03-02", "2022-03-02")
    # The workshops: 2 December 2020 to 3 April 2021 (a date-only end).
    assert period(catalog, dataset_of(catalog, SOURCE + "stadt-land-digital-workshops-2020-2021")) == ("2020-12-02", "2021-04-03")
    assert period(catalog, dataset_of(catalog, SOURCE + "destatis-gv100ad-2023")) is None  # reference data has no dated events
    whole = period(catalog, DATASET)
    assert whole is not None and whole[0] <= "2020-12-02" and whole[1] >= "2022-03-02"


def test_years_and_months_cover_their_whole_span(tmp_path: Path, project_root: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    event = rdflib.Graph()
    thing = URIRef("https://example.org/event")
    event.add((thing, URIRef("https://schema.org/startDate"), Literal("2020", datatype=XSD.gYear)))
    event.add((thing, URIRef("https://schema.org/endDate"), Literal("2024-02", datatype=XSD.gYearMonth)))
    store.replace_all({"https://example.org/graph/events": event})
    graph = catalog_graph(store, Settings(home=project_root, store_path=store.path), write_dumps(store, tmp_path / "dumps"))
    assert period(graph, dataset_of(graph, "https://example.org/graph/events")) == ("2020-01-01", "2024-02-29")


def test_each_dump_is_a_distribution_with_size_and_checksum(catalog: rdflib.Graph, manifest: Manifest) -> None:
    distributions = set(catalog.objects(DATASET, DCAT.distribution))
    for fmt in FORMATS:
        url = URIRef(BASE_URL + "dumps/" + fmt.name)
        (node,) = catalog.subjects(DCAT.downloadURL, url)
        assert node in distributions and catalog.value(node, DCAT.accessURL) == url
        assert catalog.value(node, DCTERMS.format) == URIRef("http://publications.europa.eu/resource/authority/file-type/" + fmt.file_type)
        assert catalog.value(node, DCAT.mediaType) == URIRef("http://www.iana.org/assignments/media-types/" + fmt.media_type)
        assert catalog.value(node, DCAT.compressFormat) == URIRef("http://www.iana.org/assignments/media-types/application/gzip")
        size = catalog.value(node, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger and int(size) == manifest.files[fmt.name].bytes
        checksum = catalog.value(node, SPDX.checksum)
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = catalog.value(checksum, SPDX.checksumValue)
        assert value.datatype == XSD.hexBinary
        assert str(value) == hashlib.sha256(manifest.path(fmt.name).read_bytes()).hexdigest()


def test_the_sparql_endpoint_is_a_data_service(catalog: rdflib.Graph) -> None:
    (service,) = catalog.subjects(RDF.type, DCAT.DataService)
    assert (URIRef(CATALOG), DCAT.service, service) in catalog
    assert catalog.value(service, DCAT.endpointURL) == URIRef(BASE_URL + "sparql")
    assert catalog.value(service, DCAT.endpointDescription) == URIRef(BASE_URL + "sparql")
    assert catalog.value(service, DCTERMS.conformsTo) == URIRef("https://www.w3.org/TR/sparql11-protocol/")
    served = set(catalog.objects(service, DCAT.servesDataset))
    assert served == set(catalog.objects(URIRef(CATALOG), DCAT.dataset))
    for dataset in served:  # every dataset can be queried through the service
        accesses = {catalog.value(d, DCAT.accessService) for d in catalog.objects(dataset, DCAT.distribution)}
        assert service in accesses, dataset


# --- formats and caching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type", "syntax"),
    [("application/ld+json", "application/ld+json", "json-ld"), ("application/rdf+xml", "application/rdf+xml", "xml"),
     ("application/n-triples", "application/n-triples", "nt"), ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json", "json-ld")],
)
def test_formats_by_accept(client: TestClient, catalog: rdflib.Graph, accept: str, media_type: str, syntax: str) -> None:
    response = client.get("/catalog", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"].startswith("Accept")
    assert len(rdflib.Graph().parse(data=response.content, format=syntax)) == len(catalog)


@pytest.mark.parametrize(("suffix", "media_type"), [("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml"), ("nt", "application/n-triples")])
def test_formats_by_suffix(client: TestClient, suffix: str, media_type: str) -> None:
    for path in ("/catalog.", "/.well-known/void."):
        response = client.get(path + suffix)
        assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == media_type


def test_unavailable_formats_are_406(client: TestClient) -> None:
    # text/html is offered too: browsers get the catalogue as a page (web/catalog_page.py)
    for response in (client.get("/catalog", headers={"Accept": "application/pdf"}), client.get("/catalog.xlsx"),
                     client.get("/.well-known/void?format=csv")):
        assert response.status_code == 406 and "text/turtle" in response.json()["offered"]


def test_the_catalogue_answers_conditional_gets(client: TestClient) -> None:
    first = client.get("/catalog")
    assert client.get("/catalog", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert client.get("/catalog", headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304
    other = client.get("/catalog.jsonld")
    assert other.headers["etag"] != first.headers["etag"]  # each representation has its own tag
    assert client.get("/catalog", headers={"If-None-Match": other.headers["etag"]}).status_code == 200


# --- VoID ---------------------------------------------------------------------------------------


def number(graph: rdflib.Graph, node: URIRef, predicate: URIRef) -> int:
    return int(graph.value(node, predicate))


def test_void_counts_match_the_store(void: rdflib.Graph, built_store: EmbeddedStore) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in void
    # The dataset counts distinct triples, its subsets (the sources) their statements: a triple two sources state
    # counts once for the dataset and once in each subset, and the description says which is which.
    assert number(void, DATASET, VOID.triples) == built_store.distinct_triple_count() < built_store.triple_count()
    assert "distinct triples" in str(void.value(DATASET, DCTERMS.description))
    subsets = {str(void.value(s, SD.name)): number(void, s, VOID.triples) for s in void.objects(DATASET, VOID.subset) if (s, RDF.type, VOID.Dataset) in void}
    assert subsets == graph_counts(built_store)
    assert sum(subsets.values()) == built_store.triple_count()
    entities = built_store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), 'https://w3id.org/smartregion/id/')) }"
    )
    assert number(void, DATASET, VOID.entities) == int(entities[0]["n"]) > 100
    assert number(void, DATASET, VOID.distinctSubjects) == int(built_store.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
    assert void.value(DATASET, VOID.uriSpace) == Literal("https://w3id.org/smartregion/id/")


def test_void_class_partitions(void: rdflib.Graph, built_store: EmbeddedStore) -> None:
    partitions = {void.value(p, VOID["class"]): number(void, p, VOID.entities) for p in void.objects(DATASET, VOID.classPartition)}
    states = built_store.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{SR}State> }}")
    assert partitions[URIRef(SR + "State")] == int(states[0]["n"]) >= 5
    assert number(void, DATASET, VOID.classes) == len(partitions)


def test_void_links_out(void: rdflib.Graph, built_store: EmbeddedStore) -> None:
    linksets = {void.value(s, VOID.linkPredicate): s for s in void.subjects(RDF.type, VOID.Linkset)}
    wikidata = built_store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{OWL.sameAs}> ?o }} FILTER(STRSTARTS(STR(?o), 'http://www.wikidata.org/entity/')) }}"
    )
    geocoding = built_store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{SKOS.exactMatch}> ?o }} FILTER(STRSTARTS(STR(?o), '{GEO}')) }}")
    assert number(void, linksets[OWL.sameAs], VOID.triples) == int(wikidata[0]["n"]) > 0
    assert number(void, linksets[SKOS.exactMatch], VOID.triples) == int(geocoding[0]["n"]) > 0
    target = void.value(linksets[SKOS.exactMatch], VOID.objectsTarget)
    assert void.value(target, VOID.uriSpace) == Literal(GEO)
    assert all(void.value(s, VOID.subjectsTarget) == DATASET for s in linksets.values())


def test_void_names_endpoint_dumps_and_vocabularies(void: rdflib.Graph) -> None:
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE_URL + "sparql")
    assert set(void.objects(DATASET, VOID.dataDump)) == {URIRef(BASE_URL + "dumps/" + f.name) for f in FORMATS}
    vocabularies = set(void.objects(DATASET, VOID.vocabulary))
    assert {URIRef(SR), URIRef("https://schema.org/"), URIRef("http://www.w3.org/ns/org#"), URIRef("http://purl.org/dc/terms/")} <= vocabularies


def test_an_unreachable_store_gives_503(project_root: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(home=project_root, store_path=tmp_path / "store", backend="remote", endpoint=f"http://127.0.0.1:{port}/query")
    client = TestClient(create_app(settings))
    for path in ("/catalog", "/.well-known/void", "/dumps", "/dumps/smartregion.nq.gz"):
        response = client.get(path)
        assert response.status_code == 503 and "cannot query the remote store" in response.json()["detail"], path
