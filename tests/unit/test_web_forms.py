"""The pieces under the web pages that need no browser: attachment type and name checks, and the form ↔
content translation (rows in document order, blank rows dropped, numbers as people type them)."""

from __future__ import annotations

from starlette.datastructures import FormData

from services.api.pages.decision_form import decision_body, decision_fields
from services.api.pages.forms import content_data, state_from_content, state_from_form, validate_content
from services.core.applications.attachments import safe_filename, sniff_type
from services.core.applications.schemas import ApplicationContent
from workflows.contracts import Status


def test_type_comes_from_the_bytes_not_the_name():
    assert sniff_type(b"%PDF-1.7\n...") == ("application/pdf", "pdf")
    assert sniff_type(b"\x89PNG\r\n\x1a\n....") == ("image/png", "png")
    assert sniff_type(b"\xff\xd8\xff\xe0....") == ("image/jpeg", "jpg")
    assert sniff_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", "webp")
    assert sniff_type(b"MZ\x90\x00") is None
    assert sniff_type(b"<html><script>") is None


def test_safe_file_names():
    assert safe_filename("../../etc/passwd", "pdf") == "passwd.pdf"
    assert safe_filename("C:\\Users\\x\\見積書 (最終).PDF", "pdf") == "見積書_最終.pdf"
    assert safe_filename("photo.exe", "png") == "photo.png"
    assert safe_filename("", "jpg") == "attachment.jpg"


def test_form_rows_in_document_order_blank_rows_dropped():
    form = FormData([
        ("project_name", " 事業 "), ("applicant.capital_jpy", "３,９００,０００円"),
        ("equipment_items.n2.asset_class", "rd_instrument"), ("equipment_items.n2.description", "質量分析計"),
        ("equipment_items.n2.planned_cost_jpy", "15,000,000"),
        ("equipment_items.n1.asset_class", "machinery"), ("equipment_items.n1.description", ""),
        ("rule_clauses", "施行規則第1条第2項第1号\n\n施行規則第1条第2項第4号"),
        ("applicant.history", "令和2年4月1日 本社移転\n創業"),
        ("undisclosed_fields", "necessity"),
    ])
    state = state_from_form(form)
    assert [row["token"] for row in state.items] == ["n2"]  # n1 has nothing but the default class
    data = content_data(state)
    assert data["project_name"] == "事業"
    assert data["applicant"]["capital_jpy"] == "3900000"
    assert data["rule_clauses"] == ["施行規則第1条第2項第1号", "施行規則第1条第2項第4号"]
    assert data["applicant"]["history"] == [{"date": "令和2年4月1日", "text": "本社移転"}, {"text": "創業"}]
    content = validate_content(state, "ja")
    assert content is not None and content.equipment_items[0].planned_cost_jpy == 15_000_000
    assert content.applicant.history[0].date.isoformat() == "2020-04-01"
    again = state_from_content(content.model_dump(mode="json"))
    assert again.values["applicant.capital_jpy"] == "3,900,000" and again.items[0]["planned_cost_jpy"] == "15,000,000"


def test_errors_land_on_the_field_they_belong_to():
    state = state_from_form(FormData([("applicant.corporate_number", "1234567890123"),
                                      ("equipment_items.x.description", "設備"),
                                      ("equipment_items.x.planned_cost_jpy", "abc")]))
    assert validate_content(state, "ja") is None
    assert "法人番号「1234567890123」" in state.errors["applicant.corporate_number"][0]
    assert state.errors["equipment_items.0.planned_cost_jpy"][0].startswith("整数で入力してください")
    assert state.errors["equipment_items.0.asset_class"]


def test_decision_form_follows_the_contract():
    council = {f.name: f for f in decision_fields(Status.council_consultation)}
    assert council["method"].kind == "select" and council["method"].choices == ("meeting", "individual_visits", "ict")
    assert council["held_from"].kind == "date" and council["held_from"].required_for == ["agree"]
    assert council["opinions"].kind == "lines"
    assert list(council)[-1] == "reason" and council["reason"].required_for == ["return", "reject"]
    body, raw = decision_body(Status.national_review, FormData([
        ("outcome", "return"), ("reason", "資料不足"), ("certified_on", "2022-09-30"), ("reference", "")]))
    assert body == {"step": "national_review", "outcome": "return", "reason": "資料不足"}  # certify's fields left out
    assert raw["certified_on"] == "2022-09-30"  # still shown if the decision is refused


def test_dates_stay_as_typed():
    """和暦 stays 和暦 through a save (the ISO date beside it on the pages); ISO stays ISO; a typed form that no
    longer reads as the stored date is dropped."""
    form = FormData([
        ("business_start_on", "令和4年9月1日"), ("acquisition_from", "2022-09-01"),
        ("applicant.founded_on", "平成18年7月3日"), ("applicant.history", "令和2年4月1日 本社移転"),
        ("equipment_items.a.asset_class", "machinery"), ("equipment_items.a.description", "装置"),
        ("equipment_items.a.planned_cost_jpy", "1000"), ("equipment_items.a.planned_acquisition_on", "令和5年6月1日"),
    ])
    content = validate_content(state_from_form(form), "ja")
    assert content is not None
    assert content.business_start_on.isoformat() == "2022-09-01"
    assert content.typed_dates == {"business_start_on": "令和4年9月1日", "applicant.founded_on": "平成18年7月3日",
                                   "applicant.history.0.date": "令和2年4月1日",
                                   "equipment_items.0.planned_acquisition_on": "令和5年6月1日"}
    again = state_from_content(content.model_dump(mode="json"))
    assert again.values["business_start_on"] == "令和4年9月1日" and again.values["acquisition_from"] == "2022-09-01"
    assert again.values["applicant.history"] == "令和2年4月1日 本社移転"
    assert again.items[0]["planned_acquisition_on"] == "令和5年6月1日"

    stale = ApplicationContent.model_validate({**content.model_dump(mode="json"), "business_start_on": "2023-01-01"})
    assert "business_start_on" not in stale.typed_dates


def test_dates_are_shown_as_typed_with_the_other_form_beside():
    from services.api.pages.web import typed_date

    assert typed_date("2022-09-01", "令和4年9月1日") == "令和4年9月1日（2022-09-01）"
    assert typed_date("2022-09-01") == "2022-09-01（令和4年9月1日）"
    assert typed_date(None) == "—"


def test_a_window_ending_before_it_starts_is_refused_next_to_its_end():
    state = state_from_form(FormData([("acquisition_from", "2023-04-01"), ("acquisition_until", "令和5年3月31日")]))
    assert validate_content(state, "ja") is None
    assert state.errors["acquisition_until"] == ["取得期限は取得開始日以降にしてください"]
    assert not state.general_errors
    state = state_from_form(FormData([("acquisition_from", "2023-04-01"), ("acquisition_until", "2023-03-31")]))
    assert validate_content(state, "en") is None
    assert state.errors["acquisition_until"] == ["the acquisition deadline must not be before the acquisition start"]
