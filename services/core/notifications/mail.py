"""Reminder and escalation mail in Japanese: subject and body from what is due, when, what settles it and
where to act. Pure functions; the worker stores and sends what they compose."""

from __future__ import annotations

from datetime import datetime

from services.core.accounts.models import User
from services.core.applications.models import Application
from workflows import rules
from workflows.contracts import NotifyInput
from workflows.deadlines import JST, format_lead
from workflows.jpdates import to_japanese_era
from workflows.plan_change_contracts import PlanChangeNotice

KIND_LABEL_JA = {
    "acquisition_window": "設備の取得期限", "planned_acquisition": "設備の取得予定日",
    "annual_report": "事業実施状況報告の提出期限", "revision_request": "補正の期限", "step_target": "処理の目標期限",
}


def format_due(due_at: datetime) -> str:
    local = due_at.astimezone(JST)
    return f"{to_japanese_era(local.date())}（{local.date().isoformat()}）{local:%H:%M}"


def compose(request: NotifyInput, application: Application, company: str, user: User,
            link: str) -> tuple[str, str]:
    """Japanese subject and body: what is due, when, what settles it, and where to act."""
    project = application.project_name or f"申請 {application.id}"
    label = KIND_LABEL_JA[request.deadline_kind.value]
    due = format_due(request.due_at)
    if request.kind == "reminder":
        days = format_lead(request.lead_days)
        subject = f"【特区申請】{label}まであと{days}日（{due}）— {project}"
        lead = f"{label}まであと{days}日です。期限までに次の対応をお願いします。"
    elif request.kind == "escalation":
        subject = f"【特区申請・期限超過】{label}を過ぎました（{due}）— {project}"
        lead = f"{label}を過ぎましたが、対応が確認できていません。申請者への確認をお願いします。"
    elif request.kind == "planned_date_passed":
        subject = f"【特区申請】設備の取得予定日を過ぎました（{due}）— {project}"
        lead = "取得予定日を過ぎました。取得済みであれば取得報告を、未取得であれば予定の変更をご連絡ください。"
    elif request.kind == "missed":
        subject = f"【特区申請・期限超過】{label}を過ぎました（{due}）— {project}"
        lead = (f"{label}を過ぎましたが、まだ対応が確認できていません。遅れても提出・報告できますので、"
                "次の対応をお願いします。期限の延長が必要な場合は担当の職員にご相談ください。")
    elif request.kind == "step_overdue":
        step = rules.STATUS_LABELS_JA.get(request.step, str(request.step))
        subject = f"【特区申請】「{step}」が目標期間を超過しています — {project}"
        lead = f"「{step}」の処理が目標期限（{due}）を過ぎています。判断をお願いします。"
    else:  # lapsed
        subject = f"【特区申請】補正期限を過ぎたため申請は失効しました — {project}"
        lead = f"補正期限（{due}）までに再提出がなかったため、この申請は失効しました。"
    body = "\n".join([
        f"{user.display_name} 様", "", lead, "",
        f"申請: {project}（申請番号 {application.id}）",
        f"申請者: {company}",
        f"期限: {due}",
        f"対応: {request.settled_by}",
        "",
        f"詳細: {link}",
        "",
        "— tokku 特区申請システム（このメールは送信専用です）",
    ])
    return subject, body


def compose_plan_change(notice: PlanChangeNotice, application: Application, company: str, user: User,
                        link: str) -> tuple[str, str]:
    """Japanese subject and body of a plan change that came into force: minor (recorded and notified) or
    certified (designated again), with what changed."""
    project = application.project_name or f"申請 {application.id}"
    when = format_due(notice.occurred_at)
    if notice.minor:
        subject = f"【特区申請】計画の軽微な変更を記録しました（第{notice.version}版）— {project}"
        lead = ("計画の軽微な変更（総合特別区域法第14条第1項）として記録しました。認定の手続は要しません。"
                f"第{notice.version}版が現行の計画です。")
    else:
        subject = f"【特区申請】計画の変更が認定され、第{notice.version}版が有効になりました — {project}"
        lead = f"計画の変更が認定され、再指定されました。第{notice.version}版が現行の計画です。"
    body = "\n".join([
        f"{user.display_name} 様", "", lead, "",
        f"申請: {project}（申請番号 {application.id}）",
        f"申請者: {company}",
        f"記録日時: {when}",
        "変更内容:",
        *[f"・{line}" for line in notice.summary],
        "",
        f"詳細: {link}",
        "",
        "— tokku 特区申請システム（このメールは送信専用です）",
    ])
    return subject, body


REPORT_KIND_JA = {"acquisition": "設備の取得報告", "annual": "事業実施状況報告"}


def compose_report_query(*, report_kind: str, report_label: str, note: str, application: Application, company: str,
                         user: User, link: str) -> tuple[str, str]:
    """The company is told of an official's query (照会) about its report, with the note, and what to do."""
    project = application.project_name or f"申請 {application.id}"
    kind = REPORT_KIND_JA[report_kind]
    subject = f"【特区申請・照会】{kind}（{report_label}）について照会があります — {project}"
    body = "\n".join([
        f"{user.display_name} 様", "",
        f"{kind}（{report_label}）について、担当の職員から照会がありました。", "",
        "照会の内容:", *[f"  {line}" for line in note.splitlines() or [note]], "",
        "申請のページで回答してください。必要に応じて報告を訂正し（訂正前の版も保存されます）、書類を添付できます。",
        "回答するまで、この報告の期限は未了に戻ります。", "",
        f"申請: {project}（申請番号 {application.id}）",
        f"申請者: {company}", "",
        f"回答する: {link}", "",
        "— tokku 特区申請システム（このメールは送信専用です）",
    ])
    return subject, body


def compose_report_answer(*, report_kind: str, report_label: str, note: str, corrected: bool,
                          application: Application, company: str, user: User, link: str) -> tuple[str, str]:
    """The officials are told the company answered their query (and whether it corrected the report)."""
    project = application.project_name or f"申請 {application.id}"
    kind = REPORT_KIND_JA[report_kind]
    subject = f"【特区申請】照会への回答がありました: {kind}（{report_label}）— {project}"
    body = "\n".join([
        f"{user.display_name} 様", "",
        f"{company} から、{kind}（{report_label}）の照会に回答がありました。"
        + ("報告は訂正されています（訂正前の版も保存されています）。" if corrected else ""), "",
        "回答:", *[f"  {line}" for line in note.splitlines() or [note]], "",
        "報告を確認し、確認または再度の照会をお願いします。", "",
        f"申請: {project}（申請番号 {application.id}）", "",
        f"詳細: {link}", "",
        "— tokku 特区申請システム（このメールは送信専用です）",
    ])
    return subject, body
