"""The public register page (no sign-in): designations, changes and revocations, with links to the CSV and
the Atom feed. Japanese first; ?lang=en for English."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.api.deps import Sessions
from services.api.pages.web import PageRoute, render
from services.core.register.service import register_entries

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/register", response_class=HTMLResponse)
async def register_page(request: Request, sessions: Sessions) -> Response:
    async with sessions() as session:
        entries = await register_entries(session)
    return render(request, "register.html", {"entries": entries})
