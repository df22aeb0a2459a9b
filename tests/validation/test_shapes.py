"""SHACL shapes: the project graph conforms, every shape catches its own error, valid data passes.

Each invalid case is a small, otherwise valid graph (``BASE`` plus a snippet) with one error; the
test asserts the exact results (focus, path, constraint component, shape, severity) and that the
message comes in German and in English.
"""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass
from functools import cache

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, SH
from smartregion.validation import load_shapes, validate

SRSH = "https://w3id.org/smartregion/shapes#"
ID = "https://w3id.org/smartregion/id/"

PREFIXES = """
@prefix sr:           <https://w3id.org/smartregion/ontology#> .
@prefix src:          <https://w3id.org/smartregion/source/> .
@prefix person:       <https://w3id.org/smartregion/id/person/> .
@prefix organisation: <https://w3id.org/smartregion/id/organisation/> .
@prefix municipality: <https://w3id.org/smartregion/id/municipality/> .
@prefix district:     <https://w3id.org/smartregion/id/district/> .
@prefix state:        <https://w3id.org/smartregion/id/state/> .
@prefix country:      <https://w3id.org/smartregion/id/country/> .
@prefix region:       <https://w3id.org/smartregion/id/region/> .
@prefix place:        <https://w3id.org/smartregion/id/place/> .
@prefix programme:    <https://w3id.org/smartregion/id/programme/> .
@prefix cohort:       <https://w3id.org/smartregion/id/cohort/> .
@prefix project:      <https://w3id.org/smartregion/id/project/> .
@prefix event:        <https://w3id.org/smartregion/id/event/> .
@prefix membership:   <https://w3id.org/smartregion/id/membership/> .
@prefix cooperation:  <https://w3id.org/smartregion/id/cooperation/> .
@prefix topic:        <https://w3id.org/smartregion/id/topic/> .
@prefix scheme:       <https://w3id.org/smartregion/id/scheme/> .
@prefix coopkind:     <https://w3id.org/smartregion/id/cooperation-kind/> .
@prefix dockind:      <https://w3id.org/smartregion/id/document-kind/> .
@prefix role:         <https://w3id.org/smartregion/id/role/> .
@prefix observation:  <https://w3id.org/smartregion/id/observation/> .
@prefix org:          <http://www.w3.org/ns/org#> .
@prefix schema:       <https://schema.org/> .
@prefix dcterms:      <http://purl.org/dc/terms/> .
@prefix skos:         <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs:         <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:          <http://www.w3.org/2001/XMLSchema#> .
@prefix foaf:         <http://xmlns.com/foaf/0.1/> .
@prefix owl:          <http://www.w3.org/2002/07/owl#> .
"""

# A valid little world that the cases add to; it must validate without a single result.
BASE = """
src:doc a sr:SourceDocument ;
    dcterms:title "Testquelle"@de ;
    dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> ;
    dcterms:type dockind:event-report .
person:anna a sr:Person ; rdfs:label "Anna Beispiel"@de ; dcterms:source src:doc .
person:ben a sr:Person ; rdfs:label "Ben Beispiel"@de ; dcterms:source src:doc .
organisation:verein a sr:Association ; rdfs:label "Beispielverein"@de ; dcterms:source src:doc .
municipality:musterstadt a sr:Municipality ; rdfs:label "Musterstadt"@de ; sr:ags "12345678" ; dcterms:source src:doc .
programme:foerderung a sr:FundingProgramme ; rdfs:label "Beispielförderung"@de ; dcterms:source src:doc .
project:app a sr:App ; rdfs:label "Beispiel-App"@de ; dcterms:source src:doc .
event:konferenz a sr:Conference ; rdfs:label "Beispielkonferenz"@de ;
    schema:startDate "2024-09-05"^^xsd:date ; dcterms:source src:doc .
"""

V, W = "Violation", "Warning"


@dataclass(frozen=True)
class Expect:
    focus: str  # prefixed like the Turtle: "person:anna", or a full IRI
    path: str | None
    constraint: str  # local name in sh:
    shape: str  # local name in srsh:
    severity: str = V


@dataclass(frozen=True)
class Case:
    node_shape: str
    name: str
    turtle: str
    expected: tuple[Expect, ...]


def case(node_shape: str, name: str, turtle: str, *expected: Expect) -> Case:
    return Case(node_shape, name, turtle, expected)


INVALID = [
    # Every entity: source and type
    case("SourcedEntityShape", "no source", 'person:carla a sr:Person ; rdfs:label "Carla"@de .',
         Expect("person:carla", "dcterms:source", "MinCountConstraintComponent", "source-required")),
    case("SourcedEntityShape", "source is no document",
         'person:carla a sr:Person ; rdfs:label "Carla"@de ; dcterms:source src:unbekannt .',
         Expect("person:carla", "dcterms:source", "ClassConstraintComponent", "source-document")),
    case("SourcedEntityShape", "no type (misspelt IRI)",
         'organisation:vereim rdfs:label "Beispielverein"@de ; dcterms:source src:doc .',
         Expect("organisation:vereim", "rdf:type", "MinCountConstraintComponent", "type-required")),
    case("SourcedEntityShape", "an id node that is only described",
         'membership:lose rdfs:comment "ohne alles"@de .',
         Expect("membership:lose", "dcterms:source", "MinCountConstraintComponent", "source-required"),
         Expect("membership:lose", "rdf:type", "MinCountConstraintComponent", "type-required")),
    # Labels
    case("LabelShape", "label without language", 'person:anna rdfs:label "Anna" .',
         Expect("person:anna", "rdfs:label", "DatatypeConstraintComponent", "label-language")),
    case("LabelShape", "two German labels", 'person:anna rdfs:label "Anna B."@de .',
         Expect("person:anna", "rdfs:label", "UniqueLangConstraintComponent", "label-unique-language", W)),
    # Properties any node may carry
    case("CommonPropertiesShape", "confidence above 1", "membership:m a org:Membership ; org:member person:anna ;"
         " org:organization organisation:verein ; sr:confidence 1.5 ; dcterms:source src:doc .",
         Expect("membership:m", "sr:confidence", "MaxInclusiveConstraintComponent", "confidence-range")),
    case("CommonPropertiesShape", "confidence as a string", 'person:anna sr:confidence "0.5" .',
         # A string is not comparable with numbers: the range checks fail too.
         Expect("person:anna", "sr:confidence", "DatatypeConstraintComponent", "confidence-range"),
         Expect("person:anna", "sr:confidence", "MinInclusiveConstraintComponent", "confidence-range"),
         Expect("person:anna", "sr:confidence", "MaxInclusiveConstraintComponent", "confidence-range")),
    case("CommonPropertiesShape", "two confidences", "person:anna sr:confidence 0.5 , 0.6 .",
         Expect("person:anna", "sr:confidence", "MaxCountConstraintComponent", "confidence-range")),
    case("CommonPropertiesShape", "subject is no concept", "project:app dcterms:subject person:anna .",
         Expect("project:app", "dcterms:subject", "ClassConstraintComponent", "subject-concept")),
    case("CommonPropertiesShape", "url as an IRI", "organisation:verein schema:url <https://example.org/> .",
         Expect("organisation:verein", "schema:url", "DatatypeConstraintComponent", "url-datatype")),
    case("CommonPropertiesShape", "count note without language", 'organisation:verein sr:countNote "rund 80" .',
         Expect("organisation:verein", "sr:countNote", "DatatypeConstraintComponent", "countNote-language")),
    case("CommonPropertiesShape", "date note without language", 'organisation:verein sr:dateNote "Ende 2018" .',
         Expect("organisation:verein", "sr:dateNote", "DatatypeConstraintComponent", "dateNote-language")),
    case("CommonPropertiesShape", "network coordinated by a topic", "organisation:verein sr:coordinator topic:mobility .",
         Expect("organisation:verein", "sr:coordinator", "ClassConstraintComponent", "coordinator-actor")),
    case("OrganisationShape", "counterpart is a topic", "organisation:verein sr:counterpart topic:mobility .",
         Expect("organisation:verein", "sr:counterpart", "ClassConstraintComponent", "counterpart")),
    # Web addresses: http(s) only, never a URL that a browser would run or read locally
    case("WebAddressShape", "javascript: url", 'organisation:verein schema:url "javascript:alert(1)"^^xsd:anyURI .',
         Expect("organisation:verein", "schema:url", "PatternConstraintComponent", "url-web")),
    case("WebAddressShape", "data: homepage", "organisation:verein foaf:homepage <data:text/html,x> .",
         Expect("organisation:verein", "foaf:homepage", "PatternConstraintComponent", "homepage-web")),
    case("WebAddressShape", "vbscript: sameAs", 'organisation:verein schema:sameAs "vbscript:msgbox(1)" .',
         Expect("organisation:verein", "schema:sameAs", "PatternConstraintComponent", "sameAs-web")),
    case("WebAddressShape", "file: owl:sameAs", "organisation:verein owl:sameAs <file:///etc/passwd> .",
         Expect("organisation:verein", "owl:sameAs", "PatternConstraintComponent", "owl-sameAs-web")),
    # Dates and periods
    case("DatedShape", "start date as German text", 'project:app schema:startDate "01.07.2020" .',
         Expect("project:app", "schema:startDate", "OrConstraintComponent", "startDate-datatype")),
    case("DatedShape", "end date as a plain year number", "project:app schema:endDate 2020 .",
         Expect("project:app", "schema:endDate", "OrConstraintComponent", "endDate-datatype")),
    case("PeriodShape", "end before start, date vs gYear",
         'project:app schema:startDate "2021"^^xsd:gYear ; schema:endDate "2020-12-31"^^xsd:date .',
         Expect("project:app", "schema:endDate", "SPARQLConstraintComponent", "PeriodShape")),
    case("PeriodShape", "end before start on the same day", 'event:s a sr:Session ; rdfs:label "Sitzung"@de ;'
         ' schema:startDate "2021-10-27T11:00:00+02:00"^^xsd:dateTime ;'
         ' schema:endDate "2021-10-27T10:30:00+02:00"^^xsd:dateTime ; dcterms:source src:doc .',
         Expect("event:s", "schema:endDate", "SPARQLConstraintComponent", "PeriodShape")),
    case("PeriodShape", "gYear before gYear", 'project:app schema:startDate "2021"^^xsd:gYear ;'
         ' schema:endDate "2020"^^xsd:gYear .',
         Expect("project:app", "schema:endDate", "SPARQLConstraintComponent", "PeriodShape")),
    # Persons
    case("PersonShape", "no German label", 'person:carla a sr:Person ; rdfs:label "Carla"@en ; dcterms:source src:doc .',
         Expect("person:carla", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("PersonShape", "honorific prefix with language", 'person:anna schema:honorificPrefix "Dr."@de .',
         Expect("person:anna", "schema:honorificPrefix", "DatatypeConstraintComponent", "Person-honorificPrefix")),
    case("PersonShape", "occupation without language", 'person:anna schema:hasOccupation "Ingenieurin" .',
         Expect("person:anna", "schema:hasOccupation", "DatatypeConstraintComponent", "Person-hasOccupation")),
    case("PersonShape", "studied at a person", "person:anna schema:alumniOf person:ben .",
         Expect("person:anna", "schema:alumniOf", "ClassConstraintComponent", "Person-alumniOf")),
    # Organisations
    case("OrganisationShape", "no German label",
         'organisation:gmbh a sr:Company ; rdfs:label "Example Ltd"@en ; dcterms:source src:doc .',
         Expect("organisation:gmbh", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("OrganisationShape", "unit of an event", "organisation:verein org:unitOf event:konferenz .",
         Expect("organisation:verein", "schema:parentOrganization|sr:subsidiaryOf|org:unitOf",
                "ClassConstraintComponent", "Organisation-parent")),
    case("OrganisationShape", "sister is a person", "organisation:verein sr:sisterOrganisation person:ben .",
         Expect("organisation:verein", "sr:sisterOrganisation", "ClassConstraintComponent", "Organisation-sister")),
    case("OrganisationShape", "negative member count", "organisation:verein sr:memberCount -3 .",
         Expect("organisation:verein", "sr:memberCount", "MinInclusiveConstraintComponent", "Organisation-memberCount")),
    case("OrganisationShape", "member count as decimal", "organisation:verein sr:memberCount 150.0 .",
         Expect("organisation:verein", "sr:memberCount", "DatatypeConstraintComponent", "Organisation-memberCount")),
    case("OrganisationShape", "founding date as text", 'organisation:verein schema:foundingDate "2019" .',
         Expect("organisation:verein", "schema:foundingDate", "OrConstraintComponent", "Organisation-foundingDate")),
    case("OrganisationShape", "founded by a topic", "organisation:verein schema:founder topic:mobility .",
         Expect("organisation:verein", "schema:founder", "ClassConstraintComponent", "Organisation-founder")),
    case("OrganisationShape", "funded by a project", "organisation:verein sr:funder project:app .",
         Expect("organisation:verein", "sr:funder", "ClassConstraintComponent", "funder-actor")),
    case("OrganisationShape", "located at a person", "organisation:verein schema:location person:anna .",
         Expect("organisation:verein", "schema:location", "OrConstraintComponent", "location")),
    # Territories
    case("TerritorialAuthorityShape", "no German label",
         'state:land a sr:State ; rdfs:label "Some State"@en ; sr:stateKey "12" ; dcterms:source src:doc .',
         Expect("state:land", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("TerritorialAuthorityShape", "AGS with 7 digits", 'municipality:kurz a sr:Municipality ; rdfs:label "Kurz"@de ;'
         ' sr:ags "1234567" ; dcterms:source src:doc .',
         Expect("municipality:kurz", "sr:ags", "PatternConstraintComponent", "ags")),
    case("TerritorialAuthorityShape", "ARS as a number", "municipality:musterstadt sr:ars 12345678 .",
         Expect("municipality:musterstadt", "sr:ars", "DatatypeConstraintComponent", "ars"),
         Expect("municipality:musterstadt", "sr:ars", "PatternConstraintComponent", "ars")),
    case("TerritorialAuthorityShape", "two AGS", 'municipality:musterstadt sr:ags "12345679" .',
         Expect("municipality:musterstadt", "sr:ags", "MaxCountConstraintComponent", "ags")),
    case("TerritorialAuthorityShape", "ARS with 8 digits", 'municipality:musterstadt sr:ars "12345678" .',
         Expect("municipality:musterstadt", "sr:ars", "PatternConstraintComponent", "ars")),
    case("TerritorialAuthorityShape", "district key with 4 digits", 'district:kreis a sr:District ;'
         ' rdfs:label "Kreis"@de ; sr:districtKey "1234" ; dcterms:source src:doc .',
         Expect("district:kreis", "sr:districtKey", "PatternConstraintComponent", "districtKey")),
    case("TerritorialAuthorityShape", "state key as integer", 'state:land a sr:State ; rdfs:label "Land"@de ;'
         " sr:stateKey 12 ; dcterms:source src:doc .",
         Expect("state:land", "sr:stateKey", "DatatypeConstraintComponent", "stateKey")),
    case("TerritorialAuthorityShape", "inhabitants without a date", "municipality:musterstadt sr:inhabitants 8000 .",
         Expect("municipality:musterstadt", "sr:inhabitants", "MaxCountConstraintComponent", "inhabitants-observed")),
    case("TerritorialAuthorityShape", "contained in an organisation",
         "municipality:musterstadt schema:containedInPlace organisation:verein .",
         Expect("municipality:musterstadt", "schema:containedInPlace", "OrConstraintComponent", "containedInPlace")),
    case("TerritorialAuthorityShape", "exact match as a string",
         'municipality:musterstadt skos:exactMatch "12345678" .',
         Expect("municipality:musterstadt", "skos:exactMatch", "NodeKindConstraintComponent", "exactMatch-iri")),
    case("MunicipalityShape", "no AGS",
         'municipality:ohne a sr:Municipality ; rdfs:label "Ohne"@de ; dcterms:source src:doc .',
         Expect("municipality:ohne", "sr:ags", "MinCountConstraintComponent", "Municipality-ags-required", W)),
    case("DistrictShape", "no district key",
         'district:ohne a sr:District ; rdfs:label "Ohne"@de ; dcterms:source src:doc .',
         Expect("district:ohne", "sr:districtKey", "MinCountConstraintComponent", "District-districtKey-required", W)),
    case("StateShape", "no state key", 'state:ohne a sr:State ; rdfs:label "Ohne"@de ; dcterms:source src:doc .',
         Expect("state:ohne", "sr:stateKey", "MinCountConstraintComponent", "State-stateKey-required", W)),
    case("CountryShape", "no German label",
         'country:de a sr:Country ; rdfs:label "Germany"@en ; dcterms:source src:doc .',
         Expect("country:de", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("RegionShape", "no German label",
         'region:suedwestfalen a sr:Region ; rdfs:label "South Westphalia"@en ; dcterms:source src:doc .',
         Expect("region:suedwestfalen", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("RegionShape", "contained in a text", 'region:r a sr:Region ; rdfs:label "Region"@de ;'
         ' schema:containedInPlace "Deutschland" ; dcterms:source src:doc .',
         Expect("region:r", "schema:containedInPlace", "OrConstraintComponent", "containedInPlace")),
    case("VenueShape", "no German label", 'place:halle a sr:Venue ; dcterms:source src:doc .',
         Expect("place:halle", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("VenueShape", "run by a topic", 'place:haus a sr:Venue ; rdfs:label "Haus"@de ;'
         " schema:maintainer topic:mobility ; dcterms:source src:doc .",
         Expect("place:haus", "schema:maintainer", "ClassConstraintComponent", "maintainer-actor")),
    case("VenueShape", "address with language", 'place:haus a sr:Venue ; rdfs:label "Haus"@de ;'
         ' schema:address "Hauptstraße 1"@de ; dcterms:source src:doc .',
         Expect("place:haus", "schema:address", "DatatypeConstraintComponent", "Venue-address")),
    # Funding and projects
    case("FundingProgrammeShape", "no German label",
         'programme:p a sr:FundingProgramme ; rdfs:label "Programme"@en ; dcterms:source src:doc .',
         Expect("programme:p", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("FundingProgrammeShape", "implementing agency is a person",
         "programme:foerderung sr:implementingAgency person:anna .",
         Expect("programme:foerderung", "sr:implementingAgency", "ClassConstraintComponent",
                "FundingProgramme-implementingAgency")),
    case("FundingProgrammeShape", "member municipality is an organisation",
         "programme:foerderung sr:memberMunicipality organisation:verein .",
         Expect("programme:foerderung", "sr:memberMunicipality", "ClassConstraintComponent", "memberMunicipality")),
    case("FundingProgrammeShape", "funded project is an event", "programme:foerderung sr:fundedProject event:konferenz .",
         Expect("programme:foerderung", "sr:fundedProject", "ClassConstraintComponent", "fundedProject")),
    case("FundingProgrammeShape", "funder is a topic", "programme:foerderung sr:funder topic:mobility .",
         Expect("programme:foerderung", "sr:funder", "ClassConstraintComponent", "funder-actor")),
    case("CohortShape", "no German label", 'cohort:c a sr:Cohort ; rdfs:label "Round 1"@en ;'
         " sr:programme programme:foerderung ; dcterms:source src:doc .",
         Expect("cohort:c", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("CohortShape", "no programme", 'cohort:c a sr:Cohort ; rdfs:label "Staffel 1"@de ; dcterms:source src:doc .',
         Expect("cohort:c", "sr:programme", "MinCountConstraintComponent", "Cohort-programme")),
    case("CohortShape", "programme is a project", 'cohort:c a sr:Cohort ; rdfs:label "Staffel 1"@de ;'
         " sr:programme project:app ; dcterms:source src:doc .",
         Expect("cohort:c", "sr:programme", "ClassConstraintComponent", "Cohort-programme")),
    case("ProjectShape", "no German label",
         'project:p a sr:Strategy ; rdfs:label "Strategy"@en ; dcterms:source src:doc .',
         Expect("project:p", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("ProjectShape", "funded by an organisation", "project:app sr:fundedBy organisation:verein .",
         Expect("project:app", "sr:fundedBy", "OrConstraintComponent", "Project-fundedBy")),
    case("ProjectShape", "cohort is a programme", "project:app sr:cohort programme:foerderung .",
         Expect("project:app", "sr:cohort", "ClassConstraintComponent", "Project-cohort")),
    case("ProjectShape", "partner is a topic", "project:app sr:partner topic:mobility .",
         Expect("project:app", "sr:partner", "ClassConstraintComponent", "partner-actor")),
    case("ProjectShape", "contractor is an event", "project:app sr:contractor event:konferenz .",
         Expect("project:app", "sr:client|sr:contractor|schema:maintainer", "ClassConstraintComponent",
                "Project-actors")),
    case("ProjectShape", "result is an organisation", "project:app sr:result organisation:verein .",
         Expect("project:app", "sr:result", "ClassConstraintComponent", "Project-result")),
    case("ProjectShape", "based on an organisation", "project:app schema:isBasedOn organisation:verein .",
         Expect("project:app", "schema:isBasedOn", "ClassConstraintComponent", "Project-isBasedOn")),
    # Events
    case("EventShape", "no German label", 'event:e a sr:Talk ; rdfs:label "Keynote"@en ;'
         " schema:superEvent event:konferenz ; dcterms:source src:doc .",
         Expect("event:e", "rdfs:label", "QualifiedMinCountConstraintComponent", "label-de")),
    case("EventShape", "neither date nor super-event",
         'event:e a sr:Workshop ; rdfs:label "Workshop"@de ; dcterms:source src:doc .',
         Expect("event:e", "schema:startDate|schema:superEvent", "MinCountConstraintComponent", "Event-when", W)),
    case("EventShape", "organised by a venue", 'place:haus a sr:Venue ; rdfs:label "Haus"@de ; dcterms:source src:doc .'
         " event:konferenz schema:organizer place:haus .",
         Expect("event:konferenz", "schema:organizer|sr:coOrganizer|sr:host|sr:participant",
                "ClassConstraintComponent", "Event-actors")),
    case("EventShape", "speaker is an organisation", "event:konferenz sr:keynoteSpeaker organisation:verein .",
         Expect("event:konferenz", "sr:speaker|sr:keynoteSpeaker|sr:openingSpeaker|sr:welcomeSpeaker|sr:moderator|sr:panelist",
                "ClassConstraintComponent", "Event-performers")),
    case("EventShape", "within an organisation", "event:konferenz sr:withinProgramme organisation:verein .",
         Expect("event:konferenz", "sr:withinProgramme", "OrConstraintComponent", "Event-withinProgramme")),
    case("EventShape", "participant count as text", 'event:konferenz sr:participantCount "150" .',
         Expect("event:konferenz", "sr:participantCount", "DatatypeConstraintComponent", "Event-participantCount"),
         Expect("event:konferenz", "sr:participantCount", "MinInclusiveConstraintComponent",
                "Event-participantCount")),
    case("EventShape", "part of a project", 'event:e a sr:Session ; rdfs:label "Sitzung"@de ;'
         " schema:superEvent project:app ; dcterms:source src:doc .",
         Expect("event:e", "schema:superEvent|schema:subEvent", "ClassConstraintComponent", "Event-parts")),
    case("EventShape", "attendance mode as text", 'event:konferenz schema:eventAttendanceMode "online" .',
         Expect("event:konferenz", "schema:eventAttendanceMode", "InConstraintComponent", "Event-attendanceMode")),
    case("EventShape", "located at a topic", "event:konferenz schema:location topic:mobility .",
         Expect("event:konferenz", "schema:location", "OrConstraintComponent", "location")),
    # Memberships
    case("MembershipShape", "two members", "membership:m a org:Membership ; org:member person:anna , person:ben ;"
         " org:organization organisation:verein ; dcterms:source src:doc .",
         Expect("membership:m", "org:member", "MaxCountConstraintComponent", "Membership-member-count")),
    case("MembershipShape", "no member",
         "membership:m a org:Membership ; org:organization organisation:verein ; dcterms:source src:doc .",
         Expect("membership:m", "org:member", "MinCountConstraintComponent", "Membership-member-count")),
    case("MembershipShape", "member is a topic", "membership:m a org:Membership ; org:member topic:mobility ;"
         " org:organization organisation:verein ; dcterms:source src:doc .",
         Expect("membership:m", "org:member", "ClassConstraintComponent", "Membership-member-class")),
    case("MembershipShape", "no organisation",
         "membership:m a org:Membership ; org:member person:anna ; dcterms:source src:doc .",
         Expect("membership:m", "org:organization", "MinCountConstraintComponent", "Membership-organization-count")),
    case("MembershipShape", "two organisations", "membership:m a org:Membership ; org:member person:anna ;"
         " org:organization organisation:verein , project:app ; dcterms:source src:doc .",
         Expect("membership:m", "org:organization", "MaxCountConstraintComponent", "Membership-organization-count")),
    case("MembershipShape", "organisation is a person", "membership:m a org:Membership ; org:member person:anna ;"
         " org:organization person:ben ; dcterms:source src:doc .",
         Expect("membership:m", "org:organization", "OrConstraintComponent", "Membership-organization-class")),
    case("MembershipShape", "role is a topic", "membership:m a org:Membership ; org:member person:anna ;"
         " org:organization organisation:verein ; org:role topic:mobility ; dcterms:source src:doc .",
         Expect("membership:m", "org:role", "ClassConstraintComponent", "Membership-role")),
    case("MembershipShape", "former as text", "membership:m a org:Membership ; org:member person:anna ;"
         ' org:organization organisation:verein ; sr:former "ja" ; dcterms:source src:doc .',
         Expect("membership:m", "sr:former", "DatatypeConstraintComponent", "Membership-former")),
    case("MembershipShape", "job title without language", "membership:m a org:Membership ; org:member person:anna ;"
         ' org:organization organisation:verein ; schema:jobTitle "Leiterin" ; dcterms:source src:doc .',
         Expect("membership:m", "schema:jobTitle", "DatatypeConstraintComponent", "Membership-jobTitle")),
    # Observations: figures with a date
    case("ObservationShape", "no figure", "observation:o a sr:Observation ; sr:observationOf municipality:musterstadt ;"
         ' sr:referenceDate "2022-12-31"^^xsd:date ; dcterms:source src:doc .',
         Expect("observation:o", None, "OrConstraintComponent", "ObservationShape")),
    case("ObservationShape", "of nothing", 'observation:o a sr:Observation ; sr:inhabitants 8000 ;'
         ' sr:referenceDate "2022"^^xsd:gYear ; dcterms:source src:doc .',
         Expect("observation:o", "sr:observationOf", "MinCountConstraintComponent", "Observation-of")),
    case("ObservationShape", "without a date", "observation:o a sr:Observation ; sr:observationOf municipality:musterstadt ;"
         " sr:inhabitants 8000 ; dcterms:source src:doc .",
         Expect("observation:o", "sr:referenceDate", "MinCountConstraintComponent", "Observation-referenceDate")),
    case("ObservationShape", "inhabitants as text", "observation:o a sr:Observation ; sr:observationOf municipality:musterstadt ;"
         ' sr:inhabitants "rund 8.000"@de ; sr:referenceDate "2024-08-07"^^xsd:date ; dcterms:source src:doc .',
         Expect("observation:o", "sr:inhabitants", "DatatypeConstraintComponent", "inhabitants"),
         Expect("observation:o", "sr:inhabitants", "MinInclusiveConstraintComponent", "inhabitants")),
    case("ObservationShape", "negative localities", "observation:o a sr:Observation ; sr:observationOf municipality:musterstadt ;"
         ' sr:localityCount -1 ; sr:referenceDate "2024"^^xsd:gYear ; dcterms:source src:doc .',
         Expect("observation:o", "sr:localityCount", "MinInclusiveConstraintComponent", "Observation-localityCount")),
    case("ObservationShape", "projects as decimal", "observation:o a sr:Observation ; sr:observationOf programme:foerderung ;"
         ' sr:projectCount 5.0 ; sr:referenceDate "2021-10"^^xsd:gYearMonth ; dcterms:source src:doc .',
         Expect("observation:o", "sr:projectCount", "DatatypeConstraintComponent", "Observation-projectCount")),
    case("ObservationShape", "area is a person", "observation:o a sr:Observation ; sr:observationOf programme:foerderung ;"
         ' sr:projectCount 5 ; schema:spatialCoverage person:anna ; sr:referenceDate "2021"^^xsd:gYear ; dcterms:source src:doc .',
         Expect("observation:o", "schema:spatialCoverage", "OrConstraintComponent", "Observation-area")),
    # Cooperations
    case("CooperationShape", "one partner only", "cooperation:k a sr:Cooperation ; sr:partner organisation:verein ;"
         " sr:cooperationKind coopkind:event-cooperation ; dcterms:source src:doc .",
         Expect("cooperation:k", "sr:partner|sr:memberMunicipality", "MinCountConstraintComponent",
                "Cooperation-partners")),
    case("CooperationShape", "partner is a topic", "cooperation:k a sr:Cooperation ;"
         " sr:partner organisation:verein , topic:mobility ;"
         " sr:cooperationKind coopkind:event-cooperation ; dcterms:source src:doc .",
         Expect("cooperation:k", "sr:partner", "ClassConstraintComponent", "partner-actor")),
    case("CooperationShape", "member municipality is a person", "cooperation:k a sr:Cooperation ;"
         " sr:partner organisation:verein ; sr:memberMunicipality person:anna ;"
         " sr:cooperationKind coopkind:event-cooperation ; dcterms:source src:doc .",
         Expect("cooperation:k", "sr:memberMunicipality", "ClassConstraintComponent", "memberMunicipality")),
    case("CooperationShape", "no kind", "cooperation:k a sr:Cooperation ;"
         " sr:partner organisation:verein , person:anna ; dcterms:source src:doc .",
         Expect("cooperation:k", "sr:cooperationKind", "MinCountConstraintComponent", "Cooperation-kind-required", W)),
    case("CooperationShape", "kind is a person", "cooperation:k a sr:Cooperation ;"
         " sr:partner organisation:verein , person:anna ; sr:cooperationKind person:ben ; dcterms:source src:doc .",
         Expect("cooperation:k", "sr:cooperationKind", "ClassConstraintComponent", "Cooperation-kind-concept")),
    case("CooperationShape", "concerns an organisation", "cooperation:k a sr:Cooperation ;"
         " sr:partner organisation:verein , person:anna ; sr:cooperationKind coopkind:funding ;"
         " sr:concerns organisation:verein ; dcterms:source src:doc .",
         Expect("cooperation:k", "sr:concerns", "OrConstraintComponent", "Cooperation-concerns")),
    # Source documents
    case("SourceDocumentShape", "English title only", 'src:doc2 a sr:SourceDocument ; dcterms:title "Report"@en ;'
         " dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> ;"
         " dcterms:type dockind:project-report .",
         Expect("src:doc2", "dcterms:title", "QualifiedMinCountConstraintComponent", "SourceDocument-title-de")),
    case("SourceDocumentShape", "title without language", 'src:doc dcterms:title "Testquelle" .',
         Expect("src:doc", "dcterms:title", "DatatypeConstraintComponent", "SourceDocument-title-language")),
    case("SourceDocumentShape", "publisher is a topic", "src:doc dcterms:publisher topic:mobility .",
         Expect("src:doc", "dcterms:publisher", "ClassConstraintComponent", "SourceDocument-publisher")),
    case("SourceDocumentShape", "issued as German text", 'src:doc dcterms:issued "5. September 2024" .',
         Expect("src:doc", "dcterms:issued", "OrConstraintComponent", "SourceDocument-issued")),
    case("SourceDocumentShape", "no language", 'src:doc2 a sr:SourceDocument ; dcterms:title "Bericht"@de ;'
         " dcterms:type dockind:project-report .",
         Expect("src:doc2", "dcterms:language", "MinCountConstraintComponent", "SourceDocument-language")),
    case("SourceDocumentShape", "language as a code", 'src:doc dcterms:language "de" .',
         Expect("src:doc", "dcterms:language", "NodeKindConstraintComponent", "SourceDocument-language")),
    case("SourceDocumentShape", "no document kind", 'src:doc2 a sr:SourceDocument ; dcterms:title "Bericht"@de ;'
         " dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> .",
         Expect("src:doc2", "dcterms:type", "MinCountConstraintComponent", "SourceDocument-type")),
    case("SourceDocumentShape", "document kind is a person", "src:doc dcterms:type person:anna .",
         Expect("src:doc", "dcterms:type", "ClassConstraintComponent", "SourceDocument-type")),
    case("SourceDocumentShape", "file name as a number", "src:doc sr:fileName 4 .",
         Expect("src:doc", "sr:fileName", "DatatypeConstraintComponent", "SourceDocument-fileName")),
    # Positions (WGS84): one latitude, one longitude, in range, at most one approximate flag
    case("PositionShape", "latitude out of range", "municipality:musterstadt <http://www.w3.org/2003/01/geo/wgs84_pos#lat> 91.0 ; <http://www.w3.org/2003/01/geo/wgs84_pos#long> 12.5 .",
         Expect("municipality:musterstadt", "geo:lat", "MaxInclusiveConstraintComponent", "Position-lat")),
    case("PositionShape", "latitude without longitude", "municipality:musterstadt <http://www.w3.org/2003/01/geo/wgs84_pos#lat> 52.1 .",
         Expect("municipality:musterstadt", "geo:long", "MinCountConstraintComponent", "Position-long")),
    case("PositionShape", "two longitudes", "municipality:musterstadt <http://www.w3.org/2003/01/geo/wgs84_pos#lat> 52.1 ; <http://www.w3.org/2003/01/geo/wgs84_pos#long> 12.5 , 12.6 .",
         Expect("municipality:musterstadt", "geo:long", "MaxCountConstraintComponent", "Position-long")),
    case("PositionShape", "longitude as a string", 'municipality:musterstadt <http://www.w3.org/2003/01/geo/wgs84_pos#lat> 52.1 ; <http://www.w3.org/2003/01/geo/wgs84_pos#long> "12.5" .',
         # A string is not comparable with numbers: the range checks fail too.
         Expect("municipality:musterstadt", "geo:long", "DatatypeConstraintComponent", "Position-long"),
         Expect("municipality:musterstadt", "geo:long", "MinInclusiveConstraintComponent", "Position-long"),
         Expect("municipality:musterstadt", "geo:long", "MaxInclusiveConstraintComponent", "Position-long")),
    case("PositionShape", "approximate as text",
         'municipality:musterstadt <http://www.w3.org/2003/01/geo/wgs84_pos#lat> 52.1 ; <http://www.w3.org/2003/01/geo/wgs84_pos#long> 12.5 ; sr:approximatePosition "ja" .',
         Expect("municipality:musterstadt", "sr:approximatePosition", "DatatypeConstraintComponent", "Position-approximate")),
    # Vocabulary
    case("ConceptShape", "no German preferred label",
         'topic:neu a skos:Concept ; skos:prefLabel "New"@en ; skos:inScheme scheme:topics .',
         Expect("topic:neu", "skos:prefLabel", "QualifiedMinCountConstraintComponent", "Concept-prefLabel-de")),
    case("ConceptShape", "two German preferred labels", 'topic:mobility skos:prefLabel "Verkehr"@de .',
         Expect("topic:mobility", "skos:prefLabel", "UniqueLangConstraintComponent", "Concept-prefLabel-unique")),
    case("ConceptShape", "in no scheme", 'topic:neu a skos:Concept ; skos:prefLabel "Neu"@de .',
         Expect("topic:neu", "skos:inScheme", "MinCountConstraintComponent", "Concept-scheme")),
    case("ConceptShape", "scheme is a topic",
         'topic:neu a skos:Concept ; skos:prefLabel "Neu"@de ; skos:inScheme topic:mobility .',
         Expect("topic:neu", "skos:inScheme", "ClassConstraintComponent", "Concept-scheme")),
]

# Per class-targeted node shape: a small entity using its properties correctly; no result at all.
VALID = {
    "SourcedEntityShape": "organisation:verein dcterms:source src:doc .",
    "LabelShape": 'person:anna rdfs:label "Anna Example"@en .',
    "CommonPropertiesShape": 'organisation:verein sr:confidence 0.7 ; dcterms:subject topic:networking ;'
    ' schema:url "https://example.org/"^^xsd:anyURI ; sr:countNote "rund 80"@de .',
    "WebAddressShape": 'organisation:verein schema:url "HTTPS://example.org/"^^xsd:anyURI ; foaf:homepage <https://example.org/> ;'
    " schema:sameAs <https://example.org/verein> ; owl:sameAs <http://www.wikidata.org/entity/Q1> .",
    "DatedShape": 'membership:m a org:Membership ; org:member person:anna ; org:organization project:app ;'
    ' schema:startDate "2020-07"^^xsd:gYearMonth ; schema:endDate "2020-12-31"^^xsd:date ; dcterms:source src:doc .',
    # Same year, same day, and 10:00 UTC is noon in Berlin: none of these ends before it starts.
    "PeriodShape": 'project:app schema:startDate "2021-10-27"^^xsd:date ; schema:endDate "2021"^^xsd:gYear .'
    ' event:konferenz schema:endDate "2024-09-05T17:00:00+02:00"^^xsd:dateTime .'
    ' event:s a sr:Session ; rdfs:label "Sitzung"@de ; dcterms:source src:doc ;'
    ' schema:startDate "2021-10-27T11:00:00+02:00"^^xsd:dateTime ; schema:endDate "2021-10-27T10:00:00Z"^^xsd:dateTime .',
    "PersonShape": 'person:carla a sr:Person ; rdfs:label "Carla Beispiel"@de , "Carla Example"@en ;'
    ' schema:honorificPrefix "Prof. Dr.-Ing." ; schema:hasOccupation "Wirtschaftspädagogin"@de ;'
    ' schema:alumniOf organisation:uni ; dcterms:source src:doc .'
    ' organisation:uni a sr:ResearchInstitute ; rdfs:label "Universität"@de ; dcterms:source src:doc .',
    "OrganisationShape": 'organisation:stelle a sr:OrganisationalUnit ; rdfs:label "Geschäftsstelle"@de ;'
    " org:unitOf municipality:musterstadt ; sr:sisterOrganisation organisation:verein ; sr:memberCount 8000 ;"
    ' schema:foundingDate "2019"^^xsd:gYear ; schema:founder person:anna ; sr:funder organisation:ministerium ;'
    " schema:location municipality:musterstadt ; sr:coordinator person:anna ; sr:counterpart organisation:verein ;"
    ' sr:dateNote "Ende 2019"@de ; dcterms:source src:doc .'
    ' organisation:ministerium a sr:Ministry ; rdfs:label "Ministerium"@de ; dcterms:source src:doc .',
    "TerritorialAuthorityShape": 'municipality:musterstadt sr:ars "123450000000" ;'
    " schema:containedInPlace district:kreis ;"
    " skos:exactMatch <http://dcat-ap.de/def/politicalGeocoding/municipalityKey/12345678> ."
    ' district:kreis a sr:District ; rdfs:label "Beispielkreis"@de ; sr:districtKey "12345" ;'
    " schema:containedInPlace state:land ; dcterms:source src:doc ."
    ' state:land a sr:State ; rdfs:label "Beispielland"@de ; sr:stateKey "12" ;'
    " schema:containedInPlace country:de ; dcterms:source src:doc ."
    ' country:de a sr:Country ; rdfs:label "Deutschland"@de ; dcterms:source src:doc .',
    "MunicipalityShape": 'municipality:berlin a sr:Municipality , sr:District , sr:State ; rdfs:label "Berlin"@de ;'
    ' sr:ags "11000000" ; sr:districtKey "11000" ; sr:stateKey "11" ; dcterms:source src:doc .',
    "DistrictShape": 'municipality:kreisfrei a sr:Municipality , sr:District ; rdfs:label "Kreisfreie Stadt"@de ;'
    ' sr:ags "15002000" ; sr:districtKey "15002" ; dcterms:source src:doc .',
    "StateShape": 'state:land a sr:State ; rdfs:label "Beispielland"@de ; sr:stateKey "12" ; dcterms:source src:doc .',
    "CountryShape": 'country:de a sr:Country ; rdfs:label "Deutschland"@de , "Germany"@en ; dcterms:source src:doc .',
    "RegionShape": 'region:r a sr:Region ; rdfs:label "Beispielregion"@de ; schema:containedInPlace country:de ;'
    ' dcterms:source src:doc . country:de a sr:Country ; rdfs:label "Deutschland"@de ; dcterms:source src:doc .',
    "VenueShape": 'place:haus a sr:Venue ; rdfs:label "Haus des Gastes"@de ; schema:address "Hauptstraße 1, Musterstadt" ;'
    " schema:containedInPlace municipality:musterstadt ; schema:maintainer municipality:musterstadt ; dcterms:source src:doc .",
    "FundingProgrammeShape": "programme:foerderung sr:funder organisation:ministerium ;"
    " sr:implementingAgency organisation:kfw ; sr:memberMunicipality municipality:musterstadt ;"
    " sr:fundedProject project:app ."
    ' organisation:ministerium a sr:Ministry ; rdfs:label "Ministerium"@de ; dcterms:source src:doc .'
    ' organisation:kfw a sr:Company ; rdfs:label "KfW"@de ; dcterms:source src:doc .',
    "CohortShape": 'cohort:staffel-1 a sr:Cohort ; rdfs:label "Staffel 1"@de ; sr:programme programme:foerderung ;'
    " sr:fundedProject project:app ; dcterms:source src:doc .",
    "ProjectShape": 'project:plattform a sr:Platform ; rdfs:label "Plattform"@de ; sr:fundedBy programme:foerderung ;'
    " sr:partner organisation:verein , person:anna ; sr:memberMunicipality municipality:musterstadt ;"
    " sr:coordinator organisation:verein ; sr:client municipality:musterstadt ; sr:contractor person:ben ;"
    " schema:maintainer organisation:verein ; schema:isBasedOn project:app ; sr:funder organisation:verein ; sr:result project:app ;"
    ' schema:startDate "2020-07-01"^^xsd:date ; schema:endDate "2020-12"^^xsd:gYearMonth ; dcterms:source src:doc .',
    "EventShape": 'event:vortrag a sr:Talk ; rdfs:label "Vortrag"@de ; schema:superEvent event:konferenz ;'
    " schema:organizer organisation:verein ; sr:coOrganizer municipality:musterstadt ; sr:host person:ben ;"
    " sr:participant organisation:verein ; sr:speaker person:anna ; sr:keynoteSpeaker person:anna ;"
    " sr:moderator person:ben ; sr:panelist person:ben ; sr:participantCount 150 ; sr:openingSpeaker person:anna ;"
    " sr:welcomeSpeaker person:ben ; sr:withinProgramme programme:foerderung ; schema:about project:app ;"
    " schema:eventAttendanceMode schema:MixedEventAttendanceMode ; schema:location place:haus ;"
    " dcterms:source src:doc . event:konferenz schema:subEvent event:vortrag ."
    ' place:haus a sr:Venue ; rdfs:label "Haus"@de ; dcterms:source src:doc .',
    "MembershipShape": "membership:m a org:Membership ; org:member person:anna ; org:organization programme:foerderung ;"
    ' org:role role:lead ; schema:jobTitle "Programmleiterin"@de ; sr:confidence 0.6 ; sr:former true ;'
    ' rdfs:comment "Rolle nur aus dem Layout erschlossen."@de ; dcterms:source src:doc .',
    "ObservationShape": "observation:o a sr:Observation ; sr:observationOf municipality:musterstadt ; sr:inhabitants 8000 ;"
    ' sr:countNote "rund 8.000"@de ; sr:referenceDate "2024-08-07"^^xsd:date ; dcterms:source src:doc .'
    " observation:p a sr:Observation ; sr:observationOf programme:foerderung ; sr:projectCount 5 ;"
    ' schema:spatialCoverage municipality:musterstadt ; sr:referenceDate "2021"^^xsd:gYear ; dcterms:source src:doc .'
    " observation:q a sr:Observation ; sr:observationOf municipality:musterstadt ; sr:localityCount 27 ;"
    ' sr:referenceDate "2024-08"^^xsd:gYearMonth ; dcterms:source src:doc .',
    "CooperationShape": "cooperation:k a sr:Cooperation ; sr:partner organisation:verein ;"
    " sr:memberMunicipality municipality:musterstadt ; sr:cooperationKind coopkind:event-cooperation ;"
    ' sr:concerns event:konferenz ; dcterms:subject topic:networking ; schema:startDate "2024"^^xsd:gYear ;'
    " dcterms:source src:doc .",
    "SourceDocumentShape": 'src:doc dcterms:title "Test source"@en ; dcterms:publisher organisation:verein ;'
    ' dcterms:issued "2024-09-05"^^xsd:date ; sr:fileName "001_test.txt" .',
    "PositionShape": "municipality:musterstadt <http://www.w3.org/2003/01/geo/wgs84_pos#lat> 52.14184 ;"
    " <http://www.w3.org/2003/01/geo/wgs84_pos#long> 12.59272 ; sr:approximatePosition false .",
    "ConceptShape": 'topic:neu a skos:Concept ; skos:prefLabel "Neu"@de , "New"@en ; skos:inScheme scheme:topics .',
}


@cache
def shapes_graph() -> rdflib.Graph:
    return load_shapes()


def parse(snippet: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + BASE + snippet, format="turtle")


def expand(name: str) -> str:
    """``person:anna`` → the full IRI, as in the Turtle above."""
    prefix, _, local = name.partition(":")
    known = {"src": "https://w3id.org/smartregion/source/"}
    return known.get(prefix, f"{ID}{prefix}/") + local


def messages(graph: rdflib.Graph, lang: str) -> set[str]:
    return {str(m) for m in graph.objects(None, SH.message) if m.language == lang}


def test_base_is_valid() -> None:
    report = validate(parse(""))
    assert report.conforms and report.violations == [], report.as_text()


@pytest.mark.parametrize("case", INVALID, ids=[f"{c.node_shape}: {c.name}" for c in INVALID])
def test_invalid_case_gives_exactly_its_results(case: Case) -> None:
    data = parse(case.turtle)
    report_en = validate(data, lang="en")
    report_de = validate(data, lang="de")

    got = {(v.focus, v.path, v.constraint, v.shape, v.severity) for v in report_en.violations}
    want = {
        (expand(e.focus), e.path, str(SH[e.constraint]), SRSH + e.shape, e.severity) for e in case.expected
    }
    assert got == want, report_en.as_text()
    assert report_en.conforms is all(e.severity == W for e in case.expected)

    shapes = shapes_graph()
    for en, de in zip(report_en.violations, report_de.violations, strict=True):
        assert en.message in messages(shapes, "en")
        assert de.message in messages(shapes, "de")
        assert en.message != de.message


@pytest.mark.parametrize("node_shape", sorted(VALID))
def test_valid_example_passes(node_shape: str) -> None:
    report = validate(parse(VALID[node_shape]))
    assert report.conforms and report.violations == [], report.as_text()


def test_every_shape_has_an_invalid_case_and_every_node_shape_a_valid_example() -> None:
    shapes = shapes_graph()
    node_shapes = {str(s) for s in shapes.subjects(RDF.type, SH.NodeShape)}
    property_shapes = {str(s) for s in shapes.subjects(RDF.type, SH.PropertyShape)}
    sparql_shapes = {str(s) for s in shapes.subjects(SH.sparql, None)}
    reported = {SRSH + e.shape for c in INVALID for e in c.expected}
    assert property_shapes | sparql_shapes <= reported
    assert {SRSH + c.node_shape for c in INVALID} == node_shapes
    assert {SRSH + name for name in VALID} == node_shapes


def test_every_shape_and_constraint_has_one_message_in_german_and_english() -> None:
    shapes = shapes_graph()
    holders = (
        set(shapes.subjects(RDF.type, SH.NodeShape))
        | set(shapes.subjects(RDF.type, SH.PropertyShape))
        | set(shapes.objects(None, SH.sparql))
    )
    for holder in holders:
        languages = sorted(m.language for m in shapes.objects(holder, SH.message))
        assert languages == ["de", "en"], holder


def test_shapes_do_not_import_anything() -> None:
    assert not list(shapes_graph().triples((None, OWL.imports, None)))


def test_union_of_named_graphs_is_validated() -> None:
    """A person typed in one source's graph and a membership in another's: valid only as a union."""
    trig = PREFIXES + """
    src:a { src:a a sr:SourceDocument ; dcterms:title "A"@de ; dcterms:type dockind:event-report ;
                dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> .
            person:anna a sr:Person ; rdfs:label "Anna"@de ; dcterms:source src:a . }
    src:b { src:b a sr:SourceDocument ; dcterms:title "B"@de ; dcterms:type dockind:event-report ;
                dcterms:language <http://publications.europa.eu/resource/authority/language/DEU> .
            organisation:verein a sr:Association ; rdfs:label "Verein"@de ; dcterms:source src:b .
            membership:m a org:Membership ; org:member person:anna ; org:organization organisation:verein ;
                dcterms:source src:b . }
    """
    dataset = rdflib.Dataset()
    dataset.parse(data=trig, format="trig")
    report = validate(dataset)
    assert report.conforms and report.violations == [], report.as_text()


def test_report_forms() -> None:
    report = validate(parse("membership:m a org:Membership ; org:organization organisation:verein ;"
                            " dcterms:source src:doc ."), lang="de")
    focus = f"{ID}membership/m"
    assert not report.conforms
    assert report.as_text("de") == f"Violation: <{focus}> org:member: Eine Mitgliedschaft hat genau ein org:member."
    assert report.as_text("en") == f"Violation: <{focus}> org:member: A membership has exactly one org:member."
    as_json = json.loads(report.as_json())
    assert as_json["conforms"] is False
    assert as_json["violations"] == [{
        "focus": focus, "path": "org:member", "message": "Eine Mitgliedschaft hat genau ein org:member.",
        "severity": "Violation", "shape": SRSH + "Membership-member-count", "value": None,
        "constraint": str(SH.MinCountConstraintComponent),
    }]
    graph = rdflib.Graph().parse(data=report.as_turtle(), format="turtle")
    result = graph.value(predicate=RDF.type, object=SH.ValidationResult)
    assert {(m.language, str(m)) for m in graph.objects(result, SH.resultMessage)} == {
        ("de", "Eine Mitgliedschaft hat genau ein org:member."),
        ("en", "A membership has exactly one org:member."),
    }


def test_sparql_result_carries_value_and_tagged_messages() -> None:
    report = validate(parse(
        'project:app schema:startDate "2021"^^xsd:gYear ; schema:endDate "2020-12-31"^^xsd:date .'), lang="de")
    [violation] = report.violations
    assert violation.value == '"2020-12-31"^^xsd:date'
    assert violation.message == "schema:endDate liegt vor schema:startDate."
    assert "[\"2020-12-31\"^^xsd:date]" in report.as_text("en")
    # pyshacl drops the language tags of SPARQL messages; the report graph has them back.
    graph = rdflib.Graph().parse(data=report.as_turtle(), format="turtle")
    assert {(m.language, str(m)) for m in graph.objects(None, SH.resultMessage)} == {
        ("de", "schema:endDate liegt vor schema:startDate."),
        ("en", "schema:endDate is before schema:startDate."),
    }


def test_owl_imports_in_data_are_not_fetched() -> None:
    """pyshacl would load owl:imports; the validator must never make a request."""
    requests: list[str] = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            self.wfile.write(b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/ontology.ttl"
        validate(parse(f"<https://w3id.org/smartregion/source/doc> <{OWL.imports}> <{url}> ."))
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []
