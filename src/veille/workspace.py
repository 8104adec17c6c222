"""A workspace: a folder holding ``veille.toml`` and the database.

Commands find it from ``--workspace DIR``, then ``VEILLE_WORKSPACE``, then the
current directory when it holds a ``veille.toml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from veille.config import CONFIG_NAME, TEMPLATE, Settings, load_settings
from veille.errors import ConfigError, UsageError, WorkspaceNotFound
from veille.store.base import Store


def find_workspace(explicit: str | Path | None = None) -> Path:
    """The workspace folder to use, or :class:`WorkspaceNotFound` saying how to make one."""
    if explicit:
        path = Path(explicit).expanduser()
        where = f"--workspace {explicit}"
    elif os.environ.get("VEILLE_WORKSPACE"):
        path = Path(os.environ["VEILLE_WORKSPACE"]).expanduser()
        where = f"VEILLE_WORKSPACE={path}"
    else:
        path = Path.cwd()
        where = "the current directory"
    if not (path / CONFIG_NAME).is_file():
        raise WorkspaceNotFound(
            f"no veille workspace in {where} (no {CONFIG_NAME} at {path})",
            hint="Create one with `veille init DIR`, then pass --workspace DIR "
            "or set VEILLE_WORKSPACE=DIR (or run `veille demo` for a populated one).",
        )
    return path.resolve()


def init_workspace(path: str | Path) -> Path:
    """Create ``path`` with a commented ``veille.toml`` and an empty database.

    Idempotent on an existing workspace: the settings file is never overwritten.
    """
    root = Path(path).expanduser()
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder", hint="Choose another path.")
    root.mkdir(parents=True, exist_ok=True)
    config = root / CONFIG_NAME
    if not config.exists():
        config.write_text(TEMPLATE, encoding="utf-8")
    Workspace.open(root).close()
    return root.resolve()


@dataclass
class Workspace:
    """An opened workspace: its settings and its store (opened on first use)."""

    root: Path
    settings: Settings
    _store: Store | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: str | Path | None = None) -> Workspace:
        root = find_workspace(path)
        return cls(root=root, settings=load_settings(root / CONFIG_NAME))

    @property
    def db_path(self) -> Path:
        p = Path(self.settings.store.path).expanduser()
        return p if p.is_absolute() else self.root / p

    @property
    def store(self) -> Store:
        if self._store is None:
            backend = self.settings.store.backend
            if backend != "sqlite":
                raise ConfigError(
                    f"[store] backend {backend!r} is not available in this version",
                    hint='Use backend = "sqlite".',
                )
            from veille.store.sqlite import SQLiteStore

            self._store = SQLiteStore.open(self.db_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
