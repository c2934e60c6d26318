"""Reminders and escalations: stored per recipient (exactly once, by a dedupe key), then mailed.

`notify` writes the rows and returns those to mail; `deliver_mail` sends them and fails while the relay is
down, so Temporal retries it with backoff; a row already sent is never sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.core.accounts.models import Organization, User
from services.core.accounts.security import UNUSABLE_PASSWORD
from services.core.applications.models import Application
from services.core.notifications import mailer
from services.core.notifications.mail import compose, compose_plan_change
from services.core.notifications.models import Notification
from services.core.notifications.recipients import responsible_officials
from services.core.platform.settings import Settings
from workflows import rules
from workflows.contracts import DELIVER_MAIL_ACTIVITY, NOTIFY_ACTIVITY, NotifyInput, Role
from workflows.deadlines import format_lead
from workflows.plan_change_contracts import NOTIFY_PLAN_CHANGE_ACTIVITY, PlanChangeNotice


@dataclass
class NotificationActivities:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    @activity.defn(name=NOTIFY_ACTIVITY)
    async def notify(self, request: NotifyInput) -> list[int]:
        """Store one notification per recipient; return the ids still to be mailed."""
        async with self.sessions() as session:
            application = await session.get(Application, request.application_id)
            organization = await session.get(Organization, application.organization_id)
            recipients = await self._recipients(session, request, application)
            link = f"{self.settings.public_base_url.rstrip('/')}/applications/{application.id}"
            to_mail: list[int] = []
            for user in recipients:
                lead = format_lead(request.lead_days) if request.lead_days is not None else "-"
                dedupe_key = (f"{request.application_id}:{request.deadline_key}:{request.due_at.isoformat()}:"
                              f"{request.kind}:{lead}:{user.id}")
                existing = (await session.execute(select(Notification).where(
                    Notification.dedupe_key == dedupe_key))).scalars().first()
                if existing is not None:  # a retried attempt: nothing new, but finish its mail
                    if existing.mail_status in ("pending", "failed"):
                        to_mail.append(existing.id)
                    continue
                subject, body = compose(request, application, organization.name, user, link)
                mail = bool(self.settings.smtp_host and user.email)
                row = Notification(user_id=user.id, application_id=application.id, deadline_key=request.deadline_key,
                                   kind=request.kind, lead_days=request.lead_days, due_at=request.due_at,
                                   subject=subject, body=body, link=link, dedupe_key=dedupe_key,
                                   mail_status="pending" if mail else "not_configured")
                session.add(row)
                await session.flush()
                if mail:
                    to_mail.append(row.id)
            try:
                await session.commit()
            except IntegrityError:  # a parallel attempt stored them first; the retry will find them
                await session.rollback()
                raise
        return to_mail

    async def _recipients(self, session: AsyncSession, request: NotifyInput, application: Application) -> list[User]:
        # Invited people who have not set a password yet get no reminders: they cannot sign in to act.
        query = select(User).where(User.is_active.is_(True), User.password_hash != UNUSABLE_PASSWORD)
        if request.audience == "applicant":
            query = query.where(User.role == Role.applicant.value,
                                User.organization_id == application.organization_id)
            return list((await session.execute(query.order_by(User.id))).scalars())
        role = rules.STEP_ROLE[request.step] if request.audience == "step_holders" else Role.local_official
        query = query.where(User.role == role.value)
        if role != Role.local_official:
            return list((await session.execute(query.order_by(User.id))).scalars())
        return await responsible_officials(session, application, query)

    @activity.defn(name=NOTIFY_PLAN_CHANGE_ACTIVITY)
    async def notify_plan_change(self, notice: PlanChangeNotice) -> list[int]:
        """A version came into force (a minor change recorded, or a change certified): one notification for each
        user of the company and each official of the responsible government; the ids still to be mailed."""
        async with self.sessions() as session:
            application = await session.get(Application, notice.application_id)
            organization = await session.get(Organization, application.organization_id)
            active = select(User).where(User.is_active.is_(True))
            company = list((await session.execute(active.where(
                User.role == Role.applicant.value, User.organization_id == application.organization_id)
                .order_by(User.id))).scalars())
            officials = await responsible_officials(
                session, application, active.where(User.role == Role.local_official.value))
            link = (f"{self.settings.public_base_url.rstrip('/')}/applications/{application.id}/plan-changes/"
                    f"{notice.plan_change_id}")
            kind = "plan_change_minor" if notice.minor else "plan_change_certified"
            to_mail: list[int] = []
            for user in company + officials:
                dedupe_key = f"{application.id}:plan-change:{notice.plan_change_id}:{kind}:{user.id}"
                existing = (await session.execute(select(Notification).where(
                    Notification.dedupe_key == dedupe_key))).scalars().first()
                if existing is not None:  # a retried attempt: nothing new, but finish its mail
                    if existing.mail_status in ("pending", "failed"):
                        to_mail.append(existing.id)
                    continue
                subject, body = compose_plan_change(notice, application, organization.name, user, link)
                mail = bool(self.settings.smtp_host and user.email)
                row = Notification(user_id=user.id, application_id=application.id,
                                   deadline_key=f"plan-change:{notice.plan_change_id}", kind=kind,
                                   due_at=notice.occurred_at, subject=subject, body=body, link=link,
                                   dedupe_key=dedupe_key, mail_status="pending" if mail else "not_configured")
                session.add(row)
                await session.flush()
                if mail:
                    to_mail.append(row.id)
            try:
                await session.commit()
            except IntegrityError:  # a parallel attempt stored them first; the retry will find them
                await session.rollback()
                raise
        return to_mail

    @activity.defn(name=DELIVER_MAIL_ACTIVITY)
    async def deliver_mail(self, notification_ids: list[int]) -> int:
        """Mail each stored notification not yet sent; raise while any fails so Temporal retries."""
        failures = []
        sent = 0
        for notification_id in notification_ids:
            async with self.sessions() as session:
                row = await session.get(Notification, notification_id)
                if row is None or row.mail_status == "sent":
                    continue
                user = await session.get(User, row.user_id)
                message = mailer.build_message(self.settings, to_name=user.display_name, to_address=user.email,
                                               subject=row.subject, body=row.body)
                row.mail_attempts += 1
                try:
                    await mailer.send(self.settings, message)
                    row.mail_status, row.mailed_at, row.mail_error = "sent", datetime.now(UTC), None
                    sent += 1
                except Exception as error:  # the relay is down or refused: keep it and try again later
                    row.mail_status, row.mail_error = "failed", f"{type(error).__name__}: {error}"[:500]
                    failures.append(notification_id)
                session.add(row)
                await session.commit()
        if failures:
            raise ApplicationError(f"mail relay did not take notifications {failures}; will retry",
                                   type="MailRelayUnavailable")
        return sent
