"""The yearly evaluation (評価書) of the zone, drafted from the data for one fiscal year (April–March):

- the plan's six numeric targets: the year's figure tokku computes (services/core/zone/targets.py), the
  figures the secretariat entered for that target with their source, and the running total through the year;
- the designations, changes and revocations of the year, as the public register shows them;
- the acquisitions reported in the year (totals by asset class; queried reports left out);
- subsidised loans (利子補給金): the loans ledger's rows for the fiscal year (loans, approved, paid);
- every figure entered for the year, with its source.

    EvaluationService(sessions, plan).draft(user, fiscal_year) -> EvaluationDraft
    EvaluationService(sessions, plan).enter_figure(user, fiscal_year, FigureCreate) -> FigurePublic

Officials, the secretariat and administrators read it; only the secretariat enters figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts.models import User
from services.core.applications.models import Application
from services.core.documents.sources import ASSET_CLASSES_JA
from services.core.evaluation.models import EvaluationFigure
from services.core.evaluation.schemas import (
    AcquisitionSummary,
    AssetClassTotal,
    EvaluationDraft,
    FigureCreate,
    FigurePublic,
    LoanSummary,
    TargetForYear,
)
from services.core.follow_up.models import AcquisitionReport
from services.core.loans.models import LoanLedgerEntry
from services.core.platform.exceptions import Forbidden, Invalid
from services.core.platform.tables import utcnow
from services.core.register.service import register_entries
from services.core.zone.targets import QUERIED, fiscal_year_label, fiscal_year_of, period_years, target_progress
from workflows.contracts import Role

READERS = (Role.local_official, Role.national_official, Role.secretariat, Role.admin)

@dataclass
class EvaluationService:
    sessions: async_sessionmaker[AsyncSession]
    plan: dict[str, Any]

    async def draft(self, user: User, fiscal_year: int) -> EvaluationDraft:
        self._require_reader(user)
        self._require_period(fiscal_year)
        async with self.sessions() as session:
            figures = await self._figures(session, fiscal_year=None)
            return EvaluationDraft(
                fiscal_year=fiscal_year, label=fiscal_year_label(fiscal_year),
                period=self.plan["zone"]["targets"]["period"],
                targets=await self._targets(session, fiscal_year, figures),
                designations=[e for e in await register_entries(session) if fiscal_year_of(e.occurred_on) == fiscal_year],
                acquisitions=await self._acquisitions(session, fiscal_year),
                loans=await self._loans(session, fiscal_year),
                figures=[f for f in figures if f.fiscal_year == fiscal_year])

    async def figures(self, user: User, fiscal_year: int) -> list[FigurePublic]:
        self._require_reader(user)
        async with self.sessions() as session:
            return await self._figures(session, fiscal_year=fiscal_year)

    async def enter_figure(self, user: User, fiscal_year: int, body: FigureCreate) -> FigurePublic:
        if Role(user.role) != Role.secretariat:
            raise Forbidden("figures for the evaluation are entered by the council secretariat",
                            "評価書の数値は地域協議会事務局が入力します")
        self._require_period(fiscal_year)
        known = [indicator["no"] for indicator in self.plan["zone"]["targets"]["indicators"]]
        if body.target_no is not None and body.target_no not in known:
            raise Invalid("target_no names none of the plan's targets", "数値目標の番号が計画にありません",
                          errors=[{"field": "target_no", "message": f"choose one of {', '.join(known)}"}])
        async with self.sessions() as session:
            figure = (await session.execute(select(EvaluationFigure).where(
                EvaluationFigure.fiscal_year == fiscal_year, EvaluationFigure.label == body.label))).scalars().first()
            if figure is None:
                figure = EvaluationFigure(fiscal_year=fiscal_year, label=body.label, value=body.value,
                                          unit=body.unit, source=body.source, entered_by=user.id)
            for name in ("value", "unit", "source", "target_no", "note"):
                setattr(figure, name, getattr(body, name))
            figure.entered_by, figure.updated_at = user.id, utcnow()
            session.add(figure)
            await session.commit()
            return next(f for f in await self._figures(session, fiscal_year=fiscal_year) if f.label == body.label)

    # --- the sections ----------------------------------------------------------------------------------------

    async def _targets(self, session: AsyncSession, fiscal_year: int,
                       figures: list[FigurePublic]) -> list[TargetForYear]:
        entered: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for figure in figures:
            if figure.target_no:
                entered[figure.target_no][figure.fiscal_year] += figure.value
        result = []
        for target in await target_progress(session, self.plan):
            year = next(f for f in target.years if f.fiscal_year == fiscal_year)
            year_entered = entered[target.no].get(fiscal_year, 0.0)
            cumulative_entered = sum(value for y, value in entered[target.no].items()
                                     if y <= fiscal_year and y in period_years(self.plan))
            cumulative = year.cumulative + cumulative_entered
            result.append(TargetForYear(
                no=target.no, name=target.name, unit=target.unit, unit_ja=target.unit_ja, target=target.target,
                year_from_tokku=year.value, year_entered=year_entered, year_total=year.value + year_entered,
                cumulative_from_tokku=year.cumulative, cumulative_entered=cumulative_entered,
                cumulative=cumulative, share=round(cumulative / target.target, 4) if target.target else 0.0))
        return result

    @staticmethod
    async def _acquisitions(session: AsyncSession, fiscal_year: int) -> AcquisitionSummary:
        rows = (await session.execute(
            select(AcquisitionReport.asset_class, AcquisitionReport.actual_cost_jpy, AcquisitionReport.acquired_on,
                   Application.organization_id)
            .join(Application, Application.id == AcquisitionReport.application_id)
            .where(AcquisitionReport.review_status != QUERIED))).all()
        in_year = [row for row in rows if fiscal_year_of(row.acquired_on) == fiscal_year]
        by_class: dict[str, list[int]] = defaultdict(list)
        for row in in_year:
            by_class[row.asset_class].append(row.actual_cost_jpy)
        return AcquisitionSummary(
            count=len(in_year), companies=len({row.organization_id for row in in_year}),
            total_cost_jpy=sum(row.actual_cost_jpy for row in in_year),
            by_asset_class=[AssetClassTotal(asset_class=name, asset_class_ja=ASSET_CLASSES_JA.get(name, name),
                                            count=len(costs), cost_jpy=sum(costs))
                            for name, costs in sorted(by_class.items())])

    @staticmethod
    async def _loans(session: AsyncSession, fiscal_year: int) -> LoanSummary:
        """The year's subsidised loans from the ledger (services/core/loans): loans with a row for the fiscal
        year, and the subsidy approved and paid for it."""
        count, approved, paid = (await session.execute(
            select(func.count(func.distinct(LoanLedgerEntry.loan_id)), func.coalesce(func.sum(LoanLedgerEntry.approved_jpy), 0),
                   func.coalesce(func.sum(LoanLedgerEntry.paid_jpy), 0))
            .where(LoanLedgerEntry.fiscal_year == fiscal_year))).one()
        return LoanSummary(available=True, count=count, approved_jpy=approved, paid_jpy=paid,
                           note=f"利子補給金の台帳（{fiscal_year}年度）: 対象融資 {count}件、承認額 {approved:,}円、"
                                f"支払額 {paid:,}円")

    @staticmethod
    async def _figures(session: AsyncSession, *, fiscal_year: int | None) -> list[FigurePublic]:
        query = (select(EvaluationFigure, User.username).join(User, User.id == EvaluationFigure.entered_by)
                 .order_by(EvaluationFigure.fiscal_year, func.coalesce(EvaluationFigure.target_no, "~"),
                           EvaluationFigure.label))
        if fiscal_year is not None:
            query = query.where(EvaluationFigure.fiscal_year == fiscal_year)
        return [FigurePublic(fiscal_year=f.fiscal_year, label=f.label, value=f.value, unit=f.unit, source=f.source,
                             target_no=f.target_no, note=f.note, entered_by=username, entered_at=f.entered_at,
                             updated_at=f.updated_at)
                for f, username in (await session.execute(query)).all()]

    # --- checks ----------------------------------------------------------------------------------------------

    @staticmethod
    def _require_reader(user: User) -> None:
        if Role(user.role) not in READERS:
            raise Forbidden("the evaluation draft is for officials, the secretariat and administrators",
                            "評価書（案）は職員・事務局のみ閲覧できます")

    def _require_period(self, fiscal_year: int) -> None:
        years = period_years(self.plan)
        if fiscal_year not in years:
            raise Invalid(f"fiscal year {fiscal_year} is outside the plan's period ({years[0]}–{years[-1]})",
                          f"{fiscal_year}年度は計画期間（{fiscal_year_label(years[0])}～{fiscal_year_label(years[-1])}）"
                          "の外です", errors=[{"field": "fiscal_year", "message": f"{years[0]}–{years[-1]}"}])
