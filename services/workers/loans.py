"""The loan workflow's activities: record each event into the loan's projection and ledger, and store (and
mail) its reminders. Each is idempotent under retry: events by (loan, seq), notifications by a dedupe key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from services.core.accounts.models import Organization, User
from services.core.loans.models import Loan, LoanEvent, LoanLedgerEntry
from services.core.notifications.mail import format_due
from services.core.notifications.models import Notification
from services.core.platform.settings import Settings
from workflows.contracts import DeadlineKind, Role
from workflows.deadlines import format_lead
from workflows.loan_contracts import (
    NOTIFY_LOAN_ACTIVITY,
    RECORD_LOAN_EVENT_ACTIVITY,
    LoanNotifyInput,
    LoanRecord,
    LoanStatus,
)

# The ledger row's state after each kind of claim event (a claim decision names its fiscal year).
CLAIM_STATE_AFTER = {("claim_review", "approve"): "approved", ("claim_review", "reject"): "rejected",
                     ("payment", "pay"): "paid"}


@dataclass
class LoanActivities:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    @activity.defn(name=RECORD_LOAN_EVENT_ACTIVITY)
    async def record_loan_event(self, record: LoanRecord) -> bool:
        """Append the event and move the projection and the ledger forward; a retried seq changes nothing.
        Returns False when the event was already there."""
        async with self.sessions() as session:
            already = await session.execute(select(LoanEvent.id).where(LoanEvent.loan_id == record.loan_id,
                                                                       LoanEvent.seq == record.seq))
            if already.first() is not None:
                return False
            actor = record.actor
            session.add(LoanEvent(
                loan_id=record.loan_id, seq=record.seq, kind=record.kind,
                step=record.step.value if record.step else None, outcome=record.outcome,
                actor_user_id=actor.user_id if actor else None, actor_username=actor.username if actor else None,
                actor_role=actor.role.value if actor else None, reason=record.reason, payload=record.payload,
                status_after=record.status.value, occurred_at=record.occurred_at))
            await self._project_ledger(session, record)
            loan = await session.get(Loan, record.loan_id, with_for_update=True)
            if loan is not None and record.seq > loan.last_seq:  # only newer state wins
                loan.status = record.status.value
                loan.current_step = record.current_step.value if record.current_step else None
                loan.reached_cabinet_office = loan.reached_cabinet_office or record.status in (
                    LoanStatus.cabinet_office_review, LoanStatus.servicing, LoanStatus.completed)
                loan.contracted_on = record.contracted_on
                loan.contract_fiscal_year = record.contract_fiscal_year
                loan.contract_total_jpy = record.contract_total_jpy
                loan.last_seq = record.seq
                loan.updated_at = record.occurred_at
                session.add(loan)
            try:
                await session.commit()
            except IntegrityError:  # a concurrent attempt wrote the same (loan, seq) first
                await session.rollback()
                return False
            activity.logger.info("recorded %s #%s for loan %s", record.kind, record.seq, record.loan_id)
            return True

    async def _project_ledger(self, session: AsyncSession, record: LoanRecord) -> None:
        rows = {row.fiscal_year: row for row in (await session.execute(
            select(LoanLedgerEntry).where(LoanLedgerEntry.loan_id == record.loan_id))).scalars()}

        def row_for(year: int) -> LoanLedgerEntry:
            if year not in rows:
                rows[year] = LoanLedgerEntry(loan_id=record.loan_id, fiscal_year=year)
            return rows[year]

        for deadline in record.deadlines or []:  # None: no deadline changed
            if deadline.kind != DeadlineKind.subsidy_claim or deadline.fiscal_year is None:
                continue
            row = row_for(deadline.fiscal_year)
            row.claim_due_at = deadline.due_at
            row.deadline_state = deadline.state.value
            if row.state == "open" and deadline.state.value == "missed":
                row.state = "missed"
            elif row.state in ("open", "missed") and deadline.state.value == "cancelled":
                row.state = "closed"
        payload = record.payload
        if record.kind == "claim_filed":
            row = row_for(int(payload["fiscal_year"]))
            row.state = "claimed"
            row.eligible_days = payload["eligible_days"]
            row.average_balance_jpy = payload["average_balance_jpy"]
            row.interest_paid_jpy = payload["interest_paid_jpy"]
            row.subsidy_rate_millipercent = payload["subsidy_rate_millipercent"]
            row.subsidy_due_jpy = payload["subsidy_jpy"]
            row.claimed_jpy = payload["subsidy_jpy"]
            row.claimed_at = record.occurred_at
            row.rule_findings = payload.get("rule_findings") or []
        elif record.kind == "decision" and record.step is not None and "fiscal_year" in payload:
            row = row_for(int(payload["fiscal_year"]))
            row.state = CLAIM_STATE_AFTER[(record.step.value, record.outcome)]
            if row.state == "approved":
                row.approved_jpy = payload["approved_jpy"]
                row.approved_at = record.occurred_at
            elif row.state == "rejected":
                row.approved_jpy = 0
                row.approved_at = record.occurred_at
            else:
                row.paid_jpy = payload["paid_jpy"]
                row.paid_on = date.fromisoformat(str(payload["paid_on"]))
        for row in rows.values():
            row.updated_at = record.occurred_at
            session.add(row)

    @activity.defn(name=NOTIFY_LOAN_ACTIVITY)
    async def notify_loan(self, request: LoanNotifyInput) -> list[int]:
        """Store one notification per recipient; return the ids still to be mailed."""
        async with self.sessions() as session:
            loan = await session.get(Loan, request.loan_id)
            lender = await session.get(Organization, loan.lender_organization_id)
            query = select(User).where(User.is_active.is_(True))
            if request.audience == "lender":
                query = query.where(User.role == Role.lender.value, User.organization_id == loan.lender_organization_id)
            else:
                query = query.where(User.role == Role.national_official.value)
            recipients = list((await session.execute(query.order_by(User.id))).scalars())
            link = f"{self.settings.public_base_url.rstrip('/')}/loans/{loan.id}"
            to_mail: list[int] = []
            for user in recipients:
                lead = format_lead(request.lead_days) if request.lead_days is not None else "-"
                dedupe_key = (f"loan:{request.loan_id}:{request.deadline_key}:{request.due_at.isoformat()}:"
                              f"{request.kind}:{lead}:{user.id}")
                existing = (await session.execute(select(Notification).where(
                    Notification.dedupe_key == dedupe_key))).scalars().first()
                if existing is not None:  # a retried attempt: nothing new, but finish its mail
                    if existing.mail_status in ("pending", "failed"):
                        to_mail.append(existing.id)
                    continue
                subject, body = compose_loan(request, loan, lender.name if lender else "", user, link)
                mail = bool(self.settings.smtp_host and user.email)
                row = Notification(user_id=user.id, loan_id=loan.id, deadline_key=request.deadline_key,
                                   kind=request.kind, lead_days=request.lead_days, due_at=request.due_at,
                                   subject=subject, body=body, link=link, dedupe_key=dedupe_key,
                                   mail_status="pending" if mail else "not_configured")
                session.add(row)
                await session.flush()
                if mail:
                    to_mail.append(row.id)
            try:
                await session.commit()
            except IntegrityError:  # a parallel attempt stored them first; the retry will find them
                await session.rollback()
                raise
        return to_mail


def compose_loan(request: LoanNotifyInput, loan: Loan, lender: str, user: User, link: str) -> tuple[str, str]:
    """Japanese subject and body: which claim is due, when, and where to act."""
    due = format_due(request.due_at)
    year = f"{request.fiscal_year}年度分" if request.fiscal_year else ""
    label = f"利子補給金の支給申請（{year}）"
    if request.kind == "reminder":
        days = format_lead(request.lead_days)
        subject = f"【利子補給金】{label}の期限まであと{days}日（{due}）— {loan.borrower_name}"
        lead = f"{label}の期限まであと{days}日です。期限までに支給申請をお願いします。"
    else:
        subject = f"【利子補給金・期限超過】{label}の期限を過ぎました（{due}）— {loan.borrower_name}"
        lead = f"{label}の期限を過ぎましたが、申請がありません。指定金融機関への確認をお願いします。"
    body = "\n".join([
        f"{user.display_name} 様", "", lead, "",
        f"貸付: 貸付番号 {loan.id}（借入者: {loan.borrower_name}）",
        f"指定金融機関: {lender}",
        f"期限: {due}",
        f"対応: {request.settled_by}",
        "",
        f"詳細: {link}",
        "",
        "— tokku 特区申請システム（このメールは送信専用です）",
    ])
    return subject, body

