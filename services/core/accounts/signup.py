"""Company sign-up: the company and its first user's address are typed; a single-use link verifies the address;
setting the password creates the company and its first user, its administrator, in one transaction.

Nothing is created before the verification: a sign-up never verified blocks no corporate number, and two
sign-ups of one number race fairly (the first verified wins, the other is told the number is taken).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.accounts import audit, links, mail
from services.core.accounts.errors import AddressTaken, CorporateNumberTaken
from services.core.accounts.models import AccountLink, Organization, User
from services.core.accounts.passwords import check_password
from services.core.accounts.schemas import SignupCreate
from services.core.accounts.security import hash_password
from services.core.accounts.throttle import MailThrottle
from services.core.platform.settings import Settings
from workflows.contracts import Role


@dataclass(frozen=True)
class PendingSignup:
    """What a verification link carries, for the page that completes it."""

    email: str
    company: SignupCreate


async def corporate_number_taken(session: AsyncSession, number: str) -> bool:
    return (await session.execute(select(Organization.id).where(Organization.corporate_number == number))).first() \
        is not None


async def address_taken(session: AsyncSession, email: str) -> bool:
    found = await session.execute(select(User.id).where(
        (func.lower(User.username) == email.lower()) | (func.lower(User.email) == email.lower())))
    return found.first() is not None


@dataclass
class SignupService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def request(self, form: SignupCreate, *, client_ip: str | None = None) -> bool:
        """Check the company and mail the verification link; True when mailed (False: no relay configured)."""
        async with self.sessions() as session:
            if await corporate_number_taken(session, form.corporate_number):
                raise CorporateNumberTaken()
            if await address_taken(session, form.email):
                raise AddressTaken()
            await MailThrottle(self.sessions).count("signup", form.email)
            hours = self.settings.signup_link_hours
            link, token = links.issue(session, "signup", email=form.email, lifetime=timedelta(hours=hours),
                                      payload=form.model_dump_json())
            audit.record(session, "signup_requested", actor=audit.VISITOR, client_ip=client_ip,
                         corporate_number=form.corporate_number, company=form.company_name, email=form.email)
            subject, body = mail.signup_mail(form.company_name,
                                             links.url(self.settings.public_base_url, "signup", token), hours)
            mailed = await mail.send(self.settings, to_name=form.display_name, to_address=form.email,
                                     subject=subject, body=body)
            await session.commit()
        return mailed

    async def pending(self, token: str) -> PendingSignup:
        """The sign-up a link verifies (refused when the link is unknown, used or expired)."""
        async with self.sessions() as session:
            link = await links.find(session, "signup", token)
        return PendingSignup(link.email, SignupCreate.model_validate_json(link.payload))

    async def verify(self, token: str, password: str, *, client_ip: str | None = None) -> User:
        """Use the link: create the company and its administrator with this password."""
        async with self.sessions() as session:
            link = await links.find(session, "signup", token)
            company = SignupCreate.model_validate_json(link.payload)
            check_password(password, min_length=self.settings.password_min_length,
                           user_inputs=[link.email, company.company_name, company.display_name])
            if await corporate_number_taken(session, company.corporate_number):
                raise CorporateNumberTaken()
            if await address_taken(session, link.email):
                raise AddressTaken()
            user = await self._create(session, link, company, password)
            audit.record(session, "signup_verified", actor=user, user=user, client_ip=client_ip,
                         corporate_number=company.corporate_number, company=company.company_name)
            try:
                await session.commit()
            except IntegrityError:  # a parallel verification of the same number or address won
                await session.rollback()
                raise CorporateNumberTaken() from None
        return user

    @staticmethod
    async def _create(session: AsyncSession, link: AccountLink, company: SignupCreate, password: str) -> User:
        await links.use(session, link)
        organization = Organization(name=company.company_name, kind="company", address=company.address,
                                    corporate_number=company.corporate_number)
        session.add(organization)
        await session.flush()
        user = User(username=link.email, email=link.email, display_name=company.display_name,
                    password_hash=hash_password(password), role=Role.applicant.value,
                    organization_id=organization.id, is_company_admin=True)
        session.add(user)
        await session.flush()
        link.user_id = user.id
        return user
