"""Alert messages in French are written as French: non-breaking spaces before
« : ; ! ? » and inside guillemets, decimal commas, singular and plural."""

from __future__ import annotations

from collections import Counter

from veille.alerts.model import Alert
from veille.alerts.monitors import sample_event, spike_message

NNBSP = "\u202f"


def test_monitor_messages_in_french_use_french_spacing_numbers_and_plurals() -> None:
    alert = Alert(name="pic", topic="lumio", channel_url="atom:x.xml", kind="spike")
    event = spike_message(alert, 1, 2.5, 0.4, Counter({"panne": 3}), Counter(), Counter())
    fr = event["summary"]["fr"]
    assert f"«{NNBSP}lumio{NNBSP}»{NNBSP}:" in fr
    assert "1 publication dans" in fr  # singular
    assert "0,4" in fr and "0.4" not in fr
    assert all(f"{NNBSP}:" in line for line in event["details"]["fr"])
    assert " :" not in fr and "« " not in fr
    sentiment = Alert(name="ton", topic="lumio", channel_url="atom:x.xml", kind="sentiment")
    test = sample_event(sentiment)["summary"]["fr"]
    assert test.startswith("Essai — ") and f"62{NNBSP}%" in test and " :" not in test
    # English keeps its own spacing, and its own plural.
    assert event["summary"]["en"].startswith("Spike on “lumio”: 1 post in the last hour")
