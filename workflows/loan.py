"""The loan workflow: one per subsidised loan, from the government's recommendation through the Cabinet
Office's approval (利子補給契約) to the yearly claims, approvals and payments, until the seventh fiscal year
of the contract has ended (docs/interest-subsidy.md).

Decisions and claims are Updates with validators: a refused one writes nothing. Each event is recorded by
an idempotent activity (keyed by loan and event sequence) before the Update returns. Claim deadlines are
deadlines like the application's (workflows/deadlines.py): the loop sleeps until the next reminder, miss
or the end of the process, and wakes early whenever an update changes something.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from workflows import deadlines as engine
    from workflows import loan_rules, rules
    from workflows.contracts import (
        DELIVER_MAIL_ACTIVITY,
        Actor,
        DeadlineInfo,
        DeadlineKind,
        DeadlineState,
        Role,
    )
    from workflows.loan_contracts import (
        LOAN_DECISION_FIELDS,
        LOAN_OUTCOME_NEXT,
        LOAN_STATUS_LABELS_JA,
        LOAN_STEP_ROLE,
        LOAN_TERMINAL_STATUSES,
        NOTIFY_LOAN_ACTIVITY,
        RECORD_LOAN_EVENT_ACTIVITY,
        ClaimFiled,
        ClaimState,
        LoanDecision,
        LoanNotifyInput,
        LoanRecord,
        LoanStart,
        LoanState,
        LoanStatus,
        LoanStep,
        LoanWorkflowState,
    )

ACTIVITY_TIMEOUT = timedelta(seconds=30)
RECORD_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10))
MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10))


def _refuse(code: str, message: str, message_ja: str, rule: str | None = None) -> ApplicationError:
    """The error the API maps to 409 (wrong_step) / 403 (forbidden) / 422 (invalid)."""
    details = {"code": code, "message_ja": message_ja, **({"rule": rule} if rule else {})}
    return ApplicationError(message, details, type=code, non_retryable=True)


def _from_rule(refused: loan_rules.LoanRuleRefused) -> ApplicationError:
    return _refuse(refused.status, refused.message, refused.message_ja, refused.rule)


def claim_deadline_key(fiscal_year: int) -> str:
    return f"claim:{fiscal_year}"


@workflow.defn(name="LoanWorkflow")
class LoanWorkflow:
    @workflow.init
    def __init__(self, start: LoanStart) -> None:
        self._start = start
        self._state = start.carried or LoanWorkflowState()
        self._version = 0  # bumps on every change; the main loop re-plans on it
        self._deliveries: list[asyncio.Task] = []
        self._recorded_deadlines: list[DeadlineInfo] | None = [] if start.carried is None else None

    # --- main loop -------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: LoanStart) -> LoanState:
        if self._state.seq == 0:
            await self._record(kind="registered", step=LoanStep.recommendation,
                               payload={"first_drawdown_on": start.first_drawdown_on.isoformat(),
                                        "principal_jpy": start.principal_jpy})
        while self._state.status not in LOAN_TERMINAL_STATUSES:
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
                    continue
                except TimeoutError:
                    pass
            await action()
        await self._drain()
        return self._snapshot()

    def _next_due(self):
        state = self._state
        found = engine.next_action(state.deadlines, set(state.sent), self._start.settings.reminder_lead_days)
        best = None
        if found is not None:
            fire_at, kind, deadline, lead = found
            best = (fire_at, (lambda: self._remind(deadline, lead)) if kind == "remind"
                    else (lambda: self._missed(deadline)))
        if state.status == LoanStatus.servicing and state.closes_at is not None:
            if best is None or state.closes_at <= best[0]:
                best = (state.closes_at, self._complete)
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
                or info.get_current_history_length() > self._start.settings.history_event_limit)

    def _carry(self) -> LoanStart:
        carried = self._state.model_copy(update={"run_number": self._state.run_number + 1})
        return self._start.model_copy(update={"carried": carried})

    # --- timed actions ---------------------------------------------------------------------------------

    async def _remind(self, deadline: DeadlineInfo, lead: float) -> None:
        self._state.sent.append(engine.reminder_id(deadline, lead))
        self._version += 1
        await self._notify("reminder", "lender", deadline, lead_days=lead)

    async def _missed(self, deadline: DeadlineInfo) -> None:
        self._state.sent.append(engine.miss_id(deadline))
        deadline.state = DeadlineState.missed
        await self._record(kind="claim_deadline_missed", payload={"deadline": deadline.key,
                                                                  "fiscal_year": deadline.fiscal_year})
        await self._notify("escalation", "officials", deadline)

    async def _complete(self) -> None:
        self._state.status = LoanStatus.completed
        engine.cancel_open(self._state.deadlines)
        await self._record(kind="completed",
                           reason="the seventh fiscal year of the contract has ended / "
                                  "利子補給契約をした会計年度以降七年度が経過しました")

    async def _notify(self, kind: str, audience: str, deadline: DeadlineInfo, lead_days: float | None = None) -> None:
        request = LoanNotifyInput(loan_id=self._start.loan_id, kind=kind, audience=audience,
                                  deadline_key=deadline.key, settled_by=deadline.settled_by, due_at=deadline.due_at,
                                  lead_days=lead_days, fiscal_year=deadline.fiscal_year,
                                  scheduled_at=workflow.now())
        to_mail: list[int] = await workflow.execute_activity(
            NOTIFY_LOAN_ACTIVITY, request, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RECORD_RETRY,
            result_type=list[int])
        if to_mail:
            self._deliveries.append(workflow.start_activity(
                DELIVER_MAIL_ACTIVITY, to_mail, start_to_close_timeout=timedelta(minutes=2), retry_policy=MAIL_RETRY))

    # --- updates ---------------------------------------------------------------------------------------

    @workflow.update
    async def decide(self, decision: LoanDecision) -> LoanState:
        # Again: two updates accepted in one activation both passed their validators before either ran.
        next_status, fields = self._checked_decision(decision)
        state = self._state
        payload = {key: value for key, value in decision.fields.items() if key != "reason"}
        if decision.step == LoanStep.cabinet_office_review and decision.outcome == "approve":
            self._approve(fields.contracted_on, fields.contract_total_jpy)
        elif decision.step == LoanStep.claim_review:
            claim = state.claim(fields.fiscal_year)
            if decision.outcome == "approve":
                claim.approved_jpy = claim.subsidy_jpy if fields.approved_jpy is None else fields.approved_jpy
                claim.state = "approved"
                payload["approved_jpy"] = claim.approved_jpy
            else:
                claim.state = "rejected"
        elif decision.step == LoanStep.payment:
            claim = state.claim(fields.fiscal_year)
            claim.state = "paid"
            claim.paid_jpy = claim.approved_jpy
            payload["paid_jpy"] = claim.paid_jpy
        state.status = next_status
        if next_status in LOAN_TERMINAL_STATUSES:
            engine.cancel_open(state.deadlines)
        await self._record(kind="decision", step=decision.step, outcome=decision.outcome, actor=decision.actor,
                           reason=decision.reason, payload=payload)
        return self._snapshot()

    @decide.validator
    def _validate_decide(self, decision: LoanDecision) -> None:
        self._checked_decision(decision)

    def _approve(self, contracted_on: date, contract_total_jpy: int) -> None:
        """The contract: its fiscal year fixes the seven years of payment, and the claim deadlines follow."""
        state, settings = self._state, self._start.settings
        state.contracted_on = contracted_on
        state.contract_fiscal_year = engine.fiscal_year(contracted_on)
        state.contract_total_jpy = contract_total_jpy
        now = workflow.now()
        for year in loan_rules.claimable_fiscal_years(self._start.first_drawdown_on, state.contract_fiscal_year):
            due = engine.end_of_day(loan_rules.claim_due_on(year, settings.claim_due_month, settings.claim_due_day,
                                                            contracted_on))
            engine.add(state.deadlines, DeadlineInfo(
                key=claim_deadline_key(year), kind=DeadlineKind.subsidy_claim, due_at=due, original_due_at=due,
                planned_at=now, settled_by=f"{engine.SETTLED_BY_JA[DeadlineKind.subsidy_claim]}（{year}年度分）",
                fiscal_year=year))
        window_end = engine.end_of_day(loan_rules.payment_window_end(state.contract_fiscal_year))
        state.closes_at = window_end + timedelta(days=settings.close_grace_days)

    def _checked_decision(self, decision: LoanDecision) -> tuple[LoanStatus, Any]:
        """The status the decision leads to and its validated fields; refuses what must not happen."""
        state = self._state
        step = decision.step
        if step in (LoanStep.recommendation, LoanStep.cabinet_office_review):
            if state.status.value != step.value:
                raise _refuse("wrong_step", f"the loan is at {state.status.value}, not at {step.value}; reload",
                              f"この貸付は現在「{LOAN_STATUS_LABELS_JA[state.status.value]}」の段階です"
                              f"（「{LOAN_STATUS_LABELS_JA[step.value]}」ではありません）。再読み込みしてください")
        elif state.status != LoanStatus.servicing:
            raise _refuse("wrong_step", f"claims are decided while the loan is servicing; it is {state.status.value}",
                          f"支給申請の審査・支給は利子補給中のみ行えます（現在: {LOAN_STATUS_LABELS_JA[state.status.value]}）")
        self._require_step_holder(decision.actor, step)
        outcomes = LOAN_DECISION_FIELDS[step]
        if decision.outcome not in outcomes:
            raise _refuse("invalid", f"outcome {decision.outcome!r} is not possible at {step.value}; choose one of "
                                     f"{', '.join(outcomes)}",
                          f"「{LOAN_STATUS_LABELS_JA[step.value]}」の段階では選べない結果です。再読み込みしてください")
        try:
            fields = outcomes[decision.outcome].model_validate(decision.fields)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())
            raise _refuse("invalid", f"invalid decision fields: {problems}",
                          f"入力内容に誤りがあります: {problems}") from None
        today = _today()
        if step == LoanStep.cabinet_office_review and decision.outcome == "approve":
            if fields.contracted_on > today:
                raise _refuse("invalid", "contracted_on cannot be in the future", "契約日に未来の日付は指定できません")
            contract_year = engine.fiscal_year(fields.contracted_on)
            if not loan_rules.claimable_fiscal_years(self._start.first_drawdown_on, contract_year):
                raise _refuse("invalid", "under a contract of that fiscal year no year of this loan could be paid "
                                         "within seven fiscal years (rule seven_fiscal_years)",
                              "その年度の契約では七年度以内に支給できる年度がありません（規則: 総合特別区域法第28条第6項）",
                              "seven_fiscal_years")
        if step in (LoanStep.claim_review, LoanStep.payment):
            claim = state.claim(fields.fiscal_year)
            wanted = "claimed" if step == LoanStep.claim_review else "approved"
            if claim is None or claim.state != wanted:
                now_state = claim.state if claim else "not claimed"
                raise _refuse("wrong_step", f"the claim for fiscal year {fields.fiscal_year} is {now_state}, "
                                            f"not {wanted}",
                              f"{fields.fiscal_year}年度分の支給申請は「{now_state}」の状態です（「{wanted}」ではありません）")
            if step == LoanStep.claim_review and decision.outcome == "approve" and fields.approved_jpy is not None \
                    and fields.approved_jpy > claim.subsidy_jpy:
                raise _refuse("invalid", f"approved_jpy cannot exceed the subsidy due ¥{claim.subsidy_jpy:,}",
                              f"承認額は支給対象額（{claim.subsidy_jpy:,}円）を超えられません", "interest_paid_cap")
            if step == LoanStep.payment:
                window_end = loan_rules.payment_window_end(state.contract_fiscal_year)
                if fields.paid_on > today:
                    raise _refuse("invalid", "paid_on cannot be in the future", "支給日に未来の日付は指定できません")
                if fields.paid_on > window_end:
                    raise _refuse("invalid", f"the subsidy can be paid only until {window_end} (rule seven_fiscal_years)",
                                  f"利子補給金は{window_end}までしか支給できません（規則: 総合特別区域法第28条第6項）",
                                  "seven_fiscal_years")
        return LOAN_OUTCOME_NEXT[step][decision.outcome], fields

    @workflow.update
    async def file_claim(self, claim: ClaimFiled) -> LoanState:
        self._validate_file_claim(claim)
        state = self._state
        state.claims.append(ClaimState(fiscal_year=claim.fiscal_year, state="claimed", subsidy_jpy=claim.subsidy_jpy))
        state.claims.sort(key=lambda entry: entry.fiscal_year)
        deadline = engine.find(state.deadlines, claim_deadline_key(claim.fiscal_year))
        if deadline is not None and deadline.state != DeadlineState.cancelled:
            deadline.state = DeadlineState.met  # even when late: the escalation already sent stands
        await self._record(kind="claim_filed", step=LoanStep.claim_review, actor=claim.actor,
                           payload=claim.model_dump(mode="json", exclude={"actor"}))
        return self._snapshot()

    @file_claim.validator
    def _validate_file_claim(self, claim: ClaimFiled) -> None:
        state = self._state
        actor = claim.actor
        if actor.role != Role.lender or actor.organization_id != self._start.lender_organization_id:
            raise _refuse("forbidden", "only the lending institution files this loan's claims",
                          "この貸付の支給申請は貸付を行った指定金融機関のみ行えます")
        if state.status != LoanStatus.servicing:
            raise _refuse("wrong_step", f"claims are taken once the subsidy is approved; the loan is {state.status.value}",
                          f"支給申請は利子補給契約の後に行えます（現在: {LOAN_STATUS_LABELS_JA[state.status.value]}）")
        if state.claim(claim.fiscal_year) is not None:
            raise _refuse("wrong_step", f"fiscal year {claim.fiscal_year} is already claimed (rule already_claimed)",
                          f"{claim.fiscal_year}年度分は既に支給申請済みです（規則: 同じ会計年度の請求は一度だけ）",
                          "already_claimed")
        try:
            loan_rules.check_claim(today=_today(), year=claim.fiscal_year,
                                   first_drawdown_on=self._start.first_drawdown_on,
                                   contract_fiscal_year=state.contract_fiscal_year)
        except loan_rules.LoanRuleRefused as refused:
            raise _from_rule(refused) from None

    @workflow.query
    def state(self) -> LoanState:
        return self._snapshot()

    # --- checks and bookkeeping ------------------------------------------------------------------------

    def _require_step_holder(self, actor: Actor, step: LoanStep) -> None:
        holder = LOAN_STEP_ROLE[step]
        if actor.role != holder:
            raise _refuse("forbidden", f"the {step.value} step is decided by a {holder.value}, not by a {actor.role.value}",
                          f"「{LOAN_STATUS_LABELS_JA[step.value]}」の判断は{rules.ROLE_LABELS_JA[holder]}の権限です"
                          f"（あなたの役割: {rules.ROLE_LABELS_JA.get(actor.role, '不明')}）")
        if holder == Role.local_official and not rules.official_covers(actor.government, self._start.government):
            raise _refuse("forbidden", f"this loan's business is in the area of {self._start.government.value}; "
                                       f"officials of {actor.government} cannot recommend it",
                          f"この貸付の事業区域は{rules.GOVERNMENT_LABELS_JA[self._start.government]}です。"
                          "他の自治体の職員は推薦できません")

    def _snapshot(self) -> LoanState:
        return self._state.snapshot(self._start.loan_id)

    async def _record(self, *, kind: str, step: LoanStep | None = None, outcome: str | None = None,
                      actor: Actor | None = None, reason: str | None = None,
                      payload: dict[str, Any] | None = None) -> None:
        self._state.seq += 1
        self._version += 1
        snapshot = dict(self._snapshot())
        if self._state.deadlines == self._recorded_deadlines:
            snapshot["deadlines"] = None  # unchanged since the last record
        else:
            self._recorded_deadlines = [deadline.model_copy() for deadline in self._state.deadlines]
        record = LoanRecord(**snapshot, kind=kind, step=step, outcome=outcome, actor=actor, reason=reason,
                            payload=payload or {}, occurred_at=workflow.now())
        await workflow.execute_activity(RECORD_LOAN_EVENT_ACTIVITY, record, start_to_close_timeout=ACTIVITY_TIMEOUT,
                                        retry_policy=RECORD_RETRY)


def _today() -> date:
    """Today in Japan, in workflow time (the dates people type are Japanese dates)."""
    return workflow.now().astimezone(engine.JST).date()
