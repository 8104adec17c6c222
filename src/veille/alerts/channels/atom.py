"""``atom:PATH``: a per-alert Atom feed written to a file (relative to the
workspace), newest entries first, the last 100 kept."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from veille.alerts.channels.base import ChannelContext, ChannelError, Delivery
from veille.alerts.model import SEND_TO, Alert
from veille.errors import UsageError, tr
from veille.i18n import author_label
from veille.models import Post

NS = "http://www.w3.org/2005/Atom"
KEEP = 100
TITLE_SIZE = 120
FILE_MODE = 0o644
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _updated(entry: ET.Element) -> datetime:
    """An entry's ``updated`` time (the post's publication), for ordering."""
    try:
        found = datetime.fromisoformat(entry.findtext(f"{{{NS}}}updated") or "")
    except ValueError:
        return _EPOCH
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _title(text: str, size: int = TITLE_SIZE) -> str:
    """A post without a title, as a feed reader lists it: its text on one
    line, cut after a whole word with an ellipsis."""
    line = " ".join(text.split())
    kept = word_cut(line, size)
    return line if kept == len(line) else line[:kept] + "…"


def word_cut(text: str, size: int) -> int:
    """How much of ``text`` to keep to show at most ``size`` characters of
    it, ending on a whole word (a single word longer than that is cut);
    ``len(text)`` when it fits. Whoever shows less adds the ellipsis."""
    if len(text) <= size:
        return len(text)
    cut = text[:size]
    if not text[size].isspace() and any(c.isspace() for c in cut):
        cut = re.split(r"\s(?=\S*$)", cut, maxsplit=1)[0]
    return len(cut.rstrip())


# What XML 1.0 has no place for (C0 controls but tab and newlines, U+FFFE,
# U+FFFF, lone surrogates): ElementTree writes them as they are, and the
# feed is a file no reader parses, nor this channel when it adds entries.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{NS}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        el.text = _NOT_XML.sub("", text)
    return el


def feed_element(
    ctx: ChannelContext, alert: Alert, updated: str, *, self_url: str | None = None
) -> ET.Element:
    """An alert's ``<feed>`` without entries: its id, title, links and
    author; with ``self_url``, the feed's own address (``rel="self"``, which
    feed validators ask for and readers subscribe to)."""
    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")
    _el(feed, "id", f"{ctx.alert_url(alert)}#feed")
    _el(feed, "title", f"veille — {alert.subject}")
    _el(feed, "updated", updated)
    _el(feed, "link", href=ctx.alert_url(alert))
    if self_url:
        _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    author = _el(feed, "author")
    _el(author, "name", ctx.settings.workspace.name)
    return feed


def post_entry(ctx: ChannelContext, alert: Alert, post: Post) -> ET.Element:
    """One post as an ``<entry>`` of the alert's feed."""
    entry = ET.Element(f"{{{NS}}}entry")
    _el(entry, "id", f"urn:veille:{alert.id}:{post.id}")
    _el(entry, "title", post.title or _title(post.text))
    _el(entry, "link", href=ctx.post_url(post))
    _el(entry, "updated", post.published_at.isoformat(timespec="seconds"))
    # A person's name is text a reader reads (RFC 4287 3.2): never empty, and
    # a post without an author is not given the feed's (the workspace's).
    a = _el(entry, "author")
    _el(a, "name", post.author.name or author_label(post.author.handle, alert.language, at=""))
    # Plain text content: feed readers must not render post HTML.
    _el(entry, "content", post.text, type="text")
    return entry


def feed_document(
    ctx: ChannelContext, alert: Alert, posts: list[Post], *, self_url: str | None = None
) -> bytes:
    """The alert's feed holding ``posts`` (newest first), as served at its
    secret address (``/feeds/TOKEN.atom``, its ``self_url``)."""
    newest = max((p.published_at for p in posts), default=datetime.now(UTC))
    feed = feed_element(ctx, alert, newest.isoformat(timespec="seconds"), self_url=self_url)
    for post in posts:
        feed.append(post_entry(ctx, alert, post))
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def feed_file(named: str, root: Path) -> Path | None:
    """The file an ``atom:`` URL names, from what follows ``atom:``: after
    an optional ``//``, ``~`` for the home folder, else relative to the
    workspace ``root``; ``None`` when it names none. The channel writes
    there, and an erasure rewrites the same file (it read ``atom://f.xml``
    as the absolute ``//f.xml`` and left the person's entries in it)."""
    raw = named.removeprefix("//")
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else root / path


class AtomChannel:
    def __init__(self, url: str, ctx: ChannelContext) -> None:
        path = feed_file(url.split(":", 1)[1], ctx.root)
        if path is None:
            raise UsageError(
                tr("%(field)s %(url)r names no file", field=SEND_TO, url=url),
                hint=tr("Use e.g. atom:feeds/lumio.xml"),
            )
        self.path = path
        self.ctx = ctx

    def _existing(self) -> list[ET.Element]:
        if not self.path.exists():
            return []
        try:
            root = ET.parse(self.path).getroot()
        except ET.ParseError:
            return []  # a damaged feed is rewritten from now on
        except OSError as exc:  # unreadable (a folder, no permission): retried later
            raise ChannelError(
                tr("cannot read the feed %(path)s: %(error)s", path=str(self.path), error=str(exc))
            ) from exc
        return root.findall(f"{{{NS}}}entry")

    def send(self, delivery: Delivery) -> None:
        alert = delivery.alert
        now = datetime.now(UTC).isoformat(timespec="seconds")
        feed = feed_element(self.ctx, alert, now)
        fresh = [post_entry(self.ctx, alert, item.post) for item in delivery.items]
        if delivery.event:
            entry = ET.Element(f"{{{NS}}}entry")
            _el(entry, "id", f"urn:veille:{alert.id}:{delivery.id}")
            summary = delivery.event.get("summary", {}).get(alert.language, "")
            _el(entry, "title", summary)
            _el(entry, "updated", now)
            details = delivery.event.get("details", {}).get(alert.language, [])
            figures = delivery.event.get("figures", {}).get(alert.language, [])
            if delivery.event.get("link"):
                _el(entry, "link", href=delivery.event["link"])
            _el(entry, "content", "\n".join([*details, *figures]), type="text")
            fresh.append(entry)
        seen = {e.findtext(f"{{{NS}}}id") for e in fresh}
        old = [e for e in self._existing() if e.findtext(f"{{{NS}}}id") not in seen]
        # Sorted before cutting: the newest KEEP entries stay, newest first,
        # whatever order the batch and the file had.
        for entry in sorted(fresh + old, key=_updated, reverse=True)[:KEEP]:
            feed.append(entry)
        data = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".atom-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            # mkstemp makes the file 0600: a feed reader running as another
            # user (a web server serving the folder) must be able to read it.
            os.chmod(tmp, FILE_MODE)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise ChannelError(
                tr("cannot write the feed %(path)s: %(error)s", path=str(self.path), error=str(exc))
            ) from exc
