"""Request bodies shaped like real applications (the plan's 別紙1-2 4/6, (5) ペプチドリーム)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from services.dev.demo_seed import demo_corporate_number

BASE_APPLICATION: dict[str, Any] = {
    "measure": "tax_incentive",
    "project_name": "特殊環状ペプチドをもとにした医薬品等の研究開発促進事業",
    "solution": 2,
    "applicant": {
        "corporate_number": demo_corporate_number("ペプチドリーム株式会社"),
        "name": "ペプチドリーム株式会社",
        "postal_code": "210-0821",
        "address": "神奈川県川崎市川崎区殿町三丁目25番23号",
        "phone": "044-270-1300",
        "founded_on": "2006-07-03",
        "capital_jpy": 3_900_000_000,
        "industry": "医薬品研究開発業",
        "business_summary": "特殊環状ペプチドを用いた創薬研究開発",
    },
    "content": "次世代の創薬モダリティとして注目が集まっているペプチドを活用した創薬研究及び早期臨床開発を促進する。",
    "rule_clauses": ["施行規則第1条第2項第1号"],
    "necessity": "本事業は次世代医薬品の新規開発の達成に資する取り組みである。",
    "equipment_overview": "研究開発に係る建物、建物附属設備、構築物、機械・装置、開発研究用器具・備品一式",
    "implementer": "ペプチドリーム株式会社",
    "business_area": "神奈川県川崎市川崎区殿町3丁目",
    "business_start_on": "令和4年9月1日",
    "acquisition_from": "2022-09-01",
    "equipment_items": [
        {"asset_class": "machinery", "description": "ペプチド合成装置一式", "planned_cost_jpy": 30_000_000,
         "planned_acquisition_on": "2023-04-01"},
        {"asset_class": "rd_instrument", "description": "質量分析計", "planned_cost_jpy": 15_000_000,
         "planned_acquisition_on": "令和5年6月1日"},
    ],
    "undisclosed_fields": ["necessity"],
}


def application_body(**overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(BASE_APPLICATION)
    for key, value in overrides.items():
        if key == "applicant":
            body["applicant"].update(value)
        else:
            body[key] = value
    return body


COUNCIL_AGREE = {"step": "council_consultation", "outcome": "agree", "method": "meeting",
                 "held_from": "令和4年8月10日", "held_to": "2022-08-10",
                 "opinions": ["国際共同治験の体制を明確にすること"], "responses": ["体制図を追加した"]}
LOCAL_FILE = {"step": "local_filing", "outcome": "file", "filed_on": "2022-09-05", "reference": "川崎市 R4-2"}
NATIONAL_CERTIFY = {"step": "national_review", "outcome": "certify", "certified_on": "2022-09-30",
                    "reference": "府地事第123号"}
# Designated today with a window ending within a year, so no follow-up deadline has passed yet.
TODAY = date.today()
DESIGNATE = {"step": "designation", "outcome": "designate", "designation_number": "指定第R4-7号",
             "designated_on": TODAY.isoformat(), "acquisition_from": TODAY.isoformat(),
             "acquisition_until": (TODAY + timedelta(days=300)).isoformat()}


# A loan drawn on 1 April of last fiscal year: that year has ended, so it can be claimed today.
LAST_FISCAL_YEAR = (TODAY.year if TODAY.month >= 4 else TODAY.year - 1) - 1
KAWASAKI_AREA = "神奈川県川崎市川崎区殿町三丁目25番22号"


def loan_body(**overrides: Any) -> dict[str, Any]:
    """POST /loans: bank1's loan to a borrower of the plan's 別紙1-5 2/4 project in Tonomachi (Kawasaki)."""
    body = {"borrower_corporate_number": "7010401022916", "borrower_name": "株式会社テスト創薬",
            "plan_project": "2/4", "principal_jpy": 100_000_000,
            "first_drawdown_on": f"{LAST_FISCAL_YEAR}-04-01", "interest_rate_percent": "1.2",
            "business_area": KAWASAKI_AREA}
    return {**body, **overrides}


RECOMMEND = {"step": "recommendation", "outcome": "recommend", "recommended_on": TODAY.isoformat(),
             "reference": "川崎市推薦第1号"}
APPROVE_LOAN = {"step": "cabinet_office_review", "outcome": "approve", "contracted_on": TODAY.isoformat(),
                "reference": "府地事第7号", "contract_total_jpy": 3_500_000}
