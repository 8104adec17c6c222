"""``veille rule add|list|remove``: the inbox's rules (conditions → actions)."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    WorkspaceOpt,
    console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
)

_Many = Annotated[list[str], typer.Option()]


def register_rules(app: typer.Typer) -> None:
    rule = typer.Typer(
        help="Inbox rules: conditions → actions, run in order on every new item.",
        no_args_is_help=True,
    )
    app.add_typer(rule, name="rule")

    @rule.command("add")
    @handle_errors
    def add(
        name: Annotated[str, typer.Argument(help="The rule's name.")],
        query: Annotated[str | None, typer.Option(help="Posts matching this query.")] = None,
        sentiment: Annotated[
            list[str], typer.Option(help="positive, negative or neutral (repeat for more).")
        ] = [],  # noqa: B006
        min_followers: Annotated[
            int | None, typer.Option(min=0, help="Authors with at least N followers.")
        ] = None,
        max_rank: Annotated[
            int | None,
            typer.Option(min=1, help="Authors among the top N influencers of the last 30 days."),
        ] = None,
        platform: Annotated[list[str], typer.Option(help="Only this platform.")] = [],  # noqa: B006
        lang: Annotated[list[str], typer.Option(help="Only this language.")] = [],  # noqa: B006
        when: Annotated[
            str | None,
            typer.Option(help='"working" (working hours), "outside", or "HH:MM-HH:MM".'),
        ] = None,
        tag: Annotated[list[str], typer.Option(help="Action: add this tag.")] = [],  # noqa: B006
        category: Annotated[list[str], typer.Option(help="Action: add this category.")] = [],  # noqa: B006
        priority: Annotated[
            str | None, typer.Option(help="Action: set the priority (urgent, high, normal, low).")
        ] = None,
        assign: Annotated[str | None, typer.Option(help="Action: assign to this person.")] = None,
        team: Annotated[
            str | None, typer.Option(help="Action: assign round-robin within this team.")
        ] = None,
        notify: Annotated[
            list[str], typer.Option(help="Action: notify through this alert's channel.")
        ] = [],  # noqa: B006
        set_status: Annotated[
            str | None, typer.Option(help="Action: set the status (e.g. ignored).")
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add a rule, run after the existing ones on every new inbox item."""
        from veille.inbox.rules import add_rule, make_rule

        actions: list[tuple[str, str]] = [("tag", t) for t in tag]
        actions += [("category", c) for c in category]
        if priority:
            actions.append(("priority", priority))
        if assign:
            actions.append(("assign", assign))
        if team:
            actions.append(("team", team))
        actions += [("notify", n) for n in notify]
        if set_status:
            actions.append(("status", set_status))
        new = make_rule(
            name, query=query, sentiments=sentiment, min_followers=min_followers,
            max_rank=max_rank, platforms=platform, languages=lang, when=when, actions=actions,
        )  # fmt: skip
        with open_workspace(workspace) as ws:
            if notify:
                from veille.alerts.model import AlertBook

                for alert in notify:
                    AlertBook(ws.state).get(alert)  # NotFound names the known alerts
            saved = add_rule(ws.state, new)
        console().print(
            f"rule {saved.name} added: when {saved.conditions.describe()} → "
            f"{saved.describe_actions()}.",
            markup=False,
            soft_wrap=True,
        )

    @rule.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """Every rule in the order they run, with how often it ran and its last error."""
        from veille.inbox.rules import list_rules

        with open_workspace(workspace) as ws:
            rules = list_rules(ws.state)
        rows = [
            {
                "position": r.position, "name": r.name, "when": r.conditions.describe(),
                "then": r.describe_actions(), "runs": r.runs, "error": r.last_error,
                "error_at": r.error_at,
            }
            for r in rules
        ]  # fmt: skip
        if output is DataFormat.json:
            print_json(rows)
            return
        print_rows(rows, ["position", "name", "when", "then", "runs", "error"], RowFormat.table)

    @rule.command("remove")
    @handle_errors
    def remove(
        name: Annotated[str, typer.Argument(help="The rule's name.")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Remove a rule (what it already did to items stays)."""
        from veille.inbox.rules import remove_rule

        with open_workspace(workspace) as ws:
            remove_rule(ws.state, name)
        console().print(f"rule {name} removed.", markup=False)
