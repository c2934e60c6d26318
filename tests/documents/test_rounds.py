"""Acceptance 3: a round of three applications is filed once and certified once; all three reach
designation; a returned one goes back to its company alone. Real API, Temporal and database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.core.applications.models import Event
from services.core.applications.schemas import DecisionRequest
from services.core.applications.service import ApplicationService
from services.core.rounds.models import FilingRound
from tests.factories import COUNCIL_AGREE, application_body

FILE = {"filed_on": "令和4年9月5日", "reference": "川崎市 計画変更申請 R4-2"}
CERTIFY = {"certified_on": "2022-09-30", "reference": "府地事第123号"}


async def passed_council(as_user, count: int, **overrides) -> list[int]:
    """Applications of applicant1 (殿町, Kawasaki) taken through intake and the council."""
    applicant = await as_user("applicant1")
    ids = []
    for index in range(count):
        body = application_body(**{"project_name": f"ラウンド試験事業{index + 1}", **overrides})
        created = await applicant.post("/applications", body)
        assert created.status_code == 201, created.text
        application_id = created.json()["id"]
        assert (await applicant.post(f"/applications/{application_id}/submit")).status_code == 200
        accepted = await (await as_user("kawasaki1")).decide(application_id, {"step": "intake_review",
                                                                            "outcome": "accept"})
        assert accepted.status_code == 200, accepted.text
        agreed = await (await as_user("secretariat1")).decide(application_id, COUNCIL_AGREE)
        assert agreed.json()["status"] == "local_filing", agreed.text
        ids.append(application_id)
    return ids


async def decisions_of(as_user, application_id: int) -> list[tuple[str, str, dict]]:
    events = (await (await as_user("kawasaki1")).get(f"/applications/{application_id}")).json()["events"]
    return [(e["step"], e["outcome"], e["payload"]) for e in events if e["kind"] == "decision"]


async def test_round_filed_once_and_certified_once(as_user):
    ids = await passed_council(as_user, 3)
    kawasaki, cao = await as_user("kawasaki1"), await as_user("cao1")

    candidates = [c["application_id"] for c in (await kawasaki.get("/rounds/candidates")).json()]
    assert set(ids) <= set(candidates)
    created = await kawasaki.post("/rounds", {"title": "令和4年度 第2回 計画変更", "application_ids": ids})
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    assert created.json()["status"] == "open" and created.json()["government"] == "kawasaki"
    assert [a["application_id"] for a in created.json()["applications"]] == ids
    # an application goes into one round at a time; the Cabinet Office sees nothing before filing
    again = await kawasaki.post("/rounds", {"title": "重複", "application_ids": [ids[0]]})
    assert again.status_code == 422 and "already in round" in again.text
    assert (await cao.get(f"/rounds/{round_id}")).status_code == 404
    assert (await cao.post(f"/rounds/{round_id}/certify", CERTIFY)).status_code == 404

    filed = await kawasaki.post(f"/rounds/{round_id}/file", FILE)
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "filed" and filed.json()["filed_on"] == "2022-09-05"
    assert [a["status"] for a in filed.json()["applications"]] == ["national_review"] * 3
    assert [a["state"] for a in filed.json()["applications"]] == ["filed"] * 3
    # a retry changes nothing; a second filing with other values is refused
    retried = await kawasaki.post(f"/rounds/{round_id}/file", FILE)
    assert retried.status_code == 200 and retried.json()["status"] == "filed"
    other = await kawasaki.post(f"/rounds/{round_id}/file", {**FILE, "reference": "別の番号"})
    assert other.status_code == 409, other.text
    assert "message_ja" in other.json()["detail"]

    certified = await cao.post(f"/rounds/{round_id}/certify", CERTIFY)
    assert certified.status_code == 200, certified.text
    assert certified.json()["status"] == "certified" and certified.json()["certified_on"] == "2022-09-30"
    assert [a["status"] for a in certified.json()["applications"]] == ["designation"] * 3
    assert (await cao.post(f"/rounds/{round_id}/certify", CERTIFY)).json()["status"] == "certified"

    for application_id in ids:
        decided = await decisions_of(as_user, application_id)
        filings = [d for d in decided if d[0] == "local_filing"]
        certifications = [d for d in decided if d[0] == "national_review"]
        assert filings == [("local_filing", "file", {"filed_on": "2022-09-05",
                                                      "reference": "川崎市 計画変更申請 R4-2"})]
        assert certifications == [("national_review", "certify", {"certified_on": "2022-09-30",
                                                                   "reference": "府地事第123号"})]
    listed = (await cao.get("/rounds")).json()
    assert round_id in [r["id"] for r in listed]


async def test_returned_application_goes_back_alone(as_user):
    ids = await passed_council(as_user, 3)
    kawasaki, cao, applicant = await as_user("kawasaki1"), await as_user("cao1"), await as_user("applicant1")
    round_id = (await kawasaki.post("/rounds", {"title": "差戻し試験", "application_ids": ids})).json()["id"]
    assert (await kawasaki.post(f"/rounds/{round_id}/file", FILE)).status_code == 200

    returned_id = ids[1]
    returned = await cao.post(f"/rounds/{round_id}/return",
                              {"application_id": returned_id, "reason": "設備の取得価額の根拠を補足してください"})
    assert returned.status_code == 200, returned.text
    certified = await cao.post(f"/rounds/{round_id}/certify", CERTIFY)
    assert certified.status_code == 200, certified.text
    states = {a["application_id"]: (a["status"], a["state"]) for a in certified.json()["applications"]}
    assert states == {ids[0]: ("designation", "certified"), returned_id: ("revision_requested", "returned"),
                      ids[2]: ("designation", "certified")}

    back = (await applicant.get(f"/applications/{returned_id}")).json()
    assert back["status"] == "revision_requested" and back["returned_from"] == "national_review"
    assert back["events"][-1]["reason"] == "設備の取得価額の根拠を補足してください"
    tasks = [t["application_id"] for t in (await applicant.get("/tasks")).json()]
    assert returned_id in tasks and ids[0] not in tasks and ids[2] not in tasks
    for application_id in (ids[0], ids[2]):
        assert [d[1] for d in await decisions_of(as_user, application_id) if d[0] == "national_review"] == ["certify"]


async def test_returns_given_with_the_certification(as_user):
    ids = await passed_council(as_user, 2)
    kawasaki, cao = await as_user("kawasaki1"), await as_user("cao1")
    round_id = (await kawasaki.post("/rounds", {"title": "一括", "application_ids": ids})).json()["id"]
    await kawasaki.post(f"/rounds/{round_id}/file", FILE)
    certified = await cao.post(f"/rounds/{round_id}/certify",
                               {**CERTIFY, "returns": [{"application_id": ids[0], "reason": "区域の確認"}]})
    assert certified.status_code == 200, certified.text
    assert [a["status"] for a in certified.json()["applications"]] == ["revision_requested", "designation"]


async def test_interrupted_filing_is_finished_by_a_retry(as_user, sessions, temporal_client, settings, demo_users):
    """The first attempt filed one application and stopped; the retry files the others, and the first once."""
    ids = await passed_council(as_user, 3)
    kawasaki = await as_user("kawasaki1")
    round_id = (await kawasaki.post("/rounds", {"title": "中断", "application_ids": ids})).json()["id"]
    async with sessions() as session:
        filing_round = await session.get(FilingRound, round_id)
        filing_round.status = "filing"
        filing_round.filed_on = date(2022, 9, 5)
        filing_round.filing_reference = FILE["reference"]
        session.add(filing_round)
        await session.commit()
    service = ApplicationService(sessions, temporal_client, settings)
    await service.decide(demo_users["kawasaki1"], ids[0], DecisionRequest.model_validate(
        {"step": "local_filing", "outcome": "file", "filed_on": "2022-09-05", "reference": FILE["reference"]}),
        idempotency_key=f"round-{round_id}-file-{ids[0]}")

    finished = await kawasaki.post(f"/rounds/{round_id}/file", FILE)
    assert finished.status_code == 200, finished.text
    assert [a["status"] for a in finished.json()["applications"]] == ["national_review"] * 3
    async with sessions() as session:
        filings = (await session.execute(select(Event.application_id).where(
            Event.application_id.in_(ids), Event.step == "local_filing", Event.kind == "decision"))).scalars().all()
    assert sorted(filings) == sorted(ids)


async def test_round_authorisation(as_user):
    ids = await passed_council(as_user, 1)
    kawasaki, yokohama, kanagawa = await as_user("kawasaki1"), await as_user("yokohama1"), await as_user("kanagawa1")
    applicant, cao = await as_user("applicant1"), await as_user("cao1")
    refused = await applicant.post("/rounds", {"title": "x", "application_ids": ids})
    assert refused.status_code == 403 and refused.json()["detail"]["message_ja"]
    assert (await applicant.get("/rounds")).status_code == 403
    # a Yokohama official cannot put a Kawasaki application in a round, nor see Kawasaki's rounds
    foreign = await yokohama.post("/rounds", {"title": "x", "application_ids": ids})
    assert foreign.status_code == 422 and "not in your area" in foreign.text
    round_id = (await kawasaki.post("/rounds", {"title": "権限", "application_ids": ids})).json()["id"]
    assert (await yokohama.get(f"/rounds/{round_id}")).status_code == 404
    assert (await yokohama.post(f"/rounds/{round_id}/file", FILE)).status_code == 404
    assert (await cao.post(f"/rounds/{round_id}/file", FILE)).status_code == 403
    # the prefecture sees every round; bad input is a 422 with a message
    assert (await kanagawa.get(f"/rounds/{round_id}")).status_code == 200
    bad = await kawasaki.post(f"/rounds/{round_id}/file", {"filed_on": "令和4年13月1日", "reference": "x"})
    assert bad.status_code == 422, bad.text
    empty = await kawasaki.post("/rounds", {"title": "空", "application_ids": []})
    assert empty.status_code == 422
    removed = await kawasaki.http.delete(f"/api/v1/rounds/{round_id}/applications/{ids[0]}",
                                         headers=kawasaki.headers)
    assert removed.status_code == 200 and removed.json()["applications"] == []
    nothing = await kawasaki.post(f"/rounds/{round_id}/file", FILE)
    assert nothing.status_code == 422, nothing.text
