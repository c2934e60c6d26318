"""Follow-up pages: the acquisition report and annual report forms (company), their review, and deadline
extensions (local official). The rules are FollowUpService's; a refused form comes back with everything
typed and each message next to its field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.deps import Attachments
from services.api.pages.applications import ApplicationPages, Pages, _application_page
from services.api.pages.forms import localized_errors, pydantic_errors
from services.api.pages.i18n import refusal_message
from services.api.pages.web import Csrf, PageRoute, PageUser, flash, flash_text, language, redirect
from services.core.accounts.models import User
from services.core.follow_up.schemas import (
    AcquisitionReportCreate,
    AnnualReportCreate,
    DeadlineExtendRequest,
    ReportAnswer,
    ReviewRequest,
)
from services.core.platform.exceptions import Invalid

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ACQUISITION_FIELDS = ("equipment_item_id", "asset_class", "description", "actual_cost_jpy", "acquired_on",
                      "in_service_on", "location", "building_name")
ANNUAL_FIELDS = ("fiscal_year", "investment_to_date_jpy", "employees", "international_trials", "products_launched",
                 "training_participants", "data_science", "note")
NUMBER_FIELDS = {"actual_cost_jpy", "investment_to_date_jpy", "employees", "international_trials",
                 "products_launched", "training_participants", "fiscal_year", "equipment_item_id"}


# What a correction lets the company retype on the answer form; the rest is carried from the current report.
CORRECTION_FIELDS = {
    "acquisition": ("description", "actual_cost_jpy", "acquired_on", "in_service_on", "location"),
    "annual": ("investment_to_date_jpy", "employees", "international_trials", "products_launched",
               "training_participants"),
}


def _review(form) -> ReviewRequest:
    outcome = str(form.get("outcome") or "")
    if outcome not in ("confirm", "query"):
        raise Invalid("choose confirm or query", "「確認」または「照会」を選んでください")
    note = str(form.get("note") or "").strip()[:4000] or None
    if outcome == "query" and not note:
        raise Invalid("a query needs a note saying what the company should answer or correct",
                      "照会には、事業者に回答・訂正を求める内容を記入してください",
                      errors=[{"field": "note", "message": "照会の内容を記入してください / Write what you ask"}])
    return ReviewRequest(outcome=outcome, note=note)


def _body(raw: dict[str, str]) -> dict[str, Any]:
    """Form strings → the API body: empty means not given; numbers may carry commas (1,000,000)."""
    body: dict[str, Any] = {}
    for name, value in raw.items():
        if value == "":
            continue
        body[name] = value.replace(",", "").replace("，", "") if name in NUMBER_FIELDS else value
    return body


def _errors(error: ValidationError | Invalid, lang: str) -> tuple[dict[str, list[str]], list[str]]:
    items = error.errors() if isinstance(error, ValidationError) else error.errors
    fields: dict[str, list[str]] = {}
    general = [] if isinstance(error, ValidationError) else [refusal_message(error, lang)]
    for item in localized_errors(items, lang):
        message = item["message"]
        if item["field"]:
            fields.setdefault(item["field"], []).append(message)
        else:
            general.append(message)
    return fields, general


async def _refused(request: Request, user: User, pages: ApplicationPages, application_id: int, form: str, raw: dict[str, str],
                   error: ValidationError | Invalid) -> HTMLResponse:
    fields, general = _errors(error, language(request))
    return await _application_page(request, user, pages, application_id, status_code=422, extra_context={
        "follow_up_form": form, "follow_up_values": raw, "follow_up_errors": fields, "follow_up_general": general})


@router.post("/applications/{application_id:int}/acquisitions", response_class=HTMLResponse)
async def report_acquisition(request: Request, user: PageUser, pages: Pages, application_id: int,
                             _: Csrf) -> Response:
    form = await request.form()
    raw = {name: str(form.get(name) or "").strip() for name in ACQUISITION_FIELDS}
    try:
        body = AcquisitionReportCreate.model_validate(_body(raw))
        report = await pages.follow_up.report_acquisition(user, application_id, body)
    except (ValidationError, Invalid) as error:
        return await _refused(request, user, pages, application_id, "acquisition", raw, error)
    if report.rule_findings:
        flash_text(request, "取得報告を受け付けました。確認が必要な点: " + " / ".join(f["message_ja"] for f in report.rule_findings),
                   "Acquisition report received. To check: " + " / ".join(f["message"] for f in report.rule_findings),
                   "error")
    else:
        flash(request, "acquisition_reported")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/annual-reports", response_class=HTMLResponse)
async def file_annual_report(request: Request, user: PageUser, pages: Pages, application_id: int,
                             _: Csrf) -> Response:
    form = await request.form()
    raw = {name: str(form.get(name) or "").strip() for name in ANNUAL_FIELDS}
    body = _body(raw)
    body["data_science"] = raw["data_science"] == "yes"
    try:
        await pages.follow_up.file_annual_report(user, application_id, AnnualReportCreate.model_validate(body))
    except (ValidationError, Invalid) as error:
        return await _refused(request, user, pages, application_id, "annual", raw, error)
    flash(request, "annual_report_filed")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/acquisitions/{report_id:int}/review", response_class=HTMLResponse)
async def review_acquisition(request: Request, user: PageUser, pages: Pages, application_id: int,
                             report_id: int, _: Csrf) -> Response:
    return await _review_report(request, user, pages, application_id, "acquisition", report_id)


@router.post("/applications/{application_id:int}/annual-reports/{report_id:int}/review", response_class=HTMLResponse)
async def review_annual_report(request: Request, user: PageUser, pages: Pages, application_id: int,
                               report_id: int, _: Csrf) -> Response:
    return await _review_report(request, user, pages, application_id, "annual", report_id)


async def _review_report(request: Request, user: User, pages: ApplicationPages, application_id: int,
                         kind: str, report_id: int) -> Response:
    """An official confirms or queries (照会) a report; a refused review comes back next to its form."""
    form = await request.form()
    try:
        body = _review(form)
    except Invalid as error:
        return await _refused(request, user, pages, application_id, f"review-{kind}-{report_id}",
                              {"note": ""}, error)
    review = pages.follow_up.review_acquisition if kind == "acquisition" else pages.follow_up.review_annual_report
    await review(user, application_id, report_id, body)
    flash(request, "query_sent" if body.outcome == "query" else "reviewed")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/acquisitions/{report_id:int}/answer", response_class=HTMLResponse)
async def answer_acquisition(request: Request, user: PageUser, pages: Pages, attachments: Attachments,
                             application_id: int, report_id: int, _: Csrf) -> Response:
    return await _answer(request, user, pages, attachments, application_id, "acquisition", report_id)


@router.post("/applications/{application_id:int}/annual-reports/{report_id:int}/answer", response_class=HTMLResponse)
async def answer_annual_report(request: Request, user: PageUser, pages: Pages, attachments: Attachments,
                               application_id: int, report_id: int, _: Csrf) -> Response:
    return await _answer(request, user, pages, attachments, application_id, "annual", report_id)


async def _answer(request: Request, user: User, pages: ApplicationPages, attachments, application_id: int,
                  kind: str, report_id: int) -> Response:
    """The company's answer to a query: its note, the corrected figures when it ticks "correct", a document."""
    form = await request.form()
    fields = CORRECTION_FIELDS[kind]
    raw = {name: str(form.get(name) or "").strip() for name in (*fields, "note", "correct")}
    body: dict[str, Any] = {"note": raw["note"][:4000]}
    form_id = f"answer-{kind}-{report_id}"
    try:
        if raw["correct"] == "yes":
            reports = (await pages.follow_up.acquisitions(user, application_id) if kind == "acquisition"
                       else await pages.follow_up.annual_reports(user, application_id))
            current = next((r for r in reports if r.id == report_id), None)
            if current is not None:
                model = AcquisitionReportCreate if kind == "acquisition" else AnnualReportCreate
                base = {name: getattr(current, name) for name in model.model_fields if hasattr(current, name)}
                base = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in base.items() if v is not None}
                base.update(_body({name: raw[name] for name in fields}))
                body[kind] = base
        answer = ReportAnswer.model_validate(body)
        attachment_ids = []
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data = await upload.read(attachments.max_bytes + 1)
            info = await attachments.add(user, application_id, upload.filename, data, answering_query=True)
            attachment_ids.append(info.id)
        await pages.follow_up.answer_report(user, application_id, kind, report_id, answer, attachment_ids)
    except (ValidationError, Invalid) as error:
        if isinstance(error, ValidationError):  # nested paths (acquisition.actual_cost_jpy) → the form's names
            error = Invalid("the answer is not complete", "回答の内容に誤りがあります", errors=[
                {"field": item["field"].rsplit(".", 1)[-1], "message": item["message"].removeprefix("Value error, ")}
                for item in pydantic_errors(error, language(request))])
        return await _refused(request, user, pages, application_id, form_id, raw, error)
    flash(request, "answer_sent")
    return redirect(f"/applications/{application_id}#follow-up")


@router.post("/applications/{application_id:int}/deadlines/{deadline_id:int}/extend", response_class=HTMLResponse)
async def extend_deadline(request: Request, user: PageUser, pages: Pages, application_id: int, deadline_id: int,
                          _: Csrf) -> Response:
    form = await request.form()
    raw = {"deadline_id": str(deadline_id), "new_due_on": str(form.get("new_due_on") or "").strip(),
           "reason": str(form.get("reason") or "").strip()}
    try:
        body = DeadlineExtendRequest.model_validate({"new_due_on": raw["new_due_on"], "reason": raw["reason"]})
        await pages.follow_up.extend_deadline(user, application_id, deadline_id, body)
    except (ValidationError, Invalid) as error:
        return await _refused(request, user, pages, application_id, f"extend-{deadline_id}", raw, error)
    flash(request, "deadline_extended")
    return redirect(f"/applications/{application_id}#follow-up")
