"""Account pages anyone reaches from the sign-in page or a mailed link — company sign-up and its
verification, accepting an invitation (with the second factor where one is needed), password reset — and
the signed-in person's own account page (sign-out everywhere). Every rule is services/core/accounts'."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.deps import (
    get_account_sessions,
    get_invitations,
    get_password_resets,
    get_sessions,
    get_settings_dep,
    get_signups,
)
from services.api.pages.account_forms import field_errors, posted
from services.api.pages.auth import start_session
from services.api.pages.i18n import Translator
from services.api.pages.web import Csrf, PageRoute, PageUser, client_address, flash, language, redirect, render
from services.core.accounts.models import Organization
from services.core.accounts.schemas import InvitationAccept, PasswordResetRequest, SignupCreate
from services.core.accounts.second_factor import qr_svg
from services.core.platform.exceptions import DomainError

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SIGNUP_FIELDS = ("corporate_number", "company_name", "address", "display_name", "email")
OIDC_SIGNUP = "oidc_signup"  # what the OpenID Connect provider verified, for the sign-up form (services/api/pages/oidc.py)


def _t(request: Request) -> Translator:
    return Translator(language(request))


def _passwords_match(request: Request, values: dict[str, str]) -> dict[str, list[str]]:
    if values["password"] != values["password_again"]:
        return {"password_again": [_t(request)("passwords_differ")]}
    return {}


# --- sign-up ------------------------------------------------------------------------------------------------


@router.get("/signup", response_class=HTMLResponse)
async def signup_form(request: Request) -> Response:
    verified = request.session.get(OIDC_SIGNUP) or {}
    settings = get_settings_dep(request)
    return render(request, "signup.html", {"values": verified, "errors": {},
                                           "prefilled": settings.oidc_provider_name if verified else None})


@router.post("/signup", response_class=HTMLResponse)
async def signup(request: Request, _: Csrf) -> Response:
    values = await posted(request, *SIGNUP_FIELDS)
    verified = request.session.get(OIDC_SIGNUP) or {}
    values.update({k: v for k, v in verified.items() if k in ("corporate_number", "email") and v})  # as verified
    settings = get_settings_dep(request)
    try:
        form = SignupCreate.model_validate(values)
        await get_signups(request).request(form, client_ip=client_address(request))
    except (ValidationError, DomainError) as error:
        status = error.status_code if isinstance(error, DomainError) else 422
        return render(request, "signup.html", {"values": values, "errors": field_errors(request, error),
                                               "prefilled": settings.oidc_provider_name if verified else None},
                      status_code=status)
    request.session.pop(OIDC_SIGNUP, None)
    t = _t(request)
    return render(request, "message.html", {"heading": t("signup_sent"),
                                            "text": t("signup_sent_text", email=form.email,
                                                      hours=f"{settings.signup_link_hours:g}")})


def _verify_page(request: Request, token: str, email: str, company: str, errors: dict, status_code: int = 200):
    t = _t(request)
    return render(request, "set_password.html", {
        "heading": t("signup_verify"), "intro": f"{company} — {email}", "action": "/signup/verify",
        "token": token, "show_email": email, "values": {}, "errors": errors, "submit": t("set_password")},
        status_code=status_code)


@router.get("/signup/verify", response_class=HTMLResponse)
async def signup_verify_form(request: Request, token: str = "") -> Response:
    pending = await get_signups(request).pending(token)
    return _verify_page(request, token, pending.email, pending.company.company_name, {})


@router.post("/signup/verify", response_class=HTMLResponse)
async def signup_verify(request: Request, _: Csrf) -> Response:
    values = await posted(request, "token", "password", "password_again")
    service = get_signups(request)
    pending = await service.pending(values["token"])  # an unusable link: the error page says why
    errors = _passwords_match(request, values)
    if not errors:
        try:
            user = await service.verify(values["token"], values["password"], client_ip=client_address(request))
        except DomainError as error:
            errors = field_errors(request, error)
            status = error.status_code
        else:
            start_session(request, user)
            flash(request, "signed_up")
            return redirect("/applications")
    else:
        status = 422
    return _verify_page(request, values["token"], pending.email, pending.company.company_name, errors, status)


# --- invitations --------------------------------------------------------------------------------------------


async def _invitation_page(request: Request, token: str, values: dict, errors: dict, status_code: int = 200):
    info = await get_invitations(request).info(token)
    t = _t(request)
    return render(request, "set_password.html", {
        "heading": t("invitation"), "intro": t("invitation_intro", organization=info.organization,
                                               name=info.display_name),
        "action": "/invitations/accept", "token": token, "ask_email": True, "values": values, "errors": errors,
        "submit": t("accept_invitation"), "totp_uri": info.totp_uri, "totp_secret": info.totp_secret,
        "totp_qr": qr_svg(info.totp_uri) if info.totp_uri else None}, status_code=status_code)


@router.get("/invitations/accept", response_class=HTMLResponse)
async def invitation_form(request: Request, token: str = "") -> Response:
    return await _invitation_page(request, token, {}, {})


@router.post("/invitations/accept", response_class=HTMLResponse)
async def accept_invitation(request: Request, _: Csrf) -> Response:
    values = await posted(request, "token", "email", "password", "password_again", "otp")
    errors = _passwords_match(request, values)
    status = 422
    if not errors:
        try:
            form = InvitationAccept.model_validate({k: values[k] for k in ("token", "email", "password")}
                                                   | {"otp": values["otp"] or None})
            user, codes = await get_invitations(request).accept(
                form, client_ip=client_address(request))
        except (ValidationError, DomainError) as error:
            if isinstance(error, DomainError) and error.status_code in (404, 410):
                raise  # the link itself is unusable: the error page says why
            errors = field_errors(request, error)
            status = error.status_code if isinstance(error, DomainError) else 422
        else:
            start_session(request, user)
            if codes:
                return render(request, "recovery_codes.html", {"codes": codes}, user=user)
            flash(request, "welcome")
            return redirect("/")
    return await _invitation_page(request, values["token"], {"email": values["email"]}, errors, status)


# --- password reset ----------------------------------------------------------------------------------------


@router.get("/password-reset", response_class=HTMLResponse)
async def reset_form(request: Request) -> Response:
    return render(request, "password_reset.html", {"values": {}, "errors": {}})


@router.post("/password-reset", response_class=HTMLResponse)
async def request_reset(request: Request, _: Csrf, background: BackgroundTasks) -> Response:
    values = await posted(request, "email")
    settings = get_settings_dep(request)
    service = get_password_resets(request)
    try:
        form = PasswordResetRequest.model_validate(values)
        await service.count_request(form.email)
    except (ValidationError, DomainError) as error:
        status = error.status_code if isinstance(error, DomainError) else 422
        return render(request, "password_reset.html", {"values": values, "errors": field_errors(request, error)},
                      status_code=status)
    background.add_task(service.send_link, form.email, client_ip=client_address(request))  # same time either way
    t = _t(request)
    return render(request, "message.html", {"heading": t("password_reset"),
                                            "text": t("reset_sent", minutes=f"{settings.password_reset_minutes:g}")})


def _reset_page(request: Request, token: str, email: str, errors: dict, status_code: int = 200):
    t = _t(request)
    return render(request, "set_password.html", {
        "heading": t("password_reset"), "action": "/password-reset/confirm", "token": token, "show_email": email,
        "values": {}, "errors": errors, "submit": t("set_password")}, status_code=status_code)


@router.get("/password-reset/confirm", response_class=HTMLResponse)
async def reset_confirm_form(request: Request, token: str = "") -> Response:
    email = await get_password_resets(request).check(token)
    return _reset_page(request, token, email, {})


@router.post("/password-reset/confirm", response_class=HTMLResponse)
async def reset_confirm(request: Request, _: Csrf) -> Response:
    values = await posted(request, "token", "password", "password_again")
    service = get_password_resets(request)
    email = await service.check(values["token"])
    errors = _passwords_match(request, values)
    status = 422
    if not errors:
        try:
            await service.reset(values["token"], values["password"], client_ip=client_address(request))
        except DomainError as error:
            errors, status = field_errors(request, error), error.status_code
        else:
            lang = request.session.get("lang", "ja")
            request.session.clear()
            request.session["lang"] = lang
            flash(request, "password_changed")
            return redirect("/login")
    return _reset_page(request, values["token"], email, errors, status)


# --- my account --------------------------------------------------------------------------------------------


@router.get("/account", response_class=HTMLResponse)
async def account(request: Request, user: PageUser) -> Response:
    async with get_sessions(request)() as session:
        organization = await session.get(Organization, user.organization_id)
    return render(request, "account.html", {"organization": organization}, user=user)


@router.post("/account/sign-out-everywhere", response_class=HTMLResponse)
async def sign_out_everywhere(request: Request, user: PageUser, _: Csrf) -> Response:
    await get_account_sessions(request).sign_out_everywhere(
        user, client_ip=client_address(request))
    lang = request.session.get("lang", "ja")
    request.session.clear()
    request.session["lang"] = lang
    flash(request, "signed_out_everywhere")
    return redirect("/login")
