"""Analytics commands: volume, sov, influencers, trends, top, report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    WorkspaceOpt,
    author_cell,
    cli_language,
    console,
    err_console,
    handle_errors,
    old_option_name,
    open_workspace,
    output_file,
    print_json,
    print_rows,
    warn,
)
from veille.errors import UsageError, tr
from veille.i18n import format_change, format_percent, plural
from veille.workspace import Workspace

PeriodOpt = Annotated[
    str,
    typer.Option(
        "--period",
        help="last-week, last-month, last-7d, last-30d or FROM..TO (dates, TO included).",
    ),
]
QueryOpt = Annotated[
    str | None, typer.Option("--query", "-q", help="Only posts matching this query.")
]
TopicOpt = Annotated[
    str | None, typer.Option("--topic", "-t", help="Only posts of this saved topic.")
]
PlatformOpt = Annotated[
    list[str] | None, typer.Option("--platform", help="Only this platform (repeatable).")
]
LangOpt = Annotated[
    list[str] | None, typer.Option("--lang", help="Only this language (repeatable).")
]
ChartOpt = Annotated[
    Path | None, typer.Option("--chart", help="Also draw the chart to this .svg or .png file.")
]
LimitOpt = Annotated[int, typer.Option(min=1, max=1000, help="How many rows.")]


class IntervalChoice(StrEnum):
    hour = "hour"
    day = "day"
    week = "week"


class ByChoice(StrEnum):
    platform = "platform"
    lang = "lang"
    country = "country"
    sentiment = "sentiment"


class TopKind(StrEnum):
    posts = "posts"
    authors = "authors"
    hashtags = "hashtags"
    domains = "domains"
    links = "links"
    mentions = "mentions"
    stories = "stories"


class View(StrEnum):
    us = "us"
    sector = "sector"


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"


class ReportLang(StrEnum):
    en = "en"
    fr = "fr"


def _tz(ws: Workspace) -> str:
    return ws.settings.workspace.timezone


def _scope(
    ws: Workspace,
    query: str | None,
    topic: str | None,
    platform: list[str] | None,
    lang: list[str] | None,
) -> Any:
    from veille.services.analytics import build_scope

    return build_scope(ws, query=query, topic=topic, platforms=platform or (), languages=lang or ())


def _period(ws: Workspace, text: str) -> Any:
    from veille.services.analytics import period as period_of

    return period_of(ws, text)


def _pct(x: float | None) -> str:
    return "" if x is None else format_change(x, "en") if x else "0%"


def _volume_footer(vol: Any, label: str, fmt: str) -> list[str]:
    """The totals under ``veille volume``'s table, and what of the period
    before is beside no row (its buckets past this period's length) or
    what rows have no bucket of the period before (it is shorter)."""
    lines = [
        f"[bold]{vol.total}[/] {plural(vol.total, 'en', 'post', 'posts')} in {label}; "
        f"{vol.previous_total} the period before ({_pct(vol.change) or 'n/a'})"
    ]
    if vol.previous_extra:
        extra = sum(b.posts for b in vol.previous_extra)
        when = ", ".join(f"{b.start.strftime(fmt)}: {b.posts}" for b in vol.previous_extra)
        lines.append(
            f"The period before is longer: its total includes {extra} "
            f"{plural(extra, 'en', 'post', 'posts')} beside no row ({when})."
        )
    missing = [p for p in vol.points if p.previous_start is None]
    if missing:
        first, last = missing[0].start.strftime(fmt), missing[-1].start.strftime(fmt)
        span = first if len(missing) == 1 else f"{first} to {last}"
        lines.append(f"The period before is shorter: nothing of it is beside {span} (left blank).")
    return lines


def _chart_file(path: Path | None) -> Path | None:
    """``--chart``'s file, checked before any work: a table is not printed
    above an error about where its chart should go."""
    if path is not None and path.suffix.lower() not in (".svg", ".png"):
        raise UsageError(
            tr("--chart %(path)s: unknown chart format", path=path),
            hint=tr("Name a .svg or .png file."),
        )
    return output_file(path, "--chart")


def _chart(chart: Any, path: Path | None) -> None:
    if path is None:
        return
    from veille.analytics.charts import save_chart

    save_chart(chart, path)
    err_console().print(f"chart written to {path}")


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def volume(
        workspace: WorkspaceOpt = None,
        period: PeriodOpt = "last-30d",
        interval: Annotated[IntervalChoice, typer.Option(help="Bucket size.")] = IntervalChoice.day,
        by: Annotated[
            ByChoice | None, typer.Option(help="Break posts down by this instead of by time.")
        ] = None,
        query: QueryOpt = None,
        topic: TopicOpt = None,
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        chart: ChartOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Posts over time (with the previous period beside) or broken down by platform,
        language, country or sentiment, in the workspace time zone."""
        from veille.analytics import charts
        from veille.analytics.volume import breakdown, net_sentiment
        from veille.analytics.volume import volume as volume_of

        chart = _chart_file(chart)
        with open_workspace(workspace) as ws:
            scope = _scope(ws, query, topic, platform, lang)
            per = _period(ws, period)
            if by is not None:
                shares = breakdown(ws.store, scope, per, by.value)
                rows = [
                    {by.value: s.key, "posts": s.posts, "share": _share(s.share),
                     "previous": s.previous, "previous_share": _share(s.previous_share),
                     # Unknown is not zero: none of these posts gave a count.
                     "engagement": _count(s.engagement), "reach": _count(s.reach)}
                    for s in shares
                ]  # fmt: skip
                if output is DataFormat.json:
                    print_json(shares)
                else:
                    cols = [by.value, "posts", "share", "previous", "previous_share", "engagement"]
                    print_rows(rows, cols, output, title=per.label(_tz(ws)))
                titled = {"about": scope.label, "period": per, "timezone": _tz(ws)}
                _chart(charts.share_chart(shares, title=by.value, **titled), chart)
                return
            vol = volume_of(ws.store, scope, per, interval=interval.value, timezone=_tz(ws))
            senti = net_sentiment(ws.store, scope, per, interval=interval.value, timezone=_tz(ws))
        if output is DataFormat.json:
            print_json({"volume": vol, "net_sentiment": senti, "change": vol.change})
        else:
            fmt = "%Y-%m-%d %H:%M" if interval is IntervalChoice.hour else "%Y-%m-%d"
            # A bucket the shorter period before does not have is left blank
            # (no data, not a drop to 0).
            rows = [
                {"start": p.start.strftime(fmt), "posts": p.posts,
                 "previous": "" if p.previous_start is None else p.previous,
                 "net sentiment": "" if s.net is None else f"{s.net:+.2f}"}
                for p, s in zip(vol.points, senti, strict=True)
            ]  # fmt: skip
            print_rows(rows, ["start", "posts", "previous", "net sentiment"], output)
            for line in _volume_footer(vol, per.label(_tz(ws)), fmt):
                console().print(line)
        _chart(charts.volume_chart(vol, about=scope.label), chart)

    @app.command()
    @handle_errors
    def sov(
        workspace: WorkspaceOpt = None,
        topic: Annotated[
            list[str] | None, typer.Option("--topic", "-t", help="A saved topic (repeatable).")
        ] = None,
        query: Annotated[
            list[str] | None,
            typer.Option("--query", "-q", help="NAME=QUERY: a named query (repeatable)."),
        ] = None,
        period: PeriodOpt = "last-30d",
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        chart: ChartOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Share of voice: the brand against its competitors (default: the
        brand_topic and competitor_topics of the organization section of veille.toml)."""
        from veille.analytics.charts import sov_chart
        from veille.services.analytics import share_of_voice, uneven_sources, voice_scopes

        chart = _chart_file(chart)
        with open_workspace(workspace) as ws:
            scopes = voice_scopes(
                ws, topics=topic or (), named_queries=query or (),
                platforms=platform or (), languages=lang or (),
            )  # fmt: skip
            per = _period(ws, period)
            voices = share_of_voice(ws, scopes, per)
            uneven = uneven_sources(ws, scopes, per)
            root = ws.root
        # A notice, in the reader's language (--language, ui_language, the
        # locale) as the command line's other notices; the table below is
        # data, its headers English.
        language = cli_language(root)
        for u in uneven:
            warn(u.message(language), root)
        if output is DataFormat.json:
            print_json(voices)
        else:
            rows = [
                {"topic": v.topic, "posts": v.posts, "share": _share(v.share),
                 "previous_share": _share(v.previous_share),
                 "engagement_share": _share(v.engagement_share)}
                for v in voices
            ]  # fmt: skip
            print_rows(
                rows, ["topic", "posts", "share", "previous_share", "engagement_share"], output
            )
        _chart(sov_chart(voices, period=per, timezone=_tz(ws)), chart)

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
            found = rank_influencers(ws, scope, _period(ws, period), limit=limit)
            offers = same_person_candidates(ws, found)
        language = "en"  # as every line of the command line (ui_language: reports, e-mails)
        for o in offers:
            a, b = (f"{p}:{h}" for p, h in (o.a, o.b))
            err_console().print(
                f"maybe one person: {a} and {b} ({'; '.join(o.evidence)}). "
                f"Confirm: veille link-authors {a} {b}  (or --different)",
                highlight=False,
            )
        if output is DataFormat.json:
            print_json(
                [
                    {
                        **_plain(i),
                        "why": i.why(language),
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
            {"#": n, "handle": i.handle, "score": f"{i.score:.1f}",
             "platforms": ", ".join(i.platforms), "languages": ", ".join(i.languages),
             "engaged": "yes" if i.engaged else "", "why": i.why(language),
             "contact": " ".join(x for x in (i.profile, i.site) if x),
             "latest": (i.recent[0].url or i.recent[0].id) if i.recent else ""}
            for n, i in enumerate(found, 1)
        ]  # fmt: skip
        cols = ["#", "handle", "score", "platforms", "languages", "engaged", "why"]
        if any(r["contact"] for r in rows):
            cols.append("contact")  # shown only where something is known
        print_rows(rows, cols, output)

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
        verb = "are two people" if different else "are one person"
        console().print(f"{a[0]}:{a[1]} and {b[0]}:{b[1]} {verb}.")

    @app.command()
    @handle_errors
    def trends(
        workspace: WorkspaceOpt = None,
        period: PeriodOpt = "last-7d",
        baseline: Annotated[
            int, typer.Option(min=1, max=52, help="Periods before, as the baseline.")
        ] = 4,
        min_stories: Annotated[int, typer.Option(min=1, help="Ignore rarer terms.")] = 3,
        max_posts: Annotated[
            int,
            typer.Option(min=1000, help="Above this many posts, read a fixed sample of stories."),
        ] = 100_000,
        query: QueryOpt = None,
        topic: TopicOpt = None,
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        limit: LimitOpt = 20,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Terms and phrases rising against their own baseline (log-likelihood)."""
        from veille.analytics.trends import trending_terms

        with open_workspace(workspace) as ws:
            scope = _scope(ws, query, topic, platform, lang)
            found = trending_terms(
                ws.store, scope, _period(ws, period), baseline_periods=baseline,
                limit=limit, min_stories=min_stories,
                max_posts=max_posts,
            )  # fmt: skip
        if output is DataFormat.json:
            print_json(found)
            return
        rows = [
            {"term": t.term, "stories": t.stories, "baseline": t.baseline,
             "share": _share(t.share), "baseline_share": _share(t.baseline_share),
             "G2": f"{t.g2:.1f}", "forms": ", ".join(t.forms[:4])}
            for t in found
        ]  # fmt: skip
        print_rows(
            rows, ["term", "stories", "baseline", "share", "baseline_share", "G2", "forms"], output
        )

    @app.command()
    @handle_errors
    def top(
        kind: Annotated[TopKind, typer.Argument(help="What to rank.")] = TopKind.posts,
        workspace: WorkspaceOpt = None,
        by: Annotated[
            str | None,
            typer.Option(
                help="posts: engagement|reach; authors: posts|engagement|followers; "
                "stories: reach|posts|engagement."
            ),
        ] = None,
        period: PeriodOpt = "last-30d",
        query: QueryOpt = None,
        topic: TopicOpt = None,
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        limit: LimitOpt = 10,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Top posts, authors, hashtags, domains, links, mentions or stories."""
        from veille.analytics import tops

        with open_workspace(workspace) as ws:
            scope = _scope(ws, query, topic, platform, lang)
            per = _period(ws, period)
            rows: list[dict[str, Any]]
            if kind is TopKind.posts:
                posts = tops.top_posts(ws.store, scope, per, by=by or "engagement", limit=limit)
                rows = [
                    {"id": p.id, "published_at": p.published_at, "author": p.author.handle,
                     # A count the platform never gave (a feed) is unknown (null).
                     "engagement": p.engagement.known, "reach": p.author.followers,
                     "text": p.text[:100], "url": p.url}
                    for p in posts
                ]  # fmt: skip
                if output is DataFormat.table:  # no author: said, not an empty cell
                    for row in rows:
                        row["author"] = author_cell(row["author"])
                        # Unknown is not zero (a feed, Bluesky give no count), as top authors say.
                        row["reach"] = _count(row["reach"])
                        row["engagement"] = _count(row["engagement"])
            elif kind is TopKind.authors:
                found = tops.top_authors(ws.store, scope, per, by=by or "posts", limit=limit)
                rows = [_plain(a) for a in found]
                if output is DataFormat.table:  # unknown, not zero (null in JSON)
                    for row in rows:
                        row["followers"] = _count(row["followers"])
                        row["engagement"] = _count(row["engagement"])
            elif kind is TopKind.stories:
                stories = tops.stories(ws.store, scope, per, by=by or "reach", limit=limit)
                rows = [
                    {"story": s.key, "posts": s.posts, "reach": s.reach,
                     "engagement": s.engagement, "platforms": ", ".join(s.platforms),
                     "text": s.first.text[:100], "url": s.first.url}
                    for s in stories
                ]  # fmt: skip
                if output is DataFormat.table:  # unknown, not zero (null in JSON)
                    for row in rows:
                        row["reach"] = _count(row["reach"])
                        row["engagement"] = _count(row["engagement"])
            else:
                rows = [
                    _plain(e)
                    for e in tops.top_entities(ws.store, scope, per, kind.value, limit=limit)
                ]
                if output is DataFormat.table:  # unknown, not zero (null in JSON)
                    for row in rows:
                        row["engagement"] = _count(row["engagement"])
        columns = list(rows[0]) if rows else ["value"]
        if output is DataFormat.json:
            print_json(rows)
        else:
            print_rows(rows, columns, output)

    @app.command()
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def report(
        workspace: WorkspaceOpt = None,
        topic: TopicOpt = None,
        query: QueryOpt = None,
        period: PeriodOpt = "last-week",
        fmt: Annotated[
            ReportFormat, typer.Option("--format", "-f", help="html, or pdf (for print).")
        ] = ReportFormat.html,
        lang: Annotated[
            ReportLang | None,
            typer.Option("--language", help="Report language (default: ui_language)."),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                help="File to write (default: report.<format>, rapport.<format> in French).",
            ),
        ] = None,
    ) -> None:
        """A report for a topic and period: headline figures with their change, charts,
        top posts and stories, influencers, platforms, sentiment, trending terms and
        plain-language findings, as HTML or PDF, in English or French."""
        from veille.analytics.report import render_report

        out = output_file(output, "--output")  # a bad --output refused before any work
        with open_workspace(workspace) as ws:
            language = lang.value if lang else ws.settings.workspace.ui_language
            if out is None:
                # Named in the report's language, as its e-mailed PDF and the
                # web app's download are (a French report was report.html).
                stem = "rapport" if language == "fr" else "report"
                out = output_file(Path(f"{stem}.{fmt.value}"), "--output")
                assert out is not None
            scope = _scope(ws, query, topic, None, None)
            html, pdf = render_report(
                ws, scope=scope, period=_period(ws, period), lang=language,
                pdf=fmt is ReportFormat.pdf,
            )  # fmt: skip
        if fmt is ReportFormat.pdf:
            assert pdf is not None
            out.write_bytes(pdf)
        else:
            out.write_text(html, encoding="utf-8")
        err_console().print(f"report written to {out}")


def _count(value: int | None) -> int | str:
    """A summed count in a table: "–" where it is unknown (``null`` in JSON)."""
    return "–" if value is None else value


def _share(value: float | None) -> str:
    """A share as a percentage; "–" where it is unknown (nothing to share)."""
    return "–" if value is None else format_percent(value, "en", 1)


def _plain(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(obj)
    data.pop("recent", None)
    return data
