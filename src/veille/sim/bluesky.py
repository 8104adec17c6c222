"""A simulated Bluesky AppView (searchPosts, getAuthorFeed, getPosts,
resolveHandle), PDS (createSession, createRecord) and a Jetstream v1 websocket
server, all serving the generated ``bluesky`` posts.

``com.atproto.repo.createRecord`` needs the ``accessJwt`` of a session made by
``createSession`` (password :data:`APP_PASSWORD`), writes into that account's
repo only, validates an ``app.bsky.feed.post`` (text of at most 300 graphemes
and 3,000 bytes, ``createdAt``, reply refs that exist) with the AT Protocol's
error JSON, refuses a record key already used, and adds the post to the world
so search, feeds and Jetstream show it. Requests are kept in ``host.writes``."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route, SimWorld
from veille.sim.social import iso_z, remember, seq_of, words_match

PLATFORM = "bluesky"
APP_PASSWORD = "app-pass-word-sim1"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
_B32 = "234567abcdefghijklmnopqrstuvwxyz"
_TOKEN = re.compile(r"\S+")


def time_us(post: Post) -> int:
    """The post's time in microseconds, made unique with its sequence number."""
    return int(post.published_at.timestamp()) * 1_000_000 + seq_of(post) % 1_000_000


def tid(post: Post) -> str:
    """An AT Protocol record key: 64 bits (time in µs, 10-bit clock id) in
    base32-sortable, 13 characters (a written post keeps the key it was given)."""
    given = post.raw.get("sim_rkey")
    if isinstance(given, str):
        return given
    value = (time_us(post) << 10) | (seq_of(post) & 0x3FF)
    out = ""
    for _ in range(13):
        out = _B32[value & 31] + out
        value >>= 5
    return out


def did(handle: str) -> str:
    digest = hashlib.blake2b(handle.encode(), digest_size=15).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()


def cid(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def handle_of(post: Post) -> str:
    h = post.author.handle
    return h if "." in h else f"{h}.bsky.social"


def uri(post: Post) -> str:
    return f"at://{did(handle_of(post))}/app.bsky.feed.post/{tid(post)}"


def facets(text: str) -> list[dict[str, Any]]:
    """Tag, mention and link facets with UTF-8 byte offsets, as clients write them."""
    out: list[dict[str, Any]] = []
    for m in _TOKEN.finditer(text):
        word = m.group().rstrip(".,!?;:")
        start = len(text[: m.start()].encode())
        end = start + len(word.encode())
        index = {"byteStart": start, "byteEnd": end}
        if word.startswith("#") and len(word) > 1:
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": word[1:]}
        elif word.startswith("@") and len(word) > 1:
            h = word[1:] if "." in word[1:] else f"{word[1:]}.bsky.social"
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did(h)}
        elif word.startswith(("http://", "https://")):
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": word}
        else:
            continue
        out.append({"index": index, "features": [feature]})
    return out


def record(post: Post, world: SimWorld) -> dict[str, Any]:
    given = post.raw.get("sim_record")
    if isinstance(given, dict):  # written through createRecord: as the client wrote it
        return dict(given)
    rec: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": iso_z(post.published_at),
        "langs": [post.lang] if post.lang else [],
    }
    found = facets(post.text)
    if found:
        rec["facets"] = found
    parent = world.by_id.get(post.parent_id or "")
    if parent is not None:
        root = world.by_id.get(post.thread_id or "") or parent
        rec["reply"] = {
            "root": {"uri": uri(root), "cid": cid(root.id)},
            "parent": {"uri": uri(parent), "cid": cid(parent.id)},
        }
    if post.media:
        rec["embed"] = {
            "$type": "app.bsky.embed.images",
            "images": [
                {
                    "alt": "",
                    "image": {
                        "$type": "blob",
                        "ref": {"$link": cid(m)},
                        "mimeType": "image/jpeg",
                        "size": 48213,
                    },
                }
                for m in post.media
            ],
        }
    return rec


def author_view(post: Post) -> dict[str, Any]:
    h = handle_of(post)
    return {
        "did": did(h),
        "handle": h,
        "displayName": post.author.name or "",
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did(h)}/{cid(h)}@jpeg",
        "labels": [],
        "createdAt": "2023-09-19T15:47:01.417Z",
    }


def post_view(post: Post, world: SimWorld) -> dict[str, Any]:
    rec = record(post, world)
    view: dict[str, Any] = {
        "uri": uri(post),
        "cid": cid(post.id),
        "author": author_view(post),
        "record": rec,
        "replyCount": post.engagement.replies,
        "repostCount": post.engagement.shares,
        "likeCount": post.engagement.likes,
        "quoteCount": 0,
        "indexedAt": iso_z(post.published_at),
        "labels": [],
    }
    if "embed" in rec:
        d = did(handle_of(post))
        view["embed"] = {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": f"https://cdn.bsky.app/img/feed_thumbnail/plain/{d}/{i['image']['ref']['$link']}@jpeg",
                    "fullsize": f"https://cdn.bsky.app/img/feed_fullsize/plain/{d}/{i['image']['ref']['$link']}@jpeg",
                    "alt": "",
                }
                for i in rec["embed"]["images"]
            ],
        }
    return view


def _limit(req: Request) -> int:
    return min(100, max(1, int(req.arg("limit", "25") or 25)))


def _offset(req: Request) -> int:
    value = req.arg("cursor")
    return int(value) if value and value.isdigit() else 0


def _search(req: Request) -> Reply:
    query = req.arg("q")
    if not query:
        return Reply.json(
            {"error": "InvalidRequest", "message": 'Params must have the property "q"'}, status=400
        )
    since = req.arg("since")
    posts = [
        p
        for p in req.world.visible(platform=PLATFORM)
        if p.repost_of is None and words_match(p, query)
    ]
    if since:  # inclusive, as the AppView does
        floor = datetime.fromisoformat(since.replace("Z", "+00:00"))
        posts = [p for p in posts if p.published_at >= floor]
    until = req.arg("until")
    if until:  # exclusive
        ceiling = datetime.fromisoformat(until.replace("Z", "+00:00"))
        posts = [p for p in posts if p.published_at < ceiling]
    start, limit = _offset(req), _limit(req)
    page = posts[start : start + limit]
    body: dict[str, Any] = {
        "hitsTotal": len(posts),
        "posts": [post_view(p, req.world) for p in page],
    }
    if start + limit < len(posts):
        body["cursor"] = str(start + limit)
    return Reply.json(body)


def _author_feed(req: Request) -> Reply:
    actor = req.arg("actor") or ""
    handles = {p.author.handle for p in req.world.by_platform.get(PLATFORM, [])}
    wanted = next(
        (
            h
            for h in handles
            if actor in (h, f"{h}.bsky.social", did(h if "." in h else f"{h}.bsky.social"))
        ),
        None,
    )
    if wanted is None:
        return Reply.json({"error": "InvalidRequest", "message": "Profile not found"}, status=400)
    posts = req.world.visible(platform=PLATFORM, author=wanted)
    start, limit = _offset(req), _limit(req)
    feed = []
    for p in posts[start : start + limit]:
        target = req.world.by_id.get(p.repost_of or "")
        if target is not None:
            feed.append(
                {
                    "post": post_view(target, req.world),
                    "reason": {
                        "$type": "app.bsky.feed.defs#reasonRepost",
                        "by": author_view(p),
                        "indexedAt": iso_z(p.published_at),
                    },
                }
            )
        else:
            feed.append({"post": post_view(p, req.world)})
    body: dict[str, Any] = {"feed": feed}
    if start + limit < len(posts):
        body["cursor"] = str(start + limit)
    return Reply.json(body)


def _session(req: Request) -> Reply:
    creds = req.json() or {}
    if not creds.get("identifier") or creds.get("password") != APP_PASSWORD:
        return Reply.json(
            {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            status=401,
        )
    h = str(creds["identifier"])
    access = "sim-access-" + cid(h)[:16]
    # The PDS side (createRecord) knows whose repo a token writes to.
    req.host.state.setdefault("sessions", {})[access] = h
    return Reply.json(
        {
            "did": did(h),
            "handle": h,
            "accessJwt": access,
            "refreshJwt": "sim-refresh-" + cid(h)[:16],
            "active": True,
        }
    )


def _profile(req: Request) -> Reply:
    """app.bsky.actor.getProfile: the account's counts (veille's plan snapshots
    its own accounts' followers with it)."""
    actor = req.arg("actor") or ""
    posts = [
        p
        for p in req.world.by_platform.get(PLATFORM, [])
        if actor in (p.author.handle, handle_of(p), did(handle_of(p)))
    ]
    if not posts:
        return Reply.json({"error": "InvalidRequest", "message": "Profile not found"}, status=400)
    seen = req.world.visible(platform=PLATFORM, author=posts[0].author.handle)
    return Reply.json(
        {
            **author_view(posts[0]),
            "followersCount": posts[0].author.followers or 0,
            "followsCount": 100,
            "postsCount": len(seen),
        }
    )


def _invalid(req: Request, message: str, status: int = 400, error: str = "InvalidRequest") -> Reply:
    return remember(req, Reply.json({"error": error, "message": message}, status=status))


def _known_handles(world: SimWorld) -> set[str]:
    return {handle_of(p) for p in world.by_platform.get(PLATFORM, [])}


def _resolve_handle(req: Request) -> Reply:
    handle = (req.arg("handle") or "").lower().lstrip("@")
    sessions = req.host.state.get("sessions", {})
    if handle and (handle in _known_handles(req.world) or handle in sessions.values()):
        return Reply.json({"did": did(handle)})
    return Reply.json(
        {"error": "InvalidRequest", "message": "Unable to resolve handle"}, status=400
    )


def _by_uri(world: SimWorld, wanted: set[str]) -> list[Post]:
    return [
        p for p in world.by_platform.get(PLATFORM, []) if p.repost_of is None and uri(p) in wanted
    ]


def _get_posts(req: Request) -> Reply:
    wanted = set(req.query.get("uris", []))
    if len(wanted) > 25:
        return Reply.json(
            {"error": "InvalidRequest", "message": "uris must not have more than 25 elements"},
            status=400,
        )
    now = req.world.clock.now()
    found = [p for p in _by_uri(req.world, wanted) if p.published_at <= now]
    return Reply.json({"posts": [post_view(p, req.world) for p in found]})


_BAD = "Invalid app.bsky.feed.post record: "
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")


def _create_record(req: Request) -> Reply:
    from veille.models import Author
    from veille.plan.lengths import graphemes
    from veille.sim.social import written_post

    handle = req.host.state.get("sessions", {}).get(req.token or "")
    if handle is None:
        return _invalid(req, "Authentication Required", 401, "AuthenticationRequired")
    try:
        body = req.json()
    except ValueError:
        return _invalid(req, "Request body is not JSON")
    if not isinstance(body, dict):
        return _invalid(req, "Input must be an object")
    repo, collection = body.get("repo"), body.get("collection")
    record = body.get("record")
    if repo not in (handle, did(handle)):
        return _invalid(req, "Invalid repo: you may only write to your own repo", 400)
    if collection != "app.bsky.feed.post":
        return _invalid(req, f"Unsupported collection: {collection}")
    if not isinstance(record, dict) or record.get("$type") != "app.bsky.feed.post":
        return _invalid(req, _BAD + "Record/$type must be app.bsky.feed.post")
    text = record.get("text")
    if not isinstance(text, str):
        return _invalid(
            req, 'Invalid app.bsky.feed.post record: Record must have the property "text"'
        )
    if graphemes(text) > MAX_GRAPHEMES:
        return _invalid(
            req,
            _BAD + f"Record/text must not be longer than {MAX_GRAPHEMES} graphemes",
        )
    if len(text.encode()) > MAX_BYTES:
        return _invalid(
            req,
            _BAD + f"Record/text must not be longer than {MAX_BYTES} characters",
        )
    if not isinstance(record.get("createdAt"), str):
        return _invalid(
            req, 'Invalid app.bsky.feed.post record: Record must have the property "createdAt"'
        )
    rkey = body.get("rkey")
    if rkey is not None and (not isinstance(rkey, str) or not _RKEY.fullmatch(rkey)):
        return _invalid(req, "Invalid record key")
    keys: set[tuple[str, str]] = req.host.state.setdefault("rkeys", set())
    if rkey and (handle, rkey) in keys:
        return _invalid(req, f"Record already exists: at://{did(handle)}/{collection}/{rkey}")
    parent = root = None
    reply = record.get("reply")
    if reply is not None:
        try:
            parent_uri, root_uri = reply["parent"]["uri"], reply["root"]["uri"]
        except (KeyError, TypeError):
            return _invalid(req, _BAD + "Record/reply must have parent and root")
        found = {uri(p): p for p in _by_uri(req.world, {parent_uri, root_uri})}
        parent, root = found.get(parent_uri), found.get(root_uri)
        if parent is None or root is None:
            return _invalid(req, _BAD + "reply parent or root not found")
    seq = req.world.next_seq()
    key = rkey or _tid_of(int(req.world.clock.now().timestamp() * 1_000_000), seq)
    keys.add((handle, key))
    langs = record.get("langs") or []
    post = written_post(
        req,
        platform=PLATFORM,
        native_id=f"{did(handle)}/app.bsky.feed.post/{key}",
        text=text,
        author=Author(handle=handle, name=handle.split(".")[0].title()),
        url=f"https://bsky.app/profile/{handle}/post/{key}",
        lang=str(langs[0]) if langs else None,
        parent_id=parent.id if parent else None,
        thread_id=root.id if root else None,
        raw={"sim_rkey": key, "sim_record": record},
    )
    return remember(
        req, Reply.json({"uri": uri(post), "cid": cid(post.id), "validationStatus": "valid"}), body
    )


def _tid_of(micros: int, clock_id: int) -> str:
    value = (micros << 10) | (clock_id & 0x3FF)
    out = ""
    for _ in range(13):
        out = _B32[value & 31] + out
        value >>= 5
    return out


def routes() -> list[Route]:
    return [
        Route("GET", r"/xrpc/app\.bsky\.actor\.getProfile", _profile),
        Route("GET", r"/xrpc/app\.bsky\.feed\.searchPosts", _search),
        Route("GET", r"/xrpc/app\.bsky\.feed\.getAuthorFeed", _author_feed),
        Route("GET", r"/xrpc/app\.bsky\.feed\.getPosts", _get_posts),
        Route("GET", r"/xrpc/com\.atproto\.identity\.resolveHandle", _resolve_handle),
        Route("POST", r"/xrpc/com\.atproto\.server\.createSession", _session),
        Route("POST", r"/xrpc/com\.atproto\.repo\.createRecord", _create_record),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("bluesky", routes())]


# -- Jetstream ---------------------------------------------------------------


def jetstream_events(world: SimWorld, after_us: int = 0) -> Iterator[dict[str, Any]]:
    """Jetstream v1 commit events for the visible bluesky posts (and a like for
    each, which a posts-only subscriber must ignore), oldest first."""
    for post in world.visible(platform=PLATFORM, newest_first=False):
        t = time_us(post)
        if t < after_us:
            continue
        d = did(handle_of(post))
        yield {
            "did": d,
            "time_us": t,
            "kind": "commit",
            "commit": {
                "rev": tid(post),
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": tid(post),
                "record": record(post, world),
                "cid": cid(post.id),
            },
        }
        yield {
            "did": did("liker.bsky.social"),
            "time_us": t + 1,
            "kind": "commit",
            "commit": {
                "rev": tid(post) + "l",
                "operation": "create",
                "collection": "app.bsky.feed.like",
                "rkey": tid(post) + "l",
                "record": {
                    "$type": "app.bsky.feed.like",
                    "createdAt": iso_z(post.published_at),
                    "subject": {"uri": uri(post), "cid": cid(post.id)},
                },
                "cid": cid(post.id + "like"),
            },
        }


class JetstreamServer:
    """``ws://127.0.0.x:port/subscribe``: replays from ``cursor`` (µs, inclusive),
    honours ``wantedCollections``, then streams new posts as the clock moves.

    ``hang_up=True``: the server closes the connection once it has sent every
    event up to the world's clock (the real service never does), so a test's
    collection ends there, not after its ``idle`` seconds of quiet: a
    machine slow enough to pause the stream for ``idle`` seconds then cuts
    no collection short."""

    def __init__(
        self,
        world: SimWorld,
        address: str = "127.0.0.1",
        poll: float = 0.05,
        *,
        hang_up: bool = False,
    ) -> None:
        self.world = world
        self.address = address
        self.poll = poll
        self.hang_up = hang_up
        self.connections = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        port = self._server.socket.getsockname()[1]
        return f"ws://{self.address}:{port}/subscribe"

    def _handle(self, ws: Any) -> None:
        self.connections += 1
        parts = urlsplit(ws.request.path)
        if parts.path != "/subscribe":
            ws.close(1008, "unknown path")
            return
        query = parse_qs(parts.query)
        wanted = set(query.get("wantedCollections", []))
        cursor = int(query.get("cursor", ["0"])[0] or 0)
        from websockets.exceptions import ConnectionClosed

        sent_until = cursor
        try:
            self._stream(ws, wanted, sent_until)
        except ConnectionClosed:
            return  # the consumer left; that is how a run ends

    def _stream(self, ws: Any, wanted: set[str], sent_until: int) -> None:
        while not self._stop.is_set():
            sent = False
            for event in jetstream_events(self.world, sent_until):
                if wanted and event["commit"]["collection"] not in wanted:
                    continue
                ws.send(json.dumps(event))
                sent_until = event["time_us"] + 1
                sent = True
            if not sent:
                if self.hang_up:
                    ws.close(1000, "caught up")
                    return
                self._stop.wait(self.poll)

    def start(self) -> JetstreamServer:
        from websockets.sync.server import serve

        self._server = serve(self._handle, self.address, 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def __enter__(self) -> JetstreamServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
