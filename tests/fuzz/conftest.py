"""Fuzzing with hypothesis: a few hundred examples per test by default, so the
suite stays fast; ``VEILLE_FUZZ_EXAMPLES=20000`` (any number) for a long run."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def fuzz_settings(default: int) -> settings:
    """Hypothesis settings for one fuzz test: ``default`` examples, or
    ``VEILLE_FUZZ_EXAMPLES`` when set."""
    examples = int(os.environ.get("VEILLE_FUZZ_EXAMPLES") or default)
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
