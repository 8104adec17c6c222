"""Publishing articles to a WordPress site (``POST /wp-json/wp/v2/posts``)
with an application password (HTTP basic auth, WordPress 5.6 and later).

WordPress has no idempotency key; with a ``key`` the article gets a slug that
ends with a short digest of it, and a retry first asks the site for that slug
(``GET /wp-json/wp/v2/posts?slug=…``): found, the article exists and is not
posted again.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import unicodedata
from typing import Any

from veille.errors import tr
from veille.models import Post
from veille.publish.base import Account, Published, PublishError, host_of, send

PLATFORM = "wordpress"


def slug_for(title: str, key: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{stem}-{digest}" if stem else digest


def content_html(text: str) -> str:
    """Plain text as paragraphs (a blank line separates them), escaped."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "\n".join(
        "<p>" + "<br />".join(html.escape(line) for line in b.splitlines()) + "</p>" for b in blocks
    )


class WordPressPublisher:
    platform = PLATFORM

    def __init__(self, http: Any) -> None:
        self.http = http

    def _auth(self, account: Account) -> dict[str, str]:
        pair = f"{account.handle}:{account.resolved_secret()}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    def _api(self, account: Account) -> str:
        return account.url.rstrip("/") + "/wp-json/wp/v2/posts"

    def verify(self, account: Account) -> str:
        """Who the application password logs in as (``/wp/v2/users/me``),
        posting nothing."""
        resp = send(
            self.http, "GET", account.url.rstrip("/") + "/wp-json/wp/v2/users/me",
            platform=PLATFORM, text="", what=tr("the login"), headers=self._auth(account),
        )  # fmt: skip
        data = resp.json()
        return str(data.get("name") or data.get("slug") or account.handle)

    def _published(self, account: Account, data: dict[str, Any]) -> Published:
        pid = str(data.get("id") or "")
        return Published(
            id=pid,
            url=str(data.get("link") or ""),
            platform=PLATFORM,
            post_id=f"{PLATFORM}:{host_of(account.url)}/posts/{pid}",
        )

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
        if reply_to is not None:
            raise PublishError(
                tr("veille does not reply on WordPress (replies there are comments)"),
                platform=PLATFORM, text=text,
                hint=tr("Answer in the site's comments, or publish an article."),
            )  # fmt: skip
        if not (title or "").strip():
            raise PublishError(
                tr("a WordPress article needs a title"), platform=PLATFORM, text=text,
                hint=tr("Give it one (--title)."),
            )  # fmt: skip
        body: dict[str, Any] = {
            "title": title,
            "content": content_html(text),
            "status": "publish",
        }
        if key:
            body["slug"] = slug_for(title or "", key)
        if dry_run:
            return Published(
                "", "", PLATFORM, dry_run=True, request={"POST": self._api(account), "json": body}
            )
        headers = self._auth(account)
        if key:
            resp = send(
                self.http, "GET", self._api(account), platform=PLATFORM, text=text,
                what=tr("the lookup of an earlier attempt"),
                params={"slug": body["slug"], "status": "publish"}, headers=headers,
            )  # fmt: skip
            found = resp.json()
            if isinstance(found, list) and found:
                return self._published(account, found[0])
        resp = send(
            self.http, "POST", self._api(account), platform=PLATFORM, text=text,
            what=tr("the article"), json_body=body, headers=headers,
        )  # fmt: skip
        return self._published(account, resp.json())
