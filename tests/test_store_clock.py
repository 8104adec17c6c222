"""Time as the state store tells it (veille.store.clock.StoreClock)."""

from __future__ import annotations

from collections.abc import Iterator

from veille.store.clock import StoreClock


class _Store:
    def __init__(self, readings: list[float]) -> None:
        self.readings = iter(readings)

    def clock(self) -> float:
        return next(self.readings)


def _local(readings: list[float]) -> Iterator[float]:
    return iter(readings)


def test_a_store_read_between_this_machines_two_readings_has_no_offset() -> None:
    """SQLite's clock is this machine's: read between two local readings a
    process descheduled for 0.2 s took, the offset was 0.05 s to the middle
    of them, and the next pass's another, so a delivery queued at one
    pass's "now" was not yet due at the next one's, just after."""
    local = _local([100.0, 100.2, 200.0])
    clock = StoreClock(_Store([100.15]), local=lambda: next(local))
    clock.measure()
    assert clock.offset == 0.0 and clock.now() == 200.0


def test_a_store_whose_clock_is_elsewhere_is_measured_to_the_middle() -> None:
    local = _local([100.0, 100.2, 200.0])
    clock = StoreClock(_Store([700.1]), local=lambda: next(local))
    clock.measure()
    assert round(clock.offset, 6) == 600.0 and round(clock.now(), 6) == 800.0
    behind = _local([100.0, 100.2])
    late = StoreClock(_Store([40.1]), local=lambda: next(behind))
    late.measure()
    assert round(late.offset, 6) == -60.0
