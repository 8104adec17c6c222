"""The inbox's set-up pages over a live server: saved views, teams (and the
round-robin a rule's team action makes), canned responses inserted into
the composer, working time and targets, a rule edited in place; viewers
read every page and act on none; French."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from veille.inbox import items as svc
from veille.inbox.model import ItemFilter
from veille.models import Author, Post, Sentiment
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic

from .conftest import Served, csrf_from

Login = Callable[..., httpx.Response]
PAGES = ("/inbox/views", "/inbox/teams", "/inbox/canned", "/inbox/hours", "/inbox/rules")


def _ingest(live_server: Served, rows: list[tuple[str, str, str, str, str]]) -> list[int]:
    """Items for ``(platform, native id, text, language, sentiment)``; their ids."""
    with live_server.workspace() as ws:
        if ws.store.topic("setup") is None:
            add_topic(ws.store, "setup", "lumio", inbox=True)
        posts = [
            Post.create(
                platform=p, native_id=n, text=t, author=Author(f"a{n}"), lang=lg,
                published_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
                sentiment=Sentiment(s, 0.0, 1.0),  # type: ignore[arg-type]
            )
            for p, n, t, lg, s in rows
        ]  # fmt: skip
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
        found = svc.list_items(ws.state, ItemFilter(limit=1000))
        wanted = {f"{p}:{n}" for p, n, *_ in rows}
        return sorted(i.id for i in found if i.post_id in wanted)


def test_viewers_read_every_page_and_act_on_none(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.text)
        assert set(forms) <= {"/logout", "/language"}, (path, forms)
        assert "/edit" not in page.text, path
    token = csrf_from(client.get("/inbox/views").text)
    for path, data in [
        ("/inbox/views/new", {"name": "mine"}),
        ("/inbox/views/remove", {"name": "mine"}),
        ("/inbox/teams", {"name": "care", "members": "viewer"}),
        ("/inbox/teams/remove", {"name": "care"}),
        ("/inbox/canned", {"name": "x", "lang": "en", "text": "y"}),
        ("/inbox/canned/remove", {"name": "x", "lang": "en"}),
        ("/inbox/hours", {"working_hours": "08:00-17:00"}),
        ("/inbox/hours/reset", {}),
        ("/inbox/rules/x/edit", {"name": "x", "action": "tag", "value": "y"}),
    ]:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert client.get("/inbox/rules/x/edit").status_code == 403
    # An analyst saves views, but neither shares them nor sets teams.
    with httpx.Client(base_url=live_server.url, timeout=30) as analyst:
        login(analyst, "analyst")
        token = csrf_from(analyst.get("/inbox/views").text)
        share = {"csrf_token": token, "name": "all", "shared": "true"}
        shared = analyst.post("/inbox/views/new", data=share)
        assert shared.status_code == 400 and "only a manager" in shared.text
        form = {"csrf_token": token, "name": "c", "members": "x"}
        assert analyst.post("/inbox/teams", data=form).status_code == 403


def test_saved_views_per_platform_and_language(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    ids = _ingest(live_server, [
        ("bluesky", "v1", "lumio c'est lent", "fr", "negative"),
        ("mastodon", "v2", "lumio is slow", "en", "negative"),
        ("bluesky", "v3", "lumio is fine", "en", "positive"),
    ])  # fmt: skip
    login(client, "analyst")
    page = client.get("/inbox/views")
    for name in ("my queue", "urgent negatives", "unassigned"):
        assert f'href="/inbox?view={name.replace(" ", "+")}"' in page.text
    token = csrf_from(page.text)
    made = client.post("/inbox/views/new", data={
        "csrf_token": token, "name": "bluesky fr", "platform": "Bluesky", "language": "fr",
        "sentiment": "negative",
    })  # fmt: skip
    assert made.status_code == 303
    listed = client.get("/inbox/views").text
    assert "bluesky fr" in listed and "Platform: bluesky" in listed and "yours" in listed
    opened = client.get("/inbox", params={"view": "bluesky fr"}).text
    assert f'href="/inbox/{ids[0]}"' in opened
    assert f'href="/inbox/{ids[1]}"' not in opened and f'href="/inbox/{ids[2]}"' not in opened
    # "my queue" follows whoever opens it.
    with live_server.workspace() as ws:
        svc.assign(ws.state, ids[1], "analyst", actor="manager")
    mine = client.get("/inbox", params={"view": "my queue"}).text
    assert f'href="/inbox/{ids[1]}"' in mine and f'href="/inbox/{ids[0]}"' not in mine
    bad = client.post("/inbox/views/new",
                      data={"csrf_token": token, "name": "x", "status": "finished"})  # fmt: skip
    assert bad.status_code == 400 and "is not an inbox status" in bad.text
    gone = client.post("/inbox/views/remove", data={"csrf_token": token, "name": "bluesky fr"})
    assert gone.status_code == 303
    client.get("/inbox/views")  # the page that shows the message
    assert "bluesky fr" not in client.get("/inbox/views").text
    builtin = client.post("/inbox/views/remove", data={"csrf_token": token, "name": "my queue"})
    assert builtin.status_code == 400 and "built-in view" in builtin.text


def test_teams_and_the_round_robin_of_a_rule(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "manager")
    token = csrf_from(client.get("/inbox/teams").text)
    nobody = client.post("/inbox/teams",
                         data={"csrf_token": token, "name": "care", "members": "zed"})  # fmt: skip
    assert nobody.status_code == 400 and "no user named &#39;zed&#39;" in nobody.text
    # A team without a name is told so (it read "the team '' needs at least
    # one member", naming no team and not what was missing).
    unnamed = client.post("/inbox/teams", data={"csrf_token": token, "name": " ", "members": ""})
    assert unnamed.status_code == 400 and "a team needs a name" in unnamed.text
    assert "needs at least one member" not in unnamed.text
    client.cookies.set("veille_lang", "fr")
    unnamed = client.post("/inbox/teams", data={"csrf_token": token, "name": "", "members": ""})
    assert unnamed.status_code == 400 and "une équipe a besoin d’un nom" in unnamed.text
    client.cookies.set("veille_lang", "en")
    done = client.post("/inbox/teams", data={"csrf_token": token, "name": "care",
                                             "members": "analyst, manager"})  # fmt: skip
    assert done.status_code == 303
    added = client.post("/inbox/rules", data={
        "csrf_token": token, "name": "to-care", "query": "refund",
        "action": ["team"], "value": ["care"],
    })  # fmt: skip
    assert added.status_code == 303
    page = client.get("/inbox/teams").text
    assert 'value="analyst, manager"' in page and "to-care" in page
    ids = _ingest(live_server, [
        ("mastodon", f"rr{i}", f"lumio refund {i}", "en", "neutral") for i in range(3)
    ])  # fmt: skip
    with live_server.workspace() as ws:
        who = [svc.get_item(ws.state, i).assignee for i in ids]
    assert who == ["analyst", "manager", "analyst"]
    # Removed under the rule, the team left it failing on every item: refused.
    used = client.post("/inbox/teams/remove", data={"csrf_token": token, "name": "care"})
    assert used.status_code == 409
    assert "team care is still used by inbox rule to-care; nothing was removed" in used.text
    client.post("/inbox/rules/to-care/remove", data={"csrf_token": token})
    client.post("/inbox/teams/remove", data={"csrf_token": token, "name": "care"})
    assert "No team yet." in client.get("/inbox/teams").text


def test_canned_responses_are_managed_and_inserted_into_a_reply(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    (item,) = _ingest(live_server, [("bluesky", "c1", "lumio en panne", "fr", "negative")])
    login(client, "manager")
    token = csrf_from(client.get("/inbox/canned").text)
    saved = client.post("/inbox/canned", data={
        "csrf_token": token, "name": "panne", "lang": "fr",
        "text": "Nous rétablissons le service au plus vite.",
    })  # fmt: skip
    assert saved.status_code == 303
    page = client.get("/inbox/canned").text
    assert "Nous rétablissons le service" in page and "Remove panne (fr)" in page
    german = {"csrf_token": token, "name": "x", "lang": "de", "text": "Hallo"}
    bad = client.post("/inbox/canned", data=german)
    assert bad.status_code == 400 and "is not en or fr" in bad.text
    # In the composer: both languages offered, the post's (French) one inserted after the text.
    composer = client.get(f"/inbox/{item}").text
    assert 'value="fr:panne"' in composer and 'value="en:thanks"' in composer
    inserted = client.post(f"/inbox/{item}/reply", data={
        "csrf_token": token, "text": "Bonjour,", "canned": "fr:panne", "step": "insert",
    })  # fmt: skip
    assert inserted.status_code == 200
    assert "Bonjour,\n\nNous rétablissons le service au plus vite.</textarea>" in inserted.text
    client.post("/inbox/canned/remove", data={"csrf_token": token, "name": "panne", "lang": "fr"})
    client.get("/inbox/canned")  # the page that shows the message
    assert "Nous rétablissons" not in client.get("/inbox/canned").text


def test_working_time_and_targets(live_server: Served, client: httpx.Client, login: Login) -> None:
    from veille.inbox.hours import working_settings

    login(client, "manager")
    page = client.get("/inbox/hours")
    assert 'name="first_urgent" value="1h"' in page.text and "As set in veille.toml." in page.text
    token = csrf_from(page.text)
    form = {
        "csrf_token": token, "timezone": "America/Toronto", "working_hours": "08:00-16:00",
        "day": ["mon", "tue", "wed", "thu"], "holidays": "2026-12-25\n2027-01-01",
        "first_urgent": "30m", "first_high": "2h", "first_normal": "1d", "first_low": "",
        "resolution_urgent": "4h", "resolution_high": "1d", "resolution_normal": "3d",
        "resolution_low": "", "due_soon_minutes": "15",
    }  # fmt: skip
    assert client.post("/inbox/hours", data=form).status_code == 303
    with live_server.workspace() as ws:
        inbox = working_settings(ws).inbox
    assert inbox.timezone == "America/Toronto"
    assert inbox.working_days == ("mon", "tue", "wed", "thu")
    assert inbox.first_response_targets == ("urgent=30m", "high=2h", "normal=1d")
    assert inbox.holidays == ("2026-12-25", "2027-01-01") and inbox.due_soon_minutes == 15
    shown = client.get("/inbox/hours").text
    assert 'value="America/Toronto"' in shown and "Set in this workspace" in shown
    for field, value, said in [
        ("timezone", "Mars/Olympus", "is not a time zone"),
        ("working_hours", "18:00-09:00", "ends before it starts"),
        ("first_urgent", "soon", "is not a duration"),
        ("due_soon_minutes", "ten", "is not a number"),
    ]:
        refused = client.post("/inbox/hours", data={**form, field: value})
        assert refused.status_code == 400 and said in refused.text, field
        assert f'value="{value}"' in refused.text  # the form keeps what was typed
    none = client.post("/inbox/hours", data={**form, "day": []})
    assert none.status_code == 400 and "the list of working days is empty" in none.text
    assert client.post("/inbox/hours/reset", data={"csrf_token": token}).status_code == 303
    with live_server.workspace() as ws:
        assert working_settings(ws).inbox.timezone == ""


def test_a_rule_is_edited_in_place(live_server: Served, client: httpx.Client, login: Login) -> None:
    login(client, "manager")
    token = csrf_from(client.get("/inbox/rules").text)
    for name in ("first", "second"):
        client.post("/inbox/rules", data={"csrf_token": token, "name": name,
                    "sentiment": "negative", "action": "tag", "value": name})  # fmt: skip
    page = client.get("/inbox/rules/first/edit")
    assert page.status_code == 200 and 'value="first"' in page.text
    assert '<option value="negative" selected>' in page.text
    edited = client.post("/inbox/rules/first/edit", data={
        "csrf_token": token, "name": "first-edited", "platform": "mastodon, bluesky",
        "min_followers": "100", "action": ["priority", "tag", ""],
        "value": ["high", "vip", ""],
    })  # fmt: skip
    assert edited.status_code == 303
    with live_server.workspace() as ws:
        rules = ws.state.inbox_rules()
    names = [r.name for r in rules if r.name in ("first-edited", "second")]
    assert names == ["first-edited", "second"]
    first = next(r for r in rules if r.name == "first-edited")
    assert first.conditions.platforms == ("mastodon", "bluesky")
    assert first.conditions.sentiments == () and first.conditions.min_followers == 100
    assert first.actions == (("priority", "high"), ("tag", "vip"))
    bad = client.post("/inbox/rules/second/edit", data={
        "csrf_token": token, "name": "second", "min_followers": "lots",
        "action": "tag", "value": "x",
    })  # fmt: skip
    assert bad.status_code == 400 and "is not a number" in bad.text
    taken = client.post("/inbox/rules/second/edit", data={
        "csrf_token": token, "name": "first-edited", "action": "tag", "value": "x",
    })  # fmt: skip
    assert taken.status_code == 400 and "already exists" in taken.text
    assert client.get("/inbox/rules/nope/edit").status_code == 404
    for name in ("first-edited", "second"):
        client.post(f"/inbox/rules/{name}/remove", data={"csrf_token": token})


def test_french(live_server: Served, client: httpx.Client, login: Login) -> None:
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    expected = {
        "/inbox/views": "Vues enregistrées",
        "/inbox/teams": "Équipes",
        "/inbox/canned": "Réponses types",
        "/inbox/hours": "Temps de travail",
    }
    for path, title in expected.items():
        page = client.get(path, headers={"Accept-Language": "fr"})
        assert page.status_code == 200 and title in page.text, path


def test_a_french_reader_reads_the_working_time_errors_in_french(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The working-time form's errors come from the catalogs, naming the
    field without its veille.toml section; so do the canned responses'."""
    import html

    login(client, "manager")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/inbox/hours").text)
    form = {
        "csrf_token": token, "timezone": "Mars/Olympus", "working_hours": "08:00-16:00",
        "day": ["mon"], "first_urgent": "30m", "due_soon_minutes": "15",
    }  # fmt: skip
    refused = client.post("/inbox/hours", data=form)
    page = html.unescape(refused.text)
    assert refused.status_code == 400
    assert (
        "le fuseau horaire «\u202fMars/Olympus\u202f» n’est pas un fuseau horaire" in page
        and "[inbox]" not in page
    )
    assert "Utilisez un nom IANA comme «\u202fEurope/Paris\u202f»." in page
    # The field in words, not its veille.toml key (« working_hours «…» finit … »).
    refused = client.post(
        "/inbox/hours", data=form | {"timezone": "", "working_hours": "18:00-09:00"}
    )
    page = html.unescape(refused.text)
    assert "la journée de travail «\u202f18:00-09:00\u202f» finit avant de commencer" in page
    assert "working_hours «" not in page
    refused = client.post("/inbox/hours", data=form | {"timezone": "", "first_urgent": "bientôt"})
    assert "n’est pas une durée" in html.unescape(refused.text)
    # A week of minutes written the French way (it read « Utilisez 0 à 10080 »).
    refused = client.post("/inbox/hours", data=form | {"timezone": "", "due_soon_minutes": "-3"})
    assert "Utilisez une valeur de 0 à 10\u202f080 (une semaine)." in html.unescape(refused.text)
    token = csrf_from(client.get("/inbox/canned").text)
    german = {"csrf_token": token, "name": "x", "lang": "de", "text": "Hallo"}
    bad = client.post("/inbox/canned", data=german)
    page = html.unescape(bad.text)
    assert bad.status_code == 400 and "la langue «\u202fde\u202f» n’est ni en ni fr" in page
    assert "Écrivez en ou fr." in page
    # A name left empty is said to be missing (it read « le nom de réponse
    # type «  » n’est pas utilisable », empty guillemets; a rule's too).
    unnamed = client.post("/inbox/canned", data=german | {"name": " ", "lang": "fr"})
    page = html.unescape(unnamed.text)
    assert unnamed.status_code == 400 and "une réponse type a besoin d’un nom" in page
    token = csrf_from(client.get("/inbox/rules").text)
    rule = {"csrf_token": token, "name": "", "query": "lumio", "action": ["tag"], "value": ["x"]}
    unnamed = client.post("/inbox/rules", data=rule)
    page = html.unescape(unnamed.text)
    assert unnamed.status_code == 400 and "une règle a besoin d’un nom" in page
    assert "n’est pas utilisable" not in page


def test_a_refused_view_keeps_what_was_typed(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """A view refused for one field (a topic misspelt) comes back with every
    filter as it was typed, to correct that one; it came back empty."""
    import html

    login(client, "analyst")
    token = csrf_from(client.get("/inbox/views").text)
    typed = {
        "csrf_token": token, "name": "billing on mastodon", "status": ["new", "in_progress"],
        "priority": "high", "sentiment": "negative", "platform": "mastodon",
        "language": "fr", "tag": "billing", "topic": "lumoi", "unassigned": "true",
    }  # fmt: skip
    bad = client.post("/inbox/views/new", data=typed)
    assert bad.status_code == 400 and "lumoi" in bad.text
    page = html.unescape(bad.text)
    form = page.split('action="/inbox/views/new"', 1)[1].split("</form>", 1)[0]
    for field, value in [("name", "billing on mastodon"), ("platform", "mastodon"),
                         ("language", "fr"), ("tag", "billing"), ("topic", "lumoi")]:  # fmt: skip
        assert re.search(rf'name="{field}"[^>]*value="{value}"', form), (field, form)

    def chosen(name: str) -> list[str]:
        box = form.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="([^"]+)" selected>', box)

    assert chosen("status") == ["new", "in_progress"]
    assert chosen("priority") == ["high"] and chosen("sentiment") == ["negative"]
    assert re.search(r'name="unassigned" value="true" checked', form), form
    assert not re.search(r'name="mine" value="true" checked', form)


def test_a_french_views_list_spaces_its_colons(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """Each view's filters, in French: a narrow no-break space before the
    colon after each label and the semicolon between them."""
    import html

    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/inbox/views").text)
    cells = re.findall(r'<span class="filter">(.*?)</span>', page)
    assert cells and all("\u202f: " in c for c in cells), cells
    assert "\u202f; " in page and not re.search(r'</span>; <span class="filter">', page)
