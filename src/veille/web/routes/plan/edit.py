"""The plan's editing forms (managers and admins): objectives, KPIs,
people, channels, costs, what the team has, and the adoption. Each change
is run through :func:`_change`: its error is shown on the editing page,
what was typed kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.analytics.findings import platform_name
from veille.errors import Conflict, UsageError, VeilleError, tr
from veille.web.deps import (
    Manager,
    current_user,
    error_text,
    lang,
    redirect,
    render,
    translator,
    workspace,
)
from veille.web.forms import (
    attempt,
    edited_fields,
    number,
    shown_json,
    shown_values,
    whole,
)
from veille.web.routes.plan.common import Text

router = APIRouter()


def _edit_context(
    request: Request,
    error: str | None = None,
    new_kpi: dict[str, Any] | None = None,
    new_objective: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The editing page's data; ``new_kpi``, ``new_objective``: what was
    typed into the form adding a KPI or an objective, shown again with the
    error that refused it."""
    from veille.plan.common import PLATFORMS
    from veille.plan.cost import estimate
    from veille.plan.document import assumption_lines, cost_data
    from veille.plan.kpis import KINDS as KPI_KINDS
    from veille.plan.kpis import kind_label as kpi_label
    from veille.plan.objectives import KINDS, kind_label
    from veille.plan.people import ROLES, current_guidelines, role_label
    from veille.services.dangling import plan_references, plan_strangers
    from veille.web.routes.plan.overview import kept_reads

    ws = workspace(request)
    language = lang(request)
    topics = [t.name for t in ws.state.topics()]
    # Its mentions a week as the plan's page reads them, kept a minute for
    # every viewer: read on each visit, 80 ms of its 90 at 1M posts, and
    # another figure than the plan page's in the same minute.
    est = estimate(ws, weekly=kept_reads(request.app, ws).weekly)
    return {
        "error": error,
        "dangling": plan_references(ws.state, set(topics)),
        "strangers": plan_strangers(ws.state, current_user(request)),
        "objectives": ws.state.plan_objectives(),
        "kinds": [(k, kind_label(k, language)) for k in KINDS],
        "kpis": ws.state.plan_kpis(),
        "kpi_kinds": [(k, kpi_label(k, language)) for k in KPI_KINDS],
        "kpi_kind": lambda k: kpi_label(k, language),
        "people": ws.state.plan_people(),
        "roles": [(r, role_label(r, language)) for r in ROLES],
        "role_label": lambda r: role_label(r, language),
        "channels": ws.state.plan_channels(),
        "platforms": PLATFORMS,
        "topics": topics,
        "costs": ws.state.plan_costs(),
        "cost_rows": cost_data(est),
        "cost_assumptions": assumption_lines(est, language),
        "on_edit_page": True,
        "guidelines": current_guidelines(ws.state),
        "new_kpi": new_kpi or {},
        "new_objective": new_objective or {},
        "objective_fields": lambda o: shown_json(_objective_fields(o)),
        "kpi_fields": lambda k: shown_json(_kpi_fields(k)),
        "channel_fields": lambda c: shown_json(_channel_fields(c)),
    }


@router.get("/plan/edit", response_class=HTMLResponse)
def edit_page(request: Request, user: Manager) -> Response:
    return render(request, "plan/edit.html", _edit_context(request))


def _change(
    request: Request,
    action: Callable[[], object],
    done: str | Callable[[], str],
    where: str = "/plan/edit",
    *,
    new_kpi: dict[str, Any] | None = None,
    new_objective: dict[str, Any] | None = None,
) -> Response:
    """Run a change of the plan; its error is shown on the editing page.
    ``done`` may be said after the change (what it found to warn about);
    ``new_kpi``, ``new_objective``: the form adding one as typed, kept when
    the change is refused."""

    def edit_again(exc: VeilleError) -> Response:
        said = error_text(request, exc)
        shown = _edit_context(request, said, new_kpi, new_objective)
        status = 409 if isinstance(exc, Conflict) else 400
        return render(request, "plan/edit.html", shown, status_code=status)

    return attempt(action, done=done, where=where, on_error=edit_again)


#: The objective form's labels, by field (what a refused save names).
_OBJECTIVE_LABELS = {
    "kind": "Type", "description": "Description", "owner": "Owner (username)",
    "deadline": "Deadline", "topics": "Topics", "channels": "Channels",
}  # fmt: skip


def _joined(values: list[str] | tuple[str, ...] | None) -> str:
    return ",".join(sorted(values or ()))


def _kpi_fields(k: Any) -> dict[str, str]:
    """A KPI's target, deadline, objective and period as its row's form
    shows and sends them."""
    return {"target": str(k.target), "deadline": k.deadline.isoformat() if k.deadline else "",
            "objective": k.objective, "period_days": str(k.period_days)}  # fmt: skip


#: The channel form's labels, by field (what a refused save names).
_CHANNEL_LABELS = {
    "objectives": "Why: the objectives it serves", "audience": "For whom",
    "posts_per_week": "Posts a week", "tone": "Tone", "languages": "Languages (e.g. fr, en)",
    "owner": "Owner (username)", "handle": "Our account there (handle)",
    "response_minutes": "Response target in minutes (0: none)",
}  # fmt: skip


def _channel_fields(c: Any) -> dict[str, str]:
    """A channel's fields as its form shows and sends them."""
    return {"objectives": _joined(c.objectives), "audience": c.audience,
            "posts_per_week": str(c.posts_per_week), "tone": c.tone,
            "languages": ", ".join(c.languages), "owner": c.owner, "handle": c.handle,
            "response_minutes": str(c.response_minutes)}  # fmt: skip


def _objective_fields(o: Any) -> dict[str, str]:
    """An objective's fields as its form shows and sends them."""
    return {"kind": o.kind, "description": o.description, "owner": o.owner,
            "deadline": o.deadline.isoformat() if o.deadline else "",
            "topics": _joined(o.topics), "channels": _joined(o.channels)}  # fmt: skip


@router.post("/plan/objectives", response_class=HTMLResponse)
def objective_save(
    request: Request,
    user: Manager,
    name: Text = "",
    kind: Text = "custom",
    description: Text = "",
    owner: Text = "",
    deadline: Text = "",
    topics: Annotated[list[str] | None, Form()] = None,
    channels: Annotated[list[str] | None, Form()] = None,
    existing: Text = "",
    shown: Text = "",
) -> Response:
    from veille.plan.objectives import add_objective, edit_objective, get_objective

    _ = translator(request)
    state = workspace(request).state

    def save() -> object:
        if existing:
            # Only what this manager changed is written (the form sends every
            # field): a colleague's change saved meanwhile stays, and a field
            # both changed is refused, said, not overwritten.
            sent = {"kind": kind, "description": description, "owner": owner,
                    "deadline": deadline,  # the form's date field: empty removes the deadline
                    "topics": _joined(topics), "channels": _joined(channels)}  # fmt: skip
            changes, clashes = edited_fields(shown_values(shown), sent, _objective_fields(
                get_objective(state, existing)))  # fmt: skip
            if clashes:
                raise Conflict(
                    tr("objective %(name)s changed since you opened the page (%(fields)s); "
                       "nothing was saved", name=existing,
                       fields=", ".join(_(_OBJECTIVE_LABELS[f]) for f in clashes)),
                    hint=tr("The page now shows it as it is: make your change again if it "
                            "is still needed."),
                )  # fmt: skip
            return edit_objective(state, existing, actor=user.username, **changes)
        return add_objective(
            state,
            name,
            kind,
            description=description,
            owner=owner,
            deadline=deadline or None,
            topics=topics,
            channels=channels,
            actor=user.username,
        )

    # A new objective refused (its name taken) comes back as typed, its
    # description and deadline with it; an existing one's row shows it as saved.
    typed = None if existing else {
        "name": name, "kind": kind, "description": description, "owner": owner,
        "deadline": deadline, "topics": topics or [],
    }  # fmt: skip
    return _change(
        request, save, _("Objective %(name)s saved.", name=existing or name), new_objective=typed
    )


@router.post("/plan/objectives/remove", response_class=HTMLResponse)
def objective_remove(request: Request, user: Manager, name: Text = "") -> Response:
    from veille.plan.objectives import remove_objective

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: remove_objective(state, name, actor=user.username),
        _("Objective %(name)s removed.", name=name),
    )


@router.post("/plan/kpis", response_class=HTMLResponse)
def kpi_add(
    request: Request,
    user: Manager,
    name: Text = "",
    kind: Text = "mentions",
    target: Text = "",
    topic: Text = "",
    platform: Text = "",
    compare: Annotated[list[str] | None, Form()] = None,
    period_days: Text = "30",
    objective: Text = "",
) -> Response:
    from veille.plan.kpis import add_kpi, cautions

    _ = translator(request)
    ws = workspace(request)
    said: list[str] = []

    def save() -> object:
        kpi = add_kpi(
            ws,
            name,
            kind,
            _target(target),
            topic=topic,
            platform=platform,
            compare=compare,
            objective=objective,
            period_days=whole(period_days, tr("Days each value covers")) or 30,
            actor=user.username,
        )
        kept = ws.settings.privacy.retention_days
        said.extend(
            c.said(lang(request), translator(request))
            for c in cautions(
                kpi, added=True, retention_days=kept, timezone=ws.settings.workspace.timezone
            )
        )
        return kpi

    done = _("KPI %(name)s added; its baseline is measured.", name=name)
    typed = {
        "name": name, "kind": kind, "target": target, "topic": topic, "platform": platform,
        "compare": compare or [], "period_days": period_days, "objective": objective,
    }  # fmt: skip
    return _change(request, save, lambda: " ".join([done, *said]), new_kpi=typed)


def _target(text: str) -> float:
    """A KPI's target as typed: a field left empty is refused (read as 0, it
    made an "up" KPI achieved on the spot)."""
    found = number(text, tr("Target"))
    if found is None:
        raise UsageError(tr("a KPI needs a target"), hint=tr("Write the value to reach, e.g. 400."))
    return found


@router.post("/plan/kpis/target", response_class=HTMLResponse)
def kpi_target(
    request: Request,
    user: Manager,
    name: Text = "",
    target: Text = "",
    deadline: Text = "",
    objective: Text = "",
    period_days: Text = "",
    shown: Text = "",
) -> Response:
    """A KPI's target, deadline, objective and period, as its row of the
    editing page shows them: the date field left empty removes the deadline,
    the objective chosen moves the KPI there (its baseline and history
    stay), a new period reads its history and baseline again over windows
    of that many days. Only a field changed on the page is written (a
    colleague's change saved since stays); one both changed is refused."""
    from veille.plan.kpis import (
        cautions,
        get_kpi,
        move_kpi,
        period_caution,
        set_period,
        set_target,
    )
    from veille.plan.objectives import get_objective

    _ = translator(request)
    ws = workspace(request)
    said: list[str] = []

    def save() -> object:
        now = get_kpi(ws.state, name)
        before = now.deadline
        was = shown_values(shown)
        sent = {"target": target, "deadline": deadline}
        # An emptied choice arrives as absent: the row says it shows one
        # (a page from before the row had one: the objective is left alone).
        if "objective" in was:
            sent["objective"] = objective
        if period_days or "period_days" in was:  # a page from before the row had one: left alone
            sent["period_days"] = period_days
        changes, clashes = edited_fields(was, sent, _kpi_fields(now))
        if clashes:
            labels = {"target": _("Target"), "deadline": _("Deadline"), "objective": _("Objective"),
                      "period_days": _("Days each value covers")}  # fmt: skip
            raise Conflict(
                tr("KPI %(name)s changed since you opened the page (%(fields)s); "
                   "nothing was saved", name=name, fields=", ".join(labels[f] for f in clashes)),
                hint=tr("The page now shows it as it is: make your change again if it "
                        "is still needed."),
            )  # fmt: skip
        moved_to = changes.get("objective")
        if moved_to:  # checked first: one that is gone refuses the whole save
            get_objective(ws.state, moved_to)
        days = (
            whole(changes["period_days"], tr("Days each value covers"))
            if "period_days" in changes
            else None
        )
        if "period_days" in changes and days is None:
            raise UsageError(
                tr("a KPI needs a period"),
                hint=tr("Write how many days each value covers, e.g. 7."),
            )
        kpi = now
        if {"target", "deadline"} & set(changes):
            day = changes.get("deadline")
            kpi = set_target(
                ws,
                name,
                _target(target) if "target" in changes else now.target,
                deadline=day or None,
                clear_deadline=day is not None and not day.strip(),
                actor=user.username,
            )
        if days is not None and days != now.period_days:
            kpi = set_period(ws, name, days, actor=user.username)
            said.append(period_caution(kpi, now.period_days).said(lang(request)))
            kept = ws.settings.privacy.retention_days
            said.extend(
                c.said(lang(request), translator(request))
                for c in cautions(
                    kpi,
                    period_set=True,
                    retention_days=kept,
                    timezone=ws.settings.workspace.timezone,
                )
            )
        if moved_to is not None:
            kpi = move_kpi(ws.state, name, moved_to, actor=user.username)
        changed = kpi.deadline != before
        said.extend(
            c.said(lang(request), translator(request))
            for c in cautions(kpi, deadline_set=changed, timezone=ws.settings.workspace.timezone)
        )
        return kpi

    done = _("KPI %(name)s changed.", name=name)
    return _change(request, save, lambda: " ".join([done, *said]))


@router.post("/plan/kpis/remove", response_class=HTMLResponse)
def kpi_remove(request: Request, user: Manager, name: Text = "") -> Response:
    from veille.plan.kpis import remove_kpi

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: remove_kpi(state, name, actor=user.username),
        _("KPI %(name)s removed.", name=name),
    )


@router.post("/plan/people", response_class=HTMLResponse)
def person_add(
    request: Request,
    user: Manager,
    username: Text = "",
    role: Text = "",
    platform: Text = "",
    note: Text = "",
) -> Response:
    from veille.plan.people import add_person

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: add_person(
            state, username, role, platform=platform, note=note, actor=user.username
        ),
        _("%(name)s added to the plan.", name=username),
    )


@router.post("/plan/people/remove", response_class=HTMLResponse)
def person_remove(
    request: Request, user: Manager, username: Text = "", role: Text = "", platform: Text = ""
) -> Response:
    from veille.plan.people import remove_person

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: remove_person(state, username, role, platform=platform, actor=user.username),
        _("%(name)s removed from the plan.", name=username),
    )


@router.post("/plan/channels", response_class=HTMLResponse)
def channel_save(
    request: Request,
    user: Manager,
    platform: Text = "",
    objectives: Annotated[list[str] | None, Form()] = None,
    audience: Text = "",
    posts_per_week: Text = "",
    tone: Text = "",
    languages: Text = "",
    owner: Text = "",
    handle: Text = "",
    response_minutes: Text = "",
    shown: Text = "",
) -> Response:
    """Add a channel, or change one (``shown``: its fields as its form showed
    them). Only a field changed on the page is written: a colleague who
    moved the channel to another objective meanwhile keeps that move; a
    field both changed is refused (409), named, nothing saved."""
    from veille.plan.channels import get_channel, set_channel

    _ = translator(request)
    state = workspace(request).state

    def save() -> object:
        found = get_channel(state, platform.strip().lower()) if shown else None
        if found is not None:
            sent = {"objectives": _joined(objectives), "audience": audience,
                    "posts_per_week": posts_per_week, "tone": tone, "languages": languages,
                    "owner": owner, "handle": handle,
                    "response_minutes": response_minutes}  # fmt: skip
            changes, clashes = edited_fields(shown_values(shown), sent, _channel_fields(found))
            if clashes:
                raise Conflict(
                    tr("channel %(name)s changed since you opened the page (%(fields)s); "
                       "nothing was saved", name=platform_name(found.platform),
                       fields=", ".join(_(_CHANNEL_LABELS[f]) for f in clashes)),
                    hint=tr("The page now shows it as it is: make your change again if it "
                            "is still needed."),
                )  # fmt: skip
            return set_channel(
                state,
                found.platform,
                objectives=changes.get("objectives"),
                audience=changes.get("audience"),
                posts_per_week=number(
                    changes["posts_per_week"], tr(_CHANNEL_LABELS["posts_per_week"])
                )
                or 0.0
                if "posts_per_week" in changes
                else None,
                tone=changes.get("tone"),
                languages=changes.get("languages"),
                owner=changes.get("owner"),
                handle=changes.get("handle"),
                response_minutes=whole(
                    changes["response_minutes"], tr(_CHANNEL_LABELS["response_minutes"])
                )
                or 0
                if "response_minutes" in changes
                else None,
                actor=user.username,
            )
        return set_channel(
            state,
            platform,
            objectives=objectives or [],
            audience=audience,
            posts_per_week=number(posts_per_week, tr(_CHANNEL_LABELS["posts_per_week"])) or 0.0,
            tone=tone,
            languages=languages,
            owner=owner,
            handle=handle,
            response_minutes=whole(response_minutes, tr(_CHANNEL_LABELS["response_minutes"])) or 0,
            actor=user.username,
        )

    return _change(
        request, save, _("Channel %(name)s saved.", name=platform_name(platform.strip().lower()))
    )


@router.post("/plan/channels/remove", response_class=HTMLResponse)
def channel_remove(request: Request, user: Manager, platform: Text = "") -> Response:
    from veille.plan.channels import remove_channel

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: remove_channel(state, platform, actor=user.username),
        _("Channel %(name)s removed.", name=platform_name(platform.strip().lower())),
    )


@router.post("/plan/money", response_class=HTMLResponse)
def money_set(
    request: Request, user: Manager, label: Text = "", monthly: Text = "", note: Text = ""
) -> Response:
    from veille.plan.cost import set_money

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: set_money(
            state,
            label,
            number(monthly, tr("Amount per month")) or 0.0,
            note=note,
            actor=user.username,
        ),
        _("Cost %(name)s saved.", name=label),
    )


@router.post("/plan/money/remove", response_class=HTMLResponse)
def money_remove(request: Request, user: Manager, label: Text = "") -> Response:
    from veille.plan.cost import remove_money

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: remove_money(state, label, actor=user.username),
        _("Cost %(name)s removed.", name=label),
    )


@router.post("/plan/money/rate", response_class=HTMLResponse)
def money_rate(request: Request, user: Manager, rate: Text = "") -> Response:
    """The cost of an hour of staff time; empty: none (hours are not shown as money)."""
    from veille.plan.cost import set_hourly_rate

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: set_hourly_rate(
            state,
            number(rate, tr("Cost of an hour of staff time (empty: not shown as money)")),
            actor=user.username,
        ),
        _("Hourly rate saved."),
        where="/plan#cost",
    )


@router.post("/plan/capacity", response_class=HTMLResponse)
def capacity_set(request: Request, user: Manager, hours: Text = "", budget: Text = "") -> Response:
    """What the team has; a field left empty is not known."""
    from veille.plan.cost import set_capacity

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: set_capacity(
            state,
            hours=number(hours, tr("Hours a week the team can give the presence")),
            budget=number(budget, tr("Money a month it may cost")),
            clear=True,
            actor=user.username,
        ),
        _("What the team has is saved."),
        where="/plan#cost",
    )


@router.post("/plan/adopt", response_class=HTMLResponse)
def adopt(
    request: Request, user: Manager, seen_hours: Text = "", over_capacity: Text = ""
) -> Response:
    """Adopt the plan at the cost the manager was shown (``seen_hours``): if
    the estimate changed since, show it again rather than commit to another.
    A plan beyond what the team has needs the box ``over_capacity`` ticked."""
    from veille.plan.adoption import adopt as adopt_plan
    from veille.plan.cost import estimate
    from veille.web.routes.plan.overview import kept_reads

    _ = translator(request)
    ws = workspace(request)
    # The cost /plan showed, from the reads it keeps a minute: counted anew
    # from the posts, any post come in since made it another, and the plan
    # could not be adopted while posts came in.
    est = estimate(ws, weekly=kept_reads(request.app, ws).weekly)
    if seen_hours and f"{est.hours_per_week:.2f}" != seen_hours:
        return redirect("/plan", message=_("The cost changed since you saw it: check it again."))

    return _change(
        request,
        lambda: adopt_plan(ws, est, over_capacity=bool(over_capacity), actor=user.username),
        _("The plan is adopted."),
        where="/plan",
    )
