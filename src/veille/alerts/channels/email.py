"""``mailto:ADDRESS[,ADDRESS]``: a digest e-mail (HTML and plain text) through
the workspace's ``[smtp]`` settings, in the alert's language."""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from veille import timefmt
from veille.alerts.channels.base import ChannelContext, ChannelError, Delivery, DeliveryItem
from veille.alerts.matching import Span
from veille.alerts.model import SEND_TO, Alert
from veille.errors import UsageError, tr
from veille.i18n import author_label, colon, format_number, platform_name, plural, typography
from veille.query.highlight import highlight

# Posts an e-mail lists: past them (a backlog after a pause, a busy day) it
# keeps the newest, says how many more and links to the mention stream.
MAX_MAIL_POSTS = 50

_WORDS = {
    "en": {
        "one": "1 new result for “{s}”",
        "many": "{n} new results for “{s}”",
        "test": "Test of the alert “{s}”",
        "event": "{summary}",
        "freq": {"instant": "as it happens", "hourly": "hourly", "daily": "daily",
                 "weekly": "weekly"},
        "over_cap": ("{n} more match went over the daily cap of {cap} and was not sent.",
                     "{n} more matches went over the daily cap of {cap} and were not sent."),
        "over_cap_page": ("It is listed on the alert’s page",
                          "They are listed on the alert’s page"),
        "more": ("… and {n} more result, not shown here", "… and {n} more results, not shown here"),
        "more_link": "See them in the mention stream",
        "cap_reached": "The daily cap of {cap} is reached: other results found today will not "
                       "be sent; the next message will say how many.",
    },
    "fr": {
        "one": "1 nouveau résultat pour « {s} »",
        "many": "{n} nouveaux résultats pour « {s} »",
        "test": "Essai de l’alerte « {s} »",
        "event": "{summary}",
        "freq": {"instant": "au fil de l’eau", "hourly": "toutes les heures",
                 "daily": "chaque jour", "weekly": "chaque semaine"},
        "over_cap": ("{n} autre résultat dépassait le plafond de {cap} par jour et n’a pas "
                     "été envoyé.",
                     "{n} autres résultats dépassaient le plafond de {cap} par jour et n’ont "
                     "pas été envoyés."),
        "over_cap_page": ("Il est listé sur la page de l’alerte",
                          "Ils sont listés sur la page de l’alerte"),
        "more": ("… et {n} autre résultat, non affiché ici",
                 "… et {n} autres résultats, non affichés ici"),
        "more_link": "Les voir dans le flux des mentions",
        "cap_reached": "Le plafond de {cap} par jour est atteint : les autres résultats trouvés "
                       "aujourd’hui ne seront pas envoyés ; le prochain message dira combien.",
    },
}  # fmt: skip


def _spans_of(spans: list[Span], fld: str) -> list[tuple[int, int]]:
    return [(s, e) for f, s, e in spans if f == fld]


def newest_first(items: list[DeliveryItem]) -> list[DeliveryItem]:
    """A message's posts as a reader scans them, the newest first (those
    published at one time in the order they were found)."""
    return sorted(items, key=lambda i: i.post.published_at, reverse=True)


def more_words(n: int, lang: str) -> str:
    """``… and 1,234 more results, not shown here`` / ``… et 1 234 autres
    résultats, non affichés ici``: the results a message leaves out."""
    lang = lang if lang in _WORDS else "en"
    return plural(n, lang, *_WORDS[lang]["more"]).format(n=format_number(n, lang))


def render(delivery: Delivery, ctx: ChannelContext) -> tuple[str, str, str]:
    """``(subject, plain text, html)`` of a delivery, in its alert's language."""
    import jinja2
    from markupsafe import Markup

    alert = delivery.alert
    lang = alert.language if alert.language in _WORDS else "en"
    words: dict[str, Any] = _WORDS[lang]
    tz = ctx.settings.workspace.timezone
    n = len(delivery.items)
    event = None
    if delivery.event:
        event = {
            "summary": delivery.event.get("summary", {}).get(lang, ""),
            "details": delivery.event.get("details", {}).get(lang, []),
        }
        heading = event["summary"]
    elif delivery.kind == "test":
        heading = words["test"].format(s=one_line(alert.subject))
    else:
        heading = posts_heading(alert, n)
    # Our sentence around the topic's name: French spacing before : ; ! ? and inside « ».
    heading = typography(heading, lang)
    # Newest first, as the mention stream and the Atom feed list them: in the
    # order found, two collections' posts read 3:30 PM, 4:30 PM, 12:30 PM.
    shown = newest_first(delivery.items)[:MAX_MAIL_POSTS]
    more = more_words(n - MAX_MAIL_POSTS, lang) if n > MAX_MAIL_POSTS else None
    items = []
    for item in shown:
        p = item.post
        items.append(
            {
                "title_html": Markup(
                    highlight(p.title or "", _spans_of(item.spans, "title"), as_html=True)
                ),
                "text_html": Markup(highlight(p.text, _spans_of(item.spans, "text"), as_html=True)),
                "title_text": highlight(
                    p.title or "", _spans_of(item.spans, "title"), as_html=False
                ),
                "text_text": highlight(p.text, _spans_of(item.spans, "text"), as_html=False),
                # "Hacker News", as the pages name it ("hackernews" is for programs).
                "platform": platform_name(p.platform),
                "author": author_label(p.author.handle, lang),
                # In the workspace's zone, named: the reader may live in another.
                "when": timefmt.moment(p.published_at, lang, tz),
                "url": ctx.post_url(p),
            }
        )
    over_cap, over_cap_page = over_cap_words(delivery) or (None, None)
    cap_reached = cap_reached_words(delivery)
    values = {
        "subject": heading,
        "over_cap": over_cap,
        "over_cap_page": over_cap_page,
        "cap_reached": cap_reached,
        "more": more,
        "more_link": words["more_link"],
        "stream_url": ctx.stream_url(alert),
        "heading": heading,
        "event": event,
        "items": items,
        "alert_name": alert.name,
        "alert_url": ctx.alert_url(alert),
        "unsubscribe_url": unsubscribe_url(ctx, alert),
        "frequency": words["freq"].get(alert.frequency, alert.frequency),
    }
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("veille.alerts", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        keep_trailing_newline=True,
    )
    text = env.get_template(f"digest_{lang}.txt.j2").render(values)
    body_html = env.get_template(f"digest_{lang}.html.j2").render(values)
    return f"veille{colon(lang)} {heading}", text, body_html


# A line break and the spaces around it (a query written over several lines).
_BREAK = re.compile(r"[^\S\r\n\x0b\x0c\x85\u2028\u2029]*[\r\n\x0b\x0c\x85\u2028\u2029]+\s*")


def one_line(text: str) -> str:
    """``text`` with each line break (and the spaces around it) one space: a
    heading and an e-mail's Subject, which may hold no line break (the mail
    library refuses such a header, and the alert's every delivery failed)."""
    return _BREAK.sub(" ", text).strip()


# UTF-8 bytes an encoded word of the Subject carries: "=?utf-8?b?" with 56
# base64 characters and "?=" is 68, within a 78-character line after "Subject: "
# (RFC 2047 allows 75 per word).
_WORD_BYTES = 42


def set_subject(msg: EmailMessage, subject: str) -> None:
    """``msg``'s Subject, ``subject`` on one line. One not in ASCII is written
    here as RFC 2047 encoded words, each space inside a word: Python's header
    folding (3.11) can leave a space between two encoded words, where a reader
    drops it (RFC 2047 6.2): « Rapport sur « lumio » :7–13 déc. » for one week
    in seven, as long as the subject fell so (CPython gh-92081)."""
    line = one_line(subject)
    if line.isascii():  # folded at its spaces, none of them lost
        msg["Subject"] = line
        return
    words: list[bytes] = []
    chunk = b""
    for char in line:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    encoded = [f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words]
    # Kept as written: the policy refolds only a line longer than 78 characters.
    msg.set_raw("Subject", "\n ".join(encoded))


def posts_heading(alert: Alert, n: int) -> str:
    """``3 new results for “lumio”`` in the alert's language (French spacing applied)."""
    lang = alert.language if alert.language in _WORDS else "en"
    words: dict[str, Any] = _WORDS[lang]
    heading = (words["one"] if n == 1 else words["many"]).format(
        n=format_number(n, lang), s=one_line(alert.subject)
    )
    return typography(heading, lang)


def over_cap_words(delivery: Delivery) -> tuple[str, str] | None:
    """What the alert's daily cap held back since its last message, said in its
    language: the sentence, and the words of the link to the alert's page that
    lists them (``None`` when nothing was held back)."""
    n = delivery.over_cap
    if not n:
        return None
    alert = delivery.alert
    lang = alert.language if alert.language in _WORDS else "en"
    words: dict[str, Any] = _WORDS[lang]
    sentence = plural(n, lang, *words["over_cap"]).format(
        n=format_number(n, lang), cap=format_number(alert.daily_cap, lang)
    )
    return sentence, plural(n, lang, *words["over_cap_page"])


def cap_reached_words(delivery: Delivery) -> str | None:
    """That the alert's daily cap is reached today, in its language (or ``None``)."""
    if not delivery.cap_reached:
        return None
    lang = delivery.alert.language if delivery.alert.language in _WORDS else "en"
    words: dict[str, Any] = _WORDS[lang]
    said = words["cap_reached"].format(cap=format_number(delivery.alert.daily_cap, lang))
    return typography(str(said), lang)


def unsubscribe_url(ctx: ChannelContext, alert: Alert) -> str:
    """The alert's one-click unsubscribe link (RFC 8058): its secret token
    lets a recipient stop this alert, and only this one, without logging in."""
    from veille.alerts.model import unsubscribe_token

    token = unsubscribe_token(alert)
    return f"{ctx.alert_url(alert)}/unsubscribe" + (f"?token={token}" if token else "")


def recipients(url: str) -> list[str]:
    parts = urlsplit(url)
    found = [unquote(a).strip() for a in parts.path.split(",") if a.strip()]
    if not found or any("@" not in a for a in found):
        from veille.alerts.channels.apprise_mask import mask_channel_url

        raise UsageError(
            tr(
                "%(field)s %(url)r names no e-mail address",
                field=SEND_TO,
                url=mask_channel_url(url),
            ),
            hint=tr("Use mailto:you@example.org (the server is the workspace's [smtp] host)."),
        )
    return found


class EmailChannel:
    def __init__(self, url: str, ctx: ChannelContext) -> None:
        self.to = recipients(url)
        self.ctx = ctx

    def message(self, delivery: Delivery) -> EmailMessage:
        charts: list[tuple[str, bytes]] = []
        if delivery.kind == "report":
            from veille.alerts.reports import mail_charts, report_mail

            unsubscribe = unsubscribe_url(self.ctx, delivery.alert)
            subject, text, body_html = report_mail(delivery, self.ctx, unsubscribe)
            body_html, charts = mail_charts(body_html, delivery.id)
        else:
            subject, text, body_html = render(delivery, self.ctx)
        smtp = self.ctx.settings.smtp
        msg = EmailMessage()
        set_subject(msg, subject)
        msg["From"] = formataddr((self.ctx.settings.workspace.name, smtp.sender))
        msg["To"] = ", ".join(self.to)
        # RFC 5322 requires it; without it some servers add their own, some spam filters frown.
        msg["Date"] = timefmt.date_header(datetime.now(UTC), self.ctx.settings.workspace.timezone)
        msg["Message-ID"] = make_msgid(idstring=delivery.id.replace(":", "."), domain="veille")
        msg["X-Veille-Delivery"] = delivery.id
        msg["List-Unsubscribe"] = f"<{unsubscribe_url(self.ctx, delivery.alert)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(text)
        msg.add_alternative(body_html, subtype="html")
        if charts:  # the report's charts, beside the HTML they are shown in
            html_part = msg.get_body(("html",))
            assert html_part is not None
            for cid, png in charts:
                html_part.add_related(png, "image", "png", cid=f"<{cid}>")
        doc = delivery.document
        if doc is not None and doc.pdf:
            msg.add_attachment(
                doc.pdf, maintype="application", subtype="pdf", filename=doc.filename
            )
        # After add_alternative, which moves Content-* headers into the first part.
        msg["Content-Language"] = delivery.alert.language
        return msg

    def send(self, delivery: Delivery) -> None:
        smtp = self.ctx.settings.smtp
        env = os.environ if self.ctx.environ is None else self.ctx.environ
        password = env.get(smtp.password_env, "")
        timeout = self.ctx.settings.alerts.send_timeout_seconds
        msg = self.message(delivery)
        try:
            client: smtplib.SMTP
            if smtp.security == "tls":
                client = smtplib.SMTP_SSL(
                    smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
            with client:
                if smtp.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if smtp.user:
                    client.login(smtp.user, password)
                client.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(
                tr(
                    "SMTP %(host)s:%(port)s: %(kind)s: %(error)s",
                    host=smtp.host,
                    port=smtp.port,
                    kind=exc.__class__.__name__,
                    error=str(exc),
                ),
                hint=tr("Check the [smtp] settings in veille.toml."),
            ) from exc
