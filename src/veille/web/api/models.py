"""What the REST API reads and writes, as pydantic models (they make the
OpenAPI schema at ``/api/openapi.json``).

The models only shape data: each ``from_…`` turns a library record into its
JSON form; the rules stay in the services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import JsonDict

from veille.errors import tr

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
    likes: int | None = Field(
        default=0,
        description="null where the platform gives no counts (feeds, web pages): unknown, "
        "not 0; likewise shares and replies.",
    )
    shares: int | None = 0
    replies: int | None = 0
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
                # Counts the platform never gave are unknown (null), not 0.
                likes=p.engagement.likes if p.engagement.given else None,
                shares=p.engagement.shares if p.engagement.given else None,
                replies=p.engagement.replies if p.engagement.given else None,
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
    warnings: list[str] = Field(
        default_factory=list,
        description="What may make the search find less than meant: 'and' searched as a "
        "word, a platform no source gives, a lang that is not a language code.",
    )
    items: list[PostOut]


# ---------------------------------------------------------------- topics


_INBOX = (
    "Whether the posts the topic matches enter the engagement inbox (as they are collected, "
    "from then on; `veille topic edit NAME --inbox`)."
)


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Letters, digits, '-', '_' or '.', at most 64 characters.")
    query: str = Field(description="A query in the query language (docs/query.md).")
    inbox: bool = Field(False, description=_INBOX)


class TopicUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str
    inbox: bool | None = Field(
        None, description=_INBOX + " Left out, the topic stays as it is on that."
    )
    version: int | None = Field(
        None,
        description="The topic's version your query was written from (the `version` that "
        "GET answered). If another version was saved since, with another query, nothing is "
        "saved and the answer is 409 conflict, naming it. Left out, the query is saved "
        "whatever was saved meanwhile (as before 2026-12-05).",
    )


class QueryErrorOut(BaseModel):
    """A stored query this version no longer reads: it matches nothing new
    until it is edited (its text is kept as saved)."""

    message: str
    hint: str | None
    column: int = Field(description="1-based column of the fault in the query.")
    query: str = Field(description="The stored query, as saved.")
    topic: str | None = Field(
        None, description="For an alert: the topic it watches, whose query this is."
    )
    edit: str = Field(description="The web page where the query is edited.")


_QUERY_ERROR = Field(
    None,
    description="Set when the stored query no longer reads (it matches no new post until "
    "edited): the parser's error and how to write it.",
)


class TopicMissingOut(BaseModel):
    """The topic an alert watches no longer exists (deleted before veille
    refused to delete a topic in use): the alert sends nothing."""

    kind: str = Field(description="alert")
    name: str = Field(description="The alert's name.")
    missing: str = Field(description="The topic's name.")
    message: str
    hint: str = Field(description="What to do: add the topic again, or delete the alert.")


_TOPIC_MISSING = Field(
    None, description="Set when the topic it watches no longer exists (it sends nothing)."
)


class TopicOut(BaseModel):
    name: str
    query: str
    version: int
    created_at: datetime
    updated_at: datetime
    query_error: QueryErrorOut | None = _QUERY_ERROR
    inbox: bool = Field(False, description=_INBOX)

    @classmethod
    def of(cls, t: Any, *, inbox: bool = False) -> TopicOut:
        from veille.services.unreadable import of_topic

        unreadable = of_topic(t)
        return cls(
            name=t.name,
            query=t.query,
            version=t.version,
            created_at=t.created_at,
            updated_at=t.updated_at,
            query_error=QueryErrorOut(**unreadable.as_json()) if unreadable else None,
            inbox=inbox,
        )


class TopicVersionOut(BaseModel):
    version: int
    query: str
    created_at: datetime


class TopicDetail(TopicOut):
    versions: list[TopicVersionOut]
    matches: int = Field(description="Stored posts the current query matches.")


# ---------------------------------------------------------------- alerts


# The alert fields' names an integrator sees, the words of ``veille alert add``
# and the alert form (``to``, ``every``, ``at``, ``day``, ``cap``, ``quiet``),
# beside the stored alert's own names, which the API answered before
# (``channel_url``, ``frequency``, ``at_time``, ``weekday``, ``daily_cap``):
# still accepted in a body, still given in an alert's answer, deprecated.
OLD_ALERT_NAMES = {
    "channel_url": "to",
    "frequency": "every",
    "at_time": "at",
    "weekday": "day",
    "daily_cap": "cap",
}
_DEPRECATED: JsonDict = {"deprecated": True}


def _new_alert_names(data: Any, *, quiet: bool) -> Any:
    """A body with the old names read as the new ones (both for one field: refused)."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for old, new in OLD_ALERT_NAMES.items():
        if old not in data:
            continue
        if new in data:
            raise ValueError(
                tr("give %(new)s or %(old)s (its old name), not both", new=new, old=old)
            )
        value = data.pop(old)
        if old == "weekday" and isinstance(value, int) and not isinstance(value, bool):
            from veille.alerts.model import WEEKDAYS

            value = WEEKDAYS[value] if 0 <= value < len(WEEKDAYS) else str(value)
        data[new] = value
    if quiet and ("quiet_start" in data or "quiet_end" in data):
        if "quiet" in data:
            raise ValueError(
                tr("give quiet or quiet_start and quiet_end (its old names), not both")
            )
        start, end = data.pop("quiet_start", None), data.pop("quiet_end", None)
        data["quiet"] = f"{start or ''}-{end or ''}" if (start or end) else None
    return data


class AlertIn(BaseModel):
    """A new alert: the options of ``veille alert add``. The old names
    ``channel_url``, ``frequency``, ``at_time``, ``weekday`` (0 is Monday),
    ``daily_cap``, ``quiet_start`` and ``quiet_end`` are read too."""

    model_config = ConfigDict(extra="forbid")
    to: str = Field(description="Channel URL: mailto:…, webhook+https://…, atom:… or apprise.")
    topic: str | None = Field(None, description="A saved topic (or give query).")
    query: str | None = Field(None, description="A query (or give topic).")
    name: str | None = None
    kind: str = "match"
    every: str | None = Field(None, description="instant, hourly, daily or weekly.")
    at: str = Field("08:00", description="The time of a daily or weekly send, HH:MM.")
    day: str = Field("mon", description="The day of a weekly send: mon … sun.")
    mode: str = "all"
    min_followers: int = 0
    min_engagement: int = 0
    languages: list[str] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    cap: int = Field(0, description="At most this many sends a day (0: no cap).")
    quiet: str | None = Field(None, description="Quiet hours, e.g. 22:00-07:00.")
    language: str | None = Field(None, description="en or fr (default: the workspace's).")

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return _new_alert_names(data, quiet=True)


class AlertChange(BaseModel):
    """Where and how often an alert sends; what is left out stays. The old
    names ``channel_url``, ``frequency``, ``at_time`` and ``weekday`` are read too."""

    model_config = ConfigDict(extra="forbid")
    to: str | None = Field(None, description="A new channel URL.")
    every: str | None = Field(None, description="instant, hourly, daily or weekly.")
    at: str | None = Field(None, description="The time of a daily or weekly send, HH:MM.")
    day: str | None = Field(None, description="The day of a weekly send: mon … sun.")
    query: str | None = Field(
        None, description="A new query, for an alert with its own (not a topic's)."
    )

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return _new_alert_names(data, quiet=False)


class AlertOut(BaseModel):
    """An alert as the list shows it; ``every``, ``at`` and ``day`` are the
    values a POST or PATCH takes."""

    name: str
    kind: str
    watches: str = Field(description="The topic's name, or the query.")
    every: str = Field(description="instant, hourly, daily or weekly.")
    at: str = Field(description="The time of a daily or weekly send, HH:MM.")
    day: str = Field(description="The day of a weekly send: mon … sun.")
    schedule: str = Field(description="When it sends, in words: 'daily at 08:30'.")
    mode: str
    to: str = Field(description="The channel URL, its secrets masked.")
    paused: bool
    query_error: QueryErrorOut | None = _QUERY_ERROR
    topic_missing: TopicMissingOut | None = _TOPIC_MISSING

    @classmethod
    def of(cls, row: dict[str, Any], alert: Any) -> AlertOut:
        from veille.alerts.model import WEEKDAYS

        return cls(
            **{k: v for k, v in row.items() if k != "every"},
            every=alert.frequency,
            at=alert.at_time,
            day=WEEKDAYS[alert.weekday],
            schedule=row["every"],
        )


class AlertDetail(BaseModel):
    """Every setting of an alert, under the names a POST takes."""

    id: int
    name: str
    kind: str
    topic: str | None
    query: str | None
    to: str = Field(description="The channel URL, its secrets masked.")
    every: str = Field(description="instant, hourly, daily or weekly.")
    at: str = Field(description="The time of a daily or weekly send, HH:MM.")
    day: str = Field(description="The day of a weekly send: mon … sun.")
    schedule: str = Field(description="When it sends, in words: 'daily at 08:30'.")
    mode: str
    min_followers: int
    min_engagement: int
    languages: list[str]
    platforms: list[str]
    cap: int = Field(description="At most this many sends a day (0: no cap).")
    quiet: str | None = Field(description="Quiet hours, e.g. 22:00-07:00; null: none.")
    language: str
    params: dict[str, Any] = Field(description="The kind's own settings (threshold, period…).")
    paused: bool
    outbox: dict[str, int] = Field(description="Deliveries by status.")
    query_error: QueryErrorOut | None = _QUERY_ERROR
    topic_missing: TopicMissingOut | None = _TOPIC_MISSING
    created_at: datetime
    updated_at: datetime
    checked_at: datetime | None
    # Deprecated: the stored alert's names, as the API gave them before.
    channel_url: str = Field(description="Deprecated: to.", json_schema_extra=_DEPRECATED)
    frequency: str = Field(description="Deprecated: every.", json_schema_extra=_DEPRECATED)
    at_time: str = Field(description="Deprecated: at.", json_schema_extra=_DEPRECATED)
    weekday: int = Field(
        description="Deprecated: day (0 is Monday).", json_schema_extra=_DEPRECATED
    )
    daily_cap: int = Field(description="Deprecated: cap.", json_schema_extra=_DEPRECATED)
    quiet_start: str | None = Field(description="Deprecated: quiet.", json_schema_extra=_DEPRECATED)
    quiet_end: str | None = Field(description="Deprecated: quiet.", json_schema_extra=_DEPRECATED)

    @classmethod
    def of(cls, shown: dict[str, Any], schedule: str) -> AlertDetail:
        """From :func:`veille.services.alerts.show_alert`'s dict (URL masked)."""
        from veille.alerts.model import WEEKDAYS

        start, end = shown.get("quiet_start"), shown.get("quiet_end")
        return cls(
            **shown,
            to=shown["channel_url"],
            every=shown["frequency"],
            at=shown["at_time"],
            day=WEEKDAYS[shown["weekday"]],
            schedule=schedule,
            cap=shown["daily_cap"],
            quiet=f"{start}-{end}" if start and end else None,
        )


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
    options: dict[str, str | bool | int | float | list[str]] = Field(
        default_factory=dict,
        description="The kind's options, as a source's config shows them: a string, a "
        "number, true or false, or a list (veille source kinds lists each kind's).",
    )
    enabled: bool = True

    @field_validator("options")
    @classmethod
    def _as_option_text(cls, options: dict[str, Any]) -> dict[str, str]:
        # The services read options as the CLI's --option k=v gives them: text.
        def text(value: Any) -> str:
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, list):
                return ",".join(value)
            return str(value)

        return {key: text(value) for key, value in options.items()}


class SourceOut(BaseModel):
    name: str
    kind: str
    config: dict[str, Any] = Field(description="Its settings, secrets masked.")
    every: str = Field(description="How often it is polled, as `every` is given: 30s, 15m, 2h, 1d.")
    every_seconds: int = Field(description="The same, in seconds between polls.")
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
    dated_ahead: int = Field(
        default=0,
        description="Posts it gave dated more than 15 minutes after their collection, "
        "stored dated when collected (the date given is in each post's raw payload, "
        "`published_at_given`).",
    )
    dated_ahead_last: datetime | None = Field(
        default=None, description="The date the last of them gave (the latest of its batch)."
    )
    suppressed: int = Field(
        default=0,
        description="Posts it gave by people who object to further processing (erased with "
        "`veille privacy erase`, objection not lifted with `veille privacy lift`), not stored.",
    )
    expired: int = Field(
        default=0,
        description="Posts it gave published before the retention cutoff (`[privacy] "
        "retention_days`, or the last purge's), not stored: a purge deleted them already and "
        "its kept figures count them, or would delete them.",
    )
