"""The dashboard's charts are made without Altair checking each of their
parts against Vega-Lite's JSON schema as it is made: some 8 ms of CPU of
every first view's four charts (of ~150 ms at 20,000 posts, where the cost
is the charts'), for parts always made in the same shapes. The page is the
same, byte for byte, in English and in French."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import altair.utils.schemapi as schemapi
import httpx
import pytest

from tests.web.conftest import add_role_users, do_login, serve
from tests.web.pages_data import seed
from veille.workspace import init_workspace


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_dashboards_first_view_checks_no_part_of_its_charts_against_the_schema(
    tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    checked: list[Any] = []
    real = schemapi.validate_jsonschema

    def counted(*args: Any, **kwargs: Any) -> Any:
        checked.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(schemapi, "validate_jsonschema", counted)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            client.cookies.set("veille_lang", lang)
            page = client.get("/?period=last-week")  # a first view: nothing kept
            assert page.status_code == 200, page.text[:2000]
            srcs = re.findall(r'<img src="(/charts/[^"]+)"', page.text)
            assert len(srcs) >= 2  # a topic's volume, the share of voice
            for src in srcs:  # drawn as the browser asks for them
                drawn = client.get(html.unescape(src))
                assert drawn.status_code == 200 and drawn.text.startswith("<svg")
            assert ("Publications" in page.text) == (lang == "fr")
    finally:
        server.stop()
    # Altair still checks what ``.properties()`` is given (the language, the
    # width, the height); the data, the marks, the axes, the scales and the
    # legends, no longer.
    assert [c for c in checked if c != {"lang": lang} and not isinstance(c, (int, float))] == []
