"""Server-rendered pages for companies and officials (Jinja2 + htmx, every page works without JavaScript).

`install_pages(app, settings)` adds the session cookie, the static files and the page routes.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.api.pages import applications, auth, dashboard, follow_up, inbox
from services.api.pages.web import STATIC_DIR
from services.core.settings import Settings

SESSION_MAX_AGE = 8 * 60 * 60  # a working day; the cookie is signed with the secret key


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key.get_secret_value(),
                       session_cookie="tokku_session", max_age=SESSION_MAX_AGE, same_site="lax",
                       https_only=settings.mode == "production")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (auth, applications, follow_up, inbox, dashboard):
        app.include_router(module.router)
