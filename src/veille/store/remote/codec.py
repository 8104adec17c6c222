"""Posts and upsert results as JSON, lossless (the raw payload included)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from veille.models import Author, Engagement, Post, PostTerms, Sentiment
from veille.store.base import PostFilter, UpsertResult
from veille.store.protocols.privacy import ErasureReport

_TIMES = ("published_at", "collected_at")
_LISTS = ("hashtags", "mentions", "links", "media", "keywords")
_NAMES = tuple(f.name for f in fields(Post))


def post_to_json(post: Post) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _NAMES:
        value = getattr(post, name)
        if name in _TIMES:
            value = value.isoformat() if value is not None else None
        elif name in _LISTS:
            value = list(value)
        elif name in ("author", "engagement", "sentiment"):
            value = (
                None if value is None else {f.name: getattr(value, f.name) for f in fields(value)}
            )
        elif name == "raw":
            value = dict(value)
        elif name == "terms":
            if value is None:
                continue  # (a server before the terms: nothing it does not know)
            value = {f.name: getattr(value, f.name) for f in fields(value)}
        out[name] = value
    return out


def post_from_json(data: dict[str, Any]) -> Post:
    kw: dict[str, Any] = {name: data.get(name) for name in _NAMES if name in data}
    for name in _TIMES:
        if kw.get(name) is not None:
            kw[name] = datetime.fromisoformat(kw[name])
    for name in _LISTS:
        kw[name] = tuple(kw.get(name) or ())
    kw["author"] = Author(**kw["author"])
    kw["engagement"] = Engagement(**kw["engagement"])
    kw["sentiment"] = Sentiment(**kw["sentiment"]) if kw.get("sentiment") else None
    kw["raw"] = kw.get("raw") or {}
    made = kw.get("terms")
    # Terms made by the collector; the store checks them before keeping them.
    kw["terms"] = (
        PostTerms(
            str(made["version"]), str(made["made_from"]), tuple(made["keys"]), tuple(made["forms"])
        )
        if made
        else None
    )
    return Post(**kw)


def result_to_json(result: UpsertResult) -> dict[str, Any]:
    return {
        "new": [post_to_json(p) for p in result.new],
        "updated": result.updated,
        "unchanged": result.unchanged,
        "merged": result.merged,
        "refused": result.refused,
        "expired": result.expired,
    }


def result_from_json(data: dict[str, Any]) -> UpsertResult:
    return UpsertResult(
        new=[post_from_json(p) for p in data["new"]],
        updated=list(data["updated"]),
        unchanged=int(data["unchanged"]),
        merged=dict(data["merged"]),
        refused=list(data.get("refused") or ()),  # a server older than refused: none
        expired=list(data.get("expired") or ()),  # (one older than expire: none)
    )


def filter_to_json(flt: PostFilter | None) -> dict[str, Any] | None:
    if flt is None:
        return None
    return {
        "since": flt.since.isoformat() if flt.since else None,
        "until": flt.until.isoformat() if flt.until else None,
        "platforms": list(flt.platforms),
        "languages": list(flt.languages),
    }


def filter_from_json(data: dict[str, Any] | None) -> PostFilter | None:
    if data is None:
        return None
    return PostFilter(
        since=datetime.fromisoformat(data["since"]) if data.get("since") else None,
        until=datetime.fromisoformat(data["until"]) if data.get("until") else None,
        platforms=tuple(data.get("platforms") or ()),
        languages=tuple(data.get("languages") or ()),
    )


def report_to_json(report: ErasureReport) -> dict[str, Any]:
    return {"posts": report.posts, "removed": report.removed, "post_ids": report.post_ids}


def report_from_json(data: dict[str, Any]) -> ErasureReport:
    return ErasureReport(
        posts=int(data["posts"]),
        removed={k: int(v) for k, v in data["removed"].items()},
        post_ids=list(data["post_ids"]),
    )
