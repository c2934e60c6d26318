"""Sign-in and sign-out for the pages: a signed session cookie (Starlette SessionMiddleware, itsdangerous)
holding the user id, the CSRF token and the chosen language."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from services.api.pages.web import Csrf, PageRoute, redirect, render
from services.core.models import User
from services.core.security import verify_password
from services.core.throttle import LoginThrottle

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only paths on this site: never redirect a fresh login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "failed": False, "username": ""})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, _: Csrf) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()[:100]
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/"))
    throttle = LoginThrottle(request.app.state.sessions)  # the same limit as the API's sign-in
    address = request.client.host if request.client else "unknown"
    await throttle.check(username, address)
    async with request.app.state.sessions() as session:
        user = (await session.execute(select(User).where(User.username == username))).scalars().first()
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        await throttle.failed(username, address)
        return render(request, "login.html", {"next": target, "failed": True, "username": username},
                      status_code=401)
    await throttle.succeeded(username, address)
    lang = request.session.get("lang", "ja")
    request.session.clear()  # a new session on sign-in: nothing from before carries over
    request.session.update({"user_id": user.id, "csrf": secrets.token_urlsafe(32), "lang": lang})
    return redirect(target)


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request, _: Csrf) -> Response:
    lang = request.session.get("lang", "ja")
    request.session.clear()
    request.session["lang"] = lang
    return redirect("/login")
