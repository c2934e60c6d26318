"""What the designated company gains, per fiscal year: the confirmed acquisitions that break no rule, both
options (special depreciation or tax credit, one or the other per asset), and the credit cap — a formula,
since tokku does not know the company's corporate tax, computed when the caller gives it. Pure functions.

Years are the April–March fiscal year of the in-service date (the year the asset is put to use, when the
measure applies); a company whose business year differs reads them as an approximation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from services.core.follow_up.schemas import AcquisitionReportPublic, CreditCap, TaxBenefitSummary, TaxBenefitYear
from services.core.measures import tax
from workflows.deadlines import fiscal_year as fiscal_year_of


def credit_cap(rule: tax.RuleSet, assets: list[tuple[str, int]], designated_on: date, *,
               corporate_tax_jpy: int | None, extension_until: date | None) -> CreditCap:
    pct = rule.credit_cap_pct_of_corporate_tax
    carry_ja = "上限を超える分は翌年度以降に繰り越せません" if rule.credit_carryover_years == 0 else \
        f"上限を超える分は{rule.credit_carryover_years}年間繰り越せます"
    carry_en = "the excess lapses (no carry-over)" if rule.credit_carryover_years == 0 else \
        f"the excess carries over for {rule.credit_carryover_years} year(s)"
    cap = CreditCap(
        formula=f"cap = that business year's corporate tax × {pct}%; usable credit = min(total tax credit, cap); "
                f"{carry_en}",
        formula_ja=f"控除上限額 = その事業年度の法人税額 × {pct}%。控除できる額 = min(税額控除額の合計, 控除上限額)。"
                   f"{carry_ja}",
        cap_pct_of_corporate_tax=pct, carryover_years=rule.credit_carryover_years)
    if corporate_tax_jpy is not None:
        year = tax.credits_for_year(assets, designated_on, corporate_tax_jpy,  # type: ignore[arg-type]
                                    extension_until=extension_until)
        cap = cap.model_copy(update={"corporate_tax_jpy": corporate_tax_jpy, "cap_jpy": year.cap_jpy,
                                     "allowed_jpy": year.allowed_jpy, "lapsed_jpy": year.lapsed_jpy})
    return cap


def benefit_summary(reports: Iterable[AcquisitionReportPublic], designated_on: date | None, *,
                    extension_until: date | None = None, fiscal_year: int | None = None,
                    corporate_tax_jpy: int | None = None) -> TaxBenefitSummary:
    """The totals per fiscal year. `corporate_tax_jpy` computes the cap of `fiscal_year` (of every year listed
    when no year is given)."""
    rule = tax.rules_on(designated_on, extension_until=extension_until) if designated_on else None
    if rule is None:
        return TaxBenefitSummary(
            designated_on=designated_on, provisional=False, years=[],
            basis="no encoded rule covers this designation date (docs/tax-measure.md)" if designated_on
            else "not designated",
            basis_ja="この指定日に適用される規定は登録されていません" if designated_on else "未指定です")
    counted: dict[int, list[AcquisitionReportPublic]] = {}
    for report in reports:
        if report.review_status == "confirmed" and report.tax_benefit is not None and report.in_service_on:
            counted.setdefault(fiscal_year_of(report.in_service_on), []).append(report)
    years = []
    for year, items in sorted(counted.items()):
        tax_for_year = corporate_tax_jpy if fiscal_year in (None, year) else None
        years.append(TaxBenefitYear(
            fiscal_year=year, report_ids=[r.id for r in items],
            acquisition_cost_jpy=sum(r.actual_cost_jpy for r in items),
            special_depreciation_jpy=sum(r.tax_benefit.special_depreciation_jpy for r in items),
            tax_credit_jpy=sum(r.tax_benefit.tax_credit_jpy for r in items),
            credit_cap=credit_cap(rule, [(r.asset_class, r.actual_cost_jpy) for r in items], designated_on,
                                  corporate_tax_jpy=tax_for_year, extension_until=extension_until)))
    depreciation, credit = rule.depreciation_pct, rule.credit_pct
    provisional_en = " — provisional: the extension's own rates are not in the data yet" if rule.provisional else ""
    provisional_ja = "（延長後の割合は未登録のため暫定）" if rule.provisional else ""
    return TaxBenefitSummary(
        designated_on=designated_on, provisional=rule.provisional, years=years,
        basis=f"rates for corporations designated on {designated_on}: special depreciation "
              f"{depreciation['machinery']}% machinery and R&D instruments, {depreciation['building']}% buildings, "
              f"attachments and structures; tax credit {credit['machinery']}% / {credit['building']}%{provisional_en}",
        basis_ja=f"指定日 {designated_on} の法人に適用される割合: 特別償却 機械・装置及び開発研究用器具・備品 "
                 f"{depreciation['machinery']}%、建物・附属設備・構築物 {depreciation['building']}%。税額控除 "
                 f"{credit['machinery']}%・{credit['building']}%{provisional_ja}")
