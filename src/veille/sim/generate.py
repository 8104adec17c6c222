"""A realistic, deterministic demo dataset: the conversation about a brand.

The fictional internet provider **Lumio** competes with **Vexa** and
**Orbita** in the fibre/5G sector. Over ``days`` days people post in French
and English on several platforms: praise, complaints, questions, news. A few
influential authors post often about the sector; replies and reposts form
threads; a news spike (an outage at Lumio) happens on day ``spike_day``; news
outlets syndicate near-copies of the same stories.

Everything follows from ``seed``: the same seed gives the same posts, so tests
can count what they expect. Each post's ``raw`` holds the ground truth
(``sim_sentiment``, ``sim_topic``, ``sim_story``) for evaluations.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from veille.models import Author, Engagement, Post

BRAND = "Lumio"
COMPETITORS = ("Vexa", "Orbita")
PLATFORMS = ("mastodon", "bluesky", "reddit", "hackernews", "youtube", "rss", "wordpress", "x")
# Relative share of posts per platform.
_PLATFORM_WEIGHTS = (24, 20, 14, 6, 8, 12, 6, 10)
_SHORT = {"mastodon", "bluesky", "x"}

_TEXT = {
    "en": {
        "positive": [
            "Really happy with {b}: the {p} has been rock solid all month",
            "Switched to {b} last week and the {p} is so much faster, great support too",
            "Kudos to the {b} team, they fixed my {p} in an hour. Excellent service!",
            "Loving the new {p} from {b}, best decision this year",
            "{b} just doubled my {p} speed for free. Impressive",
        ],
        "negative": [
            "Third outage this week with {b}, the {p} is useless. Terrible",
            "{b} support kept me on hold for two hours, awful experience with the {p}",
            "Why is my {b} bill higher again? The {p} is not worth it",
            "Can't recommend {b}: slow {p}, billing errors, angry customer",
            "{b} billing is a mess and nobody answers. Disappointed",
        ],
        "neutral": [
            "Does anyone know if the {b} {p} is available in Gatineau?",
            "{b} announced new prices for its {p} starting next month",
            "Comparing {b} and other providers: which {p} for home?",
            "Reading the {b} terms for the {p} before signing",
            "Is the {b} {p} available in apartments downtown?",
        ],
    },
    "fr": {
        "positive": [
            "Très content de {b} : {le_p} fonctionne parfaitement depuis un mois",
            "Passé chez {b} la semaine dernière, {le_p} est super rapide et le service génial",
            "Bravo à l'équipe {b}, qui a réparé {mon_p} en une heure. Excellent !",
            "J'adore {nouveau_p} de {b}, meilleure décision de l'année",
            "{b} vient de doubler la vitesse de {mon_p}, impressionnant",
        ],
        "negative": [
            "Troisième panne cette semaine chez {b}, {le_p} ne marche pas. Nul",
            "Le service client de {b} m'a fait attendre deux heures, expérience horrible",
            "Pourquoi ma facture {b} augmente encore ? {Le_p} ne vaut pas le prix",
            "Je ne recommande pas {b} : {p} qui rame, routeur en panne, client fâché",
            "La facturation de {b} est un désastre et personne ne répond. Déçu",
        ],
        "neutral": [
            "Quelqu'un sait si {b} offre {le_p} à Gatineau ?",
            "{b} annonce de nouvelles offres de {p} le mois prochain",
            "Je compare {b} et d'autres fournisseurs pour {le_p} à la maison",
            "Je lis les conditions de {b} pour {le_p} avant de signer",
            "Est-ce que {b} offre {le_p} dans les appartements du centre-ville ?",
        ],
    },
}
_PRODUCTS = {
    "en": ["fibre", "5G plan", "internet", "router", "mobile plan"],
    "fr": ["fibre", "forfait 5G", "connexion internet", "box", "forfait mobile"],
}
# French nouns carry a gender that their articles and adjectives agree with.
_FEMININE = {"fibre", "connexion internet", "box"}
_SECTOR = {
    "en": [
        "Broadband prices keep rising across the sector, regulators should look at it",
        "New report on rural internet access: fibre coverage still lags behind",
        "The 5G rollout debate continues: spectrum auctions and coverage maps",
        "Net neutrality matters for every internet provider and every user",
    ],
    "fr": [
        "Les prix de l'internet haute vitesse augmentent dans tout le secteur",
        "Nouveau rapport sur l'accès à internet en région : la fibre reste en retard",
        "Le déploiement de la 5G fait débat : enchères du spectre et couverture",
        "La neutralité du net compte pour chaque fournisseur d'accès et chaque usager",
    ],
}
_SPIKE = {
    "en": [
        "Huge {b} outage right now, no internet in the whole city #LumioDown",
        "{b} outage: thousands of customers without service, support not answering #LumioDown",
        "Still no internet with {b} after 6 hours, this outage is unacceptable",
    ],
    "fr": [
        "Grosse panne {b} en ce moment, plus d'internet dans toute la ville #LumioDown",
        "Panne {b} : des milliers de clients sans service, le soutien ne répond pas",
        "Toujours pas d'internet avec {b} après 6 heures, cette panne est inacceptable",
    ],
}
_STORIES = [
    ("en", "{b} announces fibre expansion to 200,000 homes",
     "{b} said on Tuesday it will extend its fibre network to 200,000 more homes by next year, "
     "a move analysts see as a response to pressure from {c}."),
    ("fr", "{b} étend son réseau de fibre à 200 000 foyers",
     "{b} a annoncé mardi l'extension de son réseau de fibre à 200 000 foyers d'ici l'an "
     "prochain, une réponse à la pression de {c} selon les analystes."),
    ("en", "{c} and {b} face regulator questions on pricing",
     "The regulator asked {c} and {b} to explain recent price increases on internet plans, "
     "after a wave of customer complaints."),
    ("fr", "Pannes d'internet : le régulateur interroge {b}",
     "Après la panne de cette semaine, le régulateur demande à {b} des explications sur la "
     "fiabilité de son réseau et l'information donnée aux clients."),
]  # fmt: skip
_OUTLETS = ["technews", "lapresse-tech", "dailywire", "lesaffaires-num", "globewire"]
_HASHTAGS = {"en": ["#internet", "#fibre", "#5G", "#telecom", "#customerservice"],
             "fr": ["#internet", "#fibre", "#5G", "#télécom", "#cybersécurité"]}  # fmt: skip
# Openers and closers make two people's posts differ as they do in life, so
# that only real copies (syndicated stories, reposts) cluster as duplicates.
_OPENERS = {
    "en": ["", "Honestly,", "Update:", "PSA:", "Well,", "OK so", "Quick note:", "Hmm,",
           "Yesterday evening,", "This morning,", "For the record,", "Not gonna lie,"],
    "fr": ["", "Franchement,", "Mise à jour :", "Bon,", "Alors,", "Petite note :", "Bref,",
           "Hier soir,", "Ce matin,", "Pour info,", "Sérieusement,", "Entre nous,"],
}  # fmt: skip
_CLOSERS = {
    "en": ["", "in Ottawa", "at the office", "since Monday", "for my parents", "in the suburbs",
           "after the move", "with two kids at home", "on my phone", "downtown Montreal",
           "near the university", "this weekend", "during the game", "for work calls"],
    "fr": ["", "à Gatineau", "au bureau", "depuis lundi", "chez mes parents", "en banlieue",
           "après le déménagement", "avec deux enfants", "sur mon cellulaire", "à Montréal",
           "près de l'université", "ce week-end", "pendant le match", "pour le télétravail"],
}  # fmt: skip
# A neutral context sentence, built from parts: people add their own situation.
_CONTEXT = {
    "en": (["My neighbour", "My brother", "Our office", "My roommate", "My mom", "A colleague",
            "My landlord", "Half my street"],
           ["has", "uses", "just switched to", "is looking at", "asked about", "signed up for"],
           ["the same plan.", "a new router.", "the family bundle.", "the basic plan.",
            "fibre too.", "the 5G offer.", "the student plan.", "two lines."]),
    "fr": (["Mon voisin", "Mon frère", "Notre bureau", "Ma colocataire", "Ma mère",
            "Un collègue", "Mon propriétaire", "La moitié de ma rue"],
           ["a", "utilise", "vient de passer à", "regarde", "pose des questions sur",
            "s'est abonné{e} à"],
           ["le même forfait.", "un nouveau routeur.", "l'offre famille.", "le forfait de base.",
            "la fibre aussi.", "l'offre 5G.", "le forfait étudiant.", "deux lignes."]),
}  # fmt: skip
_NAMES = ["alex", "sam", "marie", "julien", "chloe", "noah", "lea", "omar", "ines", "tom",
          "emma", "louis", "zoe", "hugo", "nina", "paul", "ava", "jade", "leo", "maya"]  # fmt: skip


@dataclass(frozen=True)
class SimConfig:
    seed: int = 42
    days: int = 60
    end: datetime = datetime(2026, 11, 1, tzinfo=UTC)
    posts_per_day: int = 120
    spike_day: int = 45
    spike_posts: int = 400
    french_share: float = 0.45


@dataclass
class _Authors:
    rng: random.Random
    by_platform: dict[str, list[Author]] = field(default_factory=dict)
    influencers: list[tuple[str, Author]] = field(default_factory=list)

    def build(self) -> None:
        for platform in PLATFORMS:
            pool = []
            for i in range(120):
                handle = f"{self.rng.choice(_NAMES)}{i}"
                followers = int(self.rng.paretovariate(1.2) * 40)
                pool.append(_author(platform, handle, None, followers))
            self.by_platform[platform] = pool
        famous = [
            ("mastodon", "claire_tech", "Claire Dubois", 48_000),
            ("bluesky", "netpolicy.bsky.social", "Net Policy Watch", 92_000),
            ("x", "fibreguy", "Mark Fibre", 150_000),
            ("youtube", "TechReviewsQC", "Tech Reviews QC", 310_000),
            ("reddit", "modem_whisperer", None, 8_000),
            ("mastodon", "juliette_num", "Juliette, numérique", 21_000),
        ]
        for platform, handle, name, followers in famous:
            self.influencers.append((platform, _author(platform, handle, name, followers)))

    def pick(self, platform: str) -> Author:
        if self.rng.random() < 0.08:
            candidates = [a for p, a in self.influencers if p == platform]
            if candidates:
                return self.rng.choice(candidates)
        return self.rng.choice(self.by_platform[platform])


def _author(platform: str, handle: str, name: str | None, followers: int) -> Author:
    return Author(
        handle=handle,
        name=name or handle.capitalize(),
        url=f"https://{platform}.example/@{handle}",
        followers=followers,
        id=f"{platform}-{handle}",
    )


_FEMININE_PEOPLE = {"Ma colocataire", "Ma mère", "La moitié de ma rue"}
# French contracts "à le" into "au" and elides "de" before a vowel ("d'Orbita").
_CONTRACTIONS = (
    (re.compile(r"\bà le\b"), "au"),
    (re.compile(r"\bà les\b"), "aux"),
    (re.compile(r"\bde le\b"), "du"),
    (re.compile(r"\bde les\b"), "des"),
    (re.compile(r"\bde ([AEIOUÉaeiouéh])"), r"d'\1"),
)


def _french(text: str) -> str:
    for loose, contracted in _CONTRACTIONS:
        text = loose.sub(contracted, text)
    return text


def _product_words(lang: str, product: str) -> dict[str, str]:
    """``{p}`` and, in French, its forms with an agreeing article or adjective."""
    if lang != "fr":
        return {"p": product}
    fem = product in _FEMININE
    return {
        "p": product,
        "le_p": ("la " if fem else "le ") + product,
        "Le_p": ("La " if fem else "Le ") + product,
        "mon_p": ("ma " if fem else "mon ") + product,
        "nouveau_p": ("la nouvelle " if fem else "le nouveau ") + product,
    }


def _context(lang: str, person: str, verb: str, what: str) -> str:
    """One sentence of context, its participle agreeing and its articles contracted."""
    text = f"{person} {verb.format(e='e' if person in _FEMININE_PEOPLE else '')} {what}"
    return _french(text) if lang == "fr" else text


def _compose(opener: str, text: str, closer: str, context: str) -> str:
    """Opener, message, closer and context as one post a person would write: no
    capital after a comma or a colon, the closer before the final ``?`` or
    ``!``, and one full stop between sentences."""
    if opener and not text.startswith((BRAND, *COMPETITORS, "I ", "I'")):
        text = text[:1].lower() + text[1:]
    if closer:
        body = text.rstrip("?!. ")
        end = text[len(body) :]
        text = f"{body} {closer}{end}"
    text = " ".join(x for x in (opener, text) if x)
    if context:
        text += " " + context if text.endswith((".", "!", "?")) else f". {context}"
    return text


def headline(text: str, limit: int = 80) -> str:
    """The first sentence, cut at a word (with an ellipsis) when too long."""
    first = text.split(". ")[0]
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _permalink(platform: str, author: Author, native: str) -> str:
    if platform in ("rss", "wordpress"):
        return f"https://{author.handle}.example/{native}"
    return f"https://{platform}.example/@{author.handle}/{native}"


def generate_posts(config: SimConfig | None = None) -> Iterator[Post]:
    """The posts of the demo world, oldest first; deterministic from the seed."""
    cfg = config or SimConfig()
    rng = random.Random(cfg.seed)
    authors = _Authors(rng)
    authors.build()
    start = cfg.end - timedelta(days=cfg.days)
    recent: dict[str, list[Post]] = {p: [] for p in PLATFORMS}
    seq = 0
    for day in range(cfg.days):
        day_start = start + timedelta(days=day)
        count = cfg.posts_per_day + rng.randint(-15, 15)
        planned: list[tuple[float, str]] = [(rng.random(), "normal") for _ in range(count)]
        if day == cfg.spike_day:
            planned += [(0.35 + rng.random() * 0.4, "spike") for _ in range(cfg.spike_posts)]
        if day % 9 == 4:
            planned.append((rng.random() * 0.8, "story"))
        planned.sort()
        for frac, kind in planned:
            # Daytime-heavy rhythm: fold part of the night into the day.
            when = day_start + timedelta(seconds=int(frac * 86400))
            if kind == "story":
                for post in _syndicated(rng, when, seq, day):
                    seq += 1
                    yield post
                continue
            seq += 1
            platform = rng.choices(PLATFORMS, _PLATFORM_WEIGHTS)[0]
            post = _one_post(rng, cfg, authors, platform, when, seq, kind, recent[platform])
            recent[platform].append(post)
            if len(recent[platform]) > 50:
                recent[platform].pop(0)
            yield post


def _one_post(
    rng: random.Random,
    cfg: SimConfig,
    authors: _Authors,
    platform: str,
    when: datetime,
    seq: int,
    kind: str,
    recent: list[Post],
) -> Post:
    lang = "fr" if rng.random() < cfg.french_share else "en"
    author = authors.pick(platform)
    is_influencer = any(a is author for _, a in authors.influencers)
    roll = rng.random()
    if kind == "spike":
        topic, label = "brand", "negative"
        text = rng.choice(_SPIKE[lang]).format(b=BRAND)
    elif roll < 0.12 or (is_influencer and roll < 0.5):
        topic, label = "sector", "neutral"
        text = rng.choice(_SECTOR[lang])
    else:
        who = rng.random()
        brand = BRAND if who < 0.55 else COMPETITORS[0] if who < 0.8 else COMPETITORS[1]
        topic = "brand" if brand == BRAND else brand.lower()
        label = rng.choices(("positive", "negative", "neutral"), (35, 35, 30))[0]
        template = rng.choice(_TEXT[lang][label])
        text = template.format(b=brand, **_product_words(lang, rng.choice(_PRODUCTS[lang])))
        text = _french(text) if lang == "fr" else text
    if kind != "spike" or rng.random() < 0.7:
        opener, closer = rng.choice(_OPENERS[lang]), rng.choice(_CLOSERS[lang])
        person, verb, what = (rng.choice(part) for part in _CONTEXT[lang])
        context = _context(lang, person, verb, what) if rng.random() < 0.85 else ""
        text = _compose(opener, text, closer, context)
    hashtags: list[str] = []
    if rng.random() < 0.4:
        tag = rng.choice(_HASHTAGS[lang])
        text += " " + tag
    hashtags = [w[1:] for w in text.split() if w.startswith("#")]
    links: list[str] = []
    if rng.random() < 0.15:
        link = f"https://news.example/{topic}/{seq % 97}?utm_source={platform}"
        text += " " + link
        links.append(link)
    parent = repost = thread = None
    mentions: list[str] = []
    if recent and rng.random() < 0.2:
        target = rng.choice(recent)
        parent, thread = target.id, target.thread_id or target.id
        mentions.append(target.author.handle)
        text = f"@{target.author.handle} {text}"
    elif recent and rng.random() < 0.08:
        target = rng.choice(recent)
        repost, text, lang, label, topic = (
            target.id, target.text, target.lang or lang, _label(target), _topic(target)
        )  # fmt: skip
    native = f"{seq:07d}"
    reach = (author.followers or 10) ** 0.5
    title = None
    if platform in ("rss", "wordpress", "youtube"):
        title = headline(text)
    return Post.create(
        platform=platform,
        native_id=native,
        text=text,
        title=title,
        url=_permalink(platform, author, native),
        published_at=when,
        author=author,
        lang=lang if platform in _SHORT else None,
        engagement=Engagement(
            likes=int(rng.expovariate(1 / (reach + 1))),
            shares=int(rng.expovariate(1 / (reach / 4 + 1))),
            replies=int(rng.expovariate(1 / (reach / 6 + 1))),
        ),
        parent_id=parent,
        thread_id=thread,
        repost_of=repost,
        hashtags=tuple(hashtags),
        mentions=tuple(mentions),
        links=tuple(links),
        media=(f"https://{platform}.example/media/{native}.jpg",)
        if platform == "youtube" or rng.random() < 0.1
        else (),
        raw={"sim_sentiment": label, "sim_topic": topic, "sim_lang": lang, "sim_seq": seq},
    )


def _label(post: Post) -> str:
    return str(post.raw.get("sim_sentiment", "neutral"))


def _topic(post: Post) -> str:
    return str(post.raw.get("sim_topic", "sector"))


def _syndicated(rng: random.Random, when: datetime, seq: int, day: int) -> Iterator[Post]:
    """One news story published by several outlets with small edits."""
    lang, title, body = _STORIES[day % len(_STORIES)]
    competitor = COMPETITORS[day % 2]
    title = title.format(b=BRAND, c=competitor)
    body = body.format(b=BRAND, c=competitor)
    outlets = rng.sample(_OUTLETS, rng.randint(3, 5))
    for i, outlet in enumerate(outlets):
        text = body
        if i % 2:
            text = text.replace(", ", " , ", 1)
        if i == 2:
            text += " (Updated.)" if lang == "en" else " (Mis à jour.)"
        author = _author("rss", outlet, outlet.replace("-", " ").title(), 20_000 + 5_000 * i)
        native = f"story{day:02d}-{outlet}"
        yield Post.create(
            platform="rss",
            native_id=native,
            title=title,
            text=text,
            url=f"https://{outlet}.example/{day}/{native}",
            published_at=when + timedelta(minutes=17 * i),
            author=author,
            engagement=Engagement(likes=rng.randint(0, 40), shares=rng.randint(0, 20)),
            raw={"sim_sentiment": "neutral", "sim_topic": "brand", "sim_lang": lang,
                 "sim_story": f"story-{day}", "sim_seq": seq + i},
        )  # fmt: skip
