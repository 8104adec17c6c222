"""Alerts as the CLI and the web app use them: the same functions, the same rules.

Adding an alert (defaults and validation), listing, showing with outbox
counts, pause and resume (resume sends what was queued meanwhile), test
sends, the outbox and its dead letters (times in the workspace's time zone),
"not relevant" marks and NOT-term suggestions, and one dispatch round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from veille.alerts.channels.apprise_mask import mask_channel_url
from veille.errors import Conflict, NotFound, Place, Text, UsageError, VeilleError, tr, trc
from veille.services.audit import record
from veille.suggest import check_languages, check_platforms

if TYPE_CHECKING:
    from veille.alerts.model import Alert
    from veille.alerts.outbox import AlertEngine, DispatchReport
    from veille.alerts.service import Suggestion
    from veille.services.paging import ListPage
    from veille.workspace import Workspace

DELIVERY_COLUMNS = ("id", "alert", "post_id", "status", "attempts", "due", "sent", "error")
STATUSES = ("pending", "sending", "sent", "skipped", "dead")

#: An alert's kind, its mode and a delivery's status in words, as the web
#: pages say them; the reader's language by :func:`veille.errors.translated`
#: (JSON and CSV keep the codes).
KIND_WORDS = {"match": tr("matching posts"), "spike": tr("spike"),
              "sentiment": tr("sentiment shift"), "silence": tr("silence"),
              "report": tr("report")}  # fmt: skip
MODE_WORDS = {"all": tr("every post"), "best": tr("one post per story")}
STATUS_WORDS = {"pending": tr("pending"), "sending": trc("alert", "sending"),
                "sent": trc("alert", "sent"), "skipped": tr("skipped"),
                "dead": tr("dead")}  # fmt: skip


@dataclass(frozen=True)
class AlertSpec:
    """What a person asks for when adding an alert (the options of ``alert add``)."""

    to: str = ""
    topic: str | None = None
    query: str | None = None
    name: str | None = None
    kind: str = "match"
    report: bool = False
    period: str | None = None
    every: str | None = None
    at: str = "08:00"
    day: str = "mon"
    mode: str = "all"
    min_followers: int = 0
    min_engagement: int = 0
    languages: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    cap: int = 0
    quiet: str | None = None
    language: str | None = None
    threshold: float = 3.0
    silent_hours: int = 6
    source: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def slug(text: str) -> str:
    """A usable alert name made from a query or a source name."""
    from veille.textnorm import fold

    return re.sub(r"[^\w.@+-]+", "-", fold(text)).strip("-.")[:80] or "alert"


@contextmanager
def engine(ws: Workspace) -> Iterator[AlertEngine]:
    """The alert engine over the workspace's store (closed after use)."""
    from veille.alerts.outbox import AlertEngine
    from veille.store.split import joined

    eng = AlertEngine(joined(ws.posts, ws.state), ws.settings, ws.root)
    try:
        yield eng
    finally:
        eng.close()


def _check_topic(ws: Workspace, topic: str) -> None:
    from veille.alerts.matching import topic_query
    from veille.query.topics import list_topics
    from veille.suggest import did_you_mean

    if topic_query(ws.state, topic) is not None:
        return
    known = [t.name for t in list_topics(ws.state)]
    near = did_you_mean(topic, known) if known else ""
    create = tr("Create that topic first, or give a query instead.")
    raise NotFound(
        tr("no topic named %(name)r", name=topic),
        hint=tr("%(near)s %(create)s", near=near, create=create)
        if near.startswith("Did")
        else create,
    )


def _check_source(ws: Workspace, source: str) -> str:
    """``source`` when it names a configured source; posts keep that name
    (``demo-news``), not its kind or URL, so anything else never matches."""
    from veille.suggest import did_you_mean

    known = [r.name for r in ws.state.list_sources()]
    if source in known:
        return source
    see = tr("A silence alert watches a source by its name (veille source list).")
    near = did_you_mean(source, known) if known else ""
    raise NotFound(
        tr("no source named %(name)r", name=source),
        hint=tr("%(near)s %(see)s", near=near, see=see) if near.startswith("Did") else see,
    )


def build_alert(ws: Workspace, spec: AlertSpec) -> Alert:
    """The alert ``spec`` describes, with its defaults, checked (nothing is stored)."""
    from veille.alerts.channels import ChannelContext, channel_for
    from veille.alerts.matching import compile_text
    from veille.alerts.model import SEND_TO, Alert, parse_quiet, parse_weekday
    from veille.query import QueryError

    kind = spec.kind
    if not spec.to:
        raise UsageError(
            tr("%(field)s is missing", field=SEND_TO),
            hint=tr("Give a channel URL, e.g. mailto:you@example.org."),
        )
    if spec.report:
        if kind not in ("match", "report"):
            raise UsageError(tr("a report cannot be of kind %(kind)r", kind=kind))
        kind = "report"
    if spec.period and kind != "report":
        raise UsageError(
            tr("a period is for report alerts only"), hint=tr("Make the alert a report.")
        )
    every = spec.every or ("weekly" if kind == "report" else "instant")
    topic, query = spec.topic, spec.query
    if topic and query:
        raise UsageError(
            tr("give a topic or a query, not both"),
            hint=tr("An alert watches a saved topic or a query of its own."),
        )
    if not (topic or query) and kind in ("match", "spike", "sentiment"):
        # Said before the alert is named: a default name ("alert") is no
        # name the user gave.
        raise UsageError(
            tr("the alert has no topic or query to watch"),
            hint=tr("Give a saved topic's name (topic) or a query (docs/query.md)."),
        )
    if topic:
        _check_topic(ws, topic)
    if query:
        try:
            compile_text(query)
        except QueryError:
            raise  # its column and caret, as a topic's query error has
        except VeilleError as exc:
            raise UsageError(
                tr("query %(query)r: %(error)s", query=query, error=exc.message), hint=exc.hint
            ) from exc
    qs, qe = parse_quiet(spec.quiet)
    languages, platforms = check_languages(spec.languages), check_platforms(spec.platforms)
    params: dict[str, Any] = {"threshold": spec.threshold, "silent_hours": spec.silent_hours}
    if spec.source:
        if kind != "silence":
            raise UsageError(
                tr("a source is for silence alerts only"),
                hint=tr("Add --kind silence, or filter with --platform or a query."),
            )
        params["source"] = _check_source(ws, spec.source)
    default_name = topic or slug(query or spec.source or "")
    if kind == "report":
        params = {"period": spec.period} if spec.period else {}
        default_name = f"{topic or (slug(query) if query else 'all')}-report"
    params |= spec.params
    alert = Alert(
        name=spec.name or default_name,
        channel_url=spec.to, kind=kind, topic=topic, query=query,
        frequency=every, at_time=spec.at, weekday=parse_weekday(spec.day), mode=spec.mode,
        min_followers=spec.min_followers, min_engagement=spec.min_engagement,
        languages=languages, platforms=platforms, daily_cap=spec.cap,
        quiet_start=qs, quiet_end=qe,
        language=spec.language or ws.settings.workspace.ui_language, params=params,
    ).validate()  # fmt: skip
    channel_for(spec.to, ChannelContext(ws.settings, ws.root))  # refuse a bad URL now
    return alert


#: What an Atom feed written for an account may be named (never the
#: workspace's veille.toml, database or any other file of it).
FEED_SUFFIXES = (".xml", ".atom")


def check_feed_place(ws: Workspace, url: str) -> None:
    """Refuse an ``atom:`` channel whose file is outside the workspace or is
    no feed file (.xml, .atom), for an alert added or changed through the
    web app or the API. Every send replaces that file: an analyst's
    ``atom:veille.toml`` overwrote the workspace's settings, and
    ``atom:../…``, ``atom:~/…`` or ``atom:/…`` any file the server may
    write. Whoever runs ``veille alert add`` on the server may still name
    any file. The file is the one the channel itself would write."""
    from veille.alerts.channels import ChannelContext, channel_for
    from veille.alerts.model import SEND_TO

    if not url.lower().startswith("atom:"):
        return
    try:
        channel = channel_for(url, ChannelContext(ws.settings, ws.root))
    except VeilleError:
        return  # (said as the channel says it: "names no file")
    written = getattr(channel, "path", None)
    if not isinstance(written, Path):
        return
    root = ws.root.resolve()
    place = written.resolve()  # links followed
    inside = place != root and place.is_relative_to(root)
    if inside and place.suffix.lower() in FEED_SUFFIXES and not place.is_dir():
        return
    raise UsageError(
        tr("%(field)s %(url)s: a feed written from the web app or the API must be an .xml or "
           ".atom file inside the workspace", field=SEND_TO, url=url.strip()),
        hint=tr("Use e.g. atom:feeds/lumio.xml. A file elsewhere is named on the server, with "
                "veille alert add --to atom:PATH."),
    )  # fmt: skip


def add_alert(
    ws: Workspace, spec: AlertSpec, *, actor: str | None = None, in_workspace: bool = False
) -> Alert:
    """Check and store a new alert; the stored alert. ``in_workspace``: the
    alert comes from an account (the web app, the API), whose feed files
    stay in the workspace (:func:`check_feed_place`)."""
    from veille.alerts.model import AlertBook

    if in_workspace:
        check_feed_place(ws, spec.to)
    alert = AlertBook(ws.state).add(build_alert(ws, spec))
    record(ws.state, actor, "alert.add", alert.name, alert.subject)
    return alert


def get_alert(ws: Workspace, name: str) -> Alert:
    from veille.alerts.model import AlertBook

    return AlertBook(ws.state).get(name)


def list_alerts(ws: Workspace) -> list[Alert]:
    return ws.state.list_alerts()


def schedule_text(alert: Alert) -> str:
    """``instant``, ``hourly``, ``daily at 08:30``, ``weekly tue 07:00``."""
    from veille.alerts.model import WEEKDAYS

    if alert.frequency == "daily":
        return f"daily at {alert.at_time}"
    if alert.frequency == "weekly":
        return f"weekly {WEEKDAYS[alert.weekday]} {alert.at_time}"
    return alert.frequency


def schedule_said(alert: Alert, zone: str) -> Text:
    """When ``alert`` sends, in words: "as it happens", "hourly", "every day
    at 08:30 (Europe/Paris)", "every Tuesday at 07:00 (UTC)" (not the
    settings' codes); a time of day says its clock, the workspace's ``zone``."""
    days = (tr("Monday"), tr("Tuesday"), tr("Wednesday"), tr("Thursday"), tr("Friday"),
            tr("Saturday"), tr("Sunday"))  # fmt: skip
    if alert.frequency == "daily":
        when = tr("every day at %(time)s", time=alert.at_time)
    elif alert.frequency == "weekly":
        day = days[alert.weekday] if 0 <= alert.weekday <= 6 else str(alert.weekday)
        when = tr("every %(day)s at %(time)s", day=day, time=alert.at_time)
    elif alert.frequency == "hourly":
        return tr("hourly")
    elif alert.frequency == "instant":
        return tr("as it happens")
    else:
        return Text(str(alert.frequency), {})
    return tr("%(when)s (%(zone)s)", when=when, zone=zone)


def alert_rows(ws: Workspace) -> list[dict[str, Any]]:
    """One row per alert, as ``alert list`` shows them; ``query_error`` says
    when the query it matches (its own or its topic's) no longer reads,
    ``topic_missing`` when the topic it watches no longer exists."""
    from veille.services import dangling
    from veille.services.unreadable import of_alert, topic_queries

    topics = topic_queries(ws.state)
    rows = []
    for a in list_alerts(ws):
        unreadable = of_alert(a, topics)
        missing = dangling.of_alert(a, topics)
        rows.append(
            {"name": a.name, "kind": a.kind, "watches": a.subject, "every": schedule_text(a),
             "mode": a.mode, "to": mask_channel_url(a.channel_url), "paused": a.paused,
             "query_error": unreadable.as_json() if unreadable else None,
             "topic_missing": missing.as_json() if missing else None}
        )  # fmt: skip
    return rows


def alert_page(ws: Workspace, *, q: str = "", page: int = 1) -> ListPage[dict[str, Any]]:
    """One page of :func:`alert_rows`, those whose name, subject, kind or
    channel contain every word of ``q`` (the web page's list)."""
    from veille.services.paging import list_page

    def text(row: dict[str, Any]) -> str:
        return " ".join(str(row[f] or "") for f in ("name", "watches", "kind", "to"))

    return list_page(alert_rows(ws), text, q=q, page=page)


def show_alert(ws: Workspace, name: str, *, secret: bool = False) -> dict[str, Any]:
    """Every setting of one alert and its outbox counts by status; the webhook
    signing secret only when asked."""
    alert = get_alert(ws, name)
    assert alert.id is not None
    data = asdict(alert)
    if not secret:
        # Channel URLs may carry tokens and passwords: shown masked unless asked.
        data.pop("secret")
        data["channel_url"] = mask_channel_url(alert.channel_url)
    # Times as every other answer gives them: ISO 8601, UTC.
    for key in ("created_at", "updated_at", "checked_at"):
        if data.get(key):
            data[key] = datetime.fromtimestamp(data[key], UTC).isoformat(timespec="seconds")
    data["outbox"] = ws.state.outbox_counts(alert.id)
    from veille.services import dangling
    from veille.services.unreadable import of_alert, topic_queries

    topics = topic_queries(ws.state)
    unreadable = of_alert(alert, topics)
    data["query_error"] = unreadable.as_json() if unreadable else None
    missing = dangling.of_alert(alert, topics)
    data["topic_missing"] = missing.as_json() if missing else None
    return data


@dataclass(frozen=True)
class Resumed:
    alert: Alert
    sent: int
    waiting: int  # queued rows not due yet (digests, quiet hours) or to retry


def pause_alert(ws: Workspace, name: str, *, actor: str | None = None) -> Alert:
    """Stop sending; matches keep being queued in the outbox."""
    from veille.alerts.model import AlertBook

    alert = AlertBook(ws.state).update(name, paused=True)
    record(ws.state, actor, "alert.pause", name)
    return alert


def resume_alert(ws: Workspace, name: str, *, actor: str | None = None) -> Resumed:
    """Send again: what was queued while paused and is due goes out now."""
    from veille.alerts.model import AlertBook

    alert = AlertBook(ws.state).update(name, paused=False)
    record(ws.state, actor, "alert.resume", name)
    assert alert.id is not None
    with engine(ws) as eng:
        report = eng.dispatch(alert_id=alert.id)
    counts = ws.state.outbox_counts(alert.id)
    return Resumed(alert, report.sent, counts.get("pending", 0))


# Where an inbox rule's actions are changed (the CLI's, the page's way).
_RULES_CHANGED = Place(
    "veille rule edit NAME --tag … (its actions without it), veille rule remove NAME",
    page="/inbox/rules",
    api="/inbox/rules",
)


def remove_alert(ws: Workspace, name: str, *, actor: str | None = None) -> None:
    """Delete alert ``name``. One that inbox rules notify through is kept
    (:class:`Conflict` names them): deleted, each of those rules failed on
    every item it matched, and did none of its actions (no tag, no
    assignee), said only as the rule's last error."""
    from veille.alerts.model import AlertBook

    book = AlertBook(ws.state)
    alert = book.get(name)
    rules = [r.name for r in ws.state.inbox_rules() if ("notify", alert.name) in r.actions]
    if rules:
        listed = tr("inbox rule %(name)s", name=rules[0])
        for more in rules[1:]:
            listed = tr("%(first)s, %(next)s", first=listed,
                        next=tr("inbox rule %(name)s", name=more))  # fmt: skip
        raise Conflict(
            tr("alert %(name)s is still used by %(users)s to notify; nothing was deleted",
               name=alert.name, users=listed),
            hint=tr("Take it out of those rules' actions or remove them first (%(where)s), "
                    "then delete the alert.", where=_RULES_CHANGED),
        )  # fmt: skip
    book.remove(name)
    record(ws.state, actor, "alert.remove", name)


@dataclass(frozen=True)
class SampleSent:
    alert: Alert
    posts: int
    to: str


def send_sample(ws: Workspace, name: str) -> SampleSent:
    """Send a sample now through the real channel: the most recent matches, an
    example event for a monitor, the latest period's report for a report alert."""
    from veille.alerts.service import send_test

    alert = get_alert(ws, name)
    with engine(ws) as eng:
        n = send_test(eng, alert)
    return SampleSent(alert, n, mask_channel_url(alert.channel_url))


def dispatch(ws: Workspace) -> tuple[int, DispatchReport]:
    """One dispatcher round (monitors, report schedules, due sends), on the
    outbox worker's own connection; ``(events queued, send report)``."""
    from veille.alerts.outbox import OutboxWorker

    worker = OutboxWorker(ws)
    try:
        return worker.drain_once()
    finally:
        worker.close()


@dataclass(frozen=True)
class Deliveries:
    """Outbox rows (newest first) with their times in ``timezone``."""

    rows: list[dict[str, Any]]
    timezone: str


def deliveries(
    ws: Workspace, *, status: tuple[str, ...] = (), alert: str | None = None, limit: int = 100
) -> Deliveries:
    """The outbox, newest first; ``due`` and ``sent`` in the workspace's time zone."""
    for s in status:
        if s not in STATUSES:
            raise UsageError(
                tr("status %(value)r is unknown", value=s),
                hint=tr("Use %(known)s.", known=", ".join(STATUSES)),
            )
    if alert:
        get_alert(ws, alert)  # an unknown name is an error, not an empty list
    name = ws.settings.workspace.timezone
    tz = ZoneInfo(name)

    def when(ts: float | None) -> datetime | None:
        return None if ts is None else datetime.fromtimestamp(ts, tz)

    from veille.alerts.reasons import skip_reason

    # The store counts failed sends (what retries are paced by); people count
    # every try: a row sent on the first one reads 1, after two failures 3.
    # Why a row was skipped is a text a page translates (the CLI shows it as is).
    rows = [
        {"id": r.id, "alert": r.alert, "post_id": r.post_id, "status": r.status,
         "attempts": r.attempts + (1 if r.status == "sent" else 0), "due": when(r.due_at),
         "sent": when(r.sent_at),
         "error": skip_reason(r.error) if r.status == "skipped" else r.error}
        for r in ws.state.list_deliveries(status, alert, limit)
    ]  # fmt: skip
    return Deliveries(rows, name)


def retry_dead(ws: Workspace, alert: str | None = None, *, actor: str | None = None) -> int:
    """Give dead letters (of one alert, or all) another round of attempts."""
    alert_id = get_alert(ws, alert).id if alert else None
    with engine(ws) as eng:
        n = eng.retry_dead(alert_id)
    record(ws.state, actor, "alert.retry", alert or "", f"{n} dead letters")
    return n


def mark_not_relevant(ws: Workspace, alert: str, post_id: str, *, actor: str | None = None) -> None:
    from veille.alerts.service import mark_not_relevant as mark

    mark(ws.store, alert, post_id)
    record(ws.state, actor, "alert.not-relevant", alert, post_id)


def suggest_not_terms(ws: Workspace, alert: str) -> list[Suggestion]:
    from veille.alerts.service import suggest_not_terms as suggest

    with engine(ws) as eng:
        return suggest(eng, alert)


# -- links that work without logging in: one-click unsubscribe, the Atom feed --


class InvalidToken(UsageError):
    """A link's secret token does not match (a wrong, old or revoked link)."""


#: Who the audit log says stopped an alert through its e-mails' link.
UNSUBSCRIBE_ACTOR = "unsubscribe-link"

#: Entries of an alert's Atom feed: the newest posts it delivered.
FEED_ENTRIES = 50


def unsubscribe_link_valid(ws: Workspace, name: str, token: str) -> bool:
    """Whether ``token`` is the alert ``name``'s own unsubscribe token (reads
    only: the page a link opens says at once when it cannot work)."""
    import hmac

    from veille.alerts.model import unsubscribe_token

    found = ws.store.find_alert(name)
    expected = unsubscribe_token(found) if found is not None else ""
    return bool(expected) and hmac.compare_digest(expected, token or "")


def unsubscribe(ws: Workspace, name: str, token: str) -> Alert:
    """Stop the alert ``name`` for a recipient who followed its e-mails'
    one-click link (RFC 8058): ``token`` must be that alert's own; the alert is
    paused (an analyst can resume it), nothing else changes."""
    from dataclasses import replace as changed

    from veille.alerts.model import AlertBook

    book = AlertBook(ws.store)
    found = ws.store.find_alert(name)
    # The same answer for an unknown alert and a wrong token: a link reveals nothing.
    if found is None or not unsubscribe_link_valid(ws, name, token):
        raise InvalidToken(
            tr("this unsubscribe link is not valid"),
            hint=tr("Use the link of the latest e-mail of this alert, or ask its owner."),
        )
    if found.paused:
        return found
    params = dict(found.params) | {"unsubscribed_at": int(datetime.now().timestamp())}
    alert = book.update(name, paused=True, params=params)
    record(ws.state, UNSUBSCRIBE_ACTOR, "alert.unsubscribe", name, "one-click link of its e-mails")
    return changed(alert, params=params)


def feed_token(ws: Workspace, name: str) -> str | None:
    """The alert's feed token, ``None`` when none was made (or it was revoked)."""
    alert = get_alert(ws, name)
    assert alert.id is not None
    return ws.store.alert_feed_token(alert.id)


def new_feed_token(ws: Workspace, name: str, *, actor: str | None = None) -> str:
    """Give the alert a new secret feed address; the previous one stops working."""
    import secrets

    alert = get_alert(ws, name)
    assert alert.id is not None
    token = secrets.token_urlsafe(24)
    ws.store.set_alert_feed_token(alert.id, token, int(datetime.now().timestamp()))
    record(ws.state, actor, "alert.feed.new", name)
    return token


def revoke_feed_token(ws: Workspace, name: str, *, actor: str | None = None) -> None:
    """The alert's feed address stops working (a new one can be made later)."""
    alert = get_alert(ws, name)
    assert alert.id is not None
    ws.store.set_alert_feed_token(alert.id, None, int(datetime.now().timestamp()))
    record(ws.state, actor, "alert.feed.revoke", name)


def feed_for_token(ws: Workspace, token: str) -> bytes:
    """The Atom feed of the alert whose feed token is ``token``: the newest
    posts it delivered, by publication time, newest first (Google Alerts'
    "deliver to RSS feed")."""
    from veille.alerts.channels.atom import feed_document
    from veille.alerts.channels.base import ChannelContext

    alert = ws.store.alert_by_feed_token(token) if token else None
    if alert is None or alert.id is None:
        raise NotFound(
            tr("no feed at this address"),
            hint=tr("It may have been revoked; ask for the new one."),
        )
    ids = ws.store.delivered_posts(alert.id, limit=FEED_ENTRIES)
    posts = {p.id: p for p in ws.posts.get_posts(ids)}
    ordered = [posts[i] for i in ids if i in posts]
    ctx = ChannelContext(ws.settings, ws.root, state=ws.state)
    return feed_document(ctx, alert, ordered, self_url=f"{ctx.base_url}/feeds/{token}.atom")


def change_alert(
    ws: Workspace,
    name: str,
    *,
    to: str | None = None,
    every: str | None = None,
    at: str | None = None,
    day: str | None = None,
    query: str | None = None,
    actor: str | None = None,
    in_workspace: bool = False,
) -> Alert:
    """Change where and how often the alert sends, and the query of an alert
    that has its own (each value checked as ``alert add`` checks it, with
    ``in_workspace`` as :func:`add_alert` takes it); the values not given
    stay."""
    from veille.alerts.channels import ChannelContext, channel_for
    from veille.alerts.matching import compile_text
    from veille.alerts.model import AlertBook, parse_weekday

    changes: dict[str, Any] = {}
    if query is not None and query.strip():
        if get_alert(ws, name).topic:
            raise UsageError(
                tr("alert %(name)r watches a topic: its query is the topic's", name=name),
                hint=tr("Edit the topic's query instead."),
            )
        compile_text(query.strip())  # a QueryError with its column and hint
        changes["query"] = query.strip()
    if to is not None and to.strip():
        if in_workspace:
            check_feed_place(ws, to.strip())
        channel_for(to.strip(), ChannelContext(ws.settings, ws.root))  # refuse a bad URL now
        changes["channel_url"] = to.strip()
    if every:
        changes["frequency"] = every
    if at:
        changes["at_time"] = at
    if day:
        changes["weekday"] = parse_weekday(day)
    alert = AlertBook(ws.store).update(name, **changes)
    if every or at or day:
        with engine(ws) as eng:  # what already waits goes out on the new schedule too
            eng.reschedule(alert)
    # Never the channel URL: it may hold a token or a password.
    shown = {"to": "changed" if "channel_url" in changes else "", "every": every or "",
             "at": at or "", "day": day or "", "query": changes.get("query", "")}  # fmt: skip
    record(ws.state, actor, "alert.edit", name, " ".join(f"{k}={v}" for k, v in shown.items() if v))
    return alert
