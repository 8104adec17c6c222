"""Influencers: who matters in a conversation, and why.

An influencer is an author identity: the handle, lower-cased, without a
leading ``@`` (the same handle on two platforms is taken to be one person,
so their platforms are listed together). For a scope and a period each one
gets four numbers, each scaled to [0, 1] against the best in the list:

- reach: their largest follower count seen (log-scaled);
- engagement: likes + shares + replies earned by their matching posts (log-scaled);
- relevance: matching posts / all their posts in the period;
- network: PageRank over the graph of replies, mentions and reposts between
  the authors of the matching posts (networkx).

The score is their weighted sum × 100 (weights in :class:`Weights`). The
organization "has engaged" with an influencer when one of its own accounts
(``[organization] handles``) replied to one of their posts or mentioned them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from veille.analytics.scope import Period, Scope
from veille.models import Post


def identity(handle: str) -> str:
    """The key an author is known by across platforms."""
    return handle.strip().lstrip("@").lower()


@dataclass(frozen=True)
class Weights:
    reach: float = 0.3
    engagement: float = 0.3
    relevance: float = 0.2
    network: float = 0.2


@dataclass(frozen=True)
class Influencer:
    handle: str
    name: str | None
    score: float
    followers: int
    engagement: int
    matching_posts: int
    all_posts: int
    relevance: float
    pagerank: float
    components: dict[str, float]
    platforms: tuple[str, ...]
    languages: tuple[str, ...]
    recent: tuple[Post, ...] = ()
    engaged: bool = False
    engaged_at: datetime | None = None

    def why(self, lang: str = "en") -> str:
        """The numbers behind the rank, in plain words."""
        from veille.analytics.findings import num, pct

        rank = f"{self.pagerank:.3f}"
        if lang == "fr":
            return (
                f"{num(self.followers, lang)} abonnés, {num(self.engagement, lang)} interactions "
                f"sur {self.matching_posts} publications pertinentes, "
                f"{pct(self.relevance, lang)} de leurs publications sur le sujet, "
                f"PageRank {rank.replace('.', ',')}" + (", déjà en contact" if self.engaged else "")
            )
        return (
            f"{num(self.followers, lang)} followers, {num(self.engagement, lang)} interactions on "
            f"{self.matching_posts} matching posts, {pct(self.relevance, lang)} of their posts "
            f"on topic, PageRank {rank}" + (", already engaged" if self.engaged else "")
        )


@dataclass
class _Acc:
    name: str | None = None
    followers: int = 0
    engagement: int = 0
    posts: int = 0
    platforms: set[str] = field(default_factory=set)
    handles: set[tuple[str, str]] = field(default_factory=set)
    langs: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _split_handles(handles: Iterable[str]) -> set[str]:
    """Identities of ``platform:handle`` or plain handles."""
    out = set()
    for h in handles:
        platform, sep, rest = h.partition(":")
        out.add(identity(rest if sep and "@" not in platform and "." not in platform else h))
    return out


def engaged_with(store: Any, org_handles: Sequence[str]) -> dict[str, datetime]:
    """Identities the organization's accounts replied to or mentioned, with the
    last time they did."""
    ours = _split_handles(org_handles)
    if not ours:
        return {}
    last: dict[str, datetime] = {}
    for mentions, _parent_platform, parent_author, published in store.interactions_of(sorted(ours)):
        when = datetime.fromtimestamp(published, UTC)
        targets = [identity(m) for m in (mentions or "").split()]
        if parent_author:
            targets.append(identity(parent_author))
        for t in targets:
            if t not in ours and (t not in last or last[t] < when):
                last[t] = when
    return last


def network_rank(store: Any, scope: Scope) -> dict[str, float]:
    """PageRank of each author identity over replies, mentions and reposts."""
    import networkx as nx

    graph = nx.DiGraph()
    for (
        _pf,
        author,
        mentions,
        _ppf,
        parent_author,
        _rpf,
        original_author,
    ) in store.conversation_links(scope):
        src = identity(author)
        graph.add_node(src)
        targets = [identity(m) for m in (mentions or "").split()]
        targets += [identity(a) for a in (parent_author, original_author) if a]
        for dst in targets:
            if dst == src:
                continue
            w = graph.get_edge_data(src, dst, {}).get("weight", 0)
            graph.add_edge(src, dst, weight=w + 1)
    if graph.number_of_nodes() == 0:
        return {}
    return dict(nx.pagerank(graph, weight="weight"))


def influencers(
    store: Any,
    scope: Scope,
    period: Period,
    *,
    org_handles: Sequence[str] = (),
    limit: int = 20,
    recent: int = 3,
    weights: Weights | None = None,
) -> list[Influencer]:
    """The authors who matter in ``scope`` over ``period``, best first."""
    w = weights or Weights()
    scoped = scope.during(period)
    accs: dict[str, _Acc] = defaultdict(_Acc)
    for platform, handle, _source, name, _url, followers, eng, n, lang in sorted(
        store.author_activity(scoped), key=lambda r: tuple("" if x is None else x for x in r[:3])
    ):
        acc = accs[identity(handle)]
        acc.name = max(acc.name or "", name or "") or None
        acc.followers = max(acc.followers, followers or 0)
        acc.engagement += eng or 0
        acc.posts += n
        acc.platforms.add(platform)
        acc.handles.add((platform, handle))
        if lang:
            acc.langs[lang] += n
    ours = _split_handles(org_handles)
    for key in ours:
        accs.pop(key, None)
    if not accs:
        return []
    totals = store.author_post_counts(
        scoped.flt, sorted({h for a in accs.values() for h in a.handles})
    )
    ranks = network_rank(store, scoped)
    engaged = engaged_with(store, org_handles)
    max_f = max(math.log1p(a.followers) for a in accs.values()) or 1.0
    max_e = max(math.log1p(a.engagement) for a in accs.values()) or 1.0
    max_r = max((ranks.get(k, 0.0) for k in accs), default=0.0) or 1.0
    found = []
    for key, a in accs.items():
        total = sum(totals.get(h, 0) for h in a.handles) or a.posts
        relevance = a.posts / total
        comp = {
            "reach": math.log1p(a.followers) / max_f,
            "engagement": math.log1p(a.engagement) / max_e,
            "relevance": relevance,
            "network": ranks.get(key, 0.0) / max_r,
        }
        score = 100 * (
            w.reach * comp["reach"] + w.engagement * comp["engagement"]
            + w.relevance * comp["relevance"] + w.network * comp["network"]
        )  # fmt: skip
        langs = tuple(sorted(a.langs, key=lambda x: -a.langs[x]))
        found.append(
            Influencer(
                handle=min(h for _p, h in a.handles), name=a.name, score=round(score, 2),
                followers=a.followers, engagement=a.engagement, matching_posts=a.posts,
                all_posts=total, relevance=relevance, pagerank=ranks.get(key, 0.0),
                components=comp, platforms=tuple(sorted(a.platforms)), languages=langs,
                engaged=key in engaged, engaged_at=engaged.get(key),
            )
        )  # fmt: skip
    found.sort(key=lambda i: (-i.score, -i.followers, i.handle))
    found = found[:limit]
    if recent:
        found = [
            replace(
                i,
                recent=tuple(
                    store.recent_posts_by(scoped, sorted(accs[identity(i.handle)].handles), recent)
                ),
            )
            for i in found
        ]
    return found
