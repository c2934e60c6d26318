"""Follow-up pages: the acquisition report and annual report forms (company), their review, and deadline
extensions (local official). The rules are FollowUpService's; a refused form comes back with everything
typed and each message next to its field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.pages.applications import _application_page
from services.api.pages.forms import pydantic_errors
from services.api.pages.web import Csrf, PageRoute, PageUser, flash, flash_text, redirect
from services.core.exceptions import Invalid
from services.core.follow_up import FollowUpService
from services.core.follow_up_schemas import (
    AcquisitionReportCreate,
    AnnualReportCreate,
    DeadlineExtendRequest,
    ReviewRequest,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ACQUISITION_FIELDS = ("equipment_item_id", "asset_class", "description", "actual_cost_jpy", "acquired_on",
                      "in_service_on", "location")
ANNUAL_FIELDS = ("fiscal_year", "investment_to_date_jpy", "employees", "international_trials", "products_launched",
                 "training_participants", "data_science", "note")
NUMBER_FIELDS = {"actual_cost_jpy", "investment_to_date_jpy", "employees", "international_trials",
                 "products_launched", "training_participants", "fiscal_year", "equipment_item_id"}


def _follow_up(request: Request) -> FollowUpService:
    return request.app.state.follow_up


def _review(form) -> ReviewRequest:
    outcome = str(form.get("outcome") or "")
    if outcome not in ("confirm", "query"):
        raise Invalid("choose confirm or query", "「確認」または「照会」を選んでください")
    return ReviewRequest(outcome=outcome, note=str(form.get("note") or "").strip()[:4000] or None)


def _body(raw: dict[str, str]) -> dict[str, Any]:
    """Form strings → the API body: empty means not given; numbers may carry commas (1,000,000)."""
    body: dict[str, Any] = {}
    for name, value in raw.items():
        if value == "":
            continue
        body[name] = value.replace(",", "").replace("，", "") if name in NUMBER_FIELDS else value
    return body


def _errors(error: ValidationError | Invalid) -> tuple[dict[str, list[str]], list[str]]:
    items = pydantic_errors(error) if isinstance(error, ValidationError) else error.errors
    fields: dict[str, list[str]] = {}
    general = [] if isinstance(error, ValidationError) else [f"{error.message_ja} / {error.message}"]
    for item in items:
        message = item["message"].removeprefix("Value error, ")
        if item["field"]:
            fields.setdefault(item["field"], []).append(message)
        else:
            general.append(message)
    return fields, general


async def _refused(request: Request, user, application_id: int, form: str, raw: dict[str, str],
                   error: ValidationError | Invalid) -> HTMLResponse:
    fields, general = _errors(error)
    return await _application_page(request, user, application_id, status_code=422, extra_context={
        "follow_up_form": form, "follow_up_values": raw, "follow_up_errors": fields, "follow_up_general": general})


@router.post("/applications/{application_id:int}/acquisitions", response_class=HTMLResponse)
async def report_acquisition(request: Request, user: PageUser, application_id: int, _: Csrf) -> Response:
    form = await request.form()
    raw = {name: str(form.get(name) or "").strip() for name in ACQUISITION_FIELDS}
    try:
        body = AcquisitionReportCreate.model_validate(_body(raw))
        report = await _follow_up(request).report_acquisition(user, application_id, body)
    except (ValidationError, Invalid) as error:
        return await _refused(request, user, application_id, "acquisition", raw, error)
    if report.rule_findings:
        flash_text(request, "取得報告を受け付けました。確認が必要な点: " + " / ".join(f["message_ja"] for f in report.rule_findings),
                   "Acquisition report received. To check: " + " / ".join(f["message"] for f in report.rule_findings),
                   "error")
    else:
        flash(request, "acquisition_reported")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/annual-reports", response_class=HTMLResponse)
async def file_annual_report(request: Request, user: PageUser, application_id: int, _: Csrf) -> Response:
    form = await request.form()
    raw = {name: str(form.get(name) or "").strip() for name in ANNUAL_FIELDS}
    body = _body(raw)
    body["data_science"] = raw["data_science"] == "yes"
    try:
        await _follow_up(request).file_annual_report(user, application_id, AnnualReportCreate.model_validate(body))
    except (ValidationError, Invalid) as error:
        return await _refused(request, user, application_id, "annual", raw, error)
    flash(request, "annual_report_filed")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/acquisitions/{report_id:int}/review", response_class=HTMLResponse)
async def review_acquisition(request: Request, user: PageUser, application_id: int, report_id: int,
                             _: Csrf) -> Response:
    body = _review(await request.form())
    await _follow_up(request).review_acquisition(user, application_id, report_id, body)
    flash(request, "reviewed")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/annual-reports/{report_id:int}/review", response_class=HTMLResponse)
async def review_annual_report(request: Request, user: PageUser, application_id: int, report_id: int,
                               _: Csrf) -> Response:
    body = _review(await request.form())
    await _follow_up(request).review_annual_report(user, application_id, report_id, body)
    flash(request, "reviewed")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/deadlines/{deadline_id:int}/extend", response_class=HTMLResponse)
async def extend_deadline(request: Request, user: PageUser, application_id: int, deadline_id: int,
                          _: Csrf) -> Response:
    form = await request.form()
    raw = {"deadline_id": str(deadline_id), "new_due_on": str(form.get("new_due_on") or "").strip(),
           "reason": str(form.get("reason") or "").strip()}
    try:
        body = DeadlineExtendRequest.model_validate({"new_due_on": raw["new_due_on"], "reason": raw["reason"]})
        await _follow_up(request).extend_deadline(user, application_id, deadline_id, body)
    except (ValidationError, Invalid) as error:
        return await _refused(request, user, application_id, f"extend-{deadline_id}", raw, error)
    flash(request, "deadline_extended")
    return redirect(f"/applications/{application_id}#follow-up")
