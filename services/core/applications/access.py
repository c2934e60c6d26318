"""Who may see what, written once: each rule as a predicate over the few facts it needs and, beside it, the
same rule as a SQL clause for the lists. tests/unit/test_access.py holds each pair to each other over every
role, government, step reached and organisation, so one cannot change without the other.

Applications:
- administrators see every application;
- applicants see their organisation's applications, drafts included;
- local officials see what was submitted in their government's areas (the prefecture, kanagawa, all areas);
- the council secretariat sees what reached the council; the Cabinet Office what was filed with it.
Nobody but the applicant company sees a draft: visibility follows the furthest step reached, which a draft
(and a draft withdrawn before submission) never leaves.

Filing rounds: administrators see all; local officials their government's and the prefecture's (the prefecture
assembles the joint plan's rounds, which every government adds its applications to and confirms; the prefecture
sees all); the Cabinet Office the rounds filed with it. Inside a round, an application's name shows only to
those who may see that application.

Documents: the internal versions (with undisclosed fields) are for officials and administrators only; even
then an application's undisclosed fields show only to those who may see that application.

The loaders below answer "not yours" exactly like "does not exist" (404), and "yours to see but not to do"
with 403.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.core.accounts.models import User
from services.core.applications.models import Application, ApplicationStatus
from services.core.platform.exceptions import Forbidden, NotFound
from services.core.rounds.models import CERTIFIED, CERTIFYING, FILED, FilingRound
from workflows import rules
from workflows.contracts import Government, Role, Status

SUBMITTED = rules.progress_rank(Status.intake_review)
AT_COUNCIL = rules.progress_rank(Status.council_consultation)
AT_CABINET_OFFICE = rules.progress_rank(Status.national_review)
ROUNDS_FILED = (FILED, CERTIFYING, CERTIFIED)  # the rounds the Cabinet Office has received
INTERNAL_DOCUMENT_ROLES = (Role.local_official, Role.national_official, Role.secretariat, Role.admin)


class ApplicationFacts(Protocol):
    """What visibility reads of an application (an ApplicationStatus row has all of it)."""

    organization_id: int
    government: str | None
    furthest_rank: int


def covers(user: User, government: str | None) -> bool:
    """A local official of that government, or of the prefecture (which covers every area)."""
    return Role(user.role) == Role.local_official and rules.official_covers(user.government, government)


# --- applications ----------------------------------------------------------------------------------------


def can_see(user: User, application: ApplicationFacts) -> bool:
    role = Role(user.role)
    if role == Role.admin:
        return True
    if role == Role.applicant:
        return application.organization_id == user.organization_id
    if role == Role.local_official:
        return application.furthest_rank >= SUBMITTED and covers(user, application.government)
    if role == Role.secretariat:
        return application.furthest_rank >= AT_COUNCIL
    if role == Role.national_official:
        return application.furthest_rank >= AT_CABINET_OFFICE
    return False


def visible_clause(user: User) -> ColumnElement[bool]:
    """can_see as a WHERE clause over ApplicationStatus."""
    role = Role(user.role)
    if role == Role.admin:
        return true()
    if role == Role.applicant:
        return ApplicationStatus.organization_id == user.organization_id
    if role == Role.local_official:
        submitted = ApplicationStatus.furthest_rank >= SUBMITTED
        if user.government == Government.kanagawa:
            return submitted
        if user.government is None:
            return false()
        return submitted & (ApplicationStatus.government == user.government)
    if role == Role.secretariat:
        return ApplicationStatus.furthest_rank >= AT_COUNCIL
    if role == Role.national_official:
        return ApplicationStatus.furthest_rank >= AT_CABINET_OFFICE
    return false()


def _not_found(application_id: int) -> NotFound:
    return NotFound(f"application {application_id} does not exist or is not yours to see",
                    "申請が見つからないか、閲覧する権限がありません")


async def visible_status(session: AsyncSession, user: User, application_id: int) -> ApplicationStatus:
    """The application's status row if the caller may see it; 404 otherwise."""
    status = await session.get(ApplicationStatus, application_id)
    if status is None or not can_see(user, status):
        raise _not_found(application_id)
    return status


async def own_application(session: AsyncSession, user: User,
                          application_id: int) -> tuple[Application, ApplicationStatus]:
    """An application of the caller's company, to change: 404 if they may not see it, 403 if they may see it
    but are not of the applicant company."""
    return await session.run_sync(own_application_now, user, application_id)


def own_application_now(session: Session, user: User, application_id: int) -> tuple[Application, ApplicationStatus]:
    """`own_application` in a blocking session."""
    application = session.get(Application, application_id)
    status = session.get(ApplicationStatus, application_id)
    if application is None or status is None or not can_see(user, status):
        raise NotFound(f"application {application_id} does not exist or is not yours",
                       "申請が見つからないか、あなたの会社の申請ではありません")
    if user.role != Role.applicant:
        raise Forbidden("only a user of the applicant company can do this", "この操作は申請企業の利用者のみ行えます")
    return application, status


async def for_local_official(session: AsyncSession, user: User, application_id: int) -> ApplicationStatus:
    """An application the caller covers as a local official (follow-up reviews, extensions): 404 if they may
    not see it, 403 if they may see it but do not cover its government."""
    status = await visible_status(session, user, application_id)
    if not covers(user, status.government):
        raise Forbidden("only a local official of the application's government can do this",
                        "この操作は担当自治体の職員のみ行えます")
    return status


# --- filing rounds -----------------------------------------------------------------------------------------


def can_see_round(user: User, government: str, status: str) -> bool:
    role = Role(user.role)
    if role == Role.admin:
        return True
    if role == Role.local_official:
        return covers(user, government) or (user.government is not None and government == Government.kanagawa)
    if role == Role.national_official:
        return status in ROUNDS_FILED
    return False


def round_visible_clause(user: User) -> ColumnElement[bool]:
    """can_see_round as a WHERE clause over FilingRound."""
    role = Role(user.role)
    if role == Role.admin:
        return true()
    if role == Role.local_official:
        if user.government == Government.kanagawa:
            return true()
        if user.government is None:
            return false()
        return FilingRound.government.in_((user.government, Government.kanagawa.value))
    if role == Role.national_official:
        return FilingRound.status.in_(ROUNDS_FILED)
    return false()


# --- documents ---------------------------------------------------------------------------------------------


def can_read_internal_documents(user: User) -> bool:
    return Role(user.role) in INTERNAL_DOCUMENT_ROLES
