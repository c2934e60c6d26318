"""Server-rendered pages for companies and officials (Jinja2 + htmx, every page works without JavaScript).

`install_pages(app, settings)` adds the session cookie, the static files and the page routes.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from services.api.pages import (
    accounts,
    applications,
    auth,
    dashboard,
    documents,
    evaluation,
    follow_up,
    inbox,
    loans,
    oidc,
    plan_changes,
    register,
    users,
)
from services.api.pages.web import STATIC_DIR, page_for, redirect
from services.core.platform.settings import Settings

SESSION_MAX_AGE = 8 * 60 * 60  # a working day; the cookie is signed with the secret key


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key.get_secret_value(),
                       session_cookie="tokku_session", max_age=SESSION_MAX_AGE, same_site="lax",
                       https_only=settings.mode == "production")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (auth, oidc, accounts, users, applications, follow_up, inbox, dashboard, evaluation, register,
                   loans, plan_changes, documents):
        app.include_router(module.router)

    @app.exception_handler(StarletteHTTPException)
    async def _get_of_a_form_address(request: Request, error: StarletteHTTPException):
        """A reload or a typed address of a form's POST address (after a refused form) opens the form's page
        instead of a bare 405."""
        if error.status_code == 405 and request.method == "GET":
            page = page_for(request.app, request.url.path)
            if page and page != request.url.path:
                query = request.url.query
                return redirect(page + (f"?{query}" if query else ""))
        return await http_exception_handler(request, error)
