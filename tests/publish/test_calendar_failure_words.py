"""Why a calendar post failed, as veille said it (a token not set), is kept
as its sentence over both state stores: read back, it is the English text
as before for the command line and the API, and the web app says it in
French to a French reader (the list said « Non publié : account 'x': the
environment variable … is not set »). A platform's own words stay as they came."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import init_state_workspace, to_come
from veille.errors import translated
from veille.publish import add_account
from veille.publish import calendar as cal
from veille.web.i18n import load_translations
from veille.workspace import Workspace


def test_a_failure_veille_explains_is_kept_to_be_said_in_french(
    tmp_path: Path, state_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEILLE_UNSET_TOKEN_FOR_TEST", raising=False)
    root = init_state_workspace(tmp_path / "ws", state_kind)
    with Workspace.open(root) as ws:
        add_account(ws.state, "unset", "mastodon", "https://mastodon.example",
                    secret="env:VEILLE_UNSET_TOKEN_FOR_TEST")  # fmt: skip
        entry = cal.add_entry(ws.state, ws.settings, account="unset", text="Bonjour",
                              at=to_come(datetime(2030, 1, 2, 9, 0, tzinfo=UTC)))  # fmt: skip
        cal.publish_due(ws.state, ws.settings, only=entry.id)
        kept = ws.state.calendar_entry(entry.id)
        listed = [e for e in ws.state.calendar_entries() if e.id == entry.id]
    assert kept is not None and kept.status == "failed"
    english = "account 'unset': the environment variable VEILLE_UNSET_TOKEN_FOR_TEST is not set"
    assert kept.error == english and listed[0].error == english
    french = translated(kept.error, load_translations()["fr"].gettext, "fr")
    assert " ".join(french.replace("\u202f", " ").split()) == (
        "compte « unset » : la variable d’environnement VEILLE_UNSET_TOKEN_FOR_TEST "
        "n’est pas définie"
    )
