"""Rules: conditions → actions, run in order on every new inbox item, or
(escalation, :mod:`veille.inbox.escalate`) once on each open item when it
becomes due soon or passes its first-response target.

Conditions (all must hold): a query (the query language; compiled once into
the pipeline's one matcher), sentiment, author reach (followers) or
influencer rank, platform, language, time (working hours or not, or a range
of hours). Actions, in order: tag, category, priority, assign to a person,
round-robin in a team, notify through an alert's channel, set a status.

Every action is recorded on the item (actor ``rule:NAME``). A rule that
raises is recorded on the rule (``veille rule list`` shows it) and the other
rules still run.
"""

from __future__ import annotations

import json
import logging
import re
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import NotFound, UsageError, tr
from veille.inbox.model import (
    SENTIMENTS,
    ItemChange,
    check_priority,
    check_status,
)
from veille.suggest import check_languages, check_platforms

if TYPE_CHECKING:
    from veille.inbox.hours import WorkingTime
    from veille.inbox.model import Item
    from veille.models import Post

log = logging.getLogger(__name__)

ACTIONS = ("tag", "category", "priority", "assign", "team", "notify", "status")
#: When a rule runs: on every new item (as ever), or once on each open item
#: without a first response when it is due soon or past its target, or on
#: each item not closed past its resolution target.
TRIGGERS = ("new", "due_soon", "breached", "unresolved")
# A rule's trigger as its page and the command line say it (inbox.po).
TRIGGER_LABELS = {
    "new": "a new item", "due_soon": "an item due soon", "breached": "an item past its target",
    "unresolved": "an item past its resolution target",
}  # fmt: skip
_NAME = re.compile(r"^[\w][\w .@+-]{0,79}$")
_RANGE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class Conditions:
    """What a new item must be for the rule to act; unset parts always hold."""

    query: str | None = None
    sentiments: tuple[str, ...] = ()
    min_followers: int | None = None
    max_rank: int | None = None  # among the top N influencers of the last 30 days
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    when: str | None = None  # "working", "outside", or "HH:MM-HH:MM" (local)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("query", "min_followers", "max_rank", "when"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key in ("sentiments", "platforms", "languages"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conditions:
        values = dict(data)
        for key in ("sentiments", "platforms", "languages"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        """Every condition, unset or not, with a plain value (None or an
        empty list where unset): what ``veille rule list --format json``
        gives a script, the same keys on every rule."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


# A rule's conditions as its form names them (the catalogs hold each label,
# web/locale/fr/LC_MESSAGES/inbox.po).
CONDITION_LABELS = {
    "query": "Query", "sentiments": "Sentiment", "min_followers": "At least this many followers",
    "max_rank": "Among the top N influencers", "platforms": "Platforms",
    "languages": "Languages", "when": "Time",
}  # fmt: skip
_WHEN = {"working": "within working time", "outside": "outside working time"}


def described(rule: Rule, say: Callable[..., str]) -> tuple[str, str]:
    """A rule's "when" and "then" in the reader's words, as the rules page
    and the command line say them (``query=down OR marche,
    languages=['fr']`` and ``priority urgent`` read as Python and English on
    both until 2026-12-07 on the command line). ``say(msgid, **values)`` is
    a msgid of the catalogs in the reader's language."""
    from veille.inbox.model import word

    def value(key: str, found: Any) -> str:
        if isinstance(found, list):
            return ", ".join(say(v) if key == "sentiments" else str(v) for v in found)
        return say(_WHEN[found]) if key == "when" and found in _WHEN else str(found)

    when = say("; ").join(
        say("%(field)s: %(problem)s", field=say(CONDITION_LABELS.get(k, k)), problem=value(k, v))
        for k, v in rule.conditions.as_dict().items()
    )
    then = ", ".join(
        f"{say(kind)} {say(word(v)) if kind == 'status' else say(v) if kind == 'priority' else v}"
        for kind, v in rule.actions
    )
    if rule.on != "new":
        said = say("On %(trigger)s", trigger=say(TRIGGER_LABELS[rule.on]))
        when = say("; ").join([said, when]) if when else said
    return when or say("every item"), then


@dataclass(frozen=True)
class Rule:
    name: str
    conditions: Conditions
    actions: tuple[tuple[str, str], ...]
    position: int = 0
    enabled: bool = True
    id: int | None = None
    runs: int = 0
    last_error: str | None = None
    error_at: datetime | None = None
    on: str = "new"  # one of TRIGGERS

    def actions_json(self) -> str:
        return json.dumps([list(a) for a in self.actions])

    def as_json(self) -> dict[str, Any]:
        """The rule as ``veille rule list --format json`` gives it (see
        docs/inbox.md): its conditions (:meth:`Conditions.as_json`), its
        actions in the order they run, each ``{"action", "value"}``, how
        often it ran and its last error (the English of veille's message)."""
        return {
            "position": self.position, "name": self.name, "on": self.on,
            "conditions": self.conditions.as_json(),
            "actions": [{"action": kind, "value": value} for kind, value in self.actions],
            "runs": self.runs, "error": self.last_error, "error_at": self.error_at,
        }  # fmt: skip


def make_rule(
    name: str,
    *,
    query: str | None = None,
    sentiments: Sequence[str] = (),
    min_followers: int | None = None,
    max_rank: int | None = None,
    platforms: Sequence[str] = (),
    languages: Sequence[str] = (),
    when: str | None = None,
    actions: Sequence[tuple[str, str]] = (),
    on: str = "new",
) -> Rule:
    """A validated rule (the names in each error are the CLI's options)."""
    on = check_trigger(on)
    if not name.strip():  # "rule name '' is not usable" named nothing
        raise UsageError(
            tr("a rule needs a name"),
            hint=tr("Use letters, digits, spaces, dots, dashes (up to 80 characters)."),
        )
    if not _NAME.match(name):
        raise UsageError(
            tr("rule name %(name)r is not usable", name=name),
            hint=tr("Use letters, digits, spaces, dots, dashes (up to 80 characters)."),
        )
    if query is not None:
        from veille.query import compile_query

        compile_query(query)  # a QueryError names the column and says what to do
    for s in sentiments:
        if s not in SENTIMENTS:
            raise UsageError(
                tr("sentiment %(value)r is unknown", value=s),
                hint=tr("Use %(known)s.", known=", ".join(SENTIMENTS)),
            )
    # A platform or language no post carries: the rule would never apply.
    platforms = check_platforms(platforms)
    languages = check_languages(languages)
    if when is not None and when not in ("working", "outside") and not _RANGE.match(when):
        raise UsageError(
            tr("when %(value)r is not a time condition", value=when),
            hint=tr('Use "working" (working hours), "outside", or a range "HH:MM-HH:MM".'),
        )
    if not actions:
        raise UsageError(
            tr("rule %(name)r has no action", name=name),
            hint=tr(
                "Give at least one: tag, category, priority, assign, team, notify, set status."
            ),
        )
    checked = []
    for kind, value in actions:
        if kind not in ACTIONS:
            raise UsageError(
                tr("unknown action %(kind)r", kind=kind),
                hint=tr("Use %(known)s.", known=", ".join(ACTIONS)),
            )
        if kind == "priority":
            value = check_priority(value)
        elif kind == "status":
            value = check_status(value)
            if value == "snoozed":  # a snooze needs its time, which a rule has not
                raise UsageError(
                    tr("a rule cannot snooze an item"),
                    hint=tr("Set another status; people snooze an item until a time."),
                )
        elif not value.strip():
            raise UsageError(tr("the %(kind)s action needs a value", kind=kind))
        checked.append((kind, value.strip()))
    conditions = Conditions(
        query=query,
        sentiments=tuple(sentiments),
        min_followers=min_followers,
        max_rank=max_rank,
        platforms=tuple(p.lower() for p in platforms),
        languages=tuple(lang.lower() for lang in languages),
        when=when,
    )
    return Rule(name, conditions, tuple(checked), on=on)


def check_trigger(value: str) -> str:
    """A rule's trigger as given (``due-soon`` as the command line writes it)."""
    on = value.strip().lower().replace("-", "_")
    if on not in TRIGGERS:
        raise UsageError(
            tr("--on %(value)r is not a trigger", value=value),
            hint=tr("Use new (every new item), due-soon or breached (an item about to miss, "
                    "or past, its first-response target), or unresolved (an item not closed "
                    "by its resolution target)."),
        )  # fmt: skip
    return on


def add_rule(state: Any, rule: Rule) -> Rule:
    new_id = state.add_inbox_rule(rule, int(_time.time()))
    if new_id is None:
        raise UsageError(
            tr("a rule named %(name)r already exists", name=rule.name),
            hint=tr("Choose another name, or remove that rule first."),
        )
    return replace(rule, id=new_id)


def get_rule(state: Any, name: str) -> Rule:
    rules = list_rules(state)
    for rule in rules:
        if rule.name == name:
            return rule
    from veille.suggest import did_you_mean

    known = [r.name for r in rules]
    raise NotFound(
        tr("no rule named %(name)r", name=name),
        hint=did_you_mean(name, known) if known else tr("No rule exists yet."),
    )


def edit_rule(state: Any, name: str, rule: Rule) -> Rule:
    """Replace rule ``name`` by ``rule`` (made with :func:`make_rule`; it may
    carry a new name) where it stands in the order; its run count stays."""
    old = get_rule(state, name)
    if rule.name != name and any(r.name == rule.name for r in list_rules(state)):
        raise UsageError(
            tr("a rule named %(name)r already exists", name=rule.name),
            hint=tr("Choose another name."),
        )
    if not state.update_inbox_rule(name, rule):
        raise NotFound(
            tr("no rule named %(name)r", name=name), hint=tr("It was removed meanwhile.")
        )
    return replace(rule, id=old.id, position=old.position, runs=old.runs)


def list_rules(state: Any) -> list[Rule]:
    rules: list[Rule] = state.inbox_rules()
    return rules


def remove_rule(state: Any, name: str) -> None:
    if not state.remove_inbox_rule(name):
        known = [r.name for r in list_rules(state)]
        raise NotFound(
            tr("no rule named %(name)r", name=name),
            hint=tr("Known rules: %(known)s", known=", ".join(known))
            if known
            else tr("No rule exists yet."),
        )


@dataclass
class RuleContext:
    """What rules read beside the post: the matched rule queries, the working
    hours, influencer ranks (computed once, on first need), the clock."""

    hours: WorkingTime
    matched: set[str] = field(default_factory=set)  # rule names whose query matched
    ranks: Callable[[], dict[tuple[str, str], int]] | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def holds(rule: Rule, post: Post, item: Item, ctx: RuleContext) -> bool:
    """Whether every condition of ``rule`` holds for ``post``."""
    c = rule.conditions
    if c.query is not None and rule.name not in ctx.matched:
        return False
    if c.sentiments and (item.sentiment or "") not in c.sentiments:
        return False
    if c.platforms and post.platform.lower() not in c.platforms:
        return False
    if c.languages and (post.lang or "und").lower() not in c.languages:
        return False
    if c.min_followers is not None and (post.author.followers or 0) < c.min_followers:
        return False
    if c.max_rank is not None:
        ranks = ctx.ranks() if ctx.ranks is not None else {}
        from veille.analytics.influencers import identity

        rank = ranks.get((post.platform, identity(post.author.handle)))
        if rank is None or rank > c.max_rank:
            return False
    if c.when is not None:
        working = ctx.hours.is_working(ctx.now)
        if c.when == "working" and not working:
            return False
        if c.when == "outside" and working:
            return False
        m = _RANGE.match(c.when)
        if m:
            local = ctx.now.astimezone(ctx.hours.tz)
            minute = local.hour * 60 + local.minute
            lo = int(m.group(1)) * 60 + int(m.group(2))
            hi = int(m.group(3)) * 60 + int(m.group(4))
            inside = lo <= minute < hi if lo <= hi else (minute >= lo or minute < hi)
            if not inside:
                return False
    return True


def actions_of(
    rule: Rule, item: Item, *, next_in_team: Callable[[str], str | None], now: int
) -> tuple[ItemChange, list[str]]:
    """The change ``rule``'s actions make to ``item`` and the alerts to notify
    (``now``: when a status that closes the item closes it, as a person's would)."""
    from veille.inbox.items import status_fields

    actor = f"rule:{rule.name}"
    fields: dict[str, Any] = {}
    labels: list[tuple[str, str]] = []
    events: list[tuple[str, str, str]] = []
    notify: list[str] = []
    for kind, value in rule.actions:
        if kind in ("tag", "category"):
            labels.append((kind, value))
            events.append((actor, kind, value))
        elif kind == "priority":
            fields["priority"] = value
            events.append((actor, "priority", value))
        elif kind == "status":
            fields.update(status_fields(item, value, now))
            events.append((actor, "status", value))
        elif kind in ("assign", "team"):
            who = value if kind == "assign" else next_in_team(value)
            if who is None:
                raise UsageError(tr("team %(name)r has no members", name=value))
            fields["assignee"] = who
            if item.status == "new" and fields.get("status") in (None, "new"):
                fields["status"] = "assigned"
            events.append((actor, "assign", who if kind == "assign" else f"{who} (team {value})"))
        elif kind == "notify":
            notify.append(value)
            events.append((actor, "notify", value))
    return ItemChange(fields, tuple(labels), (), tuple(events)), notify
