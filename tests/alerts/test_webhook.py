"""Webhook deliveries to a loopback receiver: body, signature, retries, dead letters."""

from __future__ import annotations

import hashlib
import hmac

from tests.alerts.conftest import make_post
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import AlertEngine
from veille.pipeline import build_pipeline


def _engine(ws):  # type: ignore[no-untyped-def]
    return AlertEngine(ws.store, ws.settings, ws.root)


def test_instant_alert_posts_signed_json(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    alert = AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    build_pipeline(workspace).ingest(
        [make_post(1, "The new Lumio lamp is great"), make_post(2, "Nothing to see here")]
    )
    assert len(receiver.requests) == 1
    req = receiver.requests[0]
    body = req["json"]
    assert [p["id"] for p in body["posts"]] == ["mastodon:1"]
    assert body["alert"]["name"] == "lumio"
    hl = body["posts"][0]["highlights"][0]
    assert body["posts"][0]["text"][hl["start"] : hl["end"]] == "Lumio"
    ts = req["headers"]["X-Veille-Timestamp"]
    expected = hmac.new(alert.secret.encode(), ts.encode() + b"." + req["body"], hashlib.sha256)
    assert req["headers"]["X-Veille-Signature"] == "sha256=" + expected.hexdigest()
    assert req["delivery"]
    # Ingesting the same post again queues nothing new.
    build_pipeline(workspace).ingest([make_post(1, "The new Lumio lamp is great")])
    assert _engine(workspace).dispatch().batches == 0
    assert len(receiver.requests) == 1


def test_500_and_timeout_are_retried_with_the_same_delivery_id(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    receiver.script = [500, "hang"]
    build_pipeline(workspace).ingest([make_post(1, "Lumio again")])  # 500
    engine = _engine(workspace)
    report = engine.dispatch()  # times out
    assert report.failed == 1 and "did not answer" in report.errors[0]
    report = engine.dispatch()  # 200
    assert report.sent == 1
    ids = {r["delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    assert len(receiver.accepted()) == 1
    row = workspace.store.conn.execute("SELECT status, attempts FROM deliveries").fetchone()
    assert row == ("sent", 2)


def test_dead_letter_after_max_attempts_keeps_the_error(workspace, receiver, caplog) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    receiver.script = [500, 500, 500]
    build_pipeline(workspace).ingest([make_post(1, "Lumio down")])
    engine = _engine(workspace)
    with caplog.at_level("WARNING", logger="veille.alerts.outbox"):
        engine.dispatch()
        report = engine.dispatch()
    assert report.dead == 1
    # The scheduler's log says each failure, and which one gave up (nothing
    # else: apprise has no say in a webhook).
    levels = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [lvl for lvl, _m in levels] == ["WARNING", "WARNING", "ERROR"]  # max_attempts 3
    assert "tried again later" in levels[0][1] and "HTTP 500" in levels[0][1]
    assert "dead letter" in levels[-1][1] and "veille alert dead --retry" in levels[-1][1]
    status, error = workspace.store.conn.execute(
        "SELECT status, last_error FROM deliveries"
    ).fetchone()
    assert status == "dead" and "HTTP 500" in error
    assert engine.dispatch().batches == 0  # the dead are left alone
    assert engine.retry_dead() == 1
    assert engine.dispatch().sent == 1


def test_topic_alert_follows_the_topics_current_query(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    from veille.query.topics import add_topic, edit_topic

    add_topic(workspace.store, "brand", "lumio")
    AlertBook(workspace.store).add(
        Alert(name="brand", topic="brand", channel_url=f"webhook+{receiver.url}")
    )
    build_pipeline(workspace).ingest([make_post(1, "lumio one"), make_post(2, "vexa one")])
    edit_topic(workspace.store, "brand", "vexa")
    build_pipeline(workspace).ingest([make_post(3, "lumio two"), make_post(4, "vexa two")])
    got = [p["id"] for r in receiver.accepted() for p in r["json"]["posts"]]
    assert got == ["mastodon:1", "mastodon:4"]


def test_a_post_without_counts_sends_null_and_a_true_zero_sends_0(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """A feed entry gives no like, share or reply count: the webhook sends
    ``null`` for them (unknown), where a Mastodon post nobody liked sends 0;
    an unknown follower count is ``null`` and a true 0 is 0 likewise."""
    from veille.models import Author, Engagement

    AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    build_pipeline(workspace).ingest(
        [
            make_post(1, "Lumio on a blog", platform="rss", author=Author(handle="blog"),
                      engagement=Engagement(given=False)),
            make_post(2, "Lumio on Mastodon", followers=0, engagement=Engagement(likes=0)),
        ]
    )  # fmt: skip
    posts = {p["id"]: p for p in receiver.requests[0]["json"]["posts"]}
    assert posts["rss:1"]["engagement"] == {"likes": None, "shares": None, "replies": None}
    assert posts["rss:1"]["author"]["followers"] is None
    assert posts["mastodon:2"]["engagement"] == {"likes": 0, "shares": 0, "replies": 0}
    assert posts["mastodon:2"]["author"]["followers"] == 0


def test_an_alert_made_again_is_not_dropped_as_a_repeat(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """SQLite gives the id of a deleted alert, and of its deleted outbox rows,
    to the next ones: a delivery id made of them came back, and the receiver
    dropped the new alert's first message as a repeat of the old one's."""
    book = AlertBook(workspace.store)
    book.add(Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}"))
    build_pipeline(workspace).ingest([make_post(1, "The new Lumio lamp")])
    book.remove("lumio")
    book.add(Alert(name="vexa", query="vexa", channel_url=f"webhook+{receiver.url}"))
    build_pipeline(workspace).ingest([make_post(2, "Vexa opens a shop")])
    _engine(workspace).dispatch()
    accepted = [p["id"] for r in receiver.accepted() for p in r["json"]["posts"]]
    assert accepted == ["mastodon:1", "mastodon:2"], [r["delivery"] for r in receiver.requests]
