"""Browser fixtures: Debian's Chromium driven by Playwright (async, in the session's event loop) against the
real service the session fixtures of tests/conftest.py start (uvicorn API + pages, Temporal dev server,
database, worker). Never `playwright install`: the system Chromium is used."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from pydantic import SecretStr

from services.api.app import KEEP_ALIVE_SECONDS, create_app
from services.core.platform.settings import Settings
from services.dev.demo_seed import DEMO_PASSWORD, demo_corporate_number
from services.dev.temporal_dev import free_port
from tests.oidc_provider import OidcProvider

ROOT = Path(__file__).resolve().parents[2]
README_SCREENSHOTS = ROOT / "docs" / "screenshots"  # refreshed only by scripts/screenshots
# Test runs write their screenshots to an ignored folder, so a run leaves `git status` clean.
SCREENSHOTS = Path(os.environ.get("TOKKU_SCREENSHOTS_DIR") or ROOT / "tests" / "artifacts" / "screenshots")
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


# --- OpenID Connect: a real provider (tests/oidc_provider.py) and an API process configured for it -------------

OIDC_CLIENT, OIDC_SECRET = "tokku", "tokku-test-client-secret-0123456789"
OTHER_CLIENT, OTHER_SECRET = "another-service", "another-test-client-secret-9876543210"
NEW_COMPANY_NUMBER = demo_corporate_number("OpenID Connect で初めて来た会社")
PROVIDER_ACCOUNTS = {  # login name typed on the provider's page → the claims it vouches for
    "known-person": {"email": "applicant1@example.test", "email_verified": True, "name": "ペプチドリーム 申請担当",
                     "corporate_number": demo_corporate_number("ペプチドリーム株式会社")},
    "new-company-person": {"email": "founder@new-company.example", "email_verified": True, "name": "新規 次郎",
                           "corporate_number": NEW_COMPANY_NUMBER, "corporate_name": "株式会社はじめて"},
    "stranger": {"email": "stranger@example.test", "email_verified": True, "name": "部外 者",
                 "corporate_number": demo_corporate_number("ペプチドリーム株式会社")},
}


@dataclass
class OidcSetup:
    url: str  # tokku, configured for the provider
    provider: OidcProvider
    settings: Settings


@pytest.fixture(scope="session")
async def oidc_api(settings: Settings, api_url: str, run_dir: Path) -> AsyncIterator[OidcSetup]:
    provider_port, port = free_port(), free_port()
    callback = f"http://127.0.0.1:{port}/login/oidc/callback"
    clients = [{"client_id": OIDC_CLIENT, "client_secret": OIDC_SECRET, "redirect_uris": [callback]},
               {"client_id": OTHER_CLIENT, "client_secret": OTHER_SECRET,
                "redirect_uris": ["http://127.0.0.1:9/elsewhere/callback"]}]
    provider = OidcProvider(provider_port, clients, PROVIDER_ACCOUNTS, run_dir / "oidc-provider.log")
    await asyncio.to_thread(provider.start)
    configured = settings.model_copy(update={
        "api_port": port, "public_base_url": f"http://127.0.0.1:{port}", "oidc_issuer": provider.issuer,
        "oidc_client_id": OIDC_CLIENT, "oidc_client_secret": SecretStr(OIDC_SECRET),
        "oidc_scopes": "openid email profile corporate"})
    server = uvicorn.Server(uvicorn.Config(create_app(configured), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_keep_alive=KEEP_ALIVE_SECONDS))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield OidcSetup(f"http://127.0.0.1:{port}", provider, configured)
    server.should_exit = True
    await task
    provider.stop()
