"""Invented names for the demo council: staff, districts and partner agencies. Never real data.

Children carry no names in the register, only made-up codes (see generator.py).
"""

FIRST_NAMES: tuple[str, ...] = (
    "Aisha", "Alfie", "Amara", "Amelia", "Ananya", "Arlo", "Beatrix", "Bryony", "Callum",
    "Chloe", "Cormac", "Darius", "Delia", "Dilys", "Eben", "Eliza", "Emrys", "Esme", "Ezra",
    "Farah", "Felix", "Freya", "Gideon", "Hana", "Harriet", "Idris", "Imogen", "Isla",
    "Jasper", "Joel", "Kamal", "Kezia", "Leona", "Lowen", "Maisie", "Marek", "Mina", "Nadia",
    "Niall", "Noor", "Orla", "Otis", "Priya", "Quentin", "Rafe", "Rhiannon", "Rosa", "Rowan",
    "Sanjay", "Selin", "Tamsin", "Theo", "Tobias", "Una", "Vera", "Wren", "Xander", "Yara",
    "Yusuf", "Zara",
)

LAST_NAMES: tuple[str, ...] = (
    "Ambledown", "Ashenby", "Barrowmere", "Birchcombe", "Bramblewick", "Caddleston",
    "Calderbrook", "Copperfold", "Crowhollow", "Dunhallow", "Elderwick", "Emberton",
    "Fellgate", "Fernhollow", "Foxmere", "Gallowbrook", "Glenmarsh", "Greyfield",
    "Hallowmere", "Hazelbeck", "Inglemoor", "Juniperwood", "Kestrelby", "Kettleburn",
    "Linnetford", "Lowthorpe", "Marrowby", "Mossgrove", "Nettlecombe", "Orchardine",
    "Pebblesworth", "Quarrington", "Ravensmere", "Rookwood", "Rushbeck", "Saltmarsh",
    "Sedgecombe", "Sorrelby", "Stonecroft", "Tansleigh", "Thistlewood", "Tillingbourne",
    "Umberfield", "Vantley", "Wayfarrow", "Westerleigh", "Whinmoor", "Willowbeck",
    "Wrenfield", "Yarrowby", "Yewdale", "Zennorby", "Alderhythe", "Bellhaven", "Coldharrow",
    "Dapplewood", "Eskerby", "Foxcombe", "Gorsemere", "Heathwick",
)

# Made-up districts of a made-up county; the first five are the standard council's.
LOCALITIES: tuple[str, ...] = (
    "Ashby Vale", "Brackenmoor", "Colderside", "Dunmere", "Elmsworth", "Fellbridge",
    "Greyhallow", "Kettlewick", "Lowmarsh", "Marrowfield", "Thornleigh", "Wrayton Cross",
)

COUNCIL_EMAIL_DOMAIN = "northmoor.example"
HEALTH_AGENCY = "Northmoor Community Health (invented NHS trust)"
HEALTH_EMAIL_DOMAIN = "community-health.example"
SCHOOLS_AGENCY = "Northmoor Schools Partnership (invented)"
SCHOOLS_EMAIL_DOMAIN = "schools.example"
