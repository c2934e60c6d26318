"""OpenID Connect sign-in pages: /login/oidc sends the browser to the provider (state, nonce and the PKCE
verifier kept in the signed session); /login/oidc/callback checks them, signs the person in or starts the
sign-up with what the provider verified. Refusals are pages in both languages (services/core/accounts/oidc.py)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.api.deps import get_account_sessions, get_oidc, get_settings_dep
from services.api.pages.accounts import OIDC_SIGNUP
from services.api.pages.auth import begin_second_factor, start_session
from services.api.pages.web import PageRoute, client_address, error_page, redirect
from services.core.accounts.oidc import OidcService

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PENDING = "oidc_pending"


def _service(request: Request) -> OidcService:
    return get_oidc(request)


def _redirect_uri(request: Request) -> str:
    return get_settings_dep(request).public_base_url.rstrip("/") + "/login/oidc/callback"


@router.get("/login/oidc", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    authorization = await _service(request).authorization_request(_redirect_uri(request))
    request.session[PENDING] = {"state": authorization.state, "nonce": authorization.nonce,
                                "verifier": authorization.code_verifier}
    return RedirectResponse(authorization.url, status_code=303)


@router.get("/login/oidc/callback", response_class=HTMLResponse)
async def callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    pending = request.session.pop(PENDING, None)
    if not pending or not state or not hmac.compare_digest(state.encode(), str(pending.get("state")).encode()):
        return error_page(request, 400, "ログインの要求が一致しません（state）。ログイン画面からやり直してください",
                          "The sign-in does not match the one this browser started (state): start again from the "
                          "sign-in page")
    if error or not code:
        return error_page(request, 401, "外部IDのサービスがログインを受け付けませんでした",
                          f"The identity provider did not sign you in ({error or 'no code'})")
    service = _service(request)
    identity = await service.identity(code, _redirect_uri(request), nonce=pending["nonce"],
                                      code_verifier=pending["verifier"])
    outcome = await service.sign_in(identity, client_ip=client_address(request))
    if outcome.signup is not None:
        request.session[OIDC_SIGNUP] = outcome.signup
        return redirect("/signup")
    user = outcome.user
    sessions = get_account_sessions(request)
    if sessions.needs_second_factor(user):  # the provider's sign-in does not replace a second factor set here
        return begin_second_factor(request, user, "/applications")
    start_session(request, user)
    return redirect("/applications")
