"""``web``: watch web pages and sitemaps; new or changed main text becomes a post.

TARGET is a page (``https://example.org/about``) or a sitemap
(``https://example.org/sitemap.xml``, a sitemap index, or ``.xml.gz``). It is
also the way to follow SlideShare and Scribd pages, which have no open API.

- **Fetching**: every page and sitemap through the shared
  :class:`~veille.http.HttpClient` with a conditional GET (its ETag and
  Last-Modified are kept per URL), so an unchanged page costs a 304.
- **Sitemaps**: ``<urlset>`` and ``<sitemapindex>`` (nested sitemaps followed,
  ``max_sitemaps`` at most); a page is fetched when it is new, when its
  ``<lastmod>`` moved, or (without ``<lastmod>``) when its sitemap changed.
  ``max_pages`` pages per run; the rest wait in the cursor for the next run.
  A page still listed whose entry did not move is re-read (conditionally: a
  304 when it did not change) once ``recheck_hours`` passed since it was last
  read, up to a quarter of ``max_pages`` a run, so that a page that broke (an
  error, an empty template) under an unchanged ``<lastmod>`` is noticed.
- **Extraction**: trafilatura on the fetched HTML string (it never fetches
  anything itself): main text, title, author, date, language; the page's
  description when the main text is empty (SlideShare, Scribd). A page over
  100 KB is read in a child process under a time limit, as a large feed is
  (:func:`read_page`); one that runs past it is quarantined.
- **Change detection**: a hash of the extracted title and text per URL lives in
  the cursor; an unchanged page yields no item. A changed page yields an item
  with the same post id, so the store's upsert updates the stored post's text.
- **Failures**: a page that cannot be fetched or read does not stop the others:
  it is quarantined (once, under its URL) with its error and is fetched whole
  again on the next pass; once it reads, its post is stored and it leaves the
  quarantine. ``veille quarantine retry`` fetches such a page again. A sitemap
  that cannot be read fails the run (``source health`` says why).
"""

from __future__ import annotations

import hashlib
import re
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from veille.errors import Figure, tr
from veille.httperrors import HttpError, RateLimited
from veille.models import Author, Post, canonical_url
from veille.sources._feedparse import (
    PAGE_INLINE_BYTES,
    ChildFailed,
    ChildTimeout,
    extract_page,
    extract_page_bounded,
    time_limit,
)
from veille.sources.base import (
    Batch,
    Source,
    SourceConfigError,
    SourceError,
    parse_options,
    split_http_url,
)

if TYPE_CHECKING:
    # (veille.http imports httpx: a source is handed its client, and
    # listing the sources imports every source module.)
    from veille.http import HttpClient

#: URLs remembered per source (the oldest are forgotten past this).
KEEP_PAGES = 20_000
BATCH_PAGES = 20
_SITEMAP_PATH = re.compile(r"(sitemap[^/]*\.xml(\.gz)?|\.xml(\.gz)?)$", re.IGNORECASE)


@dataclass(frozen=True)
class WebConfig:
    url: str
    sitemap: bool = False
    platform: str = ""  # "" = guessed from the URL (slideshare, scribd, else web)
    max_pages: int = 200
    max_sitemaps: int = 50
    match: str = ""  # regex a page URL must contain (search) to be watched
    recheck_hours: float = 24  # a listed page unchanged in its sitemap is re-read after this


def guess_platform(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    if host == "slideshare.net" or host.endswith(".slideshare.net"):
        return "slideshare"
    if host == "scribd.com" or host.endswith(".scribd.com"):
        return "scribd"
    return "web"


def _xml_root(content: bytes, url: str, limit: int) -> Any:
    from lxml import etree

    unreadable = HttpError(
        tr("%(url)s is not a readable sitemap", url=url),
        url=url,
        hint=tr(
            "Check that TARGET is a sitemap.xml, or add it with -o sitemap=false to watch it as a page."  # noqa: E501
        ),
    )
    if content[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as-is
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            content = inflater.decompress(content, limit)
        except zlib.error:  # a broken or truncated archive
            raise unreadable from None
        if inflater.unconsumed_tail:
            raise HttpError(
                tr("sitemap %(url)s is larger than %(limit)s bytes unpacked", url=url, limit=limit),
                url=url,
            )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise unreadable
    return root


def parse_sitemap(content: bytes, url: str, limit: int = 50_000_000) -> tuple[str, list[Any]]:
    """``("urlset", [(loc, lastmod), …])`` or ``("index", [(sitemap loc, lastmod), …])``."""
    root = _xml_root(content, url, limit)
    kind = "index" if root.tag.rsplit("}", 1)[-1] == "sitemapindex" else "urlset"
    out: list[tuple[str, str | None]] = []
    for node in root:
        if not isinstance(node.tag, str) or node.tag.rsplit("}", 1)[-1] not in ("url", "sitemap"):
            continue
        loc = lastmod = None
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = child.tag.rsplit("}", 1)[-1]
            if name == "loc" and child.text:
                loc = urljoin(url, child.text.strip())
            elif name == "lastmod" and child.text:
                lastmod = child.text.strip()
        if loc and urlsplit(loc).scheme in ("http", "https"):
            out.append((loc, lastmod))
    if not out and root.tag.rsplit("}", 1)[-1] not in ("urlset", "sitemapindex"):
        raise HttpError(
            tr("%(url)s is XML but not a sitemap (<%(tag)s>)", url=url, tag=str(root.tag)), url=url
        )
    return kind, out


def read_page(html: str, url: str, fetch_seconds: float) -> dict[str, Any]:
    """:func:`extract_page` of a fetched page: here for a page up to
    :data:`~veille.sources._feedparse.PAGE_INLINE_BYTES`, else in a child
    process given ``fetch_seconds`` (the fetch's own limit) plus
    :data:`~veille.sources._feedparse.SECONDS_PER_MB` (extraction held the
    collector's thread for as long as it took: 11 s for 600 KB of unclosed
    tags). Past it, an :class:`HttpError` names the page (it is quarantined)."""
    size = len(html.encode("utf-8"))
    if size <= PAGE_INLINE_BYTES:
        return extract_page(html, url)
    limit = round(time_limit(size, fetch_seconds), 1)
    try:
        return extract_page_bounded(html, url, limit)
    except ChildTimeout:
        raise HttpError(
            tr(
                "%(url)s took longer than %(seconds)s s to read (%(size)s bytes); reading it was stopped",  # noqa: E501
                url=url,
                seconds=Figure(limit),
                size=size,
            ),
            url=url,
        ) from None
    except ChildFailed as exc:
        raise HttpError(
            tr("%(url)s could not be read: %(error)s", url=url, error=str(exc)), url=url
        ) from None


def content_hash(page: Mapping[str, Any]) -> str:
    basis = f"{page.get('title') or ''}\n{page.get('text') or ''}"
    return hashlib.blake2b(basis.encode(), digest_size=12).hexdigest()


def _parse_when(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class WebSource(Source[WebConfig]):
    name = "web"
    terms_url = ""
    terms_note = tr("Each site's own terms and robots.txt apply.")
    platform = "web"
    Config = WebConfig
    target_help = "a page's URL, or a sitemap (sitemap.xml, sitemap index, .xml.gz)"
    default_every = 3600
    OPTIONS: Mapping[str, type] = {
        "sitemap": bool,
        "platform": str,
        "max_pages": int,
        "max_sitemaps": int,
        "match": str,
        "recheck_hours": float,
    }

    def config_from_target(self, target: str, options: Mapping[str, str]) -> WebConfig:
        url = target.strip()
        parts = split_http_url(url)
        if parts is None:
            raise SourceConfigError(
                tr("web target %(target)r is not an http(s) URL", target=target),
                hint=tr(
                    "Give a page's address or a sitemap's, e.g. https://example.org/sitemap.xml"
                ),
            )
        opts = parse_options(options, self.OPTIONS, kind=self.name)
        opts.setdefault("sitemap", bool(_SITEMAP_PATH.search(parts.path)))
        for key in ("max_pages", "max_sitemaps"):
            if opts.get(key, 1) < 1:
                raise SourceConfigError(
                    tr("option %(key)s of %(kind)s must be at least 1", key=key, kind="web")
                )
        if opts.get("recheck_hours", 0) < 0:
            raise SourceConfigError(
                tr("option %(key)s of %(kind)s must be 0 or more", key="recheck_hours", kind="web"),
                hint=tr("Give the hours between two reads of an unchanged page (0: every run)."),
            )
        if opts.get("match"):
            try:
                re.compile(opts["match"])
            except re.error as exc:
                raise SourceConfigError(
                    tr("option match=%(value)r is not a regex: %(error)s",
                       value=opts["match"], error=str(exc))
                ) from None  # fmt: skip
        return WebConfig(url=url, **opts)

    # -- collection ------------------------------------------------------------

    def _sitemap_entries(
        self, config: WebConfig, cursor: dict[str, Any], http: HttpClient
    ) -> list[tuple[str, str | None, str]]:
        """The pages listed by the sitemaps that changed since the last pass,
        each with the sitemap that lists it.

        An index's children are remembered, so an unchanged index (a 304) still
        leads to its children, each fetched conditionally in turn."""
        maps: dict[str, Any] = dict(cursor.get("sitemaps") or {})
        limit = http.settings.max_body_bytes
        todo, done = [config.url], 0
        entries: list[tuple[str, str | None, str]] = []
        while todo and done < config.max_sitemaps:
            url = todo.pop(0)
            done += 1
            prev = maps.get(url) or {}
            resp = http.get(url, etag=prev.get("etag"), last_modified=prev.get("last_modified"))
            if resp.not_modified:
                todo.extend(prev.get("children") or [])
                continue
            kind, found = parse_sitemap(resp.content, url, limit)
            maps[url] = resp.validators()
            if kind == "index":
                maps[url]["children"] = [loc for loc, _ in found]
                todo.extend(loc for loc, _ in found)
            else:
                entries.extend((loc, lastmod, url) for loc, lastmod in found)
        cursor["sitemaps"] = maps
        return entries

    def collect(
        self, config: WebConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        state: dict[str, Any] = dict(cursor or {})
        pages: dict[str, dict[str, Any]] = dict(state.get("pages") or {})
        pending: list[list[Any]] = [list(p) for p in state.get("pending") or []]
        if config.sitemap:
            wanted = re.compile(config.match) if config.match else None
            queued = {p[0] for p in pending}
            listed: dict[str, set[str]] = {}  # what each sitemap read again lists
            for loc, lastmod, where in self._sitemap_entries(config, state, http):
                if wanted and not wanted.search(loc):
                    continue
                listed.setdefault(where, set()).add(loc)
                known = pages.get(loc)
                if known is not None and known.get("in") != where:
                    pages[loc] = known = {**known, "in": where}
                if loc in queued:
                    continue
                if known is None or lastmod is None or known.get("lastmod") != lastmod:
                    pending.append([loc, lastmod, where])
                    queued.add(loc)
            # A page its sitemap no longer lists is not re-read (see below).
            for u, p in list(pages.items()):
                if p.get("in") in listed and u not in listed[p["in"]]:
                    pages[u] = {k: v for k, v in p.items() if k != "in"}
            # Pages that failed last time are tried again.
            pending += [[u, p.get("lastmod")] for u, p in pages.items()
                        if p.get("error") and u not in queued]  # fmt: skip
            queued.update(u for u, p in pages.items() if p.get("error"))
            pending += _due_again(config, pages, queued, room=config.max_pages - len(pending))
        else:
            pending = [[config.url, None]]
        fetched_at = datetime.now(UTC).isoformat()
        items: list[dict[str, Any]] = []
        done = 0
        while pending and done < config.max_pages:
            loc, lastmod, *listing = pending.pop(0)
            done += 1
            known = dict(pages.get(loc) or {})
            if listing:
                known["in"] = listing[0]
            # A page that failed is read whole (no 304, no "same text"), so
            # that once it reads its item is stored and leaves the quarantine.
            failed = bool(known.get("error"))
            try:
                item = self._fetch_page(loc, lastmod, known, http, fetched_at, whole=failed)
            except RateLimited:
                pending.insert(0, [loc, lastmod, *listing])
                state.update(pages=pages, pending=pending)
                yield Batch(items, _trim(state))
                raise
            except HttpError as exc:
                if not config.sitemap:
                    raise
                if not failed:  # quarantined once, until it recovers
                    items.append({"url": loc, "error": exc.message, "fetched_at": fetched_at})
                known["error"] = exc.message
                pages[loc] = known
            else:
                known.pop("error", None)
                if item is not None:
                    known["hash"] = item["hash"]
                    items.append(item)
                pages[loc] = known
            if len(items) >= BATCH_PAGES or done % (BATCH_PAGES * 5) == 0:
                state.update(pages=pages, pending=pending)
                yield Batch(items, _trim(state))
                items = []
        state.update(pages=pages, pending=pending, checked_at=time.time())
        yield Batch(items, _trim(state), quota=http.quota_left(config.url))

    def _fetch_page(
        self,
        url: str,
        lastmod: str | None,
        known: dict[str, Any],
        http: HttpClient,
        fetched_at: str,
        *,
        whole: bool = False,
    ) -> dict[str, Any] | None:
        """The page's item, or ``None`` when it did not change; updates
        ``known``. ``whole``: fetched without validators and given as an item
        even when its text did not change."""
        if whole:
            resp = http.get(url)
        else:
            resp = http.get(url, etag=known.get("etag"), last_modified=known.get("last_modified"))
        known["lastmod"] = lastmod
        known["read_at"] = int(time.time())
        if resp.not_modified:
            return None
        for key in ("etag", "last_modified"):
            known.pop(key, None)
        known.update(resp.validators())
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and "html" not in ctype and not ctype.startswith("text/"):
            raise HttpError(tr("%(url)s is %(type)s, not a web page", url=url, type=ctype), url=url)
        page = read_page(resp.text, url, http.settings.timeout_seconds)
        if not page["text"] and not page["title"]:
            raise HttpError(tr("no readable text in %(url)s", url=url), url=url)
        digest = content_hash(page)
        if digest == known.get("hash") and not whole:
            return None
        return {
            "url": url,
            "final_url": resp.url,
            "lastmod": lastmod,
            "last_modified": resp.last_modified,
            "fetched_at": fetched_at,
            "hash": digest,
            "revision": int(known.get("revision", 0)) + 1 if known.get("hash") else 1,
            "page": page,
        }

    def item_key(self, raw: Mapping[str, Any]) -> str | None:
        url = raw.get("url")
        return str(url) if url else None

    def refetch(
        self, raw: Mapping[str, Any], config: WebConfig, http: HttpClient
    ) -> Mapping[str, Any]:
        """A page quarantined because it could not be fetched or read is
        fetched again (its stored item holds only the error)."""
        url = raw.get("url")
        if not raw.get("error") or not url:
            return raw
        fetched_at = datetime.now(UTC).isoformat()
        try:
            item = self._fetch_page(str(url), None, {}, http, fetched_at, whole=True)
        except HttpError as exc:
            return {"url": url, "error": exc.message, "fetched_at": fetched_at}
        return item or raw

    def to_post(self, raw: Mapping[str, Any], config: WebConfig) -> Post:
        url = raw.get("url")
        if raw.get("error"):
            raise SourceError(
                tr("page %(url)s could not be read: %(error)s", url=url, error=raw["error"])
            )
        page = raw.get("page")
        if not url or not isinstance(page, Mapping):
            raise SourceError(tr("the item holds no page"))
        title = page.get("title") or None
        text = str(page.get("text") or "")
        if not text and not title:
            raise SourceError(tr("page %(url)s has neither a title nor any text", url=url))
        lastmod = _parse_when(raw.get("lastmod"))
        when = _parse_when(page.get("date"))
        if when is None or (lastmod and lastmod.date() == when.date()):
            when = lastmod or when
        when = when or _parse_when(raw.get("last_modified")) or _parse_when(raw.get("fetched_at"))
        if when is None:
            raise SourceError(tr("page %(url)s has no date", url=url))
        host = urlsplit(str(url)).hostname or ""
        author = page.get("author") or page.get("sitename") or host
        canon = canonical_url(str(url)) or str(url)
        lang = page.get("lang")
        return Post.create(
            platform=config.platform or guess_platform(config.url),
            native_id=hashlib.blake2b(canon.encode(), digest_size=12).hexdigest(),
            text=text,
            title=title,
            url=str(url),
            published_at=when,
            author=Author(
                handle=host, name=str(author), url=f"{urlsplit(str(url)).scheme}://{host}"
            ),
            lang=str(lang).split("-")[0].lower() if lang else None,
            media=(str(page["image"]),) if page.get("image") else (),
            keywords=tuple(str(t) for t in page.get("tags") or ()),
            raw=dict(raw),
        )


def _due_again(
    config: WebConfig, pages: Mapping[str, Mapping[str, Any]], queued: set[str], room: int
) -> list[list[Any]]:
    """Listed pages read longest ago, not read for ``recheck_hours``: at most
    a quarter of ``max_pages`` and what ``room`` this run has left. A page
    known only from a cursor older than this rule (no sitemap named yet as
    listing it) waits until its sitemap is read again."""
    cutoff = time.time() - config.recheck_hours * 3600
    due = [(int(p.get("read_at", 0)), u) for u, p in pages.items()
           if p.get("in") and u not in queued and int(p.get("read_at", 0)) <= cutoff]  # fmt: skip
    take = min(room, max(1, config.max_pages // 4))
    return [[u, pages[u].get("lastmod"), pages[u]["in"]] for _, u in sorted(due)[: max(0, take)]]


def _trim(state: dict[str, Any]) -> dict[str, Any]:
    """A JSON-able copy of the cursor, forgetting the oldest pages past KEEP_PAGES."""
    pages = state.get("pages") or {}
    if len(pages) > KEEP_PAGES:
        pages = dict(list(pages.items())[-KEEP_PAGES:])
    return {**state, "pages": dict(pages), "pending": [list(p) for p in state.get("pending", [])]}
