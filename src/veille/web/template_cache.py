"""The web app's templates compiled once: Jinja's compiled code kept in the
user's cache folder (:func:`veille.web.i18n.user_cache`).

Compiling a template costs ~15 ms of CPU (the 53 of them ~0.8 s), paid by
every web worker for each kind of page it serves first after its start;
read back from the cache, ~0.6 ms. Jinja itself checks each file against its
template's source (a checksum) and writes it whole (a temporary file
renamed); what it does not check, the settings the code was compiled with
and its own version, names the folder. A folder that cannot be read or
written costs the compile, as before, and is never an error.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from veille.web.i18n import user_cache

#: Changed whenever templates compiled from the same sources with the same
#: settings would differ (a filter or extension that changes the code).
TEMPLATE_CODE_FORMAT = 1

log = logging.getLogger(__name__)


class TemplateCodeCache(FileSystemBytecodeCache):
    """Jinja's file cache, where a file that cannot be read (damaged, the
    folder gone) is compiled again and one that cannot be written is not
    kept: Jinja's own raises, and a page would fail for a cache."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception as exc:  # any unreadable file is a miss
            log.debug("compiled template %s unreadable, compiling again: %s", bucket.key, exc)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.debug("compiled template not kept in %s: %s", self.directory, exc)


def template_code_cache(env: jinja2.Environment, *autoescaped: Any) -> TemplateCodeCache | None:
    """The cache of ``env``'s compiled templates (``autoescaped``: what its
    ``autoescape`` was made from, a function whose settings cannot be read
    back), in a folder of the user's cache named by all the code depends on
    besides a template's source; None where that folder cannot be made."""
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
    folder = base / "templates" / hashlib.sha256(made_with.encode()).hexdigest()[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.debug("compiled templates not kept in %s: %s", folder, exc)
        return None
    return TemplateCodeCache(str(folder))
