"""Removing a publishing account while a calendar post is being saved for it,
on two real connections (SQLite and PostgreSQL): the removal sees the post and
is refused, rather than leaving it on an account that no longer exists."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import init_state_workspace
from veille.errors import Conflict
from veille.publish import add_account
from veille.publish.calendar import add_entry
from veille.publish.service import remove_account
from veille.store.protocols.calendar import CalendarEntry
from veille.workspace import Workspace

LATER = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


def _entry() -> CalendarEntry:
    now = datetime.now(UTC).replace(microsecond=0)
    return CalendarEntry(
        id=0, account="masto", platform="mastodon", text="Demain #Lumio", scheduled_at=LATER,
        status="scheduled", created_by="", created_at=now, updated_at=now,
        attempt_key=uuid.uuid4().hex,
    )  # fmt: skip


def _saving_sqlite(ws: Workspace, saving: threading.Event, go: threading.Event) -> None:
    """Save a post through the calendar service, held inside its transaction
    (the write lock taken, the row not yet inserted) until ``go``."""

    def trace(sql: str) -> None:
        if sql.startswith("INSERT INTO calendar_entries"):
            saving.set()
            go.wait(60)

    ws.state.conn.set_trace_callback(trace)  # type: ignore[attr-defined]
    add_entry(ws.state, ws.settings, account="masto", text="Demain #Lumio", at=LATER)


def _saving_postgres(ws: Workspace, saving: threading.Event, go: threading.Event) -> None:
    """Save a post with the store's own code in a transaction held open until ``go``."""
    from veille.store.postgres.base import OnConnection
    from veille.store.postgres.calendar import PgCalendar

    class OnTx(OnConnection, PgCalendar):
        pass

    with ws.state.write() as conn:  # type: ignore[attr-defined]
        OnTx(conn).add_calendar_entry(_entry())
        saving.set()
        go.wait(60)


def _removal_waits(ws: Workspace, kind: str) -> tuple[Callable[[], None], Callable[[], bool]]:
    """What the removing thread does first (SQLite: watch its own connection),
    and whether the removal now waits for the saving transaction."""
    if kind == "sqlite":
        began = threading.Event()

        def trace(sql: str) -> None:
            if sql == "BEGIN IMMEDIATE":  # the write lock asked for
                began.set()

        def watch() -> None:  # a connection per thread: the remover's own
            ws.state.conn.set_trace_callback(trace)  # type: ignore[attr-defined]

        return watch, began.is_set
    state: Any = ws.state
    return lambda: None, lambda: bool(
        state.one("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")[0]
    )


def test_a_post_saved_while_its_account_is_removed_is_not_left_on_it(
    tmp_path: Path, state_kind: str
) -> None:
    root = init_state_workspace(tmp_path / "ws", state_kind)
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example", secret="t")
    saver, remover = Workspace.open(root), Workspace.open(root)
    saving, go = threading.Event(), threading.Event()
    hold = _saving_sqlite if state_kind == "sqlite" else _saving_postgres
    errors: list[BaseException] = []

    def run(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except BaseException as exc:  # looked at below
            errors.append(exc)

    save = threading.Thread(target=run, args=(lambda: hold(saver, saving, go),))
    save.start()
    assert saving.wait(60), errors
    watch, waits = _removal_waits(remover, state_kind)

    def removal() -> None:
        watch()
        remove_account(remover.state, "masto")

    remove = threading.Thread(target=run, args=(removal,))
    remove.start()
    # The removal runs until it finishes or waits for the saving transaction
    # (no time asserted: this only orders the two).
    while remove.is_alive() and not waits():
        time.sleep(0.01)
    go.set()
    save.join(60)
    remove.join(60)
    saver.close()
    remover.close()
    with Workspace.open(root) as ws:
        kept = ws.state.publish_account("masto")
        posts = ws.state.calendar_entries(account="masto")
    assert len(posts) == 1
    # The account is still there for its post, and the removal said why.
    assert kept is not None
    assert [type(e) for e in errors] == [Conflict], errors
    assert "still named by calendar posts waiting to go out" in str(errors[0])


class PausedBeforeInsert:
    """The workspace's state store, pausing a calendar post's save between
    the service's check of its account and the store's insert."""

    def __init__(self, state: Any, reached: threading.Event, go: threading.Event) -> None:
        self.state, self.reached, self.go = state, reached, go

    def __getattr__(self, name: str) -> Any:
        return getattr(self.state, name)

    def add_calendar_entry(self, entry: CalendarEntry) -> int:
        self.reached.set()
        self.go.wait(60)
        return int(self.state.add_calendar_entry(entry))


def test_a_post_saved_after_its_account_was_removed_is_refused(
    tmp_path: Path, state_kind: str
) -> None:
    from veille.errors import NotFound

    root = init_state_workspace(tmp_path / "ws", state_kind)
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example", secret="t")
    saver, remover = Workspace.open(root), Workspace.open(root)
    reached, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def save() -> None:
        try:
            add_entry(PausedBeforeInsert(saver.state, reached, go), saver.settings,
                      account="masto", text="Demain #Lumio", at=LATER)  # fmt: skip
        except BaseException as exc:  # looked at below
            errors.append(exc)

    thread = threading.Thread(target=save)
    thread.start()
    assert reached.wait(60)
    # The account checked by the save, then removed before its insert.
    remove_account(remover.state, "masto")
    go.set()
    thread.join(60)
    saver.close()
    remover.close()
    with Workspace.open(root) as ws:
        assert ws.state.publish_account("masto") is None
        assert ws.state.calendar_entries(account="masto") == []
    assert [type(e) for e in errors] == [NotFound], errors
    assert "no account named 'masto'" in str(errors[0])


class PausedBeforeUpdate(PausedBeforeInsert):
    """As :class:`PausedBeforeInsert`, between an edit's check of the account
    a post moves to and the store's update."""

    def update_calendar_entry(self, entry_id: int, **changes: Any) -> bool:
        self.reached.set()
        self.go.wait(60)
        return bool(self.state.update_calendar_entry(entry_id, **changes))


def test_a_post_moved_to_an_account_being_removed_stays_where_it_was(
    tmp_path: Path, state_kind: str
) -> None:
    from veille.errors import NotFound
    from veille.publish.calendar import edit_entry

    root = init_state_workspace(tmp_path / "ws", state_kind)
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example", secret="t")
        add_account(ws.state, "other", "mastodon", "https://other.example", secret="t")
        post = add_entry(ws.state, ws.settings, account="other", text="Demain", at=LATER)
    saver, remover = Workspace.open(root), Workspace.open(root)
    reached, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def move() -> None:
        try:
            edit_entry(PausedBeforeUpdate(saver.state, reached, go), saver.settings, post.id,
                       account="masto")  # fmt: skip
        except BaseException as exc:  # looked at below
            errors.append(exc)

    thread = threading.Thread(target=move)
    thread.start()
    assert reached.wait(60)
    remove_account(remover.state, "masto")  # nothing waits on it yet: removed
    go.set()
    thread.join(60)
    saver.close()
    remover.close()
    with Workspace.open(root) as ws:
        kept = ws.state.calendar_entry(post.id)
    assert kept is not None and kept.account == "other"
    assert [type(e) for e in errors] == [NotFound], errors
