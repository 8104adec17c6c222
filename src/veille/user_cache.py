"""veille's folder of the user's cache, and how what is kept there is read,
written and pruned.

What veille compiles once and reads back at each start lives there: the
French catalogs (:mod:`veille.web.i18n`) and the web pages' compiled
templates (:mod:`veille.web.template_cache`). Everything in it can be made
again, so the folder is never needed: one that cannot be read or written,
or a file in it that is damaged, costs the compile and is never an error.
Each file is written whole or not at all, and only the newest few of each
kind are kept, so that an upgrade or a translator's edits do not fill the
disk while two installed versions of veille do not evict each other.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

#: How many of one kind :func:`keep_newest` keeps: more than two installed
#: versions of veille use at once, few enough that a translator compiling a
#: ``.po`` all day leaves a handful of files.
KEPT = 4

T = TypeVar("T")

log = logging.getLogger(__name__)


def user_cache() -> Path | None:
    """veille's folder of the user's cache: ``$XDG_CACHE_HOME/veille`` (an
    absolute path only, as the XDG rules say), else ``~/.cache/veille``;
    None where no home folder is known."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no password entry (a bare container)
            return None
    return Path(base) / "veille"


def digest(parts: Iterable[bytes]) -> str:
    """A name for what is made of ``parts``: any change to one of them is
    another name, so that a kept file is never read for other sources."""
    hashed = hashlib.sha256()
    for part in parts:
        # Each part behind its length: no two lists of parts hash alike.
        hashed.update(len(part).to_bytes(8, "big"))
        hashed.update(part)
    return hashed.hexdigest()


def read_kept(path: Path, parse: Callable[[bytes], T]) -> T | None:
    """What ``parse`` makes of the file at ``path``; None where there is
    none, or where reading or parsing it fails (a file cut short by a full
    disk or a crash, a folder taken away): a miss, to be compiled again."""
    try:
        return parse(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # any failure to read a kept file is a miss
        log.debug("%s unreadable in the user's cache, made again: %s", path, exc)
        return None


def keep(path: Path, data: bytes) -> bool:
    """``data`` written at ``path`` whole or not at all (a temporary file
    renamed: two processes writing at once each rename a whole file, and a
    reader never sees half of one); False where it could not be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("%s not kept in the user's cache: %s", path, exc)
        return False
    return True


def keep_newest(folder: Path, pattern: str, used: Path) -> None:
    """Of the files or folders in ``folder`` matching ``pattern``, ``used``
    (the one in use now, made or not yet) and the newest others, :data:`KEPT`
    in all, kept; the older ones removed."""
    # Dated now, so that another process pruning meanwhile keeps it too.
    with contextlib.suppress(OSError):  # not made yet, or not ours to date
        os.utime(used)
    dated = []
    for entry in folder.glob(pattern):
        try:
            dated.append((entry.stat().st_mtime, entry))
        except OSError:  # removed meanwhile by another process
            continue
    older = sorted((pair for pair in dated if pair[1] != used), reverse=True)
    for _mtime, entry in older[KEPT - 1 :]:
        # Another process may be removing it too, or still reading from it:
        # what it then misses, it compiles again.
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink(missing_ok=True)
