"""A post an ingest stage raised on, on /sources: its quarantined item says
which stage failed, in the reader's language (the page listed nothing:
the exception ended the collection before the page was stored)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.pipeline.test_stage_failures import _http, feed_url, install_stage
from tests.web.conftest import Served
from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.workspace import Workspace

__all__ = ["feed_url"]  # the loopback feed, a fixture


def test_a_reader_reads_which_stage_failed_on_a_quarantined_post(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    feed_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    install_stage(tmp_path / "site", "poison_web", "'POISON' in (p.title or '')", monkeypatch)
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "feeds", feed_url, name="stage-feed")
        http = _http()
        (run,) = collect(ws, names=["stage-feed"], http=http)
        http.close()
        assert run.ok and run.quarantined == 1
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/sources").text)
    assert (
        "l’étape poison a échoué sur cette publication (ValueError\u202f: cannot read Lumio "
        "lamp POISON)\u202f; réessayez-la une fois l’étape corrigée"
    ) in page
    client.cookies.set("veille_lang", "en")
    page = html.unescape(client.get("/sources").text)
    assert (
        "the poison stage failed on this post (ValueError: cannot read Lumio lamp POISON); "
        "retry it once the stage is fixed"
    ) in page


def test_a_file_sources_unreadable_row_is_said_whole_in_the_readers_language(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    tmp_path: Path,
) -> None:  # fmt: skip
    """A file source's row with no date, quarantined, read on /sources in
    French « ligne 2 : published_at 'pas-une-date' is not a date; use ISO
    8601 … » (the record's own reason English inside a French sentence)."""
    rows = tmp_path / "garbled.csv"
    rows.write_text(
        "platform,id,text,author,published_at\nmastodon,1,sans date,zoe,pas-une-date\n",
        encoding="utf-8",
    )
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "file", str(rows), name="garbled")
        (run,) = collect(ws, names=["garbled"])
        assert run.ok and run.quarantined == 1
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/sources").text)
    assert (
        f"{rows}, ligne 2\u202f: published_at «\u202fpas-une-date\u202f» n’est pas une "
        "date\u202f; utilisez ISO 8601, par exemple 2026-03-01T14:00:00Z"
    ) in page, page
    client.cookies.set("veille_lang", "en")
    page = html.unescape(client.get("/sources").text)
    assert (
        f"{rows}, line 2: published_at 'pas-une-date' is not a date; use ISO 8601 such as "
        "2026-03-01T14:00:00Z"
    ) in page
