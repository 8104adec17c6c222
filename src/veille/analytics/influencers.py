"""Influencers: who matters in a conversation, and why.

An influencer is an account (platform and handle, the handle compared lower
case without a leading ``@``), or several accounts the user confirmed to be
one person (:func:`same_person_candidates` offers them, with the evidence;
``veille link-authors`` records the answer). The organization's own accounts
(``[organization] handles``) are never listed.

Unknown is not zero: feeds carry no follower or engagement counts, so each
influencer is scored on what is known for them, each part scaled to [0, 1]
against the best in the list:

- posts: their posts in the scope (log-scaled), always known;
- network: PageRank over the graph of replies, mentions and reposts between
  the authors of the scope's posts, always known;
- relevance: their posts in the scope / all their posts in the period;
- reach: their largest follower count seen (log-scaled), when a post gave it;
- engagement: likes + shares + replies earned by their posts in the scope
  (log-scaled), when one of those posts gave like, share and reply counts
  (each post records it; a feed gives none: its zeros are unknown, not zero).

The score is ``100 × Σ weight × part / Σ weight`` over the known parts
(weights in :class:`Weights`), so an author is neither helped nor hurt by a
count their platform does not give; ``basis`` names the parts used. The
organization "has engaged" with an influencer when one of its own accounts
replied to one of their posts or mentioned them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from veille.analytics.scope import Period, Scope
from veille.errors import tr
from veille.models import Post
from veille.store.protocols.known import handle_key, unknown_last

Account = tuple[str, str]  # (platform, handle as stored)
PARTS = ("posts", "network", "relevance", "reach", "engagement")
# Platforms whose authors publish on a site of their own (a post's address is on it).
_SITE_PLATFORMS = {"rss", "wordpress", "web"}
_PART_WORDS = {
    "en": {
        "posts": "posts on topic", "network": "network position", "relevance": "relevance",
        "reach": "followers", "engagement": "interactions",
    },
    "fr": {
        "posts": "publications sur le sujet", "network": "position dans le réseau",
        "relevance": "pertinence", "reach": "abonnés", "engagement": "interactions",
    },
}  # fmt: skip


def identity(handle: str) -> str:
    """A handle as accounts are compared: lower case, no leading ``@``."""
    return handle.strip().lstrip("@").lower()


class _Identities(dict[str, str]):
    """:func:`identity` of each handle met, worked out once: a ranking looks
    the same few thousand handles up again and again (a topic's week at 1M
    posts: 18,700 calls for 1,300 authors and 3,400 links between them)."""

    def __missing__(self, handle: str) -> str:
        found = self[handle] = identity(handle)
        return found


@dataclass(frozen=True)
class Weights:
    posts: float = 0.2
    network: float = 0.25
    relevance: float = 0.15
    reach: float = 0.2
    engagement: float = 0.2

    def of(self, part: str) -> float:
        return float(getattr(self, part))


@dataclass(frozen=True)
class Influencer:
    handle: str
    name: str | None
    score: float
    followers: int | None  # None: unknown (no post gave a count)
    engagement: int | None  # None: unknown (none of their posts gave counts)
    matching_posts: int
    all_posts: int
    relevance: float
    pagerank: float
    components: dict[str, float]  # the known parts only
    platforms: tuple[str, ...]
    languages: tuple[str, ...]
    recent: tuple[Post, ...] = ()
    engaged: bool = False
    engaged_at: datetime | None = None
    accounts: tuple[Account, ...] = ()
    profile: str | None = None  # a profile address, when a post gave one
    site: str | None = None  # their own site (blogs and feeds), when known
    # False when every post was counted (no topic nor query): no post is
    # "on topic" and every account's relevance is its whole output.
    on_topic: bool = True

    @property
    def basis(self) -> tuple[str, ...]:
        """The parts the score was made from, in :data:`PARTS` order."""
        return tuple(p for p in PARTS if p in self.components)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(p for p in PARTS if p not in self.components)

    def why(self, lang: str = "en") -> str:
        """The numbers behind the rank and how the score was made, in plain words."""
        from veille.analytics.findings import num, pct
        from veille.i18n import typography

        fr = lang == "fr"
        words = _PART_WORDS["fr" if fr else "en"]
        if not self.on_topic:  # "All posts": no topic to be on
            words = words | {"posts": "publications" if fr else "posts"}
        rank = f"{self.pagerank:.3f}"
        n, f, e = self.matching_posts, self.followers, self.engagement
        if fr:
            # French: 0 and 1 take the singular.
            followers = "abonnés inconnus" if f is None else _fr_count(f, "abonné", lang)
            eng = "interactions inconnues" if e is None else _fr_count(e, "interaction", lang)
            counted = "publication pertinente" if self.on_topic else "publication"
            part = f"{pct(self.relevance, lang)} de ses publications sur le sujet, "
            text = (
                f"{followers}, {eng} sur {_fr_count(n, counted, lang)}, "
                f"{part if self.on_topic else ''}"
                f"PageRank {rank.replace('.', ',')} ; score fondé sur : "
                + ", ".join(words[p] for p in self.basis)
            )
            # French spacing (a no-break space before ; and :), as every sentence we write.
            return typography(text + (" ; déjà en contact" if self.engaged else ""), lang)
        followers = (
            "followers unknown" if f is None else f"{num(f, lang)} follower" + "s" * (f != 1)
        )
        eng = (
            "interactions unknown" if e is None else f"{num(e, lang)} interaction" + "s" * (e != 1)
        )
        counted = "matching post" if self.on_topic else "post"
        part = f"{pct(self.relevance, lang)} of their posts on topic, "
        text = (
            f"{followers}, {eng} on {n} {counted}{'s' * (n != 1)}, "
            f"{part if self.on_topic else ''}PageRank {rank}; "
            f"score from {', '.join(words[p] for p in self.basis)}"
        )
        return text + ("; already engaged" if self.engaged else "")


def _fr_count(n: int, noun: str, lang: str) -> str:
    """``n`` and ``noun`` (each word) in French agreement: plural from 2."""
    from veille.analytics.findings import num

    words = noun.split()
    return f"{num(n, lang)} " + " ".join(w + "s" if n > 1 else w for w in words)


@dataclass(frozen=True)
class SamePerson:
    """Two accounts that may be one person, and why we think so."""

    a: Account
    b: Account
    evidence: tuple[str, ...]


@dataclass
class _Acc:
    names: set[str] = field(default_factory=set)
    profile: str | None = None
    followers: int | None = None
    engagement: int = 0
    engagement_known: bool = False
    posts: int = 0
    platforms: set[str] = field(default_factory=set)
    accounts: set[Account] = field(default_factory=set)
    langs: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _split_handles(handles: Iterable[str]) -> set[str]:
    """Identities of ``platform:handle`` or plain handles."""
    out = set()
    for h in handles:
        platform, sep, rest = h.partition(":")
        out.add(identity(rest if sep and "@" not in platform and "." not in platform else h))
    return out


def _own(org_handles: Iterable[str]) -> tuple[set[str], set[Account]]:
    """The organization's accounts: handles on any platform, and ``platform:handle``."""
    anywhere: set[str] = set()
    on: set[Account] = set()
    for h in org_handles:
        platform, sep, rest = h.partition(":")
        if sep and "@" not in platform and "." not in platform:
            on.add((platform.strip().lower(), identity(rest)))
        else:
            anywhere.add(identity(h))
    return anywhere, on


def _is_own(account: Account, own: tuple[set[str], set[Account]]) -> bool:
    key = identity(account[1])
    return key in own[0] or (account[0], key) in own[1]


def engaged_with(
    store: Any, org_handles: Sequence[str], period: Period | None = None
) -> dict[str, datetime]:
    """Identities the organization's accounts replied to or mentioned, with the
    last time they did; over ``period`` only, when given (a KPI's window: the
    last time over all time says nothing of the windows before it). An
    account given as ``platform:handle`` is ours on that platform only: the
    same handle on another platform is someone else (read as ours, the
    people an unrelated namesake mentioned counted as engaged by us)."""
    ours = _split_handles(org_handles)
    if not ours:
        return {}
    own = _own(org_handles)
    last: dict[str, datetime] = {}
    rows = store.interactions_of(sorted(ours), period)
    for mentions, _pf, parent_author, published, platform, author in rows:
        if not _is_own((platform, author), own):
            continue
        when = datetime.fromtimestamp(published, UTC)
        targets = [identity(m) for m in (mentions or "").split()]
        if parent_author:
            targets.append(identity(parent_author))
        for t in targets:
            if t not in ours and (t not in last or last[t] < when):
                last[t] = when
    return last


def network_rank(store: Any, scope: Scope) -> dict[str, float]:
    """PageRank of each author identity over replies, mentions and reposts.

    Mentions name a handle without its platform, so the graph is drawn between
    handles; an account's network part is its handle's rank.
    """
    return _network_rank(store.conversation_links(scope))


def _network_rank(found: Iterable[tuple[Any, ...]]) -> dict[str, float]:
    """:func:`network_rank` over the store's ``conversation_links`` rows ``found``."""
    # The stores give the posts grouped in no set order: sorted, so that the
    # nodes are numbered (and the ranks summed) alike on every store.
    links = sorted(
        found,
        key=lambda r: (r[0], r[1], r[2] or "", r[2] is None, r[3] or "", r[3] is None),
    )
    nodes: dict[str, int] = {}
    weights: dict[tuple[int, int], int] = {}
    ids = _Identities()
    named: dict[str, list[int]] = {}  # a list of mentions -> its targets' nodes
    for author, mentions, parent, original, posts in links:
        who = ids[author]
        if not who:
            continue  # a post without an author: nobody's link, no node
        src = nodes.setdefault(who, len(nodes))
        targets = named.get(mentions)
        if targets is None:
            targets = named[mentions] = [
                nodes.setdefault(ids[m], len(nodes)) for m in (mentions or "").split()
            ]
        if parent:
            targets = [*targets, nodes.setdefault(ids[parent], len(nodes))]
        if original:
            targets = [*targets, nodes.setdefault(ids[original], len(nodes))]
        for dst in targets:
            if dst != src:
                weights[src, dst] = weights.get((src, dst), 0) + posts
    if not nodes:
        return {}
    ranks = pagerank(len(nodes), weights)
    return dict(zip(nodes, map(float, ranks), strict=True))


def pagerank(
    n: int,
    weights: dict[tuple[int, int], int],
    *,
    alpha: float = 0.85,
    tol: float = 1e-6,
    max_iter: int = 100,
) -> Any:
    """PageRank of ``n`` nodes linked by ``weights`` (``(from, to)`` ->
    weight), by power iteration: each node passes ``alpha`` of its rank along
    its links in proportion to their weights, a node without links spreads
    it over every node, and ``1 - alpha`` is spread evenly; stops when the
    ranks move by less than ``n * tol`` in all (or after ``max_iter`` rounds,
    the last ranks kept). The ranks sum to 1. The same iteration as
    NetworkX's ``pagerank`` (whose own needs SciPy), in NumPy alone."""
    import numpy as np

    if weights:
        links = np.array(list(weights), dtype=np.int64)
        src, dst = links[:, 0], links[:, 1]
        w = np.array(list(weights.values()), dtype=np.float64)
    else:
        src = dst = np.zeros(0, dtype=np.int64)
        w = np.zeros(0, dtype=np.float64)
    out = np.bincount(src, weights=w, minlength=n)
    share = w / out[src] if len(w) else w
    dangling = out == 0
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        moved = np.bincount(dst, weights=last[src] * share, minlength=n)
        x = alpha * (moved + last[dangling].sum() / n) + (1 - alpha) / n
        if np.abs(x - last).sum() < n * tol:
            break
    return x


def _people(
    accounts: Iterable[Account], decisions: Mapping[tuple[Account, Account], str]
) -> dict[Account, Account]:
    """Each account -> the account that stands for its person, from the
    confirmed links (two accounts confirmed the same are one person)."""
    parent: dict[Account, Account] = {}

    def find(a: Account) -> Account:
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    known = set(accounts)
    for (a, b), decision in decisions.items():
        if decision == "same" and a in known and b in known:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {a: find(a) for a in known}


@dataclass(frozen=True)
class Reads:
    """What :func:`influencers` reads from the posts of a scope and period,
    before the user's decisions about accounts apply (which accounts are one
    person): the same for every viewer, so the web app keeps them a minute
    (a month of a million posts takes about 0.3 s to read)."""

    activity: list[tuple[Any, ...]]  # store.author_activity, the organization's own left out
    totals: dict[Account, int]  # every post of each account in the period
    ranks: dict[str, float]  # network_rank
    engaged: dict[str, datetime]  # engaged_with
    #: The rankings made from these reads, by the user's decisions about
    #: accounts and the ranking's arguments: while the reads are kept, a visit
    #: reads the decisions only (the scoring of a thousand authors took 20 ms,
    #: the newest posts of 25 of them 90 ms at 10M posts on chDB); a new
    #: decision ranks again, at once.
    ranked: dict[tuple[Any, ...], tuple[Influencer, ...]] = field(default_factory=dict)


def read(store: Any, scope: Scope, period: Period, org_handles: Sequence[str] = ()) -> Reads:
    """The reads behind :func:`influencers` for ``scope`` over ``period``."""
    scoped = scope.during(period)
    own = _own(org_handles)
    # The authors and the links between them, read together (one pass over
    # the scope's posts where the store can).
    activity, links = store.author_reads(scoped)
    # A post without an author (an empty handle) is nobody's: never an influencer.
    rows = [r for r in activity if identity(r[1]) and not _is_own((r[0], r[1]), own)]
    if not rows:
        return Reads([], {}, {}, {})
    return Reads(
        activity=rows,
        totals=store.author_post_counts(scoped.flt, sorted({(r[0], r[1]) for r in rows})),
        ranks=_network_rank(links),
        engaged=engaged_with(store, org_handles),
    )


def influencers(
    store: Any,
    scope: Scope,
    period: Period,
    *,
    org_handles: Sequence[str] = (),
    limit: int = 20,
    recent: int = 3,
    weights: Weights | None = None,
    reads: Reads | None = None,
) -> list[Influencer]:
    """The authors who matter in ``scope`` over ``period``, best first;
    ``reads``: those :func:`read` made for the same arguments, when kept."""
    w = weights or Weights()
    got = reads if reads is not None else read(store, scope, period, org_handles)
    rows = got.activity
    if not rows:
        return []
    decisions = store.author_link_decisions()
    key = (tuple(sorted(decisions.items())), limit, recent, w)
    kept = got.ranked.get(key)
    if kept is None:
        kept = got.ranked[key] = tuple(
            _ranked(store, scope, period, got, decisions, limit=limit, recent=recent, w=w)
        )
    return list(kept)


def _ranked(
    store: Any,
    scope: Scope,
    period: Period,
    got: Reads,
    decisions: Mapping[tuple[Account, Account], str],
    *,
    limit: int,
    recent: int,
    w: Weights,
) -> list[Influencer]:
    """:func:`influencers` from its reads and the decisions about accounts."""
    rows = got.activity
    totals, ranks, engaged = got.totals, got.ranks, got.engaged
    ids = _Identities()
    person = _people({(r[0], ids[r[1]]) for r in rows}, decisions)
    accs: dict[Account, _Acc] = defaultdict(_Acc)
    for platform, handle, _source, name, url, followers, eng, n, lang in rows:
        acc = accs[person[(platform, ids[handle])]]
        if name:
            acc.names.add(name)
        acc.profile = acc.profile or url
        if followers is not None:
            acc.followers = max(acc.followers or 0, followers)
        if eng is not None:  # some post of theirs gave counts (a 0 included)
            acc.engagement += eng
            acc.engagement_known = True
        acc.posts += n
        acc.platforms.add(platform)
        acc.accounts.add((platform, handle))
        if lang:
            acc.langs[lang] += n

    def best(values: Iterable[float]) -> float:
        return max(values, default=0.0) or 1.0

    max_p = best(math.log1p(a.posts) for a in accs.values())
    max_f = best(math.log1p(a.followers) for a in accs.values() if a.followers is not None)
    max_e = best(math.log1p(a.engagement) for a in accs.values() if a.engagement_known)
    rank_of = {key: max(ranks.get(ids[h], 0.0) for _p, h in a.accounts) for key, a in accs.items()}
    max_r = best(rank_of.values())
    weight = {part: w.of(part) for part in PARTS}
    # Every account scored, then only those shown made into an Influencer
    # (a topic's week at 1M posts scores 1,300 authors to show 10).
    scored = []
    for key, a in accs.items():
        total = sum(totals.get(h, 0) for h in a.accounts) or a.posts
        relevance = a.posts / total
        comp = {
            "posts": math.log1p(a.posts) / max_p,
            "network": rank_of[key] / max_r,
            "relevance": relevance,
        }
        if a.followers is not None:
            comp["reach"] = math.log1p(a.followers) / max_f
        if a.engagement_known:
            comp["engagement"] = math.log1p(a.engagement) / max_e
        score = round(
            100 * sum(weight[p] * v for p, v in comp.items()) / sum(weight[p] for p in comp), 2
        )
        handle = min(h for _p, h in a.accounts)
        # A tie in score: the most engagement, then followers (unknown after
        # every known count), then the handle whatever its case, as the
        # top authors break theirs (``max`` before ``Mia``).
        order = (
            -score, unknown_last(a.engagement if a.engagement_known else None),
            unknown_last(a.followers), *handle_key(handle),
        )  # fmt: skip
        scored.append((order, key, a, score, handle, total, comp))
    scored.sort(key=lambda e: e[0])
    found = []
    for _order, key, a, score, handle, total, comp in scored[:limit]:
        langs = tuple(sorted(a.langs, key=lambda x: -a.langs[x]))
        handles = {ids[h] for _p, h in a.accounts}
        when = max((engaged[h] for h in handles if h in engaged), default=None)
        found.append(
            Influencer(
                handle=handle, name=max(a.names, default=None),
                score=score, followers=a.followers,
                engagement=a.engagement if a.engagement_known else None,
                matching_posts=a.posts, all_posts=total, relevance=comp["relevance"],
                pagerank=rank_of[key], components=comp, platforms=tuple(sorted(a.platforms)),
                languages=langs, engaged=when is not None, engaged_at=when,
                accounts=tuple(sorted(a.accounts)), on_topic=scope.restricted,
                # A profile address checked for those shown only (a thousand authors: 8 ms).
                profile=_profile(a.profile),
            )
        )  # fmt: skip
    if recent:
        groups = [list(i.accounts) for i in found]
        latest = store.recent_posts_by(scope.during(period), groups, recent)
        found = [with_recent(i, posts) for i, posts in zip(found, latest, strict=True)]
    return found


def _profile(url: str | None) -> str | None:
    """A profile address worth showing: http(s) only."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    return url


def with_recent(inf: Influencer, latest: Sequence[Post]) -> Influencer:
    """``inf`` with its newest posts ``latest`` (and its site, read from them)."""
    posts = tuple(latest)
    site = None
    if set(inf.platforms) & _SITE_PLATFORMS:
        for p in posts:
            parts = urlsplit(p.url or "")
            if p.platform in _SITE_PLATFORMS and parts.scheme in ("http", "https") and parts.netloc:
                site = f"{parts.scheme}://{parts.netloc}/"
                break
    return replace(inf, recent=posts, site=site)


def same_person_candidates(store: Any, found: Sequence[Influencer]) -> list[SamePerson]:
    """Pairs of listed accounts on different platforms that may be one person
    (the same handle, or the same name), with the evidence, leaving out the
    pairs the user already decided on. The user confirms with
    ``veille link-authors``; nothing is merged before."""
    decided = store.author_link_decisions()
    listed = [(acct, inf) for inf in found for acct in inf.accounts]
    out: list[SamePerson] = []
    for i, (a, ia) in enumerate(listed):
        for b, ib in listed[i + 1 :]:
            if ia is ib or a[0] == b[0]:
                continue
            pair = tuple(sorted(((a[0], identity(a[1])), (b[0], identity(b[1])))))
            if pair in decided:
                continue
            evidence = []
            if identity(a[1]) == identity(b[1]):  # said in the reader's language (tr)
                evidence.append(tr("same handle %(handle)r", handle=identity(a[1])))
            if ia.name and ib.name and ia.name.casefold() == ib.name.casefold():
                evidence.append(tr("same name %(name)r", name=ia.name))
            if evidence:
                out.append(SamePerson(min(a, b), max(a, b), tuple(evidence)))
    return out
