"""Small word lists the enrichment rules need (folded: lower case, no accents)."""

from __future__ import annotations

from veille.enrich.stopwords import STOPWORDS, STOPWORDS_EN, STOPWORDS_FR
from veille.enrich.stopwords import words as _words

__all__ = ["STOPWORDS", "STOPWORDS_EN", "STOPWORDS_FR"]


# French negation: these flip the valence of a sentiment word that follows
# within three words ("ce n'est pas bon", "jamais content", "sans intérêt").
# "pantoute" is Quebec's "not at all" ("j'aime pas ça pantoute").
NEGATORS_FR = _words("pas jamais rien aucun aucune aucunement nullement sans ni guere pantoute")
# "plus" and "personne" negate only after "ne"/"n'" ("il n'est plus content").
WEAK_NEGATORS_FR = frozenset({"plus", "personne"})
NE_FR = frozenset({"ne", "n"})
# Spoken French drops "ne": "j'aime pas", "ça marche jamais".
AFTER_NEGATORS_FR = frozenset({"pas", "jamais", "rien", "guere", "pantoute"})

# Degree adverbs: intensifiers (+) and dampeners (-), as in VADER.
BOOST = 0.293
BOOSTERS_FR: dict[str, float] = {
    **{
        w: BOOST
        for w in [
            "absolument",
            "archi",
            "beaucoup",
            "carrement",
            "completement",
            "considerablement",
            "extremement",
            "fort",
            "grave",
            "grandement",
            "hyper",
            "incroyablement",
            "infiniment",
            "particulierement",
            "profondement",
            "sacrement",
            "serieusement",
            "si",
            "super",
            "tellement",
            "terriblement",
            "totalement",
            "trop",
            "tres",
            "ultra",
            "vachement",
            "vraiment",
            "enormement",
        ]
    },
    **{
        w: -BOOST
        for w in [
            "assez",
            "environ",
            "legerement",
            "moins",
            "peu",
            "plutot",
            "presque",
            "quasi",
            "quasiment",
            "rarement",
        ]
    },
}

# Contrast: what follows "mais" weighs more than what precedes it.
BUT_FR = frozenset({"mais", "pourtant", "cependant", "neanmoins", "toutefois"})

# Emoticons (ASCII faces) and their valence on VADER's -4..4 scale.
EMOTICONS: dict[str, float] = {
    ":)": 2.0, ":-)": 2.0, ":]": 2.0, "=)": 2.0, ":d": 2.3, ":-d": 2.3, "xd": 2.0,
    ";)": 1.5, ";-)": 1.5, ":p": 1.2, ":-p": 1.2, "<3": 2.5, "^^": 1.8, "^_^": 1.8,
    ":(": -2.0, ":-(": -2.0, ":[": -2.0, "=(": -2.0, ":'(": -2.3, ":/": -1.2,
    ":-/": -1.2, ">:(": -2.5, "d:": -2.0, "</3": -2.5, "-_-": -1.0,
}  # fmt: skip

# French slang, tweet and domain words missing from the vader-fr lexicon.
EXTRA_FR: dict[str, float] = {
    "bravo": 2.5,
    "felicitations": 2.8,
    "merci": 1.8,
    "genial": 2.8,
    "top": 1.8,
    "chouette": 2.0,
    "bienvenue": 1.6,
    "excellent": 2.8,
    "excellente": 2.8,
    "reussi": 1.8,
    "reussite": 2.0,
    "succes": 2.0,
    "progres": 1.5,
    "engagement": 0.8,
    "innovant": 1.6,
    "innovation": 1.2,
    "solution": 1.0,
    "solutions": 1.0,
    "fier": 2.0,
    "fiere": 2.0,
    "fiers": 2.0,
    "hate": 1.5,
    "lol": 1.2,
    "mdr": 1.5,
    "pollution": -1.5,
    "polluant": -1.5,
    "catastrophe": -2.8,
    "scandale": -2.5,
    "honte": -2.5,
    "nul": -2.0,
    "nulle": -2.0,
    "arnaque": -2.8,
    "bug": -1.5,
    "panne": -1.8,
    "dechets": -1.0,
    "menace": -1.8,
    "menaces": -1.8,
    "danger": -2.0,
    "deception": -2.2,
    "decu": -2.2,
    "decue": -2.2,
    "decus": -2.2,
    "marre": -2.2,
    "grr": -1.5,
    "beurk": -2.0,
    "bof": -1.0,
    "inacceptable": -2.5,
    "rechauffement": -1.0,
    "crise": -1.8,
    "victimes": -2.0,
    "morts": -2.5,
    "destruction": -2.5,
    "disparition": -1.5,
    "disparaitre": -1.5,
    "revolte": -1.8,
    "polemique": -1.2,
    "abattage": -1.5,
    "deforestation": -1.8,
    "inondation": -1.8,
    "inondations": -1.8,
    "contamination": -2.0,
    "epidemie": -2.0,
    "penalise": -1.2,
    "penalisee": -1.2,
    "lachete": -2.2,
    "recul": -1.0,
    "degats": -2.0,
    "alerte": -1.2,
    "toxique": -2.2,
    "pesticides": -1.0,
    "scandaleux": -2.5,
    "inefficace": -1.5,
    "suspend": -0.8,
    "suspension": -0.8,
    "avancee": 1.5,
    "avancees": 1.5,
    "heureusement": 1.5,
    "nouveau": 0.4,
    "nouvelle": 0.4,
    "soutient": 0.7,
    "investissement": 0.8,
    "economies": 0.8,
    "record": 0.8,
    "durable": 0.8,
    "renouvelable": 0.8,
    "renouvelables": 0.8,
    "meilleurs": 3.2,
    "meilleures": 3.2,
    # vader-fr values far from what the words say on social media.
    "adore": 2.9,
    "adorent": 2.9,
    "adorer": 2.9,
    "deteste": -2.5,
    "detestent": -2.5,
    "detester": -2.5,
    "horrible": -2.5,
    "horribles": -2.5,
    "parfait": 2.5,
    "parfaite": 2.5,
}

# "contre la pollution", "anti-gaspillage": a stance against something bad.
AGAINST_FR = _words(
    """
    contre anti
    resoudre resout resolu resolus regler reduire reduit reduction reduisent diminuer
    diminue diminution limiter limite eviter evite prevenir prevention stopper enrayer
    endiguer combattre contrer juguler remedier remede eliminer eradiquer moins
    """
)
# Fighting words that are neutral when followed by "contre" ("lutter contre").
FIGHT_FR = frozenset({"lutte", "lutter", "luttent", "luttons", "combattre", "combat"})  # fmt: skip

# vader-fr entries that are translation artefacts: the French word usually
# carries no sentiment ("sur" is "on", not "sure"; "prix" is mostly "price";
# "france" would otherwise be read as "franc", "frank"). Read as neutral.
NEUTRAL_FR = _words(
    """
    s v d p sur sous unis fois part prix direct mode vision source forme ressources
    chaleur interet securite feu armee force bas esprit charge lance applique
    energie energies energetique naturel naturelle naturels naturelles france
    """
)

# General French of social media missing from vader-fr, or far from what the
# word says there (values on VADER's -4..4 scale, written by hand).
SOCIAL_FR: dict[str, float] = {
    # praise, joy, hope
    "bel": 1.6, "joie": 2.5, "content": 2.0, "admirable": 2.5, "sublime": 2.8,
    "chapeau": 1.5, "waouh": 2.5, "youpi": 2.5, "sympa": 1.8, "genialissime": 3.0,
    "excellentissime": 3.0, "kiff": 2.0, "kiffe": 2.0, "kiffer": 2.0, "ouf": 1.0,
    "felicite": 2.3, "felicitons": 2.3, "felicitez": 2.3, "saluons": 1.5,
    "applaudissent": 1.8, "applaudis": 1.8, "passionnant": 2.2, "passionnante": 2.2,
    "captivant": 2.2, "emouvant": 1.5, "touchant": 1.5, "pratique": 0.8,
    "gratuit": 0.8, "gratuite": 0.8, "solidaire": 1.2, "revivre": 1.5, "survit": 1.0,
    "preservation": 1.0, "preserver": 1.2, "partenariat": 0.8, "resilient": 1.0,
    "resiliente": 1.0, "plaisir": 2.2, "bienfait": 2.0, "bienfaits": 2.0,
    "encourageant": 2.0, "benefique": 2.0, "ravi": 2.5, "ravie": 2.5, "ravis": 2.5,
    "ravies": 2.5, "enthousiaste": 2.3, "hate": 1.5, "vivement": 1.5, "love": 2.5,
    # anger, disgust, sadness, fear
    "gachis": -2.2, "ahurissant": -1.8, "demagogie": -2.0, "demagogique": -2.0,
    "plombe": -1.5, "degueulasse": -2.8, "affligeant": -2.5, "consternant": -2.3,
    "revoltant": -2.7, "revoltante": -2.7, "intolerable": -2.5, "galere": -1.8,
    "galerer": -1.8, "relou": -1.8, "raslebol": -2.3, "enerve": -2.0, "enervee": -2.0,
    "souffrance": -2.3, "souffre": -2.0, "calamite": -2.8, "carnage": -3.0,
    "massacre": -3.0, "saccage": -2.5, "nocif": -2.0, "nocive": -2.0, "mensonge": -2.0,
    "hypocrisie": -2.2, "corruption": -2.5, "echoue": -1.8, "bide": -1.8,
    "abus": -2.0, "abusif": -2.0, "inegalite": -1.5, "inegalites": -1.5,
    "greenwashing": -1.8, "peur": -1.8, "meurt": -2.5, "alarmant": -2.0,
    "mepris": -2.2, "meprisant": -2.2, "stupide": -2.0, "idiot": -2.0, "idiote": -2.0,
    "ridicule": -2.0, "pitoyable": -2.3, "admiration": 2.2, "escroc": -2.5,
    "escrocs": -2.5, "arnaqueur": -2.5, "dingue": -0.5, "fou": -0.5, "folle": -0.5,
    "effrayant": -2.0, "terrifiant": -2.5, "tristesse": -2.2, "deprimant": -2.0,
    "colere": -2.3, "furieux": -2.5, "inquietant": -1.8, "inquietante": -1.8,
    "aberrant": -2.3, "aberration": -2.3, "lamentable": -2.5, "navrant": -2.2,
    "decevant": -2.0, "decevante": -2.0, "indigne": -2.3, "indignation": -2.0,
    "honteuse": -2.2, "sinistre": -1.8, "fumisterie": -2.3, "mascarade": -2.2,
    "foutage": -2.3, "foutent": -1.5, "ras": -0.3,
}  # fmt: skip

# "non au …", "non à …", "non aux …": a stance against what follows.
NON_TO_FR = frozenset({"a", "au", "aux"})

# Complaints stated as facts: a service that is missing, down or not working
# carries no sentiment word ("no internet in the whole city", "la fibre ne
# vaut pas le prix"), yet it is what people complain about most.
COMPLAINT = -1.8
# What people say is missing or down (folded, both languages).
SERVICES = _words(
    """
    internet wifi wi fi signal reseau network connection connexion connectivity reception
    power electricity electricite courant water eau heating chauffage phone telephone
    ligne line tv tele television fibre fiber box 4g 5g data service coverage couverture
    response reply reponse answer nouvelles news refund remboursement delivery livraison
    colis package parcel order commande app appli application site website
    """
)
# "internet down", "power out", "wifi en panne".
DOWN_EN = frozenset({"down", "out", "dead", "gone", "offline"})
# Verbs of a service doing its job: negated, they are a complaint.
FUNCTION_EN = _words(
    """
    work works working worked function functions functioning load loads loading
    connect connects connecting arrive arrives arrived came come comes respond responds
    responded answer answers answered deliver delivers delivered charge charges charging
    refund refunded fix fixed
    """
)
FUNCTION_FR = _words(
    """
    fonctionne fonctionnent fonctionner fonctionnait marche marchent marcher marchait
    vaut valent valait arrive arrivent arrivee arrives repond repondent repondu
    capte captent charge chargent livre livree livres rembourse rembourses aide
    """
)
NEGATORS_EN = _words("not no never nothing nobody none nor without cannot cant wont dont")
# "no internet", "pas de réseau", "aucun signal", "sans électricité".
ABSENCE_EN = _words("no without")
ABSENCE_FR = _words("aucun aucune sans")
# Words English social posts use for outages and failures that VADER lacks.
SOCIAL_EN: dict[str, float] = {
    "outage": -2.0, "outages": -2.0, "downtime": -1.8, "crashed": -1.7, "crashing": -1.7,
    "crashes": -1.7, "laggy": -1.5, "buggy": -1.8, "glitch": -1.5, "glitches": -1.5,
    "glitchy": -1.5, "unusable": -2.2, "unreachable": -1.5, "overcharged": -2.0,
    "ripoff": -2.5, "overpriced": -1.8, "slow": -1.0, "slower": -1.0, "disconnected": -1.2,
}  # fmt: skip
OUTAGE_FR: dict[str, float] = {
    "coupure": -1.8, "coupures": -1.8, "pannes": -1.8, "plantage": -1.8, "plante": -1.2,
    "bugue": -1.5, "bugs": -1.5, "lent": -1.0, "lente": -1.0, "lenteur": -1.5,
    "lenteurs": -1.5, "retard": -1.2, "retards": -1.2, "injoignable": -1.8,
    "inutilisable": -2.2, "arnaques": -2.5,
}  # fmt: skip
# Quebec and spoken French: phrases whose words mislead one by one. Matched on
# folded words; the phrase's words are not read again.
PHRASES_FR: dict[tuple[str, ...], float] = {
    ("pas", "terrible"): -1.5,  # "c'est pas terrible": poor
    ("pas", "d", "allure"): -2.0,  # Quebec: "ça a pas d'allure", nonsense, unacceptable
    ("pas", "dallure"): -2.0,
    ("aucun", "allure"): -2.0,
    ("pas", "pire"): 2.0,  # Quebec: "c'est pas pire", pretty good
    ("pas", "mal"): 1.6,  # "pas mal du tout": good ("pas mal de" is read as "a lot")
    ("c", "est", "plate"): -1.5,  # Quebec: boring, a pity
    ("ben", "plate"): -1.5,
    ("de", "l", "allure"): 1.5,  # Quebec: "ça a ben de l'allure", makes sense, nice
    ("ne", "vaut", "pas", "le", "coup"): -1.8,
    ("vaut", "pas", "le", "coup"): -1.8,
    ("vaut", "le", "coup"): 1.5,
    ("hors", "service"): -1.8,
    ("en", "panne"): -1.8,
    ("comme", "d", "hab"): -0.8,  # resigned: "again, as usual"
}
# English idioms the learned layer reads as one word: "not bad" is praise.
PHRASES_EN: dict[tuple[str, ...], float] = {
    ("not", "bad"): 1.5,
    ("not", "too", "bad"): 1.2,
    ("not", "that", "bad"): 0.8,
}
QUEBEC_FR: dict[str, float] = {
    "tanne": -2.0, "tannee": -2.0, "tannant": -1.5, "ecoeure": -2.0, "ecoeuree": -2.0,
    "niaiseux": -2.0, "niaiseuse": -2.0, "poche": -1.8, "malaisant": -1.8,
}  # fmt: skip
# Sarcasm: praise next to these reads as mockery ("bravo… encore une panne 🙄").
SARCASM_EMOJI = frozenset("🙄😒🤦🙃😑")
SARCASM_EMOJI_VALENCE = -1.5
# "encore une panne", "another outage", "yet again": praise before a repeated
# failure is ironic.
AGAIN = _words("encore again another yet")
