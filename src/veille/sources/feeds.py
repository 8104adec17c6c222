"""``feeds``: RSS 0.9x/1.0/2.0, Atom, RDF and JSON Feed (via feedparser).

Covers WordPress blogs (``/feed/``), news sites, YouTube channel and playlist
feeds (``/feeds/videos.xml?channel_id=…``), Reddit ``.rss``, Mastodon
(``/@user.rss``) and Bluesky (``/profile/…/rss``) profile feeds and Google
Alerts delivered to RSS.

- **Cursor**: the feed's ``ETag``/``Last-Modified`` (conditional GET), the
  ids of the entries already seen (the last 2,000) with a fingerprint of
  each one's text, the floor (the first page of the last walk that went all
  the way down) and, for a walk cut short, the page it resumes at.
- **Edits**: an entry seen before whose title or text changed (same id) is
  given again: it updates its post, as an edit does on other platforms. Of
  two versions of one entry on a page, the one updated last is given. An
  entry with neither id nor link is named by its title and date (the key it
  was first given, kept in the cursor), and by its summary and date, so its
  summary or its title edited alone updates its post too, rather than
  coming back as a new one.
- **Paging**: ``<link rel="next">`` (RFC 5005, Atom), JSON Feed ``next_url``,
  followed up to ``max_pages`` until a page reaches the floor.
- **Rhythm**: the next poll is the feed's median gap between entries, raised
  to its ``<ttl>``, ``Cache-Control: max-age``, ``Expires`` or
  ``Retry-After``, clamped between 5 minutes and 24 hours.
"""

from __future__ import annotations

import calendar
import email.utils
import itertools
import json
import re
import statistics
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from veille.errors import Figure, Text, tr
from veille.httperrors import HttpError
from veille.models import Author, Engagement, Post
from veille.reasons import not_json
from veille.sources._feedentry import (
    _author_name,
    _entry_link,
    _handle,
    _int,
    _lang_code,
    html_to_text,
)
from veille.sources._feedkeys import (
    _floor,
    entry_key,
    entry_version,
    latest_versions,
    named_keys,
    page_keys,
    trim_names,
)
from veille.sources._feedparse import (
    INLINE_BYTES,
    ChildFailed,
    FeedTimeout,
    broken_markup,
    read_xml,
    read_xml_bounded,
    time_limit,
)
from veille.sources._jsonfeed import json_feed
from veille.sources.base import (
    Batch,
    Source,
    SourceConfigError,
    SourceError,
    parse_options,
    split_http_url,
)
from veille.textmarks import MARKS

if TYPE_CHECKING:
    # (veille.http imports httpx: a source is handed its client, and
    # listing the sources imports every source module.)
    from veille.http import HttpClient, Response

MIN_INTERVAL = 300
MAX_INTERVAL = 86400
SEEN_KEEP = 2000
# Keys kept of the floor (the first pages of the last complete walks).
FLOOR_KEEP = 100
# With a letter; combining marks are part of it (#हिन्दी, #สวัสดี).
_HASHTAG = re.compile(rf"(?<![\w{MARKS}&])#((?=[\w{MARKS}-]*[^\W\d_])\w[\w{MARKS}-]*)")
_URL = re.compile(r"https?://[^\s<>\"')]+")


class FeedError(HttpError):
    """The URL answered, but not with a feed veille can read."""


@dataclass(frozen=True)
class FeedsConfig:
    url: str
    platform: str = ""  # "" = guessed from the URL
    max_pages: int = 1
    adaptive: bool = True


def guess_platform(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path
    if host.endswith(("youtube.com", "youtu.be")) or path == "/feeds/videos.xml":
        return "youtube"
    if host.endswith("reddit.com") or re.match(r"^/(r|user)/[^/]+/\.rss$", path):
        return "reddit"
    if host.endswith("bsky.app") or re.match(r"^/profile/[^/]+/rss$", path):
        return "bluesky"
    if re.match(r"^/@[^/]+\.rss$", path) or re.match(r"^/users/[^/]+\.rss$", path):
        return "mastodon"
    if re.search(r"/(feed|comments/feed)/?$", path) or "wordpress" in host:
        return "wordpress"
    return "rss"


def _iso(struct: Any) -> str | None:
    if not struct:
        return None
    return datetime.fromtimestamp(calendar.timegm(struct), UTC).isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, time.struct_time):
        return _iso(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _unreadable(exc: Any) -> str:
    """Why a body is no feed, as the reader reads it: a JSON Feed's own
    sentence (made with tr()), the JSON reader's reason with its line and
    column; feedparser's words as they are."""
    if isinstance(exc, ValueError) and len(exc.args) == 1 and isinstance(exc.args[0], Text):
        return exc.args[0]
    if isinstance(exc, json.JSONDecodeError):
        return not_json(exc)
    return str(exc)


def parse_feed(
    content: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    url: str = "",
    fetch_seconds: float | None = None,
) -> Any:
    """feedparser's reading of a body; a JSON body is read as JSON Feed (1.0/1.1),
    which this feedparser does not know, into the same shape.

    With ``fetch_seconds`` (the collector's), a body over
    :data:`~veille.sources._feedparse.INLINE_BYTES` is read in a child process
    given that long plus :data:`~veille.sources._feedparse.SECONDS_PER_MB`:
    a feed crafted against feedparser's patterns can no longer hold the
    collector (see :mod:`veille.sources._feedparse`). Past it, a
    :class:`FeedError` names ``url``."""
    if content.lstrip()[:1] == b"{":
        return json_feed(content)
    h = {k.lower(): v for k, v in (headers or {}).items()}
    if fetch_seconds is None or len(content) <= INLINE_BYTES:
        return read_xml(content, h)
    limit = time_limit(len(content), fetch_seconds)
    try:
        return read_xml_bounded(content, h, limit)
    except FeedTimeout:
        raise FeedError(
            tr(
                "%(url)s took longer than %(seconds)s s to read (%(size)s bytes); reading it was stopped",  # noqa: E501
                url=url,
                seconds=Figure(limit),
                size=len(content),
            ),
            url=url,
            hint=tr(
                "A feed that slow to read is broken or crafted against feed readers (an author or a style thousands of characters long); veille will try again later."  # noqa: E501
            ),
        ) from None
    except ChildFailed as exc:
        raise FeedError(
            tr("%(url)s could not be read: %(error)s", url=url, error=str(exc)),
            url=url,
            hint=tr("veille will try again later; if it stays, the feed itself is broken."),
        ) from None


def _max_age(resp: Response) -> float | None:
    best: float | None = None
    cc = resp.headers.get("cache-control", "")
    m = re.search(r"max-age\s*=\s*(\d+)", cc)
    if m:
        best = float(m.group(1))
    elif resp.headers.get("expires"):
        try:
            when = email.utils.parsedate_to_datetime(resp.headers["expires"])
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            best = max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            best = None
    return best


def next_interval(
    published: list[float], *, ttl_minutes: float | None = None, max_age: float | None = None
) -> float:
    """Seconds until the next poll, from the feed's rhythm and its caching hints."""
    interval = 3600.0
    times = sorted(published)[-20:]
    gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
    if gaps:
        interval = statistics.median(gaps)
    if ttl_minutes:
        interval = max(interval, ttl_minutes * 60)
    if max_age:
        interval = max(interval, max_age)
    return float(min(MAX_INTERVAL, max(MIN_INTERVAL, interval)))


class FeedsSource(Source[FeedsConfig]):
    name = "feeds"
    terms_url = ""
    terms_note = tr(
        "Each site's own terms apply; a feed is published to be read, not always to be republished."
    )
    platform = "rss"
    Config = FeedsConfig
    target_help = "the feed's URL (RSS, Atom, RDF or JSON Feed)"
    default_every = 1800
    OPTIONS: Mapping[str, type] = {"platform": str, "max_pages": int, "adaptive": bool}

    def config_from_target(self, target: str, options: Mapping[str, str]) -> FeedsConfig:
        if split_http_url(target.strip()) is None:
            raise SourceConfigError(
                tr("feeds target %(target)r is not an http(s) URL", target=target),
                hint=tr("Give the feed's address, e.g. https://example.org/feed/"),
            )
        opts = parse_options(options, self.OPTIONS, kind=self.name)
        if opts.get("max_pages", 1) < 1:
            raise SourceConfigError(
                tr("option %(key)s of %(kind)s must be at least 1", key="max_pages", kind="feeds")
            )
        return FeedsConfig(url=target.strip(), **opts)

    def collect(
        self, config: FeedsConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        # How a walk through a feed's pages knows where to stop. Pages are
        # numbered from the newest entry, so new entries push everything down:
        # a walk never skips an entry, but a page it finds all read may hold
        # entries it read a moment ago (pushed down meanwhile) or entries of a
        # walk cut short before (with unread ones below). Neither is the end.
        # The end is the floor: the first page of the last walk that went all
        # the way down, under which every entry has been read. A walk reads on
        # until a page reaches the floor (or the last page, or max_pages).
        # A walk cut short (crash, error) leaves where it stopped in the
        # cursor; the next walk reads from the top down to the first entry
        # read before it began (the top of the cut walk, which read on from
        # there) and jumps to where the cut walk stopped.
        cursor = dict(cursor or {})
        seen: list[str] = list(cursor.get("seen", []))
        seen_set = set(seen)
        # The fingerprint of each seen entry's text (a cursor written before
        # they were kept has none: its entries are taken as they are now).
        versions: dict[str, str] = dict(cursor.get("versions") or {})
        # The key each entry without id or link was first given, by its
        # title and date (see named_keys).
        names: dict[str, str] = dict(cursor.get("names") or {})
        known = frozenset(seen)
        resume: str | None = cursor.get("resume")
        floor = _floor(cursor)
        floor_set = set(floor)
        pages_done = int(cursor.get("pages_done", 0))
        resp = http.get(
            config.url, etag=cursor.get("etag"), last_modified=cursor.get("last_modified")
        )
        retry_after = resp.headers.get("retry-after")
        if resp.not_modified and resume:
            # Nothing new on top: go straight on from where the cut walk stopped.
            resp = http.get(resume)
            url_now: str = resume
            resume = None
            page_start = pages_done
        else:
            url_now = config.url
            page_start = 0
        if resp.not_modified:
            cursor["checked_at"] = time.time()
            yield Batch(
                [],
                cursor,
                quota=http.quota_left(config.url),
                # adaptive=false keeps the source's own --every, unchanged or not.
                next_poll_seconds=cursor.get("interval") if config.adaptive else None,
            )
            return
        from_top = url_now == config.url
        validators = resp.validators() if from_top else {}
        if not validators:
            validators = {k: v for k, v in cursor.items() if k in ("etag", "last_modified")}
        url = url_now
        page = page_start
        fetched_at = datetime.now(UTC).isoformat()
        published: list[float] = []
        ttl: float | None = None
        broken = False
        marks: list[str] = []  # the keys of this walk's first page: the next floor
        while True:
            parsed = parse_feed(
                resp.content, resp.headers, url=url, fetch_seconds=http.settings.timeout_seconds
            )
            if parsed.get("bozo") and not parsed.entries:
                raise FeedError(
                    tr(
                        "%(url)s is not a readable feed (%(error)s)",
                        url=url,
                        error=_unreadable(parsed.get("bozo_exception")),
                    ),
                    url=url,
                    hint=tr(
                        "Check that the URL points at an RSS, Atom or JSON feed, not a web page."
                    ),
                )
            if broken_markup(parsed):
                if page > page_start:
                    # An older page of a walk came back broken (a server or proxy
                    # hiccup): its entries and its link to the next page may be
                    # cut. Stop here; the cursor committed with the previous page
                    # resumes the walk at this page next time, so nothing is skipped.
                    raise FeedError(
                        tr(
                            "%(url)s answered a page that is not well-formed (%(error)s); the walk resumes there next time",  # noqa: E501
                            url=url,
                            error=str(parsed.get("bozo_exception")),
                        ),
                        url=url,
                        hint=tr(
                            "Nothing to do if it passes; if it stays, the feed itself is broken."
                        ),
                    )
                # A broken first page is read as well as it can be (some feeds are
                # always a little broken), but its validators are not kept, so the
                # next poll reads it again instead of hearing "not modified".
                broken = True
            feed = parsed.feed
            if page == 0 and feed.get("ttl"):
                try:
                    ttl = float(feed["ttl"])
                except (TypeError, ValueError):
                    ttl = None
            feed_info = {
                "title": feed.get("title"),
                "link": feed.get("link"),
                "language": feed.get("language"),
                "author": feed.get("author"),
                "url": url,
                "format": parsed.get("version") or "",
            }
            items = []
            on_floor = reached_known = False
            keys = named_keys(parsed.entries, page_keys(parsed.entries), names)
            for entry, key in zip(parsed.entries, keys, strict=True):
                if from_top and page == 0:
                    marks.append(key)
                on_floor = on_floor or key in floor_set
                reached_known = reached_known or key in known
                ts = entry.get("published_parsed") or entry.get("updated_parsed")
                if isinstance(ts, str):
                    published.append(datetime.fromisoformat(ts).timestamp())
                elif ts:
                    published.append(float(calendar.timegm(ts)))
            for key, entry in latest_versions(parsed.entries, keys):
                version = entry_version(entry)
                if key in seen_set:
                    before = versions.get(key)
                    versions[key] = version
                    if before is None or before == version:
                        continue
                    # An edit: given again, it updates its post.
                else:
                    seen_set.add(key)
                    seen.insert(0, key)
                    versions[key] = version
                items.append({"key": key, "entry": _jsonable(entry), "feed": feed_info,
                              "fetched_at": fetched_at})  # fmt: skip
            items.reverse()  # oldest first
            next_url = _next_page(parsed, url)
            page += 1
            if resume and reached_known and not on_floor:
                # The top of the cut walk: it read everything from here down to
                # its resume page, which new entries have pushed down since (no
                # further than this walk's next page: then it just reads on).
                if pages_done > page:
                    next_url, page = resume, pages_done
                resume = None
            more = bool(next_url) and page < config.max_pages and not on_floor
            kept = seen[:SEEN_KEEP]
            new_cursor: dict[str, Any] = {
                "seen": kept,
                "versions": {k: versions[k] for k in kept if k in versions},
            }
            if names:
                names = trim_names(names, kept)
                new_cursor["names"] = names
            if not more:
                # Validators and the new floor only once every page is in: a
                # crash mid-way refetches. A broken first page is no floor.
                if not broken:
                    new_cursor.update(validators)
                    floor = list(dict.fromkeys(marks + floor))
                new_cursor["floor"] = floor[:FLOOR_KEEP]
                wait = next_interval(published, ttl_minutes=ttl, max_age=_max_age(resp))
                if retry_after and retry_after.isdigit():
                    wait = min(MAX_INTERVAL, max(wait, float(retry_after)))
                new_cursor["interval"] = wait
                new_cursor["checked_at"] = time.time()
                yield Batch(
                    items,
                    new_cursor,
                    quota=http.quota_left(config.url),
                    next_poll_seconds=wait if config.adaptive else None,
                )
                return
            new_cursor.update({k: v for k, v in cursor.items() if k in ("etag", "last_modified")})
            new_cursor["floor"] = floor[:FLOOR_KEEP]
            new_cursor["resume"], new_cursor["pages_done"] = next_url, page
            yield Batch(items, new_cursor)
            url = next_url  # type: ignore[assignment]
            resp = http.get(url)

    def to_post(self, raw: Mapping[str, Any], config: FeedsConfig) -> Post:
        entry = raw.get("entry")
        if not isinstance(entry, Mapping):
            raise SourceError(tr("the item holds no feed entry"))
        feed = raw.get("feed") or {}
        platform = config.platform or guess_platform(config.url)
        title = (entry.get("title") or "").strip() or None
        body_html = ""
        contents = entry.get("content") or []
        if contents and isinstance(contents, list):
            body_html = " ".join(
                str(c.get("value", "")) for c in contents if isinstance(c, Mapping)
            )
        if not body_html:
            body_html = str(entry.get("summary") or "")
        media_group = entry.get("media_description")
        if not body_html and media_group:
            body_html = str(media_group)
        text, links = html_to_text(body_html)
        if title:
            title, _ = html_to_text(title)
            # Microblog feeds (Mastodon, Bluesky…) title an item with the start
            # of its text: that is no title, and shown twice it is noise.
            if text and text.startswith(title.rstrip(".…").rstrip()):
                title = None
        if not text and not title:
            raise SourceError(
                tr("entry %(key)r has neither a title nor any text", key=raw.get("key"))
            )
        stamp = (
            entry.get("published_parsed") or entry.get("updated_parsed") or raw.get("fetched_at")
        )
        if not stamp:
            raise SourceError(tr("entry %(key)r has no date", key=raw.get("key")))
        published_at = datetime.fromisoformat(str(stamp))
        link = _entry_link(entry)
        if link:
            # A relative link is read against the feed's site, itself read
            # against the address the feed was fetched from.
            site = urljoin(str(feed.get("url") or config.url), str(feed.get("link") or ""))
            link = urljoin(site, link)
        detail = entry.get("author_detail") or {}
        author_name = _author_name(entry.get("author") or detail.get("name") or feed.get("author"))
        author_name = author_name or feed.get("title") or urlsplit(config.url).hostname or ""
        author_url = detail.get("href") or feed.get("link")
        handle = _handle(platform, str(author_name), author_url)
        for item in entry.get("links") or []:
            href = item.get("href") if isinstance(item, Mapping) else None
            if href and item.get("rel") in ("related", "via") and href not in links:
                links.append(href)
        # A sentence's closing punctuation is not part of the address it ends on.
        links.extend(u for u in (m.rstrip(".,;:!?") for m in _URL.findall(text)) if u not in links)
        media: list[str] = []
        for key in ("media_thumbnail", "media_content", "enclosures"):
            for item in entry.get(key) or []:
                href = item.get("url") or item.get("href") if isinstance(item, Mapping) else None
                if href and href not in media:
                    media.append(str(href))
        for item in entry.get("links") or []:  # Atom's <link rel="enclosure">
            href = item.get("href") if isinstance(item, Mapping) else None
            if href and item.get("rel") == "enclosure" and href not in media:
                media.append(str(href))
        engagement = Engagement(given=False)  # a feed gives no counts
        stats = entry.get("media_statistics") or {}
        rating = entry.get("media_starrating") or {}
        if stats or rating:
            engagement = Engagement(
                likes=_int(rating.get("count")), views=_int(stats.get("views")) or None
            )
        # The first language given as a code ("fr", "pt-BR"); a name such as
        # "Hindi" is no code, and the language is left to detection.
        lang = next(
            (c for c in (_lang_code(entry.get("language")), _lang_code(feed.get("language"))) if c),
            None,
        )
        tags = [t.get("term") for t in entry.get("tags") or [] if isinstance(t, Mapping)]
        hashtags = list(dict.fromkeys(_HASHTAG.findall(f"{title or ''} {text}")))
        return Post.create(
            platform=platform,
            native_id=str(raw.get("key") or entry_key(entry)),
            text=text,
            title=title,
            url=link,
            published_at=published_at,
            author=Author(handle=handle, name=str(author_name), url=author_url),
            lang=lang,
            engagement=engagement,
            hashtags=tuple(hashtags),
            links=tuple(dict.fromkeys(links)),
            media=tuple(media),
            keywords=tuple(str(t) for t in tags if t),
            raw=dict(raw),
        )


def _next_page(parsed: Any, base: str) -> str | None:
    for link in parsed.feed.get("links") or []:
        if link.get("rel") == "next" and link.get("href"):
            return urljoin(base, str(link["href"]))
    nxt = parsed.feed.get("next_url")
    return urljoin(base, str(nxt)) if nxt else None
