"""The StateStore contract, continued: topics, alerts and their outbox, the
near-duplicate index and corrections (run over every backend keeping state)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from veille.alerts.model import Alert
from veille.store import StateStore


def test_topics_versions_and_rules_version(state_store: StateStore) -> None:
    before = state_store.rules_version()  # type: ignore[attr-defined]
    assert state_store.create_topic("lumio", "lumio", 100)
    assert not state_store.create_topic("lumio", "other", 101)
    topic = state_store.topic("lumio")
    assert topic is not None and (topic.query, topic.version) == ("lumio", 1)
    state_store.add_topic_version(topic.id, 2, "lumio OR vexa", 200)
    assert [v.query for v in state_store.topic_versions(topic.id)] == ["lumio", "lumio OR vexa"]
    assert [t.query for t in state_store.topics()] == ["lumio OR vexa"]
    assert state_store.rules_version() > before  # type: ignore[attr-defined]
    with state_store.transaction() as tx:
        tx.file_posts([("mastodon:1", topic.id)])
    state_store.delete_topic(topic.id)
    assert state_store.topic("lumio") is None


def _alert(name: str = "a") -> Alert:
    return Alert(name=name, query="lumio", channel_url="atom:feed.xml", secret="s", created_at=1)


def test_an_erasure_finds_atom_feeds_whatever_the_case_of_their_scheme(
    state_store: StateStore,
) -> None:
    """An alert sent to ``ATOM:b.xml`` writes a feed (schemes are read
    without case) that an erasure must rewrite: PostgreSQL's LIKE, unlike
    SQLite's, minds the case, and left the person's entries in it."""
    urls = {"a": "atom:a.xml", "b": "ATOM:b.xml", "c": "Atom://c.xml", "d": "mailto:x@example.org"}
    for name, url in urls.items():
        state_store.insert_alert(replace(_alert(name), channel_url=url))
    assert sorted(state_store.atom_files()) == ["//c.xml", "a.xml", "b.xml"]


def test_alerts_and_an_outbox_row_delivered_once(state_store: StateStore) -> None:
    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    assert state_store.insert_alert(_alert()) is None  # the name is taken
    found = state_store.find_alert("a")
    assert found is not None and found.id == alert_id and found.query == "lumio"
    with state_store.transaction() as tx:
        common = {"cluster_id": None, "spans": [("text", 0, 5)], "now": 10.0, "due": 10.0}
        assert tx.queue_match(alert_id, "p1", status="pending", reason=None, **common)
        assert not tx.queue_match(alert_id, "p1", status="pending", reason=None, **common)
        assert tx.queued_since(alert_id, 0.0) == 1
    assert state_store.queue_event(alert_id, "spike:1", {"kind": "spike"}, 10.0, 10.0)
    assert not state_store.queue_event(alert_id, "spike:1", {"kind": "spike"}, 10.0, 10.0)
    claimed = state_store.claim_deliveries(20.0, 30.0)
    assert len(claimed) == 1
    batch_id, ids = claimed[0]
    assert len(ids) == 2
    assert state_store.claim_deliveries(21.0, 31.0) == []  # leased
    items = state_store.queued_items(ids)
    assert [i.key for i in items] == ["p1", "spike:1"] and items[0].spans == [("text", 0, 5)]
    # A lease that ran out: claimed again under the same delivery id.
    again = state_store.claim_deliveries(40.0, 50.0)
    assert again == [(batch_id, ids)]
    state_store.finish_deliveries(ids, "sent", None, 41.0)
    assert state_store.outbox_counts(alert_id) == {"sent": 2}
    assert [d.status for d in state_store.list_deliveries(alert_name="a")] == ["sent", "sent"]
    assert state_store.delivered_posts(alert_id) == ["p1"]
    state_store.mark_not_relevant(alert_id, "p1", 50.0)
    assert state_store.not_relevant_posts(alert_id) == {"p1"}
    state_store.delete_alert(alert_id)
    assert state_store.find_alert("a") is None


def test_a_delivery_id_is_not_made_of_row_ids(state_store: StateStore) -> None:
    """Receivers drop repeats by delivery id: a new message must never carry
    one already used. Row ids (and, on SQLite, a deleted alert's id) are
    handed out again, after a deletion or an asynchronous PostgreSQL
    failover; the id is made of the alert and the batch's items instead."""
    common = {"cluster_id": None, "spans": [], "now": 10.0, "due": 10.0}
    first = state_store.insert_alert(_alert("a"))
    assert first is not None
    with state_store.transaction() as tx:
        tx.queue_match(first, "p1", status="pending", reason=None, **common)
    ((sent, ids),) = state_store.claim_deliveries(20.0, 30.0)
    state_store.finish_deliveries(ids, "sent", None, 21.0)
    state_store.delete_alert(first)
    second = state_store.insert_alert(replace(_alert("b"), created_at=2))
    assert second is not None
    with state_store.transaction() as tx:
        tx.queue_match(second, "p2", status="pending", reason=None, **common)
        tx.queue_match(second, "p3", status="pending", reason=None, **common)
    ((batch_id, _ids),) = state_store.claim_deliveries(40.0, 50.0)
    assert batch_id != sent
    # Short and URL-safe: the alert id, then a digest of its items.
    assert re.fullmatch(rf"{second}\.[0-9a-f]{{20}}", batch_id), batch_id


def test_rows_held_back_by_a_cap_are_reported_once(state_store: StateStore) -> None:
    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    with state_store.transaction() as tx:
        common = {"cluster_id": None, "spans": [], "now": 10.0, "due": 10.0}
        tx.queue_match(alert_id, "p1", status="pending", reason=None, **common)
        tx.queue_match(alert_id, "p2", status="skipped", reason="daily cap of 1 reached", **common)
        tx.queue_match(alert_id, "p3", status="skipped", reason="same story as p1", **common)
    held = state_store.held_back(alert_id, "daily cap of ")
    assert len(held) == 1
    ((batch_id, ids),) = state_store.claim_deliveries(20.0, 30.0)
    state_store.finish_deliveries(ids, "sent", None, 21.0)
    state_store.mark_reported(held, batch_id)
    assert state_store.held_back(alert_id, "daily cap of ") == []
    assert state_store.outbox_counts(alert_id) == {"sent": 1, "skipped": 2}
    assert state_store.outbox_counts(alert_id, 10.0) == {"sent": 1, "skipped": 2}
    assert state_store.outbox_counts(alert_id, 10.5) == {}  # queued at 10.0


def test_waiting_matches_take_a_new_due_time(state_store: StateStore) -> None:
    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    with state_store.transaction() as tx:
        tx.queue_matches([(alert_id, "p1", None, 10.0, 100.0, 1.0)])
        tx.queue_match(alert_id, "p2", cluster_id=None, spans=[], status="skipped", now=11.0,
                       due=100.0, reason="daily cap of 1 reached")  # fmt: skip
    assert state_store.queue_event(alert_id, "spike:1", {"kind": "spike"}, 100.0, 12.0)
    ((row, created),) = state_store.waiting_matches(alert_id)  # not the skipped, not the event
    assert created == 10.0
    state_store.set_due([(row, 50.0)])
    assert state_store.claim_deliveries(49.0, 60.0) == []
    ((_, ids),) = state_store.claim_deliveries(51.0, 60.0)
    assert ids == [row]
    assert state_store.waiting_matches(alert_id) == []  # claimed: no longer waiting


def test_an_alert_held_in_its_quiet_hours_is_not_claimed(state_store: StateStore) -> None:
    quiet = state_store.insert_alert(_alert("quiet"))
    other = state_store.insert_alert(_alert("other"))
    assert quiet is not None and other is not None
    with state_store.transaction() as tx:
        tx.queue_matches(
            [(quiet, "p1", None, 10.0, 10.0, 1.0), (other, "p2", None, 10.0, 10.0, 1.0)]
        )
    ((_, ids),) = state_store.claim_deliveries(20.0, 30.0, held=[quiet])
    assert [i.key for i in state_store.queued_items(ids)] == ["p2"]
    ((_, ids),) = state_store.claim_deliveries(21.0, 31.0)
    assert [i.key for i in state_store.queued_items(ids)] == ["p1"]


def test_plain_matches_queued_in_one_call(state_store: StateStore) -> None:
    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    with state_store.transaction() as tx:
        rows = [(alert_id, "p1", None, 10.0, 10.0, 1.0), (alert_id, "p2", "p1", 10.0, 10.0, None)]
        assert tx.queue_matches(rows) == 2
        assert tx.queue_matches([*rows, (alert_id, "p3", None, 11.0, 11.0, 2.0)]) == 1  # once each
        assert tx.queued_since(alert_id, 0.0) == 3
    ((_, ids),) = state_store.claim_deliveries(20.0, 30.0)
    items = state_store.queued_items(ids)
    assert sorted(i.key for i in items) == ["p1", "p2", "p3"]
    assert all(i.spans == [] for i in items)  # found when the message is composed


def test_delivered_posts_are_the_newest_published_whatever_the_queue_order(
    state_store: StateStore,
) -> None:
    """An alert's Atom feed shows its newest posts: a backlog queued newest
    first (its oldest posts in the latest rows) must not push them out."""
    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    day = 86400.0
    with state_store.transaction() as tx:
        # A first collect's backlog: the newest posts queued first, the oldest last.
        tx.queue_matches([(alert_id, f"old{n}", None, 10.0, 10.0, (60 - n) * day)
                          for n in range(60)])  # fmt: skip
        common: dict[str, Any] = {"cluster_id": None, "spans": [], "now": 20.0, "due": 20.0,
                                  "reason": None}  # fmt: skip
        assert tx.queue_match(alert_id, "skipped", status="skipped", published=99 * day, **common)
        assert tx.queue_match(alert_id, "late-but-old", status="pending", published=0.5, **common)
        assert tx.queue_match(alert_id, "newest", status="pending", published=70 * day, **common)
    assert state_store.queue_event(alert_id, "spike:1", {"kind": "spike"}, 30.0, 30.0)
    assert state_store.delivered_posts(alert_id, limit=3) == ["newest", "old0", "old1"]
    everything = state_store.delivered_posts(alert_id)
    assert everything[-1] == "late-but-old" and len(everything) == 62  # no event, no skipped


def test_failed_deliveries_retry_then_die(state_store: StateStore) -> None:
    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    assert state_store.queue_event(alert_id, "k", {"kind": "x"}, 0.0, 0.0)
    ((_, ids),) = state_store.claim_deliveries(1.0, 5.0)
    state_store.reschedule_deliveries(ids, attempts=1, error="503", status="dead", retry_at=9.0)
    assert state_store.delivery_attempts(ids[0]) == 1
    assert state_store.retry_dead_deliveries(alert_id, 10.0) == 1
    assert state_store.outbox_counts(alert_id) == {"pending": 1}


def test_signatures_and_corrections(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.file_signatures([("p1", "p1", b"\x01\x02", [11, 12]), ("p2", "p1", b"\x01\x03", [])])
        assert tx.signed_posts(["p1", "p2", "p3"]) == {"p1", "p2"}
        got = tx.duplicate_candidates([11], per_band=4)
        assert [(r[0], r[1], bytes(r[2])) for r in got] == [("p1", "p1", b"\x01\x02")]
        # A batch's lookups in one call: a post with no filed key gets nothing.
        many = tx.duplicate_candidates_many([[99], [12, 98], []], per_band=4)
        assert [[r[0] for r in rows] for rows in many] == [[], ["p1"], []]
    assert [c.new_label for c in state_store.list_corrections()] == []
    assert state_store.reviewed_sentiments() == []


def test_alert_feed_tokens(state_store: StateStore) -> None:
    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    assert state_store.alert_feed_token(alert_id) is None
    state_store.set_alert_feed_token(alert_id, "tok1", 10)
    state_store.set_alert_feed_token(alert_id, "tok2", 11)
    assert state_store.alert_feed_token(alert_id) == "tok2"
    found = state_store.alert_by_feed_token("tok2")
    assert found is not None and found.id == alert_id
    assert state_store.alert_by_feed_token("tok1") is None
    state_store.set_alert_feed_token(alert_id, None, 12)
    assert state_store.alert_feed_token(alert_id) is None


def test_retention_keeps_each_alerts_newest_event(state_store: StateStore) -> None:
    """The purge of delivered monitor events and reports older than the
    retention period leaves each alert's newest: it is how the scheduler
    knows the window it looks at (a week's report, a long silence) was
    sent. Deleted, a weekly report went out again under a retention of
    under a week."""
    from datetime import UTC, datetime

    weekly = state_store.insert_alert(_alert("weekly"))
    spikes = state_store.insert_alert(_alert("spikes"))
    assert weekly is not None and spikes is not None
    for alert_id, key, at in ((weekly, "report:w1", 10.0), (weekly, "report:w2", 20.0),
                              (spikes, "spike:1", 11.0)):  # fmt: skip
        assert state_store.queue_event(alert_id, key, {"kind": "x"}, at, at)
    for _batch, ids in state_store.claim_deliveries(30.0, 40.0):  # one batch an alert
        state_store.finish_deliveries(ids, "sent", None, 31.0)
    gone = state_store.forget_before(datetime.fromtimestamp(100, UTC))
    assert gone["alert_events"] == 1
    assert not state_store.has_delivery(weekly, "report:w1")
    assert state_store.has_delivery(weekly, "report:w2")
    assert state_store.has_delivery(spikes, "spike:1")
    # Nothing more to forget: the next upkeep writes nothing.
    assert state_store.forget_before(datetime.fromtimestamp(100, UTC))["alert_events"] == 0


def test_retention_drops_a_kept_report_page_of_purged_posts(state_store: StateStore) -> None:
    """An e-mailed report's outbox row keeps its page (``document``), which
    shows the period's posts: a retention purge reaching into the period
    drops it (a report not yet sent is drawn again from what remains); a
    later period's page, and the figures, stay."""
    from datetime import UTC, datetime

    alert_id = state_store.insert_alert(_alert("weekly"))
    assert alert_id is not None
    page = {"lang": "en", "html": "<p>Lumio est génial</p>"}
    for key in ("report:2026-01-05T00:00:00+01:00..2026-01-12T00:00:00+01:00",
                "report:2026-01-12T00:00:00+01:00..2026-01-19T00:00:00+01:00"):  # fmt: skip
        event = {"kind": "report", "figures": {"en": ["Posts: 4"]}, "document": page}
        assert state_store.queue_event(alert_id, key, event, 10.0, 10.0)
    state_store.forget_before(datetime(2026, 1, 8, tzinfo=UTC))
    [(_batch, ids)] = state_store.claim_deliveries(30.0, 40.0)
    events = [item.event for item in state_store.queued_items(ids)]
    assert [e["figures"] for e in events] == [{"en": ["Posts: 4"]}] * 2
    assert ["document" in e for e in events] == [False, True]


def test_retention_forgets_the_done_rows_and_old_marks_of_posts_before_its_cutoff(
    state_store: StateStore,
) -> None:
    """Rows queued as a purge ran name posts it had deleted (sent or
    skipped, they stayed for ever): the next purge's ``forget_before``
    deletes the done rows of posts published before its cutoff, and the
    "not relevant" marks made more than 15 minutes before it. A row still
    to send, a post published after the cutoff, an event, stay."""
    from datetime import UTC, datetime

    alert_id = state_store.insert_alert(_alert())
    assert alert_id is not None
    day = 86400.0
    common: dict[str, Any] = {"cluster_id": None, "spans": [], "now": 20.0, "due": 20.0,
                              "reason": None}  # fmt: skip
    with state_store.transaction() as tx:
        tx.queue_match(alert_id, "gone-skipped", status="skipped", published=1 * day, **common)
        tx.queue_match(alert_id, "gone-pending", status="pending", published=2 * day, **common)
        tx.queue_match(alert_id, "kept", status="skipped", published=20 * day, **common)
    assert state_store.queue_event(alert_id, "spike:1", {"kind": "spike"}, 30.0, 30.0)
    state_store.mark_not_relevant(alert_id, "gone-skipped", 5 * day)
    state_store.mark_not_relevant(alert_id, "kept", 10 * day - 60)  # within 15 minutes
    gone = state_store.forget_before(datetime.fromtimestamp(10 * day, UTC))
    assert (gone["deliveries"], gone["alert_marks"], gone["alert_events"]) == (1, 1, 0)
    left = {(d.post_id, d.status) for d in state_store.list_deliveries(alert_name="a")}
    assert left == {("gone-pending", "pending"), ("kept", "skipped"), ("spike:1", "pending")}
    assert state_store.not_relevant_posts(alert_id) == {"kept"}
    # Nothing more to forget: the next upkeep writes nothing.
    again = state_store.forget_before(datetime.fromtimestamp(10 * day, UTC))
    assert (again["deliveries"], again["alert_marks"]) == (0, 0)


# Post ids as platforms and plugins give them: each holds a character that
# PostgreSQL's array syntax reads apart (a quote, a backslash, a comma, a
# brace, white space, the word NULL) or that is not ASCII.
ODD_IDS = ['rss:a"b', "rss:a\\b", "rss:a,b", "rss:{a}", "rss:a b", "NULL", "rss:é\u202fü", 'x:\\"']


def test_a_batchs_rows_keep_ids_that_array_syntax_would_misread(
    state_store: StateStore,
) -> None:
    """Ingest writes a batch's filings, outbox rows and signatures as one
    statement each (PostgreSQL: one array per column): every id comes back
    as it was given, none split, unquoted or taken for a NULL."""
    assert state_store.create_topic("lumio", "lumio", 100)
    topic = state_store.topic("lumio")
    alert_id = state_store.insert_alert(_alert())
    assert topic is not None and alert_id is not None
    with state_store.transaction() as tx:
        tx.file_posts([(post_id, topic.id) for post_id in ODD_IDS])
        rows = [(alert_id, post_id, ODD_IDS[0] if n % 2 else None, 10.0, 10.0 + n,
                 None if n % 3 else 1.5e9 + n) for n, post_id in enumerate(ODD_IDS)]  # fmt: skip
        assert tx.queue_matches([*rows, (alert_id, "rss:late", None, 10.0, 20.0, 2e9)]) == 9
        signed = [(post_id, ODD_IDS[1], bytes([n, 0, 92, 34]), [-(2**63) + n, 2**63 - 1 - n])
                  for n, post_id in enumerate(ODD_IDS)]  # fmt: skip
        tx.file_signatures(signed)
        assert tx.signed_posts([*ODD_IDS, "rss:ab"]) == set(ODD_IDS)
        many = tx.duplicate_candidates_many([[-(2**63) + 2], [2**63 - 1, 5]], per_band=4)
        assert [[(r[0], r[1], bytes(r[2])) for r in found] for found in many] == [
            [(ODD_IDS[2], ODD_IDS[1], bytes([2, 0, 92, 34]))],
            [(ODD_IDS[0], ODD_IDS[1], bytes([0, 0, 92, 34]))],
        ]
    filed = getattr(state_store, "topic_post_ids", None)  # (SQLite files the posts it holds)
    if filed is not None:
        assert filed(topic.id) == set(ODD_IDS)
    ((_, ids),) = state_store.claim_deliveries(25.0, 30.0)
    assert sorted(i.key for i in state_store.queued_items(ids)) == sorted([*ODD_IDS, "rss:late"])
    assert set(state_store.delivered_posts(alert_id)) == {*ODD_IDS, "rss:late"}
