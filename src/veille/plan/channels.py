"""The channel plan: per platform chosen, why (which objectives), for whom,
how often, in what tone, in which languages, owned by whom."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from veille.errors import Figure, NotFound, Place, UsageError, tr
from veille.plan.common import audit, check_platform, split_list
from veille.store.protocols.plan import Channel


def list_channels(state: Any) -> list[Channel]:
    channels: list[Channel] = state.plan_channels()
    return channels


def get_channel(state: Any, platform: str) -> Channel | None:
    return next((c for c in list_channels(state) if c.platform == platform), None)


def set_channel(
    state: Any,
    platform: str,
    *,
    objectives: str | list[str] | tuple[str, ...] | None = None,
    audience: str | None = None,
    posts_per_week: float | None = None,
    tone: str | None = None,
    languages: str | list[str] | tuple[str, ...] | None = None,
    owner: str | None = None,
    handle: str | None = None,
    response_minutes: int | None = None,
    actor: str | None = None,
) -> Channel:
    """Add the platform to the channel plan, or change the given fields."""
    platform = check_platform(platform)
    found = get_channel(state, platform) or Channel(platform)
    fields: dict[str, Any] = {}
    if objectives is not None:
        names = split_list(objectives)
        known = {o.name for o in state.plan_objectives()}
        for n in names:
            if n not in known:
                raise NotFound(
                    tr("objective %(name)r does not exist", name=n),
                    hint=tr(
                        "See the plan's objectives (%(where)s).",
                        where=Place("veille plan objective list", page="/plan"),
                    ),
                )
        fields["objectives"] = names
    if posts_per_week is not None:
        if posts_per_week < 0:
            raise UsageError(
                tr("posts per week %(value)s is negative", value=Figure(posts_per_week)),
                hint=tr("Use 0 or more."),
            )
        fields["posts_per_week"] = float(posts_per_week)
    if response_minutes is not None:
        if response_minutes < 0:
            raise UsageError(
                tr("response target %(value)s is negative", value=Figure(response_minutes)),
                hint=tr("Use minutes, 0 for none."),
            )
        fields["response_minutes"] = int(response_minutes)
    if languages is not None:
        fields["languages"] = tuple(x.lower() for x in split_list(languages))
    for key, value in (("audience", audience), ("tone", tone), ("owner", owner)):
        if value is not None:
            fields[key] = value.strip()
    if handle is not None:
        fields["handle"] = handle.strip().lstrip("@")
    channel = replace(found, **fields)
    state.save_channel(channel)
    audit(state, actor, "plan.channel.set", platform, ", ".join(sorted(fields)))
    return channel


def remove_channel(state: Any, platform: str, *, actor: str | None = None) -> None:
    if not state.delete_channel(platform):
        raise NotFound(
            tr("%(platform)s is not in the channel plan", platform=platform),
            hint=tr(
                "See the channel plan (%(where)s).",
                where=Place("veille plan channel list", page="/plan"),
            ),
        )
    audit(state, actor, "plan.channel.remove", platform)
