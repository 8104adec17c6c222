"""``veille plan kpi add|target|edit|remove`` and ``veille plan kpis``: the
plan's KPIs, their targets and what they measure now (moved out of
:mod:`veille.cli.plan`, which had grown to 727 lines)."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    WorkspaceOpt,
    cli_language,
    console,
    handle_errors,
    old_option_name,
    open_workspace,
    print_json,
    speaker,
    tell,
)
from veille.cli.plan import ActorOpt, LangOpt, lang_of, plan_rows, warn_dangling
from veille.errors import Count, Figure, tr, trn


def register(plan: typer.Typer) -> None:
    group = typer.Typer(help="KPIs computed from veille's data.", no_args_is_help=True)
    plan.add_typer(group, name="kpi")

    @group.command("add")
    @handle_errors
    def add(
        name: Annotated[str, typer.Argument(help="A short name.")],
        kind: Annotated[
            str,
            typer.Option(
                "--kind",
                help="mentions, share_of_voice, net_sentiment, influencers_engaged, "
                "first_response, backlog, followers, engagement or posts_published.",
            ),
        ],
        target: Annotated[
            float,
            typer.Option(
                "--target",
                help="The value to reach (share of voice in %, net sentiment in points).",
            ),
        ],
        topic: Annotated[str, typer.Option("--topic", help="The topic measured.")] = "",
        platform: Annotated[
            str, typer.Option("--platform", help="The platform (followers, engagement, posts).")
        ] = "",
        handle: Annotated[
            str, typer.Option("--handle", help="Our account there (default: the channel plan's).")
        ] = "",
        compare: Annotated[
            str | None,
            typer.Option("--compare", help="Topics compared (share of voice; comma-separated)."),
        ] = None,
        period: Annotated[
            int, typer.Option("--period", metavar="DAYS", help="Days each value covers.")
        ] = 30,
        objective: Annotated[
            str, typer.Option("--objective", help="The objective it measures.")
        ] = "",
        deadline: Annotated[
            str | None, typer.Option("--deadline", help="YYYY-MM-DD (default: the objective's).")
        ] = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add a KPI; its baseline is measured now."""
        from veille.plan.kpis import add_kpi, cautions
        from veille.plan.status import format_value

        with open_workspace(workspace) as ws:
            k = add_kpi(
                ws,
                name,
                kind,
                target,
                topic=topic,
                platform=platform,
                handle=handle,
                compare=compare,
                period_days=period,
                objective=objective,
                deadline=deadline,
                actor=actor,
            )
            retention = ws.settings.privacy.retention_days
            tz = ws.settings.workspace.timezone
            reader = cli_language(ws.root)
            tell(ws, tr("KPI %(name)r added: baseline %(baseline)s, target %(target)s.",
                         name=k.name, baseline=format_value(k.kind, k.baseline, reader),
                         target=format_value(k.kind, k.target, reader)))  # fmt: skip
        for caution in cautions(k, added=True, retention_days=retention, timezone=tz):
            console().print(caution.said(reader), markup=False)

    @group.command("target")
    @handle_errors
    def target_(
        name: Annotated[str, typer.Argument(help="The KPI's name.")],
        target: Annotated[float, typer.Argument(help="The new target.")],
        deadline: Annotated[str | None, typer.Option("--deadline", help="YYYY-MM-DD.")] = None,
        no_deadline: Annotated[
            bool, typer.Option("--no-deadline", help="Remove the KPI's deadline.")
        ] = False,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change a KPI's target (and deadline, or remove it with --no-deadline)."""
        from veille.plan.kpis import cautions, set_target

        with open_workspace(workspace) as ws:
            k = set_target(
                ws, name, target, deadline=deadline, clear_deadline=no_deadline, actor=actor
            )
            tz = ws.settings.workspace.timezone
            reader = cli_language(ws.root)
            tell(ws, tr("KPI %(name)r: target %(target)s.", name=name, target=Figure(target)))
        for caution in cautions(k, deadline_set=deadline is not None, timezone=tz):
            console().print(caution.said(reader), markup=False)

    @group.command("edit")
    @handle_errors
    def edit(
        name: Annotated[str, typer.Argument(help="The KPI's name.")],
        objective: Annotated[
            str | None, typer.Option("--objective", help="The objective it now measures.")
        ] = None,
        no_objective: Annotated[
            bool, typer.Option("--no-objective", help="Put it under no objective.")
        ] = False,
        period: Annotated[
            int | None,
            typer.Option(
                "--period",
                metavar="DAYS",
                help="Days each value now covers (its history is read again).",
            ),
        ] = None,
        deadline: Annotated[
            str | None, typer.Option("--deadline", help="The new deadline, YYYY-MM-DD.")
        ] = None,
        no_deadline: Annotated[
            bool, typer.Option("--no-deadline", help="Remove the KPI's deadline.")
        ] = False,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change a KPI's objective, period or deadline. Moved, its baseline,
        target and history stay; with a new period, its history and baseline
        are read again over the new period and its target is kept.
        (Its target: `veille plan kpi target`.)"""
        from veille.errors import UsageError
        from veille.plan.kpis import (
            cautions,
            get_kpi,
            move_kpi,
            period_caution,
            set_period,
            set_target,
        )

        if objective is not None and no_objective:
            raise UsageError(
                tr("give either --objective NAME or --no-objective, not both"),
                hint=tr("e.g. veille plan kpi edit volume --objective care"),
            )
        moving = objective is not None or no_objective
        dating = deadline is not None or no_deadline
        if not (moving or dating or period is not None):
            raise UsageError(
                tr(
                    "give --objective NAME or --no-objective, --period DAYS, or "
                    "--deadline YYYY-MM-DD or --no-deadline"
                ),
                hint=tr("e.g. veille plan kpi edit volume --period 7"),
            )
        said: list[str] = []
        with open_workspace(workspace) as ws:
            reader = cli_language(ws.root)
            say = speaker(reader)
            k = get_kpi(ws.state, name)
            was_days = k.period_days
            if dating:  # checked first: a date that does not read changes nothing
                k = set_target(
                    ws, name, k.target, deadline=deadline, clear_deadline=no_deadline, actor=actor
                )
                said.extend(
                    c.said(reader)
                    for c in cautions(
                        k,
                        deadline_set=deadline is not None,
                        timezone=ws.settings.workspace.timezone,
                    )
                )
            if period is not None and period != was_days:
                k = set_period(ws, name, period, actor=actor)
                moved = period_caution(k, was_days)
                said.append(moved.said(reader))
                retention = ws.settings.privacy.retention_days
                said.extend(
                    c.said(reader)
                    for c in cautions(
                        k,
                        period_set=True,
                        retention_days=retention,
                        timezone=ws.settings.workspace.timezone,
                    )
                )
            if moving:
                k = move_kpi(ws.state, name, "" if no_objective else objective or "", actor=actor)
        out = console()
        if moving:
            moved_to = (
                tr("KPI %(name)r is now under objective %(objective)r.", name=name,
                   objective=k.objective) if k.objective
                else tr("KPI %(name)r is now under no objective.", name=name)
            )  # fmt: skip
            out.print(say(moved_to), markup=False, soft_wrap=True)
        if period is not None:
            days = Count(k.period_days)  # 1,500 / « 1 500 », as the pages group them
            out.print(say(trn("KPI %(name)r: each value covers %(n)s day.",
                              "KPI %(name)r: each value covers %(n)s days.", days, name=name,
                              n=days)), markup=False, soft_wrap=True)  # fmt: skip
        if dating:
            dated = (
                tr("KPI %(name)r: deadline %(day)s.", name=name, day=k.deadline.isoformat())
                if k.deadline
                else tr("KPI %(name)r: deadline none.", name=name)
            )
            out.print(say(dated), markup=False, soft_wrap=True)
        for line in said:
            out.print(line, markup=False)

    @group.command("remove")
    @handle_errors
    def remove(
        name: Annotated[str, typer.Argument(help="The KPI's name.")],
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Remove a KPI."""
        from veille.plan.kpis import remove_kpi

        with open_workspace(workspace) as ws:
            remove_kpi(ws.state, name, actor=actor)
            tell(ws, tr("KPI %(name)r removed.", name=name))

    @plan.command("kpis")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def kpis(
        lang: LangOpt = None,
        history: Annotated[
            bool, typer.Option("--history", help="Include each KPI's history (JSON).")
        ] = False,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Each KPI's value, target and status, with the reason."""
        from veille.plan.kpis import kind_label
        from veille.plan.status import format_value, reports, status_label

        with open_workspace(workspace) as ws:
            language = lang_of(ws, lang)
            found = reports(ws, with_history=history)
            warn_dangling(ws, "kpi")
        say = speaker(language)  # a reason's commands, in the reader's language
        if output is DataFormat.json:
            print_json([r.as_dict(language, say) for r in found])
            return
        rows = [  # the table: a kind in words, as the web page says it (JSON keeps the code)
            {
                "name": r.kpi.name,
                "kind": kind_label(r.kpi.kind, language),
                "value": format_value(r.kpi.kind, r.value, language),
                "baseline": format_value(r.kpi.kind, r.kpi.baseline, language),
                "target": format_value(r.kpi.kind, r.kpi.target, language),
                "status": status_label(r.status, language),
                "reason": r.reason(language, say),
            }
            for r in found
        ]
        columns = ["name", "kind", "value", "baseline", "target", "status", "reason"]
        plan_rows(ws, rows, columns, output, language)
