"""Who is told about an application: the rule for the officials of its responsible government, in one place."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.accounts.models import User
from services.core.applications.models import Application
from workflows.contracts import Government, Role


async def responsible_officials(session: AsyncSession, application: Application,
                                query: Select | None = None) -> list[User]:
    """The active local officials of the application's government; the prefecture's (Kanagawa) when that
    government has none. `query` narrows who counts (the reminders leave out invited people without a password)."""
    if query is None:
        query = select(User).where(User.is_active.is_(True), User.role == Role.local_official.value)
    for government in (application.government, Government.kanagawa.value):
        users = list((await session.execute(query.where(User.government == government).order_by(User.id))).scalars())
        if users:
            return users
    return []
