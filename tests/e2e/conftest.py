"""Browser fixtures: Debian's Chromium driven by Playwright (async, in the session's event loop) against the
real service the session fixtures of tests/conftest.py start (uvicorn API + pages, Temporal dev server,
database, worker). Never `playwright install`: the system Chromium is used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from services.core.seed import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/ensure-system-packages (Debian package chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Actor:
    """One person in their own browser context (own cookies), signed in through the login page."""

    def __init__(self, context: BrowserContext, page: Page, base_url: str, username: str) -> None:
        self.context = context
        self.page = page
        self.base_url = base_url
        self.username = username

    async def goto(self, path: str):
        return await self.page.goto(self.base_url + path)

    async def login(self, *, on_current_page: bool = False) -> None:
        if not on_current_page:
            await self.goto("/login")
        await self.page.get_by_label("ユーザー名").fill(self.username)
        await self.page.get_by_label("パスワード").fill(DEMO_PASSWORD)
        await self.page.get_by_role("button", name="ログイン").click()
        await self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"{self.username} could not sign in"

    async def logout(self) -> None:
        await self.page.get_by_role("button", name="ログアウト").click()
        await self.page.wait_for_url("**/login")


@pytest.fixture
async def sign_in(browser: Browser, api_url: str):
    """`await sign_in("kawasaki1")` → an Actor signed in, in a fresh context; closed after the test."""
    contexts: list[BrowserContext] = []

    async def open_as(username: str, *, javascript: bool = True) -> Actor:
        context = await browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900},
                                            java_script_enabled=javascript)
        context.set_default_timeout(15_000)
        contexts.append(context)
        actor = Actor(context, await context.new_page(), api_url, username)
        await actor.login()
        return actor

    yield open_as
    for context in contexts:
        await context.close()
