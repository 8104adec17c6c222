"""Any other URL: a chat or push service through apprise (Slack, Microsoft
Teams, Matrix, Discord, ntfy, Telegram, ``json://`` …)."""

from __future__ import annotations

from veille.alerts.channels.base import ChannelContext, ChannelError, Delivery
from veille.errors import UsageError, tr
from veille.query.highlight import highlight

MAX_POSTS = 10


def markdown(delivery: Delivery, ctx: ChannelContext) -> tuple[str, str]:
    alert = delivery.alert
    fr = alert.language == "fr"
    if delivery.event:
        lang = alert.language
        title = delivery.event.get("summary", {}).get(lang, "")
        lines = [f"- {line}" for line in delivery.event.get("details", {}).get(lang, [])]
        if delivery.event.get("link"):
            lines.append(f"[{'Rapport' if lang == 'fr' else 'Report'}]({delivery.event['link']})")
        return title, "\n".join(lines)
    n = len(delivery.items)
    title = (
        f"{n} nouveau(x) résultat(s) pour « {alert.subject} »"
        if fr
        else f"{n} new result(s) for “{alert.subject}”"
    )
    lines = []
    for item in delivery.items[:MAX_POSTS]:
        p = item.post
        text = highlight(p.text, [(s, e) for f, s, e in item.spans if f == "text"], as_html=False)
        lines.append(
            f"- **@{p.author.handle}** ({p.platform}): {text[:280]} [↗]({ctx.post_url(p)})"
        )
    if n > MAX_POSTS:
        lines.append(f"… {n - MAX_POSTS} de plus" if fr else f"… {n - MAX_POSTS} more")
    lines.append(f"[{alert.name}]({ctx.alert_url(alert)})")
    return title, "\n".join(lines)


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
            raise UsageError(
                tr(
                    "where to send (to) %(scheme)s:… is not a channel veille or apprise knows",
                    scheme=url.split(":", 1)[0],
                ),
                hint=tr(
                    "Use mailto:, webhook+https://, atom:PATH or an apprise URL "
                    "(https://github.com/caronc/apprise/wiki)."
                ),
            )
        http = ctx.settings.http
        plugin = self.apobj[0]
        # XMPP sends from a thread of its own, outside the guarded context.
        if not http.allow_private_networks and type(plugin).__module__.startswith(
            "apprise.plugins.xmpp"
        ):
            raise guard.RefusedAddress(
                tr(
                    "where to send (to) %(url)s: veille cannot check where this channel connects",
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
                    tr("where to send (to) %(url)s: refused, %(reason)s", url=shown, reason=reason),
                    hint=guard.BLOCKED_HINT,
                )

    def send(self, delivery: Delivery) -> None:
        import apprise

        from veille.alerts.channels import apprise_guard as guard
        from veille.alerts.channels.apprise_mask import mask_channel_url

        title, body = markdown(delivery, self.ctx)
        with guard.guarded(self.ctx.settings.http) as checked:
            ok = self.apobj.notify(
                title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN
            )
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
            raise ChannelError(tr("%(url)s: the service refused the notification", url=shown))
