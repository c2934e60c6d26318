"""Words on the pages, Japanese first, with English for `?lang=en`. Domain labels (statuses, governments)
come from workflows.rules so a status is called the same everywhere."""

from __future__ import annotations

from workflows.contracts import Government, Role, Status
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
}

MEASURE_LABELS = {
    "tax_incentive": ("国際戦略総合特区設備等投資促進税制（別紙1-2）", "Investment tax incentive (annex 1-2)"),
    "interest_subsidy": ("国際戦略総合特区支援利子補給金（別紙1-5）", "Interest subsidy (annex 1-5)"),
    "regional_innovation_program": ("地域活性化総合特区支援事業（別紙1-4）", "Regional innovation programme (annex 1-4)"),
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
}

# Where a decision field shares a name with a form field but means the designation's own window.
DECISION_LABELS: dict[str, tuple[str, str]] = {
    "acquisition_from": ("取得期間（開始日）", "Acquisition window from"),
    "acquisition_until": ("取得期間（期限）", "Acquisition window until"),
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
    "area_hint": ("区域: {areas}", "Zone areas: {areas}"),
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
    "chart_caption": ("年度別の積み上げ（色）と、期間の経過に応じた目安（赤の破線）。取得報告・事業実施状況報告（照会中を除く）と指定から集計",
                      "Stacked by fiscal year (colours); the red dashed line is where steady progress would be by now. "
                      "From acquisition and annual reports (queried ones left out) and designations."),
}


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

    def message(self, ja: str, en: str) -> str:
        """A domain error's message in the page language (both languages come from the service)."""
        return ja if self.lang == "ja" else en
