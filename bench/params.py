"""Parameters for every catalogue question that hit generated entities.

The values are picked from the loaded data itself (by SPARQL on the baseline's store, before any
server runs), a seeded sample of the entities each question is about: a typical lookup, not only
the hubs. Questions are split into lookups (about one entity, small answers: the interactive load)
and analyses (over the whole graph).
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox

PREFIXES = """
PREFIX sr: <https://w3id.org/smartregion/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
ID = "https://w3id.org/smartregion/id/"

# question → (parameter → SPARQL giving candidate values in ?v)
LOOKUPS: dict[str, dict[str, str]] = {
    "partners_of_actor": {"actor": "SELECT DISTINCT ?v WHERE { ?c a sr:Cooperation ; sr:partner ?v }"},
    "members_of_project": {"project": "SELECT DISTINCT ?v WHERE { ?v sr:coordinator ?c }"},
    "roles_of_person": {"person": "SELECT DISTINCT ?v WHERE { ?m org:member ?v }"},
    "persons_of_organisation": {"org": f"SELECT DISTINCT ?v WHERE {{ ?m org:organization ?v FILTER(STRSTARTS(STR(?v), '{ID}organisation/')) }}"},
    "events_by_organiser": {"org": "SELECT DISTINCT ?v WHERE { ?e schema:organizer ?v }"},
    "sessions_of_conference": {"event": "SELECT ?v WHERE { ?v a sr:Conference }"},
    "municipalities_in_area": {"area": "SELECT ?v WHERE { ?v a sr:District }"},
    "statements_about_entity": {"entity": "SELECT ?v WHERE { ?v a sr:Company }"},
    "sources_about_entity": {"entity": "SELECT ?v WHERE { ?v a sr:Association }"},
    "entity_by_label": {"label": "SELECT ?v WHERE { ?o a sr:Company ; rdfs:label ?v }"},
    "programme_municipalities": {"programme": "SELECT DISTINCT ?v WHERE { ?v a sr:FundingProgramme }"},
    "parents_and_subsidiaries": {"org": "SELECT DISTINCT ?v WHERE { ?c org:unitOf|sr:subsidiaryOf|schema:parentOrganization ?v }"},
}
ANALYSES: dict[str, dict[str, str]] = {
    "search_by_name": {"text": "SELECT ?v WHERE { ?m a sr:Municipality ; rdfs:label ?v }"},
    "events_in_period": {},
    "cooperations_by_kind": {"kind": f"SELECT ?v WHERE {{ ?v skos:inScheme <{ID}scheme/cooperation-kinds> }}"},
    "topics_and_actors": {"topic": f"SELECT ?v WHERE {{ ?v skos:inScheme <{ID}scheme/topics> }}"},
    "funding_by_programme_and_state": {"programme": "SELECT DISTINCT ?v WHERE { ?v a sr:FundingProgramme }"},
    "organisations_by_state_and_kind": {"state": "SELECT ?v WHERE { ?v a sr:State }"},
    "founding_dates_and_founders": {},
    "actors_bridging_states": {},
    "counts_per_class": {},
    "source_documents": {},
    "doubtful_statements": {},
}
SAMPLES = 20  # parameter sets per question


def pick(store_path: Path, seed: int) -> dict[str, list[dict[str, str]]]:
    """question → parameter sets (each a dict; empty for questions without parameters)."""
    store = ox.Store.read_only(str(store_path))
    rng = random.Random(seed)
    chosen: dict[str, list[dict[str, str]]] = {}
    for question, parameters in {**LOOKUPS, **ANALYSES}.items():
        columns = {}
        for name, query in parameters.items():
            values = sorted(solution["v"].value for solution in store.query(PREFIXES + query, use_default_graph_as_union=True))
            if not values:
                raise RuntimeError(f"no value for {question}'s parameter {name}: is the generated data loaded?")
            columns[name] = [rng.choice(values) for _ in range(SAMPLES)]
        if question == "search_by_name":
            columns["text"] = [value.split()[0][:6].lower() for value in columns["text"]]  # part of a town's name
        chosen[question] = [{name: values[i] for name, values in columns.items()} for i in range(SAMPLES)]
    chosen["events_in_period"] = [_month(rng) for _ in range(SAMPLES)]
    chosen["founding_dates_and_founders"] = [{"fromYear": str(rng.randint(2015, 2023))} for _ in range(SAMPLES)]
    states = sorted(solution["v"].value for solution in store.query(PREFIXES + "SELECT ?v WHERE { ?v a sr:State }",
                                                                    use_default_graph_as_union=True))
    chosen["actors_bridging_states"] = [dict(zip(("stateA", "stateB"), rng.sample(states, 2))) for _ in range(SAMPLES)]
    chosen["doubtful_statements"] = [{"below": "0.75"}] * SAMPLES
    return chosen


def _month(rng: random.Random) -> dict[str, str]:
    year, month = rng.randint(2015, 2025), rng.randint(1, 12)
    return {"since": f"{year}-{month:02d}-01", "until": f"{year}-{month:02d}-28"}


def actors(store_path: Path, seed: int, count: int) -> list[str]:
    """Organisations that have links in the network: partners of projects, cooperations or events."""
    store = ox.Store.read_only(str(store_path))
    query = PREFIXES + ("SELECT DISTINCT ?v WHERE { ?x sr:partner|sr:coordinator|schema:organizer ?v "
                        f"FILTER(STRSTARTS(STR(?v), '{ID}organisation/')) }}")
    values = sorted(solution["v"].value for solution in store.query(query, use_default_graph_as_union=True))
    return random.Random(seed).sample(values, min(count, len(values)))
