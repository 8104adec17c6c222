"""How the inbox is set up: saved views (``/inbox/views``), teams
(``/inbox/teams``), canned responses in English and French
(``/inbox/canned``), working time and response targets (``/inbox/hours``).

Everyone signed in reads these pages. Analysts save and remove their own
views; managers share views, and set teams, canned responses and working
time. Every change goes through :mod:`veille.inbox` (the CLI's services).
Declared before :mod:`veille.web.routes.inbox`, whose ``/inbox/{item_id}``
would otherwise take these paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import Conflict, UsageError, VeilleError, tr
from veille.inbox import canned
from veille.inbox import items as svc
from veille.inbox.model import (
    OPEN_STATUSES,
    PRIORITIES,
    SENTIMENTS,
    STATUSES,
    ItemFilter,
    word,
)
from veille.web.deps import Analyst, Manager, Viewer, error_text, render, translator, workspace
from veille.web.forms import attempt, comma_list, whole

router = APIRouter()

Text = Annotated[str, Form(max_length=2000)]
Many = Annotated[list[str], Form()]


def _again(
    request: Request, page: Callable[..., HTMLResponse]
) -> Callable[[VeilleError], Response]:
    """The page again with the refused change's error (HTTP 400; 409 where
    what it would remove is still in use)."""

    def show(exc: VeilleError) -> Response:
        status = 409 if isinstance(exc, Conflict) else 400
        return page(request, error=error_text(request, exc), status_code=status)

    return show


# -- saved views ----------------------------------------------------------------------------

# Values shown translated (the others are names people chose).
_TRANSLATED = set(STATUSES) | set(PRIORITIES) | set(SENTIMENTS)


def _describe(filters: dict[str, Any], _: Callable[..., str]) -> list[tuple[str, str]]:
    labels = {
        "statuses": _("Status"), "priorities": _("Priority"), "sentiments": _("Sentiment"),
        "platforms": _("Platform"), "languages": _("Language"), "tags": _("Tags"),
        "categories": _("Categories"), "topics": _("Topics"), "assignee": _("Assigned to"),
        "unassigned": _("Unassigned"), "text": _("Text or author"),
    }  # fmt: skip
    out = []
    for key, label in labels.items():
        value = filters.get(key)
        if not value:
            continue
        if key == "assignee" and value == "{me}":
            text = _("whoever opens the view")
        elif key == "unassigned":
            text = _("yes")
        elif isinstance(value, list):
            text = ", ".join(_(word(v)) if v in _TRANSLATED else v for v in value)
        else:
            text = str(value)
        out.append((label, text))
    return out


def views_page(
    request: Request,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The saved views and the form for a new one (``form``: what was typed
    into it, shown again with the error that refused it)."""
    from veille.web.deps import current_user

    _ = translator(request)
    user = current_user(request)
    assert user is not None
    st = workspace(request).state
    own = st.saved_views(user.username)
    shared = st.saved_views("")
    rows = []
    for name, filters in svc.views(st, user.username).items():
        if name in svc.BUILTIN_VIEWS and name not in own:
            kind = "builtin"
        elif name in shared and shared[name] == filters:
            kind = "shared"
        else:
            kind = "own"
        rows.append({"name": name, "kind": kind, "filters": _describe(filters, _),
                     "url": "/inbox?" + urlencode({"view": name})})  # fmt: skip
    return render(
        request,
        "inbox/views.html",
        {
            "rows": rows, "statuses": STATUSES, "open_statuses": OPEN_STATUSES,
            "priorities": PRIORITIES, "sentiments": SENTIMENTS, "error": error,
            "can_save": user.can("analyst"), "can_share": user.can("manager"),
            "username": user.username, "form": form or {},
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/views", response_class=HTMLResponse)
def list_views(request: Request, user: Viewer) -> Response:
    return views_page(request)


@router.post("/inbox/views/new", response_class=HTMLResponse)
def create_view(
    request: Request,
    user: Analyst,
    name: Annotated[str, Form(max_length=80)] = "",
    status: Many = [],  # noqa: B006
    priority: Many = [],  # noqa: B006
    sentiment: Many = [],  # noqa: B006
    platform: Text = "",
    language: Text = "",
    tag: Text = "",
    topic: Text = "",
    assignee: Text = "",
    mine: Annotated[bool, Form()] = False,
    unassigned: Annotated[bool, Form()] = False,
    shared: Annotated[bool, Form()] = False,
) -> Response:
    """A view from the form's filters; ``mine``: assigned to whoever opens it."""
    from veille.inbox.model import check_priority, check_status

    _ = translator(request)
    st = workspace(request).state

    def save() -> None:
        if shared and not user.can("manager"):
            raise UsageError(tr("only a manager shares a view with everyone"))
        if sentiment and not set(sentiment) <= set(SENTIMENTS):
            raise UsageError(tr("sentiment %(value)r is unknown", value=sentiment))
        flt = ItemFilter(
            statuses=tuple(check_status(s) for s in status) or OPEN_STATUSES,
            priorities=tuple(check_priority(p) for p in priority),
            sentiments=tuple(sentiment),
            platforms=tuple(p.lower() for p in comma_list(platform)),
            languages=tuple(x.lower() for x in comma_list(language)),
            tags=tuple(comma_list(tag)),
            topics=svc.check_topics(st, comma_list(topic)),
            assignee="{me}" if mine else (svc.check_user(st, assignee) if assignee else None),
            unassigned=unassigned,
        )
        svc.save_view(st, user.username, name, flt, shared=shared)

    typed = {
        "name": name, "status": status, "priority": priority, "sentiment": sentiment,
        "platform": platform, "language": language, "tag": tag, "topic": topic,
        "assignee": assignee, "mine": mine, "unassigned": unassigned, "shared": shared,
    }  # fmt: skip

    def again(exc: VeilleError) -> Response:  # the form as it was typed, to correct
        return views_page(request, error=error_text(request, exc), status_code=400, form=typed)

    return attempt(
        save, done=_("View %(name)s saved.", name=name.strip()), where="/inbox/views",
        on_error=again,
    )  # fmt: skip


@router.post("/inbox/views/remove", response_class=HTMLResponse)
def remove_view(
    request: Request,
    user: Analyst,
    name: Annotated[str, Form(max_length=80)] = "",
    shared: Annotated[bool, Form()] = False,
) -> Response:
    _ = translator(request)
    st = workspace(request).state

    def remove() -> None:
        if shared and not user.can("manager"):
            raise UsageError(tr("only a manager removes a view shared with everyone"))
        svc.delete_view(st, user.username, name, shared=shared)

    return attempt(
        remove, done=_("View %(name)s removed.", name=name), where="/inbox/views",
        on_error=_again(request, views_page),
    )  # fmt: skip


# -- teams ----------------------------------------------------------------------------------


def teams_page(
    request: Request, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    from veille.inbox.rules import list_rules
    from veille.services import users
    from veille.services.dangling import inbox_references
    from veille.web.deps import current_user

    user = current_user(request)
    assert user is not None
    st = workspace(request).state
    used: dict[str, list[str]] = {}
    for rule in list_rules(st):
        for kind, value in rule.actions:
            if kind == "team":
                used.setdefault(value, []).append(rule.name)
    return render(
        request,
        "inbox/teams.html",
        {
            "teams": st.inbox_teams(), "used": used, "error": error,
            "dangling": [d for d in inbox_references(st) if d.kind == "team"],
            "people": [u.username for u in users.list_users(st)],
            "can_edit": user.can("manager"),
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/teams", response_class=HTMLResponse)
def list_teams(request: Request, user: Viewer) -> Response:
    return teams_page(request)


@router.post("/inbox/teams", response_class=HTMLResponse)
def save_team(
    request: Request,
    user: Manager,
    name: Annotated[str, Form(max_length=60)] = "",
    members: Text = "",
) -> Response:
    _ = translator(request)
    st = workspace(request).state

    def save() -> None:
        if not name.strip():  # said first: "the team '' needs at least one member" named no team
            raise UsageError(
                tr("a team needs a name"),
                hint=tr("Use letters, digits, spaces, dots, dashes (up to 60 characters)."),
            )
        if not comma_list(members):
            raise UsageError(
                tr("the team %(name)r needs at least one member", name=name.strip()),
                hint=tr("Write usernames separated by commas; remove a team with its button."),
            )
        svc.set_team(st, name, comma_list(members))

    return attempt(
        save, done=_("Team %(name)s saved.", name=name.strip()), where="/inbox/teams",
        on_error=_again(request, teams_page),
    )  # fmt: skip


@router.post("/inbox/teams/remove", response_class=HTMLResponse)
def remove_team(
    request: Request, user: Manager, name: Annotated[str, Form(max_length=60)] = ""
) -> Response:
    _ = translator(request)
    st = workspace(request).state

    def remove() -> None:
        if name not in st.inbox_teams():
            raise UsageError(tr("no team named %(name)r", name=name))
        svc.set_team(st, name, [])

    return attempt(
        remove, done=_("Team %(name)s removed.", name=name), where="/inbox/teams",
        on_error=_again(request, teams_page),
    )  # fmt: skip


# -- canned responses -----------------------------------------------------------------------


def canned_page(
    request: Request, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    from veille.web.deps import current_user

    user = current_user(request)
    assert user is not None
    st = workspace(request).state
    own = {(n, lg) for n, lg, _t in st.canned_responses()}
    builtin = {(c.name, c.lang) for c in canned.BUILTIN_CANNED}
    return render(
        request,
        "inbox/canned.html",
        {
            "responses": canned.canned_responses(st), "own": own, "builtin": builtin,
            "error": error, "can_edit": user.can("manager"),
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/canned", response_class=HTMLResponse)
def list_canned(request: Request, user: Viewer) -> Response:
    return canned_page(request)


@router.post("/inbox/canned", response_class=HTMLResponse)
def save_canned(
    request: Request,
    user: Manager,
    name: Annotated[str, Form(max_length=60)] = "",
    lang: Annotated[str, Form(max_length=5)] = "en",
    text: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return attempt(
        lambda: canned.save_canned(st, name, lang, text),
        done=_("Canned response %(name)s saved.", name=name.strip()), where="/inbox/canned",
        on_error=_again(request, canned_page),
    )  # fmt: skip


@router.post("/inbox/canned/remove", response_class=HTMLResponse)
def remove_canned(
    request: Request,
    user: Manager,
    name: Annotated[str, Form(max_length=60)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    _ = translator(request)
    st = workspace(request).state
    return attempt(
        lambda: canned.remove_canned(st, name, lang),
        done=_("Canned response %(name)s removed.", name=name), where="/inbox/canned",
        on_error=_again(request, canned_page),
    )  # fmt: skip


# -- working time and response targets --------------------------------------------------------


def hours_page(
    request: Request,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    from veille.inbox.hours import WEEKDAYS, Targets, WorkingTime, stored, working_settings
    from veille.web.deps import current_user

    _ = translator(request)
    user = current_user(request)
    assert user is not None
    ws = workspace(request)
    settings = working_settings(ws)
    day_names = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
                 _("Saturday"), _("Sunday"))  # fmt: skip
    inbox = settings.inbox
    hours = WorkingTime.from_settings(settings)
    targets = Targets.from_settings(settings, hours)
    now = ws.clock()  # the workspace's: a test pins it, as the calendar's

    def per_priority(values: tuple[str, ...]) -> dict[str, str]:
        return {k.strip(): v.strip() for k, _s, v in (x.partition("=") for x in values)}

    shown = {
        "timezone": inbox.timezone or settings.workspace.timezone,
        "working_hours": inbox.working_hours,
        "working_days": [d.strip().lower()[:3] for d in inbox.working_days],
        "holidays": "\n".join(inbox.holidays),
        "first": per_priority(inbox.first_response_targets),
        "resolution": per_priority(inbox.resolution_targets),
        "due_soon_minutes": str(inbox.due_soon_minutes),
    }
    shown.update(form or {})
    examples = [
        (p, hours.add(now, targets.first_response[p]))
        for p in PRIORITIES
        if p in targets.first_response
    ]
    return render(
        request,
        "inbox/hours.html",
        {
            "shown": shown, "weekdays": list(zip(WEEKDAYS, day_names, strict=True)),
            "priorities": PRIORITIES,
            "set_here": sorted(stored(ws.state)), "working_now": hours.is_working(now),
            "examples": examples, "zone": hours.tz, "error": error,
            "can_edit": user.can("manager"),
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/hours", response_class=HTMLResponse)
def show_hours(request: Request, user: Viewer) -> Response:
    return hours_page(request)


@router.post("/inbox/hours", response_class=HTMLResponse)
def save_hours(
    request: Request,
    user: Manager,
    timezone: Annotated[str, Form(max_length=80)] = "",
    working_hours: Annotated[str, Form(max_length=20)] = "",
    day: Many = [],  # noqa: B006
    holidays: Annotated[str, Form(max_length=10_000)] = "",
    due_soon_minutes: Annotated[str, Form(max_length=6)] = "",
    first_urgent: Annotated[str, Form(max_length=12)] = "",
    first_high: Annotated[str, Form(max_length=12)] = "",
    first_normal: Annotated[str, Form(max_length=12)] = "",
    first_low: Annotated[str, Form(max_length=12)] = "",
    resolution_urgent: Annotated[str, Form(max_length=12)] = "",
    resolution_high: Annotated[str, Form(max_length=12)] = "",
    resolution_normal: Annotated[str, Form(max_length=12)] = "",
    resolution_low: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Every field of the form, checked together and stored over veille.toml's."""
    from veille.inbox.hours import set_working_time

    _ = translator(request)
    first = dict(zip(PRIORITIES, (first_urgent, first_high, first_normal, first_low),
                     strict=True))  # fmt: skip
    resolution = dict(zip(PRIORITIES, (resolution_urgent, resolution_high, resolution_normal,
                                       resolution_low), strict=True))  # fmt: skip
    days = holidays.replace(",", "\n").split()
    form = {
        "timezone": timezone, "working_hours": working_hours, "working_days": day,
        "holidays": holidays, "first": first, "resolution": resolution,
        "due_soon_minutes": due_soon_minutes,
    }  # fmt: skip

    def save() -> None:
        minutes = whole(due_soon_minutes, "due soon (minutes)")
        set_working_time(
            workspace(request),
            {
                "timezone": timezone.strip(),
                "working_hours": working_hours.strip(),
                "working_days": list(day),
                "holidays": days,
                "first_response_targets": [f"{p}={v.strip()}" for p, v in first.items()
                                           if v.strip()],
                "resolution_targets": [f"{p}={v.strip()}" for p, v in resolution.items()
                                       if v.strip()],
                "due_soon_minutes": minutes if minutes is not None else 30,
            },
        )  # fmt: skip

    def again(exc: VeilleError) -> Response:
        return hours_page(request, error=error_text(request, exc), status_code=400, form=form)

    return attempt(save, done=_("Working time saved."), where="/inbox/hours", on_error=again)


@router.post("/inbox/hours/reset", response_class=HTMLResponse)
def reset_hours(request: Request, user: Manager) -> Response:
    """Back to veille.toml's working time and targets."""
    from veille.inbox.hours import EDITABLE, set_working_time

    _ = translator(request)
    return attempt(
        lambda: set_working_time(workspace(request), dict.fromkeys(EDITABLE)),
        done=_("Working time is veille.toml's again."), where="/inbox/hours",
        on_error=_again(request, hours_page),
    )  # fmt: skip
