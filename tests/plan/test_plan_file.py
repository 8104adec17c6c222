"""The plan as a TOML file (round trip) and as a document (md, html, pdf; EN and FR)."""

from __future__ import annotations

import pytest

from veille.errors import InputError, NotFound
from veille.plan.channels import set_channel
from veille.plan.cost import set_money
from veille.plan.document import plan_html, plan_markdown, plan_pdf
from veille.plan.kpis import add_kpi
from veille.plan.objectives import add_objective
from veille.plan.people import add_person, set_guidelines
from veille.plan.plan_file import contents, from_toml, import_plan, to_toml
from veille.workspace import Workspace

from .conftest import NOW


def fill(ws: Workspace) -> None:
    add_objective(
        ws.state,
        "Service",
        "customer_service",
        description='Answer "fast" \\ well\nalways',
        owner="mia",
        deadline="2026-09-30",
        topics="lumio,vexa",
        channels="mastodon",
    )
    add_objective(ws.state, "Notoriété", "awareness", topics="lumio")
    add_kpi(ws, "volume", "mentions", 12, topic="lumio", objective="Service", now=NOW)
    add_kpi(ws, "sov", "share_of_voice", 80, topic="lumio", compare="vexa", now=NOW)
    add_kpi(ws, "réponse", "first_response", 30, now=NOW)
    add_person(ws.state, "mia", "spokesperson")
    add_person(ws.state, "leo", "channel_owner", platform="mastodon", note="mornings")
    set_guidelines(ws.state, "# Be kind\n\nNo <script>alert(1)</script>.", "# Soyez aimables\n")
    set_channel(
        ws.state,
        "mastodon",
        objectives="Service",
        audience="customers",
        posts_per_week=3.5,
        tone="warm",
        languages="fr,en",
        owner="leo",
        handle="lumio_hq",
        response_minutes=120,
    )
    set_money(ws.state, "scheduler", 19.9, note="monthly plan")


def test_round_trip(ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> None:
    fill(ws)
    text = to_toml(contents(ws))
    before = contents(ws)
    ws.state.replace_plan(from_toml("format = 1\n"))
    assert ws.state.plan_objectives() == []
    import_plan(ws, text)
    after = contents(ws)
    assert after.objectives == before.objectives
    assert after.kpis == before.kpis
    assert after.people == before.people
    assert after.channels == before.channels
    assert after.costs == before.costs
    assert after.settings == before.settings
    # Same guidelines text: no new version to acknowledge.
    assert after.guidelines is not None and before.guidelines is not None
    assert after.guidelines.version == before.guidelines.version
    assert to_toml(after) == text


def test_import_refuses_bad_files(ws: Workspace) -> None:
    with pytest.raises(InputError, match="not valid TOML"):
        import_plan(ws, "[[objectives]\n")
    with pytest.raises(InputError, match=r"not an objective type|lacks"):
        import_plan(ws, '[[objectives]]\nname = "x"\ntype = "fame"\n')
    with pytest.raises(NotFound, match="nope"):
        import_plan(ws, '[[objectives]]\nname = "x"\ntype = "awareness"\ntopics = ["nope"]\n')


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_documents(ws: Workspace, lang: str) -> None:
    fill(ws)
    md = plan_markdown(ws, lang, now=NOW)
    heading = "# Plan de présence" if lang == "fr" else "# Presence plan"
    assert md.startswith(heading)
    assert ("Service client" if lang == "fr" else "Customer service") in md
    assert ("pas encore mesurable" if lang == "fr" else "not measurable yet") in md
    assert ("3,5 publications par semaine" if lang == "fr" else "3.5 posts a week") in md
    html = plan_html(ws, lang, now=NOW)
    assert f'<html lang="{lang}">' in html and "<table>" in html
    assert "<script>" not in html  # the guidelines' raw HTML is escaped
    pdf = plan_pdf(ws, lang, now=NOW)
    assert pdf.startswith(b"%PDF")
