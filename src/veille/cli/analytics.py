"""Analytics commands: volume, sov, trends, top, report (influencers and
link-authors: :mod:`veille.cli.influencers`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
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
    count_cell,
    err_console,
    handle_errors,
    old_option_name,
    open_workspace,
    output_file,
    print_json,
    print_rows,
    said_heads,
    speaker,
    time_cell,
    warn,
)
from veille.errors import Count, UsageError, tr, trn
from veille.i18n import (
    format_change,
    format_decimal,
    format_percent,
    platform_name,
    shares_shown,
)
from veille.workspace import Workspace

#: The tables' column headers, said in the reader's language (CSV and JSON
#: keep the keys a script reads).
HEADS = {
    "platform": tr("platform"), "lang": tr("lang"), "country": tr("country"),
    "sentiment": tr("sentiment"), "posts": tr("posts"), "share": tr("share"),
    "previous": tr("previous"), "previous_share": tr("previous_share"),
    "engagement": tr("engagement"), "start": tr("start"), "net sentiment": tr("net sentiment"),
    "topic": tr("topic"), "engagement_share": tr("engagement_share"), "handle": tr("handle"),
    "score": tr("score"), "platforms": tr("platforms"), "languages": tr("languages"),
    "engaged": tr("engaged"), "why": tr("why"), "contact": tr("contact"), "term": tr("term"),
    "stories": tr("stories"), "baseline": tr("baseline"), "baseline_share": tr("baseline_share"),
    "forms": tr("forms"), "published_at": tr("published_at"), "author": tr("author"),
    "reach": tr("reach"), "text": tr("text"), "name": tr("name"), "followers": tr("followers"),
    "story": tr("story"), "value": tr("value"), "url": tr("url"),
}  # fmt: skip

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


def _pct(x: float | None, reader: str) -> str:
    """A change as a percentage (``+25%`` / ``+25 %``); "" where there is none."""
    return "" if x is None else format_change(x, reader) if x else format_percent(0, reader)


def _label(ws: Workspace, per: Any, reader: str) -> str:
    """The period's whole days in the workspace's zone, as its reader
    reads dates and as ``veille influencers`` and the pages say them:
    ``Nov 1 – 30, 2026`` / ``1er–30 nov. 2026`` (English wrote ISO days,
    ``2026-11-01 – 2026-11-30``, until 2026-12-07)."""
    from veille.i18n import format_period

    return format_period(per.since, per.until, reader, _tz(ws))


def _bucket(start: datetime, hourly: bool, reader: str) -> str:
    """A bucket's start (in the workspace's time zone already): ISO in
    English, as it was; the French way in French (``1 novembre 2026``)."""
    from veille.i18n import format_date, format_datetime

    if reader == "en":
        return start.strftime("%Y-%m-%d %H:%M" if hourly else "%Y-%m-%d")
    if hourly:
        return format_datetime(start, reader, start.tzinfo)
    return format_date(start, reader, start.tzinfo)


def _decimal(value: float, digits: int, reader: str) -> str:
    """A score or a G² in a table: ``12.5`` / ``12,5``."""
    return (
        f"{value:.{digits}f}"
        if reader == "en"
        else format_decimal(value, reader, digits, trim=False)
    )


def _volume_footer(
    vol: Any, label: str, hourly: bool, reader: str, say: Callable[[str], str]
) -> list[str]:
    """The totals under ``veille volume``'s table, and what of the period
    before is beside no row (its buckets past this period's length) or
    what rows have no bucket of the period before (it is shorter), said
    in the reader's language."""
    total = Count(vol.total)
    lines = [
        say(trn("%(n)s post in %(period)s; %(previous)s the period before (%(change)s)",
                "%(n)s posts in %(period)s; %(previous)s the period before (%(change)s)",
                total, n=total, period=label, previous=Count(vol.previous_total),
                change=_pct(vol.change, reader) or say(tr("n/a"))))
        if vol.previous_held_days is None
        # A change against a period before veille holds part of is none
        # (October held from the 8th read "+68%"); of none of it, it has no count.
        else say(trn("%(n)s post in %(period)s; veille holds none of the period before "
                     "(no change)",
                     "%(n)s posts in %(period)s; veille holds none of the period before "
                     "(no change)",
                     total, n=total, period=label))
        if vol.previous_held_days == 0
        else say(trn("%(n)s post in %(period)s; %(previous)s the period before (no change: "
                     "veille holds only %(held)s of its %(days)s days)",
                     "%(n)s posts in %(period)s; %(previous)s the period before (no change: "
                     "veille holds only %(held)s of its %(days)s days)",
                     total, n=total, period=label, previous=Count(vol.previous_total),
                     held=Count(vol.previous_held_days), days=Count(vol.previous_days or 0)))
    ]  # fmt: skip
    if vol.previous_extra:
        extra = Count(sum(b.posts for b in vol.previous_extra))
        when = ", ".join(
            say(tr("%(when)s: %(n)s", when=_bucket(b.start, hourly, reader), n=Count(b.posts)))
            for b in vol.previous_extra
        )
        lines.append(say(trn(
            "The period before is longer: its total includes %(n)s post beside no row (%(when)s).",
            "The period before is longer: its total includes %(n)s posts beside no row (%(when)s).",
            extra, n=extra, when=when)))  # fmt: skip
    missing = [p for p in vol.points if p.previous_start is None]
    if missing:
        first = _bucket(missing[0].start, hourly, reader)
        last = _bucket(missing[-1].start, hourly, reader)
        span = first if len(missing) == 1 else say(tr("%(first)s to %(last)s", first=first,
                                                      last=last))  # fmt: skip
        lines.append(say(tr("The period before is shorter: nothing of it is beside %(span)s "
                            "(left blank).", span=span)))  # fmt: skip
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


def _chart(chart: Any, path: Path | None, say: Callable[[str], str]) -> None:
    if path is None:
        return
    from veille.analytics.charts import save_chart

    save_chart(chart, path)
    said = say(tr("chart written to %(path)s", path=str(path)))
    err_console().print(said, markup=False, soft_wrap=True)


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
        from veille.analytics.volume import breakdown, held_before, listening_since, net_sentiment
        from veille.analytics.volume import volume as volume_of

        chart = _chart_file(chart)
        with open_workspace(workspace) as ws:
            reader = cli_language(ws.root)
            say = speaker(reader)
            scope = _scope(ws, query, topic, platform, lang)
            per = _period(ws, period)
            if by is not None:
                shares = breakdown(ws.store, scope, per, by.value)
                # A column of shares adds up to 100% as shown (JSON keeps them exact).
                now, before = _shown(shares, "share"), _shown(shares, "previous_share")
                # A platform named as the pages name it (Hacker News); JSON keeps its code.
                named = by is ByChoice.platform
                rows = [
                    {by.value: platform_name(s.key) if named else s.key,
                     "posts": count_cell(s.posts, reader),
                     "share": _share(now[i], reader),
                     # Of the days of the period before veille holds: marked.
                     "previous": _held(count_cell(s.previous, reader), s, output),
                     "previous_share": _held(_share(before[i], reader), s, output),
                     # Unknown is not zero: none of these posts gave a count.
                     "engagement": count_cell(s.engagement, reader),
                     "reach": count_cell(s.reach, reader)}
                    for i, s in enumerate(shares)
                ]  # fmt: skip
                if output is DataFormat.json:
                    print_json(shares)
                else:
                    cols = [by.value, "posts", "share", "previous", "previous_share", "engagement"]
                    print_rows(rows, cols, output, title=_label(ws, per, reader),
                               heads=said_heads(say, HEADS))  # fmt: skip
                    _held_note(shares, output, say)
                titled = {"about": scope.label, "period": per, "timezone": _tz(ws)}
                _chart(charts.share_chart(shares, title=by.value, **titled), chart, say)
                return
            vol = held_before(
                volume_of(ws.store, scope, per, interval=interval.value, timezone=_tz(ws)),
                listening_since(ws.store, scope),
            )
            senti = net_sentiment(ws.store, scope, per, interval=interval.value, timezone=_tz(ws))
        if output is DataFormat.json:
            print_json({"volume": vol, "net_sentiment": senti, "change": vol.change,
                        "previous_held_days": vol.previous_held_days,
                        "previous_days": vol.previous_days})  # fmt: skip
        else:
            hourly = interval is IntervalChoice.hour
            # A bucket the shorter period before does not have is left blank
            # (no data, not a drop to 0).
            rows = [
                {"start": _bucket(p.start, hourly, reader), "posts": count_cell(p.posts, reader),
                 # A day of it veille holds nothing of: "–", not 0.
                 "previous": "" if p.previous_start is None
                 else "–" if p.previous is None else count_cell(p.previous, reader),
                 "net sentiment": "" if s.net is None else _signed(s.net, reader)}
                for p, s in zip(vol.points, senti, strict=True)
            ]  # fmt: skip
            print_rows(rows, ["start", "posts", "previous", "net sentiment"], output,
                       heads=said_heads(say, HEADS))  # fmt: skip
            for line in _volume_footer(vol, _label(ws, per, reader), hourly, reader, say):
                console().print(line, markup=False, soft_wrap=True)
        _chart(charts.volume_chart(vol, about=scope.label), chart, say)

    @app.command()
    @handle_errors
    def sov(
        workspace: WorkspaceOpt = None,
        topic: Annotated[
            list[str] | None, typer.Option("--topic", "-t", help="A saved topic (repeatable).")
        ] = None,
        query: Annotated[
            list[str] | None,
            typer.Option(
                "--query",
                "-q",
                metavar="NAME=QUERY",
                help="NAME=QUERY: a named query (repeatable).",
            ),
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
            # The reader's language (veille --language, ui_language, the
            # locale), headers, figures and warnings alike.
            reader = cli_language(ws.root)
        say = speaker(reader)
        for u in uneven:
            warn(u.message(reader), say=say)
        if output is DataFormat.json:
            print_json(voices)
        else:
            # Each column of shares adds up to 100% as shown.
            now, before, eng = (
                _shown(voices, c) for c in ("share", "previous_share", "engagement_share")
            )
            rows = [
                {"topic": v.topic, "posts": count_cell(v.posts, reader),
                 "share": _share(now[i], reader),
                 "previous_share": _held(_share(before[i], reader), v, output),
                 "engagement_share": _share(eng[i], reader)}
                for i, v in enumerate(voices)
            ]  # fmt: skip
            print_rows(
                rows, ["topic", "posts", "share", "previous_share", "engagement_share"], output,
                heads=said_heads(say, HEADS),
            )  # fmt: skip
            _held_note(voices, output, say)
        _chart(sov_chart(voices, period=per, timezone=_tz(ws)), chart, say)

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
        from veille.analytics.volume import listening_since

        with open_workspace(workspace) as ws:
            scope = _scope(ws, query, topic, platform, lang)
            found = trending_terms(
                ws.store, scope, _period(ws, period), baseline_periods=baseline,
                limit=limit, min_stories=min_stories,
                max_posts=max_posts, listening=listening_since(ws.store, scope),
            )  # fmt: skip
            reader = cli_language(ws.root)
        if output is DataFormat.json:
            print_json(found)
            return
        rows = [
            {"term": t.term, "stories": count_cell(t.stories, reader),
             "baseline": count_cell(t.baseline, reader),
             "share": _share(t.share, reader),
             "baseline_share": _share(t.baseline_share, reader)
             + ("*" if t.baseline_held_days and t.baseline_share is not None
                and output is DataFormat.table else ""),
             "G2": _decimal(t.g2, 1, reader), "forms": ", ".join(t.forms[:4])}
            for t in found
        ]  # fmt: skip
        print_rows(
            rows, ["term", "stories", "baseline", "share", "baseline_share", "G2", "forms"], output,
            heads=said_heads(speaker(reader), HEADS),
        )  # fmt: skip
        if found and found[0].baseline_held_days is not None and output is DataFormat.table:
            t, say = found[0], speaker(reader)
            said = (
                say(tr("* Before: veille holds only %(held)s of the %(days)s days of the periods "
                       "before (its posts begin later); its shares are of those days.",
                       held=Count(t.baseline_held_days), days=Count(t.baseline_days or 0)))
                if t.baseline_held_days
                else say(tr("Before: veille holds none of the %(days)s days of the periods before "
                            "(its posts begin later); no term is measured against them.",
                            days=Count(t.baseline_days or 0)))
            )  # fmt: skip
            console().print(said, markup=False, soft_wrap=True)

    @app.command()
    @handle_errors
    def top(
        kind: Annotated[TopKind, typer.Argument(help="What to rank.")] = TopKind.posts,
        workspace: WorkspaceOpt = None,
        by: Annotated[
            str | None,
            typer.Option(
                metavar="MEASURE",
                help="posts: engagement|reach; authors: posts|engagement|followers; "
                "stories: reach|posts|engagement.",
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
            reader = cli_language(ws.root)
            scope = _scope(ws, query, topic, platform, lang)
            per = _period(ws, period)
            rows: list[dict[str, Any]]
            title = None
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
                    # On the workspace's clock, said above the table, as the
                    # report's top posts and `veille search` show them (UTC, unsaid).
                    tz = _tz(ws)
                    title = speaker(reader)(tr("Top posts (times in %(zone)s)", zone=tz))
                    for row in rows:
                        row["published_at"] = time_cell(row["published_at"], reader, tz)
                        row["author"] = author_cell(row["author"], reader)
                        # Unknown is not zero (a feed, Bluesky give no count), as top authors say.
                        row["reach"] = count_cell(row["reach"], reader)
                        row["engagement"] = count_cell(row["engagement"], reader)
            elif kind is TopKind.authors:
                found = tops.top_authors(ws.store, scope, per, by=by or "posts", limit=limit)
                rows = [_plain(a) for a in found]
                if output is DataFormat.table:  # unknown, not zero (null in JSON)
                    for row in rows:
                        row["platform"] = platform_name(row["platform"])  # as the pages name it
                        row["posts"] = count_cell(row["posts"], reader)
                        row["followers"] = count_cell(row["followers"], reader)
                        row["engagement"] = count_cell(row["engagement"], reader)
            elif kind is TopKind.stories:
                stories = tops.stories(ws.store, scope, per, by=by or "reach", limit=limit)
                rows = [
                    {"story": s.key, "posts": s.posts, "reach": s.reach,
                     "engagement": s.engagement, "platforms": ", ".join(s.platforms),
                     "text": s.first.text[:100], "url": s.first.url}
                    for s in stories
                ]  # fmt: skip
                if output is DataFormat.table:  # unknown, not zero (null in JSON)
                    for row, s in zip(rows, stories, strict=True):
                        row["platforms"] = ", ".join(map(platform_name, s.platforms))
                        row["posts"] = count_cell(row["posts"], reader)
                        row["reach"] = count_cell(row["reach"], reader)
                        row["engagement"] = count_cell(row["engagement"], reader)
            else:
                rows = [
                    _plain(e)
                    for e in tops.top_entities(ws.store, scope, per, kind.value, limit=limit)
                ]
                if output is DataFormat.table:  # unknown, not zero (null in JSON)
                    for row in rows:
                        row["posts"] = count_cell(row["posts"], reader)
                        row["engagement"] = count_cell(row["engagement"], reader)
        columns = list(rows[0]) if rows else ["value"]
        if output is DataFormat.json:
            print_json(rows)
        else:
            print_rows(rows, columns, output, title=title, heads=said_heads(speaker(reader), HEADS))

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
            typer.Option(
                "--language",
                help="Report language (default: veille --language, else the workspace's "
                "ui_language, else the locale: LANG).",
            ),
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
        from veille.analytics.chart_fonts import prefer_shipped_sans
        from veille.analytics.report import render_report

        out = output_file(output, "--output")  # a bad --output refused before any work
        prefer_shipped_sans()  # before any thread: the charts' texts measured faster
        with open_workspace(workspace) as ws:
            say = speaker(cli_language(ws.root))
            # The reader's language, as the web app's form and the CLI's own
            # words take it: `veille --language fr report` wrote an English
            # report.html while saying « rapport écrit dans report.html ».
            language = lang.value if lang else cli_language(ws.root)
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
        err_console().print(say(tr("report written to %(path)s", path=str(out))), markup=False,
                            soft_wrap=True)  # fmt: skip


def _held(cell: Any, row: Any, output: DataFormat) -> Any:
    """A figure of the period before in a table of shares: marked "*"
    where veille holds only part of that period (:func:`_held_note` says
    how much), "–" where it holds none of it (not 0). CSV keeps its
    numbers as they are."""
    if row.previous_held_days is None or output is not DataFormat.table:
        return cell
    if row.previous_held_days == 0 and not row.previous:
        return "–"
    return cell if cell == "–" else f"{cell}*"


def _held_note(rows: list[Any], output: DataFormat, say: Callable[[str], str]) -> None:
    """Under a table of shares, how much of the period before veille holds
    where it holds only part of it: its figures are of those days (a
    share by platform of an October held from the 8th read as October's)."""
    if output is not DataFormat.table or not rows or rows[0].previous_held_days is None:
        return
    held, days = rows[0].previous_held_days, rows[0].previous_days or 0
    said = (
        say(trn("The period before: veille holds none of its %(days)s day (its posts begin "
                "later).",
                "The period before: veille holds none of its %(days)s days (its posts begin "
                "later).", Count(days), days=Count(days)))
        if not held
        else say(tr("* The period before: veille holds only %(held)s of its %(days)s days (its "
                    "posts begin later); its figures are of those days.",
                    held=Count(held), days=Count(days)))
    )  # fmt: skip
    console().print(said, markup=False, soft_wrap=True)


def _shown(rows: list[Any], column: str) -> list[float | None]:
    """A column of shares as a table (or CSV) writes them, one decimal
    each: adding up to 100.0% (:func:`veille.i18n.shares_shown`; 33.3%
    three times read 99.9%). JSON gives them exact."""
    return shares_shown([getattr(r, column) for r in rows], 1)


def _share(value: float | None, reader: str) -> str:
    """A share as a percentage (``12.5%`` / ``12,5 %``); "–" where it is
    unknown (nothing to share)."""
    return "–" if value is None else format_percent(value, reader, 1)


def _signed(value: float, reader: str) -> str:
    """A net sentiment: ``+0.25`` as it was in English, ``+0,25`` in French."""
    from veille.i18n import format_signed

    return f"{value:+.2f}" if reader == "en" else format_signed(value, reader)


def _plain(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(obj)
    data.pop("recent", None)
    return data
