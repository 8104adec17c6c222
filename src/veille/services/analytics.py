"""Analytics as the CLI and the web app ask for it: which posts (a scope from
a topic, a query, platforms and languages), which period, whose voice is
compared, whose influence is ranked. The rules live here; callers only parse
their input and show the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from veille.errors import UsageError, tr

if TYPE_CHECKING:
    from veille.analytics.influencers import Influencer, Reads, SamePerson
    from veille.analytics.scope import Period, Scope
    from veille.analytics.volume import UnevenSource, Voice
    from veille.workspace import Workspace

Account = tuple[str, str]  # (platform, handle)

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

    return parse_period(text, timezone=ws.settings.workspace.timezone, now=ws.clock())


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
    its competitors (:func:`brand_and_competitors`)."""
    from veille.analytics.topics import query_scope, topic_scope

    base = build_scope(ws, platforms=platforms, languages=languages)
    brand, competitors = brand_and_competitors(ws)
    names = list(topics)
    if not names and not named_queries and brand:
        names = [brand, *competitors]
    scopes = {n: topic_scope(ws.store, n, base) for n in names}
    for item in named_queries:
        name, sep, text = item.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise UsageError(
                tr("%(item)r is not NAME=QUERY", item=item),
                hint=tr("Name what the query finds, e.g. Lumio=lumio."),
            )
        scopes[name.strip()] = query_scope(ws.store, text, base)
    if not scopes:
        # Words for the CLI (--topic, --query) and the API (topic=, query=) alike.
        raise UsageError(
            tr("share of voice needs topics"),
            hint=tr(
                "Give the topics to compare (topic, repeatable) or queries as NAME=QUERY, "
                "or set brand_topic and competitor_topics in the organization section of "
                "veille.toml."
            ),
        )
    return scopes


def brand_and_competitors(ws: Workspace) -> tuple[str, tuple[str, ...]]:
    """The brand's topic and its competitors' topics, as share of voice
    compares them by default: those of the organization section of
    veille.toml, else those given to the plan's guided start (``veille plan
    init``, ``/plan/start``); ``("", ())`` where neither names a brand."""
    org = ws.settings.organization
    if org.brand_topic:
        return org.brand_topic, tuple(org.competitor_topics)
    planned = ws.state.plan_settings()
    brand = planned.get(PLAN_BRAND, "")
    if not brand:
        return "", ()
    named = (t.strip() for t in planned.get(PLAN_COMPETITORS, "").split(","))
    return brand, tuple(t for t in named if t and t != brand)


#: The plan settings where the guided start keeps the brand's topic and its
#: competitors' (comma-separated), read by :func:`brand_and_competitors`.
PLAN_BRAND, PLAN_COMPETITORS = "brand_topic", "competitor_topics"


def share_of_voice(ws: Workspace, scopes: dict[str, Scope], per: Period) -> list[Voice]:
    """Each compared topic's share of posts and engagement over ``per``."""
    from veille.analytics.volume import share_of_voice as compare

    return compare(ws.store, scopes, per)


def uneven_sources(ws: Workspace, scopes: dict[str, Scope], per: Period) -> list[UnevenSource]:
    """The sources that cover the compared topics unevenly (each is a warning
    to show beside the shares: see :func:`veille.analytics.volume.uneven_sources`)."""
    from veille.analytics.volume import uneven_sources as find

    return find(ws.store, scopes, per)


def influencer_topic(
    ws: Workspace, view: str | None, topic: str | None, query: str | None
) -> str | None:
    """The topic an influencer ranking reads: ``topic`` as given, or for a
    ``view`` without topic or query, the organization's brand topic (``us``)
    or sector topic (``sector``)."""
    if view is None or topic or query:
        return topic
    if view not in VIEWS:
        raise UsageError(tr("unknown view %(view)r", view=view), hint=tr("Use us or sector."))
    org = ws.settings.organization
    chosen = org.brand_topic if view == "us" else org.sector_topic
    if not chosen:
        key = "brand_topic" if view == "us" else "sector_topic"
        raise UsageError(
            tr(
                "the view %(view)s needs %(key)s in the organization section of veille.toml",
                view=view,
                key=key,
            ),
            hint=tr("Set it, or give a topic or a query."),
        )
    return chosen


def rank_influencers(
    ws: Workspace, scope: Scope, per: Period, *, limit: int = 20, reads: Reads | None = None
) -> list[Influencer]:
    """The authors who matter in ``scope`` over ``per``, best first; the
    organization's own accounts are never listed. ``reads``: those
    :func:`influencer_reads` made for the same scope and period, when kept."""
    from veille.analytics.influencers import influencers

    handles = ws.settings.organization.handles
    return influencers(ws.store, scope, per, org_handles=handles, limit=limit, reads=reads)


def influencer_reads(ws: Workspace, scope: Scope, per: Period) -> Reads:
    """What ranking influencers reads from the posts (the same for every
    viewer until posts arrive: a caller may keep it a while)."""
    from veille.analytics.influencers import read

    return read(ws.store, scope, per, ws.settings.organization.handles)


def same_person_candidates(ws: Workspace, found: Sequence[Influencer]) -> list[SamePerson]:
    """Listed accounts on two platforms that may be one person, with the
    evidence; the user confirms with :func:`link_authors`."""
    from veille.analytics.influencers import same_person_candidates as offer

    return offer(ws.store, found)


def parse_account(text: str) -> Account:
    """``platform:handle`` as an account (the handle lower case, without ``@``)."""
    from veille.analytics.influencers import identity

    platform, sep, handle = text.partition(":")
    if not sep or not platform.strip() or not identity(handle):
        raise UsageError(
            tr("%(text)r is not PLATFORM:HANDLE", text=text),
            hint=tr(
                "Write the account as the influencer list shows it, e.g. mastodon:claire_tech."
            ),
        )
    return platform.strip().lower(), identity(handle)


def link_authors(
    ws: Workspace, first: str, second: str, *, same: bool = True
) -> tuple[Account, Account]:
    """Record that the accounts ``first`` and ``second`` (``platform:handle``)
    are one person (``same``), merged from then on in influencer rankings, or
    two people (no longer offered as one)."""
    from veille.errors import NotFound
    from veille.suggest import did_you_mean

    a, b = parse_account(first), parse_account(second)
    if a == b:
        raise UsageError(
            tr("%(first)r and %(second)r are the same account", first=first, second=second),
            hint=tr("Name two accounts."),
        )
    for text, (platform, handle) in ((first, a), (second, b)):
        known = ws.store.accounts_named(handle)
        if (platform, handle) not in known:
            names = [f"{p}:{h}" for p, h in known] or [
                f"{p}:{h}" for p, h in ws.store.accounts_on(platform)
            ]
            raise NotFound(
                tr("no posts by the account %(text)r", text=text), hint=did_you_mean(text, names)
            )
    evidence = "confirmed by the user" if same else "told apart by the user"
    ws.store.decide_author_link(a, b, "same" if same else "different", evidence)
    return a, b
