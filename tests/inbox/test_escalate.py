"""Escalation: rules ``--on due_soon`` / ``--on breached`` run once on each
open item about to miss, or past, its first-response target, from the
scheduler's pass (SQLite and PostgreSQL state)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from veille.alerts.model import Alert, AlertBook
from veille.inbox import items as svc
from veille.inbox.escalate import escalate_due
from veille.inbox.model import ItemFilter
from veille.inbox.replies import answered_outside
from veille.inbox.rules import add_rule, edit_rule, list_rules, make_rule
from veille.workspace import Workspace

from .conftest import ingest, post

DAY = 86400


def _item(ws: Workspace, native_id: str, text: str) -> int:
    ingest(ws, [post(native_id, text)])
    return svc.list_items(ws.state, ItemFilter(text=text))[0].id


def _entered_ago(ws: Workspace, item_id: int, seconds: int) -> None:
    """The item entered ``seconds`` earlier: as if that time had passed
    (the default targets: a normal item is due a working day after)."""
    with ws.state._sql_write() as sql:
        sql.run(
            "UPDATE inbox_items SET created_at = created_at - ? WHERE id = ?", (seconds, item_id)
        )


def _history(ws: Workspace, item_id: int) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, str(e.detail)) for e in ws.state.inbox_events(item_id)]


def test_a_breached_rule_runs_once_on_an_item_past_its_target_and_not_on_new_ones(
    inbox_ws: Workspace,
) -> None:
    st = inbox_ws.state
    actions = [("priority", "urgent"), ("tag", "late"), ("assign", "lead")]
    add_rule(st, make_rule("late", on="breached", actions=actions))
    fresh = _item(inbox_ws, "1", "lumio fresh")
    assert svc.get_item(st, fresh).tags == ()  # not a rule for new items
    late = _item(inbox_ws, "2", "lumio waited a week")
    _entered_ago(inbox_ws, late, 7 * DAY)
    now = int(time.time())

    assert escalate_due(inbox_ws, now) == [("late", late)]
    item = svc.get_item(st, late)
    assert (item.priority, item.tags, item.assignee, item.status) == (
        "urgent", ("late",), "lead", "assigned",
    )  # fmt: skip
    assert ("rule:late", "priority", "urgent") in _history(inbox_ws, late)
    assert svc.get_item(st, fresh).tags == ()

    # The next pass, and one by a second scheduler, leave it as it is.
    st.change_inbox_item(late, svc.ItemChange({"priority": "low"}), version=None, at=now)
    assert escalate_due(inbox_ws, now + 60) == []
    assert svc.get_item(st, late).priority == "low"
    (rule,) = list_rules(st)
    assert rule.runs == 1


def test_two_schedulers_that_read_the_same_item_escalate_it_once(inbox_ws: Workspace) -> None:
    from veille.inbox.escalate import _run
    from veille.inbox.hours import WorkingTime, working_settings
    from veille.inbox.rules import RuleContext

    st = inbox_ws.state
    add_rule(st, make_rule("page", on="breached", actions=[("tag", "late")]))
    item_id = _item(inbox_ws, "1", "lumio two schedulers")
    _entered_ago(inbox_ws, item_id, 7 * DAY)
    (rule,) = list_rules(st)
    now = int(time.time())
    (read,) = st.inbox_awaiting(rule.id, "breached", "normal", now)  # the other one's read
    assert escalate_due(inbox_ws, now) == [("page", item_id)]
    hours = WorkingTime.from_settings(working_settings(inbox_ws))
    ctx = RuleContext(hours, set(), None, datetime.fromtimestamp(now, UTC))
    assert _run(st, rule, read, ctx, now) is False
    assert [e for e in _history(inbox_ws, item_id) if e[0] == "rule:page"] == [
        ("rule:page", "tag", "late")
    ]
    assert list_rules(st)[0].runs == 1


def test_an_escalation_rules_conditions_read_the_items_copy_of_its_post(
    inbox_ws: Workspace,
) -> None:
    st = inbox_ws.state
    add_rule(st, make_rule("refunds", on="breached", query="refund", platforms=["mastodon"],
                           actions=[("tag", "refund")]))  # fmt: skip
    asks = _item(inbox_ws, "1", "lumio refund please")
    other = _item(inbox_ws, "2", "lumio is slow")
    for item_id in (asks, other):
        _entered_ago(inbox_ws, item_id, 7 * DAY)
    now = int(time.time())
    assert escalate_due(inbox_ws, now) == [("refunds", asks)]
    assert svc.get_item(st, other).tags == ()
    (rule,) = list_rules(st)
    # The other had its turn: not read again at the next pass.
    assert st.inbox_awaiting(rule.id, "breached", "normal", now) == []


def test_closed_ignored_and_answered_items_are_not_escalated(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    add_rule(st, make_rule("late", on="breached", actions=[("tag", "late")]))
    closed = _item(inbox_ws, "1", "lumio closed")
    ignored = _item(inbox_ws, "2", "lumio ignored")
    answered = _item(inbox_ws, "3", "lumio answered in the app")
    for item_id, status in ((closed, "closed"), (ignored, "ignored")):
        _entered_ago(inbox_ws, item_id, 7 * DAY)
        svc.set_status(st, item_id, status, actor="alice")
    _entered_ago(inbox_ws, answered, 7 * DAY)
    answered_outside(inbox_ws, answered, user="alice")  # late, but answered
    assert escalate_due(inbox_ws, int(time.time())) == []
    for item_id in (closed, ignored, answered):
        assert svc.get_item(st, item_id).tags == ()


def test_a_snoozed_item_is_escalated_once_it_wakes(inbox_ws: Workspace) -> None:
    from veille.inbox import snooze as sn

    st = inbox_ws.state
    add_rule(st, make_rule("late", on="breached", actions=[("tag", "late")]))
    item_id = _item(inbox_ws, "1", "lumio asleep")
    _entered_ago(inbox_ws, item_id, 7 * DAY)
    sn.snooze(st, item_id, datetime.now(UTC) + timedelta(hours=2), actor="alice")
    now = int(time.time())
    assert escalate_due(inbox_ws, now) == []  # asleep: its clock runs, nobody is told
    sn.unsnooze(st, item_id, actor="alice")
    assert escalate_due(inbox_ws, now) == [("late", item_id)]


def test_due_soon_runs_before_the_target_and_breached_after(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    st.set_inbox_settings({
        "working_hours": "00:00-24:00",
        "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "holidays": [],
    })  # fmt: skip
    add_rule(st, make_rule("soon", on="due-soon", actions=[("tag", "soon")]))
    add_rule(st, make_rule("late", on="breached", actions=[("tag", "late")]))
    item_id = _item(inbox_ws, "1", "lumio nearly late")
    _entered_ago(inbox_ws, item_id, DAY - 10 * 60)  # a normal item: due in 10 minutes
    now = int(time.time())
    assert escalate_due(inbox_ws, now) == [("soon", item_id)]
    assert escalate_due(inbox_ws, now + 3600) == [("late", item_id)]
    assert svc.get_item(st, item_id).tags == ("late", "soon")


def test_unresolved_runs_on_an_answered_item_not_closed_by_its_resolution_target(
    inbox_ws: Workspace,
) -> None:
    st = inbox_ws.state
    add_rule(st, make_rule("stuck", on="unresolved", actions=[("priority", "high")]))
    answered = _item(inbox_ws, "1", "lumio answered, never closed")
    closed = _item(inbox_ws, "2", "lumio answered and closed")
    recent = _item(inbox_ws, "3", "lumio answered yesterday")
    for item_id in (answered, closed):
        _entered_ago(inbox_ws, item_id, 14 * DAY)  # a normal item: resolved within 5 days
        answered_outside(inbox_ws, item_id, user="alice")
    svc.set_status(st, closed, "closed", actor="alice")
    _entered_ago(inbox_ws, recent, DAY)
    answered_outside(inbox_ws, recent, user="alice")
    now = int(time.time())
    assert escalate_due(inbox_ws, now) == [("stuck", answered)]
    assert svc.get_item(st, answered).priority == "high"
    assert escalate_due(inbox_ws, now + 60) == []


def test_an_escalation_notifies_through_an_alert_and_a_gone_alert_is_the_rules_error(
    inbox_ws: Workspace, tmp_path: Path
) -> None:
    st = inbox_ws.state
    AlertBook(st).add(Alert(name="oncall", channel_url=f"atom:{tmp_path / 'a.xml'}",
                            query="nothing-matches-this", frequency="daily"))  # fmt: skip
    add_rule(st, make_rule("page", on="breached", actions=[("notify", "oncall")]))
    add_rule(st, make_rule("broken", on="breached", actions=[("notify", "gone"), ("tag", "x")]))
    item_id = _item(inbox_ws, "1", "lumio nobody answers")
    _entered_ago(inbox_ws, item_id, 7 * DAY)
    now = int(time.time())
    assert escalate_due(inbox_ws, now) == [("page", item_id)]
    rows = st.list_deliveries(alert_name="oncall")
    assert [(r.post_id, r.status) for r in rows] == [("mastodon:1", "pending")]
    rules = {r.name: r for r in list_rules(st)}
    assert rules["broken"].last_error and "gone" in rules["broken"].last_error
    assert svc.get_item(st, item_id).tags == ()  # its actions apply together or not at all
    assert escalate_due(inbox_ws, now + 60) == []  # not tried again at every pass
    assert ("rule:page", "notify", "oncall") in _history(inbox_ws, item_id)


def test_an_alert_that_already_sent_the_post_is_said_on_the_rule(
    inbox_ws: Workspace, tmp_path: Path
) -> None:
    st = inbox_ws.state
    AlertBook(st).add(Alert(name="team", channel_url=f"atom:{tmp_path / 'a.xml'}",
                            query="nothing-matches-this", frequency="daily"))  # fmt: skip
    add_rule(st, make_rule("first", actions=[("notify", "team")]))
    add_rule(st, make_rule("page", on="breached", actions=[("notify", "team")]))
    item_id = _item(inbox_ws, "1", "lumio nobody answers")
    _entered_ago(inbox_ws, item_id, 7 * DAY)
    assert escalate_due(inbox_ws, int(time.time())) == [("page", item_id)]
    assert len(st.list_deliveries(alert_name="team")) == 1
    page = {r.name: r for r in list_rules(st)}["page"]
    assert page.last_error and "'team' had already sent this post" in page.last_error


def test_a_rule_edited_to_another_trigger_keeps_it(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    add_rule(st, make_rule("late", on="breached", actions=[("tag", "late")]))
    edit_rule(st, "late", make_rule("late", actions=[("tag", "late")], on="breached"))
    (rule,) = list_rules(st)
    assert rule.on == "breached" and rule.as_json()["on"] == "breached"


def test_veille_run_escalates_an_item_past_its_target(inbox_ws: Workspace) -> None:
    import threading

    from veille.pipeline.daemon import DaemonState, run_daemon

    st = inbox_ws.state
    add_rule(st, make_rule("late", on="breached", actions=[("tag", "late")]))
    item_id = _item(inbox_ws, "1", "lumio still waiting")
    _entered_ago(inbox_ws, item_id, 7 * DAY)
    state = DaemonState()
    thread = threading.Thread(
        target=run_daemon, args=(inbox_ws,),
        kwargs={"state": state, "tick": 0.05, "install_signals": False, "role": "scheduler"},
    )  # fmt: skip
    thread.start()
    try:
        for _ in range(600):
            if svc.get_item(st, item_id).tags:
                break
            state.stop.wait(0.05)
    finally:
        state.stop.set()
        thread.join(30)
    assert svc.get_item(st, item_id).tags == ("late",)
    assert [e for e in _history(inbox_ws, item_id) if e[0] == "rule:late"] == [
        ("rule:late", "tag", "late")
    ]
