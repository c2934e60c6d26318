"""What the browser tests do on the pages, by label and role, the way a person would."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.factories import BASE_APPLICATION, application_body

# Form labels (the part before the 提出時必須 mark) → the value typed, from the plan's 別紙1-2 4/6 (5).
APPLICANT = BASE_APPLICATION["applicant"]
TEXT_FIELDS = {
    "事業名": BASE_APPLICATION["project_name"],
    "法人番号": APPLICANT["corporate_number"],
    "名称": APPLICANT["name"],
    "郵便番号": APPLICANT["postal_code"],
    "所在地": APPLICANT["address"],
    "電話番号": APPLICANT["phone"],
    "設立年月日": "平成18年7月3日",
    "資本金（円）": "3,900,000,000",
    "業種": APPLICANT["industry"],
    "業務概要": APPLICANT["business_summary"],
    "a) 事業の内容": BASE_APPLICATION["content"],
    "b) 該当する施行規則の条項": "\n".join(BASE_APPLICATION["rule_clauses"]),
    "c) 特区の目標達成のための位置付け及び必要性": BASE_APPLICATION["necessity"],
    "d) 設置する設備の概要": BASE_APPLICATION["equipment_overview"],
    "e) 実施主体": BASE_APPLICATION["implementer"],
    "f) 事業実施場所": BASE_APPLICATION["business_area"],
    "g) 事業開始日": "令和4年9月1日",
    "g) 設備取得開始日": "2022-09-01",
}


def field(page: Page, label: str):
    """The control whose label starts with `label` (the undisclosed tick boxes start with 「 instead);
    `=label` for the control labelled exactly so."""
    if label.startswith("="):
        return page.get_by_label(label[1:], exact=True)
    return page.get_by_label(re.compile("^" + re.escape(label)))


async def fill_application(page: Page) -> None:
    for label, value in TEXT_FIELDS.items():
        await field(page, label).fill(value)
    await field(page, "特別の措置").select_option(label="国際戦略総合特区設備等投資促進税制（別紙1-2）")
    await field(page, "解決策").select_option(label="解決策2")
    await page.get_by_label("「c) 特区の目標達成のための位置付け及び必要性」を非公表にする").check()
    await fill_item(page, 1, "機械・装置", "ペプチド合成装置一式", "30,000,000", "2023-04-01")
    await page.get_by_role("button", name="設備を追加").click()
    await fill_item(page, 2, "開発研究用器具・備品", "質量分析計", "15000000", "令和5年6月1日")


async def fill_item(page: Page, n: int, asset_class: str, description: str, cost: str, date: str) -> None:
    await page.get_by_label(f"設備 {n} 資産の種類").select_option(label=asset_class)
    await page.get_by_label(f"設備 {n} 設備の内容").fill(description)
    await page.get_by_label(f"設備 {n} 取得予定価額（円）").fill(cost)
    await page.get_by_label(f"設備 {n} 取得予定日").fill(date)


async def open_from_inbox(page: Page, base_url: str, application_id: int) -> None:
    await page.goto(base_url + "/inbox")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=str(application_id), exact=True))
    await expect(row).to_have_count(1)
    await row.get_by_role("link").click()
    await page.wait_for_url(f"**/applications/{application_id}")


async def decide(page: Page, outcome: str, fields: dict[str, str] | None = None,
                 selects: dict[str, str] | None = None) -> None:
    await page.get_by_role("radio", name=outcome).check()
    for label, value in (fields or {}).items():
        await field(page, label).fill(value)
    for label, option in (selects or {}).items():
        await field(page, label).select_option(label=option)
    await page.get_by_role("button", name="判断を記録").click()
    await page.wait_for_url("**/inbox")
    await expect(page.get_by_role("status").filter(has_text="判断を記録しました")).to_be_visible()


def application_id_from(url: str) -> int:
    match = re.search(r"/applications/(\d+)", url)
    assert match, url
    return int(match.group(1))


async def council_agreement_without_its_dates(sign_in, as_user, project_name: str) -> Page:
    """The secretariat records 了承 on an application at the council step without the dates it needs: the
    refused decision form, as the secretariat sees it."""
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", application_body(project_name=project_name))).json()
    await applicant.post(f"/applications/{created['id']}/submit")
    await (await as_user("kawasaki1")).decide(created["id"], {"step": "intake_review", "outcome": "accept"})
    secretariat = await sign_in("secretariat1")
    page = secretariat.page
    await secretariat.goto(f"/applications/{created['id']}")
    await page.get_by_role("radio", name="了承").check()
    await page.get_by_role("button", name="判断を記録").click()
    await page.wait_for_load_state()
    return page
