"""The interest subsidy through the API on the real stack: a lender registers a loan, the area's government
recommends it, the Cabinet Office approves it, the lender claims a fiscal year and the ledger shows it —
and every bad request is refused with a clear 4xx that names its rule and stores nothing."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from services.core.loans.models import Loan, LoanEvent, LoanLedgerEntry
from tests.factories import APPROVE_LOAN, LAST_FISCAL_YEAR, RECOMMEND, loan_body


async def count(sessions, table, *where) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def approved_loan(as_user) -> dict:
    bank = await as_user("bank1")
    created = await bank.post("/loans", loan_body())
    assert created.status_code == 201, created.text
    loan = created.json()
    recommended = await (await as_user("kawasaki1")).post(f"/loans/{loan['id']}/decisions", RECOMMEND)
    assert recommended.status_code == 200, recommended.text
    approved = await (await as_user("cao1")).post(f"/loans/{loan['id']}/decisions", APPROVE_LOAN)
    assert approved.status_code == 200, approved.text
    return approved.json()


async def test_loan_from_registration_to_a_paid_claim(as_user, sessions):
    bank, kawasaki, cao = await as_user("bank1"), await as_user("kawasaki1"), await as_user("cao1")
    created = await bank.post("/loans", loan_body(), headers={"Idempotency-Key": "loan-journey"})
    assert created.status_code == 201, created.text
    loan = created.json()
    assert (loan["status"], loan["current_step"], loan["government"]) == ("recommendation", "recommendation", "kawasaki")
    assert loan["lender"] == "株式会社横浜銀行" and loan["subsidy_rate_percent"] == "0.7"  # the cap: below 1.2 %
    assert loan["plan_project_name"].startswith("革新的な医薬品・医療機器")
    again = await bank.post("/loans", loan_body(), headers={"Idempotency-Key": "loan-journey"})
    assert again.json()["id"] == loan["id"] and again.headers.get("Idempotent-Replayed") == "true"

    # Who sees it: the lender and the area's government; not another bank, city or the Cabinet Office yet.
    for username, status in (("bank2", 404), ("yokohama1", 404), ("cao1", 404), ("kanagawa1", 200),
                             ("applicant1", 404)):
        assert (await (await as_user(username)).get(f"/loans/{loan['id']}")).status_code == status, username
    assert loan["id"] not in [item["id"] for item in (await (await as_user("bank2")).get("/loans")).json()]
    early = await bank.post(f"/loans/{loan['id']}/claims", {"fiscal_year": LAST_FISCAL_YEAR,
                                                            "average_balance_jpy": 1, "interest_paid_jpy": 1})
    assert early.status_code == 409, early.text

    by_lender = await bank.post(f"/loans/{loan['id']}/decisions", RECOMMEND)
    assert by_lender.status_code == 403
    assert (await kawasaki.post(f"/loans/{loan['id']}/decisions", RECOMMEND)).status_code == 200
    assert (await cao.get(f"/loans/{loan['id']}")).status_code == 200  # recommended: the Cabinet Office sees it
    approved = await cao.post(f"/loans/{loan['id']}/decisions", APPROVE_LOAN)
    assert approved.status_code == 200, approved.text
    state = approved.json()
    assert state["status"] == "servicing" and state["contract_total_jpy"] == 3_500_000
    assert [row["fiscal_year"] for row in state["ledger"]] == list(range(LAST_FISCAL_YEAR, LAST_FISCAL_YEAR + 5))

    claim = await bank.post(f"/loans/{loan['id']}/claims", {
        "fiscal_year": LAST_FISCAL_YEAR, "average_balance_jpy": 95_000_000, "interest_paid_jpy": 1_140_000})
    assert claim.status_code == 201, claim.text
    body = claim.json()
    assert body["subsidy_jpy"] == 665_000 == body["claimed_jpy"]  # 95,000,000 × 0.7 %, a whole year
    assert body["state"] == "claimed" and body["rule_findings"] == []

    events_before = await count(sessions, LoanEvent, LoanEvent.loan_id == loan["id"])
    for payload, status, rule in (
            ({"fiscal_year": LAST_FISCAL_YEAR, "average_balance_jpy": 1, "interest_paid_jpy": 1}, 409, "already_claimed"),
            ({"fiscal_year": LAST_FISCAL_YEAR + 1, "average_balance_jpy": 1, "interest_paid_jpy": 1}, 422,
             "period_not_ended"),
            ({"fiscal_year": LAST_FISCAL_YEAR + 5, "average_balance_jpy": 1, "interest_paid_jpy": 1}, 422,
             "five_year_period"),
            ({"fiscal_year": LAST_FISCAL_YEAR - 1, "average_balance_jpy": 1, "interest_paid_jpy": 1}, 422,
             "five_year_period"),
    ):
        refused = await bank.post(f"/loans/{loan['id']}/claims", payload)
        assert refused.status_code == status, refused.text
        detail = refused.json()["detail"]
        assert detail["rule"] == rule and detail["message_ja"], detail
    negative = await bank.post(f"/loans/{loan['id']}/claims", {"fiscal_year": LAST_FISCAL_YEAR + 2,
                                                               "average_balance_jpy": -1, "interest_paid_jpy": 0})
    assert negative.status_code == 422 and "message_ja" in negative.json()
    assert await count(sessions, LoanEvent, LoanEvent.loan_id == loan["id"]) == events_before  # nothing stored

    review = {"step": "claim_review", "outcome": "approve", "fiscal_year": LAST_FISCAL_YEAR}
    assert (await bank.post(f"/loans/{loan['id']}/decisions", review)).status_code == 403
    assert (await cao.post(f"/loans/{loan['id']}/decisions", {**review, "approved_jpy": 665_001})).status_code == 422
    assert (await cao.post(f"/loans/{loan['id']}/decisions", review)).status_code == 200
    paid = await cao.post(f"/loans/{loan['id']}/decisions", {"step": "payment", "outcome": "pay",
                                                             "fiscal_year": LAST_FISCAL_YEAR,
                                                             "paid_on": APPROVE_LOAN["contracted_on"]})
    assert paid.status_code == 200, paid.text
    row = next(r for r in paid.json()["ledger"] if r["fiscal_year"] == LAST_FISCAL_YEAR)
    assert (row["state"], row["approved_jpy"], row["paid_jpy"]) == ("paid", 665_000, 665_000)
    kinds = [event["kind"] for event in paid.json()["events"]]
    assert kinds[0] == "registered" and kinds.count("decision") == 4 and "claim_filed" in kinds

    # The ledger: JSON with totals per plan project and fiscal year, and the same in CSV and XLSX.
    report = (await bank.get("/loans/ledger")).json()
    assert report["by_plan_project"]["2/4"]["paid_jpy"] >= 665_000
    assert report["by_fiscal_year"][str(LAST_FISCAL_YEAR)]["claimed_jpy"] >= 665_000
    assert {r["lender"] for r in report["rows"]} == {"株式会社横浜銀行"}  # only the bank's own loans
    csv_response = await bank.get("/loans/ledger", params={"format": "csv"})
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["貸付番号", "指定金融機関", "借入者", "計画の事業（別紙1-5）", "年度"]
    assert "計画の事業（別紙1-5）別の合計" in [r[0] for r in rows if r] and "年度別の合計" in [r[0] for r in rows if r]
    xlsx = await bank.get("/loans/ledger", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)][:len(rows)][0] == rows[0]
    assert (await (await as_user("applicant1")).get("/loans/ledger")).status_code == 403


async def test_bad_registrations_are_refused_and_store_nothing(as_user, sessions):
    bank = await as_user("bank1")
    before = await count(sessions, Loan)
    cases = [
        (loan_body(subsidy_rate_percent="0.8"), "rate_cap"),
        (loan_body(interest_rate_percent="0.5", subsidy_rate_percent="0.6"), "interest_paid_cap"),
        (loan_body(business_area="東京都千代田区永田町一丁目6番1号"), "outside_zone"),
    ]
    for body, rule in cases:
        response = await bank.post("/loans", body)
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail["rule"] == rule and detail["message"] and detail["message_ja"], detail
    for body in (loan_body(plan_project="5/4"), loan_body(principal_jpy=-1), loan_body(borrower_corporate_number="123"),
                 loan_body(interest_rate_percent="1.2345")):
        response = await bank.post("/loans", body)
        assert response.status_code == 422, response.text
    assert (await (await as_user("applicant1")).post("/loans", loan_body())).status_code == 403
    assert (await (await as_user("cao1")).post("/loans", loan_body())).status_code == 403
    assert await count(sessions, Loan) == before
    # An interest subsidy is not an application any more.
    refused = await (await as_user("applicant1")).post("/applications", {"measure": "interest_subsidy"})
    assert refused.status_code == 422 and "/api/v1/loans" in refused.text


async def test_a_loan_in_yokohama_is_recommended_by_yokohama(as_user, sessions):
    bank = await as_user("bank2")
    created = await bank.post("/loans", loan_body(business_area="神奈川県横浜市鶴見区末広町1丁目", plan_project="4/4"))
    assert created.status_code == 201, created.text
    loan = created.json()
    assert (loan["government"], loan["lender"]) == ("yokohama", "川崎信用金庫")
    assert (await (await as_user("kawasaki1")).post(f"/loans/{loan['id']}/decisions", RECOMMEND)).status_code == 404
    rejected = await (await as_user("yokohama1")).post(f"/loans/{loan['id']}/decisions", {
        "step": "recommendation", "outcome": "reject", "reason": "計画の事業に該当しない"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert (await (await as_user("cao1")).get(f"/loans/{loan['id']}")).status_code == 404  # never reached it
    assert await count(sessions, LoanLedgerEntry, LoanLedgerEntry.loan_id == loan["id"]) == 0
