"""Fuzzing the CSV and JSON-lines import: numbers at every edge, text that is
not text, odd encodings and sizes. An import either stores a row or refuses it
by line; it never raises anything but a VeilleError, and never loses what was
already stored."""

from __future__ import annotations

import csv
import io
import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz_settings
from veille.errors import VeilleError
from veille.importer import import_file
from veille.pipeline import build_pipeline
from veille.workspace import Workspace, init_workspace

EDGES = [0, -1, 1, 2**31, 2**53, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), 2**64, 10**30]
FLOATS = [0.0, -0.0, 1e20, 1.5e308, -1e15, float("inf"), float("-inf"), float("nan"), 1e-300]
FIELDS = [
    "id",
    "platform",
    "url",
    "title",
    "text",
    "author",
    "followers",
    "published_at",
    "lang",
    "likes",
    "shares",
    "replies",
    "views",
    "hashtags",
    "mentions",
    "parent_id",
]

values = st.one_of(
    st.none(),
    st.sampled_from(EDGES),
    st.integers(),
    st.sampled_from(FLOATS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["2026-11-01T10:00:00Z", "1e20", "-1e15", "javascript:alert(1)", "", "NaN"]),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
rows = st.lists(
    st.dictionaries(st.sampled_from(FIELDS), values, min_size=1, max_size=8), min_size=1, max_size=6
)
_names = itertools.count()


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def _csv(data: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in data:
        writer.writerow(
            {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()}
        )
    return out.getvalue()


class _World:
    """One workspace for every example (a workspace per example would take minutes)."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="veille-fuzz-import-"))
        self.ws = Workspace.open(init_workspace(self.tmp / "ws"))
        self.pipeline = build_pipeline(self.ws, skip=("enrich",))
        good = self.tmp / "good.jsonl"
        good.write_text(
            json.dumps(
                {
                    "platform": "rss",
                    "id": "keep",
                    "text": "stored before the fuzzing",
                    "published_at": "2026-11-01T10:00:00Z",
                }
            )
            + "\n",
            encoding="utf-8",
        )
        import_file(self.pipeline, good)
        assert self.ws.store.get_post("rss:keep") is not None


WORLD: list[_World] = []


def _world() -> _World:
    if not WORLD:
        WORLD.append(_World())
    return WORLD[0]


@fuzz_settings(150)
@given(
    data=rows,
    fmt=st.sampled_from(["jsonl", "csv"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
    padding=st.sampled_from([0, 1, 200_000]),
)
def test_an_import_stores_or_refuses_each_row_and_loses_nothing(
    data: list[dict[str, Any]], fmt: str, encoding: str, padding: int
) -> None:
    w = _world()
    if padding:  # a long text field, over csv's default 128 KiB field limit
        data = [*data, {"id": "long", "text": "x" * padding, "platform": "rss"}]
    if fmt == "jsonl":
        text = "\n".join(json.dumps(row, allow_nan=True) for row in data) + "\n"
    else:
        text = _csv(data)
    path = w.tmp / f"in{next(_names)}.{fmt}"
    path.write_bytes(_encode(text, encoding))
    before = w.ws.store.count_posts()
    try:
        report = import_file(w.pipeline, path, platform="rss")
    except VeilleError:
        pass  # refused as a whole, with a message that says why
    else:
        assert report.stored + report.bad_count <= max(report.rows, len(data))
    assert w.ws.store.get_post("rss:keep") is not None
    assert w.ws.store.count_posts() >= before
