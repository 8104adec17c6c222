"""Whether a stored post's platform gave its like, share and reply counts,
read again from its raw payload: for posts stored before veille recorded it
(SQLite migration 0410, ClickHouse schema 12).

Only posts whose counts are all 0 are in question (a post with a count above
0 was given counts). The payload tells: each source keeps it whole, and a
platform that counts puts its counts there under its own names (Mastodon's
``favourites_count``, Reddit's ``num_comments``, YouTube's ``statistics``…);
an imported record keeps its columns (``likes``, ``shares``, ``replies``…),
given when one of them is not empty. A feed entry, a web page, a WordPress
post or a record without those columns holds none of them. A payload that
does not tell (none of these names, or no payload) is unknown: its zeros
read "–" as they did before veille recorded it, never a 0 it cannot vouch
for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The names under which a platform's payload (or an imported record) holds
# its counts. Looked for at the top of the payload and one level down
# (Reddit's ``data``, Bluesky's ``post``, YouTube's ``snippet``).
COUNT_KEYS = frozenset(
    {
        # imported records (veille.records) and the file source
        "likes", "shares", "reposts", "retweets", "replies", "comments", "engagement",
        # Mastodon
        "favourites_count", "reblogs_count", "replies_count",
        # Reddit, Hacker News
        "ups", "score", "num_comments", "num_crossposts", "points",
        # X
        "public_metrics",
        # Bluesky (a post view; the firehose gives none)
        "likeCount", "repostCount", "replyCount", "quoteCount",
        # YouTube
        "statistics", "totalReplyCount",
        # Facebook, LinkedIn comments
        "reactions", "like_count", "comment_count", "likesSummary", "commentsSummary",
        # feeds with Media RSS statistics (YouTube's and others')
        "media_statistics", "media_starrating",
    }
)  # fmt: skip


def _holds_counts(payload: Mapping[str, Any]) -> bool:
    for key, value in payload.items():
        if key in COUNT_KEYS and value is not None and value != "" and value != {}:
            return True
    return False


def gave_counts(raw: Any) -> bool:
    """Whether a stored post whose counts are all 0 was given them (a real
    0), read from its raw payload ``raw``; ``False`` where the payload does
    not tell (see the module). Whatever its platform: an imported record
    says ``mastodon`` without a count as a collected status says it with
    ``favourites_count``, and only the payload tells them apart."""
    if not isinstance(raw, Mapping):
        return False
    if _holds_counts(raw):
        return True
    return any(isinstance(v, Mapping) and _holds_counts(v) for v in raw.values())
