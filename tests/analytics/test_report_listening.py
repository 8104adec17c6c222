"""A report's finding on the volume where veille did not listen to the whole
period before: the count of that period is no measure of a change. A demo
workspace's posts begin on October 8; its report of November read
"Conversation about you grew 68% (2,140 posts, against 1,271 the period
before)", October counting 24 of its 31 days."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from tests.analytics.conftest import make_post
from veille.analytics.report import render_report
from veille.analytics.scope import parse_period
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws")  # UTC
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(
            [
                # veille's first post: Tuesday March 3, 10:00.
                make_post("a", "2026-03-03T10:00", text="Lumio ouvre"),
                make_post("b", "2026-03-05T10:00", text="Lumio encore"),
                # The week reported (March 9-15) and the one after.
                *(make_post(f"w{i}", f"2026-03-1{i}T10:00", text="Lumio fibre") for i in (0, 1, 2)),
                *(make_post(f"n{i}", f"2026-03-1{i}T10:00", text="Lumio panne") for i in (6, 7)),
            ]
        )
        add_topic(ws.state, "lumio", "lumio")
    return root


def _findings(root: Path, period: str, lang: str) -> str:
    with Workspace.open(root) as ws:
        html, _pdf = render_report(
            ws, topic="lumio", period=parse_period(period, timezone="UTC"), lang=lang, pdf=False
        )
    return unescape(html)


@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [
        (
            "en",
            "3 posts about lumio this period, against 2 the period before, which counts only "
            "6 of its 7 days: veille holds posts from March 3, 2026 on.",
            "grew 50%",
        ),
        (
            "fr",
            "3 publications sur lumio cette période, contre 2 la période précédente, qui ne "
            "compte que 6 de ses 7 jours\u202f: veille n’a de publications qu’à partir du "
            "3 mars 2026.",
            "a augmenté de 50",
        ),
    ],
)
def test_the_week_after_the_first_posts_names_the_days_held_before(
    ws_path: Path, lang: str, said: str, not_said: str
) -> None:
    text = _findings(ws_path, "2026-03-09..2026-03-15", lang)
    assert said in text
    assert not_said not in text


def test_a_week_veille_listened_to_whole_before_reads_as_a_change(ws_path: Path) -> None:
    # March 9-15 held whole: 2 posts against 3 is a fall, said as one.
    text = _findings(ws_path, "2026-03-16..2026-03-22", "en")
    assert "Conversation about lumio fell 33% (2 posts, against 3 the period before)." in text
    assert "veille holds posts from" not in text


@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [
        (
            "en",
            "5 posts about lumio this period; veille holds posts from March 3, 2026 on.",
            "none the period before",
        ),
        (
            "fr",
            "5 publications sur lumio cette période\u202f; veille n’a de publications qu’à "
            "partir du 3 mars 2026.",
            "aucune la période précédente",
        ),
    ],
)
def test_a_period_before_the_first_post_is_not_said_to_have_none(
    ws_path: Path, lang: str, said: str, not_said: str
) -> None:
    # The 15 days before, in February: veille held none of them.
    text = _findings(ws_path, "2026-03-01..2026-03-15", lang)
    assert said in text
    assert not_said not in text


@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [
        (
            "en",
            "No post about lumio this period; veille holds posts from March 3, 2026 on.",
            "nor the period before",
        ),
        (
            "fr",
            "Aucune publication sur lumio cette période\u202f; veille n’a de publications "
            "qu’à partir du 3 mars 2026.",
            "ni la période précédente",
        ),
    ],
)
def test_a_period_before_the_first_post_is_not_said_to_be_quiet(
    ws_path: Path, lang: str, said: str, not_said: str
) -> None:
    # February, before veille's first post: it read "No post about lumio this
    # period, nor the period before.", as if nobody had said a word.
    text = _findings(ws_path, "2026-02-09..2026-02-15", lang)
    assert said in text
    assert not_said not in text
    # A quiet week veille listened to, and the one before, still reads quiet.
    quiet = _findings(ws_path, "2026-03-30..2026-04-05", lang)
    assert not_said in quiet
    assert said not in quiet


# The rising term is measured against the 4 weeks before: February 9 to
# March 8, of which veille holds 6 of 28 days (its posts begin March 3).
@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [
        (
            "en",
            "Rising: “fibre” (3 stories, against 0 on average over the 4 periods before, which "
            "count only 6 of their 28 days: veille holds posts from March 3, 2026 on).",
            "over the 4 periods before).",
        ),
        (
            "fr",
            "Terme en hausse\u202f: «\u202ffibre\u202f» (3 histoires, contre 0 en moyenne sur "
            "les 4 périodes précédentes, qui ne comptent que 6 de leurs 28 jours\u202f: veille "
            "n’a de publications qu’à partir du 3 mars 2026).",
            "les 4 périodes précédentes).",
        ),
    ],
)
def test_a_rising_term_names_the_days_held_of_the_periods_before(
    ws_path: Path, lang: str, said: str, not_said: str
) -> None:
    text = _findings(ws_path, "2026-03-09..2026-03-15", lang)
    assert said in text
    assert not_said not in text


@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [
        (
            "en",
            "Most told: “lumio” (5 stories); veille holds no post of the 4 periods before.",
            "Rising:",
        ),
        (
            "fr",
            "Terme le plus repris\u202f: «\u202flumio\u202f» (5 histoires)\u202f; aucune "
            "publication des 4 périodes précédentes.",
            "Terme en hausse\u202f:",
        ),
    ],
)
def test_a_term_is_not_said_to_rise_against_periods_veille_holds_none_of(
    ws_path: Path, lang: str, said: str, not_said: str
) -> None:
    # The 15 days from March 1 and the 60 before: no post before March 3.
    text = _findings(ws_path, "2026-03-01..2026-03-15", lang)
    assert said in text
    assert not_said not in text


# The trending terms' table: each term's stories beside its average over the
# 4 periods before. Where veille holds only part of them, the average is of
# the days it holds (a period's worth of them); until 2026-12-07 the days it
# held nothing of counted as zeros ("fibre", heard once in the 6 days held
# of 28, read 0.2 a week; "lumio" read 0.5 where veille held no post at all).
@pytest.fixture
def heard_once_before(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "once")  # UTC
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(
            [
                make_post("a", "2026-03-03T10:00", text="Lumio ouvre"),  # veille's first post
                make_post("b", "2026-03-05T10:00", text="Lumio fibre"),
                make_post("c", "2026-03-06T10:00", text="Lumio encore"),
                *(make_post(f"w{i}", f"2026-03-1{i}T10:00", text="Lumio fibre") for i in (0, 1, 2)),
            ]
        )
        add_topic(ws.state, "lumio", "lumio")
    return root


def _trend_cells(text: str) -> dict[str, tuple[str, str]]:
    return {
        term: (stories, average)
        for term, stories, average in re.findall(
            r'<tr><td>(\w+)</td><td class="n">(\d+)</td><td class="n">([^<]*)</td>', text
        )
    }


@pytest.mark.parametrize(
    ("lang", "average", "note"),
    [
        ("en", "1.2*", "* Each average is of the 6 days of these 28 that veille holds (its posts "
                       "begin later), per period of the same length."),
        ("fr", "1,2*", "* Chaque moyenne porte sur les 6 jours de ces 28 que veille détient (ses "
                       "publications commencent plus tard), par période de même durée."),
    ],
)  # fmt: skip
def test_a_rising_terms_average_is_over_the_days_veille_holds_before(
    heard_once_before: Path, lang: str, average: str, note: str
) -> None:
    text = _findings(heard_once_before, "2026-03-09..2026-03-15", lang)
    # Once in the 6 days held of the 4 weeks before: 1.2 a week, not 0.2.
    assert _trend_cells(text)["fibre"] == ("3", average)
    assert note in text
    # The finding gives the same average.
    assert f"3 {'histoires' if lang == 'fr' else 'stories'}, " in text
    assert f"{average[:-1]} {'en moyenne' if lang == 'fr' else 'on average'}" in text


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("en", "No average: veille holds none of the 60 days of the 4 periods before (its "
               "posts begin later)."),
        ("fr", "Aucune moyenne\u202f: veille ne détient aucun des 60 jours des 4 périodes "
               "précédentes (ses publications commencent plus tard)."),
    ],
)  # fmt: skip
def test_a_rising_term_has_no_average_over_periods_veille_holds_none_of(
    ws_path: Path, lang: str, note: str
) -> None:
    text = _findings(ws_path, "2026-03-01..2026-03-15", lang)
    assert _trend_cells(text)["lumio"] == ("5", "–")
    assert note in text
