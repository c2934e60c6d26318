"""`python -m bench.transactions [--database sqlite|postgres]`: the CPU of one projection write, through the async
driver (one event-loop hop per statement: how the worker wrote before) and as one blocking transaction in a
thread (`services.core.platform.db.in_blocking_session`: how it writes now), side by side in one process.

Both ways run the same function (`projection.record_transition_now`: the event, its deadlines, the status) on the
same database, in alternating batches so that both see the same machine. Each write is its own transaction,
committed, as the worker's are.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from services.core.applications.models import Application, ApplicationStatus, Event
from services.core.applications.projection import record_transition_now
from services.core.platform.db import create_engine, in_blocking_session, session_factory
from services.core.platform.migrate import upgrade
from services.dev.demo_seed import create_demo_accounts
from workflows import deadlines as book
from workflows.contracts import Actor, Role, Status, TransitionRecord

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.transactions", description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--writes", type=int, default=2000, help="writes per way (default 2000)")
    parser.add_argument("--concurrency", type=int, default=1, help="writes in flight at once (default 1)")
    parser.add_argument("--output", type=Path)
    return parser.parse_args(argv)


async def _applications(sessions, count: int) -> list[int]:
    users = await create_demo_accounts(sessions)
    applicant = users["applicant1"]
    async with sessions() as session:
        rows = [Application(organization_id=applicant.organization_id, created_by=applicant.id, measure="tax_incentive",
                            project_name=f"bench {n}", government="kawasaki") for n in range(count)]
        session.add_all(rows)
        await session.flush()
        for row in rows:
            session.add(ApplicationStatus(application_id=row.id, status=Status.intake_review.value,
                                          current_step=Status.intake_review.value, government="kawasaki",
                                          organization_id=applicant.organization_id))
        await session.commit()
        return [row.id for row in rows]


def _records(application_ids: list[int], writes: int) -> list[TransitionRecord]:
    """A submission-like record (with its step target) for each application, then decisions, round-robin."""
    actor = Actor(user_id=1, username="kawasaki1", role=Role.local_official, organization_id=None)
    now = datetime.now(UTC).replace(microsecond=0)
    records = []
    for n in range(writes):
        application_id = application_ids[n % len(application_ids)]
        seq = n // len(application_ids) + 1
        target = book.step_target_deadline(now=now, step=Status.intake_review,
                                           step_target_days={"intake_review": 14}, transition=seq)
        records.append(TransitionRecord(
            application_id=application_id, last_seq=seq, kind="submitted" if seq == 1 else "decision",
            step=None if seq == 1 else Status.intake_review, outcome=None if seq == 1 else "note", actor=actor,
            occurred_at=now + timedelta(seconds=seq), status=Status.intake_review, current_step=Status.intake_review,
            step_due_at=target.due_at, furthest_step=Status.intake_review, deadlines=[target] if seq == 1 else None))
    return records


async def _timed(records: list[TransitionRecord], concurrency: int,
                 write: Callable[[TransitionRecord], Awaitable[None]]) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) for writing `records`, `concurrency` at a time."""
    queue = iter(records)

    async def writer() -> None:
        for record in queue:
            await write(record)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(concurrency)))
    return time.process_time() - cpu, time.perf_counter() - wall


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="tokku-bench-tx-") as directory:
        schema = f"bench_tx_{uuid.uuid4().hex[:10]}"
        if args.database == "postgres":
            admin = create_engine(POSTGRES)
            async with admin.begin() as connection:
                await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'tokku.db'}"
        try:
            await asyncio.to_thread(upgrade, url)
            engine = create_engine(url)
            sessions = session_factory(engine)
            application_ids = await _applications(sessions, 200)
            records = _records(application_ids, 2 * args.writes)

            async def through_async_driver(record: TransitionRecord) -> None:
                async with sessions() as session:
                    await session.run_sync(record_transition_now, record)
                    await session.commit()

            async def as_one_blocking_transaction(record: TransitionRecord) -> None:
                def write(session) -> None:
                    record_transition_now(session, record)
                    session.commit()
                await in_blocking_session(sessions, write)

            ways = {"async driver (before)": through_async_driver,
                    "one blocking transaction (after)": as_one_blocking_transaction}
            used = {name: [0.0, 0.0] for name in ways}
            batch = 100
            # Records in order (each application's seq 1 before its seq 2), the ways taking turns batch by batch.
            for start in range(0, len(records), 2 * batch):
                for offset, (name, write) in enumerate(ways.items()):
                    chunk = records[start + offset * batch:start + (offset + 1) * batch]
                    cpu, wall = await _timed(chunk, args.concurrency, write)
                    used[name][0] += cpu
                    used[name][1] += wall
            async with sessions() as session:
                events_written = await session.scalar(select(func.count()).select_from(Event))
            await engine.dispose()
        finally:
            if args.database == "postgres":
                async with admin.begin() as connection:
                    await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await admin.dispose()
    per_write = {name: {"cpu_ms": round(1000 * cpu / args.writes, 3), "wall_ms": round(1000 * wall / args.writes, 3)}
                 for name, (cpu, wall) in used.items()}
    before, after = (per_write[name]["cpu_ms"] for name in ways)
    return {"database": args.database, "writes_per_way": args.writes, "events_written": events_written, "concurrency": args.concurrency,
            "per_write": per_write, "cpu_ratio_after_to_before": round(after / before, 3),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    result = asyncio.run(run(args))
    print(f"projection write on {result['database']}, {result['writes_per_way']} writes per way, "
          f"{result['concurrency']} at a time (CPU of this process, all its threads):")
    for name, figures in result["per_write"].items():
        print(f"  {name:34s} {figures['cpu_ms']:7.3f} ms CPU  {figures['wall_ms']:7.3f} ms wall per write")
    print(f"  after / before (CPU): {result['cpu_ratio_after_to_before']}")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
