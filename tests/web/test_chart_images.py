"""The dashboard and a report are sent without drawing their charts (about
half of a first view's CPU at 1M posts): each chart is an image,
``/charts/KEY.svg``, drawn when the browser asks for it. Over real HTTP:
the images load and draw the page's figures; only someone signed in gets
them; a chart whose spec the app no longer holds (evicted, or the page sent
by another worker of the app) is drawn all the same, from what its address
carries; a chart whose figures moved on leads to the chart as it is now."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import Served, add_role_users, do_login, serve
from tests.web.pages_data import seed
from veille.workspace import init_workspace

_IMG = re.compile(
    r'<img src="(/charts/[0-9a-f]{64}\.svg\?[^"]+)" width="(\d+)" height="(\d+)" alt="([^"]+)"'
)
_REPORT_IMG = re.compile(r'<img class="chart" alt="([^"]+)" src="(/charts/[^"]+)"')


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = init_workspace(tmp_path_factory.mktemp("charts") / "ws")
    seed(found)
    add_role_users(found)
    return found


@pytest.fixture
def served(root: Path) -> Iterator[Served]:
    app, server = serve(root)
    try:
        yield app
    finally:
        server.stop()


@contextlib.contextmanager
def _client(served: Served, lang: str = "en") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as client:
        do_login(client, "viewer")
        yield client


def _images(page: str) -> list[tuple[str, str]]:
    """(address, alt) of each chart image of a dashboard."""
    return [(html.unescape(src), alt) for src, _w, _h, alt in _IMG.findall(page)]


def _expected_volumes(served: Served, lang: str) -> set[str]:
    """Each topic's volume chart drawn inline from the dashboard's figures,
    as the page carried it before (but for its title, now the page's text)."""
    from veille.analytics import charts
    from veille.services import dashboard as dashboard_service

    ws = served.app.state.workspace
    found = dashboard_service.overview_figures(ws, "last-7d").worded(lang)
    drawn = set()
    for t in found.topics:
        _title, chart = charts.without_title(charts.volume_chart(t.volume, lang=lang, about=t.name))
        spec = charts.spec_of(chart)
        # (on no background: the page's shows through)
        drawn.add(charts.svg_of({**spec, "background": "transparent"}))
    return drawn


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_dashboards_charts_are_images_that_load_and_draw_its_figures(
    served: Served, lang: str
) -> None:
    with _client(served, lang) as client:
        page = client.get("/?period=last-7d")
        assert page.status_code == 200, page.text[:2000]
        assert "<svg" not in page.text  # nothing drawn before the page is sent
        images = _images(page.text)
        volumes = [src for src, _alt in images if "chart=volume" in src]
        assert volumes and any("chart=sov" in src for src, _alt in images)
        word = "Publications par jour" if lang == "fr" else "Posts per day"
        assert all(alt.startswith(word) for src, alt in images if "chart=volume" in src)
        drawn = []
        for src, _alt in images:
            answer = client.get(src)
            assert answer.status_code == 200, answer.text[:500]
            assert answer.headers["content-type"] == "image/svg+xml"
            assert "immutable" in answer.headers["cache-control"]
            assert answer.text.startswith("<svg")
            drawn.append(answer.text)
        # The same figures as the page's, drawn as they were inline.
        assert {drawn[i] for i, (src, _) in enumerate(images) if "chart=volume" in src} == (
            _expected_volumes(served, lang)
        )


def test_a_chart_is_refused_to_whoever_is_not_signed_in(served: Served) -> None:
    with _client(served) as client:
        src = _images(client.get("/?period=last-7d").text)[0][0]
        assert client.get(src).status_code == 200
    with httpx.Client(base_url=served.url, timeout=60) as stranger:
        answer = stranger.get(src)
        # Led to the login page, as for the page itself; nothing drawn.
        assert answer.status_code == 303 and "/login" in answer.headers["location"]
        assert "<svg" not in answer.text


def test_a_chart_whose_spec_was_evicted_or_never_held_is_drawn(served: Served, root: Path) -> None:
    from veille.web.listening import ChartCache

    with _client(served) as client:
        images = _images(client.get("/?period=last-7d").text)
        first = {src: client.get(src).text for src, _alt in images}
    # The app's kept charts gone (hundreds of others drawn since): drawn again.
    served.app.state.listening_charts = ChartCache()
    with _client(served) as client:
        for src, svg in first.items():
            answer = client.get(src)
            assert answer.status_code == 200 and answer.text == svg
    # Another worker of the app, which sent no page: it makes them too.
    other, server = serve(root)
    try:
        with _client(other) as client:
            for src, svg in first.items():
                answer = client.get(src.replace(served.url, ""))
                assert answer.status_code == 200, answer.text[:500]
                assert answer.text == svg
                assert answer.headers["content-type"] == "image/svg+xml"
    finally:
        server.stop()


def test_a_chart_whose_figures_moved_on_leads_to_the_chart_as_it_is_now(served: Served) -> None:
    with _client(served) as client:
        src = next(s for s, _alt in _images(client.get("/?period=last-7d").text) if "sov" in s)
        stale = re.sub(r"/charts/[0-9a-f]{64}", "/charts/" + "0" * 64, src)
        answer = client.get(stale)
        assert answer.status_code == 303
        assert answer.headers["location"] == src
        assert client.get(stale, follow_redirects=True).text == client.get(src).text
        unknown = client.get("/charts/" + "0" * 64 + ".svg?of=nowhere")
        assert unknown.status_code == 404


def test_a_reports_page_has_its_charts_as_images_and_its_download_carries_them(
    served: Served, root: Path
) -> None:
    asked = {"topic": "lumio", "period": "last-7d", "lang": "fr"}
    with _client(served, "fr") as client:
        page = client.get("/reports", params=asked)
        assert page.status_code == 200, page.text[:2000]
        images = [(alt, html.unescape(src)) for alt, src in _REPORT_IMG.findall(page.text)]
        assert len(images) == 3 and "data:image" not in page.text
        drawn = {}
        for _alt, src in images:
            answer = client.get(src)
            assert answer.status_code == 200 and answer.text.startswith("<svg")
            drawn[src] = answer.text
        # The file downloaded carries its charts (read away from the app).
        download = client.get("/reports/download", params={**asked, "format": "html"})
        assert download.status_code == 200
        assert download.text.count('src="data:image/svg+xml;base64,') == 3
        assert "/charts/" not in download.text
    other, server = serve(root)  # a worker that did not send the page
    try:
        with _client(other, "fr") as client:
            for src, svg in drawn.items():
                assert client.get(src).text == svg
    finally:
        server.stop()


def test_a_chart_asked_by_many_viewers_together_is_drawn_once(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every viewer of a fresh dashboard asks for its images at once: the
    first draws each (vl-convert, 23-75 ms holding the GIL), the others
    wait for it."""
    from concurrent.futures import ThreadPoolExecutor

    import vl_convert as vlc

    drawn: list[str] = []
    real = vlc.vegalite_to_svg

    def counted(spec: Any, **kwargs: Any) -> str:
        svg: str = real(spec, **kwargs)
        drawn.append(svg)
        return svg

    monkeypatch.setattr(vlc, "vegalite_to_svg", counted)
    served, server = serve(root)
    try:
        with _client(served) as client:
            src = _images(client.get("/?period=last-30d").text)[0][0]
            cookies = dict(client.cookies)
        assert drawn == []

        def ask(_: int) -> str:
            with httpx.Client(base_url=served.url, timeout=60, cookies=cookies) as viewer:
                answer = viewer.get(src)
                assert answer.status_code == 200
                return answer.text

        with ThreadPoolExecutor(8) as pool:
            answers = set(pool.map(ask, range(8)))
        assert len(answers) == 1 and len(drawn) == 1
    finally:
        server.stop()
