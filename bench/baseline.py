"""The raw baseline: trivial workflows on the same Temporal server, run by their own worker process.

- `Trivial` returns at once: `client.start_workflow` of it is the bare start the intake is compared to.
- `Waiting` sleeps on a condition with a one-day timer, as an application does; its `touch` update
  returns at once (the bare `execute_update` a decision is compared to), its `record` update runs one
  no-op activity first (the same Temporal round trips as a tokku decision or submission, minus our code).

Run as `python -m bench.baseline ADDRESS TASK_QUEUE` (the harness starts it).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker


@activity.defn(name="bench_noop")
async def noop(value: str) -> str:
    return value


@workflow.defn(name="BenchTrivial")
class Trivial:
    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn(name="BenchWaiting")
class Waiting:
    def __init__(self) -> None:
        self._stop = False

    @workflow.run
    async def run(self) -> None:
        try:
            await workflow.wait_condition(lambda: self._stop, timeout=timedelta(days=1))
        except TimeoutError:
            pass

    @workflow.update
    async def touch(self, value: str) -> str:
        return value

    @workflow.update
    async def record(self, value: str) -> str:
        return await workflow.execute_activity(noop, value, start_to_close_timeout=timedelta(seconds=30))


async def serve(address: str, task_queue: str) -> None:
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with Worker(client, task_queue=task_queue, workflows=[Trivial, Waiting], activities=[noop]):
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
