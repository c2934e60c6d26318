"""Dependencies: who the caller is, and the service objects shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from services.core.applications import ApplicationService
from services.core.follow_up import FollowUpService
from services.core.models import User
from services.core.security import decode_access_token
from services.core.settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_service(request: Request) -> ApplicationService:
    return request.app.state.applications


def get_follow_up(request: Request) -> FollowUpService:
    return request.app.state.follow_up


async def get_current_user(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail={"code": "unauthenticated",
                "message": "sign in first: send a valid bearer token from POST /api/v1/auth/token",
                "message_ja": "ログインしてください（トークンが無効または期限切れです）"},
        headers={"WWW-Authenticate": "Bearer"})
    if not token:
        raise unauthorized
    user_id = decode_access_token(request.app.state.settings, token)
    if user_id is None:
        raise unauthorized
    async with request.app.state.sessions() as session:
        user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise unauthorized
    request.state.user = user  # who asked, for the log line of a refused request
    return user


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                               description="repeat a POST safely: the first result is returned")]
CurrentUser = Annotated[User, Depends(get_current_user)]
Service = Annotated[ApplicationService, Depends(get_service)]
FollowUp = Annotated[FollowUpService, Depends(get_follow_up)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
