"""Posting to Bluesky (``com.atproto.repo.createRecord``, ``app.bsky.feed.post``).

A session is made with the account's app password; the post carries facets
(links, mentions resolved to DIDs, hashtags) with UTF-8 byte offsets, as the
AT Protocol's rich text requires; a reply carries its root and parent refs.
With a ``key``, the record key is derived from it, so that sending the same
post again is refused by the PDS as a record that exists, which is taken as
success: a retry after a crash never posts twice.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from veille.errors import tr
from veille.models import Post
from veille.plan import lengths
from veille.publish.base import Account, Published, PublishError, send

PLATFORM = "bluesky"
DEFAULT_SERVICE = "https://bsky.social"
_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(key: str) -> str:
    """A valid TID (13 base32-sortable characters, top bit clear) derived from
    ``key``: the same key always gives the same record key."""
    value = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1
    out = ""
    for _ in range(13):
        out = _B32[value & 31] + out
        value >>= 5
    return out


def _byte_span(text: str, start: int, end: int) -> dict[str, int]:
    """Character offsets as UTF-8 byte offsets (what facets index)."""
    head = len(text[:start].encode("utf-8"))
    return {"byteStart": head, "byteEnd": head + len(text[start:end].encode("utf-8"))}


def facets(text: str, resolve: Any) -> list[dict[str, Any]]:
    """Link, mention and tag facets of ``text``; ``resolve(handle)`` gives a
    mention's DID or ``None`` (an unknown handle stays plain text)."""
    out: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for start, end, url in lengths.links(text):
        taken.append((start, end))
        out.append(
            {
                "index": _byte_span(text, start, end),
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    for start, end, handle in lengths.mentions(text):
        if "@" in handle or any(a <= start < b for a, b in taken):
            continue  # a Mastodon address or inside a link: not a Bluesky mention
        did = resolve(handle)
        if did:
            out.append(
                {
                    "index": _byte_span(text, start, end),
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
                }
            )
    for m in lengths.HASHTAG.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        out.append(
            {
                "index": _byte_span(text, m.start(), m.end()),
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1)}],
            }
        )
    out.sort(key=lambda f: f["index"]["byteStart"])
    return out


class BlueskyPublisher:
    platform = PLATFORM

    def __init__(self, http: Any) -> None:
        self.http = http

    def _service(self, account: Account) -> str:
        return (account.url or DEFAULT_SERVICE).rstrip("/")

    def _session(self, account: Account, text: str) -> dict[str, Any]:
        resp = send(
            self.http, "POST", self._service(account) + "/xrpc/com.atproto.server.createSession",
            platform=PLATFORM, text=text, what=tr("the login"),
            json_body={"identifier": account.handle, "password": account.resolved_secret()},
        )  # fmt: skip
        data: dict[str, Any] = resp.json()
        if not data.get("accessJwt") or not data.get("did"):
            raise PublishError(tr("Bluesky answered the login without a session"),
                               platform=PLATFORM, text=text, retryable=True)  # fmt: skip
        return data

    def verify(self, account: Account) -> str:
        """Who the app password logs in as (a session made, nothing posted)."""
        data = self._session(account, "")
        return "@" + str(data.get("handle") or account.handle)

    def _resolver(self, account: Account) -> Any:
        from veille.httperrors import HttpError

        def resolve(handle: str) -> str | None:
            try:
                resp = self.http.request(
                    "GET", self._service(account) + "/xrpc/com.atproto.identity.resolveHandle",
                    params={"handle": handle}, raise_for_status=False, retries=0,
                )  # fmt: skip
            except HttpError:
                return None
            if resp.status != 200:
                return None
            did = resp.json().get("did")
            return str(did) if did else None

        return resolve

    def _reply_refs(
        self, account: Account, reply_to: Post | str, token: str, text: str
    ) -> dict[str, Any]:
        """Root and parent ``{uri, cid}``: from a collected post's payload, or
        looked up with ``app.bsky.feed.getPosts``."""
        view: dict[str, Any] | None = None
        if isinstance(reply_to, Post):
            raw = dict(reply_to.raw)
            view = raw.get("post") if isinstance(raw.get("post"), dict) else raw
            if not (view and view.get("uri") and view.get("cid")):
                view = None
            target = "at://" + reply_to.native_id
        else:
            # An at:// URI, or veille's id of the post ("bluesky:did/collection/rkey").
            target = reply_to.removeprefix(f"{PLATFORM}:")
            if not target.startswith("at://"):
                target = "at://" + target
        if view is None:
            resp = send(
                self.http, "GET", self._service(account) + "/xrpc/app.bsky.feed.getPosts",
                platform=PLATFORM, text=text, what=tr("the post replied to"),
                params={"uris": target}, token=token,
            )  # fmt: skip
            posts = resp.json().get("posts") or []
            if not posts:
                raise PublishError(
                    tr("Bluesky has no post %(target)s to reply to", target=target),
                    platform=PLATFORM, text=text,
                    hint=tr("The post may have been deleted."),
                )  # fmt: skip
            view = posts[0]
        parent = {"uri": str(view["uri"]), "cid": str(view["cid"])}
        root = ((view.get("record") or {}).get("reply") or {}).get("root") or parent
        return {"root": {"uri": str(root["uri"]), "cid": str(root["cid"])}, "parent": parent}

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
        if not text.strip():
            raise PublishError(tr("a Bluesky post needs text"), platform=PLATFORM, text=text)
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        if language:
            record["langs"] = [language]
        rkey = record_key(key) if key else None
        if dry_run:
            # Nothing is sent: mentions are left unresolved in the preview.
            record["facets"] = facets(text, lambda handle: f"(did of {handle})")
            return Published("", "", PLATFORM, dry_run=True, request={"record": record})
        session = self._session(account, text)
        token, did = str(session["accessJwt"]), str(session["did"])
        handle = str(session.get("handle") or account.handle)
        found = facets(text, self._resolver(account))
        if found:
            record["facets"] = found
        if reply_to is not None:
            record["reply"] = self._reply_refs(account, reply_to, token, text)
        body: dict[str, Any] = {"repo": did, "collection": "app.bsky.feed.post", "record": record}
        if rkey:
            body["rkey"] = rkey
        try:
            resp = send(
                self.http, "POST", self._service(account) + "/xrpc/com.atproto.repo.createRecord",
                platform=PLATFORM, text=text, what=tr("the post"), json_body=body, token=token,
            )  # fmt: skip
            data = resp.json()
            uri = str(data.get("uri") or "")
        except PublishError as exc:
            # Sent before (a crash came between sending and recording): done.
            if not (
                rkey and exc.status == 400 and "already exists" in (exc.platform_message or "")
            ):
                raise
            uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        native = uri.removeprefix("at://")
        return Published(
            id=uri,
            url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
            platform=PLATFORM,
            post_id=f"{PLATFORM}:{native}",
        )
