"""The plan's money with its currency, as the reader's language writes an
amount: ``€1,234.50`` / ``1 234,50 €``; the workspace names the currency
(``[workspace] currency``, EUR unless set)."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Served, add_role_users, serve
from tests.web.test_pages_plan import form, start_plan
from veille.config import CONFIG_NAME
from veille.errors import ConfigError
from veille.workspace import Workspace, init_workspace

Login = Callable[..., httpx.Response]
NNBSP = "\u202f"


def _workspace(tmp_path: Path, currency: str | None) -> Path:
    root = init_workspace(tmp_path / "ws")
    if currency is not None:
        toml = root / CONFIG_NAME
        text = toml.read_text(encoding="utf-8")
        assert '# currency = "EUR"' in text  # the template shows the default
        toml.write_text(text.replace('# currency = "EUR"', f'currency = "{currency}"'), "utf-8")
    return root


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    root = _workspace(tmp_path, request.param)
    add_role_users(root)
    app, server = serve(root)
    try:
        yield app
    finally:
        server.stop()


def _plan_with_costs(served: Served, login: Login, *langs: str) -> list[tuple[str, str]]:
    """The plan's page and its edit page in each of ``langs`` (Accept-Language)
    once it costs 1,234.50 a month."""
    with httpx.Client(base_url=served.url, timeout=30) as client:
        login(client, "manager")
        assert start_plan(client).status_code == 303
        done = form(client, "/plan/edit", "/plan/money", {"label": "Tools", "monthly": "1234.5"})
        assert done.status_code == 303, done.text
        budget = form(client, "/plan/edit", "/plan/capacity", {"hours": "60", "budget": "2000"})
        assert budget.status_code == 303, budget.text
        return [
            tuple(
                html.unescape(client.get(page, headers={"Accept-Language": lang}).text)
                for page in ("/plan", "/plan/edit")
            )
            for lang in langs
        ]  # type: ignore[misc]


@pytest.mark.parametrize("served", [None], indirect=True)
def test_money_reads_in_euros_by_default_the_readers_way(served: Served, login: Login) -> None:
    (shown, edit), (english, _) = _plan_with_costs(served, login, "fr-FR,fr", "en-GB,en")
    euros = f"1{NNBSP}234,50{NNBSP}€"
    assert f"Tools{NNBSP}: {euros}" in shown and f"Tools{NNBSP}: {euros}" in edit
    assert f"2{NNBSP}000,00{NNBSP}€" in shown  # the budget, beside what the plan costs
    assert "(EUR)" in edit  # the form says in what money to type the amounts
    assert "Tools: €1,234.50" in english and "€2,000.00" in english


@pytest.mark.parametrize("served", ["GBP"], indirect=True)
def test_the_workspace_names_its_currency(served: Served, login: Login) -> None:
    [(shown, edit)] = _plan_with_costs(served, login, "en-GB,en")
    assert "Tools: £1,234.50" in shown and "€" not in shown
    assert "(GBP)" in edit


def test_a_currency_that_is_none_is_refused_by_name(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "EURO")
    with pytest.raises(ConfigError) as refused:
        Workspace.open(root).close()
    assert "[workspace] currency 'EURO'" in str(refused.value)
    assert "ISO 4217" in str(refused.value)
