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

from tests.histories.record import EXPECTED_END, SCENARIOS
from tests.reliability.changed_workflows import (
    CompatibleChangeWorkflow,
    ExtraTimerWorkflow,
    ReorderedActivityWorkflow,
)
from workflows.designation import ApplicationWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
FILES = sorted(HISTORIES.glob("*/*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"{path.parent.name}-{path.stem}", path.read_text(encoding="utf-8"))


def event_types(path: Path) -> set[str]:
    return {event["eventType"] for event in json.loads(path.read_text(encoding="utf-8"))["events"]}


def replayer(workflow_class) -> Replayer:
    return Replayer(workflows=[workflow_class], data_converter=pydantic_data_converter)


def test_every_scenario_is_recorded_for_each_version():
    versions = sorted({path.parent.name for path in FILES})
    assert versions, "no recorded histories: run python -m tests.histories.record"
    for version in versions:
        names = {path.stem.split(".")[0] for path in FILES if path.parent.name == version}
        assert names == set(SCENARIOS), (version, names ^ set(SCENARIOS))
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
