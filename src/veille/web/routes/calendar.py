"""The content calendar's pages: the list, adding and editing a post with the
draft checker's verdict inline, approval by a manager, removal."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.analytics.findings import platform_name
from veille.errors import Conflict, NotFound, UnclearTime, UsageError
from veille.publish import calendar as cal
from veille.publish.service import check_post, list_accounts
from veille.web.deps import (
    Analyst,
    Manager,
    RowId,
    error_text,
    lang,
    redirect,
    render,
    state,
    time_zone,
    translator,
    workspace,
)
from veille.web.forms import edited_fields, shown_json, shown_values

router = APIRouter()


def _verdict(
    request: Request, account: str, text: str, title: str | None, platform: str = ""
) -> Any:
    """The draft checker's verdict on what was typed for ``account``, against
    the platform's rules, its server's limit and the staff guidelines, as the
    calendar checks it when saved (None when nothing to check)."""
    if not text.strip():
        return None
    found = state(request).publish_account(account)
    if found is None and not platform:
        return None
    try:
        return check_post(state(request), found or platform, text, title=title)
    except UsageError:
        return None


def _past_time(request: Request, at: str) -> str | None:
    """What to say beside the time when ``at`` (as the form sends it) is
    already past, in the reader's language; None when it is to come or is
    no time at all (the service says what is wrong with that). Such a post
    was saved without a word and went out at the next run."""
    ws = workspace(request)
    tz = time_zone(request)
    try:
        cal.parse_when(at.replace("T", " "), tz)
    except UsageError:
        return None
    try:
        cal.check_to_come(at.replace("T", " "), tz, now=ws.clock())
    except UsageError as exc:
        _ = translator(request)
        box = _("Save it even though the time is past")
        return _("%(why)s. Give a time to come, or tick “%(box)s”: it then goes out at "
                 "the next run.", why=_(exc.message), box=box)  # fmt: skip
    return None


def _read_back(typed: str, tz: str) -> Any:
    """``typed`` (as the form sends it) read as the service reads it, or
    None where it asks which of two times is meant (or names none)."""
    try:
        return cal.parse_when(typed, tz)
    except UsageError:
        return None


def _form_defaults(request: Request) -> dict[str, Any]:
    tz = time_zone(request)
    soon = cal.local(workspace(request).clock() + timedelta(hours=1), tz)
    # The form has no offset: a time the clock shows twice (the night it goes
    # back) is refused, asking which is meant. Offered at 02:40 summer time,
    # the next hour (02:40 again, winter time) read back as the 02:40 that had
    # just passed and was refused; the next hour the clock shows once is
    # offered instead.
    while _read_back(soon.strftime("%Y-%m-%d %H:%M"), tz) != soon.replace(second=0, microsecond=0):
        soon += timedelta(hours=1)
    return {"account": "", "at": soon.strftime("%Y-%m-%dT%H:%M"), "text": "", "title": "",
            "language": ""}  # fmt: skip


def _with_reading(at: str, at_reading: str) -> str:
    """The time to save: the reading picked (``2026-10-25T02:30+01:00``) of
    a time the clock shows twice, when it is a reading of the time typed
    (one picked for another time, since changed, is not); else ``at``."""
    return at_reading if at and at_reading.startswith(at) and len(at_reading) > len(at) else at


def _unclear(request: Request, at: str, exc: UnclearTime) -> dict[str, Any]:
    """What the form shows beside a time the clock shows twice or never:
    the error, and the two readings to choose from (none for a time that
    never happens)."""
    _ = translator(request)
    labels = (_("the first, at UTC%(offset)s (before the clocks go back)", offset=exc.offsets[0]),
              _("the second, at UTC%(offset)s (after the clocks go back)", offset=exc.offsets[1])
              ) if exc.offsets else ()  # fmt: skip
    return {
        "at_error": error_text(request, exc),
        "at_unclear": True,
        "at_readings": [
            {"value": at + o, "label": lab} for o, lab in zip(exc.offsets, labels, strict=True)
        ],
    }


def _unclear_at(request: Request, at: str, when: str) -> dict[str, Any] | None:
    """:func:`_unclear` when ``when`` (``at`` as typed, with the reading
    picked) is a time the clock shows twice or never, for Check to say it
    as Save does; else None."""
    try:
        cal.parse_when(when.replace("T", " "), time_zone(request))
    except UnclearTime as exc:
        return _unclear(request, at, exc)
    except UsageError:
        pass
    return None


def _list_page(
    request: Request,
    *,
    form: dict[str, Any] | None = None,
    verdict: Any = None,
    error: str | None = None,
    at_error: str | None = None,
    status_code: int = 200,
    unclear: dict[str, Any] | None = None,
) -> HTMLResponse:
    from veille.services.dangling import calendar_references

    st = state(request)
    settings = workspace(request).settings
    return render(
        request,
        "calendar/list.html",
        {
            "entries": cal.list_entries(st),
            # Posts waiting to go out as an account removed under them (before
            # veille refused that): each fails at its time.
            "dangling": calendar_references(st),
            "accounts": list_accounts(st),
            "form": form or _form_defaults(request),
            "verdict": verdict,
            "error": error,
            "at_error": at_error,
            "require_approval": settings.plan.require_approval,
            "lang": lang(request),
            **(unclear or {}),
        },
        status_code=status_code,
    )


@router.get("/plan/calendar", response_class=HTMLResponse)
def list_page(request: Request, user: Analyst) -> Response:
    return _list_page(request)


@router.post("/plan/calendar", response_class=HTMLResponse)
def add(
    request: Request,
    user: Analyst,
    account: Annotated[str, Form(max_length=200)] = "",
    at: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=100_000)] = "",
    title: Annotated[str, Form(max_length=1000)] = "",
    language: Annotated[str, Form(max_length=10)] = "",
    action: Annotated[str, Form(max_length=10)] = "save",
    past_ok: Annotated[str, Form(max_length=10)] = "",
    at_reading: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    _ = translator(request)
    form = {"account": account, "at": at, "text": text, "title": title, "language": language,
            "past_ok": bool(past_ok)}  # fmt: skip
    verdict = _verdict(request, account, text, title or None)
    when = _with_reading(at, at_reading)
    at_error = None if past_ok else _past_time(request, when)
    if action == "check":
        # Check said only the draft checker's verdict, and Save then refused
        # the time already past (or one the clock shows twice): it says both,
        # in Save's words.
        return _list_page(request, form=form, verdict=verdict, at_error=at_error,
                          unclear=_unclear_at(request, at, when))  # fmt: skip
    if at_error:
        return _list_page(request, form=form, verdict=verdict, at_error=at_error,
                          status_code=400)  # fmt: skip
    try:
        entry = cal.add_entry(
            state(request), workspace(request).settings, account=account, text=text,
            at=when.replace("T", " "), title=title or None, language=language or None,
            by=user.username, past_ok=True,  # a time past was refused above, or the box ticked
            timezone=time_zone(request), now=workspace(request).clock(),
        )  # fmt: skip
    except UnclearTime as exc:
        return _list_page(request, form=form, verdict=verdict, status_code=400,
                          unclear=_unclear(request, at, exc))  # fmt: skip
    except UsageError as exc:
        return _list_page(request, form=form, verdict=verdict, error=error_text(request, exc),
                          status_code=400)  # fmt: skip
    if entry.problems and all(p["code"].startswith("guideline_") for p in entry.problems):
        message = _("Post #%(id)s saved as a draft: it breaks the staff guidelines.", id=entry.id)
    elif entry.problems:
        message = _("Post #%(id)s saved as a draft: it breaks a rule of %(platform)s.",
                    id=entry.id, platform=platform_name(entry.platform))  # fmt: skip
    else:
        message = _("Post #%(id)s saved.", id=entry.id)
    return redirect("/plan/calendar", message=_with_cadence(request, entry, message))


def _with_cadence(request: Request, entry: Any, message: str) -> str:
    """``message``, and what the calendar's service says when the post's
    week now holds more posts on its platform than the channel plan sets."""
    from veille.publish.cadence import over_cadence

    _ = translator(request)
    for warning in over_cadence(state(request), workspace(request).settings, entry):
        message = _("%(saved)s Note: %(warning)s.", saved=message, warning=_(warning))
    return message


def _fields(request: Request, entry: Any) -> dict[str, str]:
    """The post's fields as its form shows and sends them."""
    tz = time_zone(request)
    return {
        "at": cal.local(entry.scheduled_at, tz).strftime("%Y-%m-%dT%H:%M"),
        "text": entry.text, "title": entry.title or "",
    }  # fmt: skip


def _edit_page(
    request: Request, entry: Any, *, form: dict[str, Any] | None = None, verdict: Any = None,
    error: str | None = None, status_code: int = 200, shown: str | None = None,
    at_error: str | None = None, unclear: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    form = form or _fields(request, entry)
    if verdict is None:
        verdict = _verdict(request, entry.account, form["text"], form["title"] or None,
                           entry.platform)  # fmt: skip
    # What the form was opened with, kept through "Check": a save writes only
    # the fields changed from it, so a colleague's change made since stays.
    shown = shown if shown is not None else shown_json(_fields(request, entry))
    return render(request, "calendar/edit.html",
                  {"entry": entry, "form": form, "verdict": verdict, "error": error,
                   "at_error": at_error, **(unclear or {}),
                   "lang": lang(request), "shown": shown}, status_code=status_code)  # fmt: skip


def _entry(request: Request, entry_id: int) -> Any:
    try:
        return cal.get_entry(state(request), entry_id)
    except NotFound:
        from fastapi import HTTPException

        raise HTTPException(404, translator(request)("There is no such post.")) from None


@router.get("/plan/calendar/{entry_id}", response_class=HTMLResponse)
def edit_page(request: Request, entry_id: RowId, user: Analyst) -> Response:
    return _edit_page(request, _entry(request, entry_id))


@router.post("/plan/calendar/{entry_id}", response_class=HTMLResponse)
def edit(
    request: Request,
    entry_id: RowId,
    user: Analyst,
    at: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=100_000)] = "",
    title: Annotated[str, Form(max_length=1000)] = "",
    action: Annotated[str, Form(max_length=10)] = "save",
    shown: Annotated[str, Form(max_length=400_000)] = "",  # the text, JSON-escaped
    past_ok: Annotated[str, Form(max_length=10)] = "",
    at_reading: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    _ = translator(request)
    entry = _entry(request, entry_id)
    typed = {"at": _with_reading(at, at_reading), "text": text, "title": title}
    form: dict[str, Any] = {**typed, "at": at, "past_ok": bool(past_ok)}
    verdict = _verdict(request, entry.account, text, title or None, entry.platform)
    changes, clashes = edited_fields(shown_values(shown), typed, _fields(request, entry))
    # Only a new time is checked: a post whose time has passed (one that
    # failed) may have its text corrected without being asked again.
    at_error = None if past_ok or "at" not in changes else _past_time(request, changes["at"])
    if action == "check":
        # Check said only the draft checker's verdict, and Save then refused
        # the time already past (or one the clock shows twice): it says both,
        # in Save's words.
        unclear = _unclear_at(request, at, changes["at"]) if "at" in changes else None
        return _edit_page(request, entry, form=form, verdict=verdict, shown=shown,
                          at_error=at_error, unclear=unclear)  # fmt: skip
    if clashes:
        # Two people editing one post: the second save would have replaced
        # the first's words, which then went out. Refused; both kept in sight.
        zone = time_zone(request)
        labels = {"at": _("When (time zone: %(zone)s)", zone=zone), "text": _("Text"),
                  "title": _("Title (blog)")}  # fmt: skip
        said = _("Post #%(id)s was changed by someone else since you opened it (%(fields)s); "
                 "nothing was saved. Its text is now: %(text)s. Yours is still in the form: "
                 "compare, then save again to replace it.",
                 id=entry_id, fields=", ".join(labels[f] for f in clashes),
                 text=entry.text)  # fmt: skip
        return _edit_page(request, entry, form=form, verdict=verdict, error=said,
                          status_code=409)  # fmt: skip
    if at_error:
        return _edit_page(request, entry, form=form, verdict=verdict, at_error=at_error,
                          status_code=400, shown=shown)  # fmt: skip
    try:
        saved = cal.edit_entry(
            state(request), workspace(request).settings, entry_id, text=changes.get("text"),
            at=changes["at"].replace("T", " ") or None if "at" in changes else None,
            title=changes.get("title"), by=user.username, past_ok=True,  # checked above
            timezone=time_zone(request), now=workspace(request).clock(),
        )  # fmt: skip
    except UnclearTime as exc:
        return _edit_page(request, entry, form=form, verdict=verdict, status_code=400,
                          shown=shown, unclear=_unclear(request, at, exc))  # fmt: skip
    except UsageError as exc:
        return _edit_page(request, entry, form=form, verdict=verdict,
                          error=error_text(request, exc), status_code=400, shown=shown)  # fmt: skip
    message = _with_cadence(request, saved, _("Post #%(id)s saved.", id=entry_id))
    return redirect("/plan/calendar", message=message)


@router.post("/plan/calendar/{entry_id}/approve", response_class=HTMLResponse)
def approve(request: Request, entry_id: RowId, user: Manager) -> Response:
    _ = translator(request)
    _entry(request, entry_id)
    try:
        cal.approve_entry(
            state(request), entry_id, by=user.username, now=workspace(request).clock()
        )
    except (UsageError, Conflict) as exc:
        # 409: the post is past waiting (scheduled, approved, published).
        code = 409 if isinstance(exc, Conflict) else 400
        return _list_page(request, error=error_text(request, exc), status_code=code)
    return redirect("/plan/calendar", message=_("Post #%(id)s approved.", id=entry_id))


@router.post("/plan/calendar/{entry_id}/publish", response_class=HTMLResponse)
def publish_now(request: Request, entry_id: RowId, user: Manager) -> Response:
    """Publish an approved or scheduled post now rather than at its time."""
    _ = translator(request)
    _entry(request, entry_id)
    try:
        outcomes = cal.publish_due(state(request), workspace(request).settings, only=entry_id)
    except UsageError as exc:
        return _list_page(request, error=error_text(request, exc), status_code=400)
    done = next((o for o in outcomes if o.entry_id == entry_id), None)
    if done is not None and done.result == "published":
        message = _("Post #%(id)s published.", id=entry_id)
    elif done is not None and done.error:
        # The reason in the reader's language where veille wrote it (a token
        # not set, an account gone); a platform's own words stay as they came.
        message = _("Post #%(id)s was not published: %(error)s", id=entry_id, error=_(done.error))
    else:
        message = _("Post #%(id)s is being published; see its status.", id=entry_id)
    return redirect("/plan/calendar", message=message)


@router.post("/plan/calendar/{entry_id}/remove", response_class=HTMLResponse)
def remove(request: Request, entry_id: RowId, user: Analyst) -> Response:
    _ = translator(request)
    _entry(request, entry_id)
    cal.remove_entry(state(request), entry_id, by=user.username)
    return redirect("/plan/calendar", message=_("Post #%(id)s removed.", id=entry_id))
