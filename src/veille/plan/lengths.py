"""How each platform counts the length of a post.

Each platform measures a draft its own way, and a draft that fits one may be
refused by another; these functions count as the platforms do (the rules and
their sources are in the platform guide, ``veille/plan/guide/*.toml``):

- **X** (twitter-text 3): a weighted length. Code points in the ranges of
  Latin, Greek, Cyrillic, Hebrew, Arabic … (U+0000-U+10FF) and a few
  punctuation blocks weigh 1; everything else (CJK, most symbols) weighs 2;
  an emoji, whatever the code points of its sequence, weighs 2; every URL
  weighs 23. The text is NFC-normalized first. Limit 280.
- **Mastodon**: Unicode grapheme clusters, where every URL counts as 23 and a
  remote mention ``@user@domain`` counts as ``@user``; the content warning
  counts too. Limit 500 unless the instance says otherwise.
- **Bluesky**: grapheme clusters (limit 300), and at most 3,000 UTF-8 bytes.
- Elsewhere: grapheme clusters.

Grapheme clusters come from the ``regex`` package's ``\\X`` (Unicode extended
grapheme clusters: emoji ZWJ sequences, flags and combining marks are one each).
"""

from __future__ import annotations

import unicodedata

import regex

# Links as the platforms recognise them in plain text: a scheme, then anything
# up to a space; trailing punctuation belongs to the sentence, not the link.
URL = regex.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'»]")
# A bare domain with a path or a known ending is a link on X too (twitter-text
# autolinks "example.com/x"); Mastodon and Bluesky only link schemes.
BARE_URL = regex.compile(
    r"(?<![\w@/.])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|fr|ca|io|co|info|eu|be|ch|uk|de|app|dev|social)"
    r"(?:/[^\s<>\"]*[^\s<>\".,;:!?)\]'»])?(?![\w-])",
    regex.IGNORECASE,
)
# @user@domain (the domain has a dot); Mastodon counts only "@user".
REMOTE_MENTION = regex.compile(
    r"(?<![\w/])@(\w+(?:[\w.-]+\w+)?)@[\w-]+(?:\.[\w-]+)+", regex.UNICODE
)
MENTION = regex.compile(r"(?<![\w/@])@([\w](?:[\w.-]*\w)?)(?:@[\w-]+(?:\.[\w-]+)+)?")
HASHTAG = regex.compile(r"(?<![\w/&#])#(\w*[^\W\d_]\w*)")
GRAPHEME = regex.compile(r"\X")
# Extended pictographic characters start an emoji sequence; a regional
# indicator pair is a flag; a keycap (#, 0-9 + FE0F? + 20E3) too.
_EMOJI_START = regex.compile(
    r"^(?:[\p{Extended_Pictographic}--[\x00-\xff]]|\p{Extended_Pictographic}\uFE0F"
    r"|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)",
    regex.V1,
)

URL_LENGTH = 23  # Mastodon's and X's count for any link

# twitter-text v3: (first, last, weight) at scale 100; other code points weigh 200.
X_RANGES = (
    (0x0000, 0x10FF, 100),
    (0x2000, 0x200D, 100),
    (0x2010, 0x201F, 100),
    (0x2032, 0x2037, 100),
)
X_DEFAULT_WEIGHT = 200
X_SCALE = 100


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters)."""
    return len(GRAPHEME.findall(text))


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _x_weight(char: str) -> int:
    cp = ord(char)
    for first, last, weight in X_RANGES:
        if first <= cp <= last:
            return weight
    return X_DEFAULT_WEIGHT


def x_length(text: str) -> int:
    """X's weighted length (twitter-text 3): what the 280 limit applies to."""
    text = unicodedata.normalize("NFC", text)
    spans = [m.span() for m in URL.finditer(text)]
    taken = [False] * len(text)
    for a, b in spans:
        for i in range(a, b):
            taken[i] = True
    for m in BARE_URL.finditer(text):
        a, b = m.span()
        if not any(taken[a:b]):
            spans.append((a, b))
            for i in range(a, b):
                taken[i] = True
    weight = len(spans) * URL_LENGTH * X_SCALE
    # Outside links: an emoji sequence weighs as one default-weight character.
    pos = 0
    for cluster in GRAPHEME.findall(text):
        start, pos = pos, pos + len(cluster)
        if taken[start]:
            continue
        if _EMOJI_START.match(cluster):
            weight += X_DEFAULT_WEIGHT
        else:
            weight += sum(_x_weight(c) for c in cluster)
    return weight // X_SCALE


def mastodon_countable(text: str, spoiler_text: str = "") -> str:
    """The text Mastodon measures: links as 23 characters, remote mentions by
    their local part, the content warning in front."""
    text = URL.sub("x" * URL_LENGTH, text)
    text = REMOTE_MENTION.sub(lambda m: "@" + m.group(1), text)
    return spoiler_text + text


def mastodon_length(text: str, spoiler_text: str = "") -> int:
    """The length Mastodon's status validator compares with its limit."""
    return graphemes(mastodon_countable(text, spoiler_text))


def bluesky_length(text: str) -> int:
    """Bluesky's length: grapheme clusters (the 300 limit)."""
    return graphemes(text)


def links(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` of every http(s) link, in character offsets."""
    return [(m.start(), m.end(), m.group()) for m in URL.finditer(text)]


def mentions(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, handle)`` of every @mention (the handle without the @;
    a remote one keeps its domain)."""
    out = []
    for m in MENTION.finditer(text):
        out.append((m.start(), m.end(), m.group()[1:]))
    return out


def hashtags(text: str) -> list[str]:
    return [m.group(1) for m in HASHTAG.finditer(text)]
