"""Recommendations from listening, each with its figures: where the audience
talks (share of the conversation by platform and language, against the
channels chosen), which influencers to engage, when people are active."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.analytics.findings import platform_name
from veille.i18n import count, format_decimal, format_number, format_percent
from veille.plan.common import PLATFORMS, now_utc

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope
    from veille.workspace import Workspace

#: Days of listening the recommendations read.
LISTEN_DAYS = 30
#: A platform or language holding at least this share of the conversation
#: deserves a channel: below it, the effort of a channel is hard to justify.
MIN_SHARE = 0.10
#: A chosen channel holding less than this share of the conversation is
#: flagged: the plan may have a reason (an objective), but it should be said.
LOW_SHARE = 0.02
#: Influencers named (not yet engaged), and busiest hours named.
INFLUENCERS_TO_ENGAGE = 5
BUSIEST_HOURS = 3


@dataclass(frozen=True)
class Recommendation:
    kind: str  # platform, quiet_channel, language, influencer, timing
    text_en: str
    text_fr: str
    figures: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return self.text_fr if lang == "fr" else self.text_en


def posts(n: int, lang: str) -> str:
    """``1 post``, ``3 posts`` / ``1 publication``, ``3 publications``."""
    if lang == "fr":
        return count(n, "fr", "publication", "publications")
    return count(n, "en", "post", "posts")


def _scopes(ws: Workspace) -> dict[str, Scope]:
    from veille.analytics.scope import Scope
    from veille.analytics.topics import topic_scope
    from veille.plan.cost import plan_topics

    topics = plan_topics(ws.state)
    if not topics:
        return {"": Scope()}
    return {t: topic_scope(ws.store, t) for t in topics}


def shares(ws: Workspace, dim: str, per: Period) -> tuple[Counter[str], int]:
    """Posts of the plan's topics (every post when the plan names none) by
    ``dim`` (platform or lang) over ``per``, and their total."""
    from veille.analytics.volume import grouped

    counts: Counter[str] = Counter()
    for scope in _scopes(ws).values():
        for key, n, _engagement, _reach in grouped(ws.store, scope.during(per), (dim,)):
            counts[key or "und"] += n
    return counts, sum(counts.values())


@dataclass
class Heard:
    """What the plan reads from the posts of its topics (every post when it
    names none) over the last :data:`LISTEN_DAYS` days, before the plan's
    choices apply: the channels' audience and the recommendations are made
    from it. It holds no decision of the plan (channels, languages), so the
    web app keeps one a minute for every viewer, as it keeps the
    influencers' reads (about 0.4 s at 1M posts)."""

    period: Period
    platforms: tuple[Counter[str], int]
    languages: tuple[Counter[str], int]
    hours: Counter[tuple[int, int]]
    #: Each topic's scope and :class:`~veille.analytics.influencers.Reads`,
    #: the organization's own accounts (those of the plan too) left out,
    #: over :attr:`influencers_period`.
    influencers: dict[str, tuple[Scope, Any]]
    #: The own handles the influencers' reads left out.
    own: tuple[str, ...]
    #: Posts a week on each platform over the cost's days
    #: (:func:`~veille.plan.cost.weekly_by_platform`): what answering costs.
    weekly: dict[str, float]
    #: The influencers' days: the last :data:`LISTEN_DAYS` whole days, as the
    #: influencers page and a report over ``last-30d`` read them. A score is
    #: scaled against the best of the same days, so over the days up to now
    #: emma61 scored "80" here and 70.1 on those pages.
    influencers_period: Period | None = None


def heard_key(ws: Workspace) -> tuple[Any, ...]:
    """What :func:`hear` reads from the plan: a :class:`Heard` kept for
    another key is not this plan's (a topic or an own account added since)."""
    from veille.plan.cost import plan_topics
    from veille.plan.kpi_measures import _all_own_handles

    return (tuple(plan_topics(ws.state)), tuple(_all_own_handles(ws)))


def hear(ws: Workspace, *, now: datetime | None = None) -> Heard:
    """:class:`Heard` over the last :data:`LISTEN_DAYS` days up to ``now``."""
    from veille.analytics.influencers import read
    from veille.analytics.scope import parse_period
    from veille.plan.cost import plan_topics, weekly_by_platform
    from veille.plan.kpi_measures import _all_own_handles, window

    when = now_utc(now)
    per = window(when, LISTEN_DAYS)
    days = parse_period(f"last-{LISTEN_DAYS}d", timezone=ws.settings.workspace.timezone, now=when)
    own = tuple(_all_own_handles(ws))
    return Heard(
        period=per,
        platforms=shares(ws, "platform", per),
        languages=shares(ws, "lang", per),
        hours=active_hours(ws, per),
        influencers={
            t: (scope, read(ws.store, scope, days, own)) for t, scope in _scopes(ws).items()
        },
        own=own,
        weekly=weekly_by_platform(ws, plan_topics(ws.state), when),
        influencers_period=days,
    )


def conversation_by_platform(
    ws: Workspace, *, now: datetime | None = None, heard: Heard | None = None
) -> dict[str, tuple[int, float]]:
    """Each platform's posts of the plan's topics over the last
    :data:`LISTEN_DAYS` days and its share of them: why a channel is (or is
    not) where the audience talks. Empty when veille heard nothing.
    ``heard``: :func:`hear`, when already read."""
    if heard is None:
        from veille.plan.kpis import window

        counts, total = shares(ws, "platform", window(now_utc(now), LISTEN_DAYS))
    else:
        counts, total = heard.platforms
    return {p: (n, n / total) for p, n in counts.items()} if total else {}


def share_shown(share: float, lang: str) -> str:
    """A channel's share of the conversation as the plan shows it (its page
    and its document): to a tenth below 10% (3.2%), where a whole number would
    make a small channel 0%, whole from there."""
    return format_percent(share, lang, 1 if 0 < share < 0.1 else 0)


def _where(ws: Workspace, heard: Heard) -> list[Recommendation]:
    channels = {c.platform: c for c in ws.state.plan_channels()}
    counts, total = heard.platforms
    out: list[Recommendation] = []
    if not total:
        return out
    for platform, n in counts.most_common():
        share = n / total
        figures = {"platform": platform, "posts": n, "share": round(share, 4), "days": LISTEN_DAYS}
        s_en, s_fr = format_percent(share, "en"), format_percent(share, "fr")
        name = platform_name(platform)
        # Only a platform a channel plan may name (`veille plan channel set`):
        # a feed (rss) or files hold a share of the conversation, not a channel.
        if share >= MIN_SHARE and platform not in channels and platform in PLATFORMS:
            out.append(
                Recommendation(
                    "platform",
                    f"{s_en} of the conversation on the plan's topics is on {name} "
                    f"({posts(n, 'en')} in {LISTEN_DAYS} days), which the plan does not use: "
                    "consider a channel there.",
                    f"{s_fr} de la conversation sur les sujets du plan a lieu sur {name} "
                    f"({posts(n, 'fr')} en {LISTEN_DAYS} jours), que le plan n’utilise "
                    "pas\u202f: envisagez-y un canal.",
                    figures,
                )
            )
    for platform in channels:
        n = counts.get(platform, 0)
        share = n / total
        name = platform_name(platform)
        if share < LOW_SHARE:
            s_en, s_fr = format_percent(share, "en", 1), format_percent(share, "fr", 1)
            out.append(
                Recommendation(
                    "quiet_channel",
                    f"Only {s_en} of the conversation on the plan's topics is on {name} "
                    f"({posts(n, 'en')} in {LISTEN_DAYS} days): say which "
                    "objective the channel serves, or move the effort where the audience talks.",
                    f"Seulement {s_fr} de la conversation sur les sujets du plan a lieu sur "
                    f"{name} ({posts(n, 'fr')} en {LISTEN_DAYS} "
                    "jours)\u202f: précisez l’objectif que sert ce canal, ou déplacez l’effort "
                    "là où le public parle.",
                    {
                        "platform": platform,
                        "posts": n,
                        "share": round(share, 4),
                        "days": LISTEN_DAYS,
                    },
                )
            )
    return out


def _languages(ws: Workspace, heard: Heard) -> list[Recommendation]:
    from veille.i18n import language_name

    covered = {lang for c in ws.state.plan_channels() for lang in c.languages}
    counts, total = heard.languages
    out = []
    for lang, n in counts.most_common():
        share = n / total if total else 0.0
        if lang == "und" or share < MIN_SHARE or lang in covered:
            continue
        out.append(
            Recommendation(
                "language",
                f"{format_percent(share, 'en')} of the conversation is in "
                f"{language_name(lang, 'en')} ({posts(n, 'en')}), a language no "
                "channel of the plan uses.",
                f"{format_percent(share, 'fr')} de la conversation est en "
                f"{language_name(lang, 'fr')} ({posts(n, 'fr')}), une langue "
                "qu’aucun canal du plan n’emploie.",
                {"lang": lang, "posts": n, "share": round(share, 4), "days": LISTEN_DAYS},
            )
        )
    return out


def _influencers(ws: Workspace, heard: Heard) -> list[Recommendation]:
    from veille.analytics.influencers import influencers

    best: dict[str, tuple[str, Any]] = {}
    days = heard.influencers_period or heard.period
    for topic, (scope, reads) in heard.influencers.items():
        found = influencers(
            ws.store, scope, days, org_handles=heard.own, limit=20, recent=0, reads=reads
        )
        for i in found:
            if not i.engaged and (i.handle not in best or best[i.handle][1].score < i.score):
                best[i.handle] = (topic, i)
    ranked = sorted(best.values(), key=lambda ti: (-ti[1].score, ti[1].handle))
    out = []
    for topic, i in ranked[:INFLUENCERS_TO_ENGAGE]:
        about_en = f" on {topic}" if topic else ""
        about_fr = f" sur {topic}" if topic else ""
        on = ", ".join(platform_name(p) for p in i.platforms)
        # Unknown is not zero: a feed gives no follower count.
        if i.followers is None:
            followers_en, followers_fr = "followers unknown", "abonnés inconnus"
        else:
            followers_en = f"{format_number(i.followers, 'en')} followers"
            followers_fr = f"{format_number(i.followers, 'fr')} abonnés"
        out.append(
            Recommendation(
                "influencer",
                f"Engage {i.handle} ({on}): "
                f"{posts(i.matching_posts, 'en')}{about_en} over the last {LISTEN_DAYS} "
                f"whole days, {followers_en}, "
                f"score {format_decimal(i.score, 'en', 1, trim=False)}; "
                "the organization has not engaged them yet.",
                f"Engagez le dialogue avec {i.handle} ({on})\u202f: "
                f"{posts(i.matching_posts, 'fr')}{about_fr} ces {LISTEN_DAYS} derniers jours "
                f"entiers, {followers_fr}, score "
                f"{format_decimal(i.score, 'fr', 1, trim=False)}\u202f; "
                "l’organisation ne l’a pas encore fait.",
                {
                    "handle": i.handle,
                    "platforms": list(i.platforms),
                    "posts": i.matching_posts,
                    "followers": i.followers,
                    "score": i.score,
                    "topic": topic,
                },
            )
        )
    return out


def active_hours(ws: Workspace, per: Period) -> Counter[tuple[int, int]]:
    """Posts of the plan's topics by (weekday, local hour), Monday = 0."""
    from veille.analytics.volume import volume

    tz = ws.settings.workspace.timezone
    counts: Counter[tuple[int, int]] = Counter()
    for scope in _scopes(ws).values():
        for p in volume(ws.store, scope, per, interval="hour", timezone=tz).points:
            if p.posts:
                counts[(p.start.weekday(), p.start.hour)] += p.posts
    return counts


def _timing(ws: Workspace, heard: Heard) -> list[Recommendation]:
    from babel.dates import get_day_names

    counts = heard.hours
    if not counts:
        return []
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:BUSIEST_HOURS]
    names = {lang: get_day_names("wide", locale=lang) for lang in ("en", "fr")}
    tz = ws.settings.workspace.timezone

    def slots(lang: str) -> str:
        from babel.lists import format_list

        # Each slot with its own article: « le samedi à 12:00 (67), samedi à
        # 15:00 » lost it after the first, and "on" only began the list.
        on, at = ("le ", " à ") if lang == "fr" else ("on ", " at ")
        return format_list(
            [f"{on}{names[lang][d]}{at}{h:02d}:00 ({format_number(n, lang)})" for (d, h), n in top],
            locale=lang,
        )

    return [
        Recommendation(
            "timing",
            f"People talk about the plan's topics most {slots('en')} ({tz} time, posts in "
            f"{LISTEN_DAYS} days): schedule posts just before.",
            f"On parle le plus des sujets du plan {slots('fr')} (fuseau horaire {tz}, "
            f"publications en {LISTEN_DAYS} jours)\u202f: programmez les publications juste avant.",
            {"slots": [{"weekday": d, "hour": h, "posts": n} for (d, h), n in top], "timezone": tz},
        )
    ]


def recommendations(
    ws: Workspace, *, now: datetime | None = None, heard: Heard | None = None
) -> list[Recommendation]:
    """What listening over the last :data:`LISTEN_DAYS` days recommends;
    ``heard``: :func:`hear` over the same days, when already read."""
    heard = heard if heard is not None else hear(ws, now=now)
    return [
        *_where(ws, heard),
        *_languages(ws, heard),
        *_influencers(ws, heard),
        *_timing(ws, heard),
    ]
