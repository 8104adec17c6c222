"""Charts as images (``/charts/KEY.svg``): a page is sent without drawing
its charts (vl-convert takes 23-75 ms a chart and holds Python's GIL), each
chart an ``<img>`` whose ``KEY`` is the hash of its spec; the image's
request draws it, once for every viewer, and it is kept by the browser for
good (the key is the content).

The spec is kept by the app that sent the page (:class:`ChartCache`, a few
hundred at most). The web app is stateless, several workers behind a proxy:
a chart asked of a worker that does not hold its spec (evicted, or another
worker sent the page) is made again from what its address carries besides
the key, the page's parameters (``of``: which page; its period, topic,
language, ...): that page's charts are made again as the page makes them
(its figures kept a minute, read again past it) and the one asked is drawn.
Where the figures moved on meanwhile (new posts: another chart, another
key), the answer is a 303 to the chart as it is now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from veille.errors import tr
from veille.web.deps import Viewer
from veille.web.listening import app_charts

router = APIRouter()

#: An image's key is its content: kept by the viewer's browser for good, and
#: by no shared cache (a chart is shown to those signed in only).
KEPT = "private, max-age=31536000, immutable"


@dataclass(frozen=True)
class ChartImage:
    """A chart as a page shows it: ``src`` its image's address, ``width`` and
    ``height`` the box it is drawn in (from its spec: the picture scales into
    it without changing its shape), ``params`` what the address carries
    besides the key (the page's parameters, by which it is made again),
    ``spec`` what it draws (a page kept a minute draws its charts from its
    own, the app's kept specs evicted meanwhile), ``title`` its title where
    the page writes it as text, the chart drawn without it (the dashboard:
    drawn in a chart wider than a phone, the title scrolled with it, cut at
    the screen's edge; as text, it wraps to the screen)."""

    key: str
    src: str
    width: int
    height: int
    params: dict[str, str] = field(default_factory=dict, compare=False)
    spec: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    title: str = ""


def chart_image(
    app: Any, chart: Any, page: str, /, *, background: str | None = None, **params: str
) -> ChartImage:
    """``chart`` (an Altair chart of :mod:`veille.analytics.charts`) as an
    image of ``page`` (a name :func:`_pages` knows), its spec kept by the
    app until the image is asked for; ``params``: what ``page`` makes its
    charts from, and which of them this is; ``background``: drawn on that
    instead of white."""
    key, spec = app_charts(app).keep(chart, background=background)
    carried = {"of": page, **params}
    width, height = _box(spec)
    src = f"/charts/{key}.svg?{urlencode(carried)}"
    return ChartImage(key, src, width, height, carried, spec)


def _box(spec: dict[str, Any]) -> tuple[int, int]:
    """The size a chart is drawn at, from its plot's: vl-convert adds its
    axes, title and legend around it (measured: 47-72 px across, 59-80
    down for these charts); without drawing it, the usual margins."""
    width = spec.get("width")
    height = spec.get("height")
    plot_w = int(width) if isinstance(width, int | float) else 400
    plot_h = int(height) if isinstance(height, int | float) else 200
    return plot_w + 70, plot_h + 70


def _pages() -> dict[str, Callable[[Request], list[ChartImage]]]:
    """Each page whose charts are images: what makes them again from the
    parameters an image's address carries."""
    from veille.web.routes import dashboard, reports

    return {"dashboard": dashboard.chart_images, "report": reports.chart_images}


@router.get("/charts/{key}.svg")
def chart(request: Request, key: str, user: Viewer) -> Response:
    # Signed in, with any role: the pages with charts (the dashboard, the
    # reports) are shown to every viewer; nobody signed in is led to the
    # login page, as for the page itself.
    charts = app_charts(request.app)
    svg = charts.drawn(key)
    if svg is None:
        params = dict(request.query_params)
        make = _pages().get(params.get("of", ""))
        if make is None:
            raise HTTPException(404, tr("no such chart: open the page that shows it again"))
        shown = [image for image in make(request) if image.params == params]
        if not shown:
            raise HTTPException(404, tr("no such chart: open the page that shows it again"))
        if shown[0].key != key:
            # New posts since the page was sent: the chart as it is now.
            return RedirectResponse(shown[0].src, status_code=303)
        svg = charts.drawn(key, shown[0].spec)
    return Response(
        svg or "",
        media_type="image/svg+xml",
        headers={"Cache-Control": KEPT, "X-Content-Type-Options": "nosniff"},
    )
