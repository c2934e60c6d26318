"""TOKKU_INTAKE_MODE=api_transaction on the real database, Temporal and worker (issue 16): the API records the
submission in its own transaction and starts the workflow from it. The company reads its submission as soon as
it is answered; each event is stored once; a start that did not happen (here: Temporal out of reach when the
API tried) is made by the worker's sweep, or by `tokku reconcile`, and the process then goes on as usual."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RetryConfig, RPCError, RPCStatusCode

from services.core.applications.models import ApplicationStatus, Event
from services.core.applications.reconcile import reconcile
from services.core.applications.recorded_intake import sweep_pending_starts
from services.core.applications.schemas import ApplicationContent, DecisionRequest
from services.core.applications.service import ApplicationService
from services.dev.temporal_dev import DevServer
from tests.factories import application_body
from workflows.contracts import StartInput, application_workflow_id
from workflows.designation import ApplicationWorkflow

ACCEPT = DecisionRequest.model_validate({"step": "intake_review", "outcome": "accept"})


def recording(settings, **changes):
    return settings.model_copy(update={"intake_mode": "api_transaction", **changes})


async def unreachable_temporal(run_dir) -> Client:
    """A client whose Temporal server has gone away: a real dev server, connected to and then stopped, as the
    API's client is when Temporal goes down under it (retried only briefly, so each call fails at once)."""
    name = uuid.uuid4().hex[:8]
    server = DevServer(db_file=run_dir / f"gone-{name}.db", log_file=run_dir / f"gone-{name}.log")
    await server.start()
    client = await Client.connect(server.address, data_converter=pydantic_data_converter,
                                  retry_config=RetryConfig(initial_interval_millis=10, max_interval_millis=10,
                                                            max_elapsed_time_millis=50, max_retries=1))
    server.stop()
    return client


async def rows(sessions, application_id: int) -> tuple[ApplicationStatus, list[tuple[int, str]]]:
    async with sessions() as session:
        status = await session.get(ApplicationStatus, application_id)
        events = (await session.execute(select(Event.seq, Event.kind).where(Event.application_id == application_id)
                                        .order_by(Event.seq))).all()
    return status, [tuple(event) for event in events]


async def workflow_exists(client: Client, application_id: int) -> bool:
    try:
        await client.get_workflow_handle(application_workflow_id(application_id)).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def test_the_submission_is_read_at_once_and_each_event_stored_once(settings, sessions, temporal_client,
                                                                           worker, demo_users):
    service = ApplicationService(sessions, temporal_client, recording(settings))
    applicant = demo_users["applicant1"]
    content = ApplicationContent.model_validate(application_body())

    created, is_new = await service.create_and_submit(applicant, content, f"recorded-{uuid.uuid4().hex[:8]}")
    draft, _ = await service.create_draft(applicant, content)
    submitted = await service.submit(applicant, draft.id)
    for answer in (created, submitted):
        # The answer itself holds the submission: it was written before the workflow was started.
        assert answer.status == "intake_review"
        assert [(e.seq, e.kind) for e in answer.events] == [(1, "submitted")]
        status, events = await rows(sessions, answer.id)
        # Started, to be confirmed by the worker's sweep (in batches: the API does not write again).
        assert (status.status, status.last_seq, status.start_pending) == ("intake_review", 1, True)
        assert StartInput.model_validate(status.start_input).submitted.actor.user_id == applicant.id
        handle = temporal_client.get_workflow_handle(application_workflow_id(answer.id))
        state = await handle.query(ApplicationWorkflow.state)
        assert (state.status, state.last_seq, state.step_due_at) == ("intake_review", 1, status.step_due_at)
        history = [event async for event in handle.fetch_history_events()]
        assert not [e for e in history if e.event_type in (EventType.EVENT_TYPE_MARKER_RECORDED,
                                                           EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)], \
            "the workflow's first task wrote nothing: the API had recorded the submission"
    assert is_new

    again = await service.submit(applicant, draft.id)  # a retry of the submission changes nothing
    assert again.status == "intake_review"
    assert (await rows(sessions, draft.id))[1] == [(1, "submitted")]
    # The sweep confirms both starts with one visibility query and starts nothing (both workflows exist).
    started = await sweep_pending_starts(sessions, temporal_client, settings.task_queue, grace=timedelta(0))
    assert not {created.id, submitted.id} & set(started)
    for answer in (created, submitted):
        assert not (await rows(sessions, answer.id))[0].start_pending
    decided = await service.decide(demo_users["kawasaki1"], submitted.id, ACCEPT)
    assert decided.status == "council_consultation"
    _, events = await rows(sessions, submitted.id)
    assert events == [(1, "submitted"), (2, "decision")]


async def test_a_start_that_did_not_happen_is_made_by_the_workers_sweep(settings, sessions, temporal_client,
                                                                          demo_users, run_dir):
    isolated = recording(settings, task_queue=f"tokku-sweep-{uuid.uuid4().hex[:8]}")
    offline = ApplicationService(sessions, await unreachable_temporal(run_dir), isolated)
    applicant = demo_users["applicant1"]
    content = ApplicationContent.model_validate(application_body())
    answers = [(await offline.create_and_submit(applicant, content, f"sweep-{uuid.uuid4().hex[:8]}"))[0]
               for _ in range(3)]
    ids = [answer.id for answer in answers]
    # Temporal was out of reach: the submissions are recorded (and answered as such), their workflows not started.
    assert {answer.status for answer in answers} == {"intake_review"}
    for application_id in ids:
        status, events = await rows(sessions, application_id)
        assert status.start_pending and events == [(1, "submitted")]
        assert not await workflow_exists(temporal_client, application_id)
    # Within the grace period the sweep leaves them to the API that recorded them.
    assert await sweep_pending_starts(sessions, temporal_client, isolated.task_queue, grace=timedelta(hours=1)) == []

    # A real worker process, whose own sweep starts them (grace and period shortened for the drill).
    env = {**os.environ, "TOKKU_DATABASE_URL": isolated.resolved_database_url,
           "TOKKU_TEMPORAL_ADDRESS": isolated.temporal_address, "TOKKU_TASK_QUEUE": isolated.task_queue,
           "TOKKU_VAR_DIR": str(isolated.var_dir), "TOKKU_PENDING_START_GRACE_SECONDS": "0.5",
           "TOKKU_PENDING_START_SWEEP_SECONDS": "0.5"}
    worker = subprocess.Popen([sys.executable, "-m", "services.workers.main"], env=env,
                              stdout=open(run_dir / "sweep-worker.log", "ab"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        for _ in range(300):
            statuses = [(await rows(sessions, application_id))[0] for application_id in ids]
            if not any(status.start_pending for status in statuses):
                break
            await asyncio.sleep(0.1)
        assert not any(status.start_pending for status in statuses), "the worker's sweep started them"
        online = ApplicationService(sessions, temporal_client, isolated)
        for application_id in ids:
            state = await temporal_client.get_workflow_handle(application_workflow_id(application_id)).query(
                ApplicationWorkflow.state)
            assert (state.status, state.last_seq) == ("intake_review", 1)
            decided = await online.decide(demo_users["kawasaki1"], application_id, ACCEPT)
            assert decided.status == "council_consultation"
        # Swept again (by this test, as a second worker would): nothing is started twice.
        assert await sweep_pending_starts(sessions, temporal_client, isolated.task_queue, grace=timedelta(0)) == []
        async with sessions() as session:
            kinds = Counter((row.application_id, row.seq) for row in (await session.execute(
                select(Event).where(Event.application_id.in_(ids)))).scalars())
        assert sorted(kinds) == sorted((i, seq) for i in ids for seq in (1, 2)) and set(kinds.values()) == {1}
        assert "started its workflow from the recorded submission" in (run_dir / "sweep-worker.log").read_text()
    finally:
        worker.terminate()
        await asyncio.to_thread(worker.wait, 60)


async def test_reconcile_starts_a_recorded_submission_temporal_does_not_have(settings, sessions, temporal_client,
                                                                             worker, demo_users, run_dir):
    offline = ApplicationService(sessions, await unreachable_temporal(run_dir), recording(settings))
    applicant = demo_users["applicant1"]
    answer, _ = await offline.create_and_submit(applicant, ApplicationContent.model_validate(application_body()),
                                                f"reconcile-{uuid.uuid4().hex[:8]}")
    assert not await workflow_exists(temporal_client, answer.id)

    dry = await reconcile(sessions, temporal_client, dry_run=True, only=[answer.id], task_queue=settings.task_queue)
    assert [repair.start_recorded for repair in dry.repairs] == [True]
    assert "would repair" in "\n".join(dry.lines(dry_run=True))
    assert not await workflow_exists(temporal_client, answer.id), "a dry run starts nothing"

    report = await reconcile(sessions, temporal_client, only=[answer.id], task_queue=settings.task_queue)
    repair, = report.repairs
    assert repair.start_recorded and not repair.attention
    assert any("started from the recorded submission" in line for line in repair.describe())
    status, events = await rows(sessions, answer.id)
    assert (status.status, status.last_seq, status.start_pending, events) == ("intake_review", 1, False,
                                                                              [(1, "submitted")])
    state = await temporal_client.get_workflow_handle(application_workflow_id(answer.id)).query(
        ApplicationWorkflow.state)
    assert (state.status, state.last_seq, state.step_due_at) == ("intake_review", 1, status.step_due_at)
    # Run again: the workflow's record #1 (from its start input) agrees with the row; nothing to do.
    assert not (await reconcile(sessions, temporal_client, only=[answer.id],
                                task_queue=settings.task_queue)).repairs[0].changed


async def test_the_design_before_still_submits_through_the_workflow(settings, sessions, temporal_client, worker,
                                                                     demo_users):
    """TOKKU_INTAKE_MODE=update_with_start: no recorded start; the workflow records the submission itself."""
    service = ApplicationService(sessions, temporal_client, settings.model_copy(
        update={"intake_mode": "update_with_start", "projection_mode": "local_activity"}))
    answer, _ = await service.create_and_submit(demo_users["applicant1"],
                                                ApplicationContent.model_validate(application_body()),
                                                f"before-{uuid.uuid4().hex[:8]}")
    assert [(e.seq, e.kind) for e in answer.events] == [(1, "submitted")]
    status, _ = await rows(sessions, answer.id)
    assert status.start_input is None and not status.start_pending
    history = [event async for event in temporal_client.get_workflow_handle(
        application_workflow_id(answer.id)).fetch_history_events()]
    assert [e for e in history if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and e.marker_recorded_event_attributes.marker_name == "core_local_activity"], \
        "the workflow wrote the submission with its local activity"

