"""A throwaway PostgreSQL 15 + PostGIS cluster for the tests and the database benchmark.

``initdb`` in a temporary directory, ``postgres`` on a free loopback port with its socket in that directory,
run as the ``postgres`` system user when we are root (PostgreSQL refuses to run as root). Trust
authentication on loopback only; fsync off (the cluster is thrown away). ``stop()`` removes everything.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("BB_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
APT_COMMAND = "apt-get install -y postgresql postgresql-15-postgis-3"
SUPERUSER = "bb"


def missing() -> str | None:
    """Why a cluster cannot be started here (with the command that fixes it), or None."""
    absent = [str(PG_BIN / b) for b in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / b).is_file()]
    if not POSTGIS_CONTROL.is_file():
        absent.append(str(POSTGIS_CONTROL))
    if absent:
        return f"PostgreSQL 15 with PostGIS is needed (missing {', '.join(absent)}); install it with: {APT_COMMAND}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return f"running as root needs the 'postgres' system user to run the server; install it with: {APT_COMMAND}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running throwaway cluster."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def psql_env(self) -> dict[str, str]:
        return {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": SUPERUSER}

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


def start(prefix: str = "bb-pg-") -> Cluster:
    """initdb and start a cluster; raise RuntimeError (with the apt command when binaries are missing)."""
    why = missing()
    if why:
        raise RuntimeError(why)
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(root, entry.pw_uid, entry.pw_gid)
    root.chmod(0o700)
    _run([str(PG_BIN / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
          "--no-locale", "--no-sync"])
    last = ""
    for _ in range(5):  # the port may be taken between choosing and binding it: try another
        port = free_port()
        opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=50 -c shared_buffers=64MB")
        res = _run([str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "server.log"), "-o", opts,
                    "-w", "-t", "30", "start"], check=False)
        if res.returncode == 0:
            return Cluster(root, port)
        last = (root / "server.log").read_text(errors="replace")[-2000:] if (root / "server.log").exists() else res.stderr
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"could not start postgres:\n{last}")


@contextlib.contextmanager
def running(prefix: str = "bb-pg-") -> Iterator[Cluster]:
    """A cluster for the duration of a with-block, removed afterwards."""
    cluster = start(prefix)
    try:
        yield cluster
    finally:
        cluster.stop()


def create_database(cluster: Cluster, name: str, template: str | None = None) -> str:
    """Create a database (optionally from a template) and return its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        conn.execute(query)
    return cluster.url(name)
