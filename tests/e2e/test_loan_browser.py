"""Acceptance 4: the interest subsidy in the browser — bank1 registers a loan (a refused form keeps what was
typed), Kawasaki recommends it, the Cabinet Office approves it, bank1 claims last fiscal year and sees the
ledger. Japanese labels throughout, no internal keys on the pages; screenshots for review."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.e2e.test_language_and_labels import unlabelled_controls
from tests.factories import KAWASAKI_AREA, LAST_FISCAL_YEAR, TODAY

INTERNAL_KEYS = re.compile(r"\b(recommendation|cabinet_office_review|servicing|claim_review|claimed|approved|"
                           r"five_year_period|rate_cap|outside_zone|interest_paid_cap|[a-z]+_[a-z_]+)\b")


async def no_internal_keys(page) -> None:
    text = await page.locator("main").inner_text()
    assert not INTERNAL_KEYS.search(text), INTERNAL_KEYS.search(text).group(0)


async def test_bank_registers_government_recommends_cabinet_office_approves_bank_claims(sign_in, screenshots):
    bank = await sign_in("bank1")
    page = bank.page
    await bank.goto("/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("利子補給の貸付")
    await page.locator("#main").get_by_role("link", name="貸付の登録").click()
    form = page.get_by_role("form", name="利子補給の対象貸付を登録")
    await form.get_by_label("借入者の法人番号").fill("7010401022916")
    await form.get_by_label("借入者の名称").fill("株式会社ブラウザ創薬")
    await form.get_by_label("計画の事業（別紙1-5）").select_option(value="2/4")
    await form.get_by_label("貸付額（円）").fill("120,000,000")
    await form.get_by_label("最初の貸付日").fill(f"{LAST_FISCAL_YEAR}-04-01")
    await form.get_by_label("貸付金利（年%）").fill("1.1")
    await form.get_by_label("利子補給率（年%）").fill("0.9")  # above the cap: refused, nothing lost
    await form.get_by_label("事業区域（事業を行う場所の住所）").fill(KAWASAKI_AREA)
    await form.get_by_role("button", name="登録して推薦を依頼").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("alert")).to_contain_text("上限の年0.7%を超えています")
    form = page.get_by_role("form", name="利子補給の対象貸付を登録")
    await expect(form.get_by_label("借入者の名称")).to_have_value("株式会社ブラウザ創薬")
    await expect(form.get_by_label("貸付額（円）")).to_have_value("120,000,000")
    await expect(form.get_by_label("利子補給率（年%）")).to_have_attribute("aria-invalid", "true")
    await page.screenshot(path=str(screenshots / "loan-form-refused.png"), full_page=True)
    await form.get_by_label("利子補給率（年%）").fill("")
    await form.get_by_role("button", name="登録して推薦を依頼").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("status").first).to_contain_text("貸付を登録しました")
    await expect(page.locator("dl.facts")).to_contain_text("自治体の推薦待ち")
    loan_path = page.url.removeprefix(bank.base_url).split("#")[0]
    await no_internal_keys(page)
    assert await unlabelled_controls(page) == []

    kawasaki = await sign_in("kawasaki1")
    await kawasaki.goto("/inbox")
    await expect(kawasaki.page.get_by_role("heading", name="利子補給の貸付（判断待ち）")).to_be_visible()
    await kawasaki.page.get_by_role("link", name="株式会社ブラウザ創薬").first.click()
    assert await unlabelled_controls(kawasaki.page) == []
    recommend = kawasaki.page.get_by_role("form", name="判断: 自治体の推薦待ち")
    await recommend.get_by_label("推薦する").check()
    await recommend.get_by_label("文書番号").fill("川崎市推薦第12号")
    await recommend.get_by_role("button", name="判断を登録").click()
    await kawasaki.page.wait_for_load_state()
    await expect(kawasaki.page.locator("dl.facts")).to_contain_text("内閣府の審査（利子補給契約）")

    cao = await sign_in("cao1")
    await cao.goto(loan_path)
    assert await unlabelled_controls(cao.page) == []
    approve = cao.page.get_by_role("form", name="判断: 内閣府の審査（利子補給契約）")
    await approve.get_by_label("承認する").check()
    await approve.get_by_label("契約日").fill(TODAY.isoformat())
    await approve.get_by_label("文書番号").fill("府地事第99号")
    await approve.get_by_label("利子補給金の総額（円）").fill("4,200,000")
    await approve.get_by_role("button", name="判断を登録").click()
    await cao.page.wait_for_load_state()
    await expect(cao.page.locator("dl.facts")).to_contain_text("利子補給中")
    await cao.page.screenshot(path=str(screenshots / "loan-approved.png"), full_page=True)
    await no_internal_keys(cao.page)

    await bank.goto(loan_path)
    assert await unlabelled_controls(page) == []
    claim = page.get_by_role("form", name="支給申請")
    await claim.get_by_label("対象年度").select_option(value=str(LAST_FISCAL_YEAR))
    await claim.get_by_label("平均残高（円）").fill("110,000,000")
    await claim.get_by_label("支払利子（円）").fill("500,000")
    await claim.get_by_role("button", name="支給申請する").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("status").first).to_contain_text("支給申請を受け付けました")
    ledger = page.locator("#ledger table.ledger")
    row = ledger.locator("tr", has_text=f"{LAST_FISCAL_YEAR}年度")
    await expect(row).to_contain_text("申請済み（審査待ち）")
    await expect(row).to_contain_text("500,000")  # 110,000,000 × 0.7 % = 770,000: the interest paid is the ceiling
    await expect(row).to_contain_text("実際に支払われた利子の額")
    await page.screenshot(path=str(screenshots / "loan-ledger.png"), full_page=True)
    await no_internal_keys(page)

    await page.get_by_role("link", name="利子補給の貸付").first.click()
    await expect(page.locator("#ledger")).to_contain_text("計画の事業別の合計")
    await expect(page.locator("#ledger table.totals").first).to_contain_text("2/4")  # other tests' loans add up too
    mine = page.locator("#ledger table.ledger tr", has_text="株式会社ブラウザ創薬").filter(has_text=f"{LAST_FISCAL_YEAR}年度")
    await expect(mine.first).to_contain_text("500,000")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="台帳をExcel（XLSX）で出力").click()
    assert (await download.value).suggested_filename == "loan-ledger.xlsx"
    await page.screenshot(path=str(screenshots / "loans.png"), full_page=True)
    await no_internal_keys(page)
    for path in ("/loans", "/loans/new"):
        await bank.goto(path)
        assert await unlabelled_controls(page) == [], path

    # The Cabinet Office reviews the claim and records the payment; the ledger shows both.
    await cao.goto(loan_path)
    review = cao.page.get_by_role("form", name=f"{LAST_FISCAL_YEAR}年度分の支給申請の審査")
    await review.get_by_label("承認する").check()
    await review.get_by_role("button", name="判断を登録").click()
    await cao.page.wait_for_load_state()
    pay = cao.page.get_by_role("form", name=f"{LAST_FISCAL_YEAR}年度分の支給")
    await pay.get_by_role("button", name="支給した").click()
    await cao.page.wait_for_load_state()
    paid = cao.page.locator("#ledger table.ledger tr", has_text=f"{LAST_FISCAL_YEAR}年度")
    await expect(paid).to_contain_text("支給済み")
    await no_internal_keys(cao.page)
