"""Content-Encoding decoding that never holds more than a step of output.

httpx decodes a compressed body one received chunk at a time, each chunk to
the end: 1 MB of gzip is 1 GB of zeros in one piece, and ``gzip, gzip`` (two
layers) turns 2 KB into gigabytes before anyone can count them. The body-size
cap of :mod:`veille.http` is checked after each piece, too late: the process
has run out of memory. :class:`Inflater` gives out at most :data:`STEP` bytes
at a time, so the cap stops such a body as it stops a plain one.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

STEP = 1 << 16
ENCODINGS = ("gzip", "x-gzip", "deflate", "identity")


class UnknownEncoding(ValueError):
    """A Content-Encoding veille did not ask for and does not decode."""


class _Stage:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._d: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._d is None:
            if self.encoding == "identity":
                yield data
                return
            # deflate: zlib-wrapped as the RFC says, or raw as some servers send it.
            wrapped = (
                len(data) >= 2 and (data[0] & 0x0F) == 8 and int.from_bytes(data[:2]) % 31 == 0
            )
            self._d = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        while data:
            out = self._d.decompress(data, STEP)
            data = self._d.unconsumed_tail
            if out:
                yield out
            if self._d.eof:
                return  # what follows the end of the stream is not body

    def close(self) -> Iterator[bytes]:
        if self._d is not None and not self._d.eof:
            rest = self._d.flush()
            if rest:
                yield rest


class Inflater:
    """Decodes a body sent with ``Content-Encoding: encoding[, encoding…]``
    (applied in that order, so undone in the other), in pieces of at most
    :data:`STEP` bytes. Raises :class:`UnknownEncoding` for an encoding other
    than gzip and deflate, and :class:`zlib.error` for a broken stream."""

    def __init__(self, header: str | None) -> None:
        names = [e.strip().lower() for e in (header or "").split(",") if e.strip()]
        # Said when there is a body to decode (a 304 may name any encoding).
        self.unknown = next((n for n in names if n not in ENCODINGS), None)
        self.stages = [_Stage(n) for n in reversed(names) if n != "identity"]

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.unknown and data:
            raise UnknownEncoding(self.unknown)
        return self._through(0, data)

    def close(self) -> Iterator[bytes]:
        if self.unknown:
            return
        for i, stage in enumerate(self.stages):
            for piece in stage.close():
                yield from self._through(i + 1, piece)

    def _through(self, i: int, data: bytes) -> Iterator[bytes]:
        if i == len(self.stages):
            if data:
                yield data
            return
        for piece in self.stages[i].feed(data):
            yield from self._through(i + 1, piece)
