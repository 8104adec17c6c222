"""The inbox pages: ``/inbox`` (filters, saved views, bulk actions),
``/inbox/{id}`` (thread, notes, assignment, status, reply composer with the
guide's verdict and the collision warning), replies' approval. The bulk
actions are :mod:`veille.web.routes.inbox_bulk`'s, the rules
:mod:`veille.web.routes.inbox_rules`'s.

Viewers read every page; analysts act on items; managers approve replies and
edit rules. Every change goes through :mod:`veille.inbox` (the same services
as the CLI); a form carries the item's version, so a change made meanwhile by
someone else is shown, not overwritten.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import UsageError, VeilleError, tr
from veille.inbox import canned as canned_svc
from veille.inbox import items as svc
from veille.inbox import replies
from veille.inbox.model import (
    OPEN_STATUSES,
    PRIORITIES,
    SENTIMENTS,
    SETTABLE_STATUSES,
    STATUSES,
    Conflict,
    ItemFilter,
)
from veille.inbox.snooze import PRESETS as SNOOZE_PRESETS
from veille.query.topics import inbox_topics, list_topics
from veille.web.deps import (
    Analyst,
    Manager,
    RowId,
    Viewer,
    error_text,
    lang,
    redirect,
    render,
    time_zone,
    translator,
    workspace,
)
from veille.web.forms import attempt, comma_list, store_errors_through
from veille.web.routes.stream import LANGUAGES as STREAM_LANGUAGES
from veille.web.routes.stream import PLATFORMS as STREAM_PLATFORMS

router = APIRouter()

PAGE = 50
# Values of one filter (platforms, languages, tags, topics) a list takes at a time.
MAX_VALUES = 100
_Many = Annotated[list[str], Query()]


def _filter(
    request: Request,
    user: Any,
    *,
    status: list[str],
    priority: list[str],
    platform: list[str],
    language: list[str],
    sentiment: list[str],
    tag: list[str],
    assignee: str,
    q: str,
    view: str,
    page: int,
    topic: list[str] = [],  # noqa: B006
) -> ItemFilter:
    offset = PAGE * max(0, page - 1)
    if view:
        return svc.view_filter(
            workspace(request).state, view, user.username, limit=PAGE, offset=offset
        )
    for field, values in (("platform", platform), ("language", language), ("tag", tag),
                          ("topic", topic)):  # fmt: skip
        if len(values) > MAX_VALUES:
            # Each is a condition: a thousand was SQLite's "Expression tree is too large".
            raise UsageError(
                tr("too many %(field)s values (%(n)s)", field=field, n=len(values)),
                hint=tr("Filter on at most %(max)s at a time.", max=MAX_VALUES),
            )
    return ItemFilter(
        statuses=tuple(s for s in status if s in STATUSES) or OPEN_STATUSES,
        priorities=tuple(p for p in priority if p in PRIORITIES),
        platforms=tuple(p for p in platform if p),
        languages=tuple(x for x in language if x),
        sentiments=tuple(s for s in sentiment if s in SENTIMENTS),
        tags=tuple(t for t in tag if t),
        # Known topics only, said with the known ones (as veille inbox list --topic).
        topics=svc.check_topics(workspace(request).state, topic),
        assignee=assignee or None,
        text=q.strip()[:200],
        limit=PAGE,
        offset=offset,
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    user: Viewer,
    status: _Many = [],  # noqa: B006
    priority: _Many = [],  # noqa: B006
    platform: _Many = [],  # noqa: B006
    language: _Many = [],  # noqa: B006
    sentiment: _Many = [],  # noqa: B006
    tag: _Many = [],  # noqa: B006
    topic: _Many = [],  # noqa: B006
    assignee: str = "",
    q: str = "",
    view: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    from veille.inbox.targets import due_states

    ws = workspace(request)
    error = None
    try:
        flt = _filter(
            request, user, status=status, priority=priority, platform=platform,
            language=language, sentiment=sentiment, tag=tag, assignee=assignee, q=q,
            view=view, page=page, topic=topic,
        )  # fmt: skip
    except VeilleError as exc:
        store_errors_through(exc)
        error, flt = error_text(request, exc), ItemFilter(statuses=OPEN_STATUSES, limit=PAGE)
    found = svc.list_items(ws.state, flt)
    total = svc.count_items(ws.state, flt)
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
    return render(
        request,
        "inbox/list.html",
        {
            "items": found, "total": total, "flt": flt, "dues": due_states(ws.settings, found),
            "since": svc.assigned_since(ws.state, found),
            "views": svc.views(ws.state, user.username), "view": view, "q": q,
            "statuses": STATUSES, "priorities": PRIORITIES, "sentiments": SENTIMENTS,
            "settable": SETTABLE_STATUSES, "snooze_presets": SNOOZE_PRESETS,
            "topics": sorted({t.name for t in list_topics(ws.state)} | set(flt.topics)),
            # Offered by name as the stream offers them ("Hacker News",
            # « anglais »): typed, only the codes matched ("Reddit" or
            # "reddit,x" found nothing, and said nothing).
            "platforms": STREAM_PLATFORMS + tuple(
                p for p in flt.platforms if p not in STREAM_PLATFORMS
            ),
            "languages": STREAM_LANGUAGES + tuple(
                x for x in flt.languages if x not in STREAM_LANGUAGES
            ),
            "page": page, "pages": max(1, -(-total // PAGE)), "query": query,
            "bulk_actions": svc.BULK_ACTIONS, "can_act": user.can("analyst"), "error": error,
            # No item and no topic flagged: say how posts enter, not "nothing to answer".
            "unfed": not total and not inbox_topics(ws.state),
        },
    )  # fmt: skip


@router.post("/inbox/views", response_class=HTMLResponse)
def save_view(
    request: Request,
    user: Analyst,
    name: Annotated[str, Form(max_length=80)] = "",
    filters: Annotated[str, Form(max_length=2000)] = "",
    shared: Annotated[bool, Form()] = False,
) -> Response:
    from urllib.parse import parse_qs

    _ = translator(request)
    params = parse_qs(filters)
    try:
        flt = _filter(
            request, user, status=params.get("status", []), priority=params.get("priority", []),
            platform=params.get("platform", []), language=params.get("language", []),
            sentiment=params.get("sentiment", []), tag=params.get("tag", []),
            assignee=(params.get("assignee") or [""])[0], q=(params.get("q") or [""])[0],
            view="", page=1, topic=params.get("topic", []),
        )  # fmt: skip
        svc.save_view(workspace(request).state, user.username, name, flt, shared=shared)
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect("/inbox", message=error_text(request, exc))
    return redirect(
        "/inbox?" + urlencode({"view": name.strip()}), message=_("View %(name)s saved.", name=name)
    )


@router.post("/inbox/replies/{reply_id}/approve", response_class=HTMLResponse)
def approve_reply(request: Request, reply_id: RowId, user: Manager) -> Response:
    _ = translator(request)
    ws = workspace(request)
    stored = ws.state.inbox_reply(reply_id)
    target = f"/inbox/{stored.item_id}" if stored else "/inbox"
    try:
        replies.approve(ws, reply_id, approver=user.username)
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect(target, message=error_text(request, exc))
    return redirect(target, message=_("Reply approved and sent."))


@router.post("/inbox/replies/{reply_id}/reject", response_class=HTMLResponse)
def reject_reply(
    request: Request,
    reply_id: RowId,
    user: Manager,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    _ = translator(request)
    ws = workspace(request)
    stored = ws.state.inbox_reply(reply_id)
    target = f"/inbox/{stored.item_id}" if stored else "/inbox"
    try:
        replies.reject(ws, reply_id, approver=user.username, reason=reason)
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect(target, message=error_text(request, exc))
    return redirect(target, message=_("Reply rejected."))


@router.post("/inbox/replies/{reply_id}/retry", response_class=HTMLResponse)
def retry_reply(
    request: Request, reply_id: RowId, user: Analyst, force: Annotated[bool, Form()] = False
) -> Response:
    """Send a failed (or stuck) reply again, as it is (the same reply: never published twice)."""
    _ = translator(request)
    ws = workspace(request)
    stored = ws.state.inbox_reply(reply_id)
    if stored is None:
        return redirect("/inbox", message=_("No reply %(id)s.", id=reply_id))
    try:
        outcome = replies.retry(
            ws, reply_id, user=user.username, force=force, can_approve=user.can("manager")
        )
    except replies.Collision as exc:
        item = svc.get_item(ws.state, stored.item_id)
        warnings = replies.collisions(ws.state, item, user.username, besides=reply_id)
        said = f"{_(exc.message)}. {_('Check with them, or tick “send anyway” and send again.')}"
        return item_page(
            request, user, stored.item_id, warnings=warnings or [said], error=said,
            status_code=409,
        )  # fmt: skip
    except VeilleError as exc:  # refused again: the reply stays, failed, with the new error
        store_errors_through(exc)
        return item_page(
            request, user, stored.item_id, error=error_text(request, exc), status_code=400
        )
    if outcome.reply.status == "pending_approval":
        return redirect(
            f"/inbox/{stored.item_id}", message=_("Reply waiting for a manager's approval.")
        )
    return redirect(f"/inbox/{stored.item_id}", message=_("Reply sent."))


# -- one item ---------------------------------------------------------------------------


def item_page(
    request: Request,
    user: Any,
    item_id: int,
    *,
    draft: str = "",
    canned: str = "",
    verdict: Any = None,
    warnings: list[str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    from veille.inbox.targets import due_states
    from veille.inbox.thread import thread

    ws = workspace(request)
    item = svc.get_item(ws.state, item_id)
    if warnings is None:
        warnings = replies.collisions(ws.state, item, user.username)
    language = lang(request)
    return render(
        request,
        "inbox/item.html",
        {
            "item": item, "due": due_states(ws.settings, [item]).get(item.id),
            "since": svc.assigned_since(ws.state, [item]).get(item.id),
            "events": svc.events(ws.state, item_id), "replies": ws.state.inbox_replies(item_id),
            "thread": thread(ws, item), "statuses": SETTABLE_STATUSES, "priorities": PRIORITIES,
            "snooze_presets": SNOOZE_PRESETS, "snoozed_to": snoozed_to(ws.state, item_id),
            "sentiments": SENTIMENTS, "canned": canned_svc.canned_responses(ws.state),
            # The post's language first (a French post gets the French responses).
            "canned_lang": item.lang if item.lang in ("en", "fr") else language,
            "canned_pick": canned,
            "can_reply": item.platform in replies.REPLY_PLATFORMS, "draft": draft,
            "verdict": verdict, "warnings": warnings, "error": error,
            "can_act": user.can("analyst"), "can_approve": user.can("manager"),
            "can_retry": lambda r, before=replies.stuck_before(ws), held=replies.held(item): (
                replies.can_retry(r, stuck_before=before, held=held)
            ),
            "post_url": item.url if (item.url or "").startswith(("https://", "http://")) else None,
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/{item_id}", response_class=HTMLResponse)
def item_view(request: Request, item_id: RowId, user: Viewer) -> Response:
    return item_page(request, user, item_id)


def _act(request: Request, user: Any, item_id: int, done: str, action: Any) -> Response:
    """Run ``action``; back to the item with ``done``, or the page with the
    error (409 when someone changed the item meanwhile)."""

    def again(exc: VeilleError) -> Response:
        code = 409 if isinstance(exc, Conflict) else 400
        return item_page(request, user, item_id, error=error_text(request, exc), status_code=code)

    return attempt(action, done=done, where=f"/inbox/{item_id}", on_error=again)


Version = Annotated[int | None, Form()]


@router.post("/inbox/{item_id}/assign", response_class=HTMLResponse)
def assign(
    request: Request,
    item_id: RowId,
    user: Analyst,
    to: Annotated[str, Form(max_length=200)] = "",
    version: Version = None,
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Assignment saved."),
        lambda: svc.assign(st, item_id, to.strip() or None, actor=user.username, version=version),
    )  # fmt: skip


@router.post("/inbox/{item_id}/status", response_class=HTMLResponse)
def status(
    request: Request,
    item_id: RowId,
    user: Analyst,
    status: Annotated[str, Form(max_length=40)] = "",
    version: Version = None,
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Status saved."),
        lambda: svc.set_status(st, item_id, status, actor=user.username, version=version),
    )  # fmt: skip


def snooze_until(request: Request, until: str, at: str) -> Any:
    """When a snooze asked on a page ends: the date and time typed (``at``,
    the reader's time zone), else the preset picked (``until``)."""
    from veille.inbox.hours import WorkingTime, working_settings
    from veille.inbox.snooze import snooze_time

    ws = workspace(request)
    value = at if at.strip() else until if until in SNOOZE_PRESETS else ""
    if not value:
        raise UsageError(
            tr("a snooze needs its end"), hint=tr("Pick one, or type a date and time.")
        )
    hours = WorkingTime.from_settings(working_settings(ws))
    return snooze_time(value, hours=hours, timezone=time_zone(request))


def snoozed_to(state: Any, item_id: int) -> dict[int, Any]:
    """Each "snooze" event of the item's history -> the time it was snoozed to."""
    from datetime import datetime

    return {
        e.id: datetime.fromisoformat(e.detail)
        for e in svc.events(state, item_id)
        if e.action == "snooze" and e.detail
    }


@router.post("/inbox/{item_id}/snooze", response_class=HTMLResponse)
def snooze(
    request: Request,
    item_id: RowId,
    user: Analyst,
    until: Annotated[str, Form(max_length=40)] = "",
    at: Annotated[str, Form(max_length=40)] = "",
    version: Version = None,
) -> Response:
    from veille.inbox import snooze as snoozing

    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Snoozed."),
        lambda: snoozing.snooze(
            st, item_id, snooze_until(request, until, at), actor=user.username, version=version
        ),
    )  # fmt: skip


@router.post("/inbox/{item_id}/unsnooze", response_class=HTMLResponse)
def unsnooze(request: Request, item_id: RowId, user: Analyst, version: Version = None) -> Response:
    from veille.inbox import snooze as snoozing

    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Back in the open items."),
        lambda: snoozing.unsnooze(st, item_id, actor=user.username, version=version),
    )  # fmt: skip


@router.post("/inbox/{item_id}/priority", response_class=HTMLResponse)
def priority(
    request: Request,
    item_id: RowId,
    user: Analyst,
    priority: Annotated[str, Form(max_length=40)] = "",
    version: Version = None,
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Priority saved."),
        lambda: svc.set_priority(st, item_id, priority, actor=user.username, version=version),
    )  # fmt: skip


@router.post("/inbox/{item_id}/note", response_class=HTMLResponse)
def note(
    request: Request,
    item_id: RowId,
    user: Analyst,
    text: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Note added."),
        lambda: svc.add_note(st, item_id, text, actor=user.username),
    )  # fmt: skip


@router.post("/inbox/{item_id}/labels", response_class=HTMLResponse)
def labels(
    request: Request,
    item_id: RowId,
    user: Analyst,
    tags: Annotated[str, Form(max_length=500)] = "",
    categories: Annotated[str, Form(max_length=500)] = "",
    remove: Annotated[bool, Form()] = False,
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    tag_list, cat_list = comma_list(tags), comma_list(categories)
    kw = {"untag": tag_list, "uncategorize": cat_list} if remove else {
        "tags": tag_list, "categories": cat_list
    }  # fmt: skip
    return _act(
        request, user, item_id, _("Labels saved."),
        lambda: svc.label(st, item_id, actor=user.username, **kw),
    )  # fmt: skip


@router.post("/inbox/{item_id}/sentiment", response_class=HTMLResponse)
def sentiment(
    request: Request, item_id: RowId, user: Analyst, label: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    _ = translator(request)
    store = workspace(request).store
    return _act(
        request, user, item_id, _("Sentiment corrected."),
        lambda: svc.correct_sentiment(store, item_id, label, actor=user.username),
    )  # fmt: skip


@router.post("/inbox/{item_id}/deleted", response_class=HTMLResponse)
def deleted(request: Request, item_id: RowId, user: Analyst) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Marked as deleted on the platform."),
        lambda: svc.mark_deleted_upstream(st, item_id, actor=user.username),
    )  # fmt: skip


@router.post("/inbox/{item_id}/not-deleted", response_class=HTMLResponse)
def not_deleted(request: Request, item_id: RowId, user: Analyst) -> Response:
    """Clear a wrong "deleted upstream" mark: the post is still there."""
    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("No longer marked as deleted on the platform."),
        lambda: svc.clear_deleted_upstream(st, item_id, actor=user.username),
    )  # fmt: skip


@router.post("/inbox/{item_id}/answered", response_class=HTMLResponse)
def answered(
    request: Request,
    item_id: RowId,
    user: Analyst,
    link: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _ = translator(request)
    ws = workspace(request)
    return _act(
        request, user, item_id, _("Marked as answered."),
        lambda: replies.answered_outside(ws, item_id, user=user.username, link=link.strip()),
    )  # fmt: skip


@router.post("/inbox/{item_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request,
    item_id: RowId,
    user: Analyst,
    text: Annotated[str, Form(max_length=10_000)] = "",
    canned: Annotated[str, Form(max_length=80)] = "",
    step: Annotated[str, Form(max_length=10)] = "check",
    force: Annotated[bool, Form()] = False,
) -> Response:
    """``step=check``: the guide's verdict and the collision warning (the
    person is marked as writing a reply); ``step=send``: send it."""
    _ = translator(request)
    ws = workspace(request)
    item = svc.get_item(ws.state, item_id)
    language = lang(request)
    pick = ""
    if canned and (step == "insert" or not text.strip()):
        # "fr:thanks" (the composer's list, both languages), or a bare name in the page's.
        code, sep, pick = canned.partition(":")
        if not sep or code not in ("en", "fr"):
            code, pick = language, canned
        try:
            inserted = canned_svc.canned_text(ws.state, pick, code)
        except VeilleError as exc:
            store_errors_through(exc)
            return item_page(request, user, item_id, draft=text, error=error_text(request, exc),
                             status_code=400)  # fmt: skip
        text = f"{text.rstrip()}\n\n{inserted}" if text.strip() else inserted
    # English texts made by tr(): the page shows them from the catalogs.
    verdict = replies.check_reply(item.platform, text, state=ws.state) if text.strip() else None
    if step != "send":
        warnings = replies.start_reply(ws, item_id, user.username)
        return item_page(request, user, item_id, draft=text, canned=pick, verdict=verdict,
                         warnings=warnings)  # fmt: skip
    if verdict is not None and not verdict.ok:
        # The check's list under the text says what to change; the command
        # line's message would repeat it, then point to `veille draft check`.
        return item_page(
            request, user, item_id, draft=text, verdict=verdict,
            error=_("The reply was not sent: change what is listed under it."), status_code=400,
        )  # fmt: skip
    can_approve = user.can("manager")
    try:
        outcome = replies.reply(
            ws, item_id, text, user=user.username, force=force, can_approve=can_approve
        )
    except replies.Collision as exc:
        warnings = replies.collisions(ws.state, svc.get_item(ws.state, item_id), user.username)
        # The page's own way to send anyway, not the command line's --force.
        said = f"{_(exc.message)}. {_('Check with them, or tick “send anyway” and send again.')}"
        return item_page(
            request, user, item_id, draft=text, verdict=verdict,
            warnings=warnings or [said], error=said, status_code=409,
        )  # fmt: skip
    except VeilleError as exc:  # refused by the guide or the platform: the text stays
        store_errors_through(exc)
        return item_page(
            request,
            user,
            item_id,
            draft=text,
            verdict=verdict,
            error=error_text(request, exc),
            status_code=400,
        )
    if outcome.reply.status == "pending_approval":
        return redirect(f"/inbox/{item_id}", message=_("Reply waiting for a manager's approval."))
    return redirect(f"/inbox/{item_id}", message=_("Reply sent."))
