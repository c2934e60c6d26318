"""Figures of the yearly evaluation (評価書) that tokku does not hold itself, entered by the secretariat with
their source: training participants counted by the cities, loans, investment outside tokku."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from services.core.accounts import models as _accounts_tables  # noqa: F401 - tables its foreign keys name
from services.core.platform.tables import UTCDateTime, utcnow


class EvaluationFigure(SQLModel, table=True):
    """One figure for one fiscal year, with where it comes from. Entered again under the same label, it is
    replaced (who and when are kept)."""

    __tablename__ = "evaluation_figures"
    __table_args__ = (UniqueConstraint("fiscal_year", "label", name="uq_evaluation_figures_fiscal_year_label"),)

    id: int | None = Field(default=None, primary_key=True)
    fiscal_year: int = Field(index=True, description="the Japanese fiscal year it counts in (2024 = 令和6年度)")
    label: str = Field(description="what it is, e.g. 研修等の参加者数（市主催セミナー）")
    target_no: str | None = Field(default=None, description="the plan's target it adds to, e.g. (1)-③; or none")
    value: float
    unit: str
    source: str = Field(description="where the figure comes from (document, survey, date)")
    note: str | None = None
    entered_by: int = Field(foreign_key="users.id")
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
