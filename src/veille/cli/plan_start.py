"""``veille plan init`` (the guided start) and ``veille plan snapshot``."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.analytics.findings import platform_name
from veille.cli.asking import prompt
from veille.cli.common import (
    WorkspaceOpt,
    cli_language,
    console,
    handle_errors,
    old_option_name,
    open_workspace,
    speaker,
    tell,
    warn,
)
from veille.cli.plan import ActorOpt
from veille.errors import Count, tr, trn

#: The guided start's questions, said in the plan's language (--language),
#: French in cli.po.
_Q = {
    "intro": tr("Four steps: objectives, people, listening, channels. Enter keeps the default."),
    "org": tr("1. Objectives: the organization's name"),
    "kind": tr(
        "What do you want from social media? (customer_service, marketing, awareness, "
        "membership, fundraising, thought_leadership, custom)"
    ),
    "desc": tr("What does success look like?"),
    "deadline": tr("By when? (YYYY-MM-DD)"),
    "owner": tr("2. People: who answers for it and speaks for the organization? (username)"),
    "topic": tr("3. Listening: a topic name for the organization"),
    "query": tr("The words that name it (query)"),
    "competitors": tr("Competitors' topics to compare with (comma-separated, may be empty)"),
    "channels": tr("4. Channels: which platforms? (comma-separated)"),
    "handle": tr("Our account there (handle, may be empty)"),
    "per_week": tr("Posts per week per channel"),
    "respond": tr("Response target in minutes"),
}


def _checked_day(typed: str) -> str:
    """``typed`` when it is a date (or empty: the default deadline), else
    the :class:`UsageError` that says how to write one."""
    from veille.plan.common import parse_day

    parse_day(typed)
    return typed


def register(plan: typer.Typer) -> None:
    @plan.command("init")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def init(
        lang: Annotated[
            str,
            typer.Option("--language", help="Language of the questions and of the plan: en or fr."),
        ] = "en",
        yes: Annotated[
            bool, typer.Option("--yes", help="Ask nothing: take the options and the defaults.")
        ] = False,
        organization: Annotated[
            str, typer.Option("--organization", help="The organization's name.")
        ] = "",
        kind: Annotated[
            str, typer.Option("--type", help="The objective's type.")
        ] = "customer_service",
        description: Annotated[
            str, typer.Option("--description", help="What success looks like.")
        ] = "",
        deadline: Annotated[
            str, typer.Option("--deadline", help="YYYY-MM-DD (default: in six months).")
        ] = "",
        owner: Annotated[str, typer.Option("--owner", help="Username of the spokesperson.")] = "",
        topic: Annotated[
            str, typer.Option("--topic", help="Topic (created from --query when new).")
        ] = "",
        query: Annotated[str, typer.Option("--query", help="Query of a new topic.")] = "",
        competitors: Annotated[
            str, typer.Option("--competitors", help="Competitors' topics.")
        ] = "",
        channels: Annotated[
            str, typer.Option("--channels", help="Platforms, comma-separated.")
        ] = "mastodon",
        handle: Annotated[str, typer.Option("--handle", help="Our account on them.")] = "",
        per_week: Annotated[
            float | None, typer.Option("--per-week", help="Posts per week (default: by type).")
        ] = None,
        respond_within: Annotated[
            int | None, typer.Option("--respond-within", help="Minutes (default: by type).")
        ] = None,
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Start a plan in four steps (objectives, people, listening, channels)."""
        from veille.errors import UsageError
        from veille.plan.common import parse_day
        from veille.plan.objectives import check_kind
        from veille.plan.start import DEFAULTS, StartAnswers, proposed_listening, start_plan

        if lang not in ("en", "fr"):
            raise UsageError(
                tr("--language %(lang)r is not a language of veille", lang=lang),
                hint=tr("Use en or fr."),
            )
        say = speaker(lang)
        q = {key: say(question) for key, question in _Q.items()}
        if not yes:
            with open_workspace(workspace) as ws:
                brand, rivals = proposed_listening(ws)
            console().print(q["intro"], markup=False)
            # No default: Enter took the demo's "Lumio" as the organization
            # of a user's own workspace; an empty answer is asked again.
            organization = prompt(q["org"], lang, default=organization or None)
            # A type not known, or a date mistyped, is said and asked again.
            kind = prompt(q["kind"], lang, default=kind, check=check_kind)
            d = DEFAULTS[kind]
            description = prompt(
                q["desc"],
                lang,
                default=description or (d.description_fr if lang == "fr" else d.description_en),
            )
            deadline = prompt(q["deadline"], lang, default=deadline or "", show_default=False,
                              check=_checked_day)  # fmt: skip
            owner = prompt(q["owner"], lang, default=owner or "", show_default=False)
            topic = prompt(q["topic"], lang, default=topic or brand or organization.lower())
            query = prompt(q["query"], lang, default=query or organization.lower())
            competitors = prompt(
                q["competitors"],
                lang,
                default=competitors or ",".join(rivals),
                show_default=bool(competitors or rivals),
            )
            channels = prompt(q["channels"], lang, default=channels)
            handle = prompt(q["handle"], lang, default=handle, show_default=False)
            # A number a week, not always a whole one (2.5: five every two weeks).
            per_week = prompt(q["per_week"], lang, default=per_week or d.posts_per_week, kind=float)
            respond_within = int(
                prompt(q["respond"], lang, default=respond_within or d.response_minutes)
            )
        answers = StartAnswers(
            organization=organization,
            lang=lang,
            kind=kind,
            description=description,
            owner=owner,
            deadline=parse_day(deadline),
            topic=topic,
            query=query,
            competitors=competitors.split(",") if competitors else [],
            channels=channels.split(","),
            handle=handle,
            posts_per_week=per_week,
            response_minutes=respond_within,
        )
        with open_workspace(workspace) as ws:
            result = start_plan(ws, answers, actor=actor)
        done = tr(
            "Plan started: objective %(objective)r, channels %(channels)s, KPIs %(kpis)s.",
            objective=result.objective,
            channels=", ".join(map(platform_name, result.channels)) or "—",
            kpis=", ".join(result.kpis) or "—",
        )
        then = tr("Next: `veille plan cost`, then `veille plan adopt`.")
        console().print(say(done), markup=False)
        console().print(say(then), markup=False)

    @plan.command("snapshot")
    @handle_errors
    def snapshot(workspace: WorkspaceOpt = None) -> None:
        """Record today's followers and posts of each channel's account."""
        from veille.plan.accounts import snapshot_accounts

        with open_workspace(workspace) as ws:
            found = snapshot_accounts(ws)
            say = speaker(cli_language(ws.root))
            for r in found:
                if r.snapshot is None:
                    warn(tr("%(platform)s %(handle)s: %(error)s",
                            platform=platform_name(r.platform),
                            handle=r.handle, error=r.error), say=say)  # fmt: skip
                    continue
                shot = r.snapshot
                figures = []
                if shot.followers is not None:
                    n = Count(shot.followers)
                    figures.append(say(trn("%(n)s follower", "%(n)s followers", n, n=n)))
                if shot.posts is not None:
                    n = Count(shot.posts)
                    figures.append(say(trn("%(n)s post", "%(n)s posts", n, n=n)))
                tell(ws, tr("%(platform)s %(handle)s: %(figures)s.",
                             platform=platform_name(r.platform),
                             handle=r.handle,
                             figures=", ".join(figures) or tr("no figure given")))  # fmt: skip
            if not found:
                tell(ws, tr("No channel has an account to look up: "
                             "`veille plan channel set PLATFORM --handle`."))  # fmt: skip
