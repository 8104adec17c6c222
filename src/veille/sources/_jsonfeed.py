"""JSON Feed (1.0, 1.1), which feedparser does not know, read into
feedparser's shape so that :mod:`veille.sources.feeds` reads it as any feed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape as escape_html
from typing import Any

from veille.errors import tr


def _json_time(value: Any) -> str | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _whole(digits: str) -> int | str:
    # Python reads at most 4,300 digits; a longer number is kept as written.
    return int(digits) if len(digits) <= 4300 else digits


def json_feed(content: bytes) -> Any:
    """A JSON Feed read into feedparser's shape. Fields are taken only where
    they have the type the spec gives them: a feed writes what it likes, and
    one item's object where a text belongs made the whole feed fail, every
    other item with it. Such an item comes out without that field (and is
    quarantined when nothing is left of it)."""
    import json

    from feedparser import FeedParserDict

    out = FeedParserDict(bozo=False, entries=[], feed=FeedParserDict(), version="json1")
    try:
        # A byte that is not UTF-8 spoils one character, not the feed.
        data = json.loads(content.decode("utf-8-sig", errors="replace"), parse_int=_whole)
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ValueError(tr("it holds no list of items"))
    except ValueError as exc:
        out["bozo"], out["bozo_exception"] = True, exc
        return out
    except RecursionError:
        out["bozo"], out["bozo_exception"] = True, ValueError(tr("its JSON is nested too deeply"))
        return out
    authors = _json_authors(data)
    out["feed"] = FeedParserDict(
        title=_str(data.get("title")),
        link=_str(data.get("home_page_url")),
        language=_str(data.get("language")),
        author=_str(authors[0].get("name")) if authors else None,
        next_url=_str(data.get("next_url")),
    )
    for item in data["items"]:
        if isinstance(item, dict):
            out["entries"].append(_json_entry(item))
    return out


def _json_authors(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    who = data.get("authors") or ([data["author"]] if data.get("author") else [])
    return [a for a in who if isinstance(a, Mapping)] if isinstance(who, list) else []


def _json_entry(item: Mapping[str, Any]) -> Any:
    from feedparser import FeedParserDict

    who = _json_authors(item)
    first = who[0] if who else {}
    html = _str(item.get("content_html"))
    native = item.get("id")
    tags = _list(item.get("tags"))
    files = _list(item.get("attachments"))
    entry = FeedParserDict(
        id=native if isinstance(native, str) or type(native) is int else None,
        link=_str(item.get("url")) or _str(item.get("external_url")),
        title=_str(item.get("title")),
        summary=html
        if html
        else escape_html(_str(item.get("content_text")) or _str(item.get("summary")) or ""),
        published_parsed=_json_time(_str(item.get("date_published"))),
        updated_parsed=_json_time(_str(item.get("date_modified"))),
        author=_str(first.get("name")),
        author_detail=FeedParserDict(name=_str(first.get("name")), href=_str(first.get("url"))),
        tags=[FeedParserDict(term=t) for t in tags if isinstance(t, str)],
        language=_str(item.get("language")),
        enclosures=[
            FeedParserDict(href=a["url"])
            for a in files
            if isinstance(a, Mapping) and isinstance(a.get("url"), str)
        ],
    )
    if _str(item.get("image")):
        entry["media_thumbnail"] = [FeedParserDict(url=item["image"])]
    return entry
