"""The stage registry: which stages ingest runs, in order.

Built-in stages are listed in :data:`BUILTIN_STAGES` and go through the same
mechanism as third-party ones, which packages add through the
``veille.stages`` entry-point group::

    [project.entry-points."veille.stages"]
    translate = "my_package.stage:translate_stage"

An entry point names a factory ``(StageContext) -> Stage | None`` (``None``:
nothing to do in this workspace). Plugins run after the built-ins, in the
order the installed packages list them; a plugin may not replace a built-in.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from veille.pipeline.ingest import StageFactory

# (name, "module:factory"), in the order they run.
BUILTIN_STAGES: tuple[tuple[str, str], ...] = (
    ("enrich", "veille.enrich.stage:enrich_stage"),
    ("terms", "veille.analytics.trends:terms_stage"),
    ("match", "veille.pipeline.matching:topics_stage"),
    ("alerts", "veille.alerts.stage:alerts_stage"),
    ("inbox", "veille.inbox.stage:inbox_stage"),
)

ENTRY_POINT_GROUP = "veille.stages"


def _load(spec: str) -> StageFactory:
    module_name, _, attr = spec.partition(":")
    return cast("StageFactory", getattr(importlib.import_module(module_name), attr))


def stage_factories() -> dict[str, StageFactory]:
    """Every registered stage factory by name, in the order the stages run.

    Factories are loaded here, not called: a stage skipped by name costs
    nothing (the enricher's language models are not loaded, for one).
    """
    from importlib.metadata import entry_points

    found: dict[str, StageFactory] = {}
    for name, spec in BUILTIN_STAGES:
        found[name] = _load(spec)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in found:
            found[ep.name] = cast("StageFactory", ep.load())
    return found
