"""Company accounts over the API: sign-up verified by a single-use link from the mail, colleagues invited
and disabled by the administrator, sessions ended at once — and every bad link, address or number refused
with a clear 4xx that changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from services.core.accounts.models import AccountEvent, AccountLink, Organization, User
from services.core.platform.tables import utcnow
from tests.accounts.helpers import (
    STRONG_PASSWORD,
    bearer,
    fresh,
    new_company,
    password_token,
    sign_up,
    token_of,
)


async def count(sessions, model, *where) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_sign_up_verify_invite_and_disable(http, mail_api, sessions):
    base = mail_api.url
    company, admin_token = await sign_up(http, mail_api)
    me = (await http.get(f"{base}/api/v1/auth/me", headers=bearer(admin_token))).json()
    assert me["role"] == "applicant" and me["username"] == company["email"]
    draft = await http.post(f"{base}/api/v1/applications", json={"project_name": "同僚に見える下書き"},
                            headers=bearer(admin_token))
    assert draft.status_code == 201, draft.text

    colleague = f"{fresh('colleague')}@example.test"
    invited = await http.post(f"{base}/api/v1/company/invitations", headers=bearer(admin_token),
                              json={"email": colleague, "display_name": "同僚 花子"})
    assert invited.status_code == 202, invited.text
    token = token_of(await mail_api.mailbox.link(colleague, "/invitations/accept"))
    info = (await http.post(f"{base}/api/v1/accounts/invitations/lookup", json={"token": token})).json()
    assert info["organization"] == company["company_name"] and info["second_factor"] is False
    # The link is for the colleague's address: typed with another, it is refused and stays usable.
    other = await http.post(f"{base}/api/v1/accounts/invitations/accept",
                            json={"token": token, "email": "someone.else@example.test", "password": STRONG_PASSWORD})
    assert other.status_code == 403 and other.json()["detail"]["code"] == "link_other_address"
    weak = await http.post(f"{base}/api/v1/accounts/invitations/accept",
                           json={"token": token, "email": colleague, "password": "password1234"})
    assert weak.status_code == 422 and weak.json()["detail"]["errors"][0]["field"] == "password"
    accepted = await http.post(f"{base}/api/v1/accounts/invitations/accept",
                               json={"token": token, "email": colleague, "password": STRONG_PASSWORD})
    assert accepted.status_code == 200, accepted.text
    colleague_token = accepted.json()["access_token"]
    again = await http.post(f"{base}/api/v1/accounts/invitations/accept",
                            json={"token": token, "email": colleague, "password": STRONG_PASSWORD})
    assert again.status_code == 410 and again.json()["detail"]["code"] == "link_used"

    listed = (await http.get(f"{base}/api/v1/applications", headers=bearer(colleague_token))).json()
    assert draft.json()["id"] in [item["id"] for item in listed["items"]]  # the company's draft

    users = (await http.get(f"{base}/api/v1/company/users", headers=bearer(admin_token))).json()
    colleague_id = next(u["id"] for u in users if u["username"] == colleague)
    admin_id = next(u["id"] for u in users if u["username"] == company["email"])
    # A colleague is no administrator; the last administrator cannot disable themselves.
    assert (await http.get(f"{base}/api/v1/company/users", headers=bearer(colleague_token))).status_code == 403
    last = await http.post(f"{base}/api/v1/company/users/{admin_id}/disable", headers=bearer(admin_token),
                           json={"confirm_username": company["email"]})
    assert last.status_code == 409 and last.json()["detail"]["code"] == "last_admin"
    unconfirmed = await http.post(f"{base}/api/v1/company/users/{colleague_id}/disable", headers=bearer(admin_token),
                                  json={"confirm_username": "not-them"})
    assert unconfirmed.status_code == 422
    assert (await http.get(f"{base}/api/v1/auth/me", headers=bearer(colleague_token))).status_code == 200

    disabled = await http.post(f"{base}/api/v1/company/users/{colleague_id}/disable", headers=bearer(admin_token),
                               json={"confirm_username": colleague})
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    # At once, on both API processes (each reads the user's state from the database).
    for url in (base, str(http.base_url).rstrip("/")):
        assert (await http.get(f"{url}/api/v1/applications", headers=bearer(colleague_token))).status_code == 401
    assert (await password_token(http, base, colleague)).status_code == 401

    # The audit: who did what, the sign-up request before the company existed included.
    events = await _events(sessions, company)
    assert [(e.kind, e.actor) for e in events] == [
        ("signup_requested", "visitor"), ("signup_verified", company["email"]), ("invited", company["email"]),
        ("invitation_accepted", colleague), ("disabled", company["email"])]


async def _events(sessions, company: dict) -> list[AccountEvent]:
    async with sessions() as session:
        organization_id = (await session.execute(select(User.organization_id).where(
            User.username == company["email"]))).scalar_one()
        return list((await session.execute(select(AccountEvent).where(
            (AccountEvent.organization_id == organization_id)
            | AccountEvent.detail.contains(company["corporate_number"])).order_by(AccountEvent.id))).scalars())


async def test_signup_refusals_change_nothing(http, mail_api, sessions):
    base = mail_api.url
    company, _ = await sign_up(http, mail_api)
    organisations = await count(sessions, Organization)
    links = await count(sessions, AccountLink)
    malformed = await http.post(f"{base}/api/v1/accounts/signup", json={**new_company(), "corporate_number": "1234567890123"})
    assert malformed.status_code == 422 and "法人番号" in malformed.text
    taken = await http.post(f"{base}/api/v1/accounts/signup", json={**new_company(),
                                                                   "corporate_number": company["corporate_number"]})
    assert taken.status_code == 409 and taken.json()["detail"]["code"] == "corporate_number_taken"
    assert "administrator" in taken.json()["detail"]["message"] and company["email"] not in taken.text
    forged = await http.post(f"{base}/api/v1/accounts/signup/verify", json={"token": "forged-token",
                                                                           "password": STRONG_PASSWORD})
    assert forged.status_code == 404 and forged.json()["detail"]["code"] == "link_not_found"
    assert (await count(sessions, Organization), await count(sessions, AccountLink)) == (organisations, links)

    # An expired link is refused and creates nothing; a used one too.
    late = new_company()
    assert (await http.post(f"{base}/api/v1/accounts/signup", json=late)).status_code == 202
    late_token = token_of(await mail_api.mailbox.link(late["email"], "/signup/verify"))
    async with sessions() as session:
        await session.execute(update(AccountLink).where(AccountLink.email == late["email"])
                              .values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    expired = await http.post(f"{base}/api/v1/accounts/signup/verify", json={"token": late_token,
                                                                            "password": STRONG_PASSWORD})
    assert expired.status_code == 410 and expired.json()["detail"]["code"] == "link_expired"
    assert await count(sessions, Organization, Organization.corporate_number == late["corporate_number"]) == 0


async def test_invitation_to_a_disabled_company_is_refused(http, mail_api, sessions):
    from services.core.accounts.officials import OperatorService

    base = mail_api.url
    company, admin_token = await sign_up(http, mail_api)
    colleague = f"{fresh('late')}@example.test"
    assert (await http.post(f"{base}/api/v1/company/invitations", headers=bearer(admin_token),
                            json={"email": colleague, "display_name": "遅い 同僚"})).status_code == 202
    token = token_of(await mail_api.mailbox.link(colleague, "/invitations/accept"))
    await OperatorService(sessions, mail_api.settings).disable_company("test", company["corporate_number"])
    refused = await http.post(f"{base}/api/v1/accounts/invitations/accept",
                              json={"token": token, "email": colleague, "password": STRONG_PASSWORD})
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "company_disabled"
    assert (await http.get(f"{base}/api/v1/auth/me", headers=bearer(admin_token))).status_code == 401
    assert (await password_token(http, base, company["email"])).status_code == 401
    async with sessions() as session:
        invited = (await session.execute(select(User).where(User.username == colleague))).scalars().one()
    assert invited.password_hash == "!"  # nothing changed


async def test_password_reset_answers_the_same_and_ends_sessions(http, mail_api):
    base = mail_api.url
    company, admin_token = await sign_up(http, mail_api)
    unknown = await http.post(f"{base}/api/v1/accounts/password-reset", json={"email": "nobody@example.test"})
    known = await http.post(f"{base}/api/v1/accounts/password-reset", json={"email": company["email"]})
    assert unknown.status_code == known.status_code == 202 and unknown.json() == known.json()
    token = token_of(await mail_api.mailbox.link(company["email"], "/password-reset/confirm"))
    new_password = "Minato-Mirai harbour lights 88"
    done = await http.post(f"{base}/api/v1/accounts/password-reset/confirm",
                           json={"token": token, "password": new_password})
    assert done.status_code == 200, done.text
    assert (await http.get(f"{base}/api/v1/auth/me", headers=bearer(admin_token))).status_code == 401
    assert (await password_token(http, base, company["email"])).status_code == 401
    assert (await password_token(http, base, company["email"], new_password)).status_code == 200
    reused = await http.post(f"{base}/api/v1/accounts/password-reset/confirm",
                             json={"token": token, "password": "Another long passphrase 2027"})
    assert reused.status_code == 410
    assert mail_api.mailbox.to("nobody@example.test") == []


async def test_sign_out_everywhere_ends_every_token(http, mail_api):
    base = mail_api.url
    company, first = await sign_up(http, mail_api)
    second = (await password_token(http, base, company["email"])).json()["access_token"]
    assert (await http.post(f"{base}/api/v1/auth/sign-out-everywhere", headers=bearer(first))).status_code == 204
    for token in (first, second):
        assert (await http.get(f"{base}/api/v1/auth/me", headers=bearer(token))).status_code == 401
    assert (await password_token(http, base, company["email"])).status_code == 200
