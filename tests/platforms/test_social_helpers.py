from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from veille.sources._social import (
    html_to_text,
    html_to_text_and_links,
    parse_iso,
    parse_link_header,
    resolve_secret,
    walk_newest_first,
)
from veille.sources.base import SourceConfigError


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    markup = (
        "<p>Bonjour&nbsp;<b>Lumio</b> &amp; co</p><p>ligne<br>suivante</p>"
        "<script>alert(1)</script><style>p{}</style><p>  fin  </p>"
    )
    assert html_to_text(markup) == "Bonjour\xa0Lumio & co\n\nligne\nsuivante\n\nfin"
    assert html_to_text("") == "" and html_to_text(None) == ""
    text, links = html_to_text_and_links(
        '<a href="https://a.example/x" class="u-url mention">@a</a>'
    )
    assert text == "@a" and links == [("https://a.example/x", "u-url mention")]
    # Broken markup still gives its text.
    assert html_to_text("<p>non fermé <b>gras") == "non fermé gras"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-30T14:05:09.123Z", datetime(2026, 10, 30, 14, 5, 9, 123000, tzinfo=UTC)),
        ("2025-05-03T14:06:22.189401123Z", datetime(2025, 5, 3, 14, 6, 22, 189401, tzinfo=UTC)),
        ("2026-10-30T13:00:00+0000", datetime(2026, 10, 30, 13, tzinfo=UTC)),
        ("2026-10-30T09:00:00-04:00", datetime(2026, 10, 30, 13, tzinfo=UTC)),
        ("2026-10-30T14:15:00", datetime(2026, 10, 30, 14, 15, tzinfo=UTC)),
        (time.struct_time((2024, 12, 16, 15, 10, 21, 0, 351, 0)),
         datetime(2024, 12, 16, 15, 10, 21, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_parse_iso_reads_every_platform_format(value: object, expected: datetime) -> None:
    assert parse_iso(value) == expected


def test_link_header() -> None:
    header = (
        '<https://m.example/api/v1/timelines/public?max_id=9>; rel="next", '
        '<https://m.example/api/v1/timelines/public?min_id=12>; rel="prev"'
    )
    assert parse_link_header(header) == {
        "next": "https://m.example/api/v1/timelines/public?max_id=9",
        "prev": "https://m.example/api/v1/timelines/public?min_id=12",
    }
    assert parse_link_header(None) == {}


def test_env_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_secret("plain", "token") == "plain"
    assert resolve_secret(None, "token") is None
    monkeypatch.setenv("VEILLE_T", "s3cret")
    assert resolve_secret("env:VEILLE_T", "token") == "s3cret"
    monkeypatch.delenv("VEILLE_T")
    with pytest.raises(SourceConfigError, match="VEILLE_T"):
        resolve_secret("env:VEILLE_T", "token")


def _api(stamps: list[int], page_size: int):  # type: ignore[no-untyped-def]
    """A newest-first API over ``stamps`` between an exclusive floor and an
    exclusive upper bound, as X's since_id/until_id are."""

    def fetch(floor, upper):  # type: ignore[no-untyped-def]
        window = sorted(
            (s for s in stamps if (floor is None or s > floor) and (upper is None or s < upper)),
            reverse=True,
        )
        for start in range(0, max(len(window), 1), page_size):
            page = [{"t": s} for s in window[start : start + page_size]]
            yield page, start + page_size < len(window)

    return fetch


def test_walk_newest_first_never_skips_a_window() -> None:
    stamps = list(range(1, 30))
    seen: list[int] = []
    cursor = None
    fetch = _api(stamps[:5], 2)
    for batch in walk_newest_first(cursor, "k", fetch, lambda i: i["t"], max_pages=1):
        seen += [i["t"] for i in batch.items]
        cursor = batch.cursor
    assert cursor == {"k": 5} and seen == [5, 4]  # a first run does not dig into history
    fetch = _api(stamps, 3)
    for _ in range(20):
        batches = list(walk_newest_first(cursor, "k", fetch, lambda i: i["t"], max_pages=2))
        seen += [i["t"] for b in batches for i in b.items]
        cursor = batches[-1].cursor
        if set(cursor) == {"k"}:
            break
    assert cursor == {"k": 29}
    assert sorted(seen[2:]) == list(range(6, 30))
