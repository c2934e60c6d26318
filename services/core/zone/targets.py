"""Progress of the zone's numeric targets (評価指標・数値目標, FY2022–FY2026), computed from the data.

    async def target_progress(session: AsyncSession, plan: dict, *, as_of: date | None = None)
        -> list[TargetProgress]

`plan` is the parsed data/seed-plan.json (its zone.targets.indicators give the six targets, in order);
`as_of` (default: today) only sets `pace_share`, the share of the period elapsed, for the chart.
Each TargetProgress has one FiscalYearFigure per fiscal year of the period (April–March) with the year's
value, the running total and the share of the target reached; `total` and `share` are for the period.

Where the figures come from:
  (1)-① investment          sum of acquisition reports' actual cost, by acquisition date (queried ones excluded)
  (1)-② entering companies  organisations designated in the period, counted in the fiscal year of their first
                            designation (the designation decision's designated_on)
  (1)-③ training            sum of annual reports' training participants, by the report's fiscal year
  (2)   data science        applications whose annual report says data_science, once, in the first such year
  (3)   joint trials        sum of annual reports' international trials
  (4)   commercialisations  sum of annual reports' products launched
Reports an official has queried are left out until they are corrected: their figures are in doubt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.applications.models import Application, Event
from services.core.follow_up.models import AcquisitionReport, AnnualReport

QUERIED = "queried"

UNIT_LABELS_JA = {"JPY": "円", "companies_and_institutions": "者", "persons": "人", "projects": "件",
                  "trials": "件", "cases": "件"}


class FiscalYearFigure(BaseModel):
    fiscal_year: int
    label: str  # 令和4年度
    value: int
    cumulative: int
    share: float  # cumulative / target (0.25 = 25 %)


class TargetProgress(BaseModel):
    no: str  # (1)-①
    indicator: str
    name: str
    unit: str
    unit_ja: str
    target: int
    source_text: str
    years: list[FiscalYearFigure]
    total: int
    share: float
    pace_share: float  # share of the period elapsed at as_of: where a steady pace would be


def fiscal_year_of(day: date) -> int:
    """Japanese fiscal years start on 1 April: 2023-03-31 is FY2022, 2023-04-01 is FY2023."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year: int) -> str:
    era_year = year - 2018
    return f"令和{'元' if era_year == 1 else era_year}年度" if era_year >= 1 else f"平成{year - 1988}年度"


def period_years(plan: dict[str, Any]) -> list[int]:
    first, last = plan["zone"]["targets"]["fiscal_years"]
    return list(range(int(first), int(last) + 1))


def pace(years: list[int], as_of: date) -> float:
    """Fraction of the period's fiscal years completed (a fiscal year in progress counts pro rata)."""
    start = date(years[0], 4, 1)
    end = date(years[-1] + 1, 4, 1)
    if as_of <= start:
        return 0.0
    if as_of >= end:
        return 1.0
    return round((as_of - start).days / (end - start).days, 4)


async def target_progress(session: AsyncSession, plan: dict[str, Any], *,
                          as_of: date | None = None) -> list[TargetProgress]:
    years = period_years(plan)
    by_indicator = {
        "(1)-①": await _investment(session),
        "(1)-②": await _entering_organisations(session),
        "(1)-③": await _annual_sum(session, AnnualReport.training_participants),
        "(2)": await _data_science_projects(session),
        "(3)": await _annual_sum(session, AnnualReport.international_trials),
        "(4)": await _annual_sum(session, AnnualReport.products_launched),
    }
    elapsed = pace(years, as_of or date.today())
    result = []
    for indicator in plan["zone"]["targets"]["indicators"]:
        per_year = by_indicator.get(indicator["no"], {})
        target = int(indicator["value"])
        running = 0
        figures = []
        for year in years:
            value = int(per_year.get(year, 0))
            running += value
            figures.append(FiscalYearFigure(fiscal_year=year, label=fiscal_year_label(year), value=value,
                                            cumulative=running, share=_share(running, target)))
        result.append(TargetProgress(
            no=indicator["no"], indicator=indicator["indicator"], name=indicator["target_name"],
            unit=indicator["unit"], unit_ja=UNIT_LABELS_JA.get(indicator["unit"], ""), target=target,
            source_text=indicator["source_text"], years=figures, total=running, share=_share(running, target),
            pace_share=elapsed))
    return result


def _share(value: int, target: int) -> float:
    return round(value / target, 4) if target else 0.0


def _sum_by_year(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for year, value in pairs:
        totals[year] += value or 0
    return dict(totals)


async def _investment(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(AcquisitionReport.acquired_on, AcquisitionReport.actual_cost_jpy)
                                 .where(AcquisitionReport.review_status != QUERIED))
    return _sum_by_year((fiscal_year_of(acquired_on), cost) for acquired_on, cost in rows)


async def _entering_organisations(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(
        select(Application.organization_id, Event.payload, Event.occurred_at)
        .join(Application, Application.id == Event.application_id)
        .where(Event.kind == "decision", Event.step == "designation", Event.outcome == "designate"))
    first: dict[int, date] = {}
    for organization_id, payload, occurred_at in rows:
        designated = _designated_on(payload, occurred_at)
        if organization_id not in first or designated < first[organization_id]:
            first[organization_id] = designated
    return _sum_by_year((fiscal_year_of(day), 1) for day in first.values())


def _designated_on(payload: dict[str, Any] | None, occurred_at: datetime) -> date:
    text = (payload or {}).get("designated_on")
    try:
        return date.fromisoformat(text) if text else occurred_at.date()
    except ValueError:
        return occurred_at.date()


async def _annual_sum(session: AsyncSession, column) -> dict[int, int]:
    rows = await session.execute(select(AnnualReport.fiscal_year, column)
                                 .where(AnnualReport.review_status != QUERIED))
    return _sum_by_year(rows)


async def _data_science_projects(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(AnnualReport.application_id, AnnualReport.fiscal_year)
                                 .where(AnnualReport.data_science.is_(True),
                                        AnnualReport.review_status != QUERIED))
    first: dict[int, int] = {}
    for application_id, year in rows:
        first[application_id] = min(year, first.get(application_id, year))
    return _sum_by_year((year, 1) for year in first.values())
