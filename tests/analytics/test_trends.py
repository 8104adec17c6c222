from __future__ import annotations

import pytest

from tests.analytics.conftest import TZ, make_post
from veille.analytics.scope import Scope, parse_period
from veille.analytics.trends import extract_terms, g2, trending_terms
from veille.store.sqlite import SQLiteStore


def test_terms_are_lemmatized_folded_and_free_of_stop_words() -> None:
    terms = extract_terms("Les médias et la media : un sujet médiatique pour l'ACEI https://x.io/a")
    assert "media" in terms and "medias" not in terms and "mediatique" not in terms
    assert not {"les", "et", "la", "un", "pour", "l", "https", "x", "io"} & set(terms)
    assert "acei" in terms
    # Shown as written, not as the lemma.
    assert extract_terms("Outages and more outages")["outage"] == "outages"
    assert "panne fibre" in extract_terms("Encore une panne fibre")


def test_a_soft_hyphen_or_a_ligature_makes_no_new_term() -> None:
    """A CMS's hyphenation (soft hyphen) or a zero-width character does not
    cut a word in two terms, and ``œuvre`` is the term of ``oeuvres``."""
    terms = extract_terms(
        "Conseils de cyber\u00adsécurité, de cyber\u200bsécurité et de cybersécurité ; "
        "une œuvre, des oeuvres"
    )
    assert terms == {"conseil": "conseils", "cybersecurite": "cybersécurité", "oeuvre": "œuvre"}


@pytest.mark.parametrize(
    ("text", "kept", "left_out"),
    [
        ("write to ana.bell@mail.example", {"write"}, {"ana", "bell", "mail"}),
        ("lumio.example/fibre and www.vexa.com/offres", set(), {"lumio", "fibre", "vexa"}),
        ("@netpolicy.bsky.social on fibre", {"fibre"}, {"netpolicy", "bsky"}),
        ("x.com. Outage reported", {"outage", "report", "outage report"}, {"com"}),
        ("Prices: 1.5 routers", {"price", "router"}, {"price router"}),
        ("Outage, thousands without service", {"outage", "thousand"}, {"outage thousand"}),
    ],
)
def test_links_addresses_and_punctuation_cut_terms_out_or_apart(
    text: str, kept: set[str], left_out: set[str]
) -> None:
    terms = extract_terms(text)
    assert kept <= set(terms), terms
    assert not left_out & set(terms), terms


def test_g2_is_zero_without_difference_and_grows_with_it() -> None:
    assert g2(5, 5, 50, 50) == pytest.approx(0.0)
    assert 0 < g2(10, 5, 50, 50) < g2(20, 5, 50, 50)


def test_rising_terms_against_their_own_baseline(tmp_path) -> None:
    store = SQLiteStore.open(tmp_path / "t.db")
    posts = []
    n = 0

    def add(day: str, text: str, count: int, **kw: object) -> None:
        nonlocal n
        for _ in range(count):
            n += 1
            posts.append(make_post(str(n), f"{day}T10:{n % 60:02d}", text=text, **kw))

    # Baseline (the four weeks before): fibre is a steady subject, panne rare.
    add("2026-03-02", "la fibre Lumio arrive", 20)
    add("2026-03-10", "panne isolée", 1)
    add("2026-03-17", "fibre rapide", 10)
    # The week: the outage story, in three spellings of one word for media.
    add("2026-03-24", "panne fibre Lumio", 6)
    add("2026-03-25", "les médias parlent de la panne", 2)
    add("2026-03-25", "media coverage of the panne", 1)
    add("2026-03-26", "un traitement médiatique", 1)
    add("2026-03-26", "la fibre Lumio arrive", 3)
    # Ten near-duplicate copies of one post are one story.
    for i in range(10):
        n += 1
        posts.append(make_post(str(n), "2026-03-27T09:00", text=f"copie virale {i}",
                               cluster_id="viral"))  # fmt: skip
    store.upsert_posts(posts)
    week = parse_period("2026-03-23..2026-03-29", timezone=TZ)
    trends = {t.key: t for t in trending_terms(store, Scope(), week, min_stories=2)}
    assert trends["panne"].stories == 9 and trends["panne"].baseline == 1
    assert trends["media"].stories == 4  # médias, media, médiatique
    assert set(trends["media"].forms) >= {"médias", "media"}
    assert trends["media"].term == "médias"  # the most frequent written form
    assert trends["panne fibre"].phrase
    # One story however many copies: "copie virale" is counted once, under the floor.
    assert "copie" not in trends and "virale" not in trends
    # Fibre is as common as before: not trending. Stop-words never are.
    assert "fibre" not in trends and "la" not in trends
    ranked = list(trends)
    assert ranked[0] == "panne"
    store.close()


def test_large_periods_read_a_fixed_sample_of_stories(tmp_path) -> None:
    store = SQLiteStore.open(tmp_path / "s.db")
    posts = [
        make_post(str(i), f"2026-03-0{1 + i % 9}T10:00", text="fibre stable") for i in range(300)
    ]
    posts += [make_post(f"p{i}", "2026-03-25T10:00", text="panne majeure") for i in range(200)]
    store.upsert_posts(posts)
    week = parse_period("2026-03-23..2026-03-29", timezone=TZ)
    full = {t.key: t for t in trending_terms(store, Scope(), week)}
    sampled = trending_terms(store, Scope(), week, max_posts=100)
    assert full["panne"].stories == 200
    # About a fifth of the stories are read, the same ones every time.
    assert 20 < sampled[0].stories < 80 and sampled[0].key in ("panne", "majeur", "panne majeur")
    assert sampled == trending_terms(store, Scope(), week, max_posts=100)
    store.close()
