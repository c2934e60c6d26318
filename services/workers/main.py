"""The worker: runs application and filing round workflows and their activities on the task queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.worker import Worker

from services.core.applications.recorded_intake import sweep_pending_starts
from services.core.applications.service import ApplicationService
from services.core.plan_changes.service import PlanChangeService
from services.core.platform.db import create_engine, session_factory
from services.core.platform.logging import configure_logging
from services.core.platform.settings import Settings, get_settings
from services.core.platform.temporal_client import connect, exit_process
from services.core.rounds.service import RoundService
from services.workers.activities import ProjectionActivities
from services.workers.loans import LoanActivities
from services.workers.notifications import NotificationActivities
from services.workers.plan_changes import PlanChangeActivities
from services.workers.rounds import RoundActivities
from services.workers.sandbox import workflow_runner
from workflows.designation import ApplicationWorkflow
from workflows.filing_round import FilingRoundWorkflow
from workflows.loan import LoanWorkflow
from workflows.plan_change import PlanChangeWorkflow

log = logging.getLogger("tokku.worker")


def build_worker(client: Client, engine: AsyncEngine, settings: Settings) -> Worker:
    sessions = session_factory(engine)
    projection = ProjectionActivities(sessions)
    notifications = NotificationActivities(sessions, settings)
    # A round's decisions go to the applications' workflows through this worker's own client.
    loans = LoanActivities(sessions, settings)
    rounds = RoundActivities(RoundService(sessions, ApplicationService(sessions, client, settings)))
    plan_changes = PlanChangeActivities(PlanChangeService(ApplicationService(sessions, client, settings)))
    return Worker(client, task_queue=settings.task_queue,
                  workflows=[ApplicationWorkflow, FilingRoundWorkflow, PlanChangeWorkflow, LoanWorkflow], workflow_runner=workflow_runner(),
                  activities=[projection.record_transition, projection.record_transition_local, projection.load_planned_items,
                              notifications.notify, notifications.deliver_mail,
                              rounds.decide_round_application, rounds.finish_round,
                              notifications.notify_plan_change, plan_changes.record_plan_change_step,
                              plan_changes.put_plan_change_in_force, loans.record_loan_event, loans.notify_loan],
                  max_cached_workflows=settings.max_cached_workflows,
                  # On shutdown, running activities get this long to finish; then they are cancelled and
                  # Temporal retries them on another worker (each activity is idempotent).
                  graceful_shutdown_timeout=timedelta(seconds=settings.shutdown_grace_seconds))


async def run_worker(settings: Settings | None = None, stop: asyncio.Event | None = None) -> None:
    """Poll until `stop` is set, or until SIGTERM/SIGINT when no event is given; then shut down gracefully."""
    settings = settings or get_settings()
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    client = await connect(settings)
    engine = create_engine(settings.resolved_database_url)
    worker = build_worker(client, engine, settings)
    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_address)
    sweeping = asyncio.create_task(sweep_pending_starts_until(session_factory(engine), client, settings, stop))
    try:
        running = asyncio.create_task(worker.run())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():  # the worker failed on its own: exit with its error so the process is restarted
            stopping.cancel()
            running.result()
        log.info("worker stopping: no new tasks; running activities have %ss to finish",
                 settings.shutdown_grace_seconds)
        await worker.shutdown()
        await running
    finally:
        sweeping.cancel()
        await asyncio.gather(sweeping, return_exceptions=True)
        await engine.dispose()
    log.info("worker stopped")


async def sweep_pending_starts_until(sessions, client: Client, settings: Settings, stop: asyncio.Event) -> None:
    """Start the workflows of recorded submissions the API did not start (TOKKU_INTAKE_MODE=api_transaction,
    services/core/applications/recorded_intake.py), every few seconds until the worker stops. A failed sweep
    (database or Temporal away) is logged and tried again at the next one."""
    grace = timedelta(seconds=settings.pending_start_grace_seconds)
    while not stop.is_set():
        try:
            await sweep_pending_starts(sessions, client, settings.task_queue, grace=grace)
        except Exception:  # noqa: BLE001 - the next sweep tries again; the worker itself goes on
            log.warning("the pending-start sweep failed; trying again in %ss", settings.pending_start_sweep_seconds,
                        exc_info=True)
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.pending_start_sweep_seconds)
        except TimeoutError:
            pass


def run_until_stopped(settings: Settings) -> None:
    """The worker process: run until SIGTERM/SIGINT, shut down gracefully, exit 0."""
    asyncio.run(run_worker(settings))
    exit_process(0)


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.resolved_log_format)
    run_until_stopped(settings)


if __name__ == "__main__":
    main()
