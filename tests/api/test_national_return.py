"""The way back from the Cabinet Office through the API, on the real stack: a national-review return,
resubmitted, comes back through council consultation and filing (総合特別区域法 第14条第2項); the secretariat
may record why no new consultation is needed."""

from __future__ import annotations

from tests.api.test_journey import create_and_submit
from tests.factories import COUNCIL_AGREE, LOCAL_FILE, NATIONAL_CERTIFY

RETURN = {"step": "national_review", "outcome": "return", "reason": "区域の記載を補正してください"}


async def decide(as_user, username: str, application_id: int, body: dict) -> dict:
    response = await (await as_user(username)).decide(application_id, body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_national_return_comes_back_through_council_and_filing(as_user):
    applicant = await as_user("applicant1")
    application_id = (await create_and_submit(applicant))["id"]
    for username, body in [("kawasaki1", {"step": "intake_review", "outcome": "accept"}),
                           ("secretariat1", COUNCIL_AGREE), ("kawasaki1", LOCAL_FILE)]:
        await decide(as_user, username, application_id, body)
    returned = await decide(as_user, "cao1", application_id, RETURN)
    assert returned["status"] == "revision_requested" and returned["returned_from"] == "national_review"

    resubmitted = await applicant.post(f"/applications/{application_id}/resubmit")
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["status"] == "council_consultation"
    secretariat_inbox = (await (await as_user("secretariat1")).get("/tasks")).json()
    assert application_id in [task["application_id"] for task in secretariat_inbox]
    early = await (await as_user("cao1")).decide(application_id, NATIONAL_CERTIFY)
    assert early.status_code == 409, early.text
    assert early.json()["detail"]["message_ja"]

    assert (await decide(as_user, "secretariat1", application_id, COUNCIL_AGREE))["status"] == "local_filing"
    assert (await decide(as_user, "kawasaki1", application_id, LOCAL_FILE))["status"] == "national_review"
    certified = await decide(as_user, "cao1", application_id, NATIONAL_CERTIFY)
    assert certified["status"] == "designation"
    assert [(e["kind"], e["step"], e["status_after"]) for e in certified["events"]][4:] == [
        ("decision", "national_review", "revision_requested"),
        ("resubmitted", "revision_requested", "council_consultation"),
        ("decision", "council_consultation", "local_filing"),
        ("decision", "local_filing", "national_review"),
        ("decision", "national_review", "designation"),
    ]


async def test_the_secretariat_records_why_no_new_consultation_is_needed(as_user):
    applicant = await as_user("applicant1")
    application_id = (await create_and_submit(applicant))["id"]
    secretariat = await as_user("secretariat1")
    await decide(as_user, "kawasaki1", application_id, {"step": "intake_review", "outcome": "accept"})
    too_early = await secretariat.decide(application_id, {"step": "council_consultation", "outcome": "not_required",
                                                          "reason": "不要"})
    assert too_early.status_code == 422 and "再協議不要" in too_early.json()["detail"]["message_ja"]
    for username, body in [("secretariat1", COUNCIL_AGREE), ("kawasaki1", LOCAL_FILE), ("cao1", RETURN)]:
        await decide(as_user, username, application_id, body)
    assert (await applicant.post(f"/applications/{application_id}/resubmit")).json()["status"] == \
        "council_consultation"

    without_reason = await secretariat.decide(application_id, {"step": "council_consultation",
                                                               "outcome": "not_required"})
    assert without_reason.status_code == 422, without_reason.text
    skipped = await decide(as_user, "secretariat1", application_id, {
        "step": "council_consultation", "outcome": "not_required",
        "reason": "補正は添付書類の誤記のみで、協議した計画の内容に変更はない"})
    assert skipped["status"] == "local_filing", "filed again all the same"
    assert skipped["events"][-1]["outcome"] == "not_required"
    assert skipped["events"][-1]["reason"].startswith("補正は添付書類の誤記のみ")
