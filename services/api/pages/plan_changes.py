"""Plan change pages (docs/plan-changes.md): the company's proposal form, and the change's page — its diff
against the certified version field by field, with the rule for each, the secretariat's classification and
the step holder's decision. Every rule is PlanChangeService's; these routes only translate."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.deps import PlanChanges
from services.api.pages.decision_form import decision_body, decision_fields, irreversible_outcomes, page_refusals
from services.api.pages.forms import ASSET_CLASSES, localized_errors
from services.api.pages.i18n import Translator, refusal_message
from services.api.pages.web import Csrf, PageRoute, PageUser, flash, language, redirect, render
from services.core.accounts.models import User
from services.core.applications import access
from services.core.applications.schemas import DecisionRequest
from services.core.plan_changes.schemas import ClassificationRequest, PlanChangeCreate, PlanChangeResubmitRequest
from services.core.plan_changes.service import PlanChangeService
from services.core.platform.exceptions import Conflict, Invalid
from workflows import rules
from workflows.contracts import Role, Status
from workflows.plan_change_contracts import OPEN_CHANGE_STATUSES, ChangeStatus

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ITEM_INPUTS = ("asset_class", "description", "planned_cost_jpy", "planned_acquisition_on")


# --- the proposal form ------------------------------------------------------------------------------------


def _rows_in_force(version) -> list[dict[str, str]]:
    return [{"token": f"i{item_id}", "item_id": str(item_id), **{k: str(item.get(k) or "") for k in ITEM_INPUTS}}
            for item, item_id in zip(version.content.get("equipment_items", []), version.item_ids, strict=False)]


def _rows_from_form(form) -> list[dict[str, str]]:
    """The item rows as typed, in order (tokens `i<id>` for items in force, random ones for new rows)."""
    tokens = list(dict.fromkeys(key.split(".")[1] for key in form if key.startswith("equipment_items.")))
    rows = []
    for token in tokens:
        row = {"token": token, **{name: str(form.get(f"equipment_items.{token}.{name}") or "").strip()
                                  for name in (*ITEM_INPUTS, "item_id", "drop")}}
        rows.append(row)
    return rows


def _changes_from_form(form, rows: list[dict[str, str]], version) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("implementer", "business_area"):
        value = str(form.get(name) or "").strip()
        if value and value != (version.content.get(name) or ""):
            changes[name] = value
    items = []
    for row in rows:
        if row["drop"] or not any(row[name] for name in ITEM_INPUTS):  # dropped, or a new row left empty
            continue
        cost = row["planned_cost_jpy"].replace(",", "").replace("，", "")
        item: dict[str, Any] = {"asset_class": row["asset_class"] or None, "description": row["description"],
                                "planned_cost_jpy": cost or None, "planned_acquisition_on": row["planned_acquisition_on"]
                                or None}
        if row["item_id"]:
            item["item_id"] = row["item_id"]
        items.append(item)
    changes["equipment_items"] = items
    return changes


async def _form(request: Request, user: User, plan_changes: PlanChangeService, application_id: int, *,
                values: dict[str, str] | None = None, rows: list[dict[str, str]] | None = None,
                errors: list[str] | None = None, form_key: str | None = None, status_code: int = 200) -> HTMLResponse:
    application = await plan_changes.applications.get(user, application_id)
    version = next(v for v in await plan_changes.versions(user, application_id) if v.in_force)
    if rows is None:
        rows = [*_rows_in_force(version), {"token": "n" + secrets.token_hex(4)}]
    return render(request, "plan_change_form.html", {
        "application": application, "version": version, "rows": rows, "asset_classes": ASSET_CLASSES,
        "values": values or {"implementer": version.content.get("implementer", ""),
                             "business_area": version.content.get("business_area", "")},
        # One key per filled-in form: sending it twice proposes the change once.
        "errors": errors or [], "form_key": form_key or secrets.token_hex(8)}, status_code=status_code, user=user)


@router.get("/applications/{application_id:int}/plan-changes/new", response_class=HTMLResponse)
async def new_plan_change(request: Request, user: PageUser, plan_changes: PlanChanges,
                          application_id: int) -> Response:
    if user.role != Role.applicant:
        return redirect(f"/applications/{application_id}")
    return await _form(request, user, plan_changes, application_id)


@router.post("/applications/{application_id:int}/plan-changes/new", response_class=HTMLResponse)
async def propose_plan_change(request: Request, user: PageUser, plan_changes: PlanChanges, application_id: int,
                              _: Csrf) -> Response:
    form = await request.form()
    rows = _rows_from_form(form)
    values = {name: str(form.get(name) or "") for name in ("implementer", "business_area", "reason")}
    form_key = str(form.get("form_key") or "")[:64] or secrets.token_hex(8)
    if form.get("action") == "add_item":  # without JavaScript: the same form with one more empty row
        return await _form(request, user, plan_changes, application_id, values=values, form_key=form_key,
                           rows=[*rows, {"token": "n" + secrets.token_hex(4)}])
    version = next(v for v in await plan_changes.versions(user, application_id) if v.in_force)
    try:
        body = PlanChangeCreate.model_validate({"reason": values["reason"].strip(),
                                                "changes": _changes_from_form(form, rows, version)})
        change, _created = await plan_changes.propose(user, application_id, body, f"web-{form_key}")
    except (Invalid, ValidationError) as error:
        lang = language(request)
        t = Translator(lang)
        items = error.errors() if isinstance(error, ValidationError) else error.errors
        messages = [f"{_where(t, item['field'])}{item['message']}" for item in localized_errors(items, lang)]
        if isinstance(error, Invalid):
            messages.insert(0, refusal_message(error, lang))
        return await _form(request, user, plan_changes, application_id, values=values, rows=rows, errors=messages,
                           form_key=form_key, status_code=422)
    flash(request, "plan_change_proposed")
    return redirect(f"/applications/{application_id}/plan-changes/{change.id}")


def _where(t: Translator, path: str) -> str:
    """The field a message is about, by its label (a change's path: changes.0.new_value → the row number)."""
    if not path:
        return ""
    parts = path.split(".")
    if parts[0] == "changes" and len(parts) > 1 and parts[1].isdigit():
        return f"{t('change_row', n=int(parts[1]) + 1)}: "
    return f"{t.field(path)}: "


# --- the change's page: the diff, classification, decisions ----------------------------------------------


async def _change_page(request: Request, user: User, plan_changes: PlanChangeService, application_id: int,
                       change_id: int, *, decision_values: dict | None = None, decision_errors: dict | None = None,
                       general: list[str] | None = None, status_code: int = 200) -> HTMLResponse:
    change = await plan_changes.change(user, application_id, change_id)
    application = await plan_changes.applications.get(user, application_id)
    step = Status(change.current_step) if change.current_step else None
    holder = rules.STEP_ROLE.get(step) if step else None
    can_decide = (holder is not None and user.role == holder
                  and (user.role != Role.local_official or access.covers(user, application.government)))
    returned_from = Status(change.returned_from) if change.returned_from else None
    is_owner = user.role == Role.applicant and user.organization_id == application.organization_id
    return render(request, "plan_change.html", {
        "application": application, "change": change, "step": step, "holder_role": holder,
        "can_decide": can_decide, "can_classify": user.role == Role.secretariat
        and change.status == ChangeStatus.awaiting_classification,
        "can_resubmit": is_owner and change.status == ChangeStatus.revision_requested,
        "is_open": change.status in OPEN_CHANGE_STATUSES,
        "decision_fields": decision_fields(step, returned_from) if can_decide else [],
        "outcomes": rules.outcomes_open(step, returned_from) if can_decide else [],
        "irreversible": irreversible_outcomes(step) if can_decide else [],
        "decision_values": decision_values or {}, "decision_errors": decision_errors or {},
        "decision_general": general or []}, status_code=status_code, user=user)


@router.get("/applications/{application_id:int}/plan-changes/{change_id:int}", response_class=HTMLResponse)
async def plan_change_page(request: Request, user: PageUser, plan_changes: PlanChanges, application_id: int,
                           change_id: int) -> Response:
    return await _change_page(request, user, plan_changes, application_id, change_id)


@router.post("/applications/{application_id:int}/plan-changes/{change_id:int}/decisions", response_class=HTMLResponse)
async def decide_plan_change(request: Request, user: PageUser, plan_changes: PlanChanges, application_id: int,
                             change_id: int, _: Csrf) -> Response:
    change = await plan_changes.change(user, application_id, change_id)
    form = await request.form()
    if not change.current_step or form.get("step") != change.current_step:
        raise Conflict("the change moved on; reload and decide the current step",
                       "この計画変更は別の段階に進みました。再読み込みしてください")
    step = Status(change.current_step)
    body, raw = decision_body(step, form)
    if refusals := page_refusals(step, form, language(request)):
        return await _change_page(request, user, plan_changes, application_id, change_id, decision_values=raw,
                                  decision_errors=refusals, status_code=422)
    try:
        await plan_changes.decide(user, application_id, change_id, DecisionRequest.model_validate(body))
    except (Invalid, ValidationError) as error:
        errors: dict[str, list[str]] = {}
        general: list[str] = []
        lang = language(request)
        items = error.errors() if isinstance(error, ValidationError) else error.errors
        for item in localized_errors(items, lang):
            (errors.setdefault(item["field"], []) if item["field"] else general).append(item["message"])
        if isinstance(error, Invalid):
            general.append(refusal_message(error, lang))
        return await _change_page(request, user, plan_changes, application_id, change_id, decision_values=raw,
                                  decision_errors=errors, general=general, status_code=422)
    flash(request, "decided")
    return redirect(f"/applications/{application_id}/plan-changes/{change_id}")


@router.post("/applications/{application_id:int}/plan-changes/{change_id:int}/classification",
             response_class=HTMLResponse)
async def classify_plan_change(request: Request, user: PageUser, plan_changes: PlanChanges, application_id: int,
                               change_id: int, _: Csrf) -> Response:
    form = await request.form()
    try:
        body = ClassificationRequest.model_validate({"minor": form.get("minor") == "yes",
                                                     "reason": str(form.get("reason") or "").strip()})
    except ValidationError:
        return await _change_page(request, user, plan_changes, application_id, change_id,
                                  general=["判断の理由を入力してください / Give the reason"], status_code=422)
    await plan_changes.classify(user, application_id, change_id, body)
    flash(request, "plan_change_classified")
    return redirect(f"/applications/{application_id}/plan-changes/{change_id}")


@router.post("/applications/{application_id:int}/plan-changes/{change_id:int}/resubmit", response_class=HTMLResponse)
async def resubmit_plan_change(request: Request, user: PageUser, plan_changes: PlanChanges, application_id: int,
                               change_id: int, _: Csrf) -> Response:
    await plan_changes.resubmit(user, application_id, change_id, PlanChangeResubmitRequest())
    flash(request, "resubmitted")
    return redirect(f"/applications/{application_id}/plan-changes/{change_id}")

