"""The plan's pages: the overview (everyone signed in reads it), the editing
forms (managers and admins), the guided start, the guidelines that every team
member acknowledges, and the plan as a document. The rules live in
:mod:`veille.plan`; these routes parse forms and show answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import Conflict, UsageError, VeilleError, tr
from veille.services.users import User
from veille.web.deps import (
    Manager,
    Viewer,
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
    comma_list,
    edited_fields,
    number,
    shown_json,
    shown_values,
    store_errors_through,
    whole,
)

router = APIRouter()

Text = Annotated[str, Form(max_length=4000)]
LongText = Annotated[str, Form(max_length=200_000)]


def _overview(request: Request) -> dict[str, Any]:
    from veille.plan.adoption import adoption
    from veille.plan.charts import kpi_svg
    from veille.plan.cost import estimate
    from veille.plan.document import cost_data
    from veille.plan.objectives import kind_note
    from veille.plan.people import current_guidelines, has_acknowledged
    from veille.plan.recommend import (
        LISTEN_DAYS,
        conversation_by_platform,
        recommendations,
        share_shown,
    )
    from veille.plan.status import format_value, reports, status_label
    from veille.services.dangling import plan_references

    ws = workspace(request)
    language = lang(request)
    user = current_user(request)
    found = reports(ws)
    kpis = [
        {
            "report": r,
            "kind": r.kpi.kind,
            "value": format_value(r.kpi.kind, r.value, language),
            "baseline": format_value(r.kpi.kind, r.kpi.baseline, language),
            "target": format_value(r.kpi.kind, r.kpi.target, language),
            "status": r.status,
            "status_label": status_label(r.status, language),
            "reason": r.reason(language),
            "chart": kpi_svg(r, language),
            "history_note": r.history_note(language),
        }
        for r in found
    ]
    heard = _heard(request.app, ws)  # read once for the channels and the recommendations
    est = estimate(ws, weekly=heard.weekly)
    return {
        "objectives": ws.state.plan_objectives(),
        "dangling": plan_references(ws.state, {t.name for t in ws.state.topics()}),
        "kind_note": lambda o: kind_note(o, language),
        "kpis": kpis,
        "people": ws.state.plan_people(),
        "channels": ws.state.plan_channels(),
        "cost": est,
        "cost_rows": cost_data(est),
        "adoption": adoption(ws),
        "recommendations": [r.text(language) for r in recommendations(ws, heard=heard)],
        "heard": conversation_by_platform(ws, heard=heard),
        "share_shown": lambda share: share_shown(share, language),
        "listen_days": LISTEN_DAYS,
        "guidelines": current_guidelines(ws.state),
        "acknowledged": user is not None and has_acknowledged(ws.state, user.username),
        "organization": ws.state.plan_settings().get("organization", ""),
    }


def _heard(app: Any, ws: Any) -> Any:
    """What the plan reads from the posts (:func:`~veille.plan.recommend.hear`),
    the same for every viewer and a minute old at most, as the influencers'
    page keeps its reads: 0.4 s at 1M posts. Its key is what it reads from
    the plan (its topics, the own accounts), so a change there shows at
    once; the channels and languages chosen apply at each visit."""
    from veille.plan.recommend import hear, heard_key
    from veille.web.listening import app_recent

    return app_recent(app, "plan").get(heard_key(ws), lambda: hear(ws))


def warm(app: Any) -> None:
    """Make what the plan reads from the posts now, when there is a plan
    (``veille serve`` calls it on a thread when it starts)."""
    ws = app.state.workspace
    if ws.state.plan_objectives():
        _heard(app, ws)


@router.get("/plan", response_class=HTMLResponse)
def overview(request: Request, user: Viewer) -> Response:
    ws = workspace(request)
    if not ws.state.plan_objectives() and user.can("manager"):
        return redirect("/plan/start")
    return render(request, "plan/overview.html", _overview(request))


# -- the guided start -----------------------------------------------------------


def _start_context(request: Request, error: str | None = None, **form: Any) -> dict[str, Any]:
    from veille.plan.common import PLATFORMS
    from veille.plan.objectives import KINDS, kind_label
    from veille.plan.start import DEFAULTS

    language = lang(request)
    return {
        "kinds": [(k, kind_label(k, language)) for k in KINDS],
        "defaults": {
            k: (d.description_fr if language == "fr" else d.description_en)
            for k, d in DEFAULTS.items()
        },
        "platforms": PLATFORMS,
        "topics": [t.name for t in workspace(request).state.topics()],
        "error": error,
        "form": form,
    }


@router.get("/plan/start", response_class=HTMLResponse)
def start_page(request: Request, user: Manager) -> Response:
    return render(request, "plan/start.html", _start_context(request))


@router.post("/plan/start", response_class=HTMLResponse)
def start(
    request: Request,
    user: Manager,
    organization: Text = "",
    kind: Text = "customer_service",
    description: Text = "",
    deadline: Text = "",
    owner: Text = "",
    topic: Text = "",
    query: Text = "",
    competitors: Text = "",
    channels: Annotated[list[str] | None, Form()] = None,
    handle: Text = "",
    posts_per_week: Text = "",
    response_minutes: Text = "",
) -> Response:
    from veille.plan.common import parse_day
    from veille.plan.start import StartAnswers, start_plan

    _ = translator(request)
    form = dict(
        organization=organization,
        kind=kind,
        description=description,
        deadline=deadline,
        owner=owner,
        topic=topic,
        query=query,
        competitors=competitors,
        channels=channels or [],
        handle=handle,
        posts_per_week=posts_per_week,
        response_minutes=response_minutes,
    )
    try:
        answers = StartAnswers(
            organization=organization,
            lang=lang(request),
            kind=kind,
            description=description,
            owner=owner or user.username,
            deadline=parse_day(deadline),
            topic=topic,
            query=query,
            competitors=comma_list(competitors),
            channels=channels or [],
            handle=handle,
            posts_per_week=number(posts_per_week, "posts_per_week"),
            response_minutes=whole(response_minutes, "response_minutes"),
        )
        start_plan(workspace(request), answers, actor=user.username)
    except VeilleError as exc:
        store_errors_through(exc)
        context = _start_context(request, error_text(request, exc), **form)
        return render(request, "plan/start.html", context, status_code=400)
    return redirect("/plan", message=_("Your plan is started. Check its cost, then adopt it."))


# -- editing --------------------------------------------------------------------


def _edit_context(
    request: Request, error: str | None = None, new_kpi: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The editing page's data; ``new_kpi``: what was typed into the form
    adding a KPI, shown again with the error that refused it."""
    from veille.plan.common import PLATFORMS
    from veille.plan.cost import estimate
    from veille.plan.document import cost_data
    from veille.plan.kpis import KINDS as KPI_KINDS
    from veille.plan.kpis import kind_label as kpi_label
    from veille.plan.objectives import KINDS, kind_label
    from veille.plan.people import ROLES, current_guidelines, role_label
    from veille.services.dangling import plan_references

    ws = workspace(request)
    language = lang(request)
    topics = [t.name for t in ws.state.topics()]
    return {
        "error": error,
        "dangling": plan_references(ws.state, set(topics)),
        "objectives": ws.state.plan_objectives(),
        "kinds": [(k, kind_label(k, language)) for k in KINDS],
        "kpis": ws.state.plan_kpis(),
        "kpi_kinds": [(k, kpi_label(k, language)) for k in KPI_KINDS],
        "people": ws.state.plan_people(),
        "roles": [(r, role_label(r, language)) for r in ROLES],
        "role_label": lambda r: role_label(r, language),
        "channels": ws.state.plan_channels(),
        "platforms": PLATFORMS,
        "topics": topics,
        "costs": ws.state.plan_costs(),
        "cost_rows": cost_data(estimate(ws)),
        "guidelines": current_guidelines(ws.state),
        "new_kpi": new_kpi or {},
        "objective_fields": lambda o: shown_json(_objective_fields(o)),
        "kpi_fields": lambda k: shown_json(_kpi_fields(k)),
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
) -> Response:
    """Run a change of the plan; its error is shown on the editing page.
    ``done`` may be said after the change (what it found to warn about);
    ``new_kpi``: the KPI form as typed, kept when the change is refused."""

    def edit_again(exc: VeilleError) -> Response:
        said = error_text(request, exc)
        shown = _edit_context(request, said, new_kpi)
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
    """A KPI's target and deadline as its row's form shows and sends them."""
    return {"target": str(k.target), "deadline": k.deadline.isoformat() if k.deadline else ""}


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

    return _change(request, save, _("Objective %(name)s saved.", name=existing or name))


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
            period_days=whole(period_days, "period") or 30,
            actor=user.username,
        )
        said.extend(c.said(lang(request)) for c in cautions(kpi, added=True))
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
    found = number(text, "target")
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
    shown: Text = "",
) -> Response:
    """A KPI's target and deadline, as its row of the editing page shows
    them: the date field left empty removes the deadline. Only a field
    changed on the page is written (a colleague's change saved since stays);
    one both changed is refused."""
    from veille.plan.kpis import cautions, get_kpi, set_target

    _ = translator(request)
    ws = workspace(request)
    said: list[str] = []

    def save() -> object:
        now = get_kpi(ws.state, name)
        before = now.deadline
        changes, clashes = edited_fields(
            shown_values(shown), {"target": target, "deadline": deadline}, _kpi_fields(now)
        )
        if clashes:
            labels = {"target": _("Target"), "deadline": _("Deadline")}
            raise Conflict(
                tr("KPI %(name)s changed since you opened the page (%(fields)s); "
                   "nothing was saved", name=name, fields=", ".join(labels[f] for f in clashes)),
                hint=tr("The page now shows it as it is: make your change again if it "
                        "is still needed."),
            )  # fmt: skip
        day = changes.get("deadline")
        kpi = set_target(
            ws,
            name,
            _target(target) if "target" in changes else now.target,
            deadline=day or None,
            clear_deadline=day is not None and not day.strip(),
            actor=user.username,
        )
        changed = kpi.deadline != before
        said.extend(c.said(lang(request)) for c in cautions(kpi, deadline_set=changed))
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
) -> Response:
    from veille.plan.channels import set_channel

    _ = translator(request)
    state = workspace(request).state

    def save() -> object:
        return set_channel(
            state,
            platform,
            objectives=objectives or [],
            audience=audience,
            posts_per_week=number(posts_per_week, "posts_per_week") or 0.0,
            tone=tone,
            languages=languages,
            owner=owner,
            handle=handle,
            response_minutes=whole(response_minutes, "response_minutes") or 0,
            actor=user.username,
        )

    return _change(request, save, _("Channel %(name)s saved.", name=platform))


@router.post("/plan/channels/remove", response_class=HTMLResponse)
def channel_remove(request: Request, user: Manager, platform: Text = "") -> Response:
    from veille.plan.channels import remove_channel

    _ = translator(request)
    state = workspace(request).state
    return _change(
        request,
        lambda: remove_channel(state, platform, actor=user.username),
        _("Channel %(name)s removed.", name=platform),
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
            state, label, number(monthly, "monthly") or 0.0, note=note, actor=user.username
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
        lambda: set_hourly_rate(state, number(rate, "rate"), actor=user.username),
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
            hours=number(hours, "hours"),
            budget=number(budget, "budget"),
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

    _ = translator(request)
    ws = workspace(request)
    est = estimate(ws)
    if seen_hours and f"{est.hours_per_week:.2f}" != seen_hours:
        return redirect("/plan", message=_("The cost changed since you saw it: check it again."))

    return _change(
        request,
        lambda: adopt_plan(ws, est, over_capacity=bool(over_capacity), actor=user.username),
        _("The plan is adopted."),
        where="/plan",
    )


# -- guidelines -------------------------------------------------------------------


def _markdown(text: str) -> str:
    """The guidelines' Markdown as HTML: raw HTML in it is escaped, and the
    result goes through the allowlist too."""
    import nh3
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return str(nh3.clean(html))


@router.get("/plan/guidelines", response_class=HTMLResponse)
def guidelines_page(request: Request, user: Viewer) -> Response:
    return _guidelines_page(request, user)


def _guidelines_page(
    request: Request,
    user: User,
    *,
    error: str | None = None,
    typed: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The guidelines and their editor; after a refused save, the error and
    the texts as typed (an hour's writing is not lost to a missing text or
    to a colleague's version saved meanwhile)."""
    from veille.plan.guide import split_rules
    from veille.plan.people import (
        acknowledgements,
        current_guidelines,
        current_rules,
        has_acknowledged,
    )

    state = workspace(request).state
    g = current_guidelines(state)
    text = (g.text_fr if lang(request) == "fr" else g.text_en) if g else ""
    # The rules at the top are shown as a list, not as their TOML.
    _rules, body = split_rules(text)
    return render(
        request,
        "plan/guidelines.html",
        {
            "guidelines": g,
            "html": _markdown(body) if g else "",
            "rules": current_rules(state),
            "acknowledged": has_acknowledged(state, user.username),
            "acknowledgements": acknowledgements(state, g.version) if g else [],
            "can_edit": user.can("manager"),
            "error": error,
            "typed": typed or ((g.text_en, g.text_fr) if g else ("", "")),
            # The version the editor starts from: a save over a later one is refused.
            "based_on": g.version if g else 0,
        },
        status_code=status_code,
    )


@router.post("/plan/guidelines/acknowledge", response_class=HTMLResponse)
def guidelines_acknowledge(request: Request, user: Viewer, version: Text = "") -> Response:
    from veille.plan.people import acknowledge

    _ = translator(request)
    try:
        acknowledge(workspace(request).state, user.username, version=whole(version, "version"))
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect("/plan/guidelines", message=error_text(request, exc))
    return redirect("/plan/guidelines", message=_("Thank you: your acknowledgement is recorded."))


@router.post("/plan/guidelines", response_class=HTMLResponse)
def guidelines_set(
    request: Request,
    user: Manager,
    text_en: LongText = "",
    text_fr: LongText = "",
    version: Text = "",
) -> Response:
    from veille.plan.people import set_guidelines

    _ = translator(request)
    based_on = int(version) if version.isdigit() and len(version) <= 18 else None

    def write_again(exc: VeilleError) -> Response:
        status = 409 if isinstance(exc, Conflict) else 400
        said = error_text(request, exc)
        return _guidelines_page(request, user, error=said, typed=(text_en, text_fr),
                                status_code=status)  # fmt: skip

    state = workspace(request).state
    return attempt(
        lambda: set_guidelines(state, text_en, text_fr, actor=user.username, based_on=based_on),
        done=_("The guidelines are saved."),
        where="/plan/guidelines",
        on_error=write_again,
    )


# -- the plan as a document -----------------------------------------------------------


@router.get("/plan/export")
def export(request: Request, user: Viewer, format: str = "html", language: str = "") -> Response:
    from veille.plan.document import plan_html, plan_markdown, plan_pdf
    from veille.plan.plan_file import contents, to_toml

    ws = workspace(request)
    chosen = language if language in ("en", "fr") else lang(request)
    if format == "toml":
        body: str | bytes = to_toml(contents(ws))
        media = "application/toml; charset=utf-8"
    else:
        # What the page shows from the posts, kept the same minute: the
        # document says the page's figures, without reading them again.
        heard = _heard(request.app, ws)
        if format == "md":
            body = plan_markdown(ws, chosen, heard=heard)
            media = "text/markdown; charset=utf-8"
        elif format == "pdf":
            body, media = plan_pdf(ws, chosen, heard=heard), "application/pdf"
        else:
            body = plan_html(ws, chosen, heard=heard)
            format, media = "html", "text/html; charset=utf-8"
    name = f"plan-{chosen}.{format}"
    disposition = "inline" if format == "html" else "attachment"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )
