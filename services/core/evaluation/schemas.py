"""The yearly evaluation's draft (評価書（案）) and the figures the secretariat enters for it."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.core.register.schemas import RegisterEntry


class FigureCreate(BaseModel):
    """A figure tokku does not hold (a city's seminar attendance, investment outside the designated projects, a
    loan total from the banks), with its source. Entered again under the same label, it replaces the first."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    label: str = Field(min_length=1, max_length=200, description="what it is, e.g. 研修等の参加者数（市主催セミナー）")
    value: float
    unit: str = Field(min_length=1, max_length=40, description="円, 人, 件, …")
    source: str = Field(min_length=1, max_length=500, description="where it comes from: document, survey, date")
    target_no: str | None = Field(default=None, max_length=10,
                                  description="the plan's target it adds to: (1)-①, (1)-②, (1)-③, (2), (3), (4)")
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("a figure is a finite number / 数値を入力してください")
        return value


class FigurePublic(BaseModel):
    fiscal_year: int
    label: str
    value: float
    unit: str
    source: str
    target_no: str | None
    note: str | None
    entered_by: str = Field(description="the secretariat member's username")
    entered_at: datetime
    updated_at: datetime


class TargetForYear(BaseModel):
    """One numeric target in the evaluated fiscal year: tokku's own figure, the entered ones, and the
    running total through that year (both sources)."""

    no: str
    name: str
    unit: str
    unit_ja: str
    target: int
    year_from_tokku: int
    year_entered: float
    year_total: float
    cumulative_from_tokku: int
    cumulative_entered: float
    cumulative: float
    share: float  # cumulative / target


class AssetClassTotal(BaseModel):
    asset_class: str
    asset_class_ja: str
    count: int
    cost_jpy: int


class AcquisitionSummary(BaseModel):
    """Acquisitions reported in the year (queried ones left out until corrected): totals only, per company
    costs stay out of the evaluation."""

    count: int
    companies: int
    total_cost_jpy: int
    by_asset_class: list[AssetClassTotal]


class LoanSummary(BaseModel):
    available: bool
    note: str
    count: int | None = None
    approved_jpy: int = 0
    paid_jpy: int = 0


class EvaluationDraft(BaseModel):
    fiscal_year: int
    label: str  # 令和5年度
    period: str
    targets: list[TargetForYear]
    designations: list[RegisterEntry] = Field(description="designations, changes and revocations of the year (public)")
    acquisitions: AcquisitionSummary
    loans: LoanSummary
    figures: list[FigurePublic]
