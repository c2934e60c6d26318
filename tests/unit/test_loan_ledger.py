"""Acceptance 2: the subsidy of a loan for a fiscal year, table-driven from the sources (docs/interest-subsidy.md):
総合特別区域法第28条 — rate × eligible balance for the days inside the five years from the first loan (¶3–5),
never above the rate cap (年0.7%), the interest actually paid or the contract's total; claims only within
seven fiscal years of the contract (¶6)."""

from __future__ import annotations

from datetime import date

import pytest

from services.core.loans.ledger import compute_subsidy, totals_by
from workflows.loan_rules import (
    LoanRuleRefused,
    check_claim,
    check_subsidy_rate,
    claim_due_on,
    claimable_fiscal_years,
    eligible_days,
    eligible_period,
    payment_window_end,
)

APRIL = date(2027, 4, 1)  # a loan drawn on the first day of FY2027: five whole fiscal years
OCTOBER = date(2026, 10, 1)  # drawn mid-year: a partial first and last fiscal year

# (name, first drawdown, fiscal year, average balance, interest paid, rate ‰%, contract total, already, due, rules)
CASES = [
    ("full year at the cap", APRIL, 2027, 100_000_000, 1_500_000, 700, None, 0, 700_000, []),
    ("full year below the cap", APRIL, 2028, 80_000_000, 1_000_000, 500, None, 0, 400_000, []),
    ("rate above the cap is limited", APRIL, 2027, 100_000_000, 1_500_000, 900, None, 0, 700_000, ["rate_cap"]),
    ("interest paid is the ceiling", APRIL, 2027, 100_000_000, 250_000, 700, None, 0, 250_000,
     ["interest_paid_cap"]),
    ("no interest paid, no subsidy", APRIL, 2029, 50_000_000, 0, 700, None, 0, 0, ["interest_paid_cap"]),
    # 2026-10-01 … 2027-03-31: 182 of FY2026's 365 days; 100,000,000 × 0.7% × 182/365 = 349,041.09…
    ("partial first year", OCTOBER, 2026, 100_000_000, 2_000_000, 700, None, 0, 349_041, ["partial_year"]),
    # 2031-04-01 … 2031-09-30: 183 of FY2031's 366 days (29 Feb 2032); 60,000,000 × 0.7% × 183/366 = 210,000
    ("partial last year", OCTOBER, 2031, 60_000_000, 2_000_000, 700, None, 0, 210_000, ["partial_year"]),
    ("partial year and interest cap", OCTOBER, 2031, 60_000_000, 100_000, 700, None, 0, 100_000,
     ["partial_year", "interest_paid_cap"]),
    ("contract total caps the last claim", APRIL, 2031, 100_000_000, 1_500_000, 700, 3_000_000, 2_800_000,
     200_000, ["contract_total"]),
    ("contract total used up", APRIL, 2031, 100_000_000, 1_500_000, 700, 3_000_000, 3_000_000, 0,
     ["contract_total"]),
    ("yen are rounded down", APRIL, 2027, 33_333_333, 1_000_000, 700, None, 0, 233_333, []),
]


@pytest.mark.parametrize(("name", "drawn", "year", "balance", "interest", "rate", "total", "already", "due", "rules"),
                         CASES, ids=[case[0] for case in CASES])
def test_subsidy(name, drawn, year, balance, interest, rate, total, already, due, rules):
    result = compute_subsidy(fiscal_year=year, average_balance_jpy=balance, interest_paid_jpy=interest,
                             principal_jpy=100_000_000, first_drawdown_on=drawn, subsidy_rate_millipercent=rate,
                             contract_total_jpy=total, already_subsidised_jpy=already)
    assert result.subsidy_jpy == due
    assert [finding.rule for finding in result.findings] == rules
    assert result.subsidy_jpy <= balance * 700 // 100_000  # never above the cap × the eligible balance
    assert result.subsidy_jpy <= interest
    assert all(finding["source"] and finding["message_ja"] for finding in result.rule_findings)


@pytest.mark.parametrize(("drawn", "year", "rule"), [
    (APRIL, 2032, "five_year_period"),  # the sixth fiscal year: the period is over
    (APRIL, 2026, "five_year_period"),  # before the first loan
    (OCTOBER, 2031, None),  # the period's last half-year still counts
    (OCTOBER, 2032, "five_year_period"),
])
def test_the_five_year_period(drawn, year, rule):
    arguments = dict(fiscal_year=year, average_balance_jpy=1_000_000, interest_paid_jpy=10_000, principal_jpy=10**8,
                     first_drawdown_on=drawn, subsidy_rate_millipercent=700)
    if rule is None:
        assert compute_subsidy(**arguments).eligible_days > 0
    else:
        with pytest.raises(LoanRuleRefused) as refused:
            compute_subsidy(**arguments)
        assert refused.value.rule == rule and "28条" in refused.value.source


def test_period_ends_the_day_before_the_same_day_five_years_on():
    assert eligible_period(APRIL) == (APRIL, date(2032, 3, 31))
    assert eligible_period(date(2028, 2, 29)) == (date(2028, 2, 29), date(2033, 2, 28))  # no 29 Feb in 2033
    assert sum(eligible_days(year, OCTOBER) for year in range(2026, 2032)) == (date(2031, 10, 1) - OCTOBER).days


def test_bad_amounts_are_refused():
    for balance, interest, rule in ((-1, 0, "invalid"), (0, -5, "invalid"), (100_000_001, 0, "principal_cap")):
        with pytest.raises(LoanRuleRefused) as refused:
            compute_subsidy(fiscal_year=2027, average_balance_jpy=balance, interest_paid_jpy=interest,
                            principal_jpy=100_000_000, first_drawdown_on=APRIL, subsidy_rate_millipercent=700)
        assert refused.value.rule == rule


@pytest.mark.parametrize(("today", "year", "rule"), [
    (date(2028, 4, 10), 2027, None),  # the year has ended, inside the payment window
    (date(2028, 3, 31), 2027, "period_not_ended"),
    (date(2033, 4, 10), 2032, "five_year_period"),  # year 6: the period is over (checked first)
    (date(2033, 3, 31), 2031, None),  # the last day of the seventh fiscal year (contract FY2026 → FY2032)
    (date(2033, 4, 1), 2031, "seven_fiscal_years"),  # a day late
])
def test_claims_within_seven_fiscal_years_of_the_contract(today, year, rule):
    def check():
        check_claim(today=today, year=year, first_drawdown_on=APRIL, contract_fiscal_year=2026)
    if rule is None:
        check()
    else:
        with pytest.raises(LoanRuleRefused) as refused:
            check()
        assert refused.value.rule == rule


def test_payment_window_and_claimable_years():
    assert payment_window_end(2026) == date(2033, 3, 31)
    assert claimable_fiscal_years(APRIL, 2026) == [2027, 2028, 2029, 2030, 2031]
    # a loan drawn late under an early contract: the seven fiscal years end before its five years do
    assert claimable_fiscal_years(date(2029, 10, 1), 2026) == [2029, 2030, 2031]
    # a year already over when the contract is made gets a month from the contract to be claimed
    assert claim_due_on(2025, 4, 30) == date(2026, 4, 30)
    assert claim_due_on(2025, 4, 30, contracted_on=date(2026, 12, 1)) == date(2026, 12, 31)
    assert claim_due_on(2027, 4, 30, contracted_on=date(2026, 12, 1)) == date(2028, 4, 30)


@pytest.mark.parametrize(("subsidy", "interest", "rule"), [(700, 1200, None), (701, 1200, "rate_cap"),
                                                            (500, 400, "interest_paid_cap")])
def test_registration_rates(subsidy, interest, rule):
    def check():
        check_subsidy_rate(subsidy_rate_millipercent=subsidy, interest_rate_millipercent=interest,
                           rate_cap_millipercent=700)
    if rule is None:
        check()
    else:
        with pytest.raises(LoanRuleRefused) as refused:
            check()
        assert refused.value.rule == rule
        if rule == "rate_cap":
            assert "年0.7%" in refused.value.message_ja


def test_totals_per_project_and_fiscal_year():
    rows = [{"plan_project": "1/4", "fiscal_year": 2027, "subsidy_due_jpy": 100, "claimed_jpy": 100,
             "approved_jpy": 90, "paid_jpy": 90},
            {"plan_project": "2/4", "fiscal_year": 2027, "subsidy_due_jpy": 50, "claimed_jpy": 50,
             "approved_jpy": None, "paid_jpy": None},
            {"plan_project": "1/4", "fiscal_year": 2028, "subsidy_due_jpy": 10, "claimed_jpy": 10,
             "approved_jpy": 10, "paid_jpy": 0}]
    assert totals_by(rows, "plan_project") == {
        "1/4": {"subsidy_due_jpy": 110, "claimed_jpy": 110, "approved_jpy": 100, "paid_jpy": 90},
        "2/4": {"subsidy_due_jpy": 50, "claimed_jpy": 50, "approved_jpy": 0, "paid_jpy": 0}}
    assert list(totals_by(rows, "fiscal_year")) == [2027, 2028]
    assert totals_by(rows, "fiscal_year")[2027]["paid_jpy"] == 90
