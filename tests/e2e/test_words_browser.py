"""Words people read (issue 20), in the browser from an empty session: a refused form speaks the page's
language next to each field (never pydantic's "Field required" or "Input should be …", never the workflow's
"the intake_review/return decision is missing …"), the timeline and the extension form name deadlines and
equipment in words (never "report_id", "deadlines_met acquisition:item:11" or "annual:2027"), and a date typed
as 和暦 stays 和暦 with the ISO date beside it."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import expect

from tests.e2e.pages import application_id_from, council_agreement_without_its_dates, field
from tests.factories import TODAY
from tests.follow_up.helpers import api_to_follow_up

DEVELOPER_WORDS = re.compile(r"Field required|Value error|Input should|decision is missing|report_id|deadlines_met|"
                             r"equipment_item_id|acquisition:item|planned:item|annual:\d{4}|intake_review|"
                             r"'machinery'|tax_incentive")


async def test_a_refused_application_speaks_the_page_language(sign_in, api_url):
    company = await sign_in("applicant1")
    page = company.page
    await company.goto("/applications/new")
    await field(page, "事業名").fill("言葉の確認")
    await field(page, "郵便番号").fill("12")
    await field(page, "g) 事業開始日").fill("令和4年9月1日")
    await page.get_by_label("設備 1 設備の内容").fill("装置")
    await page.get_by_label("設備 1 取得予定価額（円）").fill("たくさん")
    await page.get_by_role("button", name="提出する").click()
    await page.wait_for_load_state()
    main = page.locator("main")
    await expect(page.locator("#f-applicant-postal-code-field .error")).to_have_text("郵便番号「12」は7桁で入力してください")
    await expect(page.locator("#item-0-cost-error")).to_contain_text("整数で入力してください")
    await expect(page.locator("#item-0-asset-class-error")).to_contain_text("一覧から選択してください")
    assert not DEVELOPER_WORDS.search(await main.inner_text())
    assert "postal code" not in await main.inner_text()

    await field(page, "郵便番号").fill("210-0821")
    await page.get_by_label("設備 1 資産の種類").select_option(label="機械・装置")
    await page.get_by_label("設備 1 取得予定価額（円）").fill("1,000,000")
    await page.get_by_role("button", name="下書き保存").click()
    await page.wait_for_url("**/edit")
    await expect(field(page, "g) 事業開始日")).to_have_value("令和4年9月1日")  # 和暦 stays 和暦
    application_id = application_id_from(page.url)
    await company.goto(f"/applications/{application_id}")
    await expect(page.locator("main")).to_contain_text("令和4年9月1日（2022-09-01）")

    await company.goto(f"/applications/{application_id}/edit?lang=en")
    await field(page, "Postal code").fill("12")
    await page.get_by_role("button", name="Submit").click()
    await page.wait_for_load_state()
    await expect(page.locator("#f-applicant-postal-code-field .error")).to_have_text("postal code '12' must have 7 digits")
    text = await page.locator("main").inner_text()
    assert not DEVELOPER_WORDS.search(text)
    assert "入力してください" not in text and "郵便番号「12」" not in text


async def test_a_refused_decision_speaks_japanese(sign_in, as_user):
    page = await council_agreement_without_its_dates(sign_in, as_user, "言葉の確認（判断）")
    decision = page.locator("#decision")
    await expect(decision.get_by_role("alert").first).to_contain_text("判断に必要な項目が不足しているか、誤りがあります")
    await expect(decision.locator("p.error").first).to_contain_text("入力してください")
    assert not DEVELOPER_WORDS.search(await page.locator("main").inner_text())


async def test_timeline_and_extension_name_deadlines_in_words(sign_in, as_user):
    designated = await api_to_follow_up(as_user, project_name="言葉の確認（フォローアップ）", equipment_items=[
        {"asset_class": "machinery", "description": "ペプチド合成装置一式", "planned_cost_jpy": 30_000_000,
         "planned_acquisition_on": (TODAY + timedelta(days=120)).isoformat()}])
    applicant = await as_user("applicant1")
    deadlines = (await applicant.get(f"/applications/{designated['id']}/deadlines")).json()
    item_id = next(d["equipment_item_id"] for d in deadlines if d["equipment_item_id"])
    created = await applicant.post(f"/applications/{designated['id']}/acquisitions", {
        "asset_class": "machinery", "description": "ペプチド合成装置（型式 PS-3000）", "actual_cost_jpy": 31_500_000,
        "acquired_on": TODAY.isoformat(), "equipment_item_id": item_id,
        "in_service_on": TODAY.isoformat(), "location": "神奈川県川崎市川崎区殿町三丁目25番23号"})
    assert created.status_code == 201, created.text

    for username in ("applicant1", "kawasaki1"):
        person = await sign_in(username)
        await person.goto(f"/applications/{designated['id']}")
        timeline = person.page.locator("table.timeline")
        await expect(timeline).to_contain_text("満たした期限")
        await expect(timeline).to_contain_text("ペプチド合成装置一式")
        text = await person.page.locator("main").inner_text()
        found = DEVELOPER_WORDS.search(text)
        assert not found, text[max(found.start() - 300, 0):found.end() + 100]
    # the official's extension forms name the deadline, never its key
    await expect(person.page.locator("#follow-up")).to_contain_text("事業実施状況報告の提出")
    await person.goto(f"/applications/{designated['id']}?lang=en")
    await expect(person.page.locator("table.timeline")).to_contain_text("Deadlines met")
    text = await person.page.locator("main").inner_text()
    found = DEVELOPER_WORDS.search(text)
    assert not found, text[max(found.start() - 300, 0):found.end() + 100]
