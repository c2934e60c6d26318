"""The zone's area on the form (issue #12): shown as the address is typed (htmx, the API's own check), a
refusal listing the areas of the address's city, and the same answer without JavaScript when saving."""

from __future__ import annotations

from playwright.async_api import expect

from services.core.zone.addresses import zone_data
from tests.e2e.pages import application_id_from, field

YOKOHAMA_AREAS = [area.name for area in zone_data().areas if area.city == "横浜市"]


async def test_the_area_is_shown_as_the_address_is_typed(sign_in, screenshots):
    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("KSP での研究開発")
    check = page.locator("#f-business-area-check")

    await field(page, "f) 事業実施場所").fill("〒213-0012 川崎市高津区坂戸三丁目2番1号 かながわサイエンスパークR&D C棟")
    await expect(check).to_contain_text("区域: かながわサイエンスパーク（KSP）（川崎市）")
    await expect(check.locator(".zone-check.ok")).to_have_attribute("data-zone-area", "ksp")
    await check.scroll_into_view_if_needed()
    await page.screenshot(path=str(screenshots / "zone-ksp-recognised.png"))

    await field(page, "f) 事業実施場所").fill("横浜市西区南幸1-1-1")  # Yokohama station, west exit
    await expect(check).to_contain_text("区域外")
    await expect(check).to_contain_text("近い区域: みなとみらい区域（みなとみらい21）")
    for name in YOKOHAMA_AREAS:  # the refusal lists the areas of the city the address is in
        await expect(check.locator(".zone-city-areas")).to_contain_text(name)
    await page.screenshot(path=str(screenshots / "zone-yokohama-station-refused.png"))

    # The save answers in the same words, next to the field, and keeps what was typed.
    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.locator("#f-business-area-field .error")).to_contain_text("事業実施場所は特区の区域外です")
    await expect(field(page, "f) 事業実施場所")).to_have_value("横浜市西区南幸1-1-1")


async def test_without_javascript_the_save_shows_the_area_next_to_the_field(sign_in, screenshots):
    applicant = await sign_in("applicant1", javascript=False)
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("THINK での事業（JavaScript なし）")
    await field(page, "f) 事業実施場所").fill("神奈川県川崎市川崎区南渡田町１番１号 THINK")
    await expect(page.locator("#f-business-area-check")).to_be_empty()  # nothing checks while typing
    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.get_by_role("status").filter(has_text="下書きを保存しました")).to_be_visible()
    await expect(page.locator("#f-business-area-check")).to_contain_text("THINK（テクノハブイノベーション川崎）")

    # An address at an unconfirmed boundary is kept in the draft, with the reason it cannot be submitted.
    await field(page, "f) 事業実施場所").fill("横浜市港北区新横浜2丁目")
    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.get_by_role("status").filter(has_text="下書きを保存しました")).to_be_visible()
    check = page.locator("#f-business-area-check")
    await expect(check).to_contain_text("提出できません")
    await expect(check).to_contain_text("新横浜区域")
    await check.scroll_into_view_if_needed()
    await page.screenshot(path=str(screenshots / "zone-unconfirmed-kept-in-draft.png"))

    await field(page, "f) 事業実施場所").fill("神奈川県川崎市川崎区南渡田町１番１号 THINK")
    await page.get_by_role("button", name="下書き保存").click()
    await applicant.goto(f"/applications/{application_id_from(page.url)}")
    await expect(page.locator("dl.facts")).to_contain_text("THINK（テクノハブイノベーション川崎）")
