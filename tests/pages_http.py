"""The pages as a browser without JavaScript uses them: a cookie session signed in through the login form, and
the CSRF token each form carries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from services.dev.demo_seed import DEMO_PASSWORD


def csrf_of(page: httpx.Response) -> str:
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


async def page_session(api_url: str, username: str) -> httpx.AsyncClient:
    """A client signed in as `username` (a demo account) through the login form; the caller closes it."""
    client = httpx.AsyncClient(base_url=api_url, timeout=60)
    login = await client.get("/login")
    signed_in = await client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                                  "csrf_token": csrf_of(login)})
    assert signed_in.status_code == 303, signed_in.text
    return client


@asynccontextmanager
async def signed_in_pages(api_url: str, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """`page_session`, closed on the way out."""
    client = await page_session(api_url, username)
    try:
        yield client
    finally:
        await client.aclose()
