"""User management pages: a company administrator's colleagues (/company/users) and the operator's officials
(/operator/users). Disabling and handing over the administrator role each ask for a confirmation first."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.deps import get_colleagues, get_operator, get_sessions
from services.api.pages.account_forms import field_errors, posted
from services.api.pages.i18n import Translator
from services.api.pages.web import (
    Csrf,
    PageRoute,
    PageUser,
    client_address,
    flash,
    flash_text,
    language,
    redirect,
    render,
)
from services.core.accounts.colleagues import ColleagueService, require_company_admin, user_not_found
from services.core.accounts.models import Organization, User
from services.core.accounts.officials import OperatorService, require_operator
from services.core.accounts.schemas import ColleagueInvite, OfficialCreate
from services.core.platform.exceptions import DomainError
from workflows.contracts import Government

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OFFICIAL_ROLES = ("local_official", "secretariat", "national_official", "admin")


@dataclass
class Row:
    user: User
    organization: str = ""


def _colleagues(request: Request) -> ColleagueService:
    return get_colleagues(request)


def _operator(request: Request) -> OperatorService:
    return get_operator(request)


async def _company_page(request: Request, user: User, values: dict, errors: dict, status_code: int = 200):
    t = Translator(language(request))
    rows = [Row(u) for u in await _colleagues(request).users(user)]
    return render(request, "users.html", {
        "heading": t("company_users"), "rows": rows, "base": "/company/users", "operator": False,
        "form_heading": t("invite_colleague"), "form_button": t("send_invitation"), "values": values,
        "errors": errors}, user=user, status_code=status_code)


async def _operator_page(request: Request, user: User, values: dict, errors: dict, status_code: int = 200):
    t = Translator(language(request))
    rows = [Row(u, o.name) for u, o in await _operator(request).users(user)]
    return render(request, "users.html", {
        "heading": t("all_users"), "rows": rows, "base": "/operator/users", "operator": True,
        "form_heading": t("provision_official"), "form_button": t("send_invitation"), "values": values,
        "errors": errors, "official_roles": OFFICIAL_ROLES, "governments": list(Government)},
        user=user, status_code=status_code)


@router.get("/company/users", response_class=HTMLResponse)
async def company_users(request: Request, user: PageUser) -> Response:
    return await _company_page(request, user, {}, {})


@router.post("/company/users", response_class=HTMLResponse)
async def invite(request: Request, user: PageUser, _: Csrf) -> Response:
    values = await posted(request, "display_name", "email")
    try:
        await _colleagues(request).invite(user, ColleagueInvite.model_validate(values),
                                          client_ip=client_address(request))
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code == 403:
            raise
        status = error.status_code if isinstance(error, DomainError) else 422
        return await _company_page(request, user, values, field_errors(request, error), status)
    flash(request, "invited")
    return redirect("/company/users")


@router.get("/operator/users", response_class=HTMLResponse)
async def operator_users(request: Request, user: PageUser) -> Response:
    return await _operator_page(request, user, {"role": "local_official"}, {})


@router.post("/operator/users", response_class=HTMLResponse)
async def provision(request: Request, user: PageUser, _: Csrf) -> Response:
    values = await posted(request, "display_name", "email", "role", "government")
    try:
        form = OfficialCreate.model_validate({**values, "government": values["government"] or None})
        _, sent = await _operator(request).provision(user, form, client_ip=client_address(request))
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code == 403:
            raise
        status = error.status_code if isinstance(error, DomainError) else 422
        errors = field_errors(request, error)
        if "_form" in errors and isinstance(error, ValidationError):  # the role/government rule: shown at government
            errors["government"] = errors.pop("_form")
        return await _operator_page(request, user, values, errors, status)
    ja, en = Translator("ja"), Translator("en")
    flash_text(request, ja("provisioned", url=sent.url), en("provisioned", url=sent.url))
    return redirect("/operator/users")


# --- confirmations -----------------------------------------------------------------------------------------

ACTIONS = {  # action → (heading, text, button, done message)
    "disable": ("confirm_disable", "confirm_disable_text", "do_disable", "user_disabled"),
    "hand-over-admin": ("confirm_hand_over", "confirm_hand_over_text", "do_hand_over", "admin_handed_over"),
}


async def _target(request: Request, user: User, base: str, user_id: int) -> User:
    if base == "/operator/users":
        require_operator(user)
    else:
        require_company_admin(user)
    async with get_sessions(request)() as session:
        target = await session.get(User, user_id)
        organization = await session.get(Organization, target.organization_id) if target else None
    if target is None or organization is None or (base == "/company/users"
                                                  and target.organization_id != user.organization_id):
        raise user_not_found()
    return target


def _confirm_page(request: Request, user: User, target: User, base: str, action: str, *, missing: bool = False,
                  error: str | None = None, status_code: int = 200):
    t = Translator(language(request))
    heading, text, button, _ = ACTIONS[action]
    return render(request, "confirm_user.html", {
        "heading": t(heading), "text": t(text, name=target.display_name, username=target.username),
        "button": t(button), "target": target, "action": f"{base}/{target.id}/{action}", "back": base,
        "missing": missing, "error": error}, user=user, status_code=status_code)


def _routes(base: str, actions: tuple[str, ...]) -> None:
    for action in actions:
        def make(action: str = action):
            async def confirm_form(request: Request, user_id: int, user: PageUser) -> Response:
                target = await _target(request, user, base, user_id)
                return _confirm_page(request, user, target, base, action)

            async def confirmed(request: Request, user_id: int, user: PageUser, _: Csrf) -> Response:
                target = await _target(request, user, base, user_id)
                values = await posted(request, "confirmed", "confirm_username")
                if values["confirmed"] != "yes":
                    return _confirm_page(request, user, target, base, action, missing=True, status_code=422)
                try:
                    if base == "/operator/users":
                        await _operator(request).disable(user, user_id, values["confirm_username"],
                                                         client_ip=client_address(request))
                    elif action == "disable":
                        await _colleagues(request).disable(user, user_id, values["confirm_username"],
                                                           client_ip=client_address(request))
                    else:
                        await _colleagues(request).hand_over(user, user_id, values["confirm_username"],
                                                             client_ip=client_address(request))
                except DomainError as error:
                    if error.status_code in (403, 404):
                        raise
                    message = field_errors(request, error)
                    return _confirm_page(request, user, target, base, action, status_code=error.status_code,
                                         error=next(iter(message.values()))[0])
                flash(request, ACTIONS[action][3])
                return redirect(base)

            router.add_api_route(f"{base}/{{user_id}}/{action}", confirm_form, methods=["GET"],
                                 response_class=HTMLResponse)
            router.add_api_route(f"{base}/{{user_id}}/{action}", confirmed, methods=["POST"],
                                 response_class=HTMLResponse)
        make()


_routes("/company/users", ("disable", "hand-over-admin"))
_routes("/operator/users", ("disable",))
