"""Any other URL: a chat or push service through apprise (Slack, Microsoft
Teams, Matrix, Discord, ntfy, Telegram, ``json://`` …)."""

from __future__ import annotations

from veille.alerts.channels.base import ChannelContext, ChannelError, Delivery
from veille.alerts.channels.email import highlight
from veille.errors import UsageError

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
    def __init__(self, url: str, ctx: ChannelContext) -> None:
        import apprise

        self.url = url
        self.ctx = ctx
        self.apobj = apprise.Apprise()
        if not self.apobj.add(url):
            raise UsageError(
                f"--to {url.split(':', 1)[0]}:… is not a channel veille or apprise knows",
                hint="Use mailto:, webhook+https://, atom:PATH or an apprise URL "
                "(https://github.com/caronc/apprise/wiki).",
            )

    def send(self, delivery: Delivery) -> None:
        import apprise

        title, body = markdown(delivery, self.ctx)
        ok = self.apobj.notify(title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN)
        if not ok:
            raise ChannelError(f"{self.url.split(':', 1)[0]}: the service refused the notification")
