"""Alerts over real HTTP: pause, resume and a test send through the page;
the one-click unsubscribe (RFC 8058) that works without login, with the
alert's own token only; the secret-token Atom feed, which stops when revoked."""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.web.conftest import Served, csrf_from
from tests.web.pages_data import LUMIO, known_posts
from veille.alerts.channels.base import ChannelContext
from veille.alerts.channels.email import unsubscribe_url
from veille.alerts.model import Alert, AlertBook
from veille.pipeline import build_pipeline
from veille.workspace import Workspace

Login = Callable[..., httpx.Response]
ATOM = "{http://www.w3.org/2005/Atom}"
# What a mail client POSTs to the List-Unsubscribe link (RFC 8058).
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def seeded(live_server: Served) -> Served:
    """Two alerts writing Atom files (a real channel, no network), then the
    known posts through the pipeline (so the alerts queue their matches)."""
    root = live_server.root
    with Workspace.open(root) as ws:
        book = AlertBook(ws.store)
        book.add(Alert(name="lumio-watch", query="lumio", channel_url="atom:feeds/lumio.xml"))
        book.add(Alert(name="vexa-watch", query="vexa", channel_url="atom:feeds/vexa.xml"))
        build_pipeline(ws).ingest(known_posts())
    return live_server


def alert(root: object, name: str) -> Alert:
    with Workspace.open(root) as ws:  # type: ignore[arg-type]
        return AlertBook(ws.store).get(name)


def test_pause_resume_and_test_through_the_page(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    page = client.get("/alerts/lumio-watch")
    assert page.status_code == 200 and "lumio-watch" in page.text
    token = csrf_from(page.text)
    assert client.post("/alerts/lumio-watch/pause", data={"csrf_token": token}).status_code == 303
    assert alert(seeded.root, "lumio-watch").paused
    assert "Resume" in client.get("/alerts/lumio-watch").text
    assert client.post("/alerts/lumio-watch/resume", data={"csrf_token": token}).status_code == 303
    assert not alert(seeded.root, "lumio-watch").paused
    sent = client.post("/alerts/lumio-watch/test", data={"csrf_token": token})
    assert sent.status_code == 303
    # The test went through the real channel: the feed file holds the latest matches.
    feed = ET.parse(seeded.root / "feeds" / "lumio.xml").getroot()
    assert len(feed.findall(f"{ATOM}entry")) >= 1
    # A viewer sees the page but cannot pause.
    client.cookies.clear()
    login(client, "viewer")
    page = client.get("/alerts/lumio-watch")
    assert page.status_code == 200 and "/pause" not in page.text
    viewer_token = csrf_from(page.text)
    refused = client.post("/alerts/lumio-watch/pause", data={"csrf_token": viewer_token})
    assert refused.status_code == 403


def test_alert_forms_need_csrf(seeded: Served, client: httpx.Client, login: Login) -> None:
    login(client, "analyst")
    assert client.post("/alerts/lumio-watch/pause").status_code == 403
    assert client.post("/alerts", data={"to": "atom:x.xml", "query": "x"}).status_code == 403
    assert not alert(seeded.root, "lumio-watch").paused


def _link(root: object, name: str, base: str) -> str:
    """The unsubscribe link of the alert's e-mails, pointed at the live server."""
    with Workspace.open(root) as ws:  # type: ignore[arg-type]
        found = AlertBook(ws.store).get(name)
        url = unsubscribe_url(ChannelContext(ws.settings, ws.root), found)
    return base + url[url.index("/alerts/") :]


def test_one_click_unsubscribe_works_only_with_the_alerts_own_token(
    seeded: Served, client: httpx.Client
) -> None:
    base = seeded.url
    lumio = _link(seeded.root, "vexa-watch", base).replace("vexa-watch", "lumio-watch")
    vexa = _link(seeded.root, "vexa-watch", base)
    # No login. Another alert's token, a wrong one and none are refused.
    for url in (lumio, vexa.replace("token=", "token=x"), vexa.split("?")[0]):
        refused = client.post(url, content=ONE_CLICK, headers=FORM)
        assert refused.status_code == 403
    assert not alert(seeded.root, "lumio-watch").paused
    assert not alert(seeded.root, "vexa-watch").paused
    # Opening the link (a GET: what link checkers do) changes nothing, and offers the button.
    page = client.get(vexa)
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert not alert(seeded.root, "vexa-watch").paused
    # The mail client's one-click POST (RFC 8058), no CSRF token, no session.
    done = client.post(vexa, content=ONE_CLICK, headers=FORM)
    assert done.status_code == 200
    assert alert(seeded.root, "vexa-watch").paused
    assert not alert(seeded.root, "lumio-watch").paused


def test_feed_at_its_secret_address_until_revoked(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    page = client.get("/alerts/lumio-watch")
    assert "/feeds/" not in page.text
    token = csrf_from(page.text)
    assert client.post("/alerts/lumio-watch/feed", data={"csrf_token": token}).status_code == 303
    page = client.get("/alerts/lumio-watch")
    found = re.search(r"/feeds/([A-Za-z0-9_-]+)\.atom", page.text)
    assert found, page.text[:3000]
    address = f"/feeds/{found.group(1)}.atom"
    with httpx.Client(timeout=60, base_url=seeded.url) as anonymous:  # a feed reader: no login
        feed = anonymous.get(address)
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("application/atom+xml")
        entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
        assert len(entries) == LUMIO  # every lumio post the alert queued
        # Its own address, as feed validators ask and readers use to subscribe.
        [me] = [
            e for e in ET.fromstring(feed.content).findall(f"{ATOM}link") if e.get("rel") == "self"
        ]
        assert me.get("href", "").endswith(address)
        assert me.get("type") == "application/atom+xml"
        assert anonymous.get("/feeds/not-the-token.atom").status_code == 404
        # A new address replaces the old one; revoking stops both.
        client.post("/alerts/lumio-watch/feed", data={"csrf_token": token})
        assert anonymous.get(address).status_code == 404
        newer = re.search(r"/feeds/([A-Za-z0-9_-]+)\.atom", client.get("/alerts/lumio-watch").text)
        assert newer and anonymous.get(f"/feeds/{newer.group(1)}.atom").status_code == 200
        client.post("/alerts/lumio-watch/feed/revoke", data={"csrf_token": token})
        assert anonymous.get(f"/feeds/{newer.group(1)}.atom").status_code == 404
    assert "/feeds/" not in client.get("/alerts/lumio-watch").text


def test_a_french_reader_reads_the_alert_form_errors_in_french(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """The errors of the alert form (new alert, settings of an alert) come
    from the catalogs, worded by the form's fields rather than the CLI's options."""
    import html

    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/alerts").text)
    made = client.post("/alerts", data={"csrf_token": token, "to": "", "query": "lumio"})
    page = html.unescape(made.text)
    assert made.status_code == 400
    assert "l’adresse d’envoi de l’alerte manque" in page and "(to)" not in page
    made = client.post(
        "/alerts",
        data={"csrf_token": token, "to": "mailto:a@example.org", "query": "lumio AND (panne"},
    )
    page = html.unescape(made.text)
    assert made.status_code == 400
    # A query's fault as the stream shows it: the message, the query, a caret.
    assert "Cette requête est illisible" in page and "parenthèse non fermée" in page
    assert "lumio AND (panne\n" in page
    made = client.post(
        "/alerts",
        data={"csrf_token": token, "to": "mailto:a@example.org", "name": "lumio-watch",
              "query": "lumio"},
    )  # fmt: skip
    assert "une alerte nommée «\u202flumio-watch\u202f» existe déjà" in html.unescape(made.text)
    made = client.post("/alerts", data={"csrf_token": token, "to": "atom:", "query": "lumio"})
    said = html.unescape(made.text)
    assert "l’adresse d’envoi de l’alerte «\u202fatom:\u202f» ne nomme aucun fichier" in said
    edited = client.post("/alerts/lumio-watch/settings", data={"csrf_token": token, "at": "8h30"})
    page = html.unescape(edited.text)
    assert edited.status_code == 400 and "l’heure «\u202f8h30\u202f» n’est pas une heure" in page
    assert "Écrivez HH:MM, par exemple 08:30." in page

    client.cookies.set("veille_lang", "en")
    made = client.post("/alerts", data={"csrf_token": token, "to": "", "query": "lumio"})
    assert "where to send the alert is missing" in html.unescape(made.text)


def test_a_wrong_unsubscribe_link_is_said_at_once_on_opening(
    seeded: Served, client: httpx.Client
) -> None:
    """No button that cannot work: a GET with a wrong token, or none, says the
    link is not valid (404: it leads nowhere) and changes nothing."""
    lumio = _link(seeded.root, "lumio-watch", seeded.url)
    was = alert(seeded.root, "lumio-watch").paused
    for url in (lumio.replace("token=", "token=x"), lumio.split("?")[0]):
        page = client.get(url)
        assert page.status_code == 404
        assert "This unsubscribe link is not valid." in page.text
        assert "<button" not in page.text.split("<main", 1)[1]
    assert alert(seeded.root, "lumio-watch").paused == was


def test_alerts_say_their_schedule_kind_and_language_in_words(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    import html

    with Workspace.open(seeded.root) as ws:
        book = AlertBook(ws.store)
        book.add(Alert(name="daily-fr", query="lumio", channel_url="atom:feeds/d.xml",
                       frequency="daily", at_time="08:30", language="fr"))  # fmt: skip
        book.add(Alert(name="weekly-tue", query="lumio", channel_url="atom:feeds/w.xml",
                       frequency="weekly", at_time="07:00", weekday=1))  # fmt: skip
        book.add(Alert(name="every-hour", query="lumio", channel_url="atom:feeds/h.xml",
                       frequency="hourly"))  # fmt: skip
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    listed = html.unescape(client.get("/alerts").text)
    assert "<td>chaque jour à 08:30 (UTC)</td>" in listed
    assert "<td>chaque mardi à 07:00 (UTC)</td>" in listed
    assert "<td>toutes les heures</td>" in listed and "<td>hourly</td>" not in listed
    assert ">lun</option>" in listed and ">mon</option>" not in listed
    shown = html.unescape(client.get("/alerts/daily-fr").text)
    assert "<dd>publications trouvées</dd>" in shown and "<dd>match</dd>" not in shown
    assert "<dd>chaque jour à 08:30 (UTC)</dd>" in shown
    assert "<dd>français</dd>" in shown and "<dd>fr</dd>" not in shown
    client.cookies.set("veille_lang", "en")
    shown = html.unescape(client.get("/alerts/every-hour").text)
    assert "<dd>matching posts</dd>" in shown and "<dd>hourly</dd>" in shown
    assert "(hourly)" not in shown and "<dd>English</dd>" in shown


def test_a_missing_thing_points_to_its_page_not_a_command(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """A 404 page's hint names the page where the reader is (the CLI keeps
    its command)."""
    login(client, "analyst")
    alert = client.get("/alerts/no-such-alert")
    assert alert.status_code == 404
    assert "veille alert list" not in alert.text and "list of alerts (/alerts)" in alert.text
    topic = client.get("/topics/no-such-topic")
    assert topic.status_code == 404
    assert "veille topic add" not in topic.text and "/topics/new" in topic.text
    french = client.get("/alerts/no-such-alert", headers={"Accept-Language": "fr"})
    assert "veille alert list" not in french.text


def test_a_french_reader_reads_the_outbox_counts_with_a_thousands_space(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """An alert's outbox says its counts as the rest of the page does
    (``1 234``, not ``1234``)."""
    import html

    with Workspace.open(seeded.root) as ws:
        book = AlertBook(ws.store)
        book.add(Alert(name="busy", query="lumio", channel_url="atom:feeds/busy.xml"))
        busy = book.get("busy")
        assert busy.id is not None
        for i in range(1234):
            ws.store.queue_event(busy.id, f"event:{i}", {"kind": "test"}, 4e9, 4e9)
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    shown = html.unescape(client.get("/alerts/busy").text)
    assert "en attente\u202f: 1\u202f234" in shown and "1234" not in shown
    client.cookies.set("veille_lang", "en")
    assert "pending: 1,234" in html.unescape(client.get("/alerts/busy").text)


def test_the_forms_default_language_says_which_it_is(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """A French reader who left the messages' language on "default" got
    English e-mails (the workspace's language) with nothing saying so: the
    option names the language it stands for."""
    import html

    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    shown = html.unescape(client.get("/alerts").text)
    assert '<option value="">par défaut (anglais)</option>' in shown
    client.cookies.set("veille_lang", "en")
    assert '<option value="">default (English)</option>' in html.unescape(
        client.get("/alerts").text
    )


def test_a_french_reader_reads_why_a_post_was_held_back_in_french(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """The alert's e-mail sends its reader to this page for what the daily cap
    held back; its deliveries said why in English ("daily cap of 1 reached")
    on a French page."""
    import html

    from tests.alerts.conftest import make_post

    with Workspace.open(seeded.root) as ws:
        AlertBook(ws.store).add(Alert(name="capped", query="kettlewhistle", daily_cap=1,
                                      channel_url="atom:feeds/capped.xml"))  # fmt: skip
        build_pipeline(ws).ingest(
            [make_post(900 + n, f"kettlewhistle {n}", platform="bluesky") for n in range(3)]
        )
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    shown = html.unescape(client.get("/alerts/capped").text)
    assert shown.count(">plafond quotidien de 1 atteint</td>") == 2
    assert "daily cap of" not in shown
    client.cookies.set("veille_lang", "en")
    shown = html.unescape(client.get("/alerts/capped").text)
    assert shown.count(">daily cap of 1 reached</td>") == 2


def _settings_form(html: str) -> dict[str, str]:
    """The settings form's fields as a browser sends them, untouched."""
    form = html[html.index('/shared/settings">') :]
    form = form[: form.index("</form>")]
    import html as markup

    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    found += re.findall(r'<input id="s-\w+" name="(\w+)"[^>]* value="([^"]*)"', form)
    fields = {name: markup.unescape(value) for name, value in found}
    for name, body in re.findall(r'<select id="s-\w+" name="(\w+)">(.*?)</select>', form):
        selected = re.search(r'<option value="([^"]+)" selected', body)
        assert selected, f"no option of {name} selected"
        fields[name] = selected.group(1)
    return fields


def test_two_people_changing_an_alert_at_once_keep_each_others_changes(
    seeded: Served, live_server: Served, login: Login
) -> None:
    """The settings form sends every field: a colleague's new schedule was
    undone by a save from a page opened before it (changing only the query).
    Now a field left as the page showed it is not written; a field both
    changed is refused with the alert as it is now, nothing saved."""
    import html

    with Workspace.open(seeded.root) as ws:
        AlertBook(ws.store).add(Alert(name="shared", query="lumio", channel_url="atom:feeds/s.xml"))
    with (
        httpx.Client(timeout=60, base_url=live_server.url) as first,
        httpx.Client(timeout=60, base_url=live_server.url) as second,
    ):
        login(first, "analyst")
        login(second, "manager")
        page_1 = first.get("/alerts/shared").text
        page_2 = second.get("/alerts/shared").text
        weekly = _settings_form(page_2) | {"every": "weekly", "at": "07:00", "day": "tue"}
        assert second.post("/alerts/shared/settings", data=weekly).status_code == 303
        # The first changes only the query, from the page opened before.
        query_only = _settings_form(page_1) | {"query": "lumio OR vexa"}
        assert query_only["every"] == "instant"
        assert first.post("/alerts/shared/settings", data=query_only).status_code == 303
        now = alert(seeded.root, "shared")
        assert (now.query, now.frequency, now.at_time, now.weekday) == (
            "lumio OR vexa", "weekly", "07:00", 1)  # fmt: skip

        # Both changed the schedule: the second save is refused, said, not written.
        hourly = _settings_form(page_1) | {"every": "hourly"}
        refused = first.post("/alerts/shared/settings", data=hourly)
        assert refused.status_code == 303
        said = html.unescape(first.get(refused.headers["location"]).text)
        assert "Not saved: someone changed this alert since you opened the page" in said
        assert "(now: every Tuesday at 07:00 (UTC))" in said
        assert alert(seeded.root, "shared").frequency == "weekly"
        first.cookies.set("veille_lang", "fr")
        refused = first.post("/alerts/shared/settings", data=hourly)
        said = html.unescape(first.get(refused.headers["location"]).text)
        assert "Non enregistré\u202f: quelqu’un a modifié cette alerte" in said
