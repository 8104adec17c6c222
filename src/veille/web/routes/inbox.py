"""The inbox pages: ``/inbox`` (filters, saved views, bulk actions),
``/inbox/{id}`` (thread, notes, assignment, status, reply composer with the
guide's verdict and the collision warning), ``/inbox/rules``.

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

from veille.errors import VeilleError
from veille.inbox import items as svc
from veille.inbox import replies
from veille.inbox.model import (
    OPEN_STATUSES,
    PRIORITIES,
    SENTIMENTS,
    STATUSES,
    Conflict,
    ItemFilter,
)
from veille.web.deps import Analyst, Manager, Viewer, lang, redirect, render, translator, workspace

router = APIRouter()

PAGE = 50
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
) -> ItemFilter:
    offset = PAGE * max(0, page - 1)
    if view:
        return svc.view_filter(
            workspace(request).state, view, user.username, limit=PAGE, offset=offset
        )
    return ItemFilter(
        statuses=tuple(s for s in status if s in STATUSES) or OPEN_STATUSES,
        priorities=tuple(p for p in priority if p in PRIORITIES),
        platforms=tuple(p for p in platform if p),
        languages=tuple(x for x in language if x),
        sentiments=tuple(s for s in sentiment if s in SENTIMENTS),
        tags=tuple(t for t in tag if t),
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
            view=view, page=page,
        )  # fmt: skip
    except VeilleError as exc:
        error, flt = exc.message, ItemFilter(statuses=OPEN_STATUSES, limit=PAGE)
    found = svc.list_items(ws.state, flt)
    total = svc.count_items(ws.state, flt)
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
    return render(
        request,
        "inbox/list.html",
        {
            "items": found, "total": total, "flt": flt, "dues": due_states(ws.settings, found),
            "views": svc.views(ws.state, user.username), "view": view, "q": q,
            "statuses": STATUSES, "priorities": PRIORITIES, "sentiments": SENTIMENTS,
            "page": page, "pages": max(1, -(-total // PAGE)), "query": query,
            "bulk_actions": svc.BULK_ACTIONS, "can_act": user.can("analyst"), "error": error,
        },
    )  # fmt: skip


@router.post("/inbox/bulk", response_class=HTMLResponse)
def bulk(
    request: Request,
    user: Analyst,
    ids: Annotated[list[int], Form()] = [],  # noqa: B006
    action: Annotated[str, Form()] = "",
    value: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _ = translator(request)
    try:
        result = svc.bulk(workspace(request).state, ids, action, value, actor=user.username)
    except VeilleError as exc:
        return redirect("/inbox", message=exc.message)
    message = _("%(done)s items changed.", done=len(result.done))
    if result.failed:
        message += " " + "; ".join(f"#{i}: {e}" for i, e in result.failed.items())
    return redirect("/inbox", message=message)


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
            view="", page=1,
        )  # fmt: skip
        svc.save_view(workspace(request).state, user.username, name, flt, shared=shared)
    except VeilleError as exc:
        return redirect("/inbox", message=exc.message)
    return redirect(
        "/inbox?" + urlencode({"view": name.strip()}), message=_("View %(name)s saved.", name=name)
    )


# -- rules (declared before /inbox/{item_id}) ----------------------------------------------


@router.get("/inbox/rules", response_class=HTMLResponse)
def rules_page(request: Request, user: Viewer, error: str | None = None) -> Response:
    from veille.inbox.rules import ACTIONS, list_rules

    ws = workspace(request)
    return render(
        request,
        "inbox/rules.html",
        {
            "rules": list_rules(ws.state), "actions": ACTIONS, "priorities": PRIORITIES,
            "sentiments": SENTIMENTS, "statuses": STATUSES, "teams": ws.state.inbox_teams(),
            "can_edit": user.can("manager"), "error": error,
        },
    )  # fmt: skip


@router.post("/inbox/rules", response_class=HTMLResponse)
def add_rule(
    request: Request,
    user: Manager,
    name: Annotated[str, Form(max_length=80)] = "",
    query: Annotated[str, Form(max_length=2000)] = "",
    sentiment: Annotated[list[str], Form()] = [],  # noqa: B006
    min_followers: Annotated[str, Form(max_length=12)] = "",
    max_rank: Annotated[str, Form(max_length=12)] = "",
    platform: Annotated[str, Form(max_length=200)] = "",
    language: Annotated[str, Form(max_length=200)] = "",
    when: Annotated[str, Form(max_length=20)] = "",
    action: Annotated[list[str], Form()] = [],  # noqa: B006
    value: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    from veille.inbox.rules import add_rule as add
    from veille.inbox.rules import make_rule

    _ = translator(request)

    def number(text: str) -> int | None:
        return int(text) if text.strip().isdigit() else None

    try:
        rule = make_rule(
            name.strip(), query=query.strip() or None, sentiments=sentiment,
            min_followers=number(min_followers), max_rank=number(max_rank),
            platforms=[p.strip() for p in platform.split(",") if p.strip()],
            languages=[x.strip() for x in language.split(",") if x.strip()],
            when=when.strip() or None,
            actions=[(a, v) for a, v in zip(action, value, strict=False) if a and v.strip()],
        )  # fmt: skip
        add(workspace(request).state, rule)
    except VeilleError as exc:
        response = rules_page(request, user, error=exc.message)
        response.status_code = 400
        return response
    return redirect("/inbox/rules", message=_("Rule %(name)s added.", name=rule.name))


@router.post("/inbox/rules/{name}/remove", response_class=HTMLResponse)
def remove_rule(request: Request, name: str, user: Manager) -> Response:
    from veille.inbox.rules import remove_rule as remove

    _ = translator(request)
    try:
        remove(workspace(request).state, name)
    except VeilleError as exc:
        return redirect("/inbox/rules", message=exc.message)
    return redirect("/inbox/rules", message=_("Rule %(name)s removed.", name=name))


@router.post("/inbox/replies/{reply_id}/approve", response_class=HTMLResponse)
def approve_reply(request: Request, reply_id: int, user: Manager) -> Response:
    _ = translator(request)
    ws = workspace(request)
    stored = ws.state.inbox_reply(reply_id)
    target = f"/inbox/{stored.item_id}" if stored else "/inbox"
    try:
        replies.approve(ws, reply_id, approver=user.username)
    except VeilleError as exc:
        return redirect(target, message=exc.message)
    return redirect(target, message=_("Reply approved and sent."))


@router.post("/inbox/replies/{reply_id}/reject", response_class=HTMLResponse)
def reject_reply(
    request: Request,
    reply_id: int,
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
        return redirect(target, message=exc.message)
    return redirect(target, message=_("Reply rejected."))


# -- one item ---------------------------------------------------------------------------


def item_page(
    request: Request,
    user: Any,
    item_id: int,
    *,
    draft: str = "",
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
            "events": svc.events(ws.state, item_id), "replies": ws.state.inbox_replies(item_id),
            "thread": thread(ws, item), "statuses": STATUSES, "priorities": PRIORITIES,
            "sentiments": SENTIMENTS, "canned": replies.canned_responses(ws.state, language),
            "can_reply": item.platform in replies.REPLY_PLATFORMS, "draft": draft,
            "verdict": verdict, "warnings": warnings, "error": error,
            "can_act": user.can("analyst"), "can_approve": user.can("manager"),
            "post_url": item.url if (item.url or "").startswith(("https://", "http://")) else None,
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/{item_id}", response_class=HTMLResponse)
def item_view(request: Request, item_id: int, user: Viewer) -> Response:
    return item_page(request, user, item_id)


def _act(request: Request, user: Any, item_id: int, done: str, action: Any) -> Response:
    """Run ``action``; back to the item with ``done``, or the page with the error."""
    try:
        action()
    except Conflict as exc:
        return item_page(request, user, item_id, error=exc.message, status_code=409)
    except VeilleError as exc:
        return item_page(request, user, item_id, error=exc.message, status_code=400)
    return redirect(f"/inbox/{item_id}", message=done)


Version = Annotated[int | None, Form()]


@router.post("/inbox/{item_id}/assign", response_class=HTMLResponse)
def assign(
    request: Request,
    item_id: int,
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
    item_id: int,
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


@router.post("/inbox/{item_id}/priority", response_class=HTMLResponse)
def priority(
    request: Request,
    item_id: int,
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
    item_id: int,
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
    item_id: int,
    user: Analyst,
    tags: Annotated[str, Form(max_length=500)] = "",
    categories: Annotated[str, Form(max_length=500)] = "",
    remove: Annotated[bool, Form()] = False,
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    tag_list = [t.strip() for t in tags.split(",") if t.strip()]
    cat_list = [c.strip() for c in categories.split(",") if c.strip()]
    kw = {"untag": tag_list, "uncategorize": cat_list} if remove else {
        "tags": tag_list, "categories": cat_list
    }  # fmt: skip
    return _act(
        request, user, item_id, _("Labels saved."),
        lambda: svc.label(st, item_id, actor=user.username, **kw),
    )  # fmt: skip


@router.post("/inbox/{item_id}/sentiment", response_class=HTMLResponse)
def sentiment(
    request: Request, item_id: int, user: Analyst, label: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    _ = translator(request)
    store = workspace(request).store
    return _act(
        request, user, item_id, _("Sentiment corrected."),
        lambda: svc.correct_sentiment(store, item_id, label, actor=user.username),
    )  # fmt: skip


@router.post("/inbox/{item_id}/deleted", response_class=HTMLResponse)
def deleted(request: Request, item_id: int, user: Analyst) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return _act(
        request, user, item_id, _("Marked as deleted on the platform."),
        lambda: svc.mark_deleted_upstream(st, item_id, actor=user.username),
    )  # fmt: skip


@router.post("/inbox/{item_id}/answered", response_class=HTMLResponse)
def answered(
    request: Request, item_id: int, user: Analyst, link: Annotated[str, Form(max_length=2000)] = ""
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
    item_id: int,
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
    if canned and not text.strip():
        try:
            text = replies.canned_text(ws.state, canned, language)
        except VeilleError as exc:
            return item_page(request, user, item_id, error=exc.message, status_code=400)
    verdict = replies.check_reply(item.platform, text, lang=language) if text.strip() else None
    if step != "send":
        warnings = replies.start_reply(ws, item_id, user.username)
        return item_page(request, user, item_id, draft=text, verdict=verdict, warnings=warnings)
    can_approve = user.can("manager")
    try:
        outcome = replies.reply(
            ws, item_id, text, user=user.username, force=force, can_approve=can_approve
        )
    except replies.Collision as exc:
        warnings = replies.collisions(ws.state, svc.get_item(ws.state, item_id), user.username)
        return item_page(
            request, user, item_id, draft=text, verdict=verdict,
            warnings=warnings or [exc.message], error=exc.message, status_code=409,
        )  # fmt: skip
    except VeilleError as exc:  # refused by the guide or the platform: the text stays
        return item_page(
            request, user, item_id, draft=text, verdict=verdict, error=exc.message, status_code=400
        )
    if outcome.reply.status == "pending_approval":
        return redirect(f"/inbox/{item_id}", message=_("Reply waiting for a manager's approval."))
    return redirect(f"/inbox/{item_id}", message=_("Reply sent."))
