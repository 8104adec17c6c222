"""Helpers shared by the simulated social platforms (ids, HTML, paging)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from veille.models import Post

T = TypeVar("T")
_URL = re.compile(r"https?://\S+")


def seq_of(post: Post) -> int:
    """The generator's sequence number (unique per post)."""
    value = post.raw.get("sim_seq")
    if isinstance(value, int):
        return value
    digits = re.sub(r"\D", "", post.native_id)
    return int(digits or 0)


def snowflake(post: Post) -> str:
    """A time-ordered numeric id, as Mastodon and X mint them: milliseconds
    since the epoch shifted left 16 bits, plus a per-post sequence."""
    millis = int(post.published_at.timestamp() * 1000)
    return str((millis << 16) | (seq_of(post) & 0xFFFF))


def iso_z(when: datetime, millis: bool = True) -> str:
    """``2026-11-01T12:00:00.000Z``."""
    when = when.astimezone(UTC)
    if millis:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def words_match(post: Post, query: str) -> bool:
    """Every word of ``query`` is a word of the post (title, text, hashtags)."""
    from veille.textnorm import tokens

    wanted = tokens(query)
    have = set(tokens(f"{post.title or ''} {post.text} {' '.join(post.hashtags)}"))
    return bool(wanted) and all(w in have for w in wanted)


def html_paragraph(
    text: str,
    *,
    tag_url: Callable[[str], str],
    mention_url: Callable[[str], str],
) -> str:
    """The text as the HTML a Mastodon server renders: one ``<p>``, hashtags
    and mentions as classed links, bare URLs as links, everything escaped."""
    out: list[str] = []
    for word in text.split(" "):
        core = word.rstrip(".,!?;:")
        tail = word[len(core) :]
        if core.startswith("#") and len(core) > 1:
            name = html.escape(core[1:])
            out.append(
                f'<a href="{html.escape(tag_url(core[1:]))}" class="mention hashtag" '
                f'rel="tag">#<span>{name}</span></a>{html.escape(tail)}'
            )
        elif core.startswith("@") and len(core) > 1:
            handle = html.escape(core[1:])
            out.append(
                f'<span class="h-card"><a href="{html.escape(mention_url(core[1:]))}" '
                f'class="u-url mention">@<span>{handle}</span></a></span>{html.escape(tail)}'
            )
        elif _URL.fullmatch(word):
            href = html.escape(word)
            out.append(f'<a href="{href}" rel="nofollow noopener" target="_blank">{href}</a>')
        else:
            out.append(html.escape(word))
    return "<p>" + " ".join(out) + "</p>"


def window(items: Sequence[T], start: int, size: int) -> list[T]:
    return list(items[max(0, start) : max(0, start) + max(0, size)])
