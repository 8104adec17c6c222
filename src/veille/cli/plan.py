"""Plan commands: ``veille plan …`` (objectives, people, guidelines,
channels); the KPIs are in :mod:`veille.cli.plan_kpis`; the cost, adoption,
recommendations, guided start and export in :mod:`veille.cli.plan_doc`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from veille.analytics.findings import platform_name
from veille.cli.common import (
    LIST_HEADS,
    DataFormat,
    FormatOpt,
    WorkspaceOpt,
    cli_language,
    console,
    handle_errors,
    old_option_name,
    open_workspace,
    print_rows,
    said_heads,
    speaker,
    tell,
    warn,
)
from veille.errors import Figure, tr
from veille.workspace import Workspace

#: The column headers of the plan's tables, said in the reader's language.
PLAN_HEADS = {
    **LIST_HEADS, "type": tr("type"), "owner": tr("owner"), "deadline": tr("deadline"),
    "topics": tr("topics"), "channels": tr("channels"), "description": tr("description"),
    "value": tr("value"), "baseline": tr("baseline"), "target": tr("target"),
    "reason": tr("reason"), "note": tr("note"), "objectives": tr("objectives"),
    "audience": tr("audience"), "per_week": tr("per_week"), "tone": tr("tone"),
    "languages": tr("languages"), "respond_within": tr("respond_within"),
}  # fmt: skip


def plan_rows(
    ws: Workspace,
    rows: Sequence[Mapping[str, Any]],
    columns: list[str],
    output: DataFormat,
    lang: str | None = None,
) -> None:
    """A plan's table, headed in ``lang`` (default: the reader's language),
    its decimals written that language's way (``3,5`` publications a week in
    French: ``3.5`` until 2026-12-07); JSON keeps the numbers."""
    lang = lang or cli_language(ws.root)
    say = speaker(lang)
    if output is DataFormat.table:
        rows = [{k: _decimal(v, lang) for k, v in row.items()} for row in rows]
    print_rows(rows, columns, output, heads=said_heads(say, PLAN_HEADS), say=say)


def _coded(code: str, label: str, lang: str) -> str:
    """A code the reader types (``--type customer_service``, a role) in a
    table: its name with the code beside it, « Service client
    (customer_service) », as ``user list`` shows a role; the code alone in
    English."""
    return code if lang == "en" or label == code else f"{label} ({code})"


def _day(day: date | None, lang: str) -> date | str | None:
    """A day in a table: ``2027-06-07`` in English, as it was; the
    reader's way elsewhere (« 7 juin 2027 »)."""
    from veille.i18n import format_date

    return day if day is None or lang == "en" else format_date(day, lang)


def _decimal(value: Any, lang: str) -> Any:
    """A float as ``lang`` writes it (``3,5``; ``3`` for 3.0), up to two
    decimals; any other value as it is."""
    from veille.i18n import format_decimal

    return format_decimal(value, lang, 2) if isinstance(value, float) else value


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="en or fr (default: veille --language, else the plan's language, else the "
        "reader's: ui_language, the locale).",
    ),
]
ActorOpt = Annotated[str | None, typer.Option("--as", help="Your username, for the audit log.")]


def warn_dangling(ws: Workspace, kind: str) -> None:
    """Warn (on stderr) about each ``kind`` of the plan (objective, kpi,
    channel) that names a topic or an objective no longer there, with what
    to do: the list showed the name as if it were there."""
    from veille.services.dangling import plan_references, said

    for d in plan_references(ws.state, {t.name for t in ws.state.topics()}):
        if d.kind == kind:
            warn(said(d), ws.root)


def lang_of(ws: Workspace, lang: str | None) -> str:
    """The language a plan's output is said in: the command's --language,
    else ``veille --language`` (the reader asked for it on the command line,
    as every other command heeds it), else the plan's own language (set by
    `plan init`), else the reader's (the workspace's ui_language, else the
    locale: cli_language)."""
    from veille.cli import root
    from veille.errors import UsageError

    planned = ws.state.plan_settings().get("language")
    chosen = lang or root.language_given or planned or cli_language(ws.root)
    if chosen not in ("en", "fr"):
        raise UsageError(
            tr("--language %(chosen)r is not a language of veille", chosen=chosen),
            hint=tr("Use en or fr."),
        )
    return chosen


def register(app: typer.Typer) -> None:
    from veille.cli import plan_doc, plan_io, plan_kpis, plan_start

    plan = typer.Typer(
        help="The presence plan: objectives, KPIs, people, channels, cost.", no_args_is_help=True
    )
    app.add_typer(plan, name="plan")
    _objectives(plan)
    plan_kpis.register(plan)
    _people(plan)
    _channels(plan)
    plan_doc.register(plan)
    plan_io.register(plan)
    plan_start.register(plan)


def _objectives(plan: typer.Typer) -> None:
    group = typer.Typer(help="What the organization wants from social media.", no_args_is_help=True)
    plan.add_typer(group, name="objective")

    @group.command("add")
    @handle_errors
    def add(
        name: Annotated[str, typer.Argument(help="A short name.")],
        kind: Annotated[
            str,
            typer.Option(
                "--type",
                help="customer_service, marketing, awareness, membership, fundraising, "
                "thought_leadership or custom.",
            ),
        ],
        description: Annotated[
            str, typer.Option("--description", help="What success looks like.")
        ] = "",
        owner: Annotated[str, typer.Option("--owner", help="Username of who answers for it.")] = "",
        deadline: Annotated[str | None, typer.Option("--deadline", help="YYYY-MM-DD.")] = None,
        topics: Annotated[
            str | None, typer.Option("--topics", help="Topics that serve it (comma-separated).")
        ] = None,
        channels: Annotated[
            str | None,
            typer.Option("--channels", help="Platforms that serve it (comma-separated)."),
        ] = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add an objective."""
        from veille.plan.objectives import add_objective

        with open_workspace(workspace) as ws:
            o = add_objective(
                ws.state,
                name,
                kind,
                description=description,
                owner=owner,
                deadline=deadline,
                topics=topics,
                channels=channels,
                actor=actor,
            )
            tell(ws, tr("Objective %(name)r (%(kind)s) added.", name=o.name, kind=o.kind))

    @group.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """List the objectives."""
        from veille.plan.objectives import kind_label, list_objectives

        with open_workspace(workspace) as ws:
            lang = cli_language(ws.root)
            table = output is DataFormat.table
            rows = [
                {
                    "name": o.name,
                    "type": _coded(o.kind, kind_label(o.kind, lang), lang) if table else o.kind,
                    "owner": o.owner,
                    "deadline": _day(o.deadline, lang) if table else o.deadline,
                    "topics": ", ".join(o.topics),
                    "channels": ", ".join(o.channels),
                    "description": o.description,
                }
                for o in list_objectives(ws.state)
            ]
            columns = ["name", "type", "owner", "deadline", "topics", "channels", "description"]
            plan_rows(ws, rows, columns, output)
            warn_dangling(ws, "objective")

    @group.command("edit")
    @handle_errors
    def edit(
        name: Annotated[str, typer.Argument(help="The objective's name.")],
        kind: Annotated[str | None, typer.Option("--type", help="New type.")] = None,
        description: Annotated[
            str | None, typer.Option("--description", help="New description.")
        ] = None,
        owner: Annotated[
            str | None, typer.Option("--owner", help="New owner (a username).")
        ] = None,
        deadline: Annotated[str | None, typer.Option("--deadline", help="YYYY-MM-DD.")] = None,
        topics: Annotated[
            str | None, typer.Option("--topics", help="New topics (comma-separated).")
        ] = None,
        channels: Annotated[
            str | None, typer.Option("--channels", help="New platforms (comma-separated).")
        ] = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change an objective (only the options given)."""
        from veille.plan.objectives import edit_objective

        with open_workspace(workspace) as ws:
            edit_objective(
                ws.state,
                name,
                kind=kind,
                description=description,
                owner=owner,
                deadline=deadline,
                topics=topics,
                channels=channels,
                actor=actor,
            )
            tell(ws, tr("Objective %(name)r changed.", name=name))

    @group.command("remove")
    @handle_errors
    def remove(
        name: Annotated[str, typer.Argument(help="The objective's name.")],
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Remove an objective."""
        from veille.plan.objectives import remove_objective

        with open_workspace(workspace) as ws:
            remove_objective(ws.state, name, actor=actor)
            tell(ws, tr("Objective %(name)r removed.", name=name))


def _people(plan: typer.Typer) -> None:
    group = typer.Typer(help="Spokespersons and channel owners.", no_args_is_help=True)
    plan.add_typer(group, name="person")

    @group.command("add")
    @handle_errors
    def add(
        username: Annotated[str, typer.Argument(help="The team member's username.")],
        role: Annotated[str, typer.Option("--role", help="spokesperson or channel_owner.")],
        platform: Annotated[str, typer.Option("--platform", help="The channel owned.")] = "",
        note: Annotated[str, typer.Option("--note", help="A note about their part.")] = "",
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Name a spokesperson or a channel owner."""
        from veille.plan.people import add_person

        with open_workspace(workspace) as ws:
            person = add_person(ws.state, username, role, platform=platform, note=note, actor=actor)
            tell(ws, tr("%(name)s is a channel owner of %(platform)s.", name=person.username,
                         platform=platform_name(person.platform)) if person.role == "channel_owner"
                  else tr("%(name)s is a spokesperson.", name=person.username))  # fmt: skip

    @group.command("remove")
    @handle_errors
    def remove(
        username: Annotated[str, typer.Argument(help="The team member's username.")],
        role: Annotated[str, typer.Option("--role", help="spokesperson or channel_owner.")],
        platform: Annotated[
            str, typer.Option("--platform", help="The channel they no longer own.")
        ] = "",
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Take a person out of a role."""
        from veille.plan.people import remove_person

        with open_workspace(workspace) as ws:
            remove_person(ws.state, username, role, platform=platform, actor=actor)
            tell(ws, tr("%(name)s removed.", name=username))

    @plan.command("people")
    @handle_errors
    def people(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """List spokespersons and channel owners."""
        from veille.plan.people import list_people, role_label

        with open_workspace(workspace) as ws:
            rows = [dict(vars(p)) for p in list_people(ws.state)]
            if output is DataFormat.table:
                lang = cli_language(ws.root)
                for row in rows:
                    row["role"] = _coded(row["role"], role_label(row["role"], lang), lang)
            plan_rows(ws, rows, ["username", "role", "platform", "note"], output)

    guide = typer.Typer(help="Staff guidelines (Markdown, EN and FR).", no_args_is_help=True)
    plan.add_typer(guide, name="guidelines")

    @guide.command("set")
    @handle_errors
    def set_(
        en: Annotated[Path, typer.Option("--en", help="The English text (Markdown file).")],
        fr: Annotated[Path, typer.Option("--fr", help="The French text (Markdown file).")],
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Store a new version of the staff guidelines."""
        from veille.errors import InputError
        from veille.plan.people import set_guidelines

        try:
            text_en, text_fr = en.read_text("utf-8"), fr.read_text("utf-8")
        except OSError as exc:
            raise InputError(
                tr("cannot read %(filename)s", filename=exc.filename), hint=tr("Check the path.")
            ) from None
        with open_workspace(workspace) as ws:
            g = set_guidelines(ws.state, text_en, text_fr, actor=actor)
            tell(ws, tr("Guidelines version %(version)s.", version=g.version))

    @guide.command("show")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def show(lang: LangOpt = None, workspace: WorkspaceOpt = None) -> None:
        """Print the current guidelines and who acknowledged them."""
        from veille.plan.people import acknowledgements, current_guidelines

        with open_workspace(workspace) as ws:
            language = lang_of(ws, lang)
            g = current_guidelines(ws.state)
            acks = acknowledgements(ws.state, g.version) if g else []
        say = speaker(language)  # the guidelines' language, as their text
        if g is None:
            console().print(say(tr("No guidelines yet: `veille plan guidelines set`.")),
                            markup=False)  # fmt: skip
            return
        console().print(say(tr("Version %(version)s", version=g.version)) + "\n", markup=False)
        console().print(g.text_fr if language == "fr" else g.text_en, markup=False)
        who = ", ".join(a.username for a in acks) or say(tr("nobody yet"))
        console().print("\n" + say(tr("Acknowledged by: %(who)s", who=who)), markup=False)

    @guide.command("acknowledge")
    @handle_errors
    def acknowledge_(
        username: Annotated[str, typer.Argument(help="Who read them.")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Record that a team member read the current guidelines."""
        from veille.plan.people import acknowledge

        with open_workspace(workspace) as ws:
            a = acknowledge(ws.state, username)
            tell(ws, tr("%(name)s acknowledged version %(version)s.", name=username,
                         version=a.version))  # fmt: skip


def _channels(plan: typer.Typer) -> None:
    group = typer.Typer(help="The channel plan.", no_args_is_help=True)
    plan.add_typer(group, name="channel")

    @group.command("set")
    @handle_errors
    def set_(
        platform: Annotated[str, typer.Argument(help="The platform.")],
        objectives: Annotated[
            str | None, typer.Option("--objectives", help="Why: the objectives it serves.")
        ] = None,
        audience: Annotated[str | None, typer.Option("--audience", help="For whom.")] = None,
        per_week: Annotated[
            float | None, typer.Option("--per-week", help="Posts per week.")
        ] = None,
        tone: Annotated[
            str | None, typer.Option("--tone", help="Tone of voice, e.g. friendly, formal.")
        ] = None,
        languages: Annotated[str | None, typer.Option("--languages", help="e.g. fr,en.")] = None,
        owner: Annotated[str | None, typer.Option("--owner", help="Username.")] = None,
        handle: Annotated[str | None, typer.Option("--handle", help="Our account there.")] = None,
        respond_within: Annotated[
            int | None,
            typer.Option("--respond-within", help="Response target in minutes (0: none)."),
        ] = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add a platform to the channel plan, or change it."""
        from veille.plan.channels import set_channel

        with open_workspace(workspace) as ws:
            c = set_channel(
                ws.state,
                platform,
                objectives=objectives,
                audience=audience,
                posts_per_week=per_week,
                tone=tone,
                languages=languages,
                owner=owner,
                handle=handle,
                response_minutes=respond_within,
                actor=actor,
            )
            tell(ws, tr("Channel %(platform)s: %(n)s posts a week.",
                         platform=platform_name(c.platform),
                         n=Figure(c.posts_per_week)))  # fmt: skip

    @group.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """List the channel plan."""
        from veille.plan.channels import list_channels

        with open_workspace(workspace) as ws:
            rows = [
                {
                    "platform": c.platform,
                    "objectives": ", ".join(c.objectives),
                    "audience": c.audience,
                    "per_week": c.posts_per_week,
                    "tone": c.tone,
                    "languages": ", ".join(c.languages),
                    "owner": c.owner,
                    "handle": c.handle,
                    "respond_within": c.response_minutes,
                }
                for c in list_channels(ws.state)
            ]
            plan_rows(ws, rows, list(rows[0]) if rows else ["platform"], output)
            warn_dangling(ws, "channel")

    @group.command("remove")
    @handle_errors
    def remove(
        platform: Annotated[str, typer.Argument(help="The platform.")],
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Take a platform out of the channel plan."""
        from veille.plan.channels import remove_channel

        with open_workspace(workspace) as ws:
            remove_channel(ws.state, platform, actor=actor)
            tell(ws, tr("%(platform)s removed from the channel plan.",
                         platform=platform_name(platform.strip().lower())))  # fmt: skip
