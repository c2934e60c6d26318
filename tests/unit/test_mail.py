"""Reminder and escalation mail (services/core/notifications/mail.py): Japanese subject and body with the due
date in the Japanese era and Japan time."""

from __future__ import annotations

from datetime import UTC, datetime

from services.core.accounts.models import User
from services.core.applications.models import Application
from services.core.notifications.mail import compose, compose_report_answer, compose_report_query, format_due
from workflows.contracts import DeadlineKind, NotifyInput

DUE = datetime(2027, 9, 21, 14, 59, tzinfo=UTC)  # 23:59 in Japan


def notice(kind: str, lead_days: float | None = None) -> NotifyInput:
    return NotifyInput(application_id=7, kind=kind, audience="applicant", deadline_key="acquisition:1",
                       deadline_kind=DeadlineKind.acquisition_window, settled_by="取得報告の提出",
                       due_at=DUE, lead_days=lead_days, scheduled_at=DUE)


APPLICATION = Application(id=7, organization_id=1, created_by=1, project_name="次世代ペプチド創薬")
USER = User(username="applicant1", password_hash="-", display_name="申請 担当", role="applicant", organization_id=1)


def test_due_dates_read_in_japan_time_and_era():
    assert format_due(DUE) == "令和9年9月21日（2027-09-21）23:59"


def test_reminder_says_how_long_is_left_and_where_to_act():
    subject, body = compose(notice("reminder", 7), APPLICATION, "ペプチドリーム株式会社", USER,
                            "https://tokku.example/applications/7")
    assert subject == "【特区申請】設備の取得期限まであと7日（令和9年9月21日（2027-09-21）23:59）— 次世代ペプチド創薬"
    assert body.startswith("申請 担当 様\n")
    for line in ("申請: 次世代ペプチド創薬（申請番号 7）", "申請者: ペプチドリーム株式会社", "対応: 取得報告の提出",
                 "詳細: https://tokku.example/applications/7"):
        assert line in body.splitlines()


def test_escalation_says_the_deadline_passed():
    subject, body = compose(notice("escalation"), APPLICATION, "ペプチドリーム株式会社", USER, "/applications/7")
    assert subject.startswith("【特区申請・期限超過】設備の取得期限を過ぎました")
    assert "申請者への確認をお願いします" in body


def test_missed_deadline_mail_tells_the_company_what_to_do():
    subject, body = compose(notice("missed"), APPLICATION, "ペプチドリーム株式会社", USER, "/applications/7")
    assert subject.startswith("【特区申請・期限超過】設備の取得期限を過ぎました")
    assert "遅れても提出・報告できます" in body and "対応: 取得報告の提出" in body.splitlines()


def test_query_and_answer_mail_carry_the_note():
    subject, body = compose_report_query(report_kind="acquisition", report_label="#3 合成装置",
                                         note="請求書の写しを添付してください", application=APPLICATION,
                                         company="ペプチドリーム株式会社", user=USER, link="https://tokku.example/a/7")
    assert "照会" in subject and "請求書の写しを添付してください" in body and "https://tokku.example/a/7" in body
    subject, body = compose_report_answer(report_kind="annual", report_label="2026年度", note="内訳です",
                                          corrected=True, application=APPLICATION, company="ペプチドリーム株式会社",
                                          user=USER, link="/a/7")
    assert "回答" in subject and "訂正されています" in body and "内訳です" in body
