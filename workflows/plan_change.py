"""The change of a designated project that is not minor (総合特別区域法 第14条, docs/plan-changes.md): one
workflow per change, `plan-change-{id}`, through council consultation, the governments' filing, the Cabinet
Office's certification and designation again. The designated version stays in force meanwhile (acquisitions
against it continue in the application's own workflow); designation puts the new version in force.

Decisions are Updates with validators, checked by the same pure rules as the application's
(workflows/rules.py: who holds a step, which outcome leads where, the decision fields); a refused one writes
nothing. Each event is recorded by an idempotent activity keyed by (change, seq). A return (by the council or
the Cabinet Office) goes to the company, and the amended change comes back through the council and filing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from workflows import rules
    from workflows.contracts import Actor, DecisionInput, Status
    from workflows.plan_change_contracts import (
        PLAN_CHANGE_WORKFLOW_NAME,
        PUT_PLAN_CHANGE_IN_FORCE_ACTIVITY,
        RECORD_PLAN_CHANGE_STEP_ACTIVITY,
        ChangeStatus,
        PlanChangeInput,
        PlanChangeRecord,
        PlanChangeResubmit,
        PlanChangeState,
        PutInForce,
    )

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Putting a version in force writes the database and then tells the application's workflow (an Update).
IN_FORCE_TIMEOUT = timedelta(seconds=60)
RECORD_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10))
FINISHED = frozenset({ChangeStatus.in_force, ChangeStatus.rejected, ChangeStatus.ended})
# A change's steps lead where the application's do, except that designation puts the change in force.
AFTER_STEP = {Status.follow_up: ChangeStatus.in_force}


def _refuse(code: str, message: str, message_ja: str) -> ApplicationError:
    return ApplicationError(message, {"code": code, "message_ja": message_ja}, type=code, non_retryable=True)


@workflow.defn(name=PLAN_CHANGE_WORKFLOW_NAME)
class PlanChangeWorkflow:
    @workflow.init
    def __init__(self, start: PlanChangeInput) -> None:
        self._start = start
        self._state = PlanChangeState(plan_change_id=start.plan_change_id, status=ChangeStatus.council_consultation,
                                      current_step=Status.council_consultation)

    @workflow.run
    async def run(self, start: PlanChangeInput) -> PlanChangeState:
        await workflow.wait_condition(lambda: self._state.status in FINISHED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.query
    def state(self) -> PlanChangeState:
        return self._state

    # --- updates -----------------------------------------------------------------------------------------

    @workflow.update
    async def decide(self, decision: DecisionInput) -> PlanChangeState:
        next_status = self._checked(decision)  # again: two updates may have passed their validators together
        payload = {k: v for k, v in decision.fields.items() if k != "reason"}
        if decision.step == Status.designation:
            adopted: bool = await workflow.execute_activity(
                PUT_PLAN_CHANGE_IN_FORCE_ACTIVITY,
                PutInForce(plan_change_id=self._start.plan_change_id, actor=decision.actor, designation=payload),
                start_to_close_timeout=IN_FORCE_TIMEOUT, retry_policy=RECORD_RETRY, result_type=bool)
            next_status = ChangeStatus.in_force if adopted else ChangeStatus.ended
        if next_status == ChangeStatus.revision_requested:
            self._state.returned_from = decision.step
        await self._transition(next_status, kind="decision", step=decision.step, outcome=decision.outcome,
                               actor=decision.actor, reason=decision.reason, payload=payload)
        return self._state

    @decide.validator
    def _validate_decide(self, decision: DecisionInput) -> None:
        self._checked(decision)

    def _checked(self, decision: DecisionInput) -> ChangeStatus:
        step = self._state.current_step
        if step is None:
            raise _refuse("wrong_step", f"the change is {self._state.status.value}; nothing to decide",
                          "この計画変更には判断する段階がありません")
        try:
            next_status = rules.check_decision(current_status=step, application_government=self._start.government,
                                               decision=decision, returned_from=self._state.returned_from)
        except rules.DecisionRefused as refused:
            raise _refuse(refused.code, refused.message, refused.message_ja) from None
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())
            raise _refuse("invalid", f"invalid decision fields: {problems}",
                          f"入力内容に誤りがあります: {problems}") from None
        until = decision.fields.get("acquisition_until")
        if step == Status.designation and until and str(until) > self._start.measure_sunset.isoformat():
            raise _refuse("invalid", f"acquisition_until {until} is after the measure's last acquisition date "
                                     f"{self._start.measure_sunset}",
                          f"取得期限（{until}）が措置の適用期限（{self._start.measure_sunset}）を過ぎています")
        return AFTER_STEP[next_status] if next_status in AFTER_STEP else ChangeStatus(next_status.value)

    @workflow.update
    async def resubmit(self, request: PlanChangeResubmit) -> PlanChangeState:
        """The company amended the returned change: back through the council (and filing) whoever returned it."""
        self._validate_resubmit(request)
        await self._transition(ChangeStatus.council_consultation, kind="resubmitted", step=Status.revision_requested,
                               actor=request.actor, payload={"revision": request.revision})
        return self._state

    @resubmit.validator
    def _validate_resubmit(self, request: PlanChangeResubmit) -> None:
        try:
            rules.check_applicant_owns(request.actor, self._start.organization_id)
        except rules.DecisionRefused as refused:
            raise _refuse(refused.code, refused.message, refused.message_ja) from None
        if self._state.status != ChangeStatus.revision_requested:
            raise _refuse("wrong_step", f"only a returned change can be resubmitted; it is {self._state.status.value}",
                          "差し戻された計画変更のみ再提出できます")

    # --- bookkeeping ---------------------------------------------------------------------------------------

    async def _transition(self, status: ChangeStatus, *, kind: str, step: Status | None, actor: Actor,
                          outcome: str | None = None, reason: str | None = None,
                          payload: dict[str, Any] | None = None) -> None:
        """Change the state synchronously (concurrent handlers see it), then record it durably."""
        state = self._state
        state.status = status
        state.current_step = Status(status.value) if status.value in Status.__members__ and \
            Status(status.value) in rules.STEP_ROLE else None
        state.last_seq += 1
        record = PlanChangeRecord(**state.model_dump(), application_id=self._start.application_id, kind=kind,
                                  step=step, outcome=outcome, actor=actor, reason=reason, payload=payload or {},
                                  occurred_at=workflow.now())
        await workflow.execute_activity(RECORD_PLAN_CHANGE_STEP_ACTIVITY, record,
                                        start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RECORD_RETRY)
