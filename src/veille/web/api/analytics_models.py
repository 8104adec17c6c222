"""What the REST API's analytics answer (volume, breakdown, sentiment, share
of voice, influencers), as pydantic models, beside :mod:`veille.web.api.models`
(posts, topics, alerts, sources): they make the OpenAPI schema too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

# ---------------------------------------------------------------- analytics


#: What an aggregation's ``warnings`` say (as a search's do).
class Windowed(BaseModel):
    """The period an aggregation covers, as a client computes with it (the
    ``period`` label is for people: its end date is the last day shown)."""

    since: datetime = Field(description="Start of the period (included), with its offset.")
    until: datetime = Field(description="End of the period (excluded), with its offset.")


FILTER_WARNINGS = (
    "What may make the figures count less than meant: 'and' in q read as a word, a "
    "platform no source gives, a lang that is not a language code."
)


class VolumePointOut(BaseModel):
    start: datetime
    posts: int
    previous_start: datetime | None
    previous: int | None = Field(
        description="Posts of the bucket of the period before at previous_start; null where "
        "veille holds nothing of it (it ends before veille's posts begin): not 0."
    )
    net_sentiment: float | None = None


class BucketOut(BaseModel):
    start: datetime
    posts: int


class VolumeOut(Windowed):
    about: str
    period: str
    interval: str
    timezone: str
    total: int
    previous_total: int
    change: float | None = Field(
        description="Relative change of total against previous_total; null where the period "
        "before had no post, or where veille holds only part of it (previous_held_days)."
    )
    previous_held_days: int | None = Field(
        default=None,
        description="Where veille's posts begin inside the period before (or after it), by more "
        "than half a day: how many of its previous_days veille holds; change is then null. Null "
        "where veille holds the whole period before.",
    )
    previous_days: int | None = Field(
        default=None,
        description="The days of the period before, where previous_held_days is given; else null.",
    )
    points: list[VolumePointOut]
    warnings: list[str] = Field(default_factory=list, description=FILTER_WARNINGS)
    previous_extra: list[BucketOut] = Field(
        default_factory=list,
        description="Buckets of a longer period before that are beside no point (31 October "
        "against a 30-day November): with the points' previous, they add up to previous_total.",
    )


#: What a share's previous_held_days says.
PREVIOUS_HELD = (
    "Where veille's posts begin inside the period before (or after it), by more than half a "
    "day: how many of its previous_days veille holds; previous and previous_share are then of "
    "those days only (a share of what veille heard then). Null where it holds the whole period "
    "before."
)


class ShareOut(BaseModel):
    key: str
    posts: int
    share: float | None = Field(description="Part of the period's posts; null where it has none.")
    previous: int
    previous_share: float | None = Field(
        description="Part of the previous period's posts; null where it had none (0 of 0)."
    )
    engagement: int | None = Field(
        description="Likes + shares + replies of these posts; null where none of them gave a "
        "count (feeds, web pages: unknown, not 0)."
    )
    reach: int | None = Field(
        description="Their authors' followers, summed; null where none of them gave a count."
    )
    previous_held_days: int | None = Field(default=None, description=PREVIOUS_HELD)
    previous_days: int | None = Field(
        default=None,
        description="The days of the period before, where previous_held_days is given; else null.",
    )


class BreakdownOut(Windowed):
    about: str
    period: str
    by: str
    shares: list[ShareOut]
    warnings: list[str] = Field(default_factory=list, description=FILTER_WARNINGS)


class SentimentPointOut(BaseModel):
    start: datetime
    positive: int
    negative: int
    neutral: int
    net: float | None


class SentimentOutSeries(Windowed):
    about: str
    period: str
    interval: str
    points: list[SentimentPointOut]
    warnings: list[str] = Field(default_factory=list, description=FILTER_WARNINGS)


class VoiceOut(BaseModel):
    topic: str
    posts: int
    # null: none of the compared topics has a post (or engagement) in the period
    share: float | None
    previous_share: float | None
    engagement_share: float | None
    previous_held_days: int | None = Field(default=None, description=PREVIOUS_HELD)
    previous_days: int | None = Field(
        default=None,
        description="The days of the period before, where previous_held_days is given; else null.",
    )


class ShareOfVoiceOut(Windowed):
    period: str
    voices: list[VoiceOut]
    warnings: list[str] = Field(
        description=FILTER_WARNINGS + " And the sources that cover the topics unevenly."
    )


class InfluencerOut(BaseModel):
    handle: str
    name: str | None
    score: float
    followers: int | None = Field(description="null: no post gave a count.")
    engagement: int | None
    matching_posts: int
    all_posts: int
    relevance: float
    pagerank: float
    platforms: list[str]
    languages: list[str]
    engaged: bool = Field(description="Whether the organization already engaged with them.")
    profile: str | None
    site: str | None
    why: str = Field(description="The numbers behind the rank, in plain words.")

    @classmethod
    def of(cls, i: Any, lang: str) -> InfluencerOut:
        return cls(
            handle=i.handle,
            name=i.name,
            score=i.score,
            followers=i.followers,
            engagement=i.engagement,
            matching_posts=i.matching_posts,
            all_posts=i.all_posts,
            relevance=i.relevance,
            pagerank=i.pagerank,
            platforms=list(i.platforms),
            languages=list(i.languages),
            engaged=i.engaged,
            profile=i.profile,
            site=i.site,
            why=i.why(lang),
        )


class InfluencersOut(Windowed):
    about: str
    period: str
    influencers: list[InfluencerOut]
    warnings: list[str] = Field(default_factory=list, description=FILTER_WARNINGS)
