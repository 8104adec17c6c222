"""``veille source health`` counts the posts a source gave that were older
than the retention period and so not stored, on SQLite and PostgreSQL state,
and ``veille store migrate`` carries the count.

Before, only the run that left them out said so (its collect report):
``veille source health`` showed a feed that lists a month of items as
bringing fewer posts than it lists, with nothing to tell why."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import init_state_workspace
from veille.cli import build_app
from veille.services.migrate import migrate_workspace
from veille.workspace import Workspace

NOW = datetime.now(UTC)


def _row(n: int, days_ago: float) -> dict[str, object]:
    return {
        "platform": "mastodon",
        "id": str(n),
        "url": f"https://social.example/@claire/{n}",
        "text": f"La fibre arrive, épisode {n}",
        "author": {"handle": "claire", "name": "Claire", "followers": 100},
        "published_at": (NOW - timedelta(days=days_ago)).isoformat(),
    }


def cli(*args: str) -> str:
    result = CliRunner().invoke(build_app(), list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def flat(text: str) -> str:
    """``text`` with its lines and runs of spaces as single spaces (a narrow
    no-break space kept)."""
    return re.sub(r"[ \n]+", " ", text)


def with_retention(root: Path, days: int) -> Path:
    toml = root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    assert "# retention_days = 0" in text, "the [privacy] template changed"
    toml.write_text(text.replace("# retention_days = 0", f"retention_days = {days}"), "utf-8")
    return root


def collect_old_and_new(root: Path, tmp_path: Path) -> None:
    """A file source listing two posts from before the retention period of
    10 days and one of today, collected; then a third old one, collected."""
    feed = tmp_path / "feed.jsonl"
    rows = [_row(1, 40), _row(2, 12), _row(3, 0)]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cli("source", "add", "file", str(feed), "--name", "feed", "--workspace", str(root))
    said = cli("collect", "--once", "--workspace", str(root))
    assert "feed: 2 posts older than the retention period, not stored" in said
    with feed.open("a", encoding="utf-8") as f:
        f.write(json.dumps(_row(4, 11)) + "\n")
    cli("collect", "--once", "--workspace", str(root))


def test_source_health_counts_posts_older_than_the_retention_period(
    state_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    root = with_retention(init_state_workspace(tmp_path / "ws", state_kind), 10)
    collect_old_and_new(root, tmp_path)
    (health,) = json.loads(cli("source", "health", "--workspace", str(root), "-f", "json"))
    # Two runs, three posts left out: a lasting count (it said nothing).
    assert (health["total_posts"], health["expired"]) == (1, 3)
    table = cli("source", "health", "--workspace", str(root), "--language", "fr")
    assert (
        "feed\u202f: 3 publications plus anciennes que la durée de conservation, non "
        "enregistrées ([privacy] retention_days)"
    ) in flat(table)
    english = cli("source", "health", "--workspace", str(root), "--language", "en")
    assert "feed: 3 posts older than the retention period, not stored" in flat(english)


def test_store_migrate_carries_the_count_to_postgresql(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite -> PostgreSQL -> SQLite: each reads the count as it was."""
    from veille.store.postgres.testing import fresh_schema_url

    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    root = with_retention(init_state_workspace(tmp_path / "ws", "sqlite"), 10)
    collect_old_and_new(root, tmp_path)
    pg_url = fresh_schema_url(postgres_url, tmp_path)
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    with Workspace.open(root) as ws:
        assert migrate_workspace(ws, posts_url=None, state_url=pg_url).ok
    toml = root / "veille.toml"
    template = toml.read_text(encoding="utf-8")
    for url in (pg_url, back_url):
        store = f'[store]\nposts = "sqlite:///veille.db"\nstate = "{url}"\n'
        toml.write_text(template.replace("[store]\n", store, 1), encoding="utf-8")
        with Workspace.open(root) as ws:
            (health,) = ws.state.source_health("feed")
            assert health.expired == 3, url
            if url == pg_url:
                assert migrate_workspace(ws, posts_url=None, state_url=back_url).ok
