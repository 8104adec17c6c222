"""The mention stream: the posts a query and filters find, newest first,
one page at a time, with their highlights and story clusters; new posts
since a page was shown (live updates); every match for an export.

The web app's ``/stream`` and its live updates call these functions; the
query language is the one of ``veille search`` (docs/query.md). Filters
(platform, language, sentiment, topic, dates) are added to the user's query
as conditions of the same AST, so that the store compiles one query and the
highlighter marks what the user typed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from veille.errors import UsageError, tr
from veille.query import Query, compile_query
from veille.query.ast import And, Field, Node, Or, Range
from veille.query.evaluate import compile_node
from veille.services.search import SORTS, Hit
from veille.store.base import PostFilter

if TYPE_CHECKING:
    from veille.models import Post
    from veille.workspace import Workspace

PER_PAGE = 25
#: Pages reachable in the orders that are not by time (each is read from the first).
MAX_PAGES = 40
SENTIMENTS = ("positive", "negative", "neutral")
#: The condition of a stream without query or filter: every stored post meets it.
EVERY_POST = Range("published", low=0)
#: Posts an export of a whole stream writes at most.
EXPORT_LIMIT = 100_000
#: Posts read at a time by an export.
EXPORT_PAGE = 1000


@dataclass(frozen=True)
class StreamRequest:
    """What the stream page asks: a query, filters, an order and a page."""

    query: str = ""
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    topic: str = ""
    #: Days in the workspace's time zone, both included.
    since: date | None = None
    until: date | None = None
    sort: str = "newest"
    #: Where the page starts: ``""`` (the first page) or the ``next`` of the page before.
    cursor: str = ""
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class Story:
    """Hits of one page that tell the same story (a near-duplicate cluster):
    the first shown, the others folded under it."""

    lead: Hit
    copies: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class StreamPage:
    query: Query
    hits: list[Hit]
    #: Matches in all: on the first page when it holds them all, or when the
    #: count was asked for; ``None`` otherwise.
    total: int | None
    #: The cursor of the next page, ``""`` when this one is the last.
    next: str
    #: The newest post's time on the first page (live updates start there).
    newest: float | None

    @property
    def stories(self) -> list[Story]:
        """The hits grouped by story, in page order."""
        out: list[Story] = []
        by_cluster: dict[str, Story] = {}
        for hit in self.hits:
            key = hit.post.cluster_id
            if key and key in by_cluster:
                by_cluster[key].copies.append(hit)
                continue
            story = Story(hit, [])
            out.append(story)
            if key:
                by_cluster[key] = story
        return out


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def post_filter(req: StreamRequest, timezone: str) -> PostFilter:
    """The request's platforms, languages and days as plain filters."""
    if req.since and req.until and req.until < req.since:
        raise UsageError(
            tr(
                "the date range %(since)s..%(until)s ends before it starts",
                since=req.since,
                until=req.until,
            ),
            hint=tr("Choose a 'to' date on or after the 'from' date."),
        )
    tz = ZoneInfo(timezone)
    return PostFilter(
        since=_day_start(req.since, tz) if req.since else None,
        until=_day_start(req.until + timedelta(days=1), tz) if req.until else None,
        platforms=req.platforms,
        languages=req.languages,
    )


def stream_query(ws: Workspace, req: StreamRequest) -> Query:
    """The user's query (a :class:`veille.query.QueryError` with its column and
    hint when it does not parse) AND the sentiment and topic filters."""
    from veille.query.topics import get_topic

    parts: list[Node] = []
    user = compile_query(req.query) if req.query.strip() else None
    if user is not None:
        parts.append(user.ast)
    for s in req.sentiments:
        if s not in SENTIMENTS:
            raise UsageError(
                tr("sentiment %(sentiment)r is unknown", sentiment=s),
                hint=tr("Use positive, negative or neutral."),
            )
    if req.sentiments and set(req.sentiments) != set(SENTIMENTS):
        fields: list[Node] = [Field("sentiment", s) for s in req.sentiments]
        parts.append(fields[0] if len(fields) == 1 else Or(tuple(fields)))
    if req.topic:
        parts.append(compile_query(get_topic(ws.state, req.topic).query).ast)
    if not parts:
        parts.append(EVERY_POST)
    if user is not None and len(parts) == 1:
        return user
    ast = parts[0] if len(parts) == 1 else And(tuple(parts))
    warnings = user.warnings if user is not None else ()
    return Query(req.query, ast, warnings, compile_node(ast))


def _cursor(text: str) -> tuple[int, int] | None:
    """``"SECONDS.SKIP"`` -> (seconds, posts of that second already shown)."""
    if not text:
        return None
    head, _, tail = text.partition(".")
    try:
        return int(head), int(tail or 0)
    except ValueError:
        raise UsageError(
            tr("page %(page)r is not a page of this stream", page=text),
            hint=tr("Start again from the first page."),
        ) from None


def _next_cursor(posts: list[Post], before: tuple[int, int] | None) -> str:
    last = int(posts[-1].published_at.timestamp())
    same = sum(1 for p in posts if int(p.published_at.timestamp()) == last)
    if before is not None and before[0] == last and same == len(posts):
        same += before[1]  # a whole page within one second: skip those shown before too
    return f"{last}.{same}"


def count_matches(ws: Workspace, req: StreamRequest, *, at_most: int | None = None) -> int:
    """How many posts the stream holds in all (may read every match: on a
    large workspace, seconds; the page shows its posts first and the count
    after). With ``at_most``, ``at_most + 1`` means "more than ``at_most``"
    (see :meth:`veille.store.protocols.search.SearchPosts.count_matches`)."""
    q = stream_query(ws, req)
    flt = post_filter(req, ws.settings.workspace.timezone)
    if q.ast == EVERY_POST:  # no query: the plain count is an index's
        return ws.posts.count_posts(flt)
    return ws.posts.count_matches(q, flt, at_most=at_most)


def _page_posts(
    ws: Workspace, req: StreamRequest, size: int | None = None, *, shown: bool = False
) -> tuple[Query, list[Post], bool, str]:
    """The posts of one page of the stream, with the query, whether more
    follow, and the next page's cursor (``size``: posts a page, past the
    page's limit of 200, for an export; ``shown``: the posts are only shown,
    the store may leave out what the page does not show, see
    :meth:`~veille.store.protocols.search.SearchPosts.search`)."""
    if req.sort not in SORTS:
        raise UsageError(
            tr("unknown order %(sort)r", sort=req.sort),
            hint=tr("Use %(sorts)s.", sorts=", ".join(SORTS)),
        )
    q = stream_query(ws, req)
    flt = post_filter(req, ws.settings.workspace.timezone)
    n = max(1, min(req.per_page, 200)) if size is None else size
    if req.sort == "newest":
        at = _cursor(req.cursor)
        page_flt = flt
        skip = 0
        if at is not None:
            bound = datetime.fromtimestamp(at[0] + 1, ZoneInfo("UTC"))
            page_flt = replace(flt, until=min(bound, flt.until) if flt.until else bound)
            skip = at[1]
        found = ws.posts.search(q, page_flt, sort="newest", limit=n + skip + 1, shown=shown)
        if at is not None:
            # Drop the posts of the cursor's second the previous pages showed.
            kept = [p for p in found if int(p.published_at.timestamp()) != at[0]]
            same = [p for p in found if int(p.published_at.timestamp()) == at[0]]
            found = same[skip:] + kept
        more = len(found) > n
        posts = found[:n]
        nxt = _next_cursor(posts, at) if more and posts else ""
    else:
        try:
            page = int(req.cursor or 0)
        except ValueError:
            page = 0
        page = max(0, min(page, MAX_PAGES - 1))
        found = ws.posts.search(q, flt, sort=req.sort, limit=n * (page + 1) + 1, shown=shown)
        posts = found[n * page : n * (page + 1)]
        more = len(found) > n * (page + 1) and page + 1 < MAX_PAGES
        nxt = str(page + 1) if more else ""
    return q, posts, more, nxt


def stream_page(ws: Workspace, req: StreamRequest, *, count: bool = False) -> StreamPage:
    """One page of the stream. Newest first, pages follow each other by time
    (a keyset: the last post's second and how many of that second were shown),
    so a page reads only its own posts however deep it is; the other orders
    read from the first match and stop at :data:`MAX_PAGES` pages."""
    q, posts, more, nxt = _page_posts(ws, req, shown=True)
    hits = [Hit(p, tuple(q.spans(p))) for p in posts]
    total = None
    if not req.cursor and (count or not more):
        total = len(posts) if not more else count_matches(ws, req)
    newest = posts[0].published_at.timestamp() if posts and not req.cursor else None
    return StreamPage(q, hits, total, nxt, newest)


def newer_hits(ws: Workspace, req: StreamRequest, after: float, *, limit: int = 50) -> list[Hit]:
    """Posts of the stream published after ``after`` (Unix seconds), newest
    first: what arrived since a page was shown."""
    q = stream_query(ws, req)
    flt = post_filter(req, ws.settings.workspace.timezone)
    start = datetime.fromtimestamp(int(after) + 1, ZoneInfo("UTC"))
    since = max(start, flt.since) if flt.since else start
    found = ws.posts.search(q, replace(flt, since=since), sort="newest", limit=limit)
    return [Hit(p, tuple(q.spans(p))) for p in found]


def iter_matches(ws: Workspace, req: StreamRequest, *, limit: int = EXPORT_LIMIT) -> Iterator[Post]:
    """Every post of the stream, newest first, page by page (at most ``limit``)."""
    cursor = ""
    sent = 0
    batch = replace(req, sort="newest")
    while sent < limit:
        # The posts alone: a page's highlights took 60% of an export's time.
        _q, posts, _more, nxt = _page_posts(
            ws, replace(batch, cursor=cursor), size=min(EXPORT_PAGE, limit - sent)
        )
        for post in posts:
            yield post
            sent += 1
        if not nxt:
            return
        cursor = nxt
