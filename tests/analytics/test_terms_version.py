"""Stores keep each post's trending terms and the version of the extraction
that made them (``trends.terms_version``): a veille whose extraction gives
other terms makes them all again when a store opens. A change to
``extract_terms`` (or to the folding it uses) that leaves ``TERMS_VERSION``
as it was would leave every stored post with the old terms, and nothing
would notice: this test does, from the terms of a few fixed texts."""

from __future__ import annotations

import hashlib
from importlib.metadata import version

import pytest

from veille.analytics.trends import TERMS_VERSION, extract_terms, terms_version

# Names, phrases, elisions, links and mentions, derivational endings,
# plurals and irregular lemmas, accents and ligatures, a German post.
PROBES: tuple[tuple[str, str | None], ...] = (
    ("Les médias parlent de la panne générale du réseau Orbita à Lyon.", "fr"),
    ("L'œuvre politique des journalistes, c'est l'économie médiatique !", "fr"),
    ("Huge outage: thousands of users can't reach @support.lumio.example", "en"),
    ("The routers were running; the mice ran faster than the geese.", "en"),
    ("Petites notes sur https://lumio.example/fibre et www.example.org #Fibre", None),
    ("Es war gut, die Fibre war schnell und die Kunden waren zufrieden", "de"),
    ("Les chevaux mangeaient des pommes ; analyses, analyse, analytiques", "fr"),
    ("Naïve café owners organised socialism meetings in São Paulo", "en"),
)
# TERMS_VERSION -> the hash of the probes' terms it gives, with the
# libraries named (their versions are part of terms_version already).
# (2 changed what post_terms gives of a title and its text, which the probes,
# texts alone, do not show.)
RECORDED = {(1, "2.0.0", "2025.11.4"): "4a5d4f7fb0d3", (2, "2.0.0", "2025.11.4"): "4a5d4f7fb0d3"}


def _probed() -> str:
    probe = hashlib.blake2b(digest_size=6)
    for text, lang in PROBES:
        probe.update(repr(sorted(extract_terms(text, lang).items())).encode())
    return probe.hexdigest()


def test_terms_version_changes_with_what_extraction_gives() -> None:
    libraries = (version("simplemma"), version("stop-words"))
    key = (TERMS_VERSION, *libraries)
    found = _probed()
    if key not in RECORDED:  # new libraries: terms_version names them, stores notice
        assert all(v in terms_version() for v in libraries)
        pytest.skip(f"no probe hash recorded for {key}: record {found} in RECORDED")
    assert found == RECORDED[key], (
        "extract_terms gives other terms than TERMS_VERSION "
        f"{TERMS_VERSION} did (probe hash {found}, recorded {RECORDED[key]}): "
        "raise TERMS_VERSION in veille/analytics/trends.py, so that stores make "
        "their posts' terms again when they open, and record the new hash here"
    )


def test_the_version_names_the_libraries_and_holds_no_space() -> None:
    got = terms_version()
    assert got.startswith(f"{TERMS_VERSION}.simplemma-") and ".stop-words-" in got
    assert " " not in got
