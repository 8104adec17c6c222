"""Forgetting: a person's erasure, retention by age, pseudonymized exports,
terms of use shown where a source is added. Through the real CLI and store."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.errors import ConfigError
from veille.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    app = build_app()
    runner = CliRunner()

    def invoke(*args: str, code: int = 0, stdin: str | None = None):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, ["--help"] if not args else list(args), input=stdin)
        assert result.exit_code == code, (result.output, result.exception)
        return result

    return invoke


def _row(n: int, handle: str, text: str, days_ago: float, **kw: object) -> dict[str, object]:
    return {
        "platform": kw.pop("platform", "mastodon"),
        "id": str(n),
        "url": f"https://social.example/@{handle}/{n}",
        "text": text,
        "author": {"handle": handle, "name": handle.title(), "followers": 100 + n},
        "published_at": (NOW - timedelta(days=days_ago)).isoformat(),
        "engagement": {"likes": n % 5, "shares": 1},
        **kw,
    }


def _workspace(run, tmp_path: Path, rows: list[dict[str, object]], extra: str = "") -> Path:  # type: ignore[no-untyped-def]
    run("init", "ws")
    ws = tmp_path / "ws"
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    run("topic", "add", "fibre", "fibre", "--workspace", str(ws))
    run("import", str(src), "--workspace", str(ws))
    # Set after: the rows were collected while fresh (imported under a
    # retention, those older than it are left out).
    if extra:
        (ws / "veille.toml").write_text(extra, encoding="utf-8")
    return ws


def _inbox_workspace(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, rows: list[dict[str, object]], extra: str = "", *, alert: bool = False
) -> Path:
    """A workspace whose topic fibre sends the posts it matches to the
    inbox (and to an Atom alert first, when ``alert``), then ``rows``
    imported; ``extra``: its veille.toml."""
    from veille.query.topics import add_topic

    run("init", "ws")
    ws = tmp_path / "ws"
    if extra:
        (ws / "veille.toml").write_text(extra, encoding="utf-8")
    with Workspace.open(ws) as w:
        add_topic(w.state, "fibre", "fibre", inbox=True)
    if alert:
        run("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom", "--workspace", str(ws))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    run("import", str(src), "--workspace", str(ws))
    return ws


def _db(ws: Path) -> sqlite3.Connection:
    return sqlite3.connect(ws / "veille.db")


def test_erase_a_person_removes_every_copy_and_logs_a_hash(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        _row(1, "claire", "La fibre arrive enfin chez moi", 1),
        _row(2, "claire", "Encore une panne de fibre ce matin", 2),
        _row(3, "bob", "La fibre, quelle affaire", 1),
        _row(4, "bob", "Rien à voir", 3),
        _row(5, "claire", "Fibre sur Bluesky aussi", 1, platform="bluesky"),
    ]
    ws = _workspace(run, tmp_path, rows)
    run("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom", "--workspace", str(ws))
    with Workspace.open(ws) as w:
        claire = [p.id for p in w.store.search("fibre", limit=50) if p.author.handle == "claire"]
    assert len(claire) == 3
    # The alert's Atom file holds entries for some of her posts (as the channel writes them).
    feed = ws / "alerts" / "fibre.atom"
    feed.parent.mkdir(exist_ok=True)
    entries = "".join(
        f"<entry><id>urn:veille:1:{pid}</id><title>t</title></entry>" for pid in [*claire, "x"]
    )
    feed.write_text(
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>f</id>{entries}</feed>',
        encoding="utf-8",
    )
    feed.chmod(0o644)
    with _db(ws) as conn:
        conn.execute(
            "INSERT INTO quarantine (source, error, raw, created_at) VALUES "
            "('s', 'e', '{\"author\": \"claire\"}', 0), ('s', 'e', '{\"author\": \"claire2\"}', 0)"
        )

    out = run("privacy", "erase", "--author", "@claire", "--platform", "mastodon", "--yes",
              "--workspace", str(ws), "--format", "json").stdout  # fmt: skip
    report = json.loads(out)
    assert report["posts"] == 2
    assert report["removed"]["atom_entries"] == 2 and report["removed"]["quarantine"] == 1

    with Workspace.open(ws) as w:
        left = w.store.search("fibre", limit=50)
        assert {(p.author.handle, p.platform) for p in left} == {
            ("bob", "mastodon"),
            ("claire", "bluesky"),  # only Mastodon was asked for
        }
    with _db(ws) as conn:
        assert conn.execute(
            "SELECT count(*) FROM posts WHERE author_handle = 'claire' AND platform = 'mastodon'"
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM author_rollup WHERE handle = 'claire' "
                            "AND platform = 'mastodon'").fetchone() == (0,)  # fmt: skip
        assert conn.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)
        dump = "\n".join(conn.iterdump())
    assert "@claire/1" not in dump and "@claire/2" not in dump
    text = feed.read_text("utf-8")
    assert "urn:veille:1:x" in text
    for pid in claire:  # her Mastodon entries are gone, the Bluesky one was not asked for
        assert (f"urn:veille:1:{pid}<" in text) == pid.startswith("bluesky:")
    assert oct(feed.stat().st_mode & 0o777) == "0o644"

    log = run("privacy", "log", "--workspace", str(ws), "--format", "json").stdout
    (entry,) = json.loads(log)
    assert entry["kind"] == "author" and entry["posts"] == 2
    assert "claire" not in log  # the log names a keyed hash, not the person


def test_retention_deletes_old_posts_and_keeps_the_aggregates(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [_row(n, f"user{n}", f"fibre numéro {n}", days_ago=n * 10) for n in range(1, 7)]
    ws = _workspace(run, tmp_path, rows, "[privacy]\nretention_days = 25\nraw_days = 5\n")
    with _db(ws) as conn:
        volume = conn.execute("SELECT sum(posts), sum(engagement) FROM post_rollup").fetchone()
        topic = conn.execute("SELECT sum(posts) FROM topic_rollup").fetchone()
    out = run("privacy", "purge", "--workspace", str(ws)).stdout
    assert "4 posts older than the retention period deleted" in out
    with Workspace.open(ws) as w:
        assert w.store.count_posts() == 2
        assert {p.text for p in w.store.search("fibre", limit=50)} == {
            "fibre numéro 1",
            "fibre numéro 2",
        }
        assert all(p.raw == {} for p in w.store.search("fibre", limit=50))  # older than 5 days
    with _db(ws) as conn:
        assert conn.execute("SELECT sum(posts), sum(engagement) FROM post_rollup").fetchone() == (
            volume
        )
        assert conn.execute("SELECT sum(posts) FROM topic_rollup").fetchone() == topic
        assert (
            conn.execute("SELECT count(*) FROM author_rollup WHERE handle = 'user6'").fetchone()[0]
            == 0
        )
    # Run again: nothing more to do, and a log entry only for the first purge.
    assert "0 posts" in run("privacy", "purge", "--workspace", str(ws)).stdout
    log = json.loads(run("privacy", "log", "--workspace", str(ws), "--format", "json").stdout)
    assert [e["kind"] for e in log] == ["retention"] and log[0]["posts"] == 4


def test_pseudonymized_export_names_no_one_and_keeps_people_apart(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        _row(1, "claire", "fibre un", 1, mentions=["bob"]),
        _row(2, "claire", "fibre deux", 1),
        _row(3, "bob", "fibre trois", 1),
    ]
    ws = _workspace(run, tmp_path, rows)
    first = run("export", "--pseudonymize", "--workspace", str(ws)).stdout
    again = run("export", "--pseudonymize", "--format", "csv", "--workspace", str(ws)).stdout
    for out in (first, again):
        assert "claire" not in out.lower() and "bob" not in out.lower()
        assert "social.example" not in out
    recs = [json.loads(line) for line in first.splitlines()]
    by_text = {r["text"]: r for r in recs}
    assert by_text["fibre un"]["author"] == by_text["fibre deux"]["author"]
    assert by_text["fibre un"]["author"] != by_text["fibre trois"]["author"]
    assert by_text["fibre un"]["mentions"] == [by_text["fibre trois"]["author"]]
    assert by_text["fibre un"]["author_name"] is None and by_text["fibre un"]["url"] is None
    assert by_text["fibre un"]["author"] in again  # stable across exports
    plain = run("export", "--workspace", str(ws)).stdout
    assert "claire" in plain  # only on demand


def test_a_pseudonymized_export_keeps_replies_and_stories_linked(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A reply still points at the post it answers, and copies of one story
    still share one story id, under pseudonyms that name no one."""
    rows = [
        _row(1, "claire", "La fibre arrive enfin chez nous à Lyon ce matin", 1),
        _row(2, "bob", "fibre: bonne nouvelle", 1, parent_id="1"),
        _row(3, "dana", "La fibre arrive enfin chez nous à Lyon ce matin", 1),
    ]
    ws = _workspace(run, tmp_path, rows)
    plain = [json.loads(x) for x in run("export", "--workspace", str(ws)).stdout.splitlines()]
    out = run("export", "--pseudonymize", "--workspace", str(ws)).stdout
    assert "claire" not in out.lower() and "social.example" not in out and "dana" not in out
    pseudo = [json.loads(x) for x in out.splitlines()]  # the same records, in the same order
    at = {r["id"]: i for i, r in enumerate(plain)}
    reply = at["2"]
    assert plain[reply]["parent_id"] == "mastodon:1"
    assert pseudo[reply]["parent_id"] == pseudo[at["1"]]["id"]
    # The two copies are one story, named after the first post: one pseudonym,
    # that post's.
    stories = {plain[i]["cluster_id"]: pseudo[i]["cluster_id"] for i in (at["1"], at["3"])}
    assert stories == {"mastodon:1": pseudo[at["1"]]["id"]}


def test_retention_out_of_range_is_refused(tmp_path: Path) -> None:
    from veille.config import load_settings

    cfg = tmp_path / "veille.toml"
    cfg.write_text("[privacy]\nretention_days = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention_days = -1"):
        load_settings(cfg)


def test_adding_a_source_shows_the_platforms_terms(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("init", "ws")
    out = run("source", "add", "reddit", "r/fibre", "--workspace", str(tmp_path / "ws")).stdout
    assert "Terms of use:" in out and "redditinc.com/policies/data-api-terms" in out


def test_an_erased_persons_posts_served_again_are_not_stored_again(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A feed keeps serving what it served (RSS, a search): after the erasure,
    # the same rows come in again, with one she publishes after it.
    rows = [
        _row(1, "claire", "La fibre arrive enfin chez moi", 1),
        _row(2, "claire", "Encore une panne de fibre ce matin", 2),
        _row(3, "bob", "La fibre, quelle affaire", 1),
        _row(5, "claire", "Fibre sur Bluesky aussi", 1, platform="bluesky"),
    ]
    ws = _workspace(run, tmp_path, rows)
    run("privacy", "erase", "--author", "Claire", "--platform", "mastodon", "--yes",
        "--workspace", str(ws))  # fmt: skip
    # Published after the erasure: five minutes from now (a date further
    # ahead would be taken as the time it is collected, the erasure's second);
    # not stored either, while her objection holds (see veille privacy lift).
    ahead = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    later = _row(6, "claire", "La fibre, enfin stable", 0, published_at=ahead)
    src = tmp_path / "again.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in [*rows, later]) + "\n", encoding="utf-8")
    run("import", str(src), "--workspace", str(ws))

    with Workspace.open(ws) as w:
        kept = {p.id for p in w.store.search("fibre", limit=50)}
        assert kept == {"mastodon:3", "bluesky:5"}
    with _db(ws) as conn:
        assert conn.execute(
            "SELECT count(*) FROM post_topics JOIN posts ON posts.pk = post_topics.post_pk "
            "WHERE author_handle = 'claire' AND platform = 'mastodon'"
        ).fetchone() == (0,)
        dump = "\n".join(conn.iterdump())
    assert "@claire/1" not in dump and "@claire/2" not in dump


def test_an_import_counts_the_rows_refused_for_an_erased_author(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        _row(1, "claire", "La fibre arrive enfin chez moi", 1),
        _row(2, "claire", "Encore une panne de fibre ce matin", 2),
        _row(3, "bob", "La fibre, quelle affaire", 1),
    ]
    ws = _workspace(run, tmp_path, rows)
    run("privacy", "erase", "--author", "claire", "--platform", "mastodon", "--yes",
        "--workspace", str(ws))  # fmt: skip
    again = [*rows, _row(4, "ana", "Fibre chez Ana", 1), _row(4, "ana", "Fibre chez Ana", 1)]
    src = tmp_path / "again.jsonl"
    lines = [json.dumps(r) for r in again] + ["{not json"]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shown = run("import", str(src), "--workspace", str(ws))
    assert (
        "6 rows read: 1 new post, 0 updated, 1 unchanged, 2 refused (author erased), "
        "1 repeated in the file, 1 bad row skipped" in " ".join(shown.output.split())
    )
    done = run("import", str(src), "--workspace", str(ws), "--format", "json")
    report = json.loads(done.stdout)
    assert report["refused"] == 2 and report["repeated"] == 1 and len(report["bad"]) == 1
    parts = ("stored", "updated", "unchanged", "refused", "repeated")
    assert report["rows"] == sum(report[k] for k in parts) + len(report["bad"]) == 6


def test_a_post_naming_an_erased_posts_story_is_given_its_new_key(tmp_path: Path) -> None:
    # A batch collected before the erasure (its story found then) and
    # written after it: the story's new key, not her post's id, is kept.
    from tests.conftest import make_post
    from veille.models import Author
    from veille.store.protocols.privacy import story_key
    from veille.store.sqlite import SQLiteStore

    when = NOW - timedelta(hours=3)
    store = SQLiteStore.open(tmp_path / "veille.db")
    store.upsert_posts([make_post("c0", "la fibre", author=Author("claire"), published_at=when)])
    store.erase_author_posts("claire", None)
    late = [
        make_post("c0", "la fibre", author=Author("claire"), published_at=when),
        make_post("b1", "la fibre", author=Author("bob"), published_at=when,
                  cluster_id="mastodon:c0"),
    ]  # fmt: skip
    result = store.upsert_posts(late)
    assert [p.id for p in result.new] == ["mastodon:b1"]
    (b1,) = store.get_posts(["mastodon:b1"])
    assert b1.cluster_id == story_key("mastodon:c0")
    assert store.get_post("mastodon:c0") is None
    assert store.forgotten_ids(late) == ["mastodon:c0"]
    store.close()


def test_an_erasure_that_finds_nothing_says_so_and_names_the_stored_handles(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The Mastodon API names accounts of other instances handle@instance:
    erasing the bare handle finds nothing, and is said so with the handles
    stored; a misspelt platform is refused before anything is logged."""
    rows = [_row(1, "claire_tech@social.example", "fibre un", 1),
            _row(2, "bob", "fibre deux", 1)]  # fmt: skip
    ws = _workspace(run, tmp_path, rows)
    w = ["--workspace", str(ws)]
    missed = run("privacy", "erase", "--author", "claire_tech", "--platform", "mastodon",
                 "--yes", *w)  # fmt: skip
    assert "nothing was erased" in missed.output
    assert "claire_tech@social.example" in missed.output
    typo = run("privacy", "erase", "--author", "bob", "--platform", "mastodn", "--yes", *w, code=2)
    assert "Did you mean 'mastodon'" in typo.output
    done = run("privacy", "erase", "--author", "claire_tech@social.example", "--yes", *w)
    assert done.output.startswith("1 post by claire_tech@social.example")


def test_inbox_days_deletes_untouched_items_with_their_notes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from veille.inbox import items as inbox
    from veille.inbox.model import ItemFilter

    rows = [_row(1, "claire", "fibre en panne", 50), _row(2, "bob", "fibre enfin", 50)]
    ws = _inbox_workspace(run, tmp_path, rows, "[privacy]\ninbox_days = 30\n")
    with Workspace.open(ws) as w:
        items = {i.author: i.id for i in w.state.inbox_items(ItemFilter(limit=10))}
        inbox.add_note(w.state, items["claire"], "rappelée au 06 12 34 56 78", actor="alice")
    # Claire's item was last touched 40 days ago; Bob's today (its post is as old).
    with _db(ws) as conn:
        conn.execute(
            "UPDATE inbox_items SET updated_at = ? WHERE author = 'claire'",
            (int((NOW - timedelta(days=40)).timestamp()),),
        )

    out = " ".join(run("privacy", "purge", "--workspace", str(ws)).stdout.split())
    assert "1 inbox item untouched for 30 days deleted" in out
    with Workspace.open(ws) as w:
        assert [i.author for i in w.state.inbox_items(ItemFilter(limit=10))] == ["bob"]
        assert w.store.count_posts() == 2  # no retention_days: the posts are kept
    with _db(ws) as conn:
        dump = "\n".join(conn.iterdump())
    assert "06 12 34 56 78" not in dump  # the note went with the item
    log = json.loads(run("privacy", "log", "--workspace", str(ws), "--format", "json").stdout)
    assert [(e["kind"], e["posts"], e["removed"]) for e in log] == [("inbox", 0, "inbox_items=1")]
    # Again: nothing more to delete, no second entry.
    again = " ".join(run("privacy", "purge", "--workspace", str(ws)).stdout.split())
    assert "0 inbox items untouched" in again
    log = json.loads(run("privacy", "log", "--workspace", str(ws), "--format", "json").stdout)
    assert len(log) == 1


def test_erasure_takes_their_inbox_notes_out_of_the_audit_log(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from veille.inbox import items as inbox
    from veille.inbox.model import ItemFilter
    from veille.services import audit

    rows = [_row(1, "claire", "fibre en panne", 1), _row(2, "bob", "fibre enfin", 1)]
    ws = _inbox_workspace(run, tmp_path, rows)
    with Workspace.open(ws) as w:
        items = {i.author: i.id for i in w.state.inbox_items(ItemFilter(limit=10))}
        inbox.add_note(w.state, items["claire"], "Claire Martin, 06 12 34 56 78", actor="alice")
        inbox.add_note(w.state, items["bob"], "Bob a rappelé", actor="alice")
    run("privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws))

    with _db(ws) as conn:
        dump = "\n".join(conn.iterdump())
    assert "06 12 34 56 78" not in dump
    with Workspace.open(ws) as w:
        notes = {e.target: e.detail for e in audit.list_entries(w.state, action="inbox.note")}
    # Who wrote a note on which item, and when, stays; what it said of her goes.
    assert notes == {f"inbox:{items['claire']}": "", f"inbox:{items['bob']}": "Bob a rappelé"}


def test_access_exports_everything_held_about_a_person(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from veille.inbox import items as inbox
    from veille.inbox.model import ItemFilter
    from veille.services import audit

    rows = [
        _row(1, "claire", "fibre en panne", 2, raw={"account": {"note": "Lyon 3e"}}),
        _row(2, "Claire", "fibre revenue", 1),
        _row(3, "claire", "fibre sur bluesky", 1, platform="bluesky"),
        _row(4, "bob", "fibre enfin", 1),
    ]
    ws = _inbox_workspace(run, tmp_path, rows, alert=True)
    with Workspace.open(ws) as w:
        items = {i.post_id: i.id for i in w.state.inbox_items(ItemFilter(limit=10))}
        inbox.add_note(w.state, items["mastodon:1"], "rappelée au 06 12 34 56 78", actor="alice")
    with _db(ws) as conn:
        conn.execute(
            "INSERT INTO quarantine (source, error, raw, created_at) VALUES "
            "('s', 'e', '{\"author\": \"claire\"}', 0), ('s', 'e', '{\"author\": \"bob\"}', 0)"
        )

    run("link-authors", "mastodon:claire", "bluesky:claire", "--workspace", str(ws))
    out = tmp_path / "claire.json"
    result = run("privacy", "access", "--author", "@claire", "-o", str(out), "--workspace", str(ws))
    assert "3 posts" in " ".join(result.output.split())
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    got = json.loads(out.read_text("utf-8"))
    assert got["subject"] == {"handle": "claire", "platform": None}
    assert [p["id"] for p in got["posts"]] == ["mastodon:1", "bluesky:3", "mastodon:2"]
    assert "Lyon 3e" in json.dumps(got["posts"][0]["raw"])  # the payload as it came
    assert {(p["platform"], p["handle"], p["name"]) for p in got["profiles"]} == {
        ("mastodon", "claire", "Claire"),
        ("mastodon", "Claire", "Claire"),
        ("bluesky", "claire", "Claire"),
    }
    assert sorted(i["post_id"] for i in got["inbox_items"]) == [
        "bluesky:3", "mastodon:1", "mastodon:2"
    ]  # fmt: skip
    (noted,) = [i for i in got["inbox_items"] if i["post_id"] == "mastodon:1"]
    assert [(e["actor"], e["detail"]) for e in noted["events"] if e["action"] == "note"] == [
        ("alice", "rappelée au 06 12 34 56 78")
    ]
    assert {d["post_id"] for d in got["alert_deliveries"]} == {
        "mastodon:1", "mastodon:2", "bluesky:3"
    }  # fmt: skip
    assert all(d["alert"] == "fibre" for d in got["alert_deliveries"])
    assert [q["raw"] for q in got["quarantine"]] == ['{"author": "claire"}']
    assert got["account_links"] == [
        {"accounts": [["bluesky", "claire"], ["mastodon", "claire"]], "decision": "same"}
    ]
    assert [e["action"] for e in got["audit_entries"]] == ["inbox.note"]
    assert "bob" not in out.read_text("utf-8")

    # One platform only, to stdout.
    args = ["--author", "claire", "--platform", "bluesky", "--workspace", str(ws)]
    only = json.loads(run("privacy", "access", *args).stdout)
    assert [p["id"] for p in only["posts"]] == ["bluesky:3"]
    # Each access is in the audit log, the person named by a keyed hash.
    with Workspace.open(ws) as w:
        logged = audit.list_entries(w.state, action="privacy.access")
    assert len(logged) == 2 and all(e.actor == "cli" for e in logged)
    assert not any("claire" in (e.target + e.detail).lower() for e in logged)
    assert "3 posts, 3 inbox_items" in logged[1].detail


def test_erasure_takes_the_person_out_of_queued_and_sent_spike_events(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A spike's event names its top authors; it is keyed by its hour, not a
    post, so no post's erasure removed it: the handle stayed in the outbox."""
    from collections import Counter

    from veille.alerts.monitors import spike_message

    ws = _workspace(run, tmp_path, [_row(1, "claire", "fibre", 1), _row(2, "bob", "fibre", 1)])
    run("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom", "--workspace", str(ws))
    with Workspace.open(ws) as w:
        alert = w.state.find_alert("fibre")
        assert alert is not None and alert.id is not None
        authors = Counter({"claire": 9, "claire@other.example": 4, "bob": 3})
        event = spike_message(alert, 16, 2.0, 5.0, Counter(), authors, Counter(mastodon=16))
        w.state.queue_event(alert.id, "spike:1", event, 0.0, 0.0)
    run("alert", "dispatch", "--workspace", str(ws))  # sent: its entry is in the Atom feed
    feed = ws / "alerts" / "fibre.atom"
    assert "Authors: claire (9)" in feed.read_text("utf-8")
    args = ["--author", "Claire", "--platform", "mastodon", "--yes", "--format", "json"]
    report = json.loads(run("privacy", "erase", *args, "--workspace", str(ws)).stdout)
    text = feed.read_text("utf-8")
    assert "Authors: [erased] (9), claire@other.example (4), bob (3)" in text
    assert "Authors: claire" not in text
    assert report["removed"]["alert_payloads"] == 1
    assert report["removed"]["atom_events"] == 1
    with _db(ws) as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM deliveries WHERE post_id = 'spike:1'"
        ).fetchone()
    spike = json.loads(payload)
    assert spike["authors"] == [["[erased]", 9], ["claire@other.example", 4], ["bob", 3]]
    assert spike["details"]["en"][1] == "Authors: [erased] (9), claire@other.example (4), bob (3)"


def test_an_export_is_in_the_audit_log(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from veille.services import audit

    ws = _workspace(run, tmp_path, [_row(1, "claire", "fibre", 1), _row(2, "bob", "fibre", 1)])
    out = tmp_path / "out.jsonl"
    run("export", "-o", str(out), "--platform", "mastodon", "--pseudonymize",
        "--workspace", str(ws))  # fmt: skip
    with Workspace.open(ws) as w:
        (entry,) = audit.list_entries(w.state, action="posts.export")
    assert (entry.actor, entry.target) == ("cli", str(out))
    assert entry.detail == "2 posts, jsonl, pseudonymized --platform mastodon"


def test_an_erasure_that_removed_nothing_else_says_so(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = _workspace(run, tmp_path, [_row(1, "claire", "bonjour", 1)])
    out = run("privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws)).stdout
    assert (
        " ".join(out.split())
        == "1 post by claire on every platform erased; also removed: nothing else"
    )


def test_retention_deletes_the_monitor_events_older_than_the_period(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A spike's event names its top authors. Keyed by its hour, not a post,
    it stayed in the outbox for ever under retention_days (a monitor may
    fire every hour: thousands a year, each naming people). Delivered events
    older than the period now go with the posts; one not delivered yet stays."""
    from collections import Counter

    from veille.alerts.monitors import spike_message

    ws = _workspace(
        run, tmp_path, [_row(1, "claire", "fibre", 1)], "[privacy]\nretention_days = 30\n"
    )
    run("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom", "--workspace", str(ws))
    old = (NOW - timedelta(days=60)).timestamp()
    recent = (NOW - timedelta(days=2)).timestamp()
    later = (NOW + timedelta(days=1)).timestamp()
    with Workspace.open(ws) as w:
        alert = w.state.find_alert("fibre")
        assert alert is not None and alert.id is not None
        authors = Counter({"claire": 9, "bob": 3})
        event = spike_message(alert, 12, 2.0, 5.0, Counter(), authors, Counter(mastodon=12))
        w.state.queue_event(alert.id, "spike:old", event, old, old)
        w.state.queue_event(alert.id, "spike:recent", event, recent, recent)
        w.state.queue_event(alert.id, "report:old-not-sent-yet", event, later, old)
    run("alert", "dispatch", "--workspace", str(ws))
    run("privacy", "purge", "--workspace", str(ws))
    with _db(ws) as conn:
        kept = dict(
            conn.execute("SELECT post_id, status FROM deliveries WHERE payload IS NOT NULL")
        )
    assert kept == {"spike:recent": "sent", "report:old-not-sent-yet": "pending"}


def test_hourly_purges_of_a_day_make_one_entry_and_keep_erasures_in_the_log(
    run,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """veille run purges every hour, and a source that reads back in time
    (a new one, a search) brings posts already older than the period: each
    purge that deleted some wrote its own entry, so within four days
    `veille privacy log` (its last 100 entries) showed nothing but
    retention, and a person's erasure, what the log is there to prove, was
    out of sight. The purges of one cutoff day now add up in one entry."""
    from veille.models import Author, Post
    from veille.services.retention import apply_retention

    noon = NOW.replace(hour=12, minute=0, second=0)
    ws = _workspace(
        run, tmp_path, [_row(500, "claire", "fibre", 1)], "[privacy]\nretention_days = 30\n"
    )
    run("privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws))
    with Workspace.open(ws) as w:
        for hour in range(119):
            old = noon - timedelta(days=40, hours=hour)
            post = Post.create(platform="mastodon", native_id=f"b{hour}", text="fibre",
                               published_at=old, author=Author(f"user{hour}"))  # fmt: skip
            w.posts.upsert_posts([post])
            report = apply_retention(w, now=noon + timedelta(hours=hour))
            assert report is not None and report.posts == 1
    log = json.loads(run("privacy", "log", "--workspace", str(ws), "--format", "json").stdout)
    assert [e["kind"] for e in log if e["kind"] != "retention"] == ["author"]
    retention = [e for e in log if e["kind"] == "retention"]
    assert [e["posts"] for e in retention] == [11, 24, 24, 24, 24, 12]  # one per cutoff day
    assert sum(e["posts"] for e in retention) == 119


def test_the_privacy_log_shows_the_erasures_of_people_after_a_year_of_purges(
    run,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """A daily retention entry is still 365 a year: `veille privacy log`
    (its last 100 entries) lost a person's erasure after a hundred days.
    --kind keeps to one kind of entry, --limit shows more."""
    from veille.services.retention import apply_retention

    noon = NOW.replace(hour=12, minute=0, second=0)
    rows = [
        _row(n, f"user{n}", "fibre", 0, published_at=(noon - timedelta(days=151 - n)).isoformat())
        for n in range(1, 120)
    ]
    rows.append(_row(500, "claire", "fibre", 1))
    ws = _workspace(run, tmp_path, rows, "[privacy]\nretention_days = 30\n")
    run("privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws))
    with Workspace.open(ws) as w:
        for day in range(1, 120):
            report = apply_retention(w, now=noon - timedelta(days=120 - day))
            assert report is not None and report.posts == 1
    args = ["--workspace", str(ws), "--format", "json"]
    log = json.loads(run("privacy", "log", *args).stdout)
    assert len(log) == 100 and {e["kind"] for e in log} == {"retention"}
    log = json.loads(run("privacy", "log", "--kind", "author", *args).stdout)
    assert [(e["kind"], e["posts"]) for e in log] == [("author", 1)]
    log = json.loads(run("privacy", "log", "--limit", "500", *args).stdout)
    assert len(log) == 120
    out = run("privacy", "log", "--kind", "person", *args, code=2).output
    assert "--kind 'person'" in out and "author, retention, inbox, suppressed or lift" in out


def test_an_erasure_objects_to_their_later_posts_until_the_objection_is_lifted(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A person erased went on being collected: the post she published the
    day after her erasure was stored and counted as anyone's. The erasure
    now also objects to further processing: her later posts are not stored,
    the source's health and the privacy log count them, until `veille
    privacy lift` (itself logged) lets her new posts in again."""
    from veille.services import audit
    from veille.services.disclosure import erasure_log

    run("init", "ws")
    ws = tmp_path / "ws"
    feed = tmp_path / "feed.jsonl"

    def publish(*rows: dict[str, object]) -> None:
        with feed.open("a", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)

    def collect() -> None:
        run("collect", "--once", "--workspace", str(ws))

    def kept() -> set[str]:
        with Workspace.open(ws) as w:
            return {p.id for p in w.store.search("fibre", limit=50)}

    publish(_row(1, "claire", "La fibre arrive enfin", 1), _row(2, "bob", "La fibre ici", 1))
    run("source", "add", "file", str(feed), "--name", "feed", "--workspace", str(ws))
    collect()
    run("privacy", "erase", "--author", "claire", "--platform", "mastodon", "--yes",
        "--workspace", str(ws))  # fmt: skip
    time.sleep(1.1)  # posts are dated to the second: the erasure's is over
    now = datetime.now(UTC).isoformat()
    # Published after the erasure (any case of her handle), beside bob's.
    publish(_row(3, "Claire", "Toujours la fibre", 0, published_at=now),
            _row(4, "bob", "La fibre encore", 0, published_at=now))  # fmt: skip
    collect()
    assert kept() == {"mastodon:2", "mastodon:4"}
    health = json.loads(run("source", "health", "--workspace", str(ws), "-f", "json").stdout)
    assert health[0]["suppressed"] == 1
    # A subject access request says she objects, and where.
    access = run("privacy", "access", "--author", "claire", "--workspace", str(ws)).stdout
    assert json.loads(access)["objections"] == ["mastodon"]
    with Workspace.open(ws) as w:
        (day,) = erasure_log(w, kind="suppressed")
        assert (day.posts, day.details) == (1, {"feed": 1})
        assert day.subject == datetime.now(UTC).date().isoformat()  # the day, no person

    run("privacy", "lift", "--author", "claire", "--platform", "mastodon", "--yes",
        "--workspace", str(ws))  # fmt: skip
    # Published after the lifting (five minutes ahead: not taken as collected now).
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    publish(_row(5, "claire", "La fibre, enfin stable", 0, published_at=later))
    collect()
    assert kept() == {"mastodon:2", "mastodon:4", "mastodon:5"}
    # What she published while she objected stays refused.
    src = tmp_path / "again.jsonl"
    src.write_text(json.dumps(_row(3, "claire", "Toujours la fibre", 0, published_at=now)) + "\n")
    shown = run("import", str(src), "--workspace", str(ws), "--format", "json")
    assert json.loads(shown.stdout)["refused"] == 1
    with Workspace.open(ws) as w:
        (lifted,) = erasure_log(w, kind="lift")
        (erased,) = erasure_log(w, kind="author")
        assert lifted.subject == erased.subject and lifted.details == {"objections": 1}
        assert audit.list_entries(w.state, action="privacy.lift")
    access = run("privacy", "access", "--author", "claire", "--workspace", str(ws)).stdout
    assert json.loads(access)["objections"] == []
    # Nothing to lift any more: said, with what to do.
    again = run("privacy", "lift", "--author", "claire", "--platform", "mastodon", "--yes",
                "--workspace", str(ws), code=2)  # fmt: skip
    assert "no objection of claire on Mastodon holds" in " ".join(again.output.split())


def test_access_lists_the_alert_events_that_name_the_person(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A spike's event names its top authors and the erasure takes the
    person out of it, but `veille privacy access` did not say it was held:
    the answer to a subject access request left out what the erasure
    then changed. The event is listed (its alert, key, status, times), not
    its payload, which names other people too."""
    from collections import Counter

    from veille.alerts.monitors import spike_message

    ws = _workspace(run, tmp_path, [_row(1, "claire", "fibre", 1), _row(2, "bob", "fibre", 1)])
    run("alert", "add", "fibre", "--to", "atom:alerts/fibre.atom", "--workspace", str(ws))
    with Workspace.open(ws) as w:
        alert = w.state.find_alert("fibre")
        assert alert is not None and alert.id is not None
        authors = Counter({"claire": 9, "bob": 3})
        event = spike_message(alert, 12, 2.0, 5.0, Counter(), authors, Counter(mastodon=12))
        w.state.queue_event(alert.id, "spike:1", event, 0.0, 0.0)
    run("alert", "dispatch", "--workspace", str(ws))
    report = json.loads(
        run("privacy", "access", "--author", "Claire", "--workspace", str(ws)).stdout
    )
    (held,) = report["alert_events"]
    assert (held["alert"], held["event"], held["status"]) == ("fibre", "spike:1", "sent")
    assert "bob" not in json.dumps(report["alert_events"])
    # Another account of the same name elsewhere is not her.
    other = run("privacy", "access", "--author", "claire@other.example", "--workspace", str(ws))
    assert json.loads(other.stdout)["alert_events"] == []
    # Once erased, nothing names her any more.
    run("privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws))
    again = run("privacy", "access", "--author", "claire", "--workspace", str(ws)).stdout
    assert json.loads(again)["alert_events"] == []


# A process erasing claire two posts per transaction, stopped for good (it
# sleeps until killed) once its first two posts are deleted.
_KILLED_MIDWAY = """
import sys, time
from veille.services.privacy import erase_author
from veille.store.sqlite import privacy
from veille.workspace import Workspace

privacy.ERASE_CHUNK = 2
with Workspace.open(sys.argv[1]) as ws:
    store, seen = ws.posts, []
    real = store._remove_copies

    def remove(*args, **kw):
        seen.append(1)
        if len(seen) == 2:
            print("midway", flush=True)
            time.sleep(600)
        return real(*args, **kw)

    store._remove_copies = remove
    erase_author(ws, "claire")
"""


def test_an_erasure_killed_midway_and_run_again_leaves_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The erasure deletes by transactions of 2,000 posts (a collector's
    batch goes between two: it waited for the whole erasure, 15 s for a
    person with 41,560 posts at 1M); killed between two, the collectors
    refuse the person's posts already, and running it again removes the rest."""
    import os
    import signal
    import subprocess
    import sys

    import veille

    rows = [_row(i, "claire", f"La fibre, épisode {i}", 1 + i / 10) for i in range(1, 6)]
    rows.append(_row(9, "bob", "La fibre, quelle affaire", 1))
    ws = _workspace(run, tmp_path, rows)
    env = {**os.environ, "PYTHONPATH": str(Path(veille.__file__).parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_MIDWAY, str(ws)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "midway"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(60)
    with _db(ws) as conn:
        left = conn.execute("SELECT count(*) FROM posts WHERE author_handle = 'claire'")
        (held,) = left.fetchone()
    assert held == 3  # the first transaction's two went; the killed one's stayed
    src = tmp_path / "again.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    shown = run("import", str(src), "--workspace", str(ws), "--format", "json")
    assert json.loads(shown.stdout)["refused"] == 5  # her record held from the start

    run("privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws))
    with _db(ws) as conn:
        dump = "\n".join(conn.iterdump())
        volume = conn.execute("SELECT sum(posts) FROM post_rollup WHERE dim = ''").fetchone()
    assert "claire" not in dump.replace("claire_", "")
    assert volume == (1,)  # bob's post alone, counted once
    log = json.loads(run("privacy", "log", "--workspace", str(ws), "--format", "json").stdout)
    assert [(e["kind"], e["posts"]) for e in log] == [("author", 3)]


def test_an_erasure_made_before_objections_objects_once_upgraded(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An erasure made by the release before objections recorded whom it
    forgot but no objection, and the person's next posts were collected
    again. The upgrade (migration 0540) gives each such erasure its
    objection, and says what it cannot derive: an erasure logged before
    veille recorded whom it forgot names the person by a keyed hash alone."""
    rows = [_row(1, "claire", "La fibre arrive enfin", 1), _row(3, "bob", "La fibre ici", 1)]
    ws = _workspace(run, tmp_path, rows)
    run("privacy", "erase", "--author", "claire", "--platform", "mastodon", "--yes",
        "--workspace", str(ws))  # fmt: skip
    # As that release left it: her record, no objection; and a year-old
    # erasure from before the record of whom an erasure forgot (0251).
    old = int((NOW - timedelta(days=400)).timestamp())
    with _db(ws) as conn:
        conn.execute("DELETE FROM forgotten WHERE kind = 'objection'")
        conn.execute("DELETE FROM schema_migrations WHERE number = 540")
        conn.execute(
            "INSERT INTO erasures (at, kind, platform, subject, posts, details) "
            "VALUES (?, 'author', NULL, 'a-0123456789abcdef', 4, '{}')",
            (old,),
        )
    ahead = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    src = tmp_path / "later.jsonl"
    src.write_text(
        json.dumps(_row(6, "claire", "La fibre, enfin stable", 0, published_at=ahead)) + "\n"
    )
    with caplog.at_level("WARNING"):
        shown = run("import", str(src), "--workspace", str(ws), "--format", "json")
    assert json.loads(shown.stdout)["refused"] == 1  # stored before the upgrade
    said = " ".join(caplog.text.split())
    assert "objection to further processing of 1 person erased before" in said
    day = (NOW - timedelta(days=400)).date().isoformat()
    assert f"1 erasure of people logged until {day}" in said
    assert "cannot be given an objection" in said
    access = run("privacy", "access", "--author", "claire", "--workspace", str(ws)).stdout
    assert json.loads(access)["objections"] == ["mastodon"]
    # Lifted as any objection is.
    run("privacy", "lift", "--author", "claire", "--platform", "mastodon", "--yes",
        "--workspace", str(ws))  # fmt: skip


def test_an_erasure_rewrites_a_feed_named_atom_slash_slash(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``atom://alerts/fibre.atom`` writes alerts/fibre.atom in the workspace,
    as ``atom:alerts/fibre.atom`` does; the erasure read it as the absolute
    path //alerts/fibre.atom, found no file there, and left her posts in the
    feed it said it had cleaned."""
    rows = [_row(1, "claire", "La fibre arrive enfin", 1), _row(2, "bob", "La fibre aussi", 1)]
    ws = _workspace(run, tmp_path, rows)
    run("alert", "add", "fibre", "--to", "atom://alerts/fibre.atom", "--workspace", str(ws))
    with Workspace.open(ws) as w:
        ids = {p.author.handle: p.id for p in w.store.search("fibre", limit=50)}
    feed = ws / "alerts" / "fibre.atom"
    feed.parent.mkdir(exist_ok=True)
    entries = "".join(
        f"<entry><id>urn:veille:1:{pid}</id><title>t</title></entry>" for pid in ids.values()
    )
    feed.write_text(
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>f</id>{entries}</feed>',
        encoding="utf-8",
    )
    out = run("privacy", "erase", "--author", "@claire", "--platform", "mastodon", "--yes",
              "--workspace", str(ws), "--format", "json").stdout  # fmt: skip
    assert json.loads(out)["removed"]["atom_entries"] == 1
    left = feed.read_text(encoding="utf-8")
    assert ids["claire"] not in left and ids["bob"] in left


def test_what_else_an_erasure_removed_is_said_in_words(run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """veille privacy erase ended "also removed: 2 deliveries, 2 inbox_items"
    and privacy log's column read "deliveries=2, inbox_items=2": the store's
    table names. Words now, counted, in the reader's language; JSON and CSV
    keep the keys scripts read."""
    rows = [_row(1, "claire", "fibre en panne", 2), _row(2, "claire", "fibre", 1)]
    rows.append(_row(3, "bob", "fibre enfin", 1))
    ws = _inbox_workspace(run, tmp_path, rows, alert=True)
    out = run("privacy", "erase", "--author", "claire", "--yes", "--workspace", str(ws)).stdout
    said = " ".join(out.split())
    assert said.endswith("also removed: 2 Atom feed entries, 2 alert deliveries, 2 inbox items"), (
        said
    )
    monkeypatch.setenv("COLUMNS", "3000")
    table = run("privacy", "log", "--workspace", str(ws)).stdout
    assert "2 Atom feed entries, 2 alert deliveries, 2 inbox items" in table, table
    french = run("--language", "fr", "privacy", "log", "--workspace", str(ws)).stdout
    assert "2 envois d’alerte, " in french and "2 éléments de la boîte de réception" in french
    (logged,) = json.loads(run("privacy", "log", "-f", "json", "--workspace", str(ws)).stdout)
    assert "deliveries=2" in logged["removed"] and "inbox_items=2" in logged["removed"]
    csv = run("privacy", "log", "-f", "csv", "--workspace", str(ws)).stdout
    assert "inbox_items=2" in csv


def test_a_removed_key_without_words_is_said_by_its_name() -> None:
    from veille.cli.common import speaker
    from veille.services.privacy import removed_said

    said = removed_said({"post_topics": 5, "inbox_items": 1, "new_table": 3, "minhash": 0})
    assert speaker("en")(said) == "1 inbox item, 3 new_table, 5 topic filings"
    assert speaker("fr")(said) == (
        "1 élément de la boîte de réception, 3 new_table, 5 classements dans des sujets"
    )
    assert removed_said({"minhash": 0}) is None
