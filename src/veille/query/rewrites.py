"""Other search languages' syntax, and what veille writes for it.

Power users bring the operators of X (Twitter) advanced search and Lucene's
field groups; veille refuses them (searched as words they would match nothing
without a word) and its error says the veille query that does the same.
"""

from __future__ import annotations

from veille.errors import Text, tr

# X's filter: values, as veille's flags.
_X_FLAGS = {
    "links": "has:link", "link": "has:link", "media": "has:media", "images": "has:media",
    "videos": "has:media", "native_video": "has:media", "twimg": "has:media",
    "replies": "is:reply", "retweets": "is:repost", "nativeretweets": "is:repost",
}  # fmt: skip
_X_MINIMUMS = {"min_faves": "likes", "min_retweets": "shares", "min_replies": "replies"}
# Field names refused with a rewrite (a pasted web address starts with http:).
X_OPERATORS = ("from", "to", "filter", *_X_MINIMUMS, "http", "https")


def x_operator(name: str, value: str) -> tuple[Text, Text]:
    """The message and hint for X's ``name:value`` (``name`` in :data:`X_OPERATORS`)."""
    op = f"{name}:{value}"
    key = name.lower()
    if key in ("http", "https"):
        host = value.lstrip("/").split("/", 1)[0].removeprefix("www.")
        return tr("unknown field %(field)s:", field=name), tr(
            "a web address: site:%(host)s finds the posts that link to %(host)s; "
            'quote it to search its words: "%(url)s"',
            host=host,
            url=op,
        )
    rewrite = None
    if key == "from":
        rewrite = f"author:{value.lstrip('@')}"
    elif key == "to":
        rewrite = f"@{value.lstrip('@')}"
    elif key == "filter":
        rewrite = _X_FLAGS.get(value.lower())
    elif value.strip().isdigit():
        rewrite = f"{_X_MINIMUMS[key]}:>={value.strip()}"
    message = tr("%(op)s is X (Twitter) syntax", op=op)
    if rewrite is None:
        return message, tr(
            "veille writes has:link, has:media, is:reply, is:repost, "
            "likes:>=10, shares:>=10, replies:>=10, author:name"
        )
    return message, tr("write %(query)s", query=rewrite)


def field_group(name: str, q: str, start: int) -> str:
    """``title:(a OR b)`` (Lucene's field group, its ``(`` at ``q[start]``) as
    veille writes it, ``(title:a OR title:b)``: the field on each word,
    operators kept."""
    close = q.find(")", start)
    inner = q[start + 1 : close if close >= 0 else len(q)].split()
    if not inner or any(c in piece for piece in inner for c in '()"'):
        return f"({name}:a OR {name}:b)"
    out = []
    for piece in inner:
        if piece in ("AND", "OR", "NOT"):
            out.append(piece)
        elif piece.startswith("-") and len(piece) > 1:
            out.append(f"-{name}:{piece[1:]}")
        else:
            out.append(f"{name}:{piece}")
    return "(" + " ".join(out) + ")"
