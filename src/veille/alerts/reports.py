"""Scheduled reports: a ``report`` alert sends the analytics report of its topic
(or query, or the whole workspace) for the period that just ended, on the
alert's schedule, through its channel.

The dispatcher (:func:`check_reports`, run by ``veille alert dispatch`` and the
daemon) finds the latest scheduled moment (the same :func:`next_slot` as
digests), works out the period it reports on, and queues one outbox row keyed
``report:<since>..<until>``: the ``UNIQUE (alert_id, post_id)`` key of the
outbox makes a period's report go out once, across restarts. The row carries
the headline figures and findings (for webhooks, feeds and chat); an e-mailed
report's row carries its page too (``document``), drawn from the same read of
the posts as its figures, and the PDF is made from it just before sending: the
posts are read once per report, and a retry sends the report that was queued.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from veille.alerts.channels.base import ChannelContext, Delivery, ReportDocument, sample_id
from veille.alerts.model import Alert
from veille.alerts.schedule import next_slot
from veille.errors import UsageError, tr
from veille.i18n import colon, typography

if TYPE_CHECKING:
    from veille.alerts.outbox import AlertEngine
    from veille.analytics.scope import Period, Scope

log = logging.getLogger(__name__)

DEFAULT_PERIOD = {"hourly": "last-hour", "daily": "last-1d", "weekly": "last-week"}
_SPAN = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}
_FIGURES = ("posts", "engagement", "reach", "authors", "stories", "net_sentiment")
_COUNTS = ("engagement", "reach")  # None where no post gave a count
DOCUMENT = "document"  # an e-mailed report's page, kept in its outbox row
_WORDS = {
    "en": {"report": "Report on “{s}”", "all": "Report on all posts", "vs": "previous period",
           "findings": "Findings", "figures": "Headline figures", "open": "Open the report",
           "pdf": "The full report is attached as a PDF.",
           "nopdf": "The PDF could not be made this time: {e}",
           "why": "You receive this because of the report alert", "stop": "Stop these e-mails"},
    "fr": {"report": "Rapport sur «\u202f{s}\u202f»", "all": "Rapport sur toutes les publications",
           "vs": "période précédente", "findings": "Constats", "figures": "Chiffres clés",
           "open": "Ouvrir le rapport", "pdf": "Le rapport complet est joint en PDF.",
           "nopdf": "Le PDF n’a pas pu être produit cette fois\u202f: {e}",
           "why": "Vous recevez ce message à cause de l’alerte de rapport",
           "stop": "Ne plus recevoir ces courriels"},
}  # fmt: skip


def period_text(alert: Alert) -> str:
    return str(alert.params.get("period") or DEFAULT_PERIOD.get(alert.frequency, "last-week"))


def check_period(text: str, frequency: str) -> None:
    """A :class:`UsageError` unless ``text`` (empty: the default) is a report period."""
    if not text or text == "last-hour":
        return
    from veille.analytics.scope import parse_period

    hint = tr("Use last-week, last-month, last-7d, last-30d, last-1d or last-hour.")
    if ".." in text:
        raise UsageError(
            tr("--period %(value)r: a scheduled report needs a moving period", value=text),
            hint=hint,
        )
    try:
        parse_period(text)
    except UsageError:
        raise UsageError(
            tr("--period %(value)r is not a report period", value=text), hint=hint
        ) from None


def last_slot(alert: Alert, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The latest scheduled moment at or before ``now`` (``None`` if none is near)."""
    span = _SPAN.get(alert.frequency)
    if span is None:
        return None
    slot = next_slot(alert, now - span - timedelta(hours=2), tz)
    if slot > now:
        return None
    while (following := next_slot(alert, slot, tz)) <= now:
        slot = following
    return slot


def report_period(alert: Alert, slot: datetime, timezone: str) -> Period:
    """The period a report sent at ``slot`` covers (the one that just ended)."""
    from veille.analytics.scope import Period, parse_period

    text = period_text(alert)
    if text == "last-hour":
        # The local hour that just ended (as next_slot counts hours): in a
        # half-hour zone the UTC hour before a 06:00 report was 04:30-05:30.
        tz = ZoneInfo(timezone)
        local = slot.astimezone(tz)
        into = local.minute * 60 + local.second + local.microsecond / 1e6
        top = round(local.timestamp() - into)
        return Period(datetime.fromtimestamp(top - 3600, tz), datetime.fromtimestamp(top, tz))
    return parse_period(text, timezone=timezone, now=slot)


def period_label(since: datetime, until: datetime, timezone: str, lang: str = "en") -> str:
    # Hours say their zone (veille.timefmt, engineer G); whole days need none.
    from veille import i18n, timefmt

    if until - since < timedelta(hours=23):
        return timefmt.hours(since, until, lang, timezone)
    # Days as the reader writes them (« 23–29 nov. 2026 »), as the report says
    # its period; the payload's machine label stays ISO (report_event).
    return i18n.format_period(since, until, lang, timezone)


def _base_scope(alert: Alert) -> Scope:
    from veille.analytics.scope import Scope
    from veille.store.base import PostFilter

    return Scope(flt=PostFilter(platforms=alert.platforms, languages=alert.languages))


def _scope(engine: AlertEngine, alert: Alert) -> Scope:
    from veille.analytics.topics import query_scope, topic_scope

    scope = _base_scope(alert)
    if alert.topic:
        return topic_scope(engine.store, alert.topic, scope)
    if alert.query:
        return query_scope(engine.store, alert.query, scope)
    return scope


def report_link(ctx: ChannelContext, alert: Alert, since: datetime, until: datetime) -> str:
    """The report in the web app (``/reports?topic=…&period=FROM..TO&lang=…``)."""
    args = {"topic": alert.topic} if alert.topic else {"query": alert.query} if alert.query else {}
    args |= {"period": f"{since.isoformat()}..{until.isoformat()}", "lang": alert.language}
    return f"{ctx.base_url}/reports?{urlencode(args)}"


def shows_document(alert: Alert) -> bool:
    """Whether ``alert``'s channel shows the full report (e-mail)."""
    return alert.channel_url.lower().startswith("mailto:")


def report_event(engine: AlertEngine, alert: Alert, period: Period) -> dict[str, Any]:
    """The outbox payload of one report: period, headline figures, findings
    (en, fr), and for an e-mailed report its page in the alert's language
    (``document``), drawn from the same figures."""
    from veille import timefmt
    from veille.analytics.findings import change_text, findings, num, signed
    from veille.analytics.report import STRINGS, render_html, report_data

    settings = engine.settings
    tz = settings.workspace.timezone
    scope = _scope(engine, alert)
    org = settings.organization
    about = scope.label
    data = report_data(
        engine.store, scope, period, timezone=tz, org_handles=tuple(org.handles), about=about,
        is_brand=bool(org.brand_topic) and about == org.brand_topic,
    )  # fmt: skip
    head = data["headline"]
    label = (
        timefmt.days(period.since, period.until, tz)
        if period.until - period.since >= timedelta(hours=23)
        else period_label(period.since, period.until, tz)
    )
    summary: dict[str, str] = {}
    figures: dict[str, list[str]] = {}
    for lang, words in _WORDS.items():
        title = words["report"].format(s=about) if about else words["all"]
        when = period_label(period.since, period.until, tz, lang)
        summary[lang] = f"{title}{colon(lang)} {when}"
        lines = []
        sep = colon(lang)
        for name in _FIGURES:
            fig = head[name]
            # As the report's figure reads: the value, its change, then the
            # previous period's value (not a change that reads as that value).
            if name == "net_sentiment":  # unknown (None) without a scored post
                value = "–" if fig.value is None else signed(fig.value, lang)
                before = "–" if fig.previous is None else signed(fig.previous, lang)
                tail = f"{words['vs']}{sep} {before}"
            elif fig.value is None or (name in _COUNTS and fig.previous is None):
                # Engagement or reach no post gave (feeds): unknown, not 0.
                value = "–" if fig.value is None else num(fig.value, lang)
                before = "–" if fig.previous is None else num(fig.previous, lang)
                tail = f"{words['vs']}{sep} {before}"
            else:
                value = num(fig.value, lang)
                tail = f"{words['vs']}{sep} {num(fig.previous or 0, lang)}"
                if fig.value or fig.previous:  # 0 from 0 is no change, and nothing "new"
                    semicolon = " ;" if lang == "fr" else ";"  # U+202F by typography()
                    # No change against a period before veille holds part of
                    # (the findings, and the page's note, say how much).
                    moved = "–" if fig.previous_partial else change_text(fig.change, lang)
                    tail = f"{moved}{semicolon} {tail}"
            line = f"{STRINGS[lang][name]}{sep} {value} ({tail})"
            if fig.partial:  # a sum over the posts that gave counts
                line += ", " + STRINGS[lang][f"covers_{name}"].format(
                    covered=num(fig.covered or 0, lang), posts=num(fig.posts or 0, lang)
                )
            lines.append(typography(line, lang))
        figures[lang] = lines
    event: dict[str, Any] = {
        "kind": "report",
        "about": about,
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat(),
                   "label": label, "name": period_text(alert)},
        "headline": {n: {"value": head[n].value, "previous": head[n].previous,
                         "change": head[n].change,
                         "previous_held_days": head[n].previous_held_days,
                         "previous_days": head[n].previous_days,
                         **({"covered": head[n].covered, "posts": head[n].posts}
                            if n in _COUNTS else {})} for n in _FIGURES},
        "summary": summary,
        "details": {lang: findings(data, lang) for lang in _WORDS},
        "figures": figures,
        "link": report_link(engine.ctx, alert, period.since, period.until),
    }  # fmt: skip
    if shows_document(alert):
        # Drawn now, from the figures just read: rendering it at send time
        # read every figure of the period again (0.5 s CPU a week at 1M posts).
        lang = alert.language if alert.language in STRINGS else "en"
        event[DOCUMENT] = {"lang": lang, "html": render_html(data, lang=lang, timezone=tz)}
    return event


def check_reports(engine: AlertEngine, now: float | None = None) -> int:
    """Queue the report of every report alert whose scheduled moment has come
    and whose period was not reported yet; the number queued."""
    now = time.time() if now is None else now
    moment = datetime.fromtimestamp(now, UTC)
    tz_name = engine.settings.workspace.timezone
    queued = 0
    for alert in engine.store.alerts_of_kind("report"):
        try:
            slot = last_slot(alert, moment, engine.tz)
            # Nothing for moments before the alert existed: the first report
            # goes out at the first scheduled time after it was added.
            if slot is None or slot.timestamp() < alert.created_at:
                continue
            period = report_period(alert, slot, tz_name)
            key = f"report:{period.since.isoformat()}..{period.until.isoformat()}"
            assert alert.id is not None
            if engine.store.has_delivery(alert.id, key):
                continue
            event = report_event(engine, alert, period)
        except Exception:  # one report's failure must not stop the others
            log.exception("report alert %s: preparing the report failed", alert.name)
            continue
        due = slot.timestamp()
        queued += engine.queue_event(alert, key, event, due, now)
    return queued


@dataclass(frozen=True)
class _WorkspaceView:
    """What :func:`veille.analytics.report.render_report` reads of a workspace."""

    settings: Any
    store: Any


def _filename(alert: Alert, event: dict[str, Any]) -> str:
    from veille.textnorm import fold

    about = re.sub(r"[^\w]+", "-", fold(event.get("about") or "")).strip("-")[:40]
    since = event["period"]["since"][:10]
    last = (datetime.fromisoformat(event["period"]["until"]) - timedelta(seconds=1)).date()
    from veille.analytics.report import file_stem

    stem = file_stem(alert.language)
    return f"{stem}{'-' + about if about else ''}-{since}--{last.isoformat()}.pdf"


def render_document(
    engine: AlertEngine, alert: Alert, event: dict[str, Any], html: str | None = None
) -> ReportDocument:
    """The full report of ``event``'s period, as HTML and PDF, in the alert's language.

    ``html``: the page queued with the report (:func:`report_event`); without
    it (a row queued by an older veille, or an alert whose language or channel
    changed since) the posts are read again to draw it.
    A PDF that cannot be made (WeasyPrint's system libraries missing) leaves
    the e-mail without attachment rather than undelivered; the text says why.
    """
    from veille.analytics.report import html_to_pdf, render_report
    from veille.analytics.scope import Period

    if html is None:
        period = Period(
            datetime.fromisoformat(event["period"]["since"]),
            datetime.fromisoformat(event["period"]["until"]),
            "month" if event["period"].get("name") == "last-month" else "",
        )
        html, _ = render_report(
            _WorkspaceView(engine.settings, engine.store), period=period,
            scope=_base_scope(alert), topic=alert.topic,
            query=None if alert.topic else alert.query, lang=alert.language, pdf=False,
        )  # fmt: skip
    pdf: bytes | None = None
    error: str | None = None
    try:
        pdf = html_to_pdf(html)
    except (ImportError, OSError) as exc:
        error = f"{exc.__class__.__name__}: {exc}"
        log.warning("report alert %s: no PDF (%s)", alert.name, error)
    return ReportDocument(html, pdf, _filename(alert, event), error)


def with_document(engine: AlertEngine, delivery: Delivery) -> Delivery:
    """``delivery`` with its report rendered, when its channel shows it
    (e-mail): from the page queued with it, else drawn now (and the log says
    why). The queued page itself never travels in the event (a webhook's body)."""
    if delivery.kind != "report" or not delivery.event:
        return delivery
    kept = delivery.event.get(DOCUMENT)
    if kept is not None:
        event = {k: v for k, v in delivery.event.items() if k != DOCUMENT}
        delivery = replace(delivery, event=event)
    alert = delivery.alert
    if not shows_document(alert):
        return delivery
    assert delivery.event is not None
    html = None
    if not isinstance(kept, dict) or not isinstance(kept.get("html"), str):
        log.info(
            "report alert %s: its report was queued without its page (queued before"
            " it was an e-mail, or by an older veille, or its page was dropped when"
            " an author was erased or the retention purge reached its period);"
            " reading the posts again to draw it",
            alert.name,
        )
    elif kept.get("lang") != alert.language:
        log.info(
            "report alert %s: its language changed since the report was queued;"
            " reading the posts again to draw it in %s", alert.name, alert.language,
        )  # fmt: skip
    else:
        html = kept["html"]
    return replace(delivery, document=render_document(engine, alert, delivery.event, html))


def test_delivery(engine: AlertEngine, alert: Alert, now: float | None = None) -> Delivery:
    """The report of the latest period, to send now (``veille alert test``)."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    slot = last_slot(alert, moment, engine.tz) or moment
    period = report_period(alert, slot, engine.settings.workspace.timezone)
    event = report_event(engine, alert, period)  # with its page, for an e-mail
    delivery = Delivery(sample_id(alert.id, moment), alert, [], moment, "report", event)
    return with_document(engine, delivery)


_SVG_SRC = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def mail_charts(html: str, delivery_id: str) -> tuple[str, list[tuple[str, bytes]]]:
    """``html`` with its charts (inline SVG ``data:`` images, which Gmail and
    Outlook do not show) pointing at PNG parts of the e-mail (``cid:``), and
    those parts as ``(content id, PNG bytes)``. Without vl-convert the page is
    left as it is (its tables carry the charts' figures)."""
    import base64

    try:
        import vl_convert as vlc
    except ImportError:
        return html, []
    images: list[tuple[str, bytes]] = []
    tag = re.sub(r"[^\w.-]+", ".", delivery_id)

    def to_cid(match: re.Match[str]) -> str:
        svg = base64.b64decode(match.group(1)).decode("utf-8")
        cid = f"chart{len(images) + 1}.{tag}@veille"
        png = bytes(vlc.svg_to_png(svg, scale=2.0))  # sharp on a high-density screen
        images.append((cid, png))
        # Drawn at its SVG size: a client that ignores CSS (Outlook) would
        # otherwise show the PNG twice as wide as the page.
        width = int.from_bytes(png[16:20], "big") // 2
        return f'src="cid:{cid}" width="{width}"'

    html = _SVG_SRC.sub(to_cid, html)
    if images:  # a client that honours the page's policy lets them in
        html = html.replace("img-src data:", "img-src data: cid:", 1)
    return html, images


def report_mail(delivery: Delivery, ctx: ChannelContext, unsubscribe: str) -> tuple[str, str, str]:
    """``(subject, plain text, html)`` of a report e-mail in the alert's language.

    The HTML part is the report page (already sanitized: post text reduced to
    text and escaped, only http(s) links, inline SVG charts) with an escaped
    footer; without a rendered report it is a summary of figures and findings.
    """
    from markupsafe import Markup

    alert = delivery.alert
    lang = alert.language if alert.language in _WORDS else "en"
    w = _WORDS[lang]
    event = delivery.event or {}
    summary = event.get("summary", {}).get(lang, "")
    found = event.get("details", {}).get(lang, [])
    figures = event.get("figures", {}).get(lang, [])
    link = event.get("link", ctx.alert_url(alert))
    doc = delivery.document
    subject = f"veille{colon(lang)} {summary}"
    lines = [summary, "", w["findings"], *[f"  - {f}" for f in found], "", w["figures"],
             *[f"  - {f}" for f in figures], "", f"{w['open']}{colon(lang)} {link}"]  # fmt: skip
    if doc is not None:
        lines.append(w["pdf"] if doc.pdf else w["nopdf"].format(e=doc.pdf_error))
    lines += [
        "--",
        f"{w['why']} {alert.name}{colon(lang)} {ctx.alert_url(alert)}",
        f"{w['stop']}{colon(lang)} {unsubscribe}",
    ]
    text = "\n".join(lines) + "\n"
    footer = Markup(
        '<footer><hr><p style="font-size:.9em;color:#555;"><a href="{}">{}</a>. {} '
        '<a href="{}">{}</a>. <a href="{}">{}</a>.</p></footer>'
    ).format(link, w["open"], w["why"], ctx.alert_url(alert), alert.name, unsubscribe, w["stop"])
    if doc is not None and "</body>" in doc.html:
        head, _, tail = doc.html.rpartition("</body>")
        return subject, text, f"{head}{footer}</body>{tail}"
    items = "".join(str(Markup("<li>{}</li>").format(x)) for x in found)
    figs = "".join(str(Markup("<li>{}</li>").format(x)) for x in figures)
    body = Markup(
        '<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'
        '<body style="font-family: sans-serif; max-width: 640px; margin: auto;"><h1>{}</h1>'
        "<h2>{}</h2><ul>{}</ul><h2>{}</h2><ul>{}</ul>{}</body></html>"
    ).format(lang, summary, summary, w["findings"], Markup(items), w["figures"], Markup(figs),
             footer)  # fmt: skip
    return subject, text, str(body)
