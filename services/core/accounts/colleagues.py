"""A company's users, managed by its administrators: invite colleagues, see and disable users, hand the
administrator role to another user. Another company's user answers like one that does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts import audit
from services.core.accounts.errors import AddressTaken, LastAdministrator, NotConfirmed
from services.core.accounts.invitations import SentInvitation, send_invitation
from services.core.accounts.models import Organization, User
from services.core.accounts.schemas import ColleagueInvite
from services.core.accounts.security import UNUSABLE_PASSWORD
from services.core.accounts.sessions import end_sessions
from services.core.accounts.signup import address_taken
from services.core.platform.exceptions import Conflict, Forbidden, NotFound
from services.core.platform.settings import Settings
from workflows.contracts import Role


def require_company_admin(user: User) -> None:
    if user.role != Role.applicant or not user.is_company_admin:
        raise Forbidden("only your company's administrator manages its users",
                        "企業のユーザー管理は、貴社の管理者のみが行えます")


def user_not_found() -> NotFound:
    return NotFound("no such user in your organisation", "該当するユーザーは見つかりません")


def confirm(target: User, typed: str) -> None:
    if typed.strip().lower() != target.username.lower():
        raise NotConfirmed()


@dataclass
class ColleagueService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def users(self, admin: User) -> list[User]:
        require_company_admin(admin)
        async with self.sessions() as session:
            return list((await session.execute(select(User).where(User.organization_id == admin.organization_id)
                                               .order_by(User.id))).scalars())

    async def invite(self, admin: User, form: ColleagueInvite, *, client_ip: str | None = None) -> SentInvitation:
        require_company_admin(admin)
        async with self.sessions() as session:
            organization = await session.get(Organization, admin.organization_id)
            invited = (await session.execute(select(User).where(func.lower(User.username) == form.email))).scalars().first()
            if invited is not None and not (invited.organization_id == admin.organization_id
                                            and invited.password_hash == UNUSABLE_PASSWORD and invited.is_active):
                raise AddressTaken()
            if invited is None:  # an invitation not yet accepted is sent again with a fresh link
                if await address_taken(session, form.email):
                    raise AddressTaken()
                invited = User(username=form.email, email=form.email, display_name=form.display_name,
                               password_hash=UNUSABLE_PASSWORD, role=Role.applicant.value,
                               organization_id=admin.organization_id)
                session.add(invited)
                await session.flush()
            sent = await send_invitation(session, self.settings, user=invited, organization=organization,
                                         inviter=admin, client_ip=client_ip)
            await session.commit()
        return sent

    async def _colleague(self, session: AsyncSession, admin: User, user_id: int) -> User:
        require_company_admin(admin)
        target = await session.get(User, user_id)
        if target is None or target.organization_id != admin.organization_id:
            raise user_not_found()
        return target

    async def disable(self, admin: User, user_id: int, confirm_username: str, *, client_ip: str | None = None) -> User:
        async with self.sessions() as session:
            target = await self._colleague(session, admin, user_id)
            confirm(target, confirm_username)
            if not target.is_active:
                return target
            if target.is_company_admin and await self._admins(session, admin.organization_id) <= 1:
                raise LastAdministrator()
            target.is_active = False
            target.is_company_admin = False
            session.add(target)
            await end_sessions(session, target.id)
            audit.record(session, "disabled", actor=admin, user=target, client_ip=client_ip)
            await session.commit()
            await session.refresh(target)
        return target

    async def hand_over(self, admin: User, user_id: int, confirm_username: str, *,
                        client_ip: str | None = None) -> User:
        """Make `user_id` the administrator instead of `admin`."""
        async with self.sessions() as session:
            target = await self._colleague(session, admin, user_id)
            confirm(target, confirm_username)
            if target.id == admin.id:
                raise Conflict("you are the administrator already", "既に管理者です")
            if not target.is_active or target.password_hash == UNUSABLE_PASSWORD:
                raise Conflict("hand the role only to an active colleague who has accepted the invitation",
                               "管理者の役割は、招待を受諾済みの有効なユーザーにのみ引き継げます")
            current = await session.get(User, admin.id)
            target.is_company_admin, current.is_company_admin = True, False
            session.add_all([target, current])
            audit.record(session, "role_changed", actor=admin, user=target, client_ip=client_ip,
                         company_admin="handed over", from_user=admin.username)
            await session.commit()
            await session.refresh(target)
        return target

    @staticmethod
    async def _admins(session: AsyncSession, organization_id: int) -> int:
        return (await session.execute(select(func.count()).select_from(User).where(
            User.organization_id == organization_id, User.is_company_admin.is_(True),
            User.is_active.is_(True)))).scalar_one()
