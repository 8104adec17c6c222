"""The platform sources a demo (or a test) adds against a running simulator:
one per connector, with the simulator's test tokens."""

from __future__ import annotations

from veille.sim import facebook, linkedin, reddit, x, youtube
from veille.sim.server import Simulator


def demo_sources(
    sim: Simulator, jetstream_url: str | None = None
) -> list[tuple[str, str, dict[str, str]]]:
    """``(kind, target, options)`` for every platform host ``sim`` runs
    (and Jetstream when its URL is given), ready for ``add_source``."""

    def base(host: str) -> str:
        return sim.url(host, "").rstrip("/")

    candidates: dict[str, tuple[str, str, dict[str, str]]] = {
        "mastodon": ("mastodon", f"public@{base('mastodon')}", {"max_pages": "50"}),
        "bluesky": ("bluesky", "search:lumio", {"service": base("bluesky")}),
        "reddit": ("reddit", "search:lumio", {
            "base": base("reddit"), "oauth_base": base("reddit"), "auth_base": base("reddit"),
            "client_id": reddit.CLIENT[0], "client_secret": reddit.CLIENT[1]}),
        "hackernews": ("hackernews", "lumio", {"api": base("hackernews")}),
        "youtube": ("youtube", "search:lumio",
                    {"key": youtube.API_KEY, "api": sim.url("youtube", "/youtube/v3")}),
        "wordpress": ("wordpress", base("wordpress"), {}),
        "x": ("x", "lumio", {"bearer_token": x.BEARER, "api": base("x")}),
        "facebook": ("facebook", facebook.PAGE_ID,
                     {"token": facebook.PAGE_TOKEN, "api": sim.url("facebook", "/v21.0")}),
        "linkedin": ("linkedin", linkedin.ORG_ID,
                     {"token": linkedin.TOKEN, "api": sim.url("linkedin", "/rest")}),
    }  # fmt: skip
    out = [spec for host, spec in candidates.items() if host in sim.hosts]
    if jetstream_url:
        out.append(("jetstream", "lumio,vexa,orbita", {"endpoint": jetstream_url, "idle": "1"}))
    return out
