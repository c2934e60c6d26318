"""The organisation's deadlines as an iCalendar feed: a secret token per organisation, and the feed it opens
(each open deadline with alarms at the reminder lead times). Framework-free."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from icalendar import Alarm, Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts.models import User
from services.core.applications.models import Application
from services.core.follow_up.models import CalendarToken, Deadline
from services.core.platform.exceptions import NotFound
from services.core.platform.settings import Settings

OPEN_STATES = ("open", "extended")


@dataclass
class CalendarService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def calendar_token(self, user: User, organization_id: int) -> str:
        """The organisation's feed secret, created on first use; only its own users get it."""
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
