"""Publishing: one publisher per platform, the organization's accounts, and
the content calendar that ``veille run`` publishes from.

The library API (what the calendar and the inbox call)::

    from veille.publish import Publishing, get_account

    account = get_account(ws.state, "lumio-mastodon")
    with Publishing(ws.settings) as pub:
        done = pub.publish(account, "Merci !", reply_to=post)   # -> Published
        done.id, done.url, done.post_id

A failure raises :class:`PublishError` (``platform_message``, ``text``,
``retryable``).
"""

from veille.publish.base import (
    Account,
    Published,
    Publisher,
    PublishError,
    publisher_for,
    publisher_registry,
)
from veille.publish.service import (
    Publishing,
    add_account,
    get_account,
    list_accounts,
    remove_account,
)

__all__ = [
    "Account",
    "PublishError",
    "Published",
    "Publisher",
    "Publishing",
    "add_account",
    "get_account",
    "list_accounts",
    "publisher_for",
    "publisher_registry",
    "remove_account",
]
