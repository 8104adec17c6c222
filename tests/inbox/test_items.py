"""Assigning, statuses, notes, labels, views, bulk actions, and two people at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from veille.errors import NotFound, UsageError
from veille.inbox import items as svc
from veille.inbox.model import Conflict, ItemFilter
from veille.workspace import Workspace

from .conftest import ingest, post


def _item(ws: Workspace, text: str = "lumio help") -> int:
    ingest(ws, [post(str(abs(hash(text)) % 10**9), text)])
    return svc.list_items(ws.state, ItemFilter(text=text))[0].id


def test_assign_status_priority_note_and_labels(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    item_id = _item(inbox_ws)
    item = svc.assign(st, item_id, "alice", actor="bob")
    assert (item.assignee, item.status) == ("alice", "assigned")
    item = svc.set_status(st, item_id, "in_progress", actor="alice")
    item = svc.set_priority(st, item_id, "high", actor="alice")
    svc.add_note(st, item_id, "called them back", actor="alice")
    item = svc.label(st, item_id, actor="alice", tags=["vip", "billing"], categories=["question"])
    assert item.tags == ("billing", "vip") and item.categories == ("question",)
    item = svc.label(st, item_id, actor="alice", untag=["billing"])
    assert item.tags == ("vip",)
    item = svc.set_status(st, item_id, "closed", actor="alice")
    assert item.closed_at is not None
    item = svc.set_status(st, item_id, "new", actor="alice")  # reopened
    assert item.closed_at is None
    history = [(e.actor, e.action, e.detail) for e in svc.events(st, item_id)]
    assert ("bob", "assign", "alice") in history
    assert ("alice", "note", "called them back") in history
    assert ("alice", "status", "closed") in history


def test_bad_input_names_the_value(inbox_ws: Workspace) -> None:
    item_id = _item(inbox_ws)
    with pytest.raises(UsageError, match="'done' is not an inbox status"):
        svc.set_status(inbox_ws.state, item_id, "done", actor="a")
    with pytest.raises(UsageError, match="priority"):
        svc.set_priority(inbox_ws.state, item_id, "asap", actor="a")
    with pytest.raises(NotFound, match="no inbox item 999"):
        svc.assign(inbox_ws.state, 999, "alice", actor="a")


def test_a_stale_version_is_a_conflict_and_changes_nothing(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    item_id = _item(inbox_ws)
    seen = svc.get_item(st, item_id)
    svc.assign(st, item_id, "alice", actor="alice", version=seen.version)
    with pytest.raises(Conflict, match="assigned to alice"):
        svc.assign(st, item_id, "bob", actor="bob", version=seen.version)
    assert svc.get_item(st, item_id).assignee == "alice"


def test_views_and_filters(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    ingest(
        inbox_ws,
        [
            post("1", "lumio is awful", sentiment="negative"),
            post("2", "lumio est super", sentiment="positive", lang="fr", platform="bluesky"),
        ],
    )
    items = {i.post_id: i for i in svc.list_items(st)}
    svc.set_priority(st, items["mastodon:1"].id, "urgent", actor="x")
    svc.assign(st, items["bluesky:2"].id, "alice", actor="x")
    urgent = svc.list_items(st, svc.view_filter(st, "urgent negatives", None))
    assert [i.post_id for i in urgent] == ["mastodon:1"]
    mine = svc.list_items(st, svc.view_filter(st, "my queue", "alice"))
    assert [i.post_id for i in mine] == ["bluesky:2"]
    with pytest.raises(UsageError, match="--as USER"):
        svc.view_filter(st, "my queue", None)
    svc.save_view(st, "alice", "french", ItemFilter(languages=("fr",)))
    assert [i.post_id for i in svc.list_items(st, svc.view_filter(st, "french", "alice"))] == [
        "bluesky:2"
    ]
    assert "french" not in svc.views(st, "bob")
    assert svc.count_items(st, ItemFilter(platforms=("mastodon",))) == 1


def test_bulk_actions_report_each_failure(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    ingest(inbox_ws, [post(str(i), f"lumio {i}") for i in range(3)])
    ids = [i.id for i in svc.list_items(st)]
    result = svc.bulk(st, [*ids, 999], "status", "closed", actor="x")
    assert sorted(result.done) == sorted(ids) and list(result.failed) == [999]
    assert all(i.status == "closed" for i in svc.list_items(st))


def test_two_people_assigning_at_once_do_not_corrupt_the_item(inbox_ws: Workspace) -> None:
    """Threads with their own connection, each reading then writing with the
    version it read: every write either applies whole or is a conflict."""
    root = Path(inbox_ws.root)
    item_id = _item(inbox_ws)
    start = threading.Barrier(4)
    done: dict[str, int] = {}
    conflicts: dict[str, int] = {}

    def person(name: str) -> None:
        with Workspace.open(root) as ws:
            start.wait()
            ok = lost = 0
            for _ in range(25):
                seen = svc.get_item(ws.state, item_id)
                try:
                    svc.assign(ws.state, item_id, name, actor=name, version=seen.version)
                    svc.add_note(ws.state, item_id, f"{name} was here", actor=name)
                    ok += 1
                except Conflict:
                    lost += 1
            done[name], conflicts[name] = ok, lost

    threads = [threading.Thread(target=person, args=(n,)) for n in ("ann", "ben", "cat", "dan")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    item = svc.get_item(inbox_ws.state, item_id)
    history = svc.events(inbox_ws.state, item_id)
    assigns = [e for e in history if e.action == "assign"]
    notes = [e for e in history if e.action == "note"]
    # Each successful assignment is one event and one version step (plus its note's).
    assert len(assigns) == sum(done.values()) == len(notes)
    assert item.version == 1 + 2 * sum(done.values())
    assert item.assignee == assigns[-1].detail
    assert sum(done.values()) + sum(conflicts.values()) == 100


def test_two_people_replying_at_once_one_holds_the_claim(inbox_ws: Workspace) -> None:
    root = Path(inbox_ws.root)
    item_id = _item(inbox_ws)
    start = threading.Barrier(2)
    answers: dict[str, str | None] = {}

    def person(name: str) -> None:
        with Workspace.open(root) as ws:
            start.wait()
            answers[name] = ws.state.claim_inbox_reply(item_id, name, now=1000, until=2000)

    threads = [threading.Thread(target=person, args=(n,)) for n in ("ann", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for n, other in answers.items() if other is None]
    assert len(winners) == 1
    loser = "ben" if winners == ["ann"] else "ann"
    assert answers[loser] == winners[0]
    assert svc.get_item(inbox_ws.state, item_id).replying == winners[0]


def test_forgetting_a_person_removes_their_inbox_items(inbox_ws: Workspace) -> None:
    from veille.models import Author
    from veille.services.privacy import erase_author

    ingest(inbox_ws, [post("1", "lumio help", author=Author("Forget.Me")), post("2", "lumio ok")])
    report = erase_author(inbox_ws, "forget.me")
    assert report.removed["inbox_items"] == 1
    assert [i.post_id for i in svc.list_items(inbox_ws.state)] == ["mastodon:2"]


def test_since_when_an_item_is_with_its_assignee(inbox_ws: Workspace) -> None:
    """The last assignment's moment, as the history has it; an item nobody
    has is absent."""
    st = inbox_ws.state
    ingest(inbox_ws, [post("1", "lumio since"), post("2", "lumio nobody")])
    first = svc.list_items(st, ItemFilter(text="lumio since"))[0]
    svc.assign(st, first.id, "alice", actor="lead")
    svc.assign(st, first.id, "bob", actor="lead")
    second = svc.list_items(st, ItemFilter(text="lumio nobody"))[0]
    items = [svc.get_item(st, first.id), second]
    [*_, last] = [e for e in svc.events(st, first.id) if e.action == "assign"]
    assert svc.assigned_since(st, items) == {first.id: last.at}
