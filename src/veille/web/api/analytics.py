"""``/api/v1/analytics/…``: volume, sentiment, share of voice, influencers:
the numbers the dashboard and ``veille volume|sov|influencers`` show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request

from veille.analytics.scope import Scope
from veille.services import analytics as service
from veille.web.api.analytics_models import (
    BreakdownOut,
    BucketOut,
    InfluencerOut,
    InfluencersOut,
    SentimentOutSeries,
    SentimentPointOut,
    ShareOfVoiceOut,
    ShareOut,
    VoiceOut,
    VolumeOut,
    VolumePointOut,
)
from veille.web.api.auth import reader
from veille.web.api.common import (
    Languages,
    Period,
    Platforms,
    Said,
    ScopeArgs,
    api_router,
    scope_args,
)
from veille.web.deps import workspace
from veille.web.listening import recent
from veille.workspace import Workspace

router = api_router("analytics")
Ws = Annotated[Workspace, Depends(workspace)]
Scoped = Annotated[ScopeArgs, Depends(scope_args)]
Interval = Literal["hour", "day", "week"]


def _kept(request: Request, ws: Workspace, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """The figures of ``key`` (the endpoint and what it was asked, the period
    as its bounds), the same for every client and a minute old at most, as
    the pages keep theirs: each read the posts of its scope on every request
    (at 1M posts, 0.2-0.4 s for a topic's month by platform, its sentiment
    or the share of voice, 1 s for the influencers' reads). Made again at
    once when a topic is added, edited or deleted, or the brand compared
    changes (as the dashboard's): a topic is asked by its name, and a client
    that had just changed its query was answered the old query's figures."""
    from veille.services.dashboard import topics_seen

    return recent(request, "api-analytics").get((*key, topics_seen(ws)), make)


def _asked(args: ScopeArgs) -> tuple[Any, ...]:
    return (args.query, args.topic, args.platforms, args.languages)


def _scope(ws: Workspace, args: ScopeArgs) -> Scope:
    return service.build_scope(
        ws,
        query=args.query,
        topic=args.topic,
        platforms=args.platforms,
        languages=args.languages,
    )


@router.get(
    "/analytics/volume",
    response_model=VolumeOut,
    summary="Posts over time",
    dependencies=[reader],
)
def volume(
    request: Request,
    ws: Ws,
    args: Scoped,
    said: Said,
    period: Period = "last-30d",
    interval: Interval = "day",
) -> VolumeOut:
    """Posts per hour, day or week in the workspace time zone, the previous
    period beside each bucket, and each bucket's net sentiment."""
    from veille.analytics.volume import held_before, listening_since, net_sentiment
    from veille.analytics.volume import volume as volume_of

    tz = ws.settings.workspace.timezone
    scope, per = _scope(ws, args), service.period(ws, period)
    vol, senti = _kept(
        request,
        ws,
        ("volume", *_asked(args), per.since, per.until, interval, tz),
        lambda: (
            held_before(
                volume_of(ws.store, scope, per, interval=interval, timezone=tz),
                listening_since(ws.store, scope),
            ),
            net_sentiment(ws.store, scope, per, interval=interval, timezone=tz),
        ),
    )
    return VolumeOut(
        about=scope.label,
        period=per.label(tz),
        since=per.since,
        until=per.until,
        interval=interval,
        timezone=tz,
        total=vol.total,
        previous_total=vol.previous_total,
        change=vol.change,
        previous_held_days=vol.previous_held_days,
        previous_days=vol.previous_days,
        points=[
            VolumePointOut(
                start=p.start,
                posts=p.posts,
                previous_start=p.previous_start,
                previous=p.previous,
                net_sentiment=s.net,
            )
            for p, s in zip(vol.points, senti, strict=True)
        ],
        previous_extra=[BucketOut(start=b.start, posts=b.posts) for b in vol.previous_extra],
        warnings=said.all(args.warnings),
    )


@router.get(
    "/analytics/breakdown",
    response_model=BreakdownOut,
    summary="Posts by platform, language, country or sentiment",
    dependencies=[reader],
)
def breakdown(
    request: Request,
    ws: Ws,
    args: Scoped,
    said: Said,
    by: Literal["platform", "lang", "country", "sentiment"] = "platform",
    period: Period = "last-30d",
) -> BreakdownOut:
    from veille.analytics.volume import breakdown as breakdown_of

    tz = ws.settings.workspace.timezone
    scope, per = _scope(ws, args), service.period(ws, period)
    shares = _kept(
        request,
        ws,
        ("breakdown", *_asked(args), per.since, per.until, by),
        lambda: breakdown_of(ws.store, scope, per, by),
    )
    return BreakdownOut(
        about=scope.label,
        period=per.label(tz),
        since=per.since,
        until=per.until,
        by=by,
        shares=[ShareOut.model_validate(s, from_attributes=True) for s in shares],
        warnings=said.all(args.warnings),
    )


@router.get(
    "/analytics/sentiment",
    response_model=SentimentOutSeries,
    summary="Sentiment over time",
    dependencies=[reader],
)
def sentiment(
    request: Request,
    ws: Ws,
    args: Scoped,
    said: Said,
    period: Period = "last-30d",
    interval: Interval = "day",
) -> SentimentOutSeries:
    """Positive, negative and neutral posts per bucket and the net score
    ((positive - negative) / scored); unscored posts are left out."""
    from veille.analytics.volume import net_sentiment

    tz = ws.settings.workspace.timezone
    scope, per = _scope(ws, args), service.period(ws, period)
    points = _kept(
        request,
        ws,
        ("sentiment", *_asked(args), per.since, per.until, interval, tz),
        lambda: net_sentiment(ws.store, scope, per, interval=interval, timezone=tz),
    )
    return SentimentOutSeries(
        about=scope.label,
        period=per.label(tz),
        since=per.since,
        until=per.until,
        interval=interval,
        points=[
            SentimentPointOut(
                start=p.start,
                positive=p.positive,
                negative=p.negative,
                neutral=p.neutral,
                net=p.net,
            )
            for p in points
        ],
        warnings=said.all(args.warnings),
    )


@router.get(
    "/analytics/share-of-voice",
    response_model=ShareOfVoiceOut,
    summary="Share of voice",
    dependencies=[reader],
)
def share_of_voice(
    request: Request,
    ws: Ws,
    said: Said,
    topic: Annotated[
        list[str] | None, Query(description="A saved topic (repeatable); default: the brand's.")
    ] = None,
    named: Annotated[
        list[str] | None, Query(alias="query", description="NAME=QUERY (repeatable).")
    ] = None,
    platforms: Platforms = None,
    languages: Languages = None,
    period: Period = "last-30d",
) -> ShareOfVoiceOut:
    """Each compared topic's share of posts and engagement; without topics, the
    brand and its competitors of the organization settings. ``warnings`` name
    the sources that cover the topics unevenly."""
    scopes = service.voice_scopes(
        ws,
        topics=topic or (),
        named_queries=named or (),
        platforms=platforms or (),
        languages=languages or (),
    )
    per = service.period(ws, period)
    voices, uneven = _kept(
        request,
        ws,
        ("share-of-voice", tuple(topic or ()), tuple(named or ()), tuple(platforms or ()),
         tuple(languages or ()), per.since, per.until),
        lambda: (
            service.share_of_voice(ws, scopes, per),
            service.uneven_sources(ws, scopes, per),
        ),
    )  # fmt: skip
    return ShareOfVoiceOut(
        period=per.label(ws.settings.workspace.timezone),
        since=per.since,
        until=per.until,
        voices=[VoiceOut.model_validate(v, from_attributes=True) for v in voices],
        warnings=said.all(scope_args(None, None, platforms, languages).warnings)
        + [u.message(said.lang) for u in uneven],
    )


@router.get(
    "/analytics/influencers",
    response_model=InfluencersOut,
    summary="Influencers",
    dependencies=[reader],
)
def influencers(
    request: Request,
    ws: Ws,
    args: Scoped,
    said: Said,
    view: Annotated[
        Literal["us", "sector"] | None,
        Query(description="us: the brand topic's; sector: the sector topic's."),
    ] = None,
    period: Period = "last-30d",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> InfluencersOut:
    """The authors who matter in the scope, best first, with why; the
    organization's own accounts are never listed."""
    topic = service.influencer_topic(ws, view, args.topic, args.query)
    scope = service.build_scope(
        ws, query=args.query, topic=topic, platforms=args.platforms, languages=args.languages
    )
    per = service.period(ws, period)
    # The posts' reads are kept; the user's decisions about accounts (which
    # are one person) apply on every request, as on the influencers page.
    reads = _kept(
        request,
        ws,
        ("influencers", args.query, topic, args.platforms, args.languages, per.since, per.until),
        lambda: service.influencer_reads(ws, scope, per),
    )
    found = service.rank_influencers(ws, scope, per, limit=limit, reads=reads)
    return InfluencersOut(
        about=scope.label,
        period=per.label(ws.settings.workspace.timezone),
        since=per.since,
        until=per.until,
        influencers=[InfluencerOut.of(i, said.lang) for i in found],
        warnings=said.all(args.warnings),
    )
