"""The tax measure through the API (docs/tax-measure.md): what each acquisition earns by asset class, rate
period and day relative to the designation; a building judged with its attachments; the dates checked where
they are typed; the measure's last date with and without the extension setting. Real API, Temporal, DB.

The session's API runs with the demo extension (tests/conftest.py); a second API on the same database and
Temporal runs without it, as a deployment that has not set TOKKU_MEASURE_EXTENSION_UNTIL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
import uvicorn

from services.api.app import create_app
from services.api.pages.i18n import ASSET_CLASS_LABELS
from services.core.applications.decision_dates import today_in_japan
from services.core.platform.settings import Settings
from services.dev.demo_seed import DEMO_MEASURE_EXTENSION
from services.dev.temporal_dev import free_port
from tests.conftest import sign_in
from tests.factories import application_body

TODAY = today_in_japan()  # the server refuses dates after Japan's today (ahead of UTC from 15:00)
CONFIRMED_LAST_DATE = date(2026, 3, 31)
PLACE = "神奈川県川崎市川崎区殿町三丁目25番23号"
MACHINERY_CLASSES = ("machinery", "rd_instrument")
BUILDING_CLASSES = ("building", "building_attachment", "structure")

# Each rate period of data/tax-measure.json, by designation date: special depreciation and tax credit in %
# for (machinery and R&D instruments, buildings/attachments/structures). The sources are in the doc.
RATE_PERIODS = [
    pytest.param(date(2018, 6, 1), (40, 20), (12, 6), False, id="H30-year1 (designated 2018-04-01..2019-03-31)"),
    pytest.param(date(2021, 7, 1), (34, 17), (10, 5), False, id="H30-year2 (2019-04-01..2024-03-31)"),
    pytest.param(date(2025, 6, 2), (30, 15), (8, 4), False, id="R6 (2024-04-01..2026-03-31)"),
    # Ten days back, so that the day after the designation is a date a report may carry (not in the future).
    pytest.param(TODAY - timedelta(days=10), (30, 15), (8, 4), True,
                 id="extension setting (after 2026-03-31, provisional)"),
]


def decisions_up_to(designated_on: date, *, until: date | None = None) -> list[tuple[str, dict]]:
    """The official steps of an application designated that day, each dated before the next."""
    council = designated_on - timedelta(days=60)
    return [
        ("kawasaki1", {"step": "intake_review", "outcome": "accept"}),
        ("secretariat1", {"step": "council_consultation", "outcome": "agree", "method": "meeting",
                          "held_from": council.isoformat(), "held_to": council.isoformat()}),
        ("kawasaki1", {"step": "local_filing", "outcome": "file", "filed_on": (designated_on - timedelta(days=40))
                       .isoformat(), "reference": "川崎市 計画変更申請"}),
        ("cao1", {"step": "national_review", "outcome": "certify",
                  "certified_on": (designated_on - timedelta(days=10)).isoformat(), "reference": "府地事第123号"}),
        ("kawasaki1", designation(designated_on, until or designated_on + timedelta(days=300))),
    ]


def designation(designated_on: date, until: date, start: date | None = None) -> dict:
    return {"step": "designation", "outcome": "designate", "designation_number": f"指定第{uuid.uuid4().hex[:6]}号",
            "designated_on": designated_on.isoformat(), "acquisition_from": (start or designated_on).isoformat(),
            "acquisition_until": until.isoformat()}


def content_for(designated_on: date) -> dict:
    """The plan of a company whose business starts a year before its designation."""
    start = designated_on - timedelta(days=365)
    return application_body(business_start_on=start.isoformat(), acquisition_from=designated_on.isoformat(),
                            equipment_items=[{"asset_class": "machinery", "description": "ペプチド合成装置一式",
                                              "planned_cost_jpy": 30_000_000,
                                              "planned_acquisition_on": (designated_on + timedelta(days=30))
                                              .isoformat()}])


async def submitted(as_user, body: dict) -> int:
    applicant = await as_user("applicant1")
    created = await applicant.post("/applications", body)
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    assert (await applicant.post(f"/applications/{application_id}/submit")).status_code == 200
    return application_id


async def designated(as_user, designated_on: date, *, until: date | None = None) -> int:
    application_id = await submitted(as_user, content_for(designated_on))
    for username, body in decisions_up_to(designated_on, until=until):
        response = await (await as_user(username)).decide(application_id, body)
        assert response.status_code == 200, (body["step"], response.text)
    assert response.json()["status"] == "follow_up"
    return application_id


def acquisition(asset_class: str, cost: int, acquired_on: date, **extra) -> dict:
    # What a person types (the pages' words test flags anything that looks like an internal key, typed or not).
    return {"asset_class": asset_class, "description": f"{ASSET_CLASS_LABELS[asset_class][0]} 一式", "actual_cost_jpy": cost,
            # In service five days later, or today for a recent one: a report's dates are never in the future.
            "acquired_on": acquired_on.isoformat(),
            "in_service_on": min(acquired_on + timedelta(days=5), TODAY).isoformat(),
            "location": PLACE, **extra}


# --- each asset class × each rate period × before, on and after the designation day ------------------------

@pytest.mark.parametrize("designated_on, depreciation, credit, provisional", RATE_PERIODS)
async def test_benefit_by_asset_class_rate_period_and_designation_day(as_user, designated_on, depreciation, credit,
                                                                      provisional):
    application_id = await designated(as_user, designated_on)
    applicant = await as_user("applicant1")
    cost = 200_000_000  # above every minimum, so only the day decides
    for asset_class in MACHINERY_CLASSES + BUILDING_CLASSES:
        group = 0 if asset_class in MACHINERY_CLASSES else 1
        for offset, counts in ((-1, False), (0, True), (1, True)):
            acquired_on = designated_on + timedelta(days=offset)
            response = await applicant.post(f"/applications/{application_id}/acquisitions",
                                            acquisition(asset_class, cost, acquired_on))
            assert response.status_code == 201, response.text
            report = response.json()
            case = (asset_class, offset)
            if not counts:
                assert {f["rule"] for f in report["rule_findings"]} == {"after_designation", "inside_window"}, case
                assert report["tax_benefit"] is None, case
                continue
            assert report["rule_findings"] == [], case  # the designation day itself counts
            assert report["tax_benefit"] == {
                "basis_date": designated_on.isoformat(), "asset_class": asset_class,
                "special_depreciation_rate": depreciation[group] / 100,
                "special_depreciation_jpy": cost * depreciation[group] // 100,
                "tax_credit_rate": credit[group] / 100, "tax_credit_jpy": cost * credit[group] // 100,
                "provisional": provisional}, case
    listed = (await applicant.get(f"/applications/{application_id}/acquisitions")).json()
    assert len(listed) == 15 and sum(r["tax_benefit"] is not None for r in listed) == 10


# --- a building with its attachments: below and above the minimum together -------------------------------

async def test_a_building_is_judged_with_its_attachments(as_user):
    application_id = await designated(as_user, TODAY)
    applicant = await as_user("applicant1")
    path = f"/applications/{application_id}/acquisitions"

    async def report(asset_class: str, cost: int, **extra) -> dict:
        response = await applicant.post(path, acquisition(asset_class, cost, TODAY, **extra))
        assert response.status_code == 201, response.text
        return response.json()

    def rules(body: dict) -> set[str]:
        return {f["rule"] for f in body["rule_findings"]}

    # The case: a ¥30M attachment of a ¥150M building is not short of the ¥100M minimum.
    building_b = await report("building", 150_000_000, building_name="研究棟B")
    attachment_b = await report("building_attachment", 30_000_000, building_name="研究棟Ｂ")  # width-folded
    assert rules(building_b) == rules(attachment_b) == set()
    assert attachment_b["building_name"] == "研究棟B"
    assert attachment_b["tax_benefit"]["special_depreciation_jpy"] == 4_500_000  # 15% of ¥30M
    # Alone, the same attachment is judged on its own cost, and the finding asks for the building's total.
    alone = await report("building_attachment", 30_000_000)
    assert rules(alone) == {"minimum_cost"} and "合計額" in alone["rule_findings"][0]["message_ja"]
    assert alone["tax_benefit"] is None

    # Below the minimum together (¥60M + ¥30M = ¥90M), then above it once a structure joins (¥110M):
    # the earlier reports of the building are judged again, whatever order they came in.
    first = await report("building_attachment", 30_000_000, building_name="研究棟A")
    building = await report("building", 60_000_000, building_name="研究棟A")
    assert rules(first) == rules(building) == {"minimum_cost"}
    assert "90,000,000" in building["rule_findings"][0]["message"]
    structure = await report("structure", 20_000_000, building_name="研究棟A")
    assert rules(structure) == set()
    listed = {r["id"]: r for r in (await applicant.get(path)).json()}
    for earlier in (first, building):
        assert listed[earlier["id"]]["rule_findings"] == [] and listed[earlier["id"]]["tax_benefit"] is not None

    # Machinery is judged per unit: naming a building is refused, with the field named.
    refused = await applicant.post(path, acquisition("machinery", 30_000_000, TODAY, building_name="研究棟A"))
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "building_name"


# --- the totals per fiscal year and the cap ------------------------------------------------------------------

async def test_confirmed_acquisitions_are_totalled_per_fiscal_year_with_the_cap(as_user):
    designated_on = date(2025, 6, 2)  # R6 rates, not provisional
    application_id = await designated(as_user, designated_on)
    applicant, official = await as_user("applicant1"), await as_user("kawasaki1")
    path = f"/applications/{application_id}/acquisitions"
    bodies = [acquisition("machinery", 100_000_000, designated_on),  # FY2025
              acquisition("building", 200_000_000, date(2025, 9, 1)),  # FY2025
              acquisition("rd_instrument", 50_000_000, date(2026, 3, 20)),  # in service 2026-03-25: FY2025
              acquisition("machinery", 40_000_000, designated_on + timedelta(days=2))]  # left pending
    ids = []
    for body in bodies:
        response = await applicant.post(path, body)
        assert response.status_code == 201 and response.json()["rule_findings"] == [], response.text
        ids.append(response.json()["id"])
    for report_id in ids[:3]:
        assert (await official.post(f"{path}/{report_id}/review", {"outcome": "confirm"})).status_code == 200

    summary = (await applicant.get(f"/applications/{application_id}/tax-benefits")).json()
    assert summary["designated_on"] == "2025-06-02" and summary["provisional"] is False
    [year] = summary["years"]
    assert year["fiscal_year"] == 2025 and sorted(year["report_ids"]) == sorted(ids[:3])
    assert year["acquisition_cost_jpy"] == 350_000_000
    assert year["special_depreciation_jpy"] == 30_000_000 + 30_000_000 + 15_000_000  # 30%, 15%, 30%
    assert year["tax_credit_jpy"] == 8_000_000 + 8_000_000 + 4_000_000  # 8%, 4%, 8%
    cap = year["credit_cap"]
    assert cap["cap_pct_of_corporate_tax"] == 20 and cap["carryover_years"] == 0 and cap["cap_jpy"] is None
    assert "20%" in cap["formula"] and "法人税額 × 20%" in cap["formula_ja"]

    computed = (await applicant.get(f"/applications/{application_id}/tax-benefits",
                                    params={"fiscal_year": 2025, "corporate_tax_jpy": 60_000_000})).json()
    cap = computed["years"][0]["credit_cap"]
    assert (cap["corporate_tax_jpy"], cap["cap_jpy"], cap["allowed_jpy"], cap["lapsed_jpy"]) == (
        60_000_000, 12_000_000, 12_000_000, 8_000_000)
    other_year = (await applicant.get(f"/applications/{application_id}/tax-benefits",
                                      params={"fiscal_year": 2030, "corporate_tax_jpy": 60_000_000})).json()
    assert other_year["years"][0]["credit_cap"]["cap_jpy"] is None
    wrong = await applicant.get(f"/applications/{application_id}/tax-benefits", params={"corporate_tax_jpy": -1})
    assert wrong.status_code == 422
    assert (await (await as_user("applicant2")).get(f"/applications/{application_id}/tax-benefits")).status_code == 404


# --- dates checked where they are typed ---------------------------------------------------------------------

async def test_the_application_refuses_dates_outside_the_measure_naming_each_field(as_user):
    applicant = await as_user("applicant1")
    past_deadline = DEMO_MEASURE_EXTENSION + timedelta(days=1)
    body = application_body(acquisition_until=past_deadline.isoformat(), equipment_items=[
        {"asset_class": "machinery", "description": "装置", "planned_cost_jpy": 30_000_000,
         "planned_acquisition_on": "2022-08-31"}])  # the business starts on 2022-09-01
    refused = await applicant.post("/applications", body)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    errors = {e["field"]: e for e in detail["errors"]}
    assert set(errors) == {"acquisition_until", "equipment_items.0.planned_acquisition_on"}
    assert errors["acquisition_until"]["rule"] == "by_measure_deadline"
    assert "2028-03-31" in errors["acquisition_until"]["message"] and "取得期限" in errors["acquisition_until"]["message"]
    assert errors["equipment_items.0.planned_acquisition_on"]["rule"] == "from_business_start"
    assert "事業開始日" in errors["equipment_items.0.planned_acquisition_on"]["message"]
    assert detail["message"] and detail["message_ja"]

    created = await applicant.post("/applications", application_body(acquisition_until="2028-03-31"))
    assert created.status_code == 201, created.text
    late_start = await applicant.patch(f"/applications/{created.json()['id']}", {"acquisition_from": "2022-08-01"})
    assert late_start.status_code == 422
    assert [e["field"] for e in late_start.json()["detail"]["errors"]] == ["acquisition_from"]
    # Other measures are not held to the tax measure's deadline.
    other = await applicant.post("/applications", application_body(measure="regional_innovation_program",
                                                                   acquisition_until=past_deadline.isoformat()))
    assert other.status_code == 201, other.text


async def test_decision_dates_in_order_and_not_in_the_future(as_user):
    application_id = await submitted(as_user, content_for(TODAY))
    steps = decisions_up_to(TODAY)
    kawasaki = await as_user("kawasaki1")
    assert (await kawasaki.decide(application_id, steps[0][1])).status_code == 200
    secretariat = await as_user("secretariat1")
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    future = await secretariat.decide(application_id, {**steps[1][1], "held_from": tomorrow, "held_to": tomorrow})
    assert future.status_code == 422, future.text
    assert {(e["field"], e["rule"]) for e in future.json()["detail"]["errors"]} == {
        ("held_from", "not_in_future"), ("held_to", "not_in_future")}
    assert (await secretariat.decide(application_id, steps[1][1])).status_code == 200
    held_from = date.fromisoformat(steps[1][1]["held_from"])

    early = await kawasaki.decide(application_id, {**steps[2][1], "filed_on": (held_from - timedelta(days=1))
                                                   .isoformat()})
    assert early.status_code == 422
    [error] = early.json()["detail"]["errors"]
    assert (error["field"], error["rule"]) == ("filed_on", "after_previous_step") and "協議日" in error["message"]
    assert (await kawasaki.decide(application_id, steps[2][1])).status_code == 200
    filed_on = date.fromisoformat(steps[2][1]["filed_on"])

    cao = await as_user("cao1")
    early = await cao.decide(application_id, {**steps[3][1], "certified_on": (filed_on - timedelta(days=1)).isoformat()})
    assert early.status_code == 422 and early.json()["detail"]["errors"][0]["field"] == "certified_on"
    assert (await cao.decide(application_id, steps[3][1])).status_code == 200
    certified_on = date.fromisoformat(steps[3][1]["certified_on"])

    before_certification = certified_on - timedelta(days=1)
    early = await kawasaki.decide(application_id, designation(before_certification, TODAY + timedelta(days=30)))
    assert early.status_code == 422
    assert [(e["field"], e["rule"]) for e in early.json()["detail"]["errors"]] == [
        ("designated_on", "after_previous_step")]
    window_before = await kawasaki.decide(application_id, designation(TODAY, TODAY + timedelta(days=30),
                                                                      start=TODAY - timedelta(days=1)))
    assert window_before.status_code == 422
    assert window_before.json()["detail"]["errors"][0]["field"] == "acquisition_from"
    past_extension = await kawasaki.decide(application_id, designation(TODAY, DEMO_MEASURE_EXTENSION + timedelta(days=1)))
    assert past_extension.status_code == 422
    assert [(e["field"], e["rule"]) for e in past_extension.json()["detail"]["errors"]] == [
        ("acquisition_until", "window_by_sunset")]
    # On the day of certification, up to the last day of the extension: designated.
    done = await kawasaki.decide(application_id, designation(certified_on, DEMO_MEASURE_EXTENSION))
    assert done.status_code == 200 and done.json()["status"] == "follow_up", done.text


# --- the measure's last date without the extension setting ---------------------------------------------------

@pytest.fixture(scope="module")
async def api_without_extension(settings: Settings, worker, demo_users) -> AsyncIterator[httpx.AsyncClient]:
    """A second API on the same database and Temporal, configured as a deployment without an extension."""
    plain = settings.model_copy(update={"measure_extension_until": None, "api_port": free_port()})
    assert plain.measure_last_date == CONFIRMED_LAST_DATE
    server = uvicorn.Server(uvicorn.Config(create_app(plain), host="127.0.0.1", port=plain.api_port,
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{plain.api_port}", timeout=60) as client:
        yield client
    server.should_exit = True
    await task


async def test_the_last_date_without_and_with_the_extension_setting(as_user, api_without_extension):
    applicant = await sign_in(api_without_extension, "applicant1")
    official = await sign_in(api_without_extension, "kawasaki1")
    # Without the setting, the deadline is the last confirmed date: a window to 2026-04-01 is refused …
    body = application_body(acquisition_until="2026-04-01")
    refused = await applicant.post("/applications", body)
    assert refused.status_code == 422
    [error] = refused.json()["detail"]["errors"]
    assert error["field"] == "acquisition_until" and "2026-03-31" in error["message"]
    # … and accepted where the extension is set.
    assert (await (await as_user("applicant1")).post("/applications", body)).status_code == 201
    assert (await applicant.post("/applications", application_body(acquisition_until="2026-03-31"))).status_code == 201

    # Designating today (after 2026-03-31) is refused without the setting, with the date in force named …
    application_id = await submitted(as_user, content_for(TODAY))
    for username, decision in decisions_up_to(TODAY)[:-1]:
        assert (await (await as_user(username)).decide(application_id, decision)).status_code == 200
    late = await official.decide(application_id, designation(TODAY, TODAY + timedelta(days=30)))
    assert late.status_code == 422, late.text
    assert [(e["field"], e["rule"]) for e in late.json()["detail"]["errors"]] == [
        ("designated_on", "designated_by_sunset"), ("acquisition_until", "window_by_sunset")]
    assert "2026-03-31" in late.json()["detail"]["message"] and "適用期限" in late.json()["detail"]["message_ja"]
    # … and accepted under the extension, with provisional rates.
    extended = await (await as_user("kawasaki1")).decide(application_id, designation(TODAY, TODAY + timedelta(days=30)))
    assert extended.status_code == 200, extended.text
    report = await (await as_user("applicant1")).post(f"/applications/{application_id}/acquisitions",
                                                     acquisition("machinery", 50_000_000, TODAY))
    assert report.json()["tax_benefit"]["provisional"] is True
    # The deployment without the setting gives no rate for a designation past the confirmed date.
    listed = await applicant.get(f"/applications/{application_id}/acquisitions")
    assert listed.status_code == 200 and listed.json()[0]["tax_benefit"] is None
