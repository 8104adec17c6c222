"""Share of voice warns when the sources cover the compared topics unevenly,
and the demo's organization settings (its own accounts, its topics) are set."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.analytics.conftest import TZ, make_post
from veille.analytics.scope import parse_period, words_scope
from veille.analytics.volume import share_of_voice, uneven_sources
from veille.cli import build_app
from veille.store.sqlite import SQLiteStore
from veille.workspace import Workspace, init_workspace

WEEK = "2026-03-23..2026-03-29"


def _posts() -> list:
    d = "2026-03-24T"
    return [
        # A firehose feed covers every brand, and gives no counts.
        make_post("f1", d + "09:00", text="Lumio panne", source="feed"),
        make_post("f2", d + "10:00", text="Vexa offre", source="feed"),
        make_post("f3", d + "11:00", text="Orbita fibre", source="feed"),
        # An API search for the brand's name alone brings all the engagement.
        make_post("x1", d + "12:00", platform="x", text="Lumio encore", likes=40,
                  source="x-search"),
        make_post("x2", d + "13:00", platform="x", text="Lumio bravo", likes=60,
                  source="x-search"),
    ]  # fmt: skip


def test_a_source_that_searches_one_brand_is_named(tmp_path: Path) -> None:
    store = SQLiteStore.open(tmp_path / "v.db")
    try:
        store.upsert_posts(_posts())
        week = parse_period(WEEK, timezone=TZ)
        topics = {n: words_scope(n) for n in ("Lumio", "Vexa", "Orbita")}
        voices = {v.topic: v for v in share_of_voice(store, topics, week)}
        assert voices["Lumio"].engagement_share == 1.0  # the 100/0/0 it explains
        (warn,) = uneven_sources(store, topics, week)
        assert (warn.source, warn.covers, warn.misses) == (
            "x-search",
            ("Lumio",),
            ("Vexa", "Orbita"),
        )
        assert (warn.posts, warn.engagement, warn.engagement_share) == (2, 100, 1.0)
        said = warn.message()
        assert "Source x-search brought 2 posts on Lumio and none on Vexa or Orbita" in said
        assert "(100% of the compared engagement)" in warn.message()
        assert (
            "aucune sur Vexa ni sur Orbita (100\u202f% de l’engagement comparé)\u202f:"
            in warn.message("fr")
        )
        # Sources that cover every topic: nothing to say.
        even = {n: words_scope(n) for n in ("Vexa", "Orbita")}
        assert uneven_sources(store, even, week) == []
    finally:
        store.close()


def test_sov_command_prints_the_warning(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
    result = CliRunner().invoke(
        build_app(),
        ["sov", "-w", str(root), "--period", WEEK, "-q", "Lumio=lumio", "-q", "Vexa=vexa",
         "-q", "Orbita=orbita"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning: Source x-search brought 2 posts on Lumio and none on Vexa or Orbita" in (
        " ".join(result.output.split())
    )


def test_the_demo_names_the_organization(tmp_path: Path) -> None:
    from veille.demo import _set_organization
    from veille.sim.linkedin import ORG_ID

    root = init_workspace(tmp_path / "demo")
    _set_organization(root)
    with Workspace.open(root) as ws:
        org = ws.settings.organization
    assert org.handles == ("facebook:lumio", "linkedin:lumio", f"linkedin:{ORG_ID}")
    assert (org.brand_topic, org.competitor_topics, org.sector_topic) == (
        "lumio", ("vexa", "orbita"), "secteur"
    )  # fmt: skip
