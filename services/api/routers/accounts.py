"""Accounts over JSON: company sign-up and its verification, invitations, password reset (public, the link's
token in the body, never in a URL a log would keep); the company administrator's colleagues; the operator's
officials. Every rule is services/core/accounts'; these routes only translate."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, status

from services.api.deps import (
    CurrentUser,
    SettingsDep,
    get_colleagues,
    get_invitations,
    get_operator,
    get_password_resets,
    get_signups,
)
from services.api.openapi_errors import problems
from services.api.routers.auth import client_ip
from services.core.accounts.schemas import (
    Accepted,
    AccountPublic,
    Activated,
    ColleagueInvite,
    ConfirmUser,
    InvitationAccept,
    InvitationInfo,
    LinkLookup,
    OfficialCreate,
    OfficialCreated,
    PasswordResetConfirm,
    PasswordResetRequest,
    SignupCreate,
    SignupVerify,
    account_public,
)
from services.core.accounts.security import create_access_token
from services.core.platform.settings import Settings

public = APIRouter(prefix="/accounts", tags=["accounts"])
company = APIRouter(prefix="/company", tags=["accounts"])
operator = APIRouter(prefix="/operator", tags=["accounts"])

LINK_REFUSALS = problems(404, "the link is not valid", 410, "the link has expired or was used already")
MAIL_REFUSALS = problems(429, "too many mails to this address: wait for Retry-After seconds",
                         503, "the mail relay refused: nothing was changed, try again later")


def _token(settings: Settings, user) -> str:
    return create_access_token(settings, user_id=user.id, role=user.role, token_version=user.token_version)


@public.post("/signup", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED,
             summary="Sign up a company: a verification link is mailed to the first user",
             responses={**problems(409, "the corporate number is registered already, or the address has an account"),
                        **MAIL_REFUSALS})
async def signup(body: SignupCreate, request: Request, settings: SettingsDep) -> Accepted:
    await get_signups(request).request(body, client_ip=client_ip(request))
    return Accepted(message=f"a link to verify the address was sent to {body.email}; it works once, for "
                            f"{settings.signup_link_hours:g} hours",
                    message_ja=f"{body.email} 宛てに確認用リンクを送信しました（有効期限{settings.signup_link_hours:g}時間・1回限り）")


@public.post("/signup/verify", response_model=Activated, status_code=status.HTTP_201_CREATED,
             summary="Use the verification link: creates the company and its administrator with this password",
             responses={**LINK_REFUSALS, **problems(409, "the corporate number was registered in the meantime")})
async def verify_signup(body: SignupVerify, request: Request, settings: SettingsDep) -> Activated:
    user = await get_signups(request).verify(body.token, body.password,
                                                                            client_ip=client_ip(request))
    return Activated(access_token=_token(settings, user))


@public.post("/invitations/lookup", response_model=InvitationInfo,
             summary="What an invitation link is for (and the second factor to set, where one is needed)",
             responses={**LINK_REFUSALS, **problems(403, "the company or the user was disabled")})
async def invitation_info(body: LinkLookup, request: Request, settings: SettingsDep) -> InvitationInfo:
    return await get_invitations(request).info(body.token)


@public.post("/invitations/accept", response_model=Activated,
             summary="Accept an invitation: set the password (and the second factor); recovery codes shown once",
             responses={**LINK_REFUSALS, **problems(403, "another address than the one invited, or the company "
                                                         "or the user was disabled")})
async def accept_invitation(body: InvitationAccept, request: Request, settings: SettingsDep) -> Activated:
    user, codes = await get_invitations(request).accept(
        body, client_ip=client_ip(request))
    return Activated(access_token=_token(settings, user), recovery_codes=codes)


@public.post("/password-reset", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED,
             summary="Ask for a password-reset link (the same answer whether or not the address has an account)",
             responses=problems(429, "too many mails to this address: wait for Retry-After seconds"))
async def request_password_reset(body: PasswordResetRequest, request: Request, settings: SettingsDep,
                                 background: BackgroundTasks) -> Accepted:
    service = get_password_resets(request)
    await service.count_request(body.email)
    background.add_task(service.send_link, body.email, client_ip=client_ip(request))
    return Accepted(message="if the address has an account, a link to reset its password was sent to it",
                    message_ja="アカウントのあるアドレスであれば、パスワード再設定用のリンクを送信しました")


@public.post("/password-reset/confirm", response_model=Accepted,
             summary="Use a password-reset link: set the new password; every session of the account ends",
             responses={**LINK_REFUSALS, **problems(403, "the account or its company was disabled")})
async def confirm_password_reset(body: PasswordResetConfirm, request: Request, settings: SettingsDep) -> Accepted:
    await get_password_resets(request).reset(body.token, body.password,
                                                                           client_ip=client_ip(request))
    return Accepted(message="the password was changed; sign in with it", message_ja="パスワードを変更しました。"
                    "新しいパスワードでログインしてください")


# --- the company administrator's colleagues ---------------------------------------------------------------


@company.get("/users", response_model=list[AccountPublic], summary="My company's users (administrators only)")
async def company_users(request: Request, user: CurrentUser, settings: SettingsDep) -> list[AccountPublic]:
    users = await get_colleagues(request).users(user)
    return [account_public(u) for u in users]


@company.post("/invitations", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED,
              summary="Invite a colleague by mail (administrators only)",
              responses={**problems(409, "the address already has an account"), **MAIL_REFUSALS})
async def invite_colleague(body: ColleagueInvite, request: Request, user: CurrentUser,
                           settings: SettingsDep) -> Accepted:
    await get_colleagues(request).invite(user, body, client_ip=client_ip(request))
    return Accepted(message=f"an invitation was sent to {body.email}",
                    message_ja=f"{body.email} 宛てに招待を送信しました")


@company.post("/users/{user_id}/disable", response_model=AccountPublic,
              summary="Disable a colleague: every session and token of theirs ends at once (administrators only)",
              responses=problems(409, "the last administrator cannot disable themselves"))
async def disable_colleague(user_id: int, body: ConfirmUser, request: Request, user: CurrentUser,
                            settings: SettingsDep) -> AccountPublic:
    disabled = await get_colleagues(request).disable(
        user, user_id, body.confirm_username, client_ip=client_ip(request))
    return account_public(disabled)


@company.post("/users/{user_id}/hand-over-admin", response_model=AccountPublic,
              summary="Hand the administrator role to a colleague (you stop being one)",
              responses=problems(409, "the colleague has not accepted the invitation, or is disabled"))
async def hand_over_admin(user_id: int, body: ConfirmUser, request: Request, user: CurrentUser,
                          settings: SettingsDep) -> AccountPublic:
    new_admin = await get_colleagues(request).hand_over(
        user, user_id, body.confirm_username, client_ip=client_ip(request))
    return account_public(new_admin)


# --- the operator's officials --------------------------------------------------------------------------------


@operator.get("/users", response_model=list[AccountPublic], summary="Every user (operators only)")
async def operator_users(request: Request, user: CurrentUser, settings: SettingsDep,
                         role: str | None = None) -> list[AccountPublic]:
    rows = await get_operator(request).users(user, role=role)
    return [account_public(u) for u, _ in rows]


@operator.post("/users", response_model=OfficialCreated, status_code=status.HTTP_201_CREATED,
               summary="Provision an official: an invitation link to set a password (and second factor)",
               responses={**problems(409, "the address already has an account"), **MAIL_REFUSALS})
async def provision_official(body: OfficialCreate, request: Request, user: CurrentUser,
                             settings: SettingsDep) -> OfficialCreated:
    created, sent = await get_operator(request).provision(
        user, body, client_ip=client_ip(request))
    return OfficialCreated(user=account_public(created), invitation_url=sent.url, mailed=sent.mailed)


@operator.post("/users/{user_id}/disable", response_model=AccountPublic,
               summary="Disable any user: every session and token of theirs ends at once (operators only)")
async def operator_disable(user_id: int, body: ConfirmUser, request: Request, user: CurrentUser,
                           settings: SettingsDep) -> AccountPublic:
    disabled = await get_operator(request).disable(
        user, user_id, body.confirm_username, client_ip=client_ip(request))
    return account_public(disabled)
