"""The publishing commands said in French to a French reader: `veille
publish account add|remove`, `publish now` and `calendar approve|remove`
said what they did in English until 2026-12-06 (see
tests/test_cli_output_french.py for the other commands)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from typer.testing import CliRunner

from tests.conftest import to_come
from veille.cli import build_app
from veille.sim.server import Simulator
from veille.workspace import Workspace

# A time to come, whatever the year the tests run.
LATER = f"{to_come(datetime(2030, 1, 1, 9, 0)):%Y-%m-%d %H:%M}"
NBSP = "\u202f"


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch, workspace: Workspace):
    """``veille`` in this process, in ``workspace``, its locale French
    unless ``env`` says otherwise."""
    for name in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    app, runner = build_app(), CliRunner()
    w = ["--workspace", str(workspace.root)]

    def invoke(*args: str, env: dict[str, str] | None = None):
        done = runner.invoke(app, [*args, *w], env={"LANG": "fr_FR.UTF-8", **(env or {})})
        assert "Traceback" not in done.output
        assert done.exit_code == 0, done.output
        return re.sub(r"[ \n]+", " ", done.output)  # (U+202F kept: str.split() drops it)

    return invoke


def test_publishing_commands_are_said_in_french(
    french, sim: Simulator, workspace: Workspace
) -> None:
    """`LANG=fr_FR.UTF-8 veille publish account add` said « account m
    (mastodon, …) added. », `calendar approve` « #1 approved by marie; it
    goes out at its time. », `publish now` « published on Mastodon: … »."""
    url = sim.url("mastodon", "").rstrip("/")
    added = french("publish", "account", "add", "m", "--platform", "mastodon", "--url", url,
                   "--secret", "sim-mastodon-token")  # fmt: skip
    assert (
        f"Compte de publication m (Mastodon, {url}) ajouté{NBSP}; son serveur autorise 500 "
        "caractères." in added
    ), added
    sim.host("mastodon").state["max_characters"] = 1200
    try:  # the limit the account's instance announces, its thousands the French way
        big = french("publish", "account", "add", "big", "--platform", "mastodon", "--url", url,
                     "--secret", "sim-mastodon-token")  # fmt: skip
    finally:
        del sim.host("mastodon").state["max_characters"]
    assert f"ajouté{NBSP}; son serveur autorise 1{NBSP}200 caractères." in big, big
    # Where posts wait for approval (elsewhere a post is scheduled: nothing to approve).
    toml = workspace.root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    assert "# require_approval = false\n# How often `veille run` publishes" in text
    toml.write_text(text.replace("# require_approval = false\n# How often `veille run` publishes",
                                 "require_approval = true\n# How often `veille run` publishes"),
                    encoding="utf-8")  # fmt: skip
    french("calendar", "add", "-a", "m", "--at", LATER, "Bonjour")
    approved = french("calendar", "approve", "1", "--by", "marie")
    assert f"Publication n°{NBSP}1 approuvée par marie{NBSP}; elle partira à son heure." in approved
    assert f"Publication n°{NBSP}1 retirée du calendrier." in french("calendar", "remove", "1")
    dry = french("publish", "now", "-a", "m", "Tout de suite", "--dry-run")
    assert f"essai à blanc, rien n’a été envoyé{NBSP}:" in dry, dry
    now = french("publish", "now", "-a", "m", "Tout de suite")
    assert f"publié sur Mastodon{NBSP}: {url}" in now, now
    assert "Compte de publication big supprimé." in french("publish", "account", "remove", "big")
    english = french("--language", "en", "publish", "account", "remove", "m")
    assert "account m removed." in english, english


def test_calendar_publish_says_each_result_in_french(french, sim: Simulator) -> None:
    """`veille calendar publish` printed « #1 dry-run: would publish on
    mastodon as m …: 'Bonjour' » and « #1 published: URL » to a French
    reader; an account gone since: « #2 failed: no account 'gone' »."""
    url = sim.url("mastodon", "").rstrip("/")
    french("publish", "account", "add", "m", "--platform", "mastodon", "--url", url,
           "--secret", "sim-mastodon-token")  # fmt: skip
    french("calendar", "add", "-a", "m", "--at", "2026-01-01 09:00", "--yes", "Bonjour")
    dry = french("calendar", "publish", "--dry-run")
    assert (
        f"Publication n°{NBSP}1, essai à blanc{NBSP}: serait publiée sur Mastodon en tant que m "
        "(POST " in dry
    ), dry
    assert f"{NBSP}: «{NBSP}Bonjour{NBSP}»" in dry and "would publish" not in dry
    done = french("calendar", "publish")
    assert f"Publication n°{NBSP}1 publiée{NBSP}: {url}" in done, done
    assert "rien à publier pour l’instant." in french("calendar", "publish")
    english = french("--language", "en", "calendar", "publish", "--dry-run")
    assert "nothing due." in english, english


GUIDELINES = """+++
forbidden_words = ["free"]
+++
# Notre charte
"""


def test_a_post_held_back_says_its_problems_in_french(french, workspace: Workspace,
                                                     sim: Simulator) -> None:  # fmt: skip
    """A post the guidelines rule out after it was scheduled is held back:
    `veille --language fr calendar publish` said why in English (« The
    guidelines rule out 'free': rephrase. ») inside its French sentence, and
    `calendar list` too."""
    from veille.plan.people import set_guidelines

    url = sim.url("mastodon", "").rstrip("/")
    french("publish", "account", "add", "m", "--platform", "mastodon", "--url", url,
           "--secret", "sim-mastodon-token")  # fmt: skip
    french("calendar", "add", "-a", "m", "--at", "2026-01-01 09:00", "--yes", "free coffee")
    set_guidelines(workspace.state, GUIDELINES, "# Notre charte\n")
    held = french("--language", "fr", "calendar", "publish", env={"LANG": "C.UTF-8"})
    assert f"Publication n°{NBSP}1 retenue" in held and "rule out" not in held, held
    assert f"vérifications (La charte exclut « free »{NBSP}: reformulez.)" in held, held
    listed = french("--language", "fr", "calendar", "list", "--full", env={"COLUMNS": "300"})
    assert "rule out" not in listed and "no longer passes" not in listed, listed
    assert "La charte exclut « free »" in listed, listed
    added = french("--language", "fr", "calendar", "add", "-a", "m", "--at", LATER,
                   "free tea", env={"LANG": "C.UTF-8"})  # fmt: skip
    assert "guideline_forbidden_word: La charte exclut « free »" in added, added
    # A script's CSV keeps the English it always read.
    csv = french("--language", "fr", "calendar", "list", "--format", "csv")
    assert "no longer passes the checks" in csv, csv
    english = french("--language", "en", "calendar", "list", "--full", env={"COLUMNS": "300"})
    assert "The guidelines rule out 'free': rephrase." in english, english


def test_a_platform_busy_is_said_in_french(
    monkeypatch: pytest.MonkeyPatch, workspace: Workspace, sim: Simulator
) -> None:
    """A platform answering 503 to `veille publish now` was told to a French
    reader half in English, « Mastodon a refusé the status (HTTP 503) :
    Service unavailable The platform is busy or failing; veille tries again
    later. »: what was refused and the hint are in French too."""
    for name in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    app, runner = build_app(), CliRunner()
    w = ["--workspace", str(workspace.root)]
    url = sim.url("mastodon", "").rstrip("/")
    added = runner.invoke(app, ["publish", "account", "add", "m", "--platform", "mastodon",
                                "--url", url, "--secret", "sim-mastodon-token", *w])  # fmt: skip
    assert added.exit_code == 0, added.output
    sim.host("mastodon").faults.error_next = 100
    try:
        busy = runner.invoke(app, ["--language", "fr", "publish", "now", "-a", "m", "Salut", *w])
    finally:
        sim.host("mastodon").faults.error_next = 0
    said = re.sub(r"[ \n]+", " ", busy.output)
    assert busy.exit_code != 0 and "Traceback" not in said, said
    assert f"Mastodon a refusé le message (HTTP 503){NBSP}:" in said, said
    assert f"La plateforme est surchargée ou en panne{NBSP}; veille réessaiera plus tard." in said
    assert "The platform is busy" not in said


def test_account_test_says_whether_the_token_works_posting_nothing(
    monkeypatch: pytest.MonkeyPatch, workspace: Workspace, sim: Simulator
) -> None:
    """`veille publish account test` asks the server who the token is: the
    one the page's Test button asks (one service), said in French, nothing
    posted; a refused token exits 1 with Mastodon's words, never the token."""
    for name in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    app, runner = build_app(), CliRunner()
    w = ["--workspace", str(workspace.root)]
    url = sim.url("mastodon", "").rstrip("/")
    for name, secret in (("m", "sim-mastodon-token"), ("old", "revoked-token-42")):
        added = runner.invoke(app, ["publish", "account", "add", name, "--platform", "mastodon",
                                    "--url", url, "--secret", secret, *w])  # fmt: skip
        assert added.exit_code == 0, added.output
    statuses = len(sim.world.by_platform["mastodon"])
    works = runner.invoke(app, ["--language", "fr", "publish", "account", "test", "m", *w])
    said = re.sub(r"[ \n]+", " ", works.output)
    assert works.exit_code == 0, said
    assert (
        f"fonctionne{NBSP}: son serveur le connaît comme @lumio{NBSP}; rien n’a été publié" in said
    )
    stale = runner.invoke(app, ["--language", "fr", "publish", "account", "test", "old", *w])
    said = re.sub(r"[ \n]+", " ", stale.output)
    assert stale.exit_code == 1 and "Traceback" not in said, said
    assert "Mastodon a refusé le jeton du compte (HTTP 401)" in said, said
    assert "revoked-token-42" not in said
    assert len(sim.world.by_platform["mastodon"]) == statuses


def test_calendar_statuses_are_said_in_words(french, sim: Simulator, workspace: Workspace) -> None:
    """`veille calendar add|edit|list` showed a post's status as its code
    (« #1 m … scheduled ») to a French reader too, and `calendar publish`
    of a draft « la publication n° 2 est à l’état draft »; they say it in
    words as the calendar's page does (« programmé », « brouillon »), CSV
    and JSON keep the codes that `--status` takes."""
    url = sim.url("mastodon", "").rstrip("/")
    french("publish", "account", "add", "m", "--platform", "mastodon", "--url", url,
           "--secret", "sim-mastodon-token")  # fmt: skip
    added = french("calendar", "add", "-a", "m", "--at", LATER, "Bonjour")
    assert f"#1 m {LATER} (heure en UTC) programmé" in added, added
    edited = french("calendar", "edit", "1", "--text", "Bonjour à tous")
    assert f"#1 m {LATER} (heure en UTC) programmé" in edited, edited
    listed = french("calendar", "list", "--status", "scheduled")
    assert "programmé" in listed and "scheduled" not in listed, listed
    english = french("--language", "en", "calendar", "list")
    assert "scheduled" in english and "programmé" not in english, english
    assert '"status": "scheduled"' in french("calendar", "list", "--format", "json")
    assert ",scheduled," in french("calendar", "list", "--format", "csv")
    too_long = french("calendar", "add", "-a", "m", "--at", LATER, "z" * 600)
    assert f"#2 m {LATER} (heure en UTC) brouillon" in too_long, too_long
    refused = CliRunner().invoke(build_app(), ["--language", "fr", "calendar", "publish", "2",
                                               "--workspace", str(workspace.root)])  # fmt: skip
    assert refused.exit_code == 2, refused.output
    assert f"la publication n°{NBSP}2 est à l’état brouillon" in refused.output, refused.output
