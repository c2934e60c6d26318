"""Acquisition and annual reports, deadlines and extensions, the calendar feed — through the API."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from icalendar import Calendar

from tests.factories import DESIGNATE, TODAY
from tests.follow_up.helpers import api_to_follow_up

WINDOW_UNTIL = TODAY + timedelta(days=300)


@pytest.fixture
async def designated(as_user) -> dict:
    return await api_to_follow_up(as_user, equipment_items=[
        {"asset_class": "machinery", "description": "ペプチド合成装置一式", "planned_cost_jpy": 30_000_000,
         "planned_acquisition_on": (TODAY + timedelta(days=120)).isoformat()},
        {"asset_class": "building", "description": "研究棟", "planned_cost_jpy": 500_000_000}])


def report(**overrides) -> dict:
    body = {"asset_class": "machinery", "description": "ペプチド合成装置（型式 PS-3000）", "actual_cost_jpy": 31_500_000,
            "acquired_on": TODAY.isoformat(), "in_service_on": TODAY.isoformat(),
            "location": "神奈川県川崎市川崎区殿町三丁目25番23号"}
    body.update(overrides)
    return body


# Designated 200 days ago with a window that ended 20 days ago, so that every rule can be broken by a report
# of what has already happened (a report's dates cannot be in the future).
DESIGNATED_ON, PAST_WINDOW_UNTIL = TODAY - timedelta(days=200), TODAY - timedelta(days=20)
PAST_DESIGNATION = {**DESIGNATE, "designated_on": DESIGNATED_ON.isoformat(),
                    "acquisition_from": DESIGNATED_ON.isoformat(), "acquisition_until": PAST_WINDOW_UNTIL.isoformat()}


def in_window(days_after_designation: int) -> str:
    return (DESIGNATED_ON + timedelta(days=days_after_designation)).isoformat()


async def test_each_broken_rule_gets_its_finding_and_nothing_typed_is_lost(as_user):
    designated = await api_to_follow_up(as_user, designate=PAST_DESIGNATION)
    applicant = await as_user("applicant1")
    path = f"/applications/{designated['id']}/acquisitions"
    inside = {"acquired_on": in_window(100), "in_service_on": in_window(110)}
    cases = {
        "clean": (report(**inside), set()),
        "big_building": (report(**inside, asset_class="building", actual_cost_jpy=3_200_000_000), set()),  # > int4
        "cheap": (report(**inside, actual_cost_jpy=5_000_000), {"minimum_cost"}),
        "cheap_rd": (report(**inside, asset_class="rd_instrument", actual_cost_jpy=9_999_999), {"minimum_cost"}),
        "before_designation": (report(acquired_on=(DESIGNATED_ON - timedelta(days=3)).isoformat(),
                                      in_service_on=in_window(1)),
                               {"after_designation", "inside_window"}),
        "after_window": (report(acquired_on=(PAST_WINDOW_UNTIL + timedelta(days=10)).isoformat(),
                                in_service_on=(PAST_WINDOW_UNTIL + timedelta(days=12)).isoformat()),
                         {"inside_window", "in_service_by_deadline"}),
        "in_service_first": (report(acquired_on=in_window(100), in_service_on=in_window(90)),
                             {"in_service_after_acquisition"}),
        "no_in_service": (report(acquired_on=in_window(100), in_service_on=None), {"in_service_reported"}),
        "elsewhere": (report(**inside, location="神奈川県横浜市鶴見区末広町1丁目"), {"location_in_area"}),
        "outside_zone": (report(**inside, location="東京都千代田区永田町1丁目"), {"location_in_area"}),
    }
    for name, (body, expected) in cases.items():
        response = await applicant.post(path, body)
        assert response.status_code == 201, (name, response.text)
        stored = response.json()
        assert {f["rule"] for f in stored["rule_findings"]} == expected, name
        for finding in stored["rule_findings"]:
            assert finding["message"] and finding["message_ja"], name  # in words, both languages
        assert stored["description"] == body["description"] and stored["actual_cost_jpy"] == body["actual_cost_jpy"]
        assert stored["location"] == body["location"]
    cheap = [r for r in (await applicant.get(path)).json() if r["actual_cost_jpy"] == 5_000_000][0]
    assert "20,000,000" in cheap["rule_findings"][0]["message"] and "円" in cheap["rule_findings"][0]["message_ja"]
    listed = (await applicant.get(path)).json()
    assert len(listed) == len(cases)
    assert (await (await as_user("applicant2")).get(path)).status_code == 404
    unreadable = await applicant.post(path, report(actual_cost_jpy=-1, acquired_on="令和9年2月30日"))
    assert unreadable.status_code == 422
    assert {e["loc"][-1] for e in unreadable.json()["detail"]} == {"actual_cost_jpy", "acquired_on"}


async def test_a_report_of_what_has_not_happened_yet_is_refused(as_user, designated):
    """Dates after today (Japan's date) are refused, each named with its field; nothing is stored."""
    applicant = await as_user("applicant1")
    path = f"/applications/{designated['id']}/acquisitions"
    after_today = (TODAY + timedelta(days=2)).isoformat()  # after today in Japan too, whatever the hour
    refused = await applicant.post(path, report(acquired_on=after_today, in_service_on=after_today))
    assert refused.status_code == 422, refused.text
    errors = refused.json()["detail"]["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("acquired_on", "not_in_future"),
                                                        ("in_service_on", "not_in_future")]
    assert all(after_today in e["message"] and after_today in e["message_ja"] for e in errors)
    later_use = await applicant.post(path, report(in_service_on=after_today))
    assert later_use.status_code == 422 and [e["field"] for e in later_use.json()["detail"]["errors"]] == [
        "in_service_on"]
    assert (await applicant.get(path)).json() == []
    assert (await applicant.post(path, report())).status_code == 201  # today is not the future


async def test_report_settles_deadlines_and_official_reviews(as_user, designated):
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    item_id = await planned_item_id(applicant, designated["id"], "ペプチド合成装置一式")
    deadlines = (await applicant.get(f"/applications/{designated['id']}/deadlines")).json()
    by_key = {d["key"]: d for d in deadlines}
    assert by_key[f"acquisition:item:{item_id}"]["state"] == "open"
    assert by_key[f"planned:item:{item_id}"]["kind"] == "planned_acquisition"
    assert [d["fiscal_year"] for d in deadlines if d["kind"] == "annual_report"]
    created = await applicant.post(f"/applications/{designated['id']}/acquisitions", report(equipment_item_id=item_id))
    assert created.status_code == 201, created.text
    deadlines = {d["key"]: d for d in (await applicant.get(f"/applications/{designated['id']}/deadlines")).json()}
    assert deadlines[f"acquisition:item:{item_id}"]["state"] == "met"
    assert deadlines[f"planned:item:{item_id}"]["state"] == "met"
    review_path = f"/applications/{designated['id']}/acquisitions/{created.json()['id']}/review"
    assert (await applicant.post(review_path, {"outcome": "confirm"})).status_code == 403
    assert (await (await as_user("yokohama1")).post(review_path, {"outcome": "confirm"})).status_code == 404
    confirmed = await official.post(review_path, {"outcome": "confirm", "note": "現地確認済み"})
    assert confirmed.status_code == 200 and confirmed.json()["review_status"] == "confirmed"
    events = (await applicant.get(f"/applications/{designated['id']}")).json()["events"]
    assert [e["kind"] for e in events][-2:] == ["acquisition_reported", "acquisition_reviewed"]


async def planned_item_id(api, application_id: int, description: str) -> int:
    deadlines = (await api.get(f"/applications/{application_id}/deadlines")).json()
    keys = [d for d in deadlines if d["kind"] == "acquisition_window" and description in d["settled_by"]]
    return keys[0]["equipment_item_id"]


async def test_annual_report_and_extension(as_user, designated):
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    deadlines = (await applicant.get(f"/applications/{designated['id']}/deadlines")).json()
    year = min(d["fiscal_year"] for d in deadlines if d["kind"] == "annual_report")
    body = {"fiscal_year": year, "investment_to_date_jpy": 531_500_000, "employees": 42, "international_trials": 3,
            "products_launched": 1, "training_participants": 120, "data_science": True}
    filed = await applicant.post(f"/applications/{designated['id']}/annual-reports", body)
    assert filed.status_code == 201, filed.text
    again = await applicant.post(f"/applications/{designated['id']}/annual-reports", body)
    assert again.status_code == 409
    wrong_year = await applicant.post(f"/applications/{designated['id']}/annual-reports", {**body, "fiscal_year": 2001})
    assert wrong_year.status_code == 422 and str(year) in wrong_year.json()["detail"]["message"]
    deadlines = {d["key"]: d for d in (await applicant.get(f"/applications/{designated['id']}/deadlines")).json()}
    assert deadlines[f"annual:{year}"]["state"] == "met"

    window = next(d for d in deadlines.values() if d["kind"] == "acquisition_window")
    new_due = date.fromisoformat(window["due_at"][:10]) + timedelta(days=60)
    extend_path = f"/applications/{designated['id']}/deadlines/{window['id']}/extend"
    assert (await applicant.post(extend_path, {"new_due_on": new_due.isoformat(), "reason": "x"})).status_code == 403
    assert (await official.post(extend_path, {"new_due_on": new_due.isoformat(), "reason": ""})).status_code == 422
    past = await official.post(extend_path, {"new_due_on": "2020-01-01", "reason": "誤入力"})
    assert past.status_code == 422 and past.json()["detail"]["message_ja"]
    extended = await official.post(extend_path, {"new_due_on": new_due.isoformat(), "reason": "建屋工事の遅延"})
    assert extended.status_code == 200, extended.text
    row = next(d for d in extended.json() if d["id"] == window["id"])
    assert row["state"] == "extended" and row["extension_reason"] == "建屋工事の遅延"
    assert row["original_due_at"] == window["due_at"] and row["due_at"] != window["due_at"]
    assert row["days_left"] > window["days_left"]
    events = (await applicant.get(f"/applications/{designated['id']}")).json()["events"]
    assert events[-1]["kind"] == "deadline_extended" and events[-1]["actor"] == "kawasaki1"


async def test_calendar_feed(as_user, designated, http: httpx.AsyncClient):
    applicant = await as_user("applicant1")
    me = (await applicant.get("/auth/me")).json()
    link = await applicant.get(f"/organizations/{me['organization_id']}/calendar")
    assert link.status_code == 200
    url = link.json()["url"]
    feed = await http.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = [c for c in calendar.walk("VEVENT")]
    open_deadlines = [d for d in (await applicant.get(f"/applications/{designated['id']}/deadlines")).json()
                      if d["state"] in ("open", "extended") and d["kind"] != "step_target"]
    uids = {str(e["UID"]) for e in events}
    for deadline in open_deadlines:
        assert f"tokku-{designated['id']}-{deadline['key']}@tokku" in uids
    mine = [e for e in events if str(e["UID"]).startswith(f"tokku-{designated['id']}-")]
    assert len(mine) == len(open_deadlines)
    for event in mine:
        triggers = sorted(-alarm["TRIGGER"].dt for alarm in event.walk("VALARM"))
        assert triggers == sorted(timedelta(days=d) for d in (90, 30, 7, 1))
    wrong = await http.get(url.replace("token=", "token=x"))
    assert wrong.status_code == 404
    other = await (await as_user("applicant2")).get(f"/organizations/{me['organization_id']}/calendar")
    assert other.status_code == 404


async def test_follow_up_reports_refused_outside_follow_up(as_user):
    applicant = await as_user("applicant1")
    draft = (await applicant.post("/applications", {"project_name": "下書き"})).json()
    response = await applicant.post(f"/applications/{draft['id']}/acquisitions", report())
    assert response.status_code == 409 and "follow_up" in response.json()["detail"]["message"]
