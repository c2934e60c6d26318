"""The zone dashboard: applications per status (SQL, within what the caller may see) and progress of the
plan's six numeric targets (services.core.zone.targets computes them from reports and designations; its SVG
chart is drawn by services.core.documents.chart)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from services.api.deps import Plan, Service, Sessions
from services.api.pages.web import PageRoute, PageUser, render
from services.core.documents.chart import targets_svg
from services.core.zone.targets import target_progress
from workflows.contracts import Status

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, user: PageUser, service: Service, sessions: Sessions, plan: Plan) -> Response:
    counts = await service.status_counts(user)
    async with sessions() as session:
        targets = await target_progress(session, plan)
    rows = [(status, counts.get(status.value, 0)) for status in Status]
    return render(request, "dashboard.html", {"status_rows": rows, "total": sum(counts.values()),
                                              "targets": targets, "period": plan["zone"]["targets"]["period"],
                                              "chart": Markup(targets_svg(targets))},  # built escaped
                  user=user)
