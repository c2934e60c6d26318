"""Issue #12, acceptance 2: the API, the form's live check and the acquisition rule agree on every row of the
address table (tests/zone_address_cases.py) — one function, `match_address`, behind all three. Plus what
people see of it: the area's name on the application page and in the inbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from services.core.applications.business_area import KEPT_IN_DRAFT
from services.core.follow_up.acquisition_rules import AcquisitionFacts, DesignationFacts, check_acquisition
from services.core.zone.addresses import zone_data
from tests.factories import application_body
from tests.pages_http import page_session
from tests.zone_address_cases import CASES, Case

AREAS = {area.key: area for area in zone_data().areas}


@pytest.fixture(scope="module")
async def applicant_pages(api_url) -> AsyncIterator[httpx.AsyncClient]:
    client = await page_session(api_url, "applicant1")
    yield client
    await client.aclose()


def other_area(key: str) -> str:
    return "keio_sfc" if key != "keio_sfc" else "tonomachi"


def assert_names_nearest(case: Case, text: str) -> None:
    if case.nearest:
        assert AREAS[case.nearest].name in text, (case.address, text)


async def api_answer(as_user, case: Case) -> None:
    """(a) POST /api/v1/applications, and for an address a draft keeps, POST …/submit."""
    applicant = await as_user("applicant1")
    created = await applicant.post("/applications", application_body(business_area=case.address,
                                                                     project_name=f"区域確認 {case.address}"))
    if case.accepted:
        assert created.status_code == 201, (case.address, created.text)
        body = created.json()
        assert body["zone_area"] == case.area and body["zone_area_name"] == AREAS[case.area].name
        assert body["government"] == AREAS[case.area].government.value
        return
    if case.reason not in KEPT_IN_DRAFT:
        assert created.status_code == 422, (case.address, created.text)
        [error] = created.json()["detail"]
        assert error["loc"][-1] == "business_area" and error["ctx"]["reason"] == case.reason, error
        assert error["ctx"]["nearest"][:1] == ([case.nearest] if case.nearest else []), error
        assert "事業実施場所" in error["msg"] and "business area" in error["msg"]
        assert_names_nearest(case, error["msg"])
        return
    assert created.status_code == 201, (case.address, created.text)  # the draft keeps what was typed
    draft = created.json()
    assert draft["zone_area"] is None and draft["government"] is None
    submitted = await applicant.post(f"/applications/{draft['id']}/submit")
    assert submitted.status_code == 422, (case.address, submitted.text)
    [error] = submitted.json()["detail"]["errors"]
    assert error["field"] == "business_area" and error["reason"] == case.reason, error
    assert "提出できません" in error["message"] and "cannot be submitted" in error["message"]
    assert_names_nearest(case, error["message"])
    assert (await applicant.get(f"/applications/{draft['id']}")).json()["status"] == "draft"


async def live_check_answer(pages: httpx.AsyncClient, case: Case) -> None:
    """(b) the form's live check, GET /applications/check/business-area (what htmx asks as people type)."""
    response = await pages.get("/applications/check/business-area", params={"business_area": case.address})
    assert response.status_code == 200, response.text
    html = response.text
    area = re.search(r'data-zone-area="([^"]*)"', html)
    reason = re.search(r'data-zone-reason="([^"]*)"', html)
    if case.accepted:
        assert area and area.group(1) == case.area and not reason, (case.address, html)
        assert AREAS[case.area].name in html
        return
    assert reason and reason.group(1) == case.reason and not area, (case.address, html)
    assert_names_nearest(case, html)
    if case.nearest:  # a refusal lists the areas of the city the address is in
        city = AREAS[case.nearest].city
        assert [a.key for a in AREAS.values() if a.city == city and a.name not in html] == [], case.address


def acquisition_answer(case: Case) -> None:
    """(c) the acquisition rule with that location, against a project in the expected area and in another."""
    def location_findings(project_area: str) -> list[dict[str, str]]:
        report = AcquisitionFacts(asset_class="machinery", actual_cost_jpy=30_000_000, acquired_on=date(2026, 12, 1),
                                  in_service_on=date(2026, 12, 10), location=case.address)
        designation = DesignationFacts(designated_on=date(2026, 10, 1), acquisition_from=date(2026, 10, 1),
                                       acquisition_until=date(2028, 3, 31), business_area=None,
                                       zone_area=project_area)
        return [f for f in check_acquisition(report, designation) if f["rule"] == "location_in_area"]

    if case.accepted:
        assert location_findings(case.area) == [], case.address
        [elsewhere] = location_findings(other_area(case.area))
        assert AREAS[case.area].name in elsewhere["message_ja"] and AREAS[case.area].name_en in elsewhere["message"]
        return
    [refused] = location_findings(case.nearest or "tonomachi")
    assert "区域内と確認できません" in refused["message_ja"] and "not confirmed inside the zone" in refused["message"]
    assert_names_nearest(case, refused["message_ja"])


@pytest.mark.parametrize("case", CASES, ids=[c.address for c in CASES])
async def test_api_live_check_and_acquisition_rule_agree(as_user, applicant_pages, case: Case):
    await api_answer(as_user, case)
    await live_check_answer(applicant_pages, case)
    acquisition_answer(case)


async def test_the_area_name_on_the_application_page_and_in_the_inbox(as_user, api_url, applicant_pages):
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", application_body(
        project_name="KSP 区域表示の確認", business_area="〒213-0012 川崎市高津区坂戸三丁目2番1号 R&D C棟"))).json()
    assert (created["zone_area"], created["government"]) == ("ksp", "kawasaki")
    submitted = await applicant.post(f"/applications/{created['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    ksp = AREAS["ksp"].name

    page = (await applicant_pages.get(f"/applications/{created['id']}")).text
    assert ksp in page and ">ksp<" not in page
    official = await page_session(api_url, "kawasaki1")
    try:
        inbox = (await official.get("/inbox")).text
        row = next(r for r in inbox.split("<tr") if "KSP 区域表示の確認" in r)
        assert f"<td>{ksp}</td>" in row
        english = (await official.get(f"/applications/{created['id']}?lang=en")).text
        assert AREAS["ksp"].name_en in english
    finally:
        await official.aclose()
    tasks = (await (await as_user("kawasaki1")).get("/tasks")).json()
    task = next(t for t in tasks if t["application_id"] == created["id"])
    assert (task["zone_area"], task["zone_area_name"]) == ("ksp", ksp)


async def test_the_form_shows_the_area_of_a_saved_address_without_javascript(as_user, applicant_pages):
    """No script: the save answers with the page, and the area (or why not) stands next to the field."""
    applicant = await as_user("applicant1")
    draft = (await applicant.post("/applications", {"project_name": "新横浜の下書き",
                                                    "business_area": "横浜市港北区新横浜2丁目 KAKiYAビル"})).json()
    form = (await applicant_pages.get(f"/applications/{draft['id']}/edit")).text
    check = form.split('id="f-business-area-check"')[1].split("</span>\n</span>")[0]
    assert 'data-zone-reason="boundary_unconfirmed"' in check and AREAS["shinyokohama"].name in check
    assert "提出できません" in check
