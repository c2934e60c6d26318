"""The officials' inbox (and the company's: applications returned for revision), sortable by due date."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.api.pages.web import PageRoute, PageUser, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SORTS = {"due": "sort_due", "-due": "sort_due_desc", "id": "sort_new"}


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, user: PageUser, sort: str = "due") -> Response:
    sort = sort if sort in SORTS else "due"
    tasks = await request.app.state.applications.tasks(user, sort=sort)
    return render(request, "inbox.html", {"tasks": tasks, "sort": sort, "sorts": SORTS}, user=user)
