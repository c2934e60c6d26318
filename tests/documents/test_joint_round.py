"""Acceptance (issue 15, point 3): the plan is one joint plan of the prefecture and both cities, so one round
holds a Kawasaki, a Yokohama and a Fujisawa (prefecture) application; each government confirms only its own
(others get 403), the round is filed once and certified once, and each application's filing is made as the
official of its own government who confirmed it. Real API, Temporal and database."""

from __future__ import annotations

from sqlalchemy import select

from services.core.applications.models import Event
from services.dev.demo_seed import demo_corporate_number
from tests.documents.test_rounds import CERTIFY, passed_council
from tests.factories import COUNCIL_AGREE, application_body

FILE = {"filed_on": "令和4年9月5日", "reference": "神奈川県・横浜市・川崎市 計画変更申請 R4-共同"}
YOKOHAMA_AREA = "神奈川県横浜市鶴見区末広町1丁目"
FUJISAWA_AREA = "神奈川県藤沢市遠藤5322番地"  # Keio SFC: a prefecture area (tests/zone_address_cases.py)


async def at_local_filing(as_user, owner: str, official: str, **overrides) -> int:
    applicant = await as_user(owner)
    created = await applicant.post("/applications", application_body(**overrides))
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    assert (await applicant.post(f"/applications/{application_id}/submit")).status_code == 200
    accepted = await (await as_user(official)).decide(application_id, {"step": "intake_review", "outcome": "accept"})
    assert accepted.status_code == 200, accepted.text
    agreed = await (await as_user("secretariat1")).decide(application_id, COUNCIL_AGREE)
    assert agreed.json()["status"] == "local_filing", agreed.text
    return application_id


async def test_joint_round_filed_once_and_certified_once(as_user, sessions):
    kawasaki_ids = await passed_council(as_user, 2, project_name="共同ラウンド川崎事業")
    yokohama_id = await at_local_filing(
        as_user, "applicant2", "yokohama1", project_name="共同ラウンド横浜事業", business_area=YOKOHAMA_AREA,
        applicant={"corporate_number": demo_corporate_number("JSR株式会社"), "name": "JSR株式会社"})
    fujisawa_id = await at_local_filing(as_user, "applicant1", "kanagawa1", project_name="共同ラウンド藤沢事業",
                                        business_area=FUJISAWA_AREA)
    kanagawa, kawasaki, yokohama = await as_user("kanagawa1"), await as_user("kawasaki1"), await as_user("yokohama1")
    cao, applicant = await as_user("cao1"), await as_user("applicant1")

    # The prefecture opens the joint plan's round; each city adds its own applications, and only its own.
    created = await kanagawa.post("/rounds", {"title": "令和4年度 共同計画変更", "application_ids": [fujisawa_id]})
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    assert created.json()["government"] == "kanagawa"
    foreign = await kawasaki.post(f"/rounds/{round_id}/applications", {"application_ids": [yokohama_id]})
    assert foreign.status_code == 422 and "not in your area" in foreign.text
    assert (await kawasaki.post(f"/rounds/{round_id}/applications",
                                {"application_ids": [kawasaki_ids[0]]})).status_code == 200
    added = await yokohama.post(f"/rounds/{round_id}/applications", {"application_ids": [yokohama_id]})
    assert added.status_code == 200, added.text
    assert {a["government"] for a in added.json()["applications"]} == {"kanagawa", "kawasaki", "yokohama"}
    # A city's official sees the joint round, but other governments' applications only by number and state.
    seen = {a["application_id"]: a for a in (await kawasaki.get(f"/rounds/{round_id}")).json()["applications"]}
    assert seen[kawasaki_ids[0]]["project_name"] == "共同ラウンド川崎事業"
    assert seen[yokohama_id]["project_name"] is None and seen[yokohama_id]["applicant_name"] is None
    assert sorted((await kanagawa.get(f"/rounds/{round_id}")).json()["awaiting_confirmation"]) == [
        "kanagawa", "kawasaki", "yokohama"]

    # Not filed before each government has confirmed its own.
    early = await kanagawa.post(f"/rounds/{round_id}/file", FILE)
    assert early.status_code == 409, early.text
    assert early.json()["detail"]["message_ja"] and "kawasaki" in early.text and "yokohama" in early.text

    # Each government confirms only its own: anyone else gets 403 (the prefecture too, for a city's).
    for user, government in ((kawasaki, "yokohama"), (kawasaki, "kanagawa"), (yokohama, "kawasaki"),
                             (kanagawa, "kawasaki"), (kanagawa, "yokohama"), (cao, "kawasaki"), (applicant, "kawasaki")):
        refused = await user.post(f"/rounds/{round_id}/confirmations/{government}")
        assert refused.status_code == 403, (user.username, government, refused.text)
        assert refused.json()["detail"]["message_ja"]
    assert (await kawasaki.post(f"/rounds/{round_id}/confirmations/nagoya")).status_code == 422
    confirmed = await kawasaki.post(f"/rounds/{round_id}/confirmations/kawasaki")
    assert confirmed.status_code == 200, confirmed.text
    assert [(c["government"], c["application_ids"], c["confirmed_by"], c["current"])
            for c in confirmed.json()["confirmations"]] == [("kawasaki", [kawasaki_ids[0]], "kawasaki1", True)]
    # A change to a government's applications calls for its confirmation again.
    assert (await kawasaki.post(f"/rounds/{round_id}/applications",
                                {"application_ids": [kawasaki_ids[1]]})).status_code == 200
    stale = (await kawasaki.get(f"/rounds/{round_id}")).json()
    assert "kawasaki" in stale["awaiting_confirmation"] and stale["confirmations"][0]["current"] is False
    assert (await yokohama.post(f"/rounds/{round_id}/confirmations/yokohama")).status_code == 200
    assert (await kanagawa.post(f"/rounds/{round_id}/confirmations/kanagawa")).status_code == 200
    still = await kanagawa.post(f"/rounds/{round_id}/file", FILE)
    assert still.status_code == 409 and "kawasaki" in still.text and "yokohama" not in still.text
    again = await kawasaki.post(f"/rounds/{round_id}/confirmations/kawasaki")
    assert again.json()["awaiting_confirmation"] == []
    # The joint round is filed by the prefecture that assembled it, not by a city.
    assert (await kawasaki.post(f"/rounds/{round_id}/file", FILE)).status_code == 403

    # Filed once...
    ids = [fujisawa_id, kawasaki_ids[0], yokohama_id, kawasaki_ids[1]]
    filed = await kanagawa.post(f"/rounds/{round_id}/file", FILE)
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "filed"
    assert [(a["application_id"], a["status"], a["state"]) for a in filed.json()["applications"]] == [
        (i, "national_review", "filed") for i in ids]
    assert (await kanagawa.post(f"/rounds/{round_id}/file", FILE)).json()["status"] == "filed"
    assert (await kawasaki.post(f"/rounds/{round_id}/confirmations/kawasaki")).status_code == 200  # changes nothing
    # ...and certified once.
    certified = await cao.post(f"/rounds/{round_id}/certify", CERTIFY)
    assert certified.status_code == 200, certified.text
    assert certified.json()["status"] == "certified"
    assert [a["status"] for a in certified.json()["applications"]] == ["designation"] * 4
    assert (await cao.post(f"/rounds/{round_id}/certify", CERTIFY)).json()["status"] == "certified"

    async with sessions() as session:
        decisions = (await session.execute(select(Event.application_id, Event.step, Event.actor_username).where(
            Event.application_id.in_(ids), Event.kind == "decision",
            Event.step.in_(("local_filing", "national_review"))))).all()
    filings = sorted((a, who) for a, step, who in decisions if step == "local_filing")
    assert filings == sorted([(fujisawa_id, "kanagawa1"), (kawasaki_ids[0], "kawasaki1"), (yokohama_id, "yokohama1"),
                              (kawasaki_ids[1], "kawasaki1")])
    assert sorted(a for a, step, _ in decisions if step == "national_review") == sorted(ids)
    # The round's documents for a city's official hold its own applications of the joint round only.
    own = (await kawasaki.get("/documents/besshi", params={"format": "md", "round": round_id})).text
    whole = (await kanagawa.get("/documents/besshi", params={"format": "md", "round": round_id})).text
    assert "共同ラウンド川崎事業" in own and "共同ラウンド横浜事業" not in own and "共同ラウンド藤沢事業" not in own
    assert all(name in whole for name in ("共同ラウンド川崎事業", "共同ラウンド横浜事業", "共同ラウンド藤沢事業"))
