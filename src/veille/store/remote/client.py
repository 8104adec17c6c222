"""The PostStore of a collector whose posts another process holds (see
:mod:`veille.store.remote.server`).

The connection is a store connection configured by the operator (like a
database URL), not a request to a platform: it does not go through
:mod:`veille.http`'s private-address guard. Calls beyond ingest's and the
scheduler's (search, analytics) are not served: the web app and reports
read the posts store directly (``[store] posts`` on those machines). Every
call of the PostStore protocols this client does not make is refused, in one
place (:meth:`RemotePostStore.__getattr__`), with a :class:`NotServed` that
names it. Messages name the endpoint with its token masked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from veille.errors import ConfigError, NotServed, PostsUnavailable, StoreError, tr
from veille.models import Cursor, Post
from veille.store.base import PostFilter, UpsertResult
from veille.store.protocols.privacy import ErasureReport
from veille.store.purged import topic_totals
from veille.store.remote.codec import (
    filter_to_json,
    post_from_json,
    post_to_json,
    report_from_json,
    result_from_json,
)
from veille.urlmask import mask_url

log = logging.getLogger(__name__)

TIMEOUT = 120.0


def _detail(reply: Any) -> str:
    """What the endpoint said of a refusal (its JSON ``error``, else its text)."""
    try:
        return str(reply.json().get("error", reply.text))
    except (ValueError, AttributeError):
        return str(reply.text)


def _posts_calls() -> frozenset[str]:
    from veille.store.split import POST_NAMES

    return POST_NAMES


class RemotePostStore:
    """Calls ``veille store serve-posts`` at ``url``
    (``veille+http://host:port[?token=…]``)."""

    #: The engine, as messages name it.
    engine = "veille+http"

    # Filings are sent; the serving process keeps them where its store does.
    keeps_topic_filings = True

    def __init__(self, url: str) -> None:
        import httpx

        # What messages show: the URL without its token.
        self.where = mask_url(url)
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:  # a port out of range or not a number
            host, port = None, None
        if not host or not port:
            raise ConfigError(
                tr("[store] posts = %(url)r names no host and port", url=self.where),
                hint=tr('Write "veille+http://HOST:PORT", the address `veille store '
                        "serve-posts` prints."),
            )  # fmt: skip
        self.url = url
        self.base = f"http://{host}:{port}/v1/"
        token = (parse_qs(parts.query).get("token") or [""])[0]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(timeout=TIMEOUT, headers=headers)

    def _call(self, name: str, body: dict[str, Any]) -> Any:
        import httpx

        try:
            reply = self.http.post(self.base + name, json=body)
        except httpx.HTTPError as exc:
            raise PostsUnavailable(
                tr(
                    "the posts endpoint %(shown)s does not answer: %(exc)s",
                    shown=self.where,
                    exc=exc,
                ),
                hint=tr(
                    "Start `veille store serve-posts` on the machine holding the "
                    "posts, or check [store] posts."
                ),
            ) from exc
        if reply.status_code != 200:
            raise StoreError(
                tr(
                    "the posts endpoint %(shown)s refused %(name)s: %(detail)s",
                    shown=self.where,
                    name=name,
                    detail=_detail(reply),
                )
            )
        return reply.json()["result"]

    # -- what ingest asks ------------------------------------------------------

    def stored_content(self, posts: Sequence[Post]) -> dict[str, str]:
        found: dict[str, str] = self._call(
            "stored_content", {"posts": [post_to_json(p) for p in posts]}
        )
        return found

    def upsert_posts(self, posts: Iterable[Post], *, cursor: Cursor | None = None) -> UpsertResult:
        if cursor is not None:
            raise StoreError(
                tr("the posts endpoint keeps no cursors"),
                hint=tr("Write cursors to the state store."),
            )
        body: dict[str, Any] = {"posts": [post_to_json(p) for p in posts]}
        return result_from_json(self._call("upsert_posts", body))

    def set_clusters(self, clusters: Sequence[tuple[str, str]]) -> None:
        """``(post id, cluster id)`` pairs, written to the posts (the state
        keeps the signatures; top stories read the posts' clusters)."""
        self._call("set_clusters", {"clusters": [list(c) for c in clusters]})

    def file_posts(self, filings: Sequence[tuple[str, int]]) -> None:
        """``(post id, topic id)`` filings, where the posts' aggregations read them."""
        self._call("file_posts", {"filings": [list(f) for f in filings]})

    def forget_topic(self, topic_id: int) -> None:
        """What the served store keeps under a removed topic. A server of a
        veille from before 2026-12-06 has no such call: said in the log, not
        raised (the topic is removed from the state all the same, its rows
        left there as that release left them)."""
        try:
            self._call("forget_topic", {"topic_id": int(topic_id)})
        except StoreError as exc:
            if "no call 'forget_topic'" not in str(exc):  # that release's 404
                raise
            log.warning(
                "the posts endpoint %s kept what it counts under removed topic %d (it runs a "
                "veille from before 2026-12-06): upgrade veille where `veille store "
                "serve-posts` runs before saving another topic",
                self.where, topic_id,
            )  # fmt: skip

    # -- reads -----------------------------------------------------------------

    def get_post(self, post_id: str) -> Post | None:
        data = self._call("get_post", {"id": post_id})
        return None if data is None else post_from_json(data)

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]:
        return [post_from_json(p) for p in self._call("get_posts", {"ids": list(post_ids)})]

    def ping(self) -> None:
        """Whether the endpoint, and the posts store behind it, answer (``/healthz``)."""
        self._call("ping", {})

    def count_posts(self, flt: PostFilter | None = None) -> int:
        return int(self._call("count_posts", {"filter": filter_to_json(flt)}))

    def iter_posts(
        self, flt: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        import httpx

        body = {"filter": filter_to_json(flt), "batch": batch_size}
        try:
            with self.http.stream("POST", self.base + "iter_posts", json=body) as reply:
                if reply.status_code != 200:
                    reply.read()
                    raise StoreError(
                        tr(
                            "the posts endpoint %(shown)s refused iter_posts: %(detail)s",
                            shown=self.where,
                            detail=_detail(reply),
                        )
                    )
                for line in reply.iter_lines():
                    if line:
                        yield post_from_json(json.loads(line))
        except httpx.HTTPError as exc:
            # Refused, or cut off before the walk's end (the endpoint ends a
            # walk that fails midway without its last chunk): never read as
            # the end of the posts.
            raise StoreError(
                tr(
                    "the walk over the posts of %(shown)s did not finish: %(exc)s",
                    shown=self.where,
                    exc=exc,
                ),
                hint=tr(
                    "Check that `veille store serve-posts` runs there and what "
                    "it logged, then run the command again."
                ),
            ) from exc

    def post_digests(self, *, batch_size: int = 5000) -> Iterator[tuple[str, str]]:
        """Through the walk the endpoint serves (whole posts)."""
        for post in self.iter_posts(batch_size=batch_size):
            yield post.id, post.content_hash

    def replies_to(self, post_id: str, *, limit: int = 200) -> list[Post]:
        found = self._call("replies_to", {"id": post_id, "limit": limit})
        return [post_from_json(p) for p in found]

    # -- forgetting (the state's part is the caller's: veille.services.privacy) --

    def author_post_ids(self, handle: str, platform: str | None) -> list[str]:
        return list(self._call("author_post_ids", {"handle": handle, "platform": platform}))

    def forgotten_ids(self, posts: Iterable[Post]) -> list[str]:
        """The ids of ``posts`` an erasure forgot (see veille.pipeline.ingest)."""
        keys = [[p.id, p.platform, p.author.handle, int(p.published_at.timestamp())] for p in posts]
        return list(self._call("forgotten_among", {"keys": keys})) if keys else []

    def forgotten_posts(self, post_ids: Iterable[str]) -> list[str]:
        """Those of ``post_ids`` that name an erased post."""
        keys = sorted(set(post_ids))
        return list(self._call("forgotten_posts", {"keys": keys})) if keys else []

    def forgotten_records(self) -> list[tuple[str, str, int]]:
        """The served store's record of whom erasures forgot (``veille store
        migrate`` carries it with the posts)."""
        found = self._call("forgotten_records", {})
        return [(str(kind), str(key), int(at)) for kind, key, at in found]

    def objections(self, keys: Sequence[str]) -> list[str]:
        return [str(k) for k in self._call("objections", {"keys": list(keys)})] if keys else []

    def lift_objection(self, keys: Sequence[str]) -> list[str]:
        return [str(k) for k in self._call("lift_objection", {"keys": list(keys)})] if keys else []

    def record_forgotten(self, records: Sequence[tuple[str, str, int]]) -> None:
        if records:
            self._call("record_forgotten", {"records": [list(r) for r in records]})

    def purged_topic_totals(self) -> list[tuple[int, ...]]:
        """What the served store's topics count of posts it no longer holds
        (``veille store migrate`` carries them with the posts); a server of
        an older veille gives no coverage counts: they are told from the sums
        (:func:`veille.store.purged.topic_totals`)."""
        found = self._call("purged_topic_totals", {})
        return [topic_totals(r) for r in found]

    def add_purged_topic_totals(self, rows: Sequence[tuple[int, ...]]) -> None:
        """Send rows of :meth:`purged_topic_totals`'s shape; a row without
        sentiment goes as seven values, which a server of the release before
        the topics' sentiment (2026-12-06) takes too (it refuses ten)."""
        if not rows:
            return
        sent = [list(r[:7]) if len(r) == 10 and not any(r[7:]) else list(r) for r in rows]
        # The wide rows first: that release refused them before adding any row.
        sent.sort(key=len, reverse=True)
        try:
            self._call("add_purged_topic_totals", {"rows": sent})
        except StoreError as exc:
            if "5 or 7 values" not in str(exc):  # that release's refusal
                raise
            raise StoreError(
                tr(
                    "the posts endpoint %(url)s cannot keep the sentiment of saved topics "
                    "on purged days: it runs a veille from before 2026-12-06",
                    url=self.where,
                ),
                hint=tr("Upgrade veille where `veille store serve-posts` runs, then move again."),
            ) from exc

    def purged_rollup(self) -> list[tuple[Any, ...]]:
        """What the served store's figures count of posts it no longer holds,
        by quarter-hour, platform, language, country and sentiment
        (``veille store migrate`` carries them with the posts)."""
        found = self._call("purged_rollup", {})
        if any(len(r) != 10 for r in found):
            # A server of an earlier release: by platform and language only.
            raise StoreError(
                tr(
                    "the posts endpoint %(url)s gives the figures of purged posts without "
                    "their country and sentiment",
                    url=self.where,
                ),
                hint=tr("Upgrade veille where `veille store serve-posts` runs, then move again."),
            )
        return [(int(r[0]), *map(str, r[1:5]), *map(int, r[5:])) for r in found]

    def add_purged_rollup(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._call("add_purged_rollup", {"rows": [list(r) for r in rows]})

    def purged_entities(self) -> list[tuple[str, int, str, int, int]]:
        """What the served store's hashtags and domains count of posts it no
        longer holds, by day (``veille store migrate`` carries them)."""
        found = self._call("purged_entities", {})
        return [(str(k), int(d), str(v), int(n), int(e)) for k, d, v, n, e in found]

    def add_purged_entities(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._call("add_purged_entities", {"rows": [list(r) for r in rows]})

    def purged_entity_quarters(self) -> list[tuple[str, int, str, int, int]]:
        """What the served store keeps of the hashtags and domains of posts it
        no longer holds, by quarter-hour (``veille store migrate`` carries them)."""
        found = self._call("purged_entity_quarters", {})
        return [(str(k), int(b), str(v), int(n), int(e)) for k, b, v, n, e in found]

    def add_purged_entity_quarters(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._call("add_purged_entity_quarters", {"rows": [list(r) for r in rows]})

    def purged_authors(self) -> list[tuple[Any, ...]]:
        """What the served store's authors' rollup counts of posts it no
        longer holds (``veille store migrate`` carries them)."""
        found = self._call("purged_authors", {})
        return [(int(r[0]), str(r[1]), str(r[2]), *map(int, r[3:6]), r[6]) for r in found]

    def add_purged_authors(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._call("add_purged_authors", {"rows": [list(r) for r in rows]})

    def erase_author_posts(self, handle: str, platform: str | None) -> ErasureReport:
        data = self._call("erase_author_posts", {"handle": handle, "platform": platform})
        return report_from_json(data)

    def post_ids_before(self, cutoff: datetime, *, after: str = "", limit: int = 2000) -> list[str]:
        body = {"cutoff": cutoff.isoformat(), "after": after, "limit": limit}
        return list(self._call("post_ids_before", body))

    def delete_posts_before(
        self, cutoff: datetime, *, batch: int = 2000, names_from: datetime | None = None
    ) -> ErasureReport:
        body: dict[str, Any] = {"cutoff": cutoff.isoformat(), "batch": batch}
        if names_from is not None:  # (a server of the release before ignores it)
            body["names_from"] = names_from.isoformat()
        return report_from_json(self._call("delete_posts_before", body))

    def purged_until(self) -> datetime | None:
        found = self._call("purged_until", {})
        return None if found is None else datetime.fromisoformat(found)

    def drop_raw_before(self, cutoff: datetime) -> int:
        return int(self._call("drop_raw_before", {"cutoff": cutoff.isoformat()}))

    def compact_months(self) -> list[str]:
        """The served store's upkeep (ClickHouse merges its months left in
        several parts); a store without one answers ``[]``."""
        return list(self._call("compact_months", {}))

    def __getattr__(self, name: str) -> Any:
        """The PostStore calls the endpoint does not serve (search, analytics,
        stats, story copies, a sentiment correction…): each refused with a
        :class:`NotServed` naming it, an AttributeError too, so that a probe
        (``getattr(store, name, None)``) finds none. Any other name is
        missing as usual."""
        if name.startswith("_") or name not in _posts_calls():
            raise AttributeError(name)
        raise NotServed(
            tr(
                "%(name)s is not served by the posts endpoint %(endpoint)s",
                name=name,
                endpoint=self.__dict__.get("where", ""),
            ),
            hint=tr(
                "Run the command where [store] posts names the posts store "
                "itself (the machine that runs `veille store serve-posts`)."
            ),
        )

    def close(self) -> None:
        self.http.close()


class RemoteBackend:
    """Registered under ``veille+http`` (role ``posts``)."""

    scheme = "veille+http"
    roles = frozenset({"posts"})

    def open(self, url: str, *, root: Any) -> RemotePostStore:
        return RemotePostStore(url)
