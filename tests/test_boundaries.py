"""Only ``src/veille/store/`` speaks SQL (issue 16): no SQL statement, no
``.conn``, no ``sqlite3`` and no raw ``execute`` anywhere else in the package,
so every backend registered by URL serves every feature."""

from __future__ import annotations

import re
from pathlib import Path

import veille

PACKAGE = Path(veille.__file__).resolve().parent
STORE = PACKAGE / "store"
LEAKS = re.compile(
    r"\bSELECT\b[^\n]*\bFROM\b|\bINSERT\s+(INTO|OR)\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+(TABLE|INDEX|TRIGGER|VIEW|VIRTUAL)\b|\bBEGIN\s+IMMEDIATE\b"
    r"|\.conn\b|^\s*(import|from)\s+sqlite3\b|\.executemany\(|\.execute\(",
    re.MULTILINE,
)


def test_only_the_store_speaks_sql() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if STORE in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        for m in LEAKS.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {m.group(0).strip()}")
    assert found == [], "SQL outside src/veille/store/:\n" + "\n".join(found)
