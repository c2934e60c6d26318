"""The follow-up service: acquisition and annual reports, deadlines and extensions, notifications, and the
organisation's calendar feed. Framework-free; reports are stored before the workflow hears of them, so
nothing a company typed is lost."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from icalendar import Alarm, Calendar, Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.acquisition_rules import AcquisitionFacts, DesignationFacts, check_acquisition
from services.core.applications import ApplicationService
from services.core.exceptions import Conflict, Forbidden, Invalid, NotFound
from services.core.follow_up_models import AcquisitionReport, AnnualReport, CalendarToken, Deadline, Notification
from services.core.follow_up_schemas import (
    AcquisitionReportCreate,
    AcquisitionReportPublic,
    AnnualReportCreate,
    AnnualReportPublic,
    DeadlineExtendRequest,
    DeadlineView,
    NotificationPublic,
    ReviewRequest,
)
from services.core import idempotency
from services.core.models import Application, ApplicationStatus, Decision, EquipmentItem, Event, User, utcnow
from services.core.schemas import actor_for
from workflows import rules
from workflows.contracts import (
    AcquisitionReported,
    AcquisitionReviewed,
    AnnualReportFiled,
    DeadlineExtension,
    Role,
    Status,
)
from workflows.deadlines import end_of_day
from workflows.designation import ApplicationWorkflow

OPEN_STATES = ("open", "extended")


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
            application, status = await self._own_application(session, user, application_id)
            report = await self._recalled(session, user, operation, idempotency_key, AcquisitionReport)
            if report is None:
                self._require_follow_up(status)
                if body.equipment_item_id is not None:
                    item = await session.get(EquipmentItem, body.equipment_item_id)
                    if item is None or item.application_id != application_id:
                        raise Invalid(f"equipment item {body.equipment_item_id} is not a planned item of this "
                                      "application", "指定された取得予定設備はこの申請のものではありません",
                                      errors=[{"field": "equipment_item_id", "message": "not a planned item"}])
                designation = await self._designation(session, application)
                findings = check_acquisition(
                    AcquisitionFacts(asset_class=body.asset_class.value, actual_cost_jpy=body.actual_cost_jpy,
                                     acquired_on=body.acquired_on, in_service_on=body.in_service_on,
                                     location=body.location),
                    designation, self.settings.minimum_cost_jpy)
                report = AcquisitionReport(application_id=application_id, equipment_item_id=body.equipment_item_id,
                                           asset_class=body.asset_class.value, description=body.description,
                                           actual_cost_jpy=body.actual_cost_jpy, acquired_on=body.acquired_on,
                                           in_service_on=body.in_service_on, location=body.location,
                                           rule_findings=findings, reported_by=user.id)
                report = await self._store(session, user, operation, idempotency_key, report)
        if not await self._recorded(application_id, "acquisition_reported", report.id):
            await self.applications.update_workflow(
                application_id, ApplicationWorkflow.report_acquisition,
                AcquisitionReported(actor=actor_for(user), report_id=report.id,
                                    equipment_item_id=report.equipment_item_id),
                "acquisition", str(report.id), status.status)
        return AcquisitionReportPublic.model_validate(report, from_attributes=True)

    async def acquisitions(self, user: User, application_id: int) -> list[AcquisitionReportPublic]:
        return await self._reports(user, application_id, AcquisitionReport, AcquisitionReport.id,
                                   AcquisitionReportPublic)

    async def _reports(self, user: User, application_id: int, table, order_by, public):
        """An application's reports of one kind, for whoever may see the application."""
        async with self.sessions() as session:
            await self._visible(session, user, application_id)
            rows = (await session.execute(select(table).where(table.application_id == application_id)
                                          .order_by(order_by))).scalars()
            return [public.model_validate(row, from_attributes=True) for row in rows]

    async def review_acquisition(self, user: User, application_id: int, report_id: int,
                                 body: ReviewRequest, idempotency_key: str | None = None) -> AcquisitionReportPublic:
        operation = f"acquisition-review:{report_id}"
        async with self.sessions() as session:
            status = await self._for_official(session, user, application_id)
            report = await session.get(AcquisitionReport, report_id)
            if report is None or report.application_id != application_id:
                raise NotFound(f"acquisition report {report_id} does not exist", "取得報告が見つかりません")
            replay = await idempotency.recall(session, user, operation, idempotency_key) is not None
            if not replay:
                self._require_follow_up(status)
                report.review_status = "confirmed" if body.outcome == "confirm" else "queried"
                report.review_note, report.reviewed_by, report.reviewed_at = body.note, user.id, utcnow()
                session.add(report)
                idempotency.remember(session, user, operation, idempotency_key, report_id)
                try:
                    await session.commit()
                except IntegrityError:  # the same key raced in from a parallel retry: its review stands
                    await session.rollback()
                    replay = True
                    await session.refresh(report)
        update_id = f"{report_id}-key-{idempotency_key}" if idempotency_key else f"{report_id}-{report.reviewed_at.isoformat()}"
        try:
            await self.applications.update_workflow(
                application_id, ApplicationWorkflow.review_acquisition,
                AcquisitionReviewed(actor=actor_for(user), report_id=report_id,
                                    equipment_item_id=report.equipment_item_id, outcome=body.outcome),
                "acquisition-review", update_id, status.status)
        except Conflict:
            if not replay:  # a retry after the process moved on keeps the first answer
                raise
        return AcquisitionReportPublic.model_validate(report, from_attributes=True)

    # --- annual reports ---------------------------------------------------------------------------------

    async def file_annual_report(self, user: User, application_id: int, body: AnnualReportCreate,
                                 idempotency_key: str | None = None) -> AnnualReportPublic:
        operation = f"annual:{application_id}"
        async with self.sessions() as session:
            _, status = await self._own_application(session, user, application_id)
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
            await self._for_official(session, user, application_id)
            report = await session.get(AnnualReport, report_id)
            if report is None or report.application_id != application_id:
                raise NotFound(f"annual report {report_id} does not exist", "事業実施状況報告が見つかりません")
            if await idempotency.recall(session, user, operation, idempotency_key) is None:
                report.review_status = "confirmed" if body.outcome == "confirm" else "queried"
                report.review_note, report.reviewed_by, report.reviewed_at = body.note, user.id, utcnow()
                session.add(report)
                idempotency.remember(session, user, operation, idempotency_key, report_id)
                try:
                    await session.commit()
                except IntegrityError:  # the same key raced in from a parallel retry: its review stands
                    await session.rollback()
                    await session.refresh(report)
            return AnnualReportPublic.model_validate(report, from_attributes=True)

    # --- deadlines ----------------------------------------------------------------------------------------

    async def deadlines(self, user: User, application_id: int) -> list[DeadlineView]:
        async with self.sessions() as session:
            await self._visible(session, user, application_id)
            rows = (await session.execute(select(Deadline).where(Deadline.application_id == application_id)
                                          .order_by(Deadline.due_at, Deadline.key))).scalars().all()
        return [self._deadline_view(row) for row in rows]

    async def extend_deadline(self, user: User, application_id: int, deadline_id: int,
                              body: DeadlineExtendRequest, idempotency_key: str | None = None) -> list[DeadlineView]:
        async with self.sessions() as session:
            status = await self._for_official(session, user, application_id)
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
        days_left = (row.due_at - datetime.now(timezone.utc)) // timedelta(days=1)
        return DeadlineView(id=row.id, key=row.key, kind=row.kind, due_at=row.due_at,
                            original_due_at=row.original_due_at, settled_by=row.settled_by, state=row.state,
                            days_left=int(days_left), equipment_item_id=row.equipment_item_id,
                            fiscal_year=row.fiscal_year, extension_reason=row.extension_reason)

    # --- notifications ------------------------------------------------------------------------------------

    async def notifications(self, user: User, *, unread_only: bool = False, limit: int = 100) -> list[NotificationPublic]:
        query = select(Notification).where(Notification.user_id == user.id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        async with self.sessions() as session:
            rows = (await session.execute(query.order_by(Notification.id.desc()).limit(max(1, min(limit, 500))))).scalars()
            return [self._notification(row) for row in rows]

    async def mark_read(self, user: User, notification_id: int) -> NotificationPublic:
        async with self.sessions() as session:
            row = await session.get(Notification, notification_id)
            if row is None or row.user_id != user.id:
                raise NotFound(f"notification {notification_id} does not exist", "通知が見つかりません")
            row.read_at = row.read_at or utcnow()
            session.add(row)
            await session.commit()
            return self._notification(row)

    @staticmethod
    def _notification(row: Notification) -> NotificationPublic:
        return NotificationPublic(id=row.id, application_id=row.application_id, kind=row.kind,
                                  deadline_key=row.deadline_key, lead_days=row.lead_days, due_at=row.due_at,
                                  subject=row.subject, body=row.body, link=row.link, created_at=row.created_at,
                                  read=row.read_at is not None, mail_status=row.mail_status)

    # --- calendar -----------------------------------------------------------------------------------------

    async def calendar_token(self, user: User, organization_id: int) -> str:
        if user.organization_id != organization_id:
            raise NotFound("organisation not found", "組織が見つかりません")
        async with self.sessions() as session:
            row = await session.get(CalendarToken, organization_id)
            if row is None:
                row = CalendarToken(organization_id=organization_id, token=secrets.token_urlsafe(32))
                session.add(row)
                try:
                    await session.commit()
                except IntegrityError:  # created by a parallel request
                    await session.rollback()
                    row = await session.get(CalendarToken, organization_id)
            return row.token

    async def calendar_feed(self, organization_id: int, token: str) -> bytes:
        """The organisation's open deadlines as iCalendar, each with alarms at the reminder lead times."""
        async with self.sessions() as session:
            row = await session.get(CalendarToken, organization_id)
            if row is None or not secrets.compare_digest(row.token.encode(), token.encode()):
                raise NotFound("calendar not found", "カレンダーが見つかりません")
            deadlines = (await session.execute(
                select(Deadline, Application.project_name)
                .join(Application, Application.id == Deadline.application_id)
                .where(Application.organization_id == organization_id, Deadline.state.in_(OPEN_STATES),
                       Deadline.kind != "step_target")
                .order_by(Deadline.due_at))).all()
        calendar = Calendar()
        calendar.add("prodid", "-//tokku//特区申請 期限//JA")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", "特区申請の期限")
        base = self.settings.public_base_url.rstrip("/")
        for deadline, project_name in deadlines:
            event = CalendarEvent()
            event.add("uid", f"tokku-{deadline.application_id}-{deadline.key}@tokku")
            event.add("summary", f"【期限】{deadline.settled_by} — {project_name or deadline.application_id}")
            event.add("dtstart", deadline.due_at)
            event.add("dtend", deadline.due_at + timedelta(minutes=1))
            event.add("dtstamp", deadline.updated_at)
            event.add("url", f"{base}/applications/{deadline.application_id}")
            event.add("description", f"{deadline.settled_by}\n{base}/applications/{deadline.application_id}")
            for lead in self.settings.reminder_lead_days:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", f"{deadline.settled_by}（あと{lead:g}日）")
                alarm.add("trigger", -timedelta(days=lead))
                event.add_component(alarm)
            calendar.add_component(event)
        return calendar.to_ical()

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

    async def _own_application(self, session: AsyncSession, user: User,
                               application_id: int) -> tuple[Application, ApplicationStatus]:
        return await self.applications.load_for_applicant(session, user, application_id)

    async def _visible(self, session: AsyncSession, user: User, application_id: int) -> ApplicationStatus:
        status = await session.get(ApplicationStatus, application_id)
        if status is None or not self.applications.can_view(user, status):
            raise NotFound(f"application {application_id} does not exist or is not yours to see",
                           "申請が見つからないか、閲覧する権限がありません")
        return status

    async def _for_official(self, session: AsyncSession, user: User, application_id: int) -> ApplicationStatus:
        status = await self._visible(session, user, application_id)
        if user.role != Role.local_official or not rules.official_covers(user.government, status.government):
            raise Forbidden("only a local official of the application's government can do this",
                            "この操作は担当自治体の職員のみ行えます")
        return status

    @staticmethod
    def _require_follow_up(status: ApplicationStatus) -> None:
        if status.status != Status.follow_up:
            raise Conflict(f"reports are taken in follow_up only; the application is {status.status}",
                           f"報告はフォローアップ段階でのみ受け付けます（現在: {status.status}）")

    @staticmethod
    async def _designation(session: AsyncSession, application: Application) -> DesignationFacts:
        decision = (await session.execute(select(Decision).where(
            Decision.application_id == application.id, Decision.step == Status.designation,
            Decision.outcome == "designate").order_by(Decision.event_seq.desc()))).scalars().first()
        payload = decision.payload
        return DesignationFacts(designated_on=date.fromisoformat(payload["designated_on"]),
                                acquisition_from=date.fromisoformat(payload["acquisition_from"]),
                                acquisition_until=date.fromisoformat(payload["acquisition_until"]),
                                business_area=application.content.get("business_area"))
