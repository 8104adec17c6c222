"""Moving in from Google Alerts: read the Takeout / Data Portability export
(``alerts.subscriptions``: query, language, country, source, quality,
delivery_method EMAIL|RSS, delivery_frequency, delivery_time, email_address)
and create the matching topics and alerts, saying what was translated and what was not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veille.alerts.channels import ChannelContext, channel_for
from veille.alerts.matching import topic_query
from veille.alerts.model import Alert, AlertBook
from veille.errors import Count, InputError, Text, VeilleError, tr, trn
from veille.query.topics import add_topic
from veille.textnorm import fold
from veille.workspace import Workspace

_OPS = [
    (re.compile(r"\ballintitle:\s*(.+)$", re.I), "allintitle:", "title:"),
    (re.compile(r"\bintitle:", re.I), "intitle:", "title:"),
    (re.compile(r"\binurl:", re.I), "inurl:", "url:"),
    (re.compile(r"\bintext:", re.I), "intext:", "text:"),
    (re.compile(r"\s\|\s"), "|", "OR"),
    (re.compile(r"(^|\s)\+(?=\w)"), "+word", "word"),
]
_DROP = [(re.compile(r"\bAROUND\(\d+\)", re.I), "AROUND(n)"), (re.compile(r"\s\*\s"), "*")]


def _replacer(new: str) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        lead = m.group(1) if m.groups() else ""
        return lead + ("" if new == "word" else f" {new} " if new == "OR" else new)

    return repl


def translate_query(query: str) -> tuple[str, list[str]]:
    """Google's operators in veille's language; the notes say what changed
    (sentences made by :func:`tr`, said in the reader's language)."""
    notes: list[str] = []
    q = query.strip()
    for rx, label in _DROP:
        if rx.search(q):
            q = rx.sub(" ", q)
            notes.append(tr("%(operator)s has no equivalent and was dropped", operator=label))
    m = _OPS[0][0].search(q)
    if m:
        words = " ".join(f"title:{w}" for w in m.group(1).split())
        q = q[: m.start()] + words
        notes.append(tr("allintitle: → title: on each word"))
    for rx, old, new in _OPS[1:]:
        if rx.search(q):
            q = rx.sub(_replacer(new), q)
            if new == "word":
                notes.append(tr("+word → word (every word is required)"))
            else:
                notes.append(f"{old} → {new}")  # operators only: the same in every language
    if re.search(r"\bsite:", q, re.I):
        notes.append(tr("site: kept (veille matches the post's link domain)"))
    return re.sub(r"\s+", " ", q).strip(), notes


def _records(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(tr("cannot read %(path)s: %(exc)s", path=path, exc=exc)) from exc
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InputError(
                tr("%(path)s is not a Google Alerts export (JSON): %(exc)s", path=path, exc=exc),
                hint=tr("Export it from Google Takeout (“Alerts”) and pass the .json file."),
            ) from exc
    if isinstance(data, dict):
        for key in ("alerts", "subscriptions", "alerts.subscriptions", "items"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list) or not all(isinstance(d, dict) and "query" in d for d in data):
        raise InputError(
            tr("%(path)s holds no alert with a query", path=path),
            hint=tr("Is it the Alerts export?"),
        )
    return data


def _same_alert(
    ws: Workspace, existing: dict[str, Alert], base: str, query: str, claimed: set[str]
) -> Alert | None:
    """The alert an earlier import made of this Google alert: named ``base``
    (or ``base-2``, ``base-3``…, as two alerts of one query in one file are
    named), its topic's query the same, and not already claimed by another
    record of this file (the first record takes ``base``, the next ``base-2``)."""
    suffix = re.compile(re.escape(base) + r"(?:-(\d+))?")
    found = []
    for name, alert in existing.items():
        match = suffix.fullmatch(name)
        if match is None or name in claimed or not alert.topic:
            continue  # an alert on a query of its own is not one an import made
        if topic_query(ws.store, alert.topic) == query:
            found.append((int(match.group(1) or 1), alert))
    return min(found, key=lambda f: f[0])[1] if found else None


def import_google_alerts(
    ws: Workspace, path: Path, *, rss_channel: str | None = None, update: bool = False
) -> list[Text]:
    """Create one alert per Google alert; the report lines (sentences made by
    :func:`tr`, said in the reader's language).

    A Google alert imported before (the same query, under the name an import
    gave it) is not made again: it is left as it is, or, with ``update``,
    given the file's settings (channel, frequency, time, results, languages).

    Every setting is read first: one value veille does not know refuses the
    whole file (an :class:`InputError` naming each alert and value), so nothing
    is imported with a default that is not what the user chose."""
    from veille.alerts import google_values as gv

    records = _records(path)
    reader = gv.Reader()
    settings: list[gv.GoogleSettings] = []
    lines: list[Text] = []
    fields: list[str] = []
    for rec in records:
        settings.append(reader.read(rec))
        lines += gv.problem_lines(str(rec["query"]), reader.problems)
        fields += [f for f, _ in reader.problems]
        reader.problems = []
    if lines:
        said = lines[0]
        for line in lines[1:]:
            said = _and(said, line)
        raise InputError(
            tr("%(file)s: %(problems)s; nothing was imported", file=path.name, problems=said),
            hint=gv.hint_for(fields),
        )
    book = AlertBook(ws.store)
    ctx = ChannelContext(ws.settings, ws.root)
    existing = {a.name: a for a in book.all()}
    detected = set(ws.settings.enrich.languages)
    skipped = imported = already = 0
    claimed: set[str] = set()
    for rec, got in zip(records, settings, strict=True):
        query, notes = translate_query(str(rec["query"]))
        name = re.sub(r"[^\w.]+", "-", fold(str(rec["query"]))).strip("-.")[:56] or "google"
        same = _same_alert(ws, existing, name, query, claimed)
        base, n = name, 2
        if same is not None:
            name = same.name
            claimed.add(name)
        while same is None and (name in existing or topic_query(ws.store, name) is not None):
            name, n = f"{base}-{n}", n + 1
        if same is not None and not update:
            already += 1
            lines.append(
                tr(
                    "alert %(name)s already exists for “%(query)s”: left as it is "
                    "(--update gives it the file's settings)",
                    name=name,
                    query=query,
                )
            )
            continue  # fmt: skip
        if got.method == "rss" or not rec.get("email_address"):
            channel = rss_channel or f"atom:feeds/{name}.xml"
            frequency = "instant"
        else:
            channel = f"mailto:{rec['email_address']}"
            frequency = got.frequency
        if got.language and detected and got.language not in detected:
            known = ", ".join(sorted(detected))
            notes.append(
                tr("language %(lang)s is not in [enrich] languages (%(known)s): add it, or no "
                   "post will match", lang=got.language, known=known)
            )  # fmt: skip
        if got.region:
            region = rec.get("country", rec.get("region"))
            notes.append(
                tr("region %(region)s not translated (veille filters by language and platform; "
                   "add sources from that region)", region=region)
            )  # fmt: skip
        picked = [s for s in got.sources if s != "automatic"]
        if picked:
            notes.append(
                tr("sources %(sources)s not translated (veille watches the sources you add: "
                   "veille source add)", sources=", ".join(picked))
            )  # fmt: skip
        lang = got.language or ""
        chosen: dict[str, Any] = dict(
            channel_url=channel, frequency=frequency, at_time=got.at, weekday=got.weekday,
            mode="best" if got.best else "all", languages=(lang,) if lang else (),
            language=lang if lang in ("en", "fr") else ws.settings.workspace.ui_language,
        )  # fmt: skip
        try:
            channel_for(channel, ctx)
            if same is not None:
                book.update(name, **chosen)
            else:
                add_topic(ws.store, name, query)
                book.add(Alert(name=name, topic=name, **chosen))
        except VeilleError as exc:
            skipped += 1
            lines.append(tr("skipped “%(query)s”: %(why)s", query=rec["query"], why=exc.message))
            continue
        how = tr("%(every)s, best only", every=frequency) if got.best else frequency
        if same is not None:
            already += 1
            line = tr("alert %(name)s already existed for “%(query)s”: given the file's "
                      "settings → %(channel)s (%(how)s)", name=name, query=query,
                      channel=channel, how=how)  # fmt: skip
        else:
            imported += 1
            existing[name] = book.get(name)
            claimed.add(name)  # a second record of this query in this file is another alert
            line = tr("topic and alert %(name)s: “%(query)s” → %(channel)s (%(how)s)",
                      name=name, query=query, channel=channel, how=how)  # fmt: skip
        for note in notes:
            line = _and(line, note)
        lines.append(line)
    counts = dict(n=Count(imported), file=path.name, skipped=Count(skipped))
    if not already:
        lines.append(
            trn("%(n)s alert imported from %(file)s, %(skipped)s skipped.",
                "%(n)s alerts imported from %(file)s, %(skipped)s skipped.", imported, **counts)
        )  # fmt: skip
    elif update:
        lines.append(
            trn("%(n)s alert imported from %(file)s, %(already)s already there and updated, "
                "%(skipped)s skipped.",
                "%(n)s alerts imported from %(file)s, %(already)s already there and updated, "
                "%(skipped)s skipped.", imported, already=Count(already), **counts)
        )  # fmt: skip
    else:
        lines.append(
            trn("%(n)s alert imported from %(file)s, %(already)s already there and left as "
                "they were, %(skipped)s skipped.",
                "%(n)s alerts imported from %(file)s, %(already)s already there and left as "
                "they were, %(skipped)s skipped.", imported, already=Count(already), **counts)
        )  # fmt: skip
    return lines


def _and(line: str, note: str) -> Text:
    """``line`` followed by ``note``, each said in the reader's language."""
    return tr("%(line)s; %(note)s", line=line, note=note)
