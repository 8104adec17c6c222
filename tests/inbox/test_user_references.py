"""A user the inbox still hands items to (a rule's assign action, a team's
round-robin) is not removed by 'veille user remove', over both state stores."""

from __future__ import annotations

from tests.cli_runner import CliRunner, veille_command
from veille.inbox.items import set_team
from veille.inbox.rules import add_rule, make_rule
from veille.services import users
from veille.workspace import Workspace


def test_user_remove_keeps_one_a_rule_assigns_to_or_a_team_counts(inbox_ws: Workspace) -> None:
    """Removed, the rule went on assigning new items to nobody and the team
    on handing them round to nobody, with nothing said. Now the command
    refuses (exit 1), naming them and the commands that change them."""
    ws = inbox_ws
    users.add_user(ws.state, "leaver", "long password 1", "analyst")
    users.add_user(ws.state, "stayer", "long password 2", "analyst")
    add_rule(ws.state, make_rule("to-leaver", query="lumio", actions=[("assign", "Leaver")]))
    set_team(ws.state, "care", ["stayer", "leaver"])

    def remove() -> tuple[int, str]:
        result = CliRunner().invoke(
            veille_command(), ["user", "remove", "leaver", "-w", str(ws.root)]
        )
        return result.exit_code, " ".join(result.output.split())

    code, said = remove()
    assert code == 1, said
    assert "user leaver is still named by inbox rule to-leaver, team care; nothing was deleted" in (
        said
    )
    assert "veille rule edit NAME --assign …, veille inbox team NAME MEMBER…" in said
    assert users.get_user(ws.state, "leaver") is not None
    ws.state.remove_inbox_rule("to-leaver")
    set_team(ws.state, "care", ["stayer"])
    code, said = remove()
    assert code == 0 and "user leaver removed." in said
