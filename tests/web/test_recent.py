"""The answers the web app keeps for every viewer (the dashboard, the
trends): a minute old at most while someone looks, made again in the
background; an answer left from long ago is made again before it is shown;
viewers arriving before there is one wait for a single making of it."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

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


def test_viewers_arriving_together_wait_for_one_answer() -> None:
    kept = Recent(seconds=60.0)
    made = itertools.count(1)
    started = threading.Event()
    release = threading.Event()

    def slow() -> int:
        started.set()
        release.wait(10)
        return next(made)

    got: list[int] = []
    first = threading.Thread(target=lambda: got.append(kept.get("k", slow)))
    first.start()
    started.wait(10)
    others = [threading.Thread(target=lambda: got.append(kept.get("k", slow))) for _ in range(5)]
    for t in others:
        t.start()
    time.sleep(0.1)  # the others are waiting, not making
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert got == [1] * 6


def test_when_the_one_making_it_fails_a_waiting_viewer_makes_it() -> None:
    kept = Recent(seconds=60.0)
    started = threading.Event()
    release = threading.Event()

    def failing() -> int:
        started.set()
        release.wait(10)
        raise RuntimeError("the store went away")

    errors: list[Exception] = []

    def first() -> None:
        try:
            kept.get("k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=first)
    t.start()
    started.wait(10)
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(kept.get("k", lambda: 7)))
    waiter.start()
    time.sleep(0.1)
    release.set()
    t.join(10)
    waiter.join(10)
    assert len(errors) == 1 and got == [7]


def test_figures_asked_in_two_languages_at_once_are_read_once() -> None:
    """Figures drawn in each language (:meth:`Recent.current`): the French
    page asked while the English one's figures were being read read them
    all again (the warm-up and a first visitor, seconds at 1M posts). The
    second now waits for the first's, and the same figures are drawn."""
    kept = Recent(seconds=60.0)
    made = itertools.count(1)
    started = threading.Event()
    release = threading.Event()

    def slow() -> int:
        started.set()
        release.wait(10)
        return next(made)

    got: list[int] = []
    first = threading.Thread(target=lambda: got.append(kept.current("k", slow)))
    first.start()
    started.wait(10)
    other = threading.Thread(target=lambda: got.append(kept.current("k", slow)))
    other.start()
    time.sleep(0.1)  # the other waits, not reading
    release.set()
    for t in (first, other):
        t.join(10)
    assert got == [1, 1]


def test_when_figures_fail_to_be_read_the_one_waiting_reads_them() -> None:
    kept = Recent(seconds=60.0)
    started = threading.Event()
    release = threading.Event()

    def failing() -> int:
        started.set()
        release.wait(10)
        raise RuntimeError("the store went away")

    errors: list[Exception] = []

    def first() -> None:
        try:
            kept.current("k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=first)
    t.start()
    started.wait(10)
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(kept.current("k", lambda: 7)))
    waiter.start()
    time.sleep(0.1)
    release.set()
    t.join(10)
    waiter.join(10)
    assert len(errors) == 1 and got == [7]
    assert kept.current("k", lambda: 8) == 7  # kept
    assert not kept._reading


def test_a_refresh_the_state_store_fails_is_one_line_and_the_kept_answer_stays(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from veille.errors import StoreUnavailable

    def gone() -> int:
        raise StoreUnavailable(
            "the PostgreSQL state store postgresql://veille@db/veille did not answer",
            hint="Check that the server runs.",
        )

    kept = Recent(seconds=0.0, stale=3600.0)
    assert kept.get("k", lambda: 1) == 1
    with caplog.at_level(logging.INFO, logger="veille"):
        assert kept.get("k", gone) == 1  # shown while the refresh fails behind it
        _settled(kept)
    (record,) = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert record.levelname == "ERROR" and record.exc_info is None
    assert "did not answer" in record.getMessage() and "next visit" in record.getMessage()
    assert kept.get("k", lambda: 2) == 1  # still kept; this visit made 2 behind it


def test_the_shutdown_waits_for_a_refresh_that_never_ends_no_longer_than_its_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The app's shutdown waits for the kept pages' refreshes, but one
    stuck (a store that no longer answers) does not hold the stop for
    ever: past the wait it is said in one line, naming it, and the stop
    goes on; no refresh starts after."""
    from types import SimpleNamespace

    from veille.web.listening import stop_refreshes

    kept = Recent(seconds=0.0, stale=3600.0)
    stuck = threading.Event()
    assert kept.get("last-30d", lambda: 1) == 1
    assert kept.get("last-30d", lambda: stuck.wait(60) and 2) == 1
    app = SimpleNamespace(state=SimpleNamespace(listening_recent={"dashboard": kept}))
    try:
        with caplog.at_level("WARNING", logger="veille.web.listening"):
            stop_refreshes(app, wait=0.2)
        assert kept.closing
        [line] = [r.getMessage() for r in caplog.records]
        assert "dashboard 'last-30d'" in line and "still being made" in line
        made = itertools.count(3)
        assert kept.get("other", lambda: next(made)) == 3  # made when none is kept
        assert kept.get("other", lambda: next(made)) == 3  # but not refreshed now
        assert kept._making == {"last-30d"}
    finally:
        stuck.set()
    _settled(kept)


@pytest.mark.parametrize("ask", ["get", "current", "current_since"])
def test_the_code_making_an_answer_that_asks_for_it_again_fails_at_once(ask: str) -> None:
    """The code that makes an answer asking the same :class:`Recent` for the
    same key (on the same thread) waited for itself for ever: the page never
    came, the server's thread was lost. It now fails at once, naming the key,
    and the key can be asked for again afterwards."""
    kept = Recent(seconds=60.0)
    asked = getattr(kept, ask)
    outcome: list[BaseException | object] = []

    def again() -> object:
        return asked("dashboard-figures", lambda: 1)

    def viewer() -> None:
        try:
            outcome.append(asked("dashboard-figures", again))
        except BaseException as exc:  # what the viewer meets
            outcome.append(exc)

    thread = threading.Thread(target=viewer, daemon=True)
    thread.start()
    thread.join(10.0)
    assert not thread.is_alive(), "the making waited for itself"
    (failure,) = outcome
    assert isinstance(failure, RuntimeError), failure
    assert "'dashboard-figures'" in str(failure) and "itself" in str(failure)
    # Nothing is left half made: the next viewer gets the answer.
    made = asked("dashboard-figures", lambda: 2)
    assert (made[0] if ask == "current_since" else made) == 2
