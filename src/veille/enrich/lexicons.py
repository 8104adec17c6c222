"""Small word lists the enrichment rules need (folded: lower case, no accents)."""

from __future__ import annotations

STOPWORDS_EN = frozenset(
    """a about above after again against all also am an and any are aren as at be because
    been before being below between both but by can cannot could couldn did didn do does
    doesn doing don down during each few for from further get got had hadn has hasn have
    haven having he her here hers herself him himself his how i if in into is isn it its
    itself just let ll me more most mustn my myself no nor not now of off on once only or
    other ought our ours ourselves out over own re s same shan she should shouldn so some
    such t than that the their theirs them themselves then there these they this those
    through to too under until up us ve very was wasn we were weren what when where which
    while who whom why will with won would wouldn you your yours yourself yourselves
    rt via amp http https www com co html today new one like just im dont""".split()
)

STOPWORDS_FR = frozenset(
    """a ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient
    aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles
    auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant bon c ca car
    ce ceci cela celle celles celui ces cet cette ceux chaque chez ci comme comment d dans
    de des donc dont du elle elles en encore entre est et etaient etais etait etant ete
    etes etiez etions etre eu eue eues eurent eus eut eux faire fait fais font hors ici il
    ils j je jusqu l la laquelle le lequel les lesquelles lesquels leur leurs lui m ma mais
    me meme memes mes moi mon n ne ni nos notre nous on ont or ou par parce pas peu peut
    plus pour pourquoi qu quand que quel quelle quelles quels qui s sa sans se sera serai
    seraient serais serait seras serez seriez serions serons seront ses si sien sienne son
    sont sous soyez suis sur t ta te tes toi ton tous tout toute toutes tres tu un une unes
    uns va vers voila vos votre vous vu y rt via http https www com fr html""".split()
)

STOPWORDS = STOPWORDS_EN | STOPWORDS_FR

# French negation: these flip the valence of a sentiment word that follows
# within three words ("ce n'est pas bon", "jamais content", "sans intérêt").
NEGATORS_FR = frozenset("pas jamais rien aucun aucune aucunement nullement sans ni guere".split())
# "plus" and "personne" negate only after "ne"/"n'" ("il n'est plus content").
WEAK_NEGATORS_FR = frozenset({"plus", "personne"})
NE_FR = frozenset({"ne", "n"})
# Spoken French drops "ne": "j'aime pas", "ça marche jamais".
AFTER_NEGATORS_FR = frozenset({"pas", "jamais", "rien", "guere"})

# Degree adverbs: intensifiers (+) and dampeners (-), as in VADER.
BOOST = 0.293
BOOSTERS_FR: dict[str, float] = {
    **{
        w: BOOST
        for w in """absolument archi beaucoup carrement completement considerablement
        extremement fort grave grandement hyper incroyablement infiniment particulierement
        profondement sacrement serieusement si super tellement terriblement totalement trop
        tres ultra vachement vraiment enormement""".split()
    },
    **{
        w: -BOOST
        for w in """assez environ legerement moins peu plutot presque quasi quasiment
        rarement""".split()
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
    "bravo": 2.5, "felicitations": 2.8, "merci": 1.8, "genial": 2.8, "top": 1.8,
    "chouette": 2.0, "bienvenue": 1.6, "excellent": 2.8, "excellente": 2.8,
    "reussi": 1.8, "reussite": 2.0, "succes": 2.0, "progres": 1.5, "engagement": 0.8,
    "innovant": 1.6, "innovation": 1.2, "solution": 1.0, "solutions": 1.0,
    "fier": 2.0, "fiere": 2.0, "fiers": 2.0, "hate": 1.5, "lol": 1.2, "mdr": 1.5,
    "pollution": -1.5, "polluant": -1.5, "catastrophe": -2.8, "scandale": -2.5,
    "honte": -2.5, "nul": -2.0, "nulle": -2.0, "arnaque": -2.8, "bug": -1.5,
    "panne": -1.8, "dechets": -1.0, "menace": -1.8, "menaces": -1.8, "danger": -2.0,
    "deception": -2.2, "decu": -2.2, "decue": -2.2, "decus": -2.2, "marre": -2.2,
    "grr": -1.5, "beurk": -2.0, "bof": -1.0, "inacceptable": -2.5, "rechauffement": -1.0,
    "crise": -1.8, "victimes": -2.0, "morts": -2.5, "destruction": -2.5,
    "disparition": -1.5, "disparaitre": -1.5, "revolte": -1.8, "polemique": -1.2,
    "abattage": -1.5, "deforestation": -1.8, "inondation": -1.8, "inondations": -1.8,
    "contamination": -2.0, "epidemie": -2.0, "penalise": -1.2, "penalisee": -1.2,
    "lachete": -2.2, "recul": -1.0, "degats": -2.0, "alerte": -1.2, "toxique": -2.2,
    "pesticides": -1.0, "scandaleux": -2.5, "inefficace": -1.5, "suspend": -0.8,
    "suspension": -0.8, "avancee": 1.5, "avancees": 1.5, "heureusement": 1.5,
    "nouveau": 0.4, "nouvelle": 0.4, "soutient": 0.7, "investissement": 0.8,
    "economies": 0.8, "record": 0.8, "durable": 0.8, "renouvelable": 0.8,
    "renouvelables": 0.8, "meilleurs": 3.2, "meilleures": 3.2,
    # vader-fr values far from what the words say on social media.
    "adore": 2.9, "adorent": 2.9, "adorer": 2.9, "deteste": -2.5, "detestent": -2.5,
    "detester": -2.5, "horrible": -2.5, "horribles": -2.5, "parfait": 2.5, "parfaite": 2.5,
}

# "contre la pollution", "anti-gaspillage": a stance against something bad.
AGAINST_FR = frozenset({"contre", "anti"})
# Fighting words that are neutral when followed by "contre" ("lutter contre").
FIGHT_FR = frozenset({"lutte", "lutter", "luttent", "luttons", "combattre", "combat"})  # fmt: skip
