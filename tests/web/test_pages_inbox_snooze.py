"""Snoozing on the inbox pages, over a live server: from an item's page and
from the list's bulk actions, the "snoozed" view with each item's time, back
in the open list at that time (the scheduler's pass), unsnoozed by hand; in
French too."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx

from veille.inbox import items as svc
from veille.inbox import snooze as sn
from veille.inbox.model import ItemFilter
from veille.models import Author, Post
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic

from .conftest import Served, csrf_from


def _two_items(served: Served) -> list[int]:
    with served.workspace() as ws:
        add_topic(ws.store, "snoozy", "lumio", inbox=True)
        posts = [
            Post.create(platform="mastodon", native_id=f"s{i}", text=f"lumio question {i}",
                        author=Author(f"asker{i}"), lang="en",
                        published_at=datetime(2026, 12, 1, 10, i, tzinfo=UTC))
            for i in range(2)
        ]  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
        return sorted(i.id for i in svc.list_items(ws.state, ItemFilter(limit=10)))


def _listed(client: httpx.Client, **params: str) -> set[int]:
    page = client.get("/inbox", params=params)
    assert page.status_code == 200
    return {int(n) for n in re.findall(r'name="ids" value="(\d+)"', page.text)}


def test_snooze_from_the_item_page_and_the_list_then_back_at_its_time(
    own_server: Served, login
) -> None:
    first, second = _two_items(own_server)
    with httpx.Client(base_url=own_server.url, timeout=30) as client:
        login(client, "analyst")
        page = client.get(f"/inbox/{first}")
        token = csrf_from(page.text)
        assert (
            "Snooze until" in page.text and "tomorrow at the start of the working day" in page.text
        )
        version = re.search(r'name="version" value="(\d+)"', page.text)
        assert version is not None
        done = client.post(
            f"/inbox/{first}/snooze",
            data={"csrf_token": token, "until": "tomorrow", "at": "", "version": version.group(1)},
        )
        assert done.status_code == 303
        item = client.get(f"/inbox/{first}").text
        assert "snoozed until" in item and "Unsnooze" in item
        assert _listed(client) == {second}
        snoozed = client.get("/inbox", params={"view": "snoozed"}).text
        assert f'value="{first}"' in snoozed and 'class="snoozed-until"' in snoozed

        # A time already past, typed: said on the page, nothing changed.
        past = client.post(
            f"/inbox/{second}/snooze",
            data={"csrf_token": token, "until": "at", "at": "2020-01-01T09:00"},
        )
        assert past.status_code == 400 and "that time is past" in past.text
        # The list's bulk action, a preset picked in the page's words.
        listed = client.get("/inbox").text
        assert 'value="snooze:3h"' in listed and "in 3 hours" in listed
        bulk = client.post(
            "/inbox/bulk",
            data={"csrf_token": token, "ids": [str(second)], "action": "snooze:3h", "value": ""},
        )
        assert bulk.status_code == 303
        assert _listed(client) == set()
        assert _listed(client, view="snoozed") == {first, second}

        # The scheduler's pass at the 3 hours' end: the second is back, open.
        with own_server.workspace() as ws:
            until = svc.get_item(ws.state, second).snoozed_until
            assert until is not None
            assert sn.wake_due(ws.state, int(until.timestamp())) == [second]
        assert _listed(client) == {second}
        history = client.get(f"/inbox/{second}").text
        # In words: until 2026-12-07 an English page said the code, "wake".
        assert "back from snooze" in history and "Unsnooze" not in history
        assert " wake<" not in history

        # Unsnoozed by hand: back now.
        client.post(f"/inbox/{first}/unsnooze", data={"csrf_token": token})
        assert _listed(client) == {first, second}

        # In French.
        client.post(
            f"/inbox/{first}/snooze", data={"csrf_token": token, "until": "monday", "at": ""}
        )
        client.cookies.set("veille_lang", "fr")
        french = client.get(f"/inbox/{first}", headers={"Accept-Language": "fr"}).text
        assert "en attente" in french and "Sortir de l’attente" in french
        assert "lundi prochain" in french
        assert "sortie de l’attente" in html.unescape(french)  # its unsnooze, in words


def test_a_snooze_typed_in_the_readers_zone_ends_then() -> None:
    """The page's typed time is read in the reader's zone (the service's
    presets and zones are in tests/inbox/test_snooze.py)."""
    from zoneinfo import ZoneInfo

    from veille.inbox.hours import WorkingTime

    hours = WorkingTime(tz=ZoneInfo("Europe/Paris"))
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    at = sn.snooze_time("2026-12-08T09:00", hours=hours, timezone="America/Montreal", now=now)
    assert at == datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
    assert at - now < timedelta(days=2)
