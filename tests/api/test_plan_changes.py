"""Plan changes after designation (docs/plan-changes.md), through the API on the real stack: a minor change
(a machine's cost +5%, its date moved within the window) is recorded and notified with no new certification;
adding a building is not minor and goes through council, filing, certification and designation again while
acquisitions against the certified version continue; then the new version is in force."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from email.header import decode_header, make_header

from aiosmtpd.controller import Controller
from sqlalchemy import select

from services.core.accounts.models import User
from services.core.applications.service import ApplicationService
from services.core.notifications.models import Notification
from services.core.plan_changes.schemas import PlanChangeCreate
from services.core.plan_changes.service import PlanChangeService
from services.core.platform.db import create_engine
from services.dev.temporal_dev import free_port
from services.workers.main import build_worker
from tests.factories import COUNCIL_AGREE, DESIGNATE, LOCAL_FILE, NATIONAL_CERTIFY, TODAY
from tests.follow_up.helpers import api_to_follow_up, service_to_follow_up
from tests.follow_up.test_reminders_live import Inbox, wait_for

MOVED_TO = (TODAY + timedelta(days=100)).isoformat()  # inside DESIGNATE's window (today … today + 300)
BUILDING = {"asset_class": "building", "description": "研究棟（増築）", "planned_cost_jpy": 800_000_000,
            "planned_acquisition_on": (TODAY + timedelta(days=200)).isoformat()}


async def in_force(api, application_id: int) -> dict:
    versions = (await api.get(f"/applications/{application_id}/versions")).json()
    current = [v for v in versions if v["in_force"]]
    assert len(current) == 1, versions
    return {"versions": versions, **current[0]}


def items_of(version: dict) -> list[dict]:
    return [{**item, "item_id": item_id} for item, item_id in zip(version["content"]["equipment_items"],
                                                                  version["item_ids"], strict=True)]


def minor_change(version: dict) -> dict:
    machine, instrument = items_of(version)
    return {"reason": "装置の仕様見直しによる価額・時期の変更",
            "changes": {"equipment_items": [
                {**machine, "planned_cost_jpy": machine["planned_cost_jpy"] * 105 // 100,
                 "planned_acquisition_on": MOVED_TO}, instrument]}}


async def test_a_minor_change_then_a_building_through_certification(as_user):
    application_id = (await api_to_follow_up(as_user))["id"]
    applicant, secretariat = await as_user("applicant1"), await as_user("secretariat1")
    kawasaki, cao = await as_user("kawasaki1"), await as_user("cao1")
    designated = await in_force(applicant, application_id)
    assert designated["basis"] == "designation" and designated["version"] == 1
    machine_id = designated["item_ids"][0]

    # 1. The machine's cost +5% and its date within the window: minor.
    minor = await applicant.post(f"/applications/{application_id}/plan-changes", minor_change(designated))
    assert minor.status_code == 201, minor.text
    change = minor.json()
    assert change["classification"] == "minor" and change["minor"] is True
    assert change["status"] == "recorded" and change["version"] == 2
    assert [(c["path"], c["rule"], c["kind"]) for c in change["field_changes"]] == [
        ("equipment_items.planned_cost_jpy", "cost_within_tolerance", "minor"),
        ("equipment_items.planned_acquisition_on", "date_within_window", "minor")]
    assert change["field_changes"][0]["before"] == 30_000_000 and change["field_changes"][0]["after"] == 31_500_000
    detail = (await applicant.get(f"/applications/{application_id}/plan-changes/{change['id']}")).json()
    assert detail["events"] == [], "no certification steps for a minor change"
    assert (await secretariat.get("/plan-changes/tasks")).json() == []

    after_minor = await in_force(applicant, application_id)
    assert (after_minor["version"], after_minor["basis"]) == (2, "minor_change")
    assert [v["version"] for v in after_minor["versions"]] == [1, 2], "the designated version is kept"
    assert after_minor["item_ids"][0] == machine_id, "the item changes in place"
    assert after_minor["content"]["equipment_items"][0]["planned_cost_jpy"] == 31_500_000
    application = (await applicant.get(f"/applications/{application_id}")).json()
    assert application["status"] == "follow_up" and application["content_version"] == 2
    recorded = application["events"][-1]
    assert (recorded["kind"], recorded["payload"]["plan_change_id"], recorded["payload"]["minor"]) == \
        ("plan_changed", change["id"], True)
    deadlines = {d["key"]: d for d in (await applicant.get(f"/applications/{application_id}/deadlines")).json()}
    assert deadlines[f"planned:item:{machine_id}"]["due_at"].startswith(MOVED_TO), "the planned date moved"
    for username in ("applicant1", "kawasaki1"):  # the company and the responsible government
        notes = [n for n in (await (await as_user(username)).get("/notifications")).json()
                 if n["application_id"] == application_id and n["kind"] == "plan_change_minor"]
        assert len(notes) == 1, username
        assert "軽微な変更" in notes[0]["subject"] and "31,500,000円" in notes[0]["body"]
    assert not [n for n in (await (await as_user("yokohama1")).get("/notifications")).json()
                if n["application_id"] == application_id]

    # 2. A building added: not minor; the certified version stays in force meanwhile.
    building = await applicant.post(f"/applications/{application_id}/plan-changes", {
        "reason": "研究棟の増築", "changes": {"equipment_items": [*items_of(after_minor), BUILDING]}})
    assert building.status_code == 201, building.text
    change = building.json()
    assert change["classification"] == "not_minor" and change["status"] == "council_consultation"
    assert [(c["path"], c["rule"]) for c in change["field_changes"]] == [("equipment_items", "item_added")]
    again = await applicant.post(f"/applications/{application_id}/plan-changes", minor_change(after_minor))
    assert again.status_code == 409 and again.json()["detail"]["message_ja"]
    assert change["id"] in [t["id"] for t in (await secretariat.get("/plan-changes/tasks")).json()]

    path = f"/applications/{application_id}/plan-changes/{change['id']}"
    wrong_holder = await kawasaki.post(f"{path}/decisions", COUNCIL_AGREE)
    assert wrong_holder.status_code == 403, wrong_holder.text
    for username, body, status in [("secretariat1", COUNCIL_AGREE, "local_filing"),
                                   ("kawasaki1", LOCAL_FILE, "national_review")]:
        if body is LOCAL_FILE:  # plausible dates, as on an application's decisions (issue 20)
            for wrong, rule in (("2022-08-01", "after_previous_step"),  # before the council met
                                ((TODAY + timedelta(days=3)).isoformat(), "not_in_future")):
                refused = await kawasaki.post(f"{path}/decisions", {**LOCAL_FILE, "filed_on": wrong})
                assert refused.status_code == 422, refused.text
                assert rule in refused.text
        decided = await (await as_user(username)).post(f"{path}/decisions", body)
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == status

    # Acquisitions against the certified version continue while the change is at the Cabinet Office.
    report = await applicant.post(f"/applications/{application_id}/acquisitions", {
        "equipment_item_id": machine_id, "asset_class": "machinery", "description": "ペプチド合成装置一式",
        "actual_cost_jpy": 31_000_000, "acquired_on": TODAY.isoformat(), "location": "神奈川県川崎市川崎区殿町3丁目"})
    assert report.status_code == 201, report.text
    assert (await in_force(applicant, application_id))["version"] == 2
    assert len((await applicant.get(f"/applications/{application_id}")).json()["content"]["equipment_items"]) == 2

    certified = await cao.post(f"{path}/decisions", NATIONAL_CERTIFY)
    assert certified.json()["status"] == "designation", certified.text
    designate = {**DESIGNATE, "designation_number": "指定第R4-7号（変更）"}
    designated_again = await kawasaki.post(f"{path}/decisions", designate)
    assert designated_again.status_code == 200, designated_again.text
    done = designated_again.json()
    assert done["status"] == "in_force" and done["version"] == 3
    assert [(e["step"], e["outcome"]) for e in done["events"]] == [
        ("council_consultation", "agree"), ("local_filing", "file"), ("national_review", "certify"),
        ("designation", "designate")]

    # 3. The new version is in force: the building is a planned item with its own deadlines.
    new = await in_force(applicant, application_id)
    assert (new["version"], new["basis"], new["plan_change_id"]) == (3, "certified_change", change["id"])
    assert new["designation"]["designation_number"] == "指定第R4-7号（変更）"
    assert [item["description"] for item in new["content"]["equipment_items"]][-1] == "研究棟（増築）"
    building_id = new["item_ids"][-1]
    deadlines = {d["key"]: d for d in (await applicant.get(f"/applications/{application_id}/deadlines")).json()}
    assert deadlines[f"acquisition:item:{building_id}"]["state"] == "open"
    assert deadlines[f"acquisition:item:{machine_id}"]["state"] == "met", "the report made before stands"
    application = (await applicant.get(f"/applications/{application_id}")).json()
    assert application["status"] == "follow_up" and application["content_version"] == 3
    redesignated = application["events"][-1]
    assert (redesignated["kind"], redesignated["step"], redesignated["payload"]["plan_change_id"]) == \
        ("decision", "designation", change["id"])
    reported = await applicant.post(f"/applications/{application_id}/acquisitions", {
        "equipment_item_id": building_id, "asset_class": "building", "description": "研究棟（増築）",
        "actual_cost_jpy": 800_000_000, "acquired_on": TODAY.isoformat(), "location": "神奈川県川崎市川崎区殿町3丁目"})
    assert reported.status_code == 201, reported.text
    notes = [n for n in (await kawasaki.get("/notifications")).json()
             if n["application_id"] == application_id and n["kind"] == "plan_change_certified"]
    assert len(notes) == 1 and "第3版" in notes[0]["subject"]


async def test_the_secretariat_decides_what_the_rules_leave_open(as_user):
    application_id = (await api_to_follow_up(as_user))["id"]
    applicant, secretariat = await as_user("applicant1"), await as_user("secretariat1")
    version = await in_force(applicant, application_id)
    machine, instrument = items_of(version)
    replaced = await applicant.post(f"/applications/{application_id}/plan-changes", {
        "reason": "後継機種への入替え",
        "changes": {"equipment_items": [{**machine, "description": "ペプチド合成装置一式（後継機種）"}, instrument]}})
    assert replaced.status_code == 201, replaced.text
    change = replaced.json()
    assert change["classification"] == "secretariat" and change["status"] == "awaiting_classification"
    assert change["minor"] is None
    path = f"/applications/{application_id}/plan-changes/{change['id']}/classification"
    assert (await applicant.post(path, {"minor": True, "reason": "自分で決める"})).status_code == 403
    assert (await secretariat.post(path, {"minor": True})).status_code == 422, "the reason is required"
    decided = await secretariat.post(path, {"minor": True, "reason": "同等性能の後継機種への入替えで、事業の内容に変更はない"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "recorded" and decided.json()["version"] == 2
    assert decided.json()["classification_reason"].startswith("同等性能の後継機種")
    assert (await secretariat.post(path, {"minor": False, "reason": "再考"})).status_code == 409


async def test_a_minor_change_is_mailed_to_the_company_and_the_government(settings, sessions, temporal_client,
                                                                          demo_users):
    """The existing notification path: stored per recipient, then mailed by deliver_mail (a real SMTP relay)."""
    smtp_port = free_port()
    inbox = Inbox()
    relay = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    relay.start()
    isolated = settings.model_copy(update={"task_queue": f"tokku-plan-mail-{uuid.uuid4().hex[:8]}",
                                           "smtp_host": "127.0.0.1", "smtp_port": smtp_port})
    engine = create_engine(isolated.resolved_database_url)
    service = ApplicationService(sessions, temporal_client, isolated)
    plan_changes = PlanChangeService(service)
    try:
        async with build_worker(temporal_client, engine, isolated):
            application_id = await service_to_follow_up(service, demo_users)
            version = (await plan_changes.versions(demo_users["applicant1"], application_id))[-1]
            change, _ = await plan_changes.propose(demo_users["applicant1"], application_id,
                                                   PlanChangeCreate.model_validate(minor_change(version.model_dump(
                                                       mode="json"))))
            assert change.status == "recorded"
            await wait_for(lambda: asyncio.sleep(0, len(inbox.messages) >= 2), 40, "two mails")
    finally:
        relay.stop()
        await engine.dispose()
    recipients = sorted(address for rcpts, _ in inbox.messages for address in rcpts)
    assert {"applicant1@example.test", "kawasaki1@example.test"} <= set(recipients)
    # Whoever else got it (other tests of the session add users) is the company's or Kawasaki's, and once.
    async with sessions() as session:
        users = (await session.execute(select(User).where(User.email.in_(recipients)))).scalars().all()
    company = demo_users["applicant1"].organization_id
    assert len(recipients) == len(set(recipients)) == len(users)
    assert all(u.organization_id == company or (u.role == "local_official" and u.government == "kawasaki")
               for u in users), [(u.email, u.role, u.government) for u in users]
    subject = str(make_header(decode_header(inbox.messages[0][1]["Subject"])))
    assert "軽微な変更" in subject
    body = inbox.messages[0][1].get_payload(decode=True).decode("utf-8")
    assert "30,000,000円 → 31,500,000円" in body and f"/plan-changes/{change.id}" in body
    async with sessions() as session:
        rows = list((await session.execute(select(Notification).where(
            Notification.application_id == application_id))).scalars())
    mailed = {row.user_id for row in rows if row.mail_status == "sent"}
    assert mailed == {u.id for u in users}  # every stored notification was mailed, and no other
    assert all(row.kind == "plan_change_minor" for row in rows)
