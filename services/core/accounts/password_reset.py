"""Password reset by mail: asked with an address, answered the same whether or not it belongs to anyone; the
single-use link sets a new password and ends every session of the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts import audit, links, mail
from services.core.accounts.errors import CompanyDisabled
from services.core.accounts.models import Organization, User
from services.core.accounts.passwords import check_password
from services.core.accounts.security import UNUSABLE_PASSWORD, hash_password
from services.core.accounts.sessions import end_sessions
from services.core.accounts.throttle import MailThrottle
from services.core.platform.exceptions import Unavailable
from services.core.platform.settings import Settings


@dataclass
class PasswordResetService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def count_request(self, email: str) -> None:
        """Refuse (429) past the limit of reset mails to one address, whether or not it belongs to anyone."""
        await MailThrottle(self.sessions).count("reset", email.strip().lower())

    async def send_link(self, email: str, *, client_ip: str | None = None) -> None:
        """Mail a link when `email` is an active user's with a password; otherwise do nothing, silently.

        Run after the answer is sent (the API's background task), so the answer takes as long either way."""
        email = email.strip().lower()
        async with self.sessions() as session:
            user = (await session.execute(
                select(User).join(Organization, Organization.id == User.organization_id)
                .where(func.lower(User.email) == email, User.is_active.is_(True), Organization.is_active.is_(True),
                       User.password_hash != UNUSABLE_PASSWORD).order_by(User.id))).scalars().first()
            if user is None:
                return
            minutes = self.settings.password_reset_minutes
            _, token = links.issue(session, "password_reset", email=email, user_id=user.id,
                                   lifetime=timedelta(minutes=minutes))
            audit.record(session, "password_reset_requested", actor=audit.VISITOR, user=user, client_ip=client_ip)
            subject, body = mail.reset_mail(links.url(self.settings.public_base_url, "password_reset", token), minutes)
            try:
                await mail.send(self.settings, to_name=user.display_name, to_address=user.email, subject=subject,
                                body=body)
            except Unavailable:  # logged by mail.send; nobody waits for this answer, and no link was stored
                return
            await session.commit()

    async def check(self, token: str) -> str:
        """The address the link was sent to (refused when unknown, used or expired)."""
        async with self.sessions() as session:
            return (await links.find(session, "password_reset", token)).email

    async def reset(self, token: str, password: str, *, client_ip: str | None = None) -> User:
        async with self.sessions() as session:
            link = await links.find(session, "password_reset", token)
            user = await session.get(User, link.user_id)
            organization = await session.get(Organization, user.organization_id)
            if not user.is_active or not organization.is_active:
                raise CompanyDisabled()
            check_password(password, min_length=self.settings.password_min_length,
                           user_inputs=[user.email or "", user.display_name, organization.name])
            await links.use(session, link)
            await end_sessions(session, user.id)
            await session.refresh(user)
            user.password_hash = hash_password(password)
            session.add(user)
            audit.record(session, "password_reset", actor=user, user=user, client_ip=client_ip)
            await session.commit()
        return user
