"""HTML printed as PDF (WeasyPrint), in fonts that draw what posts hold.

Reports and the plan quote posts, and posts carry emoji all the time and
Chinese, Japanese or Korean text often enough. WeasyPrint draws each
character with the first font of the page's ``font-family`` that has it,
else with any font fontconfig finds that has it; with none, it draws an
empty box (the ``.notdef`` glyph) and goes on. :data:`FONT_CSS` names the
fonts that draw them best; :func:`write_pdf` says, in the log, which
characters no font on the system could draw and which packages to install.

The emoji font is not named: fontconfig's fallback finds it for emoji
(Pango draws an emoji's sequence with a colour font by itself), and a
stack that names it draws digits, ``#`` and ``*`` with it too (it has them,
for keycaps), so every figure of a report would change font.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.errors import Text

log = logging.getLogger(__name__)

# Latin, Greek, Cyrillic, Arabic and many symbols: the fonts the pages were
# always drawn with (fonts-dejavu-core; fonts-liberation; Arial elsewhere).
_TEXT = '"DejaVu Sans", "Liberation Sans", Arial'
# Chinese, Japanese and Korean share code points drawn differently in each
# (直, 骨 …): a post whose language is known is drawn in its own country's
# forms (Noto Sans CJK, fonts-noto-cjk); WenQuanYi Micro Hei
# (fonts-wqy-microhei, 1.6 MB) draws all three in Chinese forms where Noto
# is not installed. Fontconfig alone picks whichever its configuration
# prefers (WenQuanYi, when both are installed), whatever the language.
_CJK = "Noto Sans CJK {}"
_CJK_ANY = '"WenQuanYi Micro Hei", "Droid Sans Fallback"'
_BY_LANG = {"ja": "JP", "ko": "KR", "zh": "SC"}


def _stack(region: str) -> str:
    return f'{_TEXT}, "{_CJK.format(region)}", {_CJK_ANY}, sans-serif'


# The page's font stack, then one for each CJK language (the ``lang`` a
# post carries): only the fallbacks differ, Latin text keeps its font.
FONT_CSS = "\n".join(
    [f"body {{ font-family: {_stack('JP')}; }}"]
    + [f":lang({code}) {{ font-family: {_stack(region)}; }}" for code, region in _BY_LANG.items()]
)

# What WeasyPrint logs for each character no font has (WeasyPrint 62-70).
_NOTDEF = ".notdef glyph rendered"


class _Missing(logging.Handler):
    """Collects the characters WeasyPrint drew as empty boxes, in this
    thread only (the web app prints several PDFs at once)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.chars: dict[str, None] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread or not str(record.msg).startswith(_NOTDEF):
            return
        args = record.args if isinstance(record.args, tuple) else ()
        if args and isinstance(args[0], str):
            self.chars[args[0]] = None


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x1100 <= code <= 0x11FF  # Hangul jamo
        or 0x2E80 <= code <= 0x9FFF  # radicals, kana, CJK ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF  # rarer ideographs
    )


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF


def missing_message(chars: str, what: str) -> Text:
    """What to tell whoever made ``what`` (a PDF: ``tr("report PDF")``)
    where ``chars`` came out as empty boxes: the characters, and the
    packages that draw them. A :class:`~veille.errors.Text`: English on the
    command line and in the log, its French in the catalogs
    (``errors.po``) for a French reader."""
    from veille.errors import Count, tr

    packages = []
    if any(_is_emoji(c) for c in chars):
        packages.append(tr("fonts-noto-color-emoji (emoji)"))
    if any(_is_cjk(c) for c in chars):
        packages.append(
            tr("fonts-noto-cjk, or the smaller fonts-wqy-microhei (Chinese, Japanese, Korean)")
        )
    if any(not _is_emoji(c) and not _is_cjk(c) for c in chars):
        packages.append(tr("fonts-noto-core (most other scripts)"))
    install = packages[0]
    for more in packages[1:]:
        install = tr("%(these)s; %(more)s", these=install, more=more)
    shown = " ".join(chars[:20]) + (" …" if len(chars) > 20 else "")
    doc = tr("docs/deploy.md, Fonts for PDFs")
    if len(chars) == 1:
        return tr(
            "%(what)s: no font on this system draws %(chars)s: it shows as an empty box. "
            "Install %(install)s, then make it again (%(doc)s).",
            what=what, chars=shown, install=install, doc=doc,
        )  # fmt: skip
    return tr(
        "%(what)s: no font on this system draws %(chars)s (%(count)s characters): they show "
        "as empty boxes. Install %(install)s, then make it again (%(doc)s).",
        what=what, chars=shown, count=Count(len(chars)), install=install, doc=doc,
    )  # fmt: skip


def _inline_only() -> Any:
    """WeasyPrint's URL fetcher limited to ``data:`` URIs (the charts a
    report embeds). Its default fetches any ``http(s)``, ``ftp`` or
    ``file`` URL the HTML names, from the server and around the address
    policy every other request follows (:mod:`veille.netguard`): a
    manager's guidelines holding ``![x](http://169.254.169.254/…)`` made
    the server ask that address at every download of the plan's PDF.
    Nothing a document shows comes from elsewhere (the fonts are the
    system's), so anything else is refused and left out of the page."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint 68 and later
        return urls.URLFetcher(allowed_protocols=("data",), allow_redirects=False)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # WeasyPrint 62-67
        if not url.lower().startswith("data:"):
            raise ValueError(f"not fetched (documents embed data: URIs only): {url}")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def write_pdf(html: str, *, what: str | None = None, **options: Any) -> bytes:
    """``html`` printed as PDF by WeasyPrint (``options`` go to its
    ``write_pdf``). Characters no installed font has are drawn as empty
    boxes, as before, and one warning names them and the packages to
    install (WeasyPrint's own warnings, one a character, say neither).
    Only ``data:`` URIs are read (:func:`_inline_only`)."""
    from weasyprint import HTML

    catch = _Missing()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(catch)
    try:
        pdf = bytes(HTML(string=html, url_fetcher=_inline_only()).write_pdf(**options))
    finally:
        logger.removeHandler(catch)
    if catch.chars:
        from veille.errors import tr

        # The sentence itself as the record's message (no arguments): the
        # command line says it in its reader's language (cli.common._SaidIn).
        log.warning(missing_message("".join(catch.chars), what or tr("PDF")))
    return pdf
