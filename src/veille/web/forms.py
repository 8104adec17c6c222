"""Form parsing shared by the pages that edit things (the plan, the inbox):
comma lists, numbers typed by people (a decimal comma is fine), and "run
this change, then go back with a message, or show the page with the error".

An empty field is ``None`` (unset), never zero; text that is not a number is
refused with the field's name, not ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from fastapi.responses import Response

from veille.errors import StoreError, UsageError, VeilleError, tr
from veille.web.deps import redirect


def comma_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def number(text: str, what: str) -> float | None:
    """The number typed in field ``what`` (``None`` when empty)."""
    if not text.strip():
        return None
    try:
        found = float(text.strip().replace(",", "."))
    except ValueError:
        found = math.nan
    # float() also reads nan, inf and 1e400 (infinite): no count, hours or money.
    if not math.isfinite(found):
        raise UsageError(
            tr("%(field)s: %(text)r is not a number", field=what, text=text),
            hint=tr("Write a number."),
        ) from None
    return found


def whole(text: str, what: str) -> int | None:
    """The whole number typed in field ``what`` (``None`` when empty)."""
    value = number(text, what)
    if value is None:
        return None
    if value != int(value):
        raise UsageError(
            tr("%(field)s: %(text)r is not a whole number", field=what, text=text),
            hint=tr("Write e.g. 100."),
        )
    return int(value)


def store_errors_through(exc: VeilleError) -> None:
    """Raise ``exc`` again when it is a store's failure (the database away,
    locked, broken): no form's error to fix, and its message names the
    database. The app's handler answers it (a 503 page saying to try again).
    Call it first in a route's ``except VeilleError`` that shows the error."""
    if isinstance(exc, StoreError):
        raise exc


def attempt(
    action: Callable[[], object],
    *,
    done: str | Callable[[], str],
    where: str,
    on_error: Callable[[VeilleError], Response],
) -> Response:
    """Run ``action``; then back to ``where`` with ``done``, or ``on_error``'s
    page (the form again, with the error) when the action is refused.
    ``done`` may be made after the action (what it found to say)."""
    try:
        action()
    except VeilleError as exc:
        store_errors_through(exc)
        return on_error(exc)
    return redirect(where, message=done if isinstance(done, str) else done())


#: The hidden field of an edit form holding what it showed (JSON: field → value).
SHOWN_FIELD = "shown"


def shown_json(values: Mapping[str, str]) -> str:
    """What an edit form shows, for its hidden :data:`SHOWN_FIELD` (a form
    value of its own per field would not do: an empty one arrives as absent)."""
    import json

    return json.dumps(dict(values), ensure_ascii=False, sort_keys=True)


def shown_values(text: str) -> dict[str, str | None]:
    """:func:`shown_json` read back; ``{}`` (the form did not say: every
    field sent counts as changed) for anything else."""
    import json

    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, str)}


def edited_fields(
    shown: Mapping[str, str | None], sent: Mapping[str, str], stored: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """What a person changed on a form opened a while ago, and what clashes.

    ``shown``: each field's value as the form showed it (``None``: the form
    did not say, an older page); ``sent``: as it came back; ``stored``: as
    it is now. A field sent as it was shown was left alone: it is not
    written, so a change someone else saved meanwhile stays. A field changed
    both here and, since the form was opened, by someone else (to another
    value) is a clash: the caller refuses the save and says so."""
    changes: dict[str, str] = {}
    clashes: list[str] = []
    for field, value in sent.items():
        was = shown.get(field)
        if was is not None and value == was:
            continue
        now = stored.get(field)
        if was is not None and now is not None and now != was and now != value:
            clashes.append(field)
        changes[field] = value
    return changes, clashes
