"""The charts' texts measured in vl-convert's own Liberation Sans, read from
memory rather than from the system's copy of it (opened again for each text,
some 40% of a chart's CPU): the same charts, byte for byte, in English and
French, with text in scripts that font lacks (drawn by the same fallback
fonts), and the environment left as it was. vl-convert reads its fonts once
a process: each side draws in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from veille.analytics import chart_fonts

SRC = str(Path(__file__).resolve().parents[2] / "src")

_DRAW = """
import json, os, sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from veille.analytics import charts
from veille.analytics.chart_fonts import prefer_shipped_sans
from veille.analytics.scope import Period
from veille.analytics.volume import SentimentPoint, Share, Voice, Volume, VolumePoint

shipped = prefer_shipped_sans() if sys.argv[1] == "shipped" else None
tz = ZoneInfo("Europe/Paris")
start = datetime(2026, 10, 20, tzinfo=tz)
period = Period(start, start + timedelta(days=14))
points = [VolumePoint(start + timedelta(days=i), 40 + i * 7 % 23, start - timedelta(days=14 - i),
                      30 + i * 5 % 17) for i in range(14)]
volume = Volume("day", period, points, sum(p.posts for p in points), 0)
names = ["lumio", "café crème", "東京 ラーメン", "Москва", "مرحبا", "🚀 lancement", "한국어"]
voices = [Voice(n, 10 + i, 1 / len(names), 5, 0.1, 100, 0.1) for i, n in enumerate(names)]
shares = [Share(n, 10 + i, 0.1, 5, 0.1, None, None) for i, n in enumerate(names)]
moods = [SentimentPoint(start + timedelta(days=i), 3 + i % 4, 2, 5) for i in range(14)]
svgs = []
for lang in ("en", "fr"):
    svgs += [charts.to_svg(charts.volume_chart(volume, lang=lang, about="lumio")),
             charts.to_svg(charts.sov_chart(voices, lang=lang, period=period,
                                            timezone="Europe/Paris")),
             charts.to_svg(charts.share_chart(shares, lang=lang, title="Plateformes")),
             charts.to_svg(charts.sentiment_chart(moods, lang=lang, period=period))]
print(json.dumps({"shipped": shipped, "svgs": svgs, "env": os.environ.get("FONTCONFIG_FILE")}))
"""


def _draw(side: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", _DRAW, side], capture_output=True, text=True, env=env, check=True
    )
    drawn: dict[str, object] = json.loads(out.stdout)
    return drawn


def _has_system_liberation_sans() -> bool:
    return any(font.name in chart_fonts.SHIPPED for font in chart_fonts.system_fonts())


@pytest.mark.skipif(sys.platform != "linux", reason="fontconfig's FONTCONFIG_FILE: Linux")
def test_the_charts_are_the_same_drawn_with_vl_converts_own_sans() -> None:
    pytest.importorskip("vl_convert")
    system, shipped = _draw("system"), _draw("shipped")
    # Where the system has no Liberation Sans, vl-convert's own is the one
    # found already: nothing is changed.
    assert shipped["shipped"] is _has_system_liberation_sans()
    assert shipped["env"] is None  # the variable is gone again
    assert shipped["svgs"] == system["svgs"]
    english, french = "".join(shipped["svgs"][:4]), "".join(shipped["svgs"][4:])  # type: ignore[index]
    assert "Previous period" in english and "Net sentiment" in english
    assert "Période précédente" in french and "Part de voix" in french
    assert "東京 ラーメン" in french and "aria-label" in french  # described for screen readers


def test_the_fonts_listed_are_the_systems_but_liberation_sans(tmp_path: Path) -> None:
    fonts = chart_fonts.system_fonts()
    kept = [font for font in fonts if font.name not in chart_fonts.SHIPPED]
    config = chart_fonts.write_config(kept, tmp_path)
    dirs = [Path(node.text or "") for node in ET.parse(config).getroot().iter("dir")]
    assert list(dirs[0].iterdir()) == []  # fontdb reads the system's folders where none is named
    listed = [Path(os.path.realpath(next(d.iterdir()))) for d in dirs[1:]]
    assert listed == kept  # in the order vl-convert read them: the same fallback fonts
    assert not any(font.name.startswith("LiberationSans-") for font in listed)


def test_a_folder_it_cannot_write_leaves_the_fonts_as_they_were(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``veille serve`` still starts where no temporary folder can be made:
    vl-convert reads its fonts as before (slower, the same charts)."""
    pytest.importorskip("vl_convert")

    def refused(fonts: list[Path], folder: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(chart_fonts, "write_config", refused)
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    assert chart_fonts.prefer_shipped_sans() is False
    assert "FONTCONFIG_FILE" not in os.environ
