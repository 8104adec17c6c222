"""A page of X, Facebook or LinkedIn posts holding an item that is no post
(a null, a text, a post without an id or date): the page's posts are
stored and the rest quarantined. Such an item stopped the whole source at
every poll (a KeyError or TypeError while moving the cursor), so none of the
page's posts was ever stored; Mastodon, WordPress and Reddit had the same
fix before."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from veille.pipeline.collect import collect
from veille.services.sources import add_source, quarantined
from veille.sim import facebook as sim_fb
from veille.sim import linkedin as sim_li
from veille.sim import x as sim_x
from veille.sim.server import HostSpec, Reply, Route
from veille.workspace import Workspace, init_workspace

from .conftest import fixture

JUNK: list[Any] = [None, "a post", {"text": "no id, no date"}]


def _collect(tmp_path: Path, http: Any, kind: str, target: str, options: dict[str, str]) -> Any:
    ws = Workspace.open(init_workspace(tmp_path / "ws"))
    try:
        add_source(ws.store, kind, target, name="s", options=options)
        (run,) = collect(ws, http=http)
        kept = quarantined(ws.store)
        return run, kept
    finally:
        ws.close()


def _two(posts: list[dict[str, Any]], *links: str) -> list[dict[str, Any]]:
    """The fixture's post and a copy of it with another id (and link)."""
    other = copy.deepcopy(posts[0])
    other["id"] = str(other["id"]) + "1"
    for key in links:
        other[key] = str(other[key]) + "1"
    return [posts[0], other]


def test_x_search(make_sim, http, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = fixture("x", "search_recent.json")
    body["data"] = [*_two(body["data"]), *JUNK]
    body["meta"] = {"result_count": len(body["data"])}
    route = Route("GET", r"/2/tweets/search/recent", lambda r: Reply.json(body))
    sim = make_sim([HostSpec("x", [route])])
    options = {"bearer_token": sim_x.BEARER, "api": sim.hosts["x"].base_url}
    run, kept = _collect(tmp_path, http, "x", "lumio", options)
    assert run.ok and run.new_posts == 2 and run.quarantined == 3, run.error
    assert len(kept) == 3


def test_facebook_page(make_sim, http, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = fixture("facebook", "page_posts.json")
    body["data"] = [*_two(body["data"], "permalink_url"), *JUNK]
    body["paging"] = {}
    page = Route("GET", r"/v21\.0/(?P<page>[^/_]+)/posts", lambda r: Reply.json(body))
    sim = make_sim([HostSpec("facebook", [page, *sim_fb.routes()])])
    options = {
        "token": sim_fb.PAGE_TOKEN,
        "api": sim.hosts["facebook"].url("/v21.0"),
        "comments": "false",
    }
    run, kept = _collect(tmp_path, http, "facebook", sim_fb.PAGE_ID, options)
    assert run.ok and run.new_posts == 2 and run.quarantined == 3, run.error
    assert len(kept) == 3


def test_linkedin_organization(make_sim, http, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = fixture("linkedin", "posts.json")
    body["elements"] = [*_two(body["elements"]), *JUNK]
    body["paging"] = {"start": 0, "count": 10, "total": len(body["elements"])}
    posts = Route("GET", r"/rest/posts", lambda r: Reply.json(body))
    sim = make_sim([HostSpec("linkedin", [posts, *sim_li.routes()])])
    api = sim.hosts["linkedin"].url("/rest")
    options = {"token": sim_li.TOKEN, "api": api, "comments": "false"}
    run, kept = _collect(tmp_path, http, "linkedin", sim_li.ORG_ID, options)
    assert run.ok and run.new_posts == 2 and run.quarantined == 3, run.error
    assert len(kept) == 3
