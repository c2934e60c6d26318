"""Sign-in: OAuth2 password form → bearer JWT, throttled per username and client address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from services.api.deps import CurrentUser, SettingsDep
from services.core.models import User
from services.core.schemas import TokenResponse, UserPublic
from services.core.security import create_access_token, verify_password
from services.core.throttle import LoginThrottle

router = APIRouter(prefix="/auth", tags=["auth"])


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/token", response_model=TokenResponse, summary="Sign in with username and password",
             responses={401: {"description": "wrong username or password"},
                        429: {"description": "too many failed sign-ins: wait for Retry-After seconds"}})
async def issue_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
                      settings: SettingsDep) -> TokenResponse:
    throttle = LoginThrottle(request.app.state.sessions)
    address = client_ip(request)
    await throttle.check(form.username, address)
    async with request.app.state.sessions() as session:
        user = (await session.execute(select(User).where(User.username == form.username))).scalars().first()
    if user is None or not user.is_active or not verify_password(form.password, user.password_hash):
        await throttle.failed(form.username, address)
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail={"code": "bad_credentials", "message": "wrong username or password",
                                    "message_ja": "ユーザー名またはパスワードが正しくありません"},
                            headers={"WWW-Authenticate": "Bearer"})
    await throttle.succeeded(form.username, address)
    return TokenResponse(access_token=create_access_token(settings, user_id=user.id, role=user.role))


@router.get("/me", response_model=UserPublic, summary="Who am I")
async def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)
