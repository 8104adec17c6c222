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
    assert i18n.format_period(since, until, "fr") == f"26 oct.{N}–{N}1er nov. 2026"
    assert i18n.format_period(since, until, "en") == "Oct 26\u2009–\u2009Nov 1, 2026"


def test_the_first_of_a_month_is_1er_in_french() -> None:
    """French writes « 1er décembre », never « 1 décembre » (CLDR's form); an
    11th, a 21st, a year or a time are left as they are."""
    first = datetime(2026, 12, 1, 1, 1, tzinfo=UTC)
    assert i18n.format_date(first, "fr") == "1er décembre 2026"
    assert i18n.format_date(date(2026, 12, 21), "fr") == "21 décembre 2026"
    assert i18n.format_datetime(first, "fr") == "1er déc. 2026 à 01:01"
    assert i18n.format_date(first, "en") == "December 1, 2026"
    week = datetime(2026, 12, 8, tzinfo=UTC)
    assert i18n.format_period(first, week, "fr") == "1er–7 déc. 2026"
    new_year = datetime(2026, 12, 26, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC)
    assert i18n.format_period(*new_year, "fr") == f"26 déc. 2026{N}–{N}1er janv. 2027"


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


def test_halves_round_up_as_people_expect() -> None:
    # Python's round() and Babel round a half to the even neighbour (2.5% read
    # 2%, 0.5 read 0); a reader expects 3% and 1, in both languages, and a
    # negative half rounds away from zero just as a positive one does.
    assert i18n.format_percent(0.025, "en") == "3%" and i18n.format_percent(0.005, "fr") == f"1{N}%"
    assert i18n.format_percent(0.125, "en") == "13%" and i18n.format_percent(0.445, "en") == "45%"
    assert i18n.format_percent(0.0125, "fr", 1) == f"1,3{N}%"
    assert i18n.format_number(0.5, "en") == "1" and i18n.format_number(2.5, "fr") == "3"
    assert i18n.format_number(-2.5, "en") == "\u22123"
    assert i18n.format_decimal(1.25, "en") == "1.3" and i18n.format_decimal(0.05, "fr", 0) == "0"
    assert i18n.format_decimal(0.125, "fr", 2) == "0,13"
    assert i18n.format_signed(0.125, "en") == "+0.13" and i18n.format_signed(-0.005, "fr") == (
        "\u22120,01"
    )
    assert i18n.format_change(0.025, "en") == "+3%"
    assert i18n.format_change(-0.005, "en") == "\u22121%"


def test_rounding_to_zero_has_no_sign_and_infinity_is_written() -> None:
    # A small fall rounds to 0%, not "−0%"; a ratio over nothing stays ∞ as
    # Babel writes it instead of failing the page.
    assert i18n.format_percent(-0.002, "en") == "0%" and i18n.format_number(-0.2, "fr") == "0"
    assert i18n.format_decimal(-0.0, "en") == "0"
    assert (
        i18n.format_percent(float("inf"), "en") == "∞%"
        and i18n.format_number(float("inf"), "en") == "∞"
    )


def test_a_sentence_that_agrees_with_its_count_is_said_in_each_language() -> None:
    """``trn``: the catalogs' plural forms, by the reader's rule (French: 0
    and 1 singular), kept whole when stored and read back (a source's
    last error, a notice)."""
    import pickle

    from veille.errors import Count, restored, storable, translated, trn
    from veille.web.i18n import load_translations

    fr = load_translations()["fr"]

    def said(n: int, lang: str = "fr") -> str:
        text = trn("%(n)s item", "%(n)s items", n, n=Count(n))
        text = restored(storable(pickle.loads(pickle.dumps(text))))
        return translated(text, fr.gettext, lang, ngettext=fr.ngettext)

    assert [said(0), said(1), said(2)] == ["0 élément", "1 élément", "2 éléments"]
    assert said(12345) == "12\u202f345 éléments"
    english = [str(trn("%(n)s item", "%(n)s items", n, n=Count(n))) for n in (0, 1, 2)]
    assert english == ["0 items", "1 item", "2 items"]


def test_a_value_written_in_both_languages_is_kept_and_said_in_each() -> None:
    """A draft's problems (written by the checker in English and French)
    inside a stored sentence: read back from the store, a French reader
    reads the French ones, an English reader the English."""
    import pickle

    from veille.errors import Bilingual, restored, storable, tr, translated
    from veille.web.i18n import load_translations

    fr = load_translations()["fr"]
    problems = Bilingual("The guidelines rule out 'free': rephrase.", "La charte exclut « free ».")
    text = tr("held back as a draft: it no longer passes the checks (%(problems)s)",
              problems=problems)  # fmt: skip
    kept = restored(storable(pickle.loads(pickle.dumps(text))))
    french = translated(kept, fr.gettext, "fr")
    assert french.endswith("vérifications (La charte exclut « free ».)"), french
    assert str(kept).endswith("checks (The guidelines rule out 'free': rephrase.)")
    assert translated(kept, str, "en") == str(kept)


def test_a_sentence_after_a_colon_keeps_a_names_capital_in_french() -> None:
    """French writes lower case after a colon, save for a name: a word with
    a capital past its first letter, or a platform's."""
    written = ("Choisissez csv.", "À vous.", "CSV ou JSON.", "LinkedIn refuse.",
               "Mastodon refuse.", "X refuse.", "Hacker News refuse.")  # fmt: skip
    said = {t: i18n.after_colon(t, "fr") for t in written}
    assert said == {
        "Choisissez csv.": "choisissez csv.", "À vous.": "à vous.", "CSV ou JSON.": "CSV ou JSON.",
        "LinkedIn refuse.": "LinkedIn refuse.", "Mastodon refuse.": "Mastodon refuse.",
        "X refuse.": "X refuse.", "Hacker News refuse.": "Hacker News refuse.",
    }  # fmt: skip
    assert i18n.after_colon("Choose csv.", "en") == "Choose csv."
