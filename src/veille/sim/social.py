"""Helpers shared by the simulated social platforms (ids, HTML, paging)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from veille.models import Post

T = TypeVar("T")


@dataclass(frozen=True)
class Written:
    """One request a write endpoint received (``SimHost.writes``): what a client sent."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON or form, else the bytes
    status: int = 0


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


def brand_page(world: object, platform: str, hour: int = 9) -> list[tuple[Post, list[Post]]]:
    """An organization's own page on ``platform``: one post a day by the brand,
    and as its comments the generated brand posts of that day (from any
    platform, re-homed). Used by the Facebook and LinkedIn simulators, whose
    content the generator does not produce. Cached on the world."""
    from datetime import timedelta

    from veille.models import Author, Engagement
    from veille.sim.generate import BRAND

    cache: dict[str, list[tuple[Post, list[Post]]]] = world.__dict__.setdefault("_brand_pages", {})
    if platform in cache:
        return cache[platform]
    posts: list[Post] = list(world.posts)  # type: ignore[attr-defined]
    if not posts:
        return []
    first = posts[0].published_at.replace(hour=0, minute=0, second=0, microsecond=0)
    last = posts[-1].published_at
    brand = Author(
        handle=BRAND.lower(),
        name=BRAND,
        url=f"https://{platform}.example/{BRAND.lower()}",
        followers=125_000,
        id="1029384756",
    )
    texts = [
        "Nouveau : la fibre Lumio arrive dans 12 quartiers de Gatineau. / New: Lumio fibre "
        "reaches 12 more Gatineau neighbourhoods.",
        "Maintenance prévue cette nuit entre 1 h et 3 h. / Planned maintenance tonight, 1-3 am.",
        "Merci à nos clients pour votre patience pendant la panne. / Thank you for your "
        "patience during the outage.",
        "Notre forfait 5G double ses données ce mois-ci. / "
        "Our 5G plan doubles its data this month.",
    ]
    pages: list[tuple[Post, list[Post]]] = []
    day = 0
    when = first + timedelta(hours=hour)
    while when <= last:
        page_post = Post.create(
            platform=platform,
            native_id=f"{platform}-page-{day}",
            text=texts[day % len(texts)],
            url=f"https://{platform}.example/{BRAND.lower()}/posts/{day}",
            published_at=when,
            author=brand,
            engagement=Engagement(likes=40 + day * 3 % 17, shares=5 + day % 7, replies=0),
            raw={"sim_seq": 900_000 + day},
        )
        end = when + timedelta(days=1)
        comments = [
            p
            for p in posts
            if when < p.published_at < end
            and p.raw.get("sim_topic") == "brand"
            and p.platform in ("mastodon", "x", "bluesky")
            and p.repost_of is None
        ][:12]
        pages.append((page_post, comments))
        day += 1
        when = end
    cache[platform] = pages
    return pages


def remember(req: Any, reply: Any, body: Any = None) -> Any:
    """Record what a write endpoint received (``host.writes``) and pass ``reply`` on."""
    headers = {k: v for k, v in req.headers.items()}
    if body is None:
        try:
            body = req.json()
        except ValueError:
            body = req.body
    with req.host._lock:
        req.host.writes.append(Written(req.method, req.path, headers, body, reply.status))
    return reply


def written_post(
    req: Any,
    *,
    platform: str,
    native_id: str | None,
    text: str,
    author: Any,
    url_of: Callable[[Post], str] | None = None,
    **fields: Any,
) -> Post:
    """A post written through a simulated API, at the simulated time, added to
    the world so that it is read back like any other. ``native_id`` ``None``:
    numbered from its sequence; ``url_of`` gives its permalink once built."""
    from dataclasses import replace

    world = req.world
    seq = world.next_seq()
    raw = {"sim_seq": seq, "sim_written": True, **fields.pop("raw", {})}
    post = Post.create(
        platform=platform,
        native_id=native_id or str(seq),
        text=text,
        published_at=world.clock.now(),
        author=author,
        hashtags=tuple(dict.fromkeys(re.findall(r"(?<![\w#])#(\w+)", text))),
        mentions=tuple(dict.fromkeys(re.findall(r"(?<![\w@/])@([\w.-]*\w)", text))),
        links=tuple(dict.fromkeys(_URL.findall(text))),
        raw=raw,
        **fields,
    )
    if url_of is not None:
        from veille.models import canonical_url

        link = url_of(post)
        post = replace(post, url=link, canonical_url=canonical_url(link))
    world.add(post)
    return post
