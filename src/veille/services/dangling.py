"""Alerts and plan entries that name something no longer there.

A topic an alert watches, or an objective that KPIs or channels name, is
not deleted any more (:func:`veille.query.topics.remove_topic`,
:func:`veille.plan.objectives.remove_objective`). One deleted before those
rules (or by an older veille) left them naming nothing: an alert on a
deleted topic sends nothing, with only a line in the daemon's log; a KPI on
a deleted topic measures nothing. These helpers say so where a user looks
(the alerts' pages, ``veille alert list``, the API's alerts, ``/healthz``),
with what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from veille.errors import Place, Text, tr, translated


@dataclass(frozen=True)
class Dangling:
    """``kind`` ``name`` names ``missing`` (a topic or an objective), which
    no longer exists: what that means (``message``) and what to do
    (``hint``), both translated where shown (:func:`veille.errors.tr`)."""

    # "alert", "kpi", "channel", "objective", "person", "inbox_rule", "team" or
    # "calendar_post"
    kind: str
    name: str
    missing: str
    message: Text
    hint: Text

    def as_json(self, say: Callable[[str], str] = str) -> dict[str, Any]:
        """As the CLI's JSON and ``/healthz`` give it (in English, the CLI's
        commands); the API passes ``say``, its reader's language and places."""
        return {
            "kind": self.kind,
            "name": self.name,
            "missing": self.missing,
            "message": say(self.message),
            "hint": say(self.hint),
        }


def _topic_add(topic: str) -> Place:
    return Place(f"veille topic add {topic} QUERY", page="/topics/new", api="POST /api/v1/topics")


def _alert_remove(name: str) -> Place:
    return Place(
        f"veille alert remove {name}",
        page=f"/alerts/{quote(name, safe='')}",
        api=f"DELETE /api/v1/alerts/{name}",
    )


def of_alert(alert: Any, topics: set[str] | dict[str, Any]) -> Dangling | None:
    """``alert`` when the topic it watches is not among ``topics`` (the
    names of those that exist)."""
    if not alert.topic or alert.topic in topics:
        return None
    removed = _alert_remove(alert.name)
    return Dangling(
        "alert",
        alert.name,
        alert.topic,
        tr("alert %(name)s watches topic %(topic)s, which no longer exists: it sends nothing",
           name=alert.name, topic=alert.topic),
        tr("Add a topic named %(topic)s again (%(add)s), or delete the alert (%(remove)s) "
           "and add one on another topic.",
           topic=alert.topic, add=_topic_add(alert.topic), remove=removed),
    )  # fmt: skip


def of_silence(alert: Any, sources: set[str]) -> Dangling | None:
    """``alert``, a silence alert, when the source it watches is not among
    ``sources`` (the names of those configured): removed on purpose, it is
    silent on purpose, and the alert says nothing of it."""
    source = alert.params.get("source") if alert.kind == "silence" else None
    if not source or source in sources:
        return None
    removed = _alert_remove(alert.name)
    return Dangling(
        "alert",
        alert.name,
        source,
        tr("silence alert %(name)s watches source %(source)s, which no longer exists: "
           "it sends nothing", name=alert.name, source=source),
        tr("Delete the alert (%(remove)s), or add a source named %(source)s again.",
           remove=removed, source=source),
    )  # fmt: skip


def dangling_references(state: Any) -> list[Dangling]:
    """Every alert on a topic that no longer exists, and every plan entry
    naming a topic or an objective that no longer exists."""
    from veille.alerts.model import AlertBook
    from veille.query.topics import list_topics

    topics = {t.name for t in list_topics(state)}
    alerts = AlertBook(state).all()
    found = [d for a in alerts if (d := of_alert(a, topics))]
    if any(a.kind == "silence" and a.params.get("source") for a in alerts):
        sources = {r.name for r in state.list_sources()}
        found += [d for a in alerts if (d := of_silence(a, sources))]
    named = {a.name for a in alerts}  # read once: 1,000 alerts are most of the cost
    found += plan_references(state, topics) + inbox_references(state, named)
    return found + calendar_references(state)


def calendar_references(state: Any) -> list[Dangling]:
    """The content calendar's posts waiting to go out as an account removed
    (before veille refused that): each fails at its time."""
    from veille.publish.service import WAITING

    waiting = state.calendar_entries(statuses=WAITING)
    if not waiting:
        return []
    accounts = {a.name for a in state.publish_accounts()}
    found: list[Dangling] = []
    for e in waiting:
        if e.account not in accounts:
            found.append(Dangling(
                "calendar_post", f"#{e.id}", e.account,
                tr("calendar post #%(id)s goes out as account %(account)s, which no longer "
                   "exists: it fails at its time", id=e.id, account=e.account),
                tr("Move it to another account (%(edit)s), or remove it (%(remove)s).",
                   edit=Place(f"veille calendar edit {e.id} --account OTHER",
                              page=f"/plan/calendar/{e.id}"),
                   remove=Place(f"veille calendar remove {e.id}",
                                page=f"/plan/calendar/{e.id}")),
            ))  # fmt: skip
    return found


_PLAN_EDIT = "/plan/edit"
#: Where a reader who cannot edit the plan (a viewer, an analyst) is sent.
_ASK_MANAGER = tr("ask a manager or an admin")


def plan_references(state: Any, topics: set[str]) -> list[Dangling]:
    """The KPIs, channels and objectives of the plan that name a topic (of
    ``topics``, those that exist) or an objective no longer there."""
    objectives = state.plan_objectives()
    known = {o.name for o in objectives}
    found: list[Dangling] = []
    for k in state.plan_kpis():
        for topic in (k.topic, *k.compare):
            if topic and topic not in topics:
                found.append(Dangling(
                    "kpi", k.name, topic,
                    tr("KPI %(name)s measures topic %(topic)s, which no longer exists: "
                       "it measures nothing", name=k.name, topic=topic),
                    tr("Add a topic named %(topic)s again (%(add)s), or remove the KPI "
                       "(%(remove)s) and add one on another topic.", topic=topic,
                       add=_topic_add(topic),
                       remove=Place(f"veille plan kpi remove {k.name}", page=_PLAN_EDIT)),
                ))  # fmt: skip
        if k.objective and k.objective not in known:
            found.append(Dangling(
                "kpi", k.name, k.objective,
                tr("KPI %(name)s belongs to objective %(objective)s, which no longer exists",
                   name=k.name, objective=k.objective),
                tr("Add an objective named %(objective)s again (%(add)s), or move the KPI "
                   "to another objective (%(move)s).",
                   objective=k.objective,
                   add=Place(f"veille plan objective add {k.objective} --type TYPE",
                             page=_PLAN_EDIT),
                   move=Place(f"veille plan kpi edit {k.name} --objective OTHER",
                              page=_PLAN_EDIT)),
            ))  # fmt: skip
    for c in state.plan_channels():
        for objective in c.objectives:
            if objective not in known:
                found.append(Dangling(
                    "channel", c.platform, objective,
                    tr("channel %(platform)s serves objective %(objective)s, which no longer "
                       "exists", platform=c.platform, objective=objective),
                    tr("Choose the objectives it serves again (%(where)s).",
                       where=Place(f"veille plan channel set {c.platform} --objectives …",
                                   page=_PLAN_EDIT)),
                ))  # fmt: skip
    for o in objectives:
        for topic in o.topics:
            if topic not in topics:
                found.append(Dangling(
                    "objective", o.name, topic,
                    tr("objective %(name)s is served by topic %(topic)s, which no longer "
                       "exists", name=o.name, topic=topic),
                    tr("Choose the topics that serve it again (%(where)s).",
                       where=Place(f"veille plan objective edit {o.name} --topics …",
                                   page=_PLAN_EDIT)),
                ))  # fmt: skip
    return found


def plan_strangers(state: Any, reader: Any = None) -> list[Dangling]:
    """The plan's owners and people who are not users of the workspace: an
    objective's or a channel's owner, a spokesperson or channel owner typed
    as a name no account has (a typo, or someone never added). The plan
    takes them (docs/plan.md: an owner is a username, not necessarily an
    account yet), and says so here; a workspace without accounts, the
    command line alone, has no users to compare with. ``reader``: the web
    app's user reading it, shown only the pages their role opens (``/users``
    to an admin, the plan's editing page to a manager); the others are told
    whom to ask."""
    from veille.services.users import list_users

    users = {u.username.casefold() for u in list_users(state)}
    if not users:
        return []
    # A viewer was sent to /users, which only an admin opens (a 403).
    admin = reader is None or reader.can("admin")
    users_page = "/users" if admin else tr("ask an admin")
    edit_page = _PLAN_EDIT if reader is None or reader.can("manager") else _ASK_MANAGER
    add_user = Place("veille user add USERNAME --role ROLE", page=users_page)

    def stranger(name: str) -> bool:
        return bool(name.strip()) and name.strip().casefold() not in users

    found: list[Dangling] = []
    for o in state.plan_objectives():
        if stranger(o.owner):
            found.append(Dangling(
                "objective", o.name, o.owner,
                tr("objective %(name)s is owned by %(user)s, who is not a user of this "
                   "workspace", name=o.name, user=o.owner),
                tr("Add %(user)s as a user (%(add)s), or give the objective another owner "
                   "(%(where)s).", user=o.owner, add=add_user,
                   where=Place(f"veille plan objective edit {o.name} --owner …",
                               page=edit_page)),
            ))  # fmt: skip
    for c in state.plan_channels():
        if stranger(c.owner):
            found.append(Dangling(
                "channel", c.platform, c.owner,
                tr("channel %(platform)s is owned by %(user)s, who is not a user of this "
                   "workspace", platform=c.platform, user=c.owner),
                tr("Add %(user)s as a user (%(add)s), or give the channel another owner "
                   "(%(where)s).", user=c.owner, add=add_user,
                   where=Place(f"veille plan channel set {c.platform} --owner …",
                               page=edit_page)),
            ))  # fmt: skip
    said: set[str] = set()
    for person in state.plan_people():
        # One line a person, whatever their roles: a spokesperson who also
        # owns three channels was said four times over in the same words.
        key = person.username.strip().casefold()
        if stranger(person.username) and key not in said:
            said.add(key)
            found.append(Dangling(
                "person", person.username, person.username,
                tr("%(user)s, among the plan's people, is not a user of this workspace",
                   user=person.username),
                tr("Add %(user)s as a user (%(add)s), or remove them from the plan's "
                   "people (%(where)s).", user=person.username, add=add_user,
                   where=Place(f"veille plan person remove {person.username} --role …",
                               page=edit_page)),
            ))  # fmt: skip
    return found


def inbox_references(state: Any, alerts: set[str] | None = None) -> list[Dangling]:
    """The inbox rules that notify through an alert, assign to a user or
    within a team no longer there, and the teams counting a user no longer there (a
    workspace without accounts, the command line alone, has no users to
    miss). ``alerts``: the names of the alerts, when already read."""
    from veille.inbox.rules import list_rules
    from veille.services.users import list_users

    people = {u.username for u in list_users(state)}
    rules = list_rules(state)
    if alerts is None and any(kind == "notify" for r in rules for kind, _v in r.actions):
        alerts = {a.name for a in state.list_alerts()}
    teams = state.inbox_teams()
    found: list[Dangling] = []
    for rule in rules:
        rules_page = Place(f"veille rule edit {rule.name} …", page="/inbox/rules")
        for kind, value in rule.actions:
            if kind == "notify" and alerts is not None and value not in alerts:
                found.append(Dangling(
                    "inbox_rule", rule.name, value,
                    tr("inbox rule %(name)s notifies through alert %(alert)s, which no longer "
                       "exists: it fails on every item and does none of its actions",
                       name=rule.name, alert=value),
                    tr("Give the rule its actions without it (%(where)s), or add an alert "
                       "named %(alert)s again.", where=rules_page, alert=value),
                ))  # fmt: skip
            if kind == "team" and value not in teams:
                found.append(Dangling(
                    "inbox_rule", rule.name, value,
                    tr("inbox rule %(name)s assigns within team %(team)s, which no longer "
                       "exists: it fails on every item and does none of its actions",
                       name=rule.name, team=value),
                    tr("Give the rule its actions without it (%(where)s), or set the team "
                       "%(team)s again (%(teams)s).", where=rules_page, team=value,
                       teams=Place(f"veille inbox team {value} MEMBER…", page="/inbox/teams")),
                ))  # fmt: skip
            if kind == "assign" and people and value.strip().lower() not in people:
                found.append(Dangling(
                    "inbox_rule", rule.name, value,
                    tr("inbox rule %(name)s assigns to %(user)s, who is no longer a user: "
                       "no one sees the items it assigns", name=rule.name, user=value),
                    tr("Make it assign to someone else (%(where)s).", where=rules_page),
                ))  # fmt: skip
    for team, members in teams.items():
        for member in members:
            if people and member.strip().lower() not in people:
                found.append(Dangling(
                    "team", team, member,
                    tr("team %(name)s counts %(user)s, who is no longer a user: no one sees "
                       "the items of their turn", name=team, user=member),
                    tr("Set its members again (%(where)s).",
                       where=Place(f"veille inbox team {team} MEMBER…", page="/inbox/teams")),
                ))  # fmt: skip
    return found


def said_for_api(text: str) -> str:
    """``text`` in English, places said the API's way (``POST /api/v1/…``)."""
    return translated(text, lambda template: template, "en", where="api")


def said(d: Dangling) -> Text:
    """One line for the CLI: what points at nothing, and what to do (a
    sentence made by :func:`veille.errors.tr`: said in the reader's language)."""
    return tr("%(message)s. %(hint)s", message=d.message, hint=d.hint)
