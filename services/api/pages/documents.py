"""The plan's documents (別添3, 別紙, 別添6, the targets table) and the company's calendar subscription, in the
browser with the session cookie (the JSON API keeps its bearer tokens: routers/documents.py, notifications.py)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.api.deps import Calendars, Plan, Rounds, Sessions, SettingsDep
from services.api.pages.web import PageRoute, PageUser, render
from services.core.applications import access
from services.core.documents.export import KINDS, Viewer, check_request, export_document
from services.core.documents.redaction import INTERNAL
from services.core.platform.exceptions import Forbidden
from workflows.contracts import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FORMATS = ("html", "xlsx", "csv", "md")


@router.get("/documents", response_class=HTMLResponse)
async def documents_page(request: Request, user: PageUser, calendars: Calendars, settings: SettingsDep) -> Response:
    calendar_url = None
    if user.role == Role.applicant and user.organization_id is not None:
        token = await calendars.calendar_token(user, user.organization_id)
        calendar_url = (f"{settings.public_base_url.rstrip('/')}/api/v1/organizations/{user.organization_id}"
                        f"/deadlines.ics?token={token}")
    audiences = ["public", INTERNAL] if access.can_read_internal_documents(user) else ["public"]
    return render(request, "documents.html", {"kinds": list(KINDS), "formats": FORMATS, "audiences": audiences,
                                              "calendar_url": calendar_url}, user=user)


@router.get("/documents/{kind}")
async def document(kind: str, user: PageUser, plan: Plan, sessions: Sessions, settings: SettingsDep, rounds: Rounds,
                   fmt: Annotated[str, Query(alias="format")] = "html",
                   audience: Annotated[str, Query()] = "public",
                   round_id: Annotated[int | None, Query(alias="round")] = None) -> Response:
    check_request(kind, fmt, audience)
    if audience == INTERNAL and not access.can_read_internal_documents(user):
        raise Forbidden("the internal version holds undisclosed information: officials only",
                        "内部資料（非公表情報を含む）は職員のみ取得できます。公表版をご利用ください")
    viewer = Viewer(actor=user.username, channel="web", user_id=user.id,
                    may_see=lambda application: access.can_see(user, application))
    application_ids = await rounds.round_application_ids(user, round_id) if round_id is not None else None
    async with sessions() as session:
        exported = await export_document(session, plan, kind=kind, fmt=fmt, audience=audience, viewer=viewer,
                                         application_ids=application_ids, round_id=round_id,
                                         measure_extension_until=settings.measure_extension_until)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(exported.content, media_type=exported.media_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(exported.filename)}",
        "Cache-Control": "no-store" if audience == INTERNAL else "private, max-age=0"})
