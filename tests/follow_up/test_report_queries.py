"""Issue 20, "Queries are conversations": a query needs a note, tells the company (in the app; mailed when mail
is configured) and reopens the report's deadline; the company answers and may correct the report (the old
version kept); the report goes back to review; every step is in the timeline. Through the API."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import TODAY
from tests.follow_up.test_reports_and_deadlines import designated, planned_item_id, report  # noqa: F401 - fixture


async def _deadline_state(api, application_id: int, key: str) -> str:
    deadlines = (await api.get(f"/applications/{application_id}/deadlines")).json()
    return {d["key"]: d["state"] for d in deadlines}[key]


async def test_acquisition_query_answer_and_correction(as_user, designated):  # noqa: F811
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    application_id = designated["id"]
    item_id = await planned_item_id(applicant, application_id, "ペプチド合成装置一式")
    created = (await applicant.post(f"/applications/{application_id}/acquisitions",
                                    report(equipment_item_id=item_id))).json()
    key = f"acquisition:item:{item_id}"
    assert await _deadline_state(applicant, application_id, key) == "met"
    review = f"/applications/{application_id}/acquisitions/{created['id']}/review"

    for empty in ({"outcome": "query"}, {"outcome": "query", "note": "   "}):
        refused = await official.post(review, empty)
        assert refused.status_code == 422, refused.text
        assert "照会には" in refused.text
    not_queried = await applicant.post(f"/applications/{application_id}/acquisitions/{created['id']}/answer",
                                       {"note": "回答します"})
    assert not_queried.status_code == 409, not_queried.text

    queried = await official.post(review, {"outcome": "query", "note": "請求書の写しを添付し、取得価額を確認してください"})
    assert queried.status_code == 200, queried.text
    assert queried.json()["review_status"] == "queried"
    assert await _deadline_state(applicant, application_id, key) == "open"  # reopened while queried
    told = [n for n in (await applicant.get("/notifications")).json() if n["application_id"] == application_id]
    assert told and "照会" in told[0]["subject"] and "請求書の写し" in told[0]["body"]
    events = (await applicant.get(f"/applications/{application_id}")).json()["events"]
    assert (events[-1]["kind"], events[-1]["outcome"]) == ("acquisition_reviewed", "query")
    assert events[-1]["payload"]["note"].startswith("請求書の写し")

    after_today = (TODAY + timedelta(days=2)).isoformat()
    future = await applicant.post(f"/applications/{application_id}/acquisitions/{created['id']}/answer", {
        "note": "取得日を訂正します", "acquisition": report(equipment_item_id=item_id, acquired_on=after_today)})
    assert future.status_code == 422, future.text  # a correction is held to the same dates as the report
    assert [e["field"] for e in future.json()["detail"]["errors"]] == ["acquired_on"]

    answer = await applicant.post(f"/applications/{application_id}/acquisitions/{created['id']}/answer", {
        "note": "取得価額を訂正します（値引き後の金額）",
        "acquisition": report(equipment_item_id=item_id, actual_cost_jpy=30_800_000)})
    assert answer.status_code == 201, answer.text
    assert answer.json()["corrected"] and answer.json()["version"] == 2
    reports = (await applicant.get(f"/applications/{application_id}/acquisitions")).json()
    current = next(r for r in reports if r["id"] == created["id"])
    assert current["actual_cost_jpy"] == 30_800_000 and current["review_status"] == "pending"
    assert await _deadline_state(applicant, application_id, key) == "met"
    messages = (await applicant.get(f"/applications/{application_id}/report-messages")).json()
    assert [(m["kind"], m["version"]) for m in messages] == [("query", 1), ("answer", 2)]
    events = (await official.get(f"/applications/{application_id}")).json()["events"]
    assert events[-1]["kind"] == "report_answered" and events[-1]["payload"]["corrected"] is True
    officials_told = [n for n in (await official.get("/notifications")).json()
                      if n["application_id"] == application_id]
    assert officials_told and "回答" in officials_told[0]["subject"]

    confirmed = await official.post(review, {"outcome": "confirm"})
    assert confirmed.status_code == 200 and confirmed.json()["review_status"] == "confirmed"


async def test_annual_report_confirm_and_query_are_in_the_timeline(as_user, designated):  # noqa: F811
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    application_id = designated["id"]
    deadlines = (await applicant.get(f"/applications/{application_id}/deadlines")).json()
    years = sorted(d["fiscal_year"] for d in deadlines if d["kind"] == "annual_report")
    this_year = min(years)  # a year's report is filed once the year has begun
    not_begun = await applicant.post(f"/applications/{application_id}/annual-reports", {
        "fiscal_year": this_year + 1, "investment_to_date_jpy": 5_000_000, "employees": 40})
    assert not_begun.status_code == 422 and "まだ始まっていません" in not_begun.text, not_begun.text
    filed = await applicant.post(f"/applications/{application_id}/annual-reports", {
        "fiscal_year": this_year, "investment_to_date_jpy": 5_000_000, "employees": 40})
    assert filed.status_code == 201, filed.text
    path = f"/applications/{application_id}/annual-reports/{filed.json()['id']}"
    confirmed = await official.post(f"{path}/review", {"outcome": "confirm"})
    assert confirmed.status_code == 200, confirmed.text
    events = (await applicant.get(f"/applications/{application_id}")).json()["events"]
    assert (events[-1]["kind"], events[-1]["outcome"]) == ("annual_report_reviewed", "confirm")

    assert (await official.post(f"{path}/review", {"outcome": "query", "note": ""})).status_code == 422
    queried = await official.post(f"{path}/review", {"outcome": "query", "note": "従業員数の内訳を示してください"})
    assert queried.status_code == 200, queried.text
    assert await _deadline_state(applicant, application_id, f"annual:{this_year}") == "open"
    wrong_year = await applicant.post(f"{path}/answer", {"note": "訂正", "annual": {
        "fiscal_year": this_year - 1, "investment_to_date_jpy": 5_000_000, "employees": 41}})
    assert wrong_year.status_code == 422, wrong_year.text
    answered = await applicant.post(f"{path}/answer", {"note": "正社員38名・契約2名です"})
    assert answered.status_code == 201 and not answered.json()["corrected"]
    assert await _deadline_state(applicant, application_id, f"annual:{this_year}") == "met"
    kinds = [(e["kind"], e["outcome"]) for e in (await applicant.get(f"/applications/{application_id}")).json()["events"]]
    assert kinds[-2:] == [("annual_report_reviewed", "query"), ("report_answered", None)]
