"""TOKKU_INTAKE_MODE=api_transaction: a workflow started with StartInput.submitted begins in the state the API's
record of the submission left (workflows/transitions.py), writes nothing for it, and numbers its next event 2;
what it then records matches a workflow that was submitted by the Update."""

from __future__ import annotations

import uuid

from temporalio.api.enums.v1 import EventType

from tests.workflows.test_designation_workflow import APPLICANT, KAWASAKI, TARGETS
from workflows.contracts import (
    DecisionInput,
    Government,
    StartInput,
    Status,
    SubmissionRecorded,
    SubmitInput,
)
from workflows.designation import ApplicationWorkflow
from workflows.transitions import recorded_submission


def _start(**fields) -> StartInput:
    return StartInput(application_id=1, organization_id=10, government=Government.kawasaki,
                      step_target_days=TARGETS, revision_deadline_days=30, projection="local_activity", **fields)


async def test_a_recorded_submission_is_where_the_workflow_begins(env, recorded):
    submitted_at = await env.get_current_time()  # the test server's clock: other tests skip it ahead
    start = _start(submitted=SubmissionRecorded(actor=APPLICANT, content_version=3, occurred_at=submitted_at))
    state, record = recorded_submission(start)
    assert (record.seq, record.kind, record.status, record.content_version) == (1, "submitted",
                                                                                 Status.intake_review, 3)
    assert record.occurred_at == submitted_at
    assert [d.key for d in record.deadlines] == [d.key for d in state.deadlines] and record.deadlines
    assert record.step_due_at is not None and record.step_due_at > submitted_at

    handle = await recorded.client.start_workflow(ApplicationWorkflow.run, start, id=f"application-{uuid.uuid4()}",
                                                  task_queue=recorded.task_queue)
    recorded.started.append(handle)
    begun = await handle.query(ApplicationWorkflow.state)
    assert (begun.status, begun.last_seq, begun.step_due_at) == (Status.intake_review, 1, record.step_due_at)
    assert begun.deadlines == record.deadlines
    assert recorded.records == []  # the API wrote the submission; the workflow's first task writes nothing

    again = await handle.execute_update(ApplicationWorkflow.submit, SubmitInput(actor=APPLICANT, content_version=3))
    assert again.last_seq == 1  # a repeated submission (a retry through the Update) changes nothing

    decided = await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.intake_review, outcome="accept", fields={}, actor=KAWASAKI))
    assert decided.status == Status.council_consultation
    assert [(r.seq, r.kind) for r in recorded.records] == [(2, "decision")]
    # Intake's target is met by the decision: the record carries the deadlines, changed since the submission.
    intake_target = next(d for d in recorded.records[0].deadlines if d.step == Status.intake_review)
    assert intake_target.state.value == "met"


async def test_the_same_transitions_as_a_submission_by_update(env, recorded):
    """Submitted by the Update instead, the same decision leaves the same state (apart from the times)."""
    handle = await recorded.client.start_workflow(ApplicationWorkflow.run, _start(), id=f"application-{uuid.uuid4()}",
                                                  task_queue=recorded.task_queue)
    recorded.started.append(handle)
    await handle.execute_update(ApplicationWorkflow.submit, SubmitInput(actor=APPLICANT, content_version=3))
    by_update = await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.intake_review, outcome="accept", fields={}, actor=KAWASAKI))

    submitted_at = await env.get_current_time()
    start = _start(submitted=SubmissionRecorded(actor=APPLICANT, content_version=3, occurred_at=submitted_at))
    recorded_handle = await recorded.client.start_workflow(ApplicationWorkflow.run, start,
                                                           id=f"application-{uuid.uuid4()}",
                                                           task_queue=recorded.task_queue)
    recorded.started.append(recorded_handle)
    by_record = await recorded_handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.intake_review, outcome="accept", fields={}, actor=KAWASAKI))

    def shape(state):
        return (state.status, state.current_step, state.last_seq, state.furthest_step,
                [(d.key, d.kind, d.state, d.step) for d in state.deadlines])

    assert shape(by_record) == shape(by_update)
    history = (await recorded_handle.fetch_history()).events
    first_task = [e.event_type for e in history[:6]]
    assert EventType.EVENT_TYPE_MARKER_RECORDED not in first_task  # no record written for the submission
