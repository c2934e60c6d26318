"""The officials' inbox (and the company's: applications returned for revision), sortable by due date."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.api.deps import FollowUp, Loans, PlanChanges, Service
from services.api.pages.web import PageRoute, PageUser, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SORTS = {"due": "sort_due", "-due": "sort_due_desc", "id": "sort_new"}


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, user: PageUser, service: Service, loans: Loans, plan_changes: PlanChanges,
                follow_up: FollowUp, sort: str = "due") -> Response:
    sort = sort if sort in SORTS else "due"
    tasks = await service.tasks(user, sort=sort)
    # Follow-up has no step target: its next deadline (or the one missed) is the date to show.
    follow_up_due = await follow_up.next_deadlines(user, [t.application_id for t in tasks if t.due_at is None])
    now = datetime.now(UTC)
    for task in tasks:
        if task.due_at is None and task.application_id in follow_up_due:
            task.due_at = follow_up_due[task.application_id].due_at
            task.overdue = task.due_at < now
    reports_waiting = await follow_up.reports_waiting(user)
    loan_tasks = await loans.tasks(user)  # the interest subsidy's decisions (pages/loans.py)
    change_tasks = await plan_changes.tasks(user)
    return render(request, "inbox.html", {"tasks": tasks, "sort": sort, "sorts": SORTS, "loan_tasks": loan_tasks,
                                          "change_tasks": change_tasks, "reports_waiting": reports_waiting},
                  user=user)
