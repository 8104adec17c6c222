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
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import UsageError, VeilleError, tr
from veille.inbox import canned as canned_svc
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
from veille.query.topics import inbox_topics, list_topics
from veille.web.deps import (
    Analyst,
    Manager,
    RowId,
    Viewer,
    error_text,
    lang,
    plural_translator,
    redirect,
    render,
    translator,
    workspace,
)
from veille.web.forms import attempt, comma_list, store_errors_through, whole

router = APIRouter()

PAGE = 50
# Values of one filter (platforms, languages, tags, topics) a list takes at a time.
MAX_VALUES = 100
# Digits of a number that always fits a row's 64-bit integer.
_DIGITS = 18
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
            "topics": sorted({t.name for t in list_topics(ws.state)} | set(flt.topics)),
            "page": page, "pages": max(1, -(-total // PAGE)), "query": query,
            "bulk_actions": svc.BULK_ACTIONS, "can_act": user.can("analyst"), "error": error,
            # No item and no topic flagged: say how posts enter, not "nothing to answer".
            "unfed": not total and not inbox_topics(ws.state),
        },
    )  # fmt: skip


@router.post("/inbox/bulk", response_class=HTMLResponse)
def bulk(
    request: Request,
    user: Analyst,
    ids: Annotated[list[int], Form()] = [],  # noqa: B006
    action: Annotated[str, Form()] = "",
    value: Annotated[str, Form(max_length=200)] = "",
    # "ID:VERSION" of each item as the list showed it: one changed since is not overwritten.
    read: Annotated[list[str], Form()] = [],  # noqa: B006
    # The list's filters and page, as its address said them (a query string).
    back: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    _ = translator(request)
    # Back to the list as it was read: a team working through "unassigned",
    # page 3, was sent to the first page of every open item after each action.
    # Re-encoded from its pairs, so the form can only name the inbox's own list.
    pairs = parse_qsl(back)
    listed = f"/inbox?{urlencode(pairs)}" if pairs else "/inbox"
    if not ids:  # "0 items changed." told nothing about what to do
        return redirect(
            listed, message=_("No item selected: tick the items to change, then apply.")
        )
    # A status or a priority is chosen from the list, in the reader's words
    # ("status:closed"): typed, a French reader's « haute » was refused.
    kind, sep, chosen = action.partition(":")
    if sep and kind in ("status", "priority"):
        action, value = kind, chosen
    versions = {}
    for pair in read:
        item_id, _sep, version = pair.partition(":")
        # At most 18 digits fit a row's 64 bits: a longer version (a forged
        # form) is none an item has, so the item reads as changed since.
        if item_id.isdigit() and len(item_id) <= _DIGITS and version.isdigit():
            versions[int(item_id)] = int(version) if len(version) <= _DIGITS else -1
    try:
        result = svc.bulk(
            workspace(request).state, ids, action, value, actor=user.username, versions=versions
        )
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect(listed, message=error_text(request, exc))
    message = plural_translator(request)(
        "%(num)s item changed.", "%(num)s items changed.", len(result.done)
    )
    if result.failed:
        message += " " + "; ".join(
            _("#%(id)s: %(error)s", id=i, error=_(e)) for i, e in result.failed.items()
        )
    return redirect(listed, message=message)


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


# -- rules (declared before /inbox/{item_id}) ----------------------------------------------


def rules_page(
    request: Request, user: Any, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    from veille.inbox.rules import ACTIONS, list_rules
    from veille.services.dangling import inbox_references

    ws = workspace(request)
    rules = list_rules(ws.state)
    return render(
        request,
        "inbox/rules.html",
        {
            "rules": rules, "actions": ACTIONS, "priorities": PRIORITIES,
            "sentiments": SENTIMENTS, "statuses": STATUSES, "teams": ws.state.inbox_teams(),
            "can_edit": user.can("manager"), "error": error,
            "dangling": [d for d in inbox_references(ws.state) if d.kind == "inbox_rule"],
            "described": {r.name: _described(request, r) for r in rules},
        },
        status_code=status_code,
    )  # fmt: skip


# A rule's conditions as its form names them (the catalogs hold each label).
_CONDITIONS = {
    "query": "Query", "sentiments": "Sentiment", "min_followers": "At least this many followers",
    "max_rank": "Among the top N influencers", "platforms": "Platforms",
    "languages": "Languages", "when": "Time",
}  # fmt: skip
_WHEN = {"working": "within working time", "outside": "outside working time"}


def _described(request: Request, rule: Any) -> tuple[str, str]:
    """A rule's "when" and "then" in the reader's words: the list read
    ``query=down OR marche, languages=['fr']`` and ``priority urgent``, Python
    and English on a French page."""
    from veille.inbox.model import word

    _ = translator(request)

    def value(key: str, found: Any) -> str:
        if isinstance(found, list):
            return ", ".join(_(v) if key == "sentiments" else str(v) for v in found)
        return _(_WHEN[found]) if key == "when" and found in _WHEN else str(found)

    when = _("; ").join(
        _("%(field)s: %(problem)s", field=_(_CONDITIONS.get(k, k)), problem=value(k, v))
        for k, v in rule.conditions.as_dict().items()
    )
    then = ", ".join(
        f"{_(kind)} {_(word(v)) if kind == 'status' else _(v) if kind == 'priority' else v}"
        for kind, v in rule.actions
    )
    return when or _("every item"), then


@router.get("/inbox/rules", response_class=HTMLResponse)
def rules_view(request: Request, user: Viewer) -> Response:
    return rules_page(request, user)


class RuleForm:
    """The rule form's fields (the same for adding and editing a rule)."""

    def __init__(
        self,
        # Not "name": the editing route's path has a {name} of its own.
        rule_name: Annotated[str, Form(max_length=80, alias="name")] = "",
        query: Annotated[str, Form(max_length=2000)] = "",
        sentiment: Annotated[list[str], Form()] = [],  # noqa: B006
        min_followers: Annotated[str, Form(max_length=12)] = "",
        max_rank: Annotated[str, Form(max_length=12)] = "",
        platform: Annotated[str, Form(max_length=200)] = "",
        language: Annotated[str, Form(max_length=200)] = "",
        when: Annotated[str, Form(max_length=20)] = "",
        action: Annotated[list[str], Form()] = [],  # noqa: B006
        value: Annotated[list[str], Form()] = [],  # noqa: B006
    ) -> None:
        self.name, self.query, self.sentiment = rule_name.strip(), query.strip(), sentiment
        self.min_followers, self.max_rank = min_followers, max_rank
        self.platform, self.language, self.when = platform, language, when.strip()
        self.action, self.value = action, value

    def rule(self) -> Any:
        from veille.inbox.rules import make_rule

        return make_rule(
            self.name, query=self.query or None, sentiments=self.sentiment,
            min_followers=whole(self.min_followers, "min_followers"),
            max_rank=whole(self.max_rank, "max_rank"),
            platforms=comma_list(self.platform), languages=comma_list(self.language),
            when=self.when or None,
            actions=[(a, v) for a, v in zip(self.action, self.value, strict=False)
                     if a and v.strip()],
        )  # fmt: skip


@router.post("/inbox/rules", response_class=HTMLResponse)
def add_rule(request: Request, user: Manager, form: Annotated[RuleForm, Depends()]) -> Response:
    from veille.inbox.rules import add_rule as add

    _ = translator(request)
    st = workspace(request).state
    return attempt(
        lambda: add(st, form.rule()),
        done=_("Rule %(name)s added.", name=form.name), where="/inbox/rules",
        on_error=lambda exc: rules_page(
            request, user, error=error_text(request, exc), status_code=400
        ),
    )  # fmt: skip


def rule_edit_page(
    request: Request, user: Any, name: str, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    from veille.inbox.rules import ACTIONS, get_rule

    rule = get_rule(workspace(request).state, name)  # NotFound: the 404 page
    return render(
        request,
        "inbox/rule_edit.html",
        {
            "rule": rule, "actions": ACTIONS, "sentiments": SENTIMENTS, "error": error,
            "teams": workspace(request).state.inbox_teams(),
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/rules/{name}/edit", response_class=HTMLResponse)
def rule_edit_view(request: Request, name: str, user: Manager) -> Response:
    return rule_edit_page(request, user, name)


@router.post("/inbox/rules/{name}/edit", response_class=HTMLResponse)
def edit_rule(
    request: Request, name: str, user: Manager, form: Annotated[RuleForm, Depends()]
) -> Response:
    from veille.inbox.rules import edit_rule as edit

    _ = translator(request)
    st = workspace(request).state
    return attempt(
        lambda: edit(st, name, form.rule()),
        done=_("Rule %(name)s saved.", name=form.name), where="/inbox/rules",
        on_error=lambda exc: rule_edit_page(
            request, user, name, error=error_text(request, exc), status_code=400
        ),
    )  # fmt: skip


@router.post("/inbox/rules/{name}/remove", response_class=HTMLResponse)
def remove_rule(request: Request, name: str, user: Manager) -> Response:
    from veille.inbox.rules import remove_rule as remove

    _ = translator(request)
    try:
        remove(workspace(request).state, name)
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect("/inbox/rules", message=error_text(request, exc))
    return redirect("/inbox/rules", message=_("Rule %(name)s removed.", name=name))


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
            "thread": thread(ws, item), "statuses": STATUSES, "priorities": PRIORITIES,
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
