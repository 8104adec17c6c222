"""Trending terms are words people would say, shown as they write them."""

from __future__ import annotations

from pathlib import Path

from tests.analytics.conftest import TZ, make_post
from veille.analytics.scope import Scope, parse_period
from veille.analytics.trends import extract_terms, trending_terms
from veille.store.sqlite import SQLiteStore


def test_no_fragments_of_handles_or_web_addresses() -> None:
    terms = extract_terms(
        "@netpolicy.bsky.social @claire@mastodon.social Petite note : voir lumio.example/fibre "
        "et www.vexa.example, merci"
    )
    words = {w for key in terms for w in key.split()}
    assert not {"bsky", "social", "netpolicy", "mastodon", "claire", "example", "vexa"} & words
    assert "merci" in terms and "fibre" not in terms  # the path of a link is no word either


def test_a_term_is_shown_in_its_most_frequent_written_form(tmp_path: Path) -> None:
    store = SQLiteStore.open(tmp_path / "t.db")
    texts = ["Petite note : la panne continue"] * 3 + ["petites notes sur la panne"]
    posts = [make_post(str(i), f"2026-03-2{4 + i % 3}T10:00", text=t) for i, t in enumerate(texts)]
    posts.append(make_post("b", "2026-03-10T10:00", text="rien à signaler"))
    store.upsert_posts(posts)
    week = parse_period("2026-03-23..2026-03-29", timezone=TZ)
    trends = {t.key: t for t in trending_terms(store, Scope(), week, min_stories=2)}
    phrase = next(t for t in trends.values() if t.phrase and "note" in t.key)
    assert phrase.term == "petite note" and "petit note" not in phrase.forms


def test_phrases_do_not_span_punctuation() -> None:
    terms = extract_terms(
        "Lumio outage: thousands without service, support not answering #LumioDown"
    )
    assert "lumio outage" in terms
    assert not {"outage thousand", "service support", "answering lumiodown"} & set(terms)
    assert "petite note" in extract_terms("une petite note").values()


def test_a_capital_after_a_mention_is_no_name() -> None:
    terms = extract_terms("@maya107 Huge Lumio outage right now, says Vexa")
    assert terms["huge"] == "huge" and terms["huge lumio"] == "huge Lumio"
    assert terms["vexa"] == "Vexa"


def test_the_stop_words_of_a_posts_own_language_are_no_terms(tmp_path: Path) -> None:
    # A wave of German posts made "und", "nicht" and "der" trend; a German
    # stop-word that is an English noun ("war") still trends in English.
    de = "Die Telekom liefert nicht und der Kunde wartet"
    en = "The price war is on"
    assert "nicht" in extract_terms(de) and "nicht" not in extract_terms(de, "de")
    assert "war" in extract_terms(en, "en") and "war" not in extract_terms("Es war gut", "de-AT")
    store = SQLiteStore.open(tmp_path / "t.db")
    posts = [
        make_post(f"d{i}", f"2026-03-2{4 + i % 3}T1{i}:00", text=de, lang="de") for i in range(4)
    ]
    posts += [
        make_post(f"e{i}", f"2026-03-2{4 + i % 3}T0{i}:00", text=en, lang="en") for i in range(3)
    ]
    posts.append(make_post("b", "2026-03-10T10:00", text="rien à signaler", lang="fr"))
    store.upsert_posts(posts)
    week = parse_period("2026-03-23..2026-03-29", timezone=TZ)
    keys = {t.key for t in trending_terms(store, Scope(), week, min_stories=2, phrases=False)}
    assert {"telekom", "kunde", "war", "price"} <= keys
    assert not {"und", "nicht", "der", "die"} & keys
