"""The tax measure in the browser: a company typing an acquisition window past the measure's deadline is told
so on the form, as it types and when it saves; after designation, a confirmed acquisition shows both benefit
options (special depreciation or tax credit) and the credit cap, in Japanese, with no internal keys."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.e2e.pages import field, fill_application
from tests.factories import TODAY
from tests.follow_up.helpers import api_to_follow_up

INTERNAL_KEYS = re.compile(r"special_depreciation|tax_credit|basis_date|r6-reform|h30-year|provisional|"
                           r"corporate_tax_jpy|by_measure_deadline|asset_class")


async def test_window_past_the_deadline_is_refused_on_the_form(sign_in, screenshots):
    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/applications/new")
    await fill_application(page)
    # The deadline in force is printed next to the field (the session runs with the demo extension).
    await expect(page.locator("#f-acquisition-until-hint")).to_contain_text("取得期限: 2028-03-31")
    await field(page, "g) 設備取得期限").fill("令和10年4月1日")  # 2028-04-01: one day too late
    live = page.locator("#f-acquisition-until-check")
    await expect(live).to_contain_text("措置の取得期限 2028-03-31")  # told while typing, nothing sent yet
    await page.get_by_label("設備 2 取得予定日").fill("2022-08-01")  # before the business start
    item_row = page.get_by_role("row").filter(has=page.get_by_label("設備 2 取得予定日"))
    await expect(item_row.locator(".live-check")).to_contain_text("事業開始日 2022-09-01 より前です")

    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.get_by_role("alert").filter(has_text="入力内容に誤りがあります")).to_be_visible()
    error = page.locator("#f-acquisition-until-field .error")
    await expect(error).to_contain_text("g) 設備取得期限 2028-04-01")
    await expect(error).to_contain_text("措置の取得期限 2028-03-31")
    await expect(error).not_to_contain_text("acquisition deadline")  # a Japanese page speaks Japanese
    await expect(field(page, "g) 設備取得期限")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#item-1-date-error")).to_contain_text("事業開始日 2022-09-01 より前です")
    await expect(field(page, "g) 設備取得期限")).to_have_value("令和10年4月1日")  # kept as typed
    await page.screenshot(path=str(screenshots / "form-measure-deadline.png"), full_page=True)

    await field(page, "g) 設備取得期限").fill("令和10年3月31日")
    await expect(live).to_be_empty()
    await page.get_by_label("設備 2 取得予定日").fill("令和5年6月1日")
    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.get_by_role("status").filter(has_text="下書きを保存しました")).to_be_visible()


async def test_a_confirmed_acquisition_shows_both_benefit_options(as_user, sign_in, screenshots):
    application = await api_to_follow_up(as_user)
    path = f"/applications/{application['id']}"
    applicant = await as_user("applicant1")
    acquired_on = TODAY  # a report tells what has happened: not after today
    reported = await applicant.post(f"{path}/acquisitions", {
        "asset_class": "machinery", "description": "ペプチド合成装置 PS-3000", "actual_cost_jpy": 31_500_000,
        "acquired_on": acquired_on.isoformat(), "in_service_on": acquired_on.isoformat(),
        "location": "神奈川県川崎市川崎区殿町三丁目25番23号"})
    assert reported.status_code == 201 and reported.json()["tax_benefit"] is not None, reported.text

    official = await sign_in("kawasaki1")
    await official.goto(path)
    await official.page.get_by_role("button", name="確認 #").first.click()
    await official.page.wait_for_load_state()

    company = await sign_in("applicant1")
    await company.goto(path)
    page = company.page
    row = page.locator("#follow-up table.reports").first.get_by_role("row").filter(has_text="PS-3000")
    await expect(row).to_contain_text("確認済み")
    await expect(row).to_contain_text("特別償却（30%）: 9,450,000円")
    await expect(row).to_contain_text("税額控除（8%）: 2,520,000円")
    await expect(row).to_contain_text(f"指定日 {TODAY.isoformat()}")
    year = acquired_on
    fiscal_year = year.year if year.month >= 4 else year.year - 1
    totals = page.locator("table.benefits")
    await expect(totals).to_contain_text(f"{fiscal_year}年度")
    await expect(totals).to_contain_text("9,450,000円")
    await expect(totals).to_contain_text("2,520,000円")
    await expect(totals).to_contain_text("控除上限額 = その事業年度の法人税額 × 20%")
    await expect(page.locator("#follow-up")).to_contain_text("どちらか一方を設備ごとに選択")

    await page.get_by_label(f"{fiscal_year}年度の法人税額（任意・円）").fill("10,000,000")
    await page.get_by_role("button", name=f"{fiscal_year}年度の上限を計算").click()
    await page.wait_for_load_state()
    await expect(page.locator("table.benefits")).to_contain_text(
        "法人税額 10,000,000円 → 控除上限 2,000,000円、控除できる額 2,000,000円、切り捨て 520,000円")
    await expect(page.get_by_label(f"{fiscal_year}年度の法人税額（任意・円）")).to_have_value("10,000,000")
    text = await page.locator("#follow-up").inner_text()
    assert not INTERNAL_KEYS.search(text), INTERNAL_KEYS.search(text)
    await page.locator("#follow-up").screenshot(path=str(screenshots / "follow-up-tax-benefit.png"))
