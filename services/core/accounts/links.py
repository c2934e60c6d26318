"""Single-use, expiring links sent by mail (sign-up verification, invitation, password reset).

A link is checked (`find`) before anything is shown or changed, and used (`use`) by one conditional UPDATE
in the same transaction as the change it allows: of two requests with the same link, in any process, one
changes something and the other is refused with nothing changed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.accounts.errors import LinkExpired, LinkNotFound, LinkUsed
from services.core.accounts.models import AccountLink
from services.core.accounts.security import hash_token, new_link_token
from services.core.platform.tables import utcnow

PURPOSES = ("signup", "invitation", "password_reset")
PAGE_PATHS = {"signup": "/signup/verify", "invitation": "/invitations/accept",
              "password_reset": "/password-reset/confirm"}


def issue(session: AsyncSession, purpose: str, *, email: str, lifetime: timedelta, user_id: int | None = None,
          created_by: int | None = None, payload: str | None = None,
          totp_secret: str | None = None) -> tuple[AccountLink, str]:
    """A new link row (added to the session) and the token that goes into the mail."""
    assert purpose in PURPOSES, purpose
    token, token_hash = new_link_token()
    link = AccountLink(purpose=purpose, token_hash=token_hash, email=email, user_id=user_id, created_by=created_by,
                       payload=payload, totp_secret=totp_secret, expires_at=utcnow() + lifetime)
    session.add(link)
    return link, token


def url(base_url: str, purpose: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PAGE_PATHS[purpose]}?token={token}"


async def find(session: AsyncSession, purpose: str, token: str, *, now: datetime | None = None) -> AccountLink:
    """The link for `token`, still usable; LinkNotFound, LinkExpired or LinkUsed otherwise."""
    if not token or len(token) > 200:
        raise LinkNotFound()
    link = (await session.execute(select(AccountLink).where(AccountLink.token_hash == hash_token(token),
                                                            AccountLink.purpose == purpose))).scalars().first()
    if link is None:
        raise LinkNotFound()
    if link.used_at is not None:
        raise LinkUsed()
    if link.expires_at <= (now or utcnow()):
        raise LinkExpired()
    return link


async def use(session: AsyncSession, link: AccountLink) -> None:
    """Mark the link used, unless another request did first (then LinkUsed: roll back)."""
    now = utcnow()
    done = await session.execute(update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
                                 .values(used_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise LinkUsed()
    link.used_at = now
