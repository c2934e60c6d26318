"""Decisions and reads that must be refused, each with a status and a message a person can act on."""

from __future__ import annotations

import pytest

from tests.api.test_journey import create_and_submit
from tests.factories import COUNCIL_AGREE, application_body


@pytest.fixture
async def in_intake(as_user) -> dict:
    return await create_and_submit(await as_user("applicant1"))


async def test_decision_on_wrong_step_is_409(as_user, in_intake):
    # (The secretariat does not see an application before the council step: it would get 404.)
    response = await (await as_user("kanagawa1")).decide(in_intake["id"], COUNCIL_AGREE)
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail["code"] == "wrong_step"
    assert "intake_review" in detail["message"] and "受付審査" in detail["message_ja"]


async def test_decision_by_wrong_role_is_403(as_user, in_intake):
    # The operator sees every application but decides none (the Cabinet Office does not see it yet: 404).
    response = await (await as_user("admin1")).decide(in_intake["id"], {"step": "intake_review", "outcome": "accept"})
    assert response.status_code == 403, response.text
    assert "local_official" in response.json()["detail"]["message"]
    # The Cabinet Office does not see it yet: refused in words that do not tell whether it exists.
    unseen = await (await as_user("cao1")).decide(in_intake["id"], {"step": "intake_review", "outcome": "accept"})
    assert unseen.status_code == 403, unseen.text
    by_applicant = await (await as_user("applicant1")).decide(in_intake["id"],
                                                              {"step": "intake_review", "outcome": "accept"})
    assert by_applicant.status_code == 403


async def test_decision_by_official_of_another_government_is_403(as_user, in_intake):
    assert in_intake["government"] == "kawasaki"
    # Refused (403) in the same words as for an application that does not exist: nothing leaks.
    response = await (await as_user("yokohama1")).decide(in_intake["id"], {"step": "intake_review", "outcome": "accept"})
    assert response.status_code == 403, response.text
    assert response.json()["detail"]["code"] == "forbidden" and "自治体" in response.json()["detail"]["message_ja"]
    missing = await (await as_user("yokohama1")).decide(10**9, {"step": "intake_review", "outcome": "accept"})
    assert missing.status_code == 403 and missing.json() == response.json()
    # The prefecture covers every area.
    prefecture = await (await as_user("kanagawa1")).decide(in_intake["id"], {"step": "intake_review", "outcome": "accept"})
    assert prefecture.status_code == 200, prefecture.text


async def test_decision_with_missing_fields_is_422(as_user, in_intake):
    official = await as_user("kawasaki1")
    no_reason = await official.decide(in_intake["id"], {"step": "intake_review", "outcome": "return"})
    assert no_reason.status_code == 422, no_reason.text
    assert [e["field"] for e in no_reason.json()["detail"]["errors"]] == ["reason"]
    unknown_outcome = await official.decide(in_intake["id"], {"step": "intake_review", "outcome": "approve"})
    assert unknown_outcome.status_code == 422
    assert "accept" in unknown_outcome.json()["detail"]["message"]
    await official.decide(in_intake["id"], {"step": "intake_review", "outcome": "accept"})
    council = await (await as_user("secretariat1")).decide(
        in_intake["id"], {"step": "council_consultation", "outcome": "agree", "method": "meeting"})
    assert council.status_code == 422
    assert "held_from" in [e["field"] for e in council.json()["detail"]["errors"]]
    bad_date = await (await as_user("secretariat1")).decide(
        in_intake["id"], {**COUNCIL_AGREE, "held_from": "令和4年13月1日"})
    assert bad_date.status_code == 422
    assert "令和4年13月1日" in bad_date.text
    # Nothing was written by the refused decisions.
    events = (await (await as_user("applicant1")).get(f"/applications/{in_intake['id']}")).json()["events"]
    assert [e["kind"] for e in events] == ["submitted", "decision"]


async def test_applicant_cannot_read_or_list_another_company(as_user, in_intake):
    other = await as_user("applicant2")
    read = await other.get(f"/applications/{in_intake['id']}")
    assert read.status_code == 404
    listed = await other.get("/applications", params={"limit": 200})
    assert in_intake["id"] not in [item["id"] for item in listed.json()["items"]]
    edit = await other.patch(f"/applications/{in_intake['id']}", {"project_name": "乗っ取り"})
    assert edit.status_code == 404
    owner_list = await (await as_user("applicant1")).get("/applications", params={"status": "intake_review"})
    assert in_intake["id"] in [item["id"] for item in owner_list.json()["items"]]


async def test_officials_see_only_their_government(as_user, in_intake):
    yokohama = await as_user("yokohama1")
    assert (await yokohama.get(f"/applications/{in_intake['id']}")).status_code == 404
    assert (await (await as_user("kawasaki1")).get(f"/applications/{in_intake['id']}")).status_code == 200
    # The Cabinet Office sees only what was filed with it.
    assert (await (await as_user("cao1")).get(f"/applications/{in_intake['id']}")).status_code == 404


async def test_bad_corporate_number_is_refused(as_user):
    response = await (await as_user("applicant1")).post(
        "/applications", application_body(applicant={"corporate_number": "1234567890123"}))
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"][-1] == "corporate_number"
    assert "法人番号" in error["msg"] and "check digit" in error["msg"]


async def test_address_outside_zone_is_refused(as_user):
    response = await (await as_user("applicant1")).post(
        "/applications", application_body(business_area="東京都千代田区永田町1丁目"))
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"][-1] == "business_area"
    assert "区域外" in error["msg"] and "outside the zone" in error["msg"]


async def test_incomplete_draft_saves_but_does_not_submit(as_user):
    applicant = await as_user("applicant1")
    draft = await applicant.post("/applications", {"project_name": "下書きの事業", "measure": "tax_incentive"})
    assert draft.status_code == 201, draft.text
    submit = await applicant.post(f"/applications/{draft.json()['id']}/submit")
    assert submit.status_code == 422
    missing = [e["field"] for e in submit.json()["detail"]["errors"]]
    assert "applicant.corporate_number" in missing and "business_area" in missing
    assert "project_name" not in missing
    assert (await applicant.get(f"/applications/{draft.json()['id']}")).json()["status"] == "draft"


async def test_unauthenticated_and_bad_password(http):
    assert (await http.get("/api/v1/applications")).status_code == 401
    bad = await http.post("/api/v1/auth/token", data={"username": "applicant1", "password": "wrong"})
    assert bad.status_code == 401
    assert bad.json()["detail"]["message_ja"]
    forged = await http.get("/api/v1/applications", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


async def test_keyset_pagination(as_user):
    applicant = await as_user("applicant2")
    created = []
    for _ in range(5):
        body = application_body(applicant={"name": "JSR株式会社"})
        created.append((await applicant.post("/applications", body)).json()["id"])
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await applicant.get("/applications", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen, reverse=True)
    assert set(created) <= set(seen) and len(seen) == len(set(seen))
    assert (await applicant.get("/applications", params={"cursor": "%%%"})).status_code == 422
