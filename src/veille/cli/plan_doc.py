"""``veille plan cost|money|adopt|recommend|snapshot|init|export|import``."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.cli.asking import confirm
from veille.cli.common import (
    DataFormat,
    FormatOpt,
    WorkspaceOpt,
    handle_errors,
    old_option_name,
    open_workspace,
    print_json,
    tell,
)
from veille.cli.plan import ActorOpt, LangOpt, lang_of
from veille.errors import Figure, Money, tr


def _show_cost(estimate: object, lang: str) -> None:
    from veille.plan.document import cost_markdown

    # Written as is: the Markdown tables must not be wrapped.
    typer.echo(cost_markdown(estimate, lang))  # type: ignore[arg-type]


def register(plan: typer.Typer) -> None:
    @plan.command("cost")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def cost(
        lang: LangOpt = None, workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table
    ) -> None:
        """What the plan will cost: hours per week per channel, and money per month."""
        from veille.plan.cost import estimate

        with open_workspace(workspace) as ws:
            language = lang_of(ws, lang)
            found = estimate(ws)
        if output is DataFormat.json:
            from veille.plan.document import cost_data

            print_json(cost_data(found))
            return
        _show_cost(found, language)

    money = typer.Typer(help="Money the presence costs (tools, promotion).", no_args_is_help=True)
    plan.add_typer(money, name="money")

    @money.command("set")
    @handle_errors
    def money_set(
        label: Annotated[str, typer.Argument(help="What it pays for.")],
        monthly: Annotated[float, typer.Argument(help="Amount per month.")],
        note: Annotated[str, typer.Option("--note", help="A note kept with the line.")] = "",
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add or change a monthly cost."""
        from veille.plan.cost import set_money

        with open_workspace(workspace) as ws:
            set_money(ws.state, label, monthly, note=note, actor=actor)
            money_of = Money(monthly, ws.settings.workspace.currency)
            tell(ws, tr("%(label)s: %(n)s a month.", label=label, n=money_of))

    @money.command("remove")
    @handle_errors
    def money_remove(
        label: Annotated[str, typer.Argument(help="The cost's label.")],
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Remove a monthly cost."""
        from veille.plan.cost import remove_money

        with open_workspace(workspace) as ws:
            remove_money(ws.state, label, actor=actor)
            tell(ws, tr("%(label)s removed.", label=label))

    @money.command("rate")
    @handle_errors
    def money_rate(
        rate: Annotated[
            float | None, typer.Argument(help="Cost of an hour of staff time (none: unset).")
        ] = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Set the hourly cost of staff time, to show the hours as money too."""
        from veille.plan.cost import set_hourly_rate

        with open_workspace(workspace) as ws:
            set_hourly_rate(ws.state, rate, actor=actor)
            currency = ws.settings.workspace.currency
            tell(ws, tr("Hourly rate %(rate)s.", rate=Money(rate, currency)) if rate is not None
                  else tr("Hourly rate unset."))  # fmt: skip

    @plan.command("capacity")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def capacity(
        hours: Annotated[
            float | None,
            typer.Option("--hours", help="Hours a week the team can give the presence."),
        ] = None,
        budget: Annotated[
            float | None, typer.Option("--budget", help="Money a month the presence may cost.")
        ] = None,
        clear: Annotated[
            bool, typer.Option("--clear", help="Forget both (before setting either).")
        ] = False,
        lang: LangOpt = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Say what the team has (hours a week, money a month); the cost is checked
        against it, and a plan that asks more is not adopted unless you say so."""
        from veille.plan.cost import estimate, set_capacity

        with open_workspace(workspace) as ws:
            language = lang_of(ws, lang)
            if hours is not None or budget is not None or clear:
                set_capacity(ws.state, hours=hours, budget=budget, clear=clear, actor=actor)
            found = estimate(ws)
        from veille.plan.document import capacity_lines

        typer.echo("\n".join(capacity_lines(found, language)))

    @plan.command("adopt")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def adopt_(
        yes: Annotated[
            bool, typer.Option("--yes", help="Adopt without asking (the cost is still shown).")
        ] = False,
        over_capacity: Annotated[
            bool,
            typer.Option(
                "--over-capacity",
                help="Adopt a plan that asks more hours or money than the team has.",
            ),
        ] = False,
        lang: LangOpt = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Show what the plan will cost, then adopt it."""
        from veille.plan.adoption import adopt
        from veille.plan.cost import estimate

        with open_workspace(workspace) as ws:
            language = lang_of(ws, lang)
            found = estimate(ws)
            _show_cost(found, language)
            question = "Adopter ce plan\u202f?" if language == "fr" else "Adopt this plan?"
            if found.over_capacity and not yes:
                question = (
                    "Adopter ce plan au-delà de ce qu’a l’équipe\u202f?"
                    if language == "fr"
                    else "Adopt this plan beyond what the team has?"
                )
            if not yes:
                if not confirm(question, language):
                    raise typer.Exit(1)
                over_capacity = True  # asked in so many words, and answered
            done = adopt(ws, found, over_capacity=over_capacity, actor=actor)
            tell(ws, tr("Plan adopted: %(hours)s hours a week, %(money)s a month.",
                        hours=Figure(done.hours_per_week),
                        money=Money(done.money_per_month,
                                    ws.settings.workspace.currency)))  # fmt: skip
