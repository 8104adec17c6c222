"""``veille inbox …`` and ``veille rule …`` as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import CliRunner, veille_command
from tests.conftest import init_state_workspace

NBSP = "\u202f"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, state_kind: str):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.delenv("VEILLE_USER", raising=False)
    monkeypatch.chdir(tmp_path)
    app = veille_command()
    runner = CliRunner()

    def invoke(*args: str, code: int = 0, env: dict[str, str] | None = None):
        environ = {"VEILLE_WORKSPACE": str(tmp_path / "ws"), **(env or {})}
        result = runner.invoke(app, list(args), env=environ)
        assert result.exit_code == code, (result.output, result.exception)
        return result

    run = invoke
    init_state_workspace(tmp_path / "ws", state_kind)
    posts = tmp_path / "in.jsonl"
    posts.write_text(
        "\n".join(
            json.dumps({"platform": "mastodon", "id": str(i), "author": f"u{i}", "text": t,
                        "published_at": "2026-12-01T10:00:00Z"})
            for i, t in enumerate(["lumio is broken and awful", "lumio rocks", "unrelated"])
        )
    )  # fmt: skip
    run("topic", "add", "lumio", "lumio", "--inbox")
    run(
        "rule",
        "add",
        "angry",
        "--sentiment",
        "negative",
        "--priority",
        "urgent",
        "--tag",
        "complaint",
    )
    run("import", str(posts))
    return invoke


def _rows(result) -> list[dict]:
    return json.loads(result.stdout)


def test_list_assign_status_note_and_mine(run) -> None:
    rows = _rows(run("inbox", "list", "--format", "json"))
    assert len(rows) == 2
    angry = next(r for r in rows if r["text"].startswith("lumio is broken"))
    assert angry["priority"] == "urgent" and angry["tags"] == ["complaint"]
    item = str(angry["id"])
    run("inbox", "assign", item, "--to", "alice", "--as", "bob")
    run("inbox", "status", item, "in_progress", "--as", "alice")
    run("inbox", "note", item, "asked for their order number", "--as", "alice")
    mine = _rows(run("inbox", "list", "--mine", "--format", "json", env={"VEILLE_USER": "alice"}))
    assert [r["id"] for r in mine] == [angry["id"]] and mine[0]["status"] == "in_progress"
    shown = json.loads(run("inbox", "show", item, "--format", "json").stdout)
    assert ["bob", "assign", "alice"] in [
        [e["actor"], e["action"], e["detail"]] for e in shown["events"]
    ]
    assert any(e["action"] == "note" for e in shown["events"])
    run("inbox", "status", item, "closed")
    assert len(_rows(run("inbox", "list", "--format", "json"))) == 1
    closed = _rows(run("inbox", "list", "--status", "closed", "--format", "json"))
    assert [r["id"] for r in closed] == [angry["id"]]


def _cells(table: str, item: int) -> list[str]:
    """The cells of item ``item``'s first line in ``veille inbox list``'s table."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if cells[0] == str(item):
            return cells
    raise AssertionError(table)


def test_the_list_says_status_priority_and_due_in_words(run) -> None:
    """`veille inbox list`'s table is headed « état, priorité … échéance »
    for a French reader, but said its items' codes as they are stored: « new
    », « in_progress », « urgent », « ok », « due_soon », where `inbox status`
    said « en cours » and the web app « nouveau », « dans les temps ». Both
    in words now, in the reader's language; JSON keeps the codes."""
    rows = _rows(run("inbox", "list", "--format", "json"))
    angry = next(r for r in rows if r["priority"] == "urgent")
    other = next(r for r in rows if r["id"] != angry["id"])
    run("inbox", "status", str(angry["id"]), "in_progress")
    wide = {"COLUMNS": "3000"}
    french = run("inbox", "list", env={**wide, "LANG": "fr_FR.UTF-8"}).stdout
    assert _cells(french, angry["id"])[1:3] == ["en cours", "urgente"], french
    assert _cells(french, other["id"])[1:3] == ["nouveau", "normale"], french
    assert _cells(french, other["id"])[6] == "dans les temps", french
    english = run("inbox", "list", env={**wide, "LANG": "C.UTF-8"}).stdout
    assert _cells(english, angry["id"])[1:3] == ["in progress", "urgent"], english
    assert _cells(english, other["id"])[1:3] == ["new", "normal"], english
    coded = _rows(run("inbox", "list", "--format", "json", env={"LANG": "fr_FR.UTF-8"}))
    assert {(r["status"], r["priority"], r["due"]) for r in coded} == {
        ("in_progress", "urgent", "ok"), ("new", "normal", "ok")
    }  # fmt: skip
    # The state agrees with « échéance » (« tenu » until 2026-12-07), as a
    # priority with « la priorité » (« urgente » as « haute, normale »).
    run("inbox", "answered", str(other["id"]), "--link", "https://example.org/r/1", "--as", "a")
    answered = ("inbox", "list", "--status", "responded")
    french = run(*answered, env={**wide, "LANG": "fr_FR.UTF-8"}).stdout
    assert _cells(french, other["id"])[6] == "tenue", french
    english = run(*answered, env={**wide, "LANG": "C.UTF-8"}).stdout
    assert _cells(english, other["id"])[6] == "met", english


def test_errors_a_user_can_act_on(run) -> None:
    out = run("inbox", "list", "--mine", code=2).output
    assert "--as USER" in out and "VEILLE_USER" in out
    assert "is not an inbox status" in run("inbox", "status", "1", "finished", code=2).output
    assert "no inbox item 99" in run("inbox", "assign", "99", "--to", "x", code=2).output
    assert "no rule named 'nope'" in run("rule", "remove", "nope", code=2).output
    assert "already exists" in run("rule", "add", "angry", "--tag", "x", code=2).output
    assert "has no action" in run("rule", "add", "idle", "--sentiment", "negative", code=2).output


def test_rule_list_and_remove(run) -> None:
    rules = _rows(run("rule", "list", "--format", "json"))
    assert [(r["name"], r["runs"], r["error"]) for r in rules] == [("angry", 2, None)]
    # A rule's conditions and actions as fields with plain values, the same
    # keys on every rule and in every language (docs/inbox.md): until
    # 2026-12-07 one string each, as Python wrote them ("sentiments=['negative']",
    # "priority urgent, tag complaint"), for a script to parse.
    run("rule", "add", "night", "--when", "outside", "--min-followers", "1000",
        "--query", "lumio OR fibre", "--set-status", "ignored")  # fmt: skip
    for env in ({}, {"LANG": "fr_FR.UTF-8"}):
        angry, night = _rows(run("rule", "list", "--format", "json", env=env))
        assert angry == {
            "position": angry["position"], "name": "angry", "on": "new",
            "conditions": {"query": None, "sentiments": ["negative"], "min_followers": None,
                           "max_rank": None, "platforms": [], "languages": [], "when": None},
            "actions": [{"action": "tag", "value": "complaint"},
                        {"action": "priority", "value": "urgent"}],
            "runs": 2, "error": None, "error_at": None,
        }  # fmt: skip
        assert night["position"] > angry["position"], night
        assert night["conditions"] == {
            "query": "lumio OR fibre", "sentiments": [], "min_followers": 1000, "max_rank": None,
            "platforms": [], "languages": [], "when": "outside",
        }  # fmt: skip
        assert night["actions"] == [{"action": "status", "value": "ignored"}], night
    run("rule", "remove", "night")
    run("rule", "remove", "angry")
    assert _rows(run("rule", "list", "--format", "json")) == []


def test_bulk_tag_team_and_metrics(run) -> None:
    ids = [str(r["id"]) for r in _rows(run("inbox", "list", "--format", "json"))]
    run("inbox", "bulk", "tag", *ids, "--value", "week49")
    assert all("week49" in r["tags"] for r in _rows(run("inbox", "list", "--format", "json")))
    run("inbox", "team", "care", "alice", "bob")
    # One row per team, as every list prints them: an object {"care": […]} until 2026-12-07.
    assert _rows(run("inbox", "team", "--format", "json")) == [
        {"team": "care", "members": ["alice", "bob"]}
    ]
    report = json.loads(run("inbox", "metrics", "--by", "platform", "--format", "json").stdout)
    assert report["backlog"]["total"] == 2
    assert [g["platform"] for g in report["groups"]] == ["mastodon"]


def test_metrics_are_said_in_the_readers_language(run) -> None:
    """`veille inbox metrics` for a French reader was English from its
    headers (« person, items, backlog, first response (median) … ») to its
    line « backlog now: 2 open, 0 past their target. », its groups
    « (unassigned) », « urgent », « normal », a median not known « - »."""
    wide = {"COLUMNS": "3000"}
    french = run("inbox", "metrics", env={**wide, "LANG": "fr_FR.UTF-8"}).stdout
    heads = ["personne", "éléments", "en attente", "première réponse (médiane)",
             "répondus dans l’objectif", "résolution (médiane)"]  # fmt: skip
    assert [h.strip() for h in french.splitlines()[1].strip("┃ ").split("┃")] == heads, french
    assert "│ (non attribué) │ " in french and "│ – " in french, french
    assert f"\nà traiter maintenant{NBSP}: 2, dont 0 hors délai.\n" in french, french
    by = run("inbox", "metrics", "--by", "priority", env={**wide, "LANG": "fr_FR.UTF-8"}).stdout
    assert "┃ priorité " in by and "│ urgente " in by and "│ normale " in by, by
    english = run("inbox", "metrics", env={**wide, "LANG": "C.UTF-8"}).stdout
    assert "┃ person " in english and "│ (unassigned) │ " in english, english
    # The share is of the items answered; the late ones still waiting are said
    # below the table ("within target" read as if it counted them).
    assert "┃ answered within target ┃" in english, english
    assert "\nbacklog now: 2 open, 0 past their target.\n" in english, english
    assert "│ normal " in run("inbox", "metrics", "--by", "priority", env=wide).stdout


def test_teams_and_canned_responses_are_headed_in_the_readers_language(run) -> None:
    """`veille inbox team` and `inbox canned` were headed « team, members »
    and « name, lang, text » for a French reader too."""
    run("inbox", "team", "care", "alice", "bob")
    fr = {"COLUMNS": "3000", "LANG": "fr_FR.UTF-8"}
    teams = run("inbox", "team", env=fr).stdout
    # A team, not its round-robin: « équipe (tourniquet) » headed the list of
    # teams and the metrics by team; the rules' action is named « équipe » too.
    assert "┃ équipe ┃ membres " in teams and "│ care " in teams, teams
    by_team = run("inbox", "metrics", "--by", "team", env=fr).stdout
    assert "┃ équipe " in by_team and "tourniquet" not in by_team, by_team
    canned = run("inbox", "canned", env=fr).stdout
    assert "┃ nom " in canned and "┃ langue ┃ texte " in canned, canned
    english = run("inbox", "team", env={"COLUMNS": "3000", "LANG": "C.UTF-8"}).stdout
    assert "┃ team ┃ members " in english, english


def test_show_is_said_in_the_readers_language(run) -> None:
    """`veille inbox show` for a French reader: « #1 [assigned] urgent · …
    · assigned to alice », « history (times in UTC): » and « reply #1 by
    alice [outside]: … », English and codes in a French terminal (the
    platform by its name, as the pages say it, in both languages)."""
    item = str(next(r for r in _rows(run("inbox", "list", "-f", "json")) if r["id"] == 1)["id"])
    run("inbox", "assign", item, "--to", "alice")
    run("inbox", "answered", item, "--link", "https://example.org/reply/1", "--as", "alice")
    french = run("inbox", "show", item, env={"LANG": "fr_FR.UTF-8", "COLUMNS": "3000"}).stdout
    lines = french.splitlines()
    assert lines[0] == "#1 [répondu] urgente · Mastodon · @u0 · attribué à alice", french
    assert f"  historique (heures en UTC){NBSP}:" in lines, french
    answer = f"  réponse n°{NBSP}1 de alice [hors de veille]"
    assert any(line.startswith(answer) for line in lines), french
    english = run("inbox", "show", item, env={"LANG": "C.UTF-8", "COLUMNS": "3000"}).stdout
    assert english.startswith("#1 [responded] urgent · Mastodon · @u0 · assigned to alice\n")
    assert "  history (times in UTC):\n" in english and "  reply #1 by alice [outside]" in english


def test_answered_outside_counts_as_the_first_response(run) -> None:
    item = str(_rows(run("inbox", "list", "--format", "json"))[0]["id"])
    run("inbox", "answered", item, "--link", "https://example.org/reply/1", "--as", "alice")
    shown = json.loads(run("inbox", "show", item, "--format", "json").stdout)
    assert shown["status"] == "responded" and shown["first_response_at"]
    assert shown["replies"][0]["status"] == "outside"


def test_rule_edit_in_place(run) -> None:
    run("rule", "add", "quiet", "--platform", "reddit", "--tag", "later")
    out = run("rule", "edit", "angry", "--rename", "furious", "--team", "care",
              "--min-followers", "10", "--clear", "sentiment").stdout  # fmt: skip
    assert "rule furious changed: when At least this many followers: 10 → team care." in out
    rules = _rows(run("rule", "list", "--format", "json"))
    # Still first in the order, with its run count.
    assert [(r["name"], r["runs"]) for r in rules] == [("furious", 2), ("quiet", 0)]
    # A condition given replaces one; the actions stay when none is given.
    run("rule", "edit", "quiet", "--lang", "fr")
    quiet = _rows(run("rule", "list", "--format", "json"))[1]
    assert quiet["conditions"] == {
        "query": None, "sentiments": [], "min_followers": None, "max_rank": None,
        "platforms": ["reddit"], "languages": ["fr"], "when": None,
    }  # fmt: skip
    assert quiet["actions"] == [{"action": "tag", "value": "later"}]
    assert "no rule named 'nope'" in run("rule", "edit", "nope", "--tag", "x", code=2).output
    taken = run("rule", "edit", "quiet", "--rename", "furious", code=2).output
    assert "already exists" in taken
    assert "is not a condition" in run("rule", "edit", "quiet", "--clear", "mood", code=2).output


def test_an_escalation_rule_runs_on_items_past_their_target(run) -> None:
    out = run("rule", "add", "late", "--on", "breached", "--priority", "urgent",
              "--team", "leads").stdout  # fmt: skip
    assert "rule late added: when On an item past its target → priority urgent, team leads." in (
        out
    ), out
    late = _rows(run("rule", "list", "--format", "json"))[-1]
    assert (late["name"], late["on"]) == ("late", "breached")
    out = run("rule", "edit", "late", "--on", "due-soon", env={"LANG": "fr_FR.UTF-8"}).stdout
    assert "Pour un élément bientôt en retard" in out, out
    assert _rows(run("rule", "list", "--format", "json"))[-1]["on"] == "due_soon"
    # Editing other parts keeps its trigger.
    run("rule", "edit", "late", "--tag", "late")
    assert _rows(run("rule", "list", "--format", "json"))[-1]["on"] == "due_soon"
    bad = run("rule", "add", "later", "--on", "tomorrow", "--tag", "x", code=2).output
    assert "--on 'tomorrow' is not a trigger" in bad and "breached" in bad, bad


def test_show_gives_the_history_in_the_workspaces_time_zone(run, tmp_path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    config = tmp_path / "ws" / "veille.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            '# timezone = "UTC"', 'timezone = "Europe/Paris"', 1
        ),
        encoding="utf-8",
    )
    item = str(_rows(run("inbox", "list", "--format", "json"))[0]["id"])
    run("inbox", "note", item, "called them", "--as", "alice")
    shown = json.loads(run("inbox", "show", item, "--format", "json").stdout)
    at = datetime.fromisoformat(shown["events"][-1]["at"].replace("Z", "+00:00"))
    local = at.astimezone(ZoneInfo("Europe/Paris"))
    out = run("inbox", "show", item).stdout
    assert "times in Europe/Paris" in out, out
    assert f"{local:%Y-%m-%d %H:%M} alice note called them" in out, out


def test_removing_a_team_says_so(run) -> None:
    run("inbox", "team", "support", "alice", "bob")
    out = run("inbox", "team", "support").stdout
    assert out.strip() == "team support removed.", out
    assert _rows(run("inbox", "team", "--format", "json")) == []
    gone = run("inbox", "team", "support", code=2).output
    assert "no team named 'support'" in gone


def test_a_team_a_rule_assigns_to_is_not_removed(run) -> None:
    """Removed, the team left the rule that assigns round-robin within it
    failing on every item ("team 'support' has no members"), doing none of
    its actions (not even its tag), said only as the rule's last error.
    Refused now, naming the rule and how to change it."""
    run("inbox", "team", "support", "alice", "bob")
    run("rule", "add", "triage", "--platform", "mastodon", "--team", "support", "--tag", "hot")
    out = " ".join(run("inbox", "team", "support", code=1).output.split())
    assert "team support is still used by inbox rule triage; nothing was removed" in out, out
    assert "veille rule edit NAME" in out
    teams = json.loads(run("inbox", "team", "--format", "json").stdout)
    assert teams == [{"team": "support", "members": ["alice", "bob"]}]
    run("rule", "remove", "triage")
    assert run("inbox", "team", "support").stdout.strip() == "team support removed."


def test_views_and_rules_refuse_values_no_item_can_have(run) -> None:
    out = run("inbox", "view", "mad", "--sentiment", "furious", code=2).output
    assert "sentiment 'furious' is unknown" in out and "positive" in out
    out = run("inbox", "view", "mad", "--sentiment", "negatve", code=2).output
    assert "negative" in out
    out = run("inbox", "view", "space", "--platform", "myspace", code=2).output
    assert "'myspace' is not a platform veille knows" in out
    out = run("inbox", "view", "bird", "--platform", "twitter", code=2).output
    assert "Did you mean 'x'?" in out
    assert "'xx' is not a language code" in run("inbox", "view", "l", "--lang", "xx", code=2).output
    views = _rows(run("inbox", "view", "--format", "json"))  # rows: an object until 2026-12-07
    assert "mad" not in [v["view"] for v in views] and "my queue" in [v["view"] for v in views]
    run("inbox", "view", "fr-neg", "--sentiment", "Negative", "--platform", "Mastodon",
        "--lang", "FR")  # fmt: skip
    views = _rows(run("inbox", "view", "--format", "json"))
    (saved,) = [v["filters"] for v in views if v["view"] == "fr-neg"]
    assert saved == {"platforms": ["mastodon"], "languages": ["fr"], "sentiments": ["negative"]}
    out = run("rule", "add", "odd", "--platform", "myspace", "--tag", "x", code=2).output
    assert "'myspace' is not a platform veille knows" in out
    out = run("rule", "add", "odd", "--lang", "xx", "--tag", "x", code=2).output
    assert "'xx' is not a language code" in out
    assert [r["name"] for r in _rows(run("rule", "list", "--format", "json"))] == ["angry"]


def test_saved_views_filters_read_in_words(run) -> None:
    """`inbox view` printed each view's filters as a Python dict
    (``{'statuses': ['new', 'assigned', 'in_progress'], 'assignee': '{me}'}``),
    in French too. The table says them as the inbox page labels them; JSON
    keeps the codes."""
    run("inbox", "view", "fr-neg", "--sentiment", "negative", "--platform", "hackernews",
        "--lang", "fr", "--status", "in_progress")  # fmt: skip
    wide = {"COLUMNS": "3000"}
    english = run("inbox", "view", env={**wide, "LANG": "C.UTF-8"}).stdout
    assert "Status: new, assigned, in progress; Assigned to: you" in english, english
    assert (
        "Status: in progress; Sentiment: negative; Platforms: Hacker News; Languages: French"
        in english
    ), english
    assert "{" not in english and "Unassigned" in english, english
    french = run("inbox", "view", env={**wide, "LANG": "fr_FR.UTF-8"}).stdout
    nb = "\u202f"
    assert f"État{nb}: nouveau, attribué, en cours{nb}; Attribué à{nb}: vous" in french, french
    assert f"Plateformes{nb}: Hacker News{nb}; Langues{nb}: français" in french, french
    views = _rows(run("inbox", "view", "--format", "json", env={"LANG": "fr_FR.UTF-8"}))
    assert {"view": "my queue", "filters": {"assignee": "{me}",
            "statuses": ["new", "assigned", "in_progress"]}} in views  # fmt: skip


def test_list_by_topic(run, tmp_path: Path) -> None:
    run("topic", "add", "fans", "rocks", "--inbox")
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"platform": "mastodon", "id": "9", "author": "u9",
                                "text": "lumio rocks hard",
                                "published_at": "2026-12-01T11:00:00Z"}))  # fmt: skip
    run("import", str(more))
    fans = _rows(run("inbox", "list", "--topic", "fans", "--format", "json"))
    assert [r["text"] for r in fans] == ["lumio rocks hard"]
    assert len(_rows(run("inbox", "list", "--topic", "lumio", "--format", "json"))) == 3
    both = run("inbox", "list", "--topic", "fans", "--topic", "lumio", "--format", "json")
    assert len(_rows(both)) == 3
    # An unknown topic is said, with the known ones, not shown as an empty list.
    said = run("inbox", "list", "--topic", "fan", code=2)
    assert "no topic named 'fan'" in said.output and "fans, lumio" in said.output
    run("inbox", "view", "fans only", "--topic", "fans", "--as", "alice")
    viewed = run("inbox", "list", "--view", "fans only", "--as", "alice", "--format", "json")
    assert [r["text"] for r in _rows(viewed)] == ["lumio rocks hard"]


def test_answered_and_team_removed_are_said_in_french(run) -> None:
    """`LANG=fr_FR.UTF-8 veille inbox answered 1` said « #1 is marked
    answered. » and `inbox team support` « team support removed. »."""
    french = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    item = str(_rows(run("inbox", "list", "--format", "json"))[0]["id"])
    out = run("inbox", "answered", item, "--as", "alice", env=french).stdout
    assert out.strip() == f"L’élément n°{NBSP}{item} est marqué comme traité.", out
    run("inbox", "team", "support", "alice", "bob")
    out = run("inbox", "team", "support", env=french).stdout
    assert out.strip() == "Équipe support supprimée.", out


def test_an_answer_given_outside_veille_is_shown_in_the_readers_words(run) -> None:
    """`veille inbox show` said « réponse n°1 de alice [hors de veille] :
    (answered outside veille) »: the English placeholder veille keeps as the
    reply's text, after a status that says it already."""
    french = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    item = str(_rows(run("inbox", "list", "--format", "json"))[0]["id"])
    run("inbox", "answered", item, "--as", "alice")
    out = run("inbox", "show", item, env=french).stdout
    assert "answered outside veille" not in out, out
    assert out.rstrip().endswith(f"réponse n°{NBSP}1 de alice [hors de veille]"), out
    out = run("inbox", "show", item).stdout
    assert out.rstrip().endswith("reply #1 by alice [outside]"), out


def test_snooze_takes_items_out_of_the_open_list_until_unsnoozed(run) -> None:
    first, second = (r["id"] for r in _rows(run("inbox", "list", "--format", "json")))
    out = run("inbox", "snooze", str(first), str(second), "--until", "3h").stdout
    assert f"#{first} is snoozed until " in out and f"#{second} is snoozed until " in out
    assert _rows(run("inbox", "list", "--format", "json")) == []
    table = run("inbox", "list", "--view", "snoozed", env={"COLUMNS": "200"}).stdout
    assert "snoozed until" in table and "(UTC)" in table
    snoozed = _rows(run("inbox", "list", "--status", "snoozed", "--format", "json"))
    assert {r["id"] for r in snoozed} == {first, second}
    assert all(r["snoozed_until"] for r in snoozed)
    assert "is now new" in run("inbox", "unsnooze", str(first)).stdout
    assert [r["id"] for r in _rows(run("inbox", "list", "--format", "json"))] == [first]
    # A past time, a word it does not know: said, nothing changed.
    bad = run("inbox", "snooze", str(first), "--until", "2020-01-01 09:00", code=2)
    assert "that time is past" in bad.output
    bad = run("inbox", "bulk", "snooze", str(first), "--value", "later", code=2)
    assert "'later': that is neither a preset nor a date and time" in bad.output
    assert "tomorrow" in bad.output
    assert "snoozed until " in run("inbox", "show", str(second)).stdout
    history = _rows(run("inbox", "show", str(second), "--format", "json"))["events"]
    assert [e["action"] for e in history][-1] == "snooze"


def test_show_says_the_history_in_words_in_both_languages(run) -> None:
    """Until 2026-12-07 `inbox show` wrote each step's code ("unsnooze",
    "assign", "tag"), in French too; the JSON keeps the codes."""
    item = str(_rows(run("inbox", "list", "--format", "json"))[0]["id"])
    run("inbox", "assign", item, "--to", "cli")
    run("inbox", "tag", item, "vip", "--as", "alice")
    run("inbox", "snooze", item, "--until", "3h")
    run("inbox", "unsnooze", item)
    english = run("inbox", "show", item).stdout
    for words in ("assigned to cli", "alice tag added vip", "snoozed until ",
                  "taken out of snooze"):  # fmt: skip
        assert words in english, english
    assert " unsnooze" not in english and " assign " not in english
    french = run("inbox", "show", item, env={"LANG": "fr_FR.UTF-8"}).stdout
    for words in ("attribué à cli", "étiquette ajoutée vip", "sortie de l’attente"):
        assert words in french, french
    events = _rows(run("inbox", "show", item, "--format", "json"))["events"]
    assert [e["action"] for e in events][-4:] == ["assign", "tag", "snooze", "unsnooze"]
