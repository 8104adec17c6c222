"""What drawing a dashboard's four charts costs vl-convert, with its texts
measured in the system's Liberation Sans (the baseline: what vl-convert
does by itself) and in its own copy, read from memory
(``veille.analytics.chart_fonts.prefer_shipped_sans``, which ``veille
serve`` calls as it starts).

    python bench/charts.py [--rounds 3] [--repeat 10]

vl-convert reads its fonts once a process: each side draws in a new process
(``--one SIDE``, the child), the two alternated (system, shipped, shipped,
system...). A child starts vl-convert (``charts.prepare``), draws the charts
once, then times ``--repeat`` times the dashboard's four charts of a 30-day
period (three topics' volumes and the share of voice), in English and in
French, in CPU ms (the figure a loaded machine changes least). The charts'
SVG is hashed: both sides must draw the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


def dashboard_charts(lang: str) -> list[Any]:
    """The dashboard's charts of a 30-day period over three topics."""
    from veille.analytics import charts
    from veille.analytics.scope import Period
    from veille.analytics.volume import Voice, Volume, VolumePoint

    start = datetime(2026, 11, 6, tzinfo=ZoneInfo("Europe/Paris"))
    period = Period(start, start + timedelta(days=30))
    drawn = []
    voices = []
    for k, name in enumerate(["lumio", "vexa", "orbita"]):
        points = [
            VolumePoint(
                start + timedelta(days=i),
                100 + (i * 37 + k * 11) % 90,
                start - timedelta(days=30 - i),
                80 + (i * 17) % 70,
            )
            for i in range(30)
        ]
        total = sum(p.posts for p in points)
        drawn.append(
            charts.volume_chart(Volume("day", period, points, total, 0), lang=lang, about=name)
        )
        voices.append(Voice(name, total, None, 0, None, None, None))
    everyone = sum(v.posts for v in voices)
    voices = [Voice(v.topic, v.posts, v.posts / everyone, 0, None, None, None) for v in voices]
    drawn.append(charts.sov_chart(voices, lang=lang, period=period, timezone="Europe/Paris"))
    return [charts.spec_of(c) for c in drawn]


def one(side: str, repeat: int) -> dict[str, Any]:
    from veille.analytics import charts
    from veille.analytics.chart_fonts import prefer_shipped_sans

    cpu = time.process_time
    started = cpu()
    shipped = prefer_shipped_sans() if side == "shipped" else False
    fonts_ms = (cpu() - started) * 1000
    charts.prepare()
    specs = {lang: dashboard_charts(lang) for lang in ("en", "fr")}
    svgs = [charts.svg_of(s) for lang in ("en", "fr") for s in specs[lang]]
    timed: dict[str, list[float]] = {"en": [], "fr": []}
    for _ in range(repeat):
        for lang in ("en", "fr"):
            began = cpu()
            for spec in specs[lang]:
                charts.svg_of(spec)
            timed[lang].append((cpu() - began) * 1000)
    digest = hashlib.sha256("".join(svgs).encode()).hexdigest()[:16]
    return {"side": side, "shipped": shipped, "fonts_ms": fonts_ms, "ms": timed, "svg": digest}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="pairs of processes, alternated")
    ap.add_argument("--repeat", type=int, default=10, help="dashboards timed per process")
    ap.add_argument("--one", choices=["system", "shipped"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.repeat)))
        return 0
    order = [("system", "shipped"), ("shipped", "system")]
    runs: dict[str, list[dict[str, Any]]] = {"system": [], "shipped": []}
    for n in range(args.rounds):
        for side in order[n % 2]:
            out = subprocess.run(
                [sys.executable, str(Path(__file__)), "--one", side, "--repeat", str(args.repeat)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            runs[side].append(json.loads(out.stdout))
    print(f"the dashboard's four charts, CPU ms per dashboard, best / median of {args.repeat}, "
          f"one process a cell ({args.rounds} each, alternated)")  # fmt: skip
    for lang in ("en", "fr"):
        for side, label in (("system", "system's Liberation Sans (baseline)"),
                            ("shipped", "vl-convert's own, in memory")):  # fmt: skip
            cells = [
                f"{min(r['ms'][lang]):.1f} / {statistics.median(r['ms'][lang]):.1f}"
                for r in runs[side]
            ]
            print(f"  {lang}, {label:38} {';  '.join(cells)}")
    base = statistics.median(m for r in runs["system"] for m in r["ms"]["en"] + r["ms"]["fr"])
    fast = statistics.median(m for r in runs["shipped"] for m in r["ms"]["en"] + r["ms"]["fr"])
    print(f"  median of all: {base:.1f} -> {fast:.1f} ms ({fast / base:.2f} of the baseline)")
    setup = [r["fonts_ms"] for r in runs["shipped"]]
    print(f"  prefer_shipped_sans, once a process (vl-convert's import and its fonts read, which "
          f"its first chart pays otherwise): {min(setup):.1f}-{max(setup):.1f} ms of CPU; "
          f"applied: {sorted({r['shipped'] for r in runs['shipped']})}")  # fmt: skip
    same = {r["svg"] for side in runs for r in runs[side]}
    print(f"  the same SVG on both sides: {'yes' if len(same) == 1 else 'NO: ' + ', '.join(same)}")
    return 0 if len(same) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
