"""What an erasure leaves in other people's records that pointed at the
person's posts: replies, reposts and links to them, their raw payloads, the
inbox items kept of them, the team's notes giving a post's address. Through
the real CLI, on SQLite and on PostgreSQL state beside chDB posts: after it
(and after one killed midway and run again), no table of either store holds
the handle, the posts' ids or their addresses; the replies are still
replies, in one thread."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import chdb_postgres_workspace
from tests.test_privacy_plan import Place
from veille.cli import build_app
from veille.config import CONFIG_NAME
from veille.inbox import items as inbox
from veille.inbox.model import ItemFilter
from veille.query.topics import add_topic
from veille.store.unlinked import ErasedPosts, erased_ref
from veille.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)
HERS = "mastodon:109990001"
HER_URL = "https://social.example/@claire/109990001"


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


def _row(native: str, handle: str, text: str, **more: object) -> dict[str, object]:
    return {
        "platform": "mastodon",
        "id": native,
        "url": f"https://social.example/@{handle}/{native}",
        "text": text,
        "author": {"handle": handle, "name": handle.title(), "followers": 10},
        "published_at": (NOW - timedelta(hours=3)).isoformat(),
        **more,
    }


def _fill(place: Place, tmp_path: Path) -> int:
    """Claire's post; Bob's reply to it (in the inbox, with a note giving
    her post's address), Dan's repost of it, Eve's link to it. Bob's item."""
    rows = [
        _row("109990001", "claire", "la fibre est en panne"),
        _row(
            "209990002",
            "bob",
            "la fibre, pareil ici",
            in_reply_to=HERS,
            thread_id=HERS,
            # As some platforms give it: her post's number, a JSON number.
            in_reply_to_id=109990001,
        ),
        _row("309990003", "dan", "la fibre en panne", repost_of="109990001"),
        _row("409990004", "eve", "fibre : voir le fil", links=[HER_URL]),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with Workspace.open(place.root) as ws:
        add_topic(ws.state, "fibre", "fibre", inbox=True)
    place.cli("import", str(src))
    with Workspace.open(place.root) as ws:
        items = ws.state.inbox_items(ItemFilter(limit=10))
        (bobs,) = [i for i in items if i.author == "bob"]
        assert (bobs.parent_id, bobs.thread_id) == (HERS, HERS)
        inbox.add_note(ws.state, bobs.id, f"elle l'a dit d'abord : {HER_URL}", actor="alice")
        post = ws.posts.get_post("mastodon:209990002")
        assert post is not None and "109990001" in json.dumps(post.raw)
        return bobs.id


def _dump(place: Place) -> str:
    """Every table of the state (as Place.dump) and, where the posts are in
    chDB, every table of the posts store, lower-cased."""
    text = place.dump()
    if place.state_url is None:
        return text
    with Workspace.open(place.root) as ws:
        posts = ws.posts
        tables = [
            r[0]
            for r in posts.rows(
                "SELECT name FROM system.tables WHERE database = currentDatabase() "
                "AND engine NOT IN ('MaterializedView', 'View')"
            )
        ]
        rows = [f"{t}: {r}" for t in tables for r in posts.rows(f"SELECT * FROM `{t}`")]
    return text + "\n" + "\n".join(rows).lower()


def _check(place: Place, bobs: int) -> None:
    dump = _dump(place)
    assert "claire" not in dump, [x for x in dump.splitlines() if "claire" in x]
    assert "109990001" not in dump
    marker = erased_ref(HERS)
    with Workspace.open(place.root) as ws:
        reply = ws.posts.get_post("mastodon:209990002")
        repost = ws.posts.get_post("mastodon:309990003")
        linking = ws.posts.get_post("mastodon:409990004")
        item = ws.state.inbox_item(bobs)
    # Still a reply and a repost, in one thread, to a post nobody can find.
    assert reply is not None and (reply.parent_id, reply.thread_id) == (marker, marker)
    assert reply.is_reply
    assert repost is not None and repost.repost_of == marker
    assert linking is not None and linking.links == ()
    assert item is not None and (item.parent_id, item.thread_id) == (marker, marker)
    assert "[erased]" in json.dumps(reply.raw)


def test_an_erasure_takes_the_posts_out_of_what_pointed_at_them(
    place: Place, tmp_path: Path
) -> None:
    bobs = _fill(place, tmp_path)
    report = json.loads(
        place.cli("privacy", "erase", "--author", "claire", "--yes", "--format", "json")
    )
    assert report["posts"] == 1
    assert report["removed"]["post_references"] == 3
    _check(place, bobs)


def test_an_erasure_killed_after_the_posts_went_unlinks_the_inbox_when_run_again(
    place: Place, tmp_path: Path
) -> None:
    """Killed after the posts store's part, before the state's: the posts
    are gone, and the inbox item answering hers still names her post; run
    again, the erasure finds it by the posts store's record of what it
    forgot."""
    bobs = _fill(place, tmp_path)
    with Workspace.open(place.root) as ws:
        ws.state.begin_erasure("claire", None)
        ws.posts.erase_author_posts("claire", None)  # as far as the killed one went
    place.cli("privacy", "erase", "--author", "claire", "--yes")
    _check(place, bobs)
    with Workspace.open(place.root) as ws:
        assert not ws.state.unfinished_erasures()


def test_a_reply_collected_after_the_erasure_does_not_point_at_the_erased_post(
    place: Place, tmp_path: Path
) -> None:
    """A reply to her post that comes in after her erasure (collected
    later, or a batch read before it) is stored answering the same erased
    reference as those stored before, in the posts and in the inbox."""
    bobs = _fill(place, tmp_path)
    place.cli("privacy", "erase", "--author", "claire", "--yes")
    late = _row("509990005", "bob", "la fibre revient", in_reply_to=HERS, in_reply_to_id=109990001)
    src = tmp_path / "late.jsonl"
    src.write_text(json.dumps(late) + "\n", encoding="utf-8")
    place.cli("import", str(src))
    _check(place, bobs)
    with Workspace.open(place.root) as ws:
        reply = ws.posts.get_post("mastodon:509990005")
        items = ws.state.inbox_items(ItemFilter(limit=10))
        (item,) = [i for i in items if i.post_id == "mastodon:509990005"]
    assert reply is not None and reply.parent_id == erased_ref(HERS)
    assert item.parent_id == erased_ref(HERS)


def test_a_raw_payload_loses_the_ids_and_addresses_and_nothing_else() -> None:
    erased = ErasedPosts.of([(HERS, "109990001", HER_URL, None)])
    raw = json.dumps(
        {"in_reply_to": HERS, "n": 109990001, "ids": [109990001, 7], "likes": 109990001_0,
         "see": f"{HER_URL} and {HER_URL}0", "id": "1099900011"}
    )  # fmt: skip
    assert json.loads(erased.raw(raw)) == {
        "in_reply_to": "[erased]", "n": "[erased]", "ids": ["[erased]", 7],
        "likes": 109990001_0, "see": f"[erased] and {HER_URL}0", "id": "1099900011",
    }  # fmt: skip


@pytest.mark.parametrize("handle", ["claire", "Claire"])
def test_a_note_giving_the_address_of_a_post_of_theirs_loses_the_address(handle: str) -> None:
    """The team's words stay; the address (which found the post on the
    platform by its number, once the handle in it was gone) goes whole."""
    from veille.store.portable.privacy import ERASED, handle_pattern

    note = f"voir {HER_URL}, et merci @{handle.title()}."
    assert handle_pattern(handle).sub(ERASED, note) == "voir [erased], et merci @[erased]."
