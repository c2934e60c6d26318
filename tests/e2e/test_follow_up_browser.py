"""Follow-up in the browser: the company reports an acquisition and files its annual report; the official
confirms and extends a deadline. A refused form keeps everything typed."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from tests.factories import TODAY
from tests.follow_up.helpers import api_to_follow_up


async def test_reports_review_and_extension(as_user, sign_in, screenshots):
    application = await api_to_follow_up(as_user)
    page_path = f"/applications/{application['id']}"

    company = await sign_in("applicant1")
    await company.goto(page_path)
    page = company.page
    form = page.get_by_role("form", name="設備の取得を報告する")
    await form.get_by_label("資産の種類").select_option(label="機械・装置")
    await form.get_by_label("設備の名称・型式").fill("ペプチド合成装置 PS-3000")
    await form.get_by_label("取得価額（円）").fill("5,000,000")
    await form.get_by_label("取得日").fill("令和9年13月1日")  # no 13th month
    await form.get_by_label("事業の用に供した日（供用開始日）").fill((TODAY + timedelta(days=20)).isoformat())
    await form.get_by_label("設置場所").fill("神奈川県川崎市川崎区殿町三丁目25番23号")
    await form.get_by_role("button", name="報告する").click()
    await page.wait_for_load_state()
    form = page.get_by_role("form", name="設備の取得を報告する")
    await expect(form.get_by_label("設備の名称・型式")).to_have_value("ペプチド合成装置 PS-3000")
    await expect(form.get_by_label("取得価額（円）")).to_have_value("5,000,000")
    await expect(form.get_by_label("取得日")).to_have_value("令和9年13月1日")
    await expect(form.locator("#acquisition-acquired_on-error")).to_contain_text("令和9年13月1日")

    # Dates after today are refused next to their fields: a report tells what has happened.
    await form.get_by_label("取得日").fill((TODAY + timedelta(days=10)).isoformat())
    await form.get_by_role("button", name="報告する").click()
    await page.wait_for_load_state()
    form = page.get_by_role("form", name="設備の取得を報告する")
    await expect(form.locator("#acquisition-acquired_on-error")).to_contain_text("取得・供用開始の後に報告してください")
    await expect(form.locator("#acquisition-in_service_on-error")).to_contain_text("供用開始日")
    await expect(form.get_by_label("設備の名称・型式")).to_have_value("ペプチド合成装置 PS-3000")
    await form.screenshot(path=str(screenshots / "follow-up-acquisition-dated-ahead.png"))

    await form.get_by_label("取得日").fill(TODAY.isoformat())
    await form.get_by_label("事業の用に供した日（供用開始日）").fill(TODAY.isoformat())
    await form.get_by_role("button", name="報告する").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("alert").first).to_contain_text("下限 20,000,000円")
    reports = page.locator("#follow-up table.reports").first
    await expect(reports).to_contain_text("ペプチド合成装置 PS-3000")
    await expect(reports).to_contain_text("確認待ち")

    annual = page.get_by_role("form", name="事業実施状況報告を提出する")
    await annual.get_by_label("投資額（累計・円）").fill("5,000,000")
    await annual.get_by_label("従業員数").fill("42")
    await annual.get_by_label("国際共同治験数（当年度）").fill("2")
    await annual.get_by_label("研修等の参加者数（当年度）").fill("130")
    await annual.get_by_label("データサイエンスを活用している").check()
    await annual.get_by_role("button", name="報告する").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("status").first).to_contain_text("事業実施状況報告を受け付けました")

    official = await sign_in("kawasaki1")
    await official.goto(page_path)
    await official.page.get_by_role("button", name="確認 #").first.click()
    await official.page.wait_for_load_state()
    await expect(official.page.locator("#follow-up table.reports").first).to_contain_text("確認済み")
    extend = official.page.get_by_role("form", name="期限の延長:").first
    await extend.get_by_label("新しい期限").fill((TODAY + timedelta(days=400)).isoformat())
    await extend.get_by_label("延長の理由").fill("建屋工事の遅延のため")
    await extend.get_by_role("button", name="期限を延長").click()
    await official.page.wait_for_load_state()
    await expect(official.page.get_by_role("status").first).to_contain_text("期限を延長しました")
    await official.page.screenshot(path=str(screenshots / "follow-up.png"), full_page=True)

    events = (await (await as_user("applicant1")).get(page_path)).json()["events"]
    kinds = [e["kind"] for e in events]
    assert kinds[-4:] == ["acquisition_reported", "annual_report_filed", "acquisition_reviewed", "deadline_extended"]
