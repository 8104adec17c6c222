"""Staff guidelines carry rules the draft checker applies: TOML between two
``+++`` lines at the top of the English or the French text (English or
French rule names), refused when they cannot be read, applied by
``veille draft check`` from the workspace, by the content calendar, and
shown (not as TOML) on the guidelines page and in the plan document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import to_come
from veille.cli import build_app
from veille.errors import UsageError
from veille.plan.guide import Guidelines, check_draft, guidelines_rules, rules_lines, split_rules
from veille.plan.people import current_rules, set_guidelines
from veille.workspace import Workspace

EN = """+++
forbidden_words = ["free", "guaranteed"]
required_hashtags = ["#Lumio"]
max_mentions = 2
forbidden_mentions = ["@vexa"]
disclosure = ["#ad", "#sponsored"]
+++
# Our guidelines

Be kind, be brief.
"""

FR = """+++
mots_interdits = ["gratuit"]
mots_clics_obligatoires = ["Lumio"]
mentions_max = 3
divulgation = ["#pub"]
+++
# Notre charte

Soyez aimables et brefs.
"""


def codes(text: str, rules: Guidelines | None, **kw: object) -> list[str]:
    report = check_draft("mastodon", text, guidelines=rules, **kw)  # type: ignore[arg-type]
    return [p.code for p in report.problems]


def test_the_rules_are_read_from_either_text_and_joined() -> None:
    rules, body = split_rules(EN)
    assert body.startswith("# Our guidelines") and "+++" not in body
    assert rules.forbidden_words == ("free", "guaranteed")
    assert rules.required_hashtags == ("Lumio",) and rules.forbidden_mentions == ("vexa",)
    both = guidelines_rules(EN, FR)
    assert both.forbidden_words == ("free", "guaranteed", "gratuit")
    assert both.required_hashtags == ("Lumio",)  # the same tag once
    assert both.max_mentions == 2  # the stricter
    assert both.disclosure == ("#ad", "#sponsored", "#pub")
    # Text without the fence has no rules, and is left as it is.
    assert split_rules("# Hello\n\n+++\n") == (Guidelines(), "# Hello\n\n+++\n")


def test_a_draft_is_checked_against_the_rules() -> None:
    rules = guidelines_rules(EN, FR)
    assert codes("Bonjour de #Lumio", rules) == []
    assert codes("Free fibre for all! #Lumio", rules) == ["guideline_forbidden_word"]
    assert codes("Fibre GRATUITE ? non, gratuit #Lumio", rules) == ["guideline_forbidden_word"]
    assert codes("Hello", rules) == ["guideline_missing_hashtag"]
    assert codes("Better than @vexa #Lumio", rules) == ["guideline_forbidden_mention"]
    assert codes("@vexa@mastodon.social hi #Lumio", rules) == ["guideline_forbidden_mention"]
    assert codes("@a @b @c #Lumio", rules) == ["guideline_too_many_mentions"]
    # A disclosure is required only of a sponsored post.
    assert codes("Our partner's offer #Lumio", rules) == []
    assert codes("Our partner's offer #Lumio", rules, sponsored=True) == [
        "guideline_missing_disclosure"
    ]
    assert codes("Our partner's offer #Lumio #ad", rules, sponsored=True) == []
    assert codes("L'offre de notre partenaire #Lumio #pub", rules, sponsored=True) == []


def test_problems_are_said_in_both_languages() -> None:
    rules = guidelines_rules(EN, FR)
    report = check_draft("x", "Free @vexa", guidelines=rules, sponsored=True)
    by_code = {p.code: p for p in report.problems}
    assert set(by_code) == {
        "guideline_forbidden_word",
        "guideline_missing_hashtag",
        "guideline_forbidden_mention",
        "guideline_missing_disclosure",
    }
    assert by_code["guideline_forbidden_mention"].text("en") == (
        "The guidelines say never to mention @vexa: remove the mention."
    )
    assert by_code["guideline_forbidden_mention"].text("fr") == (
        "La charte interdit de mentionner @vexa\u202f: retirez la mention."
    )
    assert (
        by_code["guideline_missing_disclosure"]
        .text("fr")
        .startswith("Un message commandité doit le dire\u202f: ajoutez")
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("+++\nforbiden_words = ['x']\n+++\nHi", "unknown rule 'forbiden_words'"),
        ("+++\nforbidden_words = ['x']\nHi", "never closed"),
        ("+++\nforbidden_words = [x\n+++\nHi", "not valid TOML"),
        ("+++\nmax_hashtags = 'two'\n+++\nHi", "is not a count"),
        ("+++\nforbidden_words = [1, 2]\n+++\nHi", "must be a list of words"),
    ],
)
def test_rules_that_cannot_be_read_are_refused(ws: Workspace, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as err:
        set_guidelines(ws.state, "# Guidelines", text)
    assert "the French guidelines" in err.value.message and err.value.hint
    assert ws.state.guideline_versions() == []


def test_unknown_rule_suggests_the_nearest(ws: Workspace) -> None:
    with pytest.raises(UsageError) as err:
        set_guidelines(ws.state, "+++\nforbiden_words = ['x']\n+++\n", "Charte")
    assert "forbidden_words" in (err.value.hint or "")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_draft_check_applies_the_workspace_guidelines(ws: Workspace) -> None:
    root = str(ws.root)
    # No guidelines yet: only the platform's rules.
    assert invoke("draft", "check", "-p", "mastodon", "-w", root, "Free fibre")[0] == 0
    set_guidelines(ws.state, EN, FR, actor="mia")
    assert current_rules(ws.state) == guidelines_rules(EN, FR)
    status, out = invoke("draft", "check", "-p", "mastodon", "-w", root, "Free fibre")
    assert status == 1
    assert "guideline_forbidden_word: The guidelines rule out 'free'" in out
    assert "guideline_missing_hashtag" in out
    status, out = invoke(
        "draft", "check", "-p", "mastodon", "-w", root, "--lang", "fr", "Fibre gratuite #Lumio"
    )
    assert status == 0, out
    status, out = invoke(
        "draft", "check", "-p", "mastodon", "-w", root, "--lang", "fr", "Fibre gratuit #Lumio"
    )
    assert status == 1 and "La charte exclut « gratuit »" in out
    status, out = invoke(
        "draft", "check", "-p", "x", "-w", root, "--sponsored", "--format", "json", "Offre #Lumio"
    )
    assert status == 1
    (problem,) = json.loads(out[: out.rindex("}") + 1])["problems"]
    assert problem["code"] == "guideline_missing_disclosure"
    # A guidelines file given on the command line is used instead.
    other = Path(root) / "other.toml"
    other.write_text('[guidelines]\nforbidden_words = ["fibre"]\n', "utf-8")
    status, out = invoke(
        "draft", "check", "-p", "x", "-w", root, "--guidelines", str(other), "Free fibre"
    )
    assert status == 1 and "'fibre'" in out and "'free'" not in out


def test_draft_check_outside_a_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ws: Workspace
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    assert invoke("draft", "check", "-p", "mastodon", "Free fibre")[0] == 0
    # A workspace that is named must exist.
    status, out = invoke("draft", "check", "-p", "mastodon", "-w", str(tmp_path / "no"), "Hi")
    assert status != 0 and "no veille workspace" in out


def test_the_plan_document_lists_the_rules(ws: Workspace) -> None:
    from veille.plan.document import plan_markdown

    set_guidelines(ws.state, EN, FR, actor="mia")
    md = plan_markdown(ws, "fr")
    assert "+++" not in md and "mots_interdits" not in md
    assert "**Règles qu’applique le vérificateur de brouillons**" in md
    assert "- Mots à éviter\u202f: «\u202ffree\u202f», «\u202fguaranteed\u202f»" in md
    assert "- Accounts never to mention: “@vexa”" in plan_markdown(ws, "en")


def test_the_content_calendar_checks_posts_against_the_rules(ws: Workspace) -> None:
    from veille.publish.calendar import add_entry
    from veille.publish.service import add_account

    add_account(
        ws.state,
        "bsky",
        "bluesky",
        "http://127.0.0.1:9",
        handle="lumio.bsky.social",
        secret="env:B",
    )
    set_guidelines(ws.state, EN, FR, actor="mia")
    entry = add_entry(
        ws.state,
        ws.settings,
        account="bsky",
        text="Free!",
        at=to_come(datetime(2030, 1, 1, 9, 0, tzinfo=UTC)),
    )
    # A draft that breaks a rule is saved, not scheduled.
    assert entry.status == "draft"
    assert [p["code"] for p in entry.problems] == [
        "guideline_forbidden_word",
        "guideline_missing_hashtag",
    ]
    entry = add_entry(
        ws.state,
        ws.settings,
        account="bsky",
        text="Hi #Lumio",
        at=to_come(datetime(2030, 1, 1, tzinfo=UTC)),
    )
    assert entry.problems == []


def test_french_rules_and_counts_keep_their_colon_to_the_word() -> None:
    """The rules as the guidelines page lists them, and the checker's counts,
    put a narrow no-break space before « : » and « ; » in French, as the
    catalogs do (a plain space let a line start with the colon)."""
    import re

    rules = Guidelines(
        forbidden_words=("gratuit",), required_hashtags=("#Lumio",), max_hashtags=1,
        max_mentions=1, forbidden_mentions=("@vexa",), disclosure=("#pub",),
    )  # fmt: skip
    said = rules_lines(rules, "fr")
    report = check_draft("x", "#a #b #c @x @y @z", guidelines=rules, sponsored=False)
    said += [p.text("fr") for p in report.problems]
    assert said and not [s for s in said if re.search(r" [:;?!]", s)]
