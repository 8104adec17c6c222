"""Numbers, dates, plurals and French typography, as a reader expects them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from veille import i18n

N = "\u202f"  # the one non-breaking space of French text


def test_numbers_decimals_and_percentages() -> None:
    assert (i18n.format_number(12345, "en"), i18n.format_number(12345, "fr")) == (
        "12,345",
        f"12{N}345",
    )
    assert i18n.format_decimal(2.5, "fr") == "2,5" and i18n.format_decimal(2.0, "en") == "2"
    assert i18n.format_decimal(0.0113, "fr", 3, trim=False) == "0,011"
    assert (i18n.format_percent(0.544, "en"), i18n.format_percent(0.544, "fr")) == (
        "54%",
        f"54{N}%",
    )
    assert i18n.format_signed(-0.5, "fr") == "\u22120,50" and i18n.format_signed(0.001, "en") == (
        "0.00"
    )
    assert i18n.format_change(-0.1, "fr") == f"\u221210{N}%"
    assert i18n.format_change(None, "fr") == "nouveau"


def test_plurals_follow_each_language() -> None:
    one, other = "publication pertinente", "publications pertinentes"
    assert i18n.count(1, "fr", one, other) == "1 publication pertinente"
    assert i18n.count(0, "fr", one, other) == "0 publication pertinente"
    assert i18n.count(2, "fr", one, other) == "2 publications pertinentes"
    assert i18n.count(0, "en", "post", "posts") == "0 posts"
    assert i18n.count(1, "en", "post", "posts") == "1 post"
    assert i18n.count(1000000, "fr", "abonné", "abonnés") == f"1{N}000{N}000 abonnés"


def test_dates_are_localized_in_the_workspace_zone() -> None:
    late = datetime(2026, 10, 3, 23, 30, tzinfo=UTC)
    assert i18n.format_date(late, "fr", "Europe/Paris") == "4 octobre 2026"
    assert i18n.format_date(date(2026, 10, 3), "en") == "October 3, 2026"
    assert i18n.format_datetime(late, "fr", "America/Toronto", zone=True) == (
        "3 oct. 2026 à 19:30 (America/Toronto)"
    )
    assert i18n.format_datetime(late, "en", "America/Toronto") == "Oct 3, 2026, 7:30\u202fPM"
    since, until = datetime(2026, 10, 26, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    assert i18n.format_period(since, until, "fr") == f"26 oct.{N}–{N}1 nov. 2026"
    assert i18n.format_period(since, until, "en") == "Oct 26\u2009–\u2009Nov 1, 2026"


def test_french_typography_of_our_own_sentences() -> None:
    text = "Terme en hausse : « panne » ; vraiment ? Oui ! Voir https://x.example à 10:05"
    assert i18n.typography(text, "fr") == (
        f"Terme en hausse{N}: «{N}panne{N}»{N}; vraiment{N}? Oui{N}! Voir https://x.example à 10:05"
    )
    assert i18n.typography("Rising: x", "en") == "Rising: x"
    assert i18n.quote("panne", "fr") == f"«{N}panne{N}»" and i18n.quote("x", "en") == "“x”"
    assert i18n.join(["Mastodon", "Bluesky", "X"], "fr") == "Mastodon, Bluesky et X"
    assert i18n.language_name("en", "fr") == "anglais" and i18n.country_name("FR", "en") == (
        "France"
    )
