"""Helpers of the reliability drills: throwaway accounts (so locking one out never touches the demo users
the rest of the suite signs in with) and log capture that sees every field of a record."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import select

from services.core.accounts.models import Organization, User
from services.core.accounts.security import hash_password


@pytest.fixture
def make_user(sessions):
    async def create(password: str, *, role: str = "applicant", organization: str = "ペプチドリーム株式会社",
                     government: str | None = None) -> User:
        async with sessions() as session:
            org = (await session.execute(select(Organization).where(Organization.name == organization))).scalars().one()
            user = User(username=f"drill-{uuid.uuid4().hex[:10]}", password_hash=hash_password(password),
                        display_name="訓練用アカウント", role=role, government=government, organization_id=org.id)
            session.add(user)
            await session.commit()
            return user

    return create


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Message and every extra field of each record: a secret in an `extra` would leak in JSON logs too."""
    return "\n".join(f"{record.getMessage()} {record.__dict__}" for record in records)


def app_routes(app) -> list[tuple[str, str, object]]:
    """(method, path, route) of every route the app serves, included routers flattened."""
    from fastapi.routing import APIRoute, iter_route_contexts

    return [(method, context.path, context.original_route) for context in iter_route_contexts(app.routes)
            if isinstance(context.original_route, APIRoute) for method in sorted(context.methods)]
