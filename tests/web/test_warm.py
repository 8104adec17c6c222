"""``veille serve`` makes the default dashboard and trends as it starts,
then leaves what the process holds by then out of Python's cycle
collections (which otherwise go through the lemmatizer's tables and the
app's code again and again, and show as slow requests)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from veille.web.app import create_app
from veille.web.listening import app_recent
from veille.web.serve import _warm
from veille.workspace import init_workspace


def test_the_warm_up_makes_the_default_views_then_freezes_the_heap(tmp_path: Path) -> None:
    app = create_app(init_workspace(tmp_path / "ws"))
    app.state.warming = True  # as veille serve starts it
    gc.unfreeze()
    try:
        _warm(app)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert app_recent(app, "trends")._items  # the default view's terms are kept
    assert app_recent(app, "influencers")._items  # and the default ranking's reads
    assert app.state.warming is False  # /healthz says the warm-up is done


def test_the_warm_up_compiles_the_report_template(tmp_path: Path) -> None:
    """A report's first view waited for its template to be compiled (0.06 s
    at least, 0.15-0.3 s under load): ``veille serve`` compiles it as it
    starts, and the first report viewed then uses it."""
    from veille.analytics import report

    app = create_app(init_workspace(tmp_path / "ws"))
    app.state.warming = True
    report._template.cache_clear()  # as in a new process
    gc.unfreeze()
    try:
        _warm(app)
    finally:
        gc.unfreeze()
    assert report._template.cache_info().currsize == 1


def test_a_stop_as_it_starts_waits_for_the_warm_up_before_closing_the_stores(
    tmp_path: Path,
) -> None:
    """`veille run --serve` stopped as it starts (a SIGTERM then: its daemon
    returns at once): the stores were closed while the warm-up still made
    the pages' figures on its thread, which then failed on the closed posts
    store ("'NoneType' object has no attribute 'query'" on chDB) or opened
    the state store again, left open after the process said it stopped."""
    import threading

    from tests.web.pages_data import seed
    from veille.web.serve import run_beside

    root = init_workspace(tmp_path / "ws")
    seed(root)
    ws = run_beside(root, lambda ws: ws, stop=lambda: None, port=0, log_level="warning")
    assert not [t for t in threading.enumerate() if t.name == "veille-warm"]
    assert not ws._opened  # every store it opened is closed


@pytest.mark.parametrize("posts", ["sqlite", "chdb"])
def test_the_shutdown_waits_for_a_kept_pages_refresh_before_closing_the_stores(
    tmp_path: Path, posts: str
) -> None:
    """A kept page (the dashboard, a minute old at most) makes its next
    figures on a thread while the last are shown: stopped then, the app
    closed its stores under that refresh, which read them afterwards and
    opened the state store again, left open after the server said it
    stopped (on chDB: a closed store, an error in the log, or a hang). The
    shutdown now starts no more refreshes and waits for the one under way."""
    import threading
    import time

    from tests.web.pages_data import seed
    from veille.web.serve import LiveServer

    root = init_workspace(tmp_path / "ws")
    if posts == "chdb":
        pytest.importorskip("chdb")
        toml = '[store]\nposts = "chdb:///posts"\nstate = "sqlite:///veille.db"\n'
        (root / "veille.toml").write_text(toml, encoding="utf-8")
    seed(root)
    app = create_app(root)
    server = LiveServer(app).start()
    ws = app.state.workspace
    opened = (ws.posts, ws.state)
    kept = app_recent(app, "dashboard")
    kept.seconds = 0.0  # every view after the first makes the next figures
    go_on = threading.Event()
    reads: list[tuple[bool, int, int]] = []

    def figures() -> int:
        go_on.wait(60)  # a long refresh, as the dashboard's at a million posts
        same = (ws.posts, ws.state) == opened
        reads.append((same, len(ws.posts.search_text("lumio")), ws.state.count_users()))
        return 2

    assert kept.get("last-30d", lambda: 1) == 1
    assert kept.get("last-30d", figures) == 1  # shown while the next is made
    stopping = threading.Thread(target=server.stop)
    stopping.start()
    # The refresh goes on once the shutdown waits for it (or, as before,
    # once the shutdown is over and the stores are closed).
    while stopping.is_alive() and not getattr(kept, "closing", False):
        time.sleep(0.01)
    go_on.set()
    stopping.join(60)
    end = time.monotonic() + 60
    while kept._making and time.monotonic() < end:
        time.sleep(0.01)
    assert reads and reads[0][0]  # it read the stores the app had open
    assert reads[0][1] > 0 and reads[0][2] == 0
    assert not ws._opened  # and none is open after the app stopped
    assert kept.get("last-30d", lambda: 3) == 2  # (kept; no refresh starts now)


def test_the_warm_up_starts_the_chart_drawer_even_with_no_topic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vl-convert's first chart in a process costs 0.3 s of CPU more than
    the next (0.5-1 s of wall time: its JavaScript engine starts and reads
    the system's font set-up). The dashboard's warm-up drew charts only
    where a topic had figures: in a workspace with none yet, the first
    report viewed paid it. ``veille serve`` now starts it as it starts."""
    import vl_convert as vlc

    drawn: list[str] = []
    real = vlc.vegalite_to_svg

    def counted(spec: Any, **kwargs: Any) -> str:
        svg: str = real(spec, **kwargs)
        drawn.append(svg)
        return svg

    monkeypatch.setattr(vlc, "vegalite_to_svg", counted)
    app = create_app(init_workspace(tmp_path / "ws"))  # no topic: no chart to show
    app.state.warming = True
    gc.unfreeze()
    try:
        _warm(app)
    finally:
        gc.unfreeze()
    assert len(drawn) == 1 and drawn[0].startswith("<svg")
