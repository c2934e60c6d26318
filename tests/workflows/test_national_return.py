"""The way back from the Cabinet Office (総合特別区域法 第14条第2項, docs/plan-changes.md): an application
returned at national review and resubmitted goes through council consultation and filing again, not straight
back to national review; the secretariat may instead record why a new consultation is not needed."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError

from tests.workflows.test_designation_workflow import APPLICANT, KAWASAKI, start
from workflows.contracts import Actor, DecisionInput, ResubmitInput, Role, Status
from workflows.designation import ApplicationWorkflow

SECRETARIAT = Actor(user_id=5, username="secretariat1", role=Role.secretariat)
CAO = Actor(user_id=6, username="cao1", role=Role.national_official)
COUNCIL_AGREE = {"method": "meeting", "held_from": "2026-01-10"}


async def decide(handle, actor: Actor, step: Status, outcome: str, **fields):
    return await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=step, outcome=outcome, fields=fields, actor=actor))


async def returned_by_the_cabinet_office(recorder):
    handle = await start(recorder)
    await decide(handle, KAWASAKI, Status.intake_review, "accept")
    await decide(handle, SECRETARIAT, Status.council_consultation, "agree", **COUNCIL_AGREE)
    await decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2026-02-01", reference="R8-1")
    state = await decide(handle, CAO, Status.national_review, "return", reason="区域の記載を補正してください")
    assert state.status == Status.revision_requested and state.returned_from == Status.national_review
    return handle


async def test_a_national_return_comes_back_through_council_and_filing(env, recorded):
    handle = await returned_by_the_cabinet_office(recorded)
    state = await handle.execute_update(ApplicationWorkflow.resubmit, ResubmitInput(actor=APPLICANT,
                                                                                    content_version=2))
    assert state.status == Status.council_consultation, "not straight back to national review"
    with pytest.raises(WorkflowUpdateFailedError) as skipped:  # the Cabinet Office cannot certify it yet
        await decide(handle, CAO, Status.national_review, "certify", certified_on="2026-03-01", reference="府1")
    assert skipped.value.cause.type == "wrong_step"

    state = await decide(handle, SECRETARIAT, Status.council_consultation, "agree", **COUNCIL_AGREE)
    assert state.status == Status.local_filing
    state = await decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2026-04-01", reference="R8-2")
    assert state.status == Status.national_review
    state = await decide(handle, CAO, Status.national_review, "certify", certified_on="2026-05-01", reference="府2")
    assert state.status == Status.designation
    assert [(r.kind, r.step, r.status) for r in recorded.records[4:]] == [
        ("decision", Status.national_review, Status.revision_requested),
        ("resubmitted", Status.revision_requested, Status.council_consultation),
        ("decision", Status.council_consultation, Status.local_filing),
        ("decision", Status.local_filing, Status.national_review),
        ("decision", Status.national_review, Status.designation),
    ]
    history = await handle.fetch_history()
    markers = [e.marker_recorded_event_attributes for e in history.events
               if e.HasField("marker_recorded_event_attributes")]
    assert markers, "the new path is taken behind workflow.patched"


async def test_the_secretariat_may_record_why_no_new_consultation_is_needed(env, recorded):
    handle = await returned_by_the_cabinet_office(recorded)
    await handle.execute_update(ApplicationWorkflow.resubmit, ResubmitInput(actor=APPLICANT, content_version=2))
    with pytest.raises(WorkflowUpdateFailedError) as no_reason:
        await decide(handle, SECRETARIAT, Status.council_consultation, "not_required")
    assert no_reason.value.cause.type == "invalid"
    state = await decide(handle, SECRETARIAT, Status.council_consultation, "not_required",
                         reason="補正は添付書類の誤記のみで、協議した計画の内容に変更はない")
    assert state.status == Status.local_filing, "filing again all the same"
    assert recorded.records[-1].outcome == "not_required"
    assert recorded.records[-1].reason.startswith("補正は添付書類の誤記のみ")


async def test_no_new_consultation_is_open_only_after_a_national_return(env, recorded):
    handle = await start(recorded)
    await decide(handle, KAWASAKI, Status.intake_review, "accept")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await decide(handle, SECRETARIAT, Status.council_consultation, "not_required", reason="不要と判断")
    assert refused.value.cause.type == "invalid"
    assert (await handle.query(ApplicationWorkflow.state)).status == Status.council_consultation
