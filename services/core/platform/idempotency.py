"""Idempotency keys for POSTs that create a row before telling the workflow (reports, reviews): the first
request remembers what it created under (user, operation, key) in the same transaction, so a retry finds
it and returns it instead of creating another. Commands that are only Temporal Updates need no row: the key
becomes the Update id, and Temporal answers a repeated id with the first outcome."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.accounts.models import User
from services.core.platform.models import IdempotencyRecord


async def recall(session: AsyncSession, user: User, operation: str, key: str | None) -> int | None:
    """The id of what this key created for this user and operation, if it was used before."""
    if not key:
        return None
    return (await session.execute(select(IdempotencyRecord.resource_id).where(
        IdempotencyRecord.user_id == user.id, IdempotencyRecord.operation == operation,
        IdempotencyRecord.key == key))).scalars().first()


def remember(session: AsyncSession, user: User, operation: str, key: str | None, resource_id: int) -> None:
    """Add the record to the caller's transaction (a parallel retry then fails on the unique constraint)."""
    if key:
        session.add(IdempotencyRecord(user_id=user.id, operation=operation, key=key, resource_id=resource_id))
