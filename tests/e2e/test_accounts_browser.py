"""Acceptance 1 of issue 17: a company signs up from the sign-in page, verifies its address from the mail,
sets a password, invites a colleague who accepts from their own mail and sees the company's draft; the
administrator disables the colleague, whose open page and API token stop working at once."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.accounts.helpers import STRONG_PASSWORD, bearer, fresh, new_company, password_token, with_wrong_check_digit


async def fill_password(page, password: str = STRONG_PASSWORD) -> None:
    await page.get_by_label(re.compile("^パスワード（10文字以上")).fill(password)
    await page.get_by_label("パスワード（確認）").fill(password)


async def test_company_signs_up_invites_and_disables_a_colleague(browser, mail_api, screenshots, http):
    base, mailbox = mail_api.url, mail_api.mailbox
    company = new_company()
    admin_context = await browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    colleague_context = await browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    try:
        admin = await admin_context.new_page()
        await admin.goto(base + "/login")
        await admin.get_by_role("link", name="企業の新規登録はこちら").click()
        await expect(admin.get_by_role("heading", name="新規企業登録（利用登録）")).to_be_visible()
        # A wrong check digit comes back next to its field, with everything typed kept.
        await admin.get_by_label("法人番号").fill(with_wrong_check_digit(company["corporate_number"]))
        await admin.get_by_label("法人名").fill(company["company_name"])
        await admin.get_by_label("所在地").fill(company["address"])
        await admin.get_by_label("氏名（表示名）").fill(company["display_name"])
        await admin.get_by_label("メールアドレス").fill(company["email"])
        await admin.get_by_role("button", name="確認メールを送信").click()
        await expect(admin.locator("#f-corporate_number-error")).to_contain_text("法人番号が正しくありません")
        await expect(admin.get_by_label("法人名")).to_have_value(company["company_name"])
        await admin.get_by_label("法人番号").fill(company["corporate_number"])
        await admin.screenshot(path=str(screenshots / "signup.png"))
        await admin.get_by_role("button", name="確認メールを送信").click()
        await expect(admin.get_by_role("heading", name="確認メールを送信しました")).to_be_visible()

        await admin.goto(await mailbox.link(company["email"], "/signup/verify"))
        await expect(admin.get_by_text(company["company_name"])).to_be_visible()
        await fill_password(admin, "password1234")  # a common password: refused next to the field
        await admin.get_by_role("button", name="パスワードを設定").click()
        await expect(admin.locator("#f-password-error")).to_contain_text("推測されやすいパスワード")
        await fill_password(admin)
        await admin.get_by_role("button", name="パスワードを設定").click()
        await admin.wait_for_url("**/applications")
        await expect(admin.get_by_role("status").filter(has_text="登録が完了しました")).to_be_visible()

        await admin.get_by_role("link", name="新規申請を作成").first.click()
        await admin.get_by_label(re.compile("^事業名")).fill("同僚と作る下書き")
        await admin.get_by_role("button", name="下書き保存").click()
        await expect(admin.get_by_role("status").filter(has_text="下書きを保存しました")).to_be_visible()

        colleague_email = f"{fresh('colleague')}@example.test"
        await admin.get_by_role("link", name="ユーザー管理").click()
        await admin.get_by_label("氏名（表示名）").fill("同僚 花子")
        await admin.get_by_label("メールアドレス").fill(colleague_email)
        await admin.get_by_role("button", name="招待を送信").click()
        await expect(admin.get_by_role("status").filter(has_text="招待を送信しました")).to_be_visible()
        await expect(admin.get_by_role("row").filter(has_text=colleague_email)).to_contain_text("招待中")

        colleague = await colleague_context.new_page()
        await colleague.goto(await mailbox.link(colleague_email, "/invitations/accept"))
        await expect(colleague.get_by_role("heading", name="招待の受諾")).to_be_visible()
        await colleague.get_by_label("メールアドレス").fill(colleague_email)
        await fill_password(colleague)
        await colleague.screenshot(path=str(screenshots / "invitation.png"))
        await colleague.get_by_role("button", name="招待を受諾する").click()
        await colleague.goto(base + "/applications")
        await expect(colleague.get_by_role("link", name="同僚と作る下書き")).to_be_visible()
        token = (await password_token(http, base, colleague_email)).json()["access_token"]
        assert (await http.get(f"{base}/api/v1/applications", headers=bearer(token))).status_code == 200

        await admin.get_by_role("link", name="ユーザー管理").click()
        await expect(admin.get_by_role("row").filter(has_text=colleague_email)).to_contain_text("有効")
        await admin.screenshot(path=str(screenshots / "company-users.png"), full_page=True)
        await admin.get_by_role("link", name="同僚 花子 を無効にする").click()
        await admin.get_by_role("button", name="無効にする").click()  # not confirmed yet: nothing happens
        await expect(admin.get_by_text("確認のチェックを入れてください")).to_be_visible()
        await admin.get_by_label("内容を確認しました").check()
        await admin.screenshot(path=str(screenshots / "disable-confirm.png"))
        await admin.get_by_role("button", name="無効にする").click()
        await expect(admin.get_by_role("status").filter(has_text="ユーザーを無効にしました")).to_be_visible()

        await colleague.reload()  # the open page stops working at once
        await expect(colleague).to_have_url(re.compile(r"/login\?next=(/|%2F)applications$"))
        await expect(colleague.get_by_role("heading", name="ログイン")).to_be_visible()
        assert (await http.get(f"{base}/api/v1/applications", headers=bearer(token))).status_code == 401
        await colleague.screenshot(path=str(screenshots / "disabled-colleague.png"))
    finally:
        await admin_context.close()
        await colleague_context.close()
