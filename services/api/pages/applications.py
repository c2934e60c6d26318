"""Company and official pages of applications: the list and search, the form (new, edit, autosave,
submit, resubmit), the application's own page (timeline, deadlines, notifications, attachments), withdrawal
and the officials' decision form. Every rule is the ApplicationService's; these routes only translate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from services.api.deps import Attachments, FollowUp, Notifications, PlanChanges, Service, SettingsDep
from services.api.pages.benefit_input import corporate_tax_input
from services.api.pages.decision_form import decision_body, decision_fields, irreversible_outcomes, page_refusals
from services.api.pages.forms import (
    ASSET_CLASSES,
    SECTIONS,
    FormState,
    content_data,
    localized_errors,
    new_row_token,
    pydantic_errors,
    renumber,
    state_from_content,
    state_from_form,
    validate_content,
)
from services.api.pages.i18n import in_language, peoples_words, refusal_message
from services.api.pages.web import (
    Csrf,
    PageRoute,
    PageUser,
    error_page,
    flash,
    flash_text,
    language,
    redirect,
    render,
)
from services.core.accounts.models import User
from services.core.applications import access
from services.core.applications.attachments import AttachmentService
from services.core.applications.business_area import KEPT_IN_DRAFT, refusal_messages
from services.core.applications.decision_dates import today_in_japan
from services.core.applications.schemas import (
    MEASURE_DATE_LABELS_EN,
    MEASURE_DATE_LABELS_JA,
    ApplicantInfo,
    ApplicationContent,
    ApplicationPublic,
    DecisionRequest,
    Measure,
    PlannedDate,
    planned_date_errors,
)
from services.core.applications.service import EDITABLE_STATUSES, ApplicationService
from services.core.follow_up.service import FollowUpService
from services.core.notifications.service import NotificationService
from services.core.plan_changes.service import PlanChangeService
from services.core.platform.exceptions import Conflict, Invalid
from services.core.platform.settings import Settings
from services.core.zone.addresses import areas_of_city, match_address, zone_data
from workflows import rules
from workflows.contracts import Government, Role, Status
from workflows.deadlines import fiscal_year
from workflows.jpdates import JapaneseDateError, parse_date
from workflows.plan_change_contracts import OPEN_CHANGE_STATUSES

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass
class ApplicationPages:
    """The services these pages read and write through (each built by services/api/deps.py)."""

    applications: ApplicationService
    attachments: AttachmentService
    follow_up: FollowUpService
    notifications: NotificationService
    settings: Settings
    plan_changes: PlanChangeService


def application_pages(applications: Service, attachments: Attachments, follow_up: FollowUp,
                      notifications: Notifications, settings: SettingsDep,
                      plan_changes: PlanChanges) -> ApplicationPages:
    return ApplicationPages(applications, attachments, follow_up, notifications, settings, plan_changes)


Pages = Annotated[ApplicationPages, Depends(application_pages)]


# --- lists ------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(user: PageUser) -> Response:
    if user.role == Role.lender:  # a designated institution's business is its loans
        return redirect("/loans")
    return redirect("/applications" if user.role == Role.applicant else "/inbox")


@router.get("/applications", response_class=HTMLResponse)
async def application_list(request: Request, user: PageUser, pages: Pages,
                           status: str = "", measure: str = "", government: str = "", company: str = "",
                           cursor: str = Query("", max_length=64)) -> Response:
    status_filter = Status(status) if status in Status.__members__ else None
    government_filter = Government(government) if government in Government.__members__ else None
    page = await pages.applications.list(user, status=status_filter, limit=50, cursor=cursor or None,
                                        measure=measure or None, government=government_filter,
                                        company=company or None)
    filters = {"status": status, "measure": measure, "government": government, "company": company}
    next_url = None
    if page.next_cursor:
        next_url = "/applications?" + "&".join(f"{k}={quote(v)}" for k, v in {**filters, "cursor": page.next_cursor}.items())
    follow_up_due = await pages.follow_up.next_deadlines(
        user, [a.id for a in page.items if a.status == Status.follow_up])
    return render(request, "applications.html", {"page": page, "filters": filters, "next_url": next_url,
                                                 "statuses": list(Status), "governments": list(Government),
                                                 "follow_up_due": follow_up_due},
                  user=user)


# --- the form ---------------------------------------------------------------------------------------------


def zone_check(value: str | None, application: ApplicationPublic | None = None) -> dict | None:
    """What the form shows next to the business area: the area the address falls in, or why not and the
    areas of its city. `match_address` decides, as for the API and the acquisition rule."""
    value = (value or "").strip()
    if not value:
        return None
    if application is not None and application.zone_area and value == application.content.get("business_area"):
        return {"ok": True, "key": application.zone_area, "government": application.government, "kept": True}
    result = match_address(value)
    if result.ok:
        return {"ok": True, "key": result.key, "government": result.government.value, "kept": False}
    message_ja, message_en = refusal_messages(result)
    return {"ok": False, "reason": result.reason, "message_ja": message_ja, "message_en": message_en,
            "kept_in_draft": result.reason in KEPT_IN_DRAFT, "city": result.address.city,
            "city_areas": [area.key for area in areas_of_city(result.address.city)]}


def _zone_cities() -> list[tuple[str, list[str]]]:
    """The 17 areas by city, for the list under the business area field."""
    cities: dict[str, list[str]] = {}
    for area in zone_data().areas:
        cities.setdefault(area.city, []).append(area.key)
    return list(cities.items())


def _form_page(request: Request, user: User, pages: ApplicationPages, state: FormState, *,
               application: ApplicationPublic | None,
               draft_key: str | None = None, status_code: int = 200, extra_rows: int = 0,
               attachments: list | None = None) -> HTMLResponse:
    for _ in range(extra_rows):
        state.items.append({"token": new_row_token()})
    if not state.items:  # one empty row to start with
        state.items.append({"token": new_row_token()})
    return render(request, "form.html", {
        "state": state, "sections": SECTIONS, "application": application, "draft_key": draft_key,
        "asset_classes": ASSET_CLASSES, "zone_cities": _zone_cities(), "attachments": attachments or [],
        # Without JavaScript too, a saved address shows its area (or why not) next to the field.
        "zone_check": None if state.errors.get("business_area") else zone_check(state.values.get("business_area"),
                                                                                 application),
        "max_mb": pages.attachments.max_bytes / (1024 * 1024), "can_edit_attachments": True,
        "measure_last_date": pages.settings.measure_last_date,
    }, status_code=status_code, user=user)


@router.get("/applications/new", response_class=HTMLResponse)
async def new_form(request: Request, user: PageUser, pages: Pages) -> Response:
    if user.role != Role.applicant:
        return error_page(request, 403, "申請の作成は申請企業の利用者のみ行えます",
                          "only applicant companies create applications")
    state = FormState()
    latest = (await pages.applications.list(user, status=None, limit=1, cursor=None)).items
    if latest:  # a returning company: its 別添3 details (the applicant section) as it last gave them
        previous = await pages.applications.get(user, latest[0].id)
        kept = state_from_content(previous.content)
        state.values = {path: value for path, value in kept.values.items() if path.startswith("applicant.")}
        state.undisclosed = {path for path in kept.undisclosed if path.startswith("applicant.")}
        flash_text(request, f"申請者の情報（別添3）を前回の申請 #{previous.id} から入力しました。変更があれば直してください。",
                   f"The applicant's details (Annex 3) are filled in from your last application #{previous.id}: "
                   "correct anything that changed.")
    return _form_page(request, user, pages, state, application=None, draft_key=uuid.uuid4().hex)


@router.post("/applications/new", response_class=HTMLResponse)
async def create_from_form(request: Request, user: PageUser, pages: Pages, _: Csrf) -> Response:
    form = await request.form()
    state = state_from_form(form)
    draft_key = str(form.get("draft_key") or uuid.uuid4().hex)[:64]
    action = str(form.get("action") or "save")
    if action == "add_item" or action.startswith("remove_item:"):
        _edit_rows(state, action)
        return _form_page(request, user, pages, state, application=None, draft_key=draft_key,
                          extra_rows=1 if action == "add_item" else 0)
    if action == "submit":
        submitted = await _create_and_submit(pages, user, state, draft_key)
        if submitted is not None:
            flash(request, "submitted")
            return redirect(f"/applications/{submitted.id}")
    saved = await _save(pages, user, state, application_id=None, draft_key=draft_key, lang=language(request))
    if saved is None:
        renumber(state)
        return _form_page(request, user, pages, state, application=None, draft_key=draft_key, status_code=422)
    return await _after_save(request, user, pages, saved, state, action)


@router.get("/applications/{application_id:int}/edit", response_class=HTMLResponse)
async def edit_form(request: Request, user: PageUser, pages: Pages, application_id: int) -> Response:
    application = await pages.applications.get(user, application_id)
    if user.role != Role.applicant or Status(application.status) not in EDITABLE_STATUSES:
        return redirect(f"/applications/{application_id}")
    attachments = await pages.attachments.list(user, application_id)
    return _form_page(request, user, pages, state_from_content(application.content), application=application,
                      attachments=attachments)


@router.post("/applications/{application_id:int}/edit", response_class=HTMLResponse)
async def save_from_form(request: Request, user: PageUser, pages: Pages, application_id: int,
                         _: Csrf) -> Response:
    application = await pages.applications.get(user, application_id)
    form = await request.form()
    state = state_from_form(form)
    action = str(form.get("action") or "save")
    attachments = await pages.attachments.list(user, application_id)
    if action == "add_item" or action.startswith("remove_item:"):
        _edit_rows(state, action)
        return _form_page(request, user, pages, state, application=application, attachments=attachments,
                          extra_rows=1 if action == "add_item" else 0)
    saved = await _save(pages, user, state, application_id=application_id, lang=language(request))
    if saved is None:
        renumber(state)
        return _form_page(request, user, pages, state, application=application, status_code=422,
                          attachments=attachments)
    return await _after_save(request, user, pages, saved, state, action)


async def _create_and_submit(pages: ApplicationPages, user: User, state: FormState,
                             draft_key: str) -> ApplicationPublic | None:
    """提出する on a new application: created and submitted at once (the service's create_and_submit). None when
    that does not apply: content not valid or not complete (then saved as a draft below, the errors shown next to
    each field), or a draft autosave created already (then updated with what was typed and submitted below)."""
    try:
        content = ApplicationContent.model_validate(content_data(state))
    except ValidationError:
        return None
    try:
        submitted, _ = await pages.applications.create_and_submit(user, content, idempotency_key=f"web-{draft_key}",
                                                                  only_new=True)
    except Invalid:
        return None
    return submitted


def _edit_rows(state: FormState, action: str) -> None:
    """Without JavaScript, adding or removing an item re-renders the form with everything typed kept."""
    if action.startswith("remove_item:"):
        token = action.split(":", 1)[1]
        state.items = [row for row in state.items if row.get("token") != token]


async def _save(pages: ApplicationPages, user: User, state: FormState, *, application_id: int | None,
                draft_key: str | None = None, lang: str = "ja") -> ApplicationPublic | None:
    """Create or update the draft; None with the errors on the state when the content is not valid."""
    service = pages.applications
    try:
        if application_id is None:
            content = validate_content(state, lang)
            if content is None:
                return None
            application, created = await service.create_draft(user, content, idempotency_key=f"web-{draft_key}")
            if created:
                return application
            application_id = application.id  # autosave created it already: this save updates it
        return await service.update_draft(user, application_id, content_data(state))
    except Invalid as error:
        state.add_errors(error.errors, lang)
        if not error.errors:
            state.general_errors.append(refusal_message(error, lang))
        return None


async def _after_save(request: Request, user: User, pages: ApplicationPages, application: ApplicationPublic,
                      state: FormState, action: str) -> Response:
    service = pages.applications
    try:
        if action == "submit":
            await service.submit(user, application.id)
            flash(request, "submitted")
            return redirect(f"/applications/{application.id}")
        if action == "resubmit":
            await service.resubmit(user, application.id)
            flash(request, "resubmitted")
            return redirect(f"/applications/{application.id}")
    except Invalid as error:  # missing fields: shown next to each, the saved draft keeps what was typed
        lang = language(request)
        state.add_errors(error.errors, lang)
        state.general_errors.insert(0, refusal_message(error, lang))
        renumber(state)
        attachments = await pages.attachments.list(user, application.id)
        return _form_page(request, user, pages, state, application=application, status_code=422,
                          attachments=attachments)
    flash(request, "saved")
    return redirect(f"/applications/{application.id}/edit")


@router.patch("/applications/new")
async def autosave_new(request: Request, user: PageUser, pages: Pages, _: Csrf) -> Response:
    form = await request.form()
    state = state_from_form(form)
    saved = await _save(pages, user, state, application_id=None,
                        draft_key=str(form.get("draft_key") or "")[:64] or uuid.uuid4().hex, lang=language(request))
    return _autosave_answer(saved, state)


@router.patch("/applications/{application_id:int}/edit")
async def autosave(request: Request, user: PageUser, pages: Pages, application_id: int, _: Csrf) -> Response:
    state = state_from_form(await request.form())
    return _autosave_answer(await _save(pages, user, state, application_id=application_id,
                                        lang=language(request)), state)


def _autosave_answer(saved: ApplicationPublic | None, state: FormState) -> JSONResponse:
    if saved is None:
        return JSONResponse({"saved": False, "errors": state.errors, "general_errors": state.general_errors},
                            status_code=422)
    return JSONResponse({"saved": True, "id": saved.id, "content_version": saved.content_version,
                         "updated_at": saved.updated_at.isoformat()})


@router.post("/applications/equipment-rows", response_class=HTMLResponse)
async def equipment_rows(request: Request, user: PageUser, _: Csrf) -> Response:
    """htmx: the item table again with a row added or removed in place; everything typed is kept."""
    form = await request.form()
    state = state_from_form(form)
    action = str(form.get("action") or "")
    _edit_rows(state, action)
    if action == "add_item" or not state.items:
        state.items.append({"token": new_row_token()})
    return render(request, "_equipment.html", {"state": state, "asset_classes": ASSET_CLASSES}, user=user)


@router.get("/applications/check/corporate-number", response_class=HTMLResponse)
async def check_corporate_number(request: Request, user: PageUser) -> Response:
    """Checked as typed: the same validator the content uses (13 digits, check digit)."""
    value = (request.query_params.get("applicant.corporate_number") or "").strip()
    if not value:
        return HTMLResponse("")
    try:
        ApplicantInfo.model_validate({"corporate_number": value})
    except ValidationError as error:
        return render(request, "_field_message.html", {"messages": [e["message"] for e in pydantic_errors(error, language(request))],
                                                       "ok": False}, user=user)
    return render(request, "_field_message.html", {"messages": ["corporate_number_ok"], "ok": True}, user=user)


@router.get("/applications/check/business-area", response_class=HTMLResponse)
async def check_business_area(request: Request, user: PageUser) -> Response:
    """Checked as typed (htmx, debounced): the zone's area the address falls in, by the same function the
    API's validation and the acquisition rule use."""
    check = zone_check(request.query_params.get("business_area"))
    return render(request, "_zone_check.html", {"zone_check": check}, user=user)


@router.get("/applications/check/measure-date", response_class=HTMLResponse)
async def check_measure_date(request: Request, user: PageUser, settings: SettingsDep) -> Response:
    """Checked as typed: a planned acquisition date or window date against the tax measure's deadline in force
    and the business start (the same rule the save applies)."""
    target = str(request.query_params.get("target") or "")
    if target in MEASURE_DATE_LABELS_JA:
        label_ja, label_en = MEASURE_DATE_LABELS_JA[target], MEASURE_DATE_LABELS_EN[target]
    elif target.startswith("equipment_items.") and target.endswith(".planned_acquisition_on"):
        label_ja, label_en = "取得予定日", "planned acquisition date"
    else:
        return HTMLResponse("")
    value = str(request.query_params.get(target) or "").strip()
    if not value or request.query_params.get("measure") != Measure.tax_incentive.value:
        return HTMLResponse("")
    try:
        day = parse_date(value)
    except JapaneseDateError as error:
        return render(request, "_field_message.html", {"messages": [in_language(str(error), language(request))
                                                                    or str(error)], "ok": False}, user=user)
    try:
        start = parse_date(str(request.query_params.get("business_start_on") or "").strip() or "-")
    except JapaneseDateError:
        start = None  # not typed yet (or mistyped: the save says so next to that field)
    errors = planned_date_errors([PlannedDate(target, label_ja, label_en, day)], business_start_on=start,
                                 last_date=settings.measure_last_date)
    return render(request, "_field_message.html", {"messages": [e["message"] for e in localized_errors(
        errors, language(request))], "ok": False},
                  user=user)


# --- the application's page -------------------------------------------------------------------------------


async def _application_page(request: Request, user: User, pages: ApplicationPages, application_id: int, *,
                            decision_values: dict[str, str] | None = None,
                            decision_errors: dict[str, list[str]] | None = None,
                            decision_general: list[str] | None = None, status_code: int = 200,
                            extra_context: dict | None = None) -> HTMLResponse:
    application = await pages.applications.get(user, application_id)
    follow_up = pages.follow_up
    deadlines = await follow_up.deadlines(user, application_id)
    acquisitions = await follow_up.acquisitions(user, application_id)
    annual_reports = await follow_up.annual_reports(user, application_id)
    report_messages = await follow_up.report_messages(user, application_id)
    benefit_input = corporate_tax_input(request.query_params)
    tax_benefits = None
    if acquisitions:
        tax_benefits = await pages.follow_up.tax_benefits(user, application_id, fiscal_year=benefit_input.fiscal_year,
                                                          corporate_tax_jpy=benefit_input.corporate_tax_jpy)
    notifications = [n for n in await pages.notifications.notifications(user, limit=200)
                     if n.application_id == application_id]
    attachments = await pages.attachments.list(user, application_id)
    status = Status(application.status)
    step = application.current_step
    can_decide = (user.role != Role.applicant and step is not None and step in rules.STEP_ROLE
                  and rules.STEP_ROLE[step] == user.role
                  and (user.role != Role.local_official or access.covers(user, application.government)))
    is_owner = user.role == Role.applicant and user.organization_id == application.organization_id
    designation = next((e.payload for e in reversed(application.events or [])
                        if e.step == Status.designation and e.outcome == "designate"), None)
    versions = await pages.plan_changes.versions(user, application_id)
    plan_changes = await pages.plan_changes.changes(user, application_id)
    if can_decide and step == Status.designation and decision_values is None:
        # The window the company asked for (g) is where the designation starts; the official changes it if need be.
        decision_values = {name: str(application.content.get(name) or "")
                           for name in ("acquisition_from", "acquisition_until")}
    return render(request, "application.html", {
        "application": application, "status": status, "deadlines": deadlines, "notifications": notifications,
        "attachments": attachments, "can_decide": can_decide, "is_owner": is_owner,
        "can_edit": is_owner and status in EDITABLE_STATUSES,
        "can_withdraw": is_owner and status in rules.WITHDRAWABLE and status != Status.draft,
        "is_draft": is_owner and status == Status.draft,
        "holder_role": rules.STEP_ROLE.get(step) if step else None,
        "decision_fields": decision_fields(step, application.returned_from) if can_decide else [],
        "outcomes": rules.outcomes_open(step, application.returned_from) if can_decide else [],
        "irreversible": irreversible_outcomes(step) if can_decide else [],
        "decision_values": decision_values or {}, "decision_errors": decision_errors or {},
        "decision_general": decision_general or [], "designation": designation, "sections": SECTIONS,
        "max_mb": pages.attachments.max_bytes / (1024 * 1024),
        "acquisitions": acquisitions, "annual_reports": annual_reports, "report_messages": report_messages,
        "current_fiscal_year": fiscal_year(today_in_japan()),
        "can_report": is_owner and status == Status.follow_up,
        "can_review": status == Status.follow_up and access.covers(user, application.government),
        "tax_benefits": tax_benefits, "benefit_input": benefit_input,
        "follow_up_form": None, "follow_up_values": {}, "follow_up_errors": {}, "follow_up_general": [],
        "versions": versions, "plan_changes": plan_changes,
        "can_propose_change": is_owner and status == Status.follow_up
        and not [c for c in plan_changes if c.status in OPEN_CHANGE_STATUSES],
        **(extra_context or {}),
    }, status_code=status_code, user=user)


@router.get("/applications/{application_id:int}", response_class=HTMLResponse)
async def application_page(request: Request, user: PageUser, pages: Pages, application_id: int) -> Response:
    return await _application_page(request, user, pages, application_id)


@router.post("/applications/{application_id:int}/submit", response_class=HTMLResponse)
async def submit_draft(request: Request, user: PageUser, service: Service, application_id: int, _: Csrf) -> Response:
    """Submit from the draft's own page; what is missing is shown next to each field on the form."""
    try:
        await service.submit(user, application_id)
    except Invalid as error:
        flash_text(request, error.message_ja, peoples_words(error.message), "error")
        return redirect(f"/applications/{application_id}/edit")
    flash(request, "submitted")
    return redirect(f"/applications/{application_id}")


@router.post("/applications/{application_id:int}/delete", response_class=HTMLResponse)
async def delete_draft(request: Request, user: PageUser, service: Service, application_id: int,
                       _: Csrf) -> Response:
    form = await request.form()
    if form.get("confirm") != "yes":
        flash(request, "delete_unconfirmed", "error")
        return redirect(f"/applications/{application_id}#delete-draft")
    await service.delete_draft(user, application_id)
    flash(request, "draft_deleted")
    return redirect("/applications")


@router.post("/applications/{application_id:int}/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, user: PageUser, service: Service, application_id: int, _: Csrf) -> Response:
    form = await request.form()
    if form.get("confirm") != "yes":
        flash(request, "withdraw_unconfirmed", "error")
        return redirect(f"/applications/{application_id}#withdraw")
    reason = str(form.get("reason") or "").strip()[:2000] or None
    if reason is None:  # a withdrawal cannot be undone: it says why
        flash(request, "withdraw_reason_missing", "error")
        return redirect(f"/applications/{application_id}#withdraw")
    await service.withdraw(user, application_id, reason)
    flash(request, "withdrawn")
    return redirect(f"/applications/{application_id}")


@router.post("/applications/{application_id:int}/decisions", response_class=HTMLResponse)
async def decide(request: Request, user: PageUser, pages: Pages, application_id: int, _: Csrf) -> Response:
    application = await pages.applications.get(user, application_id)
    step = application.current_step
    if step is None:
        raise Conflict("the application has no step to decide", "この申請には判断する段階がありません")
    form = await request.form()
    if form.get("step") != step.value:  # someone decided in the meantime: show the current state
        raise Conflict(f"the application is at {step.value} now; reload and decide the current step",
                       f"この申請は現在「{rules.STATUS_LABELS_JA[step]}」の段階です。再読み込みしてください")
    body, raw = decision_body(step, form)
    if refusals := page_refusals(step, form, language(request)):
        return await _application_page(request, user, pages, application_id, decision_values=raw,
                                       decision_errors=refusals, status_code=422)
    try:
        await pages.applications.decide(user, application_id, DecisionRequest.model_validate(body))
    except Conflict as error:  # e.g. completing a follow-up with something still open: what is open, in words
        lang_ja = language(request) == "ja"
        items = [item["message"].split(" / ")[0 if lang_ja else -1] for item in error.errors]
        return await _application_page(request, user, pages, application_id, decision_values=raw,
                                       decision_errors={"override_reason": items} if items else {},
                                       decision_general=[refusal_message(error, language(request))],
                                       status_code=409)
    except (Invalid, ValidationError) as error:
        errors: dict[str, list[str]] = {}
        general: list[str] = []
        lang = language(request)
        items = error.errors() if isinstance(error, ValidationError) else error.errors
        for item in localized_errors(items, lang):
            if item["field"]:
                errors.setdefault(item["field"], []).append(item["message"])
            else:
                general.append(item["message"])
        if isinstance(error, Invalid):
            general.append(refusal_message(error, lang))
        return await _application_page(request, user, pages, application_id, decision_values=raw,
                                       decision_errors=errors, decision_general=general, status_code=422)
    flash(request, "decided")
    return redirect("/inbox")


# --- attachments ------------------------------------------------------------------------------------------


@router.post("/applications/{application_id:int}/attachments", response_class=HTMLResponse)
async def upload(request: Request, user: PageUser, attachments: Attachments, application_id: int,
                 _: Csrf) -> Response:
    limit = attachments.max_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + 64 * 1024:  # refuse before reading the body
        raise Invalid(f"the file is larger than {limit / 1048576:g} MB", f"ファイルは{limit / 1048576:g}MB以下にしてください")
    form = await request.form()
    upload_file = form.get("file")
    try:
        if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
            raise Invalid("choose a file to attach", "添付するファイルを選択してください")
        data = await upload_file.read(limit + 1)
        await attachments.add(user, application_id, upload_file.filename, data)
    except Invalid as error:  # back to the form with the reason; nothing typed there is affected
        flash_text(request, error.message_ja, peoples_words(error.message), "error")
    else:
        flash(request, "attached")
    return redirect(f"/applications/{application_id}/edit#attachments")


@router.get("/applications/{application_id:int}/attachments/{attachment_id:int}")
async def download(user: PageUser, attachments: Attachments, application_id: int, attachment_id: int) -> Response:
    info, data = await attachments.read(user, application_id, attachment_id)
    return Response(data, media_type=info.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(info.filename)}",
        "X-Content-Type-Options": "nosniff", "ETag": f'"{info.sha256}"'})


@router.post("/applications/{application_id:int}/attachments/{attachment_id:int}/delete",
             response_class=HTMLResponse)
async def remove_attachment(request: Request, user: PageUser, attachments: Attachments, application_id: int,
                            attachment_id: int, _: Csrf) -> Response:
    await attachments.remove(user, application_id, attachment_id)
    flash(request, "removed")
    return redirect(f"/applications/{application_id}/edit#attachments")
