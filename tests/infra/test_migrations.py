"""Alembic migrations work the same on SQLite and PostgreSQL: upgrade every branch to its head, downgrade to
base, upgrade again; the migrated schema is what the models describe, with the naming conventions."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from services.core.platform.db import sync_url
from services.core.platform.migrate import downgrade, upgrade
from services.core.platform.table_registry import metadata

CONVENTION_PREFIXES = {"pk": "pk_", "fk": "fk_", "uq": "uq_", "ix": "ix_"}


def tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def schema_drift(url: str) -> list:
    """What autogenerate would write next: empty when the migrations match the models."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def unconventional_names(url: str) -> list[str]:
    engine = create_engine(sync_url(url))
    odd = []
    try:
        inspector = inspect(engine)
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            names = [("pk", inspector.get_pk_constraint(table).get("name"))]
            names += [("fk", fk["name"]) for fk in inspector.get_foreign_keys(table)]
            names += [("uq", uq["name"]) for uq in inspector.get_unique_constraints(table)]
            names += [("ix", ix["name"]) for ix in inspector.get_indexes(table) if not ix.get("unique")]
            odd += [f"{table}: {kind} {name}" for kind, name in names
                    if name is not None and not name.startswith(CONVENTION_PREFIXES[kind])]
    finally:
        engine.dispose()
    return odd


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    return request.getfixturevalue("scratch_postgres")("migrations")


async def test_upgrade_downgrade_upgrade(empty_database):
    url = empty_database
    await asyncio.to_thread(upgrade, url)
    model_tables = set(metadata.tables)  # complete now: Alembic's env.py imported every model module
    assert tables(url) == model_tables
    assert schema_drift(url) == []
    if url.startswith("postgresql"):  # SQLite reflects no names for some constraints
        assert unconventional_names(url) == []

    await asyncio.to_thread(downgrade, url, "base")
    assert tables(url) == set()

    await asyncio.to_thread(upgrade, url)
    assert tables(url) == model_tables
    assert schema_drift(url) == []
