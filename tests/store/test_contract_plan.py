"""The plan and the privacy key and log, as every StateStore keeps them (run
over each registered state backend, see conftest.py; the inbox suite,
tests/inbox, runs its workspaces over each too)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from veille.store.protocols.plan import (
    KPI,
    AccountSnapshot,
    Channel,
    CostItem,
    Guidelines,
    Objective,
    Person,
    PlanContents,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _objective(name: str, **kw: Any) -> Objective:
    return Objective(name, kw.pop("kind", "awareness"), **kw)


def test_objectives_keep_their_order_and_fields(state_store: Any) -> None:
    st = state_store
    full = _objective(
        "Service",
        kind="customer_service",
        description='Answer "fast" \\ well',
        owner="mia",
        deadline=date(2026, 9, 30),
        topics=("lumio", "vexa"),
        channels=("mastodon",),
    )
    st.save_objective(full)
    st.save_objective(_objective("Notoriété"))
    st.save_objective(_objective("B"))
    # Replacing one keeps its place.
    st.save_objective(_objective("Service", kind="marketing"))
    assert [o.name for o in st.plan_objectives()] == ["Service", "Notoriété", "B"]
    assert st.plan_objectives()[0].kind == "marketing"
    st.save_objective(full)
    assert st.plan_objectives()[0] == full
    assert st.delete_objective("B") and not st.delete_objective("B")
    assert [o.name for o in st.plan_objectives()] == ["Service", "Notoriété"]


def test_kpis_channels_costs_people_settings(state_store: Any) -> None:
    st = state_store
    kpi = KPI(
        "sov", "share_of_voice", 80.5, period_days=7, objective="Service", topic="lumio",
        compare=("vexa", "orbit"), deadline=date(2026, 12, 31), baseline=61.25, set_at=T0,
    )  # fmt: skip
    st.save_kpi(KPI("volume", "mentions", 12))
    st.save_kpi(kpi)
    assert st.plan_kpis() == [KPI("volume", "mentions", 12.0), kpi]
    assert st.delete_kpi("volume") and st.plan_kpis() == [kpi]

    channel = Channel(
        "mastodon", ("Service",), "customers", 3.5, "warm", ("fr", "en"), "leo", "lumio_hq", 120
    )
    st.save_channel(Channel("bluesky"))
    st.save_channel(channel)
    st.save_channel(Channel("bluesky", posts_per_week=2))
    assert st.plan_channels() == [Channel("bluesky", posts_per_week=2.0), channel]
    assert st.delete_channel("bluesky") and not st.delete_channel("bluesky")

    st.save_cost(CostItem("scheduler", 19.9, "monthly"))
    st.save_cost(CostItem("ads", 100))
    st.save_cost(CostItem("scheduler", 25))
    assert st.plan_costs() == [CostItem("scheduler", 25.0), CostItem("ads", 100.0)]
    assert st.delete_cost("ads") and not st.delete_cost("ads")

    st.save_person(Person("mia", "spokesperson"))
    st.save_person(Person("leo", "channel_owner", "mastodon", "mornings"))
    st.save_person(Person("leo", "channel_owner", "mastodon", "evenings"))
    assert st.plan_people() == [
        Person("mia", "spokesperson"),
        Person("leo", "channel_owner", "mastodon", "evenings"),
    ]
    assert st.delete_person("mia", "spokesperson", "")
    assert not st.delete_person("leo", "channel_owner", "")

    st.set_plan_setting("currency", "EUR")
    st.set_plan_setting("hourly_rate", "40")
    st.set_plan_setting("currency", "CHF")
    st.set_plan_setting("gone", None)
    assert st.plan_settings() == {"currency": "CHF", "hourly_rate": "40"}
    st.set_plan_setting("hourly_rate", None)
    assert st.plan_settings() == {"currency": "CHF"}


def test_guidelines_are_versioned_and_acknowledged(state_store: Any) -> None:
    st = state_store
    assert st.add_guidelines("# Be kind", "# Soyez aimables", "mia", T0) == 1
    assert st.add_guidelines("# Be kinder", "# Plus aimables", "mia", T0) == 2
    st.acknowledge_guidelines("leo", 1, T0)
    st.acknowledge_guidelines("leo", 1, T0)  # once per person and version
    st.acknowledge_guidelines("ann", 2, T0)
    assert [g.version for g in st.guideline_versions()] == [1, 2]
    assert st.guideline_versions()[1] == Guidelines(2, "# Be kinder", "# Plus aimables", "mia", T0)
    assert [(a.username, a.version, a.at) for a in st.guideline_acknowledgements()] == [
        ("leo", 1, T0),
        ("ann", 2, T0),
    ]


def test_replace_plan_in_one_go(state_store: Any) -> None:
    st = state_store
    st.save_objective(_objective("old"))
    st.save_kpi(KPI("old", "mentions", 1))
    st.set_plan_setting("old", "1")
    st.add_guidelines("same", "pareil", "mia", T0)
    contents = PlanContents(
        settings={"currency": "EUR"},
        objectives=[_objective("b"), _objective("a")],
        kpis=[KPI("k", "mentions", 5)],
        people=[Person("mia", "spokesperson")],
        guidelines=Guidelines(0, "same", "pareil", "mia", T0),
        channels=[Channel("mastodon")],
        costs=[CostItem("ads", 10)],
    )
    st.replace_plan(contents)
    assert [o.name for o in st.plan_objectives()] == ["b", "a"]
    assert [k.name for k in st.plan_kpis()] == ["k"]
    assert st.plan_settings() == {"currency": "EUR"}
    assert len(st.guideline_versions()) == 1  # the same text is not a new version
    st.replace_plan(PlanContents(guidelines=Guidelines(0, "new", "nouveau", "leo", T0)))
    assert st.plan_objectives() == [] and st.plan_costs() == [] and st.plan_people() == []
    assert [g.text_en for g in st.guideline_versions()] == ["same", "new"]


def test_account_snapshots_one_per_day(state_store: Any) -> None:
    st = state_store
    st.save_account_snapshot(AccountSnapshot("mastodon", "Lumio_HQ", date(2026, 3, 2), 10, 5, 7))
    st.save_account_snapshot(AccountSnapshot("mastodon", "lumio_hq", date(2026, 3, 1), 8))
    st.save_account_snapshot(AccountSnapshot("mastodon", "lumio_hq", date(2026, 3, 2), 11, 5, 8))
    st.save_account_snapshot(AccountSnapshot("bluesky", "lumio_hq", date(2026, 3, 2), 99))
    assert st.account_snapshots("mastodon", "LUMIO_HQ") == [
        AccountSnapshot("mastodon", "lumio_hq", date(2026, 3, 1), 8),
        AccountSnapshot("mastodon", "lumio_hq", date(2026, 3, 2), 11, 5, 8),
    ]


def test_the_privacy_key_is_made_once_and_kept(state_store: Any) -> None:
    key = state_store.privacy_key()
    assert isinstance(key, bytes) and len(key) == 32
    assert state_store.privacy_key() == key
    assert state_store.erasures() == []
