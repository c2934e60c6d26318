"""A database of its own for the document and target tests whose figures must not see other tests' rows.

Same backend as the session (SQLite, or PostgreSQL with TOKKU_TEST_DATABASE=postgres), migrated with the
real migrations.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from tests.conftest import ROOT, postgres_url


@pytest.fixture(scope="session")
def plan() -> dict:
    return json.loads((ROOT / "data" / "seed-plan.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def plan_text() -> str:
    """The plan as printed (text extraction of the public plan, vendored as data/zone-plan.txt)."""
    return (ROOT / "data" / "zone-plan.txt").read_text(encoding="utf-8")


async def fresh_database(run_dir: Path) -> tuple[str, callable]:
    """A new, migrated, empty database; returns its URL and a function that drops it."""
    name = f"docs_{uuid.uuid4().hex[:10]}"
    if os.environ.get("TOKKU_TEST_DATABASE") == "postgres":
        admin = create_engine(postgres_url("postgres")).execution_options(isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        url = postgres_url(name)

        async def drop() -> None:
            engine = create_engine(postgres_url("postgres")).execution_options(isolation_level="AUTOCOMMIT")
            async with engine.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await engine.dispose()
    else:
        url = f"sqlite+aiosqlite:///{run_dir / (name + '.db')}"

        async def drop() -> None:
            return None
    await asyncio.to_thread(upgrade, url)
    return url, drop


@pytest.fixture
async def isolated_sessions(run_dir: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url, drop = await fresh_database(run_dir)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()
    await drop()
