"""The worker: runs application workflows and their activities on the task queue."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.worker import Worker

from services.core.db import create_engine, session_factory
from services.core.settings import Settings, get_settings
from services.core.temporal import connect
from services.workers.activities import ProjectionActivities
from services.workers.notifications import NotificationActivities
from workflows.designation import ApplicationWorkflow

log = logging.getLogger("tokku.worker")


def build_worker(client: Client, engine: AsyncEngine, settings: Settings) -> Worker:
    sessions = session_factory(engine)
    projection = ProjectionActivities(sessions)
    notifications = NotificationActivities(sessions, settings)
    return Worker(client, task_queue=settings.task_queue, workflows=[ApplicationWorkflow],
                  activities=[projection.record_transition, projection.load_planned_items,
                              notifications.notify, notifications.deliver_mail],
                  max_cached_workflows=settings.max_cached_workflows)


async def run_worker(settings: Settings | None = None, stop: asyncio.Event | None = None) -> None:
    settings = settings or get_settings()
    client = await connect(settings)
    engine = create_engine(settings.resolved_database_url)
    worker = build_worker(client, engine, settings)
    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_address)
    try:
        if stop is None:
            await worker.run()
        else:
            async with worker:
                await stop.wait()
    finally:
        await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker())


if __name__ == "__main__":
    main()
