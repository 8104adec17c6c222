"""The plan document in French follows French typography, as the web app's
catalogs do: a narrow no-break space (U+202F) before ``: ; ? !``, never a
plain space or none (``veille plan export`` in its own process)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime

from tests.conftest import to_come
from veille.plan.channels import set_channel
from veille.plan.objectives import add_objective
from veille.workspace import Workspace


def test_the_french_plan_document_spaces_its_punctuation(ws: Workspace) -> None:
    deadline = to_come(datetime(2030, 6, 30)).date()  # to come whatever the day
    add_objective(
        ws.state,
        "care",
        "customer_service",
        owner="mia",
        deadline=deadline.isoformat(),
        topics="lumio",
        channels="mastodon",
    )
    set_channel(ws.state, "mastodon", objectives="care", posts_per_week=3)
    command = [sys.executable, "-m", "veille", "plan", "export", "--format=md", "--lang=fr"]
    done = subprocess.run(
        [*command, "-w", str(ws.root)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=True,
    )
    text = done.stdout
    assert f"responsable\u202f: mia\u202f; échéance\u202f: 30 juin {deadline.year}" in text
    # Prose only: code spans (`veille plan …`) and table rules are not French text.
    prose = re.sub(r"`[^`]*`", "", text)
    bad = [line for line in prose.splitlines() if re.search(r"(\S|[ \u00a0])[;?!]", line)]
    assert bad == []
