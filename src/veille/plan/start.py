"""The guided start: a new organization's first plan in four steps
(objectives, people, listening, channels), with sensible defaults per
objective type. The CLI (`veille plan init`) and the web app (`/plan/start`)
ask the questions; this module turns the answers into a plan."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from veille.plan.common import audit, check_platform, local_day, now_utc, split_list

if TYPE_CHECKING:
    from veille.workspace import Workspace


@dataclass(frozen=True)
class Defaults:
    """What an objective type usually asks of a plan."""

    description_en: str
    description_fr: str
    posts_per_week: float
    response_minutes: int
    tone_en: str
    tone_fr: str
    # (KPI kind, growth over the baseline, the least target): a target is the
    # baseline grown by that share, never below the floor.
    kpis: tuple[tuple[str, float, float], ...]


DEFAULTS: dict[str, Defaults] = {
    "customer_service": Defaults(
        "Answer customers where they ask, quickly and well.",
        "Répondre aux clients là où ils demandent, vite et bien.",
        3,
        120,
        "helpful, plain, personal",
        "serviable, simple, personnel",
        (("net_sentiment", 0.0, 20.0), ("first_response", 0.0, 120.0), ("mentions", 0.1, 10.0)),
    ),
    "marketing": Defaults(
        "Make our offers known to the people who need them.",
        "Faire connaître nos offres à ceux qui en ont besoin.",
        5,
        480,
        "lively, concrete",
        "vivant, concret",
        (("posts_published", 0.0, 20.0), ("engagement", 0.2, 100.0), ("mentions", 0.2, 20.0)),
    ),
    "awareness": Defaults(
        "Be known and talked about in our field.",
        "Être connu et cité dans notre domaine.",
        4,
        480,
        "friendly, curious",
        "amical, curieux",
        (("mentions", 0.25, 20.0), ("share_of_voice", 0.1, 25.0), ("followers", 0.2, 100.0)),
    ),
    "membership": Defaults(
        "Bring people to join and keep our members close.",
        "Donner envie d’adhérer et garder nos membres proches.",
        3,
        240,
        "welcoming, inclusive",
        "accueillant, inclusif",
        (("followers", 0.2, 100.0), ("engagement", 0.2, 50.0), ("net_sentiment", 0.0, 30.0)),
    ),
    "fundraising": Defaults(
        "Raise support for our cause, and thank those who give.",
        "Mobiliser des soutiens pour notre cause, et remercier les donateurs.",
        3,
        240,
        "warm, concrete, thankful",
        "chaleureux, concret, reconnaissant",
        (("engagement", 0.25, 100.0), ("mentions", 0.2, 10.0), ("followers", 0.1, 100.0)),
    ),
    "thought_leadership": Defaults(
        "Be a voice others quote on the questions of our field.",
        "Être une voix que l’on cite sur les questions de notre domaine.",
        2,
        480,
        "expert, generous, measured",
        "expert, généreux, mesuré",
        (
            ("influencers_engaged", 0.0, 5.0),
            ("share_of_voice", 0.1, 20.0),
            ("net_sentiment", 0.0, 30.0),
        ),
    ),
    "custom": Defaults(
        "",
        "",
        3,
        480,
        "",
        "",
        (("mentions", 0.1, 10.0),),
    ),
}


def in_reader_words(text: str, lang: str) -> str:
    """An objective's description or a channel's tone as ``lang`` says it
    when it is one the guided start wrote (a type's default, left as it was:
    the program's words, which it has in both languages); any other text as
    its author wrote it. A plan started in English (the demo's, built by an
    English reader) read "Answer customers where they ask, quickly and
    well." on French pages."""
    plain = text.strip()
    if plain:
        for d in DEFAULTS.values():
            for en, fr in ((d.description_en, d.description_fr), (d.tone_en, d.tone_fr)):
                if plain in (en, fr):
                    return fr if lang == "fr" else en
    return text


#: An objective's default deadline: six months, long enough for a presence to
#: show results, short enough to review.
DEADLINE_DAYS = 182


def nothing_planned(state: Any) -> bool:
    """The plan holds nothing yet: no objective, KPI, person, channel nor
    cost. Where the guided start begins; a plan built piece by piece (a KPI
    or the spokesperson before any objective) is a plan, read on its page."""
    return not (
        state.plan_objectives()
        or state.plan_kpis()
        or state.plan_people()
        or state.plan_channels()
        or state.plan_costs()
    )


def suggest_target(kind: str, baseline: float | None, growth: float, floor: float) -> float:
    """The baseline grown by ``growth`` (or shrunk, where lower is better),
    never past ``floor`` in the wrong direction; ``floor`` without a baseline."""
    from veille.plan.kpi_measures import COUNTED
    from veille.plan.kpis import KINDS, TARGET_RANGES

    if baseline is None:
        return floor
    # A count's target is whole (36.3 mentions was shown "36" in the table and
    # "36.3" on its chart), rounded the way that still asks for the growth
    # (30 grown by a tenth is 33, not the 34 of 33.000000000000004).
    whole = kind in COUNTED or kind == "followers"
    if KINDS[kind].better == "down":
        lower = baseline * (1 - growth)
        return min(math.floor(round(lower, 6)) if whole else round(lower, 1), floor)
    higher = baseline * (1 + growth)
    target = max(math.ceil(round(higher, 6)) if whole else round(higher, 1), floor)
    # Never past what the measure can be: a share of voice of 95% grown by a
    # tenth is 100%, not 104.5%.
    _low, high = TARGET_RANGES.get(KINDS[kind].unit, (0.0, None))
    return target if high is None else min(target, high)


@dataclass
class StartAnswers:
    """Everything the guided start asks (the defaults fill what is left empty)."""

    organization: str = ""
    lang: str = "en"
    kind: str = "customer_service"
    objective: str = ""
    description: str = ""
    owner: str = ""
    deadline: date | None = None
    topic: str = ""
    query: str = ""  # the words that name the organization, when the topic is new
    competitors: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=lambda: ["mastodon"])
    handle: str = ""
    posts_per_week: float | None = None
    response_minutes: int | None = None
    languages: list[str] = field(default_factory=list)


def proposed_listening(ws: Workspace) -> tuple[str, list[str]]:
    """The topic and the competitors' topics the guided start proposes:
    those ``[organization]`` names in ``veille.toml`` (the demo's "lumio",
    "vexa" and "orbita"), which both askers offered empty, as if unknown."""
    org = ws.settings.organization
    return org.brand_topic, list(org.competitor_topics)


@dataclass(frozen=True)
class StartResult:
    objective: str
    topics: tuple[str, ...]
    channels: tuple[str, ...]
    kpis: tuple[str, ...]


def _slug(text: str) -> str:
    import re
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "objective"


def _ensure_topic(ws: Workspace, name: str, query: str) -> None:
    from veille.query.topics import add_topic

    if name and not any(t.name == name for t in ws.state.topics()):
        add_topic(ws.store, name, query or name)


def start_plan(
    ws: Workspace, answers: StartAnswers, *, actor: str | None = None, now: datetime | None = None
) -> StartResult:
    """Write a first plan from ``answers``: the objective, its topic (created
    from ``query`` when new) and competitors, the owner as spokesperson and
    channel owner, the channels, and the objective type's KPIs."""
    from veille.plan.channels import set_channel
    from veille.plan.kpis import add_kpi
    from veille.plan.objectives import add_objective, check_kind, kind_label
    from veille.plan.people import add_person

    a = answers
    kind = check_kind(a.kind)
    d = DEFAULTS[kind]
    when = now_utc(now)
    fr = a.lang == "fr"
    channels = tuple(check_platform(c) for c in split_list(a.channels))
    topic = a.topic.strip() or (a.organization.strip().lower() if a.organization else "")
    _ensure_topic(ws, topic, a.query.strip() or a.organization.strip())
    competitors = [c for c in split_list(a.competitors) if c != topic]
    for c in competitors:
        _ensure_topic(ws, c, c)
    state = ws.state
    if a.organization:
        state.set_plan_setting("organization", a.organization.strip())
    state.set_plan_setting("language", "fr" if fr else "en")
    if topic:
        # The brand and its competitors, as the dashboard and share of voice
        # compare them where veille.toml names none.
        from veille.services.analytics import PLAN_BRAND, PLAN_COMPETITORS

        state.set_plan_setting(PLAN_BRAND, topic)
        state.set_plan_setting(PLAN_COMPETITORS, ",".join(competitors) or None)
    name = a.objective.strip() or kind_label(kind, a.lang)
    add_objective(
        state,
        name,
        kind,
        description=a.description or (d.description_fr if fr else d.description_en),
        owner=a.owner,
        # Counted from today on the organization's calendar: at 21:00 in
        # Montréal it is already tomorrow in UTC, and the deadline fell a day late.
        deadline=a.deadline
        or local_day(when, ws.settings.workspace.timezone) + timedelta(days=DEADLINE_DAYS),
        topics=[topic] if topic else [],
        channels=list(channels),
        actor=actor,
    )
    if a.owner:
        add_person(state, a.owner, "spokesperson", actor=actor)
    for platform in channels:
        set_channel(
            state,
            platform,
            objectives=[name],
            posts_per_week=a.posts_per_week if a.posts_per_week is not None else d.posts_per_week,
            response_minutes=(
                a.response_minutes if a.response_minutes is not None else d.response_minutes
            ),
            tone=d.tone_fr if fr else d.tone_en,
            languages=a.languages or ["fr" if fr else "en"],
            owner=a.owner,
            handle=a.handle,
            actor=actor,
        )
        if a.owner:
            add_person(state, a.owner, "channel_owner", platform=platform, actor=actor)
    made = []
    for kpi_kind, growth, floor in d.kpis:
        about_topic = kpi_kind in ("mentions", "net_sentiment", "influencers_engaged")
        if (about_topic and not topic) or (
            kpi_kind == "share_of_voice" and not (topic and competitors)
        ):
            continue
        if kpi_kind in ("followers", "engagement", "posts_published") and not channels:
            continue
        kpi_name = f"{_slug(name)}-{kpi_kind.replace('_', '-')}"
        kpi = add_kpi(
            ws,
            kpi_name,
            kpi_kind,
            floor,
            topic=topic,
            compare=competitors,
            platform=channels[0] if channels else "",
            objective=name,
            now=when,
            actor=actor,
        )
        target = suggest_target(kpi_kind, kpi.baseline, growth, floor)
        if target != kpi.target:
            from veille.plan.kpis import set_target

            set_target(ws, kpi_name, target, actor=actor)
        made.append(kpi_name)
    audit(state, actor, "plan.start", name, kind)
    return StartResult(name, (topic,) if topic else (), channels, tuple(made))
