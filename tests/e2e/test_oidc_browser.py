"""Acceptance 3 of issue 17: OpenID Connect sign-in against a real provider (oidc-provider on Node, started on
loopback): a known company's user lands on their applications; an unknown corporate number lands on sign-up
with the verified values; a wrong `state`, a wrong audience or an expired ID token is refused."""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from services.core.accounts.oidc import LEEWAY_SECONDS, OidcRefused, OidcService
from tests.e2e.conftest import NEW_COMPANY_NUMBER, OIDC_CLIENT, OIDC_SECRET, OTHER_CLIENT, OTHER_SECRET


async def sign_in_at_provider(page: Page, login: str) -> None:
    """The provider's own login and consent pages (its development interactions)."""
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill("any password the provider accepts")
    await page.get_by_role("button", name="Sign-in").click()
    await page.get_by_role("button", name="Continue").click()


async def new_page(browser) -> Page:
    context = await browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return await context.new_page()


async def test_known_company_user_lands_on_their_applications(browser, oidc_api, screenshots):
    page = await new_page(browser)
    await page.goto(oidc_api.url + "/login")
    await page.get_by_role("link", name="gBizIDでログイン").click()
    await page.wait_for_url(f"{oidc_api.provider.issuer}/**")
    await sign_in_at_provider(page, "known-person")
    await page.wait_for_url(f"{oidc_api.url}/applications")
    await expect(page.get_by_role("heading", name="申請一覧")).to_be_visible()
    await expect(page.get_by_text("ログイン中: ペプチドリーム 申請担当")).to_be_visible()
    await page.screenshot(path=str(screenshots / "oidc-signed-in.png"))
    await page.context.close()


async def test_unknown_corporate_number_lands_on_signup_with_verified_values(browser, oidc_api, screenshots):
    page = await new_page(browser)
    await page.goto(oidc_api.url + "/login/oidc")
    await sign_in_at_provider(page, "new-company-person")
    await page.wait_for_url(f"{oidc_api.url}/signup")
    await expect(page.get_by_label("法人番号")).to_have_value(NEW_COMPANY_NUMBER)
    await expect(page.get_by_label("法人番号")).not_to_be_editable()
    await expect(page.get_by_label("法人名")).to_have_value("株式会社はじめて")
    await expect(page.get_by_label("メールアドレス")).to_have_value("founder@new-company.example")
    await expect(page.get_by_label("氏名（表示名）")).to_have_value("新規 次郎")
    await expect(page.get_by_role("status")).to_contain_text("gBizIDで確認された内容を入力済みです")
    await page.screenshot(path=str(screenshots / "oidc-signup.png"))
    await page.context.close()


async def test_a_known_company_without_the_person_is_told_whom_to_ask(browser, oidc_api):
    page = await new_page(browser)
    await page.goto(oidc_api.url + "/login/oidc")
    await sign_in_at_provider(page, "stranger")
    await expect(page.get_by_role("heading", name="エラー 403")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("管理者に招待を依頼してください")
    await page.context.close()


async def test_a_wrong_state_is_refused(browser, oidc_api):
    page = await new_page(browser)
    authorize = await page.request.get(oidc_api.url + "/login/oidc", max_redirects=0)
    assert authorize.status == 303 and authorize.headers["location"].startswith(oidc_api.provider.issuer)
    answer = await page.goto(oidc_api.url + "/login/oidc/callback?state=forged-state&code=some-code")
    assert answer.status == 400
    await expect(page.locator("main")).to_contain_text("state")
    # The real state, but from a browser that never started this sign-in: refused too.
    state = parse_qs(urlsplit(authorize.headers["location"]).query)["state"][0]
    other = await new_page(browser)
    assert (await other.goto(f"{oidc_api.url}/login/oidc/callback?state={state}&code=some-code")).status == 400
    await page.context.close()
    await other.context.close()


async def id_token_from_provider(browser, oidc_api, client_id: str, secret: str, redirect_uri: str,
                                 nonce: str) -> str:
    """A real ID token the provider issues to `client_id` (the code is caught before it reaches anyone)."""
    page = await new_page(browser)
    caught: list[str] = []

    async def catch(route):
        caught.append(route.request.url)
        await route.fulfill(status=200, body="caught")

    await page.route(re.compile(re.escape(redirect_uri) + r"\?"), catch)
    metadata = httpx.get(f"{oidc_api.provider.issuer}/.well-known/openid-configuration").json()
    await page.goto(metadata["authorization_endpoint"] + "?" + urlencode({
        "client_id": client_id, "response_type": "code", "scope": "openid email corporate", "nonce": nonce,
        "redirect_uri": redirect_uri, "state": secrets.token_urlsafe(8)}))
    await sign_in_at_provider(page, "known-person")
    for _ in range(300):  # caught, or (when the browser follows the redirect itself) the page is there
        if not caught and page.url.startswith(redirect_uri + "?"):
            caught.append(page.url)  # tokku refuses it (no sign-in started in this browser): the code stays unused
        if caught:
            break
        await asyncio.sleep(0.05)
    assert caught, f"the provider never redirected back with a code: {page.url}"
    await page.context.close()
    code = parse_qs(urlsplit(caught[0]).query)["code"][0]
    async with httpx.AsyncClient() as http:
        token = await http.post(metadata["token_endpoint"], auth=(client_id, secret), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
    assert token.status_code == 200, token.text
    return token.json()["id_token"]


async def test_wrong_audience_and_expired_id_tokens_are_refused(browser, oidc_api, sessions):
    tokku = OidcService(sessions, oidc_api.settings)
    other_service = OidcService(sessions, oidc_api.settings.model_copy(update={"oidc_client_id": OTHER_CLIENT}))

    nonce = secrets.token_urlsafe(12)
    foreign = await id_token_from_provider(browser, oidc_api, OTHER_CLIENT, OTHER_SECRET,
                                           "http://127.0.0.1:9/elsewhere/callback", nonce)
    assert (await other_service.validate_id_token(foreign, nonce=nonce))["aud"] == OTHER_CLIENT  # a good token…
    with pytest.raises(OidcRefused, match="aud"):  # …for another service: not for tokku
        await tokku.validate_id_token(foreign, nonce=nonce)

    ours = await id_token_from_provider(browser, oidc_api, OIDC_CLIENT, OIDC_SECRET,
                                        f"{oidc_api.url}/login/oidc/callback", nonce)
    claims = await tokku.validate_id_token(ours, nonce=nonce)
    assert claims["sub"] == "known-person" and claims["aud"] == OIDC_CLIENT
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    with pytest.raises(OidcRefused, match="exp"):
        await tokku.validate_id_token(ours, nonce=nonce, now=expires + timedelta(seconds=LEEWAY_SECONDS + 1))
    with pytest.raises(OidcRefused, match="nonce"):
        await tokku.validate_id_token(ours, nonce="another-sign-in")
    tampered = ours[:-4] + ("AAAA" if not ours.endswith("AAAA") else "BBBB")
    with pytest.raises(OidcRefused):
        await tokku.validate_id_token(tampered, nonce=nonce)
