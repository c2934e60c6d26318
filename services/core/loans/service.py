"""The loan service: register a subsidised loan, claims, decisions, reads and the ledger. Framework-free; the
API, the pages and the demo seeding call the same functions.

The loan's content and its read model live in the database; its process lives in the loan workflow
(workflows/loan.py). Claims and decisions are Temporal Updates; the rules are checked here first as well, so
a refusal names its rule even once the process has ended, and nothing is stored for a refused request.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.core.accounts.models import Organization, User
from services.core.accounts.schemas import actor_for
from services.core.loans import access
from services.core.loans.ledger import compute_subsidy, totals_by
from services.core.loans.models import Loan, LoanEvent, LoanLedgerEntry
from services.core.loans.schemas import (
    ClaimCreate,
    ClaimPublic,
    LedgerReport,
    LedgerRow,
    LedgerTotals,
    LoanCreate,
    LoanDecisionRequest,
    LoanEventPublic,
    LoanPublic,
    to_millipercent,
)
from services.core.platform.exceptions import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable
from services.core.platform.idempotency import recall, remember
from services.core.zone.addresses import ZoneRefusal, match_address
from workflows import rules
from workflows.contracts import Government, Role
from workflows.deadlines import JST
from workflows.loan import LoanWorkflow
from workflows.loan_contracts import (
    LOAN_DECISION_FIELDS,
    LOAN_STEP_ROLE,
    ClaimFiled,
    LoanDecision,
    LoanSettings,
    LoanStart,
    LoanStatus,
    LoanStep,
    loan_workflow_id,
)
from workflows.loan_rules import (
    LoanRuleRefused,
    check_claim,
    check_subsidy_rate,
    eligible_period,
    format_percent,
)

_HTTP_FOR_CODE: dict[str, type[DomainError]] = {"wrong_step": Conflict, "forbidden": Forbidden, "invalid": Invalid}
SETTLED_CLAIM_STATES = ("claimed", "approved", "rejected", "paid")
LEDGER_COLUMNS = [
    ("loan_id", "貸付番号"), ("lender", "指定金融機関"), ("borrower_name", "借入者"), ("plan_project", "計画の事業（別紙1-5）"),
    ("fiscal_year", "年度"), ("state", "状態"), ("claim_due_at", "支給申請期限"), ("eligible_days", "対象日数"),
    ("average_balance_jpy", "平均残高（円）"), ("interest_paid_jpy", "支払利子（円）"),
    ("subsidy_rate_percent", "利子補給率（%）"), ("subsidy_due_jpy", "利子補給金の額（円）"), ("claimed_jpy", "申請額（円）"),
    ("approved_jpy", "承認額（円）"), ("paid_jpy", "支給額（円）"), ("paid_on", "支給日"),
]
TOTAL_COLUMNS = [("subsidy_due_jpy", "利子補給金の額（円）"), ("claimed_jpy", "申請額（円）"), ("approved_jpy", "承認額（円）"),
                 ("paid_jpy", "支給額（円）")]


def rule_refusal(refused: LoanRuleRefused) -> DomainError:
    error_class = Conflict if refused.status == "wrong_step" else Invalid
    error = error_class(refused.message, refused.message_ja,
                        errors=[{"rule": refused.rule, "source": refused.source, "message": refused.message}])
    error.rule = refused.rule
    return error


def percent(millipercent: int | None) -> Decimal | None:
    return None if millipercent is None else Decimal(format_percent(millipercent))


def today_in_japan() -> date:
    return datetime.now(UTC).astimezone(JST).date()


@dataclass
class LoanService:
    sessions: async_sessionmaker[AsyncSession]
    temporal: Client
    task_queue: str
    plan: dict[str, Any]
    settings: LoanSettings

    # --- registration ----------------------------------------------------------------------------------

    async def register(self, user: User, body: LoanCreate,
                       idempotency_key: str | None = None) -> tuple[LoanPublic, bool]:
        """The lender registers a loan and applies; the workflow starts at the government's recommendation."""
        if user.role != Role.lender:
            raise Forbidden("only a designated financial institution registers subsidised loans",
                            "利子補給の対象貸付の登録は指定金融機関の利用者のみ行えます")
        async with self.sessions() as session:
            previous = await recall(session, user, "loan", idempotency_key)
            if previous is not None:
                return await self.get(user, previous), False
            lender = await session.get(Organization, user.organization_id)
        if lender is None or lender.name not in self.plan.get("financial_institutions", []):
            raise Forbidden("your institution is not one the plan designates for the interest subsidy",
                            "あなたの金融機関は計画の指定金融機関（別紙1-5）ではありません")
        cap = self.settings.rate_cap_millipercent
        interest = to_millipercent(body.interest_rate_percent)
        subsidy = (to_millipercent(body.subsidy_rate_percent) if body.subsidy_rate_percent is not None
                   else min(cap, interest))
        try:
            check_subsidy_rate(subsidy_rate_millipercent=subsidy, interest_rate_millipercent=interest,
                               rate_cap_millipercent=cap)
        except LoanRuleRefused as refused:
            raise rule_refusal(refused) from None
        match = match_address(body.business_area)
        if isinstance(match, ZoneRefusal):
            error = Invalid(f"the business area is not inside the zone (rule outside_zone): {match.message}",
                            f"事業区域が総合特区の区域外です（規則: 事業区域が区域内であること）: {match.message_ja}",
                            errors=[{"field": "business_area", "rule": "outside_zone", "reason": match.reason,
                                     "message": match.message}])
            error.rule = "outside_zone"
            raise error
        loan = Loan(lender_organization_id=user.organization_id, created_by=user.id,
                    borrower_corporate_number=body.borrower_corporate_number, borrower_name=body.borrower_name,
                    plan_project=body.plan_project, principal_jpy=body.principal_jpy,
                    first_drawdown_on=body.first_drawdown_on, interest_rate_millipercent=interest,
                    subsidy_rate_millipercent=subsidy, business_area=body.business_area,
                    zone_area_key=match.key, government=match.government.value,
                    status=LoanStatus.recommendation.value, current_step=LoanStep.recommendation.value)
        async with self.sessions() as session:
            session.add(loan)
            await session.flush()
            remember(session, user, "loan", idempotency_key, loan.id)
            loan.workflow_id = loan_workflow_id(loan.id)
            try:
                await session.commit()
            except IntegrityError:  # the same key raced in from a parallel retry
                await session.rollback()
                previous = await recall(session, user, "loan", idempotency_key)
                if previous is None:
                    raise
                return await self.get(user, previous), False
        await self._start(loan)
        return await self.get(user, loan.id), True

    async def _start(self, loan: Loan) -> None:
        start = LoanStart(loan_id=loan.id, lender_organization_id=loan.lender_organization_id,
                          government=Government(loan.government), principal_jpy=loan.principal_jpy,
                          first_drawdown_on=loan.first_drawdown_on, settings=self.settings)
        await self._temporal_call(self.temporal.start_workflow(
            LoanWorkflow.run, start, id=loan_workflow_id(loan.id), task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING))

    # --- claims and decisions --------------------------------------------------------------------------

    async def file_claim(self, user: User, loan_id: int, body: ClaimCreate,
                         idempotency_key: str | None = None) -> ClaimPublic:
        async with self.sessions() as session:
            loan = await self._visible(session, user, loan_id)
            if user.role != Role.lender:
                raise Forbidden("only the lending institution files this loan's claims",
                                "この貸付の支給申請は貸付を行った指定金融機関のみ行えます")
            if loan.status != LoanStatus.servicing or loan.contract_fiscal_year is None:
                raise Conflict(f"claims are taken once the subsidy is approved; the loan is {loan.status}",
                               "支給申請は利子補給契約の後に行えます")
            entries = await self._entries(session, loan.id)
        claimed = {entry.fiscal_year: entry for entry in entries if entry.state in SETTLED_CLAIM_STATES}
        if body.fiscal_year in claimed:
            raise rule_refusal(LoanRuleRefused(
                "already_claimed", f"fiscal year {body.fiscal_year} is already claimed (rule already_claimed)",
                f"{body.fiscal_year}年度分は既に支給申請済みです（規則: 同じ会計年度の請求は一度だけ）", "wrong_step"))
        already = sum(entry.subsidy_due_jpy or 0 for entry in claimed.values() if entry.state != "rejected")
        try:
            check_claim(today=today_in_japan(), year=body.fiscal_year, first_drawdown_on=loan.first_drawdown_on,
                        contract_fiscal_year=loan.contract_fiscal_year)
            result = compute_subsidy(
                fiscal_year=body.fiscal_year, average_balance_jpy=body.average_balance_jpy,
                interest_paid_jpy=body.interest_paid_jpy, principal_jpy=loan.principal_jpy,
                first_drawdown_on=loan.first_drawdown_on, subsidy_rate_millipercent=loan.subsidy_rate_millipercent,
                rate_cap_millipercent=self.settings.rate_cap_millipercent,
                contract_total_jpy=loan.contract_total_jpy, already_subsidised_jpy=already)
        except LoanRuleRefused as refused:
            raise rule_refusal(refused) from None
        claim = ClaimFiled(actor=actor_for(user), fiscal_year=body.fiscal_year,
                           average_balance_jpy=body.average_balance_jpy, interest_paid_jpy=body.interest_paid_jpy,
                           subsidy_jpy=result.subsidy_jpy, eligible_days=result.eligible_days,
                           subsidy_rate_millipercent=result.subsidy_rate_millipercent,
                           rule_findings=result.rule_findings)
        await self._update(loan_id, LoanWorkflow.file_claim, claim, f"claim-{body.fiscal_year}", idempotency_key)
        async with self.sessions() as session:
            entry = next(e for e in await self._entries(session, loan_id) if e.fiscal_year == body.fiscal_year)
            lender = await session.get(Organization, loan.lender_organization_id)
        row = self._ledger_row(loan, lender.name if lender else "", entry)
        return ClaimPublic(**row.model_dump(), subsidy_jpy=result.subsidy_jpy)

    async def decide(self, user: User, loan_id: int, request: LoanDecisionRequest,
                     idempotency_key: str | None = None) -> LoanPublic:
        async with self.sessions() as session:
            loan = await self._visible(session, user, loan_id)
        holder = LOAN_STEP_ROLE[request.step]
        if user.role != holder:
            raise Forbidden(f"the {request.step.value} step is decided by a {holder.value}, not by a {user.role}",
                            "この段階の判断を行う権限がありません")
        if holder == Role.local_official and not rules.official_covers(user.government, loan.government):
            raise Forbidden("this loan's business is in another government's area",
                            "この貸付の事業区域は他の自治体の区域です")
        outcomes = LOAN_DECISION_FIELDS[request.step]
        if request.outcome not in outcomes:
            allowed = ", ".join(outcomes)
            raise Invalid(f"outcome {request.outcome!r} is not possible at step {request.step.value}; allowed: {allowed}",
                          "この段階では選べない結果です。ページを再読み込みして選び直してください",
                          errors=[{"field": "outcome", "message": f"allowed: {allowed}",
                                   "message_ja": "この段階では選べない結果です"}])
        raw = {k: v for k, v in request.model_dump().items() if k not in ("step", "outcome")}
        raw = {k: v for k, v in raw.items() if v is not None or k != "reason"}
        try:
            fields = outcomes[request.outcome].model_validate(raw).model_dump(mode="json", exclude_none=True)
        except ValidationError as error:
            raise Invalid(f"the {request.step.value}/{request.outcome} decision is missing or has invalid fields",
                          "判断に必要な項目が不足しているか、誤りがあります",
                          errors=[{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                                  for e in error.errors()]) from None
        decision = LoanDecision(step=request.step, outcome=request.outcome, fields=fields, actor=actor_for(user))
        await self._update(loan_id, LoanWorkflow.decide, decision, "decide", idempotency_key)
        return await self.get(user, loan_id, check_visibility=False)

    # --- reads -----------------------------------------------------------------------------------------

    async def get(self, user: User, loan_id: int, *, check_visibility: bool = True) -> LoanPublic:
        async with self.sessions() as session:
            loan = await session.get(Loan, loan_id)
            if loan is None or (check_visibility and not access.can_view(user, loan)):
                raise self._not_found(loan_id)
            events = (await session.execute(select(LoanEvent).where(LoanEvent.loan_id == loan_id)
                                            .order_by(LoanEvent.seq))).scalars().all()
            entries = await self._entries(session, loan_id)
            lender = await session.get(Organization, loan.lender_organization_id)
        lender_name = lender.name if lender else ""
        public = self._public(loan, lender_name)
        public.events = [LoanEventPublic(seq=e.seq, kind=e.kind, step=e.step, outcome=e.outcome, actor=e.actor_username,
                                         actor_role=e.actor_role, reason=e.reason, payload=e.payload,
                                         status_after=e.status_after, occurred_at=e.occurred_at) for e in events]
        public.ledger = [self._ledger_row(loan, lender_name, entry) for entry in entries]
        return public

    async def list(self, user: User, *, limit: int = 200) -> list[LoanPublic]:
        self._require_loan_role(user)
        query = (select(Loan, Organization.name).join(Organization, Organization.id == Loan.lender_organization_id)
                 .where(access.visibility_clause(user)).order_by(Loan.id.desc()).limit(max(1, min(limit, 500))))
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
        return [self._public(loan, lender) for loan, lender in rows]

    async def tasks(self, user: User) -> list[LoanPublic]:
        """The loans waiting for a decision of the caller's role (and government)."""
        steps = [step.value for step, role in LOAN_STEP_ROLE.items() if role == user.role]
        if not steps:
            return []
        return [loan for loan in await self.list(user) if loan.current_step in steps]

    async def ledger(self, user: User) -> LedgerReport:
        self._require_loan_role(user)
        query = (select(LoanLedgerEntry, Loan, Organization.name)
                 .join(Loan, Loan.id == LoanLedgerEntry.loan_id)
                 .join(Organization, Organization.id == Loan.lender_organization_id)
                 .where(access.visibility_clause(user))
                 .order_by(Loan.plan_project, Loan.id, LoanLedgerEntry.fiscal_year))
        async with self.sessions() as session:
            rows = [self._ledger_row(loan, lender, entry) for entry, loan, lender in (await session.execute(query)).all()]
        plain = [row.model_dump() for row in rows]
        return LedgerReport(
            rows=rows,
            by_plan_project={key: LedgerTotals(**value) for key, value in totals_by(plain, "plan_project").items()},
            by_fiscal_year={key: LedgerTotals(**value) for key, value in totals_by(plain, "fiscal_year").items()})

    @staticmethod
    def ledger_table(report: LedgerReport) -> list[list[object]]:
        """The ledger as one sheet: a header, a row per loan and fiscal year, then the totals."""
        table: list[list[object]] = [[label for _, label in LEDGER_COLUMNS]]
        for row in report.rows:
            values = row.model_dump()
            table.append([_cell(values[key]) for key, _ in LEDGER_COLUMNS])
        blank = [""] * (len(LEDGER_COLUMNS) - len(TOTAL_COLUMNS) - 1)
        for title, totals in (("計画の事業（別紙1-5）別の合計", report.by_plan_project),
                              ("年度別の合計", report.by_fiscal_year)):
            table.append([])
            table.append([title, *blank, *[label for _, label in TOTAL_COLUMNS]])
            for key, total in totals.items():
                table.append([str(key), *blank, *[getattr(total, column) for column, _ in TOTAL_COLUMNS]])
        return table

    def ledger_csv(self, report: LedgerReport) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(self.ledger_table(report))
        return buffer.getvalue().encode("utf-8-sig")

    def ledger_xlsx(self, report: LedgerReport) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "利子補給金台帳"
        for row in self.ledger_table(report):
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    # --- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _require_loan_role(user: User) -> None:
        if not access.may_use_loans(user):
            raise Forbidden("subsidised loans are for the designated institutions and officials",
                            "利子補給の貸付は指定金融機関と行政職員のみ閲覧できます")

    @staticmethod
    def _not_found(loan_id: int) -> NotFound:
        return NotFound(f"loan {loan_id} does not exist or is not yours to see",
                        "貸付が見つからないか、閲覧する権限がありません")

    async def _visible(self, session: AsyncSession, user: User, loan_id: int) -> Loan:
        loan = await session.get(Loan, loan_id)
        if loan is None or not access.can_view(user, loan):
            raise self._not_found(loan_id)
        return loan

    @staticmethod
    async def _entries(session: AsyncSession, loan_id: int) -> list[LoanLedgerEntry]:
        return list((await session.execute(select(LoanLedgerEntry).where(LoanLedgerEntry.loan_id == loan_id)
                                           .order_by(LoanLedgerEntry.fiscal_year))).scalars())

    def _project_name(self, page: str) -> str:
        project = next((p for p in self.plan["specific_projects"]
                        if p["measure"] == "interest_subsidy" and p["page"] == page), None)
        return project["name"] if project else page

    def _public(self, loan: Loan, lender: str) -> LoanPublic:
        start, end = eligible_period(loan.first_drawdown_on)
        return LoanPublic(
            id=loan.id, lender_organization_id=loan.lender_organization_id, lender=lender,
            borrower_corporate_number=loan.borrower_corporate_number, borrower_name=loan.borrower_name,
            plan_project=loan.plan_project, plan_project_name=self._project_name(loan.plan_project),
            principal_jpy=loan.principal_jpy, first_drawdown_on=loan.first_drawdown_on,
            interest_rate_percent=percent(loan.interest_rate_millipercent),
            subsidy_rate_percent=percent(loan.subsidy_rate_millipercent), business_area=loan.business_area,
            zone_area_key=loan.zone_area_key, government=loan.government, status=loan.status,
            current_step=loan.current_step, contracted_on=loan.contracted_on,
            contract_fiscal_year=loan.contract_fiscal_year, contract_total_jpy=loan.contract_total_jpy,
            eligible_from=start, eligible_until=end, created_at=loan.created_at, updated_at=loan.updated_at)

    @staticmethod
    def _ledger_row(loan: Loan, lender: str, entry: LoanLedgerEntry) -> LedgerRow:
        return LedgerRow(
            loan_id=loan.id, lender=lender, borrower_name=loan.borrower_name, plan_project=loan.plan_project,
            fiscal_year=entry.fiscal_year, state=entry.state, claim_due_at=entry.claim_due_at,
            deadline_state=entry.deadline_state, eligible_days=entry.eligible_days,
            average_balance_jpy=entry.average_balance_jpy, interest_paid_jpy=entry.interest_paid_jpy,
            subsidy_rate_percent=percent(entry.subsidy_rate_millipercent), subsidy_due_jpy=entry.subsidy_due_jpy,
            claimed_jpy=entry.claimed_jpy, approved_jpy=entry.approved_jpy, paid_jpy=entry.paid_jpy,
            paid_on=entry.paid_on, rule_findings=entry.rule_findings or [])

    async def _update(self, loan_id: int, update, argument, kind: str, idempotency_key: str | None) -> None:
        handle = self.temporal.get_workflow_handle(loan_workflow_id(loan_id))
        update_id = f"{kind}-{idempotency_key}" if idempotency_key else f"{kind}-{uuid.uuid4()}"
        try:
            await self._temporal_call(handle.execute_update(update, argument, id=update_id))
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise Conflict("the loan's process has ended; nothing more can be done",
                               "この貸付の手続は終了しています") from None
            raise

    @staticmethod
    async def _temporal_call(awaitable):
        try:
            return await awaitable
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.type in _HTTP_FOR_CODE:
                details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
                refusal = _HTTP_FOR_CODE[cause.type](cause.message, details.get("message_ja"),
                                                     errors=[{"rule": details["rule"]}] if details.get("rule") else None)
                refusal.rule = details.get("rule")
                raise refusal from None
            raise
        except RPCError as error:
            if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise Unavailable("the workflow service is not reachable; try again in a moment",
                                  "ワークフローサービスに接続できません。しばらくしてから再度お試しください") from None
            raise


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.astimezone(JST).date().isoformat() if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
