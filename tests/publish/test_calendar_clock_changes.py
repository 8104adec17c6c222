"""A calendar post's time typed without an offset on the nights the clocks
change: one the clock shows twice (Europe/Paris 25 October 2026 02:00-03:00,
America/Montreal 1 November 2026 01:00-02:00) was saved as the first of the
two without a word, and one it never shows (Paris 29 March 2026 02:30,
Montreal 8 March 2026 02:30) an hour later than typed. Both are refused,
naming the change and how to say which; an explicit offset is taken. Over
the service, ``veille calendar add`` and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.web.server import add_role_users
from veille.cli import build_app
from veille.errors import UnclearTime
from veille.publish import add_account
from veille.publish.calendar import add_entry
from veille.web.app import create_app
from veille.workspace import Workspace, init_workspace

# The workspace's clock, pinned a while before both nights of each zone.
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _workspace(tmp_path: Path, zone: str) -> Path:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{zone}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example",
                    secret="env:DST_MASTO_TOKEN")  # fmt: skip
    return root


@pytest.mark.parametrize(
    ("zone", "typed", "said"),
    [
        ("Europe/Paris", "2026-10-25 02:30",
         "time (--at) 2026-10-25 02:30 happens twice in Europe/Paris: that night the clocks go "
         "back from 03:00 to 02:00, so it comes at UTC+02:00, then at UTC+01:00"),
        ("America/Montreal", "2026-11-01T01:30",
         "time (--at) 2026-11-01 01:30 happens twice in America/Montreal: that night the clocks "
         "go back from 02:00 to 01:00, so it comes at UTC-04:00, then at UTC-05:00"),
        ("Europe/Paris", "2026-03-29 02:30",
         "time (--at) 2026-03-29 02:30 does not happen in Europe/Paris: that night the clocks "
         "go forward from 02:00 to 03:00"),
        ("America/Montreal", "2026-03-08 02:30",
         "time (--at) 2026-03-08 02:30 does not happen in America/Montreal: that night the "
         "clocks go forward from 02:00 to 03:00"),
    ],
)  # fmt: skip
def test_a_time_the_clock_shows_twice_or_never_is_refused(
    tmp_path: Path, zone: str, typed: str, said: str
) -> None:
    root = _workspace(tmp_path, zone)
    with Workspace.open(root) as ws:
        with pytest.raises(UnclearTime) as refused:
            add_entry(ws.state, ws.settings, account="masto", text="Bonjour", at=typed, now=NOW)
        assert refused.value.message == said
        assert ws.state.calendar_entries() == []  # nothing saved at a guessed time
    if "twice" in said:
        first, second = refused.value.offsets
        shown = typed.replace("T", " ")
        assert refused.value.hint == f"Say which: write {shown}{first} or {shown}{second}."
    else:
        assert refused.value.hint == "Give a time before 02:00 or from 03:00 on."


def test_an_offset_says_which_of_the_two_is_meant(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "Europe/Paris")
    with Workspace.open(root) as ws:
        summer = add_entry(ws.state, ws.settings, account="masto", text="Été",
                           at="2026-10-25 02:30+02:00", now=NOW)  # fmt: skip
        winter = add_entry(ws.state, ws.settings, account="masto", text="Hiver",
                           at="2026-10-25 02:30+01:00", now=NOW)  # fmt: skip
        # The hours either side of the night are read as before.
        before = add_entry(ws.state, ws.settings, account="masto", text="Avant",
                           at="2026-10-25 01:59", now=NOW)  # fmt: skip
        after = add_entry(ws.state, ws.settings, account="masto", text="Après",
                          at="2026-10-25 03:00", now=NOW)  # fmt: skip
    assert summer.scheduled_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert winter.scheduled_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert before.scheduled_at == datetime(2026, 10, 24, 23, 59, tzinfo=UTC)
    assert after.scheduled_at == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


def test_veille_calendar_add_refuses_it_without_asking_to_save_anyway(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "Europe/Paris")
    runner = CliRunner()
    for extra in ([], ["--yes"]):
        args = ["calendar", "add", "-a", "masto", "--at", "2026-10-25 02:30", *extra]
        r = runner.invoke(build_app(), [*args, "Bonjour", "-w", str(root)])
        assert r.exit_code == 2, r.output
        flat = " ".join(r.output.split())
        assert "2026-10-25 02:30 happens twice in Europe/Paris" in flat, r.output
        assert "write 2026-10-25 02:30+02:00 or 2026-10-25 02:30+01:00" in flat, r.output
        assert "Save it anyway" not in r.output
    with Workspace.open(root) as ws:
        assert ws.state.calendar_entries() == []


def test_the_api_refuses_it_in_the_readers_language_and_takes_an_offset(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "America/Montreal")
    tokens = add_role_users(root)
    app = create_app(root)
    app.state.workspace.clock = lambda: NOW
    bearer = {"Authorization": f"Bearer {tokens['analyst']}"}
    body = {"account": "masto", "text": "Bonjour", "at": "2026-11-01 01:30"}
    with TestClient(app) as c:
        refused = c.post("/api/v1/calendar", headers=bearer, json=body)
        french = c.post("/api/v1/calendar", json=body,
                        headers={**bearer, "Accept-Language": "fr"})  # fmt: skip
        gap = c.post("/api/v1/calendar", headers={**bearer, "Accept-Language": "fr"},
                     json={**body, "at": "2026-03-08 02:30"})  # fmt: skip
        made = c.post(
            "/api/v1/calendar", headers=bearer, json={**body, "at": "2026-11-01 01:30-05:00"}
        )
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert "time (at) 2026-11-01 01:30 happens twice in America/Montreal" in error["message"]
    assert "write 2026-11-01 01:30-04:00 or 2026-11-01 01:30-05:00" in error["hint"]
    said = french.json()["error"]
    assert (
        "l’heure (at) 2026-11-01 01:30 arrive deux fois dans le fuseau America/Montreal"
        in (said["message"])
    ), said
    assert "les horloges reculent de 02:00 à 01:00" in said["message"], said
    assert "écrivez 2026-11-01 01:30-04:00 ou 2026-11-01 01:30-05:00" in said["hint"], said
    assert gap.status_code == 400
    assert "les horloges passent de 02:00 à 03:00" in gap.json()["error"]["message"]
    assert made.status_code == 201, made.text
    assert datetime.fromisoformat(made.json()["at"]) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_a_since_or_until_the_clock_shows_twice_is_refused_naming_the_option(
    tmp_path: Path,
) -> None:
    """``veille stats --since 2026-10-25T02:30`` in a Paris workspace read
    the first 02:30 without a word; a date alone (its midnight) or a time
    with its offset are read as before."""
    root = _workspace(tmp_path, "Europe/Paris")
    runner = CliRunner()
    app = build_app()
    w = ["-w", str(root)]
    twice = runner.invoke(app, ["stats", "--since", "2026-10-25T02:30", *w])
    assert twice.exit_code == 2, twice.output
    flat = " ".join(twice.output.split())
    assert "--since 2026-10-25 02:30 happens twice in Europe/Paris" in flat, twice.output
    assert "write 2026-10-25 02:30+02:00 or 2026-10-25 02:30+01:00" in flat, twice.output
    never = runner.invoke(app, ["stats", "--until", "2026-03-29 02:30", *w])
    assert never.exit_code == 2, never.output
    assert "clocks go forward from 02:00 to 03:00" in " ".join(never.output.split())
    for fine in ("2026-10-25", "2026-10-25T02:30+01:00", "2026-10-25T03:00"):
        r = runner.invoke(app, ["stats", "--since", fine, *w])
        assert r.exit_code == 0, (fine, r.output)


def test_calendar_add_and_edit_say_the_zone_of_the_time_they_show(tmp_path: Path) -> None:
    """`veille calendar add|edit` ended "#1 masto 2030-01-01 09:00 scheduled":
    the workspace's clock, unsaid, where `calendar list` titles its table
    "Calendar (times in America/Montreal)". The line names the zone too."""
    from tests.conftest import to_come

    root = _workspace(tmp_path, "America/Montreal")
    later = f"{to_come(datetime(2030, 1, 1, 9, 0)):%Y-%m-%d %H:%M}"
    runner = CliRunner()
    w = ["-w", str(root)]
    added = runner.invoke(
        build_app(), ["calendar", "add", "-a", "masto", "--at", later, "Bonjour", *w]
    )
    assert added.exit_code == 0, added.output
    said = " ".join(added.output.split())
    assert f"#1 masto {later} (time in America/Montreal) " in said, added.output
    edited = runner.invoke(
        build_app(), ["--language", "fr", "calendar", "edit", "1", "--text", "Salut", *w]
    )
    assert edited.exit_code == 0, edited.output
    said = " ".join(edited.output.split())
    assert f"#1 masto {later} (heure en America/Montreal) " in said, edited.output
