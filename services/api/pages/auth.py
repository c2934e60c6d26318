"""Sign-in and sign-out for the pages: a signed session cookie (Starlette SessionMiddleware, itsdangerous)
holding the user id, the user's token version (a bumped version ends the session), the CSRF token and the
chosen language. Where a second factor is set or required, the password step leads to the code step."""

from __future__ import annotations

import secrets
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.api.deps import get_account_sessions, get_settings_dep
from services.api.pages.account_forms import field_errors
from services.api.pages.i18n import Translator
from services.api.pages.web import Csrf, PageRoute, client_address, language, redirect, render
from services.core.accounts.errors import SignInRefused, second_factor_not_set
from services.core.accounts.models import User
from services.core.accounts.sessions import SessionService

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SECOND_FACTOR_SECONDS = 5 * 60  # the code step must follow the password step within this time


def _safe_next(target: str | None) -> str:
    """Only paths on this site: never redirect a fresh login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _sessions(request: Request) -> SessionService:
    return get_account_sessions(request)


def start_session(request: Request, user: User) -> None:
    lang = request.session.get("lang", "ja")
    request.session.clear()  # a new session on sign-in: nothing from before carries over
    request.session.update({"user_id": user.id, "ver": user.token_version, "csrf": secrets.token_urlsafe(32),
                            "lang": lang})


def begin_second_factor(request: Request, user: User, target: str) -> Response:
    """The password (or the identity provider) is right: remember who, briefly, and ask for the code."""
    lang = request.session.get("lang", "ja")
    request.session.clear()
    request.session.update({"pending_user_id": user.id, "pending_ver": user.token_version, "pending_at": time.time(),
                            "next": target, "csrf": secrets.token_urlsafe(32), "lang": lang})
    return redirect("/login/second-factor")


def _login_page(request: Request, *, target: str, username: str = "", failed: bool | str = False,
                status_code: int = 200) -> HTMLResponse:
    settings = get_settings_dep(request)
    return render(request, "login.html", {"next": target, "failed": failed, "username": username,
                                          "oidc_provider": settings.oidc_provider_name if settings.oidc_enabled
                                          else None}, status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, target=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, _: Csrf) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()[:254]
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/"))
    service = _sessions(request)
    try:
        user = await service.check_password(username, password, client_address(request))
    except SignInRefused:
        return _login_page(request, target=target, username=username, failed=True, status_code=401)
    if service.needs_second_factor(user):
        if not user.totp_secret:
            refusal = second_factor_not_set()
            return _login_page(request, target=target, username=username, status_code=403,
                               failed=Translator(language(request)).message(refusal.message_ja, refusal.message))
        return begin_second_factor(request, user, target)
    await service.check_second_factor(user, None, client_address(request))  # clears the failures
    start_session(request, user)
    return redirect(target)


async def _pending_user(request: Request) -> User | None:
    user_id, at = request.session.get("pending_user_id"), request.session.get("pending_at", 0)
    if user_id is None or time.time() - at > SECOND_FACTOR_SECONDS:
        return None
    return await _sessions(request).current(user_id, request.session.get("pending_ver", -1))


@router.get("/login/second-factor", response_class=HTMLResponse)
async def second_factor_form(request: Request) -> Response:
    if await _pending_user(request) is None:
        return redirect("/login")
    return render(request, "second_factor.html", {"errors": {}})


@router.post("/login/second-factor", response_class=HTMLResponse)
async def second_factor(request: Request, _: Csrf) -> Response:
    user = await _pending_user(request)
    if user is None:
        return redirect("/login")
    code = str((await request.form()).get("otp") or "")
    try:
        await _sessions(request).check_second_factor(user, code, client_address(request))
    except SignInRefused as refusal:
        return render(request, "second_factor.html", {"errors": {"otp": field_errors(request, refusal)["_form"]}},
                      status_code=401)
    target = _safe_next(request.session.get("next"))
    start_session(request, user)
    return redirect(target)


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request, _: Csrf) -> Response:
    lang = request.session.get("lang", "ja")
    request.session.clear()
    request.session["lang"] = lang
    return redirect("/login")
