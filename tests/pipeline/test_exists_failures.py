"""A plugin source whose ``Batch.exists`` raises no longer ends the
collection pass.

``Batch.exists`` tells, on a source's last page, which quarantined items
still exist at the source (a quarantined item whose name it says is gone
leaves the quarantine). A third-party source whose ``exists`` raised on one
name (a lookup it did not guard) let the exception escape the collector, as
``item_key`` did before: nothing of that page was stored, the other sources
of the pass were left unread, and ``veille run`` failed the same way at every
tick. Now the item it raised on stays in the quarantine (nothing is lost),
the error is logged with the source and the item named, and the pass goes
on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins import source_plugin
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.pipeline.collect import collect
from veille.services.sources import add_source, health, quarantined
from veille.workspace import Workspace, init_workspace

# A third-party source: its items come from its target (no network); items
# named "bad…" cannot be read, and its ``exists`` looks a name up in a table
# that lacks one of them.
PLUGIN = """
from dataclasses import dataclass
from datetime import UTC, datetime
from veille.models import Author, Post
from veille.sources.base import Batch, Source

STILL_THERE = {"bad-kept": True, "bad-gone": False}


@dataclass(frozen=True)
class KnownConfig:
    names: str = ""


class KnownSource(Source):
    name = "known"
    platform = "web"
    Config = KnownConfig

    def config_from_target(self, target, options):
        return KnownConfig(names=target)

    def collect(self, config, cursor, http):
        items = [] if cursor else [{"id": n} for n in config.names.split(",")]
        yield Batch(items=items, cursor={"done": True}, exists=lambda key: STILL_THERE[key])

    def to_post(self, raw, config):
        if raw["id"].startswith("bad"):
            raise ValueError("unreadable")
        return Post(
            id=f"web:{raw['id']}", platform="web", source="", native_id=raw["id"],
            url=f"https://e.example/{raw['id']}", text=f"lumio {raw['id']}",
            author=Author(handle="e"), published_at=datetime(2026, 11, 1, tzinfo=UTC),
        )

    def item_key(self, raw):
        return raw["id"]
"""


@pytest.fixture
def known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The plugin installed the way pip would (an entry point in ``veille.sources``)."""
    with source_plugin(tmp_path / "site", monkeypatch, "known", "KnownSource", PLUGIN):
        yield


def test_an_item_its_source_cannot_look_up_stays_quarantined_and_the_pass_goes_on(
    known: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = init_workspace(tmp_path / "ws")
    http = HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))
    with Workspace.open(root) as ws:
        add_source(ws.state, "known", "one,bad-kept,bad-gone,bad-unknown", name="a-known")
        add_source(ws.state, "known", "two,three", name="b-known")
        first = {r.source: r for r in collect(ws, http=http, max_workers=1)}
        assert (first["a-known"].new_posts, first["a-known"].quarantined) == (1, 3)
        # The next pass asks the source which quarantined items still exist:
        # it raises on "bad-unknown" (a KeyError in the plugin).
        with caplog.at_level(logging.ERROR, logger="veille.collect"):
            runs = {r.source: r for r in collect(ws, http=http, force=True, max_workers=1)}
        http.close()
        # The pass went on: both sources ran and are healthy.
        assert runs["a-known"].ok and runs["b-known"].ok, runs
        assert ws.posts.count_posts() == 3
        (h,) = health(ws.state, "a-known")
        assert h.last_error is None and h.consecutive_failures == 0
        # The gone item left the quarantine; the one the source could not
        # look up is kept (nothing lost), as is the one that still exists.
        assert sorted(q.key or "" for q in quarantined(ws.state, "a-known")) == [
            "bad-kept",
            "bad-unknown",
        ]
        # Logged with the source and the item named, and the plugin's traceback.
        (logged,) = [r for r in caplog.records if "exists failed" in r.getMessage()]
        said = logged.getMessage()
        assert said.startswith("source a-known: its Batch.exists failed on item 'bad-unknown'")
        assert "KeyError" in said and logged.exc_info is not None
