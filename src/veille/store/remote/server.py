"""``veille store serve-posts``: the process that holds the posts serves them.

A small HTTP endpoint (stdlib ``ThreadingHTTPServer``; JSON in and out) over
the workspace's PostStore, for collectors on other machines: ``POST
/v1/<call>`` for the calls ingest and the scheduler make (which posts are
stored and with what content, the idempotent upsert, the cluster ids and
topic filings ingest's stages find (:data:`veille.store.split.ECHOED`), reads
by id, counts, a filtered walk streamed as JSON lines), the replies under an
inbox item, and the posts' part of forgetting a person or old posts
(:data:`PRIVACY_CALLS`) with the record of whom erasures forgot and what
saved topics count of purged posts. A shared token, when set, is required
in the ``Authorization: Bearer`` header. Listen on a private network only:
it is a store connection, like a database port.
"""

from __future__ import annotations

import errno
import hmac
import json
import logging
import socket
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from veille.errors import UsageError, tr
from veille.httpserver import LoggingHTTPServer
from veille.store.remote.codec import (
    filter_from_json,
    post_from_json,
    post_to_json,
    report_to_json,
    result_to_json,
)
from veille.store.split import ECHOED, write_to_posts

log = logging.getLogger(__name__)
# Deletions of veille.store.protocols.privacy.PrivacyPosts.
PRIVACY_CALLS = frozenset({"erase_author_posts", "delete_posts_before", "drop_raw_before"})
# Calls that write: one at a time.
WRITES = frozenset(
    {
        "upsert_posts",
        *ECHOED,
        *PRIVACY_CALLS,
        "record_forgotten",
        "add_purged_topic_totals",
        "add_purged_rollup",
        "add_purged_entities",
        "add_purged_entity_quarters",
        "add_purged_authors",
        "lift_objection",
        "forget_topic",
    }
)


def _author_row(r: Any) -> tuple[Any, ...]:
    """``(day, platform, handle, posts, engagement, followers, name)`` from JSON."""
    return (int(r[0]), str(r[1]), str(r[2]), *map(int, r[3:6]),
            None if r[6] is None else str(r[6]))  # fmt: skip


class UnknownCall(LookupError):
    """The endpoint offers no call of this name (answered 404)."""


def _privacy_call(store: Any, name: str, body: dict[str, Any]) -> Any:
    """The answer to a forgetting call, or :class:`UnknownCall`."""
    if name == "author_post_ids":
        return store.author_post_ids(body["handle"], body.get("platform"))
    if name == "erase_author_posts":
        return report_to_json(store.erase_author_posts(body["handle"], body.get("platform")))
    cutoff = datetime.fromisoformat(body["cutoff"])
    if name == "post_ids_before":
        return store.post_ids_before(
            cutoff, after=str(body.get("after", "")), limit=int(body.get("limit", 2000))
        )
    if name == "delete_posts_before":
        since = body.get("names_from")
        return report_to_json(
            store.delete_posts_before(
                cutoff,
                batch=int(body.get("batch", 2000)),
                names_from=None if since is None else datetime.fromisoformat(since),
            )
        )
    if name == "drop_raw_before":
        return store.drop_raw_before(cutoff)
    raise UnknownCall(name)


def _call(store: Any, name: str, body: dict[str, Any]) -> Any:
    """The answer to one call (JSON-able); :class:`UnknownCall` for a name the
    endpoint does not offer, KeyError for a body that lacks a field."""
    if name == "stored_content":
        return store.stored_content([post_from_json(p) for p in body["posts"]])
    if name == "upsert_posts":
        # (An older collector's "expire" is ignored: every write leaves out
        # what a purge deleted.)
        posts = [post_from_json(p) for p in body["posts"]]
        return result_to_json(store.upsert_posts(posts))
    if name in ECHOED:
        rows = body["clusters"] if name == "set_clusters" else body["filings"]
        write_to_posts(store, name, [tuple(r) for r in rows])
        return None
    if name == "get_posts":
        return [post_to_json(p) for p in store.get_posts(body["ids"])]
    if name == "get_post":
        post = store.get_post(body["id"])
        return None if post is None else post_to_json(post)
    if name == "ping":  # /healthz of a web worker or a collector's check
        ping = getattr(store, "ping", None)
        if ping is not None:
            ping()
        return None
    if name == "count_posts":
        return store.count_posts(filter_from_json(body.get("filter")))
    if name == "replies_to":
        return [post_to_json(p) for p in store.replies_to(body["id"], limit=int(body["limit"]))]
    if name in ("forgotten_among", "forgotten_posts"):
        check = getattr(store, name, None)
        return [] if check is None else check(body["keys"])
    if name == "purged_until":  # the monitors' windows
        until = store.purged_until()
        return None if until is None else until.isoformat()
    if name == "forgotten_records":  # veille store migrate carries them
        return [list(r) for r in store.forgotten_records()]
    if name == "record_forgotten":
        store.record_forgotten([(str(k), str(key), int(at)) for k, key, at in body["records"]])
        return None
    if name == "lift_objection":  # veille privacy lift
        return store.lift_objection([str(k) for k in body["keys"]])
    if name == "objections":  # veille privacy access
        return store.objections([str(k) for k in body["keys"]])
    if name == "purged_topic_totals":  # and the topics' figures of purged posts
        # A row without sentiment as seven values: what a client of the
        # release before the topics' sentiment (2026-12-06) reads too.
        return [
            list(r[:7]) if len(r) == 10 and not any(r[7:]) else list(r)
            for r in store.purged_topic_totals()
        ]
    if name == "add_purged_topic_totals":
        store.add_purged_topic_totals([tuple(int(v) for v in r) for r in body["rows"]])
        return None
    if name == "purged_rollup":  # and the figures of purged posts
        return [list(r) for r in store.purged_rollup()]
    if name == "add_purged_rollup":
        store.add_purged_rollup(
            [(int(r[0]), *map(str, r[1:5]), *map(int, r[5:])) for r in body["rows"]]
        )
        return None
    if name == "purged_entities":  # and the hashtags and domains of purged posts
        return [list(r) for r in store.purged_entities()]
    if name == "add_purged_entities":
        store.add_purged_entities(
            [(str(k), int(d), str(v), int(n), int(e)) for k, d, v, n, e in body["rows"]]
        )
        return None
    if name == "purged_entity_quarters":  # and those per quarter-hour
        return [list(r) for r in store.purged_entity_quarters()]
    if name == "add_purged_entity_quarters":
        store.add_purged_entity_quarters(
            [(str(k), int(b), str(v), int(n), int(e)) for k, b, v, n, e in body["rows"]]
        )
        return None
    if name == "purged_authors":  # and the authors' figures of purged posts
        return [list(r) for r in store.purged_authors()]
    if name == "add_purged_authors":
        store.add_purged_authors([_author_row(r) for r in body["rows"]])
        return None
    if name in PRIVACY_CALLS or name in ("author_post_ids", "post_ids_before"):
        return _privacy_call(store, name, body)
    if name == "forget_topic":  # a saved topic removed (its id may be given again)
        forget = getattr(store, name, None)
        if forget is None:
            raise UnknownCall(name)
        forget(int(body["topic_id"]))
        return None
    if name == "compact_months":  # the scheduler's hourly upkeep
        compact = getattr(store, name, None)
        return [] if compact is None else compact()
    raise UnknownCall(name)


def address_error(host: str, port: int, exc: BaseException) -> UsageError:
    """Why ``host``: ``port`` cannot be listened on, naming the option to change."""
    if isinstance(exc, OSError) and exc.errno in (errno.EADDRINUSE, errno.EACCES):
        return UsageError(
            tr("cannot listen on %(host)s:%(port)s: %(exc)s", host=host, port=port, exc=exc),
            hint=tr(
                "Another program uses that port, or it needs privileges: "
                "pass --port with another number (0: any free one)."
            ),
        )
    return UsageError(
        tr(
            "cannot listen on %(host)s:%(port)s: --host %(given)r is not "
            "an address of this machine (%(exc)s)",
            host=host,
            given=host,
            port=port,
            exc=exc,
        ),
        hint=tr(
            "Pass --host with an IPv4 address this machine has (its "
            "private network's, or 127.0.0.1)."
        ),
    )


def check_address(host: str, port: int) -> None:
    """Raise a :class:`~veille.errors.UsageError` naming ``--port`` or
    ``--host`` unless the endpoint can listen on ``host``: ``port`` (checked
    before the posts store is opened: opening chDB takes a while)."""
    if not 0 <= port <= 65535:
        raise UsageError(
            tr("--port %(port)s is not a port number", port=port),
            hint=tr("Pass --port with a number from 1 to 65535 (0: any free one)."),
        )
    family = LoggingHTTPServer.address_family
    try:
        found = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As the server will (allow_reuse_address): a port another
            # program listens on is still refused.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(found[0][4])
    except OSError as exc:
        raise address_error(host, port, exc) from exc


class PostServer:
    """Serves ``store`` on ``host:port`` (port 0: one chosen by the system)."""

    def __init__(self, store: Any, host: str = "127.0.0.1", port: int = 0, token: str = "") -> None:
        self.store = store
        self.token = token
        # One writer at a time: chDB and SQLite each take one writer anyway,
        # and an upsert's lookups and inserts must not interleave with another's.
        self.write_lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, payload: Any) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                if server.token:
                    given = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if not hmac.compare_digest(given.encode(), server.token.encode()):
                        self._reply(401, {"error": "a valid token is required"})
                        return
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    self.close_connection = True  # where the next request starts is unknown
                    self._reply(400, {"error": "Content-Length is not a number"})
                    return
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._reply(400, {"error": "the body is not JSON"})
                    return
                name = self.path.removeprefix("/v1/")
                if not isinstance(body, dict):
                    self._reply(400, {"error": f"the body of {name} is not a JSON object"})
                    return
                if name == "iter_posts":
                    self._stream(body)
                    return
                try:
                    if name in WRITES:
                        with server.write_lock:
                            answer = _call(server.store, name, body)
                    else:
                        answer = _call(server.store, name, body)
                except UnknownCall:
                    self._reply(404, {"error": f"no call {name!r}"})
                    return
                except KeyError as exc:
                    self._reply(400, {"error": f"the body of {name} lacks {exc}"})
                    return
                except Exception as exc:  # the caller retries or reports it
                    log.exception("posts call %s failed", name)
                    self._reply(500, {"error": f"{type(exc).__name__}: {exc}"})
                    return
                self._reply(200, {"result": answer})

            def _stream(self, body: dict[str, Any]) -> None:
                # Chunked JSON lines: a walk over millions of posts in constant memory.
                try:
                    flt = filter_from_json(body.get("filter"))
                    batch = int(body.get("batch", 1000))
                except (TypeError, ValueError, KeyError) as exc:
                    self._reply(400, {"error": f"iter_posts: {exc}"})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                posts = server.store.iter_posts(flt, batch_size=batch)
                while True:
                    try:
                        post = next(posts, None)
                    except Exception:
                        # The status is sent: the walk ends without its last
                        # chunk, which the caller reads as an error, never as
                        # the end of the posts.
                        log.exception("a posts walk failed midway")
                        self.close_connection = True
                        return
                    line = (
                        b""
                        if post is None
                        else json.dumps(post_to_json(post), ensure_ascii=False).encode() + b"\n"
                    )
                    try:
                        self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    except OSError as exc:  # the caller left (or its connection broke)
                        log.info("a posts walk ended early: the caller left (%s)", exc)
                        self.close_connection = True
                        return
                    if post is None:  # that was the last chunk (empty)
                        return

        try:
            self.httpd = LoggingHTTPServer((host, port), Handler, __name__)
        except (OSError, OverflowError) as exc:
            raise address_error(host, port, exc) from exc
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"veille+http://{host!s}:{port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def start(self) -> PostServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
