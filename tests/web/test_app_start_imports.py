"""The web app starts without what its first pages do not need: NumPy (the
column store's bucket numbers import it), Babel's catalog compiler (a
French catalog kept in the user's cache is read by gettext alone) and the
report's library (the report's routes import it). A user notices them as
the wait before ``veille serve`` listens; each test's app pays them too.
French words are still there, from a cold cache and from a warm one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from veille.workspace import init_workspace

#: Makes the app over a workspace and writes the modules the process holds
#: and a few of its French words.
_START = """
import json, sys
from veille.web.app import create_app
app = create_app(sys.argv[1])
fr = app.state.translations["fr"]
words = [
    fr.gettext("Sign in"),
    fr.ngettext("%(n)s item", "%(n)s items", 2),
    fr.pgettext("help", "Usage:"),
]
json.dump({"modules": sorted(sys.modules), "words": words}, open(sys.argv[2], "w"))
"""

#: Not imported by an app that only starts.
LATER = ("numpy", "babel.messages", "babel.support", "babel.dates", "veille.analytics.report")


def _start(root: Path, cache: Path, out: Path) -> dict[str, list[str]]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _START, str(root), str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, list[str]] = json.loads(out.read_text())
    return found


def _later(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in LATER)]


def test_a_started_app_holds_none_of_what_its_first_pages_do_not_need(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    cache = tmp_path / "cache"
    french = ["Se connecter", "%(n)s éléments", "Utilisation\u202f:"]
    # A first start compiles the French catalog (with Babel) and keeps it.
    cold = _start(root, cache, tmp_path / "cold.json")
    assert cold["words"] == french
    assert list((cache / "veille" / "catalogs").glob("*.mo"))
    assert "numpy" not in cold["modules"]
    # The next reads it: not one of them is imported, the words the same.
    warm = _start(root, cache, tmp_path / "warm.json")
    assert warm["words"] == french
    assert _later(warm["modules"]) == []


def test_the_plan_router_holds_its_pages_routes_as_they_are_declared() -> None:
    """Not the pages' routers, included one level down: FastAPI made every
    plan route's state again at each start to check their paths. The
    routes are the pages' own, each once, in the pages' order (the OpenAPI
    document and the routes the app serves are those of the nested routers)."""
    from veille.web.routes import plan
    from veille.web.routes.plan import edit, guidelines, overview, start

    declared = [r for page in (overview, start, edit, guidelines) for r in page.router.routes]
    assert len(declared) > 20
    assert [id(r) for r in plan.router.routes] == [id(r) for r in declared]
