"""Patterns for the parts of a social post: links, hashtags, mentions, emoji."""

from __future__ import annotations

import re

from veille.textmarks import MARKS

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
# A hashtag starts after a non-word character; the sign itself is not kept.
# It holds a letter, as on Mastodon and X (and as plan.lengths counts them):
# "#1109" (a podcast episode), "issue #42" or "#2024" are numbers. Combining
# marks are part of it (the vowel signs of #हिन्दी or #สวัสดี, the points of
# #مُحَمَّد), as they are of words (veille.textnorm.WORD_RE).
HASHTAG_RE = re.compile(
    rf"(?<![\w{MARKS}#&])#((?=[\w{MARKS}-]*[^\W\d_])[^\W_][\w{MARKS}]*(?:[-_][\w{MARKS}]+)*)"
)
# @alice, @alice@mastodon.social, @alice.bsky.social
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_](?:[\w.-]*[\w])?(?:@[\w-]+(?:\.[\w-]+)+)?)")
# Pictographs, dingbats, flags and their joiners/variation selectors.
EMOJI_RE = re.compile(
    "(?:[\U0001f1e6-\U0001f1ff]{2}"
    "|[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u2190-\u21ff\u3030\u303d\u3297\u3299]"
    "[\ufe0f\U0001f3fb-\U0001f3ff]*"
    "(?:\u200d[\U0001f000-\U0001faff\u2600-\u27bf\u2640\u2642\u2764][\ufe0f\U0001f3fb-\U0001f3ff]*)*)"
)
_TRAILING_PUNCT = ".,;:!?)]}»…\"'’"
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\d_a-zA-Z]+")


def clean_url(url: str) -> str:
    """A URL as written in text, without the punctuation that ended its sentence."""
    url = url.rstrip(_TRAILING_PUNCT)
    # Keep a closing parenthesis that belongs to the URL (Wikipedia style).
    if url.count("(") > url.count(")"):
        url += ")"
    if url.lower().startswith("www."):
        url = "http://" + url
    return url


def split_hashtag(tag: str) -> str:
    """``LumioRocks`` -> ``Lumio Rocks``, ``climat_2030`` -> ``climat 2030``."""
    parts: list[str] = []
    for chunk in re.split(r"[-_]", tag):
        found = _CAMEL.findall(chunk)
        parts.extend(found if found else [chunk])
    return " ".join(p for p in parts if p)


def words_of_hashtags(text: str) -> str:
    """``text`` with each ``#CamelCaseTag`` written as separate words."""
    return HASHTAG_RE.sub(lambda m: split_hashtag(m.group(1)), text)
