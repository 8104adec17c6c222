"""The demo world's French (and English) is written as people write it."""

from __future__ import annotations

import itertools
import re

from veille.sim.generate import SimConfig, generate_posts

# What a French reader would correct: an uncontracted article, a noun and its
# article or adjective of different genders, a participle that does not agree,
# a capital after a comma, a full stop after ? or !, a missing elision.
_WRONG_FR = re.compile(
    r"\bà le\b|\bà les\b|\bde le\b|\bde un\b"
    r"|\b(?:la|ma|nouvelle) (?:forfait|routeur)\b|\b(?:le|mon|nouveau) (?:fibre|box|connexion)\b"
    r"|\b(?:Ma mère|Ma colocataire|La moitié de ma rue) s'est abonné\b"
    r"|, [A-ZÉ][a-zé]|[?!]\.|: [A-ZÉ][a-zé]+ (?!de\b)[a-zé]"
)
_WRONG_EN = re.compile(
    r"\ba (?:[aeiou]|5G)|\b(?:offers|for) (?:5G plan|router|mobile plan)\b|, [A-Z][a-z]|[?!]\."
)


_BRANDS = re.compile(r"\b(?:Lumio|Vexa|Orbita)\b")


def _texts(lang: str) -> list[str]:
    """The generated texts (reposts are copies of them)."""
    posts = itertools.islice(generate_posts(SimConfig(days=10)), 2000)
    return [p.text for p in posts if p.raw.get("sim_lang") == lang and not p.repost_of]


def test_generated_french_is_grammatical() -> None:
    texts = _texts("fr")
    assert len(texts) > 300
    # A brand may follow a comma or a colon: it keeps its capital.
    wrong = [t for t in texts if _WRONG_FR.search(_BRANDS.sub("brand", t)) or "de Orbita" in t]
    assert wrong == []
    assert any("s'est abonnée" in t for t in texts) and any(" au " in t for t in texts)


def test_generated_english_reads_as_english() -> None:
    wrong = [t for t in _texts("en") if _WRONG_EN.search(_BRANDS.sub("brand", t))]
    assert wrong == []


def test_titles_end_on_a_whole_word() -> None:
    posts = itertools.islice(generate_posts(SimConfig(days=10)), 2000)
    for post in posts:
        if post.title and post.title != post.text.split(". ")[0] and "sim_story" not in post.raw:
            assert post.title.endswith("…") and post.text.startswith(post.title[:-1])
