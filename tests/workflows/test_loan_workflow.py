"""Acceptance 1: a subsidised loan on the time-skipping server — recommended by the area's government,
approved by the Cabinet Office, then seven fiscal years of claims: years 1–4 claimed and paid, year 5 not
claimed in time (reminded, then escalated), year 6 and 7 refused (the five years are over) and the late claim
of year 5 after the seventh fiscal year refused — with every reminder exactly once, at its time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.worker import Worker

from services.workers.sandbox import workflow_runner
from workflows.contracts import DELIVER_MAIL_ACTIVITY, Actor, Government, Role
from workflows.deadlines import end_of_day, fiscal_year
from workflows.loan import LoanWorkflow
from workflows.loan_contracts import (
    NOTIFY_LOAN_ACTIVITY,
    RECORD_LOAN_EVENT_ACTIVITY,
    ClaimFiled,
    LoanDecision,
    LoanNotifyInput,
    LoanRecord,
    LoanSettings,
    LoanStart,
    LoanStatus,
    LoanStep,
)

LENDER = Actor(user_id=11, username="bank1", role=Role.lender, organization_id=50)
OTHER_LENDER = Actor(user_id=12, username="bank2", role=Role.lender, organization_id=51)
KAWASAKI = Actor(user_id=2, username="kawasaki1", role=Role.local_official, government=Government.kawasaki)
YOKOHAMA = Actor(user_id=5, username="yokohama1", role=Role.local_official, government=Government.yokohama)
CAO = Actor(user_id=4, username="cao1", role=Role.national_official)
LEADS = [21, 7, 1]


@dataclass
class LoanRecorder:
    client: Client
    task_queue: str
    records: list[LoanRecord] = field(default_factory=list)
    notifications: list[LoanNotifyInput] = field(default_factory=list)
    started: list[WorkflowHandle] = field(default_factory=list)


@pytest.fixture
async def loans(env) -> AsyncIterator[LoanRecorder]:
    recorder = LoanRecorder(env.client, f"tq-loan-{uuid.uuid4().hex[:8]}")

    @activity.defn(name=RECORD_LOAN_EVENT_ACTIVITY)
    async def record_loan_event(record: LoanRecord) -> bool:
        recorder.records.append(record)
        return True

    @activity.defn(name=NOTIFY_LOAN_ACTIVITY)
    async def notify_loan(request: LoanNotifyInput) -> list[int]:
        recorder.notifications.append(request)
        return []

    @activity.defn(name=DELIVER_MAIL_ACTIVITY)
    async def deliver_mail(ids: list[int]) -> int:
        return len(ids)

    async with Worker(env.client, task_queue=recorder.task_queue, workflows=[LoanWorkflow], workflow_runner=workflow_runner(),
                      activities=[record_loan_event, notify_loan, deliver_mail]):
        yield recorder
    for handle in recorder.started:  # the test server's clock is shared: leave nothing running
        current = env.client.get_workflow_handle(handle.id)
        if (await current.describe()).status == WorkflowExecutionStatus.RUNNING:
            await current.terminate("test finished")


async def sleep_until(env, moment: datetime) -> None:
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


def jst(day: date, hour: int) -> datetime:
    """`hour` o'clock Japan time on `day`."""
    return end_of_day(day) - timedelta(hours=23 - hour, minutes=59, seconds=59)


async def start_loan(loans: LoanRecorder, first_drawdown_on: date) -> WorkflowHandle:
    start = LoanStart(loan_id=31, lender_organization_id=LENDER.organization_id, government=Government.kawasaki,
                      principal_jpy=100_000_000, first_drawdown_on=first_drawdown_on,
                      settings=LoanSettings(reminder_lead_days=LEADS))
    handle = await loans.client.start_workflow(LoanWorkflow.run, start, id=f"loan-{uuid.uuid4()}",
                                               task_queue=loans.task_queue)
    loans.started.append(handle)
    return handle


async def refused(handle: WorkflowHandle, update, argument) -> dict:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(update, argument)
    cause = failure.value.cause
    return {"type": cause.type, **(cause.details[0] if cause.details else {})}


def claim(year: int, actor: Actor = LENDER) -> ClaimFiled:
    return ClaimFiled(actor=actor, fiscal_year=year, average_balance_jpy=90_000_000, interest_paid_jpy=1_200_000,
                      subsidy_jpy=630_000, eligible_days=365, subsidy_rate_millipercent=700)


async def test_loan_from_recommendation_to_seven_fiscal_years_of_claims(env, loans):
    today = (await env.get_current_time()).astimezone().date()
    contract_year = fiscal_year(today)
    first_drawdown = date(contract_year + 1, 4, 1)  # five whole fiscal years: contract FY + 1 … + 5
    years = [contract_year + n for n in range(1, 8)]  # the seven fiscal years claimed for
    handle = await start_loan(loans, first_drawdown)

    # Before the contract nobody claims, and only the area's government recommends.
    assert (await refused(handle, LoanWorkflow.file_claim, claim(years[0])))["type"] == "wrong_step"
    wrong_city = await refused(handle, LoanWorkflow.decide, LoanDecision(
        step=LoanStep.recommendation, outcome="recommend", actor=YOKOHAMA,
        fields={"recommended_on": today.isoformat(), "reference": "横浜第1号"}))
    assert wrong_city["type"] == "forbidden"
    assert (await refused(handle, LoanWorkflow.decide, LoanDecision(
        step=LoanStep.cabinet_office_review, outcome="approve", actor=CAO,
        fields={"contracted_on": today.isoformat(), "reference": "府地事1", "contract_total_jpy": 3_500_000})
    ))["type"] == "wrong_step"

    state = await handle.execute_update(LoanWorkflow.decide, LoanDecision(
        step=LoanStep.recommendation, outcome="recommend", actor=KAWASAKI,
        fields={"recommended_on": today.isoformat(), "reference": "川崎市推薦第1号"}))
    assert state.status == LoanStatus.cabinet_office_review
    assert (await refused(handle, LoanWorkflow.decide, LoanDecision(
        step=LoanStep.cabinet_office_review, outcome="approve", actor=KAWASAKI,
        fields={"contracted_on": today.isoformat(), "reference": "府地事1", "contract_total_jpy": 3_500_000})
    ))["type"] == "forbidden"
    state = await handle.execute_update(LoanWorkflow.decide, LoanDecision(
        step=LoanStep.cabinet_office_review, outcome="approve", actor=CAO,
        fields={"contracted_on": today.isoformat(), "reference": "府地事1", "contract_total_jpy": 3_500_000}))
    assert state.status == LoanStatus.servicing and state.contract_fiscal_year == contract_year
    due = {year: end_of_day(date(year + 1, 4, 30)) for year in years[:5]}
    assert sorted(d.key for d in state.deadlines) == [f"claim:{year}" for year in years[:5]]
    assert {d.due_at for d in state.deadlines} == set(due.values())

    # Years 1–4 are claimed at different points of their reminder schedule, approved and paid.
    claimed_on = {years[0]: date(years[0] + 1, 4, 10), years[1]: date(years[1] + 1, 4, 30),
                  years[2]: date(years[2] + 1, 4, 25), years[3]: date(years[3] + 1, 4, 5)}
    for year, day in claimed_on.items():
        await sleep_until(env, jst(day, 10))
        state = await handle.execute_update(LoanWorkflow.file_claim, claim(year))
        assert state.current_step == LoanStep.claim_review
        again = await refused(handle, LoanWorkflow.file_claim, claim(year))
        assert (again["type"], again["rule"]) == ("wrong_step", "already_claimed")
        assert (await refused(handle, LoanWorkflow.file_claim, claim(year + 1, OTHER_LENDER)))["type"] == "forbidden"
        too_much = await refused(handle, LoanWorkflow.decide, LoanDecision(
            step=LoanStep.claim_review, outcome="approve", actor=CAO,
            fields={"fiscal_year": year, "approved_jpy": 630_001}))
        assert too_much["type"] == "invalid"
        await handle.execute_update(LoanWorkflow.decide, LoanDecision(
            step=LoanStep.claim_review, outcome="approve", actor=CAO, fields={"fiscal_year": year}))
        state = await handle.execute_update(LoanWorkflow.decide, LoanDecision(
            step=LoanStep.payment, outcome="pay", actor=CAO, fields={"fiscal_year": year, "paid_on": day.isoformat()}))
        assert [c.state for c in state.claims if c.fiscal_year == year] == ["paid"]
        assert state.current_step is None

    # Year 5 is not claimed in time; after the seventh fiscal year ends: years 6 and 7 are outside the five
    # years, and year 5's claim comes too late for the state to pay it.
    window_end = end_of_day(date(contract_year + 7, 3, 31))
    await sleep_until(env, jst(date(contract_year + 7, 4, 10), 10))
    for year, rule in ((years[5], "five_year_period"), (years[6], "five_year_period"),
                       (years[4], "seven_fiscal_years")):
        answer = await refused(handle, LoanWorkflow.file_claim, claim(year))
        assert (answer["type"], answer["rule"]) == ("invalid", rule), year
        assert answer["message_ja"]
    state = await handle.query(LoanWorkflow.state)
    assert [c.fiscal_year for c in state.claims] == years[:4]

    await sleep_until(env, window_end + timedelta(days=90, seconds=1))
    result = await handle.result()
    assert result.status == LoanStatus.completed

    # --- every reminder exactly once, at its time; one escalation for the missed year --------------------
    def reminders(year: int, leads: list[int]) -> list[tuple]:
        return [("reminder", f"claim:{year}", lead, due[year]) for lead in leads]

    expected = (reminders(years[0], [21]) + reminders(years[1], LEADS) + reminders(years[2], [21, 7])
                + reminders(years[4], LEADS) + [("escalation", f"claim:{years[4]}", None, due[years[4]])])
    sent = [(n.kind, n.deadline_key, n.lead_days, n.due_at) for n in loans.notifications]
    assert len(sent) == len(set(sent)), "no reminder twice"
    assert set(sent) == set(expected), {"missing": set(expected) - set(sent), "extra": set(sent) - set(expected)}
    for notification in loans.notifications:
        fire_at = notification.due_at - timedelta(days=notification.lead_days or 0)
        assert abs(notification.scheduled_at - fire_at) < timedelta(seconds=2), notification
    assert {n.audience for n in loans.notifications if n.kind == "escalation"} == {"officials"}
    assert {n.audience for n in loans.notifications if n.kind == "reminder"} == {"lender"}

    # --- the audit trail: every event once, in order, the refused ones nowhere ---------------------------
    kinds = [r.kind for r in loans.records]
    assert kinds[0] == "registered" and kinds[-1] == "completed"
    assert kinds.count("claim_filed") == 4 and kinds.count("claim_deadline_missed") == 1
    assert [r.seq for r in loans.records] == list(range(1, len(loans.records) + 1))
    decisions = [(r.step, r.outcome) for r in loans.records if r.kind == "decision"]
    assert decisions[:2] == [(LoanStep.recommendation, "recommend"), (LoanStep.cabinet_office_review, "approve")]
    assert decisions.count((LoanStep.payment, "pay")) == 4
    final_deadlines = next(r.deadlines for r in reversed(loans.records) if r.deadlines is not None)
    assert {d.key: d.state for d in final_deadlines} == {
        **{f"claim:{year}": "met" for year in years[:4]}, f"claim:{years[4]}": "missed"}


async def test_a_rejected_recommendation_ends_the_process(env, loans):
    today = (await env.get_current_time()).astimezone().date()
    handle = await start_loan(loans, date(fiscal_year(today) + 1, 4, 1))
    missing = await refused(handle, LoanWorkflow.decide, LoanDecision(
        step=LoanStep.recommendation, outcome="reject", actor=KAWASAKI, fields={}))
    assert missing["type"] == "invalid"
    state = await handle.execute_update(LoanWorkflow.decide, LoanDecision(
        step=LoanStep.recommendation, outcome="reject", actor=KAWASAKI, fields={"reason": "計画の事業に該当しない"}))
    assert state.status == LoanStatus.rejected
    assert (await handle.result()).status == LoanStatus.rejected
    assert [r.kind for r in loans.records] == ["registered", "decision"]
