"""What `pip install` of veille's wheel puts on a server holds everything the
code reads: built as `python -m build` does (an sdist, then the wheel from
it), the wheel is listed and then run, unpacked, without the source tree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the wheel is built once for the module: about 10 s

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "veille"
# Made here (the compiled kernel, caches), never shipped as they are.
_NOT_SHIPPED = ("__pycache__", "*.pyc", "*.so", "*.egg-info")


def _backend(hook: str, project: Path, dist: Path) -> Path:
    """setuptools' ``hook`` (``build_sdist``, ``build_wheel``) run on
    ``project`` in a process of its own, as a build frontend does (the
    backend works in the current directory): the file it made in ``dist``."""
    call = f"from setuptools import build_meta; print(build_meta.{hook}({str(dist)!r}))"
    done = subprocess.run(
        [sys.executable, "-c", call], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dist / done.stdout.strip().splitlines()[-1]


def _build(tmp: Path) -> Path:
    """The wheel, built from the sdist of a copy of this tree (in its own
    folder: nothing written into the worktree)."""
    pytest.importorskip("setuptools", reason="setuptools (the build backend) is not installed")
    tree = tmp / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns(*_NOT_SHIPPED))
    dist = tmp / "dist"
    sdist = _backend("build_sdist", tree, dist)
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp / "unpacked", filter="data")
    return _backend("build_wheel", tmp / "unpacked" / sdist.name.removesuffix(".tar.gz"), dist)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which(os.environ.get("CC", "cc")) is None:
        pytest.skip("no C compiler: the wheel builds the query matcher's C core")
    return _build(tmp_path_factory.mktemp("package"))


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    """The PostgreSQL state store's migrations (store/postgres/migrations/*.sql)
    were left out of the wheel: installed with pip, `veille` on a workspace
    with `state = "postgresql://…"` stopped at once with "…/veille/store/
    postgres/migrations: No such file or directory". Every file under
    src/veille (templates, static files, the French catalogs, both stores'
    migrations, the plan's guide, the sentiment weights…) is in the wheel,
    with the compiled matcher."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for path in PACKAGE.rglob("*"):
        made_here = "__pycache__" in path.parts or any(path.match(p) for p in _NOT_SHIPPED)
        if path.is_file() and not made_here:
            expected.add(path.relative_to(PACKAGE.parent).as_posix())
    missing = sorted(expected - names)
    assert not missing, f"left out of the wheel (pyproject.toml's package-data): {missing}"
    kernels = [n for n in names if n.startswith("veille/query/_kernel.") and n.endswith(".so")]
    assert kernels, "the wheel has no compiled matcher (veille/query/_kernel*.so)"


def _requires(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist lines, as written after the colon."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = archive.read(name).decode()
    return [line.split(":", 1)[1].strip() for line in meta.splitlines()
            if line.startswith("Requires-Dist:")]  # fmt: skip


def test_the_wheel_asks_for_no_heavy_extra(wheel: Path) -> None:
    """An install pulls the runtime only: torch and transformers come with the
    `transformers` extra, chdb with `clickhouse`, the test tools with `dev`."""
    always = [r for r in _requires(wheel) if "extra ==" not in r]
    for heavy in ("torch", "transformers", "chdb", "pytest", "playwright"):
        assert not [r for r in always if r.split(";")[0].startswith(heavy)], heavy


def test_the_wheel_asks_for_what_the_web_source_imports(wheel: Path) -> None:
    """Installed with Debian 12's pip (23.0, what `python3 -m venv` gives),
    the web source failed on every page with "ImportError: lxml.html.clean
    module is now a separate project lxml_html_clean": trafilatura's jusText
    asks for lxml's `html_clean` extra, which that pip does not match to
    lxml's `html-clean`, so lxml_html_clean was never installed. veille asks
    for it by name."""
    required = [r for r in _requires(wheel) if "extra ==" not in r]
    names = {re.split(r"[ <>=!~\[;]", r, maxsplit=1)[0].lower().replace("-", "_") for r in required}
    assert {"trafilatura", "lxml_html_clean"} <= names, sorted(names)


def test_the_installed_package_runs_without_the_source_tree(
    wheel: Path, tmp_path: Path, postgres_url: str
) -> None:
    """Unpacked as pip installs it, the wheel's veille (not this tree's)
    answers --version, creates a workspace, serves a French page and its
    style sheet, and opens a PostgreSQL state store (migrating it)."""
    from veille.store.postgres.testing import fresh_schema_url

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {k: v for k, v in os.environ.items() if k not in ("VEILLE_WORKSPACE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    script = f"""
from pathlib import Path
import httpx
import veille
assert Path(veille.__file__).is_relative_to({str(site)!r}), veille.__file__
from veille.store.postgres.migrations import migrations as pg
from veille.store.sqlite.migrations import migrations as lite
from veille.web.app import create_app
from veille.web.serve import LiveServer
from veille.workspace import init_workspace
root = init_workspace(Path({str(tmp_path / "ws")!r}))
with LiveServer(create_app(root)) as server:
    page = httpx.get(server.url + "/setup", headers={{"Accept-Language": "fr"}})
    css = httpx.get(server.url + "/static/veille.css")
print(len(pg()), len(lite()), page.status_code, css.status_code, "Premier lancement" in page.text)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    pg, lite, page, css, french = done.stdout.split()
    assert int(pg) > 0 and int(lite) > 0
    assert (page, css, french) == ("200", "200", "True"), done.stdout
    config = tmp_path / "ws" / "veille.toml"
    text = config.read_text(encoding="utf-8")
    state = fresh_schema_url(postgres_url, tmp_path)
    config.write_text(text.replace('# state = ""', f'state = "{state}"'), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "veille", "topic", "list", "--workspace", str(tmp_path / "ws")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    version = subprocess.run(
        [sys.executable, "-m", "veille", "--version"], env=env, capture_output=True, text=True
    )
    assert version.stdout.startswith("veille "), version
