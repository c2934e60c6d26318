"""The application workflow: one per application, from submission to a terminal status.

Decisions, resubmission, withdrawal, reports and extensions are Updates with validators: a refused one
writes nothing. Each transition is recorded by an idempotent activity (keyed by application and event
sequence) before the Update returns, so the API can read the projection right after.

Every deadline — step targets, revision requests, and in follow-up the acquisition windows, planned
acquisition dates and annual reports — lives in one list; the main loop sleeps until the next reminder or
miss (workflows/deadlines.py), and wakes early whenever an update changes something. Multi-year follow-up
continues-as-new before the history grows large, carrying its whole state.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from workflows import deadlines as engine
    from workflows import rules
    from workflows.contracts import (
        DELIVER_MAIL_ACTIVITY,
        LOAD_PLANNED_ITEMS_ACTIVITY,
        NOTIFY_ACTIVITY,
        OPEN_DEADLINE_STATES,
        RECORD_TRANSITION_ACTIVITY,
        TERMINAL_STATUSES,
        AcquisitionReported,
        AcquisitionReviewed,
        Actor,
        AnnualReportFiled,
        ApplicationState,
        CarriedState,
        DeadlineExtension,
        DeadlineInfo,
        DeadlineKind,
        DeadlineState,
        DecisionInput,
        NotifyInput,
        PlannedItemRef,
        ResubmitInput,
        StartInput,
        Status,
        SubmitInput,
        TransitionRecord,
        WithdrawInput,
    )
    from workflows.follow_up import acquisition_window, follow_up_deadlines

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Keep retrying database writes: losing an event is worse than waiting for the database to come back.
RECORD_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10))
# Mail waits for the relay as long as it takes; the notification itself is already stored.
MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10))


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


def _refuse(code: str, message: str, message_ja: str) -> ApplicationError:
    return _refusal(rules.DecisionRefused(code, message, message_ja))


@workflow.defn(name="ApplicationWorkflow")
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, start: StartInput) -> None:
        self._start = start
        carried = start.carried or CarriedState(status=Status.draft)
        self._status = carried.status
        self._current_step = carried.current_step
        self._step_due_at = carried.step_due_at
        self._revision_due_at = carried.revision_due_at
        self._returned_from = carried.returned_from
        self._furthest = carried.furthest
        self._seq = carried.seq
        self._transitions = carried.transitions
        self._overdue_steps = list(carried.overdue_steps)
        self._designation = carried.designation
        self._deadlines: dict[str, DeadlineInfo] = {d.key: d for d in carried.deadlines}
        self._done: set[str] = set(carried.sent)  # reminders sent and misses handled
        self._items = list(carried.items)
        self._settled_items = set(carried.settled_items)
        self._period_end = carried.period_end
        self._run_number = carried.run_number
        self._version = 0  # bumps on every change; the main loop re-plans on it
        self._deliveries: list[asyncio.Task] = []

    # --- main loop -------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: StartInput) -> ApplicationState:
        while self._status not in TERMINAL_STATUSES:
            if self._should_continue_as_new():
                await self._drain()
                workflow.continue_as_new(self._carry())
            seen = self._version
            changed = lambda: self._version != seen  # noqa: E731 - a wait condition, read at each wake-up
            due = self._next_due()
            if due is None:
                await workflow.wait_condition(changed)
                continue
            fire_at, action = due
            remaining = fire_at - workflow.now()
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(changed, timeout=remaining)
                    continue  # something changed: plan again
                except TimeoutError:
                    pass
            await action()
        await self._drain()
        return self._state()

    def _next_due(self):
        """The earliest timed action: a reminder, a miss, or completing a finished follow-up."""
        found = engine.next_action(list(self._deadlines.values()), self._done,
                                   self._start.follow_up.reminder_lead_days)
        best = None
        if found is not None:
            fire_at, kind, deadline, lead = found
            if kind == "remind":
                best = (fire_at, lambda: self._remind(deadline, lead))
            else:
                best = (fire_at, lambda: self._missed(deadline))
        if self._status == Status.follow_up and self._period_end is not None and self._follow_up_settled():
            if best is None or self._period_end < best[0]:
                best = (self._period_end, self._complete_follow_up)
        return best

    async def _drain(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        pending = [task for task in self._deliveries if not task.done()]
        if pending:
            await asyncio.gather(*pending)
        self._deliveries = []

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (info.is_continue_as_new_suggested()
                or info.get_current_history_length() > self._start.follow_up.history_event_limit)

    def _carry(self) -> StartInput:
        carried = CarriedState(
            status=self._status, current_step=self._current_step, step_due_at=self._step_due_at,
            revision_due_at=self._revision_due_at, returned_from=self._returned_from, furthest=self._furthest,
            seq=self._seq, transitions=self._transitions, overdue_steps=self._overdue_steps,
            designation=self._designation, deadlines=list(self._deadlines.values()), sent=sorted(self._done),
            items=self._items, settled_items=sorted(self._settled_items), period_end=self._period_end,
            run_number=self._run_number + 1)
        return self._start.model_copy(update={"carried": carried})

    # --- timed actions ---------------------------------------------------------------------------------

    async def _remind(self, deadline: DeadlineInfo, lead: float) -> None:
        self._done.add(engine.reminder_id(deadline, lead))
        await self._notify("reminder", "applicant", deadline, lead_days=lead)

    async def _missed(self, deadline: DeadlineInfo) -> None:
        self._done.add(engine.miss_id(deadline))
        if deadline.kind == DeadlineKind.revision_request:
            deadline.state = DeadlineState.missed
            await self._transition(kind="lapsed", status=Status.lapsed, step=Status.revision_requested,
                                   reason="revision deadline passed / 補正期限を過ぎました")
            await self._notify("lapsed", "applicant", deadline)
            return
        deadline.state = DeadlineState.missed
        if deadline.kind == DeadlineKind.step_target:
            self._overdue_steps.append(deadline.step)
            await self._record(kind="step_overdue", step=deadline.step, reason="step target duration passed",
                               payload={"deadline": deadline.key})
            await self._notify("step_overdue", "step_holders", deadline)
        elif deadline.kind == DeadlineKind.planned_acquisition:
            await self._record(kind="deadline_missed", step=self._status, payload={"deadline": deadline.key})
            await self._notify("planned_date_passed", "applicant", deadline)
        else:
            await self._record(kind="deadline_missed", step=self._status, payload={"deadline": deadline.key})
            await self._notify("escalation", "officials", deadline)

    async def _complete_follow_up(self) -> None:
        await self._transition(kind="completed", status=Status.completed, step=Status.follow_up,
                               reason="all items settled, reports in, period over / "
                                      "全設備の確認・報告の提出が完了し、期間が満了しました")

    def _follow_up_settled(self) -> bool:
        items_settled = all(item.id in self._settled_items for item in self._items)
        reports_in = all(d.state == DeadlineState.met for d in self._deadlines.values()
                         if d.kind == DeadlineKind.annual_report)
        return items_settled and reports_in

    async def _notify(self, kind: str, audience: str, deadline: DeadlineInfo,
                      lead_days: float | None = None) -> None:
        request = NotifyInput(application_id=self._start.application_id, kind=kind, audience=audience,
                              deadline_key=deadline.key, deadline_kind=deadline.kind, settled_by=deadline.settled_by,
                              due_at=deadline.due_at, lead_days=lead_days, step=deadline.step,
                              scheduled_at=workflow.now())
        to_mail: list[int] = await workflow.execute_activity(
            NOTIFY_ACTIVITY, request, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RECORD_RETRY,
            result_type=list[int])
        if to_mail:
            # Not awaited: a mail relay that is down must not hold up the next reminder.
            self._deliveries.append(workflow.start_activity(
                DELIVER_MAIL_ACTIVITY, to_mail, start_to_close_timeout=timedelta(minutes=2),
                retry_policy=MAIL_RETRY))

    # --- updates: the process --------------------------------------------------------------------------

    @workflow.update
    async def submit(self, request: SubmitInput) -> ApplicationState:
        if self._status != Status.draft:
            return self._state()  # a repeated submission answers with the state it led to
        await self._transition(kind="submitted", status=Status.intake_review, actor=request.actor,
                               content_version=request.content_version)
        return self._state()

    @submit.validator
    def _validate_submit(self, request: SubmitInput) -> None:
        self._require_applicant(request.actor)

    @workflow.update
    async def decide(self, decision: DecisionInput) -> ApplicationState:
        # Re-check: two updates accepted in one activation both passed their validators before either ran.
        next_status = self._checked_decision(decision)
        payload = {k: v for k, v in decision.fields.items() if k != "reason"}
        new_deadlines: list[DeadlineInfo] = []
        if decision.step == Status.designation:
            items = await workflow.execute_activity(
                LOAD_PLANNED_ITEMS_ACTIVITY, self._start.application_id, start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=RECORD_RETRY, result_type=list[PlannedItemRef])
            next_status = self._checked_decision(decision)  # the activity took time: still current?
            self._designation = dict(payload)
            self._items = items
            new_deadlines = follow_up_deadlines(now=workflow.now(), designation=payload, items=items,
                                                settings=self._start.follow_up)
            self._period_end = max([d.due_at for d in new_deadlines],
                                   default=engine.end_of_day(acquisition_window(payload, self._start.follow_up)[1]))
        await self._transition(kind="decision", status=next_status, step=decision.step, outcome=decision.outcome,
                               actor=decision.actor, reason=decision.reason, payload=payload,
                               new_deadlines=new_deadlines)
        return self._state()

    @decide.validator
    def _validate_decide(self, decision: DecisionInput) -> None:
        self._checked_decision(decision)

    def _checked_decision(self, decision: DecisionInput) -> Status:
        try:
            next_status = rules.check_decision(current_status=self._status,
                                               application_government=self._start.government, decision=decision)
            if decision.step == Status.designation:
                until = decision.fields.get("acquisition_until")
                sunset = self._start.follow_up.measure_sunset
                if until and str(until) > sunset.isoformat():
                    raise rules.DecisionRefused(
                        "invalid", f"acquisition_until {until} is after the measure's last acquisition date {sunset}",
                        f"取得期限（{until}）が措置の適用期限（{sunset}）を過ぎています")
            return next_status
        except (rules.DecisionRefused, ValidationError) as error:
            raise _refusal(error) from None

    @workflow.update
    async def resubmit(self, request: ResubmitInput) -> ApplicationState:
        self._validate_resubmit(request)
        back_to = self._returned_from or Status.intake_review
        await self._transition(kind="resubmitted", status=back_to, step=Status.revision_requested,
                               actor=request.actor, content_version=request.content_version)
        return self._state()

    @resubmit.validator
    def _validate_resubmit(self, request: ResubmitInput) -> None:
        self._require_applicant(request.actor)
        if self._status != Status.revision_requested:
            raise _refuse("wrong_step", f"only a returned application can be resubmitted; it is {self._status.value}",
                          f"補正依頼中の申請のみ再提出できます（現在: {rules.STATUS_LABELS_JA[self._status]}）")

    @workflow.update
    async def withdraw(self, request: WithdrawInput) -> ApplicationState:
        self._validate_withdraw(request)
        await self._transition(kind="withdrawn", status=Status.withdrawn, step=self._status,
                               actor=request.actor, reason=request.reason)
        return self._state()

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawInput) -> None:
        self._require_applicant(request.actor)
        if self._status not in rules.WITHDRAWABLE:
            raise _refuse("wrong_step",
                          f"an application can be withdrawn only before designation; it is {self._status.value}",
                          f"指定前の申請のみ取り下げできます（現在: {rules.STATUS_LABELS_JA[self._status]}）")

    # --- updates: follow-up ----------------------------------------------------------------------------

    @workflow.update
    async def report_acquisition(self, report: AcquisitionReported) -> ApplicationState:
        self._validate_report_acquisition(report)
        settled = []
        if report.equipment_item_id is not None:
            for key in (f"acquisition:item:{report.equipment_item_id}", f"planned:item:{report.equipment_item_id}"):
                deadline = self._deadlines.get(key)
                if deadline is not None and deadline.state in OPEN_DEADLINE_STATES:
                    deadline.state = DeadlineState.met
                    settled.append(key)
        await self._record(kind="acquisition_reported", step=Status.follow_up, actor=report.actor,
                           payload={"report_id": report.report_id, "equipment_item_id": report.equipment_item_id,
                                    "deadlines_met": settled})
        return self._state()

    @report_acquisition.validator
    def _validate_report_acquisition(self, report: AcquisitionReported) -> None:
        self._require_applicant(report.actor)
        self._require_follow_up()
        if report.equipment_item_id is not None and report.equipment_item_id not in {i.id for i in self._items}:
            raise _refuse("invalid", f"equipment item {report.equipment_item_id} is not a planned item of this "
                                     "application", "指定された取得予定設備はこの申請のものではありません")

    @workflow.update
    async def review_acquisition(self, review: AcquisitionReviewed) -> ApplicationState:
        self._validate_review_acquisition(review)
        if review.equipment_item_id is not None:
            if review.outcome == "confirm":
                self._settled_items.add(review.equipment_item_id)
            else:
                self._settled_items.discard(review.equipment_item_id)
        await self._record(kind="acquisition_reviewed", step=Status.follow_up, outcome=review.outcome,
                           actor=review.actor, payload={"report_id": review.report_id,
                                                        "equipment_item_id": review.equipment_item_id})
        return self._state()

    @review_acquisition.validator
    def _validate_review_acquisition(self, review: AcquisitionReviewed) -> None:
        self._require_local_official(review.actor)
        self._require_follow_up()

    @workflow.update
    async def file_annual_report(self, report: AnnualReportFiled) -> ApplicationState:
        self._validate_file_annual_report(report)
        deadline = self._deadlines[f"annual:{report.fiscal_year}"]
        if deadline.state in OPEN_DEADLINE_STATES or deadline.state == DeadlineState.missed:
            deadline.state = DeadlineState.met  # a late report still settles it (the escalation stands)
        await self._record(kind="annual_report_filed", step=Status.follow_up, actor=report.actor,
                           payload={"report_id": report.report_id, "fiscal_year": report.fiscal_year})
        return self._state()

    @file_annual_report.validator
    def _validate_file_annual_report(self, report: AnnualReportFiled) -> None:
        self._require_applicant(report.actor)
        self._require_follow_up()
        if f"annual:{report.fiscal_year}" not in self._deadlines:
            years = sorted(d.fiscal_year for d in self._deadlines.values() if d.kind == DeadlineKind.annual_report)
            raise _refuse("invalid", f"no annual report is due for fiscal year {report.fiscal_year}; due: {years}",
                          f"{report.fiscal_year}年度の事業実施状況報告は対象外です（対象年度: {years}）")

    @workflow.update
    async def extend_deadline(self, extension: DeadlineExtension) -> ApplicationState:
        self._validate_extend_deadline(extension)
        deadline = self._deadlines[extension.key]
        previous = deadline.due_at
        deadline.due_at = extension.new_due_at
        deadline.planned_at = workflow.now()
        deadline.state = DeadlineState.extended
        deadline.extension_reason = extension.reason
        if deadline.kind == DeadlineKind.revision_request:
            self._revision_due_at = extension.new_due_at
        await self._record(kind="deadline_extended", step=self._status, actor=extension.actor,
                           reason=extension.reason,
                           payload={"deadline": deadline.key, "from": previous.isoformat(),
                                    "to": extension.new_due_at.isoformat()})
        return self._state()

    @extend_deadline.validator
    def _validate_extend_deadline(self, extension: DeadlineExtension) -> None:
        self._require_local_official(extension.actor)
        deadline = self._deadlines.get(extension.key)
        if deadline is None or deadline.kind == DeadlineKind.step_target:
            raise _refuse("invalid", f"there is no deadline {extension.key!r} to extend",
                          "延長できる期限ではありません")
        if deadline.state in (DeadlineState.met, DeadlineState.cancelled):
            raise _refuse("wrong_step", f"the deadline is already {deadline.state.value}; nothing to extend",
                          "この期限は既に完了または取消済みのため延長できません")
        if extension.new_due_at <= max(deadline.due_at, workflow.now()):
            raise _refuse("invalid", "the new date must be later than the current due date and than today",
                          "新しい期限は現在の期限および本日より後の日付にしてください")

    @workflow.query
    def state(self) -> ApplicationState:
        return self._state()

    # --- checks ----------------------------------------------------------------------------------------

    def _require_applicant(self, actor: Actor) -> None:
        try:
            rules.check_applicant_owns(actor, self._start.organization_id)
        except rules.DecisionRefused as refused:
            raise _refusal(refused) from None

    def _require_local_official(self, actor: Actor) -> None:
        try:
            rules.check_actor_holds_step(actor, Status.follow_up, self._start.government)
        except rules.DecisionRefused as refused:
            raise _refusal(refused) from None

    def _require_follow_up(self) -> None:
        if self._status != Status.follow_up:
            raise _refuse("wrong_step", f"reports are taken in follow_up only; the application is {self._status.value}",
                          f"報告はフォローアップ段階でのみ受け付けます（現在: {rules.STATUS_LABELS_JA[self._status]}）")

    # --- bookkeeping ------------------------------------------------------------------------------------

    def _state(self) -> ApplicationState:
        return ApplicationState(
            application_id=self._start.application_id, status=self._status, current_step=self._current_step,
            step_due_at=self._step_due_at, revision_due_at=self._revision_due_at,
            returned_from=self._returned_from, furthest_step=self._furthest, last_seq=self._seq,
            overdue_steps=list(self._overdue_steps), designation=self._designation,
            deadlines=list(self._deadlines.values()), settled_items=sorted(self._settled_items),
            run_number=self._run_number,
        )

    def _add_deadline(self, deadline: DeadlineInfo) -> None:
        self._deadlines[deadline.key] = deadline

    async def _transition(self, *, kind: str, status: Status, step: Status | None = None,
                          outcome: str | None = None, actor: Actor | None = None, reason: str | None = None,
                          payload: dict[str, Any] | None = None, content_version: int | None = None,
                          new_deadlines: list[DeadlineInfo] | None = None) -> None:
        """Change status synchronously (so concurrent handlers see it), then record it durably."""
        now = workflow.now()
        leaving = self._status
        # The deadline of the step being left is met by this transition (or cancelled by the end).
        for deadline in self._deadlines.values():
            if deadline.state in OPEN_DEADLINE_STATES and (
                    (deadline.kind == DeadlineKind.step_target and deadline.step == leaving)
                    or (deadline.kind == DeadlineKind.revision_request and leaving == Status.revision_requested)):
                deadline.state = DeadlineState.met if status not in TERMINAL_STATUSES else DeadlineState.cancelled
        if status == Status.revision_requested:
            self._returned_from = step
            self._revision_due_at = now + timedelta(days=self._start.revision_deadline_days)
            self._add_deadline(DeadlineInfo(
                key=f"revision:{self._transitions + 1}", kind=DeadlineKind.revision_request,
                due_at=self._revision_due_at, original_due_at=self._revision_due_at, planned_at=now,
                settled_by=engine.SETTLED_BY_JA[DeadlineKind.revision_request], step=step))
        elif leaving == Status.revision_requested:
            self._revision_due_at = None
        self._status = status
        self._current_step = None if status in TERMINAL_STATUSES else status
        self._step_due_at = rules.step_due_at(now, status, self._start.step_target_days)
        if self._step_due_at is not None:
            self._add_deadline(DeadlineInfo(
                key=f"step:{status.value}:{self._transitions + 1}", kind=DeadlineKind.step_target,
                due_at=self._step_due_at, original_due_at=self._step_due_at, planned_at=now,
                settled_by=engine.SETTLED_BY_JA[DeadlineKind.step_target], step=status))
        for deadline in new_deadlines or []:
            self._add_deadline(deadline)
        if status in TERMINAL_STATUSES:
            for deadline in self._deadlines.values():
                if deadline.state in OPEN_DEADLINE_STATES:
                    deadline.state = DeadlineState.cancelled
        self._furthest = rules.further(self._furthest, status)
        self._transitions += 1
        self._version += 1
        await self._record(kind=kind, step=step, outcome=outcome, actor=actor, reason=reason,
                           payload=payload or {}, content_version=content_version)

    async def _record(self, *, kind: str, step: Status | None = None, outcome: str | None = None,
                      actor: Actor | None = None, reason: str | None = None,
                      payload: dict[str, Any] | None = None, content_version: int | None = None) -> None:
        self._seq += 1
        self._version += 1
        record = TransitionRecord(
            application_id=self._start.application_id, seq=self._seq, kind=kind, step=step, outcome=outcome,
            actor=actor, reason=reason, payload=payload or {}, occurred_at=workflow.now(),
            status=self._status, current_step=self._current_step, step_due_at=self._step_due_at,
            revision_due_at=self._revision_due_at, returned_from=self._returned_from,
            furthest_step=self._furthest, content_version=content_version,
            deadlines=list(self._deadlines.values()),
        )
        await workflow.execute_activity(RECORD_TRANSITION_ACTIVITY, record, start_to_close_timeout=ACTIVITY_TIMEOUT,
                                        retry_policy=RECORD_RETRY)
