"""Each alert's Atom feed at a secret address (``/feeds/{token}.atom``), as
Google Alerts' "deliver to RSS feed": no login (feed readers have none), the
token is the authorization; revoked or regenerated from the alert's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from veille.services import alerts as alert_service
from veille.web.deps import workspace

router = APIRouter()


@router.get("/feeds/{token}.atom")
def alert_feed(request: Request, token: str) -> Response:
    body = alert_service.feed_for_token(workspace(request), token)
    return Response(
        body,
        media_type="application/atom+xml; charset=utf-8",
        # The address is a secret: not kept by shared caches, not sent on as a referrer.
        headers={"Cache-Control": "private, max-age=60", "Referrer-Policy": "no-referrer"},
    )
