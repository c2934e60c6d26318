"""Measuring: concurrent load with per-operation latencies, percentiles, and CPU time and memory of the
processes involved (read from /proc, so no extra dependency)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): p99 of 300 samples is the 297th smallest."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(rank) - 1]


@dataclass
class LoadResult:
    operations: int
    concurrency: int
    wall_seconds: float
    latencies_ms: list[float] = field(repr=False)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.wall_seconds if self.wall_seconds else 0.0

    def summary(self) -> dict:
        return {"operations": self.operations, "ok": len(self.latencies_ms), "errors": len(self.errors),
                "first_errors": self.errors[:3], "concurrency": self.concurrency,
                "wall_s": round(self.wall_seconds, 2), "per_s": round(self.rate, 1),
                "p50_ms": _round(percentile(self.latencies_ms, 50)),
                "p99_ms": _round(percentile(self.latencies_ms, 99)),
                "max_ms": _round(max(self.latencies_ms) if self.latencies_ms else None)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def run_load(count: int, concurrency: int, operation: Callable[[int], Awaitable[object]]) -> LoadResult:
    """Run operation(0..count-1) from `concurrency` clients, each starting its next one when the last ends."""
    indexes = iter(range(count))
    latencies: list[float] = []
    errors: list[str] = []

    async def client() -> None:
        for index in indexes:  # one shared iterator: each index is taken once
            started = time.perf_counter()
            try:
                await operation(index)
            except Exception as error:  # counted and reported, never hidden
                errors.append(f"{type(error).__name__}: {str(error)[:200]}")
                continue
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(max(1, min(concurrency, count)))))
    return LoadResult(count, concurrency, time.perf_counter() - started, latencies, errors)


# --- processes: CPU seconds and resident memory ------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def process_tree(pid: int) -> list[int]:
    tree = _children()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def cpu_seconds(pid: int, tree: bool = True) -> float:
    """User + system CPU of a process and (with `tree`) its descendants."""
    total = 0.0
    for member in process_tree(pid) if tree else [pid]:
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of a process and its descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / CLOCK_TICKS, sum(fields) / CLOCK_TICKS


class CpuMeter:
    """CPU used by each named process during a phase, and by everything else on the machine (the noise).
    The harness counts alone: the processes it started are its descendants but are counted by name."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def _read(self) -> dict[str, float]:
        return {name: cpu_seconds(pid, tree=name != "harness") for name, pid in self.pids.items()}

    def __enter__(self) -> CpuMeter:
        self._before = self._read()
        self._machine_before = machine_busy_seconds()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._started
        after = self._read()
        self.used = {name: after[name] - self._before[name] for name in self.pids}
        busy, _ = machine_busy_seconds()
        self.machine_busy = busy - self._machine_before[0]

    def summary(self, operations: int) -> dict:
        """CPU milliseconds per operation for each process; cores busy on average; other load on the machine."""
        ours = sum(self.used.values())
        return {
            "cpu_ms_per_op": {name: round(used * 1000 / max(operations, 1), 2) for name, used in self.used.items()},
            "cores_busy": round(self.machine_busy / self.wall, 2) if self.wall else None,
            "cores_busy_by_others": round(max(0.0, self.machine_busy - ours) / self.wall, 2) if self.wall else None,
        }


async def settle(pids: dict[str, int], *, busy_below: float = 0.05, window: float = 0.3,
                 timeout: float = 60.0) -> float:
    """Wait until the named processes together use less than `busy_below` of a core over `window` seconds: work
    the callers' answers left behind (workflow tasks of the workflows they started) is done. Seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        before = sum(cpu_seconds(pid) for pid in pids.values())
        await asyncio.sleep(window)
        if sum(cpu_seconds(pid) for pid in pids.values()) - before < busy_below * window:
            break
    return time.perf_counter() - started


class RssSampler:
    """Samples resident memory of named processes once a second; keeps the peak and the latest sample."""

    def __init__(self, pids: dict[str, int], interval: float = 1.0) -> None:
        self.pids = pids
        self.interval = interval
        self.peak = {name: 0 for name in pids}
        self.latest = {name: 0 for name in pids}
        self._task: asyncio.Task | None = None

    def sample(self) -> dict[str, int]:
        for name, pid in self.pids.items():
            self.latest[name] = rss_bytes(pid)
            self.peak[name] = max(self.peak[name], self.latest[name])
        return dict(self.latest)

    async def _loop(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *exc) -> None:
        if self._task is not None:
            self._task.cancel()
