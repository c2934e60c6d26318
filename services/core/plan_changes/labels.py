"""Japanese words for a plan change's summary (the audit event and the mail): what changed, field by field.
The pages have their own bilingual labels (services/api/pages/i18n.py); these are the mail's."""

from __future__ import annotations

from typing import Any

FIELD_LABELS_JA = {
    "measure": "特別の措置", "project_name": "事業名", "solution": "解決策", "content": "a) 事業の内容",
    "rule_clauses": "b) 該当する施行規則の条項", "necessity": "c) 位置付け及び必要性",
    "equipment_overview": "d) 設置する設備の概要", "implementer": "e) 実施主体", "business_area": "f) 事業実施場所",
    "business_start_on": "g) 事業開始日", "acquisition_from": "g) 設備取得開始日", "acquisition_until": "g) 設備取得期限",
    "undisclosed_fields": "非公表とする項目", "applicant.corporate_number": "法人番号", "applicant.name": "名称",
    "applicant.postal_code": "郵便番号", "applicant.address": "所在地", "applicant.phone": "電話番号",
    "applicant.founded_on": "設立年月日", "applicant.capital_jpy": "資本金", "applicant.industry": "業種",
    "applicant.business_summary": "業務概要", "applicant.details": "詳細", "applicant.history": "沿革",
    "equipment_items.asset_class": "資産の種類", "equipment_items.description": "設備の内容",
    "equipment_items.planned_cost_jpy": "取得予定価額", "equipment_items.planned_acquisition_on": "取得予定日",
}
ASSET_LABELS_JA = {"machinery": "機械・装置", "rd_instrument": "開発研究用器具・備品", "building": "建物",
                   "building_attachment": "建物附属設備", "structure": "構築物"}


def _value(path: str, value: Any) -> str:
    if value in (None, "", []):
        return "（なし）"
    if path.endswith("planned_cost_jpy") and isinstance(value, int):
        return f"{value:,}円"
    if path.endswith("asset_class"):
        return ASSET_LABELS_JA.get(value, str(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def summary_line(change: dict[str, Any]) -> str:
    """One changed field in words: 取得予定設備1「ペプチド合成装置一式」の取得予定価額: 30,000,000円 → 31,500,000円."""
    path = change["path"]
    if path == "equipment_items":  # a whole item added or dropped
        item = change["after"] or change["before"]
        what = f"{ASSET_LABELS_JA.get(item.get('asset_class'), '')}「{item.get('description')}」" \
               f"{_value('planned_cost_jpy', item.get('planned_cost_jpy'))}"
        return f"取得予定設備の{'追加' if change['after'] else '取りやめ'}: {what}"
    label = FIELD_LABELS_JA.get(path, path)
    if change.get("item_number"):
        label = f"取得予定設備{change['item_number']}「{change.get('item_description') or ''}」の{label}"
    return f"{label}: {_value(path, change['before'])} → {_value(path, change['after'])}"
