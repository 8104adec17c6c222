"""Random veille.toml files: settings, or a ConfigError naming what is wrong;
never another exception."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from veille.config import Settings, load_settings
from veille.errors import ConfigError

from .conftest import fuzz_settings

SECTIONS = {f.name: [g.name for g in fields(f.default_factory())] for f in fields(Settings)}  # type: ignore[misc]


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string is a JSON string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


scalar = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, -1, 1, 65535, 65536, 10**12]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["UTC", "Europe/Paris", "Mars/Olympus", "fr", "en", "tls", "[/x]", ""]),
)
value = st.one_of(
    scalar, st.lists(scalar, max_size=3), st.dictionaries(st.text(max_size=4), scalar, max_size=2)
)
key_of = {name: st.sampled_from([*keys, "unknown_key"]) for name, keys in SECTIONS.items()}
section = st.sampled_from([*SECTIONS, "nope"]).flatmap(
    lambda name: st.tuples(
        st.just(name),
        st.dictionaries(key_of.get(name, st.just("x")), value, max_size=4),
    )
)
document = st.one_of(
    st.lists(section, max_size=4, unique_by=lambda s: s[0]).map(
        lambda secs: "".join(
            f"[{name}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in body.items())
            for name, body in secs
        )
    ),
    st.text(max_size=80),  # not even TOML
)


@fuzz_settings(300)
@given(document)
def test_any_file_gives_settings_or_a_config_error(tmp_path_factory, text: str) -> None:
    path: Path = tmp_path_factory.mktemp("cfg") / "veille.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        settings = load_settings(path, environ={})
    except ConfigError as err:
        assert err.message
        return
    assert isinstance(settings, Settings)
