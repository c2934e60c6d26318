"""The database engine and sessions (async SQLAlchemy; SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    # WAL lets the API and the worker write side by side without 'database is locked'.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


_BLOCKING_SESSIONS: dict[str, sessionmaker[Session]] = {}
BLOCKING_CONNECTIONS = 10  # per process: the pool below (5 + 5 overflow) and as many threads
# Threads of their own: a transaction waiting for SQLite's write lock must not hold up the other work a process
# runs in threads (password hashing in the API, for one).
_BLOCKING_THREADS = ThreadPoolExecutor(max_workers=BLOCKING_CONNECTIONS, thread_name_prefix="db-blocking")


def _blocking_session_factory(engine: AsyncEngine) -> sessionmaker[Session]:
    """Plain (blocking) sessions on the same database as `engine`, for a whole transaction run in one thread.

    Through the async driver every statement is a hop between the event loop and the driver's thread (two
    wake-ups of the loop); a short transaction of several statements costs about twice the CPU that way
    (docs/performance.md). One engine per database URL and process.
    """
    url = engine.url.render_as_string(hide_password=False)
    factory = _BLOCKING_SESSIONS.get(url)
    if factory is None:
        if url.startswith("sqlite"):
            blocking = sa_create_engine(sync_url(url), connect_args={"timeout": 30}, pool_size=5, max_overflow=5)
            event.listen(blocking, "connect", _sqlite_pragmas)
        else:
            blocking = sa_create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        factory = _BLOCKING_SESSIONS.setdefault(url, sessionmaker(blocking, expire_on_commit=False))
    return factory


async def in_blocking_session(sessions: async_sessionmaker[AsyncSession], work: Callable[[Session], T]) -> T:
    """`work(session)` in one of the blocking threads, with a blocking session on the database of `sessions`,
    closed after (work commits what it writes)."""
    factory = _blocking_session_factory(sessions.kw["bind"])

    def run() -> T:
        with factory() as session:
            return work(session)

    return await asyncio.get_running_loop().run_in_executor(_BLOCKING_THREADS, run)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session


def sync_url(url: str) -> str:
    """The same database for Alembic, which runs synchronously."""
    return url.replace("sqlite+aiosqlite", "sqlite")
