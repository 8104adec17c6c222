"""A simulated LinkedIn Community Management API for one organization:
``/rest/posts?q=author`` and ``/rest/socialActions/{urn}/comments``, Rest.li
``start``/``count`` paging, the organization by id or by vanity name, and its
follower count (``/rest/networkSizes/{urn}``); needs :data:`TOKEN` and the
``LinkedIn-Version`` header."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import brand_page

PLATFORM = "linkedin"
ORG_ID = "2414183"
ORG = f"urn:li:organization:{ORG_ID}"
TOKEN = "sim-linkedin-token"
#: The organization page's followers (``networkSizes`` ``firstDegreeSize``).
FOLLOWERS = 12_345


def _ms(post: Post) -> int:
    return int(post.published_at.timestamp() * 1000)


def _urn(day: int) -> str:
    return f"urn:li:share:{7_200_000_000_000_000_000 + day}"


def post_json(post: Post, day: int) -> dict[str, Any]:
    return {
        "id": _urn(day),
        "author": ORG,
        "commentary": post.text,
        "visibility": "PUBLIC",
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        "createdAt": _ms(post),
        "publishedAt": _ms(post),
        "lastModifiedAt": _ms(post),
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleStateInfo": {"isEditedByAuthor": False},
    }


def comment_json(post: Post, urn: str, n: int) -> dict[str, Any]:
    cid = str(7_300_000_000_000_000_000 + n)
    person = f"urn:li:person:{post.author.handle}"
    return {
        "$URN": f"urn:li:comment:({urn},{cid})",
        "id": cid,
        "actor": person,
        "object": urn,
        "message": {"text": post.text, "attributes": []},
        "created": {"actor": person, "time": _ms(post)},
        "lastModified": {"actor": person, "time": _ms(post)},
        "likesSummary": {"totalLikes": post.engagement.likes, "likedByCurrentUser": False},
        "commentsSummary": {
            "aggregatedTotalComments": post.engagement.replies,
            "totalFirstLevelComments": post.engagement.replies,
        },
    }


def _check(req: Request) -> Reply | None:
    if req.token != TOKEN:
        return Reply.json(
            {
                "status": 401,
                "serviceErrorCode": 65600,
                "code": "INVALID_ACCESS_TOKEN",
                "message": "Invalid access token",
            },
            status=401,
        )
    if not req.headers.get("LinkedIn-Version"):
        return Reply.json(
            {
                "status": 426,
                "code": "NONEXISTENT_VERSION",
                "message": "Requested version  is not active",
            },
            status=426,
        )
    return None


def _paged(req: Request, items: list[dict[str, Any]]) -> Reply:
    start = max(0, int(req.arg("start", "0") or 0))
    count = min(100, max(1, int(req.arg("count", "10") or 10)))
    return Reply.json(
        {
            "paging": {"start": start, "count": count, "total": len(items), "links": []},
            "elements": items[start : start + count],
        }
    )


def _visible(req: Request) -> list[tuple[int, Post, list[Post]]]:
    now = req.world.clock.now()
    return [
        (d, p, [c for c in cs if c.published_at <= now])
        for d, (p, cs) in enumerate(brand_page(req.world, PLATFORM, hour=11))
        if p.published_at <= now
    ]


def _posts(req: Request) -> Reply:
    problem = _check(req)
    if problem:
        return problem
    if req.arg("q") != "author" or req.arg("author") != ORG:
        return Reply.json(
            {
                "status": 403,
                "message": "Not enough permissions to access: "
                "partnerApiPostsExternal.FINDER-author",
            },
            status=403,
        )
    return _paged(req, [post_json(p, d) for d, p, _ in reversed(_visible(req))])


def _comments(req: Request) -> Reply:
    problem = _check(req)
    if problem:
        return problem
    urn = unquote(req.match["urn"])
    for day, _post, comments in _visible(req):
        if _urn(day) == urn:
            items = [comment_json(c, urn, n) for n, c in enumerate(comments)]
            return _paged(req, list(reversed(items)))
    return Reply.json({"status": 404, "message": "Not Found"}, status=404)


def organization_json() -> dict[str, Any]:
    from veille.sim.generate import BRAND

    return {"id": int(ORG_ID), "localizedName": BRAND, "vanityName": BRAND.lower(),
            "name": {"localized": {"fr_CA": BRAND, "en_US": BRAND}}}  # fmt: skip


def _organization(req: Request) -> Reply:
    """The Organization Lookup API: the name a post's author URN stands for."""
    problem = _check(req)
    if problem:
        return problem
    if req.match["id"] != ORG_ID:
        return Reply.json({"status": 404, "message": "Not Found"}, status=404)
    return Reply.json(organization_json())


def _organizations(req: Request) -> Reply:
    """The vanity name finder (``?q=vanityName&vanityName=…``): the
    organizations with that vanity name (none, or this one)."""
    problem = _check(req)
    if problem:
        return problem
    if req.arg("q") != "vanityName" or not req.arg("vanityName"):
        return Reply.json(
            {"status": 400, "message": "Invalid query parameters passed to request"}, status=400
        )
    org = organization_json()
    found = [org] if (req.arg("vanityName") or "").lower() == org["vanityName"] else []
    return Reply.json({"paging": {"start": 0, "count": 10, "links": []}, "elements": found})


def _network_size(req: Request) -> Reply:
    """The organization's follower count (``edgeType=COMPANY_FOLLOWED_BY_MEMBER``)."""
    problem = _check(req)
    if problem:
        return problem
    if req.arg("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
        return Reply.json({"status": 400, "message": "Invalid edgeType"}, status=400)
    if unquote(req.match["urn"]) != ORG:
        return Reply.json({"status": 404, "message": "Not Found"}, status=404)
    return Reply.json({"firstDegreeSize": FOLLOWERS})


def routes() -> list[Route]:
    return [
        Route("GET", r"/rest/organizations/(?P<id>\d+)", _organization),
        Route("GET", r"/rest/organizations", _organizations),
        Route("GET", r"/rest/networkSizes/(?P<urn>[^/]+)", _network_size),
        Route("GET", r"/rest/posts", _posts),
        Route("GET", r"/rest/socialActions/(?P<urn>[^/]+)/comments", _comments),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("linkedin", routes())]
