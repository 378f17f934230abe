"""A throwaway PostgreSQL 15 cluster for the tests: Debian's binaries, our own data folder, a free localhost port,
password authentication, stopped by its PID. `initdb` refuses root, so as root the cluster runs as `postgres`."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from model.local_process import free_port, wait_for_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"


def postgres_missing() -> str | None:
    """Why no cluster can start here, or None."""
    if not (PG_BIN / "initdb").is_file():
        return "PostgreSQL 15 is not installed (Debian's postgresql package; scripts/dev.sh test installs it as root)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing: initdb refuses root and cannot be run as the postgres user"
    return None


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_cluster():
    """Yields (host, port, password) of a running cluster whose superuser is `postgres`."""
    folder = Path(tempfile.mkdtemp(prefix="cxr-pg-"))
    data, password = folder / "data", secrets.token_hex(12)
    (folder / "pw").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(folder, PG_USER, PG_USER)
        shutil.chown(folder / "pw", PG_USER, PG_USER)
    port = free_port()
    process = None
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    PG_USER,
                    "--auth=scram-sha-256",
                    f"--pwfile={folder / 'pw'}",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        process = subprocess.Popen(
            _as_postgres(
                [
                    str(PG_BIN / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(port),
                    "-k",
                    str(folder),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=(folder / "log").open("wb"),
        )
        wait_for_port(port, process, 60, lambda: "PostgreSQL did not start: " + (folder / "log").read_text()[-2000:])
        time.sleep(0.3)  # accepting TCP a moment before it accepts logins
        yield "127.0.0.1", port, password
    finally:
        pid_file = data / "postmaster.pid"
        if pid_file.is_file():
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)  # fast shutdown
            except (ProcessLookupError, ValueError):
                pass
        if process is not None:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def create_database(host: str, port: int, password: str, name: str) -> str:
    """A fresh database on the cluster; its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(
        host=host, port=port, user=PG_USER, password=password, dbname="postgres", autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')  # a test's own fixed name, never user input
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_USER}:{password}@{host}:{port}/{name}"
