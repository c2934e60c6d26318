"""Words on the pages, Japanese first, with English for `?lang=en`. Domain labels (statuses, governments)
come from workflows.rules so a status is called the same everywhere."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from services.core.zone.addresses import area_by_key
from workflows.contracts import Government, Role, Status
from workflows.jpdates import to_japanese_era
from workflows.rules import GOVERNMENT_LABELS_JA, STATUS_LABELS_JA

LANGUAGES = ("ja", "en")

STATUS_LABELS_EN: dict[Status, str] = {
    Status.draft: "Draft",
    Status.intake_review: "Intake review",
    Status.council_consultation: "Council consultation",
    Status.local_filing: "Local filing",
    Status.national_review: "National review",
    Status.designation: "Designation",
    Status.follow_up: "Follow-up",
    Status.revision_requested: "Revision requested",
    Status.completed: "Completed",
    Status.rejected: "Rejected",
    Status.withdrawn: "Withdrawn",
    Status.lapsed: "Lapsed",
    Status.revoked: "Revoked",
}

GOVERNMENT_LABELS_EN = {Government.kanagawa: "Kanagawa Prefecture", Government.yokohama: "Yokohama City",
                        Government.kawasaki: "Kawasaki City"}

ROLE_LABELS = {
    Role.applicant: ("申請企業", "Applicant company"),
    Role.secretariat: ("地域協議会事務局", "Council secretariat"),
    Role.local_official: ("自治体職員", "Local official"),
    Role.national_official: ("内閣府", "Cabinet Office"),
    Role.admin: ("運用管理者", "Operator"),
    Role.lender: ("指定金融機関", "Designated financial institution"),
}

MEASURE_LABELS = {
    "tax_incentive": ("国際戦略総合特区設備等投資促進税制（別紙1-2）", "Investment tax incentive (annex 1-2)"),
    "interest_subsidy": ("国際戦略総合特区支援利子補給金（別紙1-5）", "Interest subsidy (annex 1-5)"),
    "regional_innovation_program": ("地域イノベーション・エコシステム形成プログラム（別紙1-4）",
                                    "Regional innovation ecosystem programme (annex 1-4)"),
}

ASSET_CLASS_LABELS = {
    "machinery": ("機械・装置", "Machinery and equipment"),
    "rd_instrument": ("開発研究用器具・備品", "R&D instruments"),
    "building": ("建物", "Buildings"),
    "building_attachment": ("建物附属設備", "Building attachments"),
    "structure": ("構築物", "Structures"),
}

OUTCOME_LABELS = {
    "accept": ("受理（協議へ進める）", "Accept (to council)"),
    "return": ("差戻し（補正依頼）", "Return for revision"),
    "reject": ("却下", "Reject"),
    "not_required": ("再協議不要（協議済みの内容に変更なし・理由を記録）",
                     "No new consultation (consulted content unchanged; reason recorded)"),
    "agree": ("了承", "Agree"),
    "file": ("計画変更を申請", "File with the Cabinet Office"),
    "certify": ("認定", "Certify"),
    "designate": ("指定", "Designate"),
    "complete": ("フォローアップ完了", "Complete follow-up"),
    "revoke": ("指定取消", "Revoke"),
    "confirm": ("確認", "Confirm"),
    "query": ("照会", "Query"),
}

COUNCIL_METHOD_LABELS = {
    "meeting": ("協議会を開催", "Council meeting"),
    "individual_visits": ("個別訪問", "Individual visits"),
    "ict": ("ICTを活用した協議（書面・オンライン）", "Written / online round (ICT)"),
}

EVENT_KIND_LABELS = {
    "submitted": ("提出", "Submitted"),
    "resubmitted": ("再提出", "Resubmitted"),
    "decision": ("判断", "Decision"),
    "withdrawn": ("取下げ", "Withdrawn"),
    "lapsed": ("期限切れ", "Lapsed"),
    "step_overdue": ("目標期間超過", "Step overdue"),
    "deadline_missed": ("期限超過", "Deadline missed"),
    "deadline_extended": ("期限延長", "Deadline extended"),
    "acquisition_reported": ("取得報告", "Acquisition reported"),
    "acquisition_reviewed": ("取得報告の確認", "Acquisition reviewed"),
    "annual_report_filed": ("事業実施状況報告", "Annual report filed"),
    "completed": ("フォローアップ完了", "Follow-up completed"),
    "plan_changed": ("計画の軽微な変更", "Minor plan change"),
}

# Plan changes (docs/plan-changes.md): what the rules found, where a change is, what a version stands on.
CHANGE_KIND_LABELS = {
    "minor": ("軽微な変更（届出のみ）", "Minor change (notification only)"),
    "not_minor": ("軽微でない変更（協議・申請・認定）", "Not minor (council, filing, certification)"),
    "secretariat": ("事務局が判断", "For the secretariat to decide"),
}
CHANGE_STATUS_LABELS = {
    "awaiting_classification": ("事務局の判断待ち", "Awaiting the secretariat"),
    "council_consultation": ("地域協議会協議", "Council consultation"),
    "local_filing": ("計画変更申請", "Local filing"),
    "national_review": ("内閣府審査", "National review"),
    "designation": ("再指定", "Designation again"),
    "revision_requested": ("補正依頼中", "Revision requested"),
    "recorded": ("記録済み（軽微な変更）", "Recorded (minor change)"),
    "in_force": ("認定・再指定済み（現行）", "Certified and designated (in force)"),
    "rejected": ("却下", "Rejected"),
    "ended": ("終了（申請の手続が終了）", "Ended (the application ended)"),
}
VERSION_BASIS_LABELS = {
    "designation": ("指定", "Designation"),
    "minor_change": ("軽微な変更", "Minor change"),
    "certified_change": ("変更の認定・再指定", "Certified change"),
}

DEADLINE_KIND_LABELS = {
    "step_target": ("審査目標日", "Step target date"),
    "revision_request": ("補正期限", "Revision deadline"),
    "acquisition_window": ("設備取得期限", "Acquisition deadline"),
    "planned_acquisition": ("取得予定日", "Planned acquisition"),
    "annual_report": ("事業実施状況報告の期限", "Annual report due"),
}

# Labels of the application form's fields (別紙1-2 and 別添3) and of the decision fields.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "measure": ("特別の措置", "Special measure"),
    "project_name": ("事業名", "Project name"),
    "solution": ("解決策", "Solution"),
    "applicant.corporate_number": ("法人番号", "Corporate number"),
    "applicant.name": ("名称", "Company name"),
    "applicant.postal_code": ("郵便番号", "Postal code"),
    "applicant.address": ("所在地", "Address"),
    "applicant.phone": ("電話番号", "Phone"),
    "applicant.founded_on": ("設立年月日", "Founded on"),
    "applicant.capital_jpy": ("資本金（円）", "Capital (JPY)"),
    "applicant.industry": ("業種", "Industry"),
    "applicant.business_summary": ("業務概要", "Business summary"),
    "applicant.details": ("詳細", "Details"),
    "applicant.history": ("沿革", "History"),
    "content": ("a) 事業の内容（開発・製造・提供する製品又はサービス）", "a) Products or services"),
    "rule_clauses": ("b) 該当する施行規則の条項", "b) Clauses of the Enforcement Regulations"),
    "necessity": ("c) 特区の目標達成のための位置付け及び必要性", "c) Position and necessity for the zone"),
    "equipment_overview": ("d) 設置する設備の概要", "d) Overview of the equipment"),
    "equipment_items": ("取得予定設備", "Planned equipment items"),
    "implementer": ("e) 実施主体", "e) Implementer"),
    "business_area": ("f) 事業実施場所", "f) Business area"),
    "business_start_on": ("g) 事業開始日", "g) Business start"),
    "acquisition_from": ("g) 設備取得開始日", "g) Equipment acquisition from"),
    "acquisition_until": ("g) 設備取得期限", "g) Equipment acquisition until"),
    "undisclosed_fields": ("非公表とする項目", "Undisclosed fields"),
    "asset_class": ("資産の種類", "Asset class"),
    "description": ("設備の内容", "Description"),
    "planned_cost_jpy": ("取得予定価額（円）", "Planned cost (JPY)"),
    "planned_acquisition_on": ("取得予定日", "Planned acquisition date"),
    # decisions
    "outcome": ("判断", "Outcome"),
    "reason": ("理由・コメント", "Reason / comment"),
    "method": ("協議の方法", "Consultation method"),
    "held_from": ("協議日（開始）", "Held from"),
    "held_to": ("協議日（終了）", "Held until"),
    "opinions": ("意見", "Opinions"),
    "responses": ("意見に対する対応", "Responses"),
    "filed_on": ("申請日", "Filed on"),
    "reference": ("文書番号", "Reference"),
    "certified_on": ("認定日", "Certified on"),
    "designation_number": ("指定番号", "Designation number"),
    "designated_on": ("指定日", "Designated on"),
    "file": ("ファイル", "File"),
    # a plan change recorded in an application's timeline
    "plan_change_id": ("計画変更番号", "Plan change"),
    "version": ("版", "Version"),
    "minor": ("軽微な変更", "Minor change"),
    "summary": ("変更内容", "What changed"),
}

# Where a decision field shares a name with a form field but means the designation's own window.
DECISION_LABELS: dict[str, tuple[str, str]] = {
    "acquisition_from": ("取得期間（開始日）", "Acquisition window from"),
    "acquisition_until": ("取得期間（期限）", "Acquisition window until"),
}

# The zone's cities (data/zone-areas.json), for refusals that list a city's areas.
CITY_LABELS: dict[str, tuple[str, str]] = {
    "川崎市": ("川崎市", "Kawasaki"), "横浜市": ("横浜市", "Yokohama"), "藤沢市": ("藤沢市", "Fujisawa"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "app_name": ("tokku 特区申請", "tokku special-zone applications"),
    "zone_name": ("京浜臨海部ライフイノベーション国際戦略総合特区", "Keihin Coastal Life Innovation Special Zone"),
    "login": ("ログイン", "Sign in"),
    "logout": ("ログアウト", "Sign out"),
    "username": ("ユーザー名", "Username"),
    "password": ("パスワード", "Password"),
    "bad_credentials": ("ユーザー名またはパスワードが正しくありません", "Wrong username or password"),
    "language": ("English", "日本語"),
    "my_applications": ("申請一覧", "My applications"),
    "applications": ("申請の検索", "Applications"),
    "inbox": ("受信箱（担当案件）", "Inbox"),
    "dashboard": ("特区ダッシュボード", "Zone dashboard"),
    "new_application": ("新規申請を作成", "New application"),
    "status": ("状況", "Status"),
    "next_deadline": ("次の期限", "Next deadline"),
    "updated": ("更新", "Updated"),
    "no_applications": ("申請はまだありません", "No applications yet"),
    "save_draft": ("下書き保存", "Save draft"),
    "submit": ("提出する", "Submit"),
    "resubmit": ("補正して再提出する", "Resubmit"),
    "withdraw": ("申請を取り下げる", "Withdraw application"),
    "withdraw_confirm": ("取り下げると元に戻せないことを確認しました", "I understand a withdrawal cannot be undone"),
    "withdraw_reason": ("取下げの理由", "Reason for withdrawal"),
    "withdraw_unconfirmed": ("取下げを確認するチェックを入れてください", "Tick the box to confirm the withdrawal"),
    "edit": ("申請内容を編集", "Edit application"),
    "saved": ("下書きを保存しました", "Draft saved"),
    "submitted": ("申請を提出しました", "Application submitted"),
    "resubmitted": ("再提出しました", "Application resubmitted"),
    "withdrawn": ("申請を取り下げました", "Application withdrawn"),
    "decided": ("判断を記録しました", "Decision recorded"),
    "form_has_errors": ("入力内容に誤りがあります。各項目の表示を確認してください（入力した内容は保持されています）",
                        "Some fields need attention; everything you typed is kept."),
    "required_mark": ("提出時必須", "required to submit"),
    "undisclosed": ("非公表", "Undisclosed"),
    "undisclosed_tick": ("「{label}」を非公表にする", "Mark “{label}” undisclosed"),
    "undisclosed_note": ("チェックした項目は公表資料で《非公表》と表示されます",
                         "Ticked fields are printed as 《非公表》 in public documents"),
    "date_hint": ("2022-09-01 または 令和4年9月1日", "2022-09-01 or 令和4年9月1日 (Japanese era)"),
    "lines_hint": ("1行に1件", "one per line"),
    "history_hint": ("1行に1件: 日付 内容（例: 令和2年4月1日 本社移転）", "one per line: date text (e.g. 2020-04-01 Moved HQ)"),
    "area_hint": ("特区の17区域のいずれかにある住所を、市区町村から番地まで入力してください（例: 川崎市川崎区殿町三丁目25番22号）。"
                  "入力すると該当する区域を表示します。",
                  "An address in one of the zone's 17 areas, from the city down to the block number (e.g. "
                  "川崎市川崎区殿町三丁目25番22号); the area it falls in is shown as you type."),
    "zone_areas_list": ("特区の区域一覧（17区域）", "The zone's 17 areas"),
    "zone_area": ("区域", "Zone area"),
    "zone_area_recognised": ("区域: {area}（{government}）", "Zone area: {area} ({government})"),
    "zone_area_kept": ("この申請の区域として登録済み", "stored as this application's area"),
    "zone_city_areas": ("{city}の区域: {areas}", "Areas in {city}: {areas}"),
    "measure_deadline_hint": ("設備等投資促進税制の取得期限: {day}（{era}）", "the tax measure's acquisition deadline: {day}"),
    "add_item": ("設備を追加", "Add item"),
    "remove_item": ("設備 {n} を削除", "Remove item {n}"),
    "item_n": ("設備 {n}", "Item {n}"),
    "autosave_on": ("入力内容は自動で保存されます", "Changes are saved automatically"),
    "autosaved": ("自動保存しました", "Saved automatically"),
    "autosave_failed": ("自動保存できませんでした（入力に誤りがあります）", "Could not save automatically (some fields need attention)"),
    "corporate_number_ok": ("法人番号は正しい形式です", "The corporate number is valid"),
    "timeline": ("経過", "Timeline"),
    "when": ("日時", "When"),
    "who": ("担当者", "Who"),
    "step": ("段階", "Step"),
    "outcome": ("結果", "Outcome"),
    "reason": ("理由", "Reason"),
    "details": ("詳細", "Details"),
    "current_step": ("現在の段階", "Current step"),
    "held_by": ("担当", "Held by"),
    "deadlines": ("期限", "Deadlines"),
    "days_left": ("残り{n}日", "{n} days left"),
    "days_overdue": ("{n}日超過", "{n} days overdue"),
    "due_today": ("本日期限", "due today"),
    "overdue": ("期限超過", "Overdue"),
    "no_deadlines": ("現在の期限はありません", "No open deadlines"),
    "notifications": ("お知らせ", "Notifications"),
    "no_notifications": ("お知らせはありません", "No notifications"),
    "content": ("申請内容", "Application content"),
    "attachments": ("添付書類", "Attachments"),
    "no_attachments": ("添付書類はありません", "No attachments"),
    "upload": ("添付する", "Attach"),
    "attach_hint": ("PDF・画像（PNG・JPEG・GIF・WebP）、{mb}MBまで", "PDF or image (PNG, JPEG, GIF, WebP), up to {mb} MB"),
    "delete": ("削除", "Delete"),
    "attached": ("添付しました", "Attached"),
    "removed": ("削除しました", "Removed"),
    "decision_form": ("判断を記録する", "Record the decision"),
    "record_decision": ("判断を記録", "Record decision"),
    "required_for": ("必須: {outcomes}", "required for: {outcomes}"),
    "follow_up": ("フォローアップ（取得報告・事業実施状況報告）", "Follow-up (acquisitions and annual reports)"),
    "acquisition_reports": ("設備の取得報告", "Acquisition reports"),
    "no_acquisitions": ("取得報告はまだありません", "No acquisition reported yet"),
    "report_acquisition": ("設備の取得を報告する", "Report an acquisition"),
    "send_report": ("報告する", "Send report"),
    "planned_item": ("対象の取得予定設備", "Planned item it settles"),
    "unplanned_item": ("予定外の設備", "An unplanned item"),
    "asset_class": ("資産の種類", "Asset class"),
    "acq_description": ("設備の名称・型式", "Equipment (name, model)"),
    "actual_cost_jpy": ("取得価額（円）", "Actual cost (JPY)"),
    "acquired_on": ("取得日", "Acquired on"),
    "in_service_on": ("事業の用に供した日（供用開始日）", "In service on"),
    "location": ("設置場所", "Location"),
    "building_name": ("建物", "Building"),
    "building_name_input": ("建物名（建物・建物附属設備・構築物のみ。同じ建物の報告は合計額で判定）",
                            "Building (buildings, attachments and structures only: one building's reports are "
                            "judged on their total)"),
    "tax_benefit": ("税制上の効果（見込み）", "Tax benefit (estimate)"),
    "special_depreciation": ("特別償却", "Special depreciation"),
    "tax_credit": ("税額控除", "Tax credit"),
    "benefit_basis": ("指定日 {day}（{era}）の割合", "rates of the designation date {day}"),
    "provisional": ("（暫定: 延長後の割合は未登録）", "(provisional: the extension's rates are not in the data)"),
    "tax_benefit_heading": ("税制上の効果（年度別・確認済みの取得）", "Tax benefit per fiscal year (confirmed acquisitions)"),
    "tax_benefit_note": ("特別償却と税額控除はどちらか一方を設備ごとに選択します。両方の合計ではありません。"
                         "年度は供用開始日の年度（4月〜3月）です。税額控除には年度ごとの上限があります。",
                         "Each asset takes either the special depreciation or the tax credit, not both. Years are "
                         "the April–March year of the in-service date. The tax credit is capped per year."),
    "benefit_year": ("年度", "Fiscal year"),
    "fiscal_year_n": ("{n}年度", "FY{n}"),
    "option_depreciation": ("特別償却を選んだ場合（償却限度額）", "If special depreciation is chosen (limit)"),
    "option_credit": ("税額控除を選んだ場合（上限適用前）", "If the tax credit is chosen (before the cap)"),
    "credit_cap": ("税額控除の上限", "Tax credit cap"),
    "corporate_tax_input": ("{n}年度の法人税額（任意・円）", "Corporate tax of FY{n} (optional, JPY)"),
    "compute_cap": ("{n}年度の上限を計算", "Compute the FY{n} cap"),
    "cap_result": ("法人税額 {tax}円 → 控除上限 {cap}円、控除できる額 {allowed}円、切り捨て {lapsed}円",
                   "Corporate tax ¥{tax} → cap ¥{cap}, usable ¥{allowed}, lapsed ¥{lapsed}"),
    "no_confirmed_benefit": ("確認済みで要件を満たす取得はまだありません", "No confirmed acquisition meets the rules yet"),
    "findings": ("確認が必要な点", "To check"),
    "no_findings": ("要件を満たしています", "Meets the rules"),
    "review_status": ("確認状況", "Review"),
    "review_pending": ("確認待ち", "Pending"),
    "review_confirmed": ("確認済み", "Confirmed"),
    "review_queried": ("照会中", "Queried"),
    "confirm": ("確認", "Confirm"),
    "query": ("照会", "Query"),
    "review_note": ("確認メモ", "Review note"),
    "annual_reports": ("事業実施状況報告", "Annual implementation reports"),
    "no_annual_reports": ("事業実施状況報告はまだありません", "No annual report filed yet"),
    "file_annual_report": ("事業実施状況報告を提出する", "File an annual report"),
    "fiscal_year": ("対象年度", "Fiscal year"),
    "investment_to_date_jpy": ("投資額（累計・円）", "Investment to date (JPY)"),
    "employees": ("従業員数", "Employees"),
    "international_trials": ("国際共同治験数（当年度）", "International joint trials (this year)"),
    "products_launched": ("新規事業化件数（当年度）", "New commercialisations (this year)"),
    "training_participants": ("研修等の参加者数（当年度）", "Training participants (this year)"),
    "data_science": ("データサイエンスを活用している", "The project uses data science"),
    "note": ("備考", "Note"),
    "extend": ("期限を延長", "Extend"),
    "extend_deadline": ("期限の延長", "Extend a deadline"),
    "new_due_on": ("新しい期限", "New due date"),
    "extension_reason": ("延長の理由", "Reason for the extension"),
    "acquisition_reported": ("取得報告を受け付けました", "Acquisition report received"),
    "annual_report_filed": ("事業実施状況報告を受け付けました", "Annual report received"),
    "reviewed": ("確認結果を記録しました", "Review recorded"),
    "deadline_extended": ("期限を延長しました", "Deadline extended"),
    "calendar_feed": ("期限をカレンダーに登録（iCalendar）", "Subscribe to the deadlines (iCalendar)"),
    "designation_window": ("指定・取得期間", "Designation and acquisition window"),
    "sort_due": ("期限の早い順", "Due soonest"),
    "sort_due_desc": ("期限の遅い順", "Due latest"),
    "sort_new": ("新しい申請順", "Newest application"),
    "sort": ("並べ替え", "Sort"),
    "no_tasks": ("対応が必要な案件はありません", "Nothing to act on"),
    "application": ("申請", "Application"),
    "project": ("事業名", "Project"),
    "applicant": ("申請者", "Applicant"),
    "government": ("担当自治体", "Government"),
    "company": ("企業名", "Company"),
    "measure": ("特別の措置", "Measure"),
    "all": ("すべて", "All"),
    "search": ("検索", "Search"),
    "next_page": ("次のページ", "Next page"),
    "counts_per_status": ("状況別の件数", "Applications per status"),
    "targets": ("評価指標・数値目標（R4〜R8年度 累計）", "Numeric targets (FY2022–FY2026, cumulative)"),
    "indicator": ("指標", "Indicator"),
    "target": ("目標", "Target"),
    "actual": ("実績", "Actual"),
    "progress": ("達成率", "Progress"),
    "source": ("根拠", "Source"),
    "count": ("件数", "Count"),
    "not_found": ("ページが見つかりません", "Page not found"),
    "csrf_refused": ("フォームの有効期限が切れたか、不正な送信のため受け付けられませんでした。ページを再読み込みしてからもう一度送信してください。",
                     "The form's security token is missing or wrong, so it was refused. Reload the page and send it again."),
    "error": ("エラー", "Error"),
    "back_home": ("トップへ戻る", "Back to the start"),
    "skip_to_content": ("本文へ移動", "Skip to content"),
    "signed_in_as": ("ログイン中: {name}", "Signed in as {name}"),
    "view": ("詳細", "View"),
    "item": ("項目", "Item"),
    "value": ("内容", "Value"),
    "section_project": ("1. 特定国際戦略事業の名称・特別の措置", "1. Project and special measure"),
    "section_applicant": ("別添3 特別の措置の適用を受ける主体", "Annex 3: the applying company"),
    "section_a": ("2. a) 事業の内容", "2. a) Products or services"),
    "section_b": ("3. b) 該当条項", "3. b) Regulation clauses"),
    "section_c": ("4. c) 位置付け及び必要性", "4. c) Position and necessity"),
    "section_d": ("5. d) 設備の概要と取得予定設備", "5. d) Equipment overview and planned items"),
    "section_efg": ("6. e) 実施主体 f) 事業実施場所 g) 実施期間", "6. e) Implementer f) Area g) Schedule"),
    "era_reads_as": ("和暦: {era}", "Japanese era: {era}"),
    "yen": ("{n}円", "¥{n}"),
    "solution_n": ("解決策{n}", "Solution {n}"),
    "choose": ("選択してください", "Choose"),
    "zone_holder_applicant": ("申請企業（補正）", "The applicant (revision)"),
    "refused": ("受け付けられませんでした", "Refused"),
    "register_title": ("特定国際戦略事業の実施主体の指定等の公表", "Public register of designated companies"),
    "register_intro": ("京浜臨海部ライフイノベーション国際戦略総合特区において、神奈川県・横浜市・川崎市が指定した法人、"
                       "計画変更に伴う指定及び指定の取消しを公表します（新しい順）。非公表とされた項目は《非公表》と表示します。",
                       "Companies designated by Kanagawa Prefecture, Yokohama City and Kawasaki City in the Keihin "
                       "Coastal Life Innovation Special Zone, designations after a plan change, and revocations (newest "
                       "first). Fields a company keeps undisclosed are shown as undisclosed."),
    "register_csv": ("CSVでダウンロード", "Download as CSV"),
    "register_atom": ("更新情報（Atomフィード）", "Updates (Atom feed)"),
    "register_caption": ("公表件数: {n}件", "{n} entries"),
    "register_kind": ("区分", "Entry"),
    "register_date": ("日付", "Date"),
    "register_government": ("指定自治体", "Designated by"),
    "register_kind_designation": ("指定", "Designation"),
    "register_kind_change": ("変更（計画変更後の指定）", "Change (designated again after a plan change)"),
    "register_kind_revocation": ("指定取消", "Revocation"),
    "register_empty": ("公表する指定はまだありません", "Nothing has been designated yet"),
    "register_basis": ("根拠: 総合特別区域法第26条第4項（指定及び指定の取消しの公表）",
                       "Published under Article 26(4) of the Comprehensive Special Zones Act (designations and "
                       "revocations are made public)."),
    "evaluation": ("評価書（案）", "Evaluation draft"),
    "evaluation_download": ("評価書（案）をダウンロード", "Download the draft"),
    "evaluation_targets": ("数値目標の達成状況（当年度まで）", "Numeric targets (through this year)"),
    "evaluation_year_tokku": ("当年度（tokku）", "This year (tokku)"),
    "evaluation_year_entered": ("当年度（事務局入力）", "This year (entered)"),
    "evaluation_cumulative": ("累計", "Cumulative"),
    "evaluation_acquisitions": ("取得報告 {count}件（{companies}社）、取得価額の合計 {total}円",
                                "{count} acquisitions by {companies} companies, ¥{total} in all"),
    "evaluation_loans": ("国際戦略総合特区支援利子補給金（融資）", "Interest subsidy (loans)"),
    "evaluation_no_data": ("【データなし】", "[No data]"),
    "evaluation_figures": ("tokku以外の数値（事務局入力）", "Figures from outside tokku (entered by the secretariat)"),
    "evaluation_enter": ("数値を入力（同じ項目名は上書き）", "Enter a figure (the same label replaces it)"),
    "evaluation_unit": ("単位", "Unit"),
    "evaluation_target_no": ("対象の数値目標", "Target it adds to"),
    "evaluation_save": ("登録する", "Save"),
    "evaluation_none": ("該当なし", "None"),
    "figure_saved": ("数値を登録しました", "Figure saved"),
    "register_link": ("指定等の公表", "Public register"),
    "undisclosed_value": ("《非公表》", "Undisclosed"),
    "plan_changes": ("計画の変更", "Plan changes"),
    "yes": ("はい", "Yes"),
    "no": ("いいえ", "No"),
    "plan_change": ("計画の変更", "Plan change"),
    "plan_change_n": ("計画変更 #{n}", "Plan change #{n}"),
    "propose_plan_change": ("計画の変更を申請する", "Propose a plan change"),
    "plan_change_form_intro": ("変更する項目だけを書き換えてください。軽微な変更（取得予定価額の小さな増減、取得期間内での取得予定日の変更など）は届出として記録され、"
                               "それ以外は地域協議会の協議・計画変更の申請・内閣府の認定・再指定を経て有効になります。それまでは現行の計画が有効です。",
                               "Change only what changes. A minor change (a small cost change, a planned date moved within the "
                               "window…) is recorded as a notification; any other goes through the council, filing, the Cabinet "
                               "Office's certification and designation again. The version in force stays in force until then."),
    "change_reason": ("変更の理由", "Reason for the change"),
    "send_plan_change": ("変更を申請する", "Send the change"),
    "plan_change_proposed": ("計画の変更を受け付けました", "Plan change received"),
    "plan_change_classified": ("区分を記録しました", "Classification recorded"),
    "versions": ("計画の版", "Versions of the plan"),
    "version_n": ("第{n}版", "Version {n}"),
    "in_force": ("現行", "In force"),
    "in_force_from": ("有効となった日時", "In force from"),
    "basis": ("根拠", "Basis"),
    "change_status": ("手続の状況", "Status"),
    "classification": ("区分（ルールによる判定）", "Classification (by the rules)"),
    "decided_minor": ("事務局の判断", "The secretariat's decision"),
    "minor_yes": ("軽微な変更とする（届出として記録）", "Minor (record as a notification)"),
    "minor_no": ("軽微でない変更とする（協議・申請・認定へ）", "Not minor (to the council, filing, certification)"),
    "classify": ("区分を記録", "Record the classification"),
    "classification_reason": ("判断の理由", "Reason for the decision"),
    "diff": ("変更内容（現行の計画との比較）", "What changes (against the version in force)"),
    "field": ("項目", "Field"),
    "before_version": ("現行（第{n}版）", "In force (version {n})"),
    "after_change": ("変更後", "After the change"),
    "rule": ("判定の根拠", "Rule"),
    "item_added": ("追加", "added"),
    "item_dropped": ("取りやめ", "dropped"),
    "drop_item": ("取りやめ", "Drop"),
    "new_item": ("新規", "new"),
    "resubmit_change": ("補正して再提出する", "Resubmit the change"),
    "plan_change_tasks": ("計画の変更（対応が必要なもの）", "Plan changes to act on"),
    "no_plan_changes": ("計画の変更はありません", "No plan changes"),
    "version_brought": ("有効となった版", "Version brought into force"),
    "chart_caption": ("年度別の積み上げ（色）と、期間の経過に応じた目安（赤の破線）。取得報告・事業実施状況報告（照会中を除く）と指定から集計",
                      "Stacked by fiscal year (colours); the red dashed line is where steady progress would be by now. "
                      "From acquisition and annual reports (queried ones left out) and designations."),
    # accounts (docs/accounts.md)
    "signup": ("新規企業登録（利用登録）", "Sign up your company"),
    "signup_intro": ("法人番号・名称・所在地と、最初の利用者（貴社の管理者）のメールアドレスを入力してください。確認用のリンクをメールでお送りします。",
                     "Type your company's corporate number, name and address, and the e-mail address of its first "
                     "user (its administrator). We mail a link to verify the address."),
    "corporate_number": ("法人番号", "Corporate number"),
    "company_name": ("法人名", "Company name"),
    "company_address": ("所在地", "Address"),
    "email": ("メールアドレス", "E-mail address"),
    "display_name": ("氏名（表示名）", "Your name"),
    "send_signup": ("確認メールを送信", "Send the verification mail"),
    "signup_sent": ("確認メールを送信しました", "Verification mail sent"),
    "signup_sent_text": ("{email} 宛てに確認用のリンクを送りました。リンクを開いてパスワードを設定すると登録が完了します（有効期限{hours}時間・1回限り）。",
                         "We sent a link to {email}. Open it and set a password to finish (it works once, for {hours} hours)."),
    "signup_verify": ("登録の完了（パスワード設定）", "Finish signing up (set a password)"),
    "new_password": ("パスワード（10文字以上・推測されにくいもの）", "Password (at least 10 characters, hard to guess)"),
    "new_password_again": ("パスワード（確認）", "Password (again)"),
    "passwords_differ": ("確認用のパスワードが一致しません", "The two passwords differ"),
    "set_password": ("パスワードを設定", "Set password"),
    "signed_up": ("登録が完了しました。貴社の管理者としてログインしています", "Your company is signed up; you are its administrator"),
    "field_required": ("入力してください", "Required"),
    "change_row": ("変更{n}行目", "Change row {n}"),
    "total": ("計", "Total"),
    "annex_1_5": ("別紙1-5", "Annex 1-5"),
    "field_too_long": ("長すぎます", "Too long"),
    "email_invalid": ("メールアドレスの形式が正しくありません", "Not a valid e-mail address"),
    "have_account": ("アカウントをお持ちの方はログイン", "Already have an account? Sign in"),
    "forgot_password": ("パスワードを忘れた方", "Forgot your password?"),
    "no_account": ("企業の新規登録はこちら", "New company? Sign up"),
    "sign_in_with": ("{provider}でログイン", "Sign in with {provider}"),
    "second_factor": ("二段階認証", "Second factor"),
    "one_time_code": ("確認コード（認証アプリの6桁、またはリカバリーコード）", "One-time code (6 digits from the app, or a recovery code)"),
    "verify_code": ("確認", "Verify"),
    "second_factor_intro": ("認証アプリに表示されている6桁のコードを入力してください。", "Type the 6-digit code your authenticator app shows."),
    "code_wrong": ("確認コードが正しくないか、有効期限切れか、使用済みです", "The code is wrong, expired or already used"),
    "invitation": ("招待の受諾", "Accept the invitation"),
    "invitation_intro": ("{organization} のアカウント（{name} さん）に招待されています。招待メールを受け取ったアドレスを入力し、パスワードを設定してください。",
                         "You are invited to the account of {organization} ({name}). Type the address the invitation was sent to and set a password."),
    "totp_setup": ("認証アプリ（Google Authenticator、Microsoft Authenticator 等）でQRコードを読み取り、表示された6桁のコードを入力してください。読み取れない場合は次のキーを入力してください: ",
                   "Scan the QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, …) and type the 6-digit code it shows. If you cannot scan, type this key: "),
    "totp_code": ("認証アプリの確認コード（6桁）", "Code from the authenticator app (6 digits)"),
    "accept_invitation": ("招待を受諾する", "Accept"),
    "recovery_codes": ("リカバリーコード", "Recovery codes"),
    "recovery_codes_text": ("認証アプリを使えないときに、確認コードの代わりに1回ずつ使えます。今だけ表示されます。安全な場所に保管してください。",
                            "Each one signs you in once instead of a code when the app is not at hand. They are shown only now: keep them safe."),
    "continue": ("続ける", "Continue"),
    "welcome": ("アカウントの設定が完了しました", "Your account is ready"),
    "password_reset": ("パスワードの再設定", "Reset your password"),
    "password_reset_intro": ("登録したメールアドレスを入力してください。再設定用のリンクをお送りします。", "Type your address; we mail you a link to set a new password."),
    "send_reset": ("再設定用リンクを送信", "Send the link"),
    "reset_sent": ("アカウントのあるアドレスであれば、再設定用のリンクを送信しました（有効期限{minutes}分・1回限り）。",
                   "If the address has an account, a link was sent to it (it works once, for {minutes} minutes)."),
    "password_changed": ("パスワードを変更しました。新しいパスワードでログインしてください", "Password changed: sign in with it"),
    "my_account": ("アカウント", "Account"),
    "account_of": ("{name} のアカウント", "Account of {name}"),
    "organization": ("所属", "Organisation"),
    "role": ("役割", "Role"),
    "company_admin": ("企業の管理者", "Company administrator"),
    "second_factor_on": ("設定済み", "Set"),
    "second_factor_off": ("未設定", "Not set"),
    "sign_out_everywhere": ("すべての端末からログアウト", "Sign out everywhere"),
    "sign_out_everywhere_text": ("この端末を含む、すべてのブラウザーとAPIトークンのログインを終了します。", "Ends every page session and API token of yours, this one included."),
    "signed_out_everywhere": ("すべての端末からログアウトしました", "Signed out everywhere"),
    "users": ("ユーザー管理", "Users"),
    "company_users": ("貴社のユーザー", "Your company's users"),
    "invite_colleague": ("同僚を招待", "Invite a colleague"),
    "send_invitation": ("招待を送信", "Send invitation"),
    "invited": ("招待を送信しました", "Invitation sent"),
    "user_state": ("状態", "State"),
    "state_active": ("有効", "Active"),
    "state_pending": ("招待中", "Invited"),
    "state_disabled": ("無効", "Disabled"),
    "actions": ("操作", "Actions"),
    "disable_user": ("無効にする", "Disable"),
    "disable_user_n": ("{name} を無効にする", "Disable {name}"),
    "hand_over": ("管理者を引き継ぐ", "Hand over admin"),
    "hand_over_n": ("{name} に管理者を引き継ぐ", "Hand over admin to {name}"),
    "confirm_disable": ("ユーザーを無効にする", "Disable a user"),
    "confirm_disable_text": ("{name}（{username}）を無効にします。この方のすべてのログインとAPIトークンは直ちに使えなくなり、申請も見えなくなります。",
                             "{name} ({username}) will be disabled: every session and API token of theirs stops working at once, and they see no application."),
    "confirm_hand_over": ("管理者の引き継ぎ", "Hand over the administrator role"),
    "confirm_hand_over_text": ("{name}（{username}）を貴社の管理者にします。あなたは管理者ではなくなります。",
                               "{name} ({username}) becomes your company's administrator; you stop being one."),
    "confirm_tick": ("内容を確認しました", "I have checked this"),
    "confirm_missing": ("確認のチェックを入れてください", "Tick the box to confirm"),
    "do_disable": ("無効にする", "Disable"),
    "do_hand_over": ("引き継ぐ", "Hand over"),
    "cancel": ("キャンセル", "Cancel"),
    "user_disabled": ("ユーザーを無効にしました", "User disabled"),
    "admin_handed_over": ("管理者を引き継ぎました", "Administrator role handed over"),
    "officials": ("職員アカウント", "Officials' accounts"),
    "provision_official": ("職員を登録（招待）", "Provision an official"),
    "provisioned": ("職員を登録し、招待リンクを発行しました: {url}", "Official provisioned; invitation link: {url}"),
    "all_users": ("すべてのユーザー", "All users"),
    "username_col": ("ユーザー名", "Username"),
    "oidc_unknown_person": ("この法人は登録済みですが、あなたのアカウントはありません。貴社の管理者に招待を依頼してください（管理者はお知らせできません）。",
                            "Your company is registered, but you have no account: ask your company's administrator to invite you (we cannot say who that is)."),
    "oidc_prefilled": ("{provider}で確認された内容を入力済みです。所在地を確認して送信してください。", "Filled in with what {provider} verified: check the address and send."),
}

# Issue 20 (follow-up people can live with): decisions that cannot be undone, queries, deadlines in sight.
MESSAGES.update({
    "outcome_missing": ("判断の結果を選択してください（あらかじめ選ばれた結果はありません）",
                        "Choose the outcome (none is chosen for you)"),
    "irreversible_confirm": ("この判断は元に戻せないことを確認しました", "I understand this decision cannot be undone"),
    "irreversible_hint": ("{outcomes} は元に戻せません。理由を記入し、確認のチェックを入れてください",
                          "{outcomes} cannot be undone: give the reason and tick the box"),
    "irreversible_unconfirmed": ("元に戻せない判断です。確認のチェックを入れてください",
                                 "This decision cannot be undone: tick the box to confirm it"),
    "irreversible_reason_missing": ("元に戻せない判断には理由を記入してください",
                                    "Give the reason for a decision that cannot be undone"),
    "withdraw_reason_missing": ("取下げの理由を記入してください", "Give the reason for the withdrawal"),
    "query_note_hint": ("照会する場合は、事業者に回答・訂正を求める内容を記入してください（必須）",
                        "To query, write what the company should answer or correct (required)"),
    "query_sent": ("照会しました。事業者に通知しました", "Query sent; the company has been notified"),
    "queries": ("照会と回答", "Queries and answers"),
    "no_queries": ("照会はありません", "No queries"),
    "message_query": ("照会", "Query"),
    "message_answer": ("回答", "Answer"),
    "corrected_to_version": ("訂正（第{n}版）", "Corrected (version {n})"),
    "answer_query": ("照会に回答する", "Answer the query"),
    "answer_note": ("回答", "Your answer"),
    "correct_report": ("報告の訂正", "Correct the report"),
    "correct_report_tick": ("報告を次の内容に訂正する（訂正前の版も保存されます）",
                            "Correct the report to the figures below (the earlier version is kept)"),
    "answer_attach": ("添付書類（PDF・画像）", "Attach a document (PDF or image)"),
    "send_answer": ("回答を送信", "Send the answer"),
    "answer_sent": ("回答を送信しました。報告は再び確認待ちになりました", "Answer sent; the report is back for review"),
    "acquisition_report_n": ("取得報告 #{n}", "Acquisition report #{n}"),
    "annual_report_year": ("{year}年度の事業実施状況報告", "Annual report for fiscal year {year}"),
    "documents": ("書類・カレンダー", "Documents and calendar"),
    "document_exports": ("計画の書類（出力）", "The plan's documents (export)"),
    "document": ("書類", "Document"),
    "document_betten3": ("別添3 特別の措置の適用を受ける主体の特定の状況", "Annex 3: the entities the special measures apply to"),
    "document_besshi": ("別紙1-2・1-4・1-5 国際戦略事業", "Schedules 1-2, 1-4, 1-5: the international strategic projects"),
    "document_betten6": ("別添6 地域協議会の協議の概要", "Annex 6: summary of the regional council's consultation"),
    "document_targets": ("評価指標・数値目標の達成状況", "Indicators and numerical targets"),
    "audience_public": ("公表版", "Public version"),
    "audience_internal": ("内部資料（非公表情報を含む）", "Internal (with undisclosed information)"),
    "format_html": ("表示", "View"),
    "format_xlsx": ("Excel", "Excel"),
    "format_csv": ("CSV", "CSV"),
    "format_md": ("Markdown", "Markdown"),
    "calendar_subscription": ("期限のカレンダー（購読）", "Deadlines calendar (subscription)"),
    "calendar_hint": ("このURLをカレンダーアプリに登録すると、貴社の申請の期限が表示され、期限前に通知されます。URLは貴社専用です。第三者に共有しないでください。",
                      "Add this address to your calendar app to see your company's deadlines, with alerts before each. It is your company's own: do not share it."),
    "calendar_url": ("購読用URL", "Subscription address"),
    "calendar_download": ("カレンダーファイルをダウンロード（.ics）", "Download the calendar file (.ics)"),
    "autosave_off": ("JavaScriptが無効のため自動保存されません。「下書き保存」で保存してください",
                     "JavaScript is off, so nothing is saved automatically: use Save draft"),
    "draft_actions": ("下書きの提出", "Submit the draft"),
    "delete_draft": ("下書きを削除する", "Delete the draft"),
    "delete_draft_text": ("この下書きと添付書類を削除します。削除すると元に戻せません（未提出のため記録には残りません）。",
                          "This draft and its attachments are deleted. This cannot be undone (it was never submitted, so nothing stays on record)."),
    "delete_draft_confirm": ("削除すると元に戻せないことを確認しました", "I understand the deletion cannot be undone"),
    "delete_unconfirmed": ("削除を確認するチェックを入れてください", "Tick the box to confirm the deletion"),
    "draft_deleted": ("下書きを削除しました", "Draft deleted"),
    "reports_waiting_review": ("確認待ちの報告", "Reports waiting for review"),
    "reports_waiting_answer": ("照会への回答が必要な報告", "Reports queried: your answer is needed"),
    "report": ("報告", "Report"),
    "since": ("日時", "Since"),
    "overdue_deadlines": ("期限を過ぎた事項", "Deadlines passed"),
    "overdue_what_to_do": ("対応: {what}。遅れて提出・報告することもできます。期限の延長が必要な場合は担当の職員にご相談ください。",
                           "To do: {what}. You can still file or report late; if you need more time, ask the official in charge for an extension."),
})
DECISION_LABELS.update({
    "override_reason": ("未了の事項があっても完了とする理由", "Why complete although something is still open"),
    "note": ("照会・確認の内容", "Note"),
    "fiscal_year": ("年度", "Fiscal year"),
    "corrected": ("報告の訂正", "Report corrected"),
    "attachments": ("添付書類の数", "Documents attached"),
})
EVENT_KIND_LABELS.update({
    "annual_report_reviewed": ("事業実施状況報告の確認", "Annual report reviewed"),
    "report_answered": ("照会への回答", "Query answered"),
})


# --- messages from validation and refusals, in the page's language -------------------------------------------
# pydantic speaks English ("Field required", "Input should be 'machinery', …"): each error type a form can meet
# has its words here, so no page shows pydantic's text or an enum value. {…} are pydantic's own ctx values.
VALIDATION_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("入力してください", "Required"),
    "string_too_short": ("入力してください", "Required"),
    "string_too_long": ("{max_length}文字以内で入力してください", "Use at most {max_length} characters"),
    "string_type": ("文字で入力してください", "Enter text"),
    "string_pattern_mismatch": ("形式が正しくありません", "Not in the expected form"),
    "int_parsing": ("整数で入力してください（例: 3,900,000）", "Enter a whole number (e.g. 3,900,000)"),
    "int_type": ("整数で入力してください（例: 3,900,000）", "Enter a whole number (e.g. 3,900,000)"),
    "int_from_float": ("整数で入力してください（例: 3,900,000）", "Enter a whole number (e.g. 3,900,000)"),
    "float_parsing": ("数値で入力してください", "Enter a number"),
    "float_type": ("数値で入力してください", "Enter a number"),
    "finite_number": ("数値で入力してください", "Enter a number"),
    "decimal_parsing": ("数値で入力してください", "Enter a number"),
    "decimal_max_places": ("小数点以下は{decimal_places}桁までで入力してください",
                           "Use at most {decimal_places} decimals"),
    "greater_than": ("{gt}より大きい値を入力してください", "Enter a value above {gt}"),
    "greater_than_equal": ("{ge}以上の値を入力してください", "Enter {ge} or more"),
    "less_than": ("{lt}未満の値を入力してください", "Enter a value below {lt}"),
    "less_than_equal": ("{le}以下の値を入力してください", "Enter {le} or less"),
    "enum": ("一覧から選択してください", "Choose one from the list"),
    "literal_error": ("一覧から選択してください", "Choose one from the list"),
    "bool_parsing": ("はい・いいえを選択してください", "Choose yes or no"),
    "date_parsing": ("日付を 2026-04-01 または 令和8年4月1日 の形で入力してください",
                     "Enter a date as 2026-04-01 or 令和8年4月1日"),
    "date_from_datetime_parsing": ("日付を 2026-04-01 または 令和8年4月1日 の形で入力してください",
                                   "Enter a date as 2026-04-01 or 令和8年4月1日"),
    "date_from_datetime_inexact": ("日付を入力してください（時刻は不要です）", "Enter a date (no time)"),
    "date_type": ("日付を 2026-04-01 または 令和8年4月1日 の形で入力してください",
                  "Enter a date as 2026-04-01 or 令和8年4月1日"),
    "datetime_parsing": ("日時を 2026-04-01 10:00 の形で入力してください", "Enter a date and time as 2026-04-01 10:00"),
    "too_short": ("1件以上入力してください", "Enter at least one"),
    "too_long": ("件数が多すぎます（{max_length}件まで）", "Too many (at most {max_length})"),
    "list_type": ("一覧で入力してください", "Enter a list"),
    "dict_type": ("入力内容を確認してください", "Check what you entered"),
    "model_type": ("入力内容を確認してください", "Check what you entered"),
    "extra_forbidden": ("この項目は入力できません", "This field is not accepted here"),
    "json_invalid": ("入力内容を確認してください", "Check what you entered"),
    "url_parsing": ("URLの形式が正しくありません", "Not a valid URL"),
    "value_error": ("入力内容を確認してください", "Check what you entered"),
    "assertion_error": ("入力内容を確認してください", "Check what you entered"),
}
CHECK_INPUT = ("入力内容を確認してください", "Check what you entered")

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")


def has_japanese(text: str) -> bool:
    return bool(_JAPANESE.search(text))


def in_language(text: str, lang: str) -> str | None:
    """A message written in both languages ("日本語 / English" or "English / 日本語", as the validators and
    services word them) → the part in `lang`; a message in one language only → itself if it is in `lang`,
    None if not (the caller puts its own words instead)."""
    text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
    parts = [part.strip() for part in text.split(" / ")]
    if len(parts) > 1:
        japanese = [i for i, part in enumerate(parts) if has_japanese(part)]
        if japanese and len(japanese) < len(parts):
            # The Japanese half is the run of parts that begins (or ends) with Japanese; the rest is English.
            cut = japanese[-1] + 1 if japanese[0] == 0 else japanese[0]
            first, second = " / ".join(parts[:cut]), " / ".join(parts[cut:])
            ja, en = (first, second) if japanese[0] == 0 else (second, first)
            return ja if lang == "ja" else en
    if has_japanese(text):
        return text if lang == "ja" else None
    return text if lang == "en" else None


def validation_message(error: dict[str, Any], lang: str) -> str:
    """One pydantic error (ValidationError.errors() item, or a service's {field, message[, message_ja, type]})
    as a person reads it in `lang`."""
    index = 0 if lang == "ja" else 1
    if error.get("message_ja") and error.get("message"):
        return (error["message_ja"], error["message"])[index]
    ctx = error.get("ctx") or {}
    if ctx.get("message_ja") and ctx.get("message"):  # our own custom errors carry both (zone_area)
        return (ctx["message_ja"], ctx["message"])[index]
    kind = error.get("type")
    text = error.get("msg") or error.get("message") or ""
    if kind not in VALIDATION_MESSAGES or kind in ("value_error", "assertion_error"):
        found = in_language(text, lang)  # our validators word their errors in both languages
        if found:
            return found
    pair = VALIDATION_MESSAGES.get(kind or "", CHECK_INPUT)
    try:
        return pair[index].format(**{k: v for k, v in (error.get("ctx") or {}).items()})
    except (KeyError, IndexError):
        return CHECK_INPUT[index]


def refusal_message(error: Any, lang: str) -> str:
    """A DomainError's own message in `lang` (services give both). The English one is also the API's, which
    names steps and outcomes by their keys ("the application is at council_consultation, not at intake_review",
    "choose one of accept, return"): a page shows their labels instead."""
    if lang == "ja":
        return error.message_ja
    return peoples_words(error.message)


_PEOPLES_WORDS: dict[str, str] = {
    **{status.value: f"“{label}”" for status, label in STATUS_LABELS_EN.items()},
    **{outcome: f"“{labels[1]}”" for outcome, labels in OUTCOME_LABELS.items()},
}
_KEY = "|".join(sorted(map(re.escape, _PEOPLES_WORDS), key=len, reverse=True))
# Only what is surely a key: quoted ('accept'), snake_case (intake_review), listed after "choose one of" /
# "allowed:", or a step after "at (step)" — plain English words such as "return" or "draft" in a sentence stay as they are.
_SNAKE = "|".join(sorted((re.escape(key) for key in _PEOPLES_WORDS if "_" in key), key=len, reverse=True))
_QUOTED_OR_SNAKE = re.compile(rf"'(?P<quoted>{_KEY})'|(?<![\w-])(?P<snake>{_SNAKE})(?![\w-])")
_LIST = re.compile(rf"(?P<lead>choose one of |allowed: )(?P<keys>(?:{_KEY})(?:, (?:{_KEY}))*)")
_AT_STEP = re.compile(r"(?P<lead>\bat (?:step )?)(?P<step>" + "|".join(status.value for status in STATUS_LABELS_EN)
                      + r")(?![\w-])")


def peoples_words(message: str) -> str:
    """The API's English message with step and outcome keys replaced by their labels."""
    message = _LIST.sub(lambda m: m["lead"] + ", ".join(_PEOPLES_WORDS[key] for key in m["keys"].split(", ")),
                        message)
    message = _AT_STEP.sub(lambda m: m["lead"] + _PEOPLES_WORDS[m["step"]], message)
    return _QUOTED_OR_SNAKE.sub(lambda m: _PEOPLES_WORDS[m["quoted"] or m["snake"]], message)


# --- deadlines and timeline details as people read them (never "annual:2027" or "report_id") -----------------
SETTLED_BY_EN = {
    "acquisition_window": "Report the equipment acquired by the acquisition deadline",
    "planned_acquisition": "Report the acquisition (or change the plan) by the planned date",
    "annual_report": "File the annual report",
    "revision_request": "Revise and resubmit",
    "step_target": "The official's decision",
    "subsidy_claim": "File the interest subsidy claim",
}
_KEY_KINDS = {"acquisition": "acquisition_window", "planned": "planned_acquisition", "annual": "annual_report",
              "revision": "revision_request", "step": "step_target"}
EVENT_DETAIL_LABELS: dict[str, tuple[str, str]] = {
    "equipment_item_id": ("設備", "Equipment"),
    "deadlines_met": ("満たした期限", "Deadlines met"),
    "deadline": ("期限", "Deadline"),
    "from": ("変更前の期限", "Was due"),
    "to": ("新しい期限", "Now due"),
    "fiscal_year": ("年度", "Fiscal year"),
    "revision": ("補正", "Revision"),
    "version": ("計画の版", "Plan version"),
    "minor": ("軽微な変更", "Minor change"),
    "summary": ("変更の概要", "Summary of the change"),
}
# Internal references a timeline does not show: the row's kind already says what it is about.
HIDDEN_DETAILS = frozenset({"reason", "report_id", "plan_change_id", "first_drawdown_on_key"})


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _kind_value(kind: Any) -> str:
    return str(getattr(kind, "value", kind) or "")


def deadline_label(deadline: Any, lang: str) -> str:
    """What a deadline asks for, in `lang`: the stored Japanese `settled_by`, or its English from the kind, the
    item's description and the fiscal year."""
    kind = _kind_value(_get(deadline, "kind"))
    settled_by = str(_get(deadline, "settled_by") or "")
    year = _get(deadline, "fiscal_year")
    if lang == "ja" and settled_by:
        return settled_by
    if lang == "ja":
        text = DEADLINE_KIND_LABELS.get(kind, ("期限", "Deadline"))[0]
        return f"{text}（{year}年度）" if year else text
    text = SETTLED_BY_EN.get(kind) or DEADLINE_KIND_LABELS.get(kind, ("", "Deadline"))[1]
    _, colon, what = settled_by.partition(": ")
    if colon and what:
        text += f": {what}"
    return f"{text} (FY{year})" if year else text


def deadline_key_label(key: str, deadlines: Any, lang: str) -> str:
    """A deadline's key ("annual:2027", "acquisition:item:11") as its label: the deadline itself when the page
    has it, else what the key's kind and year say."""
    for deadline in deadlines or []:
        if _get(deadline, "key") == key:
            return deadline_label(deadline, lang)
    prefix, _, rest = str(key).partition(":")
    kind = _KEY_KINDS.get(prefix, "")
    year = int(rest) if prefix == "annual" and rest.isdigit() else None
    index = 0 if lang == "ja" else 1
    text = DEADLINE_KIND_LABELS.get(kind, ("期限", "Deadline"))[index]
    if year:
        text += f"（{year}年度）" if lang == "ja" else f" (FY{year})"
    return text


def _item_label(item_id: Any, deadlines: Any) -> str | None:
    for deadline in deadlines or []:
        if _get(deadline, "equipment_item_id") == item_id:
            _, colon, what = str(_get(deadline, "settled_by") or "").partition(": ")
            if colon and what:
                return what
    return None


def event_details(payload: dict[str, Any] | None, lang: str, deadlines: Any = None) -> list[tuple[str, str]]:
    """A timeline event's payload as (label, value) pairs a person reads: deadline keys as the deadline, dates
    as typed with the Japanese era beside them, internal ids left out."""
    index = 0 if lang == "ja" else 1
    rows: list[tuple[str, str]] = []
    for key, value in (payload or {}).items():
        if key in HIDDEN_DETAILS or value is None or value == [] or value == "":
            continue
        label_pair = EVENT_DETAIL_LABELS.get(key) or DECISION_LABELS.get(key) or FIELD_LABELS.get(key)
        label = label_pair[index] if label_pair else None
        if label is None:
            continue  # a key with no words is not shown rather than shown raw
        if key == "equipment_item_id":
            shown = _item_label(value, deadlines)
            if shown is None:
                continue
        elif key in ("deadline",):
            shown = deadline_key_label(str(value), deadlines, lang)
        elif key == "deadlines_met":
            shown = "、".join(deadline_key_label(str(v), deadlines, lang) for v in value) if lang == "ja" \
                else ", ".join(deadline_key_label(str(v), deadlines, lang) for v in value)
        elif key == "fiscal_year":
            shown = f"{value}年度" if lang == "ja" else f"FY{value}"
        elif key == "method":
            shown = COUNCIL_METHOD_LABELS.get(value, (str(value), str(value)))[index]
        elif isinstance(value, bool):
            shown = ("はい", "Yes")[index] if value else ("いいえ", "No")[index]
        elif isinstance(value, list):
            shown = ("、" if lang == "ja" else ", ").join(str(v) for v in value)
        else:
            shown = str(value)
            day = shown[:10]
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                try:
                    shown = f"{day}（{to_japanese_era(date.fromisoformat(day))}）"
                except ValueError:
                    pass
        rows.append((label, shown))
    return rows


class Translator:
    """`t("key", name=...)` in templates; unknown keys show the key, so a missing word is visible in review."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "ja"
        self.index = 0 if self.lang == "ja" else 1

    def __call__(self, key: str, **values: object) -> str:
        pair = MESSAGES.get(key)
        text = pair[self.index] if pair else key
        return text.format(**values) if values else text

    def pick(self, table: dict, key: object) -> str:
        if key is None or key == "":
            return "—"  # nothing to name (never the word "None")
        pair = table.get(key)
        return pair[self.index] if pair else str(key)

    def field(self, path: str) -> str:
        return self.pick(FIELD_LABELS, path)

    def decision_field(self, name: str) -> str:
        return self.pick(DECISION_LABELS, name) if name in DECISION_LABELS else self.field(name)

    def status(self, status: str | None) -> str:
        if not status:
            return "—"
        status = Status(status)
        return STATUS_LABELS_JA[status] if self.lang == "ja" else STATUS_LABELS_EN[status]

    def government(self, government: str | None) -> str:
        if not government:
            return "—"
        government = Government(government)
        return GOVERNMENT_LABELS_JA[government] if self.lang == "ja" else GOVERNMENT_LABELS_EN[government]

    def role(self, role: str | None) -> str:
        return self.pick(ROLE_LABELS, Role(role)) if role in Role.__members__ else str(role or "—")

    def city(self, name: str | None) -> str:
        return self.pick(CITY_LABELS, name) if name else "—"

    def zone_area(self, key: str | None) -> str:
        """An area's name as the cities publish it (English name on English pages); a key the data no longer
        has is shown as stored."""
        area = area_by_key(key)
        if area is None:
            return key or "—"
        return area.name if self.lang == "ja" else area.name_en

    def deadline(self, deadline: Any) -> str:
        return deadline_label(deadline, self.lang)

    def deadline_key(self, key: str, deadlines: Any = None) -> str:
        return deadline_key_label(key, deadlines, self.lang)

    def event_details(self, payload: dict[str, Any] | None, deadlines: Any = None) -> list[tuple[str, str]]:
        return event_details(payload, self.lang, deadlines)

    def aside(self, text: object) -> str:
        """A bracketed addition after a word: full-width brackets in Japanese, " (…)" in English."""
        return f"（{text}）" if self.lang == "ja" else f" ({text})"

    def message(self, ja: str, en: str) -> str:
        """A domain error's message in the page language (both languages come from the service)."""
        return ja if self.lang == "ja" else en
