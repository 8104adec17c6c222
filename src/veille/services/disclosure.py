"""What veille hands out about the people in its posts.

A person may ask for everything veille holds about them
(:func:`access_report`, written out by :func:`access_json`); whoever runs a
workspace reads what was forgotten and when in the erasure log
(:func:`erasure_log`), which names people only by a keyed hash; and exports
can name authors by pseudonyms (:func:`pseudonymizer`). Forgetting itself,
on request, lives in :mod:`veille.services.privacy`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from veille.errors import UsageError, tr
from veille.services.privacy import person_handle, person_keys, pseudonym, subject_of
from veille.store.protocols.privacy import Erasure


def pseudonymizer(store: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function turning an export record into one that names no author: handles,
    mentions and ids become keyed pseudonyms; names, profile links, post links
    and the raw payload are left out. The text itself is kept as written (it may
    still name people: say so to whoever receives the export)."""
    key = store.privacy_key()

    def post(ref: str) -> str:
        # A post by its whole id (``platform:native``): the record's own id,
        # the posts it answers or shares, and its story (named after its
        # first post) get the same pseudonym for the same post, so replies
        # and stories still link up inside the export.
        return pseudonym(key, "p", "", ref)

    def apply(rec: dict[str, Any]) -> dict[str, Any]:
        platform = str(rec.get("platform") or "")
        out = dict(rec)
        out["id"] = post(f"{platform}:{rec.get('id') or ''}")
        author = str(rec.get("author") or "")
        # A post without an author stays so: no pseudonym makes up a person.
        out["author"] = pseudonym(key, "a", platform, author) if author else ""
        out["author_name"] = None
        out["author_url"] = None
        out["url"] = None
        # A story is named after a post: its id may hold a handle or a link.
        for field in ("parent_id", "thread_id", "repost_of", "cluster_id"):
            if rec.get(field):
                out[field] = post(str(rec[field]))
        if rec.get("mentions"):
            out["mentions"] = [pseudonym(key, "a", platform, m) for m in rec["mentions"]]
        out.pop("raw", None)
        return out

    return apply


def access_report(
    workspace: Any, handle: str, platform: str | None = None, *, actor: str | None = None
) -> dict[str, Any]:
    """Everything veille holds about ``handle`` (on ``platform``, or
    everywhere), for a subject access request: their profiles as last seen,
    their posts whole (raw payloads included), their inbox items with the
    notes, replies and history of each, the decisions linking their accounts
    to others, the alert deliveries and marks of
    their posts, sentiment corrections, quarantined items naming them,
    the audit entries about their items, the calendar entries answering or
    naming them and their account's snapshots. Recorded in the audit log
    (``privacy.access``, the person named by a keyed hash) as done by
    ``actor`` (``None``: the command line)."""
    from dataclasses import asdict

    from veille.records import post_to_record
    from veille.services import audit

    handle = person_handle(handle)
    posts_store, state = workspace.posts, workspace.state
    ids = posts_store.author_post_ids(handle, platform)
    posts = []
    for i in range(0, len(ids), 500):
        posts.extend(posts_store.get_posts(ids[i : i + 500]))
    posts.sort(key=lambda p: (p.published_at, p.id))
    items = []
    for item_id in state.author_inbox_item_ids(handle, platform):
        item = state.inbox_item(item_id)
        if item is not None:
            events = [asdict(e) for e in state.inbox_events(item_id)]
            replies = [asdict(r) for r in state.inbox_replies(item_id)]
            items.append({**asdict(item), "events": events, "replies": replies})
    # A person as each platform last showed them (an item may outlive its post).
    profiles: dict[tuple[str, str], dict[str, Any]] = {}
    for it in sorted(items, key=lambda it: it["published_at"]):
        profiles[(it["platform"], it["author"])] = {
            "platform": it["platform"], "handle": it["author"], "name": it["author_name"],
            "url": None, "followers": it["followers"], "seen_at": it["published_at"],
        }  # fmt: skip
    for p in posts:
        profiles[(p.platform, p.author.handle)] = {
            "platform": p.platform, "handle": p.author.handle, "name": p.author.name,
            "url": p.author.url, "followers": p.author.followers, "seen_at": p.published_at,
        }  # fmt: skip
    post_ids = list(dict.fromkeys([*ids, *(it["post_id"] for it in items)]))
    held = state.person_records(handle, post_ids, [it["id"] for it in items])
    if platform:  # the state names an account by handle on whichever platform
        held["account_snapshots"] = [
            s for s in held.get("account_snapshots", []) if s["platform"] == platform
        ]
    # Decisions that an account of theirs is (not) another one (veille link-authors).
    decisions = getattr(posts_store, "author_link_decisions", None)
    links = []
    for pair, decision in (decisions() if decisions else {}).items():
        if any(h.lower() == handle.lower() and platform in (None, pf) for pf, h in pair):
            links.append({"accounts": [list(a) for a in pair], "decision": decision})
    # Whether they object to further processing (an erasure's), and where.
    keys = person_keys(handle, platform)
    held_objections = getattr(posts_store, "objections", None)
    objecting = sorted(keys[k] for k in (held_objections(sorted(keys)) if held_objections else []))
    report: dict[str, Any] = {
        "subject": {"handle": handle, "platform": platform},
        "generated_at": datetime.now(UTC),
        "objections": objecting,
        "profiles": sorted(profiles.values(), key=lambda r: (r["platform"], r["handle"])),
        "posts": [{**post_to_record(p), "id": p.id, "raw": p.raw} for p in posts],
        "inbox_items": items,
        "account_links": links,
        **held,
    }
    found = ", ".join(f"{len(v)} {k}" for k, v in report.items() if isinstance(v, list) and v)
    audit.record(
        state, actor, "privacy.access", subject_of(state, handle, platform), found or "nothing"
    )
    return report


def access_json(report: dict[str, Any]) -> str:
    """:func:`access_report` as indented JSON (times in ISO 8601)."""
    import json

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)  # a detail kept as a translatable text

    return json.dumps(report, default=plain, ensure_ascii=False, indent=2)


#: The kinds of entry of the erasure log: a person's erasure, a retention
#: purge of posts, one of inbox items, the posts of people who object refused
#: on one day (by source), the lifting of an objection.
ERASURE_KINDS = ("author", "retention", "inbox", "suppressed", "lift")


def erasure_log(workspace: Any, limit: int = 100, kind: str | None = None) -> list[Erasure]:
    """What was forgotten, newest first: the last ``limit`` entries (of
    ``kind`` when given)."""
    if kind is not None and kind not in ERASURE_KINDS:
        raise UsageError(
            tr("--kind %(kind)r is not a kind of entry", kind=kind),
            hint=tr(
                "Use %(kinds)s or %(last)s.",
                kinds=", ".join(ERASURE_KINDS[:-1]),
                last=ERASURE_KINDS[-1],
            ),
        )
    log: list[Erasure] = workspace.state.erasures(limit, kind)
    return log
