"""A report's charts are drawn once for its page and its PDF: the PDF
downloaded after the page (or the page viewed after the PDF) drew the same
three charts again (vl-convert, about 45 ms of CPU each), though their
figures, language and so their pictures were the same. They are now kept
with the app's other charts, by the spec they draw, and are the same SVG,
byte for byte, as drawn directly (the page's as images, ``/charts/KEY.svg``,
drawn when the browser asks for them)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import add_role_users, do_login, serve
from tests.web.pages_data import seed
from veille.workspace import init_workspace

# The page's charts are images drawn when asked; the PDF carries them inline.
_IMAGES = re.compile(r'<img class="chart" alt="[^"]*" src="(/charts/[^"]+)"')


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_reports_pdf_after_its_page_draws_no_chart_again(
    tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vl_convert as vlc

    drawn: list[str] = []
    real = vlc.vegalite_to_svg

    def counted(spec: Any, **kwargs: Any) -> str:
        svg: str = real(spec, **kwargs)
        drawn.append(svg)
        return svg

    monkeypatch.setattr(vlc, "vegalite_to_svg", counted)
    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    served, server = serve(root)
    asked = {"topic": "lumio", "period": "last-7d", "lang": lang}
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            page = client.get("/reports", params=asked)
            assert page.status_code == 200, page.text[:2000]
            srcs = [html.unescape(src) for src in _IMAGES.findall(page.text)]
            assert len(srcs) == 3  # volume, platforms, net sentiment
            assert drawn == []  # the page was sent without drawing them
            images = [client.get(src).text for src in srcs]
            assert sorted(drawn) == sorted(images)  # each drawn once, shown as drawn
            pdf = client.get("/reports/download", params={**asked, "format": "pdf"})
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            assert len(drawn) == 3, "the PDF drew the page's charts again"
    finally:
        server.stop()
