"""`POST /applications?submit=true`: create and submit in one request (issue 16), and the form's 提出する on a new
application, which goes the same way. The answer is the submitted application, readable at once."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from services.api.pages.forms import state_from_content
from services.core.applications.models import Application, Event
from tests.factories import application_body
from tests.pages_http import csrf_of, signed_in_pages


async def _count(sessions, model, *where) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_one_request_creates_and_submits(as_user):
    applicant = await as_user("applicant1")
    response = await applicant.post("/applications?submit=true", application_body())
    assert response.status_code == 201, response.text
    submitted = response.json()
    assert submitted["status"] == "intake_review" and submitted["current_step"] == "intake_review"
    assert [(e["seq"], e["kind"]) for e in submitted["events"]] == [(1, "submitted")]
    read = (await applicant.get(f"/applications/{submitted['id']}")).json()  # read-your-writes after the 201
    assert read["status"] == "intake_review" and [e["kind"] for e in read["events"]] == ["submitted"]
    inbox = (await (await as_user("kawasaki1")).get("/tasks")).json()
    assert submitted["id"] in [task["application_id"] for task in inbox]


async def test_retry_with_the_same_key_answers_the_same_submission(as_user, sessions):
    applicant = await as_user("applicant1")
    key = {"Idempotency-Key": f"create-submit-{uuid.uuid4().hex}"}
    first = await applicant.post("/applications?submit=true", application_body(), headers=key)
    again = await applicant.post("/applications?submit=true", application_body(), headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "intake_review"
    assert await _count(sessions, Event, Event.application_id == first.json()["id"]) == 1


async def test_incomplete_content_is_refused_and_nothing_is_stored(as_user, sessions):
    applicant = await as_user("applicant1")
    before = await _count(sessions, Application)
    refused = await applicant.post("/applications?submit=true", {"project_name": "下書きの事業",
                                                                  "measure": "tax_incentive"})
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert "未入力" in detail["message_ja"] and "incomplete" in detail["message"]
    assert "business_area" in [error["field"] for error in detail["errors"]]
    assert await _count(sessions, Application) == before
    # Without submit=true the same body is a draft, as before.
    assert (await applicant.post("/applications", {"project_name": "下書きの事業"})).json()["status"] == "draft"


async def test_only_applicants_create_and_submit(as_user, sessions):
    before = await _count(sessions, Application)
    refused = await (await as_user("kawasaki1")).post("/applications?submit=true", application_body())
    assert refused.status_code == 403, refused.text
    assert await _count(sessions, Application) == before


def _form(content: dict, csrf: str, draft_key: str) -> list[tuple[str, str]]:
    state = state_from_content(content)
    fields = [(path, value) for path, value in state.values.items() if value]
    for row in state.items:
        token = row.get("token") or uuid.uuid4().hex[:8]
        fields += [(f"equipment_items.{token}.{name}", value) for name, value in row.items()
                   if name != "token" and value]
    return fields + [("csrf_token", csrf), ("draft_key", draft_key), ("action", "submit")]


async def test_the_forms_submit_on_a_new_application(api_url, sessions):
    async with signed_in_pages(api_url, "applicant1") as browser:
        page = await browser.get("/applications/new")
        csrf = csrf_of(page)
        posted = await browser.post("/applications/new", data=dict(_form(application_body(), csrf,
                                                                             uuid.uuid4().hex)))
        assert posted.status_code == 303, posted.text[:2000]
        application_id = int(posted.headers["location"].rstrip("/").split("/")[-1])
        shown = await browser.get(f"/applications/{application_id}")
        assert shown.status_code == 200
    async with sessions() as session:
        kinds = (await session.execute(select(Event.kind).where(Event.application_id == application_id))).scalars()
        assert list(kinds) == ["submitted"]
