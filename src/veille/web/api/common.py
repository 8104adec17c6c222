"""What every API module shares: its router class, the filters of a search
or an aggregation as query parameters, and the workspace of the request."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response

from veille.errors import UsageError, tr
from veille.web.api.errors import ApiRoute, Say, client_language
from veille.web.api.models import ErrorResponse

PREFIX = "/api/v1"

# A date-time whose offset's + was sent unencoded: "2026-11-01T08:00:00 01:00".
_PLUS_READ_AS_SPACE = re.compile(r"\d \d{2}(:?\d{2})?$")

# Documented once for every endpoint; each answer's body is ErrorResponse.
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorResponse, "description": "Bad input (a query error has the caret)."},
    401: {"model": ErrorResponse, "description": "No token, or a revoked, expired or unknown one."},
    403: {
        "model": ErrorResponse,
        "description": "The token's role may not do this, or its scope does not reach it.",
    },
    404: {
        "model": ErrorResponse,
        "description": "No such topic, alert, source, calendar post or publishing account.",
    },
    409: {
        "model": ErrorResponse,
        "description": "A topic, alert or source of that name exists (code already_exists), "
        "or a topic that alerts, objectives or KPIs still use is not deleted, or a topic's "
        "query sent with a version after which another was saved is not saved, or an alert "
        "inbox rules notify through is not deleted (code conflict).",
    },
    422: {"model": ErrorResponse, "description": "A malformed parameter or body."},
    429: {
        "model": ErrorResponse,
        "description": "The token made its requests of this minute ([api] "
        "rate_limit_per_minute): wait the seconds Retry-After gives (code rate_limited).",
    },
    503: {
        "model": ErrorResponse,
        "description": "The workspace is busy (code busy) or its state store does not answer "
        "(code unavailable): retry after Retry-After seconds.",
    },
}


def created(response: Response, collection: str, name: str) -> None:
    """Give a 201's ``response`` the ``Location`` of what it made: the
    endpoint that reads it, ``/api/v1/{collection}/{name}``."""
    response.headers["Location"] = f"{PREFIX}/{collection}/{quote(name, safe='')}"


@dataclass(frozen=True)
class Words:
    """The client's language (``Accept-Language``, else English, as its
    errors) and what says veille's sentences in it: the warnings, an
    influencer's why."""

    lang: str
    say: Say

    def all(self, texts: Iterable[str]) -> list[str]:
        return [self.say(t) for t in texts]


def client_words(request: Request) -> Words:
    say, lang = client_language(request)
    return Words(lang, say)


Said = Annotated[Words, Depends(client_words)]


def api_router(tag: str) -> APIRouter:
    return APIRouter(prefix=PREFIX, tags=[tag], route_class=ApiRoute, responses=ERRORS)


Platforms = Annotated[
    list[str] | None, Query(alias="platform", description="Only this platform (repeatable).")
]
Languages = Annotated[
    list[str] | None, Query(alias="lang", description="Only this language (repeatable).")
]
Period = Annotated[
    str,
    Query(description="last-week, last-month, last-7d, last-30d or FROM..TO (dates, TO included)."),
]
TopicName = Annotated[str | None, Query(description="Only posts of this saved topic.")]
QueryText = Annotated[
    str | None, Query(alias="q", description="Only posts matching this query (docs/query.md).")
]


@dataclass(frozen=True)
class ScopeArgs:
    """The posts an aggregation reads, as the API was asked."""

    query: str | None
    topic: str | None
    platforms: tuple[str, ...]
    languages: tuple[str, ...]
    #: What may make the answer count less than meant (see filter_warnings).
    warnings: tuple[str, ...] = ()


def scope_args(
    q: QueryText = None,
    topic: TopicName = None,
    platforms: Platforms = None,
    languages: Languages = None,
) -> ScopeArgs:
    from veille.services.paging import filter_warnings
    from veille.store.base import PostFilter

    compiled = None
    if q is not None:
        from veille.query import compile_query

        compiled = compile_query(q)  # a QueryError with its column, before the scope hides it
    flt = PostFilter(platforms=tuple(platforms or ()), languages=tuple(languages or ()))
    return ScopeArgs(
        q or None, topic or None, flt.platforms, flt.languages, filter_warnings(compiled, flt)
    )


def parse_time(
    value: str | None, name: str, *, timezone: str = "UTC", end: bool = False
) -> datetime | None:
    """An ISO date-time (UTC when no offset is given), or a date: a whole day
    in the workspace's ``timezone``, as the stream and the dashboard count
    days. A date ``end`` (``until``) includes its day, as the stream's does:
    the next day's start."""
    if value is None or value == "":
        return None
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from veille.analytics.scope import time_bound

    try:
        return time_bound(value, ZoneInfo(timezone), end=end, naive=UTC)
    except ValueError:
        hint = tr("Use ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z.")
        if _PLUS_READ_AS_SPACE.search(value):
            # "…T08:00:00+01:00" put in a URL as is: the query string reads + as a space.
            hint = tr(
                "A + in a URL's query string reads as a space: write the offset's + as "
                "%(plus)s (2026-11-01T08:00:00%(plus)s01:00), or give the time in UTC with Z.",
                plus="%2B",
            )
        raise UsageError(
            tr("%(where)s: %(value)r is not a date", where=name, value=value), hint=hint
        ) from None
