"""The influencer commands: influencers (who matters and why) and
link-authors (two accounts are one person, or not). Their options and
table helpers are the other analytics commands' (:mod:`veille.cli.analytics`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from veille.cli.analytics import (
    HEADS,
    LangOpt,
    LimitOpt,
    PeriodOpt,
    PlatformOpt,
    QueryOpt,
    TopicOpt,
    _decimal,
    _period,
    _plain,
    _scope,
)
from veille.cli.common import (
    DataFormat,
    FormatOpt,
    WorkspaceOpt,
    cli_language,
    console,
    err_console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    speaker,
)
from veille.errors import tr
from veille.i18n import format_period, join, platform_name


class View(StrEnum):
    us = "us"
    sector = "sector"


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def influencers(
        workspace: WorkspaceOpt = None,
        view: Annotated[
            View | None,
            typer.Option(
                help="us: who talks about us (brand_topic); sector: who shapes our "
                "sector (sector_topic)."
            ),
        ] = None,
        query: QueryOpt = None,
        topic: TopicOpt = None,
        period: PeriodOpt = "last-30d",
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        limit: LimitOpt = 20,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Who matters and why: posts on topic, network position (PageRank), relevance,
        and followers and engagement where the platform gives them ("unknown" where it
        does not); whether the organization already engaged with them; how to reach them.
        The organization's own accounts are never listed."""
        from veille.services.analytics import (
            influencer_topic,
            rank_influencers,
            same_person_candidates,
        )

        with open_workspace(workspace) as ws:
            topic = influencer_topic(ws, view.value if view else None, topic, query)
            scope = _scope(ws, query, topic, platform, lang)
            per = _period(ws, period)
            found = rank_influencers(ws, scope, per, limit=limit)
            zone = ws.settings.workspace.timezone
            offers = same_person_candidates(ws, found)
            reader = cli_language(ws.root)
        say = speaker(reader)
        for o in offers:
            a, b = (f"{p}:{h}" for p, h in (o.a, o.b))
            said = tr("maybe one person: %(a)s and %(b)s (%(evidence)s). "
                      "Confirm: veille link-authors %(a)s %(b)s  (or --different)",
                      a=a, b=b, evidence=join((say(e) for e in o.evidence), reader))  # fmt: skip
            err_console().print(say(said), highlight=False, markup=False, soft_wrap=True)
        if output is DataFormat.json:
            print_json(
                [
                    {
                        **_plain(i),
                        "why": i.why("en"),  # JSON: English, as the API's
                        "basis": list(i.basis),
                        "unknown": list(i.unknown),
                        "recent": [
                            {"id": p.id, "published_at": p.published_at, "url": p.url,
                             "text": p.text[:280]}
                            for p in i.recent
                        ],
                    }
                    for i in found
                ]
            )  # fmt: skip
            return
        rows = [
            {"#": n, "handle": i.handle, "score": _decimal(i.score, 1, reader),
             # Named as the page names them (Hacker News, not hackernews); JSON keeps the codes.
             "platforms": ", ".join(map(platform_name, i.platforms)),
             "languages": ", ".join(i.languages),
             "engaged": say(tr("yes")) if i.engaged else "", "why": i.why(reader),
             "contact": " ".join(x for x in (i.profile, i.site) if x),
             "latest": (i.recent[0].url or i.recent[0].id) if i.recent else ""}
            for n, i in enumerate(found, 1)
        ]  # fmt: skip
        cols = ["#", "handle", "score", "platforms", "languages", "engaged", "why"]
        if any(r["contact"] for r in rows):
            cols.append("contact")  # shown only where something is known
        print_rows(rows, cols, output, heads=said_heads(say, HEADS))
        # The whole days ranked, in the workspace's zone, as the page says them
        # (the table named no period: "last-30d" read as any 30 days).
        days = format_period(per.since, per.until, reader, zone)
        line = say(tr("Figures over whole days: %(days)s.", days=days))
        console().print(line, markup=False, soft_wrap=True)

    @app.command("link-authors")
    @handle_errors
    def link_authors(
        first: Annotated[str, typer.Argument(help="An account, as PLATFORM:HANDLE.")],
        second: Annotated[str, typer.Argument(help="Another account, as PLATFORM:HANDLE.")],
        different: Annotated[
            bool, typer.Option("--different", help="They are two people: stop offering them.")
        ] = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Confirm that two accounts on different platforms are one person (merged in
        influencer rankings from then on), or with --different that they are not."""
        from veille.services.analytics import link_authors as record

        with open_workspace(workspace) as ws:
            a, b = record(ws, first, second, same=not different)
            say = speaker(cli_language(ws.root))
        one, two = f"{a[0]}:{a[1]}", f"{b[0]}:{b[1]}"
        said = (tr("%(a)s and %(b)s are two people.", a=one, b=two) if different
                else tr("%(a)s and %(b)s are one person.", a=one, b=two))  # fmt: skip
        console().print(say(said), markup=False, soft_wrap=True)
