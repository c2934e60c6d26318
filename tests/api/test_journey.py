"""An application's whole journey through the API, each official with their own token, on a real
Temporal dev server and a real database."""

from __future__ import annotations

from tests.factories import COUNCIL_AGREE, DESIGNATE, LOCAL_FILE, NATIONAL_CERTIFY, application_body


async def create_and_submit(applicant, **overrides) -> dict:
    created = await applicant.post("/applications", application_body(**overrides))
    assert created.status_code == 201, created.text
    submitted = await applicant.post(f"/applications/{created.json()['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    return submitted.json()


async def test_draft_to_follow_up_to_completed(as_user):
    applicant = await as_user("applicant1")
    created = await applicant.post("/applications", application_body())
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft" and draft["current_step"] is None
    assert draft["government"] == "kawasaki"  # derived from 殿町3丁目
    assert draft["content"]["business_start_on"] == "2022-09-01"  # 令和4年9月1日
    assert draft["content"]["equipment_items"][1]["planned_acquisition_on"] == "2023-06-01"
    application_id = draft["id"]

    submitted = (await applicant.post(f"/applications/{application_id}/submit")).json()
    assert submitted["status"] == "intake_review"
    assert submitted["current_step"] == "intake_review"
    assert [d["kind"] for d in submitted["due_dates"]] == ["step_target"]

    steps = [
        ("kawasaki1", {"step": "intake_review", "outcome": "accept"}, "council_consultation"),
        ("secretariat1", COUNCIL_AGREE, "local_filing"),
        ("kawasaki1", LOCAL_FILE, "national_review"),
        ("cao1", NATIONAL_CERTIFY, "designation"),
        ("kawasaki1", DESIGNATE, "follow_up"),
        ("kawasaki1", {"step": "follow_up", "outcome": "complete", "reason": "全設備の取得を確認",
                       "override_reason": "計画を終了するため、未了の期限があっても完了とする"}, "completed"),
    ]
    for official, body, expected in steps:
        if body.get("override_reason"):
            # Without the override, completing is refused while the follow-up's deadlines are open.
            refused = await (await as_user(official)).decide(
                application_id, {k: v for k, v in body.items() if k != "override_reason"})
            assert refused.status_code == 409, refused.text
            detail = refused.text
            assert "acquisition deadline" in detail and "annual report" in detail, detail
            assert "override_reason" in detail
        inbox = (await (await as_user(official)).get("/tasks")).json()
        if expected != "completed":
            assert application_id in [t["application_id"] for t in inbox], (official, inbox)
        response = await (await as_user(official)).decide(application_id, body)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == expected

    final = (await applicant.get(f"/applications/{application_id}")).json()
    assert final["status"] == "completed" and final["current_step"] is None
    events = final["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [(e["kind"], e["step"], e["outcome"], e["actor"]) for e in events] == [
        ("submitted", None, None, "applicant1"),
        ("decision", "intake_review", "accept", "kawasaki1"),
        ("decision", "council_consultation", "agree", "secretariat1"),
        ("decision", "local_filing", "file", "kawasaki1"),
        ("decision", "national_review", "certify", "cao1"),
        ("decision", "designation", "designate", "kawasaki1"),
        ("decision", "follow_up", "complete", "kawasaki1"),
    ]
    council = events[2]["payload"]
    assert council["method"] == "meeting" and council["held_from"] == "2022-08-10"
    assert council["opinions"] == ["国際共同治験の体制を明確にすること"]
    assert events[5]["payload"]["designation_number"] == "指定第R4-7号"
    assert events[6]["reason"] == "全設備の取得を確認"


async def test_return_resubmit_accept(as_user):
    applicant = await as_user("applicant1")
    application = await create_and_submit(applicant)
    returned = await (await as_user("kawasaki1")).decide(
        application["id"], {"step": "intake_review", "outcome": "return", "reason": "設備の内訳を追記してください"})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert body["status"] == "revision_requested" and body["returned_from"] == "intake_review"
    assert [d["kind"] for d in body["due_dates"]] == ["revision_request"]
    tasks = (await applicant.get("/tasks")).json()
    assert application["id"] in [t["application_id"] for t in tasks]

    amended = await applicant.patch(f"/applications/{application['id']}",
                                    {"equipment_overview": "ペプチド合成装置、質量分析計ほか一式（内訳追記）"})
    assert amended.status_code == 200, amended.text
    assert amended.json()["content"]["equipment_overview"].endswith("（内訳追記）")
    assert amended.json()["content"]["project_name"] == application["content"]["project_name"]  # merge, not replace

    resubmitted = await applicant.post(f"/applications/{application['id']}/resubmit")
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["status"] == "intake_review"
    accepted = await (await as_user("kawasaki1")).decide(application["id"],
                                                          {"step": "intake_review", "outcome": "accept"})
    assert accepted.json()["status"] == "council_consultation"
    kinds = [(e["kind"], e["outcome"]) for e in accepted.json()["events"]]
    assert kinds == [("submitted", None), ("decision", "return"), ("resubmitted", None), ("decision", "accept")]


async def test_council_reject(as_user):
    applicant = await as_user("applicant1")
    application = await create_and_submit(applicant)
    await (await as_user("kawasaki1")).decide(application["id"], {"step": "intake_review", "outcome": "accept"})
    rejected = await (await as_user("secretariat1")).decide(
        application["id"], {"step": "council_consultation", "outcome": "reject", "reason": "特区の目標に資さない",
                            "method": "meeting", "held_from": "2022-08-10"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["current_step"] is None
    again = await (await as_user("secretariat1")).decide(application["id"], COUNCIL_AGREE)
    assert again.status_code == 409, again.text


async def test_withdraw_before_designation(as_user):
    applicant = await as_user("applicant1")
    application = await create_and_submit(applicant)
    withdrawn = await applicant.post(f"/applications/{application['id']}/withdraw", {"reason": "計画を見直すため"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["events"][-1]["reason"] == "計画を見直すため"
    draft = (await applicant.post("/applications", application_body())).json()
    withdrawn_draft = await applicant.post(f"/applications/{draft['id']}/withdraw")
    assert withdrawn_draft.json()["status"] == "withdrawn"


async def test_no_withdrawal_after_designation(as_user):
    applicant = await as_user("applicant1")
    application = await create_and_submit(applicant)
    for official, body in [("kawasaki1", {"step": "intake_review", "outcome": "accept"}),
                           ("secretariat1", COUNCIL_AGREE), ("kawasaki1", LOCAL_FILE), ("cao1", NATIONAL_CERTIFY),
                           ("kawasaki1", DESIGNATE)]:
        assert (await (await as_user(official)).decide(application["id"], body)).status_code == 200
    refused = await applicant.post(f"/applications/{application['id']}/withdraw")
    assert refused.status_code == 409
    assert "designation" in refused.json()["detail"]["message"]
    assert refused.json()["detail"]["message_ja"]


async def test_idempotent_create_and_decision(as_user):
    applicant = await as_user("applicant1")
    key = {"Idempotency-Key": "create-once-7f3a"}
    first = await applicant.post("/applications", application_body(), headers=key)
    second = await applicant.post("/applications", application_body(), headers=key)
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    application_id = first.json()["id"]
    await applicant.post(f"/applications/{application_id}/submit")
    official = await as_user("kawasaki1")
    decide_key = {"Idempotency-Key": f"accept-{application_id}"}
    one = await official.post(f"/applications/{application_id}/decisions",
                              {"step": "intake_review", "outcome": "accept"}, headers=decide_key)
    two = await official.post(f"/applications/{application_id}/decisions",
                              {"step": "intake_review", "outcome": "accept"}, headers=decide_key)
    assert one.status_code == 200 and two.status_code == 200, two.text
    events = two.json()["events"]
    assert [e["kind"] for e in events] == ["submitted", "decision"]  # the retry added nothing
