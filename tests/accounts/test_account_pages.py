"""The account pages' own rules: who reaches which page (every new page route × role), the second-factor
step of the page sign-in (a replayed code refused), the operator's re-invitation, and the audit table that
the database keeps append-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pyotp
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from services.core.accounts.models import AccountEvent, User
from services.core.accounts.officials import OperatorService
from services.core.accounts.schemas import OfficialCreate
from services.dev.demo_seed import DEMO_PASSWORD
from tests.accounts.helpers import STRONG_PASSWORD, fresh, token_of

ROLES = ["applicant1", "applicant2", "secretariat1", "kawasaki1", "yokohama1", "kanagawa1", "cao1", "admin1"]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def page_session(base: str, username: str, password: str = DEMO_PASSWORD) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    csrf = csrf_of((await client.get("/login")).text)
    signed = await client.post("/login", data={"username": username, "password": password, "csrf_token": csrf,
                                               "next": "/"})
    assert signed.status_code == 303 and signed.headers["location"] == "/", signed.text[:300]
    return client


async def test_every_new_page_route_by_role(api_url, demo_users):
    own, other = demo_users["applicant1"].id, demo_users["applicant2"].id
    wrong = []
    for username in [None, *ROLES]:
        client = await page_session(api_url, username) if username else httpx.AsyncClient(base_url=api_url)
        role = demo_users[username].role if username else None
        company_admin = username == "applicant1"  # for applicant1's company; applicant2 is another's admin
        expected = {
            "/account": 200,
            "/company/users": 200 if role == "applicant" else 403,
            "/operator/users": 200 if role == "admin" else 403,
            f"/company/users/{own}/disable": 200 if company_admin else 404 if role == "applicant" else 403,
            f"/company/users/{other}/hand-over-admin": 404 if company_admin else 200 if username == "applicant2"
            else 403,
            f"/operator/users/{own}/disable": 200 if role == "admin" else 403,
        }
        try:
            for path, status in expected.items():
                answer = await client.get(path)
                if username is None:
                    status = 303  # to the sign-in page, coming back here after
                    ok = answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
                else:
                    ok = answer.status_code == status
                if not ok:
                    wrong.append(f"GET {path} as {username}: {answer.status_code}, expected {status}")
            # Every state-changing page refuses a form without the session's CSRF token.
            for path in ("/company/users", "/operator/users", f"/company/users/{own}/disable",
                         f"/operator/users/{own}/disable", "/account/sign-out-everywhere"):
                answer = await client.post(path, data={"confirmed": "yes", "confirm_username": "applicant1"})
                if answer.status_code not in ((403,) if username else (401, 403)):
                    wrong.append(f"POST {path} without CSRF as {username}: {answer.status_code}")
        finally:
            await client.aclose()
    assert not wrong, "\n".join(wrong)
    assert demo_users["applicant1"].is_active


async def test_page_sign_in_asks_for_the_second_factor_and_refuses_a_replay(mail_api, sessions):
    base = mail_api.url
    settings = mail_api.settings.model_copy(update={"officials_second_factor": True})
    email = f"{fresh('kanagawa')}@pref.kanagawa.example"
    _, sent = await OperatorService(sessions, settings).provision(
        "test", OfficialCreate(email=email, display_name="神奈川県 二段階", role="local_official", government="kanagawa"))
    async with httpx.AsyncClient(base_url=base, timeout=30) as browser:
        form = await browser.get(f"/invitations/accept?token={token_of(sent.url)}")
        assert form.status_code == 200 and "<svg" in form.text  # the QR code for the authenticator app
        secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', form.text).group(1)
        totp = pyotp.TOTP(secret)
        accepted = await browser.post("/invitations/accept", data={
            "csrf_token": csrf_of(form.text), "token": token_of(sent.url), "email": email, "password": STRONG_PASSWORD,
            "password_again": STRONG_PASSWORD, "otp": totp.now()})
        assert accepted.status_code == 200 and "リカバリーコード" in accepted.text
        first_code = totp.now()

    async with httpx.AsyncClient(base_url=base, timeout=30) as browser:
        login = await browser.get("/login")
        step = await browser.post("/login", data={"username": email, "password": STRONG_PASSWORD,
                                                  "csrf_token": csrf_of(login.text)})
        assert step.status_code == 303 and step.headers["location"] == "/login/second-factor"
        assert (await browser.get("/applications")).status_code == 303  # not signed in before the code
        page = await browser.get("/login/second-factor")
        replay = await browser.post("/login/second-factor", data={"otp": first_code, "csrf_token": csrf_of(page.text)})
        assert replay.status_code == 401 and "使用済み" in replay.text
        step_now = totp.timecode(datetime.now(UTC))
        fresh_code = totp.generate_otp(step_now + 1)
        passed = await browser.post("/login/second-factor", data={"otp": fresh_code, "csrf_token": csrf_of(page.text)})
        assert passed.status_code == 303 and (await browser.get("/inbox")).status_code == 200

        # Lost authenticator: the operator invites again; the second factor is removed, the session ends.
        again = await OperatorService(sessions, settings).reinvite("test", email)
        assert (await browser.get("/inbox")).status_code == 303
        assert again.url != sent.url
    async with sessions() as session:
        user = (await session.execute(select(User).where(User.username == email))).scalars().one()
        kinds = [k for k, in (await session.execute(select(AccountEvent.kind).where(
            AccountEvent.user_id == user.id).order_by(AccountEvent.id))).all()]
    assert user.totp_secret is None and user.password_hash == "!"
    assert kinds == ["invited", "invitation_accepted", "second_factor_set", "second_factor_removed", "invited"]


async def test_the_database_refuses_to_change_account_events(sessions, mail_api, http):
    await http.post(f"{mail_api.url}/api/v1/accounts/password-reset", json={"email": "applicant1@example.test"})
    async with sessions() as session:
        await session.execute(text("INSERT INTO account_events (at, kind, actor) VALUES (CURRENT_TIMESTAMP, "
                                   "'signed_out_everywhere', 'audit drill')"))
        await session.commit()
        row_id, = (await session.execute(text("SELECT max(id) FROM account_events"))).one()
    for statement in ("UPDATE account_events SET actor = 'someone else' WHERE id = :id",
                      "DELETE FROM account_events WHERE id = :id"):
        async with sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement), {"id": row_id})
            await session.rollback()
    async with sessions() as session:
        assert (await session.execute(text("SELECT actor FROM account_events WHERE id = :id"),
                                      {"id": row_id})).scalar_one() == "audit drill"


async def test_operator_page_provisions_an_official_keeping_what_was_typed(api_url, sessions):
    client = await page_session(api_url, "admin1")
    try:
        page = await client.get("/operator/users")
        email = f"{fresh('kawasaki')}@city.kawasaki.example"
        form = {"display_name": "川崎市 新任", "email": email, "role": "local_official", "government": "",
                "csrf_token": csrf_of(page.text)}
        refused = await client.post("/operator/users", data=form)
        assert refused.status_code == 422
        assert re.search(r'id="f-government-error">.*自治体職員には自治体を指定してください', refused.text, re.S)
        assert f'value="{email}"' in refused.text and 'value="川崎市 新任"' in refused.text  # kept as typed
        done = await client.post("/operator/users", data={**form, "government": "kawasaki"})
        assert done.status_code == 303
        listed = await client.get("/operator/users")
        assert "/invitations/accept?token=" in listed.text and email in listed.text and "招待中" in listed.text
    finally:
        await client.aclose()
    async with sessions() as session:
        user = (await session.execute(select(User).where(User.username == email))).scalars().one()
    assert (user.role, user.government, user.password_hash) == ("local_official", "kawasaki", "!")
