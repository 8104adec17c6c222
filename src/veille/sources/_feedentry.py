"""What a post is made of, read from one feed entry: the plain text and
links of its HTML (:func:`html_to_text`), its page (:func:`_entry_link`), its
author's name without an e-mail address beside it (:func:`_author_name`) and
handle (:func:`_handle`), its language code (:func:`_lang_code`) and its counts
(:func:`_int`). :meth:`veille.sources.feeds.FeedsSource.to_post` calls these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from veille.sources._social import image_text

# An author with an e-mail address: RSS writes "desk@site (Name)", feedparser
# writes an Atom <name> and <email> as "Name (desk@site)".
# The address's local part holds no "@": with one, a@a@a@… had as many ways
# to split as characters, and the match backtracked over them all.
_EMAIL_NAME = re.compile(r"^\s*[^()\s@]+@[^()\s]+\s*\((?P<name>[^()]+)\)\s*$")
_NAME_EMAIL = re.compile(r"^(?P<name>.+?)\s*\(\s*[^()\s@]+@[^()\s]+\s*\)\s*$")
# Longer than a name and an address (254 characters at most) can be, an
# author is taken as written: a hostile feed's is never read by the patterns.
_NAME_EMAIL_MAX = 400
_LANG_CODE = re.compile(r"[a-z]{2,3}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "div", "li", "h1", "h2", "h3", "blockquote"):
            self.parts.append("\n")
        if tag == "img":
            self.parts.append(image_text(attrs))
        if tag == "a":
            href = dict(attrs).get("href")
            if href and href.startswith(("http://", "https://")):
                self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Plain text and the links of an HTML fragment (entries are untrusted)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return text, parser.links


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    """The entry's page: its ``alternate`` link, where feedparser's ``link``
    may be another of its links (an image given as ``rel="enclosure"``)."""
    link = str(entry.get("link") or "") or None
    alternates = [
        str(item["href"])
        for item in entry.get("links") or []
        if isinstance(item, Mapping) and item.get("href") and item.get("rel") == "alternate"
    ]
    if not alternates or link in alternates:
        return link  # feedparser's pick among the alternates (text/html first)
    return alternates[0]


def _author_name(value: Any) -> str:
    """The author's name without the e-mail address written beside it."""
    text = str(value or "").strip()
    if len(text) > _NAME_EMAIL_MAX:
        return text
    found = _EMAIL_NAME.match(text) or _NAME_EMAIL.match(text)
    return found.group("name").strip() if found else text


def _lang_code(value: Any) -> str | None:
    code = str(value or "").strip().split("-")[0].split("_")[0].lower()
    return code if _LANG_CODE.fullmatch(code) else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _handle(platform: str, name: str, url: Any) -> str:
    if url:
        path = urlsplit(str(url)).path.rstrip("/")
        last = path.rsplit("/", 1)[-1]
        if last.startswith("@"):
            return last[1:]
        if platform in ("youtube", "reddit", "bluesky") and last:
            return last
    return name
