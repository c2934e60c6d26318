"""Is this process able to serve? The database and Temporal must both answer, quickly.

Used by the API's /readyz and by `tokku check` (the worker container's health check). Framework-free.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from services.core.platform.settings import Settings

CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    error: str | None = None


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first_line}"[:300]


async def check_database(engine: AsyncEngine) -> Check:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        return Check("database", True)
    except Exception as error:  # any failure means "not ready"; the message says which
        return Check("database", False, _describe(error))


async def check_temporal(client: Client) -> Check:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            healthy = await client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS))
        return Check("temporal", True) if healthy else Check("temporal", False, "the frontend reports not serving")
    except Exception as error:
        return Check("temporal", False, _describe(error))


async def check_all(engine: AsyncEngine, client: Client) -> list[Check]:
    return list(await asyncio.gather(check_database(engine), check_temporal(client)))


async def check_configured(settings: Settings) -> list[Check]:
    """The same checks from a fresh process (`tokku check`): connect, ask, disconnect."""
    from services.core.platform.db import create_engine
    from services.core.platform.temporal_client import connect

    engine = create_engine(settings.resolved_database_url)
    try:
        database = await check_database(engine)
    finally:
        await engine.dispose()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            client = await connect(settings)
        temporal = await check_temporal(client)
    except Exception as error:
        temporal = Check("temporal", False, _describe(error))
    return [database, temporal]
