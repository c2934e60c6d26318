"""Minor or not (軽微な変更, 総合特別区域法 第14条第1項): each changed field of a proposal, classified by one
written rule, as pure functions. The rules and their sources are docs/plan-changes.md; a rule the sources do
not settle says `secretariat` (the secretariat decides and records why), and a number the sources do not fix
(the cost tolerance) is a setting, conservative by default.

A change is minor only when every changed field is; one field that is not minor makes the whole change go
through council, filing and certification again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    minor = "minor"  # notification only: recorded, the company and the government told
    not_minor = "not_minor"  # council → filing → certification → designation again
    secretariat = "secretariat"  # the sources leave it open: the secretariat decides, with its reason


@dataclass(frozen=True)
class Rule:
    kind: Kind
    ja: str
    en: str
    source: str  # docs/plan-changes.md source ids


RULES: dict[str, Rule] = {
    "cost_within_tolerance": Rule(
        Kind.minor, "既存設備の取得予定価額の増減が許容範囲（{ratio}）以内", "a planned item's cost moves by at most "
        "{ratio}", "S3, S6; the tolerance is a setting (TOKKU_PLAN_CHANGE_MINOR_COST_RATIO)"),
    "cost_beyond_tolerance": Rule(
        Kind.not_minor, "既存設備の取得予定価額の増減が許容範囲（{ratio}）を超える", "a planned item's cost moves by "
        "more than {ratio}", "S3, S6"),
    "date_within_window": Rule(
        Kind.minor, "取得予定日が指定された取得期間内での変更", "the planned acquisition date stays inside the "
        "designated acquisition window", "S3, S6, and the designation (総合特別区域法 第26条)"),
    "date_outside_window": Rule(
        Kind.not_minor, "取得予定日が指定された取得期間の外", "the planned acquisition date leaves the designated "
        "acquisition window", "S3, S6"),
    "date_removed": Rule(
        Kind.secretariat, "取得予定日の削除", "the planned acquisition date is removed", "S6"),
    "item_added": Rule(
        Kind.not_minor, "取得予定設備の追加", "a planned item is added", "S1 第2項, S6"),
    "item_removed": Rule(
        Kind.secretariat, "取得予定設備の取りやめ", "a planned item is dropped", "S6"),
    "asset_class_changed": Rule(
        Kind.not_minor, "設備の資産の種類の変更", "an item's asset class changes", "S1 第2項, S6"),
    "item_replaced": Rule(
        Kind.secretariat, "設備の内容の変更（入替え）", "an item's description changes (replacement)", "S6"),
    "same_area_address": Rule(
        Kind.minor, "同じ区域内での所在地表示の変更（地名・地番の変更等）", "the business address changes within the same "
        "zone area (place name, lot number)", "S7 (analogy)"),
    "area_changed": Rule(
        Kind.not_minor, "事業実施場所の区域の変更", "the business area moves to another zone area", "S1 第2項, S6"),
    "window_changed": Rule(
        Kind.not_minor, "設備の取得期間の変更", "the acquisition window changes", "S1 第2項; designation again"),
    "project_content": Rule(
        Kind.not_minor, "事業の内容・特別の措置の変更", "the project's content or special measure changes",
        "S1 第2項"),
    "implementer": Rule(
        Kind.not_minor, "実施主体の変更", "the implementing body changes", "S1 第2項"),
    "contact_details": Rule(
        Kind.minor, "申請者の連絡先（所在地・郵便番号・電話番号）の変更", "the company's address, postal code or phone "
        "changes", "S7 (analogy)"),
    "wording": Rule(
        Kind.secretariat, "記載内容の変更（内容に影響するかは事務局が判断）", "wording changes; whether it changes the "
        "project is for the secretariat", "S1 第7項 (what the plan fixes)"),
}

# Which rule a changed field falls under (items have their own rules below).
FIELD_RULES: dict[str, str] = {
    "measure": "project_content", "solution": "project_content", "rule_clauses": "project_content",
    "content": "project_content", "implementer": "implementer", "applicant.corporate_number": "implementer",
    "acquisition_from": "window_changed", "acquisition_until": "window_changed",
    "applicant.postal_code": "contact_details", "applicant.address": "contact_details",
    "applicant.phone": "contact_details",
    # project_name, necessity, equipment_overview, business_start_on, undisclosed_fields and the rest of the
    # company's profile: "wording" (FIELD_RULES.get(path, "wording")).
}
ITEM_FIELDS = ("asset_class", "description", "planned_cost_jpy", "planned_acquisition_on")


@dataclass(frozen=True)
class Window:
    """The designated acquisition window in force."""

    start: date
    until: date


@dataclass(frozen=True)
class FieldChange:
    path: str  # content path: implementer, applicant.phone, equipment_items.planned_cost_jpy
    before: Any
    after: Any
    rule: str
    kind: Kind
    item_id: int | None = None  # the planned item (equipment_items rows), None for a new one
    item_number: int | None = None  # its number in the proposal (or in the base, for a dropped one)
    item_description: str | None = None

    def as_dict(self, ratio: float) -> dict[str, Any]:
        rule = RULES[self.rule]
        percent = f"{ratio:.0%}"
        return {"path": self.path, "before": self.before, "after": self.after, "rule": self.rule,
                "kind": self.kind.value, "explanation_ja": rule.ja.format(ratio=percent),
                "explanation_en": rule.en.format(ratio=percent), "source": rule.source, "item_id": self.item_id,
                "item_number": self.item_number, "item_description": self.item_description}


def overall(changes: list[FieldChange]) -> Kind:
    kinds = {change.kind for change in changes}
    if Kind.not_minor in kinds:
        return Kind.not_minor
    if Kind.secretariat in kinds:
        return Kind.secretariat
    return Kind.minor


def _flat(content: dict[str, Any]) -> dict[str, Any]:
    """Content fields by path (the company's under applicant.), items left out."""
    flat = {key: value for key, value in content.items()
            if key not in ("applicant", "equipment_items", "typed_dates")}  # how a date was typed is no change
    flat.update({f"applicant.{key}": value for key, value in (content.get("applicant") or {}).items()})
    return flat


def _empty(value: Any) -> bool:
    return value in (None, "", [])


def classify(*, base: dict[str, Any], proposed: dict[str, Any], window: Window, cost_ratio: float,
             base_area: str | None, proposed_area: str | None) -> list[FieldChange]:
    """Every changed field of `proposed` against `base` (both with items carrying `item_id`; a new item has
    none), with its rule. `base_area`/`proposed_area` are the zone areas the business addresses fall in."""
    changes: list[FieldChange] = []
    before, after = _flat(base), _flat(proposed)
    for path in sorted(set(before) | set(after), key=_field_order):
        old, new = before.get(path), after.get(path)
        if old == new or (_empty(old) and _empty(new)):
            continue
        if path == "business_area":
            rule = "same_area_address" if base_area and base_area == proposed_area else "area_changed"
        else:
            rule = FIELD_RULES.get(path, "wording")
        changes.append(FieldChange(path, old, new, rule, RULES[rule].kind))
    changes += _item_changes(base.get("equipment_items") or [], proposed.get("equipment_items") or [], window,
                             cost_ratio)
    return changes


def _item_changes(base_items: list[dict], proposed_items: list[dict], window: Window,
                  cost_ratio: float) -> list[FieldChange]:
    changes: list[FieldChange] = []
    by_id = {item["item_id"]: (number, item) for number, item in enumerate(base_items, start=1)}
    kept = set()
    for number, item in enumerate(proposed_items, start=1):
        item_id = item.get("item_id")
        where = {"item_id": item_id, "item_number": number, "item_description": item.get("description")}
        if item_id is None or item_id not in by_id:
            changes.append(FieldChange("equipment_items", None, _item_summary(item), "item_added",
                                       Kind.not_minor, **where))
            continue
        kept.add(item_id)
        old = by_id[item_id][1]
        for name in ITEM_FIELDS:
            was, now = old.get(name), item.get(name)
            if was == now or (_empty(was) and _empty(now)):
                continue
            rule = _item_rule(name, was, now, window, cost_ratio)
            changes.append(FieldChange(f"equipment_items.{name}", was, now, rule, RULES[rule].kind, **where))
    for item_id, (number, item) in by_id.items():
        if item_id not in kept:
            changes.append(FieldChange("equipment_items", _item_summary(item), None, "item_removed", Kind.secretariat,
                                       item_id=item_id, item_number=number, item_description=item.get("description")))
    return changes


def _item_rule(name: str, was: Any, now: Any, window: Window, cost_ratio: float) -> str:
    if name == "asset_class":
        return "asset_class_changed"
    if name == "description":
        return "item_replaced"
    if name == "planned_cost_jpy":
        moved = abs(int(now) - int(was)) / int(was)
        return "cost_within_tolerance" if moved <= cost_ratio else "cost_beyond_tolerance"
    if _empty(now):
        return "date_removed"
    day = date.fromisoformat(str(now))
    return "date_within_window" if window.start <= day <= window.until else "date_outside_window"


def _item_summary(item: dict) -> dict[str, Any]:
    return {name: item.get(name) for name in ITEM_FIELDS}


FIELD_ORDER = ("measure", "project_name", "solution", "applicant.", "content", "rule_clauses", "necessity",
               "equipment_overview", "implementer", "business_area", "business_start_on", "acquisition_from",
               "acquisition_until", "undisclosed_fields")


def _field_order(path: str) -> tuple[int, str]:
    """The form's order (別紙1-2 a–g), so a diff reads like the application."""
    for index, prefix in enumerate(FIELD_ORDER):
        if path == prefix or (prefix.endswith(".") and path.startswith(prefix)):
            return index, path
    return len(FIELD_ORDER), path
