"""Helpers of the account tests: fresh companies and addresses per test, and the flows through the JSON API."""

from __future__ import annotations

import uuid

import httpx

from services.dev.demo_seed import demo_corporate_number

STRONG_PASSWORD = "Tsurumi-Kawasaki 2026 ferry!"


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_company() -> dict[str, str]:
    tag = fresh("co")
    return {"corporate_number": demo_corporate_number(tag), "company_name": f"株式会社テスト{tag[-4:]}",
            "address": "神奈川県川崎市川崎区殿町3丁目25番", "email": f"{tag}@example.test", "display_name": "登録 太郎"}


def with_wrong_check_digit(corporate_number: str) -> str:
    """The same number with another check digit (the first one, 1-9): always invalid.

    Changing a later digit by one is not enough: the check sums digits modulo 9, so 9 → 0 keeps it valid."""
    check = int(corporate_number[0])
    return str(check % 9 + 1) + corporate_number[1:]


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


async def sign_up(http: httpx.AsyncClient, mail_api, company: dict | None = None) -> tuple[dict, str]:
    """A verified company through the API: (its form, its administrator's bearer token)."""
    company = company or new_company()
    answer = await http.post(f"{mail_api.url}/api/v1/accounts/signup", json=company)
    assert answer.status_code == 202, answer.text
    link = await mail_api.mailbox.link(company["email"], "/signup/verify")
    verified = await http.post(f"{mail_api.url}/api/v1/accounts/signup/verify",
                               json={"token": token_of(link), "password": STRONG_PASSWORD})
    assert verified.status_code == 201, verified.text
    return company, verified.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def password_token(http: httpx.AsyncClient, base: str, username: str, password: str = STRONG_PASSWORD,
                         otp: str | None = None) -> httpx.Response:
    data = {"username": username, "password": password} | ({"otp": otp} if otp else {})
    return await http.post(f"{base}/api/v1/auth/token", data=data)
