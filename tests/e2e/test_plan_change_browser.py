"""The plan change pages in Chromium (docs/plan-changes.md): the company proposes a change on the form and sees
its diff against the certified version field by field, in Japanese, with what the rules found; the officials
see the same page, the secretariat decides the council step from it, the city sees the filing step next.
Screenshots: tests/artifacts/screenshots/plan_change_{form,company,official,section}.png."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.async_api import expect

from tests.e2e.pages import field
from tests.e2e.test_language_and_labels import unlabelled_controls
from tests.factories import TODAY
from tests.follow_up.helpers import api_to_follow_up

MOVED_TO = (date.today() + timedelta(days=100)).isoformat()
# What the page must never show: the API's keys and the rules' ids.
INTERNAL = re.compile(r"planned_cost_jpy|planned_acquisition_on|equipment_items|asset_class|cost_within|not_minor|"
                      r"item_added|date_within|council_consultation")


async def test_the_diff_page_as_the_company_and_the_officials(sign_in, as_user, api_url, screenshots):
    application_id = (await api_to_follow_up(as_user, project_name="計画変更の画面確認"))["id"]
    company = await sign_in("applicant1")
    page = company.page
    await company.goto(f"/applications/{application_id}")
    await expect(page.get_by_role("heading", name="計画の変更")).to_be_visible()
    await expect(page.locator("table.versions")).to_contain_text("第1版")
    await page.get_by_role("link", name="計画の変更を申請する").click()
    await page.wait_for_url(f"**/applications/{application_id}/plan-changes/new")
    assert await unlabelled_controls(page) == []

    await field(page, "変更の理由").fill("装置の仕様見直しと研究棟の増築")
    await page.get_by_label("設備 1 取得予定価額（円）").fill("31,500,000")
    await page.get_by_label("設備 1 取得予定日").fill(MOVED_TO)
    await page.get_by_label("設備 3 資産の種類").select_option(label="建物")
    await page.get_by_label("設備 3 設備の内容").fill("研究棟（増築）")
    await page.get_by_label("設備 3 取得予定価額（円）").fill("800,000,000")
    await page.screenshot(path=str(screenshots / "plan_change_form.png"), full_page=True)
    await page.get_by_role("button", name="変更を申請する").click()
    await page.wait_for_url(re.compile(rf".*/applications/{application_id}/plan-changes/\d+$"))
    change_path = page.url.removeprefix(api_url)
    await expect(page.get_by_role("status").filter(has_text="計画の変更を受け付けました")).to_be_visible()

    diff = page.locator("table.diff")
    await expect(diff.get_by_role("columnheader", name="現行（第1版）")).to_be_visible()
    rows = diff.locator("tbody tr")
    await expect(rows).to_have_count(3)
    cost = rows.filter(has_text="取得予定価額（円）")
    await expect(cost.get_by_role("rowheader")).to_have_text("設備 1「ペプチド合成装置一式」 取得予定価額（円）")
    await expect(cost.locator("td.before")).to_have_text("30,000,000円")
    await expect(cost.locator("td.after")).to_have_text("31,500,000円")
    await expect(cost).to_contain_text("軽微な変更（届出のみ）")
    await expect(rows.filter(has_text="取得予定日").locator("td.after")).to_contain_text(MOVED_TO)
    added = rows.filter(has_text="追加")
    await expect(added.locator("td.after")).to_contain_text("建物「研究棟（増築）」 800,000,000円")
    await expect(added).to_contain_text("軽微でない変更（協議・申請・認定）")
    await expect(page.locator(".summary")).to_contain_text("地域協議会協議")
    assert not INTERNAL.search(await page.locator("main").inner_text())
    assert not await page.get_by_role("button", name="判断を記録").count(), "the company does not decide"
    await page.screenshot(path=str(screenshots / "plan_change_company.png"), full_page=True)

    secretariat = await sign_in("secretariat1")
    await secretariat.goto("/inbox")
    await secretariat.page.get_by_role("link", name=re.compile(r"計画変更 #\d+")).last.click()
    await secretariat.page.wait_for_url(f"**{change_path}")
    spage = secretariat.page
    await expect(spage.get_by_role("heading", name="判断を記録する: 地域協議会協議")).to_be_visible()
    assert await unlabelled_controls(spage) == []
    await spage.get_by_role("radio", name="了承").check()
    await field(spage, "協議の方法").select_option(label="協議会を開催")
    await field(spage, "協議日（開始）").fill((TODAY - timedelta(days=1)).isoformat())  # not in the future
    await spage.get_by_role("button", name="判断を記録").click()
    await expect(spage.get_by_role("status").filter(has_text="判断を記録しました")).to_be_visible()
    await expect(spage.locator(".summary")).to_contain_text("計画変更申請")

    city = await sign_in("kawasaki1")
    await city.goto(change_path)
    await expect(city.page.get_by_role("heading", name="判断を記録する: 計画変更申請")).to_be_visible()
    await expect(city.page.locator("table.timeline")).to_contain_text("secretariat1")
    await expect(city.page.locator("table.diff tbody tr")).to_have_count(3)
    assert not INTERNAL.search(await city.page.locator("main").inner_text())
    await city.page.screenshot(path=str(screenshots / "plan_change_official.png"), full_page=True)

    await company.goto(f"/applications/{application_id}")
    await expect(page.locator("#plan-changes")).to_contain_text("計画変更申請")
    await page.locator("#plan-changes").screenshot(path=str(screenshots / "plan_change_section.png"))

    stored = (await (await as_user("applicant1")).get(change_path)).json()
    assert stored["status"] == "local_filing" and stored["classification"] == "not_minor"
    assert [c["rule"] for c in stored["field_changes"]] == ["cost_within_tolerance", "date_within_window",
                                                            "item_added"]
