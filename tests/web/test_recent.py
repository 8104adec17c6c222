"""The answers the web app keeps for every viewer (the dashboard, the
trends): a minute old at most while someone looks, made again in the
background; an answer left from long ago is made again before it is shown."""

from __future__ import annotations

import itertools
import time

from veille.web.listening import Recent


def _settled(kept: Recent) -> None:
    end = time.monotonic() + 10
    while kept._making and time.monotonic() < end:
        time.sleep(0.01)


def test_a_stale_answer_is_shown_while_the_next_is_made() -> None:
    counter = itertools.count(1)
    kept = Recent(seconds=0.0, stale=3600.0)
    assert kept.get("k", lambda: next(counter)) == 1
    assert kept.get("k", lambda: next(counter)) == 1  # shown at once; 2 is being made
    _settled(kept)
    assert kept.get("k", lambda: next(counter)) == 2


def test_an_answer_past_its_stale_limit_is_made_before_it_is_shown() -> None:
    counter = itertools.count(1)
    kept = Recent(seconds=0.0, stale=0.0)
    assert kept.get("k", lambda: next(counter)) == 1
    assert kept.get("k", lambda: next(counter)) == 2
    assert not kept._making  # nothing left to make in the background


def test_a_fresh_answer_is_not_made_again() -> None:
    counter = itertools.count(1)
    kept = Recent(seconds=60.0)
    assert [kept.get("k", lambda: next(counter)) for _ in range(3)] == [1, 1, 1]
    assert kept.get("other", lambda: next(counter)) == 2
