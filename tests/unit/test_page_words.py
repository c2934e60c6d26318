"""Words people read (issue 20): every jinja2 template, rendered in Japanese and in English with sample data,
shows no untranslated message (a message key the dictionary lacks, English on a Japanese page, Japanese on an
English one), no internal key ("report_id", "annual:2027") and no enum value ("intake_review", "machinery").
Mail is checked the same way. Templates are found on disk, so a new one is covered (and must get sample data
here if it needs more than the shared sample).

No server: the templates are rendered with the pages' own jinja2 environment, filters and Translator."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChainableUndefined
from pydantic import ValidationError

from services.api.pages import i18n
from services.api.pages.decision_form import decision_fields
from services.api.pages.forms import SECTIONS, FormState, pydantic_errors, state_from_content
from services.api.pages.i18n import Translator
from services.api.pages.web import TEMPLATES_DIR, templates
from services.core.applications.schemas import ApplicationContent
from services.core.notifications.mail import compose, compose_plan_change
from workflows.contracts import DECISION_FIELDS, DeadlineKind, Government, NotifyInput, Role, Status
from workflows.jpdates import to_japanese_era

TEMPLATE_NAMES = sorted(p.name for p in Path(TEMPLATES_DIR).glob("*.html"))
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


class Obj:
    """Sample data read as attributes, as the pages' pydantic models are."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)


class StrictTranslator(Translator):
    """The pages' Translator, noting every key or label it has no words for (the page shows the key then)."""

    def __init__(self, lang: str) -> None:
        super().__init__(lang)
        self.missing: list[str] = []

    def __call__(self, key: str, **values: object) -> str:
        if key not in i18n.MESSAGES:
            self.missing.append(f"message key {key!r}")
        return super().__call__(key, **values)

    def pick(self, table: dict, key: object) -> str:
        if key and key not in table and not isinstance(key, ChainableUndefined):
            self.missing.append(f"label for {key!r}")
        return super().pick(table, key)


# --- sample data: what the pages pass, with the values that have leaked before -------------------------------

def _deadline(id_: int, key: str, kind: str, settled_by: str, **extra: Any) -> Obj:
    return Obj(id=id_, key=key, kind=kind, settled_by=settled_by, due_at=NOW + timedelta(days=30 * id_),
               original_due_at=NOW, state="open", equipment_item_id=extra.get("equipment_item_id"),
               fiscal_year=extra.get("fiscal_year"), step=extra.get("step"), extension_reason=None)


DEADLINES = [
    _deadline(1, "acquisition:item:11", "acquisition_window", "取得期限までの設備取得の報告: 質量分析装置",
              equipment_item_id=11),
    _deadline(2, "planned:item:11", "planned_acquisition", "取得予定日までの設備取得の報告（または予定の変更）: 質量分析装置",
              equipment_item_id=11),
    _deadline(3, "annual:2027", "annual_report", "事業実施状況報告の提出（2027年度）", fiscal_year=2027),
    _deadline(4, "annual:2026", "annual_report", "事業実施状況報告の提出（2026年度）", fiscal_year=2026),
]
DEADLINES[3].state = "missed"  # the overdue list (issue 20: missed deadlines shown to the company)

CONTENT = {
    "measure": "tax_incentive", "project_name": "次世代ペプチド創薬", "solution": 1,
    "applicant": {"corporate_number": "1010001110005", "name": "ペプチド株式会社", "postal_code": "210-0821",
                  "address": "川崎市川崎区殿町三丁目", "phone": "044-000-0000", "founded_on": "2006-07-03",
                  "capital_jpy": 3900000, "industry": "医薬品", "business_summary": "創薬",
                  "details": "詳細", "history": [{"date": "2010-04-01", "text": "本社移転"}]},
    "content": "創薬", "rule_clauses": ["第一条"], "necessity": "必要性", "equipment_overview": "概要",
    "implementer": "実施主体", "business_area": "川崎市川崎区殿町三丁目", "business_start_on": "2026-04-01",
    "acquisition_from": "2026-04-01", "acquisition_until": "2027-03-31",
    "equipment_items": [{"asset_class": "machinery", "description": "質量分析装置", "planned_cost_jpy": 50000000,
                         "planned_acquisition_on": "2026-10-01"}],
    "undisclosed_fields": ["applicant.capital_jpy"],
}


def _event(seq: int, kind: str, step: str | None, outcome: str | None, status_after: str, payload: dict) -> Obj:
    return Obj(seq=seq, kind=kind, step=step, outcome=outcome, status_after=status_after, payload=payload,
               actor="担当 一郎", actor_role="local_official", reason="理由", occurred_at=NOW, content_version=1)


EVENTS = [
    _event(1, "submitted", None, None, "intake_review", {}),
    _event(2, "decision", "intake_review", "accept", "council_consultation", {"reason": "受理"}),
    _event(3, "decision", "council_consultation", "agree", "local_filing",
           {"method": "meeting", "held_from": "2026-05-01", "held_to": "2026-05-02", "opinions": ["意見"]}),
    _event(4, "decision", "designation", "designate", "follow_up",
           {"designation_number": "第1号", "designated_on": "2026-06-01", "acquisition_from": "2026-06-01",
            "acquisition_until": "2027-03-31"}),
    _event(5, "acquisition_reported", "follow_up", None, "follow_up",
           {"report_id": 4, "equipment_item_id": 11, "deadlines_met": ["acquisition:item:11", "planned:item:11"]}),
    _event(6, "acquisition_reviewed", "follow_up", "query", "follow_up", {"report_id": 4, "equipment_item_id": 11}),
    _event(7, "annual_report_filed", "follow_up", None, "follow_up", {"report_id": 2, "fiscal_year": 2027}),
    _event(8, "deadline_extended", "follow_up", None, "follow_up",
           {"deadline": "annual:2027", "from": "2028-06-30T14:59:00+00:00", "to": "2028-07-31T14:59:00+00:00"}),
    _event(9, "deadline_missed", "follow_up", None, "follow_up", {"deadline": "acquisition:item:11"}),
    _event(10, "plan_changed", "follow_up", None, "follow_up",
           {"plan_change_id": 3, "version": 2, "minor": True, "summary": ["取得予定日の変更"]}),
]

APPLICATION = Obj(
    id=7, project_name="次世代ペプチド創薬", status="follow_up", current_step="intake_review", returned_from=None,
    measure="tax_incentive", zone_area=None, government="kawasaki", organization_id=1, content=CONTENT,
    content_version=1, events=EVENTS, updated_at=NOW, created_at=NOW,
    due_dates=[Obj(kind="step_target", step="intake_review", due_at=NOW + timedelta(days=3))],
)

ACQUISITION = Obj(id=4, asset_class="machinery", description="質量分析装置", location="川崎市川崎区殿町三丁目",
                  building_name=None, actual_cost_jpy=48000000, acquired_on="2026-09-01", in_service_on="2026-09-15",
                  rule_findings=[{"rule": "late", "message_ja": "取得予定日を過ぎています", "message": "after the planned date"}],
                  tax_benefit=None, review_status="queried", review_note="見積書を添付してください")
ANNUAL = Obj(id=2, fiscal_year=2027, investment_to_date_jpy=48000000, employees=10, international_trials=1,
             products_launched=0, training_participants=3, data_science=True, note="報告", review_status="pending",
             review_note=None, filed_at=NOW)


def _form_state() -> FormState:
    """The application form after a refused save: each error pydantic gives, said by the pages."""
    state = state_from_content(CONTENT)
    bad = {**CONTENT, "solution": "x", "applicant": {**CONTENT["applicant"], "postal_code": "1"},
           "equipment_items": [{"asset_class": "lorry", "description": "", "planned_cost_jpy": -1}],
           "acquisition_until": "2020-01-01"}
    try:
        ApplicationContent.model_validate(bad)
    except ValidationError as error:
        state.errors_source = error  # type: ignore[attr-defined]
    return state


# Every step's decision fields and outcomes on one form: each needs its words.
ALL_DECISION_FIELDS = list({f.name: f for step in DECISION_FIELDS for f in decision_fields(step, None)}.values())
ALL_OUTCOMES = sorted({outcome for step in DECISION_FIELDS for outcome in DECISION_FIELDS[step]})


def sample_context(lang: str, t: Translator) -> dict[str, Any]:
    state = _form_state()
    for item in pydantic_errors(state.errors_source, lang):  # type: ignore[attr-defined]
        (state.errors.setdefault(item["field"], []) if item["field"] else state.general_errors).append(item["message"])
    user = Obj(id=3, username="official1", display_name="担当 一郎", role="local_official", government="kawasaki",
               organization_id=None, totp_secret=None)
    field_change = Obj(path="equipment_items.0.planned_acquisition_on", kind="minor", rule="planned_date", before="2026-10-01",
                       after="2026-12-01", item_number=1, item_description="質量分析装置",
                       explanation_ja="取得予定日の変更", explanation_en="Planned acquisition date moved")
    change = Obj(id=3, status="awaiting_classification", classification="secretariat", classification_reason="理由",
                 reason="取得時期の変更", base_version=1, version=2, minor=None, current_step="council_consultation",
                 field_changes=[field_change],
                 events=[_event(1, "submitted", None, None, "awaiting_classification", {}),
                         _event(2, "decision", "council_consultation", "agree", "local_filing", {"method": "ict"})])
    loan = Obj(id=5, borrower_name="ペプチド株式会社", borrower_corporate_number="1010001110005", lender="横浜銀行",
               government="kawasaki", status="servicing", current_step=None, plan_project="1",
               plan_project_name="創薬拠点", business_area="川崎市川崎区殿町三丁目", contracted_on="2026-04-01",
               first_drawdown_on="2026-04-10", eligible_from="2026-04-10", eligible_until="2031-03-31",
               interest_rate_percent=1.2, subsidy_rate_percent=0.7, principal_jpy=100000000, events=[], claims=[],
               contract_total_jpy=100000000)
    acquisitions = Obj(count=1, companies=1, total_cost_jpy=48000000)
    draft = Obj(fiscal_year=2027, label="令和9年度", figures=[], targets=[], designations=[],
                acquisitions=acquisitions, loans=Obj(note="", count=1, total_jpy=1000000))
    return {
        "lang": lang, "t": t, "user": user, "csrf_token": "token", "flashes": [{"key": "saved", "kind": "ok"}],
        "path": "/applications/7", "other_lang_url": "/applications/7?lang=en",
        "application": APPLICATION, "status": Status.follow_up, "deadlines": DEADLINES,
        "notifications": [Obj(subject="【特区申請】期限のお知らせ", created_at=NOW, application_id=7)],
        "attachments": [Obj(id=1, application_id=7, filename="見積書.pdf", content_type="application/pdf",
                            size_bytes=1000, sha256="ab", created_at=NOW)],
        "can_decide": True, "can_edit": True, "can_withdraw": True, "is_owner": True, "can_report": True,
        "can_review": True, "can_propose_change": True, "can_edit_attachments": True, "holder_role": "local_official",
        "decision_fields": ALL_DECISION_FIELDS, "outcomes": ALL_OUTCOMES,
        "decision_values": {}, "decision_errors": {"outcome": ["一覧から選択してください" if lang == "ja" else "Choose one"]},
        "decision_general": [], "designation": EVENTS[3].payload, "sections": SECTIONS, "max_mb": 10,
        "acquisitions": [ACQUISITION], "annual_reports": [ANNUAL], "tax_benefits": None,
        "current_fiscal_year": 2027,
        # A query and the company's answer with a corrected version and a document (the conversation thread).
        "report_messages": [
            Obj(id=1, report_kind="acquisition", report_id=4, kind="query", note="見積書を添付してください",
                corrected=False, version=1, attachment_ids=[], author_id=3, created_at=NOW),
            Obj(id=2, report_kind="acquisition", report_id=4, kind="answer", note="添付しました", corrected=True,
                version=2, attachment_ids=[1], author_id=1, created_at=NOW)],
        "benefit_input": Obj(error=None, raw={}, fiscal_year=2027, corporate_tax_jpy=None),
        "follow_up_form": "extend-3", "follow_up_values": {}, "follow_up_errors": {}, "follow_up_general": [],
        "versions": [Obj(version=1, basis="designation", in_force=True, in_force_from=NOW, plan_change_id=None)],
        "plan_changes": [change], "change": change,
        "state": state, "draft_key": "k", "asset_classes": ("machinery", "rd_instrument"),
        "tasks": [Obj(application_id=7, step="intake_review", project_name="次世代ペプチド創薬",
                      applicant_name="ペプチド株式会社", zone_area=None, government="kawasaki",
                      due_at=NOW + timedelta(days=2), overdue=False),
                  Obj(application_id=8, step="follow_up", project_name=None, applicant_name=None, zone_area=None,
                      government="yokohama", due_at=None, overdue=False)],
        "sort": "due", "sorts": {"due": "sort_due"}, "loan_tasks": [loan], "change_tasks": [change],
        "page": Obj(items=[Obj(id=7, project_name="次世代ペプチド創薬", applicant_name="ペプチド株式会社",
                               status="draft", government="kawasaki", updated_at=NOW, revision_due_at=None,
                               step_due_at=NOW + timedelta(days=5))], next_cursor=None),
        "draft": draft, "report": Obj(rows=[], by_plan_project={}, by_fiscal_year={}), "years": [2026, 2027], "target_numbers": [],
        "filters": Obj(company="", status="", government=""), "next_url": None,
        "statuses": list(Status), "governments": list(Government), "projects": [("1", "創薬拠点")],
        "status_code": 409, "message_ja": "この操作はできません", "message_en": "This cannot be done now",
        "messages": ["入力してください" if lang == "ja" else "Required"], "ok": False,
        "loans": [loan], "loan": loan, "values": {}, "errors": {}, "form_error": None, "prefilled": None,
        "official_roles": [Role.secretariat, Role.local_official], "rows": [], "codes": ["abcd-efgh"],
        "heading": t("confirm_disable"), "text": t("confirm_hand_over_text", name="担当 一郎", username="official1"),
        "button": t("do_disable"), "target": user, "back": "/users", "action": "/users/3/disable",
    }


# --- what a page may not show ---------------------------------------------------------------------------------

class VisibleText(HTMLParser):
    """Text a person reads or hears: element text (not script/style) and the attributes read out."""

    SPOKEN = ("aria-label", "title", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.parts.append(value)
        if tag == "input" and dict(attrs).get("type") in ("submit", "button") and dict(attrs).get("value"):
            self.parts.append(dict(attrs)["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def _strings(value: Any) -> set[str]:
    """Every text in the sample data: what a person typed is shown as typed, in whatever language."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, Obj):
        value = vars(value)
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


TYPED = sorted(_strings(CONTENT) | {"取得予定日の変更", "意見", "第1号", "担当 一郎", "ペプチド株式会社", "横浜銀行", "創薬拠点", "見積書.pdf", "application/pdf", "official1", "abcd-efgh",
                  "【特区申請】期限のお知らせ", "見積書を添付してください", "添付しました", "理由", "取得時期の変更"},
               key=len, reverse=True)
ENUM_VALUES = {str(v.value) for enum in (Status, Role, Government, DeadlineKind) for v in enum} \
    | set(i18n.ASSET_CLASS_LABELS) | set(i18n.MEASURE_LABELS) | set(i18n.OUTCOME_LABELS) \
    | set(i18n.CHANGE_STATUS_LABELS) | set(i18n.EVENT_KIND_LABELS) | set(i18n.COUNCIL_METHOD_LABELS)
# Words that are the same in both languages: names, abbreviations, the examples the hints give.
ENGLISH_ON_JA = {"HTML", "XLSX", "Atom", "SHA-", "GIF", "JPEG", "PNG", "WebP", "tokku", "English", "PDF", "CSV", "JSON", "API", "URL", "ICT", "OIDC", "TOTP", "ID", "QR", "Excel", "JavaScript",
                 "xlsx", "iCalendar", "ics", "gBizID", "Keihin", "MB", "FY", "No", "e-Gov", "Gov"}
JAPANESE_ON_EN = {"日本語", "非公表", "川崎市川崎区殿町三丁目25番22号", "令和8年4月1日", "明治", "大正", "昭和", "平成", "令和", "和暦", "特区", "円"}
INTERNAL = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[a-z]+:[a-z0-9]+(?::[a-z0-9]+)*\b")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]+")


def problems_in(text: str, lang: str) -> list[str]:
    for typed in TYPED:  # typed data is shown as typed
        text = text.replace(typed, " ")
    text = re.sub(r"https?://\S+|/[\w/.\-?=&#]+", " ", text)  # addresses are not words
    found = []
    for match in INTERNAL.findall(text):
        found.append(f"internal key {match!r}")
    for word in re.findall(r"[A-Za-z_]+", text):
        if word in ENUM_VALUES and ("_" in word or lang == "ja"):
            found.append(f"enum value {word!r}")
    if lang == "ja":
        found += [f"English on a Japanese page: {w!r}" for w in ENGLISH_WORD.findall(text)
                  if w not in ENGLISH_ON_JA and w not in ENUM_VALUES]
    else:
        found += [f"Japanese on an English page: {w!r}" for w in JAPANESE.findall(text)
                  if not any(w in allowed or allowed in w for allowed in JAPANESE_ON_EN)]
    return found


def render(name: str, lang: str) -> tuple[str, StrictTranslator]:
    t = StrictTranslator(lang)
    env = templates.env.overlay(undefined=ChainableUndefined)
    html = env.get_template(name).render(sample_context(lang, t))
    return html, t


def test_every_template_is_found():
    assert {"application.html", "form.html", "inbox.html", "base.html"} <= set(TEMPLATE_NAMES)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_words(name: str, lang: str):
    html, t = render(name, lang)
    found = sorted(set(t.missing + problems_in(visible_text(html), lang)))
    assert not found, f"{name} ({lang}): " + "; ".join(found)


def test_sample_data_reaches_the_leaky_places():
    """The sample shows what leaked before: timeline payloads, deadline keys, pydantic errors."""
    ja = visible_text(render("application.html", "ja")[0])
    assert "満たした期限" in ja and "事業実施状況報告の提出（2027年度）" in ja
    en = visible_text(render("application.html", "en")[0])
    assert "Deadlines met" in en and "File the annual report (FY2027)" in en
    form = visible_text(render("form.html", "ja")[0])
    assert "一覧から選択してください" in form and "郵便番号「1」は7桁で入力してください" in form


def test_the_checker_catches_what_leaked_before():
    assert problems_in("report_id 4", "ja")
    assert problems_in("deadlines_met acquisition:item:11", "en")
    assert problems_in("延長（annual:2027）", "ja")
    assert problems_in("Field required", "ja")
    assert problems_in("Input should be 'machinery'", "ja")
    assert problems_in("入力してください", "en")
    assert not problems_in("入力してください", "ja") and not problems_in("Required", "en")


# --- mail -------------------------------------------------------------------------------------------------

MAIL_KINDS = ("reminder", "escalation", "missed", "planned_date_passed", "step_overdue", "lapsed")


@pytest.mark.parametrize("kind", MAIL_KINDS)
@pytest.mark.parametrize("deadline_kind", [k for k in DeadlineKind if k.value in
                                           ("acquisition_window", "planned_acquisition", "annual_report",
                                            "revision_request", "step_target")])
def test_mail_words(kind: str, deadline_kind: DeadlineKind):
    from services.core.accounts.models import User
    from services.core.applications.models import Application

    request = NotifyInput(application_id=7, kind=kind, audience="applicant", deadline_key="annual:2027",
                          deadline_kind=deadline_kind, settled_by="事業実施状況報告の提出（2027年度）",
                          due_at=NOW, lead_days=7 if kind == "reminder" else None, scheduled_at=NOW,
                          step=Status.intake_review)
    application = Application(id=7, organization_id=1, created_by=1, project_name="次世代ペプチド創薬")
    user = User(username="applicant1", password_hash="-", display_name="申請 担当", role="applicant",
                organization_id=1)
    subject, body = compose(request, application, "ペプチド株式会社", user, "https://tokku.example/applications/7")
    found = problems_in(subject + "\n" + body.replace("申請 担当", ""), "ja")
    assert not found, f"{kind}/{deadline_kind.value}: {found}"


def test_plan_change_mail_words():
    from services.core.accounts.models import User
    from services.core.applications.models import Application
    from workflows.plan_change_contracts import PlanChangeNotice

    notice = PlanChangeNotice.model_construct(application_id=7, plan_change_id=3, version=2, minor=True,
                                              summary=["取得予定日の変更"], occurred_at=NOW)
    application = Application(id=7, organization_id=1, created_by=1, project_name="次世代ペプチド創薬")
    user = User(username="applicant1", password_hash="-", display_name="申請 担当", role="applicant",
                organization_id=1)
    subject, body = compose_plan_change(notice, application, "ペプチド株式会社", user,
                                        "https://tokku.example/applications/7")
    assert not problems_in(subject + "\n" + body.replace("申請 担当", ""), "ja")


def test_dates_in_the_timeline_carry_the_era():
    rows = dict(i18n.event_details(EVENTS[3].payload, "ja", DEADLINES))
    assert rows["指定日"] == f"2026-06-01（{to_japanese_era(date(2026, 6, 1))}）"
    assert "designation_number" not in rows and "指定番号" in rows


@pytest.mark.parametrize("report_kind", ["acquisition", "annual"])
@pytest.mark.parametrize("corrected", [False, True])
def test_report_query_and_answer_mail_words(report_kind: str, corrected: bool):
    from services.core.accounts.models import User
    from services.core.applications.models import Application
    from services.core.notifications.mail import compose_report_answer, compose_report_query

    application = Application(id=7, organization_id=1, created_by=1, project_name="次世代ペプチド創薬")
    user = User(username="applicant1", password_hash="-", display_name="申請 担当", role="applicant",
                organization_id=1)
    label = "質量分析装置" if report_kind == "acquisition" else "令和9年度"
    query = compose_report_query(report_kind=report_kind, report_label=label, note="見積書を添付してください",
                                 application=application, company="ペプチド株式会社", user=user,
                                 link="https://tokku.example/applications/7")
    answer = compose_report_answer(report_kind=report_kind, report_label=label, note="添付しました",
                                   corrected=corrected, application=application, company="ペプチド株式会社",
                                   user=user, link="https://tokku.example/applications/7")
    for subject, body in (query, answer):
        found = problems_in(subject + "\n" + body.replace("申請 担当", ""), "ja")
        assert not found, f"{report_kind}: {found}"
