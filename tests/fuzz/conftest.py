"""Fuzzing with hypothesis: a few hundred examples per test by default, so the
suite stays fast; ``VEILLE_FUZZ_EXAMPLES=20000`` (any number) for a long run."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from veille.store.sqlite import SQLiteStore


def fuzz_settings(default: int) -> settings:
    """Hypothesis settings for one fuzz test: ``default`` examples, or
    ``VEILLE_FUZZ_EXAMPLES`` when set."""
    examples = int(os.environ.get("VEILLE_FUZZ_EXAMPLES") or default)
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def made_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite posts store with every migration run, to copy: opening
    a new one runs them all (about a tenth of a second or more), which was
    most of a fuzz example's time when each example opened its own."""
    path = tmp_path_factory.mktemp("made") / "veille.db"
    SQLiteStore.open(path).close()
    return path


@contextmanager
def store_copied_from(made: Path) -> Iterator[SQLiteStore]:
    """A store of its own for one example, a copy of ``made``."""
    folder = Path(tempfile.mkdtemp(dir=made.parent))
    shutil.copyfile(made, folder / "veille.db")
    store = SQLiteStore.open(folder / "veille.db")
    try:
        yield store
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
