"""The organization's accounts, and :class:`Publishing`, which sends posts
through the registered publishers over one HTTP client."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from veille.analytics.findings import platform_name
from veille.config import Settings
from veille.errors import NotFound, Place, UsageError, tr
from veille.models import Post
from veille.publish.base import (
    Account,
    Published,
    Publisher,
    PublisherFactory,
    publisher_for,
    publisher_registry,
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")

#: The fields of a new account, named where the reader typed them: the CLI's
#: options, the labels of the web app's form (the publishing accounts page).
FIELD_URL = Place("--url", page=tr("Server address"))
FIELD_HANDLE = Place("--handle", page=tr("Login"))
FIELD_SECRET = Place("--secret", page=tr("Token or app password"))


def add_account(
    state: Any,
    name: str,
    platform: str,
    url: str,
    *,
    handle: str = "",
    secret: str = "",
    by: str = "",
) -> Account:
    """Store an account veille may post as (the secret is best given as
    ``env:NAME``: then it is read from the environment and never stored)."""
    platform = platform.lower()
    known = publisher_registry()
    if platform not in known:
        from veille.suggest import did_you_mean

        raise UsageError(
            tr("veille cannot publish to %(platform)r", platform=platform),
            hint=did_you_mean(platform, known),
        )
    if not _NAME.match(name):
        raise UsageError(
            tr("account name %(name)r is not allowed", name=name),
            hint=tr(
                "Use up to 80 letters, digits, '.', '_', ':' or '-' (starting with one of them)."
            ),
        )
    if not url.lower().startswith(("https://", "http://")) or not _host(url):
        if platform == "bluesky" and not url:
            url = "https://bsky.social"
        else:
            raise UsageError(
                tr("%(field)s: %(url)r is not a web address", field=FIELD_URL, url=url),
                hint=tr("Give the instance, PDS or site, e.g. https://mastodon.social."),
            )
    if platform in ("bluesky", "wordpress") and not handle:
        raise UsageError(
            tr(
                "%(field)s: a %(platform)s account needs the login",
                field=FIELD_HANDLE,
                platform=platform_name(platform),
            ),
            hint=tr("The Bluesky handle (name.bsky.social) or the WordPress user name."),
        )
    if not secret:
        raise UsageError(
            tr(
                "%(field)s: account %(name)r needs its token or app password",
                field=FIELD_SECRET,
                name=name,
            ),
            hint=tr(
                "The access token or app password, or env:NAME to read it from the environment."
            ),
        )
    account = Account(name, platform, url.rstrip("/"), handle, secret)
    if not state.add_publish_account(account, datetime.now(UTC)):
        raise UsageError(
            tr("an account named %(name)r already exists", name=name),
            hint=tr(
                "Choose another name, or remove the account of that name first (%(how)s).",
                how=ACCOUNT_REMOVE,
            ),
        )
    from veille.services import audit

    # Never the secret: the platform and where it posts.
    audit.record(state, by or None, "publish.account.add", name, f"{platform} {account.url}")
    return account


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # a port that is no number, a bracket left open
        return ""


def learn_limit(state: Any, settings: Settings, name: str) -> int | None:
    """Ask the account's server for its length limit (a Mastodon instance's
    ``/api/v2/instance``) and remember it, so drafts for that account are
    checked against it; ``None`` when the server does not say (nothing changes)."""
    account = get_account(state, name)
    with Publishing(settings) as pub:
        limit = pub.instance_limit(account)
    if limit is not None:
        state.set_publish_account_limit(name, limit)
    return limit


def verify_account(state: Any, settings: Settings, name: str) -> str:
    """Whether account ``name`` works, posting nothing: its server is asked
    who its token or app password is (the publisher's ``verify``), through
    the SSRF guard; the answer (``@lumio``), or a :class:`PublishError` with
    the platform's words (a token refused, a server out of reach)."""
    account = get_account(state, name)
    with Publishing(settings) as pub:
        verify = getattr(pub.publisher(account.platform), "verify", None)
        if verify is None:
            raise UsageError(
                tr("veille cannot test a %(platform)s account before it publishes",
                   platform=platform_name(account.platform)),
                hint=tr("Publish a post with it: a refusal says why."),
            )  # fmt: skip
        who: str = verify(account)
    return who


def check_post(
    state: Any,
    account: Account | str,
    text: str,
    *,
    title: str | None = None,
    instance_limit: int | None = None,
    sponsored: bool = False,
) -> Any:
    """The draft checker's verdict (a :class:`~veille.plan.guide.DraftReport`)
    on ``text`` for ``account`` (an :class:`Account`, or a platform's name):
    the platform's rules, the limit the account's server announces, and the
    workspace's staff guidelines (``veille plan guidelines set``). Every path
    that publishes (``veille publish now``, the calendar, inbox replies, the
    web app) checks through this one function, so none skips the guidelines."""
    from veille.plan.guide import check_draft
    from veille.plan.people import current_rules

    platform = account.platform if isinstance(account, Account) else account
    if instance_limit is None and isinstance(account, Account):
        instance_limit = account.limit
    return check_draft(
        platform, text, title=title, instance_limit=instance_limit,
        guidelines=current_rules(state), sponsored=sponsored,
    )  # fmt: skip


#: Where a publishing account is added, and the accounts are listed: the
#: CLI, and an admin's page (/plan/accounts); the API says who can.
ACCOUNT_ADD = Place(
    "veille publish account add",
    page=tr("an admin adds it on the publishing accounts page, /plan/accounts"),
    api=tr("ask whoever runs veille: veille publish account add"),
)
ACCOUNT_REMOVE = Place(
    "veille publish account remove",
    page=tr("on /plan/accounts"),
)
ACCOUNT_LIST = Place(
    "veille publish account list",
    page=tr("an admin sees them on the publishing accounts page, /plan/accounts"),
    api=tr("whoever runs veille sees them with veille publish account list"),
)


def list_accounts(state: Any) -> list[Account]:
    accounts: list[Account] = state.publish_accounts()
    return accounts


def get_account(state: Any, name: str) -> Account:
    found: Account | None = state.publish_account(name)
    if found is None:
        from veille.suggest import did_you_mean

        known = [a.name for a in state.publish_accounts()]
        raise NotFound(
            tr("no account named %(name)r", name=name),
            hint=did_you_mean(name, known)
            if known
            else tr("Add one first (%(where)s).", where=ACCOUNT_ADD),
        )
    return found


#: The calendar's posts that have yet to go out (a removed account fails them).
WAITING = ("draft", "approved", "scheduled")
#: How many of the posts in the way a refusal names (then "and N more").
_NAMED = 10


def remove_account(state: Any, name: str, *, by: str = "") -> None:
    """Remove account ``name``. Refused (:class:`Conflict`, nothing removed)
    while posts of the content calendar waiting to go out name it: removed,
    each failed at its time ("the account no longer exists"), unsaid until
    then."""
    from veille.services import audit

    get_account(state, name)
    # Checked and removed in one transaction (a post saved meanwhile is seen).
    waiting = state.remove_publish_account(name, unless=WAITING)
    if waiting:
        from veille.errors import Conflict

        shown = ", ".join(f"#{e.id}" for e in waiting[:_NAMED])
        if len(waiting) > _NAMED:
            shown = tr("%(names)s and %(count)s more", names=shown, count=len(waiting) - _NAMED)
        first = waiting[0].id
        raise Conflict(
            tr("account %(name)s is still named by calendar posts waiting to go out "
               "(%(posts)s); nothing was removed", name=name, posts=shown),
            hint=tr("Move each to another account or remove it (%(how)s), then remove the "
                    "account.", how=Place(
                        tr("veille calendar edit %(id)s --account OTHER; veille calendar "
                           "remove %(id)s", id=first),
                        page=tr("from the calendar, /plan/calendar"))),
        )  # fmt: skip
    audit.record(state, by or None, "publish.account.remove", name)


class Publishing:
    """Posts through the registered publishers, over one
    :class:`~veille.http.HttpClient` built from ``[http]`` (its SSRF guard
    applies: the simulator needs ``allow_private_networks``). Use as a
    context manager, or call :meth:`close`."""

    def __init__(
        self,
        settings: Settings,
        *,
        http: Any = None,
        registry: dict[str, PublisherFactory] | None = None,
    ) -> None:
        from veille.http import HttpClient

        self._own = http is None
        self.http = http or HttpClient(settings.http)
        self.registry = registry
        self._publishers: dict[str, Publisher] = {}

    def publisher(self, platform: str) -> Publisher:
        if platform not in self._publishers:
            self._publishers[platform] = publisher_for(platform, self.http, self.registry)
        return self._publishers[platform]

    def publish(
        self,
        account: Account,
        text: str,
        *,
        reply_to: Post | str | None = None,
        title: str | None = None,
        language: str | None = None,
        dry_run: bool = False,
        key: str | None = None,
    ) -> Published:
        """Publish ``text`` as ``account`` (a reply to ``reply_to``: a collected
        :class:`Post` or the platform's id of it). ``key``: the same on every
        try of the same post, so that a retry never publishes twice."""
        return self.publisher(account.platform).publish(
            account, text, reply_to=reply_to, title=title, language=language,
            dry_run=dry_run, key=key,
        )  # fmt: skip

    def instance_limit(self, account: Account) -> int | None:
        """The length limit the account's server announces (Mastodon), if any."""
        pub = self.publisher(account.platform)
        limit = getattr(pub, "instance_limit", None)
        return limit(account) if limit is not None else None

    def close(self) -> None:
        if self._own:
            self.http.close()

    def __enter__(self) -> Publishing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
