"""Request and response shapes of the follow-up: acquisition and annual reports, deadlines, notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from services.core.applications.schemas import AssetClass
from services.core.follow_up.acquisition_rules import BUILDING_GROUP, building_key
from workflows.contracts import JpDate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AcquisitionReportCreate(_Strict):
    equipment_item_id: int | None = Field(default=None, description="the planned item it settles; omit for an "
                                                                      "unplanned item")
    asset_class: AssetClass
    description: str = Field(min_length=1, max_length=1000)
    actual_cost_jpy: int = Field(gt=0)
    acquired_on: JpDate
    in_service_on: JpDate | None = None
    location: str = Field(min_length=1, max_length=300)
    building_name: str | None = Field(
        default=None, max_length=200,
        description="buildings, building attachments and structures: the building the asset belongs to (e.g. "
                    "研究棟A). Reports of one application naming the same building are judged together against "
                    "the building minimum (one building with its attachments and structures); without it the "
                    "asset is judged alone")

    @field_validator("building_name")
    @classmethod
    def _only_for_buildings(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = building_key(value)
        asset_class = info.data.get("asset_class")
        if value is not None and asset_class is not None and asset_class not in BUILDING_GROUP:
            raise ValueError("建物名は建物・建物附属設備・構築物の報告にのみ記入します / building_name is only for "
                             "buildings, building attachments and structures")
        return value


class TaxBenefit(BaseModel):
    """What one qualifying asset earns, both options (the company takes one or the other per asset), at the
    rates of the designation date. Estimates before the credit cap; rates are fractions (0.3 = 30%)."""

    basis_date: date = Field(description="the designation date: the rates follow it")
    asset_class: str
    special_depreciation_rate: float
    special_depreciation_jpy: int
    tax_credit_rate: float
    tax_credit_jpy: int
    provisional: bool = Field(description="true under an extension setting whose rates are not in the data yet")


class AcquisitionReportPublic(BaseModel):
    id: int
    application_id: int
    equipment_item_id: int | None
    asset_class: str
    description: str
    actual_cost_jpy: int
    acquired_on: date
    in_service_on: date | None
    location: str
    building_name: str | None = None
    rule_findings: list[dict[str, str]]
    tax_benefit: TaxBenefit | None = Field(default=None, description="null while the report breaks a rule")
    review_status: str
    review_note: str | None
    reported_at: datetime
    reviewed_at: datetime | None


class CreditCap(BaseModel):
    """The tax credit cap of one year: tokku does not know the company's corporate tax, so the cap is a formula
    unless the caller gives the tax (`corporate_tax_jpy`, not stored)."""

    formula: str
    formula_ja: str
    cap_pct_of_corporate_tax: int
    carryover_years: int
    corporate_tax_jpy: int | None = None
    cap_jpy: int | None = None
    allowed_jpy: int | None = None
    lapsed_jpy: int | None = None


class TaxBenefitYear(BaseModel):
    """The confirmed acquisitions put to use in one fiscal year (April to March) and both options in total."""

    fiscal_year: int
    report_ids: list[int]
    acquisition_cost_jpy: int
    special_depreciation_jpy: int
    tax_credit_jpy: int
    credit_cap: CreditCap


class TaxBenefitSummary(BaseModel):
    """The application's estimated benefit per fiscal year: confirmed reports that break no rule."""

    designated_on: date | None
    basis: str
    basis_ja: str
    provisional: bool
    years: list[TaxBenefitYear]


class ReviewRequest(_Strict):
    outcome: Literal["confirm", "query"]
    note: str | None = Field(default=None, max_length=4000,
                             description="what the official asks (required for a query: the company answers it)")

    @model_validator(mode="after")
    def _query_says_what(self) -> ReviewRequest:
        self.note = (self.note or "").strip() or None
        if self.outcome == "query" and not self.note:
            raise ValueError("a query needs a note saying what the company should answer or correct / "
                             "照会には、事業者に回答・訂正を求める内容を記入してください")
        return self


class AnnualReportCreate(_Strict):
    fiscal_year: int = Field(ge=2000, le=2100)
    investment_to_date_jpy: int = Field(ge=0)
    employees: int = Field(ge=0)
    international_trials: int = Field(default=0, ge=0)
    products_launched: int = Field(default=0, ge=0)
    training_participants: int = Field(default=0, ge=0)
    data_science: bool = False
    note: str | None = Field(default=None, max_length=8000)


class AnnualReportPublic(BaseModel):
    id: int
    application_id: int
    fiscal_year: int
    investment_to_date_jpy: int
    employees: int
    international_trials: int
    products_launched: int
    training_participants: int
    data_science: bool
    note: str | None
    review_status: str
    review_note: str | None
    submitted_at: datetime


class DeadlineView(BaseModel):
    id: int
    key: str
    kind: str
    due_at: datetime
    original_due_at: datetime
    settled_by: str
    state: str
    days_left: int
    equipment_item_id: int | None
    fiscal_year: int | None
    extension_reason: str | None


class DeadlineExtendRequest(_Strict):
    new_due_on: JpDate = Field(description="the new due date (ISO or Japanese era); the deadline ends that day")
    reason: str = Field(min_length=1, max_length=2000)


class CalendarLink(BaseModel):
    url: str


class ReportAnswer(_Strict):
    """The company's answer to a query (照会): a note, and optionally the corrected report (all its fields, as
    when filed; the version it replaces is kept)."""

    note: str = Field(min_length=1, max_length=4000)
    acquisition: AcquisitionReportCreate | None = None
    annual: AnnualReportCreate | None = None

    @model_validator(mode="before")
    @classmethod
    def _strip(cls, data):
        if isinstance(data, dict) and isinstance(data.get("note"), str):
            data = {**data, "note": data["note"].strip()}
        return data


class ReportMessagePublic(BaseModel):
    id: int
    report_kind: str
    report_id: int
    kind: str
    note: str
    corrected: bool
    version: int
    attachment_ids: list[int]
    author_id: int
    created_at: datetime
