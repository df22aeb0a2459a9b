"""Dumps: written by the build, one set per revision, complete, consistent with the store, rewritten
after a write, served with ETag/Last-Modified and 304 answers; on both backends."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from dumpcounts import distinct_triples, dump_counts, graph_counts
from fastapi.testclient import TestClient
from smartregion.cli import main as cli
from smartregion.publish.dumps import (
    FORMATS,
    MANIFEST,
    Manifest,
    current_dumps,
    dumps_folder,
    write_dumps,
)
from smartregion.settings import Settings
from smartregion.store import META_GRAPH, EmbeddedStore, RemoteStore, Store
from smartregion.web.app import create_app

EX = "https://example.org/"
RDF_SYNTAX = {"smartregion.trig.gz": "trig", "smartregion.nq.gz": "nquads", "smartregion.ttl.gz": "turtle", "smartregion.jsonld.gz": "json-ld"}


def _graph(*names: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in names:
        graph.add((rdflib.URIRef(EX + name), rdflib.RDFS.label, rdflib.Literal(name, lang="de")))
    return graph


def parse_dump(path: Path) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress(path.read_bytes()), format=RDF_SYNTAX[path.name])
    return dataset


def dataset_counts(dataset: rdflib.Dataset) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in dataset.graphs() if len(g) and g.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID}


def check_dumps(manifest: Manifest, store: Store, *, with_rdflib: bool = False) -> None:
    """Every file parses, has the recorded size and checksum, and holds exactly what the store holds.

    ``with_rdflib``: read with rdflib, a reader the dumps' writer has nothing in common with (slow: once
    is enough), else with pyoxigraph."""
    assert manifest.statements == store.triple_count() > 1000
    assert manifest.graphs == graph_counts(store)
    assert manifest.triples == distinct_triples(store) < manifest.statements  # some facts are stated by two sources
    assert set(manifest.files) == {f.name for f in FORMATS}
    for name, file in manifest.files.items():
        path = manifest.path(name)
        assert file.bytes == path.stat().st_size and file.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        if with_rdflib:
            dataset = parse_dump(path)
            default, named = len(dataset.default_graph), dataset_counts(dataset)
        else:
            default, named = dump_counts(path.read_bytes(), name.split(".")[-2])
        if name == "smartregion.ttl.gz":  # the union: each distinct triple once, in the default graph
            assert default == file.statements == manifest.triples and not named
        else:
            assert named == manifest.graphs and default == 0, name
            assert file.statements == manifest.statements


def test_build_writes_the_dumps_of_the_new_revision(built_store: EmbeddedStore) -> None:
    folder = built_store.path.parent / "dumps"
    manifest = Manifest.read(folder / built_store.revision())
    assert manifest.revision == built_store.revision() and manifest.store == f"embedded:{built_store.path}"
    check_dumps(manifest, built_store, with_rdflib=True)


def test_dumps_of_the_remote_store_come_from_its_graphs(remote_store: RemoteStore, tmp_path: Path) -> None:
    manifest = write_dumps(remote_store, tmp_path)
    assert manifest.revision == remote_store.revision() and META_GRAPH not in manifest.graphs
    check_dumps(manifest, remote_store)


def test_the_same_revision_gives_the_same_bytes(built_store: EmbeddedStore, tmp_path: Path) -> None:
    again = write_dumps(built_store, tmp_path)
    first = Manifest.read(built_store.path.parent / "dumps" / built_store.revision())
    assert {n: f.sha256 for n, f in again.files.items()} == {n: f.sha256 for n, f in first.files.items()}


def test_the_trig_dump_keeps_every_statement_in_its_graph(built_store: EmbeddedStore) -> None:
    manifest = Manifest.read(built_store.path.parent / "dumps" / built_store.revision())
    source = ox.NamedNode("https://w3id.org/smartregion/source/destatis-gv100ad-2023")
    quads = list(ox.parse(gzip.decompress(manifest.path("smartregion.trig.gz").read_bytes()), format=ox.RdfFormat.TRIG))
    licences = [q.object.value for q in quads if q.subject == source and q.predicate.value == str(rdflib.DCTERMS.license)]
    assert licences == ["https://www.govdata.de/dl-de/by-2-0"]
    assert {q.graph_name for q in quads if q.subject == source} == {source}
    assert not any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)


@pytest.fixture
def small_store(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "store")
    store.replace_all({EX + "graph/a": _graph("a1", "a2"), EX + "graph/b": _graph("a1", "b1")})
    return store


def test_a_write_makes_new_dumps_and_old_ones_are_pruned(small_store: EmbeddedStore, tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    first = current_dumps(small_store, folder)
    assert first.graphs == {EX + "graph/a": 2, EX + "graph/b": 2} and first.statements == 4 and first.triples == 3
    assert current_dumps(small_store, folder) == first  # nothing changed: nothing is written

    small_store.replace_graphs({EX + "graph/c": _graph("c1")})
    second = current_dumps(small_store, folder)
    assert second.revision != first.revision and second.graphs[EX + "graph/c"] == 1 and second.statements == 5
    assert dataset_counts(parse_dump(second.path("smartregion.nq.gz"))) == second.graphs
    assert (folder / first.revision / MANIFEST).is_file()  # the previous set stays for running downloads

    small_store.drop_graphs([EX + "graph/c"])
    third = current_dumps(small_store, folder)
    assert third.statements == 4
    assert sorted(p.name for p in folder.iterdir() if (p / MANIFEST).is_file()) == sorted([second.revision, third.revision])


def test_stores_sharing_a_folder_keep_each_others_dumps(small_store: EmbeddedStore, tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    other = EmbeddedStore(tmp_path / "other")
    other.replace_all({EX + "graph/x": _graph("x")})
    theirs = write_dumps(other, folder)
    for name in ("d1", "d2", "d3"):
        small_store.replace_graphs({EX + "graph/d": _graph(name)})
        write_dumps(small_store, folder)
    assert (folder / theirs.revision / MANIFEST).is_file()


class WritesWhileDumping(EmbeddedStore):
    """A store that another writer changes while its first dump is being read."""

    interrupted = False

    def dump(self, fmt: str) -> bytes:
        data = super().dump(fmt)
        if not self.interrupted:
            self.interrupted = True
            self.replace_graphs({EX + "graph/late": _graph("late")})
        return data


def test_a_write_during_the_dump_is_not_mixed_into_an_older_revision(tmp_path: Path) -> None:
    store = WritesWhileDumping(tmp_path / "store")
    store.replace_all({EX + "graph/a": _graph("a1")})
    manifest = write_dumps(store, tmp_path / "dumps")
    assert store.interrupted and manifest.revision == store.revision()
    assert manifest.graphs == {EX + "graph/a": 1, EX + "graph/late": 1}


def test_the_dumps_command_writes_and_lists_them(small_store: EmbeddedStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["dumps", "--store", str(small_store.path)]) == 0
    out = capsys.readouterr().out
    manifest = Manifest.read(small_store.path.parent / "dumps" / small_store.revision())
    assert f"dumps of {manifest.revision}" in out and "4 statements in 2 graphs" in out
    assert all(f.sha256 in out for f in manifest.files.values())


# --- over HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def client(small_store: EmbeddedStore, project_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=project_root, store_path=small_store.path))) as test_client:
        yield test_client


def test_a_dump_is_served_with_validators(client: TestClient, small_store: EmbeddedStore) -> None:
    manifest = current_dumps(small_store, small_store.path.parent / "dumps")
    response = client.get("/dumps/smartregion.trig.gz")
    assert response.status_code == 200 and response.headers["content-type"] == "application/gzip"
    assert response.content == manifest.path("smartregion.trig.gz").read_bytes()
    assert response.headers["etag"] == f'"{manifest.files["smartregion.trig.gz"].sha256}"'
    assert response.headers["content-disposition"] == 'attachment; filename="smartregion.trig.gz"'
    assert rdflib.Dataset().parse(data=gzip.decompress(response.content), format="trig")
    head = client.head("/dumps/smartregion.trig.gz")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(response.content))


def test_conditional_gets_answer_304(client: TestClient) -> None:
    first = client.get("/dumps/smartregion.nq.gz")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"other", W/{etag}'}, {"If-None-Match": "*"}, {"If-Modified-Since": modified}):
        answer = client.get("/dumps/smartregion.nq.gz", headers=headers)
        assert answer.status_code == 304 and answer.content == b"" and answer.headers["etag"] == etag, headers
    assert client.head("/dumps/smartregion.nq.gz", headers={"If-None-Match": etag}).status_code == 304
    for headers in ({"If-None-Match": '"other"'}, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
                    {"If-None-Match": '"other"', "If-Modified-Since": modified}, {"If-Modified-Since": "not a date"}):
        answer = client.get("/dumps/smartregion.nq.gz", headers=headers)
        assert answer.status_code == 200 and answer.content == first.content, headers


def test_after_a_write_the_served_dump_changes(client: TestClient, small_store: EmbeddedStore) -> None:
    before = client.get("/dumps/smartregion.nq.gz")
    small_store.replace_graphs({EX + "graph/new": _graph("new")})
    after = client.get("/dumps/smartregion.nq.gz", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert f"<{EX}new>".encode() in gzip.decompress(after.content)


def test_the_dump_list_and_unknown_names(client: TestClient, small_store: EmbeddedStore) -> None:
    listing = client.get("/dumps").json()
    assert listing["revision"] == small_store.revision() and listing["statements"] == 4 and listing["distinct_triples"] == 3
    assert [f["name"] for f in listing["files"]] == [f.name for f in FORMATS]
    assert listing["files"][0]["url"] == "https://w3id.org/smartregion/dumps/smartregion.trig.gz"
    missing = client.get("/dumps/secrets.txt")
    assert missing.status_code == 404 and missing.json()["dumps"] == [f.name for f in FORMATS]
    assert client.get("/dumps/..%2Fstore%2FCURRENT").status_code == 404


def test_dumps_live_next_to_the_store(project_root: Path, tmp_path: Path) -> None:
    assert dumps_folder(Settings(home=project_root, store_path=tmp_path / "srv" / "store")) == tmp_path / "srv" / "dumps"
