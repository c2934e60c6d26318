"""The caller's notifications, and the organisation's calendar feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.api.deps import Calendars, CurrentUser, Notifications
from services.core.follow_up.schemas import CalendarLink
from services.core.notifications.schemas import NotificationPublic

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationPublic], summary="My notifications, newest first")
async def list_notifications(user: CurrentUser, notifications: Notifications, unread_only: bool = False,
                             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[NotificationPublic]:
    return await notifications.notifications(user, unread_only=unread_only, limit=limit)


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic, summary="Mark as read")
async def mark_read(notification_id: int, user: CurrentUser, notifications: Notifications) -> NotificationPublic:
    return await notifications.mark_read(user, notification_id)


@router.get("/organizations/{organization_id}/calendar", response_model=CalendarLink,
            summary="The secret calendar URL of my organisation's deadlines (subscribe in any calendar app)")
async def calendar_link(organization_id: int, user: CurrentUser, calendars: Calendars,
                        request: Request) -> CalendarLink:
    token = await calendars.calendar_token(user, organization_id)
    base = str(request.base_url).rstrip("/")
    return CalendarLink(url=f"{base}/api/v1/organizations/{organization_id}/deadlines.ics?token={token}")


@router.get("/organizations/{organization_id}/deadlines.ics", summary="Deadlines as iCalendar (token in the URL)",
            response_class=Response, responses={200: {"content": {"text/calendar": {}}}})
async def calendar_feed(organization_id: int, calendars: Calendars,
                        token: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    return Response(await calendars.calendar_feed(organization_id, token),
                    media_type="text/calendar; charset=utf-8")
