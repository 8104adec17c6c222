"""Types of the C extension built from ``_kernel.c``."""

from typing import Any

from numpy import ndarray

def fill(table: ndarray, kbytes: ndarray, kinfo: ndarray, first: int, end: int) -> None: ...

class Kernel:
    def bind(
        self,
        table: ndarray,
        kbytes: ndarray,
        kinfo: ndarray,
        prefix_len: ndarray,
        pool: ndarray,
        rows: ndarray,
        width: int,
        data: ndarray,
        base: ndarray,
        needs_check: ndarray,
        prog: ndarray,
        prog_at: ndarray,
        owner: ndarray,
        ids: list[Any],
    ) -> None: ...
    def match(
        self,
        text: bytes,
        ascii: bool,
        title_end: int,
        meta: list[int],
        inside: ndarray | None,
        high: int,
        exclusions: bool,
        sparse: int,
        copy: int,
    ) -> tuple[list[Any], list[int]]: ...
