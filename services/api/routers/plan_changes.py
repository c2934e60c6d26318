"""Plan changes after designation (docs/plan-changes.md): the versions in force, a company's proposed change
classified minor or not, the secretariat's classification, and a non-minor change's decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from services.api.deps import CurrentUser, IdempotencyKey, PlanChanges
from services.core.applications.schemas import DecisionRequest
from services.core.plan_changes.schemas import (
    ClassificationRequest,
    PlanChangeCreate,
    PlanChangePublic,
    PlanChangeResubmitRequest,
    VersionPublic,
)

router = APIRouter(tags=["plan changes"])
CHANGE = "/applications/{application_id}/plan-changes/{change_id}"


@router.get("/applications/{application_id}/versions", response_model=list[VersionPublic],
            summary="Every certified version of a designated application, oldest first; the last is in force")
async def list_versions(application_id: int, user: CurrentUser, plan_changes: PlanChanges) -> list[VersionPublic]:
    return await plan_changes.versions(user, application_id)


@router.get("/applications/{application_id}/plan-changes", response_model=list[PlanChangePublic],
            summary="The application's plan changes, newest first")
async def list_plan_changes(application_id: int, user: CurrentUser,
                            plan_changes: PlanChanges) -> list[PlanChangePublic]:
    return await plan_changes.changes(user, application_id)


@router.post("/applications/{application_id}/plan-changes", response_model=PlanChangePublic,
             status_code=status.HTTP_201_CREATED,
             summary="Propose a change to the certified version (designated company); minor ones are recorded "
                     "at once, others go to the council")
async def propose_plan_change(application_id: int, body: PlanChangeCreate, user: CurrentUser,
                              plan_changes: PlanChanges, response: Response,
                              idempotency_key: IdempotencyKey = None) -> PlanChangePublic:
    change, created = await plan_changes.propose(user, application_id, body, idempotency_key)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return change


@router.get(CHANGE, response_model=PlanChangePublic,
            summary="A plan change: its field-by-field diff against the certified version, the rule for each "
                    "field, and its events")
async def get_plan_change(application_id: int, change_id: int, user: CurrentUser,
                          plan_changes: PlanChanges) -> PlanChangePublic:
    return await plan_changes.change(user, application_id, change_id)


@router.post(CHANGE + "/classification", response_model=PlanChangePublic,
             summary="Decide minor or not where the rules leave it open, with the reason (council secretariat)")
async def classify_plan_change(application_id: int, change_id: int, body: ClassificationRequest, user: CurrentUser,
                               plan_changes: PlanChanges) -> PlanChangePublic:
    return await plan_changes.classify(user, application_id, change_id, body)


@router.post(CHANGE + "/decisions", response_model=PlanChangePublic,
             summary="Decide the current step of a non-minor change (the official who holds it)")
async def decide_plan_change(application_id: int, change_id: int, body: DecisionRequest, user: CurrentUser,
                             plan_changes: PlanChanges, idempotency_key: IdempotencyKey = None) -> PlanChangePublic:
    return await plan_changes.decide(user, application_id, change_id, body, idempotency_key)


@router.post(CHANGE + "/resubmit", response_model=PlanChangePublic,
             summary="Amend a returned change and send it back through the council (designated company)")
async def resubmit_plan_change(application_id: int, change_id: int, user: CurrentUser, plan_changes: PlanChanges,
                               body: Annotated[PlanChangeResubmitRequest | None, Body()] = None,
                               idempotency_key: IdempotencyKey = None) -> PlanChangePublic:
    return await plan_changes.resubmit(user, application_id, change_id, body or PlanChangeResubmitRequest(),
                                       idempotency_key)


@router.get("/plan-changes/tasks", response_model=list[PlanChangePublic],
            summary="Open plan changes the caller acts on (classify, consult, file, certify, designate, amend)")
async def plan_change_tasks(user: CurrentUser, plan_changes: PlanChanges) -> list[PlanChangePublic]:
    return await plan_changes.tasks(user)
