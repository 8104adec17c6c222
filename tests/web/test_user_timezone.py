"""Each user's own time zone: a team spread over Montréal and Paris shares a
workspace whose ``[workspace] timezone`` is Paris's, and the Montréal
member reads every time on the pages on her own clock (set on her settings
page, or by an admin with ``veille user zone``); a zone that is not one is
refused, naming it. Real HTTP on loopback, the real CLI."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tests.conftest import make_post
from tests.web.conftest import Served, csrf_from, do_login, serve
from tests.web.server import add_test_user
from veille.cli import build_app
from veille.publish import add_account
from veille.publish.calendar import list_entries
from veille.workspace import CONFIG_NAME, Workspace, init_workspace

# 08:00 UTC on a winter day: 09:00 in Paris (UTC+1), 03:00 in Montréal (UTC-5).
PUBLISHED = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
STREAM = "/stream?since=2026-01-15&until=2026-01-15"
NEXT_YEAR = datetime.now(UTC).year + 1  # a calendar post's time is to come
_TIME = re.compile(r'<time datetime="2026-01-15T08:00:00\+00:00">([^<]*)</time>')


def _paris_workspace(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws")
    path = root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    assert '# timezone = "UTC"' in text, "the [workspace] template changed"
    path.write_text(text.replace('# timezone = "UTC"', 'timezone = "Europe/Paris"', 1), "utf-8")
    with Workspace.open(root) as ws:
        for name in ("louis", "marie"):
            add_test_user(ws.state, name, f"{name}-secret-pass", "admin")
        ws.posts.upsert_posts([make_post("tz1", "La fibre arrive à Lyon", published_at=PUBLISHED)])
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example", secret="env:X")
    return root


def _shown_time(client: httpx.Client) -> str:
    page = client.get(STREAM)
    assert page.status_code == 200, page.text[:2000]
    found = _TIME.findall(page.text)
    assert found, "the post is not on the stream"
    return html.unescape(found[0])


def _calendar_time(client: httpx.Client) -> str:
    """The time the calendar's list gives its one post."""
    page = html.unescape(client.get("/plan/calendar").text)
    found = re.search(rf'<td class="when">(\d+ janv\. {NEXT_YEAR}[^<]*)</td>', page)
    assert found, page[-3000:]
    return found.group(1)


@contextmanager
def _signed_in(served: Served, name: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=30, cookies={"veille_lang": "fr"}) as client:
        assert do_login(client, name, f"{name}-secret-pass").status_code == 303
        yield client


def test_one_post_at_nine_in_paris_is_at_three_for_the_montreal_member(tmp_path: Path) -> None:
    root = _paris_workspace(tmp_path)
    served, server = serve(root)
    try:
        with _signed_in(served, "louis") as louis, _signed_in(served, "marie") as marie:
            assert "09:00" in _shown_time(louis) and "09:00" in _shown_time(marie)
            page = marie.get("/settings")
            assert 'id="zone-choice"' in page.text
            # The one line saying whose days the dashboards count.
            assert "Europe/Paris" in html.unescape(page.text.split('id="zone-days"')[1][:400])
            saved = marie.post(
                "/settings/timezone",
                data={"timezone": "America/Montreal", "csrf_token": csrf_from(page.text)},
            )
            assert saved.status_code == 303
            assert "03:00" in _shown_time(marie)
            assert "09:00" in _shown_time(louis)  # the workspace's, for whoever chose none
            shown = marie.get("/settings").text
            assert 'value="America/Montreal"' in shown
            listed = louis.get("/users").text  # the admins' list of accounts
            assert "<td>America/Montreal</td>" in listed and "Fuseau horaire" in listed
            # Her calendar's form reads the time she types on her clock, and
            # the calendar shows it back so: 09:00 in Montréal is 15:00 in Paris.
            calendar = marie.get("/plan/calendar").text
            assert "(fuseau horaire\u202f: America/Montreal)" in html.unescape(calendar)
            form = {"csrf_token": csrf_from(calendar), "account": "masto", "text": "Bonjour",
                    "at": f"{NEXT_YEAR}-01-20T09:00", "action": "save"}  # fmt: skip
            assert marie.post("/plan/calendar", data=form).status_code == 303
            with Workspace.open(root) as ws:
                (entry,) = list_entries(ws.state)
            assert entry.scheduled_at == datetime(NEXT_YEAR, 1, 20, 14, 0, tzinfo=UTC)
            assert "09:00" in _calendar_time(marie) and "15:00" in _calendar_time(louis)

            # A zone that is none: refused, named, with an example; nothing changed.
            bad = marie.post(
                "/settings/timezone",
                data={"timezone": "Amerique/Montreal", "csrf_token": csrf_from(shown)},
            )
            said = html.unescape(bad.text)
            assert bad.status_code == 400, said[-3000:]
            assert "fuseau horaire inconnu «\u202fAmerique/Montreal\u202f»" in said
            assert "America/Toronto" in said
            assert 'value="Amerique/Montreal"' in bad.text  # kept, to correct
            assert "03:00" in _shown_time(marie)

            # Emptied: the workspace's again.
            back = marie.post(
                "/settings/timezone",
                data={"timezone": "", "csrf_token": csrf_from(marie.get("/settings").text)},
            )
            assert back.status_code == 303
            assert "09:00" in _shown_time(marie)
    finally:
        server.stop()
    with Workspace.open(root) as ws:
        assert ws.state.get_user("marie").timezone == ""  # type: ignore[union-attr]


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_an_admin_sets_a_members_zone_from_the_command_line(tmp_path: Path) -> None:
    root = _paris_workspace(tmp_path)
    ws_opt = ("--workspace", str(root))
    code, said = _cli("user", "zone", "Marie", "America/Toronto", *ws_opt)
    assert code == 0, said
    assert "user marie now reads times in America/Toronto." in said
    code, said = _cli("--language", "fr", "user", "list", *ws_opt, "-f", "json")
    assert code == 0, said
    zones = {u["username"]: u["timezone"] for u in json.loads(said)}
    assert zones == {"louis": "", "marie": "America/Toronto"}
    served, server = serve(root)
    try:
        with _signed_in(served, "marie") as marie:
            assert "03:00" in _shown_time(marie)
    finally:
        server.stop()

    # A bad zone: a usage error (exit 2) naming it, with an example; nothing changed.
    code, said = _cli("user", "zone", "marie", "Europe/Pariss", *ws_opt)
    assert code == 2, said
    assert "unknown time zone 'Europe/Pariss'" in said and "Europe/Paris" in said
    code, said = _cli("--language", "fr", "user", "zone", "marie", "Mars/Olympus", *ws_opt)
    assert code == 2 and "fuseau horaire inconnu «\u202fMars/Olympus\u202f»" in said, said
    # Nobody by that name: said so.
    code, said = _cli("user", "zone", "nobody", "Europe/Paris", *ws_opt)
    assert code != 0 and "no user named 'nobody'" in said
    with Workspace.open(root) as ws:
        assert ws.state.get_user("marie").timezone == "America/Toronto"  # type: ignore[union-attr]

    # Emptied: the workspace's, named.
    code, said = _cli("user", "zone", "marie", "", *ws_opt)
    assert code == 0, said
    assert "the workspace's time zone (Europe/Paris)" in said
    code, said = _cli("user", "list", *ws_opt)
    assert code == 0 and "timezone" in said


def test_the_dashboards_days_stay_the_workspaces_for_the_montreal_member(tmp_path: Path) -> None:
    """A post at 00:30 on 15 January in Paris is 18:30 on the 14th in
    Montréal: the dashboard counts it on Paris's 15 January for both
    readers (its days are the workspace's), and names that day so for both
    (named on Montréal's clock, each day read as the one before)."""
    from zoneinfo import ZoneInfo

    from veille.query.topics import add_topic
    from veille.services import users

    root = _paris_workspace(tmp_path)
    paris = ZoneInfo("Europe/Paris")
    with Workspace.open(root) as ws:
        add_topic(ws.store, "fibre", "fibre")
        late = datetime(2026, 1, 15, 0, 30, tzinfo=paris)
        ws.store.upsert_posts([make_post("tz2", "La fibre, enfin", published_at=late)])
        users.set_timezone(ws.state, "marie", "America/Montreal")
    served, server = serve(root)
    served.app.state.workspace.clock = lambda: datetime(2026, 1, 16, 12, 0, tzinfo=paris)
    day = '<th scope="row" class="when">{}</th><td>{}</td>'  # the posts per day, as a table
    try:
        for name in ("louis", "marie"):
            with _signed_in(served, name) as client:
                page = client.get("/?period=last-7d")
                assert page.status_code == 200, page.text[:2000]
                # Both posts (the earlier one too, 09:00 in Paris) on Paris's 15th.
                assert day.format("15 janvier 2026", 2) in page.text, name
                assert day.format("14 janvier 2026", 0) in page.text, name
    finally:
        server.stop()
