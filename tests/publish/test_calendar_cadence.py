"""The calendar beside the channel plan, from the command line: a week
that holds more posts on a platform than the channel's posts a week is
said when a post is saved there (in the reader's language), and the post
is saved all the same; a status the list does not know is refused."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from tests.conftest import to_come
from veille.cli import build_app
from veille.publish import add_account
from veille.workspace import Workspace

NNBSP = "\u202f"


@pytest.fixture
def veille(monkeypatch: pytest.MonkeyPatch, workspace: Workspace):
    """``veille`` in this process, in ``workspace``, in ``LANG``'s language."""
    for name in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    app, runner = build_app(), CliRunner()

    def invoke(*args: str, lang: str = "en_US.UTF-8", status: int = 0) -> str:
        done = runner.invoke(app, [*args, "--workspace", str(workspace.root)],
                             env={"LANG": lang})  # fmt: skip
        assert "Traceback" not in done.output
        assert done.exit_code == status, done.output
        return re.sub(r"[ \n]+", " ", done.output)

    return invoke


def test_a_week_over_the_channel_plan_is_warned_and_saved(veille, workspace: Workspace) -> None:
    from veille.plan.channels import set_channel

    add_account(workspace.state, "m", "mastodon", "https://mastodon.example", secret="env:M")
    set_channel(workspace.state, "mastodon", posts_per_week=2)
    # A Monday to come, whatever the year the test runs; the workspace's time zone is UTC.
    monday = to_come(datetime(2030, 1, 7)).date()

    def on(days: int, hour: str) -> str:
        return f"{monday + timedelta(days=days)} {hour}"

    first = veille("calendar", "add", "-a", "m", "--at", on(0, "09:00"), "Un")
    second = veille("calendar", "add", "-a", "m", "--at", on(6, "23:00"), "Deux")
    assert "warning" not in first + second
    third = veille("calendar", "add", "-a", "m", "--at", on(2, "09:00"), "Trois")
    assert (
        f"warning: the week of {monday} now holds 3 posts on Mastodon, more than the 2 a "
        "week the channel plan sets" in third
    ), third
    assert "veille plan channel set PLATFORM --per-week N" in third
    # The next Monday is another week.
    assert "warning" not in veille("calendar", "add", "-a", "m", "--at", on(7, "00:00"), "4")
    moved = veille("calendar", "edit", "4", "--at", on(1, "10:00"), lang="fr_FR.UTF-8")
    assert (
        f"avertissement{NNBSP}: la semaine du {monday} compte maintenant 4 publications sur "
        f"Mastodon, plus que les 2 par semaine du plan des canaux{NNBSP}: déplacez-en une"
    ) in moved, moved
    assert [e.text for e in workspace.state.calendar_entries()] == ["Un", "4", "Trois", "Deux"]


def test_a_status_the_list_does_not_know_is_refused(veille, workspace: Workspace) -> None:
    refused = veille("calendar", "list", "--status", "sheduled", status=2)
    assert "'sheduled' is not a status of a calendar post" in refused
    assert "Did you mean 'scheduled'?" in refused
