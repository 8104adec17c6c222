"""The sources page says how many posts a source gave that were older than
the retention period and so not stored, in the reader's language: before,
only the run that left them out said so, and the page showed a feed
bringing fewer posts than it lists with nothing to tell why."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.test_source_health_expired import collect_old_and_new, flat, with_retention
from tests.web.conftest import Served


def test_the_sources_page_says_how_many_posts_were_too_old_to_keep(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    collect_old_and_new(with_retention(live_server.root, 10), tmp_path)
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    page = flat(html.unescape(client.get("/sources").text))
    assert (
        "3 publications plus anciennes que la durée de conservation n’ont pas été enregistrées"
    ) in page
    client.cookies.set("veille_lang", "en")
    page = flat(html.unescape(client.get("/sources").text))
    assert "3 posts older than the retention period were not stored" in page
