"""Pages of the interest subsidy (利子補給金): the lender registers loans and claims each fiscal year; the
area's government recommends, the Cabinet Office approves, reviews claims and records payments; everyone
concerned sees the ledger and exports it. The same LoanService as the JSON API (services/api/routers/loans.py)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.deps import loans_of
from services.api.pages import i18n
from services.api.pages.forms import localized_errors, pydantic_errors
from services.api.pages.web import JAPAN, Csrf, PageRoute, PageUser, flash_text, redirect, render, templates
from services.api.routers.loans import XLSX
from services.core.loans.schemas import ClaimCreate, LoanCreate, LoanDecisionRequest
from services.core.platform.exceptions import DomainError, Forbidden
from workflows import rules
from workflows.contracts import Role
from workflows.deadlines import fiscal_year
from workflows.loan_contracts import LOAN_STEP_ROLE, LoanStep

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# The loan pages' words, kept beside them and added to the shared dictionary (ja, en).
LOAN_MESSAGES: dict[str, tuple[str, str]] = {
    "loans": ("利子補給の貸付", "Subsidised loans"),
    "new_loan": ("貸付の登録", "Register a loan"),
    "new_loan_heading": ("利子補給の対象貸付を登録", "Register a loan for the interest subsidy"),
    "loan_intro": ("国際戦略総合特区支援利子補給金（別紙1-5）: 指定金融機関が計画の事業に貸し付けた資金について、"
                   "国が利子の一部（年0.7%以内、最初の貸付けから5年間）を補給します。",
                   "The interest subsidy (annex 1-5): for loans a designated institution makes to the plan's "
                   "projects, the state pays part of the interest (at most 0.7 % a year, five years from the first loan)."),
    "loan_no": ("貸付番号", "Loan"), "borrower": ("借入者", "Borrower"), "borrower_corporate_number": ("借入者の法人番号",
                                                                                            "Borrower's corporate number"),
    "borrower_name": ("借入者の名称", "Borrower's name"), "plan_project": ("計画の事業（別紙1-5）", "Plan project (annex 1-5)"),
    "lender": ("指定金融機関", "Designated institution"), "principal_jpy": ("貸付額（円）", "Amount lent (JPY)"),
    "first_drawdown_on": ("最初の貸付日", "First drawdown"), "interest_rate_percent": ("貸付金利（年%）",
                                                                                  "Interest rate (% a year)"),
    "subsidy_rate_percent": ("利子補給率（年%）", "Subsidy rate (% a year)"),
    "subsidy_rate_hint": ("空欄なら上限（年0.7%）または貸付金利の低い方", "Empty: the cap (0.7 %) or the loan's rate if lower"),
    "business_area": ("事業区域（事業を行う場所の住所）", "Business area (address of the project)"),
    "loan_status": ("状態", "Status"), "loan_government": ("推薦する自治体", "Recommending government"),
    "eligible_period": ("利子補給の対象期間（5年間）", "Subsidised period (five years)"),
    "contract": ("利子補給契約", "Interest subsidy contract"), "contract_total_jpy": ("利子補給金の総額（円）",
                                                                                "Contract total (JPY)"),
    "register_loan": ("登録して推薦を依頼", "Register and ask for the recommendation"),
    "no_loans": ("貸付はまだありません。", "No loans yet."),
    "ledger": ("利子補給金台帳", "Interest subsidy ledger"), "ledger_csv": ("台帳をCSVで出力", "Ledger as CSV"),
    "ledger_xlsx": ("台帳をExcel（XLSX）で出力", "Ledger as Excel (XLSX)"),
    "totals_by_project": ("計画の事業別の合計", "Totals per plan project"), "totals_by_year": ("年度別の合計",
                                                                                     "Totals per fiscal year"),
    "claim_due": ("申請期限", "Claim due"),
    "eligible_days": ("対象日数", "Days"), "average_balance_jpy": ("平均残高（円）", "Average balance (JPY)"),
    "interest_paid_jpy": ("支払利子（円）", "Interest paid (JPY)"), "subsidy_due_jpy": ("利子補給金の額（円）",
                                                                                  "Subsidy (JPY)"),
    "claimed_jpy": ("申請額（円）", "Claimed (JPY)"), "approved_jpy": ("承認額（円）", "Approved (JPY)"),
    "paid_jpy": ("支給額（円）", "Paid (JPY)"), "paid_on": ("支給日", "Paid on"),
    "ledger_state": ("状況", "State"), "loan_findings": ("適用した規則", "Rules applied"),
    "claim_form": ("支給申請", "Claim"), "claim_submit": ("支給申請する", "File the claim"),
    "claim_hint": ("会計年度（4月〜3月）の終了後、その年度の平均残高と実際に支払われた利子を入力してください。",
                   "After the fiscal year (April to March) ends, enter its average balance and the interest paid."),
    "loan_decision": ("判断", "Decision"), "decide": ("判断を登録", "Record the decision"),
    "recommended_on": ("推薦日", "Recommended on"), "reference": ("文書番号", "Reference"),
    "contracted_on": ("契約日", "Contract date"),
    "claim_review_heading": ("{year}年度分の支給申請の審査", "Review of the claim for FY{year}"),
    "payment_heading": ("{year}年度分の支給", "Payment for FY{year}"),
    "approved_jpy_hint": ("空欄なら利子補給金の額のとおり承認（超えることはできません）",
                          "Empty: approve the subsidy as computed (never more)"),
    "loan_history": ("経過", "History"), "loan_registered": ("貸付を登録しました。自治体の推薦を待っています。",
                                                           "Loan registered; waiting for the recommendation."),
    "claim_filed": ("支給申請を受け付けました。", "Claim filed."), "decision_recorded": ("判断を登録しました。",
                                                                               "Decision recorded."),
    "loan_tasks": ("利子補給の貸付（判断待ち）", "Subsidised loans waiting for you"),
    "loan_date_hint": ("2026-04-01 または 令和8年4月1日", "2026-04-01 or 令和8年4月1日"),
}
assert not set(LOAN_MESSAGES) & set(i18n.MESSAGES), "a loan page word would replace a shared one"
i18n.MESSAGES.update(LOAN_MESSAGES)

LOAN_STATUS_LABELS = {
    "recommendation": ("自治体の推薦待ち", "Waiting for the recommendation"),
    "cabinet_office_review": ("内閣府の審査（利子補給契約）", "Cabinet Office review (contract)"),
    "servicing": ("利子補給中", "Subsidy running"), "completed": ("完了", "Completed"),
    "rejected": ("不採択", "Not subsidised"), "claim_review": ("支給申請の審査", "Claim review"),
    "payment": ("支給", "Payment"),
}
LEDGER_STATE_LABELS = {
    "open": ("申請待ち", "Not yet claimed"), "claimed": ("申請済み（審査待ち）", "Claimed"),
    "approved": ("承認済み（支給待ち）", "Approved"), "rejected": ("不承認", "Refused"), "paid": ("支給済み", "Paid"),
    "missed": ("申請期限超過", "Claim overdue"), "closed": ("終了", "Closed"),
}
LOAN_EVENT_LABELS = {
    "registered": ("貸付の登録", "Loan registered"), "decision": ("判断", "Decision"),
    "claim_filed": ("支給申請", "Claim filed"), "claim_deadline_missed": ("支給申請の期限超過", "Claim overdue"),
    "completed": ("利子補給の終了", "Subsidy ended"),
}
LOAN_OUTCOME_LABELS = {
    "recommend": ("推薦する", "Recommend"), "reject": ("不採択とする", "Do not subsidise"),
    "approve": ("承認する", "Approve"), "pay": ("支給した", "Paid"),
}
CLAIM_OUTCOME_LABELS = {"approve": ("承認する", "Approve"), "reject": ("承認しない", "Refuse")}
AMOUNT_FIELDS = ("principal_jpy", "average_balance_jpy", "interest_paid_jpy", "contract_total_jpy", "approved_jpy")
# The field a refused rule is about, so its message stands under that field.
RULE_FIELDS = {"rate_cap": "subsidy_rate_percent", "interest_paid_cap": "subsidy_rate_percent",
               "outside_zone": "business_area"}


def _typed(form) -> dict[str, str]:
    """What the person typed (shown again when the form is refused), empty fields left out."""
    return {key: value.strip() for key, value in form.multi_items()
            if key != "csrf_token" and isinstance(value, str) and value.strip()}


def _form_values(typed: dict[str, str]) -> dict[str, Any]:
    """What the models read: amounts without their thousands separators (3,900,000 or ３，９００，０００円)."""
    def amount(text: str) -> str:
        return unicodedata.normalize("NFKC", text).replace(",", "").replace("円", "").replace("¥", "").strip()

    return {key: amount(value) if key in AMOUNT_FIELDS else value for key, value in typed.items()}


def _errors(error: ValidationError, lang: str = "ja") -> dict[str, list[str]]:
    """Per field, in the page's language (forms.pydantic_errors)."""
    found: dict[str, list[str]] = {}
    for problem in pydantic_errors(error, lang):
        found.setdefault(problem["field"] or "form", []).append(problem["message"])
    return found


def _label(request: Request, name: str) -> str:
    pair = i18n.MESSAGES.get(name)
    return (pair[0] if request.session.get("lang", "ja") == "ja" else pair[1]) if pair else name


def _today() -> date:
    return datetime.now(JAPAN).date()


templates.env.globals.update(loan_status_labels=LOAN_STATUS_LABELS, ledger_state_labels=LEDGER_STATE_LABELS,
                             loan_event_labels=LOAN_EVENT_LABELS, loan_outcome_labels=LOAN_OUTCOME_LABELS,
                             claim_outcome_labels=CLAIM_OUTCOME_LABELS)


def _projects(request: Request) -> list[tuple[str, str]]:
    plan = loans_of(request).plan
    return [(p["page"], p["name"]) for p in plan["specific_projects"] if p["measure"] == "interest_subsidy"]


# --- list, ledger, exports ------------------------------------------------------------------------------


@router.get("/loans", response_class=HTMLResponse)
async def loans_page(request: Request, user: PageUser) -> Response:
    loans = loans_of(request)
    items = await loans.list(user)
    report = await loans.ledger(user)
    return render(request, "loans.html", {"loans": items, "report": report}, user=user)


@router.get("/loans/ledger.csv")
async def ledger_csv(request: Request, user: PageUser) -> Response:
    loans = loans_of(request)
    return Response(loans.ledger_csv(await loans.ledger(user)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="loan-ledger.csv"'})


@router.get("/loans/ledger.xlsx")
async def ledger_xlsx(request: Request, user: PageUser) -> Response:
    loans = loans_of(request)
    return Response(loans.ledger_xlsx(await loans.ledger(user)), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="loan-ledger.xlsx"'})


# --- registration ----------------------------------------------------------------------------------------


def _require_lender(user) -> None:
    if user.role != Role.lender:
        raise Forbidden("only a designated financial institution registers subsidised loans",
                          "利子補給の対象貸付の登録は指定金融機関の利用者のみ行えます")


@router.get("/loans/new", response_class=HTMLResponse)
async def new_loan(request: Request, user: PageUser) -> Response:
    _require_lender(user)
    return render(request, "loan_form.html", {"values": {}, "errors": {}, "projects": _projects(request)}, user=user)


@router.post("/loans/new", response_class=HTMLResponse)
async def create_loan(request: Request, user: PageUser, _csrf: Csrf) -> Response:
    _require_lender(user)
    typed = _typed(await request.form())
    errors: dict[str, list[str]] = {}
    try:
        body = LoanCreate.model_validate(_form_values(typed))
        loan, _ = await loans_of(request).register(user, body)
    except ValidationError as error:
        errors = _errors(error, request.session.get("lang", "ja"))
    except DomainError as error:
        message = i18n.refusal_message(error, request.session.get("lang", "ja"))
        errors = {"form": [message]}
        if getattr(error, "rule", None) in RULE_FIELDS:
            errors[RULE_FIELDS[error.rule]] = [message]
    if errors:
        return render(request, "loan_form.html", {"values": typed, "errors": errors, "projects": _projects(request)},
                      status_code=422, user=user)
    flash_text(request, *LOAN_MESSAGES["loan_registered"])
    return redirect(f"/loans/{loan.id}")


# --- one loan: details, claims, decisions ----------------------------------------------------------------


async def _loan_page(request: Request, user, loan_id: int, *, status_code: int = 200,
                     form: dict[str, Any] | None = None) -> Response:
    loan = await loans_of(request).get(user, loan_id)
    can_recommend = (loan.status == "recommendation" and user.role == LOAN_STEP_ROLE[LoanStep.recommendation]
                     and rules.official_covers(user.government, loan.government))
    is_cabinet_office = user.role == Role.national_official
    this_year = fiscal_year(_today())  # a year is claimed once it has ended
    claimable = [row.fiscal_year for row in loan.ledger or []
                 if row.state in ("open", "missed") and row.fiscal_year < this_year]
    return render(request, "loan.html", {
        "loan": loan, "can_recommend": can_recommend,
        "can_approve": loan.status == "cabinet_office_review" and is_cabinet_office,
        "claims_to_review": [r for r in loan.ledger or [] if r.state == "claimed"] if is_cabinet_office else [],
        "claims_to_pay": [r for r in loan.ledger or [] if r.state == "approved"] if is_cabinet_office else [],
        "can_claim": (user.role == Role.lender and loan.status == "servicing" and bool(claimable)),
        "claimable_years": claimable, "today": _today().isoformat(), "form": form or {},
    }, status_code=status_code, user=user)


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
async def loan_page(request: Request, user: PageUser, loan_id: int) -> Response:
    return await _loan_page(request, user, loan_id)


@router.post("/loans/{loan_id}/claims", response_class=HTMLResponse)
async def file_claim(request: Request, user: PageUser, loan_id: int, _csrf: Csrf) -> Response:
    values = _typed(await request.form())
    try:
        await loans_of(request).file_claim(user, loan_id, ClaimCreate.model_validate(_form_values(values)))
    except (ValidationError, DomainError) as error:
        return await _loan_page(request, user, loan_id, status_code=422 if isinstance(error, ValidationError)
                                else error.status_code, form={"kind": "claim", "values": values,
                                                              "errors": _messages(request, error)})
    flash_text(request, *LOAN_MESSAGES["claim_filed"])
    return redirect(f"/loans/{loan_id}#ledger")


@router.post("/loans/{loan_id}/decisions", response_class=HTMLResponse)
async def decide_loan(request: Request, user: PageUser, loan_id: int, _csrf: Csrf) -> Response:
    values = _typed(await request.form())
    try:
        await loans_of(request).decide(user, loan_id, LoanDecisionRequest.model_validate(_form_values(values)))
    except (ValidationError, DomainError) as error:
        return await _loan_page(request, user, loan_id, status_code=422 if isinstance(error, ValidationError)
                                else error.status_code, form={"kind": values.get("step"), "values": values,
                                                              "errors": _messages(request, error)})
    flash_text(request, *LOAN_MESSAGES["decision_recorded"])
    return redirect(f"/loans/{loan_id}")


def _messages(request: Request, error: Exception) -> list[str]:
    japanese = request.session.get("lang", "ja") == "ja"
    if isinstance(error, ValidationError):
        found_errors = _errors(error, "ja" if japanese else "en")
        return [f"{_label(request, name)}: {' '.join(found)}" for name, found in found_errors.items()]
    messages = [i18n.refusal_message(error, "ja" if japanese else "en")]
    messages += [f"{_label(request, e['field'])}: {e['message']}"
                 for e in localized_errors([e for e in error.errors if e.get("field") and e.get("message")
                                            and e["field"] != "business_area"], "ja" if japanese else "en")]
    return messages
