"""The words and proportions synthetic data is made of: states, place names, people, kinds, roles."""

# The 16 Länder: name, English name, key, and how many of the 400 Kreise lie in each (as in reality),
# so that districts and municipalities spread over the states as they do.
STATES = (
    ("Schleswig-Holstein", "Schleswig-Holstein", "01", 15), ("Hamburg", "Hamburg", "02", 1),
    ("Niedersachsen", "Lower Saxony", "03", 45), ("Bremen", "Bremen", "04", 2),
    ("Nordrhein-Westfalen", "North Rhine-Westphalia", "05", 53), ("Hessen", "Hesse", "06", 26),
    ("Rheinland-Pfalz", "Rhineland-Palatinate", "07", 36), ("Baden-Württemberg", "Baden-Württemberg", "08", 44),
    ("Bayern", "Bavaria", "09", 96), ("Saarland", "Saarland", "10", 6), ("Berlin", "Berlin", "11", 1),
    ("Brandenburg", "Brandenburg", "12", 18), ("Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania", "13", 8),
    ("Sachsen", "Saxony", "14", 13), ("Sachsen-Anhalt", "Saxony-Anhalt", "15", 14), ("Thüringen", "Thuringia", "16", 22),
)

ROOTS = (
    "Ahrens", "Bern", "Birken", "Blanken", "Brand", "Buch", "Eich", "Elster", "Falken", "Fichten", "Franken", "Frei",
    "Fried", "Grün", "Hagen", "Hamm", "Hart", "Hirsch", "Hohen", "Kirch", "Königs", "Lichten", "Linden", "Marien",
    "Mühl", "Neu", "Ober", "Oster", "Rosen", "Rot", "Sand", "Schön", "Schwarz", "Stein", "Sonnen", "Tann", "Wald",
    "Weiß", "Wester", "Wies", "Wolfs", "Zell",
)
ENDINGS = (
    "bach", "berg", "born", "brück", "burg", "dorf", "feld", "furt", "hagen", "hain", "hausen", "heide", "heim",
    "hof", "holz", "kirchen", "lage", "leben", "ow", "rode", "see", "stadt", "stedt", "tal", "walde", "werder",
    "wiese", "witz",
)
QUALIFIERS = ("", " an der Elbe", " am Main", " (Oder)", " in der Heide", " am See", " im Tal", " an der Saale",
               " (Spree)", " am Rhein", " im Harz")
FIRST_NAMES = (
    "Anna", "Andreas", "Birgit", "Bernd", "Claudia", "Christian", "Daniela", "Dirk", "Elena", "Erik", "Franziska",
    "Frank", "Gabriele", "Georg", "Hanna", "Heiko", "Ines", "Jan", "Julia", "Jens", "Katrin", "Klaus", "Lena",
    "Lars", "Maria", "Markus", "Nadine", "Nils", "Olga", "Oliver", "Petra", "Paul", "Ruth", "Ralf", "Sabine",
    "Stefan", "Tanja", "Thomas", "Ulrike", "Uwe", "Vera", "Volker", "Wiebke", "Wolfgang", "Yvonne", "Zoe",
    "Ayşe", "Mehmet", "Jörg", "Jürgen",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser",
    "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich",
    "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht",
    "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein",
    "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Yılmaz",
    "Kaya", "Nowak", "Kowalski", "Dietrich", "Engel", "Arnold", "Pohl", "Kuhn", "Busch", "Horn", "Bergmann",
    "Thomas", "Voigt", "Sauer",
)
TITLES = ("Dr.", "Prof. Dr.", "Dr.-Ing.")
OCCUPATIONS = ("Stadtplanerin", "Wirtschaftsinformatiker", "Verwaltungswirtin", "Geograph", "Ingenieurin",
                "Politikwissenschaftler", "Sozialpädagogin", "Informatiker")

# Organisation kinds with their share of all organisations and how their names are made; a name
# template gets a place name ({place}) and a word from its own list ({word}).
ORGANISATION_KINDS: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Company", 0.33, ("{word} {place} GmbH", "{word} {place} AG"),
     ("Datenwerk", "Netzwerkstatt", "Digitalschmiede", "Codefabrik", "Cloudhaus", "Sensorik", "Geodaten",
      "Mobilitätslabor", "Plattformbau", "Energiedaten")),
    ("Association", 0.14, ("{word} {place} e. V.",),
     ("Digitalverein", "Förderverein Breitband", "Netzwerk Smarte Region", "Bürgernetz", "Coworking-Verein",
      "Verein Dorfleben digital")),
    ("PublicAgency", 0.08, ("{word} {place}",),
     ("Zweckverband Breitband", "Kommunales Rechenzentrum", "Amt für Geoinformation", "Digitalagentur",
      "Landesamt für Digitalisierung")),
    ("Ministry", 0.01, ("{word}",), ()),
    ("EconomicDevelopmentAgency", 0.08, ("{word} {place}",),
     ("Wirtschaftsförderung", "Wirtschaftsförderungsgesellschaft", "Standortagentur", "Gründerzentrum")),
    ("ResearchInstitute", 0.08, ("{word} {place}",),
     ("Hochschule", "Technische Hochschule", "Institut für Regionalentwicklung", "Forschungszentrum Digitale Dörfer")),
    ("Initiative", 0.10, ("{word} {place}",),
     ("Smart", "Digitales Dorf", "Initiative Heimat digital", "Landlabor", "Zukunftswerkstatt")),
    ("OrganisationalUnit", 0.05, ("{word} {place}",),
     ("Geschäftsstelle", "Stabsstelle Digitalisierung", "Koordinierungsstelle", "Transferstelle")),
    ("Organisation", 0.13, ("{word} {place}",),
     ("Stadtwerke", "Sparkasse", "Klinikum", "Volkshochschule", "Bibliothek", "Verkehrsverbund")),
)
MINISTRY_FIELDS = ("Digitales", "Wirtschaft und Energie", "Infrastruktur und Landesplanung", "Inneres und Kommunales",
                    "Ländliche Entwicklung")
PROJECT_KINDS = (("Project", 0.5), ("App", 0.12), ("Platform", 0.12), ("QualificationProgramme", 0.08),
                 ("ConsultingProject", 0.1), ("Strategy", 0.08))
PROJECT_WORDS = {"App": "App", "Platform": "Plattform", "Strategy": "Digitalstrategie"}  # others: "Projekt"
SESSION_KINDS = {"Session": "Session", "Panel": "Podium", "Talk": "Vortrag", "Workshop": "Workshop"}
ROLE_WEIGHTS = {"employee": 30, "expert": 12, "project-manager": 12, "manager": 8, "lead": 10, "deputy-lead": 5,
                "programme-lead": 4, "head-of-unit": 5, "head-of-division": 4, "board-member": 5, "spokesperson": 3,
                "president": 1, "state-secretary": 1}
JOB_TITLES = {"employee": "Referentin", "expert": "Fachexperte", "project-manager": "Projektmanagerin",
              "manager": "Manager Digitalisierung", "lead": "Geschäftsführer", "deputy-lead": "Stellvertretende Leiterin",
              "programme-lead": "Programmleiterin", "head-of-unit": "Referatsleiter", "head-of-division": "Bereichsleiterin",
              "board-member": "Vorstandsmitglied", "spokesperson": "Sprecherin", "president": "Präsident",
              "state-secretary": "Staatssekretärin"}
DOCUMENT_KINDS = ("event-announcement", "event-report", "project-report")
ATTENDANCE = ("schema:OfflineEventAttendanceMode", "schema:OnlineEventAttendanceMode", "schema:MixedEventAttendanceMode")
ENTITIES_PER_SOURCE = 1000  # organisations per source document (named graph)
