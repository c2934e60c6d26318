"""The FastAPI application: one Temporal client and one database engine per process (lifespan)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from services.api import health
from services.api.errors import install_error_handlers
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
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    app.include_router(auth.router, prefix="/api/v1")
    app.include_router(applications.router, prefix="/api/v1")
    app.include_router(follow_up.router, prefix="/api/v1")
    app.include_router(notifications.router, prefix="/api/v1")
    app.include_router(rounds.router, prefix="/api/v1")
    app.include_router(documents.router, prefix="/api/v1")
    app.include_router(zone.router, prefix="/api/v1")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return (
            "<!doctype html><html lang='ja'><meta charset='utf-8'><title>tokku 特区申請</title>"
            "<h1>tokku — 国際戦略総合特区 指定申請</h1>"
            "<p>JSON API: <a href='/docs'>/docs</a> (OpenAPI). Web pages for companies and officials are "
            "on the way; until then the API is the way in.</p></html>"
        )

    return app
