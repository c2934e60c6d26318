"""Company and official pages of applications: the list and search, the form (new, edit, autosave,
submit, resubmit), the application's own page (timeline, deadlines, notifications, attachments), withdrawal
and the officials' decision form. Every rule is the ApplicationService's; these routes only translate."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from services.api.pages.decision_form import decision_body, decision_fields
from services.api.pages.forms import (
    ASSET_CLASSES,
    SECTIONS,
    ZONE_AREAS_TEXT,
    FormState,
    content_data,
    new_row_token,
    pydantic_errors,
    renumber,
    state_from_content,
    state_from_form,
    validate_content,
)
from services.api.pages.web import Csrf, PageRoute, PageUser, error_page, flash, flash_text, redirect, render
from services.core.applications import EDITABLE_STATUSES, ApplicationService
from services.core.attachments import AttachmentService
from services.core.exceptions import Conflict, Invalid
from services.core.models import User
from services.core.schemas import ApplicantInfo, ApplicationPublic, DecisionRequest
from workflows import rules
from workflows.contracts import Government, Role, Status

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _service(request: Request) -> ApplicationService:
    return request.app.state.applications


def _attachments(request: Request) -> AttachmentService:
    return AttachmentService(request.app.state.sessions, request.app.state.applications,
                             request.app.state.settings.attachment_max_bytes)


# --- lists ------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(user: PageUser) -> Response:
    return redirect("/applications" if user.role == Role.applicant else "/inbox")


@router.get("/applications", response_class=HTMLResponse)
async def application_list(request: Request, user: PageUser,
                           status: str = "", measure: str = "", government: str = "", company: str = "",
                           cursor: str = Query("", max_length=64)) -> Response:
    status_filter = Status(status) if status in Status.__members__ else None
    government_filter = Government(government) if government in Government.__members__ else None
    page = await _service(request).list(user, status=status_filter, limit=50, cursor=cursor or None,
                                        measure=measure or None, government=government_filter,
                                        company=company or None)
    filters = {"status": status, "measure": measure, "government": government, "company": company}
    next_url = None
    if page.next_cursor:
        next_url = "/applications?" + "&".join(f"{k}={quote(v)}" for k, v in {**filters, "cursor": page.next_cursor}.items())
    return render(request, "applications.html", {"page": page, "filters": filters, "next_url": next_url,
                                                 "statuses": list(Status), "governments": list(Government)},
                  user=user)


# --- the form ---------------------------------------------------------------------------------------------


def _form_page(request: Request, user: User, state: FormState, *, application: ApplicationPublic | None,
               draft_key: str | None = None, status_code: int = 200, extra_rows: int = 0,
               attachments: list | None = None) -> HTMLResponse:
    for _ in range(extra_rows):
        state.items.append({"token": new_row_token()})
    if not state.items:  # one empty row to start with
        state.items.append({"token": new_row_token()})
    return render(request, "form.html", {
        "state": state, "sections": SECTIONS, "application": application, "draft_key": draft_key,
        "asset_classes": ASSET_CLASSES, "zone_areas": ZONE_AREAS_TEXT, "attachments": attachments or [],
        "max_mb": request.app.state.settings.attachment_max_bytes / (1024 * 1024), "can_edit_attachments": True,
    }, status_code=status_code, user=user)


@router.get("/applications/new", response_class=HTMLResponse)
async def new_form(request: Request, user: PageUser) -> Response:
    if user.role != Role.applicant:
        return error_page(request, 403, "申請の作成は申請企業の利用者のみ行えます",
                          "only applicant companies create applications")
    return _form_page(request, user, FormState(), application=None, draft_key=uuid.uuid4().hex)


@router.post("/applications/new", response_class=HTMLResponse)
async def create_from_form(request: Request, user: PageUser, _: Csrf) -> Response:
    form = await request.form()
    state = state_from_form(form)
    draft_key = str(form.get("draft_key") or uuid.uuid4().hex)[:64]
    action = str(form.get("action") or "save")
    if action == "add_item" or action.startswith("remove_item:"):
        _edit_rows(state, action)
        return _form_page(request, user, state, application=None, draft_key=draft_key,
                          extra_rows=1 if action == "add_item" else 0)
    saved = await _save(request, user, state, application_id=None, draft_key=draft_key)
    if saved is None:
        renumber(state)
        return _form_page(request, user, state, application=None, draft_key=draft_key, status_code=422)
    return await _after_save(request, user, saved, state, action)


@router.get("/applications/{application_id:int}/edit", response_class=HTMLResponse)
async def edit_form(request: Request, user: PageUser, application_id: int) -> Response:
    application = await _service(request).get(user, application_id)
    if user.role != Role.applicant or Status(application.status) not in EDITABLE_STATUSES:
        return redirect(f"/applications/{application_id}")
    attachments = await _attachments(request).list(user, application_id)
    return _form_page(request, user, state_from_content(application.content), application=application,
                      attachments=attachments)


@router.post("/applications/{application_id:int}/edit", response_class=HTMLResponse)
async def save_from_form(request: Request, user: PageUser, application_id: int, _: Csrf) -> Response:
    application = await _service(request).get(user, application_id)
    form = await request.form()
    state = state_from_form(form)
    action = str(form.get("action") or "save")
    attachments = await _attachments(request).list(user, application_id)
    if action == "add_item" or action.startswith("remove_item:"):
        _edit_rows(state, action)
        return _form_page(request, user, state, application=application, attachments=attachments,
                          extra_rows=1 if action == "add_item" else 0)
    saved = await _save(request, user, state, application_id=application_id)
    if saved is None:
        renumber(state)
        return _form_page(request, user, state, application=application, status_code=422, attachments=attachments)
    return await _after_save(request, user, saved, state, action)


def _edit_rows(state: FormState, action: str) -> None:
    """Without JavaScript, adding or removing an item re-renders the form with everything typed kept."""
    if action.startswith("remove_item:"):
        token = action.split(":", 1)[1]
        state.items = [row for row in state.items if row.get("token") != token]


async def _save(request: Request, user: User, state: FormState, *, application_id: int | None,
                draft_key: str | None = None) -> ApplicationPublic | None:
    """Create or update the draft; None with the errors on the state when the content is not valid."""
    service = _service(request)
    try:
        if application_id is None:
            content = validate_content(state)
            if content is None:
                return None
            application, created = await service.create_draft(user, content, idempotency_key=f"web-{draft_key}")
            if created:
                return application
            application_id = application.id  # autosave created it already: this save updates it
        return await service.update_draft(user, application_id, content_data(state))
    except Invalid as error:
        state.add_errors(error.errors)
        if not error.errors:
            state.general_errors.append(error.message_ja)
        return None


async def _after_save(request: Request, user: User, application: ApplicationPublic, state: FormState,
                      action: str) -> Response:
    service = _service(request)
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
        state.add_errors(error.errors)
        state.general_errors.insert(0, f"{error.message_ja} / {error.message}")
        renumber(state)
        attachments = await _attachments(request).list(user, application.id)
        return _form_page(request, user, state, application=application, status_code=422, attachments=attachments)
    flash(request, "saved")
    return redirect(f"/applications/{application.id}/edit")


@router.patch("/applications/new")
async def autosave_new(request: Request, user: PageUser, _: Csrf) -> Response:
    form = await request.form()
    state = state_from_form(form)
    saved = await _save(request, user, state, application_id=None,
                        draft_key=str(form.get("draft_key") or "")[:64] or uuid.uuid4().hex)
    return _autosave_answer(saved, state)


@router.patch("/applications/{application_id:int}/edit")
async def autosave(request: Request, user: PageUser, application_id: int, _: Csrf) -> Response:
    state = state_from_form(await request.form())
    return _autosave_answer(await _save(request, user, state, application_id=application_id), state)


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
        return render(request, "_field_message.html", {"messages": [e["message"] for e in pydantic_errors(error)],
                                                       "ok": False}, user=user)
    return render(request, "_field_message.html", {"messages": ["corporate_number_ok"], "ok": True}, user=user)


# --- the application's page -------------------------------------------------------------------------------


async def _application_page(request: Request, user: User, application_id: int, *,
                            decision_values: dict[str, str] | None = None,
                            decision_errors: dict[str, list[str]] | None = None,
                            decision_general: list[str] | None = None, status_code: int = 200,
                            extra_context: dict | None = None) -> HTMLResponse:
    service = _service(request)
    application = await service.get(user, application_id)
    follow_up = request.app.state.follow_up
    deadlines = await follow_up.deadlines(user, application_id)
    acquisitions = await follow_up.acquisitions(user, application_id)
    annual_reports = await follow_up.annual_reports(user, application_id)
    notifications = [n for n in await follow_up.notifications(user, limit=200) if n.application_id == application_id]
    attachments = await _attachments(request).list(user, application_id)
    status = Status(application.status)
    step = application.current_step
    can_decide = (user.role != Role.applicant and step is not None and step in rules.STEP_ROLE
                  and rules.STEP_ROLE[step] == user.role
                  and (user.role != Role.local_official or rules.official_covers(user.government, application.government)))
    is_owner = user.role == Role.applicant and user.organization_id == application.organization_id
    designation = next((e.payload for e in reversed(application.events or [])
                        if e.step == Status.designation and e.outcome == "designate"), None)
    return render(request, "application.html", {
        "application": application, "status": status, "deadlines": deadlines, "notifications": notifications,
        "attachments": attachments, "can_decide": can_decide, "is_owner": is_owner,
        "can_edit": is_owner and status in EDITABLE_STATUSES,
        "can_withdraw": is_owner and status in rules.WITHDRAWABLE,
        "holder_role": rules.STEP_ROLE.get(step) if step else None,
        "decision_fields": decision_fields(step) if can_decide else [],
        "outcomes": list(rules.OUTCOME_NEXT.get(step, {})) if can_decide else [],
        "decision_values": decision_values or {}, "decision_errors": decision_errors or {},
        "decision_general": decision_general or [], "designation": designation, "sections": SECTIONS,
        "max_mb": request.app.state.settings.attachment_max_bytes / (1024 * 1024),
        "acquisitions": acquisitions, "annual_reports": annual_reports,
        "can_report": is_owner and status == Status.follow_up,
        "can_review": (user.role == Role.local_official and status == Status.follow_up
                       and rules.official_covers(user.government, application.government)),
        "follow_up_form": None, "follow_up_values": {}, "follow_up_errors": {}, "follow_up_general": [],
        **(extra_context or {}),
    }, status_code=status_code, user=user)


@router.get("/applications/{application_id:int}", response_class=HTMLResponse)
async def application_page(request: Request, user: PageUser, application_id: int) -> Response:
    return await _application_page(request, user, application_id)


@router.post("/applications/{application_id:int}/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, user: PageUser, application_id: int, _: Csrf) -> Response:
    form = await request.form()
    if form.get("confirm") != "yes":
        flash(request, "withdraw_unconfirmed", "error")
        return redirect(f"/applications/{application_id}#withdraw")
    reason = str(form.get("reason") or "").strip()[:2000] or None
    await _service(request).withdraw(user, application_id, reason)
    flash(request, "withdrawn")
    return redirect(f"/applications/{application_id}")


@router.post("/applications/{application_id:int}/decisions", response_class=HTMLResponse)
async def decide(request: Request, user: PageUser, application_id: int, _: Csrf) -> Response:
    application = await _service(request).get(user, application_id)
    step = application.current_step
    if step is None:
        raise Conflict("the application has no step to decide", "この申請には判断する段階がありません")
    form = await request.form()
    if form.get("step") != step.value:  # someone decided in the meantime: show the current state
        raise Conflict(f"the application is at {step.value} now; reload and decide the current step",
                       f"この申請は現在「{rules.STATUS_LABELS_JA[step]}」の段階です。再読み込みしてください")
    body, raw = decision_body(step, form)
    try:
        await _service(request).decide(user, application_id, DecisionRequest.model_validate(body))
    except (Invalid, ValidationError) as error:
        errors: dict[str, list[str]] = {}
        general: list[str] = []
        items = pydantic_errors(error) if isinstance(error, ValidationError) else error.errors
        for item in items:
            message = item["message"].removeprefix("Value error, ")
            if item["field"]:
                errors.setdefault(item["field"], []).append(message)
            else:
                general.append(message)
        if isinstance(error, Invalid):
            general.append(f"{error.message_ja} / {error.message}")
        return await _application_page(request, user, application_id, decision_values=raw,
                                       decision_errors=errors, decision_general=general, status_code=422)
    flash(request, "decided")
    return redirect("/inbox")


# --- attachments ------------------------------------------------------------------------------------------


@router.post("/applications/{application_id:int}/attachments", response_class=HTMLResponse)
async def upload(request: Request, user: PageUser, application_id: int, _: Csrf) -> Response:
    limit = request.app.state.settings.attachment_max_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + 64 * 1024:  # refuse before reading the body
        raise Invalid(f"the file is larger than {limit / 1048576:g} MB", f"ファイルは{limit / 1048576:g}MB以下にしてください")
    form = await request.form()
    upload_file = form.get("file")
    try:
        if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
            raise Invalid("choose a file to attach", "添付するファイルを選択してください")
        data = await upload_file.read(limit + 1)
        await _attachments(request).add(user, application_id, upload_file.filename, data)
    except Invalid as error:  # back to the form with the reason; nothing typed there is affected
        flash_text(request, error.message_ja, error.message, "error")
    else:
        flash(request, "attached")
    return redirect(f"/applications/{application_id}/edit#attachments")


@router.get("/applications/{application_id:int}/attachments/{attachment_id:int}")
async def download(request: Request, user: PageUser, application_id: int, attachment_id: int) -> Response:
    info, data = await _attachments(request).read(user, application_id, attachment_id)
    return Response(data, media_type=info.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(info.filename)}",
        "X-Content-Type-Options": "nosniff", "ETag": f'"{info.sha256}"'})


@router.post("/applications/{application_id:int}/attachments/{attachment_id:int}/delete",
             response_class=HTMLResponse)
async def remove_attachment(request: Request, user: PageUser, application_id: int, attachment_id: int,
                            _: Csrf) -> Response:
    await _attachments(request).remove(user, application_id, attachment_id)
    flash(request, "removed")
    return redirect(f"/applications/{application_id}/edit#attachments")
