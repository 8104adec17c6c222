"""Reports: one topic (or query) over one period, as HTML and PDF, in English
or French.

:func:`render_report` is the entry point the CLI (``veille report``), the web
app and scheduled deliveries call: it returns the HTML page and, when asked,
the PDF bytes. Post content is untrusted: it is reduced to text by nh3 and
escaped by Jinja2; charts are inline SVG images (no script).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from veille import i18n
from veille.analytics import charts, tops
from veille.analytics.findings import (
    baseline_average,
    baseline_held,
    change_text,
    findings,
    num,
    pct,
    platform_name,
    signed,
)
from veille.analytics.influencers import influencers, with_recent
from veille.analytics.scope import Period, Scope
from veille.analytics.trends import trending_terms
from veille.analytics.volume import (
    buckets_of,
    held_before,
    listening_since,
    net_sentiment,
    shares_held_before,
    volume,
)
from veille.errors import UsageError, tr

STRINGS = {
    "en": {
        "title": "Listening report", "period": "Period", "previous": "previous period",
        "generated": "Generated", "countries": "Countries (where known)",
        "findings": "Findings", "headline": "Headline figures",
        "posts": "Posts", "engagement": "Engagement", "reach": "Reach", "authors": "Authors",
        "stories": "Stories", "net_sentiment": "Net sentiment", "volume": "Volume over time",
        "platforms": "Platforms", "languages": "Languages", "sentiment": "Sentiment",
        "top_posts": "Top posts", "top_stories": "Top stories", "influencers": "Influencers",
        "trends": "Trending terms", "share": "Share", "before": "Before", "copies": "Copies",
        "score": "Score", "why": "Why", "engaged": "Engaged", "yes": "yes", "term": "Term",
        "none": "Nothing in this period.", "all": "all posts", "positive": "positive",
        "negative": "negative", "neutral": "neutral", "und": "not scored",
        "unknown": "unknown", "day": "Day", "week": "Week of", "hour": "Hour",
        "previous_col": "Previous period", "where_who": "Date, platform, author",
        "post": "Post", "story": "Story", "account": "Account",
        "average_before": "Average over the {n} periods before",
        "shares_part": "* The period before: veille holds only {held} of its {days} days (its "
        "posts begin later); its figures are of those days.",
        "shares_none": "The period before: veille holds none of it (its posts begin later).",
        "average_part": "* Each average is of the {held} days of these {days} that veille "
        "holds (its posts begin later), per period of the same length.",
        "average_none": "No average: veille holds none of the {days} days of the {n} periods "
        "before (its posts begin later).",
        "no_counts": "No post stands out: none of this period's posts has engagement or "
        "followers counted.",
        "covers_engagement": "on {covered} of {posts} posts (those that gave interaction counts)",
        "covers_reach": "on {covered} of {posts} posts (those that gave a follower count)",
        "before_part": "No change is given: veille holds only {held} of the {days} days of the "
        "period before (its posts begin later).",
        "before_none": "No change is given: veille holds none of the {days} days of the period "
        "before (its posts begin later).",
        "held_only": "Platforms, languages and countries count the {held} posts still held of "
        "this period's {posts}: a retention purge deleted the others and kept their volume, "
        "engagement, reach and sentiment, not these.",
    },
    "fr": {
        "title": "Rapport d’écoute", "period": "Période", "previous": "période précédente",
        "generated": "Produit le", "countries": "Pays (quand il est connu)",
        "findings": "Constats", "headline": "Chiffres clés",
        "posts": "Publications", "engagement": "Interactions", "reach": "Portée",
        "authors": "Auteurs", "stories": "Histoires", "net_sentiment": "Sentiment net",
        "volume": "Volume dans le temps", "platforms": "Plateformes", "languages": "Langues",
        "sentiment": "Sentiment", "top_posts": "Publications phares",
        "top_stories": "Histoires les plus reprises", "influencers": "Influenceurs",
        "trends": "Termes en hausse", "share": "Part", "before": "Avant", "copies": "Copies",
        "score": "Score", "why": "Pourquoi", "engaged": "Contact", "yes": "oui", "term": "Terme",
        "none": "Rien sur cette période.", "all": "toutes les publications",
        "positive": "positif", "negative": "négatif", "neutral": "neutre", "und": "non évalué",
        "unknown": "inconnue", "day": "Jour", "week": "Semaine du", "hour": "Heure",
        "previous_col": "Période précédente", "where_who": "Date, plateforme, auteur",
        "post": "Publication", "story": "Histoire", "account": "Compte",
        "average_before": "Moyenne des {n} périodes précédentes",
        "shares_part": "* La période précédente\u202f: veille ne détient que {held} de ses "
        "{days} jours (ses publications commencent plus tard)\u202f; ses chiffres sont ceux de "
        "ces jours-là.",
        "shares_none": "La période précédente\u202f: veille n’en détient rien (ses publications "
        "commencent plus tard).",
        "average_part": "* Chaque moyenne porte sur les {held} jours de ces {days} que veille "
        "détient (ses publications commencent plus tard), par période de même durée.",
        "average_none": "Aucune moyenne\u202f: veille ne détient aucun des {days} jours des {n} "
        "périodes précédentes (ses publications commencent plus tard).",
        "no_counts": "Aucune publication ne se détache\u202f: aucune publication de cette "
        "période n’a d’interactions ni d’abonnés comptés.",
        "covers_engagement": "sur {covered} des {posts} publications (celles qui ont donné leur "
        "nombre d’interactions)",
        "covers_reach": "sur {covered} des {posts} publications (celles qui ont donné un nombre "
        "d’abonnés)",
        "before_part": "Aucune évolution n’est donnée\u202f: veille ne détient que {held} des "
        "{days} jours de la période précédente (ses publications commencent plus tard).",
        "before_none": "Aucune évolution n’est donnée\u202f: veille ne détient aucun des {days} "
        "jours de la période précédente (ses publications commencent plus tard).",
        "held_only": "Plateformes, langues et pays comptent les {held} publications encore "
        "conservées sur les {posts} de cette période\u202f: une purge de rétention a supprimé "
        "les autres et n’en a gardé que le volume, les interactions, la portée et le sentiment.",
    },
}  # fmt: skip


def _svg_uri(chart: Any, draw: Callable[[Any], str] | None) -> str:
    svg = str((draw or charts.to_svg)(chart))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _text(value: str | None, limit: int = 280) -> Any:
    """Untrusted post text as safe markup: tags dropped, the rest escaped."""
    import nh3
    from markupsafe import Markup

    text = (value or "").strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return Markup(nh3.clean(text, tags=set()))


def _shown(post: Any) -> str:
    """What a one-line mention of a post shows: its text, led by its title
    when the text does not already open with it (a Hacker News story's text
    follows its title; a link story has no text at all)."""
    title = (post.title or "").strip()
    body = (post.text or "").strip()
    if not title or body.startswith(title.rstrip("…").rstrip()):
        return body or title
    if title.endswith("…") and body:  # a title cut short: its text goes on from there
        return f"{title[:-1].rstrip()} {body}"
    return f"{title} — {body}" if body else title


def _lang_of(post: Any) -> Any:
    """`` lang="en"`` for a post whose language is known: a screen reader (and
    the tagged PDF) reads an English post in an English voice inside a
    French report. Nothing where it is unknown."""
    import re

    from markupsafe import Markup

    code = getattr(post, "lang", None) or ""
    if code == "und" or not re.fullmatch(r"[a-z]{2,3}", code):
        return Markup("")
    return Markup(' lang="{}"').format(code)


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _peak(points: list[Any]) -> Any:
    """The busiest bucket when one stands out (strictly more posts than any other)."""
    ranked = sorted(points, key=lambda p: -p.posts)
    if (
        len(ranked) < 2  # the only bucket (a one-day report's day) is no peak
        or ranked[0].posts < 2
        or (len(ranked) > 1 and ranked[1].posts == ranked[0].posts)
    ):
        return None
    return ranked[0]


def report_data(
    store: Any,
    scope: Scope,
    period: Period,
    *,
    timezone: str = "UTC",
    org_handles: tuple[str, ...] = (),
    about: str = "",
    is_brand: bool = False,
    charted: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Every figure of a report (no formatting). ``charted``, when given, is
    called with the figures the report's charts draw (``about``, ``period``,
    ``volume``, ``platforms``, ``sentiment``, ``sentiment_series``) as soon
    as they are read, before the rest: see :class:`ChartsAhead`."""
    # Buckets a chart and its table can show: hours over a day or two (a daily
    # report), days up to three months, weeks past that.
    interval = (
        "hour" if period.seconds <= 2 * 86400 else "day" if period.seconds <= 93 * 86400 else "week"
    )
    begin = listening_since(store, scope)
    vol = held_before(volume(store, scope, period, interval=interval, timezone=timezone), begin)
    # Net sentiment by bucket comes with the breakdowns: on SQLite, one
    # read of a topic's or a query's posts of the period for both.
    buckets = buckets_of(period, interval, timezone)
    figures, sentiment, previous, split, by_bucket = tops.headline_and_sentiment(
        store, scope, period, ("platform", "lang", "country", "sentiment"), series=buckets
    )
    figures = tops.held_before(figures, period, begin)
    split = {d: shares_held_before(rows, period, begin) for d, rows in split.items()}
    # What the charts draw is read first: they can be drawn while the rest
    # (the lists of posts, the influencers, the trends) is read.
    series = net_sentiment(
        store, scope, period, interval=interval, timezone=timezone,
        read=None if by_bucket is None else (buckets, by_bucket),
    )  # fmt: skip
    if charted is not None:
        charted(
            {
                "about": about,
                "period": period,
                "volume": vol,
                "platforms": split["platform"],
                "sentiment": sentiment,
                "sentiment_series": series,
            }
        )
    top_by = (
        "engagement" if figures["engagement"].value else "reach" if figures["reach"].value else ""
    )
    shown = _posts_shown(store, scope, period, top_by=top_by, org_handles=org_handles)
    data: dict[str, Any] = {
        "about": about,
        "is_brand": is_brand,
        "period": period,
        "headline": figures,
        "volume": vol,
        "peak": _peak(vol.points),
        "platforms": split["platform"],
        "languages": split["lang"],
        "countries": split["country"],
        # A saved topic's purged posts keep no platform, language or country:
        # those tables count the posts held, fewer than its headline's.
        "held": sum(r.posts for r in split["platform"]),
        "sentiment_shares": split["sentiment"],
        "sentiment": sentiment,
        "previous_sentiment": previous,
        "sentiment_series": series,
        "top_posts": shown["top_posts"],
        "top_by": top_by,
        "stories": shown["stories"],
        "influencers": shown["influencers"],
        "trends": trending_terms(
            store, scope, period, limit=10, baseline_periods=4, listening=begin
        ),
        "baseline_periods": 4,
        "listening_since": begin,
    }
    return data


def _posts_shown(
    store: Any, scope: Scope, period: Period, *, top_by: str, org_handles: tuple[str, ...]
) -> dict[str, Any]:
    """The report's lists of posts: its top posts, its stories' earliest posts
    and its influencers' newest, each ranked and cut on the posts' keys, then
    the posts shown read once, together, on the columns a list shows. On
    ClickHouse the lists read posts by key four times, the stories' ten to
    show five: 79-91 ms of CPU at 2M posts for the lists, 34-45 so (see
    docs/api.md)."""
    scoped = scope.during(period)
    # Ranked by what the platforms counted: engagement, else reach; with
    # neither, no post stands out (a ranking of zeros listed the latest).
    top = store.top_post_keys(scoped, by=top_by, limit=5) if top_by else []
    stories = tops.story_keys(store, scope, period, limit=5)
    people = influencers(store, scope, period, org_handles=org_handles, limit=10, recent=0)
    newest = store.recent_post_keys_by(scoped, [list(i.accounts) for i in people], 1)
    posts = tops.posts_shown(
        store, [*top, *(s.first for s in stories), *(k for ks in newest for k in ks)]
    )
    return {
        "top_posts": [posts[k.id] for k in top if k.id in posts],
        "stories": [s.shown(posts[s.first.id]) for s in stories if s.first.id in posts],
        "influencers": [
            with_recent(i, [posts[k.id] for k in ks if k.id in posts])
            for i, ks in zip(people, newest, strict=True)
        ],
    }


@cache
def _template() -> Any:
    """The report's template, compiled once per process: compiling it took
    0.15-0.3 s of every report made (a report's first view at 1M posts, and
    each scheduled one). Everything that depends on the report (language,
    time zone) is given to it when rendered, never set on its environment."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("veille.analytics", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["platform"] = platform_name
    return env.get_template("report.html.j2")


def prepare() -> None:
    """Compile the report's template and start the chart drawer now:
    ``veille serve`` calls it as it starts, so that the first report viewed
    does not wait for them (the template: 0.06 s of a topic's week at 1M
    posts, 0.15-0.3 s under load; vl-convert: see
    :func:`veille.analytics.charts.prepare`, which the dashboard's warm-up
    does not do where no topic has figures yet)."""
    _template()
    charts.prepare()


def _language(lang: str) -> dict[str, str]:
    if lang not in STRINGS:
        raise UsageError(tr("no report language %(lang)r", lang=lang), hint=tr("Use en or fr."))
    return STRINGS[lang]


def report_charts(
    data: dict[str, Any], *, lang: str = "en", timezone: str = "UTC"
) -> dict[str, Any]:
    """The report's charts in ``lang`` (Altair charts, not drawn) by name
    (``volume``, ``platforms``, ``sentiment``), from the figures they draw
    (those :func:`report_data` hands to its ``charted``): the web app's
    report page shows them as images drawn when asked for. Each is drawn
    without its title, which the report writes as its text above it
    (:func:`chart_titles`): in the picture, a phone shrank it with the chart
    to half its size; as text, it wraps to the screen. The page and the PDF
    draw the same pictures (kept once for both)."""
    title = chart_titles(data, lang=lang, timezone=timezone)
    vol = data["volume"]
    found: dict[str, Any] = {}
    # No post in either period: the report says so; two flat lines at zero
    # would read as a broken chart.
    if vol.total or vol.previous_total:
        found["volume"] = charts.volume_chart(vol, lang=lang, title=title["volume"])
    if any(p.posts for p in data["platforms"]):
        named = [replace(r, key=platform_name(r.key)) for r in data["platforms"]]
        found["platforms"] = charts.share_chart(named, lang=lang, title=title["platforms"])
    if data["sentiment"].scored:
        found["sentiment"] = charts.sentiment_chart(
            data["sentiment_series"], lang=lang, title=title["sentiment"]
        )
    return {name: charts.without_title(chart)[1] for name, chart in found.items()}


def chart_titles(
    data: dict[str, Any], *, lang: str = "en", timezone: str = "UTC"
) -> dict[str, str]:
    """The titles of the report's charts by name (``Posts — lumio — Oct 26 –
    Nov 1, 2026``): written above each chart as text."""
    s = _language(lang)
    label = data["about"] or s["all"]
    period = data["period"]

    def title(name: str) -> str:
        return charts.chart_title(name, about=label, period=period, lang=lang, timezone=timezone)

    return {
        "volume": title(s["volume"]),
        "platforms": title(s["platforms"]),
        "sentiment": title(s["net_sentiment"]),
    }


def report_images(
    data: dict[str, Any],
    *,
    lang: str = "en",
    timezone: str = "UTC",
    draw: Callable[[Any], str] | None = None,
) -> dict[str, str]:
    """The report's charts (:func:`report_charts`), each a ``data:`` URI of
    its SVG by name: the report sent or downloaded carries them. ``draw``:
    see :func:`render_html`."""
    found = report_charts(data, lang=lang, timezone=timezone)
    return {name: _svg_uri(chart, draw) for name, chart in found.items()}


class ChartsAhead:
    """A report's charts in one language, drawn on a thread of their own
    while the rest of its figures are read: :func:`report_data` calls it
    (as its ``charted``) with the figures the charts draw as soon as it has
    read them, then reads the lists of posts, the influencers and the
    trends; :meth:`images` waits for the charts and gives them to
    :func:`render_html`.

    vl-convert holds Python's GIL for the whole of each chart (measured: a
    thread sleeping 1 ms at a time woke once a chart), so no Python code
    runs beside a chart; SQLite lets the GIL go while it steps a
    statement, and those steps (most of the reads after the charts' figures:
    aggregates returning a row or a few) are what runs beside the charts
    where a core is free. The CPU spent is the same (12 reports of a
    topic's week at 1M posts each way: median 433 ms with the thread, 470
    without, see docs/api.md), and so are the charts (drawn from the same
    figures by the same functions)."""

    def __init__(
        self, *, lang: str, timezone: str = "UTC", draw: Callable[[Any], str] | None = None
    ) -> None:
        _language(lang)  # refused here, before any figure is read
        self.lang = lang
        self.timezone = timezone
        self.draw = draw
        self._thread: threading.Thread | None = None
        self._images: dict[str, str] | None = None
        self._error: BaseException | None = None

    def __call__(self, charted: dict[str, Any]) -> None:
        # The charts and their specs are made here, in the caller's thread
        # (Altair: 1-2 ms a chart); the thread only draws the specs. As it
        # builds a chart, Altair looks NumPy and pandas up in sys.modules
        # without importing them: the thread building charts while this one
        # imported NumPy for the first time (a process's first report, its
        # influencers' ranking) met NumPy half made and failed ("partially
        # initialized module 'numpy' has no attribute 'ndarray'").
        try:
            found = report_charts(charted, lang=self.lang, timezone=self.timezone)
            specs = {name: _Made(charts.spec_of(chart)) for name, chart in found.items()}
        except Exception as exc:  # raised where the images are asked for, as drawing's
            self._error = exc
            return

        def drawing() -> None:
            try:
                self._images = {name: _svg_uri(made, self.draw) for name, made in specs.items()}
            except BaseException as exc:  # raised where the images are asked for
                self._error = exc

        thread = threading.Thread(target=drawing, name="veille-report-charts", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had (a process at its limit, or exiting):
            return  # the page draws its charts itself, after the figures, as before
        self._thread = thread

    def images(self) -> dict[str, str] | None:
        """The charts, once drawn (what making or drawing them raised, raised
        here); None when no figures were handed to it (the report's figures
        were kept from before: :func:`render_html` draws its charts)."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        if self._thread is None:
            return None
        return self._images


class _Made:
    """A chart whose Vega-Lite spec is made already: what the drawers
    (:func:`veille.analytics.charts.to_svg`, the web app's charts kept by
    spec) read of a chart, through :func:`veille.analytics.charts.spec_of`."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def to_dict(self, validate: bool = True) -> dict[str, Any]:
        return self.spec


def render_html(
    data: dict[str, Any],
    *,
    lang: str = "en",
    timezone: str = "UTC",
    draw: Callable[[Any], str] | None = None,
    images: dict[str, str] | None = None,
) -> str:
    """The report page for ``data`` (from :func:`report_data`). ``draw``:
    what turns a chart into its SVG (:func:`veille.analytics.charts.to_svg`
    unless given; the web app passes its charts kept by spec, so that a
    report's PDF after its page does not draw the same charts again).
    ``images``: its charts in ``lang`` when drawn already
    (:class:`ChartsAhead`); drawn here otherwise."""
    s = _language(lang)
    from markupsafe import Markup

    from veille.printing import FONT_CSS

    tz = ZoneInfo(timezone)
    label = data["about"] or s["all"]
    period = data["period"]
    if images is None:
        images = report_images(data, lang=lang, timezone=timezone, draw=draw)

    def name_of(kind: str, code: str) -> str:
        if code == "und":
            return s["unknown"]
        return i18n.language_name(code, lang) if kind == "lang" else i18n.country_name(code, lang)

    # Net sentiment beside the posts of each bucket, when any post was scored
    # (the same condition as its chart).
    net_by_start = (
        {p.start: p.net for p in data["sentiment_series"]} if data["sentiment"].scored else {}
    )

    return _template().render(
        s=s,
        lang=lang,
        data=data,
        images=images,
        titles=chart_titles(data, lang=lang, timezone=timezone),
        findings=findings(data, lang),
        label=label,
        period_label=i18n.format_period(period.since, period.until, lang, tz),
        generated=i18n.format_datetime(datetime.now(tz), lang, tz, zone=True),
        colon=i18n.colon(lang),
        no_author=i18n.author_label("", lang),
        # Unknown is not zero: a count no post gave reads "–".
        num=lambda v: "–" if v is None else num(v, lang),
        pct=lambda v: pct(v, lang),
        # One decimal kept in every row: a column read "14" beside "14.5".
        dec=lambda v: i18n.format_decimal(v, lang, 1, trim=False),
        signed=lambda v: signed(v, lang),
        change=lambda v: change_text(v, lang),
        # A table's shares now and before, each column adding up to 100% as shown.
        parts=lambda rows: list(
            zip(
                i18n.shares_shown([r.share for r in rows]),
                i18n.shares_shown([r.previous_share for r in rows]),
                strict=True,
            )
        ),
        # A share of the period before veille holds part of: of those days, marked.
        held_mark=lambda r: "*" if r.previous_held_days and r.previous_share is not None else "",
        held_note=lambda rows: _held_note(rows, s),
        # A rising term's average over the days of the periods before veille holds.
        average=lambda stories: baseline_average(data, stories),
        baseline_short=baseline_held(data, data.get("baseline_periods") or 1),
        platform=platform_name,
        language=lambda code: name_of("lang", code),
        country=lambda code: name_of("country", code),
        text=_text,
        shown=_shown,
        safe_url=_safe_url,
        lang_of=_lang_of,
        local=lambda dt: i18n.format_datetime(dt, lang, tz),
        day=lambda dt: i18n.format_date(dt, lang, tz),
        net_by_start=net_by_start,
        fonts=Markup(FONT_CSS),
    )


def _held_note(rows: list[Any], s: dict[str, str]) -> str:
    """Under a table of shares, how much of the period before veille holds
    where it holds only part of it (:func:`~veille.analytics.volume.shares_held_before`);
    "" where it holds it whole."""
    if not rows or rows[0].previous_held_days is None:
        return ""
    held, days = rows[0].previous_held_days, rows[0].previous_days
    return (s["shares_part"] if held else s["shares_none"]).format(held=held, days=days)


def file_stem(lang: str) -> str:
    """How a report's file name starts, in the report's language: the e-mailed
    PDF and the page's download are named alike (``rapport-veille-…`` in French)."""
    return "rapport-veille" if lang == "fr" else "veille-report"


def html_to_pdf(html: str) -> bytes:
    """The page as a tagged PDF (WeasyPrint; needs Pango, see docs/analytics.md):
    its structure (headings, tables and their header cells, the charts'
    alternative text) and its language travel with it, so a screen reader,
    or a reflowing reader on a phone, reads it in order; the viewer's title
    bar shows the report's title, not its file name. Characters no font on
    the system draws (emoji, Chinese, Japanese, Korean without their fonts)
    are named in a warning, with the packages to install."""
    from veille.printing import write_pdf

    return write_pdf(html, what=tr("report PDF"), pdf_tags=True)


def workspace_report_data(
    workspace: Any,
    *,
    period: Period,
    scope: Scope | None = None,
    topic: str | None = None,
    query: str | None = None,
    charted: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """:func:`report_data` for a topic, a query or a scope over ``period``,
    with ``workspace``'s settings (time zone, organization): the figures of
    the report in every language, which :func:`render_report` draws.
    ``charted``: see :func:`report_data`."""
    from veille.analytics.topics import query_scope, topic_scope

    settings = workspace.settings
    store = workspace.store
    scope = scope or Scope()
    if topic:
        scope = topic_scope(store, topic, scope)
    if query:
        scope = query_scope(store, query, scope)
    org = settings.organization
    about = scope.label
    is_brand = bool(org.brand_topic) and about == org.brand_topic
    return report_data(
        store, scope, period, timezone=settings.workspace.timezone,
        org_handles=tuple(org.handles), about=about, is_brand=is_brand, charted=charted,
    )  # fmt: skip


def render_report(
    workspace: Any,
    *,
    period: Period,
    scope: Scope | None = None,
    topic: str | None = None,
    query: str | None = None,
    lang: str | None = None,
    pdf: bool = True,
    data: dict[str, Any] | None = None,
    draw: Callable[[Any], str] | None = None,
    images: dict[str, str] | None = None,
) -> tuple[str, bytes | None]:
    """``(html, pdf bytes or None)`` for a topic, a query or a scope over ``period``.

    ``workspace`` is an open :class:`veille.workspace.Workspace` (its time zone,
    language and organization settings apply). Scheduled deliveries call this
    and attach or inline the result. ``data``: the report's figures, when
    :func:`workspace_report_data` already made them for the same arguments
    (the web app draws one report's figures in each language, and as a PDF,
    without reading the posts again). ``draw`` and ``images``: see
    :func:`render_html`. The figures read here have their charts drawn
    while the rest of them is read (:class:`ChartsAhead`).
    """
    settings = workspace.settings
    language = lang or settings.workspace.ui_language
    timezone = settings.workspace.timezone
    if data is None:
        ahead = ChartsAhead(lang=language, timezone=timezone, draw=draw)
        data = workspace_report_data(
            workspace, period=period, scope=scope, topic=topic, query=query, charted=ahead
        )
        images = ahead.images()
    html = render_html(data, lang=language, timezone=timezone, draw=draw, images=images)
    return html, (html_to_pdf(html) if pdf else None)
