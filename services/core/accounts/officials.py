"""What the operator does (with `tokku users …` or the operator pages): provision officials of the
secretariat, the governments and the Cabinet Office (and other operators) with an invitation link, list
users, invite a user again (lost password or authenticator), disable a user or a whole company."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts import audit
from services.core.accounts.colleagues import confirm
from services.core.accounts.errors import AddressTaken
from services.core.accounts.invitations import SentInvitation, send_invitation
from services.core.accounts.models import Organization, User
from services.core.accounts.schemas import OfficialCreate
from services.core.accounts.second_factor import remove_second_factor
from services.core.accounts.security import UNUSABLE_PASSWORD
from services.core.accounts.sessions import end_sessions
from services.core.accounts.signup import address_taken
from services.core.platform.exceptions import Forbidden, NotFound
from services.core.platform.settings import Settings
from workflows.contracts import Government, Role
from workflows.rules import GOVERNMENT_LABELS_JA

Operator = User | str  # a signed-in operator, or the name of the CLI

# The organisation each kind of official belongs to (found by kind, created with this name if missing).
ORGANIZATION_KIND = {"secretariat": ("council", "ライフイノベーション地域協議会 事務局"),
                     "national_official": ("cabinet_office", "内閣府"), "admin": ("operator", "tokku 運用")}


def require_operator(actor: Operator) -> None:
    if isinstance(actor, User) and actor.role != Role.admin:
        raise Forbidden("only the operator manages officials' accounts", "職員アカウントの管理は運用管理者のみが行えます")


async def organization_for(session: AsyncSession, role: str, government: Government | None) -> Organization:
    if role == "local_official":
        query = select(Organization).where(Organization.kind == "government", Organization.government == government)
        kind, name = "government", GOVERNMENT_LABELS_JA[government]
    else:
        kind, name = ORGANIZATION_KIND[role]
        query = select(Organization).where(Organization.kind == kind)
    found = (await session.execute(query.order_by(Organization.id))).scalars().first()
    if found is None:
        found = Organization(name=name, kind=kind, government=government.value if government else None)
        session.add(found)
        await session.flush()
    return found


@dataclass
class OperatorService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def provision(self, actor: Operator, form: OfficialCreate, *,
                        client_ip: str | None = None) -> tuple[User, SentInvitation]:
        require_operator(actor)
        async with self.sessions() as session:
            if await address_taken(session, form.email):
                raise AddressTaken()
            organization = await organization_for(session, form.role, form.government)
            user = User(username=form.email, email=form.email, display_name=form.display_name,
                        password_hash=UNUSABLE_PASSWORD, role=form.role,
                        government=form.government.value if form.government else None,
                        organization_id=organization.id)
            session.add(user)
            await session.flush()
            sent = await send_invitation(session, self.settings, user=user, organization=organization, inviter=actor,
                                         client_ip=client_ip)
            await session.commit()
            await session.refresh(user)
        return user, sent

    async def users(self, actor: Operator, *, role: str | None = None) -> list[tuple[User, Organization]]:
        require_operator(actor)
        query = select(User, Organization).join(Organization, Organization.id == User.organization_id)
        if role:
            query = query.where(User.role == role)
        async with self.sessions() as session:
            return [tuple(row) for row in (await session.execute(query.order_by(User.id))).all()]

    async def find(self, actor: Operator, username: str) -> User:
        require_operator(actor)
        async with self.sessions() as session:
            user = (await session.execute(select(User).where(User.username == username))).scalars().first()
        if user is None:
            raise NotFound(f"no user {username!r}", f"ユーザー「{username}」は見つかりません")
        return user

    async def disable(self, actor: Operator, user_id: int, confirm_username: str, *,
                      client_ip: str | None = None) -> User:
        require_operator(actor)
        async with self.sessions() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound("no such user", "該当するユーザーは見つかりません")
            confirm(user, confirm_username)
            if isinstance(actor, User) and actor.id == user.id:
                raise Forbidden("you cannot disable your own operator account here",
                                "自分自身の運用管理者アカウントはここでは無効にできません")
            if user.is_active:
                user.is_active = False
                session.add(user)
                await end_sessions(session, user.id)
                audit.record(session, "disabled", actor=actor, user=user, client_ip=client_ip)
                await session.commit()
                await session.refresh(user)
        return user

    async def reinvite(self, actor: Operator, username: str, *, client_ip: str | None = None) -> SentInvitation:
        """A lost authenticator or password: the password and second factor are removed, every session ends,
        and a new invitation sets both again."""
        require_operator(actor)
        async with self.sessions() as session:
            user = (await session.execute(select(User).where(User.username == username))).scalars().first()
            if user is None or not user.is_active or not user.email:
                raise NotFound(f"no active user {username!r} with an e-mail address",
                               f"メールアドレスのある有効なユーザー「{username}」は見つかりません")
            organization = await session.get(Organization, user.organization_id)
            had_second_factor = bool(user.totp_secret)
            user.password_hash = UNUSABLE_PASSWORD
            await remove_second_factor(session, user)
            session.add(user)
            await end_sessions(session, user.id)
            if had_second_factor:
                audit.record(session, "second_factor_removed", actor=actor, user=user, client_ip=client_ip)
            sent = await send_invitation(session, self.settings, user=user, organization=organization, inviter=actor,
                                         client_ip=client_ip)
            await session.commit()
        return sent

    async def disable_company(self, actor: Operator, corporate_number: str) -> Organization:
        """The company signs in no more, gets no invitations; every session of its users ends."""
        require_operator(actor)
        async with self.sessions() as session:
            organization = (await session.execute(select(Organization).where(
                Organization.corporate_number == corporate_number))).scalars().first()
            if organization is None:
                raise NotFound(f"no company with corporate number {corporate_number}",
                               f"法人番号 {corporate_number} の企業は登録されていません")
            organization.is_active = False
            session.add(organization)
            await session.execute(update(User).where(User.organization_id == organization.id)
                                  .values(token_version=User.token_version + 1)
                                  .execution_options(synchronize_session=False))
            audit.record(session, "company_disabled", actor=actor, organization_id=organization.id,
                         corporate_number=corporate_number)
            await session.commit()
        return organization
