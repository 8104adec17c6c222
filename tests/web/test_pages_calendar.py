"""The content calendar's pages: list, add with the checker's verdict inline,
edit, approval by a manager only, removal; in English and French."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import to_come
from veille.publish import add_account
from veille.web.app import create_app
from veille.workspace import Workspace, init_workspace

from .conftest import Served, add_role_users, csrf_from, do_login

NNBSP = "\u202f"
# Times to come whatever the day the tests run (the page refuses a past one).
EVE = to_come(datetime(2026, 12, 24, 9, 30))
AT = f"{EVE:%Y-%m-%dT%H:%M}"
TUESDAY = to_come(datetime(2026, 12, 22, 9, 0))
BOXING_DAY = to_come(datetime(2026, 12, 26, 9, 30))


def _approve_buttons(page: str) -> list[int]:
    """The posts the calendar offers to approve."""
    return [int(n) for n in re.findall(r'action="/plan/calendar/(\d+)/approve"', page)]


def _account(live_server: Served) -> None:
    with live_server.workspace() as ws:
        if ws.state.publish_account("web-masto") is None:
            add_account(ws.state, "web-masto", "mastodon", "https://mastodon.example",
                        secret="env:WEB_MASTO_TOKEN")  # fmt: skip


def test_add_check_edit_approve_remove(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    _account(live_server)
    login(client, "analyst")
    page = client.get("/plan/calendar")
    assert page.status_code == 200 and "Content calendar" in page.text
    token = csrf_from(page.text)
    form = {"csrf_token": token, "account": "web-masto", "at": AT,
            "text": "x" * 501, "title": "", "language": "fr"}  # fmt: skip
    # "Check" shows the verdict inline and saves nothing.
    checked = client.post("/plan/calendar", data={**form, "action": "check"})
    assert checked.status_code == 200 and "too_long" in checked.text
    assert "The calendar is empty." in checked.text
    saved = client.post("/plan/calendar", data={**form, "action": "save"})
    assert saved.status_code == 303
    listed = client.get("/plan/calendar").text
    assert "too_long" in listed and "draft" in listed
    # Each time says which clock it is on, in the list and on the form.
    assert f"Dec 24, {EVE.year}, 9:30\u202fAM (UTC)" in listed  # CLDR's narrow space before AM
    assert "When (time zone: UTC)" in listed
    with live_server.workspace() as ws:
        [entry] = [e for e in ws.state.calendar_entries() if e.account == "web-masto"]
    # An analyst may not approve.
    assert client.post(f"/plan/calendar/{entry.id}/approve",
                       data={"csrf_token": token}).status_code == 403  # fmt: skip
    edit = client.get(f"/plan/calendar/{entry.id}")
    assert edit.status_code == 200 and "too_long" in edit.text
    fields = {"csrf_token": csrf_from(edit.text), "at": f"{EVE:%Y-%m-%d}T10:00",
              "text": "Joyeuses fêtes #Lumio", "title": "", "action": "save"}  # fmt: skip
    fixed = client.post(f"/plan/calendar/{entry.id}", data=fields)
    assert fixed.status_code == 303
    client.cookies.clear()
    login(client, "manager")
    # This workspace needs no approval: the fixed post is scheduled, goes out
    # at its time, and "Approve" is not offered; asked all the same, it is
    # refused as a clash with the post's state, which stays as it was.
    page = client.get("/plan/calendar")
    assert _approve_buttons(page.text) == []
    refused = client.post(f"/plan/calendar/{entry.id}/approve",
                          data={"csrf_token": csrf_from(page.text)})  # fmt: skip
    assert refused.status_code == 409
    assert (f"calendar post #{entry.id} is scheduled: it is not waiting for approval"
            in html.unescape(refused.text))  # fmt: skip
    # Saved where approval is required, it is a draft: then it is offered.
    with live_server.workspace() as ws:
        ws.state.update_calendar_entry(entry.id, status="draft")
    page = client.get("/plan/calendar")
    assert _approve_buttons(page.text) == [entry.id]
    approved = client.post(f"/plan/calendar/{entry.id}/approve",
                           data={"csrf_token": csrf_from(page.text)})  # fmt: skip
    assert approved.status_code == 303
    with live_server.workspace() as ws:
        done = ws.state.calendar_entry(entry.id)
        assert done is not None and done.status == "approved" and done.approved_by == "manager"
    page = client.get("/plan/calendar")
    assert _approve_buttons(page.text) == []
    again = client.post(f"/plan/calendar/{entry.id}/approve",
                        data={"csrf_token": csrf_from(page.text)})  # fmt: skip
    assert again.status_code == 409 and "is approved: it is not waiting" in again.text
    # Publishing now: this workspace may not reach private addresses, and
    # mastodon.example does not resolve, so the post fails and keeps the reason.
    page = client.get("/plan/calendar")
    assert "Publish now" in page.text
    tried = client.post(
        f"/plan/calendar/{entry.id}/publish", data={"csrf_token": csrf_from(page.text)}
    )
    assert tried.status_code == 303
    shown = client.get("/plan/calendar").text
    with live_server.workspace() as ws:
        after = ws.state.calendar_entry(entry.id)
    assert after is not None and after.status in ("failed", "approved") and after.error
    assert after.text == "Joyeuses fêtes #Lumio"
    assert f"Not published: {after.error}" in html.unescape(shown)
    # Mastodon was never reached (a token not set, an address refused): it said nothing.
    assert "The platform said" not in shown
    token = csrf_from(client.get("/plan/calendar").text)
    removed = client.post(f"/plan/calendar/{entry.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303


def test_french_page_and_viewer_refused(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    login(client, "viewer")
    assert client.get("/plan/calendar").status_code == 403
    client.cookies.clear()
    login(client, "analyst")
    page = client.get("/plan/calendar", headers={"Accept-Language": "fr"})
    assert "Calendrier de contenu" in page.text and "Ajouter un message" in page.text


def test_a_french_reader_reads_the_calendar_errors_in_french(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The calendar form's errors (a time that is not one, an empty post)
    come from the catalogs, hint included, with no CLI option in them."""
    import html

    _account(live_server)
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/plan/calendar").text)
    form = {"csrf_token": token, "account": "web-masto", "at": "demain", "text": "Bonjour",
            "action": "save"}  # fmt: skip
    bad = client.post("/plan/calendar", data=form)
    page = html.unescape(bad.text)
    assert bad.status_code == 400
    assert (
        "l’heure «\u202fdemain\u202f» n’est pas une date et une heure" in page
        and "(at)" not in page
        and "--at" not in page
    )
    assert "Écrivez-la sous la forme 2026-12-03 09:30" in page
    empty = client.post("/plan/calendar", data=form | {"at": AT, "text": " "})
    page = html.unescape(empty.text)
    assert empty.status_code == 400 and "la publication est vide" in page

    client.cookies.set("veille_lang", "en")
    bad = client.post("/plan/calendar", data=form)
    assert "time 'demain' is not a date and time" in html.unescape(bad.text)


def test_a_french_reader_reads_the_draft_checkers_verdict_in_french(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The draft checker's verdict on the calendar page comes from the
    catalogs (errors.po), its numbers written the French way."""
    import html

    _account(live_server)
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/plan/calendar").text)
    form = {"csrf_token": token, "account": "web-masto", "at": AT,
            "text": "x" * 1501, "title": "", "language": "fr", "action": "check"}  # fmt: skip
    checked = client.post("/plan/calendar", data=form)
    page = html.unescape(checked.text)
    assert checked.status_code == 200 and "too_long" in page
    assert (
        "1\u202f501 caractères comptés à la manière de Mastodon, au-delà de la limite de 500"
        "\u202f: retirez-en 1\u202f001." in page
    )
    assert "characters counted" not in page

    client.cookies.set("veille_lang", "en")
    checked = client.post("/plan/calendar", data=form)
    page = html.unescape(checked.text)
    assert "1,501 characters counted the Mastodon way, over the limit of 500: remove 1,001." in page


def test_a_post_saved_as_a_draft_says_why_once(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """A post the staff guidelines refuse is saved as a draft: the page says
    so once, naming the guidelines rather than a rule of the platform; one
    the platform refuses names the platform."""
    from veille.plan.people import set_guidelines

    _account(live_server)
    with live_server.workspace() as ws:
        rules = '+++\nforbidden_words = ["gratuit"]\n+++\n'
        set_guidelines(ws.state, rules + "Be kind.", "Soyez aimables.")
    login(client, "analyst")
    token = csrf_from(client.get("/plan/calendar").text)
    form = {"csrf_token": token, "account": "web-masto", "at": f"{BOXING_DAY:%Y-%m-%dT%H:%M}",
            "title": "", "language": "fr", "action": "save"}  # fmt: skip
    for text, why in [
        ("Un mois gratuit", "it breaks the staff guidelines"),
        ("x" * 501, "it breaks a rule of Mastodon"),
    ]:
        saved = client.post("/plan/calendar", data={**form, "text": text})
        assert saved.status_code == 303
        page = client.get(saved.headers["location"]).text
        assert page.count("saved as a draft") == 1, page
        assert why in page


def test_the_calendar_names_an_accounts_platform_as_it_is_written(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The account menu, the list and a post's page said "web-masto
    (mastodon)", the key a program reads: they say "web-masto (Mastodon)"."""
    from veille.publish import calendar as cal

    _account(live_server)
    with live_server.workspace() as ws:
        entry = cal.add_entry(ws.state, ws.settings, account="web-masto", text="Nom", at=EVE)
    login(client, "analyst")
    listed = html.unescape(client.get("/plan/calendar").text)
    one = html.unescape(client.get(f"/plan/calendar/{entry.id}").text)
    assert ">web-masto (Mastodon)</option>" in listed
    assert "<td>web-masto (Mastodon)" in listed
    assert "<p>web-masto (Mastodon) — " in one
    assert "(mastodon)" not in listed + one


def test_a_path_without_a_number_is_no_page(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """/plan/calendar/new and the like name no entry: 404, not "the form is
    incomplete"."""
    login(client, "manager")
    token = csrf_from(client.get("/plan/calendar").text)
    for path in ("/plan/calendar/new", "/inbox/abc", "/inbox/1x"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "There is no page at this address." in page.text
        assert "incomplete or malformed" not in page.text
    for path in ("/plan/calendar/new/approve", "/inbox/abc/note", "/inbox/replies/x/approve",
                 "/settings/tokens/x/revoke"):  # fmt: skip
        sent = client.post(path, data={"csrf_token": token})
        assert sent.status_code == 404, path
        assert "incomplete or malformed" not in sent.text


def test_a_checked_draft_focuses_its_verdict_and_marks_the_text(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """After Check, the verdict takes the focus (autofocus: a screen reader
    says it) and the text field is described by it, invalid while it breaks
    a rule; opening the page does not move the focus."""
    import re

    _account(live_server)
    login(client, "analyst")
    page = client.get("/plan/calendar")
    assert "autofocus" not in page.text
    form = {"csrf_token": csrf_from(page.text), "account": "web-masto", "at": AT,
            "text": "x" * 501, "title": "", "language": "fr", "action": "check"}  # fmt: skip
    checked = client.post("/plan/calendar", data=form).text
    verdict = re.search(r"<section [^>]*id=\"draft-verdict\"[^>]*>", checked)
    assert verdict and "autofocus" in verdict.group(0), checked[:3000]
    text = re.search(r'<textarea id="text"[^>]*>', checked)
    assert text and 'aria-describedby="draft-verdict"' in text.group(0)
    assert 'aria-invalid="true"' in text.group(0)
    fine = client.post("/plan/calendar", data={**form, "text": "Joyeuses fêtes"}).text
    text = re.search(r'<textarea id="text"[^>]*>', fine)
    assert text and 'aria-describedby="draft-verdict"' in text.group(0)
    assert "aria-invalid" not in text.group(0)


def _post_form(page: str) -> dict[str, str]:
    """A calendar post's edit form as a browser sends it, untouched."""
    import re

    start = page.index('<form method="post" action="/plan/calendar/')
    form = page[start : page.index("</form>", start)]
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input [^>]*name="(\w+)"[^>]* value="([^"]*)"', form)
    }
    text = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', form, re.S)
    assert text, "no text field"
    return fields | {"text": html.unescape(text.group(1)), "action": "save"}


def test_two_people_editing_one_scheduled_post_do_not_overwrite_each_other(
    live_server: Served, login: Callable[..., httpx.Response]
) -> None:
    """A colleague corrects a scheduled post's text while another, from a
    page opened before, moves its time: the move no longer puts the old
    text back (which would then go out). Both changing the text is refused
    (409), the current text said and the second's kept in the form."""
    from veille.publish import calendar as cal

    _account(live_server)
    with live_server.workspace() as ws:
        entry = cal.add_entry(ws.state, ws.settings, account="web-masto",
                              text="Join us on Tuesday #Lumio", at=f"{TUESDAY:%Y-%m-%d %H:%M}",
                              by="analyst")  # fmt: skip
    url = f"/plan/calendar/{entry.id}"
    with (
        httpx.Client(timeout=60, base_url=live_server.url) as first,
        httpx.Client(timeout=60, base_url=live_server.url) as second,
    ):
        login(first, "analyst")
        login(second, "manager")
        page_1, page_2 = first.get(url).text, second.get(url).text
        corrected = _post_form(page_2) | {"text": "Join us on Wednesday #Lumio"}
        assert second.post(url, data=corrected).status_code == 303
        moved = _post_form(page_1) | {"at": f"{TUESDAY:%Y-%m-%d}T10:30"}
        assert first.post(url, data=moved).status_code == 303
        with live_server.workspace() as ws:
            now = cal.get_entry(ws.state, entry.id)
        assert now.text == "Join us on Wednesday #Lumio"
        assert cal.local(now.scheduled_at, ws.settings.workspace.timezone).strftime(
            "%H:%M") == "10:30"  # fmt: skip

        mine = _post_form(page_1) | {"text": "Join us on Thursday #Lumio"}
        refused = first.post(url, data=mine)
        said = html.unescape(refused.text)
        assert refused.status_code == 409
        assert f"Post #{entry.id} was changed by someone else since you opened it (Text)" in said
        assert "Its text is now: Join us on Wednesday #Lumio." in said
        assert ">Join us on Thursday #Lumio</textarea>" in said
        with live_server.workspace() as ws:
            assert cal.get_entry(ws.state, entry.id).text == "Join us on Wednesday #Lumio"


def test_posts_of_a_removed_account_are_said_on_the_calendar(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """A post waiting to go out as an account removed before veille refused
    that failed at its time, and the calendar page said nothing of it."""
    from datetime import UTC, datetime, timedelta

    from veille.publish.calendar import add_entry

    with live_server.workspace() as ws:
        add_account(ws.state, "gone-masto", "mastodon", "https://mastodon.example",
                    secret="env:WEB_MASTO_TOKEN")  # fmt: skip
        entry = add_entry(ws.state, ws.settings, account="gone-masto", text="Bientôt",
                          at=datetime.now(UTC) + timedelta(days=3))  # fmt: skip
        ws.state.remove_publish_account("gone-masto")  # as an older veille did
    try:
        login(client, "analyst")
        page = html.unescape(client.get("/plan/calendar").text)
        french = html.unescape(client.get("/plan/calendar", cookies={"veille_lang": "fr"}).text)
    finally:
        with live_server.workspace() as ws:
            ws.state.remove_calendar_entry(entry.id)
    assert "Calendar posts name an account that no longer exists" in page
    said = (
        f"calendar post #{entry.id} goes out as account gone-masto, which no longer exists: "
        "it fails at its time"
    )
    assert said in page
    # What to do, said the page's way (the command was said on the page).
    assert f'Move it to another account (<a href="/plan/calendar/{entry.id}">' in page
    assert "veille calendar" not in page and "veille calendar" not in french
    assert "Des publications du calendrier nomment un compte qui n’existe plus" in french
    assert (
        f"la publication #{entry.id} du calendrier part sous le compte gone-masto, qui "
        "n’existe plus\u202f: elle échouera à son heure" in french
    )


def test_a_removed_accounts_post_is_not_offered_to_publish_now(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """Its row said the account no longer exists, and still offered
    "Publish now", which could only fail."""
    from datetime import UTC, datetime, timedelta

    from veille.publish.calendar import add_entry

    with live_server.workspace() as ws:
        add_account(ws.state, "gone-masto", "mastodon", "https://mastodon.example",
                    secret="env:WEB_MASTO_TOKEN")  # fmt: skip
        add_account(ws.state, "kept-masto", "mastodon", "https://mastodon.example",
                    secret="env:WEB_MASTO_TOKEN")  # fmt: skip
        at = datetime.now(UTC) + timedelta(days=3)
        gone = add_entry(ws.state, ws.settings, account="gone-masto", text="Bientôt", at=at)
        kept = add_entry(ws.state, ws.settings, account="kept-masto", text="Bientôt", at=at)
        ws.state.remove_publish_account("gone-masto")  # as an older veille did
    try:
        login(client, "manager")
        page = client.get("/plan/calendar").text
    finally:
        with live_server.workspace() as ws:
            ws.state.remove_calendar_entry(gone.id)
            ws.state.remove_calendar_entry(kept.id)
            ws.state.remove_publish_account("kept-masto")
    assert kept.status in ("approved", "scheduled"), kept.status
    assert f'action="/plan/calendar/{kept.id}/publish"' in page
    assert f'action="/plan/calendar/{gone.id}/publish"' not in page
    assert f'action="/plan/calendar/{gone.id}/remove"' in page  # what is left to do


def _typed_time(live_server: Served, **delta: float) -> str:
    """A time now plus ``delta``, as the form's datetime-local field sends it."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    with live_server.workspace() as ws:
        tz = ws.settings.workspace.timezone
    return (
        (datetime.now(UTC) + timedelta(**delta)).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")
    )


def test_a_post_added_for_a_time_already_past_is_refused_beside_the_time(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The calendar form saved a time already past without a word, and the
    post went out at the next run. It is refused (400) beside the time, in
    the reader's language, what was typed kept and nothing saved; ticking
    "Save it even though the time is past" saves it knowingly."""
    from veille.publish import calendar as cal

    _account(live_server)
    login(client, "analyst")
    with live_server.workspace() as ws:
        before = len(cal.list_entries(ws.state))
    typed = _typed_time(live_server, hours=-3)
    shown = typed.replace("T", " ")
    token = csrf_from(client.get("/plan/calendar").text)
    form = {"csrf_token": token, "account": "web-masto", "at": typed,
            "text": "Maintenance ce soir #Lumio", "title": "", "action": "save"}  # fmt: skip
    for language, said, box in (
        ("en", f"time {shown} is past", "Save it even though the time is past"),
        ("fr", f"l’heure {shown} est passée", "L’enregistrer même si l’heure est passée"),
    ):
        client.cookies.set("veille_lang", language)
        refused = client.post("/plan/calendar", data=form)
        page = html.unescape(refused.text)
        assert refused.status_code == 400, page
        beside = page[page.index('id="at"') : page.index('id="title"')]
        assert 'aria-invalid="true"' in beside and 'id="at-error"' in beside
        assert said in beside and box in beside and "--yes" not in page
        assert f'value="{typed}"' in beside and ">Maintenance ce soir #Lumio</textarea>" in page
        assert 'name="past_ok" value="1">' in page  # offered, not ticked
    with live_server.workspace() as ws:
        assert len(cal.list_entries(ws.state)) == before
    client.cookies.set("veille_lang", "en")
    knowingly = client.post("/plan/calendar", data=form | {"past_ok": "1"})
    assert knowingly.status_code == 303, knowingly.text
    coming = client.post("/plan/calendar", data=form | {"at": _typed_time(live_server, days=2)})
    assert coming.status_code == 303, coming.text
    with live_server.workspace() as ws:
        assert len(cal.list_entries(ws.state)) == before + 2


def test_a_post_moved_to_a_time_already_past_is_refused_beside_the_time(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The edit form moved a post to a time already past without a word: it
    is refused (400) beside the time, the post keeps its time and the form
    what was typed; ticked, it is moved. A post whose time has passed may
    have its text corrected without being asked."""
    from veille.publish import calendar as cal

    _account(live_server)
    login(client, "analyst")
    with live_server.workspace() as ws:
        entry = cal.add_entry(ws.state, ws.settings, account="web-masto", text="Hello #Lumio",
                              at=_typed_time(live_server, days=2).replace("T", " "),
                              by="analyst")  # fmt: skip
    url = f"/plan/calendar/{entry.id}"
    typed = _typed_time(live_server, hours=-3)
    moved = _post_form(client.get(url).text) | {"at": typed, "text": "Hello again #Lumio"}
    refused = client.post(url, data=moved)
    page = html.unescape(refused.text)
    assert refused.status_code == 400, page
    beside = page[page.index('id="at"') : page.index('id="title"')]
    assert f"time {typed.replace('T', ' ')} is past" in beside
    assert f'value="{typed}"' in beside and ">Hello again #Lumio</textarea>" in page
    with live_server.workspace() as ws:
        kept = cal.get_entry(ws.state, entry.id)
    assert kept.scheduled_at == entry.scheduled_at and kept.text == "Hello #Lumio"
    assert client.post(url, data=moved | {"past_ok": "1"}).status_code == 303
    with live_server.workspace() as ws:
        assert cal.get_entry(ws.state, entry.id).scheduled_at < entry.scheduled_at
    # Its time is now past: correcting its text alone is not a new time.
    fixed = _post_form(client.get(url).text) | {"text": "Hello, all #Lumio"}
    fixed.pop("past_ok", None)
    assert client.post(url, data=fixed).status_code == 303
    with live_server.workspace() as ws:
        assert cal.get_entry(ws.state, entry.id).text == "Hello, all #Lumio"


def test_check_says_a_time_already_past_as_save_does(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The calendar's Check button said only the draft checker's verdict, and
    Save then refused the time already past: Check now says it too, beside
    the time and in Save's words, in the reader's language, and saves
    nothing; a time to come, or a post whose past time is not changed, is
    said nothing of."""
    from veille.publish import calendar as cal

    _account(live_server)
    login(client, "analyst")
    with live_server.workspace() as ws:
        before = len(cal.list_entries(ws.state))
    typed = _typed_time(live_server, hours=-3)
    shown = typed.replace("T", " ")
    token = csrf_from(client.get("/plan/calendar").text)
    form = {"csrf_token": token, "account": "web-masto", "at": typed,
            "text": "Maintenance ce soir #Lumio", "title": "", "action": "check"}  # fmt: skip
    for language, why, said in (
        ("en", f"time {shown} is past", "Give a time to come, or tick “Save it even "
         "though the time is past”: it then goes out at the next run."),
        ("fr", f"l’heure {shown} est passée", "Donnez une heure à venir, ou cochez "
         f"«{NNBSP}L’enregistrer même si l’heure est passée{NNBSP}»{NNBSP}: elle partira alors au "
         "prochain passage."),
    ):  # fmt: skip
        client.cookies.set("veille_lang", language)
        checked = client.post("/plan/calendar", data=form)
        page = html.unescape(checked.text)
        assert checked.status_code == 200, page
        beside = page[page.index('id="at"') : page.index('id="title"')]
        assert 'aria-invalid="true"' in beside and why in beside and said in beside, beside
        assert 'id="draft-verdict"' in page  # the checker's verdict still said
        # One focus only: the first thing to fix, the time (not the verdict too).
        assert page.count("autofocus") == 1, page
        assert re.search(r'id="at-error"[^>]*autofocus', page), page
    client.cookies.set("veille_lang", "en")
    coming = client.post("/plan/calendar", data=form | {"at": _typed_time(live_server, days=2)})
    assert 'id="at-error"' not in coming.text and 'id="draft-verdict"' in coming.text
    with live_server.workspace() as ws:
        assert len(cal.list_entries(ws.state)) == before
        entry = cal.add_entry(ws.state, ws.settings, account="web-masto", text="Hello #Lumio",
                              at=_typed_time(live_server, days=2).replace("T", " "),
                              by="analyst")  # fmt: skip
    url = f"/plan/calendar/{entry.id}"
    moved = _post_form(client.get(url).text) | {"at": typed, "action": "check"}
    page = html.unescape(client.post(url, data=moved).text)
    beside = page[page.index('id="at"') : page.index('id="title"')]
    assert f"time {shown} is past" in beside and "Give a time to come" in beside
    assert page.count("autofocus") == 1 and re.search(r'id="at-error"[^>]*autofocus', page)
    with live_server.workspace() as ws:
        assert cal.get_entry(ws.state, entry.id).scheduled_at == entry.scheduled_at
        cal.edit_entry(ws.state, ws.settings, entry.id, at=shown, by="analyst", past_ok=True)
    # Its time is now past: checking a corrected text is not a new time.
    fixed = _post_form(client.get(url).text) | {"text": "Hello, all #Lumio", "action": "check"}
    fixed.pop("past_ok", None)
    assert 'id="at-error"' not in client.post(url, data=fixed).text


def test_publish_now_says_why_it_failed_in_french(
    live_server: Served,
    client: httpx.Client,
    login: Callable[..., httpx.Response],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A French manager pressed « Publier maintenant » on a post whose
    account's token is not set: the page said « Le message n° 3 n'a pas été
    publié : account 'x': the environment variable … is not set », the
    reason in English in a French sentence."""
    import html

    from veille.publish import calendar as cal

    monkeypatch.delenv("WEB_UNSET_TOKEN", raising=False)
    with live_server.workspace() as ws:
        if ws.state.publish_account("web-unset") is None:
            add_account(ws.state, "web-unset", "mastodon", "https://mastodon.example",
                        secret="env:WEB_UNSET_TOKEN")  # fmt: skip
        entry = cal.add_entry(ws.state, ws.settings, account="web-unset",
                              text="Bonne année #Lumio",
                              at=to_come(datetime(2030, 1, 2, 9, 0, tzinfo=UTC)))  # fmt: skip
    login(client, "manager")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/plan/calendar").text)
    tried = client.post(f"/plan/calendar/{entry.id}/publish", data={"csrf_token": token})
    assert tried.status_code == 303
    page = html.unescape(client.get(tried.headers["location"]).text)
    flash = re.search(r'<p class="flash"[^>]*>(.*?)</p>', page, re.S)
    assert flash, page[:2000]
    said = " ".join(flash.group(1).split())
    assert f"Le message n° {entry.id} n’a pas été publié" in said, said
    assert "la variable d’environnement WEB_UNSET_TOKEN n’est pas définie" in said, said
    assert "environment variable" not in said
    # The reason kept on the post, beside it on the list and on its page, in French too.
    for path in ("/plan/calendar", f"/plan/calendar/{entry.id}"):
        shown = " ".join(html.unescape(client.get(path).text).split())
        # (French spacing: a narrow no-break space before the colons and inside « ».)
        assert (
            "Non publié : compte « web-unset » : la variable d’environnement WEB_UNSET_TOKEN "
            "n’est pas définie" in shown.replace("\u202f", " ")
        ), path
        assert "environment variable" not in shown, path
    client.cookies.set("veille_lang", "en")
    shown = html.unescape(client.get("/plan/calendar").text)
    assert (
        "Not published: account 'web-unset': the environment variable WEB_UNSET_TOKEN "
        "is not set" in shown
    )


def test_the_time_offered_the_night_clocks_go_back_is_taken(tmp_path: Path) -> None:
    """At 02:40 summer time on 25 October 2026 in Paris, the form offered
    the next hour on the clock, 02:40 again (winter time): read back as the
    first 02:40, which had just passed, Save refused the time the page had
    offered. It now offers a time the clock shows once."""
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text('[workspace]\ntimezone = "Europe/Paris"\n', encoding="utf-8")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_account(ws.state, "web-masto", "mastodon", "https://mastodon.example",
                    secret="env:WEB_MASTO_TOKEN")  # fmt: skip
    app = create_app(root)
    now = datetime(2026, 10, 25, 0, 40, tzinfo=UTC)  # 02:40 in Paris, summer time
    app.state.workspace.clock = lambda: now
    with TestClient(app) as client:
        do_login(client, "analyst")
        page = client.get("/plan/calendar").text
        offered = re.search(r'name="at" type="datetime-local" value="([^"]*)"', page)
        assert offered, page[:2000]
        form = {"csrf_token": csrf_from(page), "account": "web-masto", "at": offered.group(1),
                "text": "Bonjour", "title": "", "language": "fr", "action": "save"}  # fmt: skip
        saved = client.post("/plan/calendar", data=form, follow_redirects=False)
    assert saved.status_code == 303, html.unescape(saved.text)[-2000:]
    with Workspace.open(root) as ws:
        [entry] = ws.state.calendar_entries()
    assert now < entry.scheduled_at <= now + timedelta(hours=2)


def test_a_time_the_clock_shows_twice_asks_which_one_on_the_page(tmp_path: Path) -> None:
    """The form has no offset: 02:30 on 25 October 2026 in Paris was saved
    as the first of the two without a word. It is refused beside the time,
    naming both, with the two to choose from; the one chosen is saved. A
    time the clock never shows is refused, naming the jump; in French too."""
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text('[workspace]\ntimezone = "Europe/Paris"\n', encoding="utf-8")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_account(ws.state, "web-masto", "mastodon", "https://mastodon.example",
                    secret="env:WEB_MASTO_TOKEN")  # fmt: skip
    app = create_app(root)
    app.state.workspace.clock = lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with TestClient(app) as client:
        do_login(client, "analyst")
        page = client.get("/plan/calendar").text
        form = {"csrf_token": csrf_from(page), "account": "web-masto", "at": "2026-10-25T02:30",
                "text": "Bonjour", "title": "", "language": "fr", "action": "save"}  # fmt: skip
        asked = client.post("/plan/calendar", data=form)
        shown = html.unescape(asked.text)
        assert asked.status_code == 400, shown[-2000:]
        assert (
            "2026-10-25 02:30 happens twice in Europe/Paris: that night the clocks go back "
            "from 03:00 to 02:00, so it comes at UTC+02:00, then at UTC+01:00"
        ) in shown
        assert "Say which: choose one of the two below, then save again." in shown
        readings = re.findall(r'name="at_reading" value="([^"]+)"', shown)
        assert readings == ["2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00"]
        assert "the second, at UTC+01:00 (after the clocks go back)" in shown
        assert 'name="past_ok"' not in shown  # not a time past: no "save it anyway"
        # Check says it too, in Save's words, with the two to choose from.
        checked = html.unescape(
            client.post("/plan/calendar", data={**form, "action": "check"}).text
        )
        assert "2026-10-25 02:30 happens twice in Europe/Paris" in checked
        assert re.findall(r'name="at_reading" value="([^"]+)"', checked) == readings

        client.cookies.set("veille_lang", "fr")
        gap = client.post("/plan/calendar", data={**form, "at": "2026-03-29T02:30"})
        said = html.unescape(gap.text).replace(NNBSP, " ")
        assert gap.status_code == 400
        assert (
            "l’heure 2026-03-29 02:30 n’existe pas dans le fuseau Europe/Paris : cette "
            "nuit-là, les horloges passent de 02:00 à 03:00"
        ) in said, said[-3000:]
        assert "at_reading" not in said

        saved = client.post("/plan/calendar", data={**form, "at_reading": readings[1]},
                            follow_redirects=False)  # fmt: skip
        assert saved.status_code == 303, html.unescape(saved.text)[-2000:]
        # A reading picked for a time since changed is not applied to the new one.
        other = client.post("/plan/calendar", data={**form, "at": "2026-10-26T02:30",
                                                    "at_reading": readings[0]},
                            follow_redirects=False)  # fmt: skip
        assert other.status_code == 303
        with Workspace.open(root) as ws:
            moved = max(e.id for e in ws.state.calendar_entries())
        # The edit page asks the same, and saves the one chosen.
        page = client.get(f"/plan/calendar/{moved}").text
        shown_field = re.search(r'name="shown" value="([^"]*)"', page)
        assert shown_field
        edit = {"csrf_token": csrf_from(page), "shown": html.unescape(shown_field.group(1)),
                "at": "2026-10-25T02:30", "text": "Bonjour", "title": "",
                "action": "save"}  # fmt: skip
        again = client.post(f"/plan/calendar/{moved}", data=edit)
        assert again.status_code == 400
        assert re.findall(r'name="at_reading" value="([^"]+)"', again.text) == readings
        done = client.post(f"/plan/calendar/{moved}", data={**edit, "at_reading": readings[0]},
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, html.unescape(done.text)[-2000:]
    with Workspace.open(root) as ws:
        first, second = ws.state.calendar_entries()
    assert {first.scheduled_at, second.scheduled_at} == {
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 winter time
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 summer time, by the edit page
    }
