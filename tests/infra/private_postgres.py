"""A PostgreSQL cluster of the test's own (initdb + pg_ctl) on a free loopback port, which the test may stop
and start without touching the machine's shared server. initdb refuses to run as root, so as root the
cluster belongs to the `postgres` user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from services.dev.temporal_dev import free_port


def postgres_bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_not_possible() -> str | None:
    if postgres_bin_dir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) on this machine"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to own a private cluster (initdb refuses root)"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as `postgres`"
    return None


@dataclass
class PrivateCluster:
    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tokku-pg-")))

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr or result.stdout}")

    def init(self) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self._run(str(postgres_bin_dir() / "initdb"), "-D", str(self.directory / "data"), "-U", "postgres",
                  "-A", "trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c max_connections=50")
        self._run(str(postgres_bin_dir() / "pg_ctl"), "-D", str(self.directory / "data"), "-o", options,
                  "-l", str(self.directory / "postgres.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run(str(postgres_bin_dir() / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.directory, ignore_errors=True)
