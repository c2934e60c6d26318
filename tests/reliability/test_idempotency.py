"""Every POST that creates or decides can be retried with the same Idempotency-Key: the retry answers with
the first result and writes nothing new — no second row, no second event in the audit trail."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from services.core.applications.models import Event
from services.core.follow_up.models import AcquisitionReport, AnnualReport
from services.core.platform.models import IdempotencyRecord
from tests.factories import COUNCIL_AGREE, application_body
from tests.follow_up.helpers import api_to_follow_up

TODAY = date.today()


def key() -> dict:
    return {"Idempotency-Key": f"retry-{uuid.uuid4()}"}


async def events_of(sessions, application_id: int) -> list[tuple]:
    async with sessions() as session:
        return (await session.execute(select(Event.seq, Event.kind, Event.step, Event.outcome)
                                      .where(Event.application_id == application_id).order_by(Event.seq))).all()


async def twice(api, path: str, body: dict | None = None) -> tuple:
    headers = key()
    first = await api.post(path, body, headers=headers)
    again = await api.post(path, body, headers=headers)
    assert first.status_code in (200, 201), first.text
    assert again.status_code == first.status_code, again.text
    return first.json(), again.json()


async def test_create_submit_decide_resubmit_withdraw_retried(as_user, sessions):
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    created, again = await twice(applicant, "/applications", application_body())
    assert again["id"] == created["id"]
    application_id = created["id"]

    submitted, again = await twice(applicant, f"/applications/{application_id}/submit")
    assert submitted["status"] == again["status"] == "intake_review"

    returned, again = await twice(official, f"/applications/{application_id}/decisions",
                                  {"step": "intake_review", "outcome": "return", "reason": "添付書類が不足"})
    assert returned["status"] == again["status"] == "revision_requested"

    resubmitted, again = await twice(applicant, f"/applications/{application_id}/resubmit")
    assert resubmitted["status"] == again["status"] == "intake_review"

    headers = key()
    accept = {"step": "intake_review", "outcome": "accept"}
    first = await official.post(f"/applications/{application_id}/decisions", accept, headers=headers)
    assert first.json()["status"] == "council_consultation"
    # The process moves on; a late retry of the accept still answers 200 and decides nothing again.
    moved = await (await as_user("secretariat1")).decide(application_id, COUNCIL_AGREE)
    assert moved.json()["status"] == "local_filing"
    late = await official.post(f"/applications/{application_id}/decisions", accept, headers=headers)
    assert late.status_code == 200, late.text

    withdrawn, again = await twice(applicant, f"/applications/{application_id}/withdraw", {"reason": "計画の見直し"})
    assert withdrawn["status"] == again["status"] == "withdrawn"

    kinds = [(kind, step, outcome) for _, kind, step, outcome in await events_of(sessions, application_id)]
    assert kinds == [("submitted", None, None), ("decision", "intake_review", "return"),
                     ("resubmitted", "revision_requested", None), ("decision", "intake_review", "accept"),
                     ("decision", "council_consultation", "agree"), ("withdrawn", "local_filing", None)]


async def test_draft_withdrawal_retried(as_user, sessions):
    applicant = await as_user("applicant1")
    draft = (await applicant.post("/applications", {"project_name": "取り下げの再送", "measure": "tax_incentive"})).json()
    withdrawn, again = await twice(applicant, f"/applications/{draft['id']}/withdraw", {"reason": "重複"})
    assert withdrawn["status"] == again["status"] == "withdrawn"
    assert [kind for _, kind, _, _ in await events_of(sessions, draft["id"])] == ["withdrawn"]


async def test_follow_up_reports_reviews_and_extensions_retried(as_user, sessions):
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    application_id = (await api_to_follow_up(as_user))["id"]
    base = f"/applications/{application_id}"
    deadlines = (await applicant.get(f"{base}/deadlines")).json()
    item_id = next(d["equipment_item_id"] for d in deadlines if d["kind"] == "acquisition_window")
    acquisition = {"equipment_item_id": item_id, "asset_class": "machinery", "description": "ペプチド合成装置",
                   "actual_cost_jpy": 31_500_000, "acquired_on": TODAY.isoformat(),
                   "location": "神奈川県川崎市川崎区殿町三丁目25番23号"}
    reported, again = await twice(applicant, f"{base}/acquisitions", acquisition)
    assert again == reported
    reviewed, again = await twice(official, f"{base}/acquisitions/{reported['id']}/review", {"outcome": "confirm"})
    assert again == reviewed and reviewed["review_status"] == "confirmed"

    year = min(d["fiscal_year"] for d in deadlines if d["kind"] == "annual_report")
    annual = {"fiscal_year": year, "investment_to_date_jpy": 31_500_000, "employees": 12}
    filed, again = await twice(applicant, f"{base}/annual-reports", annual)
    assert again == filed
    annual_review, again = await twice(official, f"{base}/annual-reports/{filed['id']}/review", {"outcome": "query",
                                                                                                "note": "内訳を"})
    assert again == annual_review

    window = next(d for d in deadlines if d["kind"] == "acquisition_window" and d["equipment_item_id"] != item_id)
    new_due = (date.fromisoformat(window["due_at"][:10]) + timedelta(days=45)).isoformat()
    extended, again = await twice(official, f"{base}/deadlines/{window['id']}/extend",
                                  {"new_due_on": new_due, "reason": "納期遅延"})
    assert [d for d in again if d["id"] == window["id"]] == [d for d in extended if d["id"] == window["id"]]

    async with sessions() as session:
        reports = await session.scalar(select(func.count()).select_from(AcquisitionReport)
                                       .where(AcquisitionReport.application_id == application_id))
        annuals = await session.scalar(select(func.count()).select_from(AnnualReport)
                                       .where(AnnualReport.application_id == application_id))
        keys = await session.scalar(select(func.count()).select_from(IdempotencyRecord)
                                    .where(IdempotencyRecord.operation.in_(
                                        [f"acquisition:{application_id}", f"annual:{application_id}"])))
    assert (reports, annuals) == (1, 1)
    assert keys == 2  # one key per report created
    follow_up_events = Counter(kind for _, kind, _, _ in await events_of(sessions, application_id))
    assert follow_up_events["acquisition_reported"] == 1
    assert follow_up_events["acquisition_reviewed"] == 1
    assert follow_up_events["annual_report_filed"] == 1
    assert follow_up_events["deadline_extended"] == 1


async def test_without_a_key_a_second_report_is_a_second_report(as_user, sessions):
    """The key is what makes a retry a retry: two requests without it are two reports (and 409 for a year)."""
    applicant = await as_user("applicant1")
    application_id = (await api_to_follow_up(as_user))["id"]
    deadlines = (await applicant.get(f"/applications/{application_id}/deadlines")).json()
    year = min(d["fiscal_year"] for d in deadlines if d["kind"] == "annual_report")
    annual = {"fiscal_year": year, "investment_to_date_jpy": 1, "employees": 1}
    assert (await applicant.post(f"/applications/{application_id}/annual-reports", annual)).status_code == 201
    assert (await applicant.post(f"/applications/{application_id}/annual-reports", annual)).status_code == 409
