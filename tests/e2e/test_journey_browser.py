"""Acceptance 1 and 3: one application from an empty form through every official's inbox to follow_up,
each actor signed in as themselves in their own browser; the main pages are photographed on the way."""

from __future__ import annotations

import time
from datetime import date, timedelta

from playwright.async_api import expect

from tests.e2e.pages import application_id_from, decide, field, fill_application, open_from_inbox

TODAY = date.today()


async def test_empty_form_to_follow_up(sign_in, api_url, screenshots, as_user):
    started = time.time()
    applicant = await sign_in("applicant1")
    page = applicant.page
    await page.get_by_role("link", name="新規申請を作成").first.click()
    await expect(page.get_by_role("heading", name="新規申請を作成")).to_be_visible()
    await expect(field(page, "事業名")).to_have_value("")
    await fill_application(page)
    await expect(page.locator("#f-applicant-corporate-number-check")).to_contain_text("法人番号は正しい形式です")
    await page.screenshot(path=str(screenshots / "form.png"), full_page=False)
    await page.get_by_role("button", name="提出する").click()
    await page.wait_for_url("**/applications/*")
    application_id = application_id_from(page.url)
    await expect(page.get_by_role("status").filter(has_text="申請を提出しました")).to_be_visible()
    await expect(page.locator(".summary")).to_contain_text("受付審査")
    await expect(page.locator(".summary")).to_contain_text("川崎市")  # derived from 殿町3丁目

    stored = (await (await as_user("applicant1")).get(f"/applications/{application_id}")).json()
    assert stored["content"]["business_start_on"] == "2022-09-01"  # typed as 令和4年9月1日
    assert stored["content"]["applicant"]["capital_jpy"] == 3_900_000_000
    assert [(i["description"], i["planned_cost_jpy"], i["planned_acquisition_on"])
            for i in stored["content"]["equipment_items"]] == [("ペプチド合成装置一式", 30_000_000, "2023-04-01"),
                                                               ("質量分析計", 15_000_000, "2023-06-01")]
    assert stored["content"]["undisclosed_fields"] == ["necessity"]

    steps = [
        ("kawasaki1", "受理（協議へ進める）", {}, {}, "地域協議会協議"),
        ("secretariat1", "了承", {"協議日（開始）": "令和4年8月10日", "協議日（終了）": "2022-08-24",
                                  "=意見": "国際共同治験の体制を明確にすること\n地域企業との連携を示すこと",
                                  "=意見に対する対応": "体制図を追加した\n連携先を追記した"},
         {"協議の方法": "ICTを活用した協議（書面・オンライン）"}, "計画変更申請"),
        ("kawasaki1", "計画変更を申請", {"申請日": "2022-09-05", "文書番号": "川崎市 R4-2"}, {}, "内閣府審査"),
        ("cao1", "認定", {"認定日": "令和4年9月30日", "文書番号": "府地事第123号"}, {}, "指定"),
        ("kawasaki1", "指定", {"指定番号": "指定第R4-7号", "指定日": TODAY.isoformat(),
                               "取得期間（開始日）": TODAY.isoformat(),
                               "取得期間（期限）": (TODAY + timedelta(days=300)).isoformat()}, {}, "フォローアップ"),
    ]
    for username, outcome, fields, selects, next_status in steps:
        official = await sign_in(username)
        await open_from_inbox(official.page, api_url, application_id)
        if username == "kawasaki1" and outcome.startswith("受理"):
            await official.page.goto(api_url + "/inbox")
            await expect(official.page.get_by_role("row").filter(has_text=str(application_id)).first).to_be_visible()
            await official.page.screenshot(path=str(screenshots / "inbox.png"))
            await open_from_inbox(official.page, api_url, application_id)
        await decide(official.page, outcome, fields, selects)
        status = (await (await as_user("applicant1")).get(f"/applications/{application_id}")).json()["status"]
        assert status != "draft"
        await official.page.goto(f"{api_url}/applications/{application_id}")
        await expect(official.page.locator(".summary")).to_contain_text(next_status)

    await page.goto(f"{api_url}/applications/{application_id}")
    await expect(page.locator(".summary")).to_contain_text("フォローアップ")
    timeline = page.locator("table.timeline tbody tr")
    await expect(timeline).to_have_count(6)
    actors = [await timeline.nth(i).locator("td").nth(4).inner_text() for i in range(6)]
    assert [a.split()[0] for a in actors] == ["applicant1", "kawasaki1", "secretariat1", "kawasaki1", "cao1",
                                             "kawasaki1"]
    await expect(timeline.nth(2)).to_contain_text("国際共同治験の体制を明確にすること")
    await expect(timeline.nth(5)).to_contain_text("指定第R4-7号")
    await expect(page.get_by_role("heading", name="期限")).to_be_visible()
    await page.screenshot(path=str(screenshots / "timeline.png"), full_page=True,
                          clip={"x": 0, "y": 0, "width": 1280, "height": 1500})

    final = (await (await as_user("applicant1")).get(f"/applications/{application_id}")).json()
    assert final["status"] == "follow_up"
    assert [(e["step"], e["outcome"], e["actor"]) for e in final["events"]] == [
        (None, None, "applicant1"), ("intake_review", "accept", "kawasaki1"),
        ("council_consultation", "agree", "secretariat1"), ("local_filing", "file", "kawasaki1"),
        ("national_review", "certify", "cao1"), ("designation", "designate", "kawasaki1")]
    council = final["events"][2]["payload"]
    assert council["method"] == "ict" and council["held_to"] == "2022-08-24"
    assert council["responses"] == ["体制図を追加した", "連携先を追記した"]

    official = await sign_in("kanagawa1")
    await official.goto("/dashboard")
    await expect(official.page.get_by_role("heading", name="特区ダッシュボード")).to_be_visible()
    await official.page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)
    for name in ("form", "inbox", "timeline", "dashboard"):  # acceptance 3: written by this run
        png = screenshots / f"{name}.png"
        assert png.stat().st_mtime >= started and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert png.stat().st_size > 20_000, png  # a page, not a blank image
