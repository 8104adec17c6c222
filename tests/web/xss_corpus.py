"""Injection payloads the XSS test stores in posts (text, title, author name,
URLs) and that no page may execute.

Each payload that would run script says so in a way the test sees: it opens a
dialog (``alert``/``confirm``/``prompt``), sets ``window.__xss``, or writes
``XSS49`` (template injection evaluated ``7*7``).
"""

from __future__ import annotations

# A marker a payload writes into the page if an engine evaluated it.
EVALUATED = "XSS49"

PAYLOADS: tuple[str, ...] = (
    # Script elements, plain and mangled.
    "<script>alert('xss-script')</script>",
    "<SCRIPT>window.__xss=1</SCRIPT>",
    "<scr<script>ipt>alert(2)</scr</script>ipt>",
    "<script src=data:text/javascript,alert(3)></script>",
    "</title><script>alert(4)</script>",
    "</textarea><script>alert(5)</script>",
    "</style><script>alert(6)</script>",
    "<!--<script>alert(7)</script>-->",
    # Event handlers on harmless-looking elements.
    "<img src=x onerror=alert(8)>",
    "<img src=x onerror='window.__xss=1'>",
    "<body onload=alert(9)>",
    "<details open ontoggle=alert(10)>",
    "<input autofocus onfocus=alert(11)>",
    "<video><source onerror=alert(12)></video>",
    "<marquee onstart=alert(13)>x</marquee>",
    '<div style="width:expression(alert(14))">',
    # SVG and MathML.
    "<svg onload=alert(15)>",
    "<svg><script>alert(16)</script></svg>",
    '<svg><a xlink:href="javascript:alert(17)"><text y=20>click</text></a></svg>',
    "<svg><animate onbegin=alert(18) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(19)>",
    # Links and frames.
    '<a href="javascript:alert(20)">link</a>',
    '<a href="JaVaScRiPt:alert(21)">link</a>',
    '<a href="&#106;avascript:alert(22)">encoded</a>',
    '<iframe src="javascript:alert(23)"></iframe>',
    '<iframe srcdoc="<script>parent.alert(24)</script>"></iframe>',
    '<object data="javascript:alert(25)"></object>',
    '<embed src="data:text/html,<script>alert(26)</script>">',
    '<form action="javascript:alert(27)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(28)">',
    '<base href="javascript:alert(29)//">',
    '<link rel=import href="data:text/html,<script>alert(30)</script>">',
    # Breaking out of attributes and strings.
    '" onmouseover="alert(31)" x="',
    "' onfocus='alert(32)' autofocus '",
    '"><img src=x onerror=alert(33)>',
    "'><svg onload=alert(34)>",
    "`-alert(35)-`",
    "';alert(36);//",
    '\\";alert(37);//',
    "</script><script>alert(38)</script>",
    '{"a":"</script><script>alert(39)</script>"}',
    # Template injection (Jinja, JS template strings, other engines).
    "XSS{{7*7}}",
    "XSS${7*7}",
    "XSS#{7*7}",
    "XSS{{ 7*7 }}{% raw %}",
    "{{ config.items() }}{{ self.__init__.__globals__ }}",
    "{% for x in range(3) %}LOOP{% endfor %}",
    # Encodings and odd characters.
    "&lt;script&gt;alert(40)&lt;/script&gt;",
    "%3Cscript%3Ealert(41)%3C/script%3E",
    "\u003cscript\u003ealert(42)\u003c/script\u003e",
    "<scr\u0000ipt>alert(43)</scr\u0000ipt>",
    "\u202egnp.exe <b>bidi</b>",
    "<style>@import 'javascript:alert(44)';</style>",
    "<x contenteditable onblur=alert(45)>edit</x>",
    '<noscript><p title="</noscript><img src=x onerror=alert(46)>">',
)

# URLs a post or an author may carry: a page must never make them clickable scripts.
URLS: tuple[str, ...] = (
    "javascript:alert(47)",
    "JAVASCRIPT:window.__xss=1",
    "data:text/html,<script>alert(48)</script>",
    "vbscript:msgbox(49)",
    'https://example.org/"><script>alert(50)</script>',
    "https://example.org/?q=<img src=x onerror=alert(51)>",
)
