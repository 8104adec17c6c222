"""The demo workspace: the simulator's platforms collected by the real
connectors through the real pipeline, then a tour."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from veille.errors import Bilingual, Count, Text, tr, trn
from veille.sim import BRAND
from veille.sim.feeds import FEED_PLATFORMS
from veille.workspace import Workspace, init_workspace

#: Who the audit log says set the demo world up.
DEMO = "veille demo"


def collect_from_simulator(
    ws: Workspace, *, seed: int, days: int, end: datetime, max_workers: int = 8
) -> int:
    """Start the simulator in-process, point sources at it, collect every one of
    them through the real connectors, and return the number of new posts.

    The demo's sources are disabled afterwards: the simulator stops with the demo.
    ``max_workers=1`` collects one source after another, so that two
    workspaces collected from the same seed store the same posts in the same
    order (the same story clusters).
    """
    from veille.http import HttpClient
    from veille.pipeline.collect import collect
    from veille.services.sources import add_source, list_sources, remove_source, set_enabled
    from veille.sim.platform_demo import demo_sources
    from veille.sim.runner import start_simulator

    sim = start_simulator(seed=seed, days=days, now=end, future_days=0)
    try:
        wanted: list[tuple[str, str, str, dict[str, str]]] = [
            (f"demo-{host}", "feeds", sim.url(host, "/feeds/all.atom"),
             {"platform": platform, "max_pages": "1000"})
            # Every simulated host with a firehose feed, and the platform of its posts.
            for host, platform in FEED_PLATFORMS.items()
            if host in sim.hosts
        ]  # fmt: skip
        # Platforms without a feed come in through their APIs. (The simulator
        # gives a post different permalinks in a feed and in an API, so one
        # platform is read one way only, or its posts would be stored twice.)
        wanted += [
            (f"demo-api-{kind}", kind, target, options)
            for kind, target, options in demo_sources(sim)
            if kind not in FEED_PLATFORMS
        ]
        existing = {r.name for r in list_sources(ws.state)}
        names = []
        for name, kind, target, options in wanted:
            if name in existing:
                remove_source(ws.state, name, actor=DEMO)  # the simulator's port changes every run
            add_source(ws.state, kind, target, name=name, options=options, actor=DEMO)
            names.append(name)
        # The simulator lives on loopback: this client (only) may reach it.
        settings = replace(ws.settings.http, allow_private_networks=True)
        with HttpClient(settings) as http:
            results = collect(ws, names=names, http=http, max_workers=max_workers)
            # Today's snapshot of Lumio's own pages (followers), while the simulator answers.
            from veille.plan.accounts import snapshot_accounts

            snapshot_accounts(ws, http=http)
        for name in names:
            set_enabled(ws.state, name, False, actor=DEMO)
    finally:
        sim.stop()
    return sum(r.new_posts for r in results)


# The demo's topics: the brand, its competitors and the sector.
DEMO_TOPICS = {
    "lumio": "lumio OR #lumiodown",
    "vexa": "vexa",
    "orbita": "orbita",
    "secteur": "(internet OR fibre OR 5G OR broadband OR telecom OR télécom) -lumio -vexa -orbita",
}


def add_demo_topics_and_alert(ws: Workspace) -> list[str]:
    """Topics for the brand, its competitors and the sector, and an Atom alert
    on the brand (written to ``alerts/lumio.atom`` in the workspace)."""
    from veille.alerts.model import Alert, AlertBook
    from veille.query.topics import add_topic, list_topics

    have = {t.name for t in list_topics(ws.state)}
    for name, query in DEMO_TOPICS.items():
        if name not in have:
            add_topic(ws.state, name, query, actor=DEMO)
    book = AlertBook(ws.state)
    if "lumio-feed" not in {a.name for a in book.all()}:
        feed = ws.root / "alerts" / "lumio.atom"
        feed.parent.mkdir(exist_ok=True)
        book.add(Alert(name="lumio-feed", channel_url=f"atom:{feed}", topic="lumio"))
    return list(DEMO_TOPICS)


def demo_organization() -> dict[str, str]:
    """The demo's ``[organization]`` settings: Lumio's own pages (never its
    influencers; the LinkedIn page may be named by its organization number),
    its topic, its competitors' and the sector's."""
    from veille.sim.linkedin import ORG_ID

    return {
        "handles": f'["facebook:lumio", "linkedin:lumio", "linkedin:{ORG_ID}"]',
        "brand_topic": '"lumio"',
        "competitor_topics": '["vexa", "orbita"]',
        "sector_topic": '"secteur"',
    }


def _set_organization(root: Path) -> None:
    """Fill the template's commented ``[organization]`` keys (a setting the
    user already wrote is kept)."""
    from veille.workspace import CONFIG_NAME

    path = root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    for key, value in demo_organization().items():
        text = re.sub(rf"(?m)^# {key} = .*$", f"{key} = {value}", text, count=1)
    path.write_text(text, encoding="utf-8")


def _snapshot_lines(ws: Workspace) -> list[str]:
    """The followers of the organization's own pages, from today's snapshot."""
    from veille.plan.accounts import own_accounts
    from veille.sim.linkedin import ORG_ID

    # The demo names its one LinkedIn page twice in veille.toml, by vanity
    # name and by organization number, so that either spelling is known as
    # ours: one page, said once.
    alias = {("linkedin", str(ORG_ID)): "lumio"}
    handles = own_accounts(ws)
    said: list[Text] = []
    for platform, handle in handles:
        same = alias.get((platform, handle))
        if same is not None and (platform, same) in handles:
            continue
        shots = ws.state.account_snapshots(platform, handle)
        if shots and shots[-1].followers is not None:
            also = [h for (p, h), v in alias.items() if p == platform and v == handle]
            name = f"{handle} ({', '.join(also)})" if also else handle
            said.append(tr("%(platform)s %(name)s %(n)s", platform=platform, name=name,
                           n=Count(shots[-1].followers)))  # fmt: skip
    if not said:
        return []
    return [tr("Followers of our own pages (today's snapshot): %(pages)s", pages=_listed(said))]


def _listed(items: list[Text]) -> Text:
    """``items`` one after the other, each said in the reader's language."""
    if len(items) == 1:
        return items[0]
    return tr("%(first)s, %(rest)s", first=items[0], rest=_listed(items[1:]))


# Who the demo's plan names as spokesperson and gives inbox items to: the
# demo's login (``veille demo --serve`` creates it).
DEMO_USER = "demo"

# The inbox's handful: Lumio's customers asking (where an offer is
# available) and complaining (support on hold, the bill), by the words of
# their posts, in English and in French; the newest of each come in.
_INBOX_WORDS = (
    ("anyone know lumio", "normal"),
    ("quelqu sait lumio", "normal"),
    ("lumio support hold", "high"),
    ("lumio attendre deux heures", "high"),
    ("why lumio bill", "normal"),
    ("lumio facturation désastre", "normal"),
)
_INBOX_NOTE = {
    "en": "Asked for two hours on hold: check the call centre's wait that day before answering.",
    "fr": "Deux heures d’attente au téléphone : vérifier l’attente du centre d’appels "
    "ce jour-là avant de répondre.",
}


def file_demo_inbox(ws: Workspace, *, lang: str = "en") -> int:
    """Flag the brand's topic for the engagement inbox (posts collected from
    now on enter it) and enter a handful of the questions and complaints
    already collected, newest first: two given to the demo's login, one with
    a note. Returns the items entered (none when the inbox has some already:
    a demo built again keeps what its user did)."""
    import time

    from veille.inbox.items import add_note, assign, count_items, set_priority
    from veille.query.topics import edit_topic

    edit_topic(ws.state, "lumio", None, inbox=True, actor=DEMO)
    if count_items(ws.state):
        return 0
    chosen: dict[str, tuple[Any, str]] = {}
    for words, priority in _INBOX_WORDS:
        for post in ws.posts.search_text(words, limit=1):
            chosen.setdefault(post.id, (post, priority))
    with ws.state.transaction() as tx:
        items = tx.enter_inbox([(p, ["lumio"]) for p, _ in chosen.values()], int(time.time()))
    for n, item in enumerate(items):
        priority = chosen[item.post_id][1]
        if priority != "normal":
            set_priority(ws.state, item.id, priority, actor=DEMO)
        if n < 2:
            assign(ws.state, item.id, DEMO_USER, actor=DEMO)
    noted = [i for i in items if chosen[i.post_id][1] == "high"][:1]
    for item in noted:
        add_note(ws.state, item.id, _INBOX_NOTE.get(lang, _INBOX_NOTE["en"]), actor=DEMO)
    return len(items)


def start_demo_plan(ws: Workspace, *, lang: str = "en", now: datetime | None = None) -> list[str]:
    """Lumio's presence plan, started through the guided start as a new user
    would: customer service and awareness objectives, their KPIs measured on
    the collected posts (baselines, and targets grown from them), the demo's
    login as spokesperson, Lumio's own pages as channels. Returns the
    objectives made (none when the plan has some already)."""
    from veille.plan.objectives import list_objectives
    from veille.plan.start import StartAnswers, start_plan

    if list_objectives(ws.state):
        return []
    made = []
    for kind, channels in (("customer_service", ["x", "facebook"]), ("awareness", ["linkedin"])):
        answers = StartAnswers(
            organization=BRAND, lang=lang, kind=kind, owner=DEMO_USER, topic="lumio",
            competitors=["vexa", "orbita"], channels=channels, handle="lumio",
            # Lumio's customers write in English and in French (the demo's
            # posts are about half each): its pages answer in both.
            languages=["fr", "en"] if lang == "fr" else ["en", "fr"],
        )  # fmt: skip
        made.append(start_plan(ws, answers, actor=DEMO, now=now).objective)
    return made


def _day(key: str) -> Bilingual:
    """A day of the stats (``2026-11-24``): as it is in English, the French
    way for a French reader (« 24 novembre 2026 », not « 2026-11-24 »)."""
    from datetime import date

    from veille.i18n import format_date

    try:
        return Bilingual(key, format_date(date.fromisoformat(key), "fr"))
    except ValueError:  # not a day: as it is
        return Bilingual(key, key)


def _counted(counts: Any) -> Bilingual:
    """``mastodon 1,234; bluesky 56`` / ``mastodon 1 234 ; bluesky 56``: each
    count with its thousands grouped the reader's way (format_number, as
    every other figure), the pairs parted by a semicolon, which no grouped
    figure holds ("mastodon 1,234, bluesky 56" would misread)."""
    from veille.i18n import NBSP, format_number

    def said(lang: str, semicolon: str) -> str:
        return semicolon.join(f"{c.key} {format_number(c.count, lang)}" for c in counts)

    return Bilingual(said("en", "; "), said("fr", NBSP + "; "))


def build_demo(
    directory: str | Path, *, seed: int, days: int, end: datetime, lang: str = "en"
) -> list[str]:
    """Create (or refresh) the demo workspace and return a tour of it, line by
    line: sentences made by :func:`veille.errors.tr`, for the CLI to say in
    its reader's language; its inbox notes and its plan are written in ``lang``."""
    root = init_workspace(directory)
    _set_organization(root)
    lines: list[str] = [tr("Demo workspace: [bold]%(root)s[/]", root=str(root))]
    with Workspace.open(root) as ws:
        topics = add_demo_topics_and_alert(ws)
        new = collect_from_simulator(ws, seed=seed, days=days, end=end)
        st = ws.posts.stats(timezone=ws.settings.workspace.timezone)
        days_held = len(st.by_day)
        lines.append(trn("%(n)s new post stored; %(total)s in all, over %(days)s days.",
                         "%(n)s new posts stored; %(total)s in all, over %(days)s days.", new,
                         n=Count(new), total=Count(st.total), days=Count(days_held)))  # fmt: skip
        platforms = _counted(st.by_platform)
        languages = _counted(st.by_language)
        lines.append(tr("By platform: %(counts)s", counts=platforms))
        lines.append(tr("By language: %(counts)s", counts=languages))
        peak = max(st.by_day, key=lambda c: c.count) if st.by_day else None
        if peak:
            lines.append(trn("Busiest day: %(day)s (%(n)s post: an outage at %(brand)s).",
                             "Busiest day: %(day)s (%(n)s posts: an outage at %(brand)s).",
                             peak.count, day=_day(str(peak.key)), n=Count(peak.count),
                             brand=BRAND))  # fmt: skip
        lines.append(tr("Topics: %(topics)s; alert lumio-feed writes alerts/lumio.atom.",
                        topics=", ".join(topics)))  # fmt: skip
        lines.extend(_snapshot_lines(ws))
        filed = file_demo_inbox(ws, lang=lang)
        objectives = start_demo_plan(ws, lang=lang)
        if filed:
            lines.append(trn("Inbox: %(n)s question or complaint about %(brand)s (/inbox).",
                             "Inbox: %(n)s questions and complaints about %(brand)s (/inbox).",
                             filed, n=Count(filed), brand=BRAND))  # fmt: skip
        if objectives:
            lines.append(tr("Plan: %(objectives)s (/plan).", objectives=", ".join(objectives)))
        sample = ws.posts.search_text("panne", limit=3)
        lines.append(tr('Latest posts with "panne" (outage):'))
        lines.extend(
            f"  {p.published_at:%Y-%m-%d %H:%M} {p.platform:9} {p.text[:90]}" for p in sample
        )
    # Each command as a shell takes it: a folder "my demo" was given to
    # --workspace as two words.
    folder = shlex.quote(str(directory))
    lines.append("")
    lines.append(tr("Try:"))
    lines.append("  veille --help")
    lines.append(f"  veille stats --workspace {folder}")
    lines.append(f'  veille search "{BRAND.lower()} AND (panne OR outage)" --workspace {folder}')
    lines.append(f"  veille topic list --workspace {folder}")
    lines.append(f"  veille alert list --workspace {folder}")
    lines.append(f"  veille source health --workspace {folder}")
    lines.append(f"  veille serve --workspace {folder}")
    return lines


def demo_account(ws: Workspace) -> tuple[str, str]:
    """The demo's admin account, with a new random password each time the
    demo starts (printed to whoever started it): a fixed, published password
    would open the workspace to anyone who can reach the port, should it ever
    listen beyond this machine."""
    import secrets

    from veille.services.users import add_user, get_user, set_password

    password = secrets.token_urlsafe(9)
    if get_user(ws.state, DEMO_USER) is None:
        add_user(ws.state, DEMO_USER, password, "admin", actor="demo")
    else:
        set_password(ws.state, DEMO_USER, password, actor="demo")
    return DEMO_USER, password
