"""Minor or not (docs/plan-changes.md), and how the follow-up follows a new version: pure functions."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from services.core.plan_changes.classification import RULES, Kind, Window, classify, overall
from services.core.plan_changes.labels import summary_line
from workflows.contracts import DeadlineState, FollowUpSettings, PlannedItemRef
from workflows.follow_up import follow_up_deadlines, replan_items

WINDOW = Window(date(2026, 12, 1), date(2027, 9, 30))
BASE = {
    "project_name": "特殊環状ペプチド研究開発", "implementer": "ペプチドリーム株式会社",
    "business_area": "神奈川県川崎市川崎区殿町3丁目", "acquisition_from": "2026-12-01",
    "applicant": {"name": "ペプチドリーム株式会社", "phone": "044-270-1300"},
    "equipment_items": [
        {"item_id": 11, "asset_class": "machinery", "description": "ペプチド合成装置一式", "planned_cost_jpy": 30_000_000,
         "planned_acquisition_on": "2027-04-01"},
        {"item_id": 12, "asset_class": "rd_instrument", "description": "質量分析計", "planned_cost_jpy": 15_000_000}],
}


def changed(**edits) -> dict:
    proposed = copy.deepcopy(BASE)
    for key, value in edits.items():
        proposed[key] = value
    return proposed


def item(number: int, **edits) -> dict:
    return {**BASE["equipment_items"][number - 1], **edits}


def rules_of(proposed: dict, *, ratio: float = 0.10, proposed_area: str = "tonomachi") -> list[tuple[str, str]]:
    found = classify(base=BASE, proposed=proposed, window=WINDOW, cost_ratio=ratio, base_area="tonomachi",
                     proposed_area=proposed_area)
    return [(change.path, change.rule) for change in found]


def test_cost_within_the_tolerance_and_a_date_inside_the_window_are_minor():
    proposed = changed(equipment_items=[item(1, planned_cost_jpy=31_500_000, planned_acquisition_on="2027-06-01"),
                                        item(2)])
    found = classify(base=BASE, proposed=proposed, window=WINDOW, cost_ratio=0.10, base_area="tonomachi",
                     proposed_area="tonomachi")
    assert [(c.rule, c.kind) for c in found] == [("cost_within_tolerance", Kind.minor),
                                                 ("date_within_window", Kind.minor)]
    assert overall(found) == Kind.minor
    assert summary_line(found[0].as_dict(0.10)) == \
        "取得予定設備1「ペプチド合成装置一式」の取得予定価額: 30,000,000円 → 31,500,000円"


@pytest.mark.parametrize(("edit", "rule"), [
    ({"planned_cost_jpy": 33_000_001}, "cost_beyond_tolerance"),  # +10% and a yen
    ({"planned_cost_jpy": 26_999_999}, "cost_beyond_tolerance"),  # −10% and a yen
    ({"planned_acquisition_on": "2027-10-01"}, "date_outside_window"),
    ({"asset_class": "structure"}, "asset_class_changed"),
])
def test_a_field_beyond_the_rules_is_not_minor(edit, rule):
    proposed = changed(equipment_items=[item(1, **edit), item(2)])
    assert rules_of(proposed) == [(f"equipment_items.{next(iter(edit))}", rule)]
    assert RULES[rule].kind == Kind.not_minor


def test_the_tolerance_is_a_setting_and_its_edge_is_minor():
    proposed = changed(equipment_items=[item(1, planned_cost_jpy=33_000_000), item(2)])
    assert rules_of(proposed) == [("equipment_items.planned_cost_jpy", "cost_within_tolerance")]
    assert rules_of(proposed, ratio=0.05) == [("equipment_items.planned_cost_jpy", "cost_beyond_tolerance")]


def test_adding_an_item_is_not_minor_and_dropping_or_replacing_one_is_for_the_secretariat():
    building = {"item_id": None, "asset_class": "building", "description": "研究棟", "planned_cost_jpy": 800_000_000}
    added = classify(base=BASE, proposed=changed(equipment_items=[item(1), item(2), building]), window=WINDOW,
                     cost_ratio=0.1, base_area="tonomachi", proposed_area="tonomachi")
    assert [(c.path, c.rule, c.item_number) for c in added] == [("equipment_items", "item_added", 3)]
    assert overall(added) == Kind.not_minor
    assert summary_line(added[0].as_dict(0.1)) == "取得予定設備の追加: 建物「研究棟」800,000,000円"
    assert rules_of(changed(equipment_items=[item(1)])) == [("equipment_items", "item_removed")]
    assert rules_of(changed(equipment_items=[item(1, description="後継機種"), item(2)])) == \
        [("equipment_items.description", "item_replaced")]


def test_the_project_its_implementer_area_and_window_are_not_minor_its_contacts_are():
    assert rules_of(changed(implementer="別会社株式会社")) == [("implementer", "implementer")]
    assert rules_of(changed(acquisition_from="2027-01-01")) == [("acquisition_from", "window_changed")]
    assert rules_of(changed(business_area="神奈川県川崎市川崎区殿町三丁目25番23号")) == \
        [("business_area", "same_area_address")]
    assert rules_of(changed(business_area="神奈川県横浜市鶴見区末広町1丁目"), proposed_area="suehiro") == \
        [("business_area", "area_changed")]
    assert rules_of(changed(applicant={**BASE["applicant"], "phone": "044-000-0000"})) == \
        [("applicant.phone", "contact_details")]
    assert rules_of(changed(project_name="新しい事業名")) == [("project_name", "wording")]


def test_a_change_with_one_field_not_minor_is_not_minor():
    proposed = changed(implementer="別会社株式会社",
                       equipment_items=[item(1, planned_cost_jpy=31_000_000), item(2, description="後継機種")])
    assert overall(classify(base=BASE, proposed=proposed, window=WINDOW, cost_ratio=0.1, base_area="tonomachi",
                            proposed_area="tonomachi")) == Kind.not_minor
    assert rules_of(BASE) == []


NOW = datetime(2026, 12, 1, tzinfo=UTC)
SETTINGS = FollowUpSettings(measure_sunset=date(2099, 3, 31))
DESIGNATION = {"designated_on": "2026-12-01", "acquisition_from": "2026-12-01", "acquisition_until": "2027-09-30"}
ITEMS = [PlannedItemRef(id=11, description="ペプチド合成装置一式", planned_acquisition_on=date(2027, 4, 1)),
         PlannedItemRef(id=12, description="質量分析計")]


def test_the_follow_up_follows_a_new_version():
    deadlines = follow_up_deadlines(now=NOW, designation=DESIGNATION, items=ITEMS, settings=SETTINGS)
    by_key = {d.key: d for d in deadlines}
    by_key["acquisition:item:11"].state = DeadlineState.met  # reported and confirmed before the change
    later = NOW + timedelta(days=30)
    new_items = [PlannedItemRef(id=11, description="ペプチド合成装置一式", planned_acquisition_on=date(2027, 6, 1)),
                 PlannedItemRef(id=13, description="研究棟", planned_acquisition_on=date(2027, 7, 1))]
    replan_items(deadlines, now=later, designation=DESIGNATION, items=new_items, settings=SETTINGS)
    by_key = {d.key: d for d in deadlines}
    assert by_key["planned:item:11"].due_at.date() == date(2027, 6, 1) and by_key["planned:item:11"].planned_at == later
    assert by_key["acquisition:item:11"].state == DeadlineState.met, "what was met stays met"
    assert by_key["acquisition:item:12"].state == DeadlineState.cancelled, "a dropped item is cancelled"
    assert by_key["acquisition:item:13"].state == DeadlineState.open
    assert by_key["planned:item:13"].due_at.date() == date(2027, 7, 1)
    assert [d.key for d in deadlines].count("annual:2026") == 1, "the annual reports are not doubled"
