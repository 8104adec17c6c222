"""What an erasure leaves in the presence plan: the calendar's posts that
answer or name the person, and the snapshots of their account. Through the
real CLI, on SQLite state and on PostgreSQL state beside chDB posts; the
person's access report afterwards holds nothing of theirs but their
objection, and no table names them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import chdb_postgres_workspace
from veille.cli import build_app
from veille.config import CONFIG_NAME
from veille.inbox import items as inbox
from veille.inbox.model import ItemFilter
from veille.plan.accounts import ALIASES
from veille.publish.calendar import add_entry
from veille.publish.service import add_account
from veille.query.topics import add_topic
from veille.store.protocols.plan import AccountSnapshot
from veille.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)
LATER = NOW + timedelta(days=2)


@dataclass
class Place:
    root: Path
    state_url: str | None  # PostgreSQL's, or None: SQLite's veille.db

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(build_app(), [*args, "--workspace", str(self.root)])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.stdout

    def dump(self) -> str:
        """Every row of every table of the state (but the erasure log), lower-cased."""
        if self.state_url is None:
            with sqlite3.connect(self.root / "veille.db") as conn:
                tables = [
                    r[0]
                    for r in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'posts_fts%' AND name != 'erasures'"
                    )
                ]
                rows = [f"{t}: {r}" for t in tables for r in conn.execute(f'SELECT * FROM "{t}"')]
        else:
            import psycopg

            with psycopg.connect(self.state_url) as pg:
                tables = [
                    r[0]
                    for r in pg.execute(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                        "AND table_name != 'erasures'"
                    )
                ]
                rows = [
                    f"{t}: {r}" for t in tables for r in pg.execute(f'SELECT t::text FROM "{t}" t')
                ]
        return "\n".join(rows).lower()


@pytest.fixture(params=["sqlite", "postgres"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    if request.param == "sqlite":
        CliRunner().invoke(build_app(), ["init", str(tmp_path / "ws")])
        yield Place(tmp_path / "ws", None)
        return
    root = chdb_postgres_workspace(tmp_path / "ws", request, tmp_path)
    text = (root / CONFIG_NAME).read_text("utf-8")
    state = next(line for line in text.splitlines() if line.startswith("state = "))
    yield Place(root, state.split('"')[1])


def _row(n: str, handle: str, text: str) -> dict[str, object]:
    return {
        "platform": "mastodon",
        "id": n,
        "url": f"https://social.example/@{handle}/{n}",
        "text": text,
        "author": {"handle": handle, "name": handle.title(), "followers": 100},
        "published_at": (NOW - timedelta(hours=3)).isoformat(),
        "engagement": {"likes": 2, "shares": 1},
    }


def _fill(place: Place, tmp_path: Path) -> dict[str, int]:
    """Claire's and Bob's posts, in the inbox, a note on Bob's naming Claire;
    the calendar's replies to each, one naming Claire already published;
    their accounts' snapshots. The entries' ids, and Bob's item's (``bobs``)."""
    src = tmp_path / "in.jsonl"
    rows = [_row("c1", "claire", "la fibre est en panne"), _row("b1", "bob", "la fibre, enfin")]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with Workspace.open(place.root) as ws:
        add_topic(ws.state, "fibre", "fibre", inbox=True)
    place.cli("import", str(src))
    with Workspace.open(place.root) as ws:
        state, settings = ws.state, ws.settings
        (bobs,) = [i.id for i in state.inbox_items(ItemFilter(limit=10)) if i.author == "bob"]
        inbox.add_note(state, bobs, "même panne que Claire hier", actor="alice")
        add_account(state, "masto", "mastodon", "https://social.example", secret="t0k")
        ids = {
            "reply": add_entry(state, settings, account="masto", text="Désolés, on regarde !",
                               at=LATER, reply_to="mastodon:c1").id,
            "native": add_entry(state, settings, account="masto", text="C'est réparé.",
                                at=LATER, reply_to="c1").id,
            "thanks": add_entry(state, settings, account="masto", text="Merci @Claire pour "
                                "le retour !", at=LATER).id,
            "bob": add_entry(state, settings, account="masto", text="Merci @bob !", at=LATER,
                             reply_to="mastodon:b1").id,
        }  # fmt: skip
        state.update_calendar_entry(
            ids["thanks"], status="published", published_url="https://social.example/@us/9"
        )
        for handle in ("claire", "bob"):
            for days in (1, 2):
                day = date.today() - timedelta(days=days)
                state.save_account_snapshot(AccountSnapshot("mastodon", handle, day, 40, 7, 12))
        ids["bobs"] = bobs
        aliases = {"mastodon:claire": ["claire@social.example"], "mastodon:bob": ["bobby"]}
        state.set_plan_setting(ALIASES, json.dumps(aliases))
    return ids


def _access(place: Place, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "access.json"
    place.cli("privacy", "access", "--author", "claire", "-o", str(out))
    found: dict[str, object] = json.loads(out.read_text("utf-8"))
    return found


def test_an_erasure_takes_the_person_out_of_the_calendar_and_the_snapshots(
    place: Place, tmp_path: Path
) -> None:
    ids = _fill(place, tmp_path)
    before = _access(place, tmp_path)
    entries = before["calendar_entries"]
    assert isinstance(entries, list)
    assert sorted(e["id"] for e in entries) == sorted([ids["reply"], ids["native"], ids["thanks"]])
    assert [s["day"] for s in before["account_snapshots"]] == sorted(  # type: ignore[union-attr]
        (date.today() - timedelta(days=d)).isoformat() for d in (2, 1)
    )

    assert [(n["kind"], n["by"]) for n in before["inbox_notes"]] == [("note", "alice")]  # type: ignore[union-attr]

    report = json.loads(
        place.cli("privacy", "erase", "--author", "@claire", "--yes", "--format", "json")
    )
    assert report["posts"] == 1
    assert report["removed"]["inbox_notes"] == 2  # the note, and the audit log's copy
    assert report["removed"]["calendar_entries"] == 3
    assert report["removed"]["account_snapshots"] == 2
    assert report["removed"]["account_aliases"] == 1
    # The erasure log says what went, naming the person by a keyed hash only.
    log = json.loads(place.cli("privacy", "log", "--kind", "author", "--format", "json"))
    assert "account_snapshots=2" in log[0]["removed"]
    assert "calendar_entries=3" in log[0]["removed"]

    after = _access(place, tmp_path)
    held = {k: v for k, v in after.items() if isinstance(v, list) and v}
    assert held == {"objections": ["*"]}, held
    assert "claire" not in place.dump()

    with Workspace.open(place.root) as ws:
        got = {i: ws.state.calendar_entry(i) for k, i in ids.items() if k != "bobs"}
        bob_shots = ws.state.account_snapshots("mastodon", "bob")
    # Replies to her post still to go: kept, the post forgotten, back to draft
    # for someone to read again (an answer to nobody may make no sense).
    for key in ("reply", "native"):
        entry = got[ids[key]]
        assert (entry.reply_to, entry.status) == (None, "draft")
        assert "erasure" in (entry.error or "")
    # The organisation's own published post: kept, her handle out of veille's copy.
    thanks = got[ids["thanks"]]
    assert thanks.text == "Merci @[erased] pour le retour !"
    assert (thanks.status, thanks.published_url) == ("published", "https://social.example/@us/9")
    # Bob's are untouched.
    bob = got[ids["bob"]]
    assert (bob.reply_to, bob.status, bob.text) == ("mastodon:b1", "scheduled", "Merci @bob !")
    assert len(bob_shots) == 2
    with Workspace.open(place.root) as ws:
        notes = [e.detail for e in ws.state.inbox_events(ids["bobs"]) if e.action == "note"]
    assert notes == ["même panne que [erased] hier"]


def test_an_erasure_cut_after_the_posts_went_forgets_the_replies_when_run_again(
    place: Place, tmp_path: Path
) -> None:
    """Killed after it deleted the posts, before the plan was done: run again,
    it finds no post of theirs left, and still forgets the post a calendar
    entry answers (the posts store remembers which posts it forgot)."""
    ids = _fill(place, tmp_path)
    with Workspace.open(place.root) as ws:
        ws.state.begin_erasure("claire", None)
        ws.posts.erase_author_posts("claire", None)  # as far as the killed one went
    report = json.loads(
        place.cli("privacy", "erase", "--author", "claire", "--yes", "--format", "json")
    )
    assert report["posts"] == 0
    assert report["removed"]["calendar_entries"] == 3
    with Workspace.open(place.root) as ws:
        assert ws.state.calendar_entry(ids["reply"]).reply_to is None
        assert ws.state.calendar_entry(ids["native"]).reply_to is None
        assert not ws.state.unfinished_erasures()
    assert "claire" not in place.dump()
