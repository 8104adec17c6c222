"""Recommendations from listening, each with its figures: where the audience
talks (share of the conversation by platform and language, against the
channels chosen), which influencers to engage, when people are active."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.i18n import format_number, format_percent
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
    from veille.analytics.volume import breakdown

    counts: Counter[str] = Counter()
    for scope in _scopes(ws).values():
        for s in breakdown(ws.store, scope, per, dim):
            counts[s.key] += s.posts
    return counts, sum(counts.values())


def platform_shares(ws: Workspace, *, now: datetime | None = None) -> tuple[Counter[str], int]:
    """:func:`shares` by platform over the last :data:`LISTEN_DAYS` days:
    what a page showing both the channels' audience and the recommendations
    reads once for the two (at 1M posts, half a second a read)."""
    from veille.plan.kpis import window

    return shares(ws, "platform", window(now_utc(now), LISTEN_DAYS))


def conversation_by_platform(
    ws: Workspace,
    *,
    now: datetime | None = None,
    counted: tuple[Counter[str], int] | None = None,
) -> dict[str, tuple[int, float]]:
    """Each platform's posts of the plan's topics over the last
    :data:`LISTEN_DAYS` days and its share of them: why a channel is (or is
    not) where the audience talks. Empty when veille heard nothing.
    ``counted``: :func:`platform_shares`, when already read."""
    counts, total = counted or platform_shares(ws, now=now)
    return {p: (n, n / total) for p, n in counts.items()} if total else {}


def share_shown(share: float, lang: str) -> str:
    """A channel's share of the conversation as the plan shows it (its page
    and its document): to a tenth below 10% (3.2%), where a whole number would
    make a small channel 0%, whole from there."""
    return format_percent(share, lang, 1 if 0 < share < 0.1 else 0)


def _where(
    ws: Workspace, per: Period, counted: tuple[Counter[str], int] | None = None
) -> list[Recommendation]:
    channels = {c.platform: c for c in ws.state.plan_channels()}
    counts, total = counted or shares(ws, "platform", per)
    out: list[Recommendation] = []
    if not total:
        return out
    for platform, n in counts.most_common():
        share = n / total
        figures = {"platform": platform, "posts": n, "share": round(share, 4), "days": LISTEN_DAYS}
        s_en, s_fr = format_percent(share, "en"), format_percent(share, "fr")
        n_en, n_fr = format_number(n, "en"), format_number(n, "fr")
        # Only a platform a channel plan may name (`veille plan channel set`):
        # a feed (rss) or files hold a share of the conversation, not a channel.
        if share >= MIN_SHARE and platform not in channels and platform in PLATFORMS:
            out.append(
                Recommendation(
                    "platform",
                    f"{s_en} of the conversation on the plan's topics is on {platform} "
                    f"({n_en} posts in {LISTEN_DAYS} days), which the plan does not use: "
                    "consider a channel there.",
                    f"{s_fr} de la conversation sur les sujets du plan a lieu sur {platform} "
                    f"({n_fr} publications en {LISTEN_DAYS} jours), que le plan n’utilise "
                    "pas\u202f: envisagez-y un canal.",
                    figures,
                )
            )
    for platform in channels:
        n = counts.get(platform, 0)
        share = n / total
        if share < LOW_SHARE:
            s_en, s_fr = format_percent(share, "en", 1), format_percent(share, "fr", 1)
            out.append(
                Recommendation(
                    "quiet_channel",
                    f"Only {s_en} of the conversation on the plan's topics is on {platform} "
                    f"({format_number(n, 'en')} posts in {LISTEN_DAYS} days): say which "
                    "objective the channel serves, or move the effort where the audience talks.",
                    f"Seulement {s_fr} de la conversation sur les sujets du plan a lieu sur "
                    f"{platform} ({format_number(n, 'fr')} publications en {LISTEN_DAYS} "
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


def _languages(ws: Workspace, per: Period) -> list[Recommendation]:
    from veille.i18n import language_name

    covered = {lang for c in ws.state.plan_channels() for lang in c.languages}
    counts, total = shares(ws, "lang", per)
    out = []
    for lang, n in counts.most_common():
        share = n / total if total else 0.0
        if lang == "und" or share < MIN_SHARE or lang in covered:
            continue
        out.append(
            Recommendation(
                "language",
                f"{format_percent(share, 'en')} of the conversation is in "
                f"{language_name(lang, 'en')} ({format_number(n, 'en')} posts), a language no "
                "channel of the plan uses.",
                f"{format_percent(share, 'fr')} de la conversation est en "
                f"{language_name(lang, 'fr')} ({format_number(n, 'fr')} publications), une langue "
                "qu’aucun canal du plan n’emploie.",
                {"lang": lang, "posts": n, "share": round(share, 4), "days": LISTEN_DAYS},
            )
        )
    return out


def _influencers(ws: Workspace, per: Period) -> list[Recommendation]:
    from veille.analytics.influencers import influencers
    from veille.plan.kpis import _all_own_handles

    handles = _all_own_handles(ws)
    best: dict[str, tuple[str, Any]] = {}
    for topic, scope in _scopes(ws).items():
        for i in influencers(ws.store, scope, per, org_handles=handles, limit=20, recent=0):
            if not i.engaged and (i.handle not in best or best[i.handle][1].score < i.score):
                best[i.handle] = (topic, i)
    ranked = sorted(best.values(), key=lambda ti: (-ti[1].score, ti[1].handle))
    out = []
    for topic, i in ranked[:INFLUENCERS_TO_ENGAGE]:
        about_en = f" on {topic}" if topic else ""
        about_fr = f" sur {topic}" if topic else ""
        # Unknown is not zero: a feed gives no follower count.
        if i.followers is None:
            followers_en, followers_fr = "followers unknown", "abonnés inconnus"
        else:
            followers_en = f"{format_number(i.followers, 'en')} followers"
            followers_fr = f"{format_number(i.followers, 'fr')} abonnés"
        out.append(
            Recommendation(
                "influencer",
                f"Engage {i.handle} ({', '.join(i.platforms)}): "
                f"{format_number(i.matching_posts, 'en')} posts{about_en} in {LISTEN_DAYS} days, "
                f"{followers_en}, "
                f"score {format_number(i.score, 'en')}; the organization has not engaged them yet.",
                f"Engagez le dialogue avec {i.handle} ({', '.join(i.platforms)})\u202f: "
                f"{format_number(i.matching_posts, 'fr')} publications{about_fr} en {LISTEN_DAYS} "
                f"jours, {followers_fr}, score "
                f"{format_number(i.score, 'fr')}\u202f; l’organisation ne l’a pas encore fait.",
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


def _timing(ws: Workspace, per: Period) -> list[Recommendation]:
    from babel.dates import get_day_names

    counts = active_hours(ws, per)
    if not counts:
        return []
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:BUSIEST_HOURS]
    names = {lang: get_day_names("wide", locale=lang) for lang in ("en", "fr")}
    tz = ws.settings.workspace.timezone

    def slots(lang: str) -> str:
        sep = " à " if lang == "fr" else " at "
        return ", ".join(
            f"{names[lang][d]}{sep}{h:02d}:00 ({format_number(n, lang)})" for (d, h), n in top
        )

    return [
        Recommendation(
            "timing",
            f"People talk about the plan's topics most on {slots('en')} ({tz} time, posts in "
            f"{LISTEN_DAYS} days): schedule posts just before.",
            f"On parle le plus des sujets du plan le {slots('fr')} (fuseau horaire {tz}, "
            f"publications en {LISTEN_DAYS} jours)\u202f: programmez les publications juste avant.",
            {"slots": [{"weekday": d, "hour": h, "posts": n} for (d, h), n in top], "timezone": tz},
        )
    ]


def recommendations(
    ws: Workspace,
    *,
    now: datetime | None = None,
    counted: tuple[Counter[str], int] | None = None,
) -> list[Recommendation]:
    """What listening over the last :data:`LISTEN_DAYS` days recommends;
    ``counted``: :func:`platform_shares` over the same days, when already read."""
    from veille.plan.kpis import window

    per = window(now_utc(now), LISTEN_DAYS)
    return [
        *_where(ws, per, counted),
        *_languages(ws, per),
        *_influencers(ws, per),
        *_timing(ws, per),
    ]
