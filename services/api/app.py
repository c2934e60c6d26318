"""The FastAPI application: one Temporal client and one database engine per process (lifespan)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from services.api import health
from services.api.errors import install_error_handlers
from services.api.middleware import BodyGuardMiddleware, SecurityMiddleware
from services.api.openapi_errors import document_errors
from services.api.pages import install_pages
from services.api.request_context import RequestContextMiddleware
from services.api.routers import (
    accounts,
    applications,
    auth,
    documents,
    evaluation,
    follow_up,
    loans,
    notifications,
    plan_changes,
    register,
    rounds,
    zone,
)
from services.core.council.service import prepare_council
from services.core.platform.db import create_engine, session_factory
from services.core.platform.settings import Settings, get_settings
from services.core.platform.temporal_client import connect
from services.core.zone.plan import cached_plan

log = logging.getLogger("tokku.api")


# Idle connections stay open longer than a client's or a proxy's idle timeout (60 s on common balancers; httpx's
# pool 5 s), so a client never sends a request on a connection uvicorn is just closing (a reset, not an answer).
KEEP_ALIVE_SECONDS = 75


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.resolved_database_url)
        temporal = await connect(settings)
        # What every request shares; services/api/deps.py builds the services over these.
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.temporal = temporal
        try:  # reference data, written once here (and by `tokku migrate`) so no read writes
            async with app.state.sessions() as session:
                await prepare_council(session, cached_plan(settings.seed_plan_path))
        except (SQLAlchemyError, OSError) as error:  # the database is not there yet: /readyz says so
            log.warning("the plan's council could not be loaded at start-up (%s); `tokku migrate` loads it",
                        type(error).__name__)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="tokku", version="0.1.0", lifespan=lifespan,
                  description="特区指定申請 — designation applications for International Strategic Comprehensive "
                              "Special Zones, run as durable Temporal workflows.")
    install_error_handlers(app)
    # Innermost first: bad bodies are refused before any route; every answer gets the security headers.
    app.add_middleware(BodyGuardMiddleware, upload_limit=settings.attachment_max_bytes)
    app.add_middleware(SecurityMiddleware, https=settings.public_base_url.startswith("https://"))
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    app.include_router(auth.router, prefix="/api/v1")
    app.include_router(applications.router, prefix="/api/v1")
    app.include_router(follow_up.router, prefix="/api/v1")
    app.include_router(notifications.router, prefix="/api/v1")
    app.include_router(rounds.router, prefix="/api/v1")
    app.include_router(plan_changes.router, prefix="/api/v1")
    app.include_router(documents.router, prefix="/api/v1")
    app.include_router(zone.router, prefix="/api/v1")
    for accounts_router in (accounts.public, accounts.company, accounts.operator):
        app.include_router(accounts_router, prefix="/api/v1")
    app.include_router(register.router, prefix="/api/v1")
    app.include_router(evaluation.router, prefix="/api/v1")
    app.include_router(loans.router, prefix="/api/v1")

    install_pages(app, settings)  # the web pages: login, forms, inbox, dashboard (services/api/pages)
    document_errors(app)  # every refusal's shape in the OpenAPI schema

    return app
