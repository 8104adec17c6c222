"""Alerts (``/alerts``): list and create; the alert's page (``/alerts/{name}``,
the page our e-mails link to): channel, frequency, pause and resume, a test
send, deliveries and dead letters, its Atom feed's secret address; the
one-click unsubscribe our e-mails carry (RFC 8058), which works without
logging in, for that alert only, with its secret token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from veille.alerts.model import FREQUENCIES, KINDS, WEEKDAYS
from veille.errors import VeilleError
from veille.i18n import language_name
from veille.query import QueryError
from veille.services import alerts as alert_service
from veille.web.deps import (
    Analyst,
    Viewer,
    csrf_exempt,
    error_text,
    lang,
    plural_translator,
    redirect,
    render,
    translator,
    workspace,
)
from veille.web.forms import edited_fields, shown_json, shown_values, store_errors_through

router = APIRouter()

DELIVERIES_SHOWN = 50


def _new_form(request: Request, values: dict[str, Any] | None = None) -> dict[str, Any]:
    from veille.query.topics import list_topics

    ws = workspace(request)
    return {
        # "Default" names the language it stands for (the workspace's): a
        # French reader leaving it so got English e-mails, with nothing saying so.
        "default_language": language_name(ws.settings.workspace.ui_language, lang(request)),
        "kinds": KINDS,
        "frequencies": FREQUENCIES,
        "weekdays": WEEKDAYS,
        "topic_names": [t.name for t in list_topics(ws.state)],
        "form": values or {},
        "zone": ws.settings.workspace.timezone,
    }


def _schedule(alert: Any, _: Callable[..., str], zone: str) -> str:
    """When the alert sends, in words (:func:`alert_service.schedule_said`)."""
    return _(alert_service.schedule_said(alert, zone))


def _rows(request: Request, q: str = "", page: int = 1) -> dict[str, Any]:
    """One page of the alerts as the list shows them (those ``q`` finds),
    each with its schedule in words."""
    ws = workspace(request)
    _ = translator(request)
    from veille.services import dangling
    from veille.services.unreadable import of_alert, topic_queries

    zone = ws.settings.workspace.timezone
    listing = alert_service.alert_page(ws, q=q, page=page)
    by_name = {a.name: a for a in alert_service.list_alerts(ws)}
    topics = topic_queries(ws.state)
    unreadable, missing = {}, {}
    for row in listing.rows:
        found = by_name.get(str(row["name"]))
        row["schedule"] = _schedule(found, _, zone) if found is not None else row["every"]
        if found is not None and (u := of_alert(found, topics)):
            unreadable[found.name] = u
        if found is not None and (d := dangling.of_alert(found, topics)):
            missing[found.name] = d
    return {"alerts": listing.rows, "listing": listing, "unreadable": unreadable,
            "topic_missing": missing}  # fmt: skip


@router.get("/alerts", response_class=HTMLResponse)
def alert_list(
    request: Request,
    user: Viewer,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    context = (
        _rows(request, q, page)
        | {"can_edit": user.can("analyst"), "error": None}
        | _new_form(request)
    )
    return render(request, "alerts/list.html", context)


@router.post("/alerts", response_model=None)
def alert_create(
    request: Request,
    user: Analyst,
    to: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "match",
    every: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "08:00",
    day: Annotated[str, Form()] = "mon",
    language: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    ws = workspace(request)
    values = {"to": to, "name": name, "topic": topic, "query": query, "kind": kind,
              "every": every, "at": at, "day": day, "language": language}  # fmt: skip
    spec = alert_service.AlertSpec(
        to=to.strip(), name=name.strip() or None, topic=topic.strip() or None,
        query=query.strip() or None, kind=kind if kind != "report" else "match",
        report=kind == "report", every=every or None, at=at or "08:00", day=day or "mon",
        language=language or None,
    )  # fmt: skip
    try:
        alert = alert_service.add_alert(ws, spec, actor=user.username, in_workspace=True)
    except VeilleError as exc:
        store_errors_through(exc)
        context = _rows(request) | {"can_edit": True, "error": exc} | _new_form(request, values)
        return render(request, "alerts/list.html", context, status_code=400)
    return redirect(_url(alert.name), message=_("Alert %(name)s created.", name=alert.name))


def _url(name: str, tail: str = "") -> str:
    from urllib.parse import quote

    return f"/alerts/{quote(name, safe='')}{tail}"


@router.get("/alerts/{name}", response_class=HTMLResponse)
def alert_page(request: Request, name: str, user: Viewer) -> HTMLResponse:
    from veille.served_at import links_base
    from veille.services import dangling
    from veille.services.unreadable import of_alert, topic_queries

    ws = workspace(request)
    alert = alert_service.get_alert(ws, name)
    topics = topic_queries(ws.state)
    shown = alert_service.show_alert(ws, name)
    token = alert_service.feed_token(ws, name)
    base = links_base(ws.settings, ws.state)[0]
    context = {
        "alert": alert,
        "shown": shown,
        "schedule": _schedule(alert, translator(request), ws.settings.workspace.timezone),
        "zone": ws.settings.workspace.timezone,
        "message_language": language_name(alert.language, lang(request)),
        "outbox": shown["outbox"],
        "deliveries": _read_back(
            alert_service.deliveries(ws, alert=name, limit=DELIVERIES_SHOWN).rows
        ),
        "dead": _read_back(
            alert_service.deliveries(ws, alert=name, status=("dead",), limit=100).rows
        ),
        "feed_url": f"{base}/feeds/{token}.atom" if token else None,
        "frequencies": FREQUENCIES,
        "weekdays": WEEKDAYS,
        "can_edit": user.can("analyst"),
        "unsubscribed_at": _when(alert.params.get("unsubscribed_at")),
        "unreadable": of_alert(alert, topics),
        "topic_missing": dangling.of_alert(alert, topics),
        "shown_settings": shown_json(_shown_settings(alert)),
    }
    return render(request, "alerts/show.html", context)


def _read_back(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deliveries whose stored (English) error is said in the reader's
    language: « a répondu HTTP 500 » on a French page, not "answered"."""
    from veille.alerts.reasons import failure_reason

    return [r | {"error": failure_reason(r["error"])} if r["status"] != "skipped" else r
            for r in rows]  # fmt: skip


def _shown_settings(alert: Any) -> dict[str, str]:
    """The settings form's fields as they are now (what the form shows)."""
    day = WEEKDAYS[alert.weekday] if 0 <= alert.weekday < len(WEEKDAYS) else str(alert.weekday)
    shown = {"every": alert.frequency, "at": alert.at_time, "day": day}
    return shown | ({"query": alert.query} if alert.query and not alert.topic else {})


def _when(ts: Any) -> datetime | None:
    return datetime.fromtimestamp(float(ts), UTC) if isinstance(ts, int | float) else None


@router.post("/alerts/{name}/pause", response_model=None)
def alert_pause(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    alert_service.pause_alert(workspace(request), name, actor=user.username)
    return redirect(_url(name), message=_("Alert paused: matches are kept and sent on resume."))


@router.post("/alerts/{name}/resume", response_model=None)
def alert_resume(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    done = alert_service.resume_alert(workspace(request), name, actor=user.username)
    return redirect(
        _url(name),
        message=_("Alert resumed: %(sent)s sent now, %(waiting)s waiting.",
                  sent=done.sent, waiting=done.waiting),
    )  # fmt: skip


@router.post("/alerts/{name}/test", response_model=None)
def alert_test(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    try:
        sent = alert_service.send_sample(workspace(request), name)
    except VeilleError as exc:
        store_errors_through(exc)
        # The hint too: it says what to do (check the [smtp] settings, the address).
        return redirect(_url(name), message=_("The test could not be sent: %(error)s",
                                              error=error_text(request, exc)))  # fmt: skip
    # "(1 posts)": the count takes its plural from the catalog.
    said = plural_translator(request)(
        "Test sent to %(to)s (%(num)s post).", "Test sent to %(to)s (%(num)s posts).",
        sent.posts, to=sent.to,
    )  # fmt: skip
    return redirect(_url(name), message=said)


@router.post("/alerts/{name}/retry", response_model=None)
def alert_retry(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    n = alert_service.retry_dead(workspace(request), name, actor=user.username)
    said = plural_translator(request)(
        "%(num)s dead letter queued again.", "%(num)s dead letters queued again.", n
    )
    return redirect(_url(name), message=said)


@router.post("/alerts/{name}/settings", response_model=None)
def alert_settings(
    request: Request,
    name: str,
    user: Analyst,
    to: Annotated[str, Form()] = "",
    every: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    shown: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    ws = workspace(request)
    # Only what this person changed is written: the form sends every field,
    # and the schedule it showed an hour ago must not undo a colleague's.
    sent = {"every": every, "at": at, "day": day} | ({"query": query} if query.strip() else {})
    alert = alert_service.get_alert(ws, name)
    stored = _shown_settings(alert)
    changes, clashes = edited_fields(shown_values(shown), sent, stored)
    if clashes:
        said = (
            [_schedule(alert, _, ws.settings.workspace.timezone)]
            if set(clashes) - {"query"}
            else []
        )
        said += [f"{_('Query')}{_(': ')}{alert.query}"] if "query" in clashes else []
        now = "; ".join(said)
        return redirect(
            _url(name, "#settings-title"),
            message=_("Not saved: someone changed this alert since you opened the page "
                      "(now: %(now)s). The page shows it as it is now: change it again "
                      "if needed.", now=now),
        )  # fmt: skip
    try:
        alert_service.change_alert(
            ws, name, to=to, every=changes.get("every", ""), at=changes.get("at", ""),
            day=changes.get("day", ""), query=changes.get("query", ""), actor=user.username,
            in_workspace=True,
        )  # fmt: skip
    except QueryError as exc:  # the new query does not read: said, nothing changed
        return redirect(
            _url(name, "#s-query"),
            message=_("The query was not saved: %(error)s", error=_(exc.message))
            + (f" {_('Hint')}{_(': ')}{_(exc.hint)}" if exc.hint else ""),
        )
    return redirect(_url(name), message=_("Alert settings saved."))


@router.post("/alerts/{name}/feed", response_model=None)
def alert_feed_new(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    alert_service.new_feed_token(workspace(request), name, actor=user.username)
    return redirect(
        _url(name), message=_("The feed has a new address; the previous one no longer works.")
    )


@router.post("/alerts/{name}/feed/revoke", response_model=None)
def alert_feed_revoke(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    alert_service.revoke_feed_token(workspace(request), name, actor=user.username)
    return redirect(_url(name), message=_("The feed address no longer works."))


@router.post("/alerts/{name}/delete", response_model=None)
def alert_delete(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    alert_service.remove_alert(workspace(request), name, actor=user.username)
    return redirect("/alerts", message=_("Alert %(name)s deleted.", name=name))


# -- one-click unsubscribe (no login: the token is the authorization) ------------


@router.get("/alerts/{name}/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, name: str) -> HTMLResponse:
    """The page the link opens in a browser: a button that unsubscribes (a GET
    never does, so that link checkers in mail systems change nothing)."""
    token = request.query_params.get("token", "")
    if not alert_service.unsubscribe_link_valid(workspace(request), name, token):
        # Said at once, not after a click on a button that cannot work.
        return render(
            request, "alerts/unsubscribe.html",
            {"name": name, "token": "", "done": None, "error": True}, status_code=404,
        )  # fmt: skip
    return render(request, "alerts/unsubscribe.html", {"name": name, "token": token, "done": None})


@router.post("/alerts/{name}/unsubscribe", response_class=HTMLResponse)
@csrf_exempt
def unsubscribe(request: Request, name: str) -> HTMLResponse:
    """RFC 8058 one-click: a mail client POSTs ``List-Unsubscribe=One-Click``
    to the link of the ``List-Unsubscribe`` header; the page's button POSTs
    the same. The alert's own secret token (in the link) is the only
    authorization; a wrong one changes nothing (403)."""
    token = request.query_params.get("token", "")
    try:
        alert = alert_service.unsubscribe(workspace(request), name, token)
    except alert_service.InvalidToken as exc:
        return render(
            request, "alerts/unsubscribe.html",
            {"name": name, "token": "", "done": None, "error": exc}, status_code=403,
        )  # fmt: skip
    return render(
        request, "alerts/unsubscribe.html", {"name": alert.name, "token": token, "done": alert}
    )
