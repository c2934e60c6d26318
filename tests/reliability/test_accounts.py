"""Accounts: Argon2id hashes, login throttling, token expiry, the secret key outside dev mode, security
headers on every response, CSRF on the pages, and no secret in the logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from services.core.accounts.models import User
from services.core.accounts.security import ALGORITHM, UNUSABLE_PASSWORD, create_access_token
from services.core.accounts.throttle import FAILURE_LIMIT, WINDOW, LoginThrottle, TooManyAttempts
from services.core.platform.settings import DEV_SECRET_KEY, Settings
from services.core.platform.tables import utcnow
from tests.reliability.conftest import everything_logged

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
                    "referrer-policy": "strict-origin-when-cross-origin"}


async def test_stored_passwords_are_argon2id(sessions, demo_users, make_user):
    await make_user("correct horse battery staple")
    async with sessions() as session:
        hashes = (await session.execute(select(User.username, User.password_hash))).all()
    assert len(hashes) >= len(demo_users) + 1
    # Invited people who have not set a password yet hold the unusable marker, never a password.
    hashes = [(u, h) for u, h in hashes if h != UNUSABLE_PASSWORD]
    assert all(h.startswith("$argon2id$") for _, h in hashes), [u for u, h in hashes if not h.startswith("$argon2id$")]
    assert not any("tokku-demo" in h for _, h in hashes)


async def login(http, username: str, password: str):
    return await http.post("/api/v1/auth/token", data={"username": username, "password": password})


async def test_login_is_throttled_after_repeated_failures(http, make_user, sessions, caplog):
    user = await make_user("the-right-one")
    bystander = await make_user("the-right-one")
    caplog.set_level(logging.INFO)
    for attempt in range(FAILURE_LIMIT):
        assert (await login(http, user.username, f"guess-{attempt}")).status_code == 401
    locked = await login(http, user.username, "guess-again")
    assert locked.status_code == 429, locked.text
    retry_after = int(locked.headers["retry-after"])
    assert 0 < retry_after <= WINDOW.total_seconds()
    detail = locked.json()["detail"]
    assert detail["code"] == "too_many_attempts" and "minute" in detail["message"] and "ログイン" in detail["message_ja"]
    # Even the right password waits: the guesser cannot learn it is right.
    assert (await login(http, user.username, "the-right-one")).status_code == 429
    # The web sign-in counts the same failures (one limit for both doors).
    page = await http.get("/login", params={"lang": "ja"})  # the shared client may have chosen English before
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    by_page = await http.post("/login", data={"username": user.username, "password": "the-right-one",
                                              "csrf_token": csrf})
    assert by_page.status_code == 429 and "ログイン" in by_page.text
    # Another account from the same address is not affected.
    assert (await login(http, bystander.username, "the-right-one")).status_code == 200
    # Once the window has passed, the account signs in again.
    throttle = LoginThrottle(sessions)
    await throttle.check(user.username, "127.0.0.1", now=utcnow() + WINDOW + timedelta(seconds=1))
    with pytest.raises(TooManyAttempts):
        await throttle.check(user.username, "127.0.0.1")
    refused = [r for r in caplog.records if r.name == "tokku.security" and getattr(r, "username", None) == user.username]
    assert len([r for r in refused if "wrong username or password" in r.getMessage()]) == FAILURE_LIMIT
    assert [r for r in refused if "throttled" in r.getMessage()]


async def test_success_clears_the_failures(http, make_user):
    user = await make_user("pw-1234567")
    for _ in range(FAILURE_LIMIT - 1):
        assert (await login(http, user.username, "wrong")).status_code == 401
    assert (await login(http, user.username, "pw-1234567")).status_code == 200
    for _ in range(FAILURE_LIMIT - 1):  # a fresh count: not locked after one more failure
        assert (await login(http, user.username, "wrong")).status_code == 401


async def test_expired_and_forged_tokens_are_refused(http, settings, demo_users):
    user = demo_users["applicant1"]
    fresh = create_access_token(settings, user_id=user.id, role=user.role)
    assert (await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200
    expired = create_access_token(settings.model_copy(update={"access_token_minutes": -1}), user_id=user.id,
                                  role=user.role)
    answer = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401 and answer.json()["detail"]["message_ja"]
    other_key = jwt.encode({"sub": str(user.id), "exp": utcnow() + timedelta(hours=1)}, "x" * 40, algorithm=ALGORITHM)
    unsigned = jwt.encode({"sub": str(user.id), "exp": utcnow() + timedelta(hours=1)}, None, algorithm="none")
    no_expiry = jwt.encode({"sub": str(user.id)}, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)
    for token in (other_key, unsigned, no_expiry):
        assert (await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


def test_secret_key_must_be_set_outside_dev_mode(monkeypatch):
    monkeypatch.delenv("TOKKU_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="TOKKU_SECRET_KEY"):
        Settings(mode="production", _env_file=None)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(mode="production", secret_key="short-but-not-default", _env_file=None)
    monkeypatch.setenv("TOKKU_MODE", "production")
    monkeypatch.setenv("TOKKU_SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)
    monkeypatch.setenv("TOKKU_SECRET_KEY", "k" * 48)
    assert Settings(_env_file=None).secret_key.get_secret_value() == "k" * 48


@pytest.mark.parametrize("method, path", [
    ("GET", "/healthz"), ("GET", "/login"), ("GET", "/static/app.css"), ("GET", "/api/v1/applications"),
    ("GET", "/api/v1/no-such-thing"), ("POST", "/api/v1/auth/token"), ("GET", "/openapi.json"), ("GET", "/"),
])
async def test_security_headers_on_every_response(http, method, path):
    response = await http.request(method, path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, response.status_code, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_signed_in_json_and_pages_carry_the_headers(as_user, http):
    answer = await (await as_user("applicant1")).get("/applications")
    assert answer.status_code == 200 and answer.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in answer.headers  # plain http here; set when behind https


async def test_pages_refuse_posts_without_the_csrf_token(http, api_url):
    import httpx

    async with httpx.AsyncClient(base_url=api_url) as browser:
        page = await browser.get("/login")
        assert 'name="csrf_token"' in page.text
        forged = await browser.post("/login", data={"username": "applicant1", "password": "tokku-demo"})
        assert forged.status_code == 403
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        signed_in = await browser.post("/login", data={"username": "applicant1", "password": "tokku-demo",
                                                       "csrf_token": csrf})
        assert signed_in.status_code == 303
        # Signed in, a state-changing page request without the token is still refused, and writes nothing.
        listed = await browser.get("/applications")
        assert listed.status_code == 200
        refused = await browser.post("/applications/new", data={"project_name": "CSRFで作られた申請"})
        assert refused.status_code == 403
        assert "CSRFで作られた申請" not in (await browser.get("/applications")).text


async def test_no_secret_in_the_logs(http, settings, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    password = "Sup3r-Secret-Passw0rd!"
    user = await make_user(password)
    ok = await login(http, user.username, password)
    token = ok.json()["access_token"]
    await login(http, user.username, password + "-wrong")
    await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}x"})
    logged = everything_logged(caplog.records)
    assert user.username in logged  # the drill was logged …
    for secret in (password, password + "-wrong", token, settings.secret_key.get_secret_value(), "tokku-demo"):
        assert secret not in logged  # … without any secret
