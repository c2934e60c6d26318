"""The tax measure as dated rules (services/core/measures/tax.py, data/tax-measure.json, docs/tax-measure.md)."""

from __future__ import annotations

import ast
import json
import sys
from datetime import date

import pytest
from pydantic import ValidationError

from services.core.measures import tax
from services.core.measures.tax import (
    DATA_PATH,
    MeasureNotInForce,
    TaxMeasure,
    acquisition_in_window,
    benefit,
    check_designation,
    credits_for_year,
    last_date,
    lawful_window,
    minimum_cost_finding,
    rules_on,
)

CONFIRMED_SUNSET = date(2026, 3, 31)
EXTENSION = date(2028, 3, 31)


def raw() -> dict:
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


# --- the data ---------------------------------------------------------------------------------------------------

def test_data_loads_and_every_value_cites_a_dated_source():
    measure = tax.default_measure()
    assert measure.sunset.last_confirmed == CONFIRMED_SUNSET and not measure.sunset.extension_confirmed
    for rule in measure.rules:
        assert rule.applies_by == "designated_on" and rule.source
        for key in rule.source:
            assert measure.sources[key].url.startswith("http") and measure.sources[key].read_on == date(2026, 12, 1)
    assert measure.rules[-1].in_force_until == CONFIRMED_SUNSET


def test_a_later_reform_is_one_new_dated_entry_not_a_code_change():
    data = raw()
    data["sunset"]["last_confirmed"] = "2028-03-31"
    data["rules"].append({**data["rules"][-1], "id": "r8-reform", "in_force_from": "2026-04-01",
                          "in_force_until": "2028-03-31", "depreciation_pct": {"machinery": 25, "building": 12},
                          "credit_pct": {"machinery": 7, "building": 3}, "source": ["mof-r8-taikou"]})
    reformed = TaxMeasure.model_validate(data)
    assert rules_on(date(2026, 4, 1), measure=reformed).id == "r8-reform"
    assert rules_on(date(2026, 3, 31), measure=reformed).id == "r6-reform"
    assert benefit("machinery", 100_000_000, date(2026, 4, 1), measure=reformed).amount_jpy == 25_000_000
    assert check_designation(date(2026, 4, 1), date(2026, 4, 1), date(2028, 3, 31), measure=reformed) == []


@pytest.mark.parametrize("change, error", [
    (lambda d: d["rules"][1].update(in_force_from="2019-03-31"), "starts before"),
    (lambda d: d["rules"][0].update(source=["nowhere"]), "unknown source"),
    (lambda d: d["rules"][-1].update(in_force_until="2027-03-31"), "past the confirmed sunset"),
    (lambda d: d["rules"][0]["credit_pct"].pop("building"), "lacks a value"),
])
def test_inconsistent_data_is_refused(change, error):
    data = raw()
    change(data)
    with pytest.raises(ValidationError, match=error):
        TaxMeasure.model_validate(data)


def test_the_module_is_pure():
    tree = ast.parse((DATA_PATH.parents[1] / "services/core/measures/tax.py").read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    tops = {module.split(".")[0] for module in modules}
    assert tops <= set(sys.stdlib_module_names) | {"pydantic", "__future__"}, tops


# --- which rules apply: the designation date --------------------------------------------------------------------

@pytest.mark.parametrize("designated_on, rule_id", [
    (date(2018, 4, 1), "h30-year1"), (date(2019, 3, 31), "h30-year1"),
    (date(2019, 4, 1), "h30-year2"), (date(2024, 3, 31), "h30-year2"),
    (date(2024, 4, 1), "r6-reform"), (date(2026, 3, 31), "r6-reform"),
])
def test_rules_switch_on_the_designation_date(designated_on, rule_id):
    rule = rules_on(designated_on)
    assert rule.id == rule_id and not rule.provisional


@pytest.mark.parametrize("designated_on", [date(2018, 3, 31), date(2011, 8, 1), date(2026, 4, 1), date(2026, 12, 1)])
def test_no_rule_outside_the_encoded_periods(designated_on):
    assert rules_on(designated_on) is None


def test_an_extension_setting_reuses_the_last_rates_provisionally():
    rule = rules_on(date(2026, 4, 1), extension_until=EXTENSION)
    assert rule.id == "r6-reform" and rule.provisional
    assert rules_on(EXTENSION, extension_until=EXTENSION).provisional
    assert rules_on(date(2028, 4, 1), extension_until=EXTENSION) is None
    assert not rules_on(date(2026, 3, 31), extension_until=EXTENSION).provisional


def test_last_date_is_the_confirmed_sunset_unless_an_extension_is_set():
    assert last_date() == CONFIRMED_SUNSET
    assert last_date(extension_until=EXTENSION) == EXTENSION
    for wrong in (CONFIRMED_SUNSET, date(2025, 3, 31)):
        with pytest.raises(ValueError, match="after the confirmed sunset"):
            last_date(extension_until=wrong)


# --- minimum acquisition cost ----------------------------------------------------------------------------------

@pytest.mark.parametrize("asset_class, minimum", [("machinery", 20_000_000), ("rd_instrument", 10_000_000)])
def test_per_unit_minimum_boundary(asset_class, minimum):
    assert minimum_cost_finding(asset_class, minimum) is None
    found = minimum_cost_finding(asset_class, minimum - 1)
    assert found.rule == "minimum_cost" and found.field == "cost_jpy" and f"{minimum:,}" in found.message_ja


def test_a_building_attachment_is_judged_with_its_building():
    # ¥30M of attachments in a ¥150M building: the building with its attachments is ¥180M, above ¥100M
    assert minimum_cost_finding("building_attachment", 30_000_000, building_total=180_000_000) is None
    assert minimum_cost_finding("building", 150_000_000, building_total=180_000_000) is None
    # without the total it can only be judged alone, and the finding asks for the total
    alone = minimum_cost_finding("building_attachment", 30_000_000)
    assert alone is not None and "合計額" in alone.message_ja and "together" in alone.message


@pytest.mark.parametrize("asset_class", ["building", "building_attachment", "structure"])
def test_building_total_boundary(asset_class):
    assert minimum_cost_finding(asset_class, 10_000_000, building_total=100_000_000) is None
    short = minimum_cost_finding(asset_class, 10_000_000, building_total=99_999_999)
    assert short.field == "building_total_jpy" and "99,999,999" in short.message
    assert minimum_cost_finding(asset_class, 100_000_000) is None


def test_building_total_includes_the_asset():
    with pytest.raises(ValueError, match="includes this asset"):
        minimum_cost_finding("building_attachment", 30_000_000, building_total=20_000_000)
    with pytest.raises(ValueError):
        minimum_cost_finding("machinery", -1)


# --- the benefit -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("designated_on, machinery, building", [
    (date(2019, 3, 31), 40, 20), (date(2019, 4, 1), 34, 17), (date(2024, 3, 31), 34, 17), (date(2024, 4, 1), 30, 15),
])
def test_depreciation_rates_by_designation_date(designated_on, machinery, building):
    cost = 200_000_000
    assert benefit("machinery", cost, designated_on).amount_jpy == cost * machinery // 100
    assert benefit("rd_instrument", cost, designated_on).rate_pct == machinery
    for asset_class in ("building", "building_attachment", "structure"):
        found = benefit(asset_class, cost, designated_on)
        assert found.rate_pct == building and found.allowed_jpy == cost * building // 100 and found.cap_jpy is None


@pytest.mark.parametrize("designated_on, machinery, building", [
    (date(2019, 3, 31), 12, 6), (date(2019, 4, 1), 10, 5), (date(2024, 3, 31), 10, 5), (date(2024, 4, 1), 8, 4),
])
def test_credit_rates_by_designation_date(designated_on, machinery, building):
    assert benefit("machinery", 100_000_000, designated_on, choice="credit").amount_jpy == machinery * 1_000_000
    assert benefit("building", 100_000_000, designated_on, choice="credit").amount_jpy == building * 1_000_000


def test_credit_cap_is_20_percent_of_the_years_corporate_tax_and_the_rest_lapses():
    # ¥100M machinery designated 2024-04-01: 8% = ¥8M; corporate tax ¥30M: cap ¥6M
    capped = benefit("machinery", 100_000_000, date(2024, 4, 1), choice="credit", corporate_tax=30_000_000)
    assert (capped.amount_jpy, capped.cap_jpy, capped.allowed_jpy, capped.lapsed_jpy) == (
        8_000_000, 6_000_000, 6_000_000, 2_000_000)
    assert capped.carryover_years == 0
    exact = benefit("machinery", 100_000_000, date(2024, 4, 1), choice="credit", corporate_tax=40_000_000)
    assert (exact.allowed_jpy, exact.lapsed_jpy) == (8_000_000, 0)
    unknown = benefit("machinery", 100_000_000, date(2024, 4, 1), choice="credit")
    assert unknown.cap_jpy is None and unknown.allowed_jpy is None


def test_the_cap_applies_to_the_years_credits_together():
    year = credits_for_year([("machinery", 100_000_000), ("building", 200_000_000)], date(2024, 4, 1),
                            corporate_tax=50_000_000)
    assert (year.total_jpy, year.cap_jpy, year.allowed_jpy, year.lapsed_jpy) == (
        16_000_000, 10_000_000, 10_000_000, 6_000_000)
    assert [item.amount_jpy for item in year.items] == [8_000_000, 8_000_000]


def test_amounts_are_rounded_down_to_the_yen():
    assert benefit("building", 100_000_099, date(2024, 4, 1), choice="credit").amount_jpy == 4_000_003
    assert benefit("machinery", 100_000_099, date(2024, 4, 1), choice="credit",
                   corporate_tax=1_000_004).cap_jpy == 200_000


def test_no_benefit_without_a_rule_and_a_provisional_one_under_an_extension():
    with pytest.raises(MeasureNotInForce):
        benefit("machinery", 50_000_000, date(2026, 4, 1))
    with pytest.raises(MeasureNotInForce):
        credits_for_year([], date(2017, 4, 1), corporate_tax=1)
    extended = benefit("machinery", 50_000_000, date(2026, 4, 1), extension_until=EXTENSION)
    assert extended.provisional and extended.rate_pct == 30


# --- the acquisition window ------------------------------------------------------------------------------------

def test_the_designation_day_is_inside_the_window():
    designated, until = date(2025, 6, 2), date(2026, 3, 31)
    assert acquisition_in_window(designated, designated, until)
    assert not acquisition_in_window(date(2025, 6, 1), designated, until)
    assert acquisition_in_window(until, designated, until)
    assert not acquisition_in_window(date(2026, 4, 1), designated, until)


def test_a_later_window_start_counts_from_that_start():
    designated, start, until = date(2025, 6, 2), date(2025, 7, 1), date(2026, 3, 31)
    assert not acquisition_in_window(date(2025, 6, 30), designated, until, acquisition_from=start)
    assert acquisition_in_window(start, designated, until, acquisition_from=start)
    # an earlier start does not make acquisitions before designation count
    assert not acquisition_in_window(date(2025, 6, 1), designated, until, acquisition_from=date(2025, 5, 1))


def test_lawful_window_clips_to_designation_and_sunset():
    assert lawful_window(date(2025, 6, 2), date(2025, 5, 1), date(2027, 3, 31)) == (date(2025, 6, 2), CONFIRMED_SUNSET)
    assert lawful_window(date(2026, 4, 1), date(2026, 4, 1), date(2027, 3, 31), extension_until=EXTENSION)[1] \
        == date(2027, 3, 31)


# --- checking a designation ------------------------------------------------------------------------------------

def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


def test_a_designation_within_the_measure_passes_including_the_boundaries():
    assert check_designation(date(2025, 6, 2), date(2025, 6, 2), date(2026, 3, 31)) == []
    assert check_designation(CONFIRMED_SUNSET, CONFIRMED_SUNSET, CONFIRMED_SUNSET) == []


def test_window_starting_before_designation():
    found = check_designation(date(2025, 6, 2), date(2025, 6, 1), date(2026, 3, 31))
    assert rules_of(found) == ["window_from_designation"] and found[0].field == "acquisition_from"
    assert found[0].message and found[0].message_ja and found[0].severity == "error"


def test_window_past_the_last_acquisition_date():
    found = check_designation(date(2025, 6, 2), date(2025, 6, 2), date(2026, 4, 1))
    assert rules_of(found) == ["window_by_sunset"] and found[0].field == "acquisition_until"
    assert "2026-03-31" in found[0].message and "setting" in found[0].message


def test_designation_after_the_sunset_without_and_with_an_extension():
    late = date(2026, 4, 1)
    found = check_designation(late, late, date(2027, 3, 31))
    assert rules_of(found) == ["designated_by_sunset", "window_by_sunset"]
    assert found[0].field == "designated_on"
    extended = check_designation(late, late, date(2027, 3, 31), extension_until=EXTENSION)
    assert rules_of(extended) == ["rates_unconfirmed"] and extended[0].severity == "warning"
    past_extension = check_designation(date(2028, 4, 1), date(2028, 4, 1), date(2028, 5, 1), extension_until=EXTENSION)
    assert rules_of(past_extension) == ["designated_by_sunset", "window_by_sunset"]
    assert "extended by the deployment setting" in past_extension[0].message


def test_window_order_and_start_of_the_measure():
    assert rules_of(check_designation(date(2025, 6, 2), date(2025, 7, 1), date(2025, 6, 30))) == ["window_order"]
    assert rules_of(check_designation(date(2011, 7, 31), date(2011, 7, 31), date(2012, 3, 31))) == [
        "designated_after_start"]
