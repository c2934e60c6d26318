"""Application content (別紙1-2 a–g and 別添3) and the API's request/response shapes.

A draft may be incomplete — people save as they go — but every field given must be valid: a corporate
number with a wrong check digit or a business area outside the zone is refused at once. Submission then
requires the complete set (see `missing_for_submission`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn as corporate_number

from services.core.applications.business_area import check_business_area
from services.core.zone.addresses import ZoneMatch, match_address
from workflows.contracts import Government, JpDate, Status
from workflows.jpdates import parse_date, to_japanese_era


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
    typed_dates: dict[str, str] = Field(
        default_factory=dict,
        description="dates as the company typed them when not ISO (和暦), by path (applicant.founded_on, "
                    "equipment_items.0.planned_acquisition_on): the pages show them so, the ISO date beside; an "
                    "entry that no longer reads as its field's date is dropped")

    @field_validator("measure")
    @classmethod
    def _not_a_loan(cls, value: Measure | None) -> Measure | None:
        if value == Measure.interest_subsidy:  # its own process, applied for by the lender (docs/interest-subsidy.md)
            raise ValueError(
                "利子補給金（別紙1-5）は指定金融機関が貸付として登録します（POST /api/v1/loans） / the interest subsidy is "
                "registered by the designated financial institution as a loan: POST /api/v1/loans")
        return value

    @field_validator("business_area")
    @classmethod
    def _inside_zone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            return None
        check_business_area(value, info.context)  # what a draft may keep: services/core/applications/business_area.py
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
    def _typed_dates(self) -> ApplicationContent:
        """Keep only the typed forms that still read as the date stored at their path (a form the company
        changed, or an item removed, leaves its old entry behind)."""
        kept = {}
        for path, text in self.typed_dates.items():
            try:
                matches = parse_date(text) == self.date_at(path)
            except ValueError:
                matches = False
            if matches and isinstance(text, str) and len(text) <= 40:
                kept[path] = text
        self.typed_dates = kept
        return self

    def date_at(self, path: str) -> date | None:
        """The date stored at a content path (None for a path that is not a date)."""
        parts = path.split(".")
        if len(parts) == 1 and parts[0] in DATE_FIELDS:
            return getattr(self, parts[0])
        if parts[0] == "applicant" and len(parts) == 2 and parts[1] == "founded_on":
            return self.applicant.founded_on
        if parts[:2] == ["applicant", "history"] and len(parts) == 4 and parts[2].isdigit() and parts[3] == "date" \
                and int(parts[2]) < len(self.applicant.history):
            return self.applicant.history[int(parts[2])].date
        if parts[0] == "equipment_items" and len(parts) == 3 and parts[1].isdigit() \
                and parts[2] == "planned_acquisition_on" and int(parts[1]) < len(self.equipment_items):
            return self.equipment_items[int(parts[1])].planned_acquisition_on
        return None

    @field_validator("acquisition_until")
    @classmethod
    def _window(cls, value: date | None, info: ValidationInfo) -> date | None:
        """On the deadline's own field, so the message stands next to it."""
        start = info.data.get("acquisition_from")
        if value and start and value < start:
            raise ValueError("取得期限は取得開始日以降にしてください / the acquisition deadline must not be before the "
                             "acquisition start")
        return value

    @property
    def zone_match(self) -> ZoneMatch | None:
        """The zone's area the business area lies in now (an application stores it: `zone_area`)."""
        result = match_address(self.business_area) if self.business_area else None
        return result if isinstance(result, ZoneMatch) else None

    @property
    def government(self) -> Government | None:
        """The area decides the government: Kawasaki's areas → kawasaki, Yokohama's → yokohama, Fujisawa's →
        kanagawa (data/zone-areas.json)."""
        match = self.zone_match
        return match.government if match else None


DATE_FIELDS = ("business_start_on", "acquisition_from", "acquisition_until")

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
            missing.append({"field": path, "message": f"{label}を入力してください / required to submit"})
    if content.measure == Measure.tax_incentive and not content.equipment_items:
        missing.append({"field": "equipment_items",
                        "message": "設備等投資促進税制では取得予定設備を1件以上入力してください / "
                                   "a tax_incentive application needs at least one planned equipment item"})
    return missing


MEASURE_DATE_LABELS_JA = {"acquisition_from": "g) 設備取得開始日", "acquisition_until": "g) 設備取得期限"}
MEASURE_DATE_LABELS_EN = {"acquisition_from": "g) equipment acquisition from",
                          "acquisition_until": "g) equipment acquisition until"}


def measure_date_errors(content: ApplicationContent, *, last_date: date) -> list[dict[str, str]]:
    """The tax measure's dates as the company plans them: the acquisition window and each planned acquisition
    must fall from the business start to the measure's last date in force (the acquisition deadline,
    services.core.measures.tax.last_date). One {field, rule, message} per date out of bounds; none for other
    measures, whose deadlines are not the tax measure's."""
    if content.measure != Measure.tax_incentive:
        return []
    planned = [PlannedDate(path, label_ja, MEASURE_DATE_LABELS_EN[path], getattr(content, path))
               for path, label_ja in MEASURE_DATE_LABELS_JA.items()]
    planned += [PlannedDate(f"equipment_items.{index}.planned_acquisition_on", f"取得予定設備 {index + 1} の取得予定日",
                            f"planned acquisition date of item {index + 1}", item.planned_acquisition_on)
                for index, item in enumerate(content.equipment_items)]
    return planned_date_errors(planned, business_start_on=content.business_start_on, last_date=last_date)


@dataclass(frozen=True)
class PlannedDate:
    field: str
    label_ja: str
    label_en: str
    day: date | None


def planned_date_errors(planned: list[PlannedDate], *, business_start_on: date | None,
                        last_date: date) -> list[dict[str, str]]:
    """Each planned date past the measure's last date, or before the business start (the live check on the form
    asks about one date)."""
    errors = []
    for item in planned:
        day = item.day
        if day is None:
            continue
        if day > last_date:
            errors.append({"field": item.field, "rule": "by_measure_deadline", "message":
                           f"{item.label_ja} {day}（{to_japanese_era(day)}）が措置の取得期限 {last_date}"
                           f"（{to_japanese_era(last_date)}）を過ぎています / {item.label_en} {day} is after the tax "
                           f"measure's acquisition deadline {last_date}"})
        if business_start_on is not None and day < business_start_on:
            errors.append({"field": item.field, "rule": "from_business_start", "message":
                           f"{item.label_ja} {day} が事業開始日 {business_start_on} より前です / {item.label_en} {day} "
                           f"is before the business start {business_start_on}"})
    return errors


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
    zone_area: str | None = Field(default=None, description="key of the zone's area the business area is in "
                                                            "(kept as stored; docs/zone.md)")
    zone_area_name: str | None = Field(default=None, description="that area's name as the cities publish it")
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
    zone_area: str | None = None
    zone_area_name: str | None = None
    due_at: datetime | None
    overdue: bool
