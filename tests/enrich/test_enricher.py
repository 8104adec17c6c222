"""The Enricher on posts a user would see: language, sentiment, entities, keywords."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from veille.config import EnrichSettings
from veille.enrich import Enricher
from veille.models import Author, Post, Sentiment


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(EnrichSettings())


def post(text: str, n: int = 1, **kw: object) -> Post:
    return Post.create(
        platform="mastodon",
        native_id=str(n),
        text=text,
        published_at=datetime(2026, 1, 5, tzinfo=UTC),
        author=Author("alice"),
        **kw,  # type: ignore[arg-type]
    )


def one(enricher: Enricher, text: str, hint: str | None = None):
    return enricher.analyze_many([text], [hint])[0]


def test_language_fr_en(enricher: Enricher) -> None:
    assert one(enricher, "Le nouveau téléphone de Lumio est vraiment décevant").lang == "fr"
    assert one(enricher, "The new Lumio phone is really disappointing").lang == "en"


def test_platform_tag_is_a_hint_not_the_truth(enricher: Enricher) -> None:
    text = "Je suis très content de mon nouveau vélo électrique"
    assert one(enricher, text, hint="en").lang == "fr"


def test_language_outside_the_workspace_list_is_und() -> None:
    only_fr = Enricher(EnrichSettings(languages=("fr",)))
    assert one(only_fr, "The weather is lovely in London this morning").lang == "und"
    assert one(only_fr, "Il fait très beau à Paris ce matin").lang == "fr"


def test_other_configured_language_is_unscored() -> None:
    e = Enricher(EnrichSettings(languages=("fr", "en", "es")))
    a = one(e, "El servicio de este restaurante es excelente y la comida deliciosa")
    assert a.lang == "es"
    assert a.sentiment.label == "unscored"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love my new Lumio phone, it is fantastic!", "positive"),
        ("Worst customer service ever. I hate this company.", "negative"),
        ("J'adore mon nouveau téléphone, il est génial !", "positive"),
        ("Je n'aime pas ce produit, vraiment nul.", "negative"),
        ("C'est pas terrible, vraiment nul", "negative"),
        ("Le service client est une honte, quelle arnaque", "negative"),
        ("Bravo à toute l'équipe, félicitations pour ce succès", "positive"),
    ],
)
def test_sentiment_labels(enricher: Enricher, text: str, label: str) -> None:
    s = one(enricher, text).sentiment
    assert s.label == label
    assert -1.0 <= s.score <= 1.0
    assert 0.0 <= s.confidence <= 1.0


def test_french_negation_flips(enricher: Enricher) -> None:
    plain = one(enricher, "Ce produit est excellent").sentiment.score
    negated = one(enricher, "Ce produit n'est pas excellent").sentiment.score
    spoken = one(enricher, "Ce produit est jamais excellent").sentiment.score
    assert plain > 0 > negated
    assert spoken < plain


def test_french_emoji_and_emoticon_count(enricher: Enricher) -> None:
    base = one(enricher, "Nouvelle journée au bureau avec l'équipe").sentiment.score
    assert one(enricher, "Nouvelle journée au bureau avec l'équipe 😍").sentiment.score > base
    assert one(enricher, "Nouvelle journée au bureau avec l'équipe :(").sentiment.score < base


def test_french_hashtags_are_read_as_words(enricher: Enricher) -> None:
    assert one(enricher, "Lancement du produit ce matin #QuelleArnaque").sentiment.score < 0


def test_entities(enricher: Enricher) -> None:
    a = one(
        enricher,
        "Lisez ça @bob @carol@mastodon.social 👍🏽 "
        "https://news.bbc.co.uk/story?id=3&utm_source=tw. "
        "#Lumio #lumio #Vexa https://cdn.example.org/p/photo.JPG "
        "Épisode #1109, ticket #42 #2024 #5G",
    )
    ent = a.entities
    # A tag holds a letter, as on Mastodon and X: #1109, #42 and #2024 are numbers.
    assert ent.hashtags == ("Lumio", "Vexa", "5G")
    assert ent.mentions == ("bob", "carol@mastodon.social")
    assert ent.links[0] == "https://news.bbc.co.uk/story?id=3"
    assert ent.domains == ("bbc.co.uk", "example.org")
    assert ent.emojis == ("👍🏽",)
    assert ent.media == ("https://cdn.example.org/p/photo.JPG",)
    assert ent.flags["has_media"] is True


def test_keywords_lemmatized_without_stopwords(enricher: Enricher) -> None:
    kws = one(enricher, "Les chats mangent les souris dans les jardins").keywords
    assert "chat" in kws and "jardin" in kws
    assert "les" not in kws and "dans" not in kws
    en = one(enricher, "The cats were eating the mice in the gardens").keywords
    assert "cat" in en and "garden" in en and "the" not in en


def test_enrich_posts_fills_fields_and_flags(enricher: Enricher) -> None:
    reply = post(
        "@bob merci pour ton aide, super boulot ! #Merci https://lumio.example/a",
        1,
        parent_id="mastodon:0",
    )
    (out,) = enricher.enrich([reply])
    assert out.id == reply.id and out.text == reply.text
    assert out.lang == "fr"
    assert out.sentiment is not None and out.sentiment.label == "positive"
    assert out.hashtags == ("Merci",) and out.mentions == ("bob",)
    assert out.links == ("https://lumio.example/a",)
    assert out.keywords


def test_user_sentiment_is_kept(enricher: Enricher) -> None:
    mine = Sentiment("negative", -1.0, 1.0, "user")
    p = post("I love it, wonderful and perfect!", sentiment=mine)
    (out,) = enricher.enrich([p])
    assert out.sentiment == mine


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😀🎉",
        "https://example.com/a https://t.co/xyz",
        "Great product! Mais le service client est nul. Vraiment décevant.",
        "\ufffd\ufffd broken \ufffd bytes",
        ("Lumio est génial. " * 6000),  # about 100 kB
        "#️⃣ \u200d\u200d @ # http:// www.",
    ],
)
def test_bad_input_never_crashes_or_loses_a_post(enricher: Enricher, text: str) -> None:
    posts = [post(text, 1), post("ok", 2)]
    out = enricher.enrich(posts)
    assert [p.id for p in out] == [p.id for p in posts]
    first = out[0]
    assert first.lang is not None
    assert first.sentiment is not None
    if first.lang == "und":
        assert first.sentiment.label == "unscored"


def test_only_emoji_or_urls_are_und(enricher: Enricher) -> None:
    assert one(enricher, "😀😀🎉").lang == "und"
    assert one(enricher, "https://example.com/a").lang == "und"
    assert one(enricher, "").sentiment.label == "unscored"


def test_nothing_heavy_is_imported_with_the_package() -> None:
    import subprocess
    import sys

    code = (
        "import sys, veille.enrich, veille.enrich.stage, veille.cli.enrich;"
        "heavy = {'lingua', 'vaderSentiment', 'simplemma', 'tldextract', 'torch'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # Social-media French the vader-fr lexicon lacks.
        ("Bel article, très passionnant", "positive"),
        ("Quel gâchis, c'est affligeant", "negative"),
        # "sur", "sous", "prix", "France": translation artefacts, no sentiment.
        ("Le colis est arrivé sur la table, en France, sous la pluie", "neutral"),
        ("Le prix de la source d'énergie", "neutral"),
        # A stance against something.
        ("Non aux éoliennes dans notre village", "negative"),
        # One strong word outweighs a list of mild ones.
        ("Joli design, bonne batterie, écran correct, un vrai désastre côté service", "negative"),
    ],
)
def test_french_social_media_lexicon_and_rules(enricher: Enricher, text: str, label: str) -> None:
    assert one(enricher, text, hint="fr").sentiment.label == label


def test_french_solving_a_problem_is_not_negative(enricher: Enricher) -> None:
    solved = one(enricher, "Des batteries pour résoudre les problèmes du moment").sentiment
    posed = one(enricher, "Des batteries qui posent des problèmes").sentiment
    assert posed.label == "negative"
    assert solved.label != "negative" and solved.score > posed.score
