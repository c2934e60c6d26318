"""The application workflow: one per application, from submission to a terminal status.

Decisions, resubmission and withdrawal are Updates with validators: a refused one writes nothing. Each
transition is recorded by an idempotent activity (keyed by application and event sequence) before the
Update returns, so the API can read the projection right after. Timers watch the step targets and the
revision deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from workflows import rules
    from workflows.contracts import (
        RECORD_TRANSITION_ACTIVITY,
        TERMINAL_STATUSES,
        Actor,
        ApplicationState,
        DecisionInput,
        ResubmitInput,
        StartInput,
        Status,
        SubmitInput,
        TransitionRecord,
        WithdrawInput,
    )

RECORD_TIMEOUT = timedelta(seconds=30)
# Keep retrying the database write: losing an event is worse than waiting for the database to come back.
RECORD_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10))


def _refusal(error: Exception) -> ApplicationError:
    """Turn a rule failure into the error the API maps to 409/403/422."""
    if isinstance(error, rules.DecisionRefused):
        return ApplicationError(error.message, {"code": error.code, "message_ja": error.message_ja},
                                type=error.code, non_retryable=True)
    if isinstance(error, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())
        return ApplicationError(f"invalid decision fields: {problems}",
                                {"code": "invalid", "message_ja": f"入力内容に誤りがあります: {problems}"},
                                type="invalid", non_retryable=True)
    raise error


@workflow.defn(name="ApplicationWorkflow")
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, start: StartInput) -> None:
        self._start = start
        self._status = Status.draft
        self._current_step: Status | None = None
        self._step_due_at: datetime | None = None
        self._revision_due_at: datetime | None = None
        self._returned_from: Status | None = None
        self._furthest: Status | None = None
        self._seq = 0
        self._transitions = 0  # bumps on every status change; the main loop re-plans its timers on it
        self._overdue_steps: list[Status] = []
        self._designation: dict[str, Any] | None = None

    # --- main loop: timers only; every change of status comes from an update or a timer below -----------

    @workflow.run
    async def run(self, start: StartInput) -> ApplicationState:
        while self._status not in TERMINAL_STATUSES:
            seen = self._transitions
            changed = lambda: self._transitions != seen  # noqa: E731 - a wait condition, read at each wake-up
            if self._status == Status.revision_requested and self._revision_due_at is not None:
                if not await self._wait_until(changed, self._revision_due_at):
                    await self._transition(kind="lapsed", status=Status.lapsed, step=Status.revision_requested,
                                           reason="revision deadline passed / 補正期限を過ぎました")
            elif self._status in rules.TIMED_STEPS and self._step_due_at is not None:
                if not await self._wait_until(changed, self._step_due_at):
                    # The target passed: say so once, then keep waiting for the decision.
                    step = self._status
                    self._overdue_steps.append(step)
                    await self._record(kind="step_overdue", step=step, reason="step target duration passed")
                    await workflow.wait_condition(changed)
            else:
                await workflow.wait_condition(changed)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state()

    async def _wait_until(self, condition, due: datetime) -> bool:
        """Wait for the condition until `due`; False when the time came first."""
        remaining = due - workflow.now()
        if remaining <= timedelta(0):
            return condition()
        try:
            await workflow.wait_condition(condition, timeout=remaining)
            return True
        except TimeoutError:
            return False

    # --- updates ------------------------------------------------------------------------------------------

    @workflow.update
    async def submit(self, request: SubmitInput) -> ApplicationState:
        if self._status != Status.draft:
            return self._state()  # a repeated submission answers with the state it led to
        await self._transition(kind="submitted", status=Status.intake_review, actor=request.actor,
                               content_version=request.content_version)
        return self._state()

    @submit.validator
    def _validate_submit(self, request: SubmitInput) -> None:
        try:
            rules.check_applicant_owns(request.actor, self._start.organization_id)
        except rules.DecisionRefused as refused:
            raise _refusal(refused) from None

    @workflow.update
    async def decide(self, decision: DecisionInput) -> ApplicationState:
        # Re-check: two updates accepted in one activation both passed their validators before either ran.
        try:
            next_status = self._check_decision(decision)
        except (rules.DecisionRefused, ValidationError) as error:
            raise _refusal(error) from None
        payload = {k: v for k, v in decision.fields.items() if k != "reason"}
        if decision.step == Status.designation:
            self._designation = dict(payload)
        await self._transition(kind="decision", status=next_status, step=decision.step,
                               outcome=decision.outcome, actor=decision.actor, reason=decision.reason,
                               payload=payload)
        return self._state()

    @decide.validator
    def _validate_decide(self, decision: DecisionInput) -> None:
        try:
            self._check_decision(decision)
        except (rules.DecisionRefused, ValidationError) as error:
            raise _refusal(error) from None

    def _check_decision(self, decision: DecisionInput) -> Status:
        return rules.check_decision(current_status=self._status,
                                    application_government=self._start.government, decision=decision)

    @workflow.update
    async def resubmit(self, request: ResubmitInput) -> ApplicationState:
        self._validate_resubmit(request)
        back_to = self._returned_from or Status.intake_review
        await self._transition(kind="resubmitted", status=back_to, step=Status.revision_requested,
                               actor=request.actor, content_version=request.content_version)
        return self._state()

    @resubmit.validator
    def _validate_resubmit(self, request: ResubmitInput) -> None:
        try:
            rules.check_applicant_owns(request.actor, self._start.organization_id)
        except rules.DecisionRefused as refused:
            raise _refusal(refused) from None
        if self._status != Status.revision_requested:
            raise _refusal(rules.DecisionRefused(
                "wrong_step", f"only a returned application can be resubmitted; it is {self._status.value}",
                f"補正依頼中の申請のみ再提出できます（現在: {rules.STATUS_LABELS_JA[self._status]}）"))

    @workflow.update
    async def withdraw(self, request: WithdrawInput) -> ApplicationState:
        self._validate_withdraw(request)
        await self._transition(kind="withdrawn", status=Status.withdrawn, step=self._status,
                               actor=request.actor, reason=request.reason)
        return self._state()

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawInput) -> None:
        try:
            rules.check_applicant_owns(request.actor, self._start.organization_id)
        except rules.DecisionRefused as refused:
            raise _refusal(refused) from None
        if self._status not in rules.WITHDRAWABLE:
            raise _refusal(rules.DecisionRefused(
                "wrong_step", f"an application can be withdrawn only before designation; it is {self._status.value}",
                f"指定前の申請のみ取り下げできます（現在: {rules.STATUS_LABELS_JA[self._status]}）"))

    @workflow.query
    def state(self) -> ApplicationState:
        return self._state()

    # --- bookkeeping ------------------------------------------------------------------------------------

    def _state(self) -> ApplicationState:
        return ApplicationState(
            application_id=self._start.application_id, status=self._status, current_step=self._current_step,
            step_due_at=self._step_due_at, revision_due_at=self._revision_due_at,
            returned_from=self._returned_from, furthest_step=self._furthest, last_seq=self._seq,
            overdue_steps=list(self._overdue_steps), designation=self._designation,
        )

    async def _transition(self, *, kind: str, status: Status, step: Status | None = None,
                          outcome: str | None = None, actor: Actor | None = None, reason: str | None = None,
                          payload: dict[str, Any] | None = None, content_version: int | None = None) -> None:
        """Change status synchronously (so concurrent handlers see it), then record it durably."""
        now = workflow.now()
        if status == Status.revision_requested:
            self._returned_from = step
            self._revision_due_at = now + timedelta(days=self._start.revision_deadline_days)
        elif self._status == Status.revision_requested:
            self._revision_due_at = None
        self._status = status
        self._current_step = None if status in TERMINAL_STATUSES else status
        self._step_due_at = rules.step_due_at(now, status, self._start.step_target_days)
        self._furthest = rules.further(self._furthest, status)
        self._transitions += 1
        await self._record(kind=kind, step=step, outcome=outcome, actor=actor, reason=reason,
                           payload=payload or {}, content_version=content_version)

    async def _record(self, *, kind: str, step: Status | None = None, outcome: str | None = None,
                      actor: Actor | None = None, reason: str | None = None,
                      payload: dict[str, Any] | None = None, content_version: int | None = None) -> None:
        self._seq += 1
        record = TransitionRecord(
            application_id=self._start.application_id, seq=self._seq, kind=kind, step=step, outcome=outcome,
            actor=actor, reason=reason, payload=payload or {}, occurred_at=workflow.now(),
            status=self._status, current_step=self._current_step, step_due_at=self._step_due_at,
            revision_due_at=self._revision_due_at, returned_from=self._returned_from,
            furthest_step=self._furthest, content_version=content_version,
        )
        await workflow.execute_activity(RECORD_TRANSITION_ACTIVITY, record, start_to_close_timeout=RECORD_TIMEOUT,
                                        retry_policy=RECORD_RETRY)
