"""A five-year follow-up on the time-skipping server: three planned items, five annual reports, one
extension, missed deadlines — and the exact list of reminders and escalations, with their dates."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from temporalio.client import WorkflowHandle

from workflows.contracts import (
    AcquisitionReported,
    AcquisitionReviewed,
    Actor,
    AnnualReportFiled,
    ApplicationState,
    DeadlineExtension,
    DecisionInput,
    FollowUpSettings,
    Government,
    PlannedItemRef,
    Role,
    StartInput,
    Status,
    SubmitInput,
)
from workflows.deadlines import end_of_day, fiscal_year
from workflows.designation import ApplicationWorkflow

APPLICANT = Actor(user_id=1, username="applicant1", role=Role.applicant, organization_id=10)
KAWASAKI = Actor(user_id=2, username="kawasaki1", role=Role.local_official, government=Government.kawasaki)
SECRETARIAT = Actor(user_id=3, username="secretariat1", role=Role.secretariat)
CAO = Actor(user_id=4, username="cao1", role=Role.national_official)
LEADS = [90, 30, 7, 1]
HISTORY_LIMIT = 120  # small, so the five years span several runs


async def sleep_until(env, moment: datetime) -> None:
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


async def designate(recorded, designated_on: date, until: date) -> WorkflowHandle:
    settings = FollowUpSettings(reminder_lead_days=LEADS, measure_sunset=date(2099, 3, 31),
                                history_event_limit=HISTORY_LIMIT)
    start = StartInput(application_id=7, organization_id=10, government=Government.kawasaki,
                       step_target_days={}, follow_up=settings)
    workflow_id = f"application-{uuid.uuid4()}"
    started = await recorded.client.start_workflow(ApplicationWorkflow.run, start, id=workflow_id,
                                                   task_queue=recorded.task_queue)
    recorded.started.append(started)
    handle = recorded.client.get_workflow_handle_for(ApplicationWorkflow.run, workflow_id)  # the latest run
    await handle.execute_update(ApplicationWorkflow.submit, SubmitInput(actor=APPLICANT, content_version=1))
    for actor, step, outcome, fields in [
        (KAWASAKI, Status.intake_review, "accept", {}),
        (SECRETARIAT, Status.council_consultation, "agree", {"method": "ict", "held_from": "2026-01-10"}),
        (KAWASAKI, Status.local_filing, "file", {"filed_on": "2026-02-01", "reference": "R7-3"}),
        (CAO, Status.national_review, "certify", {"certified_on": "2026-03-01", "reference": "府地事1"}),
        (KAWASAKI, Status.designation, "designate", {
            "designation_number": "指定第1号", "designated_on": designated_on.isoformat(),
            "acquisition_from": designated_on.isoformat(), "acquisition_until": until.isoformat()}),
    ]:
        state = await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
            step=step, outcome=outcome, fields=fields, actor=actor))
    assert state.status == Status.follow_up
    return handle


async def test_five_year_follow_up(env, recorded):
    today = (await env.get_current_time()).date()
    until = date(fiscal_year(today) + 5, 3, 1)  # five fiscal years touched: FY(today) … FY(today)+4
    planned_a, planned_b = today + timedelta(days=200), today + timedelta(days=400)
    recorded.items = [PlannedItemRef(id=1, description="ペプチド合成装置", planned_acquisition_on=planned_a),
                      PlannedItemRef(id=2, description="質量分析計", planned_acquisition_on=planned_b),
                      PlannedItemRef(id=3, description="研究棟附属設備", planned_acquisition_on=None)]
    handle = await designate(recorded, today, until)
    window_end = end_of_day(until)
    years = list(range(fiscal_year(today), fiscal_year(until) + 1))
    assert len(years) == 5
    annual_due = {year: end_of_day(date(year + 1, 6, 30)) for year in years}

    def report(report_id: int, item_id: int):
        return ApplicationWorkflow.report_acquisition, AcquisitionReported(
            actor=APPLICANT, report_id=report_id, equipment_item_id=item_id)

    def annual(year: int):
        return ApplicationWorkflow.file_annual_report, AnnualReportFiled(
            actor=APPLICANT, report_id=200 + year, fiscal_year=year)

    def confirm(item_id: int):
        return ApplicationWorkflow.review_acquisition, AcquisitionReviewed(
            actor=KAWASAKI, report_id=100 + item_id, equipment_item_id=item_id, outcome="confirm")

    extended_to = window_end + timedelta(days=60)
    plan = [
        # item 1 is acquired 60 days before its planned date (after the 90-day reminder)
        (end_of_day(planned_a) - timedelta(days=60), *report(101, 1)),
        # item 2's planned date passes unreported (the applicant is prompted); reported 100 days later
        (end_of_day(planned_b) + timedelta(days=100), *report(102, 2)),
        # item 3: 10 days before the window ends the official extends it by 60 days; it is missed anyway
        (window_end - timedelta(days=10), ApplicationWorkflow.extend_deadline, DeadlineExtension(
            actor=KAWASAKI, key="acquisition:item:3", new_due_at=extended_to, reason="建屋工事の遅延のため")),
        (extended_to + timedelta(days=5), *report(103, 3)),
        (extended_to + timedelta(days=6), *confirm(1)),
        (extended_to + timedelta(days=6, seconds=1), *confirm(2)),
        (extended_to + timedelta(days=6, seconds=2), *confirm(3)),
        # each annual report 10 days before it is due (after the 90- and 30-day reminders)
        *[(annual_due[year] - timedelta(days=10), *annual(year)) for year in years],
    ]
    for moment, update, argument in sorted(plan, key=lambda step: step[0]):
        await sleep_until(env, moment)
        await handle.execute_update(update, argument)
    last = years[-1]
    await sleep_until(env, annual_due[last] + timedelta(seconds=1))  # the period ends with the last report's due
    result = await handle.result()
    assert result.status == Status.completed

    # --- the exact reminders and escalations, with their dates ---------------------------------------------
    def reminders(key: str, due: datetime, leads: list[int]) -> list[tuple]:
        return [("reminder", key, lead, due, due - timedelta(days=lead)) for lead in leads]

    planned_a_due, planned_b_due = end_of_day(planned_a), end_of_day(planned_b)
    assert extended_to + timedelta(days=7) < annual_due[last]
    expected = (
        reminders("planned:item:1", planned_a_due, [90])  # reported 60 days before: nothing after
        + reminders("planned:item:2", planned_b_due, LEADS)
        + [("planned_date_passed", "planned:item:2", None, planned_b_due, planned_b_due)]
        # items 1 and 2 settled their window deadlines long before any of its reminders
        + reminders("acquisition:item:3", window_end, [90, 30])  # extended 10 days before the end …
        + reminders("acquisition:item:3", extended_to, [30, 7, 1])  # … the new date's 90-day mark had passed
        + [("escalation", "acquisition:item:3", None, extended_to, extended_to)]
        + [("missed", "acquisition:item:3", None, extended_to, extended_to)]  # the company is told too
    )
    for year in years:
        expected += reminders(f"annual:{year}", annual_due[year], [90, 30])
    sent = [(n.kind, n.deadline_key, n.lead_days, n.due_at, n.scheduled_at) for n in recorded.notifications]
    identities = [entry[:4] for entry in sent]
    assert len(identities) == len(set(identities)), "no reminder twice"
    assert sorted(identities) == sorted(entry[:4] for entry in expected), "none missing, none extra"
    fired = {entry[:4]: entry[4] for entry in sent}
    for kind, key, lead, due, fire_at in expected:
        assert abs(fired[(kind, key, lead, due)] - fire_at) < timedelta(seconds=2), (kind, key, lead)
    escalations = [n for n in recorded.notifications if n.kind == "escalation"]
    assert [n.audience for n in escalations] == ["officials"]
    assert [n.audience for n in recorded.notifications if n.kind == "missed"] == ["applicant"]
    # none after the deadline was met: every notification precedes the report that settled its deadline
    reported_at = {r.payload.get("report_id"): r.occurred_at for r in recorded.records
                   if r.kind in ("acquisition_reported", "annual_report_filed")}
    assert all(n.scheduled_at < reported_at[101] for n in recorded.notifications if n.deadline_key == "planned:item:1")
    kinds = [r.kind for r in recorded.records]
    assert kinds.count("deadline_extended") == 1 and kinds[-1] == "completed"
    assert kinds.count("deadline_missed") == 2  # item 2's planned date, item 3's extended window

    # --- history stays bounded: the five years ran in several runs, each under the limit ------------------
    assert result.run_number >= 3
    lengths = await run_lengths(recorded.client, handle.id, recorded.started[0].first_execution_run_id)
    assert len(lengths) == result.run_number
    assert max(lengths) <= HISTORY_LIMIT + 60, lengths  # the limit, plus the last step that crossed it


async def run_lengths(client, workflow_id: str, first_run_id: str) -> list[int]:
    lengths, run_id = [], first_run_id
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        lengths.append(len(history.events))
        last = history.events[-1]
        run_id = (last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
                  if last.HasField("workflow_execution_continued_as_new_event_attributes") else None)
    return lengths


async def test_revoke_cancels_pending_reminders(env, recorded):
    today = (await env.get_current_time()).date()
    recorded.items = [PlannedItemRef(id=1, description="装置", planned_acquisition_on=today + timedelta(days=100))]
    handle = await designate(recorded, today, today + timedelta(days=365))
    await env.sleep(timedelta(days=20))
    state = await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
        step=Status.follow_up, outcome="revoke", fields={"reason": "事業の廃止"}, actor=KAWASAKI))
    assert state.status == Status.revoked
    assert {d.state for d in state.deadlines if d.kind != "step_target"} == {"cancelled"}
    sent_before = len(recorded.notifications)
    result = await handle.result()
    assert result.status == Status.revoked
    await env.sleep(timedelta(days=400))
    assert sent_before == 1  # the 90-day reminder of the planned date, on day 10
    assert len(recorded.notifications) == sent_before  # nothing after the revocation


async def test_each_record_carries_the_state_and_the_deadlines_only_when_they_changed(env, recorded):
    today = (await env.get_current_time()).date()
    recorded.items = [PlannedItemRef(id=1, description="装置", planned_acquisition_on=today + timedelta(days=100))]
    handle = await designate(recorded, today, today + timedelta(days=365))  # no step targets: no deadline before
    await handle.execute_update(ApplicationWorkflow.report_acquisition, AcquisitionReported(
        actor=APPLICANT, report_id=1, equipment_item_id=1))
    await handle.execute_update(ApplicationWorkflow.review_acquisition, AcquisitionReviewed(
        actor=KAWASAKI, report_id=1, equipment_item_id=1, outcome="confirm"))
    state = await handle.query(ApplicationWorkflow.state)
    records = recorded.records
    assert [(r.kind, r.deadlines is not None) for r in records] == [
        ("submitted", False), *[("decision", False)] * 4,
        ("decision", True),  # designation: the follow-up deadlines
        ("acquisition_reported", True),  # met the item's window and planned date
        ("acquisition_reviewed", False)]  # the review settles no deadline
    reported = next(r for r in records if r.kind == "acquisition_reported")
    assert {d.key: d.state for d in reported.deadlines}["planned:item:1"] == "met"
    assert reported.deadlines == state.deadlines  # the last set carried is the workflow's own
    assert [r.seq for r in records] == [r.last_seq for r in records] == list(range(1, len(records) + 1))
    # One snapshot type: the last record's state is what the query answers.
    reviewed = records[-1]
    assert reviewed.settled_items == [1] and reviewed.designation["designation_number"] == "指定第1号"
    assert (reviewed.model_dump(include=set(ApplicationState.model_fields) - {"deadlines"})
            == state.model_dump(exclude={"deadlines"}))
