"""The alert rule and its table."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from veille.errors import FIELD_AT, FIELD_EVERY, AlreadyExists, NotFound, Place, UsageError, tr
from veille.suggest import did_you_mean

if TYPE_CHECKING:
    from veille.store.protocols.alerts import AlertState

#: Where an alert is sent, named as the reader gave it: the CLI's
#: option, the form's words, the API's field (veille.errors.Place).
SEND_TO = Place(
    tr("where to send the alert (--to)"),
    page=tr("where to send the alert"),
    api=tr("where to send the alert (to)"),
)

FREQUENCIES = ("instant", "hourly", "daily", "weekly")
KINDS = ("match", "spike", "sentiment", "silence", "report")
MODES = ("all", "best")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^[\w][\w .@+-]{0,79}$")


@dataclass(frozen=True)
class Alert:
    """One alert rule: what to watch, how often, where to send it."""

    name: str
    channel_url: str
    kind: str = "match"
    topic: str | None = None
    query: str | None = None
    frequency: str = "instant"
    at_time: str = "08:00"
    weekday: int = 0
    mode: str = "all"
    min_followers: int = 0
    min_engagement: int = 0
    languages: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    daily_cap: int = 0
    quiet_start: str | None = None
    quiet_end: str | None = None
    language: str = "en"
    secret: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    paused: bool = False
    id: int | None = None
    created_at: int = 0
    updated_at: float = 0.0
    checked_at: int | None = None

    @property
    def subject(self) -> str:
        """What the alert watches, for people: the topic name or the query, or
        the source a silence alert watches."""
        return self.topic or self.query or str(self.params.get("source") or "") or self.name

    def validate(self) -> Alert:
        """This alert, or a :class:`UsageError` naming the bad value."""
        if not _NAME.match(self.name):
            raise UsageError(
                tr("alert name %(name)r is not usable", name=self.name),
                hint=tr("Use letters, digits, spaces, dots, dashes (up to 80 characters)."),
            )
        if self.kind not in KINDS:
            raise UsageError(
                tr("alert kind %(kind)r is unknown", kind=self.kind),
                hint=tr("Use %(known)s.", known=", ".join(KINDS)),
            )
        if self.frequency not in FREQUENCIES:
            raise UsageError(
                tr("%(field)s %(value)r is unknown", field=FIELD_EVERY, value=self.frequency),
                hint=tr("Use instant, hourly, daily or weekly."),
            )
        if self.mode not in MODES:
            raise UsageError(
                tr("mode %(value)r is unknown", value=self.mode), hint=tr("Use all or best.")
            )
        if self.language not in ("en", "fr"):
            raise UsageError(
                tr("language %(value)r: e-mails exist in en and fr", value=self.language)
            )
        for label, value in (
            (FIELD_AT, self.at_time),
            (tr("quiet hours"), self.quiet_start),
        ):
            if value is not None and not _TIME.match(value):
                raise UsageError(
                    tr("%(field)s %(value)r is not a time", field=label, value=value),
                    hint=tr("Write HH:MM, e.g. 08:30."),
                )
        if self.quiet_end is not None and not _TIME.match(self.quiet_end):
            raise UsageError(
                tr("the end of the quiet hours %(value)r is not a time", value=self.quiet_end),
                hint=tr("Write HH:MM-HH:MM, e.g. 22:00-07:00."),
            )
        for name, number in (
            ("cap", self.daily_cap),
            ("min_followers", self.min_followers),
            ("min_engagement", self.min_engagement),
        ):
            if number < 0:  # a cap of -1 would hold back every match, silently
                raise UsageError(
                    tr("%(field)s %(value)s is negative", field=name, value=number),
                    hint=tr("Give 0 (no limit) or more."),
                )
        if not 0 <= self.weekday <= 6:
            raise UsageError(tr("day must be one of mon … sun"))
        if self.kind in ("match", "spike", "sentiment") and not (self.topic or self.query):
            raise UsageError(tr("alert %(name)r needs a topic or a query", name=self.name))
        if self.kind == "report":
            from veille.alerts.reports import check_period

            if self.frequency == "instant":
                raise UsageError(
                    tr("report alert %(name)r needs a schedule", name=self.name),
                    hint=tr("Choose a frequency: weekly (a day and a time), daily or hourly."),
                )
            check_period(str(self.params.get("period") or ""), self.frequency)
        return self


def unsubscribe_token(alert: Alert) -> str:
    """The secret token of the alert's one-click unsubscribe link: derived from
    the alert's own secret, so it works for that alert only and needs no
    storage; ``""`` for an alert without a secret (nothing can then unsubscribe it)."""
    import hashlib
    import hmac

    if not alert.secret:
        return ""
    message = f"unsubscribe:{alert.id}:{alert.name}".encode()
    return hmac.new(alert.secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def parse_weekday(value: str) -> int:
    v = value.strip().lower()[:3]
    fr = {"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6}
    if v in WEEKDAYS:
        return WEEKDAYS.index(v)
    if v in fr:
        return fr[v]
    raise UsageError(
        tr("day %(value)r is not a day of the week", value=value), hint=tr("Use mon, tue … sun.")
    )


def parse_quiet(value: str | None) -> tuple[str | None, str | None]:
    """``"22:00-07:00"`` -> ``("22:00", "07:00")``."""
    if not value:
        return None, None
    start, sep, end = value.partition("-")
    if not sep or not _TIME.match(start.strip()) or not _TIME.match(end.strip()):
        raise UsageError(
            tr("quiet hours %(value)r are not a range", value=value),
            hint=tr("Write HH:MM-HH:MM, e.g. 22:00-07:00."),
        )
    return start.strip(), end.strip()


# Where the alerts are listed, for the CLI, the web app and the API.
ALERT_LIST = Place("veille alert list", page="/alerts", api="GET /api/v1/alerts")


class AlertBook:
    """The alerts of one workspace, through its store (:class:`AlertState`)."""

    def __init__(self, store: AlertState) -> None:
        self.store = store

    def all(self) -> list[Alert]:
        return self.store.list_alerts()

    def active(self, kind: str | None = None) -> list[Alert]:
        return self.store.alerts_of_kind(kind)

    def get(self, name: str) -> Alert:
        found = self.store.find_alert(name)
        if found is None:
            known = [a.name for a in self.store.list_alerts()]
            raise NotFound(
                tr("no alert named %(name)r", name=name),
                hint=tr(
                    "%(near)s See the list of alerts (%(where)s).",
                    near=did_you_mean(name, known),
                    where=ALERT_LIST,
                )
                if known
                else tr("See the list of alerts (%(where)s).", where=ALERT_LIST),
            )
        return found

    def by_id(self, alert_id: int) -> Alert | None:
        return self.store.alert_by_id(alert_id)

    def add(self, alert: Alert) -> Alert:
        alert.validate()
        now = time.time()
        alert = replace(
            alert,
            secret=alert.secret or secrets.token_hex(24),
            created_at=int(now),
            updated_at=now,
        )
        new_id = self.store.insert_alert(alert)
        if new_id is None:
            raise AlreadyExists(
                tr("an alert named %(name)r already exists", name=alert.name),
                hint=tr("Choose another name, or remove that alert first."),
            )
        return replace(alert, id=new_id)

    def update(self, name: str, **changes: Any) -> Alert:
        alert = replace(self.get(name), **changes).validate()
        alert = replace(alert, updated_at=max(time.time(), alert.updated_at + 1e-6))
        self.store.save_alert(alert)
        return alert

    def remove(self, name: str) -> None:
        alert = self.get(name)
        assert alert.id is not None
        self.store.delete_alert(alert.id)

    def __iter__(self) -> Iterator[Alert]:
        return iter(self.all())
