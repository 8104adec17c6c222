"""``veille store serve-posts`` and its client (``veille+http://``): what a
collector sees when the endpoint refuses it, when a call is malformed, and
when the server's store fails in the middle of a walk over the posts (a
migration's copy, a checksum): an error that names the endpoint, never a
short answer read as the whole."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_post
from veille.errors import StoreError
from veille.store.remote.client import RemotePostStore
from veille.store.remote.server import PostServer
from veille.store.sqlite import SQLiteStore

TOKEN = "s3cret-token"


class FailsMidWalk:
    """A posts store whose walk fails after ``after`` posts (a disk gone)."""

    def __init__(self, inner: Any, after: int) -> None:
        self.inner = inner
        self.after = after

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def iter_posts(self, flt: Any = None, *, batch_size: int = 1000) -> Iterator[Any]:
        for i, post in enumerate(self.inner.iter_posts(flt, batch_size=batch_size)):
            if i == self.after:
                raise OSError(5, "Input/output error", "posts.db")
            yield post


@pytest.fixture
def held(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore.open(tmp_path / "posts.db")
    store.upsert_posts([make_post(str(i), f"post number {i}") for i in range(12)])
    yield store
    store.close()


@pytest.fixture
def served(held: SQLiteStore) -> Iterator[PostServer]:
    server = PostServer(held, token=TOKEN).start()
    yield server
    server.stop()


def test_a_call_without_the_token_is_refused_and_with_it_answered(served: PostServer) -> None:
    for url in (served.url, f"{served.url}?token=wrong"):
        with pytest.raises(StoreError, match="refused count_posts: a valid token is required"):
            RemotePostStore(url).count_posts()
        with pytest.raises(StoreError, match="refused iter_posts: a valid token is required"):
            list(RemotePostStore(url).iter_posts())
    client = RemotePostStore(f"{served.url}?token={TOKEN}")
    assert client.count_posts() == 12
    assert len(list(client.iter_posts(batch_size=5))) == 12


def test_malformed_calls_get_a_reason_and_the_server_goes_on(served: PostServer) -> None:
    base = served.url.replace("veille+http", "http") + "/v1/"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(timeout=60, headers=auth) as http:
        unknown = http.post(base + "drop_everything", json={})
        assert unknown.status_code == 404 and "no call 'drop_everything'" in unknown.text
        missing = http.post(base + "upsert_posts", json={"post": []})
        assert missing.status_code == 400 and "lacks 'posts'" in missing.text
        not_json = http.post(base + "count_posts", content=b"{not json")
        assert not_json.status_code == 400 and "not JSON" in not_json.text
        not_object = http.post(base + "count_posts", json=[1, 2])
        assert not_object.status_code == 400 and "not a JSON object" in not_object.text
        assert http.post(base + "count_posts", json={}).json() == {"result": 12}
    # (httpx sends no such header: a raw request.)
    host, port = served.httpd.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=10) as raw:
        raw.sendall(
            b"POST /v1/count_posts HTTP/1.1\r\nHost: x\r\n"
            + f"Authorization: Bearer {TOKEN}\r\n".encode()
            + b"Content-Length: lots\r\n\r\n{}"
        )
        answer = raw.makefile("rb").read().decode()
    assert answer.startswith("HTTP/1.1 400") and "Content-Length is not a number" in answer


def test_a_walk_that_fails_on_the_server_is_an_error_not_fewer_posts(
    held: SQLiteStore, caplog: pytest.LogCaptureFixture
) -> None:
    server = PostServer(FailsMidWalk(held, after=7)).start()
    try:
        client = RemotePostStore(server.url)
        read: list[Any] = []
        with (
            caplog.at_level(logging.ERROR, logger="veille.store.remote.server"),
            pytest.raises(StoreError, match="did not finish") as failed,
        ):
            read.extend(client.iter_posts(batch_size=3))
        assert len(read) == 7  # what came before the failure, then the error
        assert server.url in failed.value.message
        assert "serve-posts" in (failed.value.hint or "")
        logged = [r for r in caplog.records if r.name == "veille.store.remote.server"]
        assert logged and logged[0].exc_info and "Input/output error" in str(logged[0].exc_info[1])
        assert client.count_posts() == 12  # the endpoint still answers
    finally:
        server.stop()


def test_an_endpoint_that_is_down_is_named_with_what_to_do(served: PostServer) -> None:
    url = f"{served.url}?token={TOKEN}"
    served.stop()
    client = RemotePostStore(url)
    with pytest.raises(StoreError, match="does not answer") as call:
        client.count_posts()
    with pytest.raises(StoreError, match="did not finish") as walk:
        list(client.iter_posts())
    for err in (call.value, walk.value):
        assert "serve-posts" in (err.hint or "")


class GivesOldPurgedShape:
    """A posts store as a release before 2026-12-05 served it: the figures
    of purged posts by quarter-hour, platform and language only."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def purged_rollup(self) -> list[tuple[Any, ...]]:
        return [(7, "mastodon", "en", 3, 4, 5, 3)]


def test_purged_figures_of_an_earlier_server_are_refused_not_misread(
    held: SQLiteStore,
) -> None:
    """A move from (or to) a posts server of an earlier release: its
    figures of purged posts lack country and sentiment. Read as today's
    rows they put counts in the place of a country; the move stops, saying
    to upgrade the server."""
    server = PostServer(GivesOldPurgedShape(held)).start()
    try:
        client = RemotePostStore(server.url)
        with pytest.raises(StoreError, match="without their country and sentiment") as err:
            client.purged_rollup()
        assert "serve-posts" in str(err.value.hint)
        client.close()
    finally:
        server.stop()
