"""Entities in a post: hashtags, mentions, links, domains, emoji, media, flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from veille.enrich.textparts import EMOJI_RE, HASHTAG_RE, MENTION_RE, URL_RE, clean_url
from veille.models import Post, canonical_url
from veille.textnorm import fold

_MEDIA_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".mov", ".webm", ".mp3", ".m4a")


@dataclass(frozen=True)
class Entities:
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    emojis: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    flags: dict[str, bool] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hashtags": list(self.hashtags),
            "mentions": list(self.mentions),
            "links": list(self.links),
            "domains": list(self.domains),
            "emojis": list(self.emojis),
            "media": list(self.media),
            **self.flags,
        }


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def without_short_forms(mentions: list[str]) -> tuple[str, ...]:
    """``mentions`` once each, without the short form of a qualified one.

    Mastodon shows a mention as ``@claire`` in the text and gives the account
    as ``claire@piaille.fr``: the ``claire`` found in the text is that same
    person, not a second one (``veille top mentions`` listed both). A short
    form no qualified mention explains stays. Handles compare without case."""
    unique = _unique(mentions)
    qualified = {m.split("@", 1)[0].lower() for m in unique if "@" in m}
    if not qualified:
        return unique
    return tuple(m for m in unique if "@" in m or m.lower() not in qualified)


def qualified_mentions(mentions: list[str], post_id: str) -> tuple[str, ...]:
    """The mentions of a Mastodon post stored by an older veille, as one
    collected today holds them: the short form of a qualified mention left
    out (:func:`without_short_forms`), then every mention still without an
    instance qualified with the instance read (``claire`` read on piaille.fr
    is ``claire@piaille.fr``, as :mod:`veille.sources.mastodon` writes an
    account of its own instance), which its id holds (``mastodon:host/id``)."""
    host, slash, _status = post_id.partition(":")[2].partition("/")
    found = without_short_forms(mentions)
    if not slash or not host:
        # An id without the instance (a post imported from a file as
        # ``mastodon:12345``): there is no instance to qualify with (the
        # status number is no host).
        return found
    return _unique([m if "@" in m else f"{m}@{host}" for m in found])


class DomainResolver:
    """Registered domains (``news.bbc.co.uk`` -> ``bbc.co.uk``) with tldextract's
    bundled public-suffix snapshot: it never downloads a list."""

    def __init__(self) -> None:
        self._extract: Any = None

    def __call__(self, url: str) -> str | None:
        return self._registered(url)

    @lru_cache(maxsize=65536)  # noqa: B019 - one resolver per Enricher, bounded
    def _registered(self, url: str) -> str | None:
        if self._extract is None:
            import tldextract

            self._extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        parts = self._extract(url)
        if parts.domain and parts.suffix:
            return f"{parts.domain}.{parts.suffix}".lower()
        return parts.domain.lower() or None


def extract_entities(text: str, domains: DomainResolver, post: Post | None = None) -> Entities:
    """Entities found in ``text`` merged with those the platform gave on ``post``."""
    text = text[:200_000]
    hashtags = [m.group(1) for m in HASHTAG_RE.finditer(text)] if "#" in text else []
    mentions = [m.group(1) for m in MENTION_RE.finditer(text)] if "@" in text else []
    links: list[str] = []
    if "://" in text or "www." in text.lower():
        for m in URL_RE.finditer(text):
            url = canonical_url(clean_url(m.group()))
            if url:
                links.append(url)
    emojis = EMOJI_RE.findall(text) if not text.isascii() else []
    media: list[str] = []
    flags = {"has_media": False, "is_reply": False, "is_repost": False}
    if post is not None:
        hashtags = [*post.hashtags, *hashtags]
        mentions = [*post.mentions, *mentions]
        links = [*(canonical_url(u) or u for u in post.links), *links]
        media = list(post.media)
        flags["is_reply"] = post.is_reply
        flags["is_repost"] = post.is_repost
    media.extend(u for u in links if u.split("?", 1)[0].lower().endswith(_MEDIA_EXT))
    # Hashtags compare without case or accents, as Mastodon folds them
    # (#Télécom is #telecom): the first spelling seen is kept, so a post holds
    # each tag once and top hashtags count it once.
    seen: dict[str, str] = {}
    for tag in hashtags:
        seen.setdefault(fold(tag), tag)
    links_u = _unique(links)
    flags["has_media"] = bool(media)
    return Entities(
        hashtags=tuple(seen.values()),
        mentions=without_short_forms([m.removeprefix("@") for m in mentions]),
        links=links_u,
        domains=_unique([d for d in (domains(u) for u in links_u) if d]),
        emojis=_unique(emojis),
        media=_unique(media),
        flags=flags,
    )
