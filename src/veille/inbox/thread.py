"""The conversation around an item: the posts it answers, the replies it got,
and which of them are the organization's own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.inbox.model import Item
    from veille.models import Post

# How far up a thread the parents are followed.
MAX_PARENTS = 10


def _own(post: Post, handles: set[str]) -> bool:
    handle = post.author.handle.lstrip("@").lower()
    return handle in handles or f"{post.platform}:{handle}" in handles


def thread(ws: Any, item: Item) -> list[tuple[str, Post]]:
    """``(role, post)`` in reading order: "parent" posts (oldest first), then
    replies, "ours" for the organization's own accounts (``[organization]
    handles``). The item's own post is not in the list."""
    posts = ws.posts
    handles = {h.lstrip("@").lower() for h in ws.settings.organization.handles}
    parents: list[Post] = []
    parent_id = item.parent_id
    seen = {item.post_id}
    while parent_id and parent_id not in seen and len(parents) < MAX_PARENTS:
        seen.add(parent_id)
        parent = posts.get_post(parent_id)
        if parent is None:
            break
        parents.append(parent)
        parent_id = parent.parent_id
    out = [("ours" if _own(p, handles) else "parent", p) for p in reversed(parents)]
    replies = posts.replies_to(item.post_id)
    out.extend(("ours" if _own(p, handles) else "reply", p) for p in replies)
    return out
