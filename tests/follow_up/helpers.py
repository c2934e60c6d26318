"""Driving applications to follow-up, through the API or the core services."""

from __future__ import annotations

from services.core.applications.schemas import ApplicationContent, DecisionRequest
from services.core.applications.service import ApplicationService
from tests.factories import COUNCIL_AGREE, DESIGNATE, LOCAL_FILE, NATIONAL_CERTIFY, application_body

OFFICIAL_STEPS = [("kawasaki1", {"step": "intake_review", "outcome": "accept"}), ("secretariat1", COUNCIL_AGREE),
                  ("kawasaki1", LOCAL_FILE), ("cao1", NATIONAL_CERTIFY)]


async def api_to_follow_up(as_user, designate: dict | None = None, **overrides) -> dict:
    applicant = await as_user("applicant1")
    created = await applicant.post("/applications", application_body(**overrides))
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    assert (await applicant.post(f"/applications/{application_id}/submit")).status_code == 200
    for username, body in [*OFFICIAL_STEPS, ("kawasaki1", designate or DESIGNATE)]:
        response = await (await as_user(username)).decide(application_id, body)
        assert response.status_code == 200, response.text
    assert response.json()["status"] == "follow_up"
    return response.json()


async def service_to_follow_up(service: ApplicationService, users: dict, designate: dict | None = None,
                               **overrides) -> int:
    applicant = users["applicant1"]
    draft, _ = await service.create_draft(applicant, ApplicationContent.model_validate(application_body(**overrides)))
    await service.submit(applicant, draft.id)
    for username, body in [*OFFICIAL_STEPS, ("kawasaki1", designate or DESIGNATE)]:
        state = await service.decide(users[username], draft.id, DecisionRequest.model_validate(body))
    assert state.status == "follow_up"
    return draft.id
