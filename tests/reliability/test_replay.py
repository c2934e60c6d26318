"""The determinism guard: every recorded history (tests/histories/<version>/, written by
`python -m tests.histories.record`) replays against today's ApplicationWorkflow. A change that would break
running workflows fails here, before it reaches a worker; the changed copies in changed_workflows.py prove
the guard bites, and that workflow.patched is the way through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from services.workers.sandbox import workflow_runner
from tests.histories.record import EXPECTED_END, SCENARIO_SINCE, SCENARIOS
from tests.reliability.changed_workflows import (
    CompatibleChangeWorkflow,
    ExtraTimerWorkflow,
    ReorderedActivityWorkflow,
)
from workflows.contracts import (
    RECORD_TRANSITION_ACTIVITY,
    RECORD_TRANSITION_LOCAL_ACTIVITY,
    StartInput,
    TransitionRecord,
)
from workflows.designation import ApplicationWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
FILES = sorted(HISTORIES.glob("*/*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"{path.parent.name}-{path.stem}", path.read_text(encoding="utf-8"))


def event_types(path: Path) -> set[str]:
    return {event["eventType"] for event in json.loads(path.read_text(encoding="utf-8"))["events"]}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.lstrip("v").split("."))


def replayer(workflow_class) -> Replayer:
    return Replayer(workflows=[workflow_class], data_converter=pydantic_data_converter,
                    workflow_runner=workflow_runner())


def test_every_scenario_is_recorded_for_each_version():
    versions = sorted({path.parent.name for path in FILES})
    # v0.1.0 recorded before the workflow kept one state object; v0.2.0 after (records without unchanged deadlines);
    # v0.3.0 after a national-review return went back through the council (workflow.patched); v0.4.0 with the
    # transitions recorded by a local activity (StartInput.projection "local_activity", workflow.patched); v0.5.0
    # with queries as conversations and missed deadlines mailed to the company (two more patches); v0.6.0 started
    # with the submission recorded by the API (StartInput.submitted, TOKKU_INTAKE_MODE=api_transaction).
    assert {"v0.1.0", "v0.2.0", "v0.3.0", "v0.4.0", "v0.5.0", "v0.6.0"} <= set(versions), \
        f"missing recorded versions: {versions}"
    for version in versions:
        names = {path.stem.split(".")[0] for path in FILES if path.parent.name == version}
        expected = {name for name in SCENARIOS if _version_key(SCENARIO_SINCE.get(name, "v0.1.0"))
                    <= _version_key(version)}
        assert names == expected, (version, names ^ expected)
    # The recordings reach each terminal status and the paths that matter for replay.
    assert set(EXPECTED_END.values()) == {"completed", "rejected", "lapsed", "withdrawn", "revoked"}
    everything = set().union(*(event_types(path) for path in FILES))
    assert {"EVENT_TYPE_TIMER_FIRED", "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
            "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED", "EVENT_TYPE_ACTIVITY_TASK_COMPLETED"} <= everything
    assert len([p for p in FILES if p.stem.startswith("follow_up_extended_revoked")]) >= 3  # several runs


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
async def test_history_replays_against_current_workflow(path: Path):
    result = await replayer(ApplicationWorkflow).replay_workflow(load(path))
    assert result.replay_failure is None


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_recorded_inputs_decode_into_todays_contracts(path: Path):
    """A run's input (continue-as-new carries the whole state in it) and every record it scheduled decode into
    today's types, whichever version recorded them: a running workflow's next run, and a record whose
    activity is retried after a deploy, still read."""
    converter = pydantic_data_converter.payload_converter
    events = load(path).events
    start = converter.from_payloads(events[0].workflow_execution_started_event_attributes.input.payloads,
                                    [StartInput])[0]
    run_number = int(path.stem.split(".")[1])
    carried = start.carried
    assert (carried.run_number if carried else 1) == run_number
    if run_number > 1:
        assert carried.seq > 0 and carried.deadlines and carried.status == "follow_up"
    # A run started from a recorded submission (v0.6.0 on) begins after event #1, which the API wrote.
    seq = carried.seq if carried else (1 if start.submitted else 0)
    if _version_key(path.parent.name) >= (0, 6, 0) and run_number == 1:
        assert start.submitted is not None and start.submitted.actor.role == "applicant"
    for event in events:
        scheduled = event.activity_task_scheduled_event_attributes
        if event.HasField("activity_task_scheduled_event_attributes") and \
                scheduled.activity_type.name == RECORD_TRANSITION_ACTIVITY:
            payloads = scheduled.input.payloads
        elif local_record_marker(event):  # the local activity's answer is the record (v0.4.0 on)
            payloads = event.marker_recorded_event_attributes.details["result"].payloads
        else:
            continue
        record = converter.from_payloads(payloads, [TransitionRecord])[0]
        seq += 1
        assert record.seq == record.last_seq == seq == json.loads(payloads[0].data)["seq"]
        assert record.application_id == start.application_id
    if _version_key(path.parent.name) >= (0, 4, 0):
        assert seq > (carried.seq if carried else 0), "the records are in the markers"


def local_record_marker(event) -> bool:
    if not event.HasField("marker_recorded_event_attributes"):
        return False
    marker = event.marker_recorded_event_attributes
    return marker.marker_name == "core_local_activity" and json.loads(
        marker.details["data"].payloads[0].data)["activity_type"] == RECORD_TRANSITION_LOCAL_ACTIVITY


@pytest.mark.parametrize("changed", [ExtraTimerWorkflow, ReorderedActivityWorkflow])
async def test_a_breaking_change_fails_replay(changed):
    path = next(p for p in FILES if p.stem == "journey_completed.1")
    with pytest.raises(NondeterminismError):
        await replayer(changed).replay_workflow(load(path))


async def test_the_same_change_behind_patched_replays():
    async def histories():
        for path in FILES:
            yield load(path)

    results = await replayer(CompatibleChangeWorkflow).replay_workflows(histories(), raise_on_replay_failure=False)
    assert dict(results.replay_failures) == {}
