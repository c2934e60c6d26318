"""Reminders and escalations: stored per recipient (exactly once, by a dedupe key), then mailed.

`notify` writes the rows and returns those to mail; `deliver_mail` sends them and fails while the relay is
down, so Temporal retries it with backoff; a row already sent is never sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.core.follow_up_models import Notification
from services.core.models import Application, Organization, User
from services.core.settings import Settings
from services.workers import mailer
from workflows import rules
from workflows.contracts import DELIVER_MAIL_ACTIVITY, NOTIFY_ACTIVITY, Government, NotifyInput, Role
from workflows.deadlines import JST, format_lead
from workflows.jpdates import to_japanese_era

KIND_LABEL_JA = {
    "acquisition_window": "設備の取得期限", "planned_acquisition": "設備の取得予定日",
    "annual_report": "事業実施状況報告の提出期限", "revision_request": "補正の期限", "step_target": "処理の目標期限",
}


def format_due(due_at: datetime) -> str:
    local = due_at.astimezone(JST)
    return f"{to_japanese_era(local.date())}（{local.date().isoformat()}）{local:%H:%M}"


def compose(request: NotifyInput, application: Application, company: str, user: User,
            link: str) -> tuple[str, str]:
    """Japanese subject and body: what is due, when, what settles it, and where to act."""
    project = application.project_name or f"申請 {application.id}"
    label = KIND_LABEL_JA[request.deadline_kind.value]
    due = format_due(request.due_at)
    if request.kind == "reminder":
        days = format_lead(request.lead_days)
        subject = f"【特区申請】{label}まであと{days}日（{due}）— {project}"
        lead = f"{label}まであと{days}日です。期限までに次の対応をお願いします。"
    elif request.kind == "escalation":
        subject = f"【特区申請・期限超過】{label}を過ぎました（{due}）— {project}"
        lead = f"{label}を過ぎましたが、対応が確認できていません。申請者への確認をお願いします。"
    elif request.kind == "planned_date_passed":
        subject = f"【特区申請】設備の取得予定日を過ぎました（{due}）— {project}"
        lead = "取得予定日を過ぎました。取得済みであれば取得報告を、未取得であれば予定の変更をご連絡ください。"
    elif request.kind == "step_overdue":
        step = rules.STATUS_LABELS_JA.get(request.step, str(request.step))
        subject = f"【特区申請】「{step}」が目標期間を超過しています — {project}"
        lead = f"「{step}」の処理が目標期限（{due}）を過ぎています。判断をお願いします。"
    else:  # lapsed
        subject = f"【特区申請】補正期限を過ぎたため申請は失効しました — {project}"
        lead = f"補正期限（{due}）までに再提出がなかったため、この申請は失効しました。"
    body = "\n".join([
        f"{user.display_name} 様", "", lead, "",
        f"申請: {project}（申請番号 {application.id}）",
        f"申請者: {company}",
        f"期限: {due}",
        f"対応: {request.settled_by}",
        "",
        f"詳細: {link}",
        "",
        "— tokku 特区申請システム（このメールは送信専用です）",
    ])
    return subject, body


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
        query = select(User).where(User.is_active.is_(True))
        if request.audience == "applicant":
            query = query.where(User.role == Role.applicant.value,
                                User.organization_id == application.organization_id)
            return list((await session.execute(query.order_by(User.id))).scalars())
        role = rules.STEP_ROLE[request.step] if request.audience == "step_holders" else Role.local_official
        query = query.where(User.role == role.value)
        if role != Role.local_official:
            return list((await session.execute(query.order_by(User.id))).scalars())
        # The responsible government's officials; the prefecture's when that government has none.
        for government in (application.government, Government.kanagawa.value):
            users = list((await session.execute(query.where(User.government == government)
                                                .order_by(User.id))).scalars())
            if users:
                return users
        return []

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
                    row.mail_status, row.mailed_at, row.mail_error = "sent", datetime.now(timezone.utc), None
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
