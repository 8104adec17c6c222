"""The plan's pages name a platform as a reader writes it, in English and
French: the channel's heading, its row in the cost and the audience, its
owner, a KPI measured there, the choices of a form and what a change says.
The key (``mastodon``) stays where it is a value: a form's ``value``, a
hidden field."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx

from tests.web.conftest import Served, csrf_from
from tests.web.test_pages_plan import form, new_org, start_plan

__all__ = ["new_org"]  # the fixture, used by name


def _shown(page: str) -> str:
    """The page's text as read: no tags, no attribute values."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", page)).split())


def test_the_plan_pages_name_platforms_as_written(
    new_org: Served, login: Callable[..., httpx.Response]
) -> None:
    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        assert start_plan(client, channels=["mastodon", "hackernews"]).status_code == 303
        owner = {"username": "analyst", "role": "channel_owner", "platform": "hackernews"}
        assert form(client, "/plan/edit", "/plan/people", owner).status_code == 303
        kpi = {"name": "karma", "kind": "followers", "target": "500", "platform": "hackernews"}
        assert form(client, "/plan/edit", "/plan/kpis", kpi).status_code == 303
        saved = form(client, "/plan/edit", "/plan/channels", {"platform": "bluesky"})
        assert saved.status_code == 303, saved.text
        assert "Channel Bluesky saved." in _shown(client.get(saved.headers["location"]).text)
        said = {}
        for lang in ("en", "fr"):
            token = csrf_from(client.get("/plan").text)
            client.post("/language", data={"csrf_token": token, "lang": lang, "next": "/plan"})
            said[lang] = (client.get("/plan").text, client.get("/plan/edit").text)
    (plan, edit), (plan_fr, edit_fr) = said["en"], said["fr"]
    assert '<th scope="row">Hacker News (@lumio_hq)</th>' in plan  # the channels
    assert '<th scope="row">Hacker News</th>' in plan  # the cost
    assert "owner of Hacker News" in _shown(plan)
    assert "responsable de Hacker News" in _shown(plan_fr)
    assert "Followers · Hacker News" in _shown(plan)
    assert "Abonnés · Hacker News" in _shown(plan_fr)
    assert "<h3>Hacker News</h3>" in edit and "<h3>Hacker News</h3>" in edit_fr
    assert '<option value="hackernews">Hacker News</option>' in edit  # the key is the value
    assert '<input type="hidden" name="platform" value="hackernews">' in edit
    assert 'aria-label="Canal Hacker News"' in edit_fr
    assert "Remove Hacker News" in _shown(edit)
    for page in (plan, edit, plan_fr, edit_fr):
        text = _shown(page)
        for key in ("hackernews", "mastodon", "bluesky"):
            assert key not in text, (key, text[text.find(key) - 80 : text.find(key) + 80])
