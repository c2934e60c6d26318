"""The FastAPI application: one Temporal client and one database engine per process (lifespan)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.api import health
from services.api.errors import install_error_handlers
from services.api.middleware import BodyGuardMiddleware, SecurityMiddleware
from services.api.openapi_errors import document_errors
from services.api.pages import install_pages
from services.api.request_context import RequestContextMiddleware
from services.api.routers import applications, auth, follow_up, notifications
from services.api.routers import documents, rounds, zone
from services.core.applications import ApplicationService
from services.core.follow_up import FollowUpService
from services.core.db import create_engine, session_factory
from services.core.settings import Settings, get_settings
from services.core.temporal import connect


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.resolved_database_url)
        temporal = await connect(settings)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.applications = ApplicationService(app.state.sessions, temporal, settings)
        app.state.follow_up = FollowUpService(app.state.applications)
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
    app.include_router(documents.router, prefix="/api/v1")
    app.include_router(zone.router, prefix="/api/v1")

    install_pages(app, settings)  # the web pages: login, forms, inbox, dashboard (services/api/pages)
    document_errors(app)  # every refusal's shape in the OpenAPI schema

    return app
