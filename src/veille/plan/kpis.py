"""KPIs: indicators veille computes from its own data, never typed in.

Each kind says what it measures and which way is better; :func:`measure`
computes one value over a window of ``period_days`` days ending at ``now``.
A value that cannot be measured (no inbox, no snapshot, no scored post) is
``None`` with the reason, never a made-up number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from veille.errors import NotFound, Place, UsageError, tr
from veille.plan.common import audit, check_name, check_platform, now_utc, parse_day, split_list
from veille.store.protocols.plan import KPI
from veille.suggest import did_you_mean

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope
    from veille.workspace import Workspace


@dataclass(frozen=True)
class KindInfo:
    needs: str  # "topic", "platform" or "" (what the KPI must name)
    better: str  # "up" or "down"
    unit: str  # "count", "percent", "points", "minutes"
    en: str
    fr: str


KINDS: dict[str, KindInfo] = {
    "mentions": KindInfo("topic", "up", "count", "Mentions of a topic", "Mentions d’un sujet"),
    "share_of_voice": KindInfo("topic", "up", "percent", "Share of voice", "Part de voix"),
    "net_sentiment": KindInfo(
        "topic", "up", "points", "Net sentiment (points)", "Sentiment net (points)"
    ),
    "influencers_engaged": KindInfo(
        "topic", "up", "count", "Influencers engaged", "Influenceurs engagés"
    ),
    "first_response": KindInfo(
        "",
        "down",
        "minutes",
        "Inbox first-response time (median, minutes)",
        "Délai de première réponse de la boîte de réception (médiane, minutes)",
    ),
    "backlog": KindInfo("", "down", "count", "Inbox backlog", "Éléments en attente"),
    "followers": KindInfo("platform", "up", "count", "Followers", "Abonnés"),
    "engagement": KindInfo(
        "platform", "up", "count", "Engagement on our posts", "Engagement sur nos publications"
    ),
    "posts_published": KindInfo(
        "platform", "up", "count", "Posts published", "Publications publiées"
    ),
}

#: How many earlier windows the history shows beside the current one.
HISTORY_POINTS = 8
#: How many of a topic's top influencers "influencers engaged" looks at.
INFLUENCERS_CONSIDERED = 20


#: The kinds that count posts. Over a window veille holds no post for, 0
#: would be a made-up number (nothing was collected, not nothing was said).
COUNTED = ("mentions", "influencers_engaged", "engagement", "posts_published")


@dataclass(frozen=True)
class Measure:
    """A KPI's value, or why there is none (EN and FR). A count over a window
    that began before veille held any post covers only ``covered_days`` of
    it, from ``covers_from``."""

    value: float | None
    why_en: str = ""
    why_fr: str = ""
    covers_from: date | None = None
    covered_days: int = 0

    def why(self, lang: str) -> str:
        return self.why_fr if lang == "fr" else self.why_en


def check_kind(value: str) -> str:
    kind = value.strip().lower().replace("-", "_")
    if kind not in KINDS:
        raise UsageError(
            tr("%(value)r is not a KPI kind", value=value), hint=did_you_mean(kind, KINDS)
        )
    return kind


def kind_label(kind: str, lang: str = "en") -> str:
    info = KINDS.get(kind)
    return (info.fr if lang == "fr" else info.en) if info else kind


# -- own accounts -----------------------------------------------------------------


def own_handles(ws: Workspace, platform: str, handle: str = "") -> list[str]:
    """The organization's accounts on ``platform``: ``handle`` when given, else
    the channel plan's account there, else the organization's handles
    (``platform:handle`` or a bare handle) from veille.toml."""
    if handle:
        return [handle.lstrip("@")]
    for c in ws.state.plan_channels():
        if c.platform == platform and c.handle:
            return [c.handle.lstrip("@")]
    found = []
    for h in ws.settings.organization.handles:
        pf, sep, name = h.partition(":")
        if not sep:
            found.append(h.lstrip("@"))
        elif pf == platform:
            found.append(name.lstrip("@"))
    return found


def own_authors(ws: Workspace, platform: str, handle: str = "") -> list[str]:
    """Every name our posts on ``platform`` may carry as their author: our
    handles there and the other names the account lookup gave for them (a
    YouTube channel's id, a Facebook Page's name, a LinkedIn page's vanity
    name: :mod:`veille.plan.accounts`)."""
    from veille.plan.accounts import account_aliases

    found = []
    for h in own_handles(ws, platform, handle):
        found += [h, *(a.lstrip("@") for a in account_aliases(ws.state, platform, h))]
    return list(dict.fromkeys(a for a in found if a))


def _all_own_handles(ws: Workspace) -> list[str]:
    found = list(ws.settings.organization.handles)
    found += [f"{c.platform}:{c.handle.lstrip('@')}" for c in ws.state.plan_channels() if c.handle]
    return list(dict.fromkeys(found))


# -- measuring --------------------------------------------------------------------


def window(now: datetime, days: int) -> Period:
    """The ``days`` up to ``now``, ``now``'s second included. Stores keep a
    post's time to the second and end a period before its ``until``'s
    second: a window ending at 10:00:00.7 left out a post published at
    10:00:00.3, so a KPI set just after a post came in (a script, a busy
    minute) had a baseline without it, and read it a second later."""
    from veille.analytics.scope import Period

    end = now.replace(microsecond=0)
    if end != now:
        end += timedelta(seconds=1)
    return Period(end - timedelta(days=days), end)


def _topic(ws: Workspace, name: str) -> Scope:
    from veille.analytics.topics import topic_scope

    return topic_scope(ws.store, name)


def _totals(ws: Workspace, scope: Scope, per: Period) -> tuple[int, int]:
    from veille.analytics.volume import grouped

    rows = grouped(ws.store, scope.during(per))
    return (int(rows[0][0] or 0), int(rows[0][1] or 0)) if rows else (0, 0)


def _own_scope(ws: Workspace, kpi: KPI) -> Scope | Measure:
    from veille.analytics.scope import Scope
    from veille.analytics.topics import query_scope
    from veille.store.base import PostFilter

    handles = own_authors(ws, kpi.platform, kpi.handle)
    if not handles:
        return Measure(
            None,
            f"no account of ours on {kpi.platform} is known: set the channel's account "
            "(`veille plan channel set --handle`)",
            f"aucun compte de l’organisation sur {kpi.platform} n’est connu : indiquez le compte "
            "du canal (`veille plan channel set --handle`)",
        )
    query = " OR ".join('author:"{}"'.format(h.replace('"', "")) for h in handles)
    return query_scope(ws.store, query, Scope(flt=PostFilter(platforms=(kpi.platform,))))


def listening_since(ws: Workspace) -> datetime | None:
    """When the posts veille holds begin (the oldest one's date), ``None``
    while it holds none."""
    begin = getattr(ws.store, "posts_begin", None)  # a posts endpoint serves none
    if begin is not None:
        found: datetime | None = begin()
        return found
    oldest = next(iter(ws.store.iter_posts(batch_size=1)), None)
    return oldest.published_at if oldest else None


#: :func:`listening_since`, asked when needed.
Since = Callable[[], "datetime | None"]


def listening(ws: Workspace) -> Since:
    """:func:`listening_since`, read the first time it is asked and then kept:
    what the KPIs of one page and their histories share, where each window
    of each count read it again (half a second a read at 1M posts in
    ClickHouse, about forty reads a plan page)."""
    return cache(lambda: listening_since(ws))


def measure(ws: Workspace, kpi: KPI, per: Period, *, since: Since | None = None) -> Measure:
    """The value of ``kpi`` over ``per`` (share of voice in percent, net
    sentiment in points from -100 to 100). A count over a window veille holds
    no post for is not measurable; over one it holds only the end of, it
    says how many days it covers (``since``: when the posts begin, from
    :func:`listening`)."""
    gone = _topic_gone(ws, kpi)
    if gone is not None:
        return gone
    got = _measure(ws, kpi, per)
    if kpi.kind not in COUNTED or got.value is None:
        return got
    if (
        kpi.kind == "posts_published"
        and _published_from_calendar(ws, kpi.platform, per) is not None
    ):
        return got  # the calendar's own record, whatever was collected
    oldest = since() if since is not None else listening_since(ws)
    if oldest is None:
        return Measure(
            None,
            "veille holds no post yet: collect first (`veille collect`)",
            "veille ne détient encore aucune publication : collectez d’abord (`veille collect`)",
        )
    if oldest >= per.until:
        from veille.i18n import format_date

        return Measure(
            None,
            f"veille holds no post before {format_date(oldest.date(), 'en')}: "
            "nothing was collected for this period",
            f"veille ne détient aucune publication avant le {format_date(oldest.date(), 'fr')} : "
            "rien n’a été collecté pour cette période",
        )
    if oldest > per.since:
        days = max(1, round((per.until - oldest).total_seconds() / 86400))
        return replace(got, covers_from=oldest.date(), covered_days=days)
    return got


def _topic_gone(ws: Workspace, kpi: KPI) -> Measure | None:
    """Not measurable, saying why, when a topic the KPI names no longer
    exists (deleted before veille refused to delete a topic in use): its
    measure stopped the whole plan page (a 404 naming the topic)."""
    for name in (kpi.topic, *kpi.compare):
        if name and ws.state.topic(name) is None:
            return Measure(
                None,
                f"topic {name} no longer exists: add a topic of that name again "
                f"(`veille topic add {name} QUERY`), or remove this KPI",
                f"le sujet {name} n’existe plus : recréez un sujet de ce nom "
                f"(`veille topic add {name} REQUÊTE`), ou supprimez cet indicateur",
            )
    return None


def _before_listening(ws: Workspace, kpi: KPI, per: Period, since: Since) -> bool:
    """Whether ``per`` ends before veille holds any post and ``kpi`` counts
    posts: :func:`measure` finds it not measurable whatever the count."""
    if kpi.kind not in COUNTED:
        return False
    if (
        kpi.kind == "posts_published"
        and _published_from_calendar(ws, kpi.platform, per) is not None
    ):
        return False
    oldest = since()
    return oldest is None or oldest >= per.until


def _measure(ws: Workspace, kpi: KPI, per: Period) -> Measure:
    kind = kpi.kind
    if kind == "mentions":
        return Measure(float(_totals(ws, _topic(ws, kpi.topic), per)[0]))
    if kind == "share_of_voice":
        return _share_of_voice(ws, kpi, per)
    if kind == "net_sentiment":
        from veille.analytics.volume import overall_sentiment

        point = overall_sentiment(ws.store, _topic(ws, kpi.topic), per)
        if point.net is None:
            return Measure(
                None,
                "no post of the topic has a sentiment in this period",
                "aucune publication du sujet n’a de sentiment sur cette période",
            )
        return Measure(round(point.net * 100, 1))
    if kind == "influencers_engaged":
        return _influencers_engaged(ws, kpi, per)
    if kind in ("first_response", "backlog"):
        from veille.plan.inbox_figures import inbox_measure

        return inbox_measure(ws, kind, per)
    if kind == "followers":
        return _followers(ws, kpi, per.until.date())
    if kind == "posts_published":
        published = _published_from_calendar(ws, kpi.platform, per)
        if published is not None:
            return Measure(float(published))
    if kind in ("engagement", "posts_published"):
        scope = _own_scope(ws, kpi)
        if isinstance(scope, Measure):
            return scope
        posts, engagement = _totals(ws, scope, per)
        if kind == "engagement":
            engagement += _replies_not_counted(ws, scope, per)
        return Measure(float(engagement if kind == "engagement" else posts))
    raise UsageError(tr("%(value)r is not a KPI kind", value=kind), hint=did_you_mean(kind, KINDS))


#: How many of our posts without counts in a window are looked at for replies.
OWN_POSTS_CONSIDERED = 1000


def _replies_not_counted(ws: Workspace, scope: Scope, per: Period) -> int:
    """The replies veille stored to those of our posts that carry no count at
    all: a platform whose posts API gives no likes, shares or comment counts
    (LinkedIn's ``/rest/posts``, YouTube's search) still has the comments its
    connector collects under our posts. A post with counts is left alone
    (its comment count already holds those replies)."""
    from veille.query.ast import And, Range
    from veille.store.base import PostFilter

    store = ws.store
    if not hasattr(store, "replies_to"):
        return 0
    flt = PostFilter(since=per.since, until=per.until, platforms=scope.flt.platforms)
    # The posts without counts are asked of the store: taken from the newest
    # of all our posts, those beyond the first thousand were never looked at
    # (and a month of a busy account read a thousand posts to keep none).
    # The counts first: SQLite checks them before the author's handle.
    uncounted = tuple(Range(n, 0, 0) for n in ("likes", "shares", "replies"))
    found = 0
    for query in scope.queries:
        for post in store.search(And((*uncounted, query)), flt, limit=OWN_POSTS_CONSIDERED):
            found += len(store.replies_to(post.id))
    return found


def _published_from_calendar(ws: Workspace, platform: str, per: Period) -> int | None:
    """Posts the content calendar published on ``platform`` during ``per``;
    ``None`` when it had published none there by the end of ``per`` (the
    organization posted from elsewhere: its collected posts are counted). A
    window before the calendar's first post read 0 where the organization
    had published."""
    entries = getattr(ws.state, "calendar_entries", None)
    if entries is None:
        return None
    done = [
        e.published_at
        for e in entries()
        if e.platform == platform and e.status == "published" and e.published_at
    ]
    if not done or min(done) >= per.until:
        return None
    return sum(1 for at in done if per.since <= at < per.until)


def _share_of_voice(ws: Workspace, kpi: KPI, per: Period) -> Measure:
    from veille.services.analytics import brand_and_competitors

    others = list(kpi.compare) or [t for t in brand_and_competitors(ws)[1] if t != kpi.topic]
    if not others:
        return Measure(
            None,
            "no topic to compare with: name competitors (--compare)",
            "aucun sujet auquel comparer : nommez des concurrents (--compare)",
        )
    # Each topic's posts over this window alone: the KPI reads no engagement
    # share nor the period before (analytics' share of voice reads both,
    # twice the queries).
    posts = {t: _totals(ws, _topic(ws, t), per)[0] for t in [kpi.topic, *others]}
    total = sum(posts.values())
    if not total:  # no post in any of them: 0 out of 0
        return Measure(
            None,
            "none of the compared topics has a post in this period",
            "aucun des sujets comparés n’a de publication sur cette période",
        )
    return Measure(round(posts[kpi.topic] / total * 100, 1))


def _influencers_engaged(ws: Workspace, kpi: KPI, per: Period) -> Measure:
    from veille.analytics.influencers import engaged_with, identity, influencers

    handles = _all_own_handles(ws)
    if not handles:
        return Measure(
            None,
            "the organization's accounts are not known: set them in the channel plan",
            "les comptes de l’organisation ne sont pas connus : indiquez-les dans le plan "
            "des canaux",
        )
    # An influencer counts when the organization replied to or mentioned them
    # in the window, whatever it did later (their last engagement left an
    # earlier window short). With no one engaged then, none counts, and the
    # topic's authors need no ranking (0.4 s a window at 1M posts).
    engaged = engaged_with(ws.store, handles, per)
    if not engaged:
        return Measure(0.0)
    found = influencers(
        ws.store,
        _topic(ws, kpi.topic),
        per,
        org_handles=handles,
        limit=INFLUENCERS_CONSIDERED,
        recent=0,
    )
    return Measure(
        float(sum(1 for i in found if any(identity(h) in engaged for _pf, h in i.accounts)))
    )


def _followers(ws: Workspace, kpi: KPI, day: date) -> Measure:
    handles = own_handles(ws, kpi.platform, kpi.handle)
    shots = [
        s
        for h in handles
        for s in ws.state.account_snapshots(kpi.platform, h)
        if s.day <= day and s.followers is not None
    ]
    if not shots:
        return Measure(
            None,
            "no snapshot of the account yet: run `veille plan snapshot` (veille run does it daily)",
            "pas encore de relevé du compte : lancez `veille plan snapshot` (veille run le fait "
            "chaque jour)",
        )
    return Measure(float(max(shots, key=lambda s: s.day).followers or 0))


def history(
    ws: Workspace,
    kpi: KPI,
    now: datetime | None = None,
    *,
    since: Since | None = None,
    current: Measure | None = None,
) -> list[tuple[date, float]]:
    """The KPI's values, oldest first: daily snapshots for followers, else the
    value over each of the last windows of ``period_days`` (the last one
    ending now), leaving out windows where it cannot be measured.
    ``current``: the value over the last window, where the caller measured
    it already (it is not read again)."""
    when = now_utc(now)
    if kpi.kind == "followers":
        return [
            (s.day, float(s.followers))
            for h in own_handles(ws, kpi.platform, kpi.handle)
            for s in ws.state.account_snapshots(kpi.platform, h)
            if s.followers is not None and s.day <= when.date()
        ]
    since = since or listening(ws)
    ends = [when - timedelta(days=kpi.period_days * i) for i in range(HISTORY_POINTS - 1, -1, -1)]
    known: dict[int, Measure] = {len(ends) - 1: current} if current is not None else {}
    # Not measurable, whatever the count: not read.
    gaps = {
        i
        for i, e in enumerate(ends)
        if _before_listening(ws, kpi, window(e, kpi.period_days), since)
    }
    todo = [i for i in range(len(ends)) if i not in known and i not in gaps]
    together = _measure_windows(ws, kpi, [window(ends[i], kpi.period_days) for i in todo])
    if together is not None:
        known.update(zip(todo, together, strict=True))
    points = []
    for i, end in enumerate(ends):
        if i in gaps and i not in known:
            continue
        got = known.get(i) or measure(ws, kpi, window(end, kpi.period_days), since=since)
        if got.value is not None:
            points.append((end.date(), got.value))
    return points


def first_point_days(
    ws: Workspace,
    kpi: KPI,
    points: list[tuple[date, float]],
    now: datetime | None = None,
    *,
    since: Since | None = None,
) -> int | None:
    """How many days of its period the first of a count's history ``points``
    (from :func:`history` at ``now``) counts, when veille held no post for
    its first days (``None`` when it counts them all): the oldest window
    drawn is often the one the posts begin in, and a third of a month drawn
    beside whole months reads as growth that is not there."""
    if kpi.kind not in COUNTED or not points:
        return None
    when = now_utc(now)
    ends = [when - timedelta(days=kpi.period_days * i) for i in range(HISTORY_POINTS)]
    end = next((e for e in ends if e.date() == points[0][0]), None)
    if end is None:
        return None
    per = window(end, kpi.period_days)
    if (
        kpi.kind == "posts_published"
        and _published_from_calendar(ws, kpi.platform, per) is not None
    ):
        return None  # the calendar's record: whole
    oldest = (since or listening(ws))()
    if oldest is None or not per.since < oldest < per.until:
        return None
    # As measure() counts a value's days (part of a day is a day).
    return max(1, round((per.until - oldest).total_seconds() / 86400))


def _measure_windows(ws: Workspace, kpi: KPI, pers: list[Period]) -> list[Measure] | None:
    """:func:`_measure` over each of ``pers`` (windows side by side, each
    ending after the posts begin), a count's scope read once for all of them
    (:meth:`~veille.store.protocols.analytics.AnalyticsPosts.window_totals`);
    ``None`` for a kind measured one window at a time."""
    kind = kpi.kind
    if not pers or kind not in ("mentions", "share_of_voice", "engagement", "posts_published"):
        return None
    if kind == "mentions":
        return [Measure(float(n)) for n, _e in ws.store.window_totals(_topic(ws, kpi.topic), pers)]
    if kind == "share_of_voice":
        from veille.services.analytics import brand_and_competitors

        others = list(kpi.compare) or [t for t in brand_and_competitors(ws)[1] if t != kpi.topic]
        if not others:
            return None  # the reason, from one window
        voices = {
            t: [n for n, _e in ws.store.window_totals(_topic(ws, t), pers)]
            for t in [kpi.topic, *others]
        }
        totals = [sum(counts[i] for counts in voices.values()) for i in range(len(pers))]
        return [
            Measure(round(voices[kpi.topic][i] / total * 100, 1) if total else None)
            for i, total in enumerate(totals)
        ]
    if kind == "posts_published" and any(
        _published_from_calendar(ws, kpi.platform, per) is not None for per in pers
    ):
        return None  # the calendar's record, window by window
    scope = _own_scope(ws, kpi)
    if isinstance(scope, Measure):
        return None  # the reason, from one window
    found = []
    for per, (posts, engagement) in zip(pers, ws.store.window_totals(scope, pers), strict=True):
        if kind == "engagement":
            engagement += _replies_not_counted(ws, scope, per)
        found.append(Measure(float(engagement if kind == "engagement" else posts)))
    return found


# -- the KPI list -----------------------------------------------------------------


def list_kpis(state: Any) -> list[KPI]:
    kpis: list[KPI] = state.plan_kpis()
    return kpis


def get_kpi(state: Any, name: str) -> KPI:
    kpis = list_kpis(state)
    for k in kpis:
        if k.name == name:
            return k
    names = [k.name for k in kpis]
    raise NotFound(
        tr("KPI %(name)r does not exist", name=name),
        hint=did_you_mean(name, names)
        if names
        else tr(
            "Add a KPI first (%(where)s).", where=Place("veille plan kpi add", page="/plan/edit")
        ),
    )


def add_kpi(
    ws: Workspace,
    name: str,
    kind: str,
    target: float,
    *,
    topic: str = "",
    platform: str = "",
    handle: str = "",
    compare: str | list[str] | tuple[str, ...] | None = None,
    period_days: int = 30,
    objective: str = "",
    deadline: str | date | None = None,
    now: datetime | None = None,
    actor: str | None = None,
) -> KPI:
    """Define a KPI and measure its baseline now."""
    from veille.plan.objectives import get_objective
    from veille.query.topics import get_topic

    state = ws.state
    name = check_name(name, tr("KPI"))
    if any(k.name == name for k in list_kpis(state)):
        raise UsageError(
            tr("KPI %(name)r already exists", name=name),
            hint=tr("Remove it first, or choose another name."),
        )
    kind = check_kind(kind)
    info = KINDS[kind]
    if period_days < 1:
        raise UsageError(
            tr("period %(value)s is not a number of days", value=period_days),
            hint=tr("Use 1 or more."),
        )
    if info.needs == "topic":
        if not topic:
            raise UsageError(
                tr("a %(kind)s KPI needs a topic", kind=kind),
                hint=tr("Choose the topic it counts."),
            )
        get_topic(ws.store, topic)
    if info.needs == "platform":
        if not platform:
            raise UsageError(
                tr("a %(kind)s KPI needs a platform", kind=kind),
                hint=tr("Choose the platform it counts."),
            )
        platform = check_platform(platform)
    # Only what the kind reads is kept (a guided start passes everything).
    topic = topic if info.needs == "topic" else ""
    platform = platform if info.needs == "platform" else ""
    others = split_list(compare) if kind == "share_of_voice" else ()
    for t in others:
        get_topic(ws.store, t)
    day = parse_day(deadline)
    if objective:
        obj = get_objective(state, objective)
        day = day or obj.deadline
    when = now_utc(now)
    kpi = KPI(
        name=name,
        kind=kind,
        target=float(target),
        period_days=period_days,
        objective=objective,
        topic=topic,
        platform=platform,
        handle=handle.lstrip("@"),
        compare=others,
        deadline=day,
        set_at=when,
    )
    kpi = replace(kpi, baseline=measure(ws, kpi, window(when, period_days)).value)
    state.save_kpi(kpi)
    audit(state, actor, "plan.kpi.add", name, f"{kind} target {target}")
    return kpi


def set_target(
    ws: Workspace,
    name: str,
    target: float,
    *,
    deadline: str | date | None = None,
    clear_deadline: bool = False,
    actor: str | None = None,
) -> KPI:
    """Change a KPI's target; its deadline too when ``deadline`` is given
    (kept when not), or removed with ``clear_deadline``."""
    day = parse_day(deadline)
    if clear_deadline and day is not None:
        raise UsageError(
            tr("give either a new deadline or no deadline, not both"),
            hint=tr("Keep the date to set it, or leave it out to remove the deadline."),
        )
    kpi = get_kpi(ws.state, name)
    kpi = replace(
        kpi, target=float(target), deadline=None if clear_deadline else day or kpi.deadline
    )
    ws.state.save_kpi(kpi)
    audit(ws.state, actor, "plan.kpi.edit", name, f"target {target}")
    return kpi


def remove_kpi(state: Any, name: str, *, actor: str | None = None) -> None:
    get_kpi(state, name)
    state.delete_kpi(name)
    audit(state, actor, "plan.kpi.remove", name)


@dataclass(frozen=True)
class Caution:
    """A word on a KPI just saved that is taken as it is, not refused."""

    en: str
    fr: str

    def said(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


def cautions(
    kpi: KPI, now: datetime | None = None, *, added: bool = False, deadline_set: bool = False
) -> list[Caution]:
    """What to tell whoever just saved ``kpi``: a deadline (given with it,
    or taken from its objective when ``added``) already past, which makes
    it read "missed" at once; a KPI ``added`` whose baseline already meets
    its target, which reads "achieved" at once."""
    from veille.i18n import format_date
    from veille.plan.status import format_value

    found: list[Caution] = []
    today = now_utc(now).date()
    if (added or deadline_set) and kpi.deadline is not None and kpi.deadline < today:
        d_en, d_fr = format_date(kpi.deadline, "en"), format_date(kpi.deadline, "fr")
        found.append(
            Caution(
                f"The deadline, {d_en}, is already past: the KPI reads “missed” until it "
                "reaches its target. Change the date if another was meant.",
                f"L’échéance, le {d_fr}, est déjà passée\u202f: le KPI est «\u202fmanqué\u202f» "
                "tant qu’il n’atteint pas son objectif. Changez la date s’il en fallait une autre.",
            )
        )
    up = KINDS[kpi.kind].better == "up" if kpi.kind in KINDS else True
    base = kpi.baseline
    if added and base is not None and ((base >= kpi.target) if up else (base <= kpi.target)):
        b_en, b_fr = format_value(kpi.kind, base, "en"), format_value(kpi.kind, base, "fr")
        t_en, t_fr = (
            format_value(kpi.kind, kpi.target, "en"),
            format_value(kpi.kind, kpi.target, "fr"),
        )
        found.append(
            Caution(
                f"Already met: the baseline ({b_en}) reaches the target of {t_en}, so the KPI "
                "reads “achieved” at once. Is this a floor to keep?",
                f"Déjà atteint\u202f: la valeur de départ ({b_fr}) atteint l’objectif de {t_fr}, "
                "le KPI est donc «\u202fatteint\u202f» d’emblée. Est-ce un plancher à tenir\u202f?",
            )
        )
    return found
