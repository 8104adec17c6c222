"""Any other URL: a chat or push service through apprise (Slack, Microsoft
Teams, Matrix, Discord, ntfy, Telegram, ``json://`` …)."""

from __future__ import annotations

import logging
import re

from veille.alerts.channels.atom import word_cut
from veille.alerts.channels.base import ChannelContext, ChannelError, Delivery, channel_hint
from veille.alerts.model import SEND_TO
from veille.errors import UsageError, tr
from veille.i18n import author_label, platform_name
from veille.query.highlight import mark

MAX_POSTS = 10
POST_SIZE = 280  # characters of a post in a chat message
# How apprise's plugins log a failure to connect (requests' and smtplib's
# exceptions: DNS, a refused connection, a timeout) …
_UNREACHABLE = re.compile(
    r"connection error|socket exception|timed out|timeout|could not connect|"
    r"connection refused|name or service not known|failed to resolve",
    re.IGNORECASE,
)
# … and a service that answered no ("…: forbidden, error=403.").
_SERVICE_ERROR = re.compile(r"\berror=(\d{3,5})\b")
# What Markdown (and the chat services apprise converts it for) reads in a
# post's words as marks: emphasis, code, links and images, autolinks and the
# services' tokens (<!channel>, <@123>), strike-through, spoilers, tables.
_MARKS = re.compile(r"([\\`*_\[\]<>~|])")
# "@everyone", "@here", "@channel", "@room", "@name": a mention the service
# notifies, not an e-mail address (bob@example.org).
_MENTION = re.compile(r"(?<!\w)@(?=\w)")
_SPACE = re.compile(r"\s+")


def words(text: str) -> str:
    """A stranger's words (a post, its author) as a chat message shows them:
    on one line, each Markdown mark escaped (a CommonMark backslash, which
    apprise turns into each service's own), and a zero-width space after
    an ``@`` that would start a mention. Sent as they were, "@everyone" in a
    post pinged a whole Discord server and "[claim here](https://…)" showed
    a link by its words only."""
    return _MENTION.sub("@\u200b", _MARKS.sub(r"\\\1", _SPACE.sub(" ", text)))


def markdown(delivery: Delivery, ctx: ChannelContext) -> tuple[str, str]:
    alert = delivery.alert
    if delivery.event:
        lang = alert.language
        title = delivery.event.get("summary", {}).get(lang, "")
        # Veille's sentences, naming the posts' authors, words and stories.
        lines = [f"- {words(line)}" for line in delivery.event.get("details", {}).get(lang, [])]
        if delivery.event.get("link"):
            lines.append(f"[{'Rapport' if lang == 'fr' else 'Report'}]({delivery.event['link']})")
        return title, "\n".join(lines)
    from veille.alerts.channels.email import (
        cap_reached_words,
        more_words,
        newest_first,
        over_cap_words,
        posts_heading,
    )

    n = len(delivery.items)
    title = posts_heading(alert, n)
    lines = []
    over_cap = over_cap_words(delivery)
    if over_cap is not None:
        lines.append(f"{over_cap[0]} [{over_cap[1]}]({ctx.alert_url(alert)})")
    # The newest 10, newest first, as the e-mail keeps its newest 50.
    for item in newest_first(delivery.items)[:MAX_POSTS]:
        p = item.post
        # Cut at a whole word before marking the matches (a cut after could
        # split a word or a mark), with an ellipsis, as the Atom titles are.
        kept = word_cut(p.text, POST_SIZE)
        spans = [(s, e) for f, s, e in item.spans if f == "text" and e <= kept]
        text = mark(p.text[:kept], spans, escape=words)
        text += "…" if kept < len(p.text) else ""
        who = words(author_label(p.author.handle, alert.language))
        where = platform_name(p.platform)  # "Hacker News", as the e-mail and the pages say
        lines.append(f"- **{who}** ({where}): {text} [↗]({ctx.post_url(p)})")
    if n > MAX_POSTS:
        lines.append(more_words(n - MAX_POSTS, alert.language))
    reached = cap_reached_words(delivery)
    if reached is not None:
        lines.append(reached)
    lines.append(f"[{alert.name}]({ctx.alert_url(alert)})")
    return title, "\n".join(lines)


def _apprise_service(scheme: str) -> tuple[str, str] | None:
    """The name and set-up page of the apprise service that ``scheme`` is
    one of (``slack`` → Slack), or None where apprise has no such scheme."""
    import apprise

    wanted = scheme.lower()
    for service in apprise.Apprise().details()["schemas"]:
        schemes = (*(service.get("protocols") or ()), *(service.get("secure_protocols") or ()))
        if wanted in (s.lower() for s in schemes):
            return str(service["service_name"]), str(service.get("setup_url") or "")
    return None


class AppriseChannel:
    """An apprise URL. Its outgoing connections go through the workspace's address
    policy (:mod:`veille.alerts.channels.apprise_guard` says why at the socket)."""

    def __init__(self, url: str, ctx: ChannelContext) -> None:
        import apprise

        from veille.alerts.channels import apprise_guard as guard
        from veille.alerts.channels.apprise_mask import mask_channel_url

        self.url = url
        self.ctx = ctx
        self.apobj = apprise.Apprise()
        shown = mask_channel_url(url)
        if not self.apobj.add(url):
            scheme = url.split(":", 1)[0]
            service = _apprise_service(scheme)
            if service is not None:  # a scheme apprise has: the rest is wrong
                raise UsageError(
                    tr(
                        "%(field)s %(scheme)s:… is a %(service)s URL that apprise cannot "
                        "read: a part of it is missing or not written as %(service)s's are",
                        field=SEND_TO,
                        scheme=scheme,
                        service=service[0],
                    ),
                    hint=tr(
                        "Write each part as %(page)s shows; in veille's examples, a word in "
                        "capitals (TOKEN_A, TOPIC) stands for your own value.",
                        page=service[1],
                    ),
                )
            raise UsageError(
                tr(
                    "%(field)s %(scheme)s:… is not a channel veille or apprise knows",
                    field=SEND_TO,
                    scheme=scheme,
                ),
                hint=channel_hint(),
            )
        http = ctx.settings.http
        plugin = self.apobj[0]
        # XMPP sends from a thread of its own, outside the guarded context.
        if not http.allow_private_networks and type(plugin).__module__.startswith(
            "apprise.plugins.xmpp"
        ):
            raise guard.RefusedAddress(
                tr(
                    "%(field)s %(url)s: veille cannot check where this channel connects",
                    field=SEND_TO,
                    url=shown,
                ),
                hint=guard.BLOCKED_HINT,
            )
        port = getattr(plugin, "port", None)
        port = port if isinstance(port, int) else 443 if getattr(plugin, "secure", False) else 80
        # The service's host, and for apprise's e-mail the SMTP server it names.
        for attr in ("host", "smtp_host"):
            host = getattr(plugin, attr, None)
            reason = (
                guard.host_refusal(host, port, http) if isinstance(host, str) and host else None
            )
            if reason:
                raise guard.RefusedAddress(
                    tr(
                        "%(field)s %(url)s: refused, %(reason)s",
                        field=SEND_TO,
                        url=shown,
                        reason=reason,
                    ),
                    hint=guard.BLOCKED_HINT,
                )

    def send(self, delivery: Delivery) -> None:
        import apprise

        from veille.alerts.channels import apprise_guard as guard
        from veille.alerts.channels.apprise_mask import mask_channel_url

        title, body = markdown(delivery, self.ctx)
        with guard.guarded(self.ctx.settings.http) as checked:
            if hasattr(apprise, "AppriseResult"):
                # apprise 2: the result carries this call's own log lines.
                result = self.apobj.notify(
                    title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN
                )
                ok, lines = bool(result), [str(e.message) for e in result.logs()]
                timed_out = getattr(result.status, "name", "") == "TIMEOUT"
            else:
                with apprise.LogCapture(level=logging.WARNING) as captured:
                    ok = bool(
                        self.apobj.notify(
                            title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN
                        )
                    )
                lines, timed_out = captured.getvalue().splitlines(), False
        shown = mask_channel_url(self.url)
        if checked.refused:
            raise ChannelError(
                tr(
                    "%(url)s: refused, %(reason)s; not delivered",
                    url=shown,
                    reason=checked.refused[0],
                ),
                hint=guard.BLOCKED_HINT,
            )
        if not ok:
            raise self._failure(shown, lines, timed_out)

    def _failure(self, shown: str, lines: list[str], timed_out: bool) -> ChannelError:
        """Why apprise did not deliver, as far as it tells: its plugins log a
        connection error (DNS, refused connection, timeout) apart from the
        service's answer (``error=403``). Their lines may quote the URL, tokens
        included, so only the kind of failure and the status code are kept."""
        from veille.netguard import system_resolver

        text = " ".join(lines)
        code = _SERVICE_ERROR.search(text)
        if code is not None:
            return ChannelError(
                tr("%(url)s: the service refused the notification (error %(code)s)",
                   url=shown, code=code.group(1)),
                hint=tr("Check the channel URL (its token, topic or room) and the "
                        "service's limits."),
            )  # fmt: skip
        if not (timed_out or _UNREACHABLE.search(text)):
            return ChannelError(tr("%(url)s: not delivered (apprise gave no reason)", url=shown))
        plugin = self.apobj[0]
        host, port = getattr(plugin, "host", None), getattr(plugin, "port", None)
        if not isinstance(host, str) or not host:  # a service reached through a token
            return ChannelError(
                tr("%(url)s: could not reach the service (no connection or no answer)",
                   url=shown),
                hint=tr("Check this machine's network, and that the service is up."),
            )  # fmt: skip
        try:
            system_resolver(host, port if isinstance(port, int) else 443)
        except (OSError, UnicodeError):
            return ChannelError(
                tr("%(url)s: could not reach the service, cannot resolve %(host)s",
                   url=shown, host=host),
                hint=tr("Check the host name, and this machine's network and DNS."),
            )  # fmt: skip
        return ChannelError(
            tr("%(url)s: could not reach the service at %(host)s (no connection or no answer)",
               url=shown, host=host),
            hint=tr("Check this machine's network, and that the service is up."),
        )  # fmt: skip
