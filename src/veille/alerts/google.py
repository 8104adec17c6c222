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


def import_google_alerts(
    ws: Workspace, path: Path, *, rss_channel: str | None = None
) -> list[Text]:
    """Create one alert per Google alert; the report lines (sentences made by
    :func:`tr`, said in the reader's language).

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
    existing = {a.name for a in book.all()}
    detected = set(ws.settings.enrich.languages)
    skipped = 0
    for rec, got in zip(records, settings, strict=True):
        query, notes = translate_query(str(rec["query"]))
        name = re.sub(r"[^\w.]+", "-", fold(str(rec["query"]))).strip("-.")[:56] or "google"
        base, n = name, 2
        while name in existing or topic_query(ws.store, name) is not None:
            name, n = f"{base}-{n}", n + 1
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
        try:
            channel_for(channel, ctx)
            add_topic(ws.store, name, query)
        except VeilleError as exc:
            skipped += 1
            lines.append(tr("skipped “%(query)s”: %(why)s", query=rec["query"], why=exc.message))
            continue
        lang = got.language or ""
        alert = Alert(
            name=name, channel_url=channel, topic=name, frequency=frequency, at_time=got.at,
            weekday=got.weekday, mode="best" if got.best else "all",
            languages=(lang,) if lang else (),
            language=lang if lang in ("en", "fr") else ws.settings.workspace.ui_language,
        )  # fmt: skip
        book.add(alert)
        existing.add(name)
        how = tr("%(every)s, best only", every=frequency) if got.best else frequency
        line = tr("topic and alert %(name)s: “%(query)s” → %(channel)s (%(how)s)",
                  name=name, query=query, channel=channel, how=how)  # fmt: skip
        for note in notes:
            line = _and(line, note)
        lines.append(line)
    imported = len(lines) - skipped
    lines.append(
        trn("%(n)s alert imported from %(file)s, %(skipped)s skipped.",
            "%(n)s alerts imported from %(file)s, %(skipped)s skipped.",
            imported, n=Count(imported), file=path.name, skipped=Count(skipped))
    )  # fmt: skip
    return lines


def _and(line: str, note: str) -> Text:
    """``line`` followed by ``note``, each said in the reader's language."""
    return tr("%(line)s; %(note)s", line=line, note=note)
