"""Why an item is quarantined, kept as a sentence to be said in each reader's
language: the built-in sources' sentences, rows an older veille kept in
English, and both state backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import init_state_workspace

from veille.errors import Text, tr, translated
from veille.services.sources import add_source, quarantined
from veille.sources.base import ITEM_ERRORS, SourceError, item_error, restored_item_error
from veille.web.i18n import load_translations
from veille.workspace import Workspace

SOURCES = Path(__file__).parents[2] / "src" / "veille" / "sources"


def test_each_sentence_is_made_where_it_is_raised_and_has_its_french() -> None:
    made = " ".join(p.read_text(encoding="utf-8") for p in SOURCES.glob("*.py"))
    french = load_translations()["fr"]
    for template in ITEM_ERRORS:
        assert re.search(rf'tr\(\s*"{re.escape(template)}"', made), template
        assert french.gettext(template) != template, template


def test_rows_kept_in_english_read_back_into_their_sentence() -> None:
    french = load_translations()["fr"]
    for template in ITEM_ERRORS:
        names = re.findall(r"%\((\w+)\)[sr]", template)
        said = tr(template, **{n: f"v-{n}" for n in names})
        back = restored_item_error(f"SourceError: {said}")
        assert isinstance(back, Text) and back == said and back.template == template
        assert translated(back, french.gettext, "fr") != str(said) or not names
    old = restored_item_error("ValueError: a Mastodon timeline is a JSON array")
    assert translated(old, french.gettext, "fr") == (
        "l’élément n’a pas pu être lu (ValueError: a Mastodon timeline is a JSON array)"
    )


def test_a_quarantined_sentence_is_kept_whole_by_each_backend(
    tmp_path: Path, state_kind: str
) -> None:
    root = init_state_workspace(tmp_path / "ws", state_kind)
    french = load_translations()["fr"]
    with Workspace.open(root) as ws:
        add_source(ws.state, "feeds", "https://e.example/feed", name="a")
        errors = [
            item_error(SourceError(tr("entry %(key)r has no date", key="k1"))),
            item_error(KeyError("id")),
        ]
        with ws.state.transaction() as tx:
            tx.quarantine("a", [(e, {"n": i}) for i, e in enumerate(errors)], datetime.now(UTC))
        items = quarantined(ws.state, "a")
        with ws.state.transaction() as tx:
            tx.set_quarantine_error(items[1].id, tr("page %(url)s has no date", url="u"))
        items = quarantined(ws.state, "a")
    assert [str(q.error) for q in items] == ["entry 'k1' has no date", "page u has no date"]
    assert [translated(q.error, french.gettext, "fr") for q in items] == [
        "l’entrée «\u202fk1\u202f» n’a pas de date",
        "la page u n’a pas de date",
    ]
