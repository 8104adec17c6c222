"""The measures by KPI kind: what each kind measures and which way is
better (:data:`KINDS`), and :func:`measure`, one value over a window of
``period_days`` days ending at ``now``. A value that cannot be measured (no
inbox, no snapshot, no scored post) is ``None`` with the reason, never a
made-up number. The history of the earlier windows is
:mod:`veille.plan.kpi_history`; the KPI list, :mod:`veille.plan.kpis`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from veille.analytics.findings import platform_name
from veille.errors import Place, Text, UsageError, tr
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


#: How many of a topic's top influencers "influencers engaged" looks at.
INFLUENCERS_CONSIDERED = 20


#: The kinds that count posts. Over a window veille holds no post for, 0
#: would be a made-up number (nothing was collected, not nothing was said).
COUNTED = ("mentions", "influencers_engaged", "engagement", "posts_published")
#: The kinds read from a topic's counts, which a retention purge keeps.
KEPT_BY_PURGES = ("mentions", "net_sentiment")


#: The kinds read from the posts veille keeps, which ``[privacy]
#: retention_days`` deletes: over a window longer than the retention they
#: undercount. A topic's post counts (mentions, share of voice) and its
#: sentiment (net sentiment, since 2026-12-06) are read from the aggregates
#: the purge keeps.
READ_FROM_POSTS = ("influencers_engaged", "engagement", "posts_published")


@dataclass(frozen=True)
class Measure:
    """A KPI's value, or why there is none (EN and FR). A reason that says
    what to do is one sentence made by :func:`~veille.errors.tr` (``why_en``,
    ``why_fr`` empty): its French is in the catalogs and its
    :class:`~veille.errors.Place` is said where it is read (the command on
    the command line, the page that fixes it on the web). A count over a
    window that began before veille held any post covers only
    ``covered_days`` of it, from ``covers_from``."""

    value: float | None
    why_en: str = ""
    why_fr: str = ""
    covers_from: date | None = None
    covered_days: int = 0
    #: ``covers_from`` is when the topic's kept counts begin, before the
    #: oldest post held (a retention purge deleted the older posts).
    from_counts: bool = False
    #: What the value leaves out, said after the status's reason (EN and FR):
    #: a median of the inbox's answered items, when some have no answer.
    note_en: str = ""
    note_fr: str = ""

    def why(self, lang: str, say: Callable[[str], str] | None = None) -> str:
        """Why there is no value, in ``lang``, the command line's way; or
        ``say``'s (the web app's translator of the reader: a page's, the
        API's)."""
        return said(self.why_en, self.why_fr, lang, say)


def said(en: str, fr: str, lang: str, say: Callable[[str], str] | None = None) -> str:
    """A reason written ``en`` and ``fr``, or made by :func:`~veille.errors.tr`
    (``en``, a :class:`~veille.errors.Text`): said by ``say`` where given
    (the web app's page or API), else in ``lang`` the command line's way
    (its commands named), from the web app's catalogs."""
    if not isinstance(en, Text):
        return fr if lang == "fr" else en
    if say is not None:
        return say(en)
    if lang == "en":
        return str.__str__(en)
    from veille.errors import translated
    from veille.web.i18n import load_translations

    catalog = load_translations()[lang]
    return translated(en, catalog.gettext, lang, ngettext=catalog.ngettext)


#: Where the plan is changed (its KPIs, the channels' accounts), on the web;
#: the API changes no plan: its reader is sent to the page too.
PLAN_EDIT = "/plan/edit"


def _plan_edit(command: str) -> Place:
    return Place(command, page=PLAN_EDIT, api=PLAN_EDIT)


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


def _totals(ws: Workspace, scope: Scope, per: Period) -> tuple[int, int | None]:
    """Posts and engagement (``None`` where no post gave counts) of ``scope``."""
    from veille.analytics.volume import grouped

    rows = grouped(ws.store, scope.during(per))
    return (int(rows[0][0] or 0), rows[0][1]) if rows else (0, None)


def _own_scope(ws: Workspace, kpi: KPI) -> Scope | Measure:
    from veille.analytics.scope import Scope
    from veille.analytics.topics import query_scope
    from veille.store.base import PostFilter

    handles = own_authors(ws, kpi.platform, kpi.handle)
    if not handles:
        name = platform_name(kpi.platform)
        return Measure(
            None,
            tr(
                "no account of ours on %(platform)s is known: set the channel's account "
                "(%(where)s)",
                platform=name,
                where=_plan_edit(f"`veille plan channel set {kpi.platform} --handle HANDLE`"),
            ),
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


class Listening:
    """:func:`listening_since`, read the first time it is asked and then kept:
    what the KPIs of one page and their histories share, where each window
    of each count read it again (a ClickHouse read of every post's date,
    about forty reads a plan page); and, kept likewise, when
    each topic's counts begin (:func:`counted_since`)."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._posts = cache(lambda: listening_since(ws))
        self._topics: dict[str, datetime | None] = {}

    def __call__(self) -> datetime | None:
        return self._posts()

    def counts_begin(self, topic: str) -> datetime | None:
        if topic not in self._topics:
            self._topics[topic] = _counts_begin(self._ws, topic)
        return self._topics[topic]


def listening(ws: Workspace) -> Since:
    """A :class:`Listening`: when the posts begin, read once."""
    return Listening(ws)


def _counts_begin(ws: Workspace, topic: str) -> datetime | None:
    """When what ``topic`` counts begins, the posts a retention purge
    deleted included (``None``: unknown, or no such topic)."""
    found = ws.state.topic(topic) if topic else None
    begin = getattr(ws.store, "topic_counts_begin", None)  # a posts endpoint serves none
    if found is None or begin is None:
        return None
    got: datetime | None = begin(found.id)
    return got


def counted_since(
    ws: Workspace, kpi: KPI, since: Since | None = None
) -> tuple[datetime | None, bool]:
    """When what ``kpi`` counts begins, and whether that is its topic's kept
    counts rather than the oldest post held. A topic's mentions are read
    from counts a retention purge keeps (SQLite's ``topic_rollup``,
    ClickHouse's ``topic_purged``): after a purge they still cover the days
    whose posts are gone, where the oldest post held said "it counts only
    N days" of a figure that counted them all. A topic's net sentiment too:
    the purge keeps its positive, negative and neutral posts (2026-12-06),
    and its windows over purged days were left out of the KPI's history.
    Every other count is read from the posts held."""
    posts = since() if since is not None else listening_since(ws)
    if kpi.kind not in KEPT_BY_PURGES:
        return posts, False
    kept = getattr(since, "counts_begin", None)
    counts = kept(kpi.topic) if kept is not None else _counts_begin(ws, kpi.topic)
    # The counts go by quarter-hours: the one the oldest post held falls in
    # is that post's, not older counts.
    if counts is not None and (
        posts is None or counts.timestamp() < posts.timestamp() // 900 * 900
    ):
        return counts, True
    return posts, False


def _topic_gone(ws: Workspace, kpi: KPI) -> Measure | None:
    """Not measurable, saying why, when a topic the KPI names no longer
    exists (deleted before veille refused to delete a topic in use): its
    measure stopped the whole plan page (a 404 naming the topic)."""
    for name in (kpi.topic, *kpi.compare):
        if name and ws.state.topic(name) is None:
            add = Place(
                f"`veille topic add {name} QUERY`", page="/topics/new", api="POST /api/v1/topics"
            )
            return Measure(
                None,
                tr(
                    "topic %(topic)s no longer exists: add a topic of that name again "
                    "(%(add)s), or remove this KPI (%(remove)s)",
                    topic=name,
                    add=add,
                    remove=_plan_edit(f"`veille plan kpi remove {kpi.name}`"),
                ),
            )
    return None


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
    oldest, from_counts = counted_since(ws, kpi, since)
    if oldest is None:
        # The sources' page collects now ("Collect now"); the API has no such call.
        where = Place("`veille collect`", page="/sources", api="/sources")
        return Measure(None, tr("veille holds no post yet: collect first (%(where)s)", where=where))
    # The day the posts begin on the organization's calendar (in Montréal, a
    # first post at 22:00 on the 20th was said to begin on the 21st, UTC's day).
    from veille.plan.common import local_day

    first = local_day(oldest, ws.settings.workspace.timezone)
    if oldest >= per.until:
        from veille.i18n import format_date

        return Measure(
            None,
            f"veille holds no post before {format_date(first, 'en')}: "
            "nothing was collected for this period",
            f"veille ne détient aucune publication avant le {format_date(first, 'fr')} : "
            "rien n’a été collecté pour cette période",
        )
    if oldest > per.since:
        days = max(1, round((per.until - oldest).total_seconds() / 86400))
        # Hours short of the window's whole days: its whole period, in days.
        if days < round((per.until - per.since).total_seconds() / 86400):
            return replace(got, covers_from=first, covered_days=days, from_counts=from_counts)
    return got


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
        # The snapshots are dated by local days (the one ``until`` falls in).
        from veille.plan.common import local_day

        last = per.until - timedelta(microseconds=1)
        return _followers(ws, kpi, local_day(last, ws.settings.workspace.timezone))
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
            return _engagement(kpi, posts, engagement, _replies_not_counted(ws, scope, per))
        return Measure(float(posts))
    raise UsageError(tr("%(value)r is not a KPI kind", value=kind), hint=did_you_mean(kind, KINDS))


def _engagement(kpi: KPI, posts: int, engagement: int | None, replies: int) -> Measure:
    """The engagement our ``posts`` of a window earned, with the ``replies``
    veille stored to those of them that carry no count. Each post records
    whether its platform gave counts: where none of the window's posts did
    (a blog's feed, a web page) and no reply was stored, it is unknown; a
    quiet window whose posts gave counts is 0, as is a window without a
    post of ours."""
    from veille.i18n import format_number

    if not posts:
        return Measure(0.0)
    if engagement is not None or replies:
        return Measure(float((engagement or 0) + replies))
    name = platform_name(kpi.platform)
    return Measure(
        None,
        f"none of our {format_number(posts, 'en')} posts on {name} in this period gave "
        "an interaction count: the platform may give none (a feed, a web page)",
        f"aucune de nos {format_number(posts, 'fr')} publications sur {name} de cette "
        "période n’a donné de nombre d’interactions\u202f: la plateforme n’en donne peut-être "
        "pas (un flux, une page web)",
    )


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


#: The statuses an inbox item counts in the backlog under, and those it is
#: answered (or put aside) under: a reply, a close or a new item changes one.
_OPEN = ("new", "assigned", "in_progress", "responded")
_DONE = ("responded", "closed", "ignored")


def state_mark(
    ws: Workspace, kpis: Sequence[KPI], *, now: datetime | None = None
) -> tuple[Any, ...]:
    """What the KPIs read from the state rather than the posts, as a key:
    figures kept under another mark were read before a change there (a post
    the calendar published, an inbox item answered, closed or come in)."""
    kinds = {k.kind for k in kpis}
    mark: tuple[Any, ...] = calendar_mark(ws, kpis, now=now)
    if kinds & {"first_response", "backlog"}:
        from veille.inbox.model import ItemFilter

        count = ws.state.count_inbox_items
        mark += (count(ItemFilter(statuses=_OPEN)), count(ItemFilter(statuses=_DONE)))
    return mark


#: How far back :func:`calendar_mark` reads the calendar (by the time each
#: post was planned for): a post planned longer ago and published only now
#: (tried again for a week) is counted when the figures are next read.
MARK_DAYS = 7


def calendar_mark(
    ws: Workspace, kpis: Sequence[KPI], *, now: datetime | None = None
) -> tuple[Any, ...]:
    """What the KPIs read from the content calendar (``posts_published``
    counts its published posts), as a key: figures kept under another mark
    were read before a post was published. Only the posts planned from
    :data:`MARK_DAYS` days ago on are read (every published post of a
    long-kept calendar cost 30 ms a visit at 2,000)."""
    entries = getattr(ws.state, "calendar_entries", None)
    if entries is None or not any(k.kind == "posts_published" for k in kpis):
        return ()
    from veille.plan.common import now_utc

    since = now_utc(now) - timedelta(days=MARK_DAYS)
    done = [e.published_at for e in entries(statuses=("published",), since=since)]
    return (len(done), max((at for at in done if at), default=None))


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
            tr(
                "no topic to compare with: name competitors (%(where)s)",
                where=_plan_edit("--compare"),
            ),
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
            tr(
                "the organization's accounts are not known: set them in the channel plan "
                "(%(where)s)",
                where=_plan_edit("`veille plan channel set PLATFORM --handle HANDLE`"),
            ),
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


def followers_by_day(ws: Workspace, kpi: KPI, day: date) -> list[tuple[date, float]]:
    """The followers of our accounts on the KPI's platform, oldest first, for
    each day a snapshot was taken up to ``day``: the sum over the accounts of
    each one's latest snapshot by then. With two of our accounts there (two
    ``platform:handle`` entries in veille.toml, or bare handles), the value
    was whichever account's snapshot came first and the history ran through
    one account's snapshots and then the other's. Two names of one account
    (a LinkedIn page's vanity name and its id, which its lookup gave as
    aliases) are that one account, counted once. The sum starts the day
    every account snapshotted has its first snapshot (a sum missing one
    account would read as a fall); an account never snapshotted is left
    out."""
    from veille.plan.accounts import account_aliases

    accounts: list[dict[date, float]] = []
    names: list[set[str]] = []  # each account's names, lower-cased
    for h in own_handles(ws, kpi.platform, kpi.handle):
        known = {
            h.lower(),
            *(a.lstrip("@").lower() for a in account_aliases(ws.state, kpi.platform, h)),
        }
        same = next((i for i, n in enumerate(names) if n & known), None)
        if same is None:
            names.append(known)
            accounts.append({})
            same = len(accounts) - 1
        else:
            names[same] |= known
        for s in ws.state.account_snapshots(kpi.platform, h):
            if s.day <= day and s.followers is not None:
                accounts[same].setdefault(s.day, float(s.followers))
    accounts = [a for a in accounts if a]
    if not accounts:
        return []
    start = max(min(a) for a in accounts)
    days = sorted({d for a in accounts for d in a if d >= start})
    return [(d, sum(a[max(k for k in a if k <= d)] for a in accounts)) for d in days]


#: How an account's first snapshot is taken: the command, where it can be
#: run; on the web nothing takes one, veille's daily run does.
_SNAPSHOT = Place(
    tr("run %(command)s (veille run does it daily)", command="`veille plan snapshot`"),
    page=tr("veille takes one each day while it runs; if none comes, ask whoever runs veille"),
    api=tr("veille takes one each day while it runs; if none comes, ask whoever runs veille"),
)


def _followers(ws: Workspace, kpi: KPI, day: date) -> Measure:
    series = followers_by_day(ws, kpi, day)
    if not series:
        return Measure(None, tr("no snapshot of the account yet: %(how)s", how=_SNAPSHOT))
    return Measure(series[-1][1])
