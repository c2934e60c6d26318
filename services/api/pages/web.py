"""What every page shares: templates, the signed-in user from the session cookie, CSRF tokens, and one
route class that turns domain errors into HTML pages (the JSON API keeps its own handler)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.routing import Match

from services.api.deps import Sessions
from services.api.pages.i18n import (
    ASSET_CLASS_LABELS,
    CHANGE_KIND_LABELS,
    CHANGE_STATUS_LABELS,
    COUNCIL_METHOD_LABELS,
    DEADLINE_KIND_LABELS,
    EVENT_KIND_LABELS,
    LANGUAGES,
    MEASURE_LABELS,
    OUTCOME_LABELS,
    VERSION_BASIS_LABELS,
    Translator,
    peoples_words,
)
from services.core.accounts.models import User
from services.core.accounts.sessions import session_is_current
from services.core.platform.exceptions import DomainError
from workflows.jpdates import to_japanese_era

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
JAPAN = ZoneInfo("Asia/Tokyo")  # officials and companies read dates in Japan time

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


class LoginRequired(Exception):
    """The page needs a signed-in user: answered with a redirect to the login page."""


class CsrfRefused(Exception):
    """A form without the session's CSRF token: answered with 403 and a message in both languages."""


# --- session: language, user, CSRF -------------------------------------------------------------------------


def language(request: Request) -> str:
    """?lang=en|ja switches and remembers the choice in the session; Japanese by default."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
    return request.session.get("lang", "ja")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def require_csrf(request: Request) -> None:
    """Every state-changing page request carries the session's token (form field or X-CSRF-Token header)."""
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if not sent:
        form = await request.form()
        sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()


async def page_user(request: Request, sessions: Sessions) -> User:
    user_id = request.session.get("user_id")
    if user_id is None:
        raise LoginRequired()
    async with sessions() as session:
        user = await session.get(User, user_id)
    if not session_is_current(user, request.session.get("ver", 0)):  # disabled, or signed out everywhere
        request.session.pop("user_id", None)
        raise LoginRequired()
    return user


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


PageUser = Annotated[User, Depends(page_user)]
Csrf = Annotated[None, Depends(require_csrf)]


def flash(request: Request, key: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    request.session.setdefault("flash", []).append({"key": key, "kind": kind})


def flash_text(request: Request, text_ja: str, text_en: str, kind: str = "ok") -> None:
    """A one-time message given in both languages (a domain error's own words)."""
    request.session.setdefault("flash", []).append({"ja": text_ja, "en": text_en, "kind": kind})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- rendering ------------------------------------------------------------------------------------------


def local_datetime(value: datetime | None) -> str:
    return value.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M") if value else "—"


def local_date(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(JAPAN).date()
    return value.isoformat()


def days_left(value: datetime | None) -> int | None:
    if value is None:
        return None
    return (value.astimezone(JAPAN).date() - datetime.now(JAPAN).date()).days


def era(value: str | date | None) -> str:
    if not value:
        return ""
    try:
        return to_japanese_era(value if isinstance(value, date) else date.fromisoformat(str(value)))
    except ValueError:
        return ""


def typed_date(value: str | date | None, typed: str | None = None) -> str:
    """A date as it was typed, the other form beside: 令和4年9月1日（2022-09-01）, or 2022-09-01（令和4年9月1日）."""
    if not value:
        return "—"
    iso = value.isoformat() if isinstance(value, date) else str(value)
    if typed:
        return f"{typed}（{iso}）"
    japanese = era(iso)
    return f"{iso}（{japanese}）" if japanese else iso


templates.env.filters.update(local_datetime=local_datetime, local_date=local_date, era=era,
                             outcome_label=lambda outcome, t: t.pick(OUTCOME_LABELS, outcome))
templates.env.globals.update(days_left=days_left, typed_date=typed_date, measure_labels=MEASURE_LABELS, asset_class_labels=ASSET_CLASS_LABELS,
                             outcome_labels=OUTCOME_LABELS, method_labels=COUNCIL_METHOD_LABELS,
                             event_kind_labels=EVENT_KIND_LABELS, deadline_kind_labels=DEADLINE_KIND_LABELS,
                             change_kind_labels=CHANGE_KIND_LABELS, change_status_labels=CHANGE_STATUS_LABELS,
                             version_basis_labels=VERSION_BASIS_LABELS)


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           user: User | None = None) -> HTMLResponse:
    lang = language(request)
    t = Translator(lang)
    base = {
        "request": request,
        "lang": lang,
        "t": t,
        "user": user,
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "path": request.url.path,
        "other_lang_url": _with_lang(request, "en" if lang == "ja" else "ja"),
    }
    return templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status_code)


def _with_lang(request: Request, lang: str) -> str:
    if request.method != "GET":  # a refused form re-rendered at its POST address: switch on the form's page
        return (page_for(request.app, request.url.path) or "/") + f"?lang={lang}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
    return request.url.path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in params)


def page_for(app, path: str) -> str | None:
    """The page a POST-only address belongs to: the address itself when it has a GET page, else the nearest
    parent that has one (/applications/7/decisions → /applications/7). None outside the pages."""
    if path.startswith(("/api/", "/static/")):
        return None
    candidate = path.rstrip("/") or "/"
    while True:
        scope = {"type": "http", "method": "GET", "path": candidate, "root_path": ""}
        for route in app.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return candidate
        if candidate == "/":
            return None
        candidate = candidate.rsplit("/", 1)[0] or "/"


def error_page(request: Request, status_code: int, message_ja: str, message_en: str) -> HTMLResponse:
    return render(request, "error.html", {"status_code": status_code, "message_ja": message_ja,
                                          "message_en": message_en}, status_code=status_code)


class PageRoute(APIRoute):
    """Domain errors, a missing login and a refused CSRF token become pages a person can act on."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if request.method == "GET":
                    return redirect(f"/login?next={quote(str(request.url.path))}")
                return error_page(request, 401, "ログインしてください", "Please sign in first")
            except CsrfRefused:
                t = Translator("ja"), Translator("en")
                return error_page(request, 403, t[0]("csrf_refused"), t[1]("csrf_refused"))
            except DomainError as error:
                return error_page(request, error.status_code, error.message_ja, peoples_words(error.message))
            except RequestValidationError:
                # A form the pages did not send (an edited address, a stale page): what to do, not which key.
                return error_page(request, 422, "送信された内容を読み取れませんでした。ページを再読み込みしてやり直してください",
                                  "The form sent could not be read: reload the page and try again")

        return page_handler
