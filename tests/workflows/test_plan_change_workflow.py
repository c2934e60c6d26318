"""PlanChangeWorkflow on the time-skipping test server: a change that is not minor goes through council,
filing, certification and designation again; a return goes to the company and comes back through the council;
designation puts the version in force exactly once. The activities record what they are asked."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.worker import Worker

from services.workers.sandbox import workflow_runner
from tests.workflows.test_designation_workflow import APPLICANT, KAWASAKI
from tests.workflows.test_national_return import CAO, COUNCIL_AGREE, SECRETARIAT
from workflows.contracts import Actor, DecisionInput, Government, Role, Status
from workflows.plan_change import PlanChangeWorkflow
from workflows.plan_change_contracts import (
    PUT_PLAN_CHANGE_IN_FORCE_ACTIVITY,
    RECORD_PLAN_CHANGE_STEP_ACTIVITY,
    ChangeStatus,
    PlanChangeInput,
    PlanChangeRecord,
    PlanChangeResubmit,
    PutInForce,
)

DESIGNATE = {"designation_number": "指定第1号（変更）", "designated_on": "2027-01-10",
             "acquisition_from": "2027-01-10", "acquisition_until": "2027-12-31"}


@pytest.fixture
async def change(env):
    records: list[PlanChangeRecord] = []
    put: list[PutInForce] = []

    @activity.defn(name=RECORD_PLAN_CHANGE_STEP_ACTIVITY)
    async def record(step: PlanChangeRecord) -> bool:
        records.append(step)
        return True

    @activity.defn(name=PUT_PLAN_CHANGE_IN_FORCE_ACTIVITY)
    async def put_in_force(request: PutInForce) -> bool:
        put.append(request)
        return True

    task_queue = f"tq-change-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=task_queue, workflows=[PlanChangeWorkflow], workflow_runner=workflow_runner(),
                      activities=[record, put_in_force]):
        handle = await env.client.start_workflow(
            PlanChangeWorkflow.run, PlanChangeInput(plan_change_id=7, application_id=1, organization_id=10,
                                                    government=Government.kawasaki, measure_sunset=date(2099, 3, 31)),
            id=f"plan-change-{uuid.uuid4()}", task_queue=task_queue)
        yield handle, records, put
        # The test server's clock is shared: leave no workflow running without its worker.
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test finished")


async def decide(handle, actor: Actor, step: Status, outcome: str, **fields):
    return await handle.execute_update(PlanChangeWorkflow.decide, DecisionInput(step=step, outcome=outcome,
                                                                                 fields=fields, actor=actor))


async def test_through_council_filing_certification_and_designation_again(change):
    handle, records, put = change
    with pytest.raises(WorkflowUpdateFailedError) as wrong_role:
        await decide(handle, KAWASAKI, Status.council_consultation, "agree", **COUNCIL_AGREE)
    assert wrong_role.value.cause.type == "forbidden"
    await decide(handle, SECRETARIAT, Status.council_consultation, "agree", **COUNCIL_AGREE)
    await decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2027-01-01", reference="R9-1")
    returned = await decide(handle, CAO, Status.national_review, "return", reason="設備の内訳を補正")
    assert returned.status == ChangeStatus.revision_requested and returned.returned_from == Status.national_review
    with pytest.raises(WorkflowUpdateFailedError) as not_theirs:
        await handle.execute_update(PlanChangeWorkflow.resubmit, PlanChangeResubmit(
            actor=Actor(user_id=9, username="applicant2", role=Role.applicant, organization_id=11), revision=2))
    assert not_theirs.value.cause.type == "forbidden"
    again = await handle.execute_update(PlanChangeWorkflow.resubmit, PlanChangeResubmit(actor=APPLICANT, revision=2))
    assert again.status == ChangeStatus.council_consultation, "back through the council"
    await decide(handle, SECRETARIAT, Status.council_consultation, "not_required", reason="内訳の誤記の補正のみ")
    await decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2027-01-05", reference="R9-2")
    await decide(handle, CAO, Status.national_review, "certify", certified_on="2027-01-08", reference="府9")
    assert put == []
    done = await decide(handle, KAWASAKI, Status.designation, "designate", **DESIGNATE)
    assert done.status == ChangeStatus.in_force and done.current_step is None
    assert [(p.plan_change_id, p.designation["designation_number"]) for p in put] == [(7, "指定第1号（変更）")]
    assert (await handle.result()).status == ChangeStatus.in_force
    assert [(r.last_seq, r.kind, r.step, r.status) for r in records] == [
        (1, "decision", Status.council_consultation, ChangeStatus.local_filing),
        (2, "decision", Status.local_filing, ChangeStatus.national_review),
        (3, "decision", Status.national_review, ChangeStatus.revision_requested),
        (4, "resubmitted", Status.revision_requested, ChangeStatus.council_consultation),
        (5, "decision", Status.council_consultation, ChangeStatus.local_filing),
        (6, "decision", Status.local_filing, ChangeStatus.national_review),
        (7, "decision", Status.national_review, ChangeStatus.designation),
        (8, "decision", Status.designation, ChangeStatus.in_force),
    ]


async def test_a_rejected_change_leaves_the_version_in_force(change):
    handle, records, put = change
    rejected = await decide(handle, SECRETARIAT, Status.council_consultation, "reject", reason="区域の目標に資さない")
    assert rejected.status == ChangeStatus.rejected
    assert (await handle.result()).status == ChangeStatus.rejected
    assert put == [] and records[-1].reason == "区域の目標に資さない"
