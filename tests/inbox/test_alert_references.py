"""An alert an inbox rule notifies through is not deleted by 'veille alert
remove', over both state stores."""

from __future__ import annotations

from tests.cli_runner import CliRunner, veille_command
from veille.alerts.model import Alert, AlertBook
from veille.inbox.rules import add_rule, make_rule
from veille.workspace import Workspace


def test_alert_remove_keeps_one_an_inbox_rule_notifies_through(inbox_ws: Workspace) -> None:
    """Deleted, the rule failed on every item it matched and did none of its
    actions (the tag, the assignee), said only as the rule's last error.
    Now the command refuses (exit 1), naming the rule and how to change it;
    once the rule no longer notifies through it, the alert goes."""
    ws = inbox_ws
    AlertBook(ws.state).add(Alert(name="oncall", channel_url="atom:feed.xml", query="lumio"))
    actions = [("tag", "urgent"), ("notify", "oncall")]
    add_rule(ws.state, make_rule("page-oncall", query="lumio", actions=actions))

    def remove() -> tuple[int, str]:
        result = CliRunner().invoke(
            veille_command(), ["alert", "remove", "oncall", "-w", str(ws.root)]
        )
        return result.exit_code, " ".join(result.output.split())

    code, said = remove()
    assert code == 1, said
    assert (
        "alert oncall is still used by inbox rule page-oncall to notify; nothing was deleted"
        in said
    )
    assert "veille rule remove NAME" in said
    assert AlertBook(ws.state).get("oncall")
    assert ws.state.remove_inbox_rule("page-oncall")
    code, said = remove()
    assert code == 0, said
