"""Signing in (password, then the second factor where one is set or required) and ending sessions.

Every page session and API token carries the user's token version; each request compares it with the
version in the database, so bumping it (sign-out everywhere, disabling, a new password) ends them all at once,
in every API process.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts import audit
from services.core.accounts.errors import (
    bad_credentials,
    second_factor_missing,
    second_factor_not_set,
    second_factor_wrong,
)
from services.core.accounts.models import Organization, User
from services.core.accounts.schemas import OFFICIAL_ROLES
from services.core.accounts.second_factor import accept_code
from services.core.accounts.security import verify_password
from services.core.accounts.throttle import LoginThrottle
from services.core.platform.settings import Settings


async def end_sessions(session: AsyncSession, user_id: int) -> None:
    """Invalidate every page session and API token of the user (committed by the caller)."""
    await session.execute(update(User).where(User.id == user_id).values(token_version=User.token_version + 1)
                          .execution_options(synchronize_session=False))


def session_is_current(user: User | None, token_version: int) -> bool:
    """A session or token is honoured only for an active user whose version it carries."""
    return user is not None and user.is_active and user.token_version == token_version


@dataclass
class SessionService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    def needs_second_factor(self, user: User) -> bool:
        return bool(user.totp_secret) or (user.role in OFFICIAL_ROLES and self.settings.second_factor_required)

    async def check_password(self, username: str, password: str, client_ip: str) -> User:
        """The user whose password this is (active, of an active organisation); 401 otherwise, throttled."""
        username = username.strip()[:254]
        throttle = LoginThrottle(self.sessions)
        await throttle.check(username, client_ip)
        async with self.sessions() as session:
            found = (await session.execute(
                select(User, Organization.is_active).join(Organization, Organization.id == User.organization_id)
                .where((User.username == username) | (func.lower(User.username) == username.lower()))
                .order_by((User.username == username).desc()))).first()
        user, organization_active = found if found else (None, False)
        if user is None or not user.is_active or not organization_active \
                or not verify_password(password, user.password_hash):
            await throttle.failed(username, client_ip)
            raise bad_credentials()
        return user

    async def check_second_factor(self, user: User, code: str | None, client_ip: str) -> None:
        """Pass when no second factor is needed or `code` is a fresh right one; 401 otherwise, throttled."""
        throttle = LoginThrottle(self.sessions)
        if self.needs_second_factor(user):
            if not user.totp_secret:
                raise second_factor_not_set()
            if not code:
                raise second_factor_missing()
            await throttle.check(user.username, client_ip)
            async with self.sessions() as session:
                accepted = await accept_code(session, user, code)
                await session.commit()
            if not accepted:
                await throttle.failed(user.username, client_ip, "sign-in refused: wrong or replayed one-time code")
                raise second_factor_wrong()
        await throttle.succeeded(user.username, client_ip)

    async def sign_in(self, username: str, password: str, code: str | None, client_ip: str) -> User:
        user = await self.check_password(username, password, client_ip)
        await self.check_second_factor(user, code, client_ip)
        return user

    async def current(self, user_id: int, token_version: int) -> User | None:
        """The user a session or token names, while it is still current."""
        async with self.sessions() as session:
            user = await session.get(User, user_id)
        return user if session_is_current(user, token_version) else None

    async def sign_out_everywhere(self, user: User, *, client_ip: str | None = None) -> None:
        async with self.sessions() as session:
            await end_sessions(session, user.id)
            audit.record(session, "signed_out_everywhere", actor=user, user=user, client_ip=client_ip)
            await session.commit()
