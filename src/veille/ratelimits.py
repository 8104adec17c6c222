"""What hosts say of our quota and of when to come back: the rate-limit
headers (``X-RateLimit-*``, ``x-ratelimit-*`` as Reddit sends them, IETF
``RateLimit-*``) and ``Retry-After``, read for :class:`veille.http.HttpClient`.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass
class RateState:
    """What a host said about our remaining quota."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None  # wall-clock (time.time()) seconds


# The furthest a quota reset is believed: 'reset: 99999999999999' or 'nan'
# from one answer made every later request to that host fail, for as long as
# the process lived (no request went out to hear a new quota).
MAX_RESET_SECONDS = 86400.0


def _parse_reset(value: str, now: float) -> float | None:
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return min(when.timestamp(), now + MAX_RESET_SECONDS)
    if not math.isfinite(number):
        return None
    # Epoch seconds look like epoch seconds; anything smaller is a delay.
    return min(number if number > 1_000_000_000 else now + number, now + MAX_RESET_SECONDS)


def parse_rate_headers(headers: Mapping[str, str], now: float | None = None) -> RateState | None:
    """The quota announced by ``headers`` (any of the three common families)."""
    now = time.time() if now is None else now
    h = {k.lower(): v for k, v in headers.items()}
    for prefix in ("x-ratelimit-", "ratelimit-"):
        if prefix + "remaining" in h:
            state = RateState()
            try:
                state.remaining = int(float(h[prefix + "remaining"].split(",")[0]))
            except (ValueError, OverflowError):  # also "nan", "inf"
                return None
            if prefix + "limit" in h:
                try:
                    state.limit = int(float(h[prefix + "limit"].split(",")[0].split(";")[0]))
                except (ValueError, OverflowError):
                    state.limit = None
            if prefix + "reset" in h:
                state.reset_at = _parse_reset(h[prefix + "reset"], now)
            return state
    return None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
