"""Sampling profiles of the API and worker processes during a measured phase (`--profile`): py-spy
records without stopping the process; the hottest frames go into the results, the raw stacks to a file."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str | None:
    found = Path(sys.executable).parent / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


class Profile:
    def __init__(self, pids: dict[str, int], directory: Path, label: str) -> None:
        self.pids = pids
        self.files = {name: directory / f"profile-{label}-{name}.txt" for name in pids}
        self._running: list[subprocess.Popen] = []
        directory.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Profile:
        binary = py_spy()
        if binary is None:
            raise RuntimeError("--profile needs py-spy (pip install -e '.[test]')")
        for name, pid in self.pids.items():
            self._running.append(subprocess.Popen(
                [binary, "record", "--pid", str(pid), "--output", str(self.files[name]), "--format", "raw",
                 "--rate", "200", "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return self

    def __exit__(self, *exc) -> None:
        for process in self._running:
            process.send_signal(signal.SIGINT)
        for process in self._running:
            process.wait(30)

    def summary(self, top: int = 12) -> dict:
        return {name: summarize(path, top) for name, path in self.files.items() if path.exists()}


def summarize(path: Path, top: int) -> dict:
    """Share of CPU samples: where time is spent (own), and which of our functions it is spent under
    (inclusive, frames in services/ or workflows/)."""
    own: Counter = Counter()
    ours: Counter = Counter()
    total = waiting = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = stack.split(";")
        if any(frames[-1].startswith(idle) for idle in WAITING):
            waiting += samples  # a thread blocked in a call py-spy does not know as idle
            continue
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            if "(services/" in frame or "(workflows/" in frame:
                ours[frame] += samples
    share = lambda counter: [[frame, round(100 * n / total, 1)] for frame, n in counter.most_common(top)]  # noqa: E731
    return {"busy_samples": total, "waiting_samples": waiting, "file": str(path), "own_pct": share(own),
            "ours_inclusive_pct": share(ours)}


# Leaf frames that are waits, not work: the event loop's poll, aiosqlite's and the thread pools' queues.
WAITING = ("EpollSelector.select ", "_connection_worker_thread (aiosqlite/core.py:59)", "Condition.wait ",
           "_worker (concurrent/futures/thread.py:81)", "Event.wait ", "Thread._wait_for_tstate_lock ")
