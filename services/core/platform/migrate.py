"""Schema migrations (Alembic), configured in code so no alembic.ini has to be found on disk."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from services.core.platform.db import sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger("tokku.migrate")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def wait_for_database(database_url: str, timeout_seconds: float) -> None:
    """Return once the database accepts a connection; raise after `timeout_seconds` (the one-shot migrate
    container starts together with PostgreSQL and must not fail while it is still initialising)."""
    if database_url.startswith("sqlite"):
        return  # a file: nothing to wait for (upgrade creates its directory)
    engine = create_engine(sync_url(database_url))
    deadline = time.monotonic() + timeout_seconds
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except Exception as error:
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"the database did not answer within {timeout_seconds:g}s: {error}") from error
                log.info("waiting for the database: %s", str(error).strip().splitlines()[0] if str(error) else error)
                time.sleep(1.0)
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Upgrade to every head: features add their tables on branches from the initial schema."""
    if database_url.startswith("sqlite"):
        Path(database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
