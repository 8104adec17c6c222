"""``veille source health`` in an 80-column terminal: its twelve columns were
cut to three letters each ("sou…", "fa…", "err…"), the last error to a
word. Where the table does not fit, each source is a block of its own, one
line per figure, its last error wrapped whole; a wide terminal keeps the
table. In English and in French."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.pipeline.collect import collect
from veille.services.sources import add_source
from veille.workspace import Workspace

NBSP = "\u202f"


def _health(workspace: Workspace, columns: int, lang: str) -> str:
    said = CliRunner().invoke(
        build_app(),
        ["source", "health", "--workspace", str(workspace.root), "--language", lang],
        env={"COLUMNS": str(columns)},
    )
    assert said.exit_code == 0, said.output
    return said.output


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        ("en", ["failures in a row: 1", "last posts: 0", "quota left: —", "next due: 2"]),
        ("fr", [f"échecs consécutifs{NBSP}: 1", f"publications au dernier passage{NBSP}: 0",
                f"quota restant{NBSP}: —", f"prochaine collecte{NBSP}: "]),
    ],
)  # fmt: skip
def test_source_health_reads_in_80_columns(
    workspace: Workspace, lang: str, lines: list[str]
) -> None:
    for name in ("loopback-feed-with-a-long-name", "other"):
        add_source(workspace.store, "feeds", f"http://127.0.0.1:9/{name}.xml", name=name)
    # Private networks refused (the default): each run fails with a long reason.
    runs = collect(workspace, http=HttpClient(HttpSettings(max_retries=0)), force=True)
    assert not any(r.ok for r in runs)
    narrow = _health(workspace, 80, lang)
    assert "…" not in narrow and "━" not in narrow, narrow
    assert all(len(line.rstrip()) <= 80 for line in narrow.splitlines()), narrow
    shown = [re.sub(r" +", " ", line.strip()) for line in narrow.splitlines()]
    assert "loopback-feed-with-a-long-name" in shown and "other" in shown, narrow
    for line in lines:
        assert sum(s.startswith(line) for s in shown) == 2, (line, narrow)
    if lang == "fr":  # its time the French way (« 2026-12-07 16:30 » until 2026-12-07)
        due = [s for s in shown if s.startswith(lines[-1])]
        assert all(re.search(r": \d{1,2} \S+ 20\d\d à \d\d:\d\d$", s) for s in due), due
    # The last error whole, over two lines rather than cut (a long URL folds).
    flat = re.sub(r"\s+", " ", narrow)
    joined = re.sub(r"\s+", "", narrow)
    assert "http://127.0.0.1:9/loopback-feed-with-a-long-name.xml" in joined, narrow
    assert "loopback" in flat and ("bouclage" in flat) == (lang == "fr"), narrow
    # A terminal wide enough keeps the table, its headers whole.
    wide = _health(workspace, 400, lang)
    assert "┃ source " in wide and "…" not in wide, wide
