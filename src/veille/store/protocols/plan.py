"""The presence plan: objectives, KPIs, people, guidelines and their
acknowledgements, the channel plan, money, plan settings, and the daily
snapshots of the organization's own accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class Objective:
    """What the organization wants from social media, and who answers for it."""

    name: str
    kind: str  # one of veille.plan.objectives.KINDS, or "custom"
    description: str = ""
    owner: str = ""  # a username
    deadline: date | None = None
    topics: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()  # platforms


@dataclass(frozen=True)
class KPI:
    """An indicator computed from veille's data: what (``kind``) about what
    (topic, platform, account), the target, and the baseline measured when set."""

    name: str
    kind: str
    target: float
    period_days: int = 30  # the value is measured over this many days up to now
    objective: str = ""
    topic: str = ""
    platform: str = ""
    handle: str = ""
    compare: tuple[str, ...] = ()  # share of voice: the topics compared with ``topic``
    deadline: date | None = None
    baseline: float | None = None
    set_at: datetime | None = None


@dataclass(frozen=True)
class Person:
    """A spokesperson (the organization's voice) or a channel's owner."""

    username: str
    role: str  # "spokesperson" or "channel_owner"
    platform: str = ""  # for a channel owner; "" for a spokesperson
    note: str = ""


@dataclass(frozen=True)
class Guidelines:
    """One version of the staff guidelines (Markdown, English and French)."""

    version: int
    text_en: str
    text_fr: str
    author: str
    at: datetime


@dataclass(frozen=True)
class Acknowledgement:
    username: str
    version: int
    at: datetime


@dataclass(frozen=True)
class Channel:
    """One platform of the channel plan."""

    platform: str
    objectives: tuple[str, ...] = ()
    audience: str = ""
    posts_per_week: float = 0.0
    tone: str = ""
    languages: tuple[str, ...] = ()
    owner: str = ""
    handle: str = ""  # the organization's account there
    response_minutes: int = 0  # the response target (0: none)


@dataclass(frozen=True)
class CostItem:
    """Money the presence costs (tools, promotion), per month."""

    label: str
    monthly: float
    note: str = ""


@dataclass(frozen=True)
class AccountSnapshot:
    """An own account's figures on one day."""

    platform: str
    handle: str
    day: date
    followers: int | None
    following: int | None = None
    posts: int | None = None


@dataclass
class PlanContents:
    """Everything the plan holds (for export, import and the overview)."""

    settings: dict[str, str] = field(default_factory=dict)
    objectives: list[Objective] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    guidelines: Guidelines | None = None
    channels: list[Channel] = field(default_factory=list)
    costs: list[CostItem] = field(default_factory=list)


class PlanState(Protocol):
    """The presence plan, kept in the StateStore."""

    def plan_objectives(self) -> list[Objective]: ...

    def save_objective(self, objective: Objective) -> None:
        """Add or replace the objective of that name."""
        ...

    def delete_objective(self, name: str) -> bool: ...

    def plan_kpis(self) -> list[KPI]: ...

    def save_kpi(self, kpi: KPI) -> None: ...

    def delete_kpi(self, name: str) -> bool: ...

    def plan_people(self) -> list[Person]: ...

    def save_person(self, person: Person) -> None: ...

    def delete_person(self, username: str, role: str, platform: str) -> bool: ...

    def guideline_versions(self) -> list[Guidelines]:
        """Every version of the staff guidelines, oldest first."""
        ...

    def add_guidelines(self, text_en: str, text_fr: str, author: str, at: datetime) -> int:
        """Store a new version; its number."""
        ...

    def acknowledge_guidelines(self, username: str, version: int, at: datetime) -> None: ...

    def guideline_acknowledgements(self) -> list[Acknowledgement]: ...

    def plan_channels(self) -> list[Channel]: ...

    def save_channel(self, channel: Channel) -> None: ...

    def delete_channel(self, platform: str) -> bool: ...

    def plan_costs(self) -> list[CostItem]: ...

    def save_cost(self, item: CostItem) -> None: ...

    def delete_cost(self, label: str) -> bool: ...

    def plan_settings(self) -> dict[str, str]: ...

    def set_plan_setting(self, key: str, value: str | None) -> None:
        """Set (or, with ``None``, remove) one plan setting."""
        ...

    def replace_plan(self, contents: PlanContents) -> None:
        """Replace objectives, KPIs, people, channels, costs and settings with
        ``contents`` in one transaction (guidelines are versioned: a different
        text becomes a new version)."""
        ...

    def save_account_snapshot(self, snapshot: AccountSnapshot) -> None:
        """Keep the day's figures of an account (the last taken that day wins)."""
        ...

    def account_snapshots(self, platform: str, handle: str) -> list[AccountSnapshot]:
        """Every snapshot of the account, oldest first."""
        ...


class PlanStateTx(Protocol):
    """No plan writes join another transaction."""
