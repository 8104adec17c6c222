"""A plugin source whose ``item_key`` raises on one item no longer ends the
collection pass.

``item_key`` names an item across runs (a quarantined item is kept once
under its name). A third-party source whose ``item_key`` raised on one
item (a field it expects missing) let the exception escape the collector:
nothing of that page was stored, the other sources of the pass were left
unread, and ``veille run`` logged the pass as failed at every tick. Now that
item is quarantined unnamed, with a sentence that says why (in English and
French), its traceback logged with the source named, and the rest of the
page and of the pass is stored."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins import source_plugin
from veille.config import HttpSettings
from veille.errors import translated
from veille.http import HttpClient
from veille.pipeline.collect import collect
from veille.services.sources import add_source, health, quarantined
from veille.web.i18n import load_translations
from veille.workspace import Workspace, init_workspace

# A third-party source: its items come from its target (no network), and
# its item_key reads a field one item lacks.
PLUGIN = """
from dataclasses import dataclass
from datetime import UTC, datetime
from veille.models import Author, Post
from veille.sources.base import Batch, Source


@dataclass(frozen=True)
class ListedConfig:
    names: str = ""


class ListedSource(Source):
    name = "listed"
    platform = "web"
    Config = ListedConfig

    def config_from_target(self, target, options):
        return ListedConfig(names=target)

    def collect(self, config, cursor, http):
        items = [{"id": n, "slug": f"s-{n}"} for n in config.names.split(",")]
        for item in items:
            if item["id"].startswith("odd"):
                del item["slug"]
        yield Batch(items=items, cursor={"done": True})

    def to_post(self, raw, config):
        return Post(
            id=f"web:{raw['id']}", platform="web", source="", native_id=raw["id"],
            url=f"https://e.example/{raw['id']}", text=f"lumio {raw['id']}",
            author=Author(handle="e"), published_at=datetime(2026, 11, 1, tzinfo=UTC),
        )

    def item_key(self, raw):
        return raw["slug"]
"""


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The plugin installed the way pip would (an entry point in ``veille.sources``)."""
    with source_plugin(tmp_path / "site", monkeypatch, "listed", "ListedSource", PLUGIN):
        yield


def test_an_item_its_source_cannot_name_is_quarantined_and_the_pass_goes_on(
    listed: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = init_workspace(tmp_path / "ws")
    french = load_translations()["fr"]
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
    with Workspace.open(root) as ws:
        add_source(ws.state, "listed", "one,odd-two,three", name="a-listed")
        add_source(ws.state, "listed", "four,five", name="b-listed")
        with caplog.at_level(logging.ERROR, logger="veille.collect"):
            runs = {r.source: r for r in collect(ws, http=http, max_workers=1)}
        http.close()
        # The pass went on: both sources ran, every other item stored.
        assert runs["a-listed"].ok and runs["b-listed"].ok, runs
        assert (runs["a-listed"].new_posts, runs["a-listed"].quarantined) == (2, 1)
        assert runs["b-listed"].new_posts == 2
        assert ws.posts.count_posts() == 4
        assert ws.posts.get_post("web:odd-two") is None
        assert ws.state.get_cursor("source:a-listed") is not None
        # The item is in the quarantine, unnamed, with why (English, French).
        (item,) = quarantined(ws.state, "a-listed")
        assert item.key is None and item.raw == {"id": "odd-two"}
        assert str(item.error) == (
            "the source could not name this item (KeyError: 'slug'); it is kept here "
            "unnamed: report it to whoever maintains the source"
        )
        assert translated(item.error, french.gettext, "fr") == (
            "la source n’a pas pu nommer cet élément (KeyError\u202f: 'slug')\u202f; il est "
            "gardé ici sans nom\u202f: signalez-le à qui maintient la source"
        )
        # Its health counts it; the source did not fail.
        (h,) = health(ws.state, "a-listed")
        assert h.quarantined == 1 and h.last_error is None and h.consecutive_failures == 0
        # Logged with the source named and the plugin's traceback.
        (logged,) = [r for r in caplog.records if "item_key failed" in r.getMessage()]
        assert logged.getMessage().startswith("source a-listed: its item_key failed on an item")
        assert logged.exc_info is not None
