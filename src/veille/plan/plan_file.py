"""The plan as a versionable TOML file: ``veille plan export --format toml``
writes it, ``veille plan import FILE`` reads it back (the same plan)."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import InputError, UsageError, tr
from veille.plan.common import audit, check_platform
from veille.store.protocols.plan import (
    KPI,
    Channel,
    CostItem,
    Guidelines,
    Objective,
    Person,
    PlanContents,
)

if TYPE_CHECKING:
    from veille.workspace import Workspace

FORMAT_VERSION = 1


def contents(ws: Workspace) -> PlanContents:
    from veille.plan.people import current_guidelines

    s = ws.state
    return PlanContents(
        settings=s.plan_settings(),
        objectives=s.plan_objectives(),
        kpis=s.plan_kpis(),
        people=s.plan_people(),
        guidelines=current_guidelines(s),
        channels=s.plan_channels(),
        costs=s.plan_costs(),
    )


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InputError(
                tr("%(v)s cannot be written to TOML", v=v), hint=tr("Use a finite number.")
            )
        return repr(v)
    if isinstance(v, datetime | date):
        return json.dumps(v.isoformat())
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    # JSON's string escapes are TOML's basic string escapes.
    return json.dumps(str(v), ensure_ascii=False)


def _table(header: str, fields: dict[str, Any]) -> list[str]:
    lines = [header]
    lines += [f"{k} = {_value(v)}" for k, v in fields.items() if v is not None]
    return [*lines, ""]


def to_toml(c: PlanContents) -> str:
    out = [
        "# veille presence plan: edit, commit, and load with `veille plan import FILE`.",
        f"format = {FORMAT_VERSION}",
        "",
    ]
    out += _table("[settings]", dict(sorted(c.settings.items())))
    for o in c.objectives:
        out += _table(
            "[[objectives]]",
            {
                "name": o.name,
                "type": o.kind,
                "description": o.description,
                "owner": o.owner,
                "deadline": o.deadline,
                "topics": o.topics,
                "channels": o.channels,
            },
        )
    for k in c.kpis:
        out += _table(
            "[[kpis]]",
            {
                "name": k.name,
                "kind": k.kind,
                "target": k.target,
                "period_days": k.period_days,
                "objective": k.objective,
                "topic": k.topic,
                "platform": k.platform,
                "handle": k.handle,
                "compare": k.compare,
                "deadline": k.deadline,
                "baseline": k.baseline,
                "set_at": k.set_at.isoformat() if k.set_at else None,
            },
        )
    for p in c.people:
        out += _table(
            "[[people]]",
            {"username": p.username, "role": p.role, "platform": p.platform, "note": p.note},
        )
    if c.guidelines:
        g = c.guidelines
        out += _table(
            "[guidelines]",
            {
                "version": g.version,
                "author": g.author,
                "at": g.at.isoformat(),
                "en": g.text_en,
                "fr": g.text_fr,
            },
        )
    for ch in c.channels:
        out += _table(
            "[[channels]]",
            {
                "platform": ch.platform,
                "objectives": ch.objectives,
                "audience": ch.audience,
                "posts_per_week": ch.posts_per_week,
                "tone": ch.tone,
                "languages": ch.languages,
                "owner": ch.owner,
                "handle": ch.handle,
                "response_minutes": ch.response_minutes,
            },
        )
    for m in c.costs:
        out += _table("[[costs]]", {"label": m.label, "monthly": m.monthly, "note": m.note})
    return "\n".join(out)


def _day(v: Any, where: str) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError:
        raise InputError(
            tr("%(where)s: %(v)r is not a date", where=where, v=v), hint=tr("Write YYYY-MM-DD.")
        ) from None


def _time(v: Any) -> datetime | None:
    if not v:
        return None
    when = v if isinstance(v, datetime) else datetime.fromisoformat(str(v))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def from_toml(text: str, source: str = "the plan file") -> PlanContents:
    import tomllib

    from veille.plan.kpis import check_kind as kpi_kind
    from veille.plan.objectives import check_kind
    from veille.plan.people import check_role

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            tr("%(source)s is not valid TOML: %(exc)s", source=source, exc=exc),
            hint=tr("Fix the line named."),
        ) from None
    if data.get("format", FORMAT_VERSION) > FORMAT_VERSION:
        raise InputError(
            tr("%(source)s was written by a newer veille", source=source),
            hint=tr("Upgrade veille."),
        )
    try:
        c = PlanContents(settings={k: str(v) for k, v in data.get("settings", {}).items()})
        for o in data.get("objectives", []):
            c.objectives.append(
                Objective(
                    o["name"],
                    check_kind(o.get("type", "custom")),
                    o.get("description", ""),
                    o.get("owner", ""),
                    _day(o.get("deadline"), o["name"]),
                    tuple(o.get("topics", ())),
                    tuple(check_platform(p) for p in o.get("channels", ())),
                )
            )
        for k in data.get("kpis", []):
            c.kpis.append(
                KPI(
                    k["name"],
                    kpi_kind(k["kind"]),
                    float(k["target"]),
                    int(k.get("period_days", 30)),
                    k.get("objective", ""),
                    k.get("topic", ""),
                    k.get("platform", ""),
                    k.get("handle", ""),
                    tuple(k.get("compare", ())),
                    _day(k.get("deadline"), k["name"]),
                    None if k.get("baseline") is None else float(k["baseline"]),
                    _time(k.get("set_at")),
                )
            )
        for p in data.get("people", []):
            c.people.append(
                Person(
                    p["username"], check_role(p["role"]), p.get("platform", ""), p.get("note", "")
                )
            )
        g = data.get("guidelines")
        if g:
            c.guidelines = Guidelines(
                int(g.get("version", 0)),
                g["en"],
                g["fr"],
                g.get("author", ""),
                _time(g.get("at")) or datetime.now(UTC),
            )
        for ch in data.get("channels", []):
            c.channels.append(
                Channel(
                    check_platform(ch["platform"]),
                    tuple(ch.get("objectives", ())),
                    ch.get("audience", ""),
                    float(ch.get("posts_per_week", 0)),
                    ch.get("tone", ""),
                    tuple(ch.get("languages", ())),
                    ch.get("owner", ""),
                    ch.get("handle", ""),
                    int(ch.get("response_minutes", 0)),
                )
            )
        for m in data.get("costs", []):
            c.costs.append(CostItem(m["label"], float(m["monthly"]), m.get("note", "")))
    except KeyError as exc:
        raise InputError(
            tr("%(source)s: an entry lacks %(exc)s", source=source, exc=exc),
            hint=tr("Every entry needs its name."),
        ) from None
    except UsageError as exc:
        raise InputError(
            tr("%(source)s: %(message)s", source=source, message=exc.message), hint=exc.hint
        ) from None
    except (TypeError, ValueError) as exc:
        raise InputError(
            tr("%(source)s: %(exc)s", source=source, exc=exc), hint=tr("Check the values' types.")
        ) from None
    return c


def import_plan(
    ws: Workspace, text: str, *, source: str = "the plan file", actor: str | None = None
) -> PlanContents:
    """Replace the plan with the file's (topics it names must exist)."""
    from veille.errors import NotFound

    c = from_toml(text, source)
    known = {t.name for t in ws.state.topics()}
    missing = sorted({t for o in c.objectives for t in o.topics} - known)
    if missing:
        raise NotFound(
            tr(
                "%(source)s names topics this workspace lacks: %(names)s",
                source=source,
                names=", ".join(missing),
            ),
            hint=tr("Add them with `veille topic add` first; nothing was changed."),
        )
    ws.state.replace_plan(c)
    audit(ws.state, actor, "plan.import", source)
    return c
