"""Digest e-mails through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default

import pytest

from tests.alerts.conftest import make_post, make_workspace
from veille.alerts.model import Alert, AlertBook, unsubscribe_token
from veille.alerts.outbox import AlertEngine
from veille.pipeline import build_pipeline


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_daily_digest_in_french_with_highlights(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(
        tmp_path / "ws",
        f'[smtp]\nport = {smtp_server.port}\n\n[web]\nbase_url = "https://veille.example"\n\n'
        '[workspace]\ntimezone = "Europe/Paris"\n',
    )
    AlertBook(ws.store).add(
        Alert(
            name="lumio-fr",
            query="lumio",
            channel_url="mailto:equipe@example.org",
            frequency="daily",
            at_time="08:00",
            language="fr",
        )
    )
    build_pipeline(ws).ingest(
        [
            make_post(1, "La lampe Lumio est superbe <script>alert(1)</script>", lang="fr"),
            make_post(2, "Lumio encore, écran cassé", lang="fr"),
        ]
    )
    engine = AlertEngine(ws.store, ws.settings, ws.root)
    assert engine.dispatch().batches == 0  # not due before 08:00 Paris time
    assert smtp_server.messages == []
    later = datetime.now(UTC) + timedelta(days=1, hours=1)
    report = engine.dispatch(now=later.timestamp())
    assert report.sent == 2 and report.batches == 1
    assert len(smtp_server.messages) == 1
    msg = _parse(smtp_server.messages[0])
    assert msg["To"] == "equipe@example.org"
    assert "2 nouveaux résultats" in msg["Subject"]
    assert msg["Content-Language"] == "fr"
    # The one-click link carries the alert's own secret token (RFC 8058).
    token = unsubscribe_token(AlertBook(ws.store).get("lumio-fr"))
    assert len(token) == 32
    assert msg["List-Unsubscribe"] == (
        f"<https://veille.example/alerts/lumio-fr/unsubscribe?token={token}>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = _parts(msg)
    assert "*Lumio*" in text and "Voir la publication\u202f: https://example.org/p/1" in text
    assert "<mark>Lumio</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://veille.example/alerts/lumio-fr"' in html
    assert "chaque jour" in html
    ws.close()


def test_english_instant_mail_and_smtp_failure_is_retried(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws", f"[smtp]\nport = {smtp_server.port}\n")
    AlertBook(ws.store).add(
        Alert(name="vexa", query='"vexa phone"', channel_url="mailto:me@example.org")
    )
    build_pipeline(ws).ingest([make_post(1, "My Vexa phone broke"), make_post(2, "phone vexa")])
    build_pipeline(ws).ingest(
        [replace(make_post(3, "vexa phone <b>x</b>"), url="javascript:alert(1)")]
    )
    _, evil = _parts(_parse(smtp_server.messages[1]))
    assert "javascript:" not in evil and "/posts/mastodon%3A3" in evil
    msg = _parse(smtp_server.messages[0])
    assert msg["Subject"] == 'veille: 1 new result for “"vexa phone"”'
    text, html = _parts(msg)
    assert "My *Vexa phone* broke" in text and "Open the post" in html
    ws.close()
    # A server that is gone: the delivery stays in the outbox with the error.
    ws = make_workspace(tmp_path / "ws2", "[smtp]\nport = 1\n")
    AlertBook(ws.store).add(Alert(name="vexa", query="vexa", channel_url="mailto:me@x.org"))
    build_pipeline(ws).ingest([make_post(3, "vexa")])
    status, error = ws.store.conn.execute("SELECT status, last_error FROM deliveries").fetchone()
    assert status == "pending" and "SMTP 127.0.0.1:1" in error
    ws.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_uses_the_password_from_the_named_variable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    received: list[bytes] = []
    logins: list[tuple[bytes, bytes]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
            received.append(envelope.original_content)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port,
                            authenticator=authenticator, auth_require_tls=False,
                            auth_required=True)  # fmt: skip
    controller.start()
    try:
        ws = make_workspace(
            tmp_path / "ws",
            f'[smtp]\nport = {port}\nuser = "veille"\npassword_env = "ALERT_SMTP_PW"\n',
        )
        AlertBook(ws.store).add(Alert(name="a", query="lumio", channel_url="mailto:x@y.org"))
        engine = AlertEngine(ws.store, ws.settings, ws.root, environ={"ALERT_SMTP_PW": "wrong"})
        build_pipeline(ws, skip=("alerts",)).ingest([make_post(1, "lumio")])
        with ws.store.transaction() as tx:
            engine.queue(tx, [make_post(1, "lumio")])
        report = engine.dispatch()
        assert report.failed == 1 and "wrong" not in report.errors[0]
        assert received == []
        engine = AlertEngine(ws.store, ws.settings, ws.root, environ={"ALERT_SMTP_PW": "s3cret"})
        assert engine.dispatch().sent == 1
        assert logins[-1] == (b"veille", b"s3cret") and len(received) == 1
        ws.close()
    finally:
        controller.stop()


def test_matches_over_the_daily_cap_are_counted_in_the_next_mail(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """A capped alert used to drop what went over its cap without a word: the
    reader of the digest could not know 3 more posts had matched. The next
    message says how many, in both parts, with the page that lists them, once."""
    ws = make_workspace(
        tmp_path / "ws",
        f'[smtp]\nport = {smtp_server.port}\n\n[web]\nbase_url = "https://veille.example"\n\n'
        '[workspace]\ntimezone = "Europe/Paris"\n',
    )
    book = AlertBook(ws.store)
    book.add(Alert(name="lumio-fr", query="lumio", channel_url="mailto:equipe@example.org",
                   frequency="daily", at_time="08:00", language="fr", daily_cap=2))  # fmt: skip
    book.add(Alert(name="vexa-en", query="vexa", channel_url="mailto:team@example.org",
                   daily_cap=1))  # fmt: skip
    engine = AlertEngine(ws.store, ws.settings, ws.root)
    day = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Paris

    def found(at: datetime, *posts) -> None:  # type: ignore[no-untyped-def]
        build_pipeline(ws, skip=("alerts",)).ingest(list(posts))
        with ws.store.transaction() as tx:
            engine.queue(tx, list(posts), now=at.timestamp())
        engine.dispatch(now=at.timestamp() + 60)

    def said(n: int) -> tuple[str, str]:
        assert len(smtp_server.messages) == n
        return _parts(_parse(smtp_server.messages[-1]))

    found(day, *[make_post(n, f"Lumio post {n}", published_at=day) for n in range(1, 6)])
    found(day, make_post(10, "Vexa phone", published_at=day))
    text, html = said(1)  # the instant alert's one post of the day: it says the cap is reached
    reached = (
        "The daily cap of 1 is reached: other results found today will not be sent; "
        "the next message will say how many."
    )
    assert reached in text and reached in html
    assert "went over" not in text  # nothing held back yet
    later = day + timedelta(hours=1)
    found(later, *[make_post(n, f"Vexa {n}", published_at=later) for n in range(11, 14)])
    assert len(smtp_server.messages) == 1  # over the cap: not sent
    engine.dispatch(now=(day + timedelta(days=1)).timestamp())  # the digest, Wednesday 08:00
    digest = _parse(smtp_server.messages[1])
    assert "2 nouveaux résultats" in digest["Subject"]
    text, html = _parts(digest)
    over = "3 autres résultats dépassaient le plafond de 2 par jour et n’ont pas été envoyés"
    assert over in text and over in html
    page = "Ils sont listés sur la page de l’alerte\u202f: https://veille.example/alerts/lumio-fr"
    assert page in text
    assert '<a href="https://veille.example/alerts/lumio-fr">Ils sont listés' in html
    # The instant alert: the 3 held back on Tuesday are told in its next message.
    wednesday = day + timedelta(days=1)
    found(wednesday, make_post(14, "Vexa again", published_at=wednesday))
    mail = _parse(smtp_server.messages[2])
    assert mail["To"] == "team@example.org"
    text, html = _parts(mail)
    over = "3 more matches went over the daily cap of 1 and were not sent."
    assert over in text and over in html
    assert "They are listed on the alert’s page: https://veille.example/alerts/vexa-en" in text
    # Said once: the message after it has nothing over the cap to report.
    thursday = day + timedelta(days=2)
    found(thursday, make_post(15, "Vexa once more", published_at=thursday))
    text, html = said(4)
    assert "went over" not in text and "went over" not in html
    ws.close()


def test_a_new_send_time_applies_to_what_is_already_waiting(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """Moving a daily digest from 08:30 to 07:00 (or making it weekly) changed
    only the posts found afterwards: what was already waiting still went out at
    the old time, a day's digest in two e-mails or one the day after the change."""
    from veille.services.alerts import change_alert

    ws = make_workspace(
        tmp_path / "ws",
        f'[smtp]\nport = {smtp_server.port}\n\n[workspace]\ntimezone = "Europe/Paris"\n',
    )
    AlertBook(ws.store).add(Alert(name="lumio", query="lumio", channel_url="mailto:me@example.org",
                                  frequency="daily", at_time="08:30"))  # fmt: skip
    engine = AlertEngine(ws.store, ws.settings, ws.root)
    tuesday = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # 11:00 in Paris

    def found(at: datetime, *posts) -> None:  # type: ignore[no-untyped-def]
        build_pipeline(ws, skip=("alerts",)).ingest(list(posts))
        with ws.store.transaction() as tx:
            engine.queue(tx, list(posts), now=at.timestamp())

    found(tuesday, make_post(1, "Lumio one", published_at=tuesday))
    change_alert(ws, "lumio", at="07:00")
    engine.dispatch(now=datetime(2026, 11, 4, 6, 5, tzinfo=UTC).timestamp())  # Wed 07:05 Paris
    assert len(smtp_server.messages) == 1
    assert "1 new result" in _parse(smtp_server.messages[0])["Subject"]
    wednesday = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
    found(wednesday, make_post(2, "Lumio two", published_at=wednesday))
    change_alert(ws, "lumio", every="weekly", day="mon", at="08:00")
    engine.dispatch(now=datetime(2026, 11, 5, 6, 5, tzinfo=UTC).timestamp())  # Thu 07:05
    assert len(smtp_server.messages) == 1  # weekly now: not on Thursday
    engine.dispatch(now=datetime(2026, 11, 9, 7, 5, tzinfo=UTC).timestamp())  # Mon 08:05
    assert len(smtp_server.messages) == 2
    _, html = _parts(_parse(smtp_server.messages[1]))
    assert "<mark>Lumio</mark> two" in html
    ws.close()


def test_a_resumed_alerts_backlog_is_one_readable_mail(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """An alert paused for a while, then resumed, sent every post found
    meanwhile in one e-mail: 120 posts, a wall no one reads (and, for months
    of backlog, a message a mail server may refuse for its size). The e-mail
    lists the newest 50, says how many more, and links to the stream."""
    from veille.services.alerts import pause_alert, resume_alert

    ws = make_workspace(
        tmp_path / "ws",
        f'[smtp]\nport = {smtp_server.port}\n\n[web]\nbase_url = "https://veille.example"\n',
    )
    AlertBook(ws.store).add(Alert(name="lumio", topic=None, query="lumio OR lampe",
                                  channel_url="mailto:me@example.org", language="fr"))  # fmt: skip
    pause_alert(ws, "lumio")
    start = datetime.now(UTC) - timedelta(days=3)
    build_pipeline(ws).ingest(
        [make_post(n, f"Lumio {n}", published_at=start + timedelta(minutes=n)) for n in range(120)]
    )
    assert smtp_server.messages == []
    resumed = resume_alert(ws, "lumio")
    assert resumed.sent == 120 and len(smtp_server.messages) == 1
    msg = _parse(smtp_server.messages[0])
    assert "120 nouveaux résultats" in msg["Subject"]
    text, html = _parts(msg)
    assert text.count("Voir la publication") == 50 and html.count("Voir la publication") == 50
    assert "*Lumio* 119" in text and "*Lumio* 69" not in text  # the newest ones
    said = "… et 70 autres résultats, non affichés ici"
    assert said in text and said in html
    stream = "https://veille.example/stream?q=lumio+OR+lampe"
    assert f"Les voir dans le flux des mentions\u202f: {stream}" in text
    assert f'<a href="{stream}">Les voir dans le flux des mentions</a>' in html
    ws.close()


def test_a_query_written_over_several_lines_is_mailed_with_a_one_line_subject(
    tmp_path, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    """A brand list pasted over lines (the alert's query, which its subject
    names): no delivery left, each failed with 'Header values may not contain
    linefeed or carriage return characters' until it was a dead letter. Its
    subject is one line; nothing of it becomes a header of its own."""
    ws = make_workspace(tmp_path / "ws", f"[smtp]\nport = {smtp_server.port}\n")
    AlertBook(ws.store).add(
        Alert(name="brands", query="vexa\r\nOR lumio\nOR\u2028bcc", channel_url="mailto:me@x.org")
    )
    build_pipeline(ws).ingest([make_post(1, "My vexa broke")])
    assert len(smtp_server.messages) == 1
    msg = _parse(smtp_server.messages[0])
    assert msg["Subject"] == "veille: 1 new result for “vexa OR lumio OR bcc”"
    assert msg["Bcc"] is None and msg["To"] == "me@x.org"
    text, _html = _parts(msg)
    assert "My *vexa* broke" in text
    status = ws.store.conn.execute("SELECT status FROM deliveries").fetchone()[0]
    assert status == "sent"
    ws.close()


def test_a_french_subject_keeps_each_space_wherever_it_is_folded(tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """Python's mail library (3.11) folds a long non-ASCII Subject into
    encoded words and could leave a space between two of them, where every
    reader drops it: « pour « acassé lumio » », and a weekly report's
    « Rapport sur « lumio » :7–13 déc. 2026 » one week in seven."""
    from email.policy import SMTP

    from veille.alerts.channels.email import set_subject

    ws = make_workspace(tmp_path / "ws", f"[smtp]\nport = {smtp_server.port}\n")
    AlertBook(ws.store).add(
        Alert(name="fr", query="a cassé lumio", channel_url="mailto:me@x.org", language="fr")
    )
    build_pipeline(ws).ingest([make_post(1, "Le chat a cassé ma Lumio", lang="fr")])
    ws.close()
    assert len(smtp_server.messages) == 1
    msg = _parse(smtp_server.messages[0])
    assert msg["Subject"] == "veille\u202f: 1 nouveau résultat pour «\u202fa cassé lumio\u202f»"
    # Wherever the fold falls: each length, each kind of character at the edge.
    for n in range(120):
        for edge in ("a é", "é a", "« é »", "中 文", "👍 x"):
            subject = f"veille\u202f: {'Rapport ' * (n // 8)}{'x' * (n % 8)} {edge} fin"
            sent = EmailMessage()
            set_subject(sent, subject)
            sent.set_content("x")
            wire = sent.as_bytes(policy=SMTP)
            head = wire.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            assert all(len(line) <= 78 for line in head), head
            assert _parse(wire)["Subject"] == subject


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_monitors_mail_says_its_event_once(tmp_path, smtp_server, lang: str) -> None:  # type: ignore[no-untyped-def]
    """A spike's e-mail said its sentence twice: as the heading, then again
    over the details (« Pic sur « lumio » : 42 publications … » two lines
    running), in the plain text and in the HTML."""
    from veille.alerts.service import send_test

    ws = make_workspace(tmp_path / "ws", f"[smtp]\nport = {smtp_server.port}\n")
    book = AlertBook(ws.store)
    book.add(Alert(name="peak", kind="spike", query="lumio", language=lang,
                   channel_url="mailto:me@example.org"))  # fmt: skip
    send_test(AlertEngine(ws.store, ws.settings, ws.root), book.get("peak"))
    text, html = _parts(_parse(smtp_server.messages[0]))
    said = "Spike on “lumio”" if lang == "en" else "Pic sur «\u202flumio\u202f»"
    assert text.count(said) == 1 and html.count(said) == 2, text  # the <title> and the heading
    details = "Terms driving it" if lang == "en" else "Termes en cause\u202f:"
    assert text.index(said) < text.index(details) and details in html
    ws.close()
