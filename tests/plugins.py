"""A third-party source installed the way pip would, for the tests of what
veille does when a plugin misbehaves: its module in a folder put on
``sys.path``, beside a dist-info whose entry point names it in the
``veille.sources`` group."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from veille.sources.base import registry


@contextmanager
def source_plugin(
    site: Path, monkeypatch: pytest.MonkeyPatch, name: str, cls: str, code: str
) -> Iterator[None]:
    """Source ``name`` (the class ``cls`` of the module ``code``) installed
    in ``site`` and registered while the block runs; gone after it, and the
    registry read again."""
    module = f"veille_{name}_plugin"
    dist = site / f"veille_{name}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: veille-{name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[veille.sources]\n{name} = {module}:{cls}\n")
    (site / f"{module}.py").write_text(code)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, module, raising=False)
    registry.cache_clear()  # type: ignore[attr-defined]
    try:
        assert name in registry()
        yield
    finally:
        monkeypatch.undo()
        sys.modules.pop(module, None)
        registry.cache_clear()  # type: ignore[attr-defined]
