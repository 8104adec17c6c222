"""The web app's templates compiled once: Jinja's compiled code kept in the
user's cache folder (:mod:`veille.user_cache`).

Compiling a template costs ~15 ms of CPU (the 53 of them ~0.8 s), paid by
every web worker for each kind of page it serves first after its start;
read back from the cache, ~0.6 ms. Jinja checks each file against its
template's source (a checksum); what it does not check, the settings the
code was compiled with and its own version, names the folder, and the
newest few such folders are kept. Files are read, written and pruned as the
French catalogs' are: a folder that cannot be read or written, or a damaged
file, costs the compile and is never an error.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from veille.user_cache import digest, keep, keep_newest, read_kept, user_cache

#: Changed whenever templates compiled from the same sources with the same
#: settings would differ (a filter or extension that changes the code).
TEMPLATE_CODE_FORMAT = 1


class TemplateCodeCache(BytecodeCache):
    """Jinja's compiled templates, one file each in ``folder`` (named by
    the template's key: its name and file), read and written through
    :mod:`veille.user_cache`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load_bytecode(self, bucket: Bucket) -> None:
        # Jinja leaves the bucket empty (a compile) for code of another
        # source or Python; a file it cannot load at all is a miss too.
        bucket.code = read_kept(self._path(bucket), partial(_loaded, bucket))

    def dump_bytecode(self, bucket: Bucket) -> None:
        keep(self._path(bucket), bucket.bytecode_to_string())

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.jinja"


def _loaded(bucket: Bucket, data: bytes) -> CodeType | None:
    bucket.bytecode_from_string(data)
    return bucket.code


def template_code_cache(env: jinja2.Environment, *autoescaped: Any) -> TemplateCodeCache | None:
    """The cache of ``env``'s compiled templates (``autoescaped``: what its
    ``autoescape`` was made from, a function whose settings cannot be read
    back), in a folder of the user's cache named by all the code depends on
    besides a template's source; None where no cache folder is known."""
    base = user_cache()
    if base is None:
        return None
    made_with = repr(
        (
            TEMPLATE_CODE_FORMAT,
            jinja2.__version__,
            autoescaped,
            sorted(env.extensions),
            # The i18n extension compiles {% trans %} differently for new-style gettext.
            getattr(env, "newstyle_gettext", None),
            env.trim_blocks,
            env.lstrip_blocks,
            env.keep_trailing_newline,
            env.optimized,
            env.block_start_string,
            env.block_end_string,
            env.variable_start_string,
            env.variable_end_string,
            env.comment_start_string,
            env.comment_end_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.newline_sequence,
        )
    )
    folder = base / "templates" / digest([made_with.encode()])[:16]
    # An upgrade of veille or Jinja is a new folder: the newest few are kept.
    keep_newest(folder.parent, "[0-9a-f]" * 16, used=folder)
    return TemplateCodeCache(folder)
