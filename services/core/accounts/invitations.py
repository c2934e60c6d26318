"""Invitations: a user row without a password, and a single-use link that lets the person set one (and, for
officials where required, a TOTP second factor) — for colleagues invited by their company's administrator
and for officials provisioned by the operator.

Accepting checks that the address typed is the one invited, that the organisation is still active, and the
password policy; then uses the link, sets the password (and second factor), all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts import audit, links, mail
from services.core.accounts.errors import CompanyDisabled, OtherAddress
from services.core.accounts.models import Organization, User
from services.core.accounts.passwords import check_password
from services.core.accounts.schemas import OFFICIAL_ROLES, InvitationAccept, InvitationInfo
from services.core.accounts.second_factor import matching_step, new_secret, provisioning_uri, set_second_factor
from services.core.accounts.security import hash_password
from services.core.accounts.sessions import end_sessions
from services.core.platform.exceptions import Invalid
from services.core.platform.settings import Settings


@dataclass(frozen=True)
class SentInvitation:
    url: str
    mailed: bool


async def send_invitation(session: AsyncSession, settings: Settings, *, user: User, organization: Organization,
                          inviter: User | str, client_ip: str | None = None) -> SentInvitation:
    """Issue the link (with a second factor to set where the user's role needs one) and mail it; the caller
    commits. Earlier links of the same user stay valid until they expire or one of them is used."""
    if not organization.is_active:
        raise CompanyDisabled()
    official = user.role in OFFICIAL_ROLES and settings.second_factor_required
    hours = settings.invitation_link_hours
    _, token = links.issue(session, "invitation", email=user.email, lifetime=timedelta(hours=hours), user_id=user.id,
                           created_by=inviter.id if isinstance(inviter, User) else None,
                           totp_secret=new_secret() if official else None)
    url = links.url(settings.public_base_url, "invitation", token)
    audit.record(session, "invited", actor=inviter, user=user, client_ip=client_ip, email=user.email, role=user.role)
    inviter_name = inviter.display_name if isinstance(inviter, User) else "tokku 運用管理者"
    subject, body = mail.invitation_mail(inviter_name, organization.name, url, hours, official)
    mailed = await mail.send(settings, to_name=user.display_name, to_address=user.email, subject=subject, body=body)
    return SentInvitation(url, mailed)


@dataclass
class InvitationService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def info(self, token: str) -> InvitationInfo:
        async with self.sessions() as session:
            link = await links.find(session, "invitation", token)
            user = await session.get(User, link.user_id)
            organization = await session.get(Organization, user.organization_id)
        if not organization.is_active or not user.is_active:
            raise CompanyDisabled()
        return InvitationInfo(email=link.email, display_name=user.display_name, organization=organization.name,
                              role=user.role, second_factor=bool(link.totp_secret), totp_secret=link.totp_secret,
                              totp_uri=provisioning_uri(link.totp_secret, link.email) if link.totp_secret else None)

    async def accept(self, form: InvitationAccept, *, client_ip: str | None = None) -> tuple[User, list[str]]:
        """Set the password (and second factor); returns the user and the recovery codes (shown once)."""
        async with self.sessions() as session:
            link = await links.find(session, "invitation", form.token)
            if form.email.lower() != link.email.lower():
                raise OtherAddress()
            user = await session.get(User, link.user_id)
            organization = await session.get(Organization, user.organization_id)
            if not organization.is_active or not user.is_active:
                raise CompanyDisabled()
            check_password(form.password, min_length=self.settings.password_min_length,
                           user_inputs=[link.email, user.display_name, organization.name])
            step = None
            if link.totp_secret:
                step = matching_step(link.totp_secret, form.otp or "")
                if step is None:
                    raise Invalid("the code from the authenticator app is wrong or expired: scan the QR code and "
                                  "type the code it shows now", "認証アプリの確認コードが正しくないか期限切れです。"
                                  "QRコードを読み取り、表示中のコードを入力してください",
                                  errors=[{"field": "otp", "message": "wrong or expired code",
                                           "message_ja": "確認コードが正しくありません"}])
            await links.use(session, link)
            await end_sessions(session, user.id)  # whatever was signed in before (a re-invitation) ends
            await session.refresh(user)
            user.password_hash = hash_password(form.password)
            codes: list[str] = []
            audit.record(session, "invitation_accepted", actor=user, user=user, client_ip=client_ip)
            if step is not None:
                codes = await set_second_factor(session, user, link.totp_secret, step)
                audit.record(session, "second_factor_set", actor=user, user=user, client_ip=client_ip)
            session.add(user)
            await session.commit()
        return user, codes
