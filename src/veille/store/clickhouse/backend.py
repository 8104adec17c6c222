"""``chdb:///PATH`` and ``clickhouse://HOST:PORT/DATABASE``: posts in ClickHouse."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from veille.errors import ConfigError, tr
from veille.urlmask import mask_url

CHDB_PREFIX = "chdb:///"


def chdb_path(url: str, root: Path) -> Path:
    """The folder of ``chdb:///PATH`` (relative to ``root``; ``chdb:////abs`` is absolute)."""
    if not url.lower().startswith(CHDB_PREFIX):
        raise ConfigError(
            tr("[store] %(url)r is not a chDB URL", url=mask_url(url)),
            hint=tr('Write "chdb:///posts.chdb" (a folder, relative to the workspace) '
                    'or "chdb:////abs/folder".'),
        )  # fmt: skip
    rest = url[len(CHDB_PREFIX) :]
    if not rest:
        raise ConfigError(
            tr("[store] %(url)r names no folder", url=mask_url(url)),
            hint=tr('Write "chdb:///posts.chdb".'),
        )
    path = Path(rest).expanduser()
    return path if path.is_absolute() else root / path


def recorded_chdb_url(url: str, root: Path) -> str:
    """``chdb:///PATH`` as veille.toml records it: a folder inside the
    workspace ``root`` relative to it (``chdb:///posts.chdb``, however it was
    spelled), so that the workspace moved or copied elsewhere finds its
    posts; one outside by its absolute path (``chdb:////srv/posts.chdb``)."""
    from veille.store.registry import path_in_workspace

    return CHDB_PREFIX + path_in_workspace(chdb_path(url, root), root)


class ChdbBackend:
    """Registered under ``chdb`` (see :mod:`veille.store.registry`): ClickHouse
    in this process, over a folder that one process at a time opens."""

    scheme = "chdb"
    roles = frozenset({"posts"})
    one_process = True

    def open(self, url: str, *, root: Path) -> Any:
        from veille.store.clickhouse.client import ChdbClient
        from veille.store.clickhouse.store import ClickHouseStore

        path = chdb_path(url, root)
        client = ChdbClient(path)
        try:
            return ClickHouseStore(client, str(path))
        except BaseException:  # (refused, or its upgrade failed): the folder is let go
            client.close()
            raise

    def recorded_url(self, url: str, *, root: Path) -> str:
        return recorded_chdb_url(url, root)

    def backup(
        self, url: str, *, root: Path, into: Path, opened: Any = None, stop: Any = None
    ) -> tuple[Path, Path]:
        """A copy of the chDB folder at ``url`` written into the folder
        ``into`` (see :meth:`veille.store.sqlite.backend.SQLiteBackend.backup`),
        as it was at one moment while its holder goes on writing
        (:mod:`veille.store.clickhouse.backup`). ``opened``: the store this
        process has open on it (the process that schedules backups); else
        the folder is opened here, unless another process holds it, which
        alone can back it up (``[backup]``). Not migrated. ``stop`` (an
        event): once set, the copy is cut short (``copy_folder``)."""
        from veille.errors import StoreError, StoreLocked
        from veille.store.clickhouse.backup import copy_folder
        from veille.store.clickhouse.client import ChdbClient, folder_holder

        source = chdb_path(url, root)
        if not (source / "metadata").is_dir():
            raise StoreError(
                tr("[store] %(url)r: no chDB folder at %(path)s", url=mask_url(url),
                   path=str(source)),
                hint=tr("Check [store] in veille.toml (or --workspace)."),
            )  # fmt: skip
        try:
            written = into / source.resolve().relative_to(root.resolve())
        except ValueError:
            written = into / source.name
        client = getattr(opened, "client", None)
        if isinstance(client, ChdbClient):
            copy_folder(client, written, stop=stop)
            return written, source
        holder = folder_holder(source)
        if holder is not None:
            raise StoreLocked(
                tr("the chDB folder %(path)s is open in another process (%(holder)s): "
                   "only that process can back it up while it runs", path=str(source),
                   holder=holder),
                hint=tr("Set [backup] folder in veille.toml and restart that process: it then "
                        "backs up the workspace itself, every [backup] every_hours "
                        '(docs/deploy.md, "Backups and restore"). Or stop it and run this '
                        "again."),
            )  # fmt: skip
        client = ChdbClient(source)
        try:
            copy_folder(client, written, stop=stop)
        finally:
            client.close()
        return written, source

    def check_backup_folder(self, folder: Path, *, url: str, root: Path) -> None:
        """Refuse (a :class:`UsageError`) ``[backup] folder`` where a copy of
        the chDB folder at ``url`` cannot be written, or that chDB folder
        where it cannot be backed up (see :meth:`backup`), as ``veille run``
        starts."""
        from veille.store.clickhouse.backup import refuse_backup_into, refuse_backup_of

        refuse_backup_into(folder, "[backup] folder ")
        refuse_backup_of(chdb_path(url, root))

    def test_url(self, folder: Path) -> str | None:
        """A fresh store for the contract suites (None where chdb is not installed)."""
        try:
            import chdb  # noqa: F401
        except ImportError:
            return None
        return CHDB_PREFIX + str(folder / "contract.chdb")


def server_of(url: str) -> tuple[str, int, str, dict[str, Any]]:
    """Host, port, database and clickhouse-connect's other arguments (user,
    password, HTTPS) of ``clickhouse://[USER[:PASSWORD]@]HOST[:8123]/DATABASE``."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError(
            tr("[store] %(url)r names no server", url=mask_url(url)),
            hint=tr('Write "clickhouse://HOST:8123/DATABASE".'),
        )
    options = dict(parse_qsl(parts.query))
    kwargs: dict[str, Any] = {}
    if parts.username:
        kwargs["username"] = unquote(parts.username)
    if parts.password:
        kwargs["password"] = unquote(parts.password)
    if options.get("secure") in ("1", "true"):
        kwargs["secure"] = True
    return parts.hostname, parts.port or 8123, parts.path.strip("/") or "veille", kwargs


class ClickHouseBackend:
    """Registered under ``clickhouse``: a server (or a cluster's load
    balancer) over HTTP, ``clickhouse://[USER[:PASSWORD]@]HOST[:8123]/DATABASE``;
    ``?secure=1`` for HTTPS."""

    scheme = "clickhouse"
    roles = frozenset({"posts"})

    def open(self, url: str, *, root: Path) -> Any:
        from veille.store.clickhouse.client import HttpClient
        from veille.store.clickhouse.store import ClickHouseStore

        host, port, database, kwargs = server_of(url)
        client = HttpClient(host, port, database, **kwargs)
        try:
            return ClickHouseStore(client, f"{host}:{port}/{database}")
        except BaseException:
            client.close()
            raise

    def check_backup_folder(self, folder: Path, *, url: str, root: Path) -> None:
        """Refuse (a :class:`UsageError`) ``[backup] folder`` where a copy of
        the chDB folder at ``url`` cannot be written, or that chDB folder
        where it cannot be backed up (see :meth:`backup`), as ``veille run``
        starts."""
        from veille.store.clickhouse.backup import refuse_backup_into, refuse_backup_of

        refuse_backup_into(folder, "[backup] folder ")
        refuse_backup_of(chdb_path(url, root))

    def test_url(self, folder: Path) -> str | None:
        """A fresh database on the test server (``None`` when there is none):
        ``$VEILLE_TEST_CLICKHOUSE_URL``, which the test session sets to
        ClickHouse's HTTP interface over chDB
        (:mod:`veille.store.clickhouse.testing`) unless it names a server."""
        from veille.store.clickhouse.testing import TEST_URL_ENV, fresh_database_url

        base = os.environ.get(TEST_URL_ENV)
        return fresh_database_url(base, folder) if base else None
