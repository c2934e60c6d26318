"""Sign-in: OAuth2 password form (plus the one-time code where a second factor is set) → bearer JWT,
throttled per username and client address; sign-out everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from services.api.deps import CurrentUser, SettingsDep, get_account_sessions
from services.core.accounts.schemas import TokenResponse, UserPublic
from services.core.accounts.security import create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/token", response_model=TokenResponse, summary="Sign in with username and password",
             responses={401: {"description": "wrong username or password, or the one-time code is missing, wrong "
                                             "or already used (detail.code says which)"},
                        429: {"description": "too many failed sign-ins: wait for Retry-After seconds"}})
async def issue_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
                      settings: SettingsDep,
                      otp: Annotated[str | None, Form(max_length=32, description="one-time code (TOTP) or a "
                                                      "recovery code, where a second factor is set")] = None,
                      ) -> TokenResponse:
    user = await get_account_sessions(request).sign_in(
        form.username, form.password, otp, client_ip(request))
    return TokenResponse(access_token=create_access_token(settings, user_id=user.id, role=user.role,
                                                          token_version=user.token_version))


@router.get("/me", response_model=UserPublic, summary="Who am I")
async def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/sign-out-everywhere", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
             summary="End every page session and API token of mine, in every process (this token too)")
async def sign_out_everywhere(request: Request, user: CurrentUser, settings: SettingsDep) -> Response:
    await get_account_sessions(request).sign_out_everywhere(user, client_ip=client_ip(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
