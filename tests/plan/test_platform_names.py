"""The plan names a platform as a reader writes it: "Mastodon", "Hacker
News", never its key "mastodon", in its recommendations, its KPIs' reasons
and its document, in English and French; the key stays where it is a value
(the figures and the JSON a program reads)."""

from __future__ import annotations

from tests.plan.conftest import NOW
from veille.plan.channels import set_channel
from veille.plan.cost import estimate
from veille.plan.document import cost_data, plan_markdown
from veille.plan.kpis import add_kpi, measure, window
from veille.plan.recommend import recommendations
from veille.workspace import Workspace


def test_the_recommendations_name_platforms_as_written(ws: Workspace) -> None:
    """« …a lieu sur mastodon », "Engage bob (bluesky)", "Only 0% … is on
    reddit" read as keys, not names."""
    set_channel(ws.state, "reddit", posts_per_week=1)
    found = recommendations(ws, now=NOW)
    where = [r for r in found if r.kind == "platform"]
    assert any("of the conversation on the plan's topics is on Mastodon (" in r.text_en
               for r in where)  # fmt: skip
    assert any("a lieu sur Mastodon (" in r.text_fr for r in where)
    assert {r.figures["platform"] for r in where} >= {"mastodon"}  # a value: the key
    [quiet] = [r for r in found if r.kind == "quiet_channel"]
    assert "is on Reddit (0 posts in 30 days)" in quiet.text_en, quiet.text_en
    assert "a lieu sur Reddit (0 publication en 30 jours)" in quiet.text_fr, quiet.text_fr
    engage = {r.figures["handle"]: r for r in found if r.kind == "influencer"}
    assert engage["bob"].text_en.startswith("Engage bob (Bluesky): ")
    assert engage["bob"].text_fr.startswith("Engagez le dialogue avec bob (Bluesky)\u202f: ")
    for r in found:
        for key in ("mastodon", "bluesky", "reddit"):
            assert f" {key} " not in r.text_en and f"({key}" not in r.text_en, r.text_en
            assert f" {key} " not in r.text_fr and f"({key}" not in r.text_fr, r.text_fr


def test_the_plan_document_names_platforms_and_its_json_keeps_the_key(ws: Workspace) -> None:
    set_channel(ws.state, "hackernews", posts_per_week=1, handle="lumio")
    add_kpi(ws, "karma", "followers", 500, platform="hackernews", now=NOW)
    english, french = plan_markdown(ws, "en", now=NOW), plan_markdown(ws, "fr", now=NOW)
    for said in (english, french):
        assert "### Hacker News (@lumio)" in said
        assert "| Hacker News | " in said  # the cost's table
        assert "hackernews" not in said, said
    assert "· Hacker News) |" in english and "· Hacker News) |" in french
    est = estimate(ws, now=NOW)
    assert [c["platform"] for c in cost_data(est)["channels"]] == ["hackernews"]


def test_a_kpi_on_a_platform_without_our_account_names_it(ws: Workspace) -> None:
    kpi = add_kpi(ws, "likes", "engagement", 100, platform="youtube", now=NOW)
    got = measure(ws, kpi, window(NOW, 30))
    assert got.value is None
    assert "no account of ours on YouTube is known" in got.why_en
    assert "aucun compte de l’organisation sur YouTube n’est connu" in got.why("fr")
