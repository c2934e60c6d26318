"""Login throttling: after FAILURE_LIMIT refused sign-ins within WINDOW for one username from one client
address, further attempts are refused (429) until the oldest of those failures leaves the window.

The count lives in the database (LoginFailure in services/core/accounts/models.py), so every API process
sees the same one. Mails of sign-ups and password resets are counted the same way per address
(`MailThrottle`), so nobody can flood an inbox through tokku. Attempts are checked before the password is, so a locked-out guesser costs no Argon2 work.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts.models import LoginFailure
from services.core.platform.exceptions import DomainError
from services.core.platform.tables import utcnow

FAILURE_LIMIT = 5
WINDOW = timedelta(minutes=15)

log = logging.getLogger("tokku.security")


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"too many failed sign-ins; try again in {minutes} minute(s)",
                         f"ログインの失敗が続いたため一時的に制限しています。{minutes}分後に再度お試しください")
        self.retry_after = retry_after


@dataclass
class LoginThrottle:
    sessions: async_sessionmaker[AsyncSession]
    limit: int = FAILURE_LIMIT
    window: timedelta = WINDOW

    async def check(self, username: str, client_ip: str, *, now: datetime | None = None) -> None:
        """Raise TooManyAttempts while the (username, address) pair has used up its failures."""
        now = now or utcnow()
        async with self.sessions() as session:
            count, oldest = (await session.execute(
                select(func.count(), func.min(LoginFailure.failed_at)).where(*self._recent(username, client_ip, now))
            )).one()
        if count >= self.limit:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)  # SQLite drops the offset
            retry_after = max(1, math.ceil((oldest + self.window - now).total_seconds()))
            log.warning("sign-in refused: throttled", extra={"username": username, "client_ip": client_ip,
                                                             "failures": count, "retry_after": retry_after})
            raise TooManyAttempts(retry_after)

    async def failed(self, username: str, client_ip: str, reason: str = "sign-in refused: wrong username or password") -> None:
        now = utcnow()
        async with self.sessions() as session:
            # Old failures only ever leave the window: drop them as we go, so the table stays small.
            await session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - self.window))
            session.add(LoginFailure(username=username[:100], client_ip=client_ip[:64], failed_at=now))
            await session.commit()
        log.warning("%s", reason, extra={"username": username[:100], "client_ip": client_ip})

    async def succeeded(self, username: str, client_ip: str) -> None:
        async with self.sessions() as session:
            await session.execute(delete(LoginFailure).where(LoginFailure.username == username[:100],
                                                             LoginFailure.client_ip == client_ip[:64]))
            await session.commit()

    def _recent(self, username: str, client_ip: str, now: datetime) -> tuple:
        return (LoginFailure.username == username[:100], LoginFailure.client_ip == client_ip[:64],
                LoginFailure.failed_at >= now - self.window)


class TooManyMails(TooManyAttempts):
    code = "too_many_mails"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        DomainError.__init__(self, f"too many mails to this address; try again in {minutes} minute(s)",
                             f"このアドレスへの送信が続いたため一時的に制限しています。{minutes}分後に再度お試しください")
        self.retry_after = retry_after


@dataclass
class MailThrottle:
    """At most `limit` account mails of one kind to one address within the window (any process)."""

    sessions: async_sessionmaker[AsyncSession]
    limit: int = FAILURE_LIMIT

    async def count(self, kind: str, address: str) -> None:
        throttle = LoginThrottle(self.sessions, limit=self.limit)
        key = f"{kind}:{address}"[:100]
        try:
            await throttle.check(key, "mail")
        except TooManyAttempts as error:
            raise TooManyMails(error.retry_after) from None
        await throttle.failed(key, "mail", reason=f"account mail counted: {kind}")
