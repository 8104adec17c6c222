"""Posting statuses to Mastodon (``POST /api/v1/statuses``)."""

from __future__ import annotations

from typing import Any

from veille.errors import tr
from veille.models import Post
from veille.publish.base import Account, Published, PublishError, host_of, send

PLATFORM = "mastodon"


def status_id(reply_to: Post | str) -> str:
    """The status id of the post replied to: a veille post (``mastodon:host/id``)
    or the id itself (ids are the instance's own: see :meth:`MastodonPublisher._local_id`)."""
    if isinstance(reply_to, Post):
        return reply_to.native_id.rsplit("/", 1)[-1]
    return reply_to.rsplit("/", 1)[-1]


class MastodonPublisher:
    """Statuses and replies, public by default, with the account's access token
    (scope ``write:statuses``). ``key`` becomes the ``Idempotency-Key``: the
    same key within the instance's hour gets the first status back."""

    platform = PLATFORM

    def __init__(self, http: Any, *, visibility: str = "public") -> None:
        self.http = http
        self.visibility = visibility

    def instance_limit(self, account: Account) -> int | None:
        """The instance's own status limit (``/api/v2/instance``), if it says."""
        from veille.httperrors import HttpError

        try:
            data = self.http.get(account.url.rstrip("/") + "/api/v2/instance").json()
            value = data["configuration"]["statuses"]["max_characters"]
        except (HttpError, KeyError, TypeError):
            return None
        return int(value) if isinstance(value, int) else None

    def verify(self, account: Account) -> str:
        """Who the token posts as (``/api/v1/accounts/verify_credentials``),
        sending nothing; a refused token is a :class:`PublishError`."""
        resp = send(
            self.http, "GET", account.url.rstrip("/") + "/api/v1/accounts/verify_credentials",
            platform=PLATFORM, text="", what=tr("the account's token"),
            token=account.resolved_secret(),
        )  # fmt: skip
        return "@" + str(resp.json().get("acct") or resp.json().get("username") or "?")

    def _local_id(self, account: Account, reply_to: Post | str, text: str) -> str:
        """The id of the post replied to on the account's own instance. Status
        ids are per instance: a post collected from another one is looked up
        by its URL (``/api/v2/search?resolve=true``), as Mastodon clients do."""
        if not isinstance(reply_to, Post):
            return status_id(reply_to)
        collected_on = reply_to.native_id.rsplit("/", 1)[0].lower()
        if collected_on == host_of(account.url) or not reply_to.url:
            return status_id(reply_to)
        resp = send(
            self.http, "GET", account.url.rstrip("/") + "/api/v2/search", platform=PLATFORM,
            text=text, what=tr("the lookup of the post replied to"),
            params={"q": reply_to.url, "type": "statuses", "resolve": "true", "limit": 1},
            token=account.resolved_secret(),
        )  # fmt: skip
        found = resp.json().get("statuses") or []
        if not found:
            raise PublishError(
                tr("%(host)s cannot find the post replied to (%(url)s)",
                   host=host_of(account.url), url=reply_to.url),
                platform=PLATFORM, text=text, status=404,
                hint=tr("It may have been deleted, or the instance does not federate "
                        "with its own."),
            )  # fmt: skip
        return str(found[0]["id"])

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
        # Mastodon has no title (a content warning is not one): ``title`` is unused.
        if not text.strip():
            raise PublishError(tr("a Mastodon status needs text"), platform=PLATFORM, text=text)
        body: dict[str, Any] = {"status": text, "visibility": self.visibility}
        if reply_to is not None:
            body["in_reply_to_id"] = (
                status_id(reply_to) if dry_run else self._local_id(account, reply_to, text)
            )
        if language:
            body["language"] = language
        url = account.url.rstrip("/") + "/api/v1/statuses"
        if dry_run:
            return Published("", "", PLATFORM, dry_run=True, request={"POST": url, "json": body})
        headers = {"Idempotency-Key": key} if key else {}
        resp = send(
            self.http, "POST", url, platform=PLATFORM, text=text, what=tr("the status"),
            json_body=body, headers=headers, token=account.resolved_secret(),
        )  # fmt: skip
        data = resp.json()
        sid = str(data.get("id") or "")
        if not sid:
            raise PublishError(
                tr("Mastodon answered without a status id"), platform=PLATFORM, text=text,
                retryable=True,
            )  # fmt: skip
        host = host_of(account.url)
        return Published(
            id=sid,
            url=str(data.get("url") or data.get("uri") or ""),
            platform=PLATFORM,
            post_id=f"{PLATFORM}:{host}/{sid}",
        )
