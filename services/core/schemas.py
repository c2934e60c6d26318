"""Application content (別紙1-2 a–g and 別添3) and the API's request/response shapes.

A draft may be incomplete — people save as they go — but every field given must be valid: a corporate
number with a wrong check digit or a business area outside the zone is refused at once. Submission then
requires the complete set (see `missing_for_submission`).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn as corporate_number

from services.core.zone import area_names, find_area
from workflows.contracts import Actor, Government, JpDate, Status


class Measure(StrEnum):
    tax_incentive = "tax_incentive"
    interest_subsidy = "interest_subsidy"
    regional_innovation_program = "regional_innovation_program"


class AssetClass(StrEnum):
    machinery = "machinery"
    rd_instrument = "rd_instrument"
    building = "building"
    building_attachment = "building_attachment"
    structure = "structure"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HistoryEntry(_Strict):
    date: JpDate | None = None
    text: str


class ApplicantInfo(_Strict):
    """別添3: the company applying."""

    corporate_number: str | None = Field(default=None, description="法人番号: 13 digits with check digit")
    name: str | None = Field(default=None, max_length=200)
    postal_code: str | None = None
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = None
    founded_on: JpDate | None = None
    capital_jpy: int | None = Field(default=None, ge=0)
    industry: str | None = Field(default=None, max_length=200)
    business_summary: str | None = Field(default=None, max_length=4000)
    details: str | None = Field(default=None, max_length=4000)
    history: list[HistoryEntry] = Field(default_factory=list)

    @field_validator("corporate_number")
    @classmethod
    def _corporate_number(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            return corporate_number.validate(value)
        except StdnumError:
            raise ValueError(
                f"法人番号「{value}」が正しくありません（13桁・チェックディジットを確認してください） / "
                f"corporate number {value!r} is not valid: it must be 13 digits with a correct check digit"
            ) from None

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        digits = re.sub(r"[^0-9]", "", value.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        if len(digits) != 7:
            raise ValueError(f"郵便番号「{value}」は7桁で入力してください / postal code {value!r} must have 7 digits")
        return f"{digits[:3]}-{digits[3:]}"

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.fullmatch(r"[0-9０-９\-‐ー() ]{10,15}", value):
            raise ValueError(f"電話番号「{value}」の形式が正しくありません / phone {value!r} is not a phone number")
        return value


class PlannedEquipment(_Strict):
    """別紙1-2 d: one planned equipment item."""

    asset_class: AssetClass
    description: str = Field(min_length=1, max_length=1000)
    planned_cost_jpy: int = Field(gt=0, description="planned cost in JPY")
    planned_acquisition_on: JpDate | None = None


class ApplicationContent(_Strict):
    """The fields of the plan's annexes. All optional while drafting; see `missing_for_submission`."""

    measure: Measure | None = None
    project_name: str | None = Field(default=None, max_length=300)
    solution: int | None = Field(default=None, ge=1, le=3, description="解決策 1, 2 or 3")
    applicant: ApplicantInfo = Field(default_factory=ApplicantInfo)
    content: str | None = Field(default=None, max_length=20000, description="a) products or services")
    rule_clauses: list[str] = Field(default_factory=list, description="b) clauses of the Enforcement Regulations")
    necessity: str | None = Field(default=None, max_length=20000, description="c) position and necessity")
    equipment_overview: str | None = Field(default=None, max_length=20000, description="d) equipment overview")
    implementer: str | None = Field(default=None, max_length=2000, description="e) implementer")
    business_area: str | None = Field(default=None, max_length=300, description="f) address inside the zone")
    business_start_on: JpDate | None = Field(default=None, description="g) business start")
    acquisition_from: JpDate | None = Field(default=None, description="g) equipment acquisition from")
    acquisition_until: JpDate | None = Field(default=None, description="g) equipment acquisition until")
    equipment_items: list[PlannedEquipment] = Field(default_factory=list)
    undisclosed_fields: list[str] = Field(default_factory=list, description="fields printed as 《非公表》")

    @field_validator("business_area")
    @classmethod
    def _inside_zone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if find_area(value) is None:
            raise ValueError(
                f"事業実施場所「{value}」は特区の区域外です。区域: {area_names()} / "
                f"business area {value!r} is outside the zone's areas"
            )
        return value

    @field_validator("undisclosed_fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in DISCLOSABLE_FIELDS]
        if unknown:
            raise ValueError(
                f"非公表にできない項目です: {', '.join(unknown)} / unknown fields in undisclosed_fields: "
                f"{', '.join(unknown)}; allowed: {', '.join(sorted(DISCLOSABLE_FIELDS))}"
            )
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _window(self) -> "ApplicationContent":
        if self.acquisition_from and self.acquisition_until and self.acquisition_until < self.acquisition_from:
            raise ValueError("acquisition_until must not be before acquisition_from / 取得期限は取得開始日以降にしてください")
        return self

    @property
    def government(self) -> Government | None:
        area = find_area(self.business_area) if self.business_area else None
        return area.government if area else None


DISCLOSABLE_FIELDS = frozenset(
    {"project_name", "content", "necessity", "equipment_overview", "implementer", "business_area",
     "business_start_on", "acquisition_from", "acquisition_until", "equipment_items", "rule_clauses",
     "applicant.capital_jpy", "applicant.details", "applicant.history", "applicant.business_summary"}
)

REQUIRED_FOR_SUBMISSION: dict[str, str] = {
    "measure": "特別の措置",
    "project_name": "事業名",
    "solution": "解決策",
    "applicant.corporate_number": "法人番号",
    "applicant.name": "名称",
    "applicant.postal_code": "郵便番号",
    "applicant.address": "所在地",
    "applicant.phone": "電話番号",
    "applicant.industry": "業種",
    "applicant.business_summary": "業務概要",
    "content": "a) 事業の内容",
    "rule_clauses": "b) 該当条項",
    "necessity": "c) 位置付け及び必要性",
    "equipment_overview": "d) 設備の概要",
    "implementer": "e) 実施主体",
    "business_area": "f) 事業実施場所",
    "business_start_on": "g) 事業開始日",
}


def missing_for_submission(content: ApplicationContent) -> list[dict[str, str]]:
    """Each required field still empty, as {field, message} a person can act on."""
    data = content.model_dump()
    missing = []
    for path, label in REQUIRED_FOR_SUBMISSION.items():
        value: Any = data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", []):
            missing.append({"field": path, "message": f"{label}を入力してください / {path} is required to submit"})
    if content.measure == Measure.tax_incentive and not content.equipment_items:
        missing.append({"field": "equipment_items",
                        "message": "設備等投資促進税制では取得予定設備を1件以上入力してください / "
                                   "a tax_incentive application needs at least one planned equipment item"})
    return missing


# --- API shapes ----------------------------------------------------------------------------------------


class ApplicationCreate(ApplicationContent):
    """POST /applications body: the content (public contract; names stay)."""


class ApplicationUpdate(ApplicationContent):
    """PATCH /applications/{id} body: the fields given replace the stored ones."""


class ResubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=2000)


class DecisionRequest(BaseModel):
    """POST /applications/{id}/decisions: step and outcome, plus the step's own fields."""

    model_config = ConfigDict(extra="allow")
    step: Status
    outcome: str
    reason: str | None = None


class EventPublic(BaseModel):
    seq: int
    kind: str
    step: str | None
    outcome: str | None
    actor: str | None
    actor_role: str | None
    reason: str | None
    payload: dict[str, Any]
    status_after: str
    occurred_at: datetime


class DeadlinePublic(BaseModel):
    kind: Literal["step_target", "revision_request"]
    due_at: datetime
    step: str | None = None


class ApplicationPublic(BaseModel):
    id: int
    status: Status
    current_step: Status | None
    government: Government | None
    organization_id: int
    measure: str | None
    project_name: str | None
    content_version: int
    content: dict[str, Any]
    step_due_at: datetime | None
    revision_due_at: datetime | None
    returned_from: Status | None
    due_dates: list[DeadlinePublic]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    events: list[EventPublic] | None = None


class ApplicationSummary(BaseModel):
    id: int
    status: Status
    current_step: Status | None
    government: Government | None
    organization_id: int
    measure: str | None
    project_name: str | None
    applicant_name: str | None
    step_due_at: datetime | None
    revision_due_at: datetime | None
    updated_at: datetime


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    next_cursor: str | None


class TaskPublic(BaseModel):
    application_id: int
    step: Status
    project_name: str | None
    applicant_name: str | None
    government: Government | None
    due_at: datetime | None
    overdue: bool


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    government: Government | None
    organization_id: int


def actor_for(user: Any) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role,
                 government=user.government, organization_id=user.organization_id)
