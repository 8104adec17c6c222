import re
import tomllib
from pathlib import Path

import pytest

from veille.config import TEMPLATE, Settings, apply_environment, load_settings, parse_settings
from veille.errors import ConfigError, WorkspaceNotFound
from veille.workspace import Workspace, init_workspace


def _uncommented_template() -> dict:
    """The template with every commented setting turned on."""
    setting = re.compile(r"^# ([a-z_]+ = .+)$")
    lines = []
    for line in TEMPLATE.splitlines():
        m = setting.match(line)
        if m:
            lines.append(m.group(1))
        elif not line.startswith("#"):
            lines.append(line)
    return tomllib.loads("\n".join(lines))


def test_template_shows_every_setting_with_its_default() -> None:
    assert parse_settings(_uncommented_template()) == Settings()
    assert parse_settings(tomllib.loads(TEMPLATE)) == Settings()
    shown = _uncommented_template()
    defaults = Settings()
    for section, values in vars(defaults).items():
        assert set(shown[section]) == set(vars(values)), f"[{section}] not fully shown"


def test_unknown_key_and_bad_type_are_named(tmp_path: Path) -> None:
    cfg = tmp_path / "veille.toml"
    cfg.write_text("[http]\ntimeout = 3\n")
    with pytest.raises(ConfigError, match="unknown setting 'timeout' in \\[http\\]"):
        load_settings(cfg)
    cfg.write_text("[http]\nmax_retries = 'many'\n")
    with pytest.raises(ConfigError, match=r"\[http\] max_retries must be a whole number"):
        load_settings(cfg)
    cfg.write_text("[workspace]\ntimezone = 'Mars/Olympus'\n")
    with pytest.raises(ConfigError, match="not a time zone"):
        load_settings(cfg)
    cfg.write_text("[http\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cfg)


def test_environment_overrides() -> None:
    s = apply_environment(Settings(), {"VEILLE_ALLOW_PRIVATE_NETWORKS": "1"})
    assert s.http.allow_private_networks is True


def test_workspace_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceNotFound, match="veille init"):
        Workspace.open()
    root = init_workspace(tmp_path / "w")
    (root / "veille.toml").write_text('[workspace]\nname = "mine"\n')
    init_workspace(root)  # idempotent: never overwrites settings
    assert Workspace.open(root).settings.workspace.name == "mine"
    monkeypatch.setenv("VEILLE_WORKSPACE", str(root))
    assert Workspace.open().root == root
    monkeypatch.delenv("VEILLE_WORKSPACE")
    monkeypatch.chdir(root)
    assert Workspace.open().root == root
