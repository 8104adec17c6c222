"""Every registered storage backend, for the contract suites
(``test_contract_posts.py``, ``test_contract_state.py``): a backend added to
the registry (built-in or through the ``veille.stores`` entry points) runs
them by offering ``test_url(folder)``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from veille.store.registry import registry


def _backends(role: str) -> list[Any]:
    return [
        pytest.param(b, id=scheme) for scheme, b in sorted(registry().items()) if role in b.roles
    ]


def _open(backend: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    if backend.scheme == "postgresql":
        request.getfixturevalue("postgres_url")  # the session's server (or a skip)
    if backend.scheme == "clickhouse":
        request.getfixturevalue("clickhouse_url")  # the session's server (or a skip)
    make_url = getattr(backend, "test_url", None)
    url = make_url(tmp_path) if make_url is not None else None
    if url is None:
        pytest.skip(f"the {backend.scheme} backend offers no store to test here")
    return backend.open(url, root=tmp_path)


@pytest.fixture(params=_backends("posts"))
def post_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    store = _open(request.param, tmp_path, request)
    yield store
    store.close()


@pytest.fixture(params=_backends("state"))
def state_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    store = _open(request.param, tmp_path, request)
    yield store
    store.close()
