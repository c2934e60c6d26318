"""Subsidised loans (国際戦略総合特区支援利子補給金): registration, claims, decisions, the ledger.
Routes stay short; rules live in services/core/loans (docs/interest-subsidy.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from services.api.deps import CurrentUser, IdempotencyKey, Loans
from services.core.loans.schemas import (
    ClaimCreate,
    ClaimPublic,
    LedgerReport,
    LoanCreate,
    LoanDecisionRequest,
    LoanPublic,
)

router = APIRouter(prefix="/loans", tags=["loans"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", response_model=LoanPublic, status_code=status.HTTP_201_CREATED,
             summary="Register a subsidised loan and apply (designated financial institution)")
async def register_loan(body: LoanCreate, user: CurrentUser, loans: Loans, response: Response,
                        idempotency_key: IdempotencyKey = None) -> LoanPublic:
    loan, created = await loans.register(user, body, idempotency_key)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return loan


@router.get("", response_model=list[LoanPublic], summary="The loans the caller may see, newest first")
async def list_loans(user: CurrentUser, loans: Loans,
                     limit: Annotated[int, Query(ge=1, le=500)] = 200) -> list[LoanPublic]:
    return await loans.list(user, limit=limit)


@router.get("/ledger", response_model=LedgerReport,
            summary="The ledger of every visible loan per fiscal year, with totals per plan project and fiscal year",
            responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
async def loan_ledger(user: CurrentUser, loans: Loans,
                      format: Literal["json", "csv", "xlsx"] = "json") -> LedgerReport | Response:
    report = await loans.ledger(user)
    if format == "csv":
        return Response(loans.ledger_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="loan-ledger.csv"'})
    if format == "xlsx":
        return Response(loans.ledger_xlsx(report), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="loan-ledger.xlsx"'})
    return report


@router.get("/{loan_id}", response_model=LoanPublic, summary="A loan, its events and its ledger")
async def get_loan(loan_id: int, user: CurrentUser, loans: Loans) -> LoanPublic:
    return await loans.get(user, loan_id)


@router.post("/{loan_id}/claims", response_model=ClaimPublic, status_code=status.HTTP_201_CREATED,
             summary="Claim one fiscal year's subsidy (the lending institution); refusals name their rule")
async def file_claim(loan_id: int, body: ClaimCreate, user: CurrentUser, loans: Loans,
                     idempotency_key: IdempotencyKey = None) -> ClaimPublic:
    return await loans.file_claim(user, loan_id, body, idempotency_key)


@router.post("/{loan_id}/decisions", response_model=LoanPublic,
             summary="Decide the loan's current step (the government recommends, the Cabinet Office approves, "
                     "reviews claims and records payments)")
async def decide_loan(loan_id: int, body: LoanDecisionRequest, user: CurrentUser, loans: Loans,
                      idempotency_key: IdempotencyKey = None) -> LoanPublic:
    return await loans.decide(user, loan_id, body, idempotency_key)
