"""A throwaway PostgreSQL server for tests and local trials.

:class:`TestServer` runs ``initdb`` and ``pg_ctl start`` in a temporary
folder, listening on a free loopback port only (no socket elsewhere, trust
authentication on loopback). PostgreSQL refuses to run as root: as root, the
server runs as the ``postgres`` system user (Debian's package creates it) or
``nobody``, through ``runuser``. :func:`fresh_schema_url` gives each contract
test an empty schema of its own on that server (cheaper than a database).
Given a folder, the server keeps its data there between runs (a benchmark's
cached workspace keeps its state), on a new port each start.

For failover tests, :meth:`TestServer.standby` makes a streaming replica of a
running server (a replication role and its ``pg_hba.conf`` line on the
primary, ``pg_basebackup -R`` for the replica, ``hot_standby = on``), which
:meth:`TestServer.promote` turns into a primary once :meth:`TestServer.kill`
took the first one down; :func:`multi_host_url` names both, as an operator's
``[store] state`` does.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

_BIN_DIRS = ("/usr/lib/postgresql",)


def find_binary(name: str) -> str | None:
    """``initdb``/``pg_ctl`` on PATH, or in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    for base in _BIN_DIRS:
        root = Path(base)
        if root.is_dir():
            for version in sorted(root.iterdir(), reverse=True):
                candidate = version / "bin" / name
                if candidate.is_file():
                    return str(candidate)
    return None


def missing_reason() -> str | None:
    """Why no test server can start here, or ``None`` when one can."""
    for name in ("initdb", "pg_ctl"):
        if find_binary(name) is None:
            return f"PostgreSQL is not installed ({name} not found; apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ModuleNotFoundError:
        return "psycopg 3 and psycopg-pool are not installed"
    if os.geteuid() == 0 and _unprivileged_user() is None:
        return "running as root and no unprivileged user (postgres, nobody) to run PostgreSQL"
    return None


def _unprivileged_user() -> str | None:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestServer:
    """One PostgreSQL server in a temporary folder, which :meth:`stop`
    removes; or in ``folder``, kept (its data and database made on the first
    start only)."""

    __test__ = False  # not a pytest test class

    def __init__(self, folder: Path | None = None, *, durable: bool = False) -> None:
        """``durable``: each commit waits for its WAL to be written (and, on a
        primary with a synchronous standby, for the standby to have it),
        where a throwaway server skips that for speed."""
        self.kept = folder is not None
        self.durable = durable
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder or Path(tempfile.mkdtemp(prefix="veille-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = "veille"
        self._as: list[str] = []
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/veille"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}")

    def _run_as_owner(self) -> None:
        """As root, everything runs as an unprivileged user owning the folder."""
        if os.geteuid() == 0:
            user = _unprivileged_user()
            assert user, missing_reason()
            entry = pwd.getpwnam(user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            self._as = ["runuser", "-u", user, "--"]

    def start(self) -> TestServer:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        assert initdb and pg_ctl, missing_reason()
        self._run_as_owner()
        made = (self.data / "PG_VERSION").exists()
        if not made:
            self._run(
                initdb, "-D", str(self.data), "-U", self.user, "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=32MB "
            # A standby (made by :meth:`standby`) answers reads.
            "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on"
        )
        if not self.durable:
            options += " -c synchronous_commit=off"
        self._run(
            pg_ctl, "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self.started = True
        self._create_database()
        return self

    def _create_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres", autocommit=True
                ) as conn:
                    made = "SELECT 1 FROM pg_database WHERE datname = 'veille'"
                    if not conn.execute(made).fetchone():
                        conn.execute("CREATE DATABASE veille")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def standby(self, *, synchronous: bool = True) -> TestServer:
        """A streaming replica of this running server, started on a port of
        its own in a temporary folder: what an operator sets up for
        failover. ``synchronous``: this server's commits then wait for the
        replica to have them (``synchronous_standby_names``), so none
        committed is lost when this one dies; asynchronous replication may
        lose the last ones."""
        import psycopg

        assert self.started, "start the primary first"
        with psycopg.connect(self.url, autocommit=True) as conn:
            made = "SELECT 1 FROM pg_roles WHERE rolname = 'replicator'"
            if not conn.execute(made).fetchone():
                conn.execute("CREATE ROLE replicator WITH REPLICATION LOGIN")
            row = conn.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba, line = str(row[0]), "host replication replicator 127.0.0.1/32 trust"
        # As the server's own user: the file is its.
        self._run("sh", "-c", f"grep -qxF '{line}' {hba} || echo '{line}' >> {hba}")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        replica = TestServer(durable=self.durable)
        replica._run_as_owner()
        basebackup = find_binary("pg_basebackup")
        assert basebackup, "pg_basebackup not found (Debian's postgresql package has it)"
        replica._run(
            basebackup, "-h", "127.0.0.1", "-p", str(self.port), "-U", "replicator",
            "-D", str(replica.data), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        replica.start()
        deadline = time.monotonic() + 30
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not conn.execute(
                "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"
            ).fetchone():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the standby on port {replica.port} did not stream")
                time.sleep(0.1)
            if synchronous:
                # Set on this server only (after the base backup): a promoted
                # replica with it set would wait for a standby it has not.
                conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
                conn.execute("SELECT pg_reload_conf()")
        return replica

    def cut_off(self) -> None:
        """This standby stops receiving its primary's WAL (``primary_conninfo``
        emptied and reloaded; the WAL receiver stops): an asynchronous
        replica lagging behind, as one does, made deterministic. What the
        primary commits from then on is lost if it dies before the replica is
        promoted."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET primary_conninfo = ''")
            conn.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + 30
            while conn.execute("SELECT 1 FROM pg_stat_wal_receiver").fetchone():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the standby on port {self.port} still receives WAL")
                time.sleep(0.1)

    def kill(self) -> None:
        """The server dies as with a machine lost: its postmaster SIGKILLed
        (its sessions end as they notice), nothing flushed or shut down."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.started = False

    def promote(self) -> None:
        """This standby becomes a primary (``pg_ctl promote``, waited for)."""
        pg_ctl = find_binary("pg_ctl")
        assert pg_ctl
        self._run(pg_ctl, "-D", str(self.data), "-w", "-t", "60", "promote")

    def stop(self) -> None:
        if self.started:
            pg_ctl = find_binary("pg_ctl")
            assert pg_ctl
            # A kept server shuts down cleanly (no recovery at the next start).
            mode = "fast" if self.kept else "immediate"
            subprocess.run(
                [*self._as, pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
            self.started = False
        if not self.kept:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def multi_host_url(*servers: TestServer) -> str:
    """One libpq URL naming every server, for the one taking writes: what
    ``[store] state`` says to follow a failover without a proxy."""
    hosts = ",".join(f"127.0.0.1:{server.port}" for server in servers)
    return f"postgresql://{servers[0].user}@{hosts}/veille?target_session_attrs=read-write"


def fresh_schema_url(base: str, folder: Path) -> str:
    """``base`` with a new, empty schema named after ``folder`` as the search
    path: each test (each ``tmp_path``) gets its own tables."""
    import psycopg

    name = "t_" + hashlib.sha1(str(folder).encode()).hexdigest()[:16]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={name}')}"
