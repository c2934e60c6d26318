"""Reading one's notifications and marking them read. Framework-free; the worker writes them
(services/workers/notifications.py, composing with notifications/mail.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts.models import User
from services.core.notifications.models import Notification
from services.core.notifications.schemas import NotificationPublic
from services.core.platform.exceptions import NotFound
from services.core.platform.tables import utcnow

MAX_LIMIT = 500


@dataclass
class NotificationService:
    sessions: async_sessionmaker[AsyncSession]

    async def notifications(self, user: User, *, unread_only: bool = False,
                            limit: int = 100) -> list[NotificationPublic]:
        """The caller's own notifications, newest first."""
        query = select(Notification).where(Notification.user_id == user.id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        async with self.sessions() as session:
            rows = (await session.execute(query.order_by(Notification.id.desc())
                                          .limit(max(1, min(limit, MAX_LIMIT))))).scalars()
            return [public_notification(row) for row in rows]

    async def mark_read(self, user: User, notification_id: int) -> NotificationPublic:
        """Mark one of the caller's notifications read (again is harmless); another's answers like a missing one."""
        async with self.sessions() as session:
            row = await session.get(Notification, notification_id)
            if row is None or row.user_id != user.id:
                raise NotFound(f"notification {notification_id} does not exist", "通知が見つかりません")
            row.read_at = row.read_at or utcnow()
            session.add(row)
            await session.commit()
            return public_notification(row)


def public_notification(row: Notification) -> NotificationPublic:
    return NotificationPublic(id=row.id, application_id=row.application_id, loan_id=row.loan_id, kind=row.kind,
                              deadline_key=row.deadline_key, lead_days=row.lead_days, due_at=row.due_at,
                              subject=row.subject, body=row.body, link=row.link, created_at=row.created_at,
                              read=row.read_at is not None, mail_status=row.mail_status)
