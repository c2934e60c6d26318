"""Scenario 3: many applications open in follow-up, each waiting on its timers; then their reminders
fall due (due times set seconds ahead, as tests/follow_up/test_reminders_live.py does) and we check each
fired once, and how late.

Setup does not go through intake and five decisions per application (hours on two cores): content rows
are bulk-inserted, then each workflow is started with `client.start_workflow` carrying its follow-up state
(`StartInput.carried`, the state continue-as-new carries). They are real ApplicationWorkflow executions in
follow_up with the deadlines the designation decision makes (workflows.follow_up.follow_up_deadlines), run
by the tokku worker process with its bounded cache; a reminder is the real `notify` activity writing the
real notifications table.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bench.content import bulk_insert_applications, item_ids, user_and_org
from bench.measure import CpuMeter, RssSampler, cpu_seconds, percentile, run_load
from services.core.notifications.models import Notification
from workflows import deadlines as engine
from workflows.contracts import (
    DeadlineKind,
    Government,
    PlannedItemRef,
    StartInput,
    Status,
    WorkflowState,
    application_workflow_id,
)
from workflows.designation import ApplicationWorkflow
from workflows.follow_up import follow_up_deadlines

MiB = 1024 * 1024
CLOSE_EVENTS = ("workflow_execution_completed_event_attributes", "workflow_execution_failed_event_attributes",
                "workflow_execution_terminated_event_attributes", "workflow_execution_canceled_event_attributes",
                "workflow_execution_continued_as_new_event_attributes", "workflow_execution_timed_out_event_attributes")


def follow_up_start(settings, application_id: int, organization_id: int, item_id: int, government: str,
                    fire_at: datetime) -> StartInput:
    """The state a designation today leaves, with the lead time chosen so the acquisition-window reminder
    falls due at `fire_at` and nothing else falls due within the next hour."""
    now = datetime.now(UTC)
    today = date.today()
    base = settings.follow_up_settings().model_copy(
        update={"measure_sunset": max(settings.measure_last_date, today + timedelta(days=400))})
    designation = {"designation_number": f"指定第B-{application_id}号", "designated_on": today.isoformat(),
                   "acquisition_from": today.isoformat(),
                   "acquisition_until": (today + timedelta(days=300)).isoformat()}
    items = [PlannedItemRef(id=item_id, description="研究開発用設備一式")]
    deadlines = follow_up_deadlines(now=now, designation=designation, items=items, settings=base)
    window = next(d for d in deadlines if d.kind == DeadlineKind.acquisition_window)
    lead = (window.due_at - fire_at) / timedelta(days=1)
    follow_up = base.model_copy(update={"reminder_lead_days": [lead]})
    first = engine.next_action(deadlines, set(), [lead])
    assert first is not None and first[1] == "remind" and first[2].key == window.key, first
    after = engine.next_action(deadlines, {engine.reminder_id(window, lead)}, [lead])
    assert after is None or after[0] > fire_at + timedelta(hours=1), after
    carried = WorkflowState(status=Status.follow_up, current_step=Status.follow_up, furthest=Status.follow_up,
                           designation=designation, deadlines=deadlines, items=items,
                           period_end=max(d.due_at for d in deadlines))
    return StartInput(application_id=application_id, organization_id=organization_id,
                      government=Government(government), step_target_days=settings.step_target_days,
                      revision_deadline_days=settings.revision_deadline_days, follow_up=follow_up, carried=carried)


async def _start_all(stack, ids, items, organization_id, government, fire_at_for, concurrency):
    async def start(index: int) -> None:
        application_id = ids[index]
        start_input = follow_up_start(stack.settings, application_id, organization_id, items[application_id],
                                      government, fire_at_for(index))
        await stack.client.start_workflow(ApplicationWorkflow.run, start_input,
                                          id=application_workflow_id(application_id),
                                          task_queue=stack.settings.task_queue)

    return await run_load(len(ids), concurrency, start)


async def _settle(stack, until: float, quiet_cores: float = 0.15) -> float:
    """Wait until the worker is idle (every first workflow task ran) or `until`; returns seconds waited."""
    started = time.monotonic()
    pid = stack.pids["worker"]
    quiet = 0
    while time.monotonic() < until and quiet < 3:
        before = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        quiet = quiet + 1 if cpu_seconds(pid) - before < quiet_cores else 0
    return time.monotonic() - started


async def _reminders(stack, first_id: int, last_id: int):
    async with stack.sessions() as session:
        rows = await session.execute(select(Notification.application_id, Notification.created_at,
                                            Notification.due_at, Notification.lead_days).where(
            Notification.kind == "reminder", Notification.application_id.between(first_id, last_id)))
        return rows.all()


async def _reminder_count(stack, first_id: int, last_id: int) -> int:
    async with stack.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Notification).where(
            Notification.kind == "reminder", Notification.application_id.between(first_id, last_id)))).scalar_one()


async def _check_histories(stack, ids: list[int], concurrency: int) -> dict:
    """From each workflow's own history: the notify activity was scheduled exactly once, and it is open."""
    counts = {"notify_once": 0, "notify_never": 0, "notify_more": 0, "open": 0, "closed": 0, "events_max": 0}

    async def check(index: int) -> None:
        history = await stack.client.get_workflow_handle(application_workflow_id(ids[index])).fetch_history()
        notify = sum(1 for e in history.events if e.HasField("activity_task_scheduled_event_attributes")
                     and e.activity_task_scheduled_event_attributes.activity_type.name == "notify")
        counts["notify_once" if notify == 1 else "notify_never" if notify == 0 else "notify_more"] += 1
        closed = any(e.HasField(kind) for e in history.events[-1:] for kind in CLOSE_EVENTS)
        counts["closed" if closed else "open"] += 1
        counts["events_max"] = max(counts["events_max"], len(history.events))

    result = await run_load(len(ids), concurrency, check)
    counts["errors"] = len(result.errors)
    counts["seconds"] = round(result.wall_seconds, 1)
    return counts


async def run(stack, count: int, concurrency: int, warmup: int, reminder_rate: float, grace_seconds: float) -> dict:
    creator, organization_id = await user_and_org(stack.sessions, "applicant1")
    results: dict = {"open_applications": count, "warmup_applications": warmup,
                     "max_cached_workflows": stack.settings.max_cached_workflows, "reminder_rate_per_s": reminder_rate}
    with RssSampler({name: pid for name, pid in stack.pids.items() if name in ("worker", "temporal", "api")}) as rss:
        setup_started = time.perf_counter()
        ids = await bulk_insert_applications(stack.sessions, warmup + count, created_by=creator,
                                             organization_for=lambda _: organization_id,
                                             status_for=lambda _: Status.follow_up, with_workflow=True, with_item=True)
        items = await item_ids(stack.sessions, ids)
        results["rows_insert_s"] = round(time.perf_counter() - setup_started, 1)
        government = "kawasaki"  # the plan's ペプチドリーム project lies in Kawasaki (applicant1's company)
        warm_ids, measured = ids[:warmup], ids[warmup:]

        # Warm-up: the same starts, their reminders hours away; gives the start rate to plan the due times.
        far = datetime.now(UTC) + timedelta(hours=3)
        warm = await _start_all(stack, warm_ids, items, organization_id, government, lambda _: far, concurrency)
        start_rate = max(warm.rate, 1.0)
        # Due times: after every start has happened (with a margin), then `reminder_rate` per second.
        first_due = datetime.now(UTC) + timedelta(seconds=1.5 * count / start_rate + 10)
        fire_at = [first_due + timedelta(seconds=index / reminder_rate) for index in range(count)]
        started = await _start_all(stack, measured, items, organization_id, government, lambda i: fire_at[i],
                                   concurrency)
        results["start"] = started.summary()
        results["setup_s"] = round(time.perf_counter() - setup_started, 1)
        settle_deadline = time.monotonic() + max(0.0, (first_due - datetime.now(UTC)).total_seconds() - 1)
        results["settle_s"] = round(await _settle(stack, settle_deadline), 1)
        results["all_started_before_first_due"] = datetime.now(UTC) < first_due
        open_sample = await asyncio.to_thread(rss.sample)
        results["rss_mib_all_open"] = {name: round(value / MiB, 1) for name, value in open_sample.items()}

        # Reminders: wait until every one fired, or the last due time plus the grace period.
        give_up = fire_at[-1] + timedelta(seconds=grace_seconds)
        fired = 0
        with CpuMeter(stack.pids) as cpu:
            while datetime.now(UTC) < give_up:
                fired = await _reminder_count(stack, measured[0], measured[-1])
                if fired >= count and datetime.now(UTC) > fire_at[-1]:
                    break
                await asyncio.sleep(2.0)
            await asyncio.sleep(3.0)  # anything sent twice would arrive now
        results["reminder_phase"] = {"wall_s": round(cpu.wall, 1), **cpu.summary(max(fired, 1))}
        results["rss_mib_peak"] = {name: round(value / MiB, 1) for name, value in rss.peak.items()}

    rows = await _reminders(stack, measured[0], measured[-1])
    per_application: dict[int, int] = {}
    lateness = []
    for application_id, created_at, due_at, lead_days in rows:
        per_application[application_id] = per_application.get(application_id, 0) + 1
        lateness.append((created_at - (due_at - timedelta(days=lead_days))).total_seconds())
    results["reminders"] = {
        "due": count, "fired": len(per_application), "rows": len(rows),
        "missing": count - len(per_application),
        "twice_or_more": sum(1 for n in per_application.values() if n > 1),
        "late_s_p50": _round(percentile(lateness, 50)), "late_s_p99": _round(percentile(lateness, 99)),
        "late_s_max": _round(max(lateness) if lateness else None),
        "early": sum(1 for value in lateness if value < 0)}
    results["histories"] = await _check_histories(stack, measured, min(concurrency, 20))
    return results


def _round(value):
    return None if value is None else round(value, 2)
