"""Analytics as the CLI and the web app ask for it: which posts (a scope from
a topic, a query, platforms and languages), which period, whose voice is
compared, whose influence is ranked. The rules live here; callers only parse
their input and show the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from veille.errors import UsageError

if TYPE_CHECKING:
    from veille.analytics.influencers import Influencer
    from veille.analytics.scope import Period, Scope
    from veille.analytics.volume import Voice
    from veille.workspace import Workspace

VIEWS = ("us", "sector")


def build_scope(
    ws: Workspace,
    *,
    query: str | None = None,
    topic: str | None = None,
    platforms: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> Scope:
    """The posts of the saved ``topic`` (if any) that match ``query`` (if any),
    on ``platforms`` and in ``languages`` (all when empty)."""
    from veille.analytics.scope import Scope
    from veille.analytics.topics import query_scope, topic_scope
    from veille.store.base import PostFilter

    scope = Scope(flt=PostFilter(platforms=tuple(platforms), languages=tuple(languages)))
    if topic:
        scope = topic_scope(ws.store, topic, scope)
    if query:
        scope = query_scope(ws.store, query, scope)
    return scope


def period(ws: Workspace, text: str) -> Period:
    """``text`` (last-week, last-30d, FROM..TO…) as a period in the workspace time zone."""
    from veille.analytics.scope import parse_period

    return parse_period(text, timezone=ws.settings.workspace.timezone)


def voice_scopes(
    ws: Workspace,
    *,
    topics: Sequence[str] = (),
    named_queries: Sequence[str] = (),
    platforms: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> dict[str, Scope]:
    """What share of voice compares: the saved ``topics`` and the
    ``NAME=QUERY`` items of ``named_queries``; with neither, the brand and
    its competitors named in the organization section of veille.toml."""
    from veille.analytics.topics import query_scope, topic_scope

    base = build_scope(ws, platforms=platforms, languages=languages)
    org = ws.settings.organization
    names = list(topics)
    if not names and not named_queries and org.brand_topic:
        names = [org.brand_topic, *org.competitor_topics]
    scopes = {n: topic_scope(ws.store, n, base) for n in names}
    for item in named_queries:
        name, sep, text = item.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise UsageError(
                f"--query {item!r} is not NAME=QUERY",
                hint='Write e.g. --query "Lumio=lumio".',
            )
        scopes[name.strip()] = query_scope(ws.store, text, base)
    if not scopes:
        raise UsageError(
            "share of voice needs topics",
            hint="Pass --topic (repeatable) or --query NAME=QUERY, or set "
            "brand_topic and competitor_topics in the organization section of veille.toml.",
        )
    return scopes


def share_of_voice(ws: Workspace, scopes: dict[str, Scope], per: Period) -> list[Voice]:
    """Each compared topic's share of posts and engagement over ``per``."""
    from veille.analytics.volume import share_of_voice as compare

    return compare(ws.store, scopes, per)


def influencer_topic(
    ws: Workspace, view: str | None, topic: str | None, query: str | None
) -> str | None:
    """The topic an influencer ranking reads: ``topic`` as given, or for a
    ``view`` without topic or query, the organization's brand topic (``us``)
    or sector topic (``sector``)."""
    if view is None or topic or query:
        return topic
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r}", hint="Use us or sector.")
    org = ws.settings.organization
    chosen = org.brand_topic if view == "us" else org.sector_topic
    if not chosen:
        key = "brand_topic" if view == "us" else "sector_topic"
        raise UsageError(
            f"--view {view} needs {key} in the organization section of veille.toml",
            hint="Set it, or pass --topic or --query.",
        )
    return chosen


def rank_influencers(
    ws: Workspace, scope: Scope, per: Period, *, limit: int = 20
) -> list[Influencer]:
    """The authors who matter in ``scope`` over ``per``, best first; the
    organization's own accounts are never listed."""
    from veille.analytics.influencers import influencers

    return influencers(
        ws.store, scope, per, org_handles=ws.settings.organization.handles, limit=limit
    )
