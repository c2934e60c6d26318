"""What an application does with `match_address` (issue #12, phase 2): what a draft keeps, what submission
needs, the area deciding the government, the stored area kept, and the acquisition rule's location check."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.core.applications.business_area import (
    KEPT_IN_DRAFT,
    apply_area,
    kept_area_context,
    settle_area_for_submission,
)
from services.core.applications.models import Application
from services.core.applications.schemas import ApplicationContent
from services.core.follow_up.acquisition_rules import AcquisitionFacts, DesignationFacts, check_acquisition
from services.core.zone.addresses import zone_data
from tests.zone_address_cases import CASES
from workflows.contracts import Government

FIRST_CASE_OF_AREA = {case.area: case for case in reversed(CASES) if case.accepted}
GOVERNMENT_OF_CITY = {"川崎市": Government.kawasaki, "横浜市": Government.yokohama, "藤沢市": Government.kanagawa}


@pytest.mark.parametrize("area", zone_data().areas, ids=lambda area: area.key)
def test_the_area_decides_the_government(area):
    """Kawasaki's areas → kawasaki, Yokohama's → yokohama, Fujisawa's (SFC) → kanagawa."""
    assert area.government == GOVERNMENT_OF_CITY[area.city]
    if area.key not in FIRST_CASE_OF_AREA:  # no published extent yet: no address is accepted there
        assert not any(case.area == area.key for case in CASES)
        return
    content = ApplicationContent(business_area=FIRST_CASE_OF_AREA[area.key].address)
    assert content.zone_match is not None and content.zone_match.key == area.key
    assert content.government == GOVERNMENT_OF_CITY[area.city]


@pytest.mark.parametrize("case", [c for c in CASES if c.reason and c.reason not in KEPT_IN_DRAFT],
                         ids=lambda case: case.address)
def test_a_draft_refuses_an_address_outside_the_zone_in_both_languages(case):
    with pytest.raises(ValidationError) as refused:
        ApplicationContent(business_area=case.address)
    [error] = refused.value.errors()
    assert error["loc"] == ("business_area",) and error["type"] == "zone_area"
    assert error["ctx"]["reason"] == case.reason
    assert error["ctx"]["nearest"][:1] == ([case.nearest] if case.nearest else [])
    assert "事業実施場所" in error["msg"] and "business area" in error["msg"]  # the field, named in both
    assert error["ctx"]["message_ja"] in error["msg"] and error["ctx"]["message"] in error["msg"]
    if case.nearest:  # the refusal names the nearest area of the address's city
        nearest = zone_data().area(case.nearest)
        assert nearest.name in error["msg"] and nearest.name_en in error["msg"]


@pytest.mark.parametrize("case", [c for c in CASES if c.reason in KEPT_IN_DRAFT], ids=lambda case: case.address)
def test_a_draft_keeps_an_address_at_an_unconfirmed_boundary_but_submission_is_refused(case):
    content = ApplicationContent(business_area=case.address)  # the draft keeps what was typed
    assert content.business_area == case.address.strip() and content.government is None
    application = Application(organization_id=1, created_by=1)
    apply_area(application, content.business_area)
    application.content = content.model_dump(mode="json", exclude_none=True)
    assert application.zone_area is None and application.government is None
    [error] = settle_area_for_submission(application)
    assert error["field"] == "business_area" and error["reason"] == case.reason
    assert "提出できません" in error["message"] and "cannot be submitted" in error["message"]
    assert zone_data().area(case.nearest).name in error["message"]
    assert "特区事務局" in error["message"] and "secretariat" in error["message"]


def test_an_application_keeps_its_area_while_its_address_is_unchanged():
    # Accepted under the old rules (migration 0007): 南幸 was taken for みなとみらい21; the data now refuses it.
    address = "横浜市西区南幸1-1-1"
    application = Application(organization_id=1, created_by=1, content={"business_area": address},
                              zone_area="minatomirai", government="yokohama")
    context = kept_area_context(application)
    content = ApplicationContent.model_validate({"business_area": address, "project_name": "改題"}, context=context)
    apply_area(application, content.business_area)
    assert (application.zone_area, application.government) == ("minatomirai", "yokohama")  # not re-derived
    assert settle_area_for_submission(application) == []
    # A new address is checked and derived again: refused outside the zone, matched inside it.
    with pytest.raises(ValidationError, match="区域外"):
        ApplicationContent.model_validate({"business_area": "横浜市西区北幸1丁目"}, context=context)
    apply_area(application, "藤沢市遠藤5322")
    assert (application.zone_area, application.government) == ("keio_sfc", "kanagawa")


def test_a_draft_saved_at_a_boundary_confirmed_since_gets_its_area_at_submission():
    application = Application(organization_id=1, created_by=1, content={"business_area": "川崎市高津区坂戸3-2-1"})
    assert settle_area_for_submission(application) == []
    assert (application.zone_area, application.government) == ("ksp", "kawasaki")


def facts(location: str) -> AcquisitionFacts:
    return AcquisitionFacts(asset_class="machinery", actual_cost_jpy=30_000_000, acquired_on=date(2026, 12, 1),
                            in_service_on=date(2026, 12, 10), location=location)


def designation(business_area: str | None, zone_area: str | None = None) -> DesignationFacts:
    return DesignationFacts(designated_on=date(2026, 10, 1), acquisition_from=date(2026, 10, 1),
                            acquisition_until=date(2028, 3, 31), business_area=business_area, zone_area=zone_area)


def location_findings(location: str, project: DesignationFacts) -> list[dict[str, str]]:
    return [f for f in check_acquisition(facts(location), project) if f["rule"] == "location_in_area"]


def test_acquisition_location_in_the_same_area_by_key_not_by_spelling():
    project = designation("神奈川県川崎市川崎区殿町3丁目")
    assert location_findings("殿町３－２５－２３", project) == []  # 殿町3-25-22 written otherwise: same area
    [other] = location_findings("川崎市川崎区南渡田町1-1", project)
    assert "THINK" in other["message_ja"] and "殿町区域" in other["message_ja"]
    assert "THINK" in other["message"]
    [refused] = location_findings("横浜市西区南幸1-1-1", designation("横浜市西区みなとみらい4-5-3"))
    assert "区域外" in refused["message_ja"] and "みなとみらい" in refused["message_ja"]


def test_acquisition_location_is_checked_against_the_area_the_application_keeps():
    # The business area text alone is refused now; the stored area (kept) is what the equipment is held to.
    project = designation("横浜市西区南幸1-1-1", zone_area="minatomirai")
    assert location_findings("横浜市西区みなとみらい四丁目5番1号", project) == []
    [finding] = location_findings("横浜市鶴見区末広町1丁目", project)
    assert "末広区域" in finding["message_ja"] and "みなとみらい" in finding["message_ja"]
