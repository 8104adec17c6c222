"""Posts of flagged topics enter the inbox once; rules run in order on each."""

from __future__ import annotations

import pytest

from veille.alerts.model import Alert, AlertBook
from veille.inbox import items as svc
from veille.inbox.model import ItemFilter
from veille.inbox.rules import add_rule, list_rules, make_rule
from veille.models import Author
from veille.query.topics import edit_topic
from veille.workspace import Workspace

from .conftest import ingest, post


def _all(ws: Workspace) -> list:
    return svc.list_items(ws.state, ItemFilter(limit=1000))


def test_only_posts_of_flagged_topics_enter_the_inbox(inbox_ws: Workspace) -> None:
    ingest(inbox_ws, [post("1", "lumio is down"), post("2", "weather is nice"), post("3", "hi")])
    found = _all(inbox_ws)
    assert [i.post_id for i in found] == ["mastodon:1"]
    assert found[0].topics == ("lumio",) and found[0].status == "new"


def test_a_post_enters_once_even_when_ingested_again(inbox_ws: Workspace) -> None:
    ingest(inbox_ws, [post("1", "lumio is down")])
    ingest(inbox_ws, [post("1", "lumio is down"), post("2", "lumio again")])
    # A crash after the commit and a replay of the same batch: the unique post id holds.
    with inbox_ws.state.transaction() as tx:
        assert tx.enter_inbox([(post("1", "lumio is down"), ["lumio"])], 0) == []
    assert sorted(i.post_id for i in _all(inbox_ws)) == ["mastodon:1", "mastodon:2"]


def test_an_item_is_not_entered_when_its_batch_rolls_back(inbox_ws: Workspace) -> None:
    from veille.pipeline.ingest import build_pipeline

    pipeline = build_pipeline(inbox_ws, skip=("enrich",))

    def crash(tx, result, last):  # the caller's state write fails: all of the batch goes
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        pipeline.ingest([post("1", "lumio crash")], state=crash)
    assert _all(inbox_ws) == []
    ingest(inbox_ws, [post("1", "lumio crash")])  # the retry enters it
    assert len(_all(inbox_ws)) == 1


def test_flagging_a_topic_later_takes_new_posts_in(inbox_ws: Workspace) -> None:
    ingest(inbox_ws, [post("1", "weather today")])
    edit_topic(inbox_ws.state, "other", None, inbox=True)
    ingest(inbox_ws, [post("2", "weather tomorrow")])
    assert [i.post_id for i in _all(inbox_ws)] == ["mastodon:2"]


def test_rules_run_in_order_and_every_action_is_recorded(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    st.set_inbox_team("support", ["alice", "bob"])
    add_rule(
        st,
        make_rule(
            "angry", sentiments=["negative"], actions=[("priority", "urgent"), ("tag", "complaint")]
        ),
    )
    add_rule(st, make_rule("outage", query='"is down"', actions=[("category", "outage")]))
    add_rule(st, make_rule("big", min_followers=10_000, actions=[("assign", "carol")]))
    add_rule(st, make_rule("rr", actions=[("team", "support")]))
    ingest(
        inbox_ws,
        [
            post("1", "lumio is down again", sentiment="negative"),
            post(
                "2", "I love lumio", sentiment="positive", author=Author("star", followers=50_000)
            ),
            post("3", "lumio question", sentiment="neutral"),
        ],
    )
    items = {i.post_id: i for i in _all(inbox_ws)}
    one, two, three = items["mastodon:1"], items["mastodon:2"], items["mastodon:3"]
    assert one.priority == "urgent" and one.tags == ("complaint",) and one.categories == ("outage",)
    assert two.priority == "normal" and two.tags == ()
    # "big" assigned carol, then round-robin ran after it (rules run in order).
    assignees = [one.assignee, two.assignee, three.assignee]
    assert sorted(assignees) == ["alice", "alice", "bob"]
    assert all(i.status == "assigned" for i in items.values())
    actions = [(e.actor, e.action) for e in svc.events(st, one.id)]
    assert ("rule:angry", "priority") in actions and ("rule:angry", "tag") in actions
    assert ("rule:outage", "category") in actions and ("rule:rr", "assign") in actions
    assert {r.name: r.runs for r in list_rules(st)} == {"angry": 3, "outage": 3, "big": 3, "rr": 3}


def test_a_failing_rule_is_reported_and_the_others_still_run(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    add_rule(st, make_rule("broken", actions=[("team", "nobody-here")]))  # an empty team
    add_rule(st, make_rule("after", actions=[("tag", "seen")]))
    ingest(inbox_ws, [post("1", "lumio help")])
    (item,) = _all(inbox_ws)
    assert item.tags == ("seen",)
    rules = {r.name: r for r in list_rules(st)}
    assert rules["broken"].last_error and "nobody-here" in rules["broken"].last_error
    assert rules["after"].last_error is None


def test_notify_queues_an_outbox_row_and_sends_nothing_itself(
    inbox_ws: Workspace, tmp_path
) -> None:
    book = AlertBook(inbox_ws.state)
    feed = tmp_path / "inbox.xml"
    book.add(
        Alert(
            name="team-feed",
            channel_url=f"atom:{feed}",
            query="nothing-matches-this",
            frequency="daily",
        )
    )
    add_rule(
        inbox_ws.state,
        make_rule("tell", sentiments=["negative"], actions=[("notify", "team-feed")]),
    )
    ingest(
        inbox_ws,
        [
            post("1", "lumio broke", sentiment="negative"),
            post("2", "lumio ok", sentiment="positive"),
        ],
    )
    rows = inbox_ws.state.list_deliveries(alert_name="team-feed")
    assert [(r.post_id, r.status) for r in rows] == [("mastodon:1", "pending")]


def test_a_notify_to_a_missing_alert_is_an_error_on_the_rule(inbox_ws: Workspace) -> None:
    add_rule(inbox_ws.state, make_rule("tell", actions=[("notify", "gone"), ("tag", "x")]))
    ingest(inbox_ws, [post("1", "lumio")])
    (rule,) = list_rules(inbox_ws.state)
    assert rule.last_error and "gone" in rule.last_error
    (item,) = _all(inbox_ws)
    assert item.tags == ()  # the rule's actions apply together or not at all


def test_a_rule_edited_in_place_acts_anew_on_the_next_posts(inbox_ws: Workspace) -> None:
    from veille.inbox.rules import edit_rule

    add_rule(inbox_ws.state, make_rule("first", query="refund", actions=[("tag", "money")]))
    add_rule(inbox_ws.state, make_rule("second", actions=[("tag", "seen")]))
    ingest(inbox_ws, [post("1", "lumio refund please")])
    # The daemon's matcher is rebuilt when a rule's query changes.
    edit_rule(inbox_ws.state, "first",
              make_rule("billing", query="invoice", actions=[("priority", "high")]))  # fmt: skip
    ingest(inbox_ws, [post("2", "lumio refund again"), post("3", "lumio invoice wrong")])
    by_post = {i.post_id: i for i in _all(inbox_ws)}
    assert by_post["mastodon:1"].tags == ("money", "seen")
    assert by_post["mastodon:2"].tags == ("seen",) and by_post["mastodon:2"].priority == "normal"
    assert by_post["mastodon:3"].priority == "high"
    rules = list_rules(inbox_ws.state)
    assert [(r.name, r.position, r.runs) for r in rules] == [("billing", 1, 3), ("second", 2, 3)]


def test_an_item_a_rule_closes_counts_as_resolved_at_once(inbox_ws: Workspace) -> None:
    """A rule that ignores spam (or closes a thank-you) takes the item out of
    the backlog and resolves it on entry: the resolution figures count it as
    resolved, not as waiting forever; reopened, it is back in the backlog."""
    from datetime import UTC, datetime, timedelta

    from veille.inbox import metrics

    add_rule(inbox_ws.state, make_rule("spam", query="casino", actions=[("status", "ignored")]))
    ingest(inbox_ws, [post("1", "lumio casino bonus"), post("2", "lumio is down")])
    spam = next(i for i in _all(inbox_ws) if i.post_id == "mastodon:1")
    assert spam.status == "ignored" and spam.closed_at is not None
    since, until = spam.created_at - timedelta(days=1), datetime.now(UTC) + timedelta(days=1)
    resolved = metrics.resolution_times(inbox_ws.state, since, until)
    assert (resolved.items, resolved.answered, resolved.waiting) == (2, 1, 1)
    assert metrics.backlog(inbox_ws.state, until).total == 1
    svc.set_status(inbox_ws.state, spam.id, "new", actor="lead")  # not spam after all
    assert metrics.backlog(inbox_ws.state, until).total == 2
