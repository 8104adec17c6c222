"""Snoozing an item: out of the open views until its time, back open then
(by the scheduler's pass), early when its author writes again, or by hand;
on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from veille.errors import UsageError
from veille.inbox import items as svc
from veille.inbox import snooze as sn
from veille.inbox.hours import WorkingTime, working_settings
from veille.inbox.model import ItemChange, ItemFilter
from veille.inbox.rules import make_rule
from veille.workspace import Workspace

from .conftest import Author, ingest, post


def _item(ws: Workspace, native_id: str, text: str, author: str = "carol") -> int:
    ingest(ws, [post(native_id, text, author=Author(author, followers=10))])
    return svc.list_items(ws.state, ItemFilter(text=text))[0].id


def _open_ids(ws: Workspace) -> set[int]:
    return {i.id for i in svc.list_items(ws.state, svc.view_filter(ws.state, "open", None))}


def test_a_snoozed_item_leaves_the_open_views_and_comes_back_at_its_time(
    inbox_ws: Workspace,
) -> None:
    st = inbox_ws.state
    item_id = _item(inbox_ws, "1", "lumio broken again")
    svc.assign(st, item_id, "alice", actor="bob")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    item = sn.snooze(st, item_id, until, actor="alice")
    assert (item.status, item.snoozed_until, item.assignee) == ("snoozed", until, "alice")
    assert item_id not in _open_ids(inbox_ws)
    snoozed = svc.list_items(st, svc.view_filter(st, "snoozed", None))
    assert [(i.id, i.snoozed_until) for i in snoozed] == [(item_id, until)]

    # The scheduler's pass before its time leaves it; at its time brings it back.
    assert sn.wake_due(st, int(until.timestamp()) - 1) == []
    assert sn.wake_due(st, int(until.timestamp())) == [item_id]
    item = svc.get_item(st, item_id)
    assert (item.status, item.assignee, item.snoozed_until) == ("assigned", "alice", None)
    assert item_id in _open_ids(inbox_ws)
    history = [(e.actor, e.action) for e in svc.events(st, item_id)]
    assert history[-2:] == [("alice", "snooze"), ("veille", "wake")]


def test_a_new_post_from_the_author_in_the_thread_wakes_it_early(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    item_id = _item(inbox_ws, "10", "lumio refund please")
    parent = svc.get_item(st, item_id).post_id
    sn.snooze(st, item_id, datetime.now(UTC) + timedelta(days=2), actor="alice")
    # Someone else answering in the thread does not wake it.
    ingest(inbox_ws, [post("11", "same here", author=Author("dave"), parent_id=parent)])
    assert svc.get_item(st, item_id).status == "snoozed"
    ingest(inbox_ws, [post("12", "any news?", author=Author("carol"), parent_id=parent)])
    item = svc.get_item(st, item_id)
    assert (item.status, item.snoozed_until) == ("new", None)
    last = svc.events(st, item_id)[-1]
    assert (last.actor, last.action, str(last.detail)) == (
        "veille", "wake", "a new post from its author",
    )  # fmt: skip


def test_unsnooze_brings_it_back_now_and_refusals_name_what_to_do(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    item_id = _item(inbox_ws, "20", "lumio question")
    with pytest.raises(UsageError, match="is not snoozed"):
        sn.unsnooze(st, item_id, actor="alice")
    with pytest.raises(UsageError, match="snoozed until a time"):
        svc.set_status(st, item_id, "snoozed", actor="alice")
    sn.snooze(st, item_id, datetime.now(UTC) + timedelta(hours=1), actor="alice")
    item = sn.unsnooze(st, item_id, actor="alice")
    assert (item.status, item.snoozed_until) == ("new", None)
    svc.set_status(st, item_id, "closed", actor="alice")
    with pytest.raises(UsageError, match="only an open item can be snoozed"):
        sn.snooze(st, item_id, datetime.now(UTC) + timedelta(hours=1), actor="alice")
    with pytest.raises(UsageError, match="a rule cannot snooze"):
        make_rule("later", actions=[("status", "snoozed")])


def test_bulk_snooze_reports_the_items_it_could_not_snooze(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    a, b = _item(inbox_ws, "30", "lumio one"), _item(inbox_ws, "31", "lumio two")
    svc.set_status(st, b, "closed", actor="x")
    until = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    result = svc.bulk(st, [a, b], "snooze", until, actor="x")
    assert result.done == [a] and list(result.failed) == [b]


def test_the_presets_read_the_inbox_hours_and_the_readers_zone(inbox_ws: Workspace) -> None:
    hours = WorkingTime.from_settings(working_settings(inbox_ws))  # 09:00, the workspace's zone
    paris = ZoneInfo("Europe/Paris")
    # A Wednesday, 16:00 in Paris.
    now = datetime(2026, 12, 9, 16, 0, tzinfo=paris).astimezone(UTC)
    hours = WorkingTime(tz=paris, start=hours.start)
    at = sn.snooze_time
    assert at("3h", hours=hours, timezone="UTC", now=now) == now + timedelta(hours=3)
    assert at("tomorrow", hours=hours, timezone="UTC", now=now) == datetime(
        2026, 12, 10, 9, 0, tzinfo=paris
    )
    assert at("monday", hours=hours, timezone="UTC", now=now) == datetime(
        2026, 12, 14, 9, 0, tzinfo=paris
    )
    # A time typed by someone in Montréal is Montréal's.
    assert at("2026-12-10 08:30", hours=hours, timezone="America/Montreal", now=now) == datetime(
        2026, 12, 10, 8, 30, tzinfo=ZoneInfo("America/Montreal")
    )
    with pytest.raises(UsageError, match="'soon': that is neither a preset"):
        at("soon", hours=hours, timezone="UTC", now=now)
    with pytest.raises(UsageError, match="that time is past"):
        at("2026-12-01 10:00", hours=hours, timezone="UTC", now=now)


def _time_passes(ws: Workspace, item_id: int) -> None:
    """The item's snooze ends now (its time, written back an hour): as if
    the hours had passed, without waiting for them."""
    past = int(datetime.now(UTC).timestamp()) - 3600
    ws.state.change_inbox_item(item_id, ItemChange({"snoozed_until": past}), version=None, at=past)


def test_veille_run_wakes_an_item_whose_snooze_ended(inbox_ws: Workspace) -> None:
    import threading

    from veille.pipeline.daemon import DaemonState, run_daemon

    st = inbox_ws.state
    item_id = _item(inbox_ws, "40", "lumio waiting for the customer")
    sn.snooze(st, item_id, datetime.now(UTC) + timedelta(days=1), actor="alice")
    _time_passes(inbox_ws, item_id)
    assert svc.get_item(st, item_id).status == "snoozed"  # nothing woke it yet
    state = DaemonState()
    thread = threading.Thread(
        target=run_daemon, args=(inbox_ws,),
        kwargs={"state": state, "tick": 0.05, "install_signals": False, "role": "scheduler"},
    )  # fmt: skip
    thread.start()
    try:
        for _ in range(600):
            if svc.get_item(st, item_id).status != "snoozed":
                break
            state.stop.wait(0.05)
    finally:
        state.stop.set()
        thread.join(30)
    assert svc.get_item(st, item_id).status == "new"


def test_where_no_scheduler_runs_the_list_shows_it_back_at_its_time(
    inbox_ws: Workspace,
) -> None:
    st = inbox_ws.state
    item_id = _item(inbox_ws, "50", "lumio see you monday")
    sn.snooze(st, item_id, datetime.now(UTC) + timedelta(days=3), actor="alice")
    assert item_id not in _open_ids(inbox_ws)
    _time_passes(inbox_ws, item_id)
    assert item_id in _open_ids(inbox_ws)
    assert svc.events(st, item_id)[-1].action == "wake"
