"""Word lists for the synthetic news corpus (`gen.py`).

Everything here is written for this benchmark: topic vocabularies, generic
news English, name parts and outlets. People, places and organisations are
fictional, built from the parts below, so that no real person is quoted and
no real article is copied. The lists are plain data; `gen.py` draws from them
with a seeded random generator, so the same seed gives the same corpus.
"""

# Forty topics, each with words that articles on it keep using. Sharing
# vocabulary within a topic (and some across neighbouring topics, such as
# Markets and Banking) is what makes related stories findable.
TOPICS = {
    "Politics": "parliament coalition minister cabinet opposition vote party leader reform bill mandate senate speaker majority",
    "Elections": "ballot campaign candidate polling turnout constituency primary runoff electorate debate recount voters incumbent manifesto",
    "Economy": "inflation growth recession output productivity consumer spending forecast deficit budget stimulus wages unemployment",
    "Markets": "shares index investors stocks bonds yields trading rally selloff futures dividend earnings valuation",
    "Banking": "lender deposits loans mortgage regulator capital liquidity interest rates credit branch fintech lending",
    "Energy": "power grid electricity pipeline refinery turbines solar oil gas utility reactor fuel storage",
    "Climate": "emissions warming carbon pledge summit targets methane adaptation net-zero heatwave drought glacier",
    "Environment": "pollution river forest wildlife conservation wetlands species plastic habitat logging reserve biodiversity",
    "Weather": "storm rainfall forecast temperatures snow winds flooding cyclone humidity frost thunderstorms warnings",
    "Disasters": "earthquake evacuation rescue flood landslide wildfire aftershock shelters relief casualties damage emergency",
    "Health": "hospital patients vaccine doctors nurses clinic outbreak treatment surgery waiting-lists infection pharmacy",
    "Science": "researchers study laboratory experiment physicists genome telescope findings journal particles species fossil",
    "Technology": "software chips smartphone platform users devices cloud update processor startup network app",
    "Artificial Intelligence": "model chatbot training algorithms datasets automation compute benchmark regulation neural robotics inference",
    "Space": "rocket launch orbit satellite mission astronauts lunar probe spacecraft station payload booster",
    "Cybersecurity": "hackers breach ransomware malware vulnerability patch attack passwords phishing encryption intrusion leak",
    "Education": "schools teachers pupils exams curriculum university students tuition campus lecturers grades enrolment",
    "Crime": "police arrest suspect investigation robbery detectives charges fraud theft shooting gang officers",
    "Courts": "judge trial verdict appeal lawsuit ruling jury prosecutors defendant sentence hearing testimony",
    "Immigration": "migrants asylum border visas refugees deportation crossings residency quota smugglers citizenship detention",
    "Defence": "army troops military drills navy warships missiles procurement soldiers garrison airbase munitions",
    "Diplomacy": "ambassador talks summit treaty envoy negotiations ceasefire delegation sanctions embassy accord mediation",
    "Trade": "tariffs exports imports customs shipping deal quotas containers supply-chain freight surplus port",
    "Agriculture": "farmers harvest crops wheat livestock fertiliser irrigation dairy yields subsidies orchards cattle",
    "Transport": "railway trains commuters airport flights motorway buses timetable strike tickets tunnel fares",
    "Housing": "rents landlords tenants construction homes mortgage prices developers planning affordable eviction estate",
    "Labour": "union workers strike wages pay-deal employers shifts pensions overtime walkout bargaining contracts",
    "Football": "club league striker goal manager transfer stadium season midfielder cup penalty fixtures",
    "Tennis": "tournament seed final serve set champion grand-slam rally ranking doubles court racket",
    "Cricket": "wicket innings batsman bowler test series runs pitch captain over boundary stumps",
    "Culture": "museum exhibition gallery artists heritage festival collection curator theatre sculpture archive opera",
    "Film": "director premiere box-office actors studio sequel festival screenplay cinema streaming trailer awards",
    "Music": "album band concert tour singer chart festival record label guitarist songs orchestra",
    "Books": "novel author publisher prize memoir readers bestseller poetry fiction library translation edition",
    "Religion": "church bishop mosque temple clergy pilgrims faith congregation synod worship diocese festival",
    "Media": "broadcaster newspaper journalists editor channel ratings licence newsroom podcast subscribers press",
    "Tourism": "visitors hotels resort bookings travellers cruise beaches season attractions guides airlines heritage",
    "Food": "restaurant chef prices groceries supermarket recipes bakery harvest menu produce diners kitchen",
    "Startups": "founders funding venture seed-round valuation investors accelerator unicorn acquisition pitch scaleup",
    "Cities": "mayor council district transit parks zoning neighbourhood residents municipal budget sidewalks redevelopment",
}

# Generic news English, used by every topic. The frequency skew (the first
# words are drawn more often) follows the long tail real text has.
NOUNS = """government plan report officials week month year statement people
country region city talks decision changes figures analysts data support
problem proposal agreement review meeting committee programme policy
spokesperson crisis progress concerns measures impact costs funding future
project system pressure response rules increase decline record level share
period process strategy community families services sector industry market
conditions risk warning investigation questions evidence effort leaders
group plans deadline details version result position interview announcement
criticism challenge opportunity difficulties shortage majority minority
estimate average survey study outcome phase target vote deal response""".split()

VERBS = """said announced confirmed warned expected reported rejected approved
proposed denied criticised welcomed launched delayed reviewed increased
reduced promised suggested argued insisted acknowledged revealed planned
considered questioned defended urged signalled agreed postponed expanded
cancelled completed blocked backed praised doubted examined estimated
outlined predicted""".split()

ADJECTIVES = """new major local national key recent significant final early
latest official public senior serious growing strong weak higher lower
unexpected long-term short-term previous regional international private
independent difficult sharp modest broad careful formal cautious detailed
controversial""".split()

FIRST_NAMES = """Amara Tobias Ingrid Rafael Leila Mateo Sofia Jonas Priya Daniel
Hana Omar Elena Viktor Nadia Felix Clara Samuel Yara Lukas Marta Idris Chloe
Arjun Greta Kofi Irina Paolo Zara Henrik Mei Tomas Aisha Bruno Lena Nikolai
Freya Diego Noor Emil Beatrix Kenji Olga Lars Imani Pablo Selin Anton Maya
Julian Ruth Caspar Dalia Hugo Vera Malik Astrid Leon Nina Ezra""".split()

SURNAMES = """Okafor Lindqvist Moreau Castellano Haddad Novak Brennan Tanaka
Kowalski Adeyemi Varga Rossi Mendes Petrov Holm Farouk Duarte Whitlock
Nakamura Fischer Oyelaran Marchetti Quist Sandoval Bergstrom Achebe Lazaro
Demir Vance Halloran Ibsen Karimi Ferreira Osei Lindgren Castro Dubois
Keller Mwangi Strand Ortega Yilmaz Hartmann Nilsen Abara Solberg Kaplan
Reyes Falk Aziz Navarro Engel Obi Larsen Serrano Weiss Nkemelu Blom Toft""".split()

# Syllables for fictional place names ("Varnholm", "Castelbrook").
PLACE_HEADS = """Varn Castel Marl Ost Bren Kel Dun Rav Sel Tor Hal Asp Wen Cor
Lind Mor Ester Gal Fen Brook Ald Quen Tarn Wyn Dor Mer Sund Ash Nor Bel""".split()
PLACE_TAILS = """holm brook ford stad mouth vale haven wick port by field ton
mere gate bridge dale burgh more ness wood""".split()

# Kinds of organisation; "{P}" is replaced by a place, "{T}" by a topic word.
ORG_PATTERNS = [
    "{P} City Council",
    "{P} Port Authority",
    "Ministry of {T}",
    "{P} {T} Board",
    "National {T} Agency",
    "{P} University",
    "{P} Holdings",
    "{P} Workers Union",
    "{P} Institute",
    "{T} Commission",
    "{P} General Hospital",
    "{P} Development Bank",
]

ROLES = """minister spokesperson director chair chief executive secretary mayor
analyst economist professor lawyer commissioner adviser governor official
researcher coach founder""".split()

# Outlets, each with the UTC offset it writes dates in and its web domain.
SOURCES = [
    ("The Northern Courier", "+00:00", "northern-courier"),
    ("Harbour Daily", "+01:00", "harbour-daily"),
    ("The Evening Ledger", "-05:00", "evening-ledger"),
    ("Continental Wire", "+01:00", "continental-wire"),
    ("The Meridian Post", "+02:00", "meridian-post"),
    ("Riverside Herald", "+00:00", "riverside-herald"),
    ("Eastern Standard", "+05:30", "eastern-standard"),
    ("Pacific Observer", "+09:00", "pacific-observer"),
    ("The Civic Record", "-05:00", "civic-record"),
    ("Metro Bulletin", "+01:00", "metro-bulletin"),
    ("The Sentinel Review", "-08:00", "sentinel-review"),
    ("Atlas News Service", "+00:00", "atlas-news"),
    ("The Plainsman", "-06:00", "plainsman"),
    ("Coastal Times", "+10:00", "coastal-times"),
    ("The Lantern", "+02:00", "the-lantern"),
    ("Market Street Journal", "-05:00", "market-street"),
    ("Highland Gazette", "+00:00", "highland-gazette"),
    ("The Daily Compass", "+03:00", "daily-compass"),
    ("Southern Dispatch", "-03:00", "southern-dispatch"),
    ("The Weekly Almanac", "+01:00", "weekly-almanac"),
]

WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

# Sentence templates. Slots: {p} {p2} people, {r} role, {o} organisation,
# {l} place, {t} {t2} topic words, {n} generic noun, {n2} period, {v} verb,
# {a} adjective, {d} weekday, {k} a count, {q} a percentage. A slot written
# {a_x} comes with its indefinite article ("a major", "an early"), {A_x}
# with a capital one; `gen.py` compiles each template into one function.
SENTENCES = [
    "{p}, the {r} of {o}, {v} on {d} that the {t} {n} would be {a}.",
    "The {a} {t} {n} in {l} was {v} by {o} after {k} days of {t2}.",
    "Officials in {l} {v} that {t} and {t2} remain the main {n}.",
    "\"We have seen {a_a} {n} in {t},\" {p} told reporters in {l}.",
    "According to {o}, {t} rose by {q} percent over the {n}.",
    "{p} {v} the {t2} {n}, saying it was {a} for {l}.",
    "The {n} follows {a} {t} in {l}, where {o} has {v} {k} {t2} measures.",
    "Critics of {o} {v} that the {t} {n} had been {a} from the start.",
    "In {l}, {k} people joined {a_a} {n} over {t} on {d}.",
    "{o} {v} {a_a} review of its {t} {n} and {t2} plans.",
    "The {t} figures, {v} by {o}, show {a_q} percent change in {t2}.",
    "{p} and {p2} {v} the {t} {n} at a meeting in {l}.",
    "Analysts {v} that {a} {t} could weigh on the {t2} {n} this {n2}.",
    "It is the {a} {n} of its kind since {o} {v} its {t} rules.",
    "{p} said the {t2} {n} in {l} was \"{a} but manageable\".",
    "{A_r} at {o}, who asked not to be named, {v} the {t} {n}.",
    "The {t} {n} is expected to reach {l} by {d}, {o} {v}.",
    "Residents of {l} {v} the {t} {n}, citing {a} {t2}.",
    "{o} has {v} {k} {t} cases this {n2}, up from {k} a year earlier.",
    "On {d}, {p} {v} {a_a} {t2} {n} for {l}.",
    "The {a} {t} debate has {v} {o} and its {t2} partners.",
    "Talks between {o} and {p} on {t} {v} without {a_n}.",
    "{p2}, {a_r} based in {l}, {v} that {t} would remain {a}.",
    "Data from {o} suggest {t2} in {l} is more {a} than a year ago.",
    "The {t} {n} comes as {o} faces {a} questions over {t2}.",
    "Earlier this {n2}, {p} {v} that {l} needed {a_a} {t} {n}.",
    "{p} did not respond to a request for comment on the {t} {n}.",
    "The move was {v} by {p2}, who leads the {t2} {n} at {o}.",
    "Some {k} {t} {n} were recorded in {l} last {n2}, {o} said.",
    "\"This is about {t}, not {t2},\" {p} said on {d}.",
    "The {a} {n} over {t} has divided opinion in {l}.",
    "{o} said its {t} {n} would be {v} before the end of the {n2}.",
    "One {t2} {n} in {l} drew {k} responses, {p2} said.",
    "Neither {o} nor {p} {v} the {t} figures on {d}.",
    "It remains unclear how the {t} {n} will affect {l}.",
    "Observers in {l} expect the {t} question to return within a {n2}.",
]

TITLES = [
    "{P} {v} {t} {n} in {L}",
    "{O} {v} {a} {t} {n}",
    "{L} {t} {n} {v} as {t2} grows",
    "{A} {t} {n} for {L}, {O} says",
    "{P} on {t}: {a} {n} ahead",
    "{T} {n} {v} after {t2} talks in {L}",
    "{O} and {P} clash over {t}",
    "{L} faces {a} {t} {n}",
    "Why the {t} {n} matters for {L}",
    "{T} and {t2}: {O} {v} new {n}",
]

HEADINGS = [
    "What happens next", "Background", "The {t} question", "Reaction in {L}",
    "{A_a} {n}", "Numbers behind the {t}", "What {O} says", "Wider {t2}",
]

# Parts of made-up words for the long tail of the vocabulary. Real news uses
# tens of thousands of distinct words, most of them rarely; a corpus built
# from a few hundred would make every article look like every other one on
# its topic. These give 20,000+ distinct, pronounceable, stemmable words.
ONSETS = "b br c ch cl d dr f fl g gr h j k l m n p pl pr r s sc sh sl st t th tr v w z".split()
VOWELS = "a e i o u a e i o ai ea ee ou".split()
CODAS = ["", "", "", "n", "r", "l", "s", "st", "nd", "m", "t", "ck"]
SUFFIXES = ["", "", "", "er", "ing", "ment", "tion", "ity", "ance", "ism", "ery", "ure", "ade"]
