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


def test_every_setting_refuses_a_value_of_the_wrong_kind() -> None:
    """Each setting of each section names itself when given a value of the
    wrong kind (a word for a number, a number for a word, a word for a
    list), read from the settings' own types, in every section."""
    from dataclasses import fields

    wrong = {
        bool: ("maybe", "true or false"),
        int: ("many", "a whole number"),
        float: ("soon", "a number"),
        str: (7, "a string"),
    }
    checked = 0
    for section in fields(Settings):
        for setting in fields(section.default_factory()):  # type: ignore[misc]
            kind = setting.type
            value, said = wrong.get(kind, ("one", "a list"))  # type: ignore[call-overload]
            with pytest.raises(ConfigError) as caught:
                parse_settings({section.name: {setting.name: value}})
            expected = f"[{section.name}] {setting.name} must be {said}"
            assert expected in caught.value.message, caught.value.message
            checked += 1
    assert checked > 50


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


@pytest.mark.parametrize(
    "section, line, shown",
    [
        ("http", "max_body_bytes = -1", "-1"),
        ("http", "timeout_seconds = 1e999", "inf"),
        ("http", "timeout_seconds = nan", "nan"),
        ("http", "per_host_concurrency = 0", "0"),
        ("http", "max_retries = 1000", "1000"),
        ("alerts", "max_attempts = -5", "-5"),
        ("enrich", "duplicate_threshold = 5", "5.0"),
        ("enrich", "min_language_confidence = -0.1", "-0.1"),
        ("smtp", "port = 70000", "70000"),
        # 0 would answer 503 at every check, a store up or not.
        ("web", "health_timeout_seconds = 0", "0.0"),
        ("web", "upgrade_wait_seconds = -1", "-1.0"),
        ("web", "upgrade_wait_seconds = 301", "301.0"),
    ],
)
def test_numbers_out_of_range_are_refused_with_file_key_value_and_range(
    tmp_path: Path, section: str, line: str, shown: str
) -> None:
    cfg = tmp_path / "veille.toml"
    cfg.write_text(f"[{section}]\n{line}\n")
    key = line.split(" = ")[0]
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert err.value.message == f"[{section}] {key} = {shown} in {cfg} is out of range"
    assert err.value.hint and err.value.hint.startswith("Use a value from ")


def test_numbers_at_the_edges_of_their_range_are_kept(tmp_path: Path) -> None:
    from veille.config import RANGES

    cfg = tmp_path / "veille.toml"
    for (section, key), (low, high) in RANGES.items():
        for value in (low, high):
            is_int = isinstance(getattr(getattr(Settings(), section), key), int)
            cfg.write_text(f"[{section}]\n{key} = {int(value) if is_int else float(value)}\n")
            assert getattr(getattr(load_settings(cfg), section), key) == value


@pytest.mark.parametrize("value, shown", [("-0.5", "-0.5"), ("600", "600.0"), ("nan", "nan")])
def test_a_bad_wait_for_an_upgrade_is_refused_naming_it_and_its_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, shown: str
) -> None:
    """`[web] upgrade_wait_seconds` (how long a page waits for an upgrade of
    the workspace's database before it says so) below 0 or past 300 s (a
    page that holds its visitor longer than any proxy waits) stops the
    command with the setting, the file and the values it may take, in the
    reader's language (exit status 2); the workspace is left as it was."""
    from tests.cli_runner import CliRunner, veille_command

    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    assert "# upgrade_wait_seconds = 5.0\n" in text, "the [web] template shows it"
    bad = text.replace("# upgrade_wait_seconds = 5.0", f"upgrade_wait_seconds = {value}")
    config.write_text(bad, encoding="utf-8")
    app, runner = veille_command(), CliRunner()
    said = runner.invoke(app, ["stats", "--workspace", str(root)], env={"COLUMNS": "300"})
    assert said.exit_code == 2, said.output
    assert f"[web] upgrade_wait_seconds = {shown} in {config} is out of range" in said.output
    assert "Use a value from 0 to 300." in said.output
    french = ["--language", "fr", "stats", "--workspace", str(root)]
    said = runner.invoke(app, french, env={"COLUMNS": "300"})
    assert said.exit_code == 2, said.output
    assert f"[web] upgrade_wait_seconds = {shown} dans {config} est hors limites" in said.output
    assert "Utilisez une valeur de 0 à 300." in said.output
    config.write_text(text)  # mended, the same workspace opens as before
    assert runner.invoke(app, ["stats", "--workspace", str(root)]).exit_code == 0


def test_a_page_waits_five_seconds_for_an_upgrade_unless_told(tmp_path: Path) -> None:
    assert Settings().web.upgrade_wait_seconds == 5.0
    cfg = tmp_path / "veille.toml"
    cfg.write_text("[web]\nupgrade_wait_seconds = 0\n")  # answered at once
    assert load_settings(cfg).web.upgrade_wait_seconds == 0.0
    cfg.write_text("[web]\nupgrade_wait_seconds = 30\n")  # a whole number is taken
    assert load_settings(cfg).web.upgrade_wait_seconds == 30.0
