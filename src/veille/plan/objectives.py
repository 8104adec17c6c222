"""Objectives: what the organization wants from social media, typed, owned,
dated, and served by topics and channels."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from veille.errors import Conflict, NotFound, Place, Text, UsageError, tr
from veille.plan.common import audit, check_name, check_platform, parse_day, split_list
from veille.query.topics import TOPIC_ADD
from veille.store.protocols.plan import Objective
from veille.suggest import did_you_mean

#: The objective types of the practice (and "custom"), with their names in
#: English and French.
KINDS: dict[str, tuple[str, str]] = {
    "customer_service": ("Customer service", "Service client"),
    "marketing": ("Marketing", "Marketing"),
    "awareness": ("Awareness", "Notoriété"),
    "membership": ("Membership", "Adhésions"),
    "fundraising": ("Fundraising", "Collecte de fonds"),
    "thought_leadership": ("Thought leadership", "Leadership d’opinion"),
    "custom": ("Custom", "Personnalisé"),
}


def kind_label(kind: str, lang: str = "en") -> str:
    en, fr = KINDS.get(kind, (kind, kind))
    return fr if lang == "fr" else en


def kind_note(objective: Objective, lang: str = "en") -> str | None:
    """The objective's type said next to its name, or ``None`` where the name
    already says it in ``lang`` (the wizard names an objective after its
    type: not "Customer service (Customer service)"). A name the wizard gave
    in the other language gets its type in the reader's: « Customer service
    (Service client) » on a French page, where it once read alone."""
    label = kind_label(objective.kind, lang)
    return None if objective.name.strip().casefold() == label.casefold() else label


def check_kind(value: str) -> str:
    kind = value.strip().lower().replace("-", "_").replace(" ", "_")
    if kind not in KINDS:
        raise UsageError(
            tr("%(value)r is not an objective type", value=value), hint=did_you_mean(kind, KINDS)
        )
    return kind


# Where an objective is added: the CLI's command, the web app's page.
OBJECTIVE_ADD = Place("veille plan objective add", page="/plan/edit")


def _check_topics(state: Any, topics: tuple[str, ...]) -> tuple[str, ...]:
    known = {t.name for t in state.topics()}
    for t in topics:
        if t not in known:
            raise NotFound(
                tr("topic %(name)r does not exist", name=t),
                hint=did_you_mean(t, known)
                if known
                else tr("Add the topic first (%(where)s).", where=TOPIC_ADD),
            )
    return topics


def list_objectives(state: Any) -> list[Objective]:
    objectives: list[Objective] = state.plan_objectives()
    return objectives


def get_objective(state: Any, name: str) -> Objective:
    for o in list_objectives(state):
        if o.name == name:
            return o
    names = [o.name for o in list_objectives(state)]
    raise NotFound(
        tr("objective %(name)r does not exist", name=name),
        hint=did_you_mean(name, names)
        if names
        else tr("Add an objective first (%(where)s).", where=OBJECTIVE_ADD),
    )


def add_objective(
    state: Any,
    name: str,
    kind: str,
    *,
    description: str = "",
    owner: str = "",
    deadline: str | date | None = None,
    topics: str | list[str] | tuple[str, ...] | None = None,
    channels: str | list[str] | tuple[str, ...] | None = None,
    actor: str | None = None,
) -> Objective:
    name = check_name(name, tr("objective"))
    if any(o.name == name for o in list_objectives(state)):
        raise UsageError(
            tr("objective %(name)r already exists", name=name),
            hint=tr("Change that objective instead, or choose another name."),
        )
    objective = Objective(
        name=name,
        kind=check_kind(kind),
        description=description.strip(),
        owner=owner.strip(),
        deadline=parse_day(deadline),
        topics=_check_topics(state, split_list(topics)),
        channels=tuple(check_platform(c) for c in split_list(channels)),
    )
    state.save_objective(objective)
    audit(state, actor, "plan.objective.add", name, objective.kind)
    return objective


def edit_objective(state: Any, name: str, *, actor: str | None = None, **changes: Any) -> Objective:
    """Change the given fields (``None`` leaves a field as it is)."""
    found = get_objective(state, name)
    fields: dict[str, Any] = {}
    if changes.get("kind") is not None:
        fields["kind"] = check_kind(changes["kind"])
    for key in ("description", "owner"):
        if changes.get(key) is not None:
            fields[key] = str(changes[key]).strip()
    if changes.get("deadline") is not None:
        fields["deadline"] = parse_day(changes["deadline"])
    if changes.get("topics") is not None:
        fields["topics"] = _check_topics(state, split_list(changes["topics"]))
    if changes.get("channels") is not None:
        fields["channels"] = tuple(check_platform(c) for c in split_list(changes["channels"]))
    objective = replace(found, **fields)
    state.save_objective(objective)
    audit(state, actor, "plan.objective.edit", name, ", ".join(sorted(fields)))
    return objective


# Where what names an objective is changed (said the CLI's or the page's way).
_KPIS_CHANGED = Place("veille plan kpi edit NAME --objective OTHER", page="/plan/edit")
_CHANNELS_CHANGED = Place(
    "veille plan channel set PLATFORM --objectives …, veille plan channel remove PLATFORM",
    page="/plan/edit",
)


def objective_users(state: Any, name: str) -> list[Text]:
    """What names objective ``name``: the KPIs that measure it and the
    channels of the channel plan that serve it."""
    used = [tr("KPI %(name)s", name=k.name) for k in state.plan_kpis() if k.objective == name]
    used += [tr("channel %(platform)s", platform=c.platform) for c in state.plan_channels()
             if name in c.objectives]  # fmt: skip
    return used


def remove_objective(state: Any, name: str, *, actor: str | None = None) -> None:
    """Delete objective ``name``. One that KPIs or channels still name is
    kept (:class:`Conflict` names them): deleted, the KPIs belonged to no
    objective and the channels served one that no page showed any more."""
    objective = get_objective(state, name)
    used = objective_users(state, objective.name)
    if used:
        listed = used[0]
        for more in used[1:]:
            listed = tr("%(first)s, %(next)s", first=listed, next=more)
        raise Conflict(
            tr("objective %(name)s is still named by %(users)s; nothing was deleted",
               name=objective.name, users=listed),
            hint=tr("Move those KPIs to another objective (%(kpis)s) and take it out of "
                    "those channels' objectives (%(channels)s), then remove the objective.",
                    kpis=_KPIS_CHANGED, channels=_CHANNELS_CHANGED),
        )  # fmt: skip
    state.delete_objective(name)
    audit(state, actor, "plan.objective.remove", name)
