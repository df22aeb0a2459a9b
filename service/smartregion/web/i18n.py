"""The two languages of the web pages: which one a request gets, and the interface strings in both.

Data carries its own languages (``@de``/``@en`` labels); this module only covers the words around
it. German is the default: the graph is about Germany and most of its labels are German.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

LANGUAGES = ("de", "en")
DEFAULT = "de"
COOKIE = "lang"

# key → (German, English). Placeholders in braces are filled by ``translator``.
STRINGS: dict[str, tuple[str, str]] = {
    "site.tagline": ("Wissensgraph des Smart-City- und Smart-Region-Ökosystems in Deutschland",
                     "Knowledge graph of Germany's smart-city and smart-region ecosystem"),
    "nav.home": ("Start", "Home"),
    "nav.network": ("Netzwerkkarte", "Network map"),
    "nav.sparql": ("SPARQL-Endpunkt", "SPARQL endpoint"),
    "nav.queries": ("Fragenkatalog", "Question catalogue"),
    "nav.docs": ("API-Dokumentation", "API documentation"),
    "nav.catalog": ("Datenkatalog (DCAT-AP.de)", "Data catalogue (DCAT-AP.de)"),
    "nav.ontology": ("Ontologie", "Ontology"),
    "nav.main": ("Hauptnavigation", "Main navigation"),
    "lang.switch": ("English", "Deutsch"),
    "lang.switch.title": ("Diese Seite auf Englisch", "Diese Seite auf Deutsch"),
    "search.label": ("Suche nach Akteuren, Projekten, Veranstaltungen, Orten", "Search actors, projects, events, places"),
    "search.placeholder": ("z. B. WFBB, Neuland21, Bad Belzig", "e.g. WFBB, Neuland21, Bad Belzig"),
    "search.button": ("Suchen", "Search"),
    "search.results": ("Treffer für „{q}“", "Results for “{q}”"),
    "search.none": ("Keine Treffer für „{q}“.", "Nothing found for “{q}”."),
    "search.json": ("als JSON", "as JSON"),
    "home.intro": (
        ("Wer arbeitet im Smart-City- und Smart-Region-Ökosystem mit wem zusammen? Personen, Behörden, Kommunen, "
         "Förderprogramme, Projekte und Veranstaltungen – jede Aussage mit ihrer Quelle, offen als Linked Data."),
        ("Who works with whom in Germany's smart-city and smart-region ecosystem? People, agencies, municipalities, "
         "funding programmes, projects and events – every statement with its source, open as linked data.")),
    "home.explore": ("Erkunden", "Explore"),
    "home.network": ("Wer kooperiert mit wem – die Karte des Netzwerks", "Who cooperates with whom – the network map"),
    "home.sparql": ("Eigene Fragen in SPARQL 1.1 stellen", "Ask your own questions in SPARQL 1.1"),
    "home.queries": ("Fertige Fragen mit Parametern", "Ready-made questions with parameters"),
    "home.docs": ("REST-API (OpenAPI)", "REST API (OpenAPI)"),
    "home.catalog": ("Metadaten für Open-Data-Portale und Downloads", "Metadata for open-data portals, and downloads"),
    "home.ontology": ("Das Vokabular: Klassen und Eigenschaften", "The vocabulary: classes and properties"),
    "home.sources": ("Quellen", "Sources"),
    "home.triples": ("{n} Aussagen (Tripel) in {g} benannten Graphen", "{n} statements (triples) in {g} named graphs"),
    "entity.types": ("Typ", "Type"),
    "entity.iri": ("IRI", "IRI"),
    "entity.statements": ("Aussagen", "Statements"),
    "entity.property": ("Eigenschaft", "Property"),
    "entity.value": ("Wert", "Value"),
    "entity.source": ("Quelle", "Source"),
    "entity.sources": ("Quellen", "Sources"),
    "entity.incoming": ("Verweise auf diese Ressource", "Links to this resource"),
    "entity.incoming.none": ("Keine.", "None."),
    "entity.truncated": ("Die ersten {n} werden gezeigt; alle liefert der SPARQL-Endpunkt.",
                         "The first {n} are shown; the SPARQL endpoint has all of them."),
    "entity.roles": ("Rollen und Mitgliedschaften", "Roles and memberships"),
    "entity.role": ("Rolle", "Role"),
    "entity.jobtitle": ("Funktionsbezeichnung", "Job title"),
    "entity.period": ("Zeitraum", "Period"),
    "entity.member": ("Mitglied", "Member"),
    "entity.organisation": ("Organisation", "Organisation"),
    "entity.partners": ("Kooperationspartner", "Partners"),
    "entity.partners.intro": (
        ("Aus dem Netzwerk abgeleitet: gemeinsame Kooperationen, Veranstaltungen, Projekte, Rollen und "
         "organisatorische Verbindungen. Gewicht = Summe der Belege."),
        ("Derived by the network layer from shared cooperations, events, projects, roles and organisational "
         "links. Weight = sum over the evidence.")),
    "entity.partners.map": ("Auf der Netzwerkkarte ansehen", "View on the network map"),
    "entity.partners.json": ("Partner als JSON", "Partners as JSON"),
    "entity.weight": ("Gewicht", "weight"),
    "entity.evidence": ("{n} Belege", "{n} pieces of evidence"),
    "entity.evidence.one": ("1 Beleg", "1 piece of evidence"),
    "entity.undated": ("ohne Datum", "undated"),
    # knowledge: the latest population figure on an entity page
    "entity.population": ("Einwohner", "Inhabitants"),
    "entity.population.date": ("Stand {date}", "as of {date}"),
    "entity.population.all": ("alle {n} Zahlen mit Stichtag und Quelle", "all {n} figures with date and source"),
    "entity.formats": ("Diese Ressource als", "This resource as"),
    "source.about": ("Über die Quelle", "About the source"),
    "source.states": ("Was die Quelle aussagt", "What the source states"),
    "source.count": ("{n} Aussagen über {e} Ressourcen", "{n} statements about {e} resources"),
    "source.title": ("Titel", "Title"),
    "source.publisher": ("Herausgeber", "Publisher"),
    "source.issued": ("Datum", "Date"),
    "source.language": ("Sprache", "Language"),
    "source.kind": ("Art", "Kind"),
    "source.license": ("Lizenz", "Licence"),
    "source.unknown": ("nicht angegeben", "not stated"),
    # -- contributions, events, the network map (issue 16) --
    "provenance.title": ("Wie der Beitrag entstand", "How the contribution came about"),
    "provenance.who": ("Wer", "Who"),
    "provenance.when": ("Wann", "When"),
    "provenance.how": ("Wie", "How"),
    "provenance.from": ("Woraus", "From what"),
    "provenance.used": ("Außerdem verwendet", "Also used"),
    "provenance.added": ("Was der Beitrag hinzufügte", "What the contribution added"),
    "events.title": ("Veranstaltungen", "Events"),
    "events.intro": ("Veranstaltungen aus den Quellen, nach Datum; Zeiten wie angegeben (Ortszeit).",
                     "Events from the sources, by date; times as stated (local time)."),
    "events.upcoming": ("Demnächst", "Upcoming"),
    "events.past": ("Vergangen", "Past"),
    "events.none": ("Keine.", "None."),
    "events.filter": ("Filtern", "Filter"),
    "events.region": ("Region", "Region"),
    "events.topic": ("Thema", "Topic"),
    "events.organiser": ("Veranstalter", "Organisers"),
    "events.kind": ("Art", "Kind"),
    "events.any": ("alle", "any"),
    "events.apply": ("Anwenden", "Apply"),
    "events.reset": ("Filter aufheben", "Clear filters"),
    "events.subscribe": ("Diese Liste als Kalender abonnieren (iCalendar)", "Subscribe to this list as a calendar (iCalendar)"),
    "events.ics": ("In den Kalender (.ics)", "Add to calendar (.ics)"),
    "events.part_of": ("Teil von", "Part of"),
    "events.more": ("Mehr", "More"),
    "events.partial": ("nur {precision} angegeben – nicht im Kalender", "only the {precision} is stated – not in the calendar"),
    "events.precision.month": ("Monat", "month"),
    "events.precision.year": ("Jahr", "year"),
    "events.undated": ("{n} Veranstaltungen ohne Datum (meist Teile einer datierten) sind nicht aufgeführt.",
                       "{n} events without a date (mostly parts of a dated one) are not listed."),
    "nav.events": ("Veranstaltungen", "Events"),
    "map.title": ("Wer kooperiert mit wem?", "Who cooperates with whom?"),
    "map.search": ("Akteur suchen", "Find an actor"),
    "map.view.overview": ("Stärkste Verbindungen", "Strongest links"),
    "map.view.all": ("Ganzes Netzwerk", "Whole network"),
    "map.filters": ("Filter", "Filters"),
    "map.evidence": ("Belege", "Evidence"),
    "map.period": ("Zeitraum", "Period"),
    "map.since": ("von", "from"),
    "map.until": ("bis", "until"),
    "map.date.placeholder": ("JJJJ[-MM[-TT]]", "YYYY[-MM[-DD]]"),
    "map.region": ("Region", "Region"),
    "map.region.placeholder": ("z. B. Brandenburg", "e.g. Brandenburg"),
    "map.apply": ("Anwenden", "Apply"),
    "map.canvas": ("Netzwerkkarte (ziehen, zoomen, Akteur anklicken)", "Network map (drag, zoom, click an actor)"),
    "map.loading": ("Lade Netzwerk …", "Loading the network …"),
    "map.legend": ("Legende", "Legend"),
    "map.panels": ("Ansichten", "Panels"),
    "map.panel.details": ("Akteur", "Actor"),
    "map.panel.path": ("Pfad", "Path"),
    "map.panel.ranking": ("Rangliste", "Ranking"),
    "map.panel.communities": ("Gruppen", "Communities"),
    "map.panel.brokers": ("Vermittler", "Brokers"),
    "map.details.hint": ("Akteur auf der Karte anklicken oder suchen: seine Partner erscheinen hier, jeder mit Belegen.",
                         "Click or search an actor: its partners appear here, each with its evidence."),
    "map.details.page": ("Seite des Akteurs", "The actor's page"),
    "map.actor.placeholder": ("Name oder IRI", "name or IRI"),
    "map.path.from": ("Von", "From"),
    "map.path.to": ("Nach", "To"),
    "map.path.find": ("Pfad finden", "Find the path"),
    "map.ranking.measure": ("Maß", "Measure"),
    "map.ranking.show": ("Zeigen", "Show"),
    "map.measure.degree": ("Grad (Anteil verbundener Akteure)", "degree (share of actors linked to)"),
    "map.measure.betweenness": ("Zwischenzentralität (Anteil kürzester Wege)", "betweenness (share of shortest chains)"),
    "map.measure.eigenvector": ("Eigenvektor (nach Gewichten)", "eigenvector (on the link weights)"),
    "map.communities.hint": ("Louvain-Gruppen (networkx, fester Seed) nach Verbindungsgewichten.",
                             "Louvain communities (networkx, fixed seed) on the link weights."),
    "map.communities.colour": ("Nach Gruppen färben", "Colour by community"),
    "map.brokers.hint": ("Akteure mit Partnern in beiden Regionen; gleichmäßig verteilte zuerst.",
                         "Actors with partners in both regions; the most even spread first."),
    "map.brokers.a": ("Region 1", "Region 1"),
    "map.brokers.b": ("Region 2", "Region 2"),
    "map.brokers.find": ("Vermittler finden", "Find brokers"),
    "map.data": ("Daten", "Data"),
    "map.weights": ("Gewicht einer Verbindung je Beleg: {rule}.", "Weight of a link per piece of evidence: {rule}."),
    # used by network.js (handed over as JSON): placeholders in braces
    "map.js.stats": ("{nodes} Akteure, {edges} Verbindungen", "{nodes} actors, {edges} links"),
    "map.js.view.overview": ("Stärkste {edges} Verbindungen ohne die Programm-Knoten ({hubs}).",
                             "The strongest {edges} links without the programme hubs ({hubs})."),
    "map.js.view.all": ("Das ganze Netzwerk.", "The whole network."),
    "map.js.view.ego": ("Nachbarschaft von {name}.", "Neighbourhood of {name}."),
    "map.js.error": ("Nicht geladen: {message}", "Not loaded: {message}"),
    "map.js.partners": ("{type} · {n} Partner", "{type} · {n} partners"),
    "map.js.weight": ("Gewicht {weight}", "weight {weight}"),
    "map.js.source": ("Quelle", "source"),
    "map.js.none": ("Kein Akteur gefunden für „{q}“", "No actor found for “{q}”"),
    "map.js.path.steps": ("{from} und {to} sind in {n} Schritten verbunden.", "{from} and {to} are connected in {n} steps."),
    "map.js.path.none": ("Nicht verbunden: {message}", "Not connected: {message}"),
    "map.js.ranking.exact": ("Berechnet auf {nodes} Akteuren, {edges} Verbindungen; Zwischenzentralität exakt "
                             "(geschätzt erst ab {limit} Akteuren aus {sample} Stichproben-Startknoten).",
                             "Computed on {nodes} actors, {edges} links; betweenness exact (estimated only above "
                             "{limit} actors, from {sample} sampled sources)."),
    "map.js.ranking.sampled": ("Zwischenzentralität geschätzt aus {k} Stichproben-Startknoten (fester Seed), weil das "
                               "Netzwerk mehr als {limit} Akteure hat.",
                               "Betweenness estimated from {k} sampled sources (fixed seed) because the network has "
                               "more than {limit} actors."),
    "map.js.communities": ("{n} Gruppen, Modularität {modularity}", "{n} communities, modularity {modularity}"),
    "map.js.community": ("Gruppe {n}: {size} Akteure", "Community {n}: {size} actors"),
    "map.js.brokers": ("{n} Vermittler zwischen {a} und {b}", "{n} brokers between {a} and {b}"),
    "map.js.broker.partners": ("{region}: {names}", "{region}: {names}"),
    "map.js.other": ("sonstige", "other"),
    "type.Person": ("Person", "person"),
    "type.State": ("Land", "state"),
    "type.Municipality": ("Gemeinde/Stadt", "municipality"),
    "type.District": ("Kreis", "district"),
    "type.TerritorialAuthority": ("Gebietskörperschaft", "territorial authority"),
    "type.Ministry": ("Ministerium", "ministry"),
    "type.PublicAgency": ("Behörde", "public agency"),
    "type.EconomicDevelopmentAgency": ("Wirtschaftsförderung", "economic development agency"),
    "type.Company": ("Unternehmen", "company"),
    "type.Association": ("Verband/Netzwerk", "association"),
    "type.ResearchInstitute": ("Forschung", "research institute"),
    "type.Initiative": ("Initiative", "initiative"),
    "type.OrganisationalUnit": ("Organisationseinheit", "organisational unit"),
    "type.Organisation": ("Organisation", "organisation"),
    "ontology.classes": ("Klassen", "Classes"),
    "ontology.object": ("Objekteigenschaften", "Object properties"),
    "ontology.datatype": ("Datentypeigenschaften", "Datatype properties"),
    "ontology.reused": ("Wiederverwendete Begriffe", "Reused terms"),
    "ontology.reused.intro": (
        "Begriffe anderer Vokabulare, die smartregion verwendet; definiert werden sie dort.",
        "Terms of other vocabularies that smartregion uses; they are defined there."),
    "ontology.reused.classes": ("Klassen", "Classes"),
    "ontology.reused.properties": ("Eigenschaften", "Properties"),
    "ontology.reused.individuals": ("Individuen", "Individuals"),
    "ontology.schemes": ("Begriffsschemata", "Concept schemes"),
    "ontology.version": ("Version", "Version"),
    "ontology.namespace": ("Namensraum", "Namespace"),
    "ontology.prefix": ("Präfix", "Prefix"),
    "ontology.license": ("Lizenz", "Licence"),
    "ontology.modified": ("Geändert", "Modified"),
    "ontology.subclassof": ("Unterklasse von", "Subclass of"),
    "ontology.subpropertyof": ("Untereigenschaft von", "Subproperty of"),
    "ontology.domain": ("Definitionsbereich", "Domain"),
    "ontology.range": ("Wertebereich", "Range"),
    "ontology.inverse": ("Invers zu", "Inverse of"),
    "ontology.symmetric": ("symmetrisch", "symmetric"),
    "ontology.definedby": ("Definiert in", "Defined by"),
    "ontology.kind.class": ("Klasse", "class"),
    "ontology.kind.object": ("Objekteigenschaft", "object property"),
    "ontology.kind.datatype": ("Datentypeigenschaft", "datatype property"),
    "ontology.kind.annotation": ("Annotationseigenschaft", "annotation property"),
    "ontology.kind.individual": ("Individuum", "individual"),
    "ontology.contents": ("Inhalt", "Contents"),
    "notfound.title": ("Nicht gefunden", "Not found"),
    "notfound.text": ("Diese IRI kennt der Graph nicht:", "The graph does not know this IRI:"),
    "notfound.path": ("Hier gibt es keine Seite:", "There is no page here:"),
    "notfound.suggestions": ("Meinten Sie …", "Did you mean …"),
    "notfound.formats": ("Endungen, die es gibt: {suffixes}", "Suffixes there are: {suffixes}"),
    "footer.licence": ("Daten und Ontologie: siehe Lizenz der jeweiligen Quelle.",
                       "Data and ontology: see the licence of each source."),
    "kind.cooperation": ("Kooperation", "cooperation"),
    "kind.co-organisation": ("gemeinsame Veranstaltung", "co-organised event"),
    "kind.project": ("Projekt", "project"),
    "kind.role": ("Rolle", "role"),
    "kind.organisational": ("organisatorisch", "organisational"),
    "kind.session": ("gemeinsame Session", "shared session"),
    "kind.event-programme": ("Veranstaltung eines Programms", "event of a programme"),
    # the map of places (web/map.py)
    "nav.map": ("Karte", "Map"),
    "places.title": ("Karte der Orte", "Map of places"),
    "places.intro": (
        ("Modellprojekte Smart Cities, Organisationen, Veranstaltungen und kooperierende Kommunen an ihrem Ort. "
         "Ein Klick auf einen Punkt führt zu seiner Seite; hohle Punkte stehen nur ungefähr (in der Mitte ihres Kreises)."),
        ("Model projects Smart Cities, organisations, events and cooperating municipalities where they are. "
         "Click a marker for its page; hollow markers stand only approximately (at the centre of their district).")),
    "places.filter": ("Filter", "Filter"),
    "places.filter.kind": ("Art", "Kind"),
    "places.filter.programme": ("Programm", "Programme"),
    "places.filter.all": ("alle Programme", "all programmes"),
    "places.filter.none": ("ohne Programm", "without a programme"),
    "places.filter.apply": ("Anwenden", "Apply"),
    "places.kind.project": ("Projekte", "projects"),
    "places.kind.organisation": ("Organisationen", "organisations"),
    "places.kind.event": ("Veranstaltungen", "events"),
    "places.kind.territory": ("kooperierende Gebietskörperschaften", "cooperating territories"),
    "places.count": ("Punkte", "markers"),
    "places.list": ("Alle Punkte als Liste", "All markers as a list"),
    "places.at": ("in", "in"),
    "places.approximate": ("Lage ungefähr", "approximate position"),
    "places.label": ("Karte Deutschlands mit den Punkten", "Map of Germany with the markers"),
    "places.attribution": (
        "Umrisse: Natural Earth (gemeinfrei); Lagen: GeoNames, CC BY 4.0",
        "Outlines: Natural Earth (public domain); positions: GeoNames, CC BY 4.0"),
    # -- the workbench: query editor, question pages, browsing, catalogue (web/editor.py, questions_pages.py, browse.py)
    "editor.title": ("SPARQL-Abfrageeditor", "SPARQL query editor"),
    "editor.intro": ("Abfragen in SPARQL 1.1 schreiben und ausführen; Strg+Leertaste ergänzt Präfixe, Klassen und "
                     "Eigenschaften der Ontologie.", "Write and run SPARQL 1.1 queries; Ctrl+Space completes prefixes, "
                     "classes and properties of the ontology."),
    "editor.limits": ("Grenzen je Abfrage: {seconds} s Rechenzeit, {rows} Zeilen, {bytes} Bytes.",
                      "Limits per query: {seconds} s of time, {rows} rows, {bytes} bytes."),
    "editor.unlimited": ("unbegrenzt", "no limit"),
    "editor.examples": ("Beispiel aus dem Fragenkatalog", "Example from the question catalogue"),
    "editor.examples.choose": ("– Beispiel laden –", "– load an example –"),
    "editor.query": ("SPARQL-Abfrage", "SPARQL query"),
    "editor.run": ("Ausführen", "Run"),
    "editor.keys": ("oder Strg+Eingabe", "or Ctrl+Enter"),
    "editor.download": ("Herunterladen", "Download"),
    "editor.open": ("Im Abfrageeditor öffnen", "Open in the query editor"),
    "editor.js.running": ("Abfrage läuft …", "Running the query …"),
    "editor.js.failed": ("Fehler – {reason}", "Failed – {reason}"),
    "editor.js.done": ("{rows} Zeilen in {seconds} s.", "{rows} rows in {seconds} s."),
    "editor.js.done.graph": ("Graph in {seconds} s.", "Graph in {seconds} s."),
    "editor.js.done.boolean": ("Antwort in {seconds} s.", "Answer in {seconds} s."),
    "editor.js.yes": ("ja (true)", "yes (true)"),
    "editor.js.no": ("nein (false)", "no (false)"),
    "editor.js.cut.rows": ("Die Antwort wurde nach {limit} Zeilen abgeschnitten (Zeilengrenze).",
                           "The answer was cut after {limit} rows (the row limit)."),
    "editor.js.cut.bytes": ("Die Antwort wurde bei {limit} Bytes abgeschnitten (Größengrenze).",
                            "The answer was cut at {limit} bytes (the size limit)."),
    "editor.js.previous": ("‹ zurück", "‹ previous"),
    "editor.js.next": ("weiter ›", "next ›"),
    "editor.js.page": ("Seite {page} von {pages}", "page {page} of {pages}"),
    "editor.js.chart": ("?{value} je ?{name}", "?{value} per ?{name}"),
    "editor.js.chart.first": ("(die ersten {n})", "(the first {n})"),
    "questions.title": ("Fragenkatalog", "Question catalogue"),
    "questions.intro": ("Fertige Fragen an den Graphen, jede mit ihrer SPARQL-Abfrage und ihren Parametern. Wo ein "
                        "Akteur, Ort oder Projekt gefragt ist, genügt sein Name, seine Abkürzung oder sein amtlicher "
                        "Schlüssel.", "Ready-made questions to the graph, each with its SPARQL query and parameters. "
                        "Where an actor, place or project is asked for, its name, abbreviation or official key will do."),
    "questions.parameters": ("Parameter", "Parameters"),
    "questions.none": ("keine", "none"),
    "questions.ask": ("Fragen", "Ask"),
    "questions.answer": ("Antwort", "Answer"),
    "questions.rows": ("{n} Zeilen", "{n} rows"),
    "questions.truncated": ("Die Antwort wurde abgeschnitten (Zeilen- oder Größengrenze).",
                            "The answer was cut (row or size limit)."),
    "questions.query": ("Die SPARQL-Abfrage", "The SPARQL query"),
    "questions.optional": ("optional", "optional"),
    "questions.iri": ("eine IRI, ein Name, eine Abkürzung oder ein amtlicher Schlüssel (AGS, ARS)",
                      "an IRI, a name, an abbreviation or an official key (AGS, ARS)"),
    "questions.error": ("Die Frage konnte nicht beantwortet werden", "The question could not be answered"),
    "browse.title": ("Stöbern", "Browse"),
    "browse.intro": ("Alle Dinge des Graphen nach Klasse, mit Filtern (Facetten) und ihren Anzahlen.",
                     "Everything in the graph by class, with filters (facets) and their counts."),
    "browse.class": ("Klasse", "Class"),
    "browse.count": ("Anzahl", "Count"),
    "browse.items": ("{n} Einträge", "{n} entries"),
    "browse.sort": ("Sortierung", "Sort"),
    "browse.sort.label": ("Name A–Z", "name A–Z"),
    "browse.sort.-label": ("Name Z–A", "name Z–A"),
    "browse.sort.date": ("Datum, älteste zuerst", "date, oldest first"),
    "browse.sort.-date": ("Datum, neueste zuerst", "date, newest first"),
    "browse.facets": ("Filter", "Filters"),
    "browse.active": ("Aktive Filter", "Active filters"),
    "browse.remove": ("entfernen", "remove"),
    "browse.previous": ("‹ zurück", "‹ previous"),
    "browse.next": ("weiter ›", "next ›"),
    "browse.page": ("Seite {page} von {pages}", "page {page} of {pages}"),
    "browse.more": ("… und {n} weitere", "… and {n} more"),
    "facet.type": ("Typ", "Type"),
    "facet.state": ("Bundesland", "State"),
    "facet.district": ("Landkreis", "District"),
    "facet.topic": ("Thema", "Topic"),
    "facet.programme": ("Programm", "Programme"),
    "facet.source": ("Quelldokument", "Source document"),
    "facet.year": ("Jahr", "Year"),
    "home.browse": ("Alle Einträge nach Klasse, mit Filtern", "Every entry by class, with filters"),
    "home.overview": ("Überblick", "Overview"),
    "home.per.class": ("Einträge je Klasse", "Entries per class"),
    "home.per.state": ("Akteure je Bundesland", "Actors per state"),
    "catalog.title": ("Datenkatalog", "Data catalogue"),
    "catalog.intro": ("Die Datensätze dieses Dienstes, wie Open-Data-Portale sie über DCAT-AP.de abholen.",
                      "The datasets of this service, as open-data portals harvest them through DCAT-AP.de."),
    "catalog.license": ("Lizenz", "Licence"),
    "catalog.coverage": ("Abdeckung", "Coverage"),
    "catalog.dumps": ("Downloads", "Downloads"),
    "catalog.size": ("Größe", "Size"),
    "catalog.checksum": ("SHA-256", "SHA-256"),
    "catalog.endpoint": ("SPARQL-Endpunkt", "SPARQL endpoint"),
    "nav.browse": ("Stöbern", "Browse"),
    # /contribute (web/contribute.py, static/contribute.js)
    "nav.contribute": ("Beitragen", "Contribute"),
    "contribute.title": ("Daten beitragen", "Contribute data"),
    "contribute.intro": (
        ("Laden Sie eine Vorlage herunter, füllen Sie sie aus (eine Zeile je Eintrag; die Beispielzeile ersetzen) und "
         "laden Sie sie hier hoch. Zuerst prüft ein Probelauf die Datei und zeigt, was hinzukäme, und jedes Problem "
         "mit Zeile und Spalte; erst danach wird importiert."),
        ("Download a template, fill it in (one row per entry; replace the example row) and upload it here. A dry run "
         "checks the file first and shows what would be added, and every problem by row and column; only then is "
         "it imported.")),
    "contribute.templates": ("Vorlagen", "Templates"),
    "contribute.kind": ("Art", "Kind"),
    "contribute.what": ("Was hinein gehört", "What goes in"),
    "contribute.download": ("Herunterladen", "Download"),
    "contribute.upload": ("Hochladen", "Upload"),
    "contribute.file": ("Datei (CSV oder XLSX)", "File (CSV or XLSX)"),
    "contribute.agent": ("Ihr Name oder Ihre Organisation", "Your name or organisation"),
    "contribute.token": ("Schreib-Token", "Write token"),
    "contribute.token.help": (
        "Wird nur mit dieser Anfrage gesendet, nie in einer Adresse und nie gespeichert.",
        "Sent with this request only, never in an address and never stored."),
    "contribute.check": ("Prüfen (Probelauf)", "Check (dry run)"),
    "contribute.import": ("Importieren", "Import"),
    "contribute.api": ("Die Schreib-API (JSON) ist beschrieben in der", "The write API (JSON) is described in the"),
    "contribute.js.nofile": ("Bitte eine CSV- oder XLSX-Datei wählen.", "Please choose a CSV or XLSX file."),
    "contribute.js.checking": ("Prüfe …", "Checking …"),
    "contribute.js.importing": ("Importiere …", "Importing …"),
    "contribute.js.ok": ("Probelauf bestanden: {triples} Aussagen kämen hinzu ({new} neue, {updated} ergänzte Einträge). "
                         "Nichts wurde geschrieben.",
                         "Dry run passed: {triples} statements would be added ({new} new, {updated} updated entries). "
                         "Nothing was written."),
    "contribute.js.problems": ("{n} Probleme; nichts wurde geschrieben.", "{n} problems; nothing was written."),
    "contribute.js.done": ("Importiert als Beitrag {id}: {triples} Aussagen.", "Imported as contribution {id}: {triples} statements."),
    "contribute.js.unauthorised": ("Ohne gültiges Schreib-Token wird nichts geschrieben.",
                                   "Without a valid write token nothing is written."),
    "contribute.js.failed": ("Fehler", "Error"),
    "contribute.js.entry": ("Eintrag", "Entry"),
    "contribute.js.types": ("Typ", "Type"),
    "contribute.js.status": ("Status", "Status"),
    "contribute.js.statements": ("Aussagen", "Statements"),
    "contribute.js.new": ("neu", "new"),
    "contribute.js.updated": ("ergänzt", "updated"),
    "contribute.js.row": ("Zeile", "Row"),
    "contribute.js.column": ("Spalte", "Column"),
    "contribute.js.problem": ("Problem", "Problem"),
    "contribute.js.fix": ("Was tun", "How to fix"),
    "contribute.js.candidates": ("Meinten Sie", "Did you mean"),
    "contribute.js.warnings": ("Hinweise", "Notes"),
    "contribute.js.show": ("Beitrag ansehen", "View the contribution"),
}

# Names of a few IRIs the graph uses but does not label itself (RDF's own terms, reference values).
TERMS: dict[str, tuple[str, str]] = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ("Typ", "type"),
    "http://www.w3.org/2000/01/rdf-schema#label": ("Bezeichnung", "label"),
    "http://www.w3.org/2000/01/rdf-schema#comment": ("Anmerkung", "comment"),
    "http://www.w3.org/2004/02/skos/core#prefLabel": ("Bezeichnung", "preferred label"),
    "http://www.w3.org/2002/07/owl#sameAs": ("identisch mit", "same as"),
    "http://publications.europa.eu/resource/authority/language/DEU": ("Deutsch", "German"),
    "http://www.w3.org/2003/01/geo/wgs84_pos#lat": ("geografische Breite (WGS84)", "latitude (WGS84)"),
    "http://www.w3.org/2003/01/geo/wgs84_pos#long": ("geografische Länge (WGS84)", "longitude (WGS84)"),
    "http://publications.europa.eu/resource/authority/language/ENG": ("Englisch", "English"),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` for one language; an unknown key is returned as it is (visible, never a crash)."""
    index = LANGUAGES.index(lang)

    def t(key: str, **values: object) -> str:
        pair = STRINGS.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t


MONTHS = (("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
           "Dezember"),
          ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
           "December"))


def month_name(month: int, lang: str) -> str:
    """The name of a month (1–12) in the language."""
    return MONTHS[LANGUAGES.index(lang)][month - 1]


def number(n: int, lang: str) -> str:
    """A whole number with the thousands separator of the language (12.345 / 12,345)."""
    return f"{n:,}".replace(",", "." if lang == "de" else ",")


def _from_accept_language(header: str) -> str | None:
    """The language of ours with the highest q in an Accept-Language header (RFC 9110 §12.5.4)."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        tag = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.split("-")[0]
        lang = DEFAULT if primary == "*" else primary
        if lang in LANGUAGES and q > 0 and (best is None or (q, -position) > (best[0], best[1])):
            best = (q, -position, lang)
    return best[2] if best else None


def choose(query: str | None, cookies: Mapping[str, str], accept_language: str | None) -> str:
    """The page language: ``?lang=`` wins, then the remembered choice (cookie), then Accept-Language."""
    for candidate in (query, cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return (accept_language and _from_accept_language(accept_language)) or DEFAULT
