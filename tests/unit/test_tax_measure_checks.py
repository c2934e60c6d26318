"""Where the tax measure is checked (docs/tax-measure.md): the settings that set its last date, the dates a
company plans, the dates officials decide, and the acquisition rules. Pure functions, no servers."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.core.applications.decision_dates import decision_date_errors
from services.core.applications.schemas import ApplicationContent, measure_date_errors
from services.core.follow_up.acquisition_rules import (
    AcquisitionFacts,
    DesignationFacts,
    building_key,
    check_acquisition,
    tax_benefit,
)
from services.core.platform.settings import Settings
from services.dev.demo_seed import DEMO_MEASURE_EXTENSION, with_demo_extension
from tests.factories import application_body
from workflows.contracts import FollowUpSettings

CONFIRMED = date(2026, 3, 31)


# --- settings ----------------------------------------------------------------------------------------------

def test_the_last_date_is_the_confirmed_one_unless_an_extension_is_set(monkeypatch):
    monkeypatch.delenv("TOKKU_MEASURE_EXTENSION_UNTIL", raising=False)
    plain = Settings(_env_file=None)
    assert plain.measure_extension_until is None and plain.measure_last_date == CONFIRMED
    assert plain.follow_up_settings().measure_sunset == CONFIRMED
    assert FollowUpSettings().measure_sunset == CONFIRMED
    extended = Settings(_env_file=None, measure_extension_until="2028-03-31")
    assert extended.measure_last_date == date(2028, 3, 31)
    assert extended.follow_up_settings().measure_sunset == date(2028, 3, 31)
    monkeypatch.setenv("TOKKU_MEASURE_EXTENSION_UNTIL", "2027-03-31")
    assert Settings(_env_file=None).measure_last_date == date(2027, 3, 31)


@pytest.mark.parametrize("extension", ["2026-03-31", "2025-12-31"])
def test_an_extension_must_end_after_the_confirmed_date(extension):
    with pytest.raises(ValidationError, match="must be after the tax measure's confirmed last date 2026-03-31"):
        Settings(_env_file=None, measure_extension_until=extension)


@pytest.mark.parametrize("name", ["TOKKU_MEASURE_SUNSET", "TOKKU_MINIMUM_COST_JPY"])
def test_retired_settings_are_refused_not_ignored(monkeypatch, name):
    monkeypatch.setenv(name, "2028-03-31")
    with pytest.raises(ValidationError, match=f"{name} is no longer a setting"):
        Settings(_env_file=None)


def test_tokku_dev_sets_a_demo_extension_and_says_so():
    settings, note = with_demo_extension(Settings(_env_file=None))
    assert settings.measure_extension_until == DEMO_MEASURE_EXTENSION
    assert "DEMO" in note and "2026-03-31" in note and "TOKKU_MEASURE_EXTENSION_UNTIL" in note
    chosen, note = with_demo_extension(Settings(_env_file=None, measure_extension_until="2027-03-31"))
    assert chosen.measure_extension_until == date(2027, 3, 31) and "DEMO" not in note


# --- the dates a company plans -------------------------------------------------------------------------------

def plan(**overrides) -> ApplicationContent:
    return ApplicationContent.model_validate(application_body(**overrides))


def fields_of(errors: list[dict]) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in errors]


def test_planned_dates_from_the_business_start_to_the_deadline_in_force():
    assert measure_date_errors(plan(acquisition_until="2026-03-31"), last_date=CONFIRMED) == []
    late = measure_date_errors(plan(acquisition_until="2026-04-01"), last_date=CONFIRMED)
    assert fields_of(late) == [("acquisition_until", "by_measure_deadline")]
    assert "令和8年3月31日" in late[0]["message"] and "acquisition deadline 2026-03-31" in late[0]["message"]
    items = [{"asset_class": "machinery", "description": "装置", "planned_cost_jpy": 30_000_000,
              "planned_acquisition_on": day} for day in ("2022-09-01", "2022-08-31", "2026-04-01")]
    assert fields_of(measure_date_errors(plan(equipment_items=items, acquisition_from="2022-08-01"),
                                         last_date=CONFIRMED)) == [
        ("acquisition_from", "from_business_start"),
        ("equipment_items.1.planned_acquisition_on", "from_business_start"),
        ("equipment_items.2.planned_acquisition_on", "by_measure_deadline")]
    assert measure_date_errors(plan(acquisition_until="2026-04-01"), last_date=date(2028, 3, 31)) == []
    assert measure_date_errors(plan(measure="regional_innovation_program", acquisition_until="2030-01-01"),
                               last_date=CONFIRMED) == []


# --- the dates officials decide ------------------------------------------------------------------------------

TODAY = date(2026, 12, 1)
EARLIER = {"held_from": date(2026, 8, 10), "filed_on": date(2026, 9, 5), "certified_on": date(2026, 9, 30)}


def designate(day: str, start: str | None = None, until: str = "2027-03-31") -> dict:
    return {"designation_number": "指定第1号", "designated_on": day, "acquisition_from": start or day,
            "acquisition_until": until}


@pytest.mark.parametrize("step, fields, expected", [
    ("council_consultation", {"held_from": "2026-12-01", "held_to": "2026-12-01"}, []),
    ("council_consultation", {"held_from": "2026-12-02"}, [("held_from", "not_in_future")]),
    ("local_filing", {"filed_on": "2026-08-10"}, []),
    ("local_filing", {"filed_on": "2026-08-09"}, [("filed_on", "after_previous_step")]),
    ("national_review", {"certified_on": "2026-09-04"}, [("certified_on", "after_previous_step")]),
    ("national_review", {"certified_on": "2026-12-02"}, [("certified_on", "not_in_future")]),
    ("designation", designate("2026-09-30"), []),
    ("designation", designate("2026-09-29"), [("designated_on", "after_previous_step")]),
    ("designation", designate("2026-12-02"), [("designated_on", "not_in_future")]),
    ("designation", designate("2026-10-01", until="2028-04-01"), [("acquisition_until", "window_by_sunset")]),
])
def test_decision_dates_in_order_and_not_in_the_future(step, fields, expected):
    errors = decision_date_errors(step, fields, EARLIER, today=TODAY, extension_until=date(2028, 3, 31))
    assert fields_of(errors) == expected
    for error in errors:
        assert error["message_ja"] and error["message_en"]


def test_a_designation_after_the_measures_end_without_the_extension():
    errors = decision_date_errors("designation", designate("2026-10-01"), EARLIER, today=TODAY)
    assert fields_of(errors) == [("designated_on", "designated_by_sunset"), ("acquisition_until", "window_by_sunset")]
    designated_within = {"certified_on": date(2025, 5, 1)}
    assert decision_date_errors("designation", designate("2026-03-31", until="2026-03-31"), designated_within,
                                today=TODAY) == []


def test_the_designated_window_starts_on_or_after_the_designation_day():
    errors = decision_date_errors("designation", designate("2026-10-01", start="2026-09-30"), EARLIER, today=TODAY,
                                  extension_until=date(2028, 3, 31))
    assert fields_of(errors) == [("acquisition_from", "window_from_designation")]


# --- acquisitions -------------------------------------------------------------------------------------------

DESIGNATION = DesignationFacts(designated_on=date(2025, 6, 2), acquisition_from=date(2025, 6, 2),
                               acquisition_until=date(2026, 3, 31), business_area="神奈川県川崎市川崎区殿町3丁目")


def facts(asset_class: str = "machinery", cost: int = 30_000_000, acquired_on: date = date(2025, 6, 2),
          building_total: int | None = None) -> AcquisitionFacts:
    return AcquisitionFacts(asset_class=asset_class, actual_cost_jpy=cost, acquired_on=acquired_on,
                            in_service_on=acquired_on, location="神奈川県川崎市川崎区殿町三丁目25番23号",
                            building_total_jpy=building_total)


def rules(found: list[dict]) -> set[str]:
    return {f["rule"] for f in found}


def test_the_designation_day_counts_and_the_day_before_does_not():
    assert check_acquisition(facts(acquired_on=date(2025, 6, 2)), DESIGNATION) == []
    assert rules(check_acquisition(facts(acquired_on=date(2025, 6, 1)), DESIGNATION)) == {
        "after_designation", "inside_window"}


def test_building_minimum_on_the_building_total():
    assert check_acquisition(facts("building_attachment", 30_000_000, building_total=180_000_000), DESIGNATION) == []
    assert rules(check_acquisition(facts("building_attachment", 30_000_000), DESIGNATION)) == {"minimum_cost"}
    short = check_acquisition(facts("structure", 30_000_000, building_total=99_999_999), DESIGNATION)
    assert rules(short) == {"minimum_cost"} and "99,999,999" in short[0]["message"]
    machinery = check_acquisition(facts("machinery", 19_999_999), DESIGNATION)
    assert "下限 20,000,000円 に達していません" in machinery[0]["message_ja"]


def test_benefit_of_one_asset_both_options():
    assert tax_benefit("building", 100_000_000, date(2025, 6, 2)) == {
        "basis_date": date(2025, 6, 2), "asset_class": "building", "special_depreciation_rate": 0.15,
        "special_depreciation_jpy": 15_000_000, "tax_credit_rate": 0.04, "tax_credit_jpy": 4_000_000,
        "provisional": False}
    assert tax_benefit("machinery", 100_000_000, date(2026, 12, 1)) is None  # no rule without an extension
    assert tax_benefit("machinery", 100_000_000, date(2026, 12, 1), extension_until=date(2028, 3, 31))["provisional"]


def test_building_names_are_compared_folded():
    assert building_key(" 研究棟Ａ\u3000 2号 ") == "研究棟A 2号"
    assert building_key("  ") is None and building_key(None) is None
