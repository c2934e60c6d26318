"""The filing round workflow on the time-skipping server, with activities that record what it asks: each
application decided once, a few at a time, then the round marked done; a refusal fails the round with its
type and bilingual details, after the rest of its batch settled, and the round is not marked done. The real
activities, database and a killed worker are in tests/documents/test_round_workflow.py."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from services.workers.sandbox import workflow_runner
from workflows.contracts import (
    DECIDE_ROUND_APPLICATION_ACTIVITY,
    FINISH_ROUND_ACTIVITY,
    FilingRoundInput,
    RoundApplicationDecision,
    RoundApplicationOutcome,
    RoundPhase,
    RoundPhaseDone,
    filing_round_workflow_id,
)
from workflows.filing_round import FilingRoundWorkflow


class Activities:
    def __init__(self, refuse: int | None = None) -> None:
        self.refuse = refuse
        self.decided: list[RoundApplicationDecision] = []
        self.finished: list[RoundPhaseDone] = []
        self.in_flight = 0
        self.most_in_flight = 0

    def all(self) -> list:
        @activity.defn(name=DECIDE_ROUND_APPLICATION_ACTIVITY)
        async def decide(request: RoundApplicationDecision) -> RoundApplicationOutcome:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            await asyncio.sleep(0.05)
            self.in_flight -= 1
            self.decided.append(request)
            if request.application_id == self.refuse:
                raise ApplicationError("you cannot decide this application", {"message_ja": "判断する権限がありません"},
                                       type="forbidden", non_retryable=True)
            return RoundApplicationOutcome(application_id=request.application_id, state="filed")

        @activity.defn(name=FINISH_ROUND_ACTIVITY)
        async def finish(request: RoundPhaseDone) -> None:
            self.finished.append(request)

        return [decide, finish]


async def run_round(env, activities: Activities, application_ids: list[int]):
    task_queue = f"tq-round-{uuid.uuid4().hex[:8]}"
    request = FilingRoundInput(round_id=7, phase=RoundPhase.file, acting_user_id=3, application_ids=application_ids)
    async with Worker(env.client, task_queue=task_queue, workflows=[FilingRoundWorkflow], workflow_runner=workflow_runner(),
                      activities=activities.all()):
        return await env.client.execute_workflow(
            FilingRoundWorkflow.run, request, task_queue=task_queue,
            id=f"{filing_round_workflow_id(7, RoundPhase.file)}-{uuid.uuid4().hex[:6]}")


async def test_each_application_decided_once_then_the_round_is_done(env):
    activities = Activities()
    result = await run_round(env, activities, list(range(101, 111)))
    assert sorted(d.application_id for d in activities.decided) == list(range(101, 111))
    assert {(d.round_id, d.phase, d.acting_user_id) for d in activities.decided} == {(7, RoundPhase.file, 3)}
    assert 1 < activities.most_in_flight <= FilingRoundInput.model_fields["decisions_at_once"].default
    assert activities.finished == [RoundPhaseDone(round_id=7, phase=RoundPhase.file)]
    assert [(o.application_id, o.state) for o in result.applications] == [(i, "filed") for i in range(101, 111)]


async def test_a_refusal_fails_the_round_after_its_batch_settles(env):
    activities = Activities(refuse=102)
    with pytest.raises(WorkflowFailureError) as failed:
        await run_round(env, activities, list(range(101, 111)))
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "forbidden"
    assert cause.details[0]["message_ja"] == "判断する権限がありません"
    assert sorted(d.application_id for d in activities.decided) == [101, 102, 103, 104]  # its batch, no more
    assert activities.finished == []
