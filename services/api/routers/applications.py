"""Applications: drafts, submission, decisions, reads. Routes stay short; rules live in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from services.api.deps import CurrentUser, IdempotencyKey, Service
from services.core.applications.inbox import TASKS_CAP
from services.core.applications.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationPublic,
    ApplicationUpdate,
    DecisionRequest,
    TaskPublic,
    WithdrawRequest,
)
from workflows.contracts import Status

router = APIRouter(tags=["applications"])


@router.post("/applications", response_model=ApplicationPublic, status_code=status.HTTP_201_CREATED,
             summary="Create a draft application, or with submit=true create and submit it (applicant)")
async def create_application(
        body: ApplicationCreate, user: CurrentUser, service: Service, response: Response,
        idempotency_key: IdempotencyKey = None,
        submit: Annotated[bool, Query(description="submit it at once: one request instead of create, then "
                                                  "/submit; incomplete content is refused (422) and nothing is "
                                                  "stored")] = False) -> ApplicationPublic:
    if submit:
        application, created = await service.create_and_submit(user, body, idempotency_key)
    else:
        application, created = await service.create_draft(user, body, idempotency_key)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return application


@router.patch("/applications/{application_id}", response_model=ApplicationPublic,
              summary="Save changes to a draft or a returned application (applicant)")
async def update_application(application_id: int, body: ApplicationUpdate, user: CurrentUser,
                             service: Service) -> ApplicationPublic:
    return await service.update_draft(user, application_id, body.model_dump(mode="json", exclude_unset=True))


@router.post("/applications/{application_id}/submit", response_model=ApplicationPublic,
             summary="Submit a draft: starts its workflow at intake_review (applicant)")
async def submit_application(application_id: int, user: CurrentUser, service: Service,
                             idempotency_key: IdempotencyKey = None) -> ApplicationPublic:
    return await service.submit(user, application_id)


@router.post("/applications/{application_id}/resubmit", response_model=ApplicationPublic,
             summary="Resubmit a returned application to the step that returned it (applicant)")
async def resubmit_application(application_id: int, user: CurrentUser, service: Service,
                               idempotency_key: IdempotencyKey = None) -> ApplicationPublic:
    return await service.resubmit(user, application_id, idempotency_key)


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationPublic,
             summary="Withdraw an application before designation (applicant)")
async def withdraw_application(application_id: int, user: CurrentUser, service: Service,
                               body: Annotated[WithdrawRequest | None, Body()] = None,
                               idempotency_key: IdempotencyKey = None) -> ApplicationPublic:
    return await service.withdraw(user, application_id, body.reason if body else None, idempotency_key)


@router.post("/applications/{application_id}/decisions", response_model=ApplicationPublic,
             summary="Decide the current step (the official who holds it)")
async def decide_application(application_id: int, body: DecisionRequest, user: CurrentUser, service: Service,
                             idempotency_key: IdempotencyKey = None) -> ApplicationPublic:
    return await service.decide(user, application_id, body, idempotency_key)


@router.get("/applications/{application_id}", response_model=ApplicationPublic,
            summary="An application: content, status, current step, due dates and its full event history")
async def get_application(application_id: int, user: CurrentUser, service: Service) -> ApplicationPublic:
    return await service.get(user, application_id)


@router.get("/applications", response_model=ApplicationPage,
            summary="Applications the caller may see, newest first (keyset pagination)")
async def list_applications(user: CurrentUser, service: Service,
                            status_filter: Annotated[Status | None, Query(alias="status")] = None,
                            limit: Annotated[int, Query(ge=1, le=200)] = 50,
                            cursor: Annotated[str | None, Query(max_length=64)] = None) -> ApplicationPage:
    return await service.list(user, status=status_filter, limit=limit, cursor=cursor)


@router.get("/tasks", response_model=list[TaskPublic],
            summary="The caller's inbox: steps their role and government hold, oldest due first",
            description="Keyset pages: with `limit`, the `X-Next-Cursor` response header (absent on the last "
                        "page) is the `cursor` of the next page.")
async def list_tasks(user: CurrentUser, service: Service, response: Response,
                     limit: Annotated[int, Query(ge=1, le=TASKS_CAP)] = TASKS_CAP,
                     cursor: Annotated[str | None, Query(max_length=200)] = None) -> list[TaskPublic]:
    tasks, next_cursor = await service.task_page(user, limit=limit, cursor=cursor)
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    return tasks
