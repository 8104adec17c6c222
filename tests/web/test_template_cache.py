"""The web app's templates compiled once, kept in the user's cache folder:
the same pages from a cold and a warm cache, a changed template's new text
at once, pages still served where the folder cannot be written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pytest
from fastapi.testclient import TestClient

from tests.conftest import kept
from veille.web.app import create_app
from veille.web.template_cache import template_code_cache
from veille.workspace import init_workspace

#: The compiled templates in the :func:`cache` fixture's folder: one
#: folder for each set of settings, one file for each template.
TEMPLATES = "templates/*/*"


def first_page(root: Path) -> str:
    with TestClient(create_app(root), cookies={"veille_lang": "fr"}) as client:
        page = client.get("/login")
    assert page.status_code == 200
    return page.text


def test_a_page_reads_the_same_from_a_cold_then_a_warm_cache(cache: Path, tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    cold = first_page(root)
    assert "Bienvenue dans veille" in cold
    compiled = kept(cache, TEMPLATES)
    assert compiled  # the login page's template and the base it extends
    warm = first_page(root)
    assert kept(cache, TEMPLATES) == compiled
    # The pages differ only by their CSRF tokens.
    assert cold != warm
    assert without_tokens(cold) == without_tokens(warm)


def without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf[-_]token"\s+(?:content|value)=")[^"]+"', r"\1", page)


def environment(folder: Path, trim: bool = True) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), trim_blocks=trim)
    env.bytecode_cache = template_code_cache(env)
    return env


def test_a_template_changed_after_it_was_compiled_says_its_new_text(
    cache: Path, tmp_path: Path
) -> None:
    (tmp_path / "t").mkdir()
    page = tmp_path / "t" / "page.html"
    page.write_text("Hello {{ name }}", encoding="utf-8")
    assert environment(tmp_path / "t").get_template("page.html").render(name="a") == "Hello a"
    assert environment(tmp_path / "t").get_template("page.html").render(name="b") == "Hello b"
    page.write_text("Bonjour {{ name }}", encoding="utf-8")
    assert environment(tmp_path / "t").get_template("page.html").render(name="c") == "Bonjour c"


def test_templates_compiled_with_other_settings_are_kept_apart(cache: Path, tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("{% if x %}\nyes{% endif %}", encoding="utf-8")
    for _ in range(2):  # cold, then warm: each its own code
        assert environment(tmp_path / "t", trim=True).get_template("page.html").render(x=1) == "yes"
        untrimmed = environment(tmp_path / "t", trim=False).get_template("page.html")
        assert untrimmed.render(x=1) == "\nyes"
    assert len({path.parent for path in kept(cache, TEMPLATES)}) == 2


def test_a_damaged_compiled_template_is_compiled_again(cache: Path, tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("Hello {{ name }}", encoding="utf-8")
    environment(tmp_path / "t").get_template("page.html")
    (path,) = kept(cache, TEMPLATES)
    for damaged in (path.read_bytes()[:12], b""):
        path.write_bytes(damaged)
        assert environment(tmp_path / "t").get_template("page.html").render(name="a") == "Hello a"
        assert len(path.read_bytes()) > 12


def test_a_cache_folder_that_cannot_be_written_still_serves_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"  # a file: nothing can be made under it, even by root
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert "Bienvenue dans veille" in first_page(init_workspace(tmp_path / "ws"))
    # A folder taken away while a web worker serves (its user cleared the
    # cache): the compiled code is not kept, and the page is served.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "gone"))
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("Hello {{ name }}", encoding="utf-8")
    (tmp_path / "t" / "first.html").write_text("First", encoding="utf-8")
    env = environment(tmp_path / "t")
    assert env.get_template("first.html").render() == "First"
    assert list((tmp_path / "gone").rglob("*.jinja"))  # the folder was made
    shutil.rmtree(tmp_path / "gone")
    (tmp_path / "gone").write_text("", encoding="utf-8")
    assert env.get_template("page.html").render(name="a") == "Hello a"
    assert (tmp_path / "gone").read_text(encoding="utf-8") == ""


def test_only_the_newest_folders_of_compiled_templates_are_kept(
    cache: Path, tmp_path: Path
) -> None:
    """Each upgrade of veille or Jinja compiles into a folder of its own
    (other settings, here a line comment's prefix): the older go."""
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("Hello {{ name }}", encoding="utf-8")

    def render(n: int) -> str:
        loader = jinja2.FileSystemLoader(str(tmp_path / "t"))
        env = jinja2.Environment(loader=loader, line_comment_prefix=f"%{n}")
        env.bytecode_cache = template_code_cache(env)
        return env.get_template("page.html").render(name=n)

    for n in range(7):
        assert render(n) == f"Hello {n}"
    assert len(kept(cache, TEMPLATES)) == 4
    # The oldest settings again (a downgrade): compiled anew, still four kept.
    assert render(0) == "Hello 0"
    assert len(kept(cache, TEMPLATES)) == 4
    assert render(6) == "Hello 6"
