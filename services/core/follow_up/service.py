"""The follow-up service: acquisition and annual reports, deadlines and extensions. Framework-free; reports
are stored before the workflow hears of them, so nothing a company typed is lost. (The deadlines' calendar
feed is follow_up/calendar.py; notifications are the notifications package's.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.accounts.models import Organization, User
from services.core.accounts.schemas import actor_for
from services.core.accounts.security import UNUSABLE_PASSWORD
from services.core.applications import access
from services.core.applications.decision_dates import today_in_japan
from services.core.applications.models import Application, ApplicationStatus, Decision, EquipmentItem, Event
from services.core.applications.service import ApplicationService
from services.core.follow_up.acquisition_rules import (
    BUILDING_GROUP,
    AcquisitionFacts,
    DesignationFacts,
    check_acquisition,
    future_date_errors,
    tax_benefit,
)
from services.core.follow_up.benefits import benefit_summary
from services.core.follow_up.models import AcquisitionReport, AnnualReport, Deadline, ReportMessage, ReportVersion
from services.core.follow_up.schemas import (
    AcquisitionReportCreate,
    AcquisitionReportPublic,
    AnnualReportCreate,
    AnnualReportPublic,
    DeadlineExtendRequest,
    DeadlineView,
    ReportAnswer,
    ReportMessagePublic,
    ReviewRequest,
    TaxBenefit,
    TaxBenefitSummary,
)
from services.core.notifications.mail import compose_report_answer, compose_report_query
from services.core.notifications.models import Notification
from services.core.notifications.recipients import responsible_officials
from services.core.platform import idempotency
from services.core.platform.exceptions import Conflict, Invalid, NotFound
from services.core.platform.tables import utcnow
from workflows import rules
from workflows.contracts import (
    AcquisitionReported,
    AcquisitionReviewed,
    AnnualReportFiled,
    AnnualReportReviewed,
    DeadlineExtension,
    ReportAnswered,
    Role,
    Status,
)
from workflows.deadlines import end_of_day, fiscal_year
from workflows.designation import ApplicationWorkflow


@dataclass
class FollowUpService:
    applications: ApplicationService

    @property
    def sessions(self):
        return self.applications.sessions

    @property
    def settings(self):
        return self.applications.settings

    # --- acquisition reports -----------------------------------------------------------------------------

    async def report_acquisition(self, user: User, application_id: int, body: AcquisitionReportCreate,
                                 idempotency_key: str | None = None) -> AcquisitionReportPublic:
        """Store the report, then tell the workflow; with an idempotency key a retry returns the first report."""
        operation = f"acquisition:{application_id}"
        async with self.sessions() as session:
            application, status = await access.own_application(session, user, application_id)
            report = await self._recalled(session, user, operation, idempotency_key, AcquisitionReport)
            designation = await self._designation(session, application)
            if report is None:
                self._require_follow_up(status)
                _refuse_future_dates(body)
                if designation is None:  # follow-up without its designation on record: not yet projected
                    raise Conflict("the designation is not on record yet; try again in a moment",
                                   "指定の記録がまだ反映されていません。しばらくしてから再度お試しください")
                if body.equipment_item_id is not None:
                    item = await session.get(EquipmentItem, body.equipment_item_id)
                    if item is None or item.application_id != application_id:
                        raise Invalid(f"equipment item {body.equipment_item_id} is not a planned item of this "
                                      "application", "指定された取得予定設備はこの申請のものではありません",
                                      errors=[{"field": "equipment_item_id", "message": "not a planned item"}])
                report = AcquisitionReport(application_id=application_id, equipment_item_id=body.equipment_item_id,
                                           asset_class=body.asset_class.value, description=body.description,
                                           actual_cost_jpy=body.actual_cost_jpy, acquired_on=body.acquired_on,
                                           in_service_on=body.in_service_on, location=body.location,
                                           building_name=body.building_name, rule_findings=[], reported_by=user.id)
                await self._judge(session, report, designation)
                report = await self._store(session, user, operation, idempotency_key, report)
        if not await self._recorded(application_id, "acquisition_reported", report.id):
            await self.applications.update_workflow(
                application_id, ApplicationWorkflow.report_acquisition,
                AcquisitionReported(actor=actor_for(user), report_id=report.id,
                                    equipment_item_id=report.equipment_item_id),
                "acquisition", str(report.id), status.status)
        return self._public_report(report, designation)

    async def acquisitions(self, user: User, application_id: int) -> list[AcquisitionReportPublic]:
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            designation = await self._designation(session, await session.get(Application, application_id))
            rows = (await session.execute(select(AcquisitionReport).where(
                AcquisitionReport.application_id == application_id).order_by(AcquisitionReport.id))).scalars()
            return [self._public_report(row, designation) for row in rows]

    async def tax_benefits(self, user: User, application_id: int, *, fiscal_year: int | None = None,
                           corporate_tax_jpy: int | None = None) -> TaxBenefitSummary:
        """The estimated benefit per fiscal year of the confirmed acquisitions that break no rule, both options;
        the credit cap as a formula, computed when the year's corporate tax is given (it is not stored)."""
        reports = await self.acquisitions(user, application_id)
        async with self.sessions() as session:
            designation = await self._designation(session, await session.get(Application, application_id))
        return benefit_summary(reports, designation.designated_on if designation else None,
                               extension_until=self.settings.measure_extension_until, fiscal_year=fiscal_year,
                               corporate_tax_jpy=corporate_tax_jpy)

    def _public_report(self, row: AcquisitionReport, designation: DesignationFacts | None) -> AcquisitionReportPublic:
        public = AcquisitionReportPublic.model_validate(row, from_attributes=True)
        if designation is not None and not row.rule_findings:
            benefit = tax_benefit(row.asset_class, row.actual_cost_jpy, designation.designated_on,
                                  extension_until=self.settings.measure_extension_until)
            public.tax_benefit = TaxBenefit.model_validate(benefit) if benefit else None
        return public

    async def _judge(self, session: AsyncSession, report: AcquisitionReport, designation: DesignationFacts) -> None:
        """Check the report against the rules. A building, attachment or structure naming its building is judged
        on the building's total, so the other reports of that building are judged again with the new total."""
        group: list[AcquisitionReport] = []
        if report.building_name and report.asset_class in BUILDING_GROUP:
            group = list((await session.execute(select(AcquisitionReport).where(
                AcquisitionReport.application_id == report.application_id,
                AcquisitionReport.building_name == report.building_name,
                AcquisitionReport.asset_class.in_(BUILDING_GROUP)))).scalars())
        total = sum(row.actual_cost_jpy for row in group) + report.actual_cost_jpy if report.building_name else None
        for row in [*group, report]:
            row.rule_findings = check_acquisition(
                AcquisitionFacts(asset_class=row.asset_class, actual_cost_jpy=row.actual_cost_jpy,
                                 acquired_on=row.acquired_on, in_service_on=row.in_service_on, location=row.location,
                                 building_total_jpy=total if row.building_name else None),
                designation, extension_until=self.settings.measure_extension_until)
            session.add(row)

    async def _reports(self, user: User, application_id: int, table, order_by, public):
        """An application's reports of one kind, for whoever may see the application."""
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            rows = (await session.execute(select(table).where(table.application_id == application_id)
                                          .order_by(order_by))).scalars()
            return [public.model_validate(row, from_attributes=True) for row in rows]

    async def review_acquisition(self, user: User, application_id: int, report_id: int,
                                 body: ReviewRequest, idempotency_key: str | None = None) -> AcquisitionReportPublic:
        operation = f"acquisition-review:{report_id}"
        async with self.sessions() as session:
            status = await access.for_local_official(session, user, application_id)
            report = await session.get(AcquisitionReport, report_id)
            if report is None or report.application_id != application_id:
                raise NotFound(f"acquisition report {report_id} does not exist", "取得報告が見つかりません")
            replay = await idempotency.recall(session, user, operation, idempotency_key) is not None
            if not replay:
                self._require_follow_up(status)
                report.review_status = "confirmed" if body.outcome == "confirm" else "queried"
                report.review_note, report.reviewed_by, report.reviewed_at = body.note, user.id, utcnow()
                session.add(report)
                notify_ids = await self._query_told(session, user, "acquisition", report, body)
                idempotency.remember(session, user, operation, idempotency_key, report_id)
                try:
                    await session.commit()
                except IntegrityError:  # the same key raced in from a parallel retry: its review stands
                    await session.rollback()
                    replay = True
                    notify_ids = []
                    await session.refresh(report)
            else:
                notify_ids = []
            designation = await self._designation(session, await session.get(Application, application_id))
        update_id = f"{report_id}-key-{idempotency_key}" if idempotency_key else f"{report_id}-{report.reviewed_at.isoformat()}"
        try:
            await self.applications.update_workflow(
                application_id, ApplicationWorkflow.review_acquisition,
                AcquisitionReviewed(actor=actor_for(user), report_id=report_id,
                                    equipment_item_id=report.equipment_item_id, outcome=body.outcome,
                                    note=body.note, notify_ids=notify_ids),
                "acquisition-review", update_id, status.status)
        except Conflict:
            if not replay:  # a retry after the process moved on keeps the first answer
                raise
        return self._public_report(report, designation)

    # --- annual reports ---------------------------------------------------------------------------------

    async def file_annual_report(self, user: User, application_id: int, body: AnnualReportCreate,
                                 idempotency_key: str | None = None) -> AnnualReportPublic:
        operation = f"annual:{application_id}"
        async with self.sessions() as session:
            _, status = await access.own_application(session, user, application_id)
            report = await self._recalled(session, user, operation, idempotency_key, AnnualReport)
            if report is None:
                self._require_follow_up(status)
                due = (await session.execute(select(Deadline).where(
                    Deadline.application_id == application_id,
                    Deadline.key == f"annual:{body.fiscal_year}"))).scalars().first()
                if due is None:
                    years = (await session.execute(select(Deadline.fiscal_year).where(
                        Deadline.application_id == application_id,
                        Deadline.kind == "annual_report"))).scalars().all()
                    raise Invalid(f"no annual report is due for fiscal year {body.fiscal_year}; due: {sorted(years)}",
                                  f"{body.fiscal_year}年度の報告は対象外です（対象年度: {sorted(years)}）",
                                  errors=[{"field": "fiscal_year", "message": f"one of {sorted(years)}"}])
                current_year = fiscal_year(today_in_japan())
                if body.fiscal_year > current_year:  # a year's report tells what happened in it: not before it began
                    raise Invalid(f"fiscal year {body.fiscal_year} has not begun (this is fiscal year {current_year}); "
                                  "its report is filed once the year is under way",
                                  f"{body.fiscal_year}年度はまだ始まっていません（現在は{current_year}年度）。"
                                  "年度が始まってから報告してください",
                                  errors=[{"field": "fiscal_year", "rule": "not_in_future",
                                           "message": f"{current_year}年度以前 / fiscal year {current_year} or before"}])
                report = AnnualReport(application_id=application_id, submitted_by=user.id, **body.model_dump())
                try:
                    report = await self._store(session, user, operation, idempotency_key, report)
                except IntegrityError:
                    raise Conflict(f"the report for fiscal year {body.fiscal_year} was already filed",
                                   f"{body.fiscal_year}年度の報告は提出済みです") from None
        if not await self._recorded(application_id, "annual_report_filed", report.id):
            await self.applications.update_workflow(
                application_id, ApplicationWorkflow.file_annual_report,
                AnnualReportFiled(actor=actor_for(user), report_id=report.id, fiscal_year=report.fiscal_year),
                "annual", str(report.id), status.status)
        return AnnualReportPublic.model_validate(report, from_attributes=True)

    async def annual_reports(self, user: User, application_id: int) -> list[AnnualReportPublic]:
        return await self._reports(user, application_id, AnnualReport, AnnualReport.fiscal_year, AnnualReportPublic)

    async def review_annual_report(self, user: User, application_id: int, report_id: int,
                                   body: ReviewRequest, idempotency_key: str | None = None) -> AnnualReportPublic:
        operation = f"annual-review:{report_id}"
        async with self.sessions() as session:
            status = await access.for_local_official(session, user, application_id)
            report = await session.get(AnnualReport, report_id)
            if report is None or report.application_id != application_id:
                raise NotFound(f"annual report {report_id} does not exist", "事業実施状況報告が見つかりません")
            replay = await idempotency.recall(session, user, operation, idempotency_key) is not None
            notify_ids: list[int] = []
            if not replay:
                self._require_follow_up(status)
                report.review_status = "confirmed" if body.outcome == "confirm" else "queried"
                report.review_note, report.reviewed_by, report.reviewed_at = body.note, user.id, utcnow()
                session.add(report)
                notify_ids = await self._query_told(session, user, "annual", report, body)
                idempotency.remember(session, user, operation, idempotency_key, report_id)
                try:
                    await session.commit()
                except IntegrityError:  # the same key raced in from a parallel retry: its review stands
                    await session.rollback()
                    replay, notify_ids = True, []
                    await session.refresh(report)
            public = AnnualReportPublic.model_validate(report, from_attributes=True)
        update_id = f"{report_id}-key-{idempotency_key}" if idempotency_key else f"{report_id}-{report.reviewed_at.isoformat()}"
        try:  # the timeline records confirmations and queries alike
            await self.applications.update_workflow(
                application_id, ApplicationWorkflow.review_annual_report,
                AnnualReportReviewed(actor=actor_for(user), report_id=report_id, fiscal_year=report.fiscal_year,
                                     outcome=body.outcome, note=body.note, notify_ids=notify_ids),
                "annual-review", update_id, status.status)
        except Conflict:
            if not replay:
                raise
        return public

    # --- queries: the official asks, the company answers (and may correct and attach) --------------------

    async def answer_report(self, user: User, application_id: int, report_kind: str, report_id: int,
                            body: ReportAnswer, attachment_ids: list[int] | None = None) -> ReportMessagePublic:
        """The company answers a query: its note, the corrected report if it gives one (the version it replaces
        is kept), the documents it attached; the report goes back to review and meets its deadline again."""
        table = AcquisitionReport if report_kind == "acquisition" else AnnualReport
        async with self.sessions() as session:
            application, status = await access.own_application(session, user, application_id)
            self._require_follow_up(status)
            report = await session.get(table, report_id)
            if report is None or report.application_id != application_id:
                raise NotFound(f"report {report_id} does not exist", "報告が見つかりません")
            if report.review_status != "queried":
                raise Conflict("only a queried report is answered; this one is not queried",
                               "照会中の報告ではないため回答できません")
            version = 1 + len((await session.execute(select(ReportVersion.id).where(
                ReportVersion.report_kind == report_kind, ReportVersion.report_id == report_id))).all())
            correction = body.acquisition if report_kind == "acquisition" else body.annual
            corrected = correction is not None
            if corrected:
                if report_kind == "annual" and correction.fiscal_year != report.fiscal_year:
                    raise Invalid("a correction keeps the report's fiscal year",
                                  "訂正では報告の年度は変更できません",
                                  errors=[{"field": "fiscal_year", "message": f"{report.fiscal_year}"}])
                if report_kind == "acquisition":
                    _refuse_future_dates(correction)
                fields = correction.model_dump()
                session.add(ReportVersion(application_id=application_id, report_kind=report_kind,
                                          report_id=report_id, version=version, replaced_by=user.id,
                                          content={k: _json(getattr(report, k)) for k in fields}))
                for name, value in fields.items():
                    setattr(report, name, value)
                version += 1
                if report_kind == "acquisition":
                    designation = await self._designation(session, application)
                    if designation is not None:
                        await self._judge(session, report, designation)
            report.review_status = "pending"
            session.add(report)
            message = ReportMessage(application_id=application_id, report_kind=report_kind, report_id=report_id,
                                    kind="answer", note=body.note, corrected=corrected, version=version,
                                    attachment_ids=list(attachment_ids or []), author_id=user.id)
            session.add(message)
            await session.flush()
            notify_ids = await self._tell(
                session, application, await responsible_officials(session, application),
                kind="report_answer", dedupe=f"report-answer:{message.id}",
                compose=lambda recipient, company: compose_report_answer(
                    report_kind=report_kind, report_label=_label(report_kind, report), note=body.note,
                    corrected=corrected, application=application, company=company, user=recipient,
                    link=self._link(application.id)))
            await session.commit()
            public = ReportMessagePublic.model_validate(message, from_attributes=True)
        await self.applications.update_workflow(
            application_id, ApplicationWorkflow.answer_report,
            ReportAnswered(actor=actor_for(user), report_kind=report_kind, report_id=report_id, version=version,
                           corrected=corrected, equipment_item_id=getattr(report, "equipment_item_id", None),
                           fiscal_year=getattr(report, "fiscal_year", None),
                           attachments=len(attachment_ids or []), notify_ids=notify_ids),
            "report-answer", str(public.id), status.status)
        return public

    async def report_messages(self, user: User, application_id: int) -> list[ReportMessagePublic]:
        """The conversation about the application's reports, oldest first."""
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            rows = (await session.execute(select(ReportMessage).where(
                ReportMessage.application_id == application_id).order_by(ReportMessage.id))).scalars()
            return [ReportMessagePublic.model_validate(row, from_attributes=True) for row in rows]

    async def report_versions(self, user: User, application_id: int) -> list[dict]:
        """The earlier versions of corrected reports (the report rows hold the current ones)."""
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            rows = (await session.execute(select(ReportVersion).where(
                ReportVersion.application_id == application_id).order_by(ReportVersion.id))).scalars()
            return [{"report_kind": r.report_kind, "report_id": r.report_id, "version": r.version,
                     "content": r.content, "replaced_at": r.replaced_at} for r in rows]

    async def _query_told(self, session: AsyncSession, user: User, report_kind: str, report, body: ReviewRequest
                          ) -> list[int]:
        """A query is stored as the conversation's first step and told to the company (in the app and by mail);
        the ids to mail. A confirmation tells nobody."""
        if body.outcome != "query":
            return []
        application = await session.get(Application, report.application_id)
        session.add(ReportMessage(application_id=application.id, report_kind=report_kind, report_id=report.id,
                                  kind="query", note=body.note or "", author_id=user.id,
                                  version=1 + len((await session.execute(select(ReportVersion.id).where(
                                      ReportVersion.report_kind == report_kind,
                                      ReportVersion.report_id == report.id))).all())))
        await session.flush()
        company = list((await session.execute(select(User).where(
            User.is_active.is_(True), User.password_hash != UNUSABLE_PASSWORD, User.role == Role.applicant.value,
            User.organization_id == application.organization_id).order_by(User.id))).scalars())
        return await self._tell(
            session, application, company, kind="report_query",
            dedupe=f"report-query:{report_kind}:{report.id}:{report.reviewed_at.isoformat()}",
            compose=lambda recipient, company_name: compose_report_query(
                report_kind=report_kind, report_label=_label(report_kind, report), note=body.note or "",
                application=application, company=company_name, user=recipient, link=self._link(application.id)))

    def _link(self, application_id: int) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/applications/{application_id}#follow-up"

    async def _tell(self, session: AsyncSession, application: Application, recipients: list[User], *, kind: str,
                    dedupe: str, compose) -> list[int]:
        """One notification per recipient (in the app; mailed when mail is configured); the ids to mail."""
        organization = await session.get(Organization, application.organization_id)
        to_mail = []
        for recipient in recipients:
            subject, text = compose(recipient, organization.name)
            mail = bool(self.settings.smtp_host and recipient.email)
            row = Notification(user_id=recipient.id, application_id=application.id, kind=kind, subject=subject,
                               body=text, link=self._link(application.id), dedupe_key=f"{dedupe}:{recipient.id}",
                               mail_status="pending" if mail else "not_configured")
            session.add(row)
            await session.flush()
            if mail:
                to_mail.append(row.id)
        return to_mail

    # --- in sight: the next deadline of each application, the reports waiting for someone ----------------

    async def next_deadlines(self, user: User, application_ids: list[int]) -> dict[int, Deadline]:
        """The earliest deadline still to be met of each visible application (open, extended, or missed and
        not settled, which shows as overdue): the lists show it where the step has no target date."""
        if not application_ids:
            return {}
        async with self.sessions() as session:
            rows = (await session.execute(
                select(Deadline).join(ApplicationStatus, ApplicationStatus.application_id == Deadline.application_id)
                .where(Deadline.application_id.in_(application_ids),
                       Deadline.state.in_(("open", "extended", "missed")),
                       ApplicationStatus.status == Status.follow_up.value, access.visible_clause(user))
                .order_by(Deadline.due_at))).scalars().all()
        found: dict[int, Deadline] = {}
        for row in rows:
            found.setdefault(row.application_id, row)
        return found

    async def reports_waiting(self, user: User) -> list[dict]:
        """For a local official, the reports waiting for review in the applications they cover; for a company,
        its reports queried and waiting for its answer. Oldest first."""
        if user.role == Role.local_official:
            wanted = "pending"
        elif user.role == Role.applicant:
            wanted = "queried"
        else:
            return []
        waiting = []
        async with self.sessions() as session:
            for kind, table, when in (("acquisition", AcquisitionReport, AcquisitionReport.reported_at),
                                      ("annual", AnnualReport, AnnualReport.submitted_at)):
                rows = (await session.execute(
                    select(table, Application.project_name)
                    .join(ApplicationStatus, ApplicationStatus.application_id == table.application_id)
                    .join(Application, Application.id == table.application_id)
                    .where(table.review_status == wanted, ApplicationStatus.status == Status.follow_up.value,
                           access.visible_clause(user)).order_by(when))).all()
                for report, project_name in rows:
                    waiting.append({"kind": kind, "report_id": report.id, "application_id": report.application_id,
                                    "project_name": project_name, "fiscal_year": getattr(report, "fiscal_year", None),
                                    "description": getattr(report, "description", None),
                                    "since": report.reviewed_at if wanted == "queried" else
                                    getattr(report, "reported_at", None) or getattr(report, "submitted_at", None),
                                    "note": report.review_note if wanted == "queried" else None})
        return sorted(waiting, key=lambda item: item["since"])

    # --- deadlines ----------------------------------------------------------------------------------------

    async def deadlines(self, user: User, application_id: int) -> list[DeadlineView]:
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            rows = (await session.execute(select(Deadline).where(Deadline.application_id == application_id)
                                          .order_by(Deadline.due_at, Deadline.key))).scalars().all()
        return [self._deadline_view(row) for row in rows]

    async def extend_deadline(self, user: User, application_id: int, deadline_id: int,
                              body: DeadlineExtendRequest, idempotency_key: str | None = None) -> list[DeadlineView]:
        async with self.sessions() as session:
            status = await access.for_local_official(session, user, application_id)
            deadline = await session.get(Deadline, deadline_id)
            if deadline is None or deadline.application_id != application_id:
                raise NotFound(f"deadline {deadline_id} does not exist", "期限が見つかりません")
        await self.applications.update_workflow(
            application_id, ApplicationWorkflow.extend_deadline,
            DeadlineExtension(actor=actor_for(user), key=deadline.key, new_due_at=end_of_day(body.new_due_on),
                              reason=body.reason),
            "extend", idempotency_key, status.status)
        return await self.deadlines(user, application_id)

    @staticmethod
    def _deadline_view(row: Deadline) -> DeadlineView:
        days_left = (row.due_at - datetime.now(UTC)) // timedelta(days=1)
        return DeadlineView(id=row.id, key=row.key, kind=row.kind, due_at=row.due_at,
                            original_due_at=row.original_due_at, settled_by=row.settled_by, state=row.state,
                            days_left=int(days_left), equipment_item_id=row.equipment_item_id,
                            fiscal_year=row.fiscal_year, extension_reason=row.extension_reason)

    # --- idempotency -----------------------------------------------------------------------------------

    async def _recalled(self, session: AsyncSession, user: User, operation: str, key: str | None, table):
        """The row a previous request with this key created, if any."""
        earlier = await idempotency.recall(session, user, operation, key)
        return None if earlier is None else await session.get(table, earlier)

    async def _store(self, session: AsyncSession, user: User, operation: str, key: str | None, row):
        """Commit the new row together with its key; a parallel retry with the same key gets the first row."""
        try:
            session.add(row)
            await session.flush()
            idempotency.remember(session, user, operation, key, row.id)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            first = await self._recalled(session, user, operation, key, type(row))
            if first is None:
                raise
            return first
        return row

    async def _recorded(self, application_id: int, kind: str, report_id: int) -> bool:
        """Whether the workflow already recorded this report (a retry must not tell it twice)."""
        async with self.sessions() as session:
            payloads = (await session.execute(select(Event.payload).where(
                Event.application_id == application_id, Event.kind == kind))).scalars().all()
        return any(payload.get("report_id") == report_id for payload in payloads)

    # --- checks -------------------------------------------------------------------------------------------

    @staticmethod
    def _require_follow_up(status: ApplicationStatus) -> None:
        if status.status != Status.follow_up:
            raise Conflict(f"reports are taken in follow_up only; the application is {status.status}",
                           f"報告はフォローアップ段階でのみ受け付けます（現在: {rules.STATUS_LABELS_JA[Status(status.status)]}）")

    @staticmethod
    async def _designation(session: AsyncSession, application: Application | None) -> DesignationFacts | None:
        if application is None:
            return None
        decision = (await session.execute(select(Decision).where(
            Decision.application_id == application.id, Decision.step == Status.designation,
            Decision.outcome == "designate").order_by(Decision.event_seq.desc()))).scalars().first()
        if decision is None:
            return None
        payload = decision.payload
        return DesignationFacts(designated_on=date.fromisoformat(payload["designated_on"]),
                                acquisition_from=date.fromisoformat(payload["acquisition_from"]),
                                acquisition_until=date.fromisoformat(payload["acquisition_until"]),
                                business_area=application.content.get("business_area"),
                                zone_area=application.zone_area)


def _label(report_kind: str, report) -> str:
    return f"{report.fiscal_year}年度" if report_kind == "annual" else f"#{report.id} {report.description}"


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def _refuse_future_dates(body: AcquisitionReportCreate) -> None:
    errors = future_date_errors(body.acquired_on, body.in_service_on, today_in_japan())
    if errors:
        raise Invalid("an acquisition report's dates cannot be in the future: report once the asset is acquired "
                      "and in service", "取得報告の日付に本日より後の日付は入力できません。取得・供用開始の後に報告してください",
                      errors=errors)
