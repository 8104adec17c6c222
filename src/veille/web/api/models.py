"""What the REST API reads and writes, as pydantic models (they make the
OpenAPI schema at ``/api/openapi.json``).

The models only shape data: each ``from_…`` turns a library record into its
JSON form; the rules stay in the services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# ---------------------------------------------------------------- errors


class ErrorBody(BaseModel):
    """What went wrong and what to do about it."""

    status: int = Field(description="The HTTP status, repeated for clients that lose it.")
    code: str = Field(
        description="invalid_query, invalid_input, not_found, unauthorized, forbidden…"
    )
    message: str = Field(description="What went wrong, naming the input.")
    hint: str | None = Field(None, description="What to do about it.")
    # Set for query-language errors only.
    query: str | None = None
    column: int | None = Field(None, description="1-based column of the fault in the query.")
    caret: str | None = Field(None, description="The query with a caret line under the fault.")


class ErrorResponse(BaseModel):
    error: ErrorBody


# ---------------------------------------------------------------- posts


class AuthorOut(BaseModel):
    handle: str
    name: str | None = None
    url: str | None = None
    followers: int | None = None


class EngagementOut(BaseModel):
    likes: int = 0
    shares: int = 0
    replies: int = 0
    views: int | None = None


class SentimentOut(BaseModel):
    label: str
    score: float


class Highlight(BaseModel):
    field: Literal["title", "text"]
    start: int = Field(description="Offset of the first matched character in the field.")
    end: int = Field(description="Offset after the last matched character.")
    text: str


class PostOut(BaseModel):
    id: str
    platform: str
    url: str | None
    title: str | None
    text: str
    lang: str | None
    source: str | None
    published_at: datetime
    author: AuthorOut
    engagement: EngagementOut
    sentiment: SentimentOut | None
    hashtags: list[str]
    links: list[str]
    cluster_id: str | None
    highlights: list[Highlight] = Field(
        default_factory=list, description="What the query matched, in reading order."
    )

    @classmethod
    def from_hit(cls, hit: Any) -> PostOut:
        p = hit.post
        return cls(
            id=p.id,
            platform=p.platform,
            url=p.url,
            title=p.title,
            text=p.text,
            lang=p.lang,
            source=p.source,
            published_at=p.published_at,
            author=AuthorOut(
                handle=p.author.handle,
                name=p.author.name,
                url=p.author.url,
                followers=p.author.followers,
            ),
            engagement=EngagementOut(
                likes=p.engagement.likes,
                shares=p.engagement.shares,
                replies=p.engagement.replies,
                views=p.engagement.views,
            ),
            sentiment=(
                SentimentOut(label=p.sentiment.label, score=p.sentiment.score)
                if p.sentiment
                else None
            ),
            hashtags=list(p.hashtags),
            links=list(p.links),
            cluster_id=p.cluster_id,
            highlights=[Highlight(**h) for h in hit.highlights()],
        )


class PostPage(BaseModel):
    query: str
    total: int | None = Field(description="Posts matching in all (null with count=false).")
    total_exact: bool | None = Field(
        True,
        description="False when more than total posts match: a search that filters on "
        "metadata (platform, lang, lang:, author:…) stops counting at 10,000; null when "
        "nothing was counted (count=false).",
    )
    limit: int
    page: int | None = None
    next_cursor: str | None = Field(
        description="Pass it as cursor= for the next page; null on the last page."
    )
    items: list[PostOut]


# ---------------------------------------------------------------- topics


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Letters, digits, '-', '_' or '.', at most 64 characters.")
    query: str = Field(description="A query in the query language (docs/query.md).")


class TopicUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str


class TopicOut(BaseModel):
    name: str
    query: str
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: Any) -> TopicOut:
        return cls(
            name=t.name,
            query=t.query,
            version=t.version,
            created_at=t.created_at,
            updated_at=t.updated_at,
        )


class TopicVersionOut(BaseModel):
    version: int
    query: str
    created_at: datetime


class TopicDetail(TopicOut):
    versions: list[TopicVersionOut]
    matches: int = Field(description="Stored posts the current query matches.")


# ---------------------------------------------------------------- alerts


class AlertIn(BaseModel):
    """A new alert: the options of ``veille alert add``."""

    model_config = ConfigDict(extra="forbid")
    to: str = Field(description="Channel URL: mailto:…, webhook+https://…, atom:… or apprise.")
    topic: str | None = Field(None, description="A saved topic (or give query).")
    query: str | None = Field(None, description="A query (or give topic).")
    name: str | None = None
    kind: str = "match"
    every: str | None = Field(None, description="instant, hourly, daily or weekly.")
    at: str = "08:00"
    day: str = "mon"
    mode: str = "all"
    min_followers: int = 0
    min_engagement: int = 0
    languages: list[str] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    cap: int = Field(0, description="At most this many sends a day (0: no cap).")
    quiet: str | None = Field(None, description="Quiet hours, e.g. 22:00-07:00.")
    language: str | None = Field(None, description="en or fr (default: the workspace's).")


class AlertChange(BaseModel):
    """Where and how often an alert sends; what is left out stays."""

    model_config = ConfigDict(extra="forbid")
    to: str | None = Field(None, description="A new channel URL.")
    every: str | None = Field(None, description="instant, hourly, daily or weekly.")
    at: str | None = Field(None, description="The time of a daily or weekly send, HH:MM.")
    day: str | None = Field(None, description="The day of a weekly send: mon … sun.")


class AlertOut(BaseModel):
    name: str
    kind: str
    watches: str
    every: str
    mode: str
    to: str = Field(description="The channel URL, its secrets masked.")
    paused: bool


class AlertDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    kind: str
    channel_url: str
    paused: bool
    outbox: dict[str, int]


class AlertResumed(BaseModel):
    alert: AlertOut
    sent: int
    waiting: int


class AlertTested(BaseModel):
    alert: str
    posts: int
    to: str


# ---------------------------------------------------------------- sources


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="rss, mastodon, bluesky, reddit… (veille source kinds).")
    target: str = Field(description="What to follow: a feed URL, a hashtag, an account…")
    name: str | None = None
    every: str | None = Field(None, description="How often to poll: 30s, 15m, 2h, 1d.")
    options: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True


class SourceOut(BaseModel):
    name: str
    kind: str
    config: dict[str, Any] = Field(description="Its settings, secrets masked.")
    every: int = Field(description="Seconds between polls.")
    enabled: bool
    created_at: datetime


class HealthOut(BaseModel):
    source: str
    kind: str
    enabled: bool
    last_run: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    last_posts: int
    total_posts: int
    runs: int
    quota_left: int | None
    next_due: datetime | None = Field(
        description="When it is collected next; null: at the daemon's next round (never run)."
    )
    quarantined: int


# ---------------------------------------------------------------- analytics


class VolumePointOut(BaseModel):
    start: datetime
    posts: int
    previous_start: datetime | None
    previous: int
    net_sentiment: float | None = None


class BucketOut(BaseModel):
    start: datetime
    posts: int


class VolumeOut(BaseModel):
    about: str
    period: str
    interval: str
    timezone: str
    total: int
    previous_total: int
    change: float | None
    points: list[VolumePointOut]
    previous_extra: list[BucketOut] = Field(
        default_factory=list,
        description="Buckets of a longer period before that are beside no point (31 October "
        "against a 30-day November): with the points' previous, they add up to previous_total.",
    )


class ShareOut(BaseModel):
    key: str
    posts: int
    share: float
    previous: int
    previous_share: float
    engagement: int
    reach: int


class BreakdownOut(BaseModel):
    about: str
    period: str
    by: str
    shares: list[ShareOut]


class SentimentPointOut(BaseModel):
    start: datetime
    positive: int
    negative: int
    neutral: int
    net: float | None


class SentimentOutSeries(BaseModel):
    about: str
    period: str
    interval: str
    points: list[SentimentPointOut]


class VoiceOut(BaseModel):
    topic: str
    posts: int
    share: float
    previous_share: float
    engagement_share: float


class ShareOfVoiceOut(BaseModel):
    period: str
    voices: list[VoiceOut]
    warnings: list[str]


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


class InfluencersOut(BaseModel):
    about: str
    period: str
    influencers: list[InfluencerOut]
