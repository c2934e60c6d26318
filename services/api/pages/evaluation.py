"""The yearly evaluation page: the draft for a fiscal year (targets, the year's register, acquisitions, loans,
entered figures) with links to its documents, and the secretariat's form for figures tokku does not hold. The
rules are EvaluationService's; a refused form comes back with everything typed and each message by its field."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.deps import Evaluations, Plan
from services.api.pages.forms import pydantic_errors
from services.api.pages.web import Csrf, PageRoute, PageUser, flash, language, redirect, render
from services.core.accounts.models import User
from services.core.evaluation.schemas import FigureCreate
from services.core.zone.targets import fiscal_year_of, period_years

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIGURE_FIELDS = ("label", "value", "unit", "source", "target_no", "note")


@router.get("/evaluation", response_class=HTMLResponse)
async def current_year(user: PageUser, plan: Plan) -> Response:
    years = period_years(plan)
    return redirect(f"/evaluation/{min(max(fiscal_year_of(date.today()), years[0]), years[-1])}")


@router.get("/evaluation/{fiscal_year:int}", response_class=HTMLResponse)
async def evaluation_page(request: Request, user: PageUser, evaluations: Evaluations, plan: Plan,
                          fiscal_year: int) -> Response:
    return await _page(request, user, evaluations, plan, fiscal_year)


@router.post("/evaluation/{fiscal_year:int}/figures", response_class=HTMLResponse)
async def enter_figure(request: Request, user: PageUser, evaluations: Evaluations, plan: Plan, fiscal_year: int,
                       _: Csrf) -> Response:
    form = await request.form()
    raw = {name: str(form.get(name) or "").strip() for name in FIGURE_FIELDS}
    body = {name: value for name, value in raw.items() if value != ""}
    if "value" in body:
        body["value"] = body["value"].replace(",", "").replace("，", "")
    try:
        figure = FigureCreate.model_validate(body)
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for item in pydantic_errors(error, language(request)):
            errors.setdefault(item["field"], []).append(item["message"])
        return await _page(request, user, evaluations, plan, fiscal_year, values=raw, errors=errors, status_code=422)
    await evaluations.enter_figure(user, fiscal_year, figure)
    flash(request, "figure_saved")
    return redirect(f"/evaluation/{fiscal_year}")


async def _page(request: Request, user: User, evaluations: Evaluations, plan: Plan, fiscal_year: int, *,
                values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
                status_code: int = 200) -> Response:
    draft = await evaluations.draft(user, fiscal_year)
    return render(request, "evaluation.html", {
        "draft": draft, "years": period_years(plan), "values": values or {}, "errors": errors or {},
        "target_numbers": [indicator["no"] for indicator in plan["zone"]["targets"]["indicators"]],
    }, user=user, status_code=status_code)
