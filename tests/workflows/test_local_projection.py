"""TOKKU_PROJECTION_MODE: a run started with StartInput.projection "local_activity" records every transition with a
local activity (a marker in its history, no scheduled activity), behind the workflow.patched marker that keeps
older runs replaying; a run started without it keeps the regular activity."""

from __future__ import annotations

import json
import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.workflows.test_designation_workflow import APPLICANT, KAWASAKI, TARGETS
from workflows.contracts import (
    RECORD_TRANSITION_ACTIVITY,
    RECORD_TRANSITION_LOCAL_ACTIVITY,
    DecisionInput,
    Government,
    StartInput,
    Status,
    SubmitInput,
    TransitionRecord,
)
from workflows.designation import LOCAL_PROJECTION, ApplicationWorkflow


async def _run(recorder, **start_fields):
    start_input = StartInput(application_id=1, organization_id=10, government=Government.kawasaki,
                             step_target_days=TARGETS, revision_deadline_days=30, **start_fields)
    handle = await recorder.client.start_workflow(ApplicationWorkflow.run, start_input,
                                                  id=f"application-{uuid.uuid4()}", task_queue=recorder.task_queue)
    recorder.started.append(handle)
    submitted = await handle.execute_update(ApplicationWorkflow.submit, SubmitInput(actor=APPLICANT, content_version=1))
    assert submitted.status == Status.intake_review
    returned = await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.intake_review, outcome="return", fields={"reason": "添付書類が不足"}, actor=KAWASAKI))
    assert returned.status == Status.revision_requested
    result = await handle.result()  # the revision deadline lapses on a timer: that record too
    assert result.status == Status.lapsed
    events = (await handle.fetch_history()).events
    scheduled = [e.activity_task_scheduled_event_attributes.activity_type.name for e in events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    markers = [e.marker_recorded_event_attributes for e in events
               if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    return scheduled, markers


async def test_local_mode_records_each_transition_in_the_workflow_task(env, recorded):
    scheduled, markers = await _run(recorded, projection="local_activity")
    assert [r.kind for r in recorded.records] == ["submitted", "decision", "lapsed"]
    assert [r.seq for r in recorded.records] == [1, 2, 3]
    assert RECORD_TRANSITION_ACTIVITY not in scheduled  # only notifications went through the task queue
    assert RECORD_TRANSITION_LOCAL_ACTIVITY not in scheduled
    local = [m for m in markers if m.marker_name == "core_local_activity"]
    assert len(local) == 3
    # Each marker keeps the record the local activity answered with: `tokku reconcile` reads it from there.
    assert all(json.loads(m.details["data"].payloads[0].data)["activity_type"] == RECORD_TRANSITION_LOCAL_ACTIVITY
               for m in local)
    converter = pydantic_data_converter.payload_converter
    kept = [converter.from_payloads(m.details["result"].payloads, [TransitionRecord])[0] for m in local]
    assert kept == recorded.records
    patches = [m for m in markers if m.marker_name == "core_patch"]
    assert len(patches) == 1 and LOCAL_PROJECTION.encode() in patches[0].SerializeToString()


async def test_default_mode_keeps_the_regular_activity(env, recorded):
    scheduled, markers = await _run(recorded)
    assert [r.kind for r in recorded.records] == ["submitted", "decision", "lapsed"]
    assert scheduled.count(RECORD_TRANSITION_ACTIVITY) == 3
    assert markers == []
