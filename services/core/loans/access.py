"""Who sees which loan — one rule, as a predicate for a row and as a SQL clause for lists.

A lender sees its own institution's loans; local officials the loans of their government's areas (the
prefecture all); the Cabinet Office a loan once it has been recommended; administrators all. Applicants and
the secretariat have no business with loans.
"""

from __future__ import annotations

from sqlalchemy import false, true

from services.core.accounts.models import User
from services.core.loans.models import Loan
from workflows import rules
from workflows.contracts import Government, Role

LOAN_ROLES = frozenset({Role.lender, Role.local_official, Role.national_official, Role.admin})


def may_use_loans(user: User) -> bool:
    return user.role in LOAN_ROLES


def can_view(user: User, loan: Loan) -> bool:
    role = Role(user.role)
    if role == Role.admin:
        return True
    if role == Role.lender:
        return loan.lender_organization_id == user.organization_id
    if role == Role.local_official:
        return rules.official_covers(user.government, loan.government)
    if role == Role.national_official:
        return loan.reached_cabinet_office
    return False


def visibility_clause(user: User):
    role = Role(user.role)
    if role == Role.admin:
        return true()
    if role == Role.lender:
        return Loan.lender_organization_id == user.organization_id
    if role == Role.local_official:
        return true() if user.government == Government.kanagawa else Loan.government == user.government
    if role == Role.national_official:
        return Loan.reached_cabinet_office.is_(True)
    return false()
