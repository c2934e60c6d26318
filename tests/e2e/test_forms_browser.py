"""Acceptance 2 and the company's side of the form: errors keep what was typed, drafts survive signing out,
other companies' applications are 404, forms without the CSRF token are refused; plus amend/resubmit,
withdrawal, attachments, the pages without JavaScript, and the officials' sort and search."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import expect

from services.core.applications.models import ApplicationStatus
from tests.e2e.pages import application_id_from, field, fill_application, fill_item
from tests.factories import application_body


async def test_validation_error_keeps_what_was_typed(sign_in):
    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("検証用の事業 — 入力は残ること")
    await field(page, "法人番号").fill("1234567890123")  # wrong check digit
    await field(page, "f) 事業実施場所").fill("東京都千代田区永田町1丁目")  # outside the zone
    await field(page, "業務概要").fill("改行を含む\n業務の概要")
    await fill_item(page, 1, "機械・装置", "検証用の設備", "三千万", "2023-02-30")
    await page.get_by_label("「事業名」を非公表にする").check()
    await expect(page.locator("#f-applicant-corporate-number-check")).to_contain_text("チェックディジット")

    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.get_by_role("alert").filter(has_text="入力内容に誤りがあります")).to_be_visible()
    number = page.locator("#f-applicant-corporate-number-field")
    await expect(number.locator(".error")).to_contain_text("法人番号「1234567890123」が正しくありません")
    await expect(field(page, "法人番号")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-business-area-field .error")).to_contain_text("区域外")
    await expect(page.locator("#item-0-cost-error")).to_contain_text("整数で入力してください")
    await expect(page.locator("#item-0-date-error")).to_contain_text("存在しない日付")
    # everything typed is still there, valid or not
    await expect(field(page, "事業名")).to_have_value("検証用の事業 — 入力は残ること")
    await expect(field(page, "法人番号")).to_have_value("1234567890123")
    await expect(field(page, "f) 事業実施場所")).to_have_value("東京都千代田区永田町1丁目")
    await expect(field(page, "業務概要")).to_have_value("改行を含む\n業務の概要")
    await expect(page.get_by_label("設備 1 設備の内容")).to_have_value("検証用の設備")
    await expect(page.get_by_label("設備 1 取得予定価額（円）")).to_have_value("三千万")
    await expect(page.get_by_label("「事業名」を非公表にする")).to_be_checked()

    # fixing the errors saves the draft
    await field(page, "法人番号").fill(application_body()["applicant"]["corporate_number"])
    await field(page, "f) 事業実施場所").fill("神奈川県川崎市川崎区殿町3丁目")
    await page.get_by_label("設備 1 取得予定価額（円）").fill("30000000")
    await page.get_by_label("設備 1 取得予定日").fill("2023-02-28")
    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.get_by_role("status").filter(has_text="下書きを保存しました")).to_be_visible()
    assert page.url.endswith("/edit")


async def test_submit_with_missing_fields_shows_them_next_to_each(sign_in):
    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("必須項目の確認")
    await field(page, "特別の措置").select_option("tax_incentive")
    await page.get_by_role("button", name="提出する").click()
    await expect(page.get_by_role("alert")).to_contain_text("未入力の必須項目があります")
    await expect(page.locator("#f-necessity-field .error")).to_contain_text("c) 位置付け及び必要性を入力してください")
    await expect(page.locator("#equipment-items-error")).to_contain_text("取得予定設備を1件以上")
    await expect(field(page, "事業名")).to_have_value("必須項目の確認")  # kept, and saved as a draft
    await expect(page.locator(".badge.status-draft")).to_be_visible()


async def test_saved_and_autosaved_draft_survive_logout_and_login(sign_in, as_user):
    applicant = await sign_in("applicant2")
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("JSR 下書き — ログアウト後も残る")
    await field(page, "a) 事業の内容").fill("保存ボタンで保存した内容")
    await page.get_by_role("button", name="下書き保存").click()
    await expect(page.get_by_role("status").filter(has_text="下書きを保存しました")).to_be_visible()
    application_id = application_id_from(page.url)

    # autosave (JavaScript): typing is saved a moment later without pressing anything
    await field(page, "c) 特区の目標達成のための位置付け及び必要性").fill("自動保存された内容")
    await expect(page.locator("#autosave-status")).to_contain_text("自動保存しました", timeout=10_000)

    await applicant.logout()
    await applicant.goto(f"/applications/{application_id}/edit")
    await page.wait_for_url(re.compile(r"/login\?next=/applications/\d+/edit$"))
    await applicant.login(on_current_page=True)  # back to the page asked for
    await page.wait_for_url(f"**/applications/{application_id}/edit")
    await expect(field(page, "事業名")).to_have_value("JSR 下書き — ログアウト後も残る")
    await expect(field(page, "a) 事業の内容")).to_have_value("保存ボタンで保存した内容")
    await expect(field(page, "c) 特区の目標達成のための位置付け及び必要性")).to_have_value("自動保存された内容")
    await applicant.goto("/applications")
    await expect(page.get_by_role("link", name="JSR 下書き — ログアウト後も残る")).to_be_visible()
    stored = (await (await as_user("applicant2")).get(f"/applications/{application_id}")).json()
    assert stored["content"]["necessity"] == "自動保存された内容"


async def test_autosave_of_a_new_form_creates_one_draft(sign_in, as_user):
    applicant = await sign_in("applicant2")
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("自動保存だけで作られた下書き")
    await expect(page.locator("#autosave-status")).to_contain_text("自動保存しました", timeout=10_000)
    await field(page, "業種").fill("化学")
    await page.get_by_role("button", name="下書き保存").click()  # the same draft, not a second one
    await expect(page.get_by_role("status").filter(has_text="下書きを保存しました")).to_be_visible()
    drafts = (await (await as_user("applicant2")).get("/applications", params={"status": "draft"})).json()["items"]
    assert [d["project_name"] for d in drafts].count("自動保存だけで作られた下書き") == 1


async def test_other_companys_application_is_404(sign_in, as_user):
    created = await (await as_user("applicant1")).post("/applications", application_body(project_name="他社には見えない"))
    application_id = created.json()["id"]
    other = await sign_in("applicant2")
    for path in (f"/applications/{application_id}", f"/applications/{application_id}/edit"):
        response = await other.goto(path)
        assert response.status == 404, path
        await expect(other.page.get_by_role("heading", name="エラー 404")).to_be_visible()
        await expect(other.page.locator("main")).not_to_contain_text("他社には見えない")
    await other.goto("/applications")
    await expect(other.page.get_by_role("link", name="他社には見えない")).to_have_count(0)


async def test_form_without_csrf_token_is_refused(sign_in, api_url, as_user):
    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("トークンなしの送信")
    await page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="下書き保存").click()
    assert (await posted.value).status == 403
    await expect(page.locator("main")).to_contain_text("フォームの有効期限が切れたか、不正な送信")
    await expect(page.locator("main")).not_to_contain_text("security token")  # a Japanese page speaks Japanese
    drafts = (await (await as_user("applicant1")).get("/applications", params={"status": "draft"})).json()["items"]
    assert "トークンなしの送信" not in [d["project_name"] for d in drafts]

    # the same with the session cookie but a wrong token, and a login post from a page never loaded
    cookies = {c["name"]: c["value"] for c in await applicant.context.cookies()}
    async with httpx.AsyncClient(base_url=api_url, cookies=cookies) as client:
        wrong = await client.post("/applications/new", data={"csrf_token": "forged", "project_name": "x"})
        assert wrong.status_code == 403 and "フォームの有効期限が切れたか" in wrong.text
        header = await client.patch("/applications/new", data={"project_name": "x"},
                                    headers={"X-CSRF-Token": "forged"})
        assert header.status_code == 403
    async with httpx.AsyncClient(base_url=api_url) as fresh:
        login = await fresh.post("/login", data={"username": "applicant1", "password": "tokku-demo"})
        assert login.status_code == 403


async def test_return_amend_resubmit_then_withdraw(sign_in, as_user):
    api = await as_user("applicant1")
    created = (await api.post("/applications", application_body(project_name="補正と再提出の確認"))).json()
    await api.post(f"/applications/{created['id']}/submit")
    official = await sign_in("kawasaki1")
    await official.goto(f"/applications/{created['id']}")
    await official.page.get_by_role("radio", name="差戻し（補正依頼）").check()
    await official.page.get_by_role("button", name="判断を記録").click()
    await expect(official.page.locator("#d-reason-error")).to_be_visible()  # a return needs a reason
    await official.page.get_by_label("理由・コメント").fill("取得予定設備の内訳を追記してください")
    await official.page.get_by_role("button", name="判断を記録").click()
    await official.page.wait_for_url("**/inbox")

    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/inbox")
    await page.get_by_role("link", name="補正と再提出の確認").click()
    await expect(page.locator(".summary")).to_contain_text("補正依頼中")
    await expect(page.locator("table.timeline")).to_contain_text("取得予定設備の内訳を追記してください")
    await expect(page.locator(".deadlines")).to_contain_text("補正期限")
    await page.get_by_role("link", name="申請内容を編集").click()
    await field(page, "d) 設置する設備の概要").fill("ペプチド合成装置、質量分析計ほか一式（内訳追記）")
    await page.get_by_role("button", name="補正して再提出する").click()
    await expect(page.get_by_role("status").filter(has_text="再提出しました")).to_be_visible()
    await expect(page.locator(".summary")).to_contain_text("受付審査")

    await page.get_by_role("button", name="申請を取り下げる").click()  # not confirmed: nothing happens
    await expect(page.get_by_role("alert")).to_contain_text("取下げを確認するチェック")
    await page.get_by_label("取下げの理由").fill("計画を見直すため")
    await page.get_by_label("取り下げると元に戻せないことを確認しました").check()
    await page.get_by_role("button", name="申請を取り下げる").click()
    await expect(page.locator(".summary")).to_contain_text("取下げ")
    final = (await api.get(f"/applications/{created['id']}")).json()
    assert final["status"] == "withdrawn" and final["events"][-1]["reason"] == "計画を見直すため"
    assert final["content"]["equipment_overview"].endswith("（内訳追記）")


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


async def test_attachments_pdf_and_images_only(sign_in, api_url, settings):
    applicant = await sign_in("applicant1")
    page = applicant.page
    await applicant.goto("/applications/new")
    await field(page, "事業名").fill("添付の確認")
    await page.get_by_role("button", name="下書き保存").click()
    application_id = application_id_from(page.url)
    upload = page.get_by_label("ファイル", exact=True)

    await upload.set_input_files({"name": "../../設備見積書 2023.pdf", "mimeType": "application/pdf", "buffer": PDF})
    await page.get_by_role("button", name="添付する").click()
    await expect(page.get_by_role("status").filter(has_text="添付しました")).to_be_visible()
    link = page.get_by_role("link", name="設備見積書_2023.pdf")  # path parts gone, spaces made safe
    await expect(link).to_be_visible()
    await expect(page.locator(".attachments")).to_contain_text(hashlib.sha256(PDF).hexdigest()[:12])

    await upload.set_input_files({"name": "配置図.pdf", "mimeType": "application/pdf", "buffer": PNG})
    await page.get_by_role("button", name="添付する").click()
    await expect(page.get_by_role("link", name="配置図.png")).to_be_visible()  # the bytes decide the type

    await upload.set_input_files({"name": "macro.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 not a pdf"})
    await page.get_by_role("button", name="添付する").click()
    await expect(page.get_by_role("alert")).to_contain_text("添付できるのはPDFと画像")

    big = b"%PDF-1.4\n" + b"0" * settings.attachment_max_bytes
    await upload.set_input_files({"name": "big.pdf", "mimeType": "application/pdf", "buffer": big})
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="添付する").click()
    assert (await posted.value).status in (303, 422)
    await expect(page.locator("main")).to_contain_text("MB以下にしてください")

    async with page.expect_download() as download_info:
        await applicant.goto(f"/applications/{application_id}/edit")
        await page.get_by_role("link", name="設備見積書_2023.pdf").click()
    download = await download_info.value
    assert download.suggested_filename == "設備見積書_2023.pdf"
    assert hashlib.sha256(open(await download.path(), "rb").read()).hexdigest() == hashlib.sha256(PDF).hexdigest()

    other = await sign_in("applicant2")
    response = await other.goto(f"/applications/{application_id}/attachments/1")
    assert response.status == 404

    await page.get_by_role("button", name="削除: 配置図.png").click()
    await expect(page.get_by_role("link", name="配置図.png")).to_have_count(0)


async def test_pages_work_without_javascript(sign_in, as_user):
    applicant = await sign_in("applicant1", javascript=False)
    page = applicant.page
    await applicant.goto("/applications/new")
    await fill_application(page)  # "設備を追加" re-renders the form server-side, keeping everything typed
    await expect(page.get_by_label("設備 2 設備の内容")).to_have_value("質量分析計")
    await expect(field(page, "事業名")).not_to_have_value("")
    await page.get_by_role("button", name="設備 1 を削除").click()
    await expect(page.get_by_label("設備 1 設備の内容")).to_have_value("質量分析計")
    await expect(page.get_by_label("設備 2 設備の内容")).to_have_count(0)
    await page.get_by_role("button", name="提出する").click()
    await page.wait_for_url("**/applications/*")
    await expect(page.locator(".summary")).to_contain_text("受付審査")
    application_id = application_id_from(page.url)
    stored = (await (await as_user("applicant1")).get(f"/applications/{application_id}")).json()
    assert [i["description"] for i in stored["content"]["equipment_items"]] == ["質量分析計"]


async def test_inbox_sorts_marks_overdue_and_search_filters(sign_in, as_user, sessions):
    api = await as_user("applicant2")
    ids = []
    for name in ("並べ替え確認A", "並べ替え確認B"):
        created = (await api.post("/applications", application_body(
            project_name=name, applicant={"name": "JSR株式会社"}, business_area="横浜市鶴見区末広町1丁目"))).json()
        await api.post(f"/applications/{created['id']}/submit")
        ids.append(created["id"])
    async with sessions() as session:  # the intake target of A passed three days ago
        status = await session.get(ApplicationStatus, ids[0])
        status.step_due_at = datetime.now(UTC) - timedelta(days=3)
        session.add(status)
        await session.commit()
    official = await sign_in("yokohama1")
    page = official.page
    await official.goto("/inbox")
    overdue = page.locator("table.inbox tbody tr.overdue").filter(has_text="並べ替え確認A")
    await expect(overdue).to_contain_text("期限超過（3日超過）")
    await expect(page.locator("table.inbox tbody tr").filter(has_text="並べ替え確認B")).not_to_contain_text("期限超過")
    rows = page.locator("table.inbox tbody tr")
    first_ids = [int(await rows.nth(i).locator("td").first.inner_text()) for i in range(await rows.count())]
    assert first_ids.index(ids[0]) < first_ids.index(ids[1])  # due soonest first
    await page.get_by_role("link", name="新しい申請順").click()
    await expect(page.get_by_role("link", name="新しい申請順")).to_have_attribute("aria-current", "true")
    newest = [int(await rows.nth(i).locator("td").first.inner_text()) for i in range(await rows.count())]
    assert newest == sorted(newest, reverse=True)

    await official.goto("/applications")
    await page.get_by_label("企業名").fill("JSR")
    await page.get_by_label("担当自治体").select_option(label="横浜市")
    await page.get_by_role("button", name="検索").click()
    await expect(page.get_by_role("link", name="並べ替え確認A")).to_be_visible()
    await page.get_by_label("企業名").fill("ペプチド")
    await page.get_by_role("button", name="検索").click()
    await expect(page.get_by_role("link", name="並べ替え確認A")).to_have_count(0)
    await official.goto("/applications?status=intake_review&government=yokohama&company=JSR&measure=tax_incentive")
    await expect(page.get_by_role("link", name="並べ替え確認B")).to_be_visible()
    await expect(page.get_by_label("状況")).to_have_value("intake_review")
