"""The subsidy of one loan for one fiscal year, and the ledger's totals: pure functions, no database.

    compute_subsidy(...) -> SubsidyComputation

The amount (総合特別区域法第28条第5項) is the eligible balance × the subsidy rate, for the days of the fiscal
year inside the five years from the first loan, and never more than:
- the rate cap (年0.7%; a setting) — a loan registered above it is refused before it gets here;
- the interest the borrower actually paid that year;
- what remains of the contract's total (利子補給契約で定めた総額).
Yen are rounded down (1円未満切捨て). Sources: docs/interest-subsidy.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflows.loan_rules import (
    MILLIPERCENT,
    RULES,
    LoanRuleRefused,
    days_in_fiscal_year,
    eligible_days,
    eligible_period,
    format_percent,
)

DEFAULT_RATE_CAP_MILLIPERCENT = 700  # 年0.7%


@dataclass(frozen=True)
class Finding:
    """A rule that shaped the amount: shown with the claim (rule_findings) and kept in the ledger."""

    rule: str
    message: str
    message_ja: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "message_ja": self.message_ja,
                "source": RULES[self.rule].source}


@dataclass(frozen=True)
class SubsidyComputation:
    fiscal_year: int
    eligible_days: int
    days_in_year: int
    eligible_balance_jpy: int
    subsidy_rate_millipercent: int
    by_rate_jpy: int  # balance × rate × days / days in the year, before the caps
    subsidy_jpy: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def rule_findings(self) -> list[dict[str, str]]:
        return [finding.as_dict() for finding in self.findings]


def compute_subsidy(*, fiscal_year: int, average_balance_jpy: int, interest_paid_jpy: int, principal_jpy: int,
                    first_drawdown_on: date, subsidy_rate_millipercent: int,
                    rate_cap_millipercent: int = DEFAULT_RATE_CAP_MILLIPERCENT,
                    contract_total_jpy: int | None = None, already_subsidised_jpy: int = 0) -> SubsidyComputation:
    """`average_balance_jpy`: the loan's average actual balance over the days of the year inside the period."""
    if average_balance_jpy < 0 or interest_paid_jpy < 0:
        raise LoanRuleRefused("invalid", "the balance and the interest paid cannot be negative",
                              "残高と支払利子額は0以上で入力してください")
    days = eligible_days(fiscal_year, first_drawdown_on)
    if days == 0:
        start, end = eligible_period(first_drawdown_on)
        raise LoanRuleRefused(
            "five_year_period", f"fiscal year {fiscal_year} is outside the five years from the first loan "
                                f"({start} – {end}) (rule five_year_period)",
            f"{fiscal_year}年度は貸付けが最初に行われた日から起算して五年間（{start}～{end}）の外です")
    if average_balance_jpy > principal_jpy:
        raise LoanRuleRefused(
            "principal_cap", f"the average balance ¥{average_balance_jpy:,} is above the amount lent "
                             f"¥{principal_jpy:,} (rule principal_cap)",
            f"平均残高（{average_balance_jpy:,}円）が貸付額（{principal_jpy:,}円）を超えています")
    findings: list[Finding] = []
    rate = subsidy_rate_millipercent
    if rate > rate_cap_millipercent:  # defence in depth: registration refuses such a loan
        findings.append(Finding("rate_cap", f"rate limited to the cap {format_percent(rate_cap_millipercent)}%",
                                f"利子補給率を上限の年{format_percent(rate_cap_millipercent)}%としました"))
        rate = rate_cap_millipercent
    year_days = days_in_fiscal_year(fiscal_year)
    by_rate = average_balance_jpy * rate * days // (MILLIPERCENT * year_days)
    if days < year_days:
        findings.append(Finding(
            "partial_year", f"{days} of the year's {year_days} days are inside the five-year period",
            f"五年間に含まれるのは{year_days}日のうち{days}日のため日割りで計算しました"))
    subsidy = by_rate
    if interest_paid_jpy < subsidy:
        findings.append(Finding(
            "interest_paid_cap", f"limited to the interest actually paid, ¥{interest_paid_jpy:,} "
                                 f"(by the rate: ¥{by_rate:,})",
            f"実際に支払われた利子の額（{interest_paid_jpy:,}円）を上限としました（利子補給率による額: {by_rate:,}円）"))
        subsidy = interest_paid_jpy
    if contract_total_jpy is not None:
        remaining = max(0, contract_total_jpy - already_subsidised_jpy)
        if remaining < subsidy:
            findings.append(Finding(
                "contract_total", f"limited to what remains of the contract's total, ¥{remaining:,}",
                f"利子補給契約で定めた総額の残り（{remaining:,}円）を上限としました"))
            subsidy = remaining
    return SubsidyComputation(fiscal_year=fiscal_year, eligible_days=days, days_in_year=year_days,
                              eligible_balance_jpy=average_balance_jpy, subsidy_rate_millipercent=rate,
                              by_rate_jpy=by_rate, subsidy_jpy=subsidy, findings=findings)


# --- totals --------------------------------------------------------------------------------------------

AMOUNT_COLUMNS = ("subsidy_due_jpy", "claimed_jpy", "approved_jpy", "paid_jpy")


def totals_by(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, dict[str, int]]:
    """Sum the ledger's amounts per value of `key` (plan_project or fiscal_year), in key order."""
    totals: dict[Any, dict[str, int]] = {}
    for row in rows:
        bucket = totals.setdefault(row[key], dict.fromkeys(AMOUNT_COLUMNS, 0))
        for column in AMOUNT_COLUMNS:
            bucket[column] += row.get(column) or 0
    return dict(sorted(totals.items(), key=lambda item: str(item[0])))
