"""The application workflow: one per application, from submission to a terminal status.

Decisions, resubmission, withdrawal, reports and extensions are Updates with validators: a refused one
writes nothing. Each transition is recorded by an idempotent activity (keyed by application and event
sequence) before the Update returns, so the API can read the projection right after: a regular activity, or a
local activity when the run was started with StartInput.projection "local_activity" (docs/performance.md).

The workflow keeps one state object (WorkflowState, `self._state`) that its handlers change in place;
its snapshot (ApplicationState) answers the query and every update, and each TransitionRecord carries it,
with the deadlines only when the event changed them. Multi-year follow-up continues-as-new before the
history grows large, carrying that state whole.

Every deadline — step targets, revision requests, and in follow-up the acquisition windows, planned
acquisition dates and annual reports — lives in the state's one list, kept by the pure functions of
workflows/deadlines.py; the main loop sleeps until the next reminder or miss, and wakes early whenever an
update changes something.
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
        RECORD_TRANSITION_ACTIVITY,
        RECORD_TRANSITION_LOCAL_ACTIVITY,
        TERMINAL_STATUSES,
        AcquisitionReported,
        AcquisitionReviewed,
        Actor,
        AnnualReportFiled,
        AnnualReportReviewed,
        ApplicationState,
        DeadlineExtension,
        DeadlineInfo,
        DeadlineKind,
        DeadlineState,
        DecisionInput,
        NotifyInput,
        PlannedItemRef,
        ReportAnswered,
        ResubmitInput,
        Role,
        StartInput,
        Status,
        SubmitInput,
        WithdrawInput,
        WorkflowState,
    )
    from workflows.follow_up import acquisition_window, follow_up_deadlines, replan_items
    from workflows.plan_change_contracts import NOTIFY_PLAN_CHANGE_ACTIVITY, PlanChangeNotice, PlanVersionAdopted
    from workflows.transitions import enter_status, next_record, recorded_submission

# A national-review return comes back through council consultation and filing (総合特別区域法 第14条第2項,
# docs/plan-changes.md); before this patch it went straight back to national review.
NATIONAL_RETURN_THROUGH_COUNCIL = "national-return-through-council"
# A run started with StartInput.projection "local_activity" records its transitions with a local activity
# (the command sequence changes: markers instead of scheduled activities).
LOCAL_PROJECTION = "local-projection"
# A query (照会) about a report reopens the deadlines the report met, keeps the note in the timeline and mails the
# company (issue 20); before this patch a queried acquisition report only lost its confirmation.
REPORT_QUERIES = "report-queries-are-conversations"
# A missed follow-up deadline is mailed to the company as well as escalated to the officials (issue 20).
MISSED_TELLS_COMPANY = "missed-deadline-tells-company"

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
        self._state = start.carried or WorkflowState(status=Status.draft)
        self._version = 0  # bumps on every change; the main loop re-plans on it
        self._deliveries: list[asyncio.Task] = []
        # The deadlines as the last record carried them: none for a new application. A carried run does not
        # know what the projection holds (its state may come from elsewhere, as in bench/open_applications.py),
        # so its first record carries them.
        self._recorded_deadlines: list[DeadlineInfo] | None = [] if start.carried is None else None
        if start.carried is None and start.submitted is not None:
            # The API recorded the submission in its own transaction (TOKKU_INTAKE_MODE=api_transaction): start
            # from the state that record left, computed from the input alone (deterministic on replay).
            self._state, submitted = recorded_submission(start)
            self._recorded_deadlines = submitted.deadlines
        self._local_projection: bool | None = None  # decided at the first record (workflow.patched)

    # --- main loop -------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: StartInput) -> ApplicationState:
        while self._state.status not in TERMINAL_STATUSES:
            if self._should_continue_as_new():
                await self._drain()
                workflow.continue_as_new(self._carry())
            seen = self._version
            changed = lambda seen=seen: self._version != seen  # noqa: E731 - a wait condition, read at each wake-up
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
        return self._snapshot()

    def _next_due(self):
        """The earliest timed action: a reminder, a miss, or completing a finished follow-up."""
        state = self._state
        found = engine.next_action(state.deadlines, set(state.sent), self._start.follow_up.reminder_lead_days)
        best = None
        if found is not None:
            fire_at, kind, deadline, lead = found
            if kind == "remind":
                best = (fire_at, lambda: self._remind(deadline, lead))
            else:
                best = (fire_at, lambda: self._missed(deadline))
        if (state.status == Status.follow_up and state.period_end is not None
                and engine.follow_up_settled(state.deadlines, state.items, state.settled_items)):
            if best is None or state.period_end < best[0]:
                best = (state.period_end, self._complete_follow_up)
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
        carried = self._state.model_copy(update={"run_number": self._state.run_number + 1})
        return self._start.model_copy(update={"carried": carried})

    # --- timed actions ---------------------------------------------------------------------------------

    async def _remind(self, deadline: DeadlineInfo, lead: float) -> None:
        self._state.sent.append(engine.reminder_id(deadline, lead))
        await self._notify("reminder", "applicant", deadline, lead_days=lead)

    async def _missed(self, deadline: DeadlineInfo) -> None:
        self._state.sent.append(engine.miss_id(deadline))
        deadline.state = DeadlineState.missed
        if deadline.kind == DeadlineKind.revision_request:
            await self._transition(kind="lapsed", status=Status.lapsed, step=Status.revision_requested,
                                   reason="revision deadline passed / 補正期限を過ぎました")
            await self._notify("lapsed", "applicant", deadline)
            return
        if deadline.kind == DeadlineKind.step_target:
            self._state.overdue_steps.append(deadline.step)
            await self._record(kind="step_overdue", step=deadline.step, reason="step target duration passed",
                               payload={"deadline": deadline.key})
            await self._notify("step_overdue", "step_holders", deadline)
        elif deadline.kind == DeadlineKind.planned_acquisition:
            await self._record(kind="deadline_missed", step=self._state.status, payload={"deadline": deadline.key})
            await self._notify("planned_date_passed", "applicant", deadline)
        else:
            await self._record(kind="deadline_missed", step=self._state.status, payload={"deadline": deadline.key})
            await self._notify("escalation", "officials", deadline)
            if workflow.patched(MISSED_TELLS_COMPANY):
                await self._notify("missed", "applicant", deadline)

    async def _complete_follow_up(self) -> None:
        await self._transition(kind="completed", status=Status.completed, step=Status.follow_up,
                               reason="all items settled, reports in, period over / "
                                      "全設備の確認・報告の提出が完了し、期間が満了しました")

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
        if self._state.status != Status.draft:
            return self._snapshot()  # a repeated submission answers with the state it led to
        await self._transition(kind="submitted", status=Status.intake_review, actor=request.actor,
                               content_version=request.content_version)
        return self._snapshot()

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
            self._state.designation = dict(payload)
            self._state.items = items
            new_deadlines = follow_up_deadlines(now=workflow.now(), designation=payload, items=items,
                                                settings=self._start.follow_up)
            self._state.period_end = max(
                [d.due_at for d in new_deadlines],
                default=engine.end_of_day(acquisition_window(payload, self._start.follow_up)[1]))
        await self._transition(kind="decision", status=next_status, step=decision.step, outcome=decision.outcome,
                               actor=decision.actor, reason=decision.reason, payload=payload,
                               new_deadlines=new_deadlines)
        return self._snapshot()

    @decide.validator
    def _validate_decide(self, decision: DecisionInput) -> None:
        self._checked_decision(decision)

    def _checked_decision(self, decision: DecisionInput) -> Status:
        try:
            next_status = rules.check_decision(current_status=self._state.status,
                                               application_government=self._start.government, decision=decision,
                                               returned_from=self._state.returned_from)
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
        back_to = self._state.returned_from or Status.intake_review
        if back_to == Status.national_review and workflow.patched(NATIONAL_RETURN_THROUGH_COUNCIL):
            back_to = Status.council_consultation
        await self._transition(kind="resubmitted", status=back_to, step=Status.revision_requested,
                               actor=request.actor, content_version=request.content_version)
        return self._snapshot()

    @resubmit.validator
    def _validate_resubmit(self, request: ResubmitInput) -> None:
        self._require_applicant(request.actor)
        status = self._state.status
        if status != Status.revision_requested:
            raise _refuse("wrong_step", f"only a returned application can be resubmitted; it is {status.value}",
                          f"補正依頼中の申請のみ再提出できます（現在: {rules.STATUS_LABELS_JA[status]}）")

    @workflow.update
    async def withdraw(self, request: WithdrawInput) -> ApplicationState:
        self._validate_withdraw(request)
        await self._transition(kind="withdrawn", status=Status.withdrawn, step=self._state.status,
                               actor=request.actor, reason=request.reason)
        return self._snapshot()

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawInput) -> None:
        self._require_applicant(request.actor)
        status = self._state.status
        if status not in rules.WITHDRAWABLE:
            raise _refuse("wrong_step",
                          f"an application can be withdrawn only before designation; it is {status.value}",
                          f"指定前の申請のみ取り下げできます（現在: {rules.STATUS_LABELS_JA[status]}）")

    # --- updates: follow-up ----------------------------------------------------------------------------

    @workflow.update
    async def report_acquisition(self, report: AcquisitionReported) -> ApplicationState:
        self._validate_report_acquisition(report)
        settled = ([] if report.equipment_item_id is None
                   else engine.settle_acquisition(self._state.deadlines, report.equipment_item_id))
        await self._record(kind="acquisition_reported", step=Status.follow_up, actor=report.actor,
                           payload={"report_id": report.report_id, "equipment_item_id": report.equipment_item_id,
                                    "deadlines_met": settled})
        return self._snapshot()

    @report_acquisition.validator
    def _validate_report_acquisition(self, report: AcquisitionReported) -> None:
        self._require_applicant(report.actor)
        self._require_follow_up()
        if report.equipment_item_id is not None and report.equipment_item_id not in {
                item.id for item in self._state.items}:
            raise _refuse("invalid", f"equipment item {report.equipment_item_id} is not a planned item of this "
                                     "application", "指定された取得予定設備はこの申請のものではありません")

    @workflow.update
    async def review_acquisition(self, review: AcquisitionReviewed) -> ApplicationState:
        self._validate_review_acquisition(review)
        if review.equipment_item_id is not None:
            settled = set(self._state.settled_items)
            if review.outcome == "confirm":
                settled.add(review.equipment_item_id)
            else:
                settled.discard(review.equipment_item_id)
            self._state.settled_items = sorted(settled)
        payload: dict[str, Any] = {"report_id": review.report_id, "equipment_item_id": review.equipment_item_id}
        if review.outcome == "query" and workflow.patched(REPORT_QUERIES):
            payload["note"] = review.note
            if review.equipment_item_id is not None:  # its deadlines are open again (the projection shows them)
                engine.reopen(self._state.deadlines, engine.acquisition_keys(review.equipment_item_id))
        await self._record(kind="acquisition_reviewed", step=Status.follow_up, outcome=review.outcome,
                           actor=review.actor, payload=payload)
        self._mail(review.notify_ids)
        return self._snapshot()

    @review_acquisition.validator
    def _validate_review_acquisition(self, review: AcquisitionReviewed) -> None:
        self._require_local_official(review.actor)
        self._require_follow_up()

    @workflow.update
    async def file_annual_report(self, report: AnnualReportFiled) -> ApplicationState:
        self._validate_file_annual_report(report)
        engine.settle_annual_report(self._state.deadlines, report.fiscal_year)
        await self._record(kind="annual_report_filed", step=Status.follow_up, actor=report.actor,
                           payload={"report_id": report.report_id, "fiscal_year": report.fiscal_year})
        return self._snapshot()

    @file_annual_report.validator
    def _validate_file_annual_report(self, report: AnnualReportFiled) -> None:
        self._require_applicant(report.actor)
        self._require_follow_up()
        deadlines = self._state.deadlines
        if engine.find(deadlines, engine.annual_report_key(report.fiscal_year)) is None:
            years = engine.annual_report_years(deadlines)
            raise _refuse("invalid", f"no annual report is due for fiscal year {report.fiscal_year}; due: {years}",
                          f"{report.fiscal_year}年度の事業実施状況報告は対象外です（対象年度: {years}）")

    @workflow.update
    async def review_annual_report(self, review: AnnualReportReviewed) -> ApplicationState:
        """The official confirms or queries a year's report; a query reopens the year's deadline."""
        self._validate_review_annual_report(review)
        payload: dict[str, Any] = {"report_id": review.report_id, "fiscal_year": review.fiscal_year}
        if review.note:
            payload["note"] = review.note
        if review.outcome == "query":
            engine.reopen(self._state.deadlines, [engine.annual_report_key(review.fiscal_year)])
        await self._record(kind="annual_report_reviewed", step=Status.follow_up, outcome=review.outcome,
                           actor=review.actor, payload=payload)
        self._mail(review.notify_ids)
        return self._snapshot()

    @review_annual_report.validator
    def _validate_review_annual_report(self, review: AnnualReportReviewed) -> None:
        self._require_local_official(review.actor)
        self._require_follow_up()

    @workflow.update
    async def answer_report(self, answer: ReportAnswered) -> ApplicationState:
        """The company answered a query (and may have corrected the report): the report is back for review and
        meets its deadlines again."""
        self._validate_answer_report(answer)
        if answer.report_kind == "acquisition":
            settled = ([] if answer.equipment_item_id is None
                       else engine.settle_acquisition(self._state.deadlines, answer.equipment_item_id))
        else:
            key = engine.annual_report_key(answer.fiscal_year or 0)
            before = engine.find(self._state.deadlines, key)
            was_open = before is not None and before.state != DeadlineState.met
            engine.settle_annual_report(self._state.deadlines, answer.fiscal_year or 0)
            settled = [key] if was_open else []
        await self._record(kind="report_answered", step=Status.follow_up, actor=answer.actor,
                           payload={"report_id": answer.report_id, "version": answer.version,
                                    "corrected": answer.corrected, "attachments": answer.attachments,
                                    "deadlines_met": settled})
        self._mail(answer.notify_ids)
        return self._snapshot()

    @answer_report.validator
    def _validate_answer_report(self, answer: ReportAnswered) -> None:
        self._require_applicant(answer.actor)
        self._require_follow_up()

    def _mail(self, notification_ids: list[int]) -> None:
        """Mail notifications the service stored (not awaited: a relay that is down holds nothing up)."""
        if notification_ids:
            self._deliveries.append(workflow.start_activity(
                DELIVER_MAIL_ACTIVITY, notification_ids, start_to_close_timeout=timedelta(minutes=2),
                retry_policy=MAIL_RETRY))

    @workflow.update
    async def extend_deadline(self, extension: DeadlineExtension) -> ApplicationState:
        self._validate_extend_deadline(extension)
        deadline = engine.find(self._state.deadlines, extension.key)
        previous = engine.extend(deadline, new_due_at=extension.new_due_at, now=workflow.now(),
                                 reason=extension.reason)
        if deadline.kind == DeadlineKind.revision_request:
            self._state.revision_due_at = extension.new_due_at
        await self._record(kind="deadline_extended", step=self._state.status, actor=extension.actor,
                           reason=extension.reason,
                           payload={"deadline": deadline.key, "from": previous.isoformat(),
                                    "to": extension.new_due_at.isoformat()})
        return self._snapshot()

    @extend_deadline.validator
    def _validate_extend_deadline(self, extension: DeadlineExtension) -> None:
        self._require_local_official(extension.actor)
        deadline = engine.find(self._state.deadlines, extension.key)
        if deadline is None or deadline.kind == DeadlineKind.step_target:
            raise _refuse("invalid", f"there is no deadline {extension.key!r} to extend",
                          "延長できる期限ではありません")
        if deadline.state in (DeadlineState.met, DeadlineState.cancelled):
            raise _refuse("wrong_step", f"the deadline is already {deadline.state.value}; nothing to extend",
                          "この期限は既に完了または取消済みのため延長できません")
        if extension.new_due_at <= max(deadline.due_at, workflow.now()):
            raise _refuse("invalid", "the new date must be later than the current due date and than today",
                          "新しい期限は現在の期限および本日より後の日付にしてください")

    # --- updates: plan changes (docs/plan-changes.md) ---------------------------------------------------

    @workflow.update
    async def adopt_plan_version(self, adopted: PlanVersionAdopted) -> ApplicationState:
        """A version of the plan came into force: a minor change recorded, or a change certified and designated
        again. The follow-up watches its items from now on; the company and the government are told."""
        self._validate_adopt_plan_version(adopted)
        state = self._state
        designation = adopted.designation or state.designation
        replan_items(state.deadlines, now=workflow.now(), designation=designation, items=adopted.items,
                     settings=self._start.follow_up)
        state.items = adopted.items
        state.designation = dict(designation)
        state.period_end = max(
            [d.due_at for d in state.deadlines if d.state in (DeadlineState.open, DeadlineState.extended)]
            + ([state.period_end] if state.period_end else []),
            default=engine.end_of_day(acquisition_window(designation, self._start.follow_up)[1]))
        self._version += 1
        change = {"plan_change_id": adopted.plan_change_id, "version": adopted.version, "minor": adopted.minor,
                  "summary": adopted.summary}
        if adopted.designation is not None:  # designated again: the designation decision of the new version
            await self._record(kind="decision", step=Status.designation, outcome="designate", actor=adopted.actor,
                               payload={**adopted.designation, **change})
        else:
            await self._record(kind="plan_changed", step=Status.follow_up, actor=adopted.actor, payload=change)
        notice = PlanChangeNotice(application_id=self._start.application_id, plan_change_id=adopted.plan_change_id,
                                  version=adopted.version, minor=adopted.minor, summary=adopted.summary,
                                  occurred_at=workflow.now())
        to_mail: list[int] = await workflow.execute_activity(
            NOTIFY_PLAN_CHANGE_ACTIVITY, notice, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RECORD_RETRY,
            result_type=list[int])
        if to_mail:
            self._deliveries.append(workflow.start_activity(
                DELIVER_MAIL_ACTIVITY, to_mail, start_to_close_timeout=timedelta(minutes=2),
                retry_policy=MAIL_RETRY))
        return self._snapshot()

    @adopt_plan_version.validator
    def _validate_adopt_plan_version(self, adopted: PlanVersionAdopted) -> None:
        status = self._state.status
        if status != Status.follow_up:
            raise _refuse("wrong_step", f"a plan change comes into force in follow_up only; the application is "
                                        f"{status.value}",
                          f"計画の変更はフォローアップ段階の申請にのみ反映できます（現在: {rules.STATUS_LABELS_JA[status]}）")
        actor = adopted.actor
        try:
            if actor.role == Role.applicant:
                rules.check_applicant_owns(actor, self._start.organization_id)
            else:
                rules.check_actor_holds_step(actor, Status.designation, self._start.government)
        except rules.DecisionRefused as refused:
            raise _refusal(refused) from None
        if adopted.minor == (adopted.designation is not None):
            raise _refuse("invalid", "a minor change comes without a designation; a certified change with one",
                          "軽微な変更は再指定なし、認定を受けた変更は再指定ありで反映します")

    @workflow.query
    def state(self) -> ApplicationState:
        return self._snapshot()

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
        status = self._state.status
        if status != Status.follow_up:
            raise _refuse("wrong_step", f"reports are taken in follow_up only; the application is {status.value}",
                          f"報告はフォローアップ段階でのみ受け付けます（現在: {rules.STATUS_LABELS_JA[status]}）")

    # --- bookkeeping ------------------------------------------------------------------------------------

    def _snapshot(self) -> ApplicationState:
        return self._state.snapshot(self._start.application_id)

    async def _transition(self, *, kind: str, status: Status, step: Status | None = None,
                          outcome: str | None = None, actor: Actor | None = None, reason: str | None = None,
                          payload: dict[str, Any] | None = None, content_version: int | None = None,
                          new_deadlines: list[DeadlineInfo] | None = None) -> None:
        """Change status synchronously (so concurrent handlers see it), then record it durably."""
        enter_status(self._state, self._start, now=workflow.now(), status=status, step=step,
                     new_deadlines=new_deadlines)
        self._version += 1
        await self._record(kind=kind, step=step, outcome=outcome, actor=actor, reason=reason,
                           payload=payload or {}, content_version=content_version)

    async def _record(self, *, kind: str, step: Status | None = None, outcome: str | None = None,
                      actor: Actor | None = None, reason: str | None = None,
                      payload: dict[str, Any] | None = None, content_version: int | None = None) -> None:
        self._version += 1
        record, self._recorded_deadlines = next_record(
            self._state, self._start.application_id, now=workflow.now(), recorded_deadlines=self._recorded_deadlines,
            kind=kind, step=step, outcome=outcome, actor=actor, reason=reason, payload=payload,
            content_version=content_version)
        if self._records_locally():
            # In the worker, inside the workflow task that made the transition: the Update answers from that
            # same task. The write is idempotent by (application, seq); a task lost with its worker runs it again.
            # It answers with the record, which the marker keeps in the history (for `tokku reconcile`).
            await workflow.execute_local_activity(RECORD_TRANSITION_LOCAL_ACTIVITY, record,
                                                  start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RECORD_RETRY)
        else:
            await workflow.execute_activity(RECORD_TRANSITION_ACTIVITY, record,
                                            start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RECORD_RETRY)

    def _records_locally(self) -> bool:
        if self._local_projection is None:
            self._local_projection = (self._start.projection == "local_activity"
                                      and workflow.patched(LOCAL_PROJECTION))
        return self._local_projection
