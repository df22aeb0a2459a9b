"""One writer at a time, checks inside the lock (issue 12, point 5): real races against a real uvicorn
server and the real CLI in other processes, on a small project of its own so that every scenario can end
with a real build. After each race every 2xx answer holds, nothing is lost silently, an erased person is
gone from every graph, every revision folder and every dump, and a later build succeeds.

A build parses and validates without the lock and loads under it. To make writes land while a build
waits, a test holds the store's lock itself (the lock file, as another process would) until the build
says it is waiting; what the test writes meanwhile must be carried over by the switch.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from live import serving
from smartregion.build import build
from smartregion.contribute.erasure import forget
from smartregion.publish.dumps import current_dumps, dumps_folder
from smartregion.settings import Settings
from smartregion.store import EmbeddedStore
from smartregion.store.writelock import WriteLock

TOKEN = "race-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ID = "https://w3id.org/smartregion/id/"
SR = "https://w3id.org/smartregion/ontology#"
PERSONS = [ID + f"person/{name}" for name in ("anna-alt", "ben-berg", "carla-clausen", "dora-dahl")]
ACME = ID + "organisation/acme"
WAITING = "waiting for the store's write lock"
# Another process that holds a lock file until it is killed, as a writer busy for a long time would.
HOLD_THE_LOCK = "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)"

TINY = """
@prefix sr: <https://w3id.org/smartregion/ontology#> .
@prefix src: <https://w3id.org/smartregion/source/> .
@prefix organisation: <https://w3id.org/smartregion/id/organisation/> .
@prefix person: <https://w3id.org/smartregion/id/person/> .
@prefix membership: <https://w3id.org/smartregion/id/membership/> .
@prefix dockind: <https://w3id.org/smartregion/id/document-kind/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

src:races {
    src:races a sr:SourceDocument ;
        dcterms:title "Eine kleine Quelle für Schreibrennen"@de ;
        dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> ;
        dcterms:type dockind:project-report .
    organisation:acme a sr:Company ; rdfs:label "Acme GmbH"@de ; dcterms:source src:races .
""" + "".join(
    f"""
    person:{name} a sr:Person ; rdfs:label "{name.replace("-", " ").title()}"@de ; dcterms:source src:races .
    membership:{name}-acme a org:Membership ; org:member person:{name} ; org:organization organisation:acme ;
        dcterms:source src:races .
"""
    for name in ("anna-alt", "ben-berg", "carla-clausen", "dora-dahl")
) + "}\n"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A project of its own: the real ontology, shapes and queries, and one small graph file."""
    repo = Settings.from_env().home
    home = tmp_path / "home"
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(repo / folder, home / folder)
    (home / "graph").mkdir()
    (home / "graph" / "races.trig").write_text(TINY, encoding="utf-8")
    return home


@pytest.fixture
def settings(home: Path, tmp_path: Path) -> Settings:
    settings = Settings(home=home, store_path=tmp_path / "store", write_token=TOKEN)
    build(settings, progress=False)
    return settings


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with serving(settings) as base:
        yield base


def cli(settings: Settings, *args: str) -> subprocess.Popen:
    """The real ``smartregion`` command in a process of its own, on the test's project and store."""
    env = {**os.environ, "SMARTREGION_HOME": str(settings.home), "SMARTREGION_STORE": str(settings.store_path),
           **({"SMARTREGION_STORE_PASSWORD": settings.store_password} if settings.store_password else {})}
    return subprocess.Popen(
        [sys.executable, "-m", "smartregion", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_line(stream, needle: str, seen: list[str], limit: float = 300) -> None:
    """Read ``stream`` (a process's stderr) until a line contains ``needle``."""
    deadline = time.monotonic() + limit
    for line in stream:
        seen.append(line)
        if needle in line:
            return
        assert time.monotonic() < deadline, f"no {needle!r} within {limit} s: {''.join(seen)}"
    pytest.fail(f"the process ended without {needle!r}: {''.join(seen)}")


def finish(process: subprocess.Popen, seen: list[str]) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, "".join(seen) + err + out
    return "".join(seen) + err + out


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls in threads released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[httpx.Response | BaseException] = [None] * len(calls)  # type: ignore[list-item]

    def run(i: int) -> None:
        barrier.wait()
        try:
            answers[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported below
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    for answer in answers:
        assert isinstance(answer, httpx.Response), answer
    return answers  # type: ignore[return-value]


def erase(base: str, iri: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(base + "/api/forget", json={"iri": iri, "reason": "race"}, headers=AUTH, timeout=300)


def contribute(base: str, turtle: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(
        base + "/api/contributions", content=turtle.encode(), headers={**AUTH, "Content-Type": "text/turtle"}, timeout=300
    )


def company(slug: str, extra: str = "") -> str:
    return f"""@prefix sr: <{SR}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ID}organisation/{slug}> a sr:Company ; rdfs:label "{slug.title()} AG"@de {extra} ."""


def mentions(store: EmbeddedStore | ox.Store, iri: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }} }}"
    if isinstance(store, EmbeddedStore):
        return int(store.select(query)[0]["n"])
    return int(next(iter(store.query(query)))["n"].value)


def assert_gone(settings: Settings, iri: str) -> None:
    """Not in the live revision, not in any revision folder on disk, not in any dump."""
    store = EmbeddedStore(settings.store_path)
    assert mentions(store, iri) == 0
    for folder in sorted(settings.store_path.glob("rev-*")):
        old = ox.Store.read_only(str(folder))
        assert mentions(old, iri) == 0, f"{folder.name} still holds <{iri}>"
        del old
    current_dumps(store, dumps_folder(settings))  # what a harvester gets now; other dumps still on disk are checked too
    dumps = sorted(dumps_folder(settings).rglob("*.gz"))
    for path in dumps:
        assert iri not in gzip.decompress(path.read_bytes()).decode("utf-8"), f"{path} still holds <{iri}>"


def graphs(base: str) -> set[str]:
    return {c["graph"] for c in httpx.get(base + "/api/contributions", timeout=30).json()}


# --- races between requests ---------------------------------------------------------------------------


def test_concurrent_erasures_all_hold(settings: Settings, server: str) -> None:
    """Three erasures through the server and one by the CLI in another process, all at once: every one answers
    success, and all four persons are gone, also after a rebuild (two at once used to bring one back)."""
    command = cli(settings, "forget", PERSONS[3], "--agent", "cli")
    answers = at_once(*(erase(server, iri) for iri in PERSONS[:3]))
    out, err = command.communicate(timeout=300)
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert command.returncode == 0 and "erased" in out, err
    assert all(a.json()["nodes"] == 2 for a in answers)  # the person and their membership
    store = EmbeddedStore(settings.store_path)
    records = store.select("SELECT ?e WHERE { GRAPH <https://w3id.org/smartregion/graph/erasures> { ?e a <http://www.w3.org/ns/prov#Activity> } }")
    assert len(records) == 4
    result = build(settings, progress=False)
    assert result.erased == 4
    for iri in PERSONS:
        assert_gone(settings, iri)
    assert store.ask(f"ASK {{ <{ACME}> a <{SR}Company> }}")


def test_erasure_racing_a_contribution_that_names_the_person(settings: Settings, server: str) -> None:
    """Whichever goes first, no statement about the erased person is left: the contribution is refused after
    the erasure, or written before it and then cleaned by it."""
    outcomes = set()
    for person in PERSONS[:3]:
        about = f'<{person}> <https://schema.org/jobTitle> "Leitung"@de .'
        erased, added = at_once(erase(server, person), contribute(server, about))
        assert erased.status_code == 200, erased.text
        assert added.status_code in (201, 422), added.text
        if added.status_code == 422:
            assert "was erased" in added.text
        else:
            graph = added.json()["graph"]
            assert graph in graphs(server)  # the 201 holds: the contribution is there, without the person
        outcomes.add(added.status_code)
        assert_gone(settings, person)
    build(settings, progress=False)
    for person in PERSONS[:3]:
        assert_gone(settings, person)


def test_removal_racing_a_contribution_that_refers_to_it(settings: Settings, server: str) -> None:
    """Removing a contribution while another one comes in that refers to what only it defines: one of the two
    is refused, the other holds, and no reference is left dangling (a later build succeeds)."""
    for round_ in range(3):
        first = contribute(server, company(f"basis{round_}"))()
        assert first.status_code == 201, first.text
        first_id = first.json()["id"]
        referring = company(f"tochter{round_}", f"; <https://schema.org/parentOrganization> <{ID}organisation/basis{round_}>")
        removed, added = at_once(
            lambda first_id=first_id: httpx.delete(f"{server}/api/contributions/{first_id}", headers=AUTH, timeout=300),
            contribute(server, referring),
        )
        assert sorted([removed.status_code, added.status_code]) in ([201, 409], [204, 422]), (removed.text, added.text)
        if removed.status_code == 409:
            # The refusal names the contribution that refers to it.
            assert added.json()["graph"] in removed.text and "remove" in removed.json()["problems"][0]["fix"]
            assert first.json()["graph"] in graphs(server)
        else:
            assert "unknown reference" in added.text
            assert first.json()["graph"] not in graphs(server)
    result = build(settings, progress=False)  # used to fail on every build after a dangling reference
    assert result.summary.triples > 0


# --- writes while a build runs ------------------------------------------------------------------------


def test_an_erasure_while_the_build_waits_is_carried_over(settings: Settings) -> None:
    """The build has read what to keep and waits for the lock; an erasure lands meanwhile (the test holds the
    lock, as another process would, and erases under it): the build notices, validates again, and switches
    to a revision without the person."""
    lock = WriteLock(settings.store_path / "LOCK")
    with lock.hold("test"):
        command = cli(settings, "build", "--quiet")
        seen: list[str] = []
        wait_for_line(command.stderr, WAITING, seen)
        assert "pid" in "".join(seen) and "(test)" in "".join(seen)  # it says who it waits for
        forget(EmbeddedStore(settings.store_path), PERSONS[0], agent="test", dumps_folder=dumps_folder(settings))
    output = finish(command, seen)
    assert "validating again" in output
    assert_gone(settings, PERSONS[0])
    assert mentions(EmbeddedStore(settings.store_path), PERSONS[1]) > 0


def test_requests_during_a_build_hold(settings: Settings, server: str) -> None:
    """An erasure and a contribution sent to the server while a build (another process) is about to switch:
    both answer success, and both hold after the switch, whichever got the lock first."""
    lock = WriteLock(settings.store_path / "LOCK")
    answers: list[httpx.Response] = []
    with lock.hold("test"):
        command = cli(settings, "build", "--quiet")
        seen: list[str] = []
        wait_for_line(command.stderr, WAITING, seen)
        # Both wait behind the test's hold, as the build does; then all three race for the lock.
        threads = [
            threading.Thread(target=lambda call=call: answers.append(call()))
            for call in (erase(server, PERSONS[1]), contribute(server, company("waehrend")))
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
    for thread in threads:
        thread.join(300)
    finish(command, seen)
    by_path = {a.request.url.path: a for a in answers}
    assert by_path["/api/forget"].status_code == 200, by_path["/api/forget"].text
    added = by_path["/api/contributions"]
    assert added.status_code == 201, added.text
    assert added.json()["graph"] in graphs(server)
    store = EmbeddedStore(settings.store_path)
    assert store.ask(f'ASK {{ <{ID}organisation/waehrend> a <{SR}Company> }}')
    assert_gone(settings, PERSONS[1])
    build(settings, progress=False)
    assert_gone(settings, PERSONS[1])
    assert store.ask(f'ASK {{ <{ID}organisation/waehrend> a <{SR}Company> }}')


def test_a_write_that_cannot_get_the_lock_in_time_changes_nothing(settings: Settings, server: str, monkeypatch) -> None:
    """A write request waits for the lock at most WRITE_WAIT seconds, then gets 503 with Retry-After and
    changes nothing; it never answers success for a write that did not happen."""
    from smartregion.web import contributions as contributions_api

    monkeypatch.setattr(contributions_api, "WRITE_WAIT", 0.5)
    store = EmbeddedStore(settings.store_path)
    before = store.revision()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(settings.store_path / "LOCK")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        erased = erase(server, PERSONS[2])()
        added = contribute(server, company("spaet"))()
    finally:
        holder.kill()
        holder.wait()
    for answer in (erased, added):
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "30"
        assert "busy with another write" in answer.json()["detail"]
    assert store.revision() == before
    assert mentions(store, PERSONS[2]) > 0


def test_a_remote_build_waits_for_the_lock_and_carries_an_erasure_over(home: Path, tmp_path: Path, fresh_server) -> None:
    """The remote backend: writers that share the project's lock file (next to the dumps) take turns too; an
    erasure made while `smartregion build --backend remote` waits to load stays made."""
    from smartregion.store import open_store

    remote = fresh_server.remote_settings(Settings(home=home, store_path=tmp_path / "store", write_token=TOKEN))
    build(remote, progress=False)
    store = open_store(remote)
    assert mentions_remote(store, PERSONS[0]) > 0
    lock = WriteLock(remote.store_path.parent / "remote-write.lock")
    assert store.write_lock().path == lock.path
    with lock.hold("test"):
        command = cli(remote, "build", "--quiet", "--backend", "remote", "--endpoint", fresh_server.query,
                      "--gsp", fresh_server.gsp, "--update-endpoint", fresh_server.update,
                      "--remote-flavour", fresh_server.flavour, *(("--store-user", fresh_server.user) if fresh_server.user else ()))
        seen: list[str] = []
        wait_for_line(command.stderr, WAITING, seen)
        forget(store, PERSONS[0], agent="test", dumps_folder=dumps_folder(remote))
    assert "validating again" in finish(command, seen)
    assert mentions_remote(store, PERSONS[0]) == 0
    assert mentions_remote(store, PERSONS[1]) > 0


def mentions_remote(store, iri: str) -> int:
    return int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }} }}")[0]["n"])


def test_an_import_matches_and_checks_under_the_lock(settings: Settings, tmp_path: Path) -> None:
    """`smartregion import` waits for the lock before it matches its rows: a person erased while it waits is not
    matched and not brought back (the row would make the erased IRI again), and nothing is written."""
    rows = tmp_path / "persons.csv"
    rows.write_text("name,title\nAnna Alt,Dr.\n", encoding="utf-8")
    store = EmbeddedStore(settings.store_path)
    with WriteLock(settings.store_path / "LOCK").hold("test"):
        command = cli(settings, "import", str(rows), "--kind", "persons", "--agent", "race")
        seen: list[str] = []
        wait_for_line(command.stderr, WAITING, seen)
        forget(store, PERSONS[0], agent="test", dumps_folder=dumps_folder(settings))
        revision = store.revision()
    out, err = command.communicate(timeout=300)
    assert command.returncode == 1, out + err
    assert f"<{PERSONS[0]}> was erased on request" in err and "nothing was written" in err
    assert store.revision() == revision
    assert_gone(settings, PERSONS[0])
