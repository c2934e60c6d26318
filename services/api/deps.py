"""Dependencies: who the caller is, and every service the routes and pages use, built here and only here.

The lifespan (app.py) opens one engine and one Temporal client per process and keeps them on app.state;
this module is the only other reader of app.state. Services are small dataclasses over those, built per
request (FastAPI builds each once per request, however many routes' parameters ask for it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from services.core.accounts.colleagues import ColleagueService
from services.core.accounts.invitations import InvitationService
from services.core.accounts.models import User
from services.core.accounts.officials import OperatorService
from services.core.accounts.oidc import OidcService
from services.core.accounts.password_reset import PasswordResetService
from services.core.accounts.security import decode_access_claims
from services.core.accounts.sessions import SessionService, session_is_current
from services.core.accounts.signup import SignupService
from services.core.accounts.throttle import LoginThrottle
from services.core.applications import access
from services.core.applications.attachments import AttachmentService
from services.core.applications.service import ApplicationService
from services.core.documents.export import Viewer
from services.core.evaluation.service import EvaluationService
from services.core.follow_up.calendar import CalendarService
from services.core.follow_up.service import FollowUpService
from services.core.loans.service import LoanService
from services.core.notifications.service import NotificationService
from services.core.plan_changes.service import PlanChangeService
from services.core.platform.settings import Settings
from services.core.rounds.service import RoundService
from services.core.zone.plan import cached_plan

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# --- what the lifespan opened ------------------------------------------------------------------------------


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> AsyncEngine:
    return request.app.state.engine


def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessions


def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
Engine = Annotated[AsyncEngine, Depends(get_engine)]
Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]
Temporal = Annotated[Client, Depends(get_temporal)]


def get_plan(settings: SettingsDep) -> dict[str, Any]:
    """The certified plan (data/seed-plan.json), read once per process."""
    return cached_plan(settings.seed_plan_path)


Plan = Annotated[dict[str, Any], Depends(get_plan)]


# --- the services ------------------------------------------------------------------------------------------


def get_service(sessions: Sessions, temporal: Temporal, settings: SettingsDep) -> ApplicationService:
    return ApplicationService(sessions, temporal, settings)


Service = Annotated[ApplicationService, Depends(get_service)]


def get_follow_up(applications: Service) -> FollowUpService:
    return FollowUpService(applications)


def get_plan_changes(applications: Service) -> PlanChangeService:
    return PlanChangeService(applications)


def get_rounds(sessions: Sessions, applications: Service) -> RoundService:
    return RoundService(sessions, applications)


def get_attachments(sessions: Sessions, applications: Service, settings: SettingsDep) -> AttachmentService:
    return AttachmentService(sessions, applications, settings.attachment_max_bytes)


def get_notifications(sessions: Sessions) -> NotificationService:
    return NotificationService(sessions)


def get_calendar(sessions: Sessions, settings: SettingsDep) -> CalendarService:
    return CalendarService(sessions, settings)


def get_evaluation(sessions: Sessions, plan: Plan) -> EvaluationService:
    return EvaluationService(sessions, plan)


def get_login_throttle(sessions: Sessions) -> LoginThrottle:
    """The same limit for the API's sign-in and the login page."""
    return LoginThrottle(sessions)


FollowUp = Annotated[FollowUpService, Depends(get_follow_up)]
Rounds = Annotated[RoundService, Depends(get_rounds)]
PlanChanges = Annotated[PlanChangeService, Depends(get_plan_changes)]
Attachments = Annotated[AttachmentService, Depends(get_attachments)]
Notifications = Annotated[NotificationService, Depends(get_notifications)]
Calendars = Annotated[CalendarService, Depends(get_calendar)]
Evaluations = Annotated[EvaluationService, Depends(get_evaluation)]
Throttle = Annotated[LoginThrottle, Depends(get_login_throttle)]


# --- accounts: built per request like the other services ------------------------------------------------


def get_colleagues(request: Request) -> ColleagueService:
    return ColleagueService(get_sessions(request), get_settings_dep(request))


def get_invitations(request: Request) -> InvitationService:
    return InvitationService(get_sessions(request), get_settings_dep(request))


def get_oidc(request: Request) -> OidcService:
    return OidcService(get_sessions(request), get_settings_dep(request))


def get_operator(request: Request) -> OperatorService:
    return OperatorService(get_sessions(request), get_settings_dep(request))


def get_password_resets(request: Request) -> PasswordResetService:
    return PasswordResetService(get_sessions(request), get_settings_dep(request))


def get_account_sessions(request: Request) -> SessionService:
    return SessionService(get_sessions(request), get_settings_dep(request))


def get_signups(request: Request) -> SignupService:
    return SignupService(get_sessions(request), get_settings_dep(request))


def get_loans(sessions: Sessions, temporal: Temporal, settings: SettingsDep) -> LoanService:
    """Subsidised loans (the interest subsidy, docs/interest-subsidy.md)."""
    return LoanService(sessions, temporal, settings.task_queue, cached_plan(settings.seed_plan_path),
                       settings.loan_settings())


Loans = Annotated[LoanService, Depends(get_loans)]


def loans_of(request: Request) -> LoanService:
    """The same service for a page's helper that has only the request."""
    return get_loans(get_sessions(request), get_temporal(request), get_settings_dep(request))


# --- who asks ----------------------------------------------------------------------------------------------


async def get_current_user(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)],
                           settings: SettingsDep, sessions: Sessions) -> User:
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail={"code": "unauthenticated",
                "message": "sign in first: send a valid bearer token from POST /api/v1/auth/token",
                "message_ja": "ログインしてください（トークンが無効または期限切れです）"},
        headers={"WWW-Authenticate": "Bearer"})
    if not token:
        raise unauthorized
    claims = decode_access_claims(settings, token)
    if claims is None:
        raise unauthorized
    async with sessions() as session:
        user = await session.get(User, claims.user_id)
    if not session_is_current(user, claims.token_version):  # disabled, or signed out everywhere
        raise unauthorized
    request.state.user = user  # who asked, for the log line of a refused request
    return user


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                               description="repeat a POST safely: the first result is returned")]
CurrentUser = Annotated[User, Depends(get_current_user)]


def get_document_viewer(user: CurrentUser) -> Viewer:
    """Who exports: an internal document reveals an application's undisclosed fields only to those who may see
    that application."""
    return Viewer(actor=user.username, channel="api", user_id=user.id,
                  may_see=lambda application: access.can_see(user, application))


DocumentViewer = Annotated[Viewer, Depends(get_document_viewer)]
