"""One owner per var/: `tokku dev` and `tokku restore` hold an exclusive lock on var/tokku.lock while they run.

The lock is an flock on the open file, so the kernel releases it however the holder ends (SIGKILL too). The
file's content says who holds it (pid, command, its Temporal server's pid): the refusal names that pid, and
a later owner finding the content of a holder that is gone knows the last run did not stop cleanly.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.dev.temporal_dev import servers_using, stop_pid

LOCK_FILE_NAME = "tokku.lock"
TEMPORAL_DB_NAME = "temporal.db"
APPLICATION_DB_NAME = "tokku.db"


class VarDirInUse(Exception):
    """Another live process owns the var/ directory."""

    def __init__(self, var_dir: Path, holder: dict[str, Any]) -> None:
        self.var_dir = var_dir
        self.holder = holder
        pid = holder.get("pid", "unknown")
        command = holder.get("command", "dev")
        super().__init__(f"{var_dir} is in use by `tokku {command}` (pid {pid}). Stop that one first "
                         f"(Ctrl-C in its terminal, or `kill {pid}`), or use another TOKKU_VAR_DIR.")


def _read_record(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        record = json.loads(text)
    except ValueError:
        return {"unreadable": text[:200]}
    return record if isinstance(record, dict) else {"unreadable": text[:200]}


@dataclass
class VarDirOwner:
    """The held lock; `previous` is what the lock file said when it was taken (a holder that is gone)."""

    var_dir: Path
    command: str
    fd: int
    previous: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def record(self, **details: Any) -> None:
        """Write who holds the lock (and e.g. its Temporal server's pid) into the lock file."""
        self.details.update(details)
        content = json.dumps({"pid": os.getpid(), "command": self.command, "started_at": self.started_at,
                              **self.details})
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, (content + "\n").encode(), 0)
        os.fsync(self.fd)

    def release(self) -> None:
        """Empty the file (a clean stop leaves nothing to report), then let go of the lock."""
        if self.fd < 0:
            return
        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = -1

    def take_over_notes(self) -> list[str]:
        """Stop what a previous owner that died left behind, and say what was found (lines to print)."""
        notes = []
        if self.previous:
            who = f"`tokku {self.previous.get('command', 'dev')}` (pid {self.previous.get('pid', 'unknown')})"
            notes.append(f"found a stale lock in {self.var_dir / LOCK_FILE_NAME}: {who} is no longer running "
                         "and did not stop cleanly; taking over")
        for pid in servers_using(self.var_dir / TEMPORAL_DB_NAME):
            stop_pid(pid)
            notes.append(f"stopped the Temporal dev server (pid {pid}) that a previous run left running on "
                         f"{self.var_dir / TEMPORAL_DB_NAME}")
        return notes


def take_var_dir(var_dir: Path, command: str) -> VarDirOwner:
    """Lock var/ for this process, or raise VarDirInUse naming the live holder's pid."""
    var_dir.mkdir(parents=True, exist_ok=True)
    # O_CLOEXEC (Python's default): child processes such as the Temporal server never inherit the lock.
    fd = os.open(var_dir / LOCK_FILE_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_record(os.pread(fd, 4096, 0).decode(errors="replace"))
        os.close(fd)
        raise VarDirInUse(var_dir, holder) from None
    previous = _read_record(os.pread(fd, 4096, 0).decode(errors="replace"))
    owner = VarDirOwner(var_dir=var_dir, command=command, fd=fd, previous=previous)
    owner.record()
    return owner
