"""The interest subsidy's dated rules (総合特別区域法 第28条) as pure functions: the five-year period from the
first loan, the seven fiscal years in which the state may pay, which fiscal years can be claimed, and the
refusals that name their rule. Used by the loan workflow's validators (authoritative) and by the API's
checks and the ledger computation (services/core/loans/ledger.py), so no rule is written twice.

Rates are integers in thousandths of a percent ("millipercent"): 0.7 % a year is 700, so amounts are
computed exactly. Sources and dates read: docs/interest-subsidy.md.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from workflows.deadlines import fiscal_year

MILLIPERCENT = 100_000  # a rate of 1 millipercent is 1/100,000 of the balance a year
ELIGIBLE_YEARS = 5  # 第28条第3項・第4項: 貸付けが最初に行われた日から起算して五年間
PAYMENT_FISCAL_YEARS = 7  # 第28条第6項: 利子補給契約をした会計年度以降七年度以内
# A year whose usual claim date has passed (or is close) when the contract is made gets this long from the
# contract (docs/interest-subsidy.md: a decision of tokku, not of the sources).
LATE_CONTRACT_CLAIM_DAYS = 30


@dataclass(frozen=True)
class Rule:
    code: str
    label_ja: str
    source: str


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("rate_cap", "利子補給率の上限（年0.7%）", "総合特別区域法第28条第3項（内閣総理大臣が定める利子補給率）"),
    Rule("interest_paid_cap", "実際に支払われた利子の額を超えない", "利子補給金の性質（設定: 支払利子額を上限とする）"),
    Rule("five_year_period", "貸付けが最初に行われた日から起算して五年間", "総合特別区域法第28条第3項・第4項"),
    Rule("partial_year", "五年間に含まれる日数による日割り", "総合特別区域法第28条第4項・第5項"),
    Rule("seven_fiscal_years", "利子補給契約をした会計年度以降七年度以内", "総合特別区域法第28条第6項"),
    Rule("contract_total", "利子補給契約で定めた利子補給金の総額の範囲内", "総合特別区域法第28条第5項"),
    Rule("principal_cap", "貸付残高は貸付額を超えない", "総合特別区域法第28条第5項（計算上の貸付残高）"),
    Rule("period_not_ended", "会計年度の終了後に請求する", "支給申請の時期（設定）"),
    Rule("already_claimed", "同じ会計年度の請求は一度だけ", "支給申請（設定）"),
    Rule("outside_zone", "事業区域が総合特区の区域内であること", "総合特別区域法第28条第1項（認定計画に定められた事業）"),
)}


class LoanRuleRefused(Exception):
    """A request a rule refuses; `status` maps to HTTP: invalid 422, wrong_step 409."""

    def __init__(self, rule: str, message: str, message_ja: str, status: str = "invalid") -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.message_ja = message_ja
        self.status = status

    @property
    def source(self) -> str:
        return RULES[self.rule].source if self.rule in RULES else ""


# --- periods -------------------------------------------------------------------------------------------


def _same_day_years_later(start: date, years: int) -> date | None:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year without one
        return None


def eligible_period(first_drawdown_on: date) -> tuple[date, date]:
    """The five years counted from the first loan's day, both ends included. Counted with the first day
    (起算して), the period ends the day before the same day five years on; when that day does not exist
    (29 February), at the end of that month (民法第143条第2項)."""
    same_day = _same_day_years_later(first_drawdown_on, ELIGIBLE_YEARS)
    if same_day is None:
        year = first_drawdown_on.year + ELIGIBLE_YEARS
        return first_drawdown_on, date(year, 2, calendar.monthrange(year, 2)[1])
    return first_drawdown_on, same_day - timedelta(days=1)


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def days_in_fiscal_year(year: int) -> int:
    start, end = fiscal_year_bounds(year)
    return (end - start).days + 1


def eligible_days(year: int, first_drawdown_on: date) -> int:
    """Days of fiscal year `year` inside the five-year period (0 when none)."""
    period_start, period_end = eligible_period(first_drawdown_on)
    year_start, year_end = fiscal_year_bounds(year)
    start, end = max(period_start, year_start), min(period_end, year_end)
    return max(0, (end - start).days + 1)


def eligible_fiscal_years(first_drawdown_on: date) -> list[int]:
    start, end = eligible_period(first_drawdown_on)
    return list(range(fiscal_year(start), fiscal_year(end) + 1))


def last_payment_fiscal_year(contract_fiscal_year: int) -> int:
    return contract_fiscal_year + PAYMENT_FISCAL_YEARS - 1


def payment_window_end(contract_fiscal_year: int) -> date:
    """The last day on which the state may pay under the contract: the end of its seventh fiscal year."""
    return fiscal_year_bounds(last_payment_fiscal_year(contract_fiscal_year))[1]


def claimable_fiscal_years(first_drawdown_on: date, contract_fiscal_year: int) -> list[int]:
    """Fiscal years with eligible days whose claim (made after the year ends) falls inside the payment window."""
    last = last_payment_fiscal_year(contract_fiscal_year)
    return [year for year in eligible_fiscal_years(first_drawdown_on) if year + 1 <= last]


def claim_due_on(year: int, due_month: int, due_day: int, contracted_on: date | None = None) -> date:
    """The claim for fiscal year `year` is due on this month/day of the following fiscal year, and never
    sooner than LATE_CONTRACT_CLAIM_DAYS after the contract."""
    usual = date(year + 1, due_month, due_day)
    if contracted_on is None:
        return usual
    return max(usual, contracted_on + timedelta(days=LATE_CONTRACT_CLAIM_DAYS))


# --- refusals ------------------------------------------------------------------------------------------


def check_subsidy_rate(*, subsidy_rate_millipercent: int, interest_rate_millipercent: int,
                       rate_cap_millipercent: int) -> None:
    cap = format_percent(rate_cap_millipercent)
    if subsidy_rate_millipercent > rate_cap_millipercent:
        raise LoanRuleRefused(
            "rate_cap", f"the subsidy rate {format_percent(subsidy_rate_millipercent)}% is above the cap of "
                        f"{cap}% a year (rule rate_cap)",
            f"利子補給率（年{format_percent(subsidy_rate_millipercent)}%）が上限の年{cap}%を超えています"
            f"（規則: 利子補給率の上限）")
    if subsidy_rate_millipercent > interest_rate_millipercent:
        raise LoanRuleRefused(
            "interest_paid_cap", "the subsidy rate cannot be above the loan's own interest rate "
                                 "(rule interest_paid_cap)",
            "利子補給率は貸付金利を超えることができません（規則: 支払利子額が上限）")


def check_claim(*, today: date, year: int, first_drawdown_on: date, contract_fiscal_year: int) -> None:
    """May a claim for fiscal year `year` be made on `today`? Raises LoanRuleRefused naming the rule."""
    start, end = eligible_period(first_drawdown_on)
    if eligible_days(year, first_drawdown_on) == 0:
        raise LoanRuleRefused(
            "five_year_period", f"fiscal year {year} is outside the five years from the first loan ({start} – {end}) "
                                "(rule five_year_period, Act Art. 28(3)(4))",
            f"{year}年度は貸付けが最初に行われた日から起算して五年間（{start}～{end}）の外です"
            "（規則: 総合特別区域法第28条第3項・第4項）")
    if fiscal_year(today) <= year:
        raise LoanRuleRefused(
            "period_not_ended", f"fiscal year {year} has not ended; claim it from {year + 1}-04-01 "
                                "(rule period_not_ended)",
            f"{year}年度はまだ終わっていません。{year + 1}年4月1日以降に請求してください（規則: 会計年度の終了後に請求）")
    last = last_payment_fiscal_year(contract_fiscal_year)
    if fiscal_year(today) > last:
        raise LoanRuleRefused(
            "seven_fiscal_years", f"the subsidy can be paid only until fiscal year {last} (seven fiscal years from "
                                  f"the contract's fiscal year {contract_fiscal_year}); this claim is too late "
                                  "(rule seven_fiscal_years, Act Art. 28(6))",
            f"利子補給金を支給できるのは利子補給契約をした{contract_fiscal_year}年度以降七年度以内"
            f"（{last}年度まで）です。この請求は期限を過ぎています（規則: 総合特別区域法第28条第6項）")


def format_percent(millipercent: int) -> str:
    whole, fraction = divmod(millipercent, 1000)
    return f"{whole}.{fraction:03d}".rstrip("0").rstrip(".") if fraction else str(whole)
