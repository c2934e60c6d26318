"""Issue 20 in the browser: nothing irreversible by default or on one click. Decision forms start with no
outcome chosen; completing, revoking, rejecting and withdrawing ask for a reason and a confirmation; completing
a follow-up with something still open is refused with what is open listed, unless an override reason is given."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from tests.e2e.pages import field
from tests.factories import TODAY, application_body
from tests.follow_up.helpers import OFFICIAL_STEPS, api_to_follow_up


async def test_follow_up_completion_needs_confirmation_reason_and_nothing_open(as_user, sign_in):
    application = await api_to_follow_up(as_user)
    path = f"/applications/{application['id']}"
    official = await sign_in("kawasaki1")
    await official.goto(path)
    page = official.page
    decision = page.locator("#decision")
    for name in ("フォローアップ完了", "指定取消"):
        await expect(decision.get_by_role("radio", name=name)).not_to_be_checked()  # nothing chosen for them

    await decision.get_by_role("radio", name="フォローアップ完了").check()
    await decision.get_by_role("button", name="判断を記録").click()
    await page.wait_for_load_state()
    decision = page.locator("#decision")
    await expect(decision.locator("#d-confirm-irreversible-error")).to_contain_text("確認のチェック")
    await expect(decision.locator("#d-reason-error")).to_contain_text("理由を記入")
    await expect(decision.get_by_role("radio", name="フォローアップ完了")).to_be_checked()  # the choice is kept

    await field(page, "理由・コメント").fill("事業計画の終了")
    await decision.get_by_label("この判断は元に戻せないことを確認しました").check()
    await decision.get_by_role("button", name="判断を記録").click()
    await page.wait_for_load_state()
    decision = page.locator("#decision")
    await expect(decision.get_by_role("alert").first).to_contain_text("フォローアップを完了できません")
    await expect(decision.locator("#d-override-reason-error")).to_contain_text("設備取得期限")
    await expect(decision.locator("#d-override-reason-error")).to_contain_text("事業実施状況報告の期限")
    assert (await (await as_user("kawasaki1")).get(path)).json()["status"] == "follow_up"

    await field(page, "未了の事項があっても完了とする理由").fill("事業者の事業撤退により期限の到来を待たずに終了")
    await decision.get_by_label("この判断は元に戻せないことを確認しました").check()
    await decision.get_by_role("button", name="判断を記録").click()
    await page.wait_for_url("**/inbox")
    final = (await (await as_user("kawasaki1")).get(path)).json()
    assert final["status"] == "completed"
    assert final["events"][-1]["payload"]["override_reason"].startswith("事業者の事業撤退")


async def test_intake_starts_with_nothing_chosen_and_reject_asks_confirmation(as_user, sign_in):
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", application_body())).json()
    assert (await applicant.post(f"/applications/{created['id']}/submit")).status_code == 200
    path = f"/applications/{created['id']}"
    official = await sign_in("kawasaki1")
    await official.goto(path)
    page = official.page
    for radio in await page.locator("#decision input[type=radio]").all():
        await expect(radio).not_to_be_checked()
    # Without the browser's own check (no JavaScript needed for it), the service side refuses an empty choice.
    await page.eval_on_selector_all("#decision input[required]", "els => els.forEach(e => e.removeAttribute('required'))")
    await page.locator("#decision").get_by_role("button", name="判断を記録").click()
    await page.wait_for_load_state()
    await expect(page.locator("#d-outcome-error")).to_contain_text("判断の結果を選択してください")

    await page.get_by_role("radio", name="却下").check()
    await field(page, "理由・コメント").fill("特区の目標に資さない")
    await page.locator("#decision").get_by_role("button", name="判断を記録").click()
    await page.wait_for_load_state()
    await expect(page.locator("#d-confirm-irreversible-error")).to_be_visible()
    assert (await applicant.get(path)).json()["status"] == "intake_review"  # one click rejected nothing


async def test_withdrawal_needs_a_reason(as_user, sign_in):
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", application_body())).json()
    assert (await applicant.post(f"/applications/{created['id']}/submit")).status_code == 200
    path = f"/applications/{created['id']}"
    company = await sign_in("applicant1")
    await company.goto(path)
    page = company.page
    withdraw = page.locator("#withdraw")
    await page.eval_on_selector_all("#withdraw [required]", "els => els.forEach(e => e.removeAttribute('required'))")
    await withdraw.get_by_role("checkbox").check()
    await withdraw.get_by_role("button", name="申請を取り下げる").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("alert").first).to_contain_text("取下げの理由を記入してください")
    assert (await applicant.get(path)).json()["status"] == "intake_review"


async def test_after_a_refused_form_reload_and_language_link_work(as_user, sign_in):
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", application_body())).json()
    assert (await applicant.post(f"/applications/{created['id']}/submit")).status_code == 200
    path = f"/applications/{created['id']}"
    official = await sign_in("kawasaki1")
    await official.goto(path)
    page = official.page
    await page.get_by_role("radio", name="差戻し（補正依頼）").check()
    await page.locator("#decision").get_by_role("button", name="判断を記録").click()
    await page.wait_for_load_state()
    assert page.url.endswith(f"{path}/decisions")  # the refused form, at its POST address
    await expect(page.locator("#d-reason-error")).to_be_visible()
    await page.get_by_role("link", name="English").click()
    await page.wait_for_load_state()
    assert page.url.endswith(f"{path}?lang=en")
    await expect(page.locator("#decision-heading")).to_contain_text("Record the decision")
    response = await official.goto(f"{path}/decisions")  # a typed or reloaded POST address
    assert response.status == 200 and page.url.endswith(path)
    await expect(page.locator("#decision")).to_be_visible()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def test_a_query_is_a_conversation(as_user, sign_in):
    application = await api_to_follow_up(as_user)
    application_id = application["id"]
    path = f"/applications/{application_id}"
    applicant = await as_user("applicant1")
    deadlines = (await applicant.get(f"{path}/deadlines")).json()
    item = next(d for d in deadlines if d["kind"] == "acquisition_window")
    created = (await applicant.post(f"{path}/acquisitions", {
        "equipment_item_id": item["equipment_item_id"], "asset_class": "machinery", "description": "ペプチド合成装置",
        "actual_cost_jpy": 31_500_000, "acquired_on": TODAY.isoformat(),
        "in_service_on": TODAY.isoformat(),
        "location": "神奈川県川崎市川崎区殿町三丁目25番23号"})).json()
    report_id = created["id"]

    official = await sign_in("kawasaki1")
    await official.goto(path)
    page = official.page
    await page.get_by_role("button", name=f"照会 #{report_id}").click()  # no note: refused, next to the field
    await page.wait_for_load_state()
    await expect(page.locator(f"#acq-note-{report_id}-error")).to_contain_text("照会の内容を記入してください")
    await page.get_by_label(f"確認メモ（#{report_id}）").fill("請求書の写しを添付してください")
    await page.get_by_role("button", name=f"照会 #{report_id}").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("status").first).to_contain_text("照会しました")

    company = await sign_in("applicant1")
    await company.goto(path)
    page = company.page
    await expect(page.locator("ul.notifications")).to_contain_text("照会があります")
    thread = page.locator(f"#thread-acquisition-{report_id}")
    await expect(thread).to_contain_text("請求書の写しを添付してください")
    answer = page.get_by_role("form", name="照会に回答する")
    await expect(answer.get_by_label("取得価額（円）")).to_have_value("31500000")  # the current report, to correct
    await answer.get_by_label("回答", exact=True).fill("値引き後の金額に訂正し、請求書を添付します")
    await answer.get_by_label("報告を次の内容に訂正する（訂正前の版も保存されます）").check()
    await answer.get_by_label("取得価額（円）").fill("30,800,000")
    await answer.get_by_label("添付書類（PDF・画像）").set_input_files(
        {"name": "請求書.pdf", "mimeType": "application/pdf", "buffer": PDF})
    await answer.get_by_role("button", name="回答を送信").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("status").first).to_contain_text("回答を送信しました")
    thread = page.locator(f"#thread-acquisition-{report_id}")
    await expect(thread).to_contain_text("訂正（第2版）")
    await expect(thread.get_by_role("link", name="請求書.pdf")).to_be_visible()
    await expect(page.locator("#follow-up table.reports").first).to_contain_text("30,800,000")

    await official.goto(path)
    await expect(official.page.locator("ul.notifications")).to_contain_text("照会への回答がありました")
    await expect(official.page.locator(f"#thread-acquisition-{report_id}")).to_contain_text("値引き後の金額")
    await expect(official.page.locator("table.timeline")).to_contain_text("照会への回答")


async def test_every_deadline_in_sight(as_user, sign_in):
    """Designated with a window that already ended: its deadline is missed at once. The company sees it as overdue
    with what to do, and the next deadline in its list; the official sees the date and the report to review."""
    past = {"step": "designation", "outcome": "designate", "designation_number": "指定第R4-9号",
            "designated_on": (TODAY - timedelta(days=60)).isoformat(),
            "acquisition_from": (TODAY - timedelta(days=60)).isoformat(),
            "acquisition_until": (TODAY - timedelta(days=2)).isoformat()}
    application = await api_to_follow_up(as_user, designate=past, project_name="期限が見える案件")
    application_id = application["id"]
    path = f"/applications/{application_id}"
    applicant, kawasaki = await as_user("applicant1"), await as_user("kawasaki1")
    deadlines = (await applicant.get(f"{path}/deadlines")).json()
    assert "missed" in {d["state"] for d in deadlines}, deadlines
    created = (await applicant.post(f"{path}/acquisitions", {
        "asset_class": "machinery", "description": "遠心分離機（計画外）", "actual_cost_jpy": 25_000_000,
        "acquired_on": (TODAY - timedelta(days=10)).isoformat(), "in_service_on": (TODAY - timedelta(days=5)).isoformat(),
        "location": "神奈川県川崎市川崎区殿町三丁目25番23号"})).json()

    official = await sign_in("kawasaki1")
    await official.goto("/inbox")
    page = official.page
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=str(application_id), exact=True))
    await expect(row).to_contain_text("期限超過")  # the missed window, not "—"
    waiting = page.locator("table.reports-waiting")
    await expect(waiting).to_contain_text(f"取得報告 #{created['id']}")
    await expect(waiting.get_by_role("link", name=f"#{application_id} 期限が見える案件")).to_be_visible()

    assert (await kawasaki.post(f"{path}/acquisitions/{created['id']}/review",
                                {"outcome": "query", "note": "計画外の設備である理由を説明してください"})).status_code == 200
    company = await sign_in("applicant1")
    await company.goto("/applications")
    page = company.page
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="期限が見える案件"))
    await expect(row).to_contain_text("日超過")
    await company.goto("/inbox")
    await expect(page.locator("table.reports-waiting")).to_contain_text("計画外の設備である理由")
    await company.goto(path)
    overdue = page.locator("ul.deadlines.overdue")
    await expect(overdue).to_contain_text("設備取得期限")
    await expect(overdue).to_contain_text("対応:")


async def test_documents_and_calendar_with_the_session_cookie(sign_in):
    company = await sign_in("applicant1")
    page = company.page
    await company.goto("/inbox")
    await page.get_by_role("link", name="書類・カレンダー").click()
    await page.wait_for_url("**/documents")
    link = page.get_by_role("link", name="別添3 特別の措置の適用を受ける主体の特定の状況 — 公表版 — 表示")
    await expect(link).to_be_visible()
    await expect(page.get_by_role("link", name="内部資料", exact=False)).to_have_count(0)  # officials only
    response = await page.request.get(company.base_url + "/documents/betten3?format=html&audience=public")
    assert response.status == 200 and "別添3" in await response.text()  # the session cookie, no bearer token
    refused = await page.request.get(company.base_url + "/documents/betten3?format=html&audience=internal")
    assert refused.status == 403
    calendar = await page.get_by_label("購読用URL").input_value()
    assert calendar.startswith(company.base_url + "/api/v1/organizations/") and "token=" in calendar
    feed = await page.request.get(calendar)
    assert feed.status == 200 and (await feed.text()).startswith("BEGIN:VCALENDAR")

    official = await sign_in("kawasaki1")
    await official.goto("/documents")
    internal = official.page.get_by_role("link", name="別添6 地域協議会の協議の概要 — 内部資料（非公表情報を含む） — Excel")
    await expect(internal).to_be_visible()
    async with official.page.expect_download() as download:
        await internal.click()
    assert (await download.value).suggested_filename.endswith(".xlsx")
    await expect(official.page.get_by_label("購読用URL")).to_have_count(0)  # the calendar is the company's


async def test_less_typing_prefilled_details_draft_submit_and_delete(as_user, sign_in):
    applicant = await as_user("applicant1")
    earlier = await applicant.post("/applications", application_body(
        project_name="前回の申請", applicant={"industry": "医薬品製造業（前回の記載）"}))
    assert earlier.status_code == 201, earlier.text

    company = await sign_in("applicant1")
    page = company.page
    await company.goto("/applications/new")
    await expect(page.get_by_role("status").first).to_contain_text("前回の申請")
    await expect(page.locator("#f-applicant-name")).to_have_value("ペプチドリーム株式会社")
    await expect(page.locator("#f-applicant-industry")).to_have_value("医薬品製造業（前回の記載）")
    await expect(page.locator("#f-project-name")).to_have_value("")  # only the company's own details

    draft = (await applicant.post("/applications", application_body(project_name="下書きから提出"))).json()
    await company.goto(f"/applications/{draft['id']}")
    await page.locator("#submit-draft").get_by_role("button", name="提出する").click()
    await page.wait_for_url(f"**/applications/{draft['id']}")
    await expect(page.locator(".summary")).to_contain_text("受付審査")

    scratch = (await applicant.post("/applications", application_body(project_name="不要な下書き"))).json()
    await company.goto(f"/applications/{scratch['id']}")
    delete = page.locator("#delete-draft")
    await delete.get_by_role("button", name="下書きを削除する").click()  # not confirmed: nothing deleted
    await expect(page.get_by_role("alert").first).to_contain_text("削除を確認するチェック")
    assert (await applicant.get(f"/applications/{scratch['id']}")).status_code == 200
    await page.locator("#delete-draft").get_by_label("削除すると元に戻せないことを確認しました").check()
    await page.locator("#delete-draft").get_by_role("button", name="下書きを削除する").click()
    await page.wait_for_url("**/applications")
    await expect(page.get_by_role("status").first).to_contain_text("下書きを削除しました")
    assert (await applicant.get(f"/applications/{scratch['id']}")).status_code == 404
    submitted = await applicant.post(f"/applications/{draft['id']}/delete")
    assert submitted.status_code in (404, 405)  # the JSON API has no deletion; pages only delete drafts

    no_script = await sign_in("applicant1", javascript=False)
    await no_script.goto("/applications/new")
    await expect(no_script.page.locator("#autosave-status")).to_have_text("")
    await expect(no_script.page.locator("#application-form")).not_to_contain_text("自動で保存されます")


async def test_designation_starts_from_the_window_the_company_asked_for(as_user, sign_in):
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", application_body(acquisition_until="2024-03-31"))).json()
    assert (await applicant.post(f"/applications/{created['id']}/submit")).status_code == 200
    for username, body in OFFICIAL_STEPS:
        assert (await (await as_user(username)).decide(created["id"], body)).status_code == 200
    official = await sign_in("kawasaki1")
    await official.goto(f"/applications/{created['id']}")
    await expect(official.page.locator("#d-acquisition-from")).to_have_value("2022-09-01")
    await expect(official.page.locator("#d-acquisition-until")).to_have_value("2024-03-31")
    await expect(official.page.locator("#d-designated-on")).to_have_value("")
