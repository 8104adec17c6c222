"""``GET /api/v1/posts``: search stored posts with the query language."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query

from veille.errors import UsageError, tr
from veille.services.paging import MAX_LIMIT, search_page
from veille.store.base import PostFilter
from veille.web.api.auth import reader
from veille.web.api.common import Languages, Platforms, Said, api_router, parse_time
from veille.web.api.models import PostOut, PostPage
from veille.web.deps import workspace
from veille.workspace import Workspace

router = api_router("posts")


@router.get("/posts", response_model=PostPage, summary="Search posts", dependencies=[reader])
def search_posts(
    ws: Annotated[Workspace, Depends(workspace)],
    said: Said,
    q: Annotated[str, Query(description="A query in the query language (docs/query.md).")],
    platforms: Platforms = None,
    languages: Languages = None,
    since: Annotated[
        str | None,
        Query(
            description="Published at or after: an ISO date-time (UTC without an offset), or "
            "a date (from its start, in the workspace's time zone)."
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            description="Published before an ISO date-time (UTC without an offset), or on or "
            "before a date (that day included, in the workspace's time zone)."
        ),
    ] = None,
    sort: Literal["newest", "relevance", "engagement"] = "newest",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    page: Annotated[int | None, Query(ge=1, description="1-based page (or use cursor).")] = None,
    count: Annotated[bool, Query(description="Count every match (total).")] = True,
) -> PostPage:
    """Posts matching ``q`` and the filters, a page at a time, with what the
    query matched (highlights) and how many match in all."""
    tz = ws.settings.workspace.timezone
    start, end = (
        parse_time(since, "since", timezone=tz),
        parse_time(until, "until", timezone=tz, end=True),
    )
    if start and end and end <= start:
        raise UsageError(
            tr(
                "the date range %(since)s..%(until)s ends before it starts",
                since=since,
                until=until,
            ),
            hint=tr("Give an until after since (a date until includes its day)."),
        )
    flt = PostFilter(
        since=start,
        until=end,
        platforms=tuple(platforms or ()),
        languages=tuple(languages or ()),
    )
    found = search_page(
        ws.posts,
        q,
        flt,
        sort=sort,
        limit=limit,
        cursor=cursor,
        page=page,
        count=count,
    )
    return PostPage(
        query=found.query.text,
        total=found.total,
        total_exact=found.total_exact if found.total is not None else None,
        limit=limit,
        page=found.page,
        next_cursor=found.next_cursor,
        warnings=said.all(found.warnings),
        items=[PostOut.from_hit(h) for h in found.hits],
    )
